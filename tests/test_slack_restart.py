"""No question is lost: a bot process killed mid-analysis, its question answered by the next one."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path
from typing import Any

import aiohttp

from tests.bot_helpers import CHANNEL, bot_settings, finals, message_text, running_bot, wait_final
from tests.conftest import free_port
from tests.engine_helpers import Model, is_answer_request
from tests.fakes.groq_fixture import FAKE_GROQ_KEY
from tests.fakes.groq_server import FakeGroq, Reply
from tests.fakes.slack import FakeSlack, message_event
from tests.test_slack_e2e import share_sales, wait_card


async def wait_healthy(url: str, proc: asyncio.subprocess.Process) -> None:
    async with aiohttp.ClientSession() as session:
        for _ in range(300):
            assert proc.returncode is None, "the bot process exited during start-up"
            try:
                async with session.get(f"{url}/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError("the bot never became healthy")


async def test_a_question_taken_by_a_killed_process_is_answered_after_restart(
    fake_slack: FakeSlack, fake_groq: FakeGroq, redis_url: str, namespace: str, tmp_path: Path
) -> None:
    stuck = asyncio.Event()
    healthy = Model(['print(f"rows={len(df)}")'])

    def model(body: dict[str, Any]) -> Reply | str:
        if not stuck.is_set() and not is_answer_request(body):
            stuck.set()
            return Reply("```python\nprint('never')\n```", delay_s=120)  # the first process dies waiting
        return healthy(body)

    fake_groq.respond_with(model)
    port = free_port()
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
        "DATA_DIR": str(tmp_path / "a"),
    }
    env.pop("SLACK_APP_TOKEN", None)
    first = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "serve", env=env, cwd=tmp_path, start_new_session=True
    )
    try:
        url = f"http://127.0.0.1:{port}"
        await wait_healthy(url, first)
        file_ts = await share_sales(fake_slack, f"{url}/slack/events")
        await wait_card(fake_slack, CHANNEL, file_ts)
        question = message_event(CHANNEL, "U0ALICE001", "How many rows?", thread_ts=file_ts)
        await fake_slack.send_event(f"{url}/slack/events", question)
        await asyncio.wait_for(stuck.wait(), 60)
        os.killpg(first.pid, signal.SIGKILL)  # the process and its sandbox, without any goodbye
        await asyncio.wait_for(first.wait(), 30)
    finally:
        if first.returncode is None:
            os.killpg(first.pid, signal.SIGKILL)
            await first.wait()
    settings = bot_settings(fake_slack, fake_groq, redis_url, tmp_path / "b")
    async with running_bot(settings, namespace, claim_idle_s=1.0):
        final = await wait_final(fake_slack, CHANNEL, file_ts, timeout=90)
        await asyncio.sleep(1.0)
        assert len(finals(fake_slack, CHANNEL, file_ts)) == 1
    assert "rows=6" in message_text(final)
