"""Fixtures `fake_slack`, a running `FakeSlack` with the tokens below, and `web_client`, the SDK's client for it.

Load with `pytest_plugins = ["tests.fakes.slack.fixture"]` in the root conftest. `fake_slack` never sets
`SLACK_CLIENT_ID`/`SLACK_CLIENT_SECRET` (they would silently switch `AsyncApp` to OAuth) and removes them
for the test, with the proxy variables the SDK would otherwise honour.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from tests.fakes.slack.server import FakeSlack

FAKE_BOT_TOKEN = "xoxb-test"
FAKE_APP_TOKEN = "xapp-test"
FAKE_SIGNING_SECRET = "fake-signing-secret-0123456789abcdef"
_UNWANTED_ENV = (
    "SLACK_CLIENT_ID",
    "SLACK_CLIENT_SECRET",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
)


@pytest.fixture
async def fake_slack(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeSlack]:
    """A fake Slack on 127.0.0.1 expecting `FAKE_BOT_TOKEN`, `FAKE_APP_TOKEN` and `FAKE_SIGNING_SECRET`."""
    for name in _UNWANTED_ENV:
        monkeypatch.delenv(name, raising=False)
    server = FakeSlack(FAKE_BOT_TOKEN, FAKE_APP_TOKEN, FAKE_SIGNING_SECRET)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
def web_client(fake_slack: FakeSlack) -> AsyncWebClient:
    """slack_sdk's real `AsyncWebClient`, carrying `FAKE_BOT_TOKEN`, pointed at `fake_slack`."""
    return AsyncWebClient(token=FAKE_BOT_TOKEN, base_url=fake_slack.base_url, timeout=5)
