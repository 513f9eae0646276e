"""Building the long-lived resources from settings."""

from __future__ import annotations

from pathlib import Path

from agent.sandbox.base import SandboxProvider
from agent.sandbox.e2b import E2BSandboxProvider
from agent.sandbox.local import LocalSandboxProvider
from bot.config import Settings


def make_sandbox_provider(settings: Settings) -> SandboxProvider:
    """The configured sandbox backend: E2B when its key is set, else the local jail."""
    if settings.sandbox == "e2b":
        return E2BSandboxProvider(settings.e2b_api_key, domain=settings.e2b_domain, auto_pause=True)
    root = settings.data_dir / "sandboxes"
    root.mkdir(parents=True, exist_ok=True)
    return LocalSandboxProvider(root=Path(root).resolve())
