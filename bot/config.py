"""Settings: the one place that reads the environment.

`Settings.from_env(mapping)` builds a frozen object from any mapping, so tests pass a dict and
the CLI passes `os.environ` merged over `.env`. Secrets are kept out of `repr`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, TypedDict, TypeVar
from urllib.parse import urlparse

from dotenv import dotenv_values

from agent.engine import Mode
from agent.errors import ConfigError
from agent.llm.base import ReasoningEffort
from agent.privacy import PRIVACY_MODES, Privacy

DEFAULT_MODEL = "openai/gpt-oss-120b"
DEFAULT_SLACK_API_URL = "https://slack.com/api/"


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 1) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}.") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, not {value}.")
    return value


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number of seconds, not {raw!r}.") from None
    if value <= 0:
        raise ConfigError(f"{name} must be positive, not {raw!r}.")
    return value


MODES: dict[str, Mode] = {"auto": "auto", "loop": "loop", "one-shot": "one-shot"}
EFFORTS: dict[str, ReasoningEffort] = {"low": "low", "medium": "medium", "high": "high"}
Provider = Literal["groq", "openai"]
PROVIDERS: dict[str, Provider] = {"groq": "groq", "openai": "openai"}
# LLM_TOOLS → the provider's `supports_tools`. "auto" offers tools and lets a refusal switch the
# engine to one-shot code (agent.errors.ToolsUnsupported), so it means "on" until the server says no.
TOOLS: dict[str, bool] = {"auto": True, "on": True, "off": False}
T = TypeVar("T")


def _choice(env: Mapping[str, str], name: str, choices: Mapping[str, T], default: T) -> T:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)}, not {raw!r}.")
    return choices[raw]


class _LLMFields(TypedDict):
    llm_provider: Provider
    llm_base_url: str | None
    llm_api_key: str
    llm_tools: bool
    llm_model: str


def _llm(env: Mapping[str, str]) -> _LLMFields:
    """The model provider's settings; Groq's own key and URL stay GROQ_API_KEY / GROQ_BASE_URL."""
    provider = _choice(env, "LLM_PROVIDER", PROVIDERS, "groq")
    model = env.get("LLM_MODEL", "").strip()
    if provider == "openai" and not model:
        # DEFAULT_MODEL is a Groq id; no default can name a model on an arbitrary server.
        raise ConfigError("LLM_PROVIDER=openai needs LLM_MODEL (e.g. gpt-4.1-mini on OpenAI, llama3.1 on Ollama).")
    return {
        "llm_provider": provider,
        "llm_base_url": env.get("LLM_BASE_URL", "").strip().rstrip("/") or None,
        "llm_api_key": env.get("LLM_API_KEY", "").strip(),
        "llm_tools": _choice(env, "LLM_TOOLS", TOOLS, True),
        "llm_model": model or DEFAULT_MODEL,
    }


def _blob_url(env: Mapping[str, str]) -> str:
    raw = env.get("BLOB_URL", "").strip()
    parsed = urlparse(raw)
    if raw in ("", "redis") or (parsed.scheme == "file" and parsed.path.startswith("/")):
        return raw
    if parsed.scheme == "s3" and parsed.netloc:
        return raw
    raise ConfigError(
        f"BLOB_URL must be empty (disk under DATA_DIR), redis, file:///dir or s3://bucket/prefix, not {raw!r}."
    )


@dataclass(frozen=True)
class Settings:
    """Everything configurable, with the documented defaults (README, configuration table)."""

    slack_bot_token: str = field(default="", repr=False)
    slack_app_token: str = field(default="", repr=False)
    slack_signing_secret: str = field(default="", repr=False)
    slack_api_url: str = DEFAULT_SLACK_API_URL
    port: int = 3000
    groq_api_key: str = field(default="", repr=False)
    groq_base_url: str | None = None
    llm_provider: Provider = "groq"
    llm_base_url: str | None = None
    llm_api_key: str = field(default="", repr=False)
    llm_tools: bool = True
    llm_model: str = DEFAULT_MODEL
    sandbox: str = "local"
    sandbox_max_live: int = 16
    e2b_api_key: str = field(default="", repr=False)
    e2b_domain: str | None = None
    sandbox_pool_size: int = 1
    redis_url: str | None = field(default=None, repr=False)  # it may carry a password
    redis_prefix: str = "dataagent"
    data_dir: Path = Path(".dataagent")
    max_file_mb: int = 100
    # Blob bytes: "" = Redis up to blob_redis_max_kb, disk under DATA_DIR/blobs above; see `blob_location`.
    blob_url: str = ""
    blob_redis_max_kb: int = 1024
    blob_sweep_s: float = 3600.0
    s3_endpoint_url: str | None = None
    s3_region: str | None = None
    s3_access_key_id: str = field(default="", repr=False)
    s3_secret_access_key: str = field(default="", repr=False)
    ingest_workers: int = 2
    ingest_timeout_s: float = 120.0
    ingest_memory_mb: int = 4096
    retention_days: int = 7
    membership_cache_s: float = 60.0
    cell_timeout_s: float = 120.0
    log_level: str = "INFO"
    analyst_mode: Mode = "auto"
    max_steps: int = 8
    reasoning_effort: ReasoningEffort | None = None
    llm_retry_budget_s: float = 90.0
    llm_max_attempts: int = 5
    llm_data: Privacy = "full"
    # Fair use (handlers.limits); 0 = unlimited.
    user_questions_per_hour: int = 30
    channel_questions_per_hour: int = 0
    user_tokens_per_day: int = 0
    channel_tokens_per_day: int = 0
    admin_user_ids: frozenset[str] = frozenset()

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        """Build settings from environment-like mapping; raises ConfigError on bad values."""
        e2b_key = env.get("E2B_API_KEY", "").strip()
        sandbox = env.get("SANDBOX", "").strip().lower() or ("e2b" if e2b_key else "local")
        if sandbox not in ("e2b", "local"):
            raise ConfigError(f"SANDBOX must be 'e2b' or 'local', not {sandbox!r}.")
        if sandbox == "e2b" and not e2b_key:
            raise ConfigError("SANDBOX=e2b needs E2B_API_KEY (create one at e2b.dev → API keys).")
        api_url = env.get("SLACK_API_URL", "").strip() or DEFAULT_SLACK_API_URL
        return cls(
            slack_bot_token=env.get("SLACK_BOT_TOKEN", "").strip(),
            slack_app_token=env.get("SLACK_APP_TOKEN", "").strip(),
            slack_signing_secret=env.get("SLACK_SIGNING_SECRET", "").strip(),
            slack_api_url=api_url if api_url.endswith("/") else api_url + "/",
            port=_int(env, "PORT", 3000, minimum=0),  # 0: any free port (tests)
            groq_api_key=env.get("GROQ_API_KEY", "").strip(),
            groq_base_url=env.get("GROQ_BASE_URL", "").strip() or None,
            **_llm(env),
            sandbox=sandbox,
            sandbox_max_live=_int(env, "SANDBOX_MAX_LIVE", 16, minimum=1),
            e2b_api_key=e2b_key,
            e2b_domain=env.get("E2B_DOMAIN", "").strip() or None,
            # A ready local kernel costs only this host's memory; a ready E2B sandbox is billed.
            sandbox_pool_size=_int(env, "SANDBOX_POOL_SIZE", 1 if sandbox == "local" else 0, minimum=0),
            redis_url=env.get("REDIS_URL", "").strip() or None,
            redis_prefix=env.get("REDIS_PREFIX", "").strip() or "dataagent",
            data_dir=Path(env.get("DATA_DIR", "").strip() or ".dataagent"),
            max_file_mb=_int(env, "MAX_FILE_MB", 100),
            blob_url=_blob_url(env),
            blob_redis_max_kb=_int(env, "BLOB_REDIS_MAX_KB", 1024, minimum=0),
            blob_sweep_s=_float(env, "BLOB_SWEEP_S", 3600.0),
            s3_endpoint_url=env.get("S3_ENDPOINT_URL", "").strip() or None,
            s3_region=env.get("S3_REGION", "").strip() or None,
            s3_access_key_id=env.get("S3_ACCESS_KEY_ID", "").strip(),
            s3_secret_access_key=env.get("S3_SECRET_ACCESS_KEY", "").strip(),
            ingest_workers=_int(env, "INGEST_WORKERS", 2),
            ingest_timeout_s=_float(env, "INGEST_TIMEOUT_S", 120.0),
            ingest_memory_mb=_int(env, "INGEST_MEMORY_MB", 4096, minimum=256),
            retention_days=_int(env, "RETENTION_DAYS", 7),
            membership_cache_s=_float(env, "MEMBERSHIP_CACHE_S", 60.0),
            cell_timeout_s=_float(env, "CELL_TIMEOUT_S", 120.0),
            log_level=(env.get("LOG_LEVEL", "").strip() or "INFO").upper(),
            analyst_mode=_choice(env, "ANALYST_MODE", MODES, "auto"),
            max_steps=_int(env, "MAX_STEPS", 8),
            reasoning_effort=_choice(env, "LLM_REASONING_EFFORT", EFFORTS, None),
            llm_retry_budget_s=_float(env, "LLM_RETRY_BUDGET_S", 90.0),
            llm_max_attempts=_int(env, "LLM_MAX_ATTEMPTS", 5, minimum=1),
            llm_data=_choice(env, "LLM_DATA", {m: m for m in PRIVACY_MODES}, "full"),
            admin_user_ids=frozenset(u for u in env.get("ADMIN_USER_IDS", "").replace(",", " ").split() if u),
            user_questions_per_hour=_int(env, "USER_QUESTIONS_PER_HOUR", 30, minimum=0),
            channel_questions_per_hour=_int(env, "CHANNEL_QUESTIONS_PER_HOUR", 0, minimum=0),
            user_tokens_per_day=_int(env, "USER_TOKENS_PER_DAY", 0, minimum=0),
            channel_tokens_per_day=_int(env, "CHANNEL_TOKENS_PER_DAY", 0, minimum=0),
        )

    @classmethod
    def load(cls, env_file: str | Path = ".env") -> Settings:
        """The process environment over the optional `.env` file."""
        file_values = {k: v for k, v in dotenv_values(env_file).items() if v is not None}
        return cls.from_env({**file_values, **os.environ})

    @property
    def secrets(self) -> tuple[str, ...]:
        """Every secret value, for log redaction."""
        values = (
            self.slack_bot_token,
            self.slack_app_token,
            self.slack_signing_secret,
            self.groq_api_key,
            self.llm_api_key,
            self.e2b_api_key,
            self.s3_secret_access_key,
            urlparse(self.redis_url).password or "" if self.redis_url else "",
        )
        return tuple(v for v in values if v)
