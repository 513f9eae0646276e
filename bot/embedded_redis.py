"""A private redis-server for when no REDIS_URL is configured, reachable by this user only.

It listens on a unix socket in DATA_DIR/redis (the directory and the socket 0700) with TCP off
(`port 0`), so no other local user and no network peer can reach it. A socket path is limited to
about 100 bytes; under a DATA_DIR too deep for one it listens on loopback TCP instead, behind a
generated password kept in `redis.conf` (0600; never on the command line, where `ps` shows it).
It persists under DATA_DIR (append-only file), so datasets and memory survive a bot restart.
Several bot processes sharing one DATA_DIR share one server: the first starts it, the others
find it by its socket (or `redis.port`) and connect.
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import quote

import redis

from agent.errors import ConfigError

log = logging.getLogger(__name__)

SOCKET_NAME = "redis.sock"
# sun_path is 108 bytes on Linux (104 on macOS), the terminating NUL included.
_MAX_SOCKET_PATH = 100


def _reachable(url: str) -> bool:
    try:
        conn = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.3)
        try:
            return bool(conn.ping())
        finally:
            conn.close()
    except (redis.RedisError, OSError):
        return False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _private_file(path: Path, text: str) -> None:
    """Write `text` readable by this user only, from the first byte."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.chmod(path, 0o600)


def _existing(directory: Path) -> str | None:
    """The URL of a server this DATA_DIR already runs, if it answers."""
    sock = directory / SOCKET_NAME
    if sock.exists() and _reachable(url := f"unix://{sock}?db=0"):
        return url
    port_file, pass_file = directory / "redis.port", directory / "redis.pass"
    if port_file.exists() and pass_file.exists():
        port = int(port_file.read_text().strip() or 0)
        url = f"redis://:{quote(pass_file.read_text().strip(), safe='')}@127.0.0.1:{port}/0"
        if port and _reachable(url):
            return url
    return None


def _retire_open_server(directory: Path) -> None:
    """Shut down a server an older version left on a password-less TCP port, so its data moves over."""
    port_file = directory / "redis.port"
    if not port_file.exists() or (directory / "redis.pass").exists():
        return
    port = int(port_file.read_text().strip() or 0)
    if port and _reachable(f"redis://127.0.0.1:{port}/0"):
        conn = redis.Redis(host="127.0.0.1", port=port, socket_timeout=5)
        try:
            conn.shutdown(save=False)  # the append-only file holds everything; the new server reads it
        except redis.ConnectionError:
            pass  # the server closes the connection as it exits
        finally:
            conn.close()
        log.info("embedded_redis_retired_open_port port=%d", port)
    port_file.unlink(missing_ok=True)


def _config(directory: Path) -> tuple[str, str]:
    """The server's configuration, and the URL it will answer on."""
    common = [
        f'dir "{directory}"',
        "appendonly yes",
        'save ""',
        "daemonize yes",
        f'pidfile "{directory / "redis.pid"}"',
        f'logfile "{directory / "redis.log"}"',
    ]
    sock = directory / SOCKET_NAME
    if len(str(sock)) <= _MAX_SOCKET_PATH:
        lines = ["port 0", f'unixsocket "{sock}"', "unixsocketperm 700", *common]
        return "\n".join(lines) + "\n", f"unix://{sock}?db=0"
    password = secrets.token_urlsafe(32)
    port = _free_port()
    _private_file(directory / "redis.pass", password)
    (directory / "redis.port").write_text(str(port))
    lines = [f"port {port}", "bind 127.0.0.1", "protected-mode yes", f'requirepass "{password}"', *common]
    return "\n".join(lines) + "\n", f"redis://:{quote(password, safe='')}@127.0.0.1:{port}/0"


def ensure_redis(data_dir: Path, timeout_s: float = 15.0) -> str:
    """Return the URL of the private Redis under `data_dir`, starting it if needed."""
    directory = (data_dir / "redis").resolve()
    directory.mkdir(parents=True, exist_ok=True)
    os.chmod(directory, 0o700)
    if url := _existing(directory):
        return url
    exe = shutil.which("redis-server")
    if exe is None:
        raise ConfigError(
            "No REDIS_URL is set and redis-server is not installed. "
            "Install it (sudo apt-get install redis-server) or set REDIS_URL."
        )
    _retire_open_server(directory)
    text, url = _config(directory)
    conf = directory / "redis.conf"
    _private_file(conf, text)
    subprocess.Popen([exe, str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).wait(timeout=timeout_s)
    deadline = time.monotonic() + timeout_s
    while not _reachable(url):
        if time.monotonic() > deadline:
            raise ConfigError(f"The private redis-server did not start; see {directory / 'redis.log'}.")
        time.sleep(0.05)
    log.info("embedded_redis_started dir=%s unix_socket=%s", directory, url.startswith("unix:"))
    return url
