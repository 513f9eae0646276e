"""The configured model provider, built from settings: Groq, or any OpenAI-compatible server."""

from __future__ import annotations

from agent.errors import ConfigError
from agent.llm import GroqLLM, OpenAILLM
from bot.config import Settings

ProviderLLM = GroqLLM | OpenAILLM
GROQ_KEY_MISSING = "GROQ_API_KEY is not set. Create a key at console.groq.com → API Keys and export it."


def make_llm(settings: Settings, *, retry_budget_s: float | None = None) -> ProviderLLM:
    """The `LLM_PROVIDER`'s client with the model, tools and reasoning settings applied.

    Raises:
        ConfigError: the provider's key (or, for a keyless local server, its LLM_BASE_URL) or the model is missing.
    """
    budget_s = settings.llm_retry_budget_s if retry_budget_s is None else retry_budget_s
    if settings.llm_provider == "openai":
        return OpenAILLM(
            settings.llm_api_key,
            settings.llm_model,
            settings.llm_base_url,
            retry_budget_s=budget_s,
            max_attempts=settings.llm_max_attempts,
            reasoning_effort=settings.reasoning_effort,
            supports_tools=settings.llm_tools,
        )
    if not settings.groq_api_key:
        raise ConfigError(GROQ_KEY_MISSING)
    return GroqLLM(
        settings.groq_api_key,
        settings.llm_model,
        settings.groq_base_url,
        retry_budget_s=budget_s,
        max_attempts=settings.llm_max_attempts,
        reasoning_effort=settings.reasoning_effort,
        supports_tools=settings.llm_tools,
    )
