"""A real Redis Cluster for tests: three masters with one replica each, `redis-server` processes on loopback.

Loaded as a pytest plugin from tests/conftest.py; `redis_cluster` starts once per session, on first use.
"""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import redis

MASTERS = 3
NODE_TIMEOUT_MS = 1500  # how long a silent master has before its replica takes over


@dataclass
class Cluster:
    """The running cluster: its nodes by port, and the URL the bot takes."""

    ports: list[int]
    procs: dict[int, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return "redis+cluster://" + ",".join(f"127.0.0.1:{p}" for p in self.ports)

    def masters(self) -> list[int]:
        """Ports of the nodes that are masters now (a failover changes them)."""
        out = []
        for port in self.ports:
            if self.procs[port].poll() is not None:
                continue
            with redis.Redis(port=port, socket_timeout=2) as node:
                if node.info("replication")["role"] == "master":
                    out.append(port)
        return out

    def kill(self, port: int) -> None:
        self.procs[port].send_signal(signal.SIGKILL)
        self.procs[port].wait(timeout=10)

    def state(self, port: int) -> str:
        with redis.Redis(port=port, socket_timeout=2) as node:
            return str(node.execute_command("CLUSTER INFO")["cluster_state"])


def _free_ports(n: int) -> list[int]:
    # Cluster nodes also listen on port + 10000 (the bus): pick ports whose bus port is free too.
    ports: list[int] = []
    while len(ports) < n:
        with socket.socket() as a:
            a.bind(("127.0.0.1", 0))
            port = int(a.getsockname()[1])
        if port + 10000 > 65535 or port in ports:
            continue
        with socket.socket() as b:
            try:
                b.bind(("127.0.0.1", port + 10000))
            except OSError:
                continue
        ports.append(port)
    return ports


def wait_ok(cluster: Cluster, deadline_s: float) -> None:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        try:
            if all(cluster.state(p) == "ok" for p in cluster.ports if cluster.procs[p].poll() is None):
                return
        except (redis.RedisError, KeyError):
            pass
        time.sleep(0.2)
    raise AssertionError("the Redis Cluster did not reach cluster_state:ok")


@contextmanager
def started_cluster() -> Iterator[Cluster]:
    """Six `redis-server`s (three masters, one replica each) joined by `redis-cli --cluster create`."""
    exe, cli = shutil.which("redis-server"), shutil.which("redis-cli")
    if exe is None or cli is None:
        pytest.skip("redis-server is not installed; run scripts/bootstrap")
    root = Path(tempfile.mkdtemp(prefix="dataagent-cluster-"))
    cluster = Cluster(_free_ports(MASTERS * 2))
    try:
        for port in cluster.ports:
            workdir = root / str(port)
            workdir.mkdir()
            cluster.procs[port] = subprocess.Popen(
                [exe, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(workdir), "--save", "",
                 "--appendonly", "no", "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                 "--cluster-node-timeout", str(NODE_TIMEOUT_MS)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )  # fmt: skip
        for port in cluster.ports:
            _wait_listening(port)
        nodes = [f"127.0.0.1:{p}" for p in cluster.ports]
        subprocess.run(
            [cli, "--cluster", "create", *nodes, "--cluster-replicas", "1", "--cluster-yes"],
            check=True,
            stdout=subprocess.DEVNULL,
            timeout=60,
        )
        wait_ok(cluster, 30)
        yield cluster
    finally:
        for proc in cluster.procs.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in cluster.procs.values():
            proc.wait(timeout=10)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def redis_cluster() -> Iterator[Cluster]:
    """One cluster for the session; tests that kill nodes take `own_cluster` instead."""
    with started_cluster() as cluster:
        yield cluster


@pytest.fixture
def own_cluster() -> Iterator[Cluster]:
    with started_cluster() as cluster:
        yield cluster


def _wait_listening(port: int) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"redis-server on port {port} did not start")
