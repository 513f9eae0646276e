"""The Slack-free engine: a question about a thread's datasets in, an answer written from real output out.

This is its public face; the Slack layer and the CLI use these names. Inside:

    ingest/    bytes → typed frame + the normalized form the sandbox loads
    profile/   frame → what the model and the profile card see
    llm/       the LLM seam, the Groq client, prompts, code extraction, grounding
    guard/     the question screen and the code policy
    sandbox/   where generated code runs (local bubblewrap kernel, E2B)
    engine.py  the heal loop; sessions.py the thread's sandbox; store.py the Redis state
"""

from agent.answer import Answer, Attempt, Status
from agent.audit import AuditEntry, AuditLog
from agent.engine import Engine, EngineConfig
from agent.errors import (
    ConfigError,
    DataAgentError,
    DatasetError,
    LLMError,
    LLMUnavailable,
    SandboxError,
    SandboxLost,
    SandboxUnavailable,
)
from agent.llm.base import TokenUsage
from agent.progress import OnProgress, Progress, Stage
from agent.store import DatasetRecord

__all__ = [
    "Answer",
    "Attempt",
    "AuditEntry",
    "AuditLog",
    "ConfigError",
    "DataAgentError",
    "DatasetError",
    "DatasetRecord",
    "Engine",
    "EngineConfig",
    "LLMError",
    "LLMUnavailable",
    "OnProgress",
    "Progress",
    "SandboxError",
    "SandboxLost",
    "SandboxUnavailable",
    "Stage",
    "Status",
    "TokenUsage",
]
