"""The fake workspace's state and its Web API methods, free of HTTP.

Each method takes the parsed arguments (query, form and JSON merged) and returns Slack's JSON reply, or
raises `ApiFailure` for an `{"ok": false, "error": …}` reply; the `files.*` methods live in `uploads`.
The server (`wire.SlackWire`) does the wire part: authentication, recording, error injection.
"""

from __future__ import annotations

import copy
from functools import partial
from typing import Any

from tests.fakes.slack import members, uploads
from tests.fakes.slack.args import (
    ApiFailure,
    Args,
    Method,
    Reply,
    chunk_text,
    json_arg,
    message_text,
    opt,
    req,
)
from tests.fakes.slack.blocks import MAX_MESSAGE_TEXT, MAX_VIEW_BLOCKS, block_errors
from tests.fakes.slack.common import (
    API_APP_ID,
    BOT_ID,
    BOT_NAME,
    BOT_USER_ID,
    TEAM_DOMAIN,
    TEAM_ID,
    new_ts,
)
from tests.fakes.slack.files import PendingUpload, StoredFile


class Workspace:
    """Messages per channel, files, uploads, assistant statuses, ephemeral messages, users, channel members
    and each user's published Home tab."""

    def __init__(self) -> None:
        self.root_url = ""
        self.messages: dict[str, dict[str, dict[str, Any]]] = {}
        self.files: dict[str, StoredFile] = {}
        self.uploads: dict[str, PendingUpload] = {}
        self.statuses: dict[tuple[str, str], list[str]] = {}
        self.ephemeral: list[dict[str, Any]] = []
        self.users: dict[str, dict[str, Any]] = {}
        self.views: list[dict[str, Any]] = []
        self.members: dict[str, set[str]] = {}  # channel → user ids (see `members`)
        self.declared: set[str] = set()  # channels whose members a test fixed with `join`
        self.home_views: dict[str, list[dict[str, Any]]] = {}  # user → every Home view published, in order
        self.methods: dict[str, Method] = {
            "views.open": self.views_open,
            "views.publish": self.views_publish,
            "users.conversations": partial(members.users_conversations, self),
            "conversations.members": partial(members.conversations_members, self),
            "auth.test": self.auth_test,
            "chat.postMessage": self.chat_post_message,
            "chat.update": self.chat_update,
            "chat.delete": self.chat_delete,
            "chat.postEphemeral": self.chat_post_ephemeral,
            "chat.startStream": self.chat_start_stream,
            "chat.appendStream": self.chat_append_stream,
            "chat.stopStream": self.chat_stop_stream,
            "assistant.threads.setStatus": self.set_status,
            "assistant.threads.setTitle": lambda args: {"ok": True},
            "assistant.threads.setSuggestedPrompts": lambda args: {"ok": True},
            "reactions.add": self.reactions_add,
            "reactions.remove": self.reactions_remove,
            "conversations.replies": self.conversations_replies,
            "conversations.history": self.conversations_history,
            "files.info": partial(uploads.files_info, self),
            "files.getUploadURLExternal": partial(uploads.get_upload_url, self),
            "files.completeUploadExternal": partial(uploads.complete_upload, self),
            "users.info": self.users_info,
        }

    # -- store ---------------------------------------------------------------------------------------------

    def find(self, channel: str, ts: str) -> dict[str, Any] | None:
        """The stored message `ts` of `channel` (the live dict), or None."""
        return self.messages.get(channel, {}).get(ts)

    def store(self, channel: str, message: dict[str, Any]) -> None:
        """Add or replace a message (keyed by its `ts`)."""
        self.messages.setdefault(channel, {})[str(message["ts"])] = message

    def thread(self, channel: str, thread_ts: str) -> list[dict[str, Any]]:
        """Copies of the thread's root (when known) and its replies, oldest first."""
        found = [
            m for ts, m in self.messages.get(channel, {}).items() if ts == thread_ts or m.get("thread_ts") == thread_ts
        ]
        return copy.deepcopy(sorted(found, key=lambda m: float(m["ts"])))

    def _message_or_fail(self, args: Args, ts_key: str = "ts") -> tuple[str, dict[str, Any]]:
        channel = req(args, "channel", "channel_not_found")
        message = self.find(channel, req(args, ts_key, "message_not_found"))
        if message is None:
            raise ApiFailure("message_not_found")
        return channel, message

    def bot_message(self, args: Args, text: str | None, thread_ts: str | None) -> dict[str, Any]:
        """A new message from the bot (not stored yet), with `blocks`/`attachments`/`metadata` from `args`."""
        msg: dict[str, Any] = {
            "type": "message",
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "app_id": API_APP_ID,
            "team": TEAM_ID,
            "text": text or "",
            "ts": new_ts(),
            "bot_profile": {"id": BOT_ID, "app_id": API_APP_ID, "name": BOT_NAME, "team_id": TEAM_ID},
        }
        for key in ("blocks", "attachments", "metadata"):
            if args.get(key) is not None:
                msg[key] = json_arg(args, key)
        if thread_ts:
            msg["thread_ts"] = thread_ts
        return msg

    @staticmethod
    def _check_content(args: Args, *, require: bool = True) -> None:
        text, blocks = message_text(args), json_arg(args, "blocks")
        if require and text is None and not blocks and not args.get("attachments"):
            raise ApiFailure("no_text")
        if text is not None and len(text) > MAX_MESSAGE_TEXT:
            raise ApiFailure("msg_too_long")
        if blocks is not None and (errors := block_errors(blocks)):
            raise ApiFailure("invalid_blocks", errors=errors, response_metadata={"messages": errors})

    # -- methods -------------------------------------------------------------------------------------------

    def auth_test(self, args: Args) -> Reply:
        return {
            "ok": True,
            "url": f"https://{TEAM_DOMAIN}.slack.com/",
            "team": "Fake Workspace",
            "user": BOT_NAME,
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def chat_post_message(self, args: Args) -> Reply:
        channel = req(args, "channel", "channel_not_found")
        self._check_content(args)
        msg = self.bot_message(args, message_text(args), opt(args, "thread_ts"))
        self.store(channel, msg)
        return {"ok": True, "channel": channel, "ts": msg["ts"], "message": copy.deepcopy(msg)}

    def chat_update(self, args: Args) -> Reply:
        channel, msg = self._message_or_fail(args)
        if msg.get("user") != BOT_USER_ID:
            raise ApiFailure("cant_update_message")
        self._check_content(args, require=False)
        if (text := message_text(args)) is not None:
            msg["text"] = text
        for key in ("blocks", "attachments", "metadata"):
            if args.get(key) is not None:
                msg[key] = json_arg(args, key)
        msg["edited"] = {"user": BOT_USER_ID, "ts": new_ts()}
        return {
            "ok": True,
            "channel": channel,
            "ts": msg["ts"],
            "text": msg["text"],
            "message": copy.deepcopy(msg),
        }

    def chat_delete(self, args: Args) -> Reply:
        channel, msg = self._message_or_fail(args)
        if msg.get("user") != BOT_USER_ID:
            raise ApiFailure("cant_delete_message")
        del self.messages[channel][msg["ts"]]
        return {"ok": True, "channel": channel, "ts": msg["ts"]}

    def chat_post_ephemeral(self, args: Args) -> Reply:
        channel = req(args, "channel", "channel_not_found")
        user = req(args, "user", "user_not_in_channel")
        self._check_content(args)
        msg = self.bot_message(args, message_text(args), opt(args, "thread_ts"))
        self.ephemeral.append({**msg, "channel": channel, "recipient": user})
        return {"ok": True, "message_ts": msg["ts"]}

    def chat_start_stream(self, args: Args) -> Reply:
        channel = req(args, "channel", "channel_not_found")
        thread_ts = req(args, "thread_ts", "invalid_arguments")
        msg = self.bot_message({}, chunk_text(args), thread_ts)
        msg["streaming"] = True
        self.store(channel, msg)
        return {"ok": True, "channel": channel, "ts": msg["ts"]}

    def chat_append_stream(self, args: Args) -> Reply:
        channel, msg = self._message_or_fail(args)
        if not msg.get("streaming"):
            raise ApiFailure("message_not_in_streaming_state")
        msg["text"] += chunk_text(args)
        return {"ok": True, "channel": channel, "ts": msg["ts"]}

    def chat_stop_stream(self, args: Args) -> Reply:
        channel, msg = self._message_or_fail(args)
        if not msg.get("streaming"):
            raise ApiFailure("message_not_in_streaming_state")
        msg["text"] += chunk_text(args)
        if args.get("blocks") is not None:
            self._check_content(args, require=False)
            msg["blocks"] = json_arg(args, "blocks")
        del msg["streaming"]
        return {"ok": True, "channel": channel, "ts": msg["ts"], "message": copy.deepcopy(msg)}

    def views_open(self, args: Args) -> Reply:
        req(args, "trigger_id", "invalid_trigger_id")
        view = json_arg(args, "view")
        if not isinstance(view, dict) or view.get("type") != "modal" or not view.get("title"):
            raise ApiFailure("invalid_arguments")
        if block_errors(view.get("blocks") or [], max_blocks=MAX_VIEW_BLOCKS):
            raise ApiFailure("invalid_blocks")
        opened = {**copy.deepcopy(view), "id": f"V{len(self.views) + 1:08d}"}
        self.views.append(opened)
        return {"ok": True, "view": opened}

    def views_publish(self, args: Args) -> Reply:
        user = req(args, "user_id", "invalid_arguments")
        view = json_arg(args, "view")
        if not isinstance(view, dict) or view.get("type") != "home":
            raise ApiFailure("invalid_arguments")
        if errors := block_errors(view.get("blocks") or [], max_blocks=MAX_VIEW_BLOCKS):
            raise ApiFailure("invalid_blocks", errors=errors, response_metadata={"messages": errors})
        published = {**copy.deepcopy(view), "id": f"VH{len(self.home_views.get(user, [])) + 1:07d}"}
        self.home_views.setdefault(user, []).append(published)
        return {"ok": True, "view": published}

    def join(self, channel: str, *users: str) -> None:
        """Make `users` members of `channel`, and close it: no one else joins it by acting there."""
        self.declared.add(channel)
        self.members.setdefault(channel, set()).update(users)

    def enroll(self, channel: str, user: str) -> None:
        """`user` acted in `channel` (posted, ran a command, clicked): a member, unless the channel is closed."""
        if channel not in self.declared:
            self.members.setdefault(channel, set()).add(user)

    def set_status(self, args: Args) -> Reply:
        channel = req(args, "channel_id", "invalid_arguments")
        thread_ts = req(args, "thread_ts", "invalid_arguments")
        if "status" not in args:
            raise ApiFailure("invalid_arguments")
        self.statuses.setdefault((channel, thread_ts), []).append(str(args["status"]))
        return {"ok": True}

    def reactions_add(self, args: Args) -> Reply:
        _, msg = self._message_or_fail(args, "timestamp")
        name = req(args, "name", "invalid_name")
        reactions: list[dict[str, Any]] = msg.setdefault("reactions", [])
        if any(r["name"] == name for r in reactions):
            raise ApiFailure("already_reacted")
        reactions.append({"name": name, "users": [BOT_USER_ID], "count": 1})
        return {"ok": True}

    def reactions_remove(self, args: Args) -> Reply:
        _, msg = self._message_or_fail(args, "timestamp")
        name = req(args, "name", "invalid_name")
        kept = [r for r in msg.get("reactions", []) if r["name"] != name]
        if len(kept) == len(msg.get("reactions", [])):
            raise ApiFailure("no_reaction")
        msg["reactions"] = kept
        return {"ok": True}

    def conversations_replies(self, args: Args) -> Reply:
        channel = req(args, "channel", "channel_not_found")
        ts = req(args, "ts", "thread_not_found")
        if self.find(channel, ts) is None:
            raise ApiFailure("thread_not_found")
        messages = self.thread(channel, ts)
        replies = [m for m in messages if m["ts"] != ts]
        if replies:
            messages[0].update(
                reply_count=len(replies),
                reply_users=sorted({str(m.get("user")) for m in replies}),
                latest_reply=replies[-1]["ts"],
            )
        return {"ok": True, "messages": messages, "has_more": False, "response_metadata": {"next_cursor": ""}}

    def conversations_history(self, args: Args) -> Reply:
        channel = req(args, "channel", "channel_not_found")
        limit = int(args.get("limit") or 100)
        oldest, latest = float(args.get("oldest") or 0), float(args.get("latest") or "inf")
        top = [
            m
            for ts, m in self.messages.get(channel, {}).items()
            if m.get("thread_ts") in (None, ts) and oldest < float(ts) < latest
        ]
        top.sort(key=lambda m: float(m["ts"]), reverse=True)
        return {
            "ok": True,
            "messages": copy.deepcopy(top[:limit]),
            "has_more": len(top) > limit,
            "pin_count": 0,
            "response_metadata": {"next_cursor": ""},
        }

    def users_info(self, args: Args) -> Reply:
        user_id = req(args, "user", "user_not_found")
        if user_id not in self.users:
            if user_id[:1] not in ("U", "W") or not user_id.isalnum():
                raise ApiFailure("user_not_found")
            self.add_user(user_id)
        return {"ok": True, "user": copy.deepcopy(self.users[user_id])}

    def add_user(self, user_id: str, name: str | None = None, *, tz: str = "Europe/London") -> dict[str, Any]:
        """Create (or replace) a user; `users.info` also makes one on the fly for any well-formed user id."""
        name = name or f"user-{user_id.lower()}"
        user = {
            "id": user_id,
            "team_id": TEAM_ID,
            "name": name,
            "deleted": False,
            "real_name": name.title(),
            "tz": tz,
            "tz_label": tz,
            "tz_offset": 0,
            "is_bot": user_id == BOT_USER_ID,
            "is_admin": False,
            "profile": {"real_name": name.title(), "display_name": name, "team": TEAM_ID},
        }
        self.users[user_id] = user
        return user
