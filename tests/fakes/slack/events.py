"""Builders for what Slack sends an app: events, their Events API envelope, slash commands, block actions.

The shapes follow Slack's payloads as bolt 1.30 parses them; defaults come from `common` so a bolt
app pointed at the fake sees one consistent workspace. Every builder returns a fresh plain dict.
"""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

from tests.fakes.slack.common import (
    API_APP_ID,
    BOT_ID,
    BOT_USER_ID,
    DEFAULT_USER,
    TEAM_DOMAIN,
    TEAM_ID,
    VERIFICATION_TOKEN,
    new_event_id,
    new_trigger_id,
    new_ts,
)

Event = dict[str, Any]


def _rich_text(text: str) -> list[dict[str, Any]]:
    # Slack clients attach the typed text as a rich_text block; bots reading `blocks` see it there.
    return [
        {
            "type": "rich_text",
            "block_id": uuid.uuid4().hex[:5],
            "elements": [{"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}],
        }
    ]


# What Slack leaves alone when it encodes typed text: its own markup (mentions, channels, links) and
# entities already encoded, so building one event from another's text never encodes twice.
_MARKUP = re.compile(r"(<(?:[@#!][^<>]*|(?:https?://|mailto:)[^<>]*)>|&(?:amp|lt|gt);)")


def slack_text(text: str) -> str:
    """`text` as Slack delivers it in events and commands: typed `&`, `<`, `>` become entities."""
    parts = _MARKUP.split(text)
    return "".join(
        part if i % 2 else part.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        for i, part in enumerate(parts)
    )


def _channel_type(channel: str) -> str:
    return {"D": "im", "G": "group"}.get(channel[:1], "channel")


def message_event(
    channel: str,
    user: str = DEFAULT_USER,
    text: str = "",
    ts: str | None = None,
    thread_ts: str | None = None,
    *,
    channel_type: str | None = None,
) -> Event:
    """A user's `message` event. `channel_type` defaults from the id (`D…` → `"im"`, `G…` → `"group"`).

    `text` is what the user typed, Slack markup (`<@U…>`) included; it is encoded as Slack does (`slack_text`).
    """
    ts = ts or new_ts()
    event: Event = {
        "type": "message",
        "client_msg_id": str(uuid.uuid4()),
        "text": slack_text(text),
        "user": user,
        "ts": ts,
        "blocks": _rich_text(text),
        "team": TEAM_ID,
        "channel": channel,
        "event_ts": ts,
        "channel_type": channel_type or _channel_type(channel),
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def dm_message_event(channel: str, user: str = DEFAULT_USER, text: str = "", **kwargs: Any) -> Event:
    """A direct message to the bot (`channel_type: "im"`)."""
    return message_event(channel, user, text, channel_type="im", **kwargs)


def app_mention_event(
    channel: str,
    user: str = DEFAULT_USER,
    text: str = "",
    ts: str | None = None,
    thread_ts: str | None = None,
    *,
    bot_user_id: str = BOT_USER_ID,
) -> Event:
    """An `app_mention`; `<@bot>` is put in front of `text` unless it already mentions the bot."""
    mention = f"<@{bot_user_id}>"
    if mention not in text:
        text = f"{mention} {text}".rstrip()
    event = message_event(channel, user, text, ts, thread_ts)
    event["type"] = "app_mention"
    del event["channel_type"]
    return event


def mention_events(channel: str, user: str = DEFAULT_USER, text: str = "", **kwargs: Any) -> tuple[Event, Event]:
    """The pair Slack sends for one mention: `app_mention` and `message`, same `ts` (order is not fixed)."""
    mention = app_mention_event(channel, user, text, **kwargs)
    message = message_event(channel, user, mention["text"], mention["ts"], mention.get("thread_ts"))
    message["client_msg_id"] = mention["client_msg_id"]
    return mention, message


def file_share_event(
    channel: str,
    user: str,
    file_obj: dict[str, Any],
    thread_ts: str | None = None,
    text: str = "",
    *,
    ts: str | None = None,
    extra_files: list[dict[str, Any]] | None = None,
) -> Event:
    """A file dropped in a channel or thread: `message` with `subtype: file_share` and `files[]`."""
    event = message_event(channel, user, text, ts, thread_ts)
    event.update(
        subtype="file_share",
        files=[file_obj, *(extra_files or [])],
        upload=False,
        display_as_bot=False,
    )
    return event


def file_shared_event(file_id: str, channel: str, user: str = DEFAULT_USER) -> Event:
    """The companion `file_shared` event: no thread and no text, only ids."""
    return {
        "type": "file_shared",
        "channel_id": channel,
        "file_id": file_id,
        "user_id": user,
        "file": {"id": file_id},
        "event_ts": new_ts(),
    }


def bot_message_event(
    channel: str,
    text: str,
    *,
    bot_id: str = "B0OTHERBOT",
    user: str | None = "U0OTHERBOT",
    ts: str | None = None,
    thread_ts: str | None = None,
    legacy: bool = False,
) -> Event:
    """A message posted by an app. `bot_id=BOT_ID, user=BOT_USER_ID` is the bot's own message echoed back.

    `legacy=True` gives the old `subtype: bot_message` shape (integrations, webhooks) without a user.
    """
    event = message_event(channel, user or "", text, ts, thread_ts)
    del event["client_msg_id"]
    event["bot_id"] = bot_id
    event["app_id"] = API_APP_ID if bot_id == BOT_ID else "A0OTHERAPP"
    if legacy:
        event.update(subtype="bot_message", username="some-integration")
    if legacy or user is None:
        del event["user"]
    return event


def message_changed_event(channel: str, message: Event, previous_message: Event | None = None) -> Event:
    """An edit: `subtype: message_changed` carrying the new `message` (with `edited`) and the previous one."""
    ts = new_ts()
    new = {k: v for k, v in message.items() if k not in ("channel", "event_ts", "channel_type")}
    new["edited"] = {"user": new.get("user", DEFAULT_USER), "ts": ts}
    previous = previous_message or {k: v for k, v in new.items() if k != "edited"}
    return {
        "type": "message",
        "subtype": "message_changed",
        "hidden": True,
        "message": new,
        "previous_message": previous,
        "channel": channel,
        "ts": ts,
        "event_ts": ts,
        "channel_type": _channel_type(channel),
    }


def message_deleted_event(channel: str, deleted_ts: str, previous_message: Event | None = None) -> Event:
    """A deletion: `subtype: message_deleted` with `deleted_ts`."""
    ts = new_ts()
    event: Event = {
        "type": "message",
        "subtype": "message_deleted",
        "hidden": True,
        "deleted_ts": deleted_ts,
        "channel": channel,
        "ts": ts,
        "event_ts": ts,
        "channel_type": _channel_type(channel),
    }
    if previous_message is not None:
        event["previous_message"] = previous_message
    return event


def event_envelope(event: Event, *, event_id: str | None = None, team_id: str = TEAM_ID) -> dict[str, Any]:
    """The Events API body (`type: event_callback`) around `event`, as sent over HTTP and Socket Mode."""
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "context_team_id": team_id,
        "context_enterprise_id": None,
        "api_app_id": API_APP_ID,
        "event": event,
        "type": "event_callback",
        "event_id": event_id or new_event_id(),
        "event_time": int(time.time()),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": BOT_USER_ID,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": f"4-{uuid.uuid4().hex}",
    }


def command_payload(
    command: str = "/analyze",
    text: str = "",
    *,
    channel_id: str,
    user_id: str = DEFAULT_USER,
    response_url: str,
    trigger_id: str | None = None,
    channel_name: str = "general",
) -> dict[str, str]:
    """A slash command's fields (form-encoded over HTTP, a JSON object over Socket Mode). No `thread_ts`."""
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": TEAM_ID,
        "team_domain": TEAM_DOMAIN,
        "channel_id": channel_id,
        "channel_name": "directmessage" if channel_id.startswith("D") else channel_name,
        "user_id": user_id,
        "user_name": f"user-{user_id.lower()}",
        "command": command,
        "text": slack_text(text),
        "api_app_id": API_APP_ID,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id or new_trigger_id(),
    }


def block_actions_payload(
    action_id: str,
    value: str = "",
    *,
    channel_id: str,
    message: dict[str, Any],
    response_url: str,
    user_id: str = DEFAULT_USER,
    block_id: str = "actions",
    button_text: str = "Button",
) -> dict[str, Any]:
    """A button click (`type: block_actions`) on `message` (needs its `ts`; `thread_ts` in a thread)."""
    container: dict[str, Any] = {
        "type": "message",
        "message_ts": message["ts"],
        "channel_id": channel_id,
        "is_ephemeral": False,
    }
    if message.get("thread_ts"):
        container["thread_ts"] = message["thread_ts"]
    return {
        "type": "block_actions",
        "user": {
            "id": user_id,
            "username": f"user-{user_id.lower()}",
            "name": f"user-{user_id.lower()}",
            "team_id": TEAM_ID,
        },
        "api_app_id": API_APP_ID,
        "token": VERIFICATION_TOKEN,
        "container": container,
        "trigger_id": new_trigger_id(),
        "team": {"id": TEAM_ID, "domain": TEAM_DOMAIN},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel_id, "name": "general"},
        "message": message,
        "state": {"values": {}},
        "response_url": response_url,
        "actions": [
            {
                "action_id": action_id,
                "block_id": block_id,
                "text": {"type": "plain_text", "text": button_text, "emoji": True},
                "value": value,
                "type": "button",
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }


def message_action_payload(
    callback_id: str,
    *,
    channel_id: str,
    message: dict[str, Any],
    response_url: str,
    user_id: str = DEFAULT_USER,
) -> dict[str, Any]:
    """A message shortcut (`type: message_action`) run on `message`, as Slack sends it: no `actions`."""
    return {
        "type": "message_action",
        "token": VERIFICATION_TOKEN,
        "action_ts": f"{time.time():.6f}",
        "team": {"id": TEAM_ID, "domain": TEAM_DOMAIN},
        "user": {
            "id": user_id,
            "username": f"user-{user_id.lower()}",
            "name": f"user-{user_id.lower()}",
            "team_id": TEAM_ID,
        },
        "channel": {"id": channel_id, "name": "directmessage" if channel_id.startswith("D") else "general"},
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": callback_id,
        "trigger_id": new_trigger_id(),
        "response_url": response_url,
        "message_ts": message["ts"],
        "message": message,
    }


def app_home_opened_event(user: str = DEFAULT_USER, tab: str = "home", view: dict[str, Any] | None = None) -> Event:
    """The user opened the app's Home (or Messages) tab; `view` is the Home view published before, if any."""
    event: Event = {
        "type": "app_home_opened",
        "user": user,
        "channel": f"D{user[1:]}"[:11],
        "tab": tab,
        "event_ts": f"{time.time():.6f}",
    }
    if view is not None:
        event["view"] = view
    return event


def view_block_actions_payload(
    view: dict[str, Any], action_id: str, value: str = "", *, user_id: str = DEFAULT_USER
) -> dict[str, Any]:
    """A click on a button in a view (Home tab or modal): `container.type` is "view"; no channel or message."""
    return {
        "type": "block_actions",
        "user": {"id": user_id, "username": f"user-{user_id.lower()}", "team_id": TEAM_ID},
        "api_app_id": API_APP_ID,
        "token": VERIFICATION_TOKEN,
        "container": {"type": "view", "view_id": view.get("id", "")},
        "trigger_id": new_trigger_id(),
        "team": {"id": TEAM_ID, "domain": TEAM_DOMAIN},
        "enterprise": None,
        "is_enterprise_install": False,
        "view": view,
        "actions": [
            {
                "action_id": action_id,
                "block_id": "home",
                "text": {"type": "plain_text", "text": "Button", "emoji": True},
                "value": value,
                "type": "button",
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }
