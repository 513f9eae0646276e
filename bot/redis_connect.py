"""Connecting to the Redis that `REDIS_URL` names: one server, or a Redis Cluster.

A cluster is written `redis+cluster://[:password@]host:port[,host:port…]` (`rediss+cluster://` for TLS):
the hosts are seed nodes, the client learns the rest of the cluster from them.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote, urlparse

import redis.asyncio as aioredis
from redis.asyncio.cluster import ClusterNode, RedisCluster

from agent.errors import ConfigError
from agent.redis_client import RedisClient

CLUSTER_SCHEMES = {"redis+cluster": False, "rediss+cluster": True}  # scheme → TLS


@dataclass(frozen=True)
class ClusterAddress:
    """What a `redis+cluster://` URL says."""

    nodes: tuple[tuple[str, int], ...]
    password: str | None
    username: str | None
    tls: bool


def is_cluster_url(url: str) -> bool:
    return url.split("://", 1)[0].lower() in CLUSTER_SCHEMES


def parse_cluster_url(url: str) -> ClusterAddress:
    """The seed nodes and credentials of a cluster URL; ConfigError names what is wrong."""
    scheme, _, rest = url.partition("://")
    netloc = rest.split("/", 1)[0].split("?", 1)[0]
    creds, _, hosts = netloc.rpartition("@")
    nodes = []
    for item in filter(None, hosts.split(",")):
        host, _, port = item.rpartition(":")
        if not host or not port.isdigit():
            raise ConfigError(f"REDIS_URL names a cluster node {item!r} without host:port.")
        nodes.append((host.strip("[]"), int(port)))
    if not nodes:
        raise ConfigError("REDIS_URL names a cluster but no node (redis+cluster://host:port,host:port).")
    # urlparse reads the credentials the way it does for one server (user:password@).
    parsed = urlparse(f"redis://{creds}@x") if creds else None
    return ClusterAddress(
        tuple(nodes),
        unquote(parsed.password) if parsed and parsed.password else None,
        unquote(parsed.username) if parsed and parsed.username else None,
        CLUSTER_SCHEMES[scheme.lower()],
    )


def connect(url: str, *, socket_timeout: float, socket_connect_timeout: float) -> RedisClient:
    """A client for `url`: `RedisCluster` for a cluster URL, else redis-py's `from_url`."""
    if is_cluster_url(url):
        return connect_cluster(url, socket_timeout=socket_timeout, socket_connect_timeout=socket_connect_timeout)
    return aioredis.from_url(url, socket_timeout=socket_timeout, socket_connect_timeout=socket_connect_timeout)


def connect_cluster(url: str, *, socket_timeout: float, socket_connect_timeout: float) -> RedisCluster:
    address = parse_cluster_url(url)
    return RedisCluster(
        startup_nodes=[ClusterNode(host, port) for host, port in address.nodes],
        password=address.password,
        username=address.username,
        ssl=address.tls,
        socket_timeout=socket_timeout,
        socket_connect_timeout=socket_connect_timeout,
    )
