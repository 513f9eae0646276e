"""Fetching a shared file from Slack, safely.

Only Slack's own file hosts (or the host of SLACK_API_URL, for tests and proxies) ever receive
the bot token. A wrong token makes Slack answer with its HTML login page and status 200, so
the content type and the first bytes are checked, not only the status.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

import aiohttp

from handlers import texts
from handlers.render.mrkdwn import escape

log = logging.getLogger(__name__)

SLACK_FILE_HOSTS = ("files.slack.com", "slack-files.com", "files-edge.slack.com")


class DownloadError(Exception):
    """The file could not be fetched; `str(err)` is a sentence for the user, in mrkdwn, already escaped."""


@dataclass(frozen=True)
class SharedFile:
    """The parts of a Slack file object the bot uses."""

    file_id: str
    name: str
    size: int
    url: str
    filetype: str
    mimetype: str

    @classmethod
    def from_event(cls, obj: dict[str, Any]) -> SharedFile:
        return cls(
            file_id=str(obj.get("id", "")),
            name=str(obj.get("name") or obj.get("title") or "data.csv"),
            size=int(obj.get("size") or 0),
            url=str(obj.get("url_private_download") or obj.get("url_private") or ""),
            filetype=str(obj.get("filetype") or ""),
            mimetype=str(obj.get("mimetype") or ""),
        )


def _shown(name: str) -> str:
    """A file name inside the *bold* of a message: anyone picks it, so `<!here>` in it must not ping anyone."""
    return escape(name.replace("*", ""))


def allowed_host(url: str, api_url: str) -> bool:
    host = (urlparse(url).hostname or "").lower()
    api_host = (urlparse(api_url).hostname or "").lower()
    if urlparse(url).scheme not in ("https", "http"):
        return False
    if host == api_host:
        return True
    return urlparse(url).scheme == "https" and (host in SLACK_FILE_HOSTS or host.endswith(".slack.com"))


async def download(file: SharedFile, *, token: str, api_url: str, max_bytes: int, timeout_s: float = 120.0) -> bytes:
    """Fetch a shared file's bytes with the bot token.

    Raises:
        DownloadError: too big, not reachable, or not a file Slack would serve us.
    """
    if file.size and file.size > max_bytes:
        raise DownloadError(texts.FILE_TOO_BIG.format(name=_shown(file.name), mb=max_bytes >> 20))
    if not file.url or not allowed_host(file.url, api_url):
        log.warning("download_refused file=%s host=%s", file.file_id, urlparse(file.url).hostname)
        raise DownloadError(texts.FILE_UNREACHABLE.format(name=_shown(file.name)))
    timeout = aiohttp.ClientTimeout(total=timeout_s)
    try:
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.get(file.url, headers={"Authorization": f"Bearer {token}"}, allow_redirects=False) as response,
        ):
            if response.status != 200:
                raise DownloadError(texts.FILE_UNREACHABLE.format(name=_shown(file.name)))
            # One growing buffer whose value is handed over without a copy: a list of chunks joined at the
            # end would hold the file twice, which at MAX_FILE_MB=1024 is a gigabyte too many.
            buf = io.BytesIO()
            async for chunk in response.content.iter_chunked(1 << 16):
                if buf.tell() + len(chunk) > max_bytes:
                    raise DownloadError(texts.FILE_TOO_BIG.format(name=_shown(file.name), mb=max_bytes >> 20))
                buf.write(chunk)
            data = buf.getvalue()
            del buf
            content_type = response.headers.get("Content-Type", "")
    except (aiohttp.ClientError, TimeoutError) as exc:
        log.warning("download_failed file=%s error=%s", file.file_id, type(exc).__name__)
        raise DownloadError(texts.FILE_UNREACHABLE.format(name=_shown(file.name))) from None
    head = data[:512].lstrip().lower()
    if "text/html" in content_type and head.startswith((b"<!doctype html", b"<html")):
        # Slack's login page: the token was not accepted for this file.
        raise DownloadError(texts.FILE_UNREACHABLE.format(name=_shown(file.name)))
    return data
