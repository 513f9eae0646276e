"""The language-model seam: the `LLM` Protocol and the values that cross it.

Providers (`agent.llm.groq`, `agent.llm.openai`) implement `LLM`; the engine sees only these types.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, NotRequired, Protocol, TypedDict

Role = Literal["system", "user", "assistant", "tool"]
ReasoningEffort = Literal["low", "medium", "high"]


@dataclass(frozen=True)
class ToolCall:
    """One call of a tool the model asked for.

    Attributes:
        call_id: The provider's id, echoed back with the result.
        name: The tool's name as the model wrote it (it may name a tool we never declared).
        arguments: The arguments exactly as sent: normally a JSON object, sometimes bare code.
    """

    call_id: str
    name: str
    arguments: str


@dataclass(frozen=True)
class ToolSpec:
    """A tool the model may call: a name, what it does, and a JSON Schema of its arguments."""

    name: str
    description: str
    parameters: Mapping[str, object] = field(default_factory=dict)


class ChatMessage(TypedDict):
    """One chat turn sent to the model.

    An assistant turn may carry the tool calls it made; a "tool" turn answers one of them.
    """

    role: Role
    content: str
    tool_calls: NotRequired[tuple[ToolCall, ...]]
    tool_call_id: NotRequired[str]


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
        finish_reason: "stop", "tool_calls", or "length" when `max_tokens` cut the reply short.
        attempts: HTTP attempts made (1 when the first one succeeded).
        tool_calls: The tools the model asked to run, in order (empty for a plain reply).
    """

    text: str
    model: str
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    duration_s: float
    finish_reason: str = "stop"
    attempts: int = 1
    tool_calls: tuple[ToolCall, ...] = ()


@dataclass(frozen=True)
class TokenUsage:
    """What one question cost: the model calls it made and the tokens the provider reported for them.

    The figures are the providers' own `usage` fields, summed; fair-use limits charge `total_tokens`.
    """

    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0


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

    def snapshot(self) -> TokenUsage:
        """The totals so far, as `Answer.usage` carries them."""
        return TokenUsage(self.calls, self.prompt_tokens, self.completion_tokens, self.total_tokens)


class LLM(Protocol):
    """Anything that turns chat messages into a completion.

    Attributes:
        supports_tools: Whether the model can be offered tools (`tools=`); the engine falls back to
            fenced code in plain replies when it cannot.
    """

    supports_tools: bool

    async def complete(
        self,
        messages: Sequence[ChatMessage],
        *,
        temperature: float = 0.0,
        max_tokens: int | None = None,
        tools: Sequence[ToolSpec] = (),
    ) -> Completion:
        """Return the model's reply to `messages`, offering it `tools`.

        Raises:
            LLMUnavailable: the model stayed unreachable through every retry.
            ConfigError: the key, model or base URL is wrong; retrying cannot help.
            LLMError: the model refused the request itself (e.g. the prompt is too long).
        """
        ...
