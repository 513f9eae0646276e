"""Real `python -m bot serve` processes against the wire fakes, and what /proc says about them.

Shared by bench/load.py and bench/soak.py. The bots run as separate processes (HTTP mode, the fake
Slack delivering signed events to their request URLs) so their RSS, file descriptors and sandboxes are
theirs alone, not the bench's, which hosts the fake Slack and the fake model.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from tests.engine_helpers import echo_answer, is_answer_request
from tests.fakes.groq_fixture import FAKE_GROQ_KEY
from tests.fakes.groq_server import FakeGroq, Reply, run_python
from tests.fakes.slack import FakeSlack

# A question carries its tag; the scripted model prints the tag back, so each answer names its question.
TAG = re.compile(r"QTAG-(\d+)-(\d+)")


def question_text(thread: int, n: int) -> str:
    return f"Total units, please? QTAG-{thread}-{n}"


def answer_tag(thread: int, n: int) -> str:
    return f"ANS-{thread}-{n}"


def tagged_model(body: dict[str, Any]) -> Reply | str:
    """Zero latency: one cell printing the current question's answer tag, then an answer echoing it."""
    if is_answer_request(body):
        return echo_answer(body)
    # The thread's earlier questions may be in the prompt as history; the current one comes last.
    tags = TAG.findall(json.dumps(body["messages"]))
    thread, n = tags[-1]
    return run_python(f"print(f\"ANS-{thread}-{n} units={{df['units'].sum()}}\")")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class BotProcess:
    proc: asyncio.subprocess.Process
    port: int
    log: Path

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def events_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/slack/events"


def bot_env(
    fake_slack: FakeSlack, fake_groq: FakeGroq, redis_url: str, namespace: str, data_dir: Path, port: int, max_live: int
) -> dict[str, str]:
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": fake_slack.bot_token,
        "SLACK_SIGNING_SECRET": fake_slack.signing_secret,
        "SLACK_API_URL": fake_slack.base_url,
        "PORT": str(port),
        "GROQ_API_KEY": FAKE_GROQ_KEY,
        "GROQ_BASE_URL": fake_groq.base_url,
        "REDIS_URL": redis_url,
        "REDIS_PREFIX": namespace,
        "SANDBOX": "local",
        "SANDBOX_MAX_LIVE": str(max_live),
        "DATA_DIR": str(data_dir),
        "CELL_TIMEOUT_S": "120",
        "USER_QUESTIONS_PER_HOUR": "0",  # one synthetic user asks everything: fair use is not what is measured
        "LOG_LEVEL": "INFO",
        "PYTHONFAULTHANDLER": "1",  # a bench that finds a hang dumps the stacks with SIGABRT
    }
    env.pop("SLACK_APP_TOKEN", None)  # HTTP mode
    return env


async def start_bot(
    env: dict[str, str], cwd: Path, log: Path, module: str = "bot", healthy_s: float = 60.0
) -> BotProcess:
    """Start a bot, its log (INFO) to `log`; returns once /healthz answers (within about `healthy_s`).

    `module` is run as `python -m MODULE serve`: "bot", or a bench wrapper such as "bench.memtrace" (which
    starts several times slower, so give it a longer `healthy_s`). A bot that never becomes healthy is
    killed, its process group with it.
    """
    port = int(env["PORT"])
    with log.open("wb") as out:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", module, "serve", env=env, cwd=cwd, start_new_session=True, stdout=out, stderr=out
        )
    bot = BotProcess(proc, port, log)
    async with aiohttp.ClientSession() as session:
        for _ in range(round(healthy_s / 0.1)):
            if proc.returncode is not None:
                raise SystemExit("a bot process exited during start-up")
            try:
                async with session.get(f"http://127.0.0.1:{port}/healthz") as response:
                    if response.status == 200:
                        return bot
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    os.killpg(proc.pid, signal.SIGKILL)
    await proc.wait()
    raise SystemExit("a bot process never became healthy")


async def stop_bot(bot: BotProcess) -> None:
    """SIGTERM (the bot stops cleanly, closing its kernels), SIGKILL of its group if it hangs."""
    if bot.proc.returncode is None:
        bot.proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(bot.proc.wait(), 60)
        except TimeoutError:
            os.killpg(bot.pid, signal.SIGKILL)
            await bot.proc.wait()


def status_kb(pid: int, field: str) -> int:
    """A `kB` line of /proc/PID/status: VmRSS (now) or VmHWM (peak)."""
    for row in Path(f"/proc/{pid}/status").read_text().splitlines():
        if row.startswith(field + ":"):
            return int(row.split()[1])
    return 0


def open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def _parents() -> dict[int, int]:
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    return parents


def _is_bwrap(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0", 1)[0].endswith(b"bwrap")
    except OSError:
        return False


def is_sandbox(pid: int, parents: dict[int, int]) -> bool:
    """One per sandbox: the outer bwrap (its child, the jail's init, is a bwrap too)."""
    return _is_bwrap(pid) and not _is_bwrap(parents.get(pid, 0))


def sandboxes_of(root: int) -> set[int]:
    """The pids of the sandboxes descended from process `root`."""
    parents = _parents()
    found = set()
    for pid in parents:
        if not is_sandbox(pid, parents):
            continue
        up = parents.get(pid, 0)
        while up > 1 and up != root:
            up = parents.get(up, 0)
        if up == root:
            found.add(pid)
    return found


def still_alive(pids: set[int]) -> int:
    """How many of `pids` are still sandboxes (an orphan outliving its bot counts)."""
    parents = _parents()
    return sum(1 for pid in pids if is_sandbox(pid, parents))


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def log_counts(bots: list[BotProcess], words: tuple[str, ...]) -> dict[str, int]:
    """How many log lines of the bots mention each word (sandbox_lost, ERROR, …)."""
    counts = dict.fromkeys(words, 0)
    for bot in bots:
        for row in bot.log.read_text(errors="replace").splitlines():
            for word in words:
                counts[word] += word in row
    return counts
