"""The `files.*` Web API methods: `files.info` and the `files_upload_v2` flow.

`files_upload_v2` (slack_sdk 3.47) calls `files.getUploadURLExternal(filename, length, alt_txt)` per file,
POSTs each file's raw bytes to the returned `upload_url` (no token: the URL is the credential; Slack
answers `text/plain` "OK - <size>"), then `files.completeUploadExternal(files=[{id, title}], channel_id,
thread_ts, initial_comment)` once, which shares all files in one message of the channel or thread.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.fakes.slack.args import ApiFailure, Args, Reply, json_arg, opt, req
from tests.fakes.slack.common import BOT_USER_ID, TEAM_ID, new_ts
from tests.fakes.slack.files import PendingUpload, Share, StoredFile, guess_types, new_file_id

if TYPE_CHECKING:
    from tests.fakes.slack.webapi import Workspace


def files_info(ws: Workspace, args: Args) -> Reply:
    """`files.info`: the file object, with its shares."""
    stored = ws.files.get(req(args, "file", "file_not_found"))
    if stored is None:
        raise ApiFailure("file_not_found")
    file_obj = stored.to_slack(ws.root_url, TEAM_ID)
    return {"ok": True, "file": file_obj, "comments": [], "response_metadata": {"next_cursor": ""}}


def get_upload_url(ws: Workspace, args: Args) -> Reply:
    """`files.getUploadURLExternal`: reserve a file id and an upload URL on the fake."""
    filename = req(args, "filename", "invalid_arguments")
    try:
        length = int(req(args, "length", "invalid_arguments"))
    except ValueError as exc:
        raise ApiFailure("invalid_arguments") from exc
    upload = PendingUpload(new_file_id(), filename, length, opt(args, "alt_txt"))
    key = f"{upload.file_id}-{new_ts().replace('.', '')}"
    ws.uploads[key] = upload
    return {"ok": True, "upload_url": f"{ws.root_url}/upload/v1/{key}", "file_id": upload.file_id}


def complete_upload(ws: Workspace, args: Args) -> Reply:
    """`files.completeUploadExternal`: turn uploaded bytes into files, shared where asked."""
    items = json_arg(args, "files")
    if not isinstance(items, list) or not items:
        raise ApiFailure("invalid_arguments")
    by_id = {u.file_id: u for u in ws.uploads.values()}
    stored: list[StoredFile] = []
    comment, thread_ts = opt(args, "initial_comment"), opt(args, "thread_ts")
    for item in items:
        upload = by_id.get(str(item.get("id"))) if isinstance(item, dict) else None
        if upload is None or upload.content is None:
            raise ApiFailure("file_not_found")
        mimetype, filetype = guess_types(upload.filename)
        stored.append(
            StoredFile(
                id=upload.file_id,
                name=upload.filename,
                content=upload.content,
                mimetype=mimetype,
                filetype=filetype,
                user=BOT_USER_ID,
                title=str(item.get("title") or upload.filename),
                alt_txt=upload.alt_txt,
                initial_comment=comment,
            )
        )
    for stored_file in stored:
        ws.files[stored_file.id] = stored_file
    channels = [c for c in [opt(args, "channel_id"), *str(args.get("channels") or "").split(",")] if c]
    for channel in channels:
        _share(ws, channel, thread_ts, comment, stored)
    return {"ok": True, "files": [f.to_slack(ws.root_url, TEAM_ID) for f in stored]}


def _share(ws: Workspace, channel: str, thread_ts: str | None, comment: str | None, files: list[StoredFile]) -> None:
    msg = ws.bot_message({}, comment, thread_ts)
    msg.update(upload=True, display_as_bot=False)
    for stored_file in files:
        stored_file.shares.append(Share(channel, thread_ts, msg["ts"]))
    msg["files"] = [f.to_slack(ws.root_url, TEAM_ID) for f in files]
    ws.store(channel, msg)
