"""The language-model seam: the `LLM` Protocol and the values that cross it.

Providers (today `agent.llm.groq`) implement `LLM`; the engine sees only these types.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol, TypedDict

Role = Literal["system", "user", "assistant"]


class ChatMessage(TypedDict):
    """One chat turn sent to the model."""

    role: Role
    content: str


@dataclass(frozen=True)
class Completion:
    """The model's reply and what it cost.

    Attributes:
        text: The assistant message content ("" when the model sent none).
        model: The model id that answered.
        prompt_tokens: Tokens in the prompt.
        completion_tokens: Tokens generated.
        total_tokens: Both together.
        duration_s: Wall time of the whole call, retries and waits included.
        finish_reason: "stop", or "length" when `max_tokens` cut the reply short.
        attempts: HTTP attempts made (1 when the first one succeeded).
    """

    text: str
    model: str
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    duration_s: float
    finish_reason: str = "stop"
    attempts: int = 1


@dataclass
class Usage:
    """Running token totals over several completions (e.g. the attempts of one question)."""

    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0

    def add(self, completion: Completion) -> None:
        """Count one completion in the totals."""
        self.calls += 1
        self.prompt_tokens += completion.prompt_tokens
        self.completion_tokens += completion.completion_tokens
        self.total_tokens += completion.total_tokens


class LLM(Protocol):
    """Anything that turns chat messages into a completion."""

    async def complete(
        self,
        messages: Sequence[ChatMessage],
        *,
        temperature: float = 0.0,
        max_tokens: int | None = None,
    ) -> Completion:
        """Return the model's reply to `messages`.

        Raises:
            LLMUnavailable: the model stayed unreachable through every retry.
            ConfigError: the key, model or base URL is wrong; retrying cannot help.
            LLMError: the model refused the request itself (e.g. the prompt is too long).
        """
        ...
