"""The message shortcut "Analyze with DataAgent": load the files of any message, as if just shared.

Files shared before the bot joined a channel never reached it as events; the shortcut hands their Slack
file objects to the same FileJob a shared file makes, so the profile card appears in the message's thread.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond

from handlers import texts
from handlers.deps import Deps
from handlers.files import SharedFile
from handlers.intake import looks_tabular
from handlers.payloads import FileJob
from handlers.render.mrkdwn import escape
from handlers.state import thread_key
from jobqueue import Job


def register(app: AsyncApp, deps: Deps) -> None:
    async def analyze_file(ack: AsyncAck, shortcut: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        message: dict[str, Any] = shortcut.get("message") or {}
        files = [f for f in message.get("files") or [] if isinstance(f, dict) and looks_tabular(f)]
        if not files or "ts" not in message:
            await respond(text=texts.SHORTCUT_NO_TABLE, response_type="ephemeral", replace_original=False)
            return
        channel, ts = str(shortcut["channel"]["id"]), str(message["ts"])
        thread_ts = str(message.get("thread_ts") or ts)
        thread = thread_key(channel, thread_ts)
        shared = tuple(SharedFile.from_event(f) for f in files)
        payload = FileJob(channel=channel, thread_ts=thread_ts, user=str(shortcut["user"]["id"]), files=shared)
        # Its own id: the file may have been taken in when shared (`file:…`); the shortcut loads it again.
        if await deps.queue.enqueue(Job(f"shortcut:{channel}:{ts}", thread, payload)):
            await deps.state.mark_active(thread)
        names = ", ".join(f"*{escape(f.name.replace('*', ''))}*" for f in shared)
        await respond(text=texts.SHORTCUT_TAKEN.format(names=names), response_type="ephemeral", replace_original=False)

    app.shortcut("analyze_file")(analyze_file)  # callback_id declared in manifest.yml
