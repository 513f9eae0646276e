"""Load: two bot processes on one Redis, many threads asking at once.

Run from the repository root: .venv/bin/python -m bench.load [--threads 50] [--questions 3] [--max-live 8]

Two real `python -m bot serve` processes in HTTP mode share a private redis-server (a fresh one the
bench starts, so nothing else is in it). The fake Slack shares a small dataset in each of `--threads`
threads (alternating between the two request URLs, as a load balancer would), waits for every card,
then delivers the questions: round k sends question k of every thread at once; a thread's next question
goes out once the previous one shows 👀 (it is queued by then, as a person would see before asking
again), or, with --back-to-back, as soon as its HTTP delivery is acknowledged. Bolt acknowledges an
event before its listener runs, so back to back, a second question can be queued before the first
(see docs/operations.md: the queue keeps the order in which questions were queued). The fake model
answers at once, with a cell that prints the question's own tag. The local sandbox is capped at
`--max-live` kernels per process (SANDBOX_MAX_LIVE), so the threads share them by eviction and
resurrection.

Checks (PASS/FAIL): every question answered exactly once; each thread's answers in its order; no
final message other than the answers (no failure). Figures: ack latency (HTTP response time of the
event delivery), event → answer (delivery to the answer's first appearance in Slack), peak RSS
(VmHWM) per bot process, sandboxes (outer bwrap processes) alive at peak, when idle, and after stop.
Nothing here is asserted in the test suite: tests never time things.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from bench.fleet import (
    BotProcess,
    answer_tag,
    bot_env,
    free_port,
    load_average,
    log_counts,
    percentile,
    question_text,
    sandboxes_of,
    start_bot,
    status_kb,
    still_alive,
    stop_bot,
    tagged_model,
)
from bench.slack_latency import redis_server
from tests.bot_helpers import CHANNEL, finals, message_text
from tests.fakes.groq_fixture import FAKE_GROQ_KEY
from tests.fakes.groq_server import FakeGroq
from tests.fakes.slack import FakeSlack, message_event
from tests.fakes.slack.fixture import FAKE_APP_TOKEN, FAKE_BOT_TOKEN, FAKE_SIGNING_SECRET
from tests.test_slack_e2e import share_sales, wait_card

ANSWER = re.compile(r"ANS-\d+-\d+")
LOGGED = ("sandbox_lost", "sandbox_dropped", "resurrect", "ERROR", "Traceback")


@dataclass
class Sampler:
    """Counts each bot's sandboxes every quarter second; remembers every sandbox pid it saw."""

    bots: list[BotProcess]
    peak: int = 0
    seen: set[int] = field(default_factory=set)

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            alive = [await asyncio.to_thread(sandboxes_of, b.pid) for b in self.bots]
            self.seen.update(*alive)
            self.peak = max(self.peak, sum(len(a) for a in alive))
            await asyncio.sleep(0.25)


@dataclass
class Run:
    fake: FakeSlack
    bots: list[BotProcess]
    threads: list[str] = field(default_factory=list)
    sent_at: dict[str, float] = field(default_factory=dict)
    acks: list[float] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    first_seen: dict[str, float] = field(default_factory=dict)
    scanned: int = 0

    async def deliver(self, thread: int, n: int, heard: bool) -> None:
        bot = self.bots[(thread + n) % len(self.bots)]
        event = message_event(CHANNEL, "U0ALICE001", question_text(thread, n), thread_ts=self.threads[thread])
        started = time.monotonic()
        self.sent_at[answer_tag(thread, n)] = started
        response = await self.fake.send_event(bot.events_url, event)
        self.acks.append(time.monotonic() - started)
        self.statuses.append(response.status)
        if heard:  # as a person would: the next question once this one shows 👀 (it is queued by then)
            await self.fake.wait_for("reactions.add", lambda c: c.args.get("timestamp") == event["ts"], timeout=120)

    def answer_at(self, tag: str) -> float | None:
        """When the tag first reached Slack (a post or an update of a message)."""
        calls = self.fake.calls()
        for call in calls[self.scanned :]:  # only the new calls: the probe runs on every call the fake sees
            if call.method in ("chat.postMessage", "chat.update"):
                for found in ANSWER.findall(json.dumps(call.args)):
                    self.first_seen.setdefault(found, call.at)
        self.scanned = len(calls)
        return self.first_seen.get(tag)


def check(label: str, ok: bool, detail: str = "") -> bool:
    print(f"{'PASS' if ok else 'FAIL'}  {label}{'  — ' + detail if detail and not ok else ''}")
    return ok


def verify(run: Run, questions: int) -> dict[str, float]:
    """Prints the checks; returns each tag's event → answer seconds."""
    counts: dict[str, int] = {}
    extra = 0
    for thread_ts in run.threads:
        for message in finals(run.fake, CHANNEL, thread_ts):
            text = message_text(message)
            tags = [
                t for t in (answer_tag(i, n) for i in range(len(run.threads)) for n in range(questions)) if t in text
            ]
            extra += not tags
            for tag in tags:
                counts[tag] = counts.get(tag, 0) + 1
    expected = [answer_tag(i, n) for i in range(len(run.threads)) for n in range(questions)]
    missing = [t for t in expected if counts.get(t, 0) == 0]
    doubled = [t for t in expected if counts.get(t, 0) > 1]
    check("every delivery acknowledged with 200", all(s == 200 for s in run.statuses))
    check("every question answered", not missing, f"{len(missing)} unanswered, e.g. {missing[:3]}")
    check("no question answered twice", not doubled, f"{len(doubled)} twice, e.g. {doubled[:3]}")
    check("no failure or stray final message", extra == 0, f"{extra} final messages without an answer")
    times = {t: at for t in expected if (at := run.answer_at(t)) is not None}
    broken = [
        i
        for i in range(len(run.threads))
        if [times.get(answer_tag(i, n), float("inf")) for n in range(questions)]
        != sorted(times.get(answer_tag(i, n), float("inf")) for n in range(questions))
    ]
    check("each thread answered in its order", not broken, f"{len(broken)} threads out of order, e.g. {broken[:3]}")
    return {t: at - run.sent_at[t] for t, at in times.items()}


def ms_line(label: str, seconds: list[float]) -> str:
    ms = [s * 1000 for s in seconds]
    return f"{label:<24} p50 {percentile(ms, 0.5):9.1f} ms   p99 {percentile(ms, 0.99):9.1f} ms   (n={len(ms)})"


async def drive(run: Run, threads: int, questions: int, timeout: float, heard: bool) -> None:
    for i in range(threads):
        run.threads.append(await share_sales(run.fake, run.bots[i % len(run.bots)].events_url))
    await asyncio.gather(*(wait_card(run.fake, CHANNEL, ts) for ts in run.threads))
    for n in range(questions):  # each round all at once; the next once those are acknowledged (or heard)
        await asyncio.gather(*(run.deliver(i, n, heard) for i in range(threads)))
    try:
        await run.fake.wait_until(  # a final message per question: an answer, or a failure the checks count
            lambda: all(len(finals(run.fake, CHANNEL, ts)) >= questions for ts in run.threads) or None,
            timeout=timeout,
            what="a final message for every question",
        )
    except AssertionError:
        print(f"timed out after {timeout:.0f} s: the checks below show what is missing")
    await asyncio.sleep(2.0)  # room for a duplicate to show up


async def main(args: argparse.Namespace) -> None:
    threads, questions, max_live, logs = args.threads, args.questions, args.max_live, args.logs
    fake_slack = FakeSlack(FAKE_BOT_TOKEN, FAKE_APP_TOKEN, FAKE_SIGNING_SECRET)
    fake_groq = FakeGroq(FAKE_GROQ_KEY)
    await fake_slack.start()
    await fake_groq.start()
    fake_groq.respond_with(tagged_model)
    namespace = f"bench-load-{uuid.uuid4().hex[:8]}"
    pacing = "on the HTTP ack" if args.back_to_back else "once the previous one shows 👀"
    print(f"{threads} threads × {questions} questions, 2 bot processes, SANDBOX_MAX_LIVE={max_live} each")
    print(f"each round of questions at once; a thread's next question {pacing}")
    print(f"load average before: {load_average()}")
    try:
        with redis_server() as redis_url, tempfile.TemporaryDirectory(prefix="dataagent-bench-load-") as tmp:
            bots = []
            for name in ("a", "b"):
                env = bot_env(fake_slack, fake_groq, redis_url, namespace, Path(tmp) / name, free_port(), max_live)
                bots.append(await start_bot(env, Path(tmp), (logs or Path(tmp)) / f"bot-{name}.log"))
            run, sampler, stop = Run(fake_slack, bots), Sampler(bots), asyncio.Event()
            sampling = asyncio.create_task(sampler.run(stop))
            try:
                started = time.monotonic()
                await drive(run, threads, questions, args.timeout, not args.back_to_back)
                elapsed = time.monotonic() - started
                idle = sum(len(sandboxes_of(b.pid)) for b in bots)
                peaks = [status_kb(b.pid, "VmHWM") / 1024 for b in bots]
            finally:
                stop.set()
                await sampling
                for bot in bots:
                    await stop_bot(bot)
            await asyncio.sleep(1.0)
            orphans = still_alive(sampler.seen)
            logged = log_counts(bots, LOGGED)
            answered = verify(run, questions)
    finally:
        await fake_groq.stop()
        await fake_slack.stop()
    print(f"load average after: {load_average()}   wall time {elapsed:.1f} s (shares, cards and questions)")
    print(ms_line("ack (event delivery)", run.acks))
    print(ms_line("event → answer", list(answered.values())))
    for name, peak in zip("ab", peaks, strict=True):
        print(f"{'peak RSS bot ' + name:<24} {peak:9.0f} MB")
    print(f"{'sandboxes at peak':<24} {sampler.peak:9d}   (cap {2 * max_live}; {len(sampler.seen)} started in all)")
    print(f"{'sandboxes when idle':<24} {idle:9d}")
    print(f"{'sandboxes after stop':<24} {orphans:9d}")
    print("bot log lines: " + ", ".join(f"{word} {count}" for word, count in logged.items()))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=50)
    parser.add_argument("--questions", type=int, default=3, help="per thread")
    parser.add_argument("--max-live", type=int, default=8, help="SANDBOX_MAX_LIVE of each process")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds to wait for every answer")
    parser.add_argument("--logs", type=Path, default=None, help="keep the bots' logs in this directory")
    parser.add_argument(
        "--back-to-back", action="store_true", help="send a thread's next question on the HTTP ack, before 👀"
    )
    asyncio.run(main(parser.parse_args()))
