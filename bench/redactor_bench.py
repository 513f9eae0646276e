"""Precision and recall of the PII detector (`agent.privacy.detect`) on a labelled sample.

Run: .venv/bin/python -m bench.redactor_bench [--rows N] [--seed S]
A detection counts when its span and kind are exactly a planted one. Prints a table; nothing is asserted.
"""

from __future__ import annotations

import argparse
import statistics
import time

from agent.llm.prompts import unfenced
from agent.privacy.detect import KINDS, find_pii
from bench.redactor_sample import build


def _ratio(n: int, d: int) -> str:
    return f"{n / d:.3f}" if d else "  -  "


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=400)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    sample = build(args.rows, args.seed)
    times, baseline = [], []
    for _ in range(7):
        started = time.perf_counter()
        found = find_pii(sample.text)
        times.append(time.perf_counter() - started)
        # Side by side: the one regex pass every output already gets before it reaches the model.
        started = time.perf_counter()
        unfenced(sample.text)
        baseline.append(time.perf_counter() - started)
    truth = set(sample.spans)
    got = {(s.start, s.end, s.kind) for s in found}
    hits = truth & got
    took, base = statistics.median(times), statistics.median(baseline)
    print(f"{len(sample.text):,} characters, {len(truth)} planted values")
    print(f"median {took * 1e3:.1f} ms to scan it: ×{took / base:.0f} the fence-tag pass ({base * 1e3:.2f} ms)")
    print(f"{'kind':6} {'planted':>7} {'found':>6} {'right':>6} {'precision':>9} {'recall':>7}")
    for kind in KINDS:
        planted = sum(1 for s in truth if s[2] == kind)
        detected = sum(1 for s in got if s[2] == kind)
        right = sum(1 for s in hits if s[2] == kind)
        print(f"{kind:6} {planted:7} {detected:6} {right:6} {_ratio(right, detected):>9} {_ratio(right, planted):>7}")
    print(
        f"{'all':6} {len(truth):7} {len(got):6} {len(hits):6} {_ratio(len(hits), len(got)):>9} "
        f"{_ratio(len(hits), len(truth)):>7}"
    )
    for start, end, kind in sorted(got - truth)[:8]:
        print(f"  false {kind}: {sample.text[start:end]!r}")
    for start, end, kind in sorted(truth - got)[:8]:
        print(f"  missed {kind}: {sample.text[start:end]!r}")


if __name__ == "__main__":
    main()
