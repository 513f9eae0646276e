"""A local stand-in for Groq's OpenAI-compatible chat-completions endpoint.

The real `groq` SDK talks to it by base URL (`FakeGroq.base_url`); it answers
`POST /openai/v1/chat/completions` with non-streaming JSON in Groq's shape. The same server answers
OpenAI's `POST /v1/chat/completions` (`FakeGroq.openai_base_url`, for the `openai` SDK) from the same
script, so one test can drive either provider. Tests script it:

    fake.script("```python\\nprint(1)\\n```", rate_limited(retry_after=0.01), server_error(503))
    fake.respond_with(lambda body: "print(2)" if "sum" in str(body["messages"]) else "no")

Queued items are used once, in order; when the queue is empty the responder (if any) answers; otherwise
the server answers 500 "fake groq: no scripted reply" so a test that forgot to script fails loudly.
Every request is recorded (`fake.requests`) with its JSON body and headers.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import socket
import time
import uuid
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

CHAT_PATH = "/openai/v1/chat/completions"
OPENAI_CHAT_PATH = "/v1/chat/completions"


@dataclass(frozen=True)
class Call:
    """A tool call in a reply: `arguments` is sent as given (normally JSON text)."""

    name: str
    arguments: str


@dataclass(frozen=True)
class Reply:
    """A successful completion; token counts default to word counts."""

    text: str
    finish_reason: str = "stop"
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    delay_s: float = 0.0
    tool_calls: tuple[Call, ...] = ()
    reasoning: str | None = None  # sent as `reasoning`, as Groq does for reasoning models


def run_python(code: str, *, text: str = "", reasoning: str | None = None) -> Reply:
    """A reply that calls the `run_python` tool with `code`."""
    return Reply(text, "tool_calls", tool_calls=(Call("run_python", json.dumps({"code": code})),), reasoning=reasoning)


@dataclass(frozen=True)
class HTTPError:
    """An error response in Groq's `{"error": {"message", "type", "code"}}` shape."""

    status: int
    message: str
    type: str = "invalid_request_error"
    code: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    extra: Mapping[str, str] = field(default_factory=dict)  # more fields of the error object


@dataclass(frozen=True)
class Hang:
    """Accept the request and answer nothing until the server stops (drives client timeouts)."""


Answer = str | Reply | HTTPError | Hang
Responder = Callable[[dict[str, Any]], Answer]
Scripted = Answer | Responder


def rate_limited(retry_after: float | None = 0.01, *, retry_after_ms: float | None = None) -> HTTPError:
    """A Groq 429 (tokens-per-minute limit) with optional `retry-after` / `retry-after-ms` headers."""
    headers: dict[str, str] = {}
    if retry_after is not None:
        headers["retry-after"] = f"{retry_after:g}"
    if retry_after_ms is not None:
        headers["retry-after-ms"] = f"{retry_after_ms:g}"
    return HTTPError(
        429,
        "Rate limit reached for model on tokens per minute (TPM). Please try again shortly.",
        type="tokens",
        code="rate_limit_exceeded",
        headers=headers,
    )


def server_error(status: int = 500) -> HTTPError:
    """A 5xx outage."""
    return HTTPError(
        status,
        "Service Unavailable" if status == 503 else "Internal Server Error",
        type="internal_server_error",
        code=None,
    )


def model_not_found(model: str) -> HTTPError:
    """Groq's 404 for a model id it does not know (or that the key cannot use)."""
    return HTTPError(
        404,
        f"The model `{model}` does not exist or you do not have access to it.",
        code="model_not_found",
    )


def model_decommissioned(model: str) -> HTTPError:
    """Groq's 400 for a retired model id."""
    return HTTPError(
        400,
        f"The model `{model}` has been decommissioned and is no longer supported.",
        code="model_decommissioned",
    )


def tool_use_failed(failed_generation: str) -> HTTPError:
    """Groq's 400 when the model's tool call could not be parsed; what it wrote is in `failed_generation`."""
    return HTTPError(
        400,
        "Failed to call a function. Please adjust your prompt. See 'failed_generation' for more details.",
        code="tool_use_failed",
        extra={"failed_generation": failed_generation},
    )


def invalid_api_key() -> HTTPError:
    """Groq's 401 for a wrong key."""
    return HTTPError(401, "Invalid API Key", code="invalid_api_key")


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the fake received it."""

    method: str
    path: str
    headers: Mapping[str, str]
    json: dict[str, Any]

    @property
    def prompt(self) -> str:
        """All message contents joined, for `in` assertions."""
        messages = self.json.get("messages") or []
        return "\n".join(str(m.get("content", "")) for m in messages if isinstance(m, dict))


class FakeGroq:
    """The fake server. Use `await start()` / `await stop()` (or the `fake_groq` fixture).

    Args:
        api_key: The key every request must carry as `Authorization: Bearer <key>`.
        models: Model ids it serves; others get Groq's 404 `model_not_found`. None serves any id.
    """

    def __init__(self, api_key: str, *, models: set[str] | None = None) -> None:
        self.api_key = api_key
        self.models = models
        self.requests: list[RecordedRequest] = []
        self._queue: deque[Scripted] = deque()
        self._responder: Responder | None = None
        self._stopping = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._ids = itertools.count(1)
        self.port = 0

    @property
    def base_url(self) -> str:
        """What to pass as the SDK's `base_url` (it appends `/openai/v1/chat/completions`)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def openai_base_url(self) -> str:
        """What to pass as the openai SDK's `base_url` (it appends `/chat/completions`)."""
        return self.base_url + "/v1"

    def script(self, *items: Scripted) -> None:
        """Queue answers, each used once and in order."""
        self._queue.extend(items)

    def respond_with(self, responder: Responder | None) -> None:
        """Answer every request the queue does not cover with `responder(request_json)`."""
        self._responder = responder

    @property
    def pending(self) -> int:
        """Scripted answers not used yet."""
        return len(self._queue)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post(CHAT_PATH, self._chat)
        app.router.add_post(OPENAI_CHAT_PATH, self._chat)
        self._runner = web.AppRunner(app, shutdown_timeout=1.0)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        self.port = int(sock.getsockname()[1])
        await web.SockSite(self._runner, sock).start()

    async def stop(self) -> None:
        self._stopping.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        try:
            body = await request.json()
        except ValueError:
            body = None
        self.requests.append(
            RecordedRequest(
                method=request.method,
                path=request.path,
                headers=dict(request.headers),
                json=body if isinstance(body, dict) else {},
            )
        )
        if request.headers.get("Authorization") != f"Bearer {self.api_key}":
            return self._error(invalid_api_key())
        if not isinstance(body, dict) or not _valid_messages(body.get("messages")):
            return self._error(HTTPError(400, "'messages' must be a non-empty list of {role, content}"))
        if echoed := _echoed_reasoning(body["messages"]):
            # Groq refuses a request that sends a reasoning model's reasoning back to it.
            return self._error(HTTPError(400, f"'messages.{echoed}' : property 'reasoning' is unsupported"))
        model = body.get("model")
        if not isinstance(model, str) or (self.models is not None and model not in self.models):
            return self._error(model_not_found(str(model)))

        answer = self._next_answer(body)
        if isinstance(answer, Hang):
            await self._stopping.wait()
            return self._error(server_error(503))
        if answer.delay_s:
            await asyncio.sleep(answer.delay_s)
        if isinstance(answer, HTTPError):
            return self._error(answer)
        return web.json_response(self._completion(body, answer), headers=_ratelimit_headers())

    def _next_answer(self, body: dict[str, Any]) -> Reply | HTTPError | Hang:
        item: Scripted
        if self._queue:
            item = self._queue.popleft()
        elif self._responder is not None:
            item = self._responder
        else:
            return HTTPError(500, "fake groq: no scripted reply", type="fake_groq", code="no_scripted_reply")
        if callable(item):
            item = item(body)
        return Reply(item) if isinstance(item, str) else item

    def _completion(self, body: dict[str, Any], reply: Reply) -> dict[str, Any]:
        prompt = sum(len(str(m.get("content", "")).split()) for m in body["messages"])
        prompt_tokens = reply.prompt_tokens if reply.prompt_tokens is not None else prompt
        completion_tokens = reply.completion_tokens if reply.completion_tokens is not None else len(reply.text.split())
        return {
            "id": f"chatcmpl-{uuid.uuid4()}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body["model"],
            "choices": [
                {
                    "index": 0,
                    "message": _message(reply),
                    "logprobs": None,
                    "finish_reason": reply.finish_reason,
                }
            ],
            "usage": {
                "queue_time": 0.001,
                "prompt_tokens": prompt_tokens,
                "prompt_time": 0.001,
                "completion_tokens": completion_tokens,
                "completion_time": 0.001,
                "total_tokens": prompt_tokens + completion_tokens,
                "total_time": 0.002,
            },
            "system_fingerprint": "fp_fake",
            "x_groq": {"id": f"req_fake_{next(self._ids)}"},
        }

    @staticmethod
    def _error(err: HTTPError) -> web.Response:
        payload = {"error": {"message": err.message, "type": err.type, "code": err.code, **err.extra}}
        return web.json_response(payload, status=err.status, headers=dict(err.headers))


def _message(reply: Reply) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": reply.text or None if reply.tool_calls else reply.text}
    if reply.reasoning is not None:
        message["reasoning"] = reply.reasoning
    if reply.tool_calls:
        message["tool_calls"] = [
            {
                "id": f"call_{uuid.uuid4().hex[:10]}",
                "type": "function",
                "function": {"name": c.name, "arguments": c.arguments},
            }
            for c in reply.tool_calls
        ]
    return message


def _echoed_reasoning(messages: list[dict[str, Any]]) -> str | None:
    for index, message in enumerate(messages):
        for key in ("reasoning", "reasoning_content"):
            if key in message:
                return f"{index}.{key}"
    return None


def _valid_messages(messages: object) -> bool:
    return (
        isinstance(messages, list)
        and bool(messages)
        and all(isinstance(m, dict) and isinstance(m.get("role"), str) for m in messages)
    )


def _ratelimit_headers() -> dict[str, str]:
    return {
        "x-ratelimit-limit-requests": "1000",
        "x-ratelimit-remaining-requests": "999",
        "x-ratelimit-limit-tokens": "250000",
        "x-ratelimit-remaining-tokens": "249000",
        "x-request-id": f"req_{uuid.uuid4().hex}",
    }
