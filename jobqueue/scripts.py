"""The queue's Lua scripts, read from `lua/*.lua` and registered on a Redis client.

Each script names its KEYS and ARGV as locals at its top; `prelude.lua` (the `owner` and `finish`
helpers) is prepended to every one. A script touches several keys, all under the queue's hash tag
(one slot), so it runs on one Redis or on Redis Cluster alike.
"""

from __future__ import annotations

import functools
from importlib import resources

from redis.commands.core import AsyncScript

from jobqueue.client import RedisClient

NAMES = ("enqueue", "announce", "start", "ack", "bury", "touch", "hand_back", "reclaim", "retire")


@functools.cache
def source(name: str) -> str:
    """The full text of script `name`: the prelude, then the script itself."""
    if name not in NAMES:
        raise KeyError(f"no queue script named {name!r}")
    lua = resources.files("jobqueue") / "lua"
    return (lua / "prelude.lua").read_text(encoding="utf-8") + "\n" + (lua / f"{name}.lua").read_text(encoding="utf-8")


def register(redis: RedisClient) -> dict[str, AsyncScript]:
    """Every script registered on `redis` (run by EVALSHA, loaded into Redis on first use)."""
    return {name: redis.register_script(source(name)) for name in NAMES}
