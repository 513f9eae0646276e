"""The model side of the engine: the `LLM` seam, the Groq client, prompts, code extraction, grounding."""

from agent.llm.base import LLM, ChatMessage, Completion, Role, Usage
from agent.llm.groq import GroqLLM
from agent.llm.openai import OpenAILLM

__all__ = ["LLM", "ChatMessage", "Completion", "GroqLLM", "OpenAILLM", "Role", "Usage"]
