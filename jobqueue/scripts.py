"""The queue's Lua scripts, read from `lua/*.lua` and registered on a Redis client.

Each script names its KEYS and ARGV as locals at its top; `prelude.lua` (the `owner` and `finish`
helpers) is prepended to every one. Scripts touch several keys without hash tags: a single Redis (or
one shard), not Redis Cluster.
"""

from __future__ import annotations

import functools
from importlib import resources

import redis.asyncio as aioredis
from redis.commands.core import AsyncScript

NAMES = ("enqueue", "start", "ack", "bury", "touch", "hand_back", "reclaim", "retire")


@functools.cache
def source(name: str) -> str:
    """The full text of script `name`: the prelude, then the script itself."""
    if name not in NAMES:
        raise KeyError(f"no queue script named {name!r}")
    lua = resources.files("jobqueue") / "lua"
    return (lua / "prelude.lua").read_text(encoding="utf-8") + "\n" + (lua / f"{name}.lua").read_text(encoding="utf-8")


def register(redis: aioredis.Redis) -> dict[str, AsyncScript]:
    """Every script registered on `redis` (run by EVALSHA, loaded into Redis on first use)."""
    return {name: redis.register_script(source(name)) for name in NAMES}
