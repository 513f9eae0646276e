"""Realistic sales exports for the benchmarks, generated once per size from a fixed seed and cached."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

CACHE = Path(os.environ.get("DATAAGENT_BENCH_CACHE", "/tmp/dataagent-bench"))
_REGIONS = np.array(["North", "South", "East", "West", "Central", "Overseas"])
_ROWS_PER_CHUNK = 250_000


def wide_sales(rows: int) -> Path:
    """~70 bytes a row: ids, ISO dates, text categories, "$1,234.50" money, ints, floats, some blanks."""
    path = CACHE / f"wide-sales-{rows}.csv"
    if not path.exists():
        _write(path, rows, _wide_chunk)
    return path


def narrow_sales(rows: int) -> Path:
    """~29 bytes a row: date, region, product, revenue, units (the first-answer benchmark's file)."""
    path = CACHE / f"narrow-sales-{rows}.csv"
    if not path.exists():
        _write(path, rows, _narrow_chunk)
    return path


def _write(path: Path, rows: int, chunk: Callable[[np.random.Generator, int, int], pd.DataFrame]) -> None:
    CACHE.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(10)
    partial = path.with_suffix(".part")
    with partial.open("w", encoding="utf-8", newline="") as out:
        for start in range(0, rows, _ROWS_PER_CHUNK):
            frame = chunk(rng, start, min(_ROWS_PER_CHUNK, rows - start))
            frame.to_csv(out, index=False, header=start == 0, lineterminator="\n")
    partial.rename(path)


def _dates(rng: np.random.Generator, n: int) -> np.ndarray:
    days = rng.integers(0, 3 * 365, n)
    return (np.datetime64("2022-01-01") + days).astype("datetime64[D]").astype(str)


def _wide_chunk(rng: np.random.Generator, start: int, n: int) -> pd.DataFrame:
    products = np.array([f"P{i:03d}" for i in range(300)])
    customers = np.array([f"Cust {i:05d}" for i in range(20_000)])
    price = rng.integers(100, 250_000, n) / 100
    units = rng.integers(1, 40, n)
    discount = np.round(rng.random(n) * 0.3, 3).astype(object)
    discount[rng.random(n) < 0.03] = ""
    note = np.where(rng.random(n) < 0.05, "rush order", "")
    money = np.char.add("$", np.array([f"{p:,.2f}" for p in price]))
    return pd.DataFrame(
        {
            "order_id": np.arange(start + 1, start + n + 1),
            "order_date": _dates(rng, n),
            "region": _REGIONS[rng.integers(0, len(_REGIONS), n)],
            "product": products[rng.integers(0, len(products), n)],
            "customer": customers[rng.integers(0, len(customers), n)],
            "units": units,
            "unit_price": money,
            "revenue": np.round(price * units, 2),
            "discount": discount,
            "note": note,
        }
    )


def _narrow_chunk(rng: np.random.Generator, start: int, n: int) -> pd.DataFrame:
    products = np.array(["Widget", "Gear", "Gizmo", "Knob"])
    return pd.DataFrame(
        {
            "date": _dates(rng, n),
            "region": _REGIONS[rng.integers(0, 4, n)],
            "product": products[rng.integers(0, len(products), n)],
            "revenue": rng.integers(100, 9_999, n) / 100,
            "units": rng.integers(1, 9, n),
        }
    )
