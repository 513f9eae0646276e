"""Fixture `fake_slack`: a running `FakeSlack` with the tokens below.

Load with `pytest_plugins = ["tests.fakes.slack_fixture"]` in the root conftest. The fixture never sets
`SLACK_CLIENT_ID`/`SLACK_CLIENT_SECRET` (they would silently switch `AsyncApp` to OAuth) and removes them
for the test, with the proxy variables the SDK would otherwise honour.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.fakes.slack_server import FakeSlack

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
