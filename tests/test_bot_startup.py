"""Starting the bot: a private Redis when none is configured, and clear messages for missing tokens."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import redis

from bot.embedded_redis import ensure_redis
from tests.test_cli_data import run_cli


def test_without_redis_url_a_private_persistent_redis_is_started_and_reused(tmp_path: Path) -> None:
    url = ensure_redis(tmp_path)
    try:
        client = redis.Redis.from_url(url)
        client.set("kept", "yes")
        assert ensure_redis(tmp_path) == url  # a second process finds the same server
        assert client.config_get("appendonly")["appendonly"] == "yes"
        assert (tmp_path / "redis").is_dir()
        client.close()
    finally:
        pid = int((tmp_path / "redis" / "redis.pid").read_text())
        os.kill(pid, signal.SIGTERM)


async def test_serve_without_a_bot_token_says_which_token_and_where_to_get_it(tmp_path: Path) -> None:
    env = {"SLACK_BOT_TOKEN": "", "SLACK_APP_TOKEN": "", "GROQ_API_KEY": "gsk_x"}
    code, _, err = await run_cli(tmp_path, "serve", env=env)
    assert code == 2
    assert "SLACK_BOT_TOKEN" in err and "OAuth & Permissions" in err


async def test_serve_without_app_token_or_signing_secret_explains_both_modes(tmp_path: Path) -> None:
    env = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "", "SLACK_SIGNING_SECRET": "", "GROQ_API_KEY": "gsk_x"}
    code, _, err = await run_cli(tmp_path, "serve", env=env)
    assert code == 2
    assert "SLACK_APP_TOKEN" in err and "SLACK_SIGNING_SECRET" in err
