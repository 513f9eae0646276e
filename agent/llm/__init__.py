"""The model side of the engine: the `LLM` seam, the Groq client, prompts, code extraction, grounding."""

from agent.llm.base import LLM, ChatMessage, Completion, Role, Usage
from agent.llm.groq import GroqLLM

__all__ = ["LLM", "ChatMessage", "Completion", "GroqLLM", "Role", "Usage"]
