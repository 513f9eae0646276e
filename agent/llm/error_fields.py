"""Reading an OpenAI-shaped error response, for every provider's error table.

Groq, OpenAI and the servers that copy them (Ollama, vLLM, llama.cpp, LM Studio) answer errors as
`{"error": {"message", "type", "code", "param"}}` and may ask for a wait in `retry-after(-ms)`.
"""

from __future__ import annotations

import email.utils
import re
import time
from collections.abc import Mapping

# How servers say the model takes no tools ("does not support tools", "tool choice requires …").
TOOLS = re.compile(r"\btools?\b|tool[ _]choice|function calling", re.IGNORECASE)


def error_fields(body: object) -> Mapping[str, object]:
    """The error object, whether the SDK kept the `{"error": …}` envelope or unwrapped it."""
    if isinstance(body, Mapping):
        inner = body.get("error")
        return inner if isinstance(inner, Mapping) else body
    return {}


def error_code(body: object) -> str | None:
    code = error_fields(body).get("code")
    return code if isinstance(code, str) else None


def error_message(body: object) -> str:
    message = error_fields(body).get("message")
    return message if isinstance(message, str) else ""


def retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds the server asked us to wait: `retry-after-ms`, else `retry-after` (seconds or a date)."""
    if (ms := headers.get("retry-after-ms")) is not None:
        try:
            return float(ms) / 1000.0
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - time.time(), 0.0)
