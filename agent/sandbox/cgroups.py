"""A memory- and pid-limited control group per local jail, where the host lets us make one.

RLIMIT_AS bounds one process's address space, not what the jail as a whole holds: shared
memory, tmpfs pages and many processes each under the limit add up. A cgroup counts all of
it and ends the jail (the kernel's OOM killer) rather than the host. Each jail's group is made
below the bot's own cgroup (so an operator's limit on the bot still covers its sandboxes):
with cgroup v2 at /sys/fs/cgroup when that cgroup delegates the memory and pids controllers,
else with the v1 memory and pids hierarchies where they are mounted and writable. Where
neither works the jail runs with rlimits only and `unavailable_reason` says why.
"""

from __future__ import annotations

import contextlib
import logging
import os
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

PREFIX = "dataagent-"
CGROUP_ROOT = Path("/sys/fs/cgroup")


@dataclass(frozen=True)
class CgroupLimits:
    memory_bytes: int
    max_pids: int


@dataclass(frozen=True)
class Layout:
    """Where jail groups go: one parent directory per hierarchy, and which cgroup version they are."""

    version: int
    parents: tuple[Path, ...]


def _own_paths(proc_cgroup: str) -> dict[str, str]:
    """Controller name ("" for v2) to this process's cgroup path, from /proc/self/cgroup."""
    own: dict[str, str] = {}
    for line in proc_cgroup.splitlines():
        _, controllers, path = line.split(":", 2)
        for name in controllers.split(",") if controllers else [""]:
            own[name] = path
    return own


def _writable_dir(path: Path) -> bool:
    return path.is_dir() and os.access(path, os.W_OK)


def _v2_layout(root: Path, own: dict[str, str]) -> Layout | str:
    parent = root / own.get("", "/").lstrip("/")
    wanted = {"memory", "pids"}
    try:
        enabled = set((parent / "cgroup.subtree_control").read_text().split())
        if not wanted <= enabled:
            (parent / "cgroup.subtree_control").write_text(" ".join(f"+{c}" for c in sorted(wanted - enabled)))
    except OSError as exc:
        return (
            f"cgroup v2 at {parent} does not delegate the memory and pids controllers ({exc.strerror}); "
            "run the bot in a delegated cgroup subtree to get per-sandbox memory limits"
        )
    if not _writable_dir(parent):
        return f"cgroup v2 at {parent} is not writable"
    return Layout(version=2, parents=(parent,))


def detect(root: Path = CGROUP_ROOT, proc_cgroup: str | None = None) -> Layout | str:
    """Where this host lets us make jail groups, or a sentence saying why it does not."""
    if proc_cgroup is None:
        try:
            proc_cgroup = Path("/proc/self/cgroup").read_text()
        except OSError:
            return "this system has no /proc/self/cgroup"
    own = _own_paths(proc_cgroup)
    if (root / "cgroup.controllers").exists():
        return _v2_layout(root, own)
    parents = tuple(root / name / own[name].lstrip("/") for name in ("memory", "pids") if name in own)
    if len(parents) == 2 and all(_writable_dir(p) for p in parents):
        return Layout(version=1, parents=parents)
    return f"no writable cgroup v2 or v1 memory and pids hierarchy under {root}"


class JailCgroup:
    """The groups (one per hierarchy) of one jail; its launcher writes itself into `procs_files`."""

    def __init__(self, dirs: tuple[Path, ...]) -> None:
        self.dirs = dirs

    @property
    def procs_files(self) -> tuple[Path, ...]:
        return tuple(d / "cgroup.procs" for d in self.dirs)

    def remove(self) -> None:
        """Remove the groups; only empty groups can go, so call it once the jail's processes are gone."""
        for path in self.dirs:
            with contextlib.suppress(FileNotFoundError):
                try:
                    path.rmdir()
                except OSError as exc:
                    log.warning("sandbox_cgroup_left path=%s reason=%s", path, exc.strerror)


# Present only with swap accounting, or (oom.group) on kernels from 4.19: without them the limits still hold.
_OPTIONAL = frozenset({"memory.memsw.limit_in_bytes", "memory.swap.max", "memory.oom.group"})


def _limits_for(version: int, limits: CgroupLimits) -> list[tuple[str, str]]:
    if version == 2:
        return [
            ("memory.max", str(limits.memory_bytes)),
            ("memory.swap.max", "0"),
            ("memory.oom.group", "1"),
            ("pids.max", str(limits.max_pids)),
        ]
    # memsw (memory plus swap) may only be set once the memory limit is in place, and may be absent.
    return [
        ("memory.limit_in_bytes", str(limits.memory_bytes)),
        ("memory.memsw.limit_in_bytes", str(limits.memory_bytes)),
        ("pids.max", str(limits.max_pids)),
    ]


def create(layout: Layout, name: str, limits: CgroupLimits) -> JailCgroup:
    """Make the groups for jail `name` with `limits` written; OSError when the host refuses."""
    group = JailCgroup(tuple(parent / f"{PREFIX}{name}" for parent in layout.parents))
    try:
        for path in group.dirs:
            path.mkdir()
        for setting, value in _limits_for(layout.version, limits):
            targets = [d / setting for d in group.dirs if (d / setting).exists()]
            if not targets and setting not in _OPTIONAL:
                raise FileNotFoundError(f"{setting} is missing under {group.dirs[0]}")
            for target in targets:
                target.write_text(value)
    except OSError:
        group.remove()
        raise
    return group


def sweep(layout: Layout) -> int:
    """Remove empty jail groups a dead process left behind; groups still holding processes stay."""
    removed = 0
    for parent in layout.parents:
        for path in parent.glob(f"{PREFIX}*"):
            with contextlib.suppress(OSError):
                path.rmdir()
                removed += 1
    return removed
