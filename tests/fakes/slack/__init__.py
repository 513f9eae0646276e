"""A local, on-the-wire fake of Slack: what tests import from it.

`FakeSlack` (in `server`) is the fake itself; `fixture` holds the `fake_slack` and `web_client` pytest
fixtures (loaded through `pytest_plugins` in tests/conftest.py) and the credentials they use. The rest
builds what Slack sends an app (`events`, signed by `delivery`) in the workspace `common` describes.
Modules of the package import each other by module path, never from here: this file imports them all, so
during that import it is only half built.
"""

from __future__ import annotations

from tests.fakes.slack.common import (
    API_APP_ID,
    BOT_ID,
    BOT_USER_ID,
    DEFAULT_CHANNEL,
    DEFAULT_DM,
    DEFAULT_USER,
    TEAM_ID,
)
from tests.fakes.slack.delivery import send_event, send_url_verification, signature_headers
from tests.fakes.slack.events import (
    Event,
    app_home_opened_event,
    app_mention_event,
    block_actions_payload,
    bot_message_event,
    command_payload,
    dm_message_event,
    event_envelope,
    file_share_event,
    file_shared_event,
    mention_events,
    message_action_payload,
    message_changed_event,
    message_deleted_event,
    message_event,
    slack_text,
    view_block_actions_payload,
)
from tests.fakes.slack.fixture import FAKE_APP_TOKEN, FAKE_BOT_TOKEN, FAKE_SIGNING_SECRET
from tests.fakes.slack.server import Ack, Download, FakeSlack, RecordedCall, ResponseUrlPost, StoredFile

__all__ = [
    "API_APP_ID",
    "BOT_ID",
    "BOT_USER_ID",
    "DEFAULT_CHANNEL",
    "DEFAULT_DM",
    "DEFAULT_USER",
    "FAKE_APP_TOKEN",
    "FAKE_BOT_TOKEN",
    "FAKE_SIGNING_SECRET",
    "TEAM_ID",
    "Ack",
    "Download",
    "Event",
    "FakeSlack",
    "RecordedCall",
    "ResponseUrlPost",
    "StoredFile",
    "app_home_opened_event",
    "app_mention_event",
    "block_actions_payload",
    "bot_message_event",
    "command_payload",
    "dm_message_event",
    "event_envelope",
    "file_share_event",
    "file_shared_event",
    "mention_events",
    "message_action_payload",
    "message_changed_event",
    "message_deleted_event",
    "message_event",
    "send_event",
    "send_url_verification",
    "signature_headers",
    "slack_text",
    "view_block_actions_payload",
]
