"""Shared fixtures: a real Redis, a clean environment, and the wire fakes' fixtures."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator

import pytest

# The SDKs honour HTTPS_PROXY and ignore NO_PROXY; a proxy would swallow calls meant for our fakes.
for _var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
    os.environ.pop(_var, None)
# Silence jupyter's platformdirs migration warning (warnings are errors in this suite).
os.environ.setdefault("JUPYTER_PLATFORM_DIRS", "1")

pytest_plugins = [
    "tests.jobs_helpers",
    "tests.cluster_helpers",
    "tests.fault_helpers",
    "tests.fakes.e2b.fixture",
    "tests.fakes.groq_fixture",
    "tests.fakes.slack.fixture",
    "tests.s3_helpers",
]


_real_connect = socket.socket.connect


def _loopback_only(self: socket.socket, address: object) -> None:
    """Tests talk to local fakes only; a connection anywhere else is a bug (or a leak) to surface."""
    if self.family in (socket.AF_INET, socket.AF_INET6) and isinstance(address, tuple):
        host = str(address[0])
        if not (host.startswith("127.") or host in ("::1", "localhost", "0.0.0.0")):
            raise ConnectionRefusedError(f"tests may only connect to loopback, not {host}")
    _real_connect(self, address)  # type: ignore[arg-type]


@pytest.fixture(autouse=True, scope="session")
def block_the_internet() -> Iterator[None]:
    socket.socket.connect = _loopback_only  # type: ignore[method-assign]
    yield
    socket.socket.connect = _real_connect  # type: ignore[method-assign]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """`REDIS_URL` when set, else a private redis-server for this test session."""
    if url := os.environ.get("REDIS_URL"):
        yield url
        return
    exe = shutil.which("redis-server")
    if exe is None:
        pytest.fail("redis-server is not installed; run scripts/bootstrap (or apt-get install redis-server)")
    workdir = tempfile.mkdtemp(prefix="dataagent-redis-")
    port = free_port()
    proc = subprocess.Popen(
        [
            exe,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--dir",
            workdir,
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
        except OSError:
            time.sleep(0.05)
    else:
        proc.kill()
        pytest.fail("the private redis-server did not start")
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture
def namespace() -> str:
    """A Redis key prefix private to one test, so tests never see each other's keys."""
    return f"test-{uuid.uuid4().hex[:12]}"
