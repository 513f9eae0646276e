"""Sandbox timings that matter for a chat bot: cold start, warm cell overhead, resurrection.

Run: .venv/bin/python bench/sandbox_bench.py [--rounds N]
Prints figures; nothing here is asserted (tests never time things).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import statistics
import time

os.environ.setdefault("JUPYTER_PLATFORM_DIRS", "1")

from agent.sandbox.local import LocalSandboxProvider


def _csv(rows: int) -> bytes:
    out = io.StringIO()
    out.write("date,region,product,units,price\n")
    for i in range(rows):
        out.write(f"2024-{1 + i % 12:02d}-{1 + i % 28:02d},r{i % 7},p{i % 31},{i % 13},{(i % 97) * 1.5}\n")
    return out.getvalue().encode()


def fmt(samples: list[float]) -> str:
    ms = [s * 1000 for s in samples]
    return f"median {statistics.median(ms):8.1f} ms   min {min(ms):8.1f}   max {max(ms):8.1f}   (n={len(ms)})"


async def main(rounds: int) -> None:
    provider = LocalSandboxProvider()
    starts, first_import, warm, load_rows, replay = [], [], [], [], []
    data = _csv(200_000)
    try:
        for _ in range(rounds):
            t = time.perf_counter()
            box = await provider.create()
            starts.append(time.perf_counter() - t)
            t = time.perf_counter()
            await box.run("import pandas as pd, matplotlib.pyplot as plt", timeout=120)
            first_import.append(time.perf_counter() - t)
            for _ in range(20):
                t = time.perf_counter()
                await box.run("pass", timeout=30)
                warm.append(time.perf_counter() - t)
            t = time.perf_counter()
            path = await box.upload("sales.csv", data)
            loaded = await box.run(f"df = pd.read_csv({path!r}, parse_dates=['date'])\nlen(df)", timeout=120)
            assert loaded.main_text == "200000", loaded.error
            load_rows.append(time.perf_counter() - t)
            cells = [
                "monthly = df.groupby(df['date'].dt.to_period('M'))['units'].sum()",
                "top = df.groupby('product')['price'].mean().nlargest(5)",
                "fig, ax = plt.subplots(); monthly.plot(ax=ax); plt.close(fig)",
            ]
            t = time.perf_counter()
            for cell in cells:
                ran = await box.run(cell, timeout=120)
                assert ran.ok, ran.error
            replay.append(time.perf_counter() - t)
            await box.close()
    finally:
        await provider.aclose()
    resurrect = [s + i + load + r for s, i, load, r in zip(starts, first_import, load_rows, replay, strict=True)]
    print(f"local sandbox (bubblewrap + ipykernel), {rounds} rounds, {os.cpu_count()} cores")
    print(f"  cold start (jail + kernel ready)       {fmt(starts)}")
    print(f"  first pandas+matplotlib import         {fmt(first_import)}")
    print(f"  warm cell overhead (`pass`)            {fmt(warm)}")
    print(f"  upload + load 200k-row CSV ({len(data) / 1e6:.1f} MB)   {fmt(load_rows)}")
    print(f"  replay 3 derived cells                 {fmt(replay)}")
    print(f"  => resurrection (start+import+load+replay) {fmt(resurrect)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    asyncio.run(main(parser.parse_args().rounds))
