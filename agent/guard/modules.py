"""Which modules and module attributes the code policy refuses, by dotted name (the tables are `policy`)."""

from __future__ import annotations

from agent.guard.policy import (
    ALLOWED_MODULES,
    ALLOWED_SUBMODULES,
    BACKGROUND_USES,
    MODULE_ATTRS,
    MODULES,
    PREFIXES,
    TRAVERSED,
)


def module_rule(qual: str) -> str | None:
    if qual in MODULE_ATTRS:
        return MODULE_ATTRS[qual]
    return next((why for prefix, why in PREFIXES if qual.startswith(prefix)), None)


def reached_rule(qual: str) -> tuple[str, str] | None:
    """A refused module or attribute reached through a library that imported it (`pd.io.common.os.system`)."""
    parts = qual.split(".")
    if parts[0] not in ALLOWED_MODULES:
        return None
    for index in range(1, len(parts)):
        if parts[index] in TRAVERSED or parts[index] in ("os", "sys", "shutil"):
            return f"reach {parts[index]} through {'.'.join(parts[:index])}", MODULES.get(parts[index], "internals")
        rule = module_rule(".".join(parts[index:])) if index < len(parts) - 1 else None
        if rule:
            return f"use {'.'.join(parts[index:])} through {'.'.join(parts[:index])}", rule
    return None


def import_rule(module: str) -> str | None:
    if module in ALLOWED_SUBMODULES or any(module.startswith(ok + ".") for ok in ALLOWED_SUBMODULES):
        return None
    top = module.split(".")[0]
    unlisted = "unlisted" if top not in ALLOWED_MODULES else None
    reached = reached_rule(module)
    return MODULES.get(top) or unlisted or module_rule(module) or (reached[1] if reached else None)


def import_what(shown: str, module: str) -> str:
    """`import threading to start a background thread`: the import, and what it is for when that is the danger."""
    use = BACKGROUND_USES.get(module.split(".")[0])
    return f"import {shown} to {use}" if use else f"import {shown}"
