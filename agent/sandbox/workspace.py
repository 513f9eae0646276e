"""The host-side directory of one local sandbox, and the sweep of those dead processes left.

A workspace holds what the host gives the jail: the datasets (bound read-only at DATA_DIR) and
the kernel's connection file (bound read-only too; it carries the key that signs messages). The
jail can write to neither. Its owner holds an exclusive `flock` on a lock file inside it for as
long as the sandbox lives, and the kernel drops that lock when the owner dies, so a start-up
sweep can tell a dead process's leftovers from a live replica's workspace on the same host.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from agent import texts
from agent.errors import SandboxUnavailable

log = logging.getLogger(__name__)

PREFIX = "dataagent-sbx-"
_LOCK = ".owner.lock"
# Only directories older than this are swept: a replica may be between making one and locking it.
SWEEP_MIN_AGE_S = 60.0
# Leftovers of the earlier layout, which kept the kernel's sockets in a host directory under /tmp.
_LEGACY_IPC = (Path("/tmp"), "da-ipc-")


@dataclass
class Workspace:
    path: Path
    lock_fd: int

    @property
    def data(self) -> Path:
        return self.path / "data"

    @property
    def connection_file(self) -> Path:
        return self.path / "kernel.json"

    def write_connection(self, connection: Mapping[str, object]) -> None:
        self.connection_file.write_text(json.dumps(connection))
        # Readable by the kernel's uid through the bind; the 0700 workspace keeps every other uid out.
        self.connection_file.chmod(0o644)

    def remove(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
        with contextlib.suppress(OSError):
            os.close(self.lock_fd)


def make(root: Path | None) -> Workspace:
    """A new, locked workspace under `root` (the temp directory when None)."""
    path = Path(tempfile.mkdtemp(prefix=PREFIX, dir=root))
    fd = os.open(path / _LOCK, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    (path / "data").mkdir(mode=0o755)
    (path / "data").chmod(0o755)
    return Workspace(path, fd)


def _abandoned(path: Path, now: float, min_age_s: float) -> bool:
    """Whether no live process holds `path`'s lock (a directory too young to judge is kept)."""
    try:
        if now - path.lstat().st_mtime < min_age_s:
            return False
        fd = os.open(path / _LOCK, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o600)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)
    return True


def sweep(root: Path | None, min_age_s: float = SWEEP_MIN_AGE_S) -> int:
    """Remove the workspaces (and legacy socket directories) that dead processes left; returns how many."""
    base = Path(root or tempfile.gettempdir())
    now = time.time()
    removed = 0
    for path in base.glob(f"{PREFIX}*"):
        if path.is_dir() and not path.is_symlink() and _abandoned(path, now, min_age_s):
            shutil.rmtree(path, ignore_errors=True)
            removed += 1
    legacy_dir, legacy_prefix = _LEGACY_IPC
    for path in legacy_dir.glob(f"{legacy_prefix}*"):
        with contextlib.suppress(OSError):
            if path.is_dir() and not path.is_symlink() and now - path.lstat().st_mtime >= min_age_s:
                shutil.rmtree(path, ignore_errors=True)
                removed += 1
    if removed:
        log.info("sandbox_sweep removed=%d root=%s", removed, base)
    return removed


def disk_full(exc: OSError, where: Path | None) -> OSError | SandboxUnavailable:
    """A full disk as the sentence the asker gets (no retry helps it); any other OSError as it is."""
    if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
        return exc
    log.error("sandbox_disk_full dir=%s", where)
    return SandboxUnavailable(texts.DISK_FULL, misconfigured=True)
