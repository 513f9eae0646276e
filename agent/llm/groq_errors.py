"""Every Groq SDK failure mapped, in one table, to what the retry loop does with it.

timeout, connection error, malformed reply, 5xx, 408/409/498  → retry as "down"
429                                                         → retry as "rate_limited" (honours retry-after)
401, 403, unknown/decommissioned model, 404                 → ConfigError at once
413, any other 4xx                                          → LLMError at once
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import groq

from agent import texts
from agent.errors import ConfigError, DataAgentError, LLMError, ToolsUnsupported
from agent.llm.error_fields import TOOLS as _TOOLS
from agent.llm.error_fields import error_code as _error_code
from agent.llm.error_fields import error_fields as _error_fields
from agent.llm.error_fields import error_message as _error_message
from agent.llm.error_fields import retry_after as _retry_after
from agent.llm.retry import Failure

SUGGESTED_MODEL = "openai/gpt-oss-120b"


@dataclass(frozen=True)
class RecoveredToolCall:
    """The tool call inside a 400 `tool_use_failed`: Groq could not parse what the model wrote."""

    name: str
    arguments: str


# (status, error code) → the final error; `None` as code matches any code of that status.
_Fatal = Callable[[str, str], DataAgentError]
_FATAL_BY_CODE: dict[str, _Fatal] = {
    "model_decommissioned": lambda model, _msg: ConfigError(texts.MODEL_DECOMMISSIONED.format(model=model)),
    "model_not_found": lambda model, _msg: ConfigError(texts.MODEL_NOT_FOUND.format(model=model)),
}
_FATAL_BY_STATUS: dict[int, _Fatal] = {
    401: lambda _model, _msg: ConfigError(texts.GROQ_BAD_KEY),
    413: lambda _model, _msg: LLMError(texts.LLM_TOO_LARGE),
}
# 498 is Groq's "flex tier capacity exceeded"; 408/409 are the usual transient ones.
_TRANSIENT_STATUS = frozenset({408, 409, 498})


def classify(exc: BaseException, model: str) -> Failure | None:
    """Map any provider failure to retry-as-rate-limited, retry-as-down, or a final error.

    Returns:
        The failure, or None for an exception that is not the provider's (a bug to surface).
    """
    if isinstance(exc, TimeoutError | groq.APITimeoutError):
        return Failure("down", "timeout")
    if isinstance(exc, groq.APIConnectionError):
        return Failure("down", "connection error")
    if isinstance(exc, groq.APIResponseValidationError):
        return Failure("down", f"malformed response status={exc.status_code}")
    if not isinstance(exc, groq.APIStatusError):
        return Failure("down", type(exc).__name__) if isinstance(exc, groq.APIError) else None
    status, code = exc.status_code, _error_code(exc.body)
    reason = f"status={status} code={code or '-'}"
    retry_after = _retry_after(exc.response.headers)
    if status == 429:
        return Failure("rate_limited", reason, retry_after)
    if status >= 500 or status in _TRANSIENT_STATUS:
        return Failure("down", reason, retry_after)
    return Failure("fatal", reason, error=_fatal(status, code, _error_message(exc.body), model))


def _fatal(status: int, code: str | None, message: str, model: str) -> DataAgentError:
    if status in (400, 404, 422) and _TOOLS.search(message):
        return ToolsUnsupported(texts.LLM_NO_TOOLS.format(model=model))
    if code in _FATAL_BY_CODE:
        return _FATAL_BY_CODE[code](model, message)
    if status == 404 and "model" in message.lower():
        return _FATAL_BY_CODE["model_not_found"](model, message)
    if status in _FATAL_BY_STATUS:
        return _FATAL_BY_STATUS[status](model, message)
    if status == 403:
        return ConfigError(texts.GROQ_FORBIDDEN.format(code=code or "forbidden"))
    if status == 404:
        return ConfigError(texts.GROQ_NOT_FOUND)
    return LLMError(texts.LLM_REJECTED.format(detail=message[:200] or f"status {status}"))


# `<function=run_python>{"code": …}</function>`, the shape Llama and gpt-oss models write calls in.
_FUNCTION_TAG = re.compile(r"<function=([\w.-]+)>?(.*?)(?:</function>|$)", re.DOTALL)


def recover_tool_call(exc: groq.APIStatusError) -> RecoveredToolCall | None:
    """The call a 400 `tool_use_failed` carries in `failed_generation`, or None for any other error."""
    fields = _error_fields(exc.body)
    text = fields.get("failed_generation")
    if exc.status_code != 400 or fields.get("code") != "tool_use_failed" or not isinstance(text, str):
        return None
    text = text.strip()
    if match := _FUNCTION_TAG.search(text):
        return RecoveredToolCall(match.group(1), match.group(2).strip())
    try:
        parsed = json.loads(text)
    except ValueError:
        # Bare code where a call belonged: it was meant for the only tool there is.
        return RecoveredToolCall("run_python", json.dumps({"code": text})) if text else None
    call = parsed[0] if isinstance(parsed, list) and parsed else parsed
    if isinstance(call, Mapping) and isinstance(call.get("name"), str):
        arguments = call.get("arguments", call.get("parameters", {}))
        return RecoveredToolCall(call["name"], arguments if isinstance(arguments, str) else json.dumps(arguments))
    return None
