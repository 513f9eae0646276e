"""Slack-visible latency of the real bot: from a question's event to its first sign of life, and to its answer.

Run from the repository root: .venv/bin/python -m bench.slack_latency [--questions N]
(It drives the whole bot through the test suite's wire fakes, so it imports them as a module run.)

This bench drives the *test fakes* (tests/fakes: the on-the-wire fake Slack and fake Groq, and
tests/bot_helpers to run the real bot against them): the bolt app, job queue, worker, engine and local
sandbox are the real ones; Slack and the model answer instantly (the model is a zero-latency script).
It uses REDIS_URL, or starts a private redis-server. Questions are asked *sequentially in one thread*
(each waits for the previous answer), so the figures carry no queueing behind other questions.

Per question it reads the fake Slack's recorded calls (each carries a `time.monotonic()` stamp):
  first sign  the earliest `reactions.add` (👀) on the question or `assistant.threads.setStatus` in its thread
  answer      the `chat.postMessage` of the answer
and prints p50 / p99 of both. Nothing is asserted (tests never time things).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

from tests.bot_helpers import CHANNEL, bot_settings, events_url, running_bot
from tests.engine_helpers import Model
from tests.fakes.groq_fixture import FAKE_GROQ_KEY
from tests.fakes.groq_server import FakeGroq
from tests.fakes.slack import FakeSlack, message_event
from tests.fakes.slack.fixture import FAKE_APP_TOKEN, FAKE_BOT_TOKEN, FAKE_SIGNING_SECRET
from tests.test_slack_e2e import share_sales, wait_card

UNITS = "print(f\"units: {df['units'].sum()}\")"


@contextlib.contextmanager
def redis_server() -> Iterator[str]:
    """REDIS_URL when set, else a throwaway redis-server on a free port."""
    if url := os.environ.get("REDIS_URL"):
        yield url
        return
    exe = shutil.which("redis-server")
    if exe is None:
        raise SystemExit("redis-server is not installed (scripts/bootstrap), or set REDIS_URL")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    workdir = tempfile.mkdtemp(prefix="dataagent-bench-redis-")
    argv = [exe, "--port", str(port), "--bind", "127.0.0.1", "--dir", workdir, "--save", "", "--appendonly", "no"]
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(200):
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def line(label: str, samples: list[float]) -> str:
    ms = [s * 1000 for s in samples]
    return f"{label:<22} p50 {percentile(ms, 0.50):8.1f} ms   p99 {percentile(ms, 0.99):8.1f} ms   (n={len(ms)})"


async def ask(fake: FakeSlack, url: str, thread_ts: str, n: int) -> tuple[float, float]:
    """One question; returns (seconds to the first sign, seconds to the answer)."""
    event = message_event(CHANNEL, "U0ALICE001", f"Total units? ({n})", thread_ts=thread_ts)
    seen = len(fake.calls())
    started = time.monotonic()
    await fake.send_event(url, event)
    answer = await fake.wait_until(
        lambda: next(
            (
                c
                for c in fake.calls("chat.postMessage")[:]
                if c.at >= started and c.args.get("thread_ts") == thread_ts and "units: 20" in json.dumps(c.args)
            ),
            None,
        ),
        timeout=60,
        what=f"the answer to question {n}",
    )
    signs = [
        c.at
        for c in fake.calls()[seen:]
        if (c.method == "reactions.add" and c.args.get("timestamp") == event["ts"])
        or (c.method == "assistant.threads.setStatus" and c.args.get("thread_ts") == thread_ts)
    ]
    await fake.wait_until(  # the status is cleared before the next question, so calls do not interleave
        lambda: fake.statuses(CHANNEL, thread_ts)[-1:] == [""] or None, timeout=10, what="the status to clear"
    )
    return min(signs) - started, answer.at - started


async def main(questions: int) -> None:
    fake_slack = FakeSlack(FAKE_BOT_TOKEN, FAKE_APP_TOKEN, FAKE_SIGNING_SECRET)
    fake_groq = FakeGroq(FAKE_GROQ_KEY)
    await fake_slack.start()
    await fake_groq.start()
    fake_groq.respond_with(Model([UNITS] * questions))  # no delay: the figures are the bot's own
    try:
        with redis_server() as redis_url, tempfile.TemporaryDirectory() as data_dir:
            settings = bot_settings(fake_slack, fake_groq, redis_url, Path(data_dir))
            async with running_bot(settings, f"bench-{uuid.uuid4().hex[:8]}") as bot:
                url = events_url(bot)
                thread_ts = await share_sales(fake_slack, url)
                await wait_card(fake_slack, CHANNEL, thread_ts)
                first, answered = [], []
                for n in range(questions):
                    sign_s, answer_s = await ask(fake_slack, url, thread_ts, n)
                    first.append(sign_s)
                    answered.append(answer_s)
    finally:
        await fake_groq.stop()
        await fake_slack.stop()
    print(f"{questions} questions, sequentially in one thread (fake Slack, zero-latency scripted model):")
    print(line("event → first sign", first))
    print(line("event → answer", answered))
    print(line("  first question", answered[:1]) + "   (starts the thread's sandbox)")
    print(line("  warm (2nd on)", answered[1:]))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", type=int, default=50)
    asyncio.run(main(parser.parse_args().questions))
