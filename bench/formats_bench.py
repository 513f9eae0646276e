"""What reading a workbook, a Parquet file and a JSON export costs over the bare library read of the same
bytes, measured side by side in one run (medians; ratios, so the machine's speed cancels out).

  xlsx:    ingest_file  vs  pandas.read_excel(engine="calamine")
  parquet: ingest_file  vs  pandas.read_parquet
  json:    ingest_file  vs  pandas.json_normalize(json.loads(...))

Run: .venv/bin/python bench/formats_bench.py [--rows N] [--rounds N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import statistics
import time
from collections.abc import Callable

import openpyxl
import pandas as pd

from agent.ingest import ingest_file

MAX_BYTES = 500 << 20


def _median(call: Callable[[], object], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _workbook(rows: int) -> bytes:
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Sales")
    sheet.append(["date", "region", "units", "price", "note"])
    start = dt.date(2024, 1, 1)
    for i in range(rows):
        sheet.append([start + dt.timedelta(days=i % 365), f"R{i % 7}", i % 50, (i % 1000) / 10, f"n{i % 13}"])
    raw = io.BytesIO()
    book.save(raw)
    return raw.getvalue()


def _frame(rows: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "date": pd.date_range("2024-01-01", periods=rows, freq="min"),
            "region": [f"R{i % 7}" for i in range(rows)],
            "units": [i % 50 for i in range(rows)],
            "price": [(i % 1000) / 10 for i in range(rows)],
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    xlsx = _workbook(args.rows)
    parquet = io.BytesIO()
    _frame(args.rows).to_parquet(parquet)
    records = [{"id": i, "customer": {"city": f"C{i % 9}"}, "total": i / 4} for i in range(args.rows)]
    js = json.dumps(records).encode()
    cases: list[tuple[str, Callable[[], object], Callable[[], object]]] = [
        (
            "xlsx",
            lambda: ingest_file("s.xlsx", xlsx, max_bytes=MAX_BYTES),
            lambda: pd.read_excel(io.BytesIO(xlsx), engine="calamine"),
        ),
        (
            "parquet",
            lambda: ingest_file("s.parquet", parquet.getvalue(), max_bytes=MAX_BYTES),
            lambda: pd.read_parquet(io.BytesIO(parquet.getvalue())),
        ),
        (
            "json",
            lambda: ingest_file("s.json", js, max_bytes=MAX_BYTES),
            lambda: pd.json_normalize(json.loads(js)),
        ),
    ]
    print(f"{args.rows:,} rows, median of {args.rounds}")
    for name, ours, bare in cases:
        ours_s, bare_s = _median(ours, args.rounds), _median(bare, args.rounds)
        print(f"{name:8} ingest_file {ours_s:6.3f} s   bare read {bare_s:6.3f} s   ratio {ours_s / bare_s:5.2f}×")


if __name__ == "__main__":
    main()
