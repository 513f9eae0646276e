"""The model seen through the privacy mode: every request masked on the way out, every reply unmasked back.

It wraps any `LLM`, so no prompt builder has to remember to mask: the profile, the history, each cell's
output, error messages and tracebacks, the question and the model's own earlier turns all pass `Masker.mask`
before they leave. System prompts are ours and pass untouched. Replies come back with the real values (code
through `Masker.unmask_code`), so the engine and the user see the real output and the real answer.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence

from agent.llm.base import LLM, ChatMessage, Completion, ToolCall, ToolSpec
from agent.privacy.mask import Masker


class MaskedLLM:
    """`llm` with `masker` applied to everything sent and its inverse to everything received."""

    def __init__(self, llm: LLM, masker: Masker) -> None:
        self._llm = llm
        self._masker = masker
        self.supports_tools = llm.supports_tools

    async def complete(
        self,
        messages: Sequence[ChatMessage],
        *,
        temperature: float = 0.0,
        max_tokens: int | None = None,
        tools: Sequence[ToolSpec] = (),
    ) -> Completion:
        masked = [self._mask_message(m) for m in messages]
        try:
            reply = await self._llm.complete(masked, temperature=temperature, max_tokens=max_tokens, tools=tools)
        finally:
            await self._masker.vault.save()
        calls = tuple(
            dataclasses.replace(c, arguments=self._arguments(c.arguments, out=False)) for c in reply.tool_calls
        )
        return dataclasses.replace(reply, text=self._masker.unmask_reply(reply.text), tool_calls=calls)

    def _mask_message(self, message: ChatMessage) -> ChatMessage:
        if message["role"] == "system":
            return message
        masked: ChatMessage = {**message, "content": self._masker.mask(message["content"])}
        if "tool_calls" in message:
            masked["tool_calls"] = tuple(self._masked_call(c) for c in message["tool_calls"])
        return masked

    def _masked_call(self, call: ToolCall) -> ToolCall:
        return dataclasses.replace(call, arguments=self._arguments(call.arguments, out=True))

    def _arguments(self, arguments: str, *, out: bool) -> str:
        """A call's arguments (JSON with "code", or bare code) masked for sending or unmasked for running."""
        convert = self._masker.mask if out else self._masker.unmask_code
        try:
            parsed = json.loads(arguments)
        except ValueError:
            return convert(arguments)
        if isinstance(parsed, dict):
            return json.dumps({k: convert(v) if isinstance(v, str) else v for k, v in parsed.items()})
        return json.dumps(convert(parsed)) if isinstance(parsed, str) else arguments
