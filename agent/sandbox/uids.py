"""Host-wide leases on the uids that root gives each jailed kernel.

A sandbox's uid keeps its processes, files, process limit and keyring apart from every other
sandbox's, so no two live sandboxes on one host may share one, even when they belong to two
replicas. A lease is an exclusive `flock` on a file named after the uid in a directory every
replica on the host shares; the kernel drops the lock when the holder closes it or dies, so a
crashed replica leaks nothing. The uids come from a block that no range in /etc/subuid or
/etc/subgid touches, so a sandbox never shares a uid with some user's rootless containers.
"""

from __future__ import annotations

import fcntl
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from agent.errors import SandboxUnavailable

DEFAULT_LEASE_DIR = Path("/run/dataagent/uids")
# Above the ranges Debian hands out in /etc/subuid (100000 + 65536 per user) and below systemd's
# container block (0x70000000); uids this high are never a login account.
DEFAULT_FIRST_UID = 1_600_000_000
DEFAULT_COUNT = 65_536
_SUBID_FILES = (Path("/etc/subuid"), Path("/etc/subgid"))


@dataclass(frozen=True)
class UidRange:
    first: int
    count: int

    def overlaps(self, other: UidRange) -> bool:
        return self.first < other.first + other.count and other.first < self.first + self.count


class UidLease:
    """One held uid; `release()` (or the holder's death) gives it back."""

    def __init__(self, uid: int, fd: int) -> None:
        self.uid = uid
        self._fd: int | None = fd

    def release(self) -> None:
        # The file stays: unlinking a locked file would let two holders lock two inodes of one name.
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def subid_ranges(files: tuple[Path, ...] = _SUBID_FILES) -> list[UidRange]:
    """Every `name:first:count` range in the subordinate id files (missing files have none)."""
    ranges: list[UidRange] = []
    for path in files:
        try:
            lines = path.read_text().splitlines()
        except OSError:
            continue
        for line in lines:
            parts = line.strip().split(":")
            if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
                ranges.append(UidRange(int(parts[1]), int(parts[2])))
    return ranges


class UidAllocator:
    """Leases uids from `pool` in `lease_dir`, skipping any that a subordinate id range covers."""

    def __init__(
        self,
        lease_dir: Path = DEFAULT_LEASE_DIR,
        pool: UidRange = UidRange(DEFAULT_FIRST_UID, DEFAULT_COUNT),
        subid_files: tuple[Path, ...] = _SUBID_FILES,
    ) -> None:
        self._dir = lease_dir
        self._pool = pool
        self._reserved = subid_ranges(subid_files)

    def _usable(self, uid: int) -> bool:
        return not any(r.overlaps(UidRange(uid, 1)) for r in self._reserved)

    def lease(self) -> UidLease:
        """A uid no other live sandbox on this host holds.

        Raises:
            SandboxUnavailable: the lease directory cannot be used or every uid of the pool is taken.
        """
        try:
            self._dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            raise SandboxUnavailable(
                f"The local sandbox cannot keep uid leases in {self._dir} ({exc.strerror}).", misconfigured=True
            ) from None
        # Start at a random point so replicas starting together do not all contend for the first uid.
        start = secrets.randbelow(self._pool.count)
        for step in range(self._pool.count):
            uid = self._pool.first + (start + step) % self._pool.count
            if self._usable(uid) and (lease := self._try(uid)) is not None:
                return lease
        raise SandboxUnavailable("Every sandbox uid on this host is in use; try again when a sandbox closes.")

    def _try(self, uid: int) -> UidLease | None:
        fd = os.open(self._dir / str(uid), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return None
        return UidLease(uid, fd)
