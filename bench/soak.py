"""Soak: many questions through one bot process, sampled every 100, so a leak shows as a trend.

Run from the repository root: .venv/bin/python -m bench.soak [--questions 1000] [--threads 5]

One real `python -m bot serve` process in HTTP mode on a private redis-server; the fake Slack shares a
small dataset in each of `--threads` threads, then asks the questions in batches of 100 spread over the
threads (each thread one question at a time, the threads side by side); the fake model answers at
once. Before the first batch and after each, with the bot idle, it samples the bot's RSS
(/proc/PID/status VmRSS), open file descriptors (/proc/PID/fd), live kernels (outer bwrap processes
under the bot) and Redis used_memory and key count (the bench's Redis holds only this bot's keys).
Prints the table and each column's least-squares slope per 100 questions over the samples after the
first batch (the first batch starts the kernels and warms caches, which is not a leak).

With `--memtrace DIR` the bot runs under bench.memtrace (tracemalloc, `--memtrace-frames` frames, default
25): after each sample and a pause for the batch's last Slack calls, the bench sends it SIGUSR2 and waits
for the snapshot, DIR/<n>.snap and DIR/<n>.json, n = 0, 1, … ; DIR/index.json maps each n to the
questions asked by then. Compare them with bench.memtrace_report. tracemalloc slows the bot several times
over, so RSS there is not the production figure; `--memtrace-frames 0` keeps tracemalloc off and records
only the counters (RSS, glibc mallinfo2, pymalloc blocks, object counts by type) at full speed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import signal
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import redis

from bench.fleet import (
    BotProcess,
    answer_tag,
    bot_env,
    free_port,
    load_average,
    log_counts,
    open_fds,
    question_text,
    sandboxes_of,
    start_bot,
    status_kb,
    stop_bot,
    tagged_model,
)
from bench.slack_latency import redis_server
from tests.bot_helpers import CHANNEL
from tests.fakes.groq_fixture import FAKE_GROQ_KEY
from tests.fakes.groq_server import FakeGroq
from tests.fakes.slack import FakeSlack, message_event
from tests.fakes.slack.fixture import FAKE_APP_TOKEN, FAKE_BOT_TOKEN, FAKE_SIGNING_SECRET
from tests.test_slack_e2e import share_sales, wait_card

BATCH = 100
BUTTONS = ('"show_code"', '"retry_question"')  # a final answer or failure carries one (handlers/render)
HANG_S = 120.0  # a zero-latency question takes well under a second; this is stuck, not slow
SETTLE_S = 5.0  # after a batch's last answer, its status clear and other trailing calls finish
SNAPSHOT_S = 600.0  # a tracemalloc snapshot of a bot with 25-frame tracebacks takes seconds, not minutes
COLUMNS = ("rss_mb", "fds", "kernels", "redis_kb", "redis_keys", "no_ttl")
# Ids, timestamps and hashes in key names, collapsed so keys group into families.
VARYING = re.compile(r"[0-9a-f]{8,}|\d+(\.\d+)?|U0[A-Z0-9]+|C0[A-Z0-9]+")


class Hung(Exception):
    """A question neither answered nor failed within HANG_S: its thread is stuck behind it."""


@dataclass(frozen=True)
class Sample:
    questions: int
    rss_mb: float
    fds: float
    kernels: float
    redis_kb: float
    redis_keys: float
    no_ttl: float


def sample(bot: BotProcess, client: redis.Redis, questions: int) -> Sample:
    used = int(client.info("memory")["used_memory"])
    return Sample(
        questions,
        status_kb(bot.pid, "VmRSS") / 1024,
        open_fds(bot.pid),
        len(sandboxes_of(bot.pid)),
        used / 1024,
        int(client.dbsize()),
        len(persistent(client)),
    )


def persistent(client: redis.Redis) -> list[str]:
    """Keys with no expiry: what grows without bound if a question leaves one behind."""
    return [k.decode() for k in client.scan_iter(count=1000) if client.ttl(k) == -1]


def families(keys: list[str]) -> str:
    counts: dict[str, int] = {}
    for key in keys:
        family = VARYING.sub("*", key)
        counts[family] = counts.get(family, 0) + 1
    return ", ".join(f"{name} {n}" for name, n in sorted(counts.items(), key=lambda kv: -kv[1]))


def slope(xs: list[float], ys: list[float]) -> float:
    """Least-squares slope of ys over xs (0 with fewer than two points)."""
    if len(xs) < 2:
        return 0.0
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    var = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / var if var else 0.0


async def ask(fake: FakeSlack, bot: BotProcess, thread: int, thread_ts: str, n: int) -> bool:
    """One question; True when answered, False when the thread got a failure message instead."""
    tag = answer_tag(thread, n)
    seen = len(fake.calls())
    event = message_event(CHANNEL, "U0ALICE001", question_text(thread, n), thread_ts=thread_ts)
    response = await fake.send_event(bot.events_url, event)
    if response.status != 200:
        raise SystemExit(f"the bot answered the delivery of question {tag} with HTTP {response.status}")

    def final() -> str | None:
        for call in fake.calls()[seen:]:  # `seen` counts every call, so slice them all, then filter
            if (
                call.method == "chat.postMessage"
                and call.args.get("thread_ts") == thread_ts
                and any(b in (body := json.dumps(call.args)) for b in BUTTONS)
            ):
                return body
        return None

    try:
        body = await fake.wait_until(final, timeout=HANG_S, what=f"the answer to {tag}")
    except AssertionError:
        raise Hung(tag) from None
    return tag in body


async def batch(fake: FakeSlack, bot: BotProcess, threads: list[str], first: int, count: int) -> int:
    """Questions first..first+count, question q in thread q % len(threads); each thread in order.

    Returns how many got a failure message rather than their answer.
    """

    async def one_thread(i: int) -> int:
        failed = 0
        for q in range(first, first + count):
            if q % len(threads) == i:
                failed += not await ask(fake, bot, i, threads[i], q)
        return failed

    return sum(await asyncio.gather(*(one_thread(i) for i in range(len(threads)))))


def memtrace_env(env: dict[str, str], directory: Path, frames: int) -> str:
    """Readies `directory` (old snapshots removed) and `env` for bench.memtrace; returns the module to run."""
    directory.mkdir(parents=True, exist_ok=True)
    for old in (*directory.glob("*.snap"), *directory.glob("*.json")):
        old.unlink()
    env["DATAAGENT_MEMTRACE_DIR"] = str(directory.resolve())
    env["DATAAGENT_MEMTRACE_FRAMES"] = str(frames)
    # The bot starts in a temporary directory, and `bench` is not an installed package.
    root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, (root, env.get("PYTHONPATH"))))
    return "bench.memtrace"


async def memtrace_snapshot(bot: BotProcess, directory: Path, n: int, questions: int) -> None:
    """SIGUSR2 to a bot under bench.memtrace; returns once its snapshot n is written."""
    done = directory / f"{n}.json"  # written last, renamed into place complete
    await asyncio.sleep(SETTLE_S)  # the handler blocks the bot's loop: nothing should be in flight
    started = time.monotonic()
    os.kill(bot.pid, signal.SIGUSR2)
    while not done.exists():
        if bot.proc.returncode is not None:
            raise SystemExit("the bot exited while taking a tracemalloc snapshot")
        if time.monotonic() - started > SNAPSHOT_S:
            raise SystemExit(f"no tracemalloc snapshot {done} after {SNAPSHOT_S:.0f} s")
        await asyncio.sleep(0.2)
    index_path = directory / "index.json"
    index = json.loads(index_path.read_text()) if index_path.exists() else {}
    index[str(n)] = questions
    index_path.write_text(json.dumps(index, indent=1))
    print(f"  memtrace snapshot {n} at {questions} questions ({time.monotonic() - started:.1f} s)", flush=True)


def table(samples: list[Sample]) -> None:
    print(f"{'questions':>9} {'RSS MB':>8} {'fds':>5} {'kernels':>7} {'Redis KB':>9} {'keys':>6} {'no TTL':>6}")
    for s in samples:
        print(
            f"{s.questions:>9} {s.rss_mb:>8.1f} {s.fds:>5.0f} {s.kernels:>7.0f} {s.redis_kb:>9.0f} "
            f"{s.redis_keys:>6.0f} {s.no_ttl:>6.0f}"
        )
    steady = samples[1:]  # after the first batch
    xs = [s.questions / BATCH for s in steady]
    slopes = [slope(xs, [getattr(s, c) for s in steady]) for c in COLUMNS]
    print(
        f"{'slope/100':>9} {slopes[0]:>+8.2f} {slopes[1]:>+5.2f} {slopes[2]:>+7.2f} {slopes[3]:>+9.1f} "
        f"{slopes[4]:>+6.1f} {slopes[5]:>+6.1f}"
    )


async def main(
    questions: int, threads: int, logs: Path | None, memtrace: Path | None = None, memtrace_frames: int = 25
) -> None:
    fake_slack = FakeSlack(FAKE_BOT_TOKEN, FAKE_APP_TOKEN, FAKE_SIGNING_SECRET)
    fake_groq = FakeGroq(FAKE_GROQ_KEY)
    await fake_slack.start()
    await fake_groq.start()
    fake_groq.respond_with(tagged_model)
    namespace = f"bench-soak-{uuid.uuid4().hex[:8]}"
    print(f"{questions} questions over {threads} threads, one bot process (zero-latency model)")
    print(f"load average before: {load_average()}")
    try:
        with redis_server() as redis_url, tempfile.TemporaryDirectory(prefix="dataagent-bench-soak-") as tmp:
            client = redis.Redis.from_url(redis_url)
            env = bot_env(fake_slack, fake_groq, redis_url, namespace, Path(tmp) / "data", free_port(), threads)
            module = "bot" if memtrace is None else memtrace_env(env, memtrace, memtrace_frames)
            log = (logs or Path(tmp)) / "bot.log"
            bot = await start_bot(env, Path(tmp), log, module, 60.0 if memtrace is None else SNAPSHOT_S)
            try:
                thread_ts = [await share_sales(fake_slack, bot.events_url) for _ in range(threads)]
                await asyncio.gather(*(wait_card(fake_slack, CHANNEL, ts) for ts in thread_ts))
                samples, failed, hung = [sample(bot, client, 0)], 0, ""
                if memtrace is not None:
                    await memtrace_snapshot(bot, memtrace, 0, 0)
                for first in range(0, questions, BATCH):
                    try:
                        failed += await batch(fake_slack, bot, thread_ts, first, min(BATCH, questions - first))
                    except Hung as stuck:
                        hung = str(stuck)
                        os.kill(bot.pid, signal.SIGABRT)  # PYTHONFAULTHANDLER: every thread's stack to its log
                        break
                    samples.append(sample(bot, client, min(first + BATCH, questions)))
                    if memtrace is not None:
                        await memtrace_snapshot(bot, memtrace, len(samples) - 1, samples[-1].questions)
            finally:
                await stop_bot(bot)
            lasting = families(persistent(client))
            logged = log_counts([bot], ("sandbox_lost", "resurrect", "ERROR", "Traceback"))
            client.close()
    finally:
        await fake_groq.stop()
        await fake_slack.stop()
    print(f"load average after: {load_average()}")
    table(samples)
    if hung:
        print(f"FAIL  question {hung} hung for {HANG_S:.0f} s; stopped there (thread stacks in the bot log)")
    print(f"{'PASS' if not failed else 'FAIL'}  every question answered ({failed} got a failure message instead)")
    print(f"keys without expiry at the end: {lasting}")
    print("bot log lines: " + ", ".join(f"{word} {count}" for word, count in logged.items()))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=5)
    parser.add_argument("--logs", type=Path, default=None, help="keep the bot's log in this directory")
    parser.add_argument(
        "--memtrace", type=Path, default=None, help="run the bot under tracemalloc; snapshots into this directory"
    )
    parser.add_argument(
        "--memtrace-frames", type=int, default=25, help="tracemalloc frames a traceback; 0: counters only"
    )
    args = parser.parse_args()
    asyncio.run(main(args.questions, args.threads, args.logs, args.memtrace, args.memtrace_frames))
