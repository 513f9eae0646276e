"""Settings for the model provider: LLM_PROVIDER, LLM_BASE_URL, LLM_API_KEY, LLM_TOOLS, and make_llm."""

from __future__ import annotations

import pytest

from agent.errors import ConfigError
from agent.llm import GroqLLM, OpenAILLM
from bot.config import DEFAULT_MODEL, Settings
from bot.llm_factory import make_llm


def test_defaults_are_groq_with_tools() -> None:
    settings = Settings.from_env({})
    assert (settings.llm_provider, settings.llm_base_url, settings.llm_api_key) == ("groq", None, "")
    assert settings.llm_tools is True and settings.llm_model == DEFAULT_MODEL


def test_the_openai_provider_reads_its_variables() -> None:
    settings = Settings.from_env(
        {
            "LLM_PROVIDER": " OpenAI ",
            "LLM_BASE_URL": "http://localhost:11434/v1/",
            "LLM_API_KEY": " sk-secret-123 ",
            "LLM_MODEL": "llama3.1",
            "LLM_TOOLS": "off",
        }
    )
    assert (settings.llm_provider, settings.llm_base_url) == ("openai", "http://localhost:11434/v1")
    assert (settings.llm_api_key, settings.llm_model, settings.llm_tools) == ("sk-secret-123", "llama3.1", False)


@pytest.mark.parametrize(("raw", "expected"), [("auto", True), ("on", True), ("OFF", False), ("", True)])
def test_llm_tools_choices(raw: str, expected: bool) -> None:
    assert Settings.from_env({"LLM_TOOLS": raw}).llm_tools is expected


@pytest.mark.parametrize(
    ("env", "names"),
    [
        ({"LLM_PROVIDER": "anthropic"}, "LLM_PROVIDER must be one of groq, openai"),
        ({"LLM_TOOLS": "maybe"}, "LLM_TOOLS must be one of auto, on, off"),
        ({"LLM_PROVIDER": "openai"}, "LLM_PROVIDER=openai needs LLM_MODEL"),
    ],
)
def test_bad_values_are_config_errors(env: dict[str, str], names: str) -> None:
    with pytest.raises(ConfigError, match=names):
        Settings.from_env(env)


def test_the_llm_key_is_a_secret_and_never_in_repr() -> None:
    settings = Settings.from_env({"LLM_PROVIDER": "openai", "LLM_API_KEY": "sk-secret-123", "LLM_MODEL": "m"})
    assert "sk-secret-123" in settings.secrets
    assert "sk-secret-123" not in repr(settings)


async def test_make_llm_builds_the_configured_provider() -> None:
    openai_env = {"LLM_PROVIDER": "openai", "LLM_MODEL": "llama3.1", "LLM_TOOLS": "off"}
    async with make_llm(Settings.from_env({**openai_env, "LLM_BASE_URL": "http://127.0.0.1:1/v1"})) as llm:
        assert isinstance(llm, OpenAILLM) and llm.model == "llama3.1" and not llm.supports_tools
    async with make_llm(Settings.from_env({"GROQ_API_KEY": "gsk_x"})) as groq:
        assert isinstance(groq, GroqLLM) and groq.supports_tools


@pytest.mark.parametrize(
    ("env", "names"),
    [
        ({}, "GROQ_API_KEY is not set"),
        ({"LLM_PROVIDER": "openai", "LLM_MODEL": "gpt-4.1-mini"}, "LLM_API_KEY is empty"),
    ],
)
def test_make_llm_names_the_missing_key(env: dict[str, str], names: str) -> None:
    with pytest.raises(ConfigError, match=names):
        make_llm(Settings.from_env(env))
