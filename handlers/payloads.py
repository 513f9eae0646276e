"""What the Slack layer stores: the payloads of queued jobs (with their codec) and the saved answers.

Everything here is typed once, at the Slack edge, so the job handler and the buttons read fields,
not dictionaries. The JSON forms are private to this module.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any

from handlers.files import SharedFile


@dataclass(frozen=True)
class QuestionJob:
    """A question to answer in a thread.

    Attributes:
        channel: The Slack channel id.
        thread_ts: The thread's root ts (the message's own ts for a top-level question).
        question: The question, mentions removed.
        user: Who asked.
        borrow_latest: Bring the channel's latest dataset into the thread first (a top-level
            question or /analyze, which start a thread of their own).
    """

    channel: str
    thread_ts: str
    question: str
    user: str
    borrow_latest: bool


@dataclass(frozen=True)
class FileJob:
    """Shared table files to load into a thread.

    Attributes:
        channel: The Slack channel id.
        thread_ts: The thread the files were shared in (or start).
        user: Who shared them.
        files: The files that look like tables, as the listener read them from Slack's event.
    """

    channel: str
    thread_ts: str
    user: str
    files: tuple[SharedFile, ...]


Payload = QuestionJob | FileJob


class _Fields:
    """Typed reads from a decoded JSON object: anything missing or of another type is a ValueError."""

    def __init__(self, d: dict[str, Any], what: str) -> None:
        self.d = d
        self.what = what

    @classmethod
    def parse(cls, raw: str | bytes, what: str) -> _Fields:
        try:
            value = json.loads(raw)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"{what}: not JSON ({exc})") from None
        if not isinstance(value, dict):
            raise ValueError(f"{what}: not a JSON object")
        return cls(value, what)

    def _get(self, name: str, kind: type[Any] | tuple[type[Any], ...]) -> Any:
        value = self.d.get(name)
        # bool is an int to isinstance; a flag where a number belongs (or back) is corrupt all the same.
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
            wanted = " or ".join(k.__name__ for k in (kind if isinstance(kind, tuple) else (kind,)))
            raise ValueError(f"{self.what}.{name} is missing or not a {wanted}")
        return value

    def text(self, name: str) -> str:
        value: str = self._get(name, str)
        return value

    def optional_text(self, name: str) -> str | None:
        value: str | None = self._get(name, (str, type(None)))
        return value

    def number(self, name: str) -> int:
        value: int = self._get(name, int)
        return value

    def flag(self, name: str) -> bool:
        value: bool = self._get(name, bool)
        return value

    def objects(self, name: str) -> list[_Fields]:
        items = self._get(name, list)
        if not all(isinstance(item, dict) for item in items):
            raise ValueError(f"{self.what}.{name} must hold objects")
        return [_Fields(item, f"{self.what}.{name}[]") for item in items]


def _file(f: _Fields) -> SharedFile:
    if "file_id" not in f.d:  # queued by release 0.1, which stored Slack's own file object
        return SharedFile.from_event(f.d)
    return SharedFile(
        file_id=f.text("file_id"),
        name=f.text("name"),
        size=f.number("size"),
        url=f.text("url"),
        filetype=f.text("filetype"),
        mimetype=f.text("mimetype"),
    )


class PayloadCodec:
    """The `jobqueue.Codec` of the Slack jobs: JSON with a `kind` tag ("question" or "file")."""

    def encode(self, payload: Payload) -> str:
        """The stored form of a job payload."""
        match payload:
            case QuestionJob():
                body: dict[str, Any] = {"kind": "question", **dataclasses.asdict(payload)}
            case FileJob():
                body = {"kind": "file", **dataclasses.asdict(payload)}  # asdict recurses into the files
        return json.dumps(body, separators=(",", ":"))

    def decode(self, raw: str) -> Payload:
        """The payload `encode` stored as `raw`.

        Raises:
            ValueError: `raw` is not a payload this codec wrote.
        """
        f = _Fields.parse(raw, "job payload")
        kind = f.d.get("kind")
        if kind == "question":
            return QuestionJob(
                channel=f.text("channel"),
                thread_ts=f.text("thread_ts"),
                question=f.text("question"),
                user=f.text("user"),
                borrow_latest=f.flag("borrow_latest"),
            )
        if kind == "file":
            return FileJob(
                channel=f.text("channel"),
                thread_ts=f.text("thread_ts"),
                user=f.optional_text("user") or "",
                files=tuple(_file(item) for item in f.objects("files")),
            )
        raise ValueError(f"job payload: unknown kind {kind!r}")


@dataclass(frozen=True)
class SavedAnswer:
    """What is kept behind an answer's buttons: Show code shows `code` and `stdout`, Try again re-asks.

    Attributes:
        question: The question that was answered.
        code: The code that produced the answer (None when the model wrote none).
        stdout: What running it printed.
        channel: The Slack channel id.
        thread_ts: The answer's thread.
        user: Who asked.
        borrow_latest: Whether the question brought in the channel's latest dataset (a retry does again).
    """

    question: str
    code: str | None
    stdout: str
    channel: str
    thread_ts: str
    user: str
    borrow_latest: bool

    def to_json(self) -> str:
        """The stored form."""
        return json.dumps(dataclasses.asdict(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, raw: str | bytes) -> SavedAnswer:
        """Rebuild a saved answer.

        Raises:
            ValueError: `raw` is not what `to_json` wrote.
        """
        f = _Fields.parse(raw, "saved answer")
        return cls(
            question=f.text("question"),
            code=f.optional_text("code"),
            stdout=f.text("stdout"),
            channel=f.text("channel"),
            thread_ts=f.text("thread_ts"),
            user=f.text("user"),
            borrow_latest=f.flag("borrow_latest"),
        )
