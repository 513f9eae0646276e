"""`dataagent doctor` against the fakes: all green, then a missing key named."""

from __future__ import annotations

from pathlib import Path

from tests.fakes.groq_fixture import FAKE_GROQ_KEY
from tests.fakes.groq_server import FakeGroq
from tests.fakes.slack import FakeSlack
from tests.test_cli_data import run_cli


async def test_doctor_checks_everything_and_names_what_to_fix(
    tmp_path: Path, fake_slack: FakeSlack, fake_groq: FakeGroq, redis_url: str
) -> None:
    fake_groq.respond_with(lambda body: "OK")
    env = {
        "SLACK_BOT_TOKEN": fake_slack.bot_token,
        "SLACK_APP_TOKEN": fake_slack.app_token,
        "SLACK_API_URL": fake_slack.base_url,
        "GROQ_API_KEY": FAKE_GROQ_KEY,
        "GROQ_BASE_URL": fake_groq.base_url,
        "REDIS_URL": redis_url,
    }
    code, out, err = await run_cli(tmp_path, "doctor", env=env)
    assert code == 0, out + err
    assert out.count("✓") == 4 and "Socket Mode" in out and "pandas" in out

    code, out, _ = await run_cli(tmp_path, "doctor", env={**env, "GROQ_API_KEY": ""})
    assert code == 1
    assert "✗ LLM: GROQ_API_KEY is not set" in out
