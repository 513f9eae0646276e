"""The Redis client type the engine takes: one Redis, or Redis Cluster.

Every multi-key operation of the engine stays in one hash slot (see `agent.store`), so both work alike.
"""

from __future__ import annotations

from typing import TypeAlias

import redis.asyncio as aioredis
from redis.asyncio.cluster import RedisCluster

RedisClient: TypeAlias = aioredis.Redis | RedisCluster
