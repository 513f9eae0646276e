"""What grew between two tracemalloc snapshots of the bot (bench.soak --memtrace DIR).

Run from the repository root: .venv/bin/python -m bench.memtrace_report DIR [--base N] [--last M] [--top K]

Reads DIR/index.json (snapshot n -> questions asked by then) and each DIR/<n>.json sidecar, prints RSS,
tracemalloc's traced bytes and live object counts per snapshot (with the least-squares slope per 100
questions after the first batch), the object types whose live count grew most, then compares
snapshot --base (default 1: after the first batch, caches warm) with --last (default: the latest):

  * by line (the allocating line), by traceback (full 25-frame stacks of the top sites),
  * by the innermost project frame (agent/, handlers/, bot/, jobqueue/, bench/ excluded) on each stack,
    which names the project code that asked for the memory even when a library allocated it.

Sizes are also given per question (growth divided by the questions asked between the two snapshots).
"""

from __future__ import annotations

import argparse
import json
import linecache
import tracemalloc
from collections import defaultdict
from pathlib import Path
from typing import Any

from bench.soak import slope

PROJECT = ("/agent/", "/handlers/", "/bot/", "/jobqueue/")
ROOT = Path(__file__).resolve().parent.parent


def short(filename: str) -> str:
    for marker in ("site-packages/", "/lib/python3.11/", f"{ROOT}/"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename


def is_project(filename: str) -> bool:
    return "site-packages" not in filename and any(p in filename for p in PROJECT)


MB = 2**20
# column, width, how to read it from a sidecar (MB unless a count)
COLUMNS: tuple[tuple[str, int, Any], ...] = (
    ("RSS", 8, lambda s: s["rss_kb"] / 1024),
    ("anon", 7, lambda s: s.get("status_kb", {}).get("RssAnon", 0) / 1024),
    ("heap", 7, lambda s: s.get("mallinfo2", {}).get("arena", 0) / MB),
    ("inuse", 7, lambda s: s.get("mallinfo2", {}).get("uordblks", 0) / MB),
    ("free", 7, lambda s: s.get("mallinfo2", {}).get("fordblks", 0) / MB),
    ("mmap", 7, lambda s: s.get("mallinfo2", {}).get("hblkhd", 0) / MB),
    ("pyblk_k", 8, lambda s: s.get("pymalloc_blocks", 0) / 1000),
    ("traced", 8, lambda s: s.get("traced_after_collect", s.get("traced", 0)) / MB),
    ("objs_k", 7, lambda s: s["gc_objects"] / 1000),
)


def sidecars(directory: Path, index: dict[int, int]) -> None:
    """RSS, glibc heap (arena: obtained, inuse, free; mmap), pymalloc blocks, traced bytes, live objects."""
    rows = [(n, q, json.loads((directory / f"{n}.json").read_text())) for n, q in sorted(index.items())]
    print("MB unless _k (thousands); heap/inuse/free/mmap: glibc mallinfo2 arena/uordblks/fordblks/hblkhd")
    print(f"{'snap':>4} {'questions':>9} " + " ".join(f"{name:>{w}}" for name, w, _ in COLUMNS) + "  seconds")
    for n, q, side in rows:
        cells = " ".join(f"{get(side):>{w}.2f}" for _, w, get in COLUMNS)
        print(f"{n:>4} {q:>9} {cells}  {side['seconds']}")
    steady = rows[1:] if len(rows) > 2 else rows
    xs = [q / 100 for _, q, _ in steady]
    cells = " ".join(f"{slope(xs, [get(s) for *_, s in steady]):>+{w}.3f}" for _, w, get in COLUMNS)
    print(f"{'slope/100 q':>14} {cells}")


def types_grown(directory: Path, base: int, last: int, questions: int, top: int) -> None:
    old = json.loads((directory / f"{base}.json").read_text())["types"]
    new = json.loads((directory / f"{last}.json").read_text())["types"]
    grown = sorted(((new.get(t, 0) - old.get(t, 0), t) for t in set(old) | set(new)), reverse=True)
    print(f"\nlive objects (gc-tracked) by type, snapshot {base} -> {last} ({questions} questions):")
    for delta, name in grown[:top]:
        if delta <= 0:
            break
        print(f"  {delta:>+8}  ({delta / questions:+.2f}/question)  {name}  now {new.get(name, 0)}")


def by_project_frame(old: tracemalloc.Snapshot, new: tracemalloc.Snapshot) -> dict[str, list[int]]:
    """innermost project frame (or the innermost frame) -> [old size, new size, old count, new count]."""
    sums: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for which, snapshot in ((0, old), (1, new)):
        for trace in snapshot.traces:
            frames = trace.traceback  # oldest first
            key = None
            for frame in reversed(frames):
                if is_project(frame.filename):
                    key = f"{short(frame.filename)}:{frame.lineno}"
                    break
            if key is None:
                key = f"(no project frame) {short(frames[-1].filename)}:{frames[-1].lineno}"
            sums[key][which] += trace.size
            sums[key][2 + which] += 1
    return sums


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("directory", type=Path)
    parser.add_argument("--base", type=int, default=1, help="the older snapshot (default 1)")
    parser.add_argument("--last", type=int, default=None, help="the newer snapshot (default: the latest)")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--tracebacks", type=int, default=12, help="how many full tracebacks to print")
    args = parser.parse_args()
    index = {int(n): q for n, q in json.loads((args.directory / "index.json").read_text()).items()}
    last = max(index) if args.last is None else args.last
    base = min(args.base, last)
    questions = max(1, index[last] - index[base])
    sidecars(args.directory, index)
    types_grown(args.directory, base, last, questions, args.top)

    if not (args.directory / f"{last}.snap").exists():
        print("\nno tracemalloc snapshots (the bot ran with --memtrace-frames 0)")
        return
    old = tracemalloc.Snapshot.load(str(args.directory / f"{base}.snap"))
    new = tracemalloc.Snapshot.load(str(args.directory / f"{last}.snap"))
    total = sum(t.size for t in new.traces) - sum(t.size for t in old.traces)
    print(
        f"\ntraced growth, snapshot {base} ({index[base]} q) -> {last} ({index[last]} q): "
        f"{total / 1024:+.1f} KiB over {questions} questions = {total / questions:+.0f} B/question"
    )

    print(f"\ntop {args.top} allocating lines:")
    for stat in new.compare_to(old, "lineno")[: args.top]:
        frame = stat.traceback[-1]
        print(
            f"  {stat.size_diff / 1024:>+9.1f} KiB {stat.size_diff / questions:>+7.0f} B/q "
            f"{stat.count_diff:>+7} blocks ({stat.count_diff / questions:+.2f}/q)  now {stat.size / 1024:.1f} KiB  "
            f"{short(frame.filename)}:{frame.lineno}"
        )

    print(f"\ntop {args.top} innermost project frames:")
    sums = by_project_frame(old, new)
    ranked = sorted(sums.items(), key=lambda kv: kv[1][1] - kv[1][0], reverse=True)
    for key, (o, n, oc, nc) in ranked[: args.top]:
        print(
            f"  {(n - o) / 1024:>+9.1f} KiB {(n - o) / questions:>+7.0f} B/q {nc - oc:>+7} blocks "
            f"({(nc - oc) / questions:+.2f}/q)  now {n / 1024:.1f} KiB  {key}"
        )

    print(f"\ntop {args.tracebacks} growing tracebacks (oldest frame first; * = project code):")
    for stat in new.compare_to(old, "traceback")[: args.tracebacks]:
        print(
            f"\n  {stat.size_diff / 1024:+.1f} KiB ({stat.size_diff / questions:+.0f} B/q), "
            f"{stat.count_diff:+} blocks ({stat.count_diff / questions:+.2f}/q), now {stat.size / 1024:.1f} KiB"
        )
        for frame in stat.traceback:
            mark = "*" if is_project(frame.filename) else " "
            line = linecache.getline(frame.filename, frame.lineno).strip()
            print(f"   {mark} {short(frame.filename)}:{frame.lineno}  {line}")


if __name__ == "__main__":
    main()
