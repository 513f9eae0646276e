"""Files in the fake workspace: what a user shared (registered by tests) and what the bot uploaded.

A `StoredFile` renders itself as Slack's file object (`to_slack`), with `url_private[_download]` on the fake
server, so a bot that downloads what an event pointed at hits the fake's authenticated download route.
"""

from __future__ import annotations

import mimetypes
import time
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote

from tests.fakes.slack.common import new_id


@dataclass(frozen=True)
class Share:
    """One place a file was shared: the channel, the thread (None at top level) and the carrying message."""

    channel: str
    thread_ts: str | None
    message_ts: str


@dataclass
class StoredFile:
    """A file and its bytes as the fake holds it.

    `channel`/`thread_ts` are those of its first share (None when never shared), the common case in tests.
    """

    id: str
    name: str
    content: bytes
    mimetype: str
    filetype: str
    user: str
    title: str = ""
    alt_txt: str | None = None
    initial_comment: str | None = None
    created: int = field(default_factory=lambda: int(time.time()))
    shares: list[Share] = field(default_factory=list)

    @property
    def filename(self) -> str:
        """The file name (Slack calls it `name`)."""
        return self.name

    @property
    def channel(self) -> str | None:
        """The channel of the first share."""
        return self.shares[0].channel if self.shares else None

    @property
    def thread_ts(self) -> str | None:
        """The thread of the first share (None for a top-level share or an unshared file)."""
        return self.shares[0].thread_ts if self.shares else None

    def shared_in(self, channel: str, thread_ts: str | None) -> bool:
        """Whether the file was shared in `channel`, in thread `thread_ts` (None: at top level)."""
        return any(s.channel == channel and s.thread_ts == thread_ts for s in self.shares)

    def download_path(self, team_id: str) -> str:
        """The path of `url_private_download` on the fake server."""
        return f"/files-pri/{team_id}-{self.id}/download/{quote(self.name)}"

    def to_slack(self, root_url: str, team_id: str) -> dict[str, Any]:
        """The file object Slack puts in events and in `files.info`."""
        public: dict[str, list[dict[str, Any]]] = {}
        private: dict[str, list[dict[str, Any]]] = {}
        for share in self.shares:
            bucket = public if share.channel.startswith("C") else private
            entry: dict[str, Any] = {"ts": share.message_ts, "reply_users": [], "reply_count": 0}
            if share.thread_ts:
                entry["thread_ts"] = share.thread_ts
            bucket.setdefault(share.channel, []).append(entry)
        channels = sorted({s.channel for s in self.shares})
        obj: dict[str, Any] = {
            "id": self.id,
            "created": self.created,
            "timestamp": self.created,
            "name": self.name,
            "title": self.title or self.name,
            "mimetype": self.mimetype,
            "filetype": self.filetype,
            "pretty_type": self.filetype.upper(),
            "user": self.user,
            "user_team": team_id,
            "editable": False,
            "size": len(self.content),
            "mode": "hosted",
            "is_external": False,
            "external_type": "",
            "is_public": bool(public),
            "public_url_shared": False,
            "display_as_bot": False,
            "username": "",
            "url_private": f"{root_url}/files-pri/{team_id}-{self.id}/{quote(self.name)}",
            "url_private_download": f"{root_url}{self.download_path(team_id)}",
            "permalink": f"{root_url}/files/{self.user}/{self.id}/{quote(self.name)}",
            "is_starred": False,
            "has_rich_preview": False,
            "file_access": "visible",
            "channels": [c for c in channels if c.startswith("C")],
            "groups": [c for c in channels if c.startswith("G")],
            "ims": [c for c in channels if c.startswith("D")],
            "shares": {k: v for k, v in (("public", public), ("private", private)) if v},
        }
        if self.alt_txt:
            obj["alt_txt"] = self.alt_txt
        return obj


@dataclass
class PendingUpload:
    """A slot made by `files.getUploadURLExternal`, filled by the POST to its upload URL."""

    file_id: str
    filename: str
    length: int
    alt_txt: str | None
    content: bytes | None = None


def guess_types(filename: str) -> tuple[str, str]:
    """`(mimetype, filetype)` for a file name, as Slack derives them from the extension."""
    suffix = PurePosixPath(filename).suffix.lower().lstrip(".")
    mimetype = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    return mimetype, suffix or "binary"


def new_file_id() -> str:
    """A file id such as `F07ABCDEF12`."""
    return new_id("F")
