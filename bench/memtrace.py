"""The bot under tracemalloc: `python -m bench.memtrace serve` is `python -m bot serve`, plus snapshots.

Bench-only. Starts tracemalloc ($DATAAGENT_MEMTRACE_FRAMES frames a traceback, default 25; 0 leaves
tracemalloc off and records only the counters below) before the bot is imported, then runs the bot exactly
like bot/__main__.py. Each SIGUSR2 writes, into $DATAAGENT_MEMTRACE_DIR (default: the working directory):

    <n>.snap   a tracemalloc snapshot (tracemalloc's and this module's frames filtered out), load with
               tracemalloc.Snapshot.load; not written when tracemalloc is off
    <n>.json   counters, read in this order: VmRSS, glibc mallinfo2 (heap in use / free, mmapped),
               pymalloc's allocated blocks, tracemalloc's traced bytes; then a full gc.collect(), then the
               snapshot, then live object counts by type (gc); and how long each step took

n counts 0, 1, 2, … ; each file is written under a temporary name and renamed when complete, so a reader
that waits for `<n>.json` (written last) sees both files whole. Used by `bench.soak --memtrace DIR`.

The handler runs on the bot's main thread, between two bytecodes of whatever the event loop was running,
and blocks the loop while it works (minutes for a 25-frame snapshot): send it only while the bot is idle.
"""

from __future__ import annotations

import os
import tracemalloc

FRAMES = int(os.environ.get("DATAAGENT_MEMTRACE_FRAMES", "25"))
if FRAMES > 0:
    tracemalloc.start(FRAMES)

import gc  # noqa: E402
import itertools  # noqa: E402
import json  # noqa: E402
import signal  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from types import FrameType  # noqa: E402
from typing import Any  # noqa: E402

from bench.mallinfo import mallinfo  # noqa: E402

DIR_ENV = "DATAAGENT_MEMTRACE_DIR"
_counter = itertools.count()


def _status_kb() -> dict[str, int]:
    out = {}
    for row in Path("/proc/self/status").read_text().splitlines():
        key = row.split(":", 1)[0]
        if key in ("VmRSS", "RssAnon", "RssFile", "VmHWM", "VmData", "Threads"):
            out[key] = int(row.split()[1])
    return out


def _write(path: Path, write: Callable[[Path], Any]) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    write(tmp)
    os.replace(tmp, path)


def dump(directory: Path) -> int:
    """Writes snapshot number n (when tracing) and its sidecar; returns n."""
    n = next(_counter)
    started = time.monotonic()
    status = _status_kb()
    side: dict[str, Any] = {
        "n": n,
        "frames": FRAMES,
        "rss_kb": status.get("VmRSS", 0),
        "status_kb": status,
        "mallinfo2": mallinfo(),
        "pymalloc_blocks": sys.getallocatedblocks(),
        "threads": status.get("Threads", 0),
    }
    if tracemalloc.is_tracing():
        side["traced"], side["traced_peak"] = tracemalloc.get_traced_memory()
        side["tracemalloc_overhead"] = tracemalloc.get_tracemalloc_memory()
    side["gc_collected"] = gc.collect()
    collected = time.monotonic()
    seconds = {"collect": round(collected - started, 3)}
    if tracemalloc.is_tracing():
        snapshot = tracemalloc.take_snapshot().filter_traces(
            (tracemalloc.Filter(False, tracemalloc.__file__), tracemalloc.Filter(False, __file__))
        )
        taken = time.monotonic()
        _write(directory / f"{n}.snap", lambda p: snapshot.dump(str(p)))
        side["traces"] = len(snapshot.traces)
        side["traced_after_collect"] = sum(t.size for t in snapshot.traces)
        del snapshot
        seconds.update(take=round(taken - collected, 3), dump=round(time.monotonic() - taken, 3))
    counting = time.monotonic()
    types = Counter(f"{type(o).__qualname__}@{type(o).__module__}" for o in gc.get_objects())
    side["gc_objects"] = sum(types.values())
    side["types"] = dict(types.most_common(400))
    seconds["gc_types"] = round(time.monotonic() - counting, 3)
    side["seconds"] = seconds
    _write(directory / f"{n}.json", lambda p: p.write_text(json.dumps(side)))
    return n


def _on_signal(signum: int, frame: FrameType | None) -> None:
    directory = Path(os.environ.get(DIR_ENV, "."))
    directory.mkdir(parents=True, exist_ok=True)
    dump(directory)


if __name__ == "__main__":
    signal.signal(signal.SIGUSR2, _on_signal)

    from bot.cli import main

    raise SystemExit(main())
