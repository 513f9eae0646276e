"""Every openai SDK failure mapped, in one table, to what the retry loop does with it.

timeout, connection error, malformed reply, 5xx, 408/409  → retry as "down"
429                                                     → retry as "rate_limited" (honours retry-after)
400/404/422 saying the model takes no tools             → ToolsUnsupported (only when tools were offered)
401, 403, unknown model, any other 404                  → ConfigError naming LLM_API_KEY / LLM_MODEL / LLM_BASE_URL
413, any other 4xx                                      → LLMError at once

The servers behind this SDK are many (OpenAI, Ollama, vLLM, llama.cpp, LM Studio, Together), so the
table reads the status and the message, not one vendor's error codes.
"""

from __future__ import annotations

import re

import openai

from agent import texts
from agent.errors import ConfigError, DataAgentError, LLMError, ToolsUnsupported
from agent.llm.error_fields import TOOLS, error_code, error_fields, error_message, retry_after
from agent.llm.retry import Failure

_TRANSIENT_STATUS = frozenset({408, 409})
# OpenAI: "The model `x` does not exist …"; Ollama: 'model "x" not found, try pulling it first'.
_MODEL_MISSING = re.compile(r"\bmodel\b.*\b(?:does not exist|not found|not exist)", re.IGNORECASE | re.DOTALL)


def classify(exc: BaseException, model: str, *, tools_offered: bool) -> Failure | None:
    """Map any openai SDK failure to retry-as-rate-limited, retry-as-down, or a final error.

    Args:
        exc: What the attempt raised.
        model: The configured model id, for the messages.
        tools_offered: The request offered tools; only then can a refusal mean "this model takes no tools".

    Returns:
        The failure, or None for an exception that is not the provider's (a bug to surface).
    """
    if isinstance(exc, TimeoutError | openai.APITimeoutError):
        return Failure("down", "timeout")
    if isinstance(exc, openai.APIConnectionError):
        return Failure("down", "connection error")
    if isinstance(exc, openai.APIResponseValidationError):
        return Failure("down", f"malformed response status={exc.status_code}")
    if not isinstance(exc, openai.APIStatusError):
        return Failure("down", type(exc).__name__) if isinstance(exc, openai.APIError) else None
    status, code = exc.status_code, error_code(exc.body)
    reason = f"status={status} code={code or '-'}"
    wait = retry_after(exc.response.headers)
    if status == 429:
        return Failure("rate_limited", reason, wait)
    if status >= 500 or status in _TRANSIENT_STATUS:
        return Failure("down", reason, wait)
    if tools_offered and _refuses_tools(status, exc.body):
        return Failure("fatal", reason, error=ToolsUnsupported(texts.LLM_NO_TOOLS.format(model=model)))
    error = _fatal(status, code, error_message(exc.body), model)
    return Failure("fatal", reason, error=error)


def _refuses_tools(status: int, body: object) -> bool:
    # Ollama: "… does not support tools"; vLLM: "auto" tool choice requires --enable-auto-tool-choice;
    # llama.cpp: "tools param requires --jinja flag"; OpenAI: param "tools" on a model without them.
    if status not in (400, 404, 422):
        return False
    return error_fields(body).get("param") == "tools" or bool(TOOLS.search(error_message(body)))


def _fatal(status: int, code: str | None, message: str, model: str) -> DataAgentError:
    if status == 401:
        return ConfigError(texts.OPENAI_BAD_KEY)
    if status == 403:
        return ConfigError(texts.OPENAI_FORBIDDEN.format(code=code or "forbidden", model=model))
    if code == "model_not_found" or (status in (400, 404) and _MODEL_MISSING.search(message)):
        return ConfigError(texts.OPENAI_MODEL_NOT_FOUND.format(model=model))
    if status == 404:
        return ConfigError(texts.OPENAI_NOT_FOUND)
    if status == 413:
        return LLMError(texts.LLM_TOO_LARGE)
    return LLMError(texts.LLM_REJECTED.format(detail=message[:200] or f"status {status}"))
