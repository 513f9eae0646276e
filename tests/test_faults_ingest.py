"""A bot process SIGKILLed in the middle of ingesting an upload: the next process finishes the file, once (issue 12).

The first process is a real `python -m bot serve`; the fake Slack holds its download of the file, the test
kills the process group (bot and sandbox, no goodbye), and a second bot takes the job after claim_idle_s.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from tests.bot_helpers import CHANNEL, bot_settings, message_text, running_bot, wait_final
from tests.conftest import free_port
from tests.engine_helpers import Model
from tests.fakes.groq_fixture import FAKE_GROQ_KEY
from tests.fakes.groq_server import FakeGroq
from tests.fakes.slack import FakeSlack, message_event
from tests.test_faults_cards import cards, is_card
from tests.test_slack_e2e import share_sales
from tests.test_slack_restart import wait_healthy


async def test_an_upload_whose_process_was_killed_mid_ingest_is_finished_once_by_the_next(
    fake_slack: FakeSlack, fake_groq: FakeGroq, redis_url: str, namespace: str, tmp_path: Path
) -> None:
    fake_groq.respond_with(Model(['print(f"rows={len(df)}")']))
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
    gate = fake_slack.hold_next("files.download")
    first = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "serve", env=env, cwd=tmp_path, start_new_session=True
    )
    try:
        url = f"http://127.0.0.1:{port}"
        await wait_healthy(url, first)
        file_ts = await share_sales(fake_slack, f"{url}/slack/events")
        await fake_slack.wait_until(lambda: len(fake_slack.downloads) >= 1, timeout=30, what="the download begun")
        os.killpg(first.pid, signal.SIGKILL)
        await asyncio.wait_for(first.wait(), 30)
    finally:
        if first.returncode is None:
            os.killpg(first.pid, signal.SIGKILL)
            await first.wait()
    gate.set()  # the dead process's request is answered into the void
    settings = bot_settings(fake_slack, fake_groq, redis_url, tmp_path / "b")
    async with running_bot(settings, namespace, claim_idle_s=1.0) as bot:
        await fake_slack.wait_for("chat.postMessage", lambda c: is_card(c.args), timeout=40)
        await bot.worker.until(lambda stats: stats.done >= 1, timeout=30)
        await fake_slack.send_event(
            f"{bot.url}/slack/events", message_event(CHANNEL, "U0ALICE001", "How many rows?", thread_ts=file_ts)
        )
        final = await wait_final(fake_slack, CHANNEL, file_ts, timeout=60)
        assert cards(fake_slack, file_ts) == 1
    assert "rows=6" in message_text(final)
    assert len(fake_slack.downloads) == 2  # the first process's attempt and the one that finished
