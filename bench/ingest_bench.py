"""Ingest speed, memory and storage against bare CSV readers, and the first answer against a bare script.

Run: .venv/bin/python -m bench.ingest_bench [--runs N] [--before DIR] [--skip-answer] [--rows N]

Every measurement runs in a fresh process, the contenders interleaved run by run so machine load
hits them alike; medians are printed, and ratios against `pandas.read_csv` of the same file.
`--before DIR` also measures an older source tree (e.g. `git archive <rev> agent | tar -x -C DIR`).
The first-answer part needs Redis (REDIS_URL, default redis://127.0.0.1:6379/0) and bubblewrap.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.datagen import narrow_sales, wide_sales

ROOT = Path(__file__).resolve().parent.parent
WIDE_ROWS, NARROW_ROWS = 1_500_000, 1_000_000

_CHILD = {
    "pandas": "import pandas as pd\nt = time.perf_counter()\nframe = pd.read_csv(path)\n",
    "pyarrow": "import pyarrow.csv as pc\nt = time.perf_counter()\nframe = pc.read_csv(path)\n",
    "ingest": (
        "from agent.ingest import ingest\nfrom agent.profile import profile\n"
        "t = time.perf_counter()\nds = ingest(path.name, path.read_bytes(), max_bytes=1 << 30)\n"
        "profile(ds)\nstored = len(ds.stored)\n"
    ),
}
_WRAP = (
    "import json, resource, sys, time\nfrom pathlib import Path\npath = Path(sys.argv[1])\nstored = 0\n"
    "{body}"
    "seconds = time.perf_counter() - t\n"
    "print(json.dumps({{'s': seconds, 'rss': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, 'stored': stored}}))\n"
)
# The same read, groupby and chart the scripted model asks for, as a user would write it.
BARE_ANSWER = """
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
import sys
df = pd.read_csv(sys.argv[1], parse_dates=["date"])
by_region = df.groupby("region")["revenue"].sum().sort_values()
print(by_region.to_string())
by_region.plot.barh()
plt.savefig(sys.argv[2])
"""
ANSWER_CODE = (
    "by_region = df.groupby('region')['revenue'].sum().sort_values()\nprint(by_region.to_string())\n"
    "by_region.plot.barh()\nplt.show()"
)


def child(mode: str, path: Path, src: Path) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    code = _WRAP.format(body=_CHILD[mode])
    # From the cache dir: `python -c` puts the working directory ahead of PYTHONPATH.
    out = subprocess.run(
        [sys.executable, "-c", code, str(path)], env=env, cwd=path.parent, capture_output=True, text=True, check=True
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def median(values: list[float]) -> float:
    return statistics.median(values)


def ingest_part(runs: int, before: Path | None, rows: int = WIDE_ROWS) -> None:
    path = wide_sales(rows)
    size = path.stat().st_size
    contenders = {"pandas": ("pandas", ROOT), "pyarrow": ("pyarrow", ROOT), "ingest": ("ingest", ROOT)}
    if before is not None:
        contenders["ingest (before)"] = ("ingest", before)
    results: dict[str, list[dict[str, float]]] = {k: [] for k in contenders}
    for _ in range(runs):
        for label, (mode, src) in contenders.items():
            results[label].append(child(mode, path, src))
    base_s = median([r["s"] for r in results["pandas"]])
    base_rss = median([r["rss"] for r in results["pandas"]])
    print(f"ingest + profile of {size / 1e6:.0f} MB, {rows:,} rows, {runs} runs each, {os.cpu_count()} cores")
    print(f"  {'':18} {'median s':>9} {'× read_csv':>10} {'peak RSS MB':>12} {'× read_csv':>10} {'stored × raw':>12}")
    for label, runs_of in results.items():
        s, rss = median([r["s"] for r in runs_of]), median([r["rss"] for r in runs_of])
        stored = median([r["stored"] for r in runs_of]) / size
        shown = f"{stored:12.2f}" if stored else f"{'':12}"
        print(f"  {label:18} {s:9.2f} {s / base_s:10.2f} {rss / 1024:12.0f} {rss / base_rss:10.2f} {shown}")


def answer_part(runs: int) -> None:
    import asyncio

    from bench.answer_run import NoAnswer, Round, first_answer

    path = narrow_sales(NARROW_ROWS)
    bare: list[float] = []
    ours: list[Round] = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", BARE_ANSWER, str(path), "/tmp/dataagent-bench/bare.png"], check=True)
        bare.append(time.perf_counter() - t)
        try:
            ours.append(asyncio.run(first_answer(path)))
        except NoAnswer as exc:
            print(f"first answer: no answer ({exc})")
            return
    b = median(bare)
    ingest_s, ask_s = median([o.ingest_s for o in ours]), median([o.first_s for o in ours])
    total = median([o.ingest_s + o.first_s for o in ours])
    warm, cell = median([o.warm_s for o in ours]), median([o.cell_s for o in ours])
    print(f"first answer on {path.stat().st_size / 1e6:.0f} MB, {NARROW_ROWS:,} rows (upload → chart), {runs} runs")
    print(f"  bare pandas + matplotlib script (fresh process)   {b:6.2f} s")
    print(f"  DataAgent: ingest + profile (kernel starting)      {ingest_s:6.2f} s")
    print(f"  DataAgent: first question (waits for the load)     {ask_s:6.2f} s")
    print(f"  DataAgent: total                                   {total:6.2f} s  ({total / b:.2f}× the script)")
    print("warm answer (zero-latency model) against the same cell run straight in the same warm kernel")
    print(f"  the cell alone                                     {cell * 1000:6.0f} ms")
    print(f"  DataAgent: the whole question                      {warm * 1000:6.0f} ms  ({warm / cell:.2f}× the cell)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--before", type=Path, default=None)
    parser.add_argument("--skip-answer", action="store_true")
    parser.add_argument("--skip-ingest", action="store_true")
    parser.add_argument("--rows", type=int, default=WIDE_ROWS, help="rows of the ingest file (15000000: about 1 GB)")
    args = parser.parse_args()
    if not args.skip_ingest:
        ingest_part(args.runs, args.before, args.rows)
    if not args.skip_answer:
        answer_part(args.runs)


if __name__ == "__main__":
    main()
