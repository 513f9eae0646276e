"""The message shortcut "Analyze with DataAgent": load the files of any message, as if just shared.

Files shared before the bot joined a channel never reached it as events; the shortcut hands their Slack
file objects to the same FileJob a shared file makes, so the profile card appears in the message's thread.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from handlers import texts
from handlers.access import refusal
from handlers.deps import Deps
from handlers.files import SharedFile
from handlers.intake import looks_tabular
from handlers.payloads import FileJob
from handlers.render.mrkdwn import escape
from handlers.state import thread_key
from jobqueue import Job


def register(app: AsyncApp, deps: Deps) -> None:
    async def analyze_file(
        ack: AsyncAck, shortcut: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient
    ) -> None:
        await ack()
        message: dict[str, Any] = shortcut.get("message") or {}
        files = [f for f in message.get("files") or [] if isinstance(f, dict) and looks_tabular(f)]
        if not files or "ts" not in message:
            await respond(text=texts.SHORTCUT_NO_TABLE, response_type="ephemeral", replace_original=False)
            return
        channel, ts = str(shortcut["channel"]["id"]), str(message["ts"])
        if refused := await _refusal(deps, client, str(shortcut["user"]["id"]), channel, files):
            await respond(text=refused, response_type="ephemeral", replace_original=False)
            return
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


async def _refusal(
    deps: Deps, client: AsyncWebClient, user: str, channel: str, files: list[dict[str, Any]]
) -> str | None:
    """Why the shortcut may not load these files here, or None.

    The user must be in the conversation, and each file must really be shared in it (per `files.info`, not
    the payload): otherwise a file of another conversation would become this one's data.
    """
    if refused := refusal(await deps.access.allows(client, user, channel)):
        return refused
    for file in files:
        try:
            info = (await client.files_info(file=str(file.get("id") or ""))).get("file") or {}
        except SlackApiError:
            return texts.SHORTCUT_NOT_HERE
        shared_in = {*info.get("channels", []), *info.get("groups", []), *info.get("ims", [])}
        if channel not in shared_in:
            return texts.SHORTCUT_NOT_HERE
    return None
