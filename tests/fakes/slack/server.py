"""A local, on-the-wire fake of Slack for end-to-end tests of the real bolt app and slack_sdk clients.

`FakeSlack` is the wire server (`wire.SlackWire`: Web API, file download and upload URLs, response
URLs, Socket Mode WebSocket) plus what tests need around it:
  - views of the workspace: `thread_messages`, `uploaded_files`, `statuses`, `ephemeral_messages`, `calls`;
  - waiting on conditions, never on sleeps: `await fake.wait_for("chat.postMessage", lambda c: ...)`;
  - playing Slack towards the app: `send_event`/`send_command`/`send_action` (signed HTTP) and
    `push_event`/`push_command`/`push_action` (Socket Mode). These put user messages in the fake's store
    first, so `conversations.replies`, `reactions.add` and friends see what the app was told about.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import aiohttp

from tests.fakes.slack import delivery
from tests.fakes.slack.common import (
    API_APP_ID,
    BOT_USER_ID,
    DEFAULT_USER,
    TEAM_DOMAIN,
    TEAM_ID,
    VERIFICATION_TOKEN,
    new_id,
    new_trigger_id,
)
from tests.fakes.slack.events import (
    Event,
    block_actions_payload,
    command_payload,
    event_envelope,
    message_action_payload,
    view_block_actions_payload,
)
from tests.fakes.slack.files import Share, StoredFile
from tests.fakes.slack.socket_mode import Ack
from tests.fakes.slack.wire import Download, RecordedCall, ResponseUrlPost, SlackWire

__all__ = ["Ack", "Download", "FakeSlack", "RecordedCall", "ResponseUrlPost", "StoredFile"]

T = TypeVar("T")


class FakeSlack(SlackWire):
    """The fake Slack for tests. `await start()` / `await stop()`, or use the `fake_slack` fixture.

    Args:
        bot_token: The `xoxb-…` token Web API calls and downloads must carry.
        app_token: The `xapp-…` token `apps.connections.open` must carry.
        signing_secret: What `send_*` sign requests with.
    """

    # -- waiting -----------------------------------------------------------------------------------------

    async def wait_for(
        self, method: str, predicate: Callable[[RecordedCall], bool] | None = None, *, timeout: float = 5.0
    ) -> RecordedCall:
        """The first call of `method` (already made or still to come) that `predicate` accepts.

        Raises:
            AssertionError: None came within `timeout`; the message lists the calls of `method` seen.
        """
        return await self.notifier.wait_until(
            lambda: next((c for c in self.calls(method) if predicate is None or predicate(c)), None),
            timeout,
            lambda: f"a matching {method} call; got {[c.args for c in self.calls(method)]}",
        )

    async def wait_until(self, probe: Callable[[], T | None], *, timeout: float = 5.0, what: str = "condition") -> T:
        """`probe()` once it returns neither None nor False, re-checked after every change the fake sees.

        Example: `await fake.wait_until(lambda: len(fake.uploaded_files(ch, ts)) == 2, what="two charts")`.
        """
        return await self.notifier.wait_until(probe, timeout, lambda: what)

    # -- workspace views ---------------------------------------------------------------------------------

    def register_file(
        self,
        file_id: str | None,
        name: str,
        content: bytes,
        mimetype: str = "text/csv",
        filetype: str = "csv",
        *,
        user: str = DEFAULT_USER,
        title: str | None = None,
    ) -> dict[str, Any]:
        """Put a user's file in the workspace; returns its Slack file object (for `file_share_event`)."""
        stored = StoredFile(file_id or new_id("F"), name, content, mimetype, filetype, user, title or name)
        self.workspace.files[stored.id] = stored
        return stored.to_slack(self.root_url, TEAM_ID)

    def thread_messages(self, channel: str, thread_ts: str) -> list[dict[str, Any]]:
        """The thread as Slack holds it now: root (when known) and replies, oldest first (copies)."""
        return self.workspace.thread(channel, thread_ts)

    def uploaded_files(self, channel: str, thread_ts: str | None) -> list[StoredFile]:
        """Files the app uploaded into `channel`/`thread_ts` (None: top level); `.content` holds the bytes."""
        return [f for f in self.workspace.files.values() if f.user == BOT_USER_ID and f.shared_in(channel, thread_ts)]

    def statuses(self, channel: str, thread_ts: str) -> list[str]:
        """Every `assistant.threads.setStatus` status set on the thread, in order ("" clears)."""
        return list(self.workspace.statuses.get((channel, thread_ts), []))

    def opened_views(self) -> list[dict[str, Any]]:
        """Modals the app opened with `views.open`, in order (each with the `id` the fake gave it)."""
        return list(self.workspace.views)

    def home_views(self, user: str) -> list[dict[str, Any]]:
        """Every Home tab view published for `user` with `views.publish`, in order."""
        return list(self.workspace.home_views.get(user, []))

    async def send_view_action(
        self, app_url: str, view: dict[str, Any], action_id: str, value: str = "", *, user_id: str = DEFAULT_USER
    ) -> aiohttp.ClientResponse:
        """POST a signed click on a button in a published view (the Home tab or a modal): no channel, no message."""
        payload = view_block_actions_payload(view, action_id, value, user_id=user_id)
        return await delivery.send_action(app_url, self.signing_secret, payload)

    async def send_view_submission(
        self, app_url: str, view: dict[str, Any], values: dict[str, Any], *, user_id: str = DEFAULT_USER
    ) -> aiohttp.ClientResponse:
        """POST a signed `view_submission` of an opened modal, its inputs filled with `values`."""
        payload = {
            "type": "view_submission",
            "team": {"id": TEAM_ID, "domain": TEAM_DOMAIN},
            "user": {"id": user_id, "username": f"user-{user_id.lower()}", "team_id": TEAM_ID},
            "api_app_id": API_APP_ID,
            "token": VERIFICATION_TOKEN,
            "trigger_id": new_trigger_id(),
            "view": {**view, "state": {"values": values}},
        }
        return await delivery.send_action(app_url, self.signing_secret, payload)

    def ephemeral_messages(self, channel: str | None = None) -> list[dict[str, Any]]:
        """`chat.postEphemeral` messages (with `channel` and `recipient`), optionally of one channel."""
        return [m for m in self.workspace.ephemeral if channel is None or m["channel"] == channel]

    def seed(self, event: Event) -> None:
        """Apply a message event to the store, as Slack has before it tells the app (`send_*`/`push_*` do)."""
        if event.get("type") not in ("message", "app_mention") or "channel" not in event:
            return
        channel, subtype = str(event["channel"]), event.get("subtype")
        if event.get("user") and not event.get("bot_id"):
            self.workspace.enroll(channel, str(event["user"]))
        if subtype == "message_changed":
            self.workspace.store(channel, dict(event["message"]))
        elif subtype == "message_deleted":
            self.workspace.messages.get(channel, {}).pop(str(event["deleted_ts"]), None)
        elif subtype in (None, "file_share", "bot_message", "thread_broadcast", "me_message"):
            if self.workspace.find(channel, str(event["ts"])) is None:
                skip = ("channel", "event_ts", "channel_type")
                self.workspace.store(channel, {**{k: v for k, v in event.items() if k not in skip}, "type": "message"})
            for file_obj in event.get("files", []):
                stored = self.workspace.files.get(str(file_obj.get("id")))
                if stored is not None and not stored.shared_in(channel, event.get("thread_ts")):
                    stored.shares.append(Share(channel, event.get("thread_ts"), str(event["ts"])))

    # -- playing Slack towards the app ---------------------------------------------------------------------

    def new_response_url(self) -> str:
        """A fresh `response_url` whose POSTs land in `responses`."""
        return f"{self.root_url}/response_url/{new_id('H')}"

    async def wait_for_response(
        self, predicate: Callable[[ResponseUrlPost], bool] | None = None, *, timeout: float = 5.0
    ) -> ResponseUrlPost:
        """The first `response_url` POST that `predicate` accepts (already made or still to come)."""
        return await self.notifier.wait_until(
            lambda: next((r for r in self.responses if predicate is None or predicate(r)), None),
            timeout,
            lambda: f"a response_url post; got {[r.body for r in self.responses]}",
        )

    async def send_event(self, app_url: str, event: Event, **kwargs: Any) -> aiohttp.ClientResponse:
        """Seed `event` and POST it signed to the app (`delivery.send_event` options apply)."""
        self.seed(event)
        return await delivery.send_event(app_url, self.signing_secret, event, **kwargs)

    async def send_command(self, app_url: str, *, channel_id: str, **kwargs: Any) -> aiohttp.ClientResponse:
        """POST a signed slash command whose `response_url` is one of the fake's."""
        self.workspace.enroll(channel_id, str(kwargs.get("user_id") or DEFAULT_USER))
        return await delivery.send_command(
            app_url,
            self.signing_secret,
            response_url=self.new_response_url(),
            channel_id=channel_id,
            **kwargs,
        )

    async def send_action(
        self, app_url: str, action_id: str, value: str = "", *, channel: str, message_ts: str, **kwargs: Any
    ) -> aiohttp.ClientResponse:
        """POST a signed button click on the stored message `message_ts` (which must exist)."""
        payload = self._action_payload(action_id, value, channel, message_ts, **kwargs)
        return await delivery.send_action(app_url, self.signing_secret, payload)

    async def send_shortcut(
        self, app_url: str, callback_id: str, *, channel: str, message_ts: str, user_id: str = DEFAULT_USER
    ) -> aiohttp.ClientResponse:
        """POST a signed message shortcut run on the stored message `message_ts` (which must exist)."""
        message = self.workspace.find(channel, message_ts)
        if message is None:
            raise AssertionError(f"no message {message_ts} in {channel} to run a shortcut on")
        self.workspace.enroll(channel, user_id)
        payload = message_action_payload(
            callback_id, channel_id=channel, message=message, response_url=self.new_response_url(), user_id=user_id
        )
        return await delivery.send_action(app_url, self.signing_secret, payload)

    async def push_event(
        self, event: Event, *, event_id: str | None = None, retry_attempt: int = 0, retry_reason: str = ""
    ) -> str:
        """Seed `event` and push it over Socket Mode (`events_api`); returns the `envelope_id`."""
        self.seed(event)
        payload = event_envelope(event, event_id=event_id)
        return await self.socket.push(
            "events_api",
            payload,
            accepts_response_payload=False,
            retry_attempt=retry_attempt,
            retry_reason=retry_reason,
        )

    async def push_command(self, command: str = "/analyze", text: str = "", *, channel_id: str, **fields: Any) -> str:
        """Push a slash command over Socket Mode; returns the `envelope_id`."""
        self.workspace.enroll(channel_id, str(fields.get("user_id") or DEFAULT_USER))
        payload = command_payload(command, text, channel_id=channel_id, response_url=self.new_response_url(), **fields)
        return await self.socket.push("slash_commands", payload, accepts_response_payload=True)

    async def push_action(
        self, action_id: str, value: str = "", *, channel: str, message_ts: str, **kwargs: Any
    ) -> str:
        """Push a click on the stored message `message_ts` over Socket Mode; returns the `envelope_id`."""
        payload = self._action_payload(action_id, value, channel, message_ts, **kwargs)
        return await self.socket.push("interactive", payload, accepts_response_payload=False)

    async def wait_for_ack(self, envelope_id: str, *, timeout: float = 5.0) -> Ack:
        """The app's ack of a pushed envelope."""
        return await self.socket.wait_for_ack(envelope_id, timeout)

    def _action_payload(
        self, action_id: str, value: str, channel: str, message_ts: str, **kwargs: Any
    ) -> dict[str, Any]:
        message = self.workspace.find(channel, message_ts)
        if message is None:
            raise AssertionError(f"no message {message_ts} in {channel} to click on")
        self.workspace.enroll(channel, str(kwargs.get("user_id") or DEFAULT_USER))
        return block_actions_payload(
            action_id,
            value,
            channel_id=channel,
            message=message,
            response_url=self.new_response_url(),
            **kwargs,
        )
