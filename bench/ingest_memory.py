"""Peak memory of the bot process while many large uploads are parsed, against a bare `pandas.read_csv`.

Run: .venv/bin/python -m bench.ingest_memory [--files 10] [--mb 100] [--runs 3] [--workers 2]

Each run, side by side: (1) a fresh process that only does `pandas.read_csv` of one file; (2) a fresh
"bot" process that hands `--files` distinct files of `--mb` MB to `Datasets.add` at once (real Redis:
REDIS_URL, or a private redis-server), the parsing done by the ingest workers. Prints each process's
peak RSS (ru_maxrss: the parsing children are not the bot's) and the ratio, medians over the runs.
The bot holds every upload's bytes while it waits (as the Slack handler does after downloading), so
`files × mb` is the floor of its figure; what the workers keep out is the parsed frames.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path


def write_csv(path: Path, mb: int, salt: int) -> None:
    """About `mb` MB of numbers, text and dates; `salt` makes each file's bytes (and blob) distinct."""
    lines = [
        f"{i},{i * 3.25:.2f},region {i % 17},2024-{i % 12 + 1:02d}-{i % 28 + 1:02d},customer-{i * 7919 % 100003}\n"
        for i in range(20_000)
    ]
    block = "".join(lines).encode()
    with path.open("wb") as out:
        out.write(b"id,amount,region,date,customer\n")
        out.write(f"{salt},0,salt,2024-01-01,salt\n".encode())
        for _ in range(max(1, (mb << 20) // len(block))):
            out.write(block)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bare_read(path: str) -> dict[str, float]:
    import pandas as pd

    started = time.perf_counter()
    frame = pd.read_csv(path)
    return {"seconds": time.perf_counter() - started, "peak_mb": peak_mb(), "rows": float(len(frame))}


async def bot_uploads(paths: list[str], redis_url: str, workers: int) -> dict[str, float]:
    import redis.asyncio as aioredis

    from agent.datasets import Datasets
    from agent.ingest.worker import IngestLimits, IngestPool
    from agent.store import Store

    client = aioredis.from_url(redis_url)
    store = Store(client, namespace=f"bench-ingest-{uuid.uuid4().hex[:8]}")
    pool = IngestPool(IngestLimits(workers=workers, timeout_s=1800))
    datasets = Datasets(store, max_bytes=2 << 30, pool=pool)

    async def upload(n: int, path: str) -> int:
        data = await asyncio.to_thread(Path(path).read_bytes)  # what the Slack handler holds after downloading
        ((record, _),) = await datasets.add(f"bench-{n}", Path(path).name, data)
        return record.rows

    started = time.perf_counter()
    try:
        rows = await asyncio.gather(*(upload(n, p) for n, p in enumerate(paths)))
    finally:
        for n in range(len(paths)):
            await store.forget(f"bench-{n}")
        await client.aclose()
    return {"seconds": time.perf_counter() - started, "peak_mb": peak_mb(), "rows": float(sum(rows))}


def in_fresh_process(*args: str) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-m", "bench.ingest_memory", *args], check=True, capture_output=True)
    result: dict[str, float] = json.loads(out.stdout.decode().strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10)
    parser.add_argument("--mb", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--child", choices=["bare", "bot"], help=argparse.SUPPRESS)
    parser.add_argument("--redis", help=argparse.SUPPRESS)
    parser.add_argument("paths", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "bare":
        print(json.dumps(bare_read(args.paths[0])))
        return
    if args.child == "bot":
        print(json.dumps(asyncio.run(bot_uploads(args.paths, args.redis, args.workers))))
        return
    from bench.slack_latency import redis_server  # here: the measured processes import only what they use

    with tempfile.TemporaryDirectory(prefix="dataagent-bench-ingest-") as tmp, redis_server() as url:
        paths = [str(Path(tmp) / f"upload_{n}.csv") for n in range(args.files)]
        for n, path in enumerate(paths):
            write_csv(Path(path), args.mb, n)
        size_mb = Path(paths[0]).stat().st_size / 2**20
        print(f"{args.files} concurrent uploads of {size_mb:.0f} MB, {args.workers} ingest workers, {args.runs} runs")
        bare, bot = [], []
        for run in range(1, args.runs + 1):
            bare.append(in_fresh_process("--child", "bare", paths[0]))
            bot.append(in_fresh_process("--child", "bot", "--workers", str(args.workers), "--redis", url, *paths))
            print(
                f"run {run}: read_csv peak {bare[-1]['peak_mb']:.0f} MB in {bare[-1]['seconds']:.1f} s; "
                f"bot peak {bot[-1]['peak_mb']:.0f} MB, all {args.files} stored in {bot[-1]['seconds']:.1f} s"
            )
        bare_peak = statistics.median(r["peak_mb"] for r in bare)
        bot_peak = statistics.median(r["peak_mb"] for r in bot)
        print(f"median peak RSS: bare read_csv of one file {bare_peak:.0f} MB, bot {bot_peak:.0f} MB")
        held = args.files * size_mb
        print(f"bot / read_csv peak RSS ratio: {bot_peak / bare_peak:.2f}x (the uploads' own bytes: {held:.0f} MB)")


if __name__ == "__main__":
    main()
