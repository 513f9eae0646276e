"""A private redis-server for when no REDIS_URL is configured.

It persists under DATA_DIR (append-only file), so datasets and memory survive a bot restart.
Several bot processes sharing one DATA_DIR share one server: the first starts it, the others
find its port in `redis.port` and connect.
"""

from __future__ import annotations

import logging
import shutil
import socket
import subprocess
import time
from pathlib import Path

from agent.errors import ConfigError

log = logging.getLogger(__name__)


def _reachable(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.3) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def ensure_redis(data_dir: Path, timeout_s: float = 15.0) -> str:
    """Return the URL of the private Redis under `data_dir`, starting it if needed."""
    directory = (data_dir / "redis").resolve()
    directory.mkdir(parents=True, exist_ok=True)
    port_file = directory / "redis.port"
    if port_file.exists():
        port = int(port_file.read_text().strip() or 0)
        if port and _reachable(port):
            return f"redis://127.0.0.1:{port}/0"
    exe = shutil.which("redis-server")
    if exe is None:
        raise ConfigError(
            "No REDIS_URL is set and redis-server is not installed. "
            "Install it (sudo apt-get install redis-server) or set REDIS_URL."
        )
    port = _free_port()
    subprocess.Popen(
        [
            exe,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(directory),
            "--appendonly",
            "yes",
            "--save",
            "",
            "--daemonize",
            "yes",
            "--pidfile",
            str(directory / "redis.pid"),
            "--logfile",
            str(directory / "redis.log"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    ).wait(timeout=timeout_s)
    deadline = time.monotonic() + timeout_s
    while not _reachable(port):
        if time.monotonic() > deadline:
            raise ConfigError(f"The private redis-server did not start; see {directory / 'redis.log'}.")
        time.sleep(0.05)
    port_file.write_text(str(port))
    log.info("embedded_redis_started port=%d dir=%s", port, directory)
    return f"redis://127.0.0.1:{port}/0"
