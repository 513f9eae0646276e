"""Storing and reading back one big dataset blob: the old Redis path (zlib over Parquet) against the new stores.

Run: .venv/bin/python -m bench.blob_store [--mb 30] [--runs 5]

One Parquet blob is made from about `--mb` MB of CSV (random numbers and codes, so Parquet cannot squeeze it
away). Each run, side by side on the same blob: (1) the old path, `zlib.compress` then a Redis SET, a GET then
`zlib.decompress`; (2) `RedisBlobs` (Parquet as is); (3) `DiskBlobs` (fsynced file). Prints the medians of
put and get, and each as a ratio against the old path, plus what the blob costs Redis in each case.

Measured (2-core shared machine, load ~7, --mb 30 --runs 3): CSV 30.3 MB → Parquet 13.6 MB; zlib over it saves
nothing (14.7 MB in Redis either way). Medians against the old path: Redis without zlib put 0.04x, get 0.30x;
disk put 0.02x (fsync included), get 0.04x; the disk store keeps 0 bytes of it in Redis.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import io
import statistics
import tempfile
import time
import zlib
from collections.abc import Awaitable, Callable
from pathlib import Path

import numpy as np
import pandas as pd
import redis.asyncio as aioredis

from agent.blobs.disk import DiskBlobs
from agent.blobs.redis import RedisBlobs


def make_blob(mb: int) -> tuple[bytes, int]:
    rng = np.random.default_rng(7)
    rows = mb * 40_000
    frame = pd.DataFrame(
        {
            "id": np.arange(rows),
            "amount": rng.normal(100, 30, rows).round(4),
            "code": [f"K{n:09d}" for n in rng.integers(0, 10**9, rows)],
        }
    )
    csv_size = len(frame.to_csv(index=False).encode())
    out = io.BytesIO()
    frame.to_parquet(out, compression="zstd")
    return out.getvalue(), csv_size


async def timed(call: Callable[[], Awaitable[object]]) -> float:
    started = time.perf_counter()
    await call()
    return time.perf_counter() - started


async def measure(url: str, blob: bytes, runs: int) -> dict[str, tuple[list[float], list[float]]]:
    client = aioredis.from_url(url)
    sha = hashlib.sha256(blob).hexdigest()
    old_key = f"bench:old:{sha}"

    async def old_put() -> None:
        await client.set(old_key, await asyncio.to_thread(zlib.compress, blob, 6))

    async def old_get() -> None:
        raw = await client.get(old_key)
        assert raw is not None
        await asyncio.to_thread(zlib.decompress, raw)

    redis_blobs = RedisBlobs(client, lambda s: f"bench:new:{s}", 3600)
    results: dict[str, tuple[list[float], list[float]]] = {"old": ([], []), "redis": ([], []), "disk": ([], [])}
    with tempfile.TemporaryDirectory(prefix="dataagent-bench-blobs-", dir=".") as tmp:
        disk = DiskBlobs(Path(tmp))
        for _ in range(runs):
            results["old"][0].append(await timed(old_put))
            results["old"][1].append(await timed(old_get))
            results["redis"][0].append(await timed(lambda: redis_blobs.put(sha, blob)))
            results["redis"][1].append(await timed(lambda: redis_blobs.get(sha)))
            results["disk"][0].append(await timed(lambda: disk.put(sha, blob)))
            results["disk"][1].append(await timed(lambda: disk.get(sha)))
    print(
        f"Redis memory for the blob: old {await client.memory_usage(old_key) or 0:,} B, "
        f"new {await client.memory_usage(f'bench:new:{sha}') or 0:,} B, disk store 0 B"
    )
    await client.delete(old_key, f"bench:new:{sha}")
    await client.aclose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=30)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    from bench.slack_latency import redis_server

    blob, csv_size = make_blob(args.mb)
    print(f"CSV {csv_size / 2**20:.1f} MB → Parquet blob {len(blob) / 2**20:.1f} MB ({len(blob) / csv_size:.2f}x)")
    with redis_server() as url:
        results = asyncio.run(measure(url, blob, args.runs))
    old_put, old_get = (statistics.median(x) for x in results["old"])
    for name, (puts, gets) in results.items():
        put, get = statistics.median(puts), statistics.median(gets)
        print(
            f"{name:>5}: put {put * 1000:7.1f} ms ({put / old_put:.2f}x old), "
            f"get {get * 1000:7.1f} ms ({get / old_get:.2f}x old), median of {args.runs}"
        )


if __name__ == "__main__":
    main()
