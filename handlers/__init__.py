"""Slack in and out: listeners that turn events, commands and buttons into jobs, the job handler that
runs them through the engine, and pure renderers (`handlers.render`). Nothing happens at import time.
"""

from slack_bolt.async_app import AsyncApp

from handlers import actions, agent_dm, cancel, commands, events, home, shortcuts, suggest
from handlers.deps import Deps


def register(app: AsyncApp, deps: Deps) -> None:
    """Attach every listener: messages and mentions, `/analyze`, buttons, Cancel, the message shortcut,
    App Home and the agent DM experience."""
    for module in (events, commands, actions, cancel, shortcuts, suggest, home, agent_dm):
        module.register(app, deps)


__all__ = ["Deps", "register"]
