"""SANDBOX_MAX_LIVE: the local kernels one bot process keeps; threads beyond it share by resurrection."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from agent.errors import ConfigError
from bot.config import Settings
from tests.bot_helpers import CHANNEL, bot_settings, events_url, finals, message_text, running_bot
from tests.engine_helpers import Model
from tests.fakes.groq_server import FakeGroq
from tests.fakes.slack import FakeSlack, message_event
from tests.test_slack_e2e import share_sales, wait_card

UNITS = "print(f\"units={df['units'].sum()}\")"


def own_sandboxes(besides: frozenset[int] = frozenset()) -> int:
    """Outer bwrap processes that are children of this process (the jail's init is a bwrap below one),
    not counting `besides` (those of earlier tests in the same process)."""
    count = 0
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) in besides:
            continue
        if not entry.isdigit():
            continue
        try:
            argv0 = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0", 1)[0]
            parent = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except OSError:
            continue
        count += argv0.endswith(b"bwrap") and parent == os.getpid()
    return count


def test_the_cap_must_be_at_least_one() -> None:
    with pytest.raises(ConfigError, match="SANDBOX_MAX_LIVE must be at least 1"):
        Settings.from_env({"SANDBOX_MAX_LIVE": "0"})


async def test_with_a_cap_of_one_two_threads_share_one_kernel_and_both_keep_answering(
    fake_slack: FakeSlack, fake_groq: FakeGroq, redis_url: str, namespace: str, tmp_path: Path
) -> None:
    fake_groq.respond_with(Model([UNITS] * 3))
    earlier = frozenset(int(e) for e in os.listdir("/proc") if e.isdigit())
    settings = bot_settings(
        fake_slack, fake_groq, redis_url, tmp_path, extra={"SANDBOX_MAX_LIVE": "1", "SANDBOX_POOL_SIZE": "0"}
    )
    async with running_bot(settings, namespace) as bot:
        url = events_url(bot)
        first, second = await share_sales(fake_slack, url), await share_sales(fake_slack, url)
        await wait_card(fake_slack, CHANNEL, first)
        await wait_card(fake_slack, CHANNEL, second)
        for n, thread in enumerate((first, second, first), start=1):
            await fake_slack.send_event(url, message_event(CHANNEL, "U0ALICE001", "Total units?", thread_ts=thread))
            await fake_slack.wait_until(
                lambda n=n: len(finals(fake_slack, CHANNEL, first)) + len(finals(fake_slack, CHANNEL, second)) == n,
                timeout=90,
                what=f"answer {n}",
            )
            # The kernel given up to make room exits a moment after the answer: allow it that moment.
            for _ in range(150):
                if own_sandboxes(besides=earlier) == 1:
                    break
                await asyncio.sleep(0.1)
            assert own_sandboxes(besides=earlier) == 1
    answers = finals(fake_slack, CHANNEL, first) + finals(fake_slack, CHANNEL, second)
    assert all("units=20" in message_text(m) for m in answers)
