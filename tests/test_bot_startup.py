"""Starting the bot: a private Redis when none is configured, and clear messages for missing tokens."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import stat
import subprocess
import time
from pathlib import Path

import pytest
import redis

from bot.embedded_redis import SOCKET_NAME, ensure_redis
from tests.conftest import free_port
from tests.test_cli_data import run_cli


def _stop(directory: Path) -> None:
    os.kill(int((directory / "redis.pid").read_text()), signal.SIGTERM)


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
        _stop(tmp_path / "redis")


def test_the_private_redis_listens_on_a_socket_only_its_user_can_open_and_no_tcp_port(tmp_path: Path) -> None:
    url = ensure_redis(tmp_path)
    directory = tmp_path / "redis"
    try:
        assert url == f"unix://{(directory / SOCKET_NAME).resolve()}?db=0"
        assert stat.S_IMODE((directory / SOCKET_NAME).stat().st_mode) == 0o700
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700
        client = redis.Redis.from_url(url)
        assert client.config_get("port")["port"] == "0"  # no TCP listener at all
        client.close()
    finally:
        _stop(directory)


def test_under_a_data_dir_too_deep_for_a_socket_it_requires_a_generated_password(tmp_path: Path) -> None:
    deep = tmp_path / ("d" * 60) / ("e" * 60)
    url = ensure_redis(deep)
    directory = deep / "redis"
    try:
        assert url.startswith("redis://:") and "@127.0.0.1:" in url
        port = int((directory / "redis.port").read_text())
        with pytest.raises(redis.AuthenticationError):
            redis.Redis(host="127.0.0.1", port=port).ping()
        assert redis.Redis.from_url(url).ping()
        assert stat.S_IMODE((directory / "redis.pass").stat().st_mode) == 0o600
        assert stat.S_IMODE((directory / "redis.conf").stat().st_mode) == 0o600
        assert ensure_redis(deep) == url
    finally:
        _stop(directory)


def test_an_open_tcp_server_left_by_an_older_version_is_retired_and_its_data_kept(tmp_path: Path) -> None:
    directory = tmp_path / "redis"
    directory.mkdir()
    port = free_port()
    exe = shutil.which("redis-server")
    assert exe
    args = ["--port", str(port), "--bind", "127.0.0.1", "--dir", str(directory), "--appendonly", "yes"]
    subprocess.run([exe, *args, "--daemonize", "yes"], check=True, timeout=15)
    old = redis.Redis(host="127.0.0.1", port=port)
    for _ in range(100):
        with contextlib.suppress(redis.ConnectionError):
            if old.ping():
                break
        time.sleep(0.05)
    old.set("kept", "yes")
    (directory / "redis.port").write_text(str(port))
    url = ensure_redis(tmp_path)
    try:
        assert url.startswith("unix://")
        with pytest.raises(redis.ConnectionError):
            redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=1).ping()
        assert redis.Redis.from_url(url).get("kept") == b"yes"
    finally:
        _stop(directory)


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
