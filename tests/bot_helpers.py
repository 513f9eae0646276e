"""Running the real bot (bolt app, worker, engine, local sandbox) against the fake Slack and Groq."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from bot.app import Bot
from bot.config import Settings
from tests.fakes.groq_fixture import FAKE_GROQ_KEY
from tests.fakes.groq_server import FakeGroq
from tests.fakes.slack import FakeSlack

CHANNEL = "C0DATA0001"


def bot_settings(
    fake_slack: FakeSlack,
    fake_groq: FakeGroq,
    redis_url: str,
    data_dir: Path,
    *,
    socket_mode: bool = False,
    max_file_mb: int = 5,
    extra: dict[str, str] | None = None,
) -> Settings:
    env = {
        "SLACK_BOT_TOKEN": fake_slack.bot_token,
        "SLACK_SIGNING_SECRET": fake_slack.signing_secret,
        "SLACK_API_URL": fake_slack.base_url,
        "PORT": "0",
        "GROQ_API_KEY": FAKE_GROQ_KEY,
        "GROQ_BASE_URL": fake_groq.base_url,
        "REDIS_URL": redis_url,
        "SANDBOX": "local",
        "DATA_DIR": str(data_dir),
        "MAX_FILE_MB": str(max_file_mb),
        "CELL_TIMEOUT_S": "30",
    }
    if socket_mode:
        env["SLACK_APP_TOKEN"] = fake_slack.app_token
    return Settings.from_env({**env, **(extra or {})})


@asynccontextmanager
async def running_bot(settings: Settings, namespace: str, *, claim_idle_s: float = 60.0) -> AsyncIterator[Bot]:
    bot = Bot(settings, namespace=namespace, claim_idle_s=claim_idle_s)
    await bot.start()
    try:
        yield bot
    finally:
        await bot.stop()


def events_url(bot: Bot) -> str:
    return f"{bot.url}/slack/events"


def action_ids(message: dict[str, object]) -> set[str]:
    found: set[str] = set()
    for block in message.get("blocks") or []:  # type: ignore[attr-defined]
        for element in block.get("elements", []) if block.get("type") == "actions" else []:
            found.add(str(element.get("action_id")))
    return found


def finals(fake: FakeSlack, channel: str, thread_ts: str) -> list[dict[str, object]]:
    """Messages in the thread that are a final answer or failure (they carry buttons)."""
    return [m for m in fake.thread_messages(channel, thread_ts) if action_ids(m) & {"show_code", "retry_question"}]


async def wait_final(fake: FakeSlack, channel: str, thread_ts: str, timeout: float = 60.0) -> dict[str, object]:
    found = await fake.wait_until(
        lambda: finals(fake, channel, thread_ts) or None, timeout=timeout, what=f"a final answer in thread {thread_ts}"
    )
    return found[0]


def message_text(message: dict[str, object]) -> str:
    """Everything a person reads in a message: its text and every text in its blocks."""
    parts = [str(message.get("text") or "")]

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "text" and isinstance(value, str):
                    parts.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(message.get("blocks") or [])
    return "\n".join(parts)
