"""Finding and killing a jail's processes through /proc.

Processes are identified by (pid, start time) so that a recycled pid is never mistaken for one
of ours.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Iterable

ProcId = tuple[int, int]  # (pid, start time in clock ticks)


def _stat(pid: int) -> tuple[int, int] | None:
    """(ppid, starttime) of a live process, or None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            raw = f.read()
    except OSError:
        return None
    # The command name may contain spaces and parentheses; fields resume after the last ')'.
    fields = raw[raw.rfind(b")") + 2 :].split()
    if fields[0] == b"Z":
        return None
    return int(fields[1]), int(fields[19])


def descendants(root: int) -> list[ProcId]:
    """Every live process below `root` (not `root` itself), parents before children."""
    children: dict[int, list[ProcId]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        info = _stat(int(entry))
        if info is not None:
            children.setdefault(info[0], []).append((int(entry), info[1]))
    found: list[ProcId] = []
    queue = [root]
    while queue:
        for child in children.get(queue.pop(0), []):
            found.append(child)
            queue.append(child[0])
    return found


def thread_count(pid: int) -> int:
    """How many threads process `pid` has (0 once it is gone)."""
    try:
        return len(os.listdir(f"/proc/{pid}/task"))
    except OSError:
        return 0


def alive(proc: ProcId) -> bool:
    info = _stat(proc[0])
    return info is not None and info[1] == proc[1]


def kill_all(procs: Iterable[ProcId]) -> None:
    for proc in procs:
        if alive(proc):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(proc[0], signal.SIGKILL)


def reap_strays(root: int, keep: set[int], *, rounds: int = 50) -> int:
    """Kill every process under `root` except those in `keep`; returns how many were killed.

    Repeats because a fork bomb keeps making new processes while we kill the old ones; the
    jail's process limit bounds how many there can be.
    """
    killed = 0
    for _ in range(rounds):
        strays = [p for p in descendants(root) if p[0] not in keep]
        if not strays:
            break
        kill_all(strays)
        killed += len(strays)
        time.sleep(0.01)
    return killed


def freeze_and_reap(root: int, keep: set[int], frozen: int) -> int:
    """Stop `frozen` (the kernel), kill every other stray under `root`, then let it go on."""
    try:
        os.kill(frozen, signal.SIGSTOP)
    except ProcessLookupError:
        return 0
    try:
        return reap_strays(root, keep)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(frozen, signal.SIGCONT)


def wait_gone(procs: Iterable[ProcId], timeout: float) -> bool:
    """Wait until none of `procs` is alive; True when they all went in time."""
    pending = list(procs)
    deadline = time.monotonic() + timeout
    while pending and time.monotonic() < deadline:
        pending = [p for p in pending if alive(p)]
        if pending:
            time.sleep(0.02)
    return not pending
