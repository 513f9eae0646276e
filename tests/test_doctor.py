"""`dataagent doctor` against the fakes: all green, a missing key named, the openai provider refusing tools."""

from __future__ import annotations

from pathlib import Path

from tests.fakes.groq_fixture import FAKE_GROQ_KEY, FAKE_OPENAI_KEY
from tests.fakes.groq_server import FakeGroq, HTTPError
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
    assert out.count("✓") == 5 and "Socket Mode" in out and "✓ Blobs: blobs on disk" in out and "pandas" in out
    # What bounds a local sandbox's memory on this host, in either case: a cgroup, or rlimits and why.
    assert "memory and pids limits per sandbox" in out or "memory: rlimits only, no cgroup (" in out

    code, out, _ = await run_cli(tmp_path, "doctor", env={**env, "GROQ_API_KEY": ""})
    assert code == 1
    assert "✗ LLM: GROQ_API_KEY is not set" in out


async def test_doctor_checks_the_openai_provider_and_says_when_the_model_refuses_tools(
    tmp_path: Path, fake_slack: FakeSlack, fake_groq: FakeGroq, redis_url: str
) -> None:
    fake_groq.respond_with(lambda body: HTTPError(400, "llama3 does not support tools") if body.get("tools") else "OK")
    env = {
        "SLACK_BOT_TOKEN": fake_slack.bot_token,
        "SLACK_APP_TOKEN": fake_slack.app_token,
        "SLACK_API_URL": fake_slack.base_url,
        "LLM_PROVIDER": "openai",
        "LLM_BASE_URL": fake_groq.openai_base_url,
        "LLM_API_KEY": FAKE_OPENAI_KEY,
        "LLM_MODEL": "llama3",
        "REDIS_URL": redis_url,
    }
    code, out, err = await run_cli(tmp_path, "doctor", env=env)
    assert code == 0, out + err
    assert "✓ LLM: model llama3 answered, but it refuses tools: answers will use one-shot code instead" in out
    assert "set LLM_TOOLS=off to skip the check" in out
    assert {r.path for r in fake_groq.requests} == {"/v1/chat/completions"}
    assert [bool(r.json.get("tools")) for r in fake_groq.requests] == [True, False]

    fake_groq.requests.clear()
    code, out, _ = await run_cli(tmp_path, "doctor", env={**env, "LLM_TOOLS": "off"})
    assert code == 0 and "✓ LLM: openai model llama3 answered in" in out
    assert [bool(r.json.get("tools")) for r in fake_groq.requests] == [False]

    code, out, _ = await run_cli(tmp_path, "doctor", env={**env, "LLM_API_KEY": "sk-wrong"})
    assert code == 1 and "✗ LLM: The model server rejected LLM_API_KEY" in out
    assert "sk-wrong" not in out
