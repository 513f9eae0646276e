"""REDIS_URL with a password, over TLS and over a unix socket, against real redis-servers; doctor's warning."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from agent.errors import ConfigError
from bot.config import Settings
from bot.doctor import check_redis, unauthenticated_remote
from bot.redis_connect import parse_cluster_url
from tests.bot_helpers import CHANNEL, bot_settings, events_url, running_bot
from tests.conftest import free_port
from tests.fakes.groq_server import FakeGroq
from tests.fakes.slack import FakeSlack
from tests.test_slack_e2e import share_sales, wait_card

PASSWORD = "s3cret-for-the-test"


def start_redis(workdir: Path, *args: str, ready_url: str) -> subprocess.Popen[bytes]:
    exe = shutil.which("redis-server")
    assert exe, "redis-server is not installed; run scripts/bootstrap"
    proc = subprocess.Popen(
        [exe, "--dir", str(workdir), "--save", "", "--appendonly", "no", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            if redis.Redis.from_url(ready_url, socket_connect_timeout=0.3).ping():
                return proc
        except (redis.RedisError, OSError):
            time.sleep(0.05)
    proc.kill()
    pytest.fail("the test's redis-server did not start")


@pytest.fixture
def password_redis(tmp_path: Path) -> Iterator[int]:
    port = free_port()
    proc = start_redis(
        tmp_path,
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--requirepass",
        PASSWORD,
        ready_url=f"redis://:{PASSWORD}@127.0.0.1:{port}/0",
    )
    yield port
    proc.terminate()
    proc.wait(timeout=10)


def settings_for(url: str, tmp_path: Path) -> Settings:
    return Settings.from_env({"REDIS_URL": url, "DATA_DIR": str(tmp_path)})


async def test_the_bot_works_on_a_redis_that_requires_a_password(
    password_redis: int, fake_slack: FakeSlack, fake_groq: FakeGroq, namespace: str, tmp_path: Path
) -> None:
    with pytest.raises(redis.AuthenticationError):
        redis.Redis(host="127.0.0.1", port=password_redis).ping()
    url = f"redis://:{PASSWORD}@127.0.0.1:{password_redis}/0"
    settings = bot_settings(fake_slack, fake_groq, url, tmp_path)
    async with running_bot(settings, namespace) as bot:
        file_ts = await share_sales(fake_slack, events_url(bot))
        card = await wait_card(fake_slack, CHANNEL, file_ts)
    assert "sales.csv" in card
    client = redis.Redis.from_url(url)
    assert client.keys(f"{namespace}:*")  # the dataset went to the password-protected server
    client.close()


async def test_a_wrong_password_is_a_clear_doctor_problem_not_a_warning(password_redis: int, tmp_path: Path) -> None:
    from bot.doctor import Problem

    with pytest.raises(Problem, match="cannot reach Redis"):
        await check_redis(settings_for(f"redis://:wrong@127.0.0.1:{password_redis}/0", tmp_path))
    detail = await check_redis(settings_for(f"redis://:{PASSWORD}@127.0.0.1:{password_redis}/0", tmp_path))
    assert detail.startswith("Redis 7.") and "warning" not in detail


async def test_a_unix_socket_url_is_accepted(tmp_path: Path) -> None:
    sock = tmp_path / "r.sock"
    url = f"unix://{sock}?db=0"
    proc = start_redis(tmp_path, "--port", "0", "--unixsocket", str(sock), "--unixsocketperm", "700", ready_url=url)
    try:
        detail = await check_redis(settings_for(url, tmp_path))
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert detail.startswith("Redis 7.") and "(REDIS_URL)" in detail and "warning" not in detail


def make_certs(directory: Path) -> tuple[Path, Path, Path]:
    """A throw-away CA and a server certificate for 127.0.0.1, made with the openssl tool."""
    if shutil.which("openssl") is None:
        pytest.fail("openssl is not installed; run scripts/bootstrap")
    ca_key, ca, key, csr, cert = (directory / n for n in ("ca.key", "ca.crt", "server.key", "server.csr", "server.crt"))
    ext = directory / "san.ext"
    ext.write_text("subjectAltName=IP:127.0.0.1\n")

    def run(*args: str) -> None:
        subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=60)

    run(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        str(ca_key),
        "-out",
        str(ca),
        "-days",
        "1",
        "-subj",
        "/CN=test-ca",
    )
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(csr), "-subj", "/CN=127.0.0.1")
    run(
        "x509", "-req", "-in", str(csr), "-CA", str(ca), "-CAkey", str(ca_key), "-CAcreateserial",
        "-out", str(cert), "-days", "1", "-extfile", str(ext),
    )  # fmt: skip
    return ca, cert, key


async def test_a_rediss_url_talks_tls_to_a_password_protected_server(tmp_path: Path) -> None:
    ca, cert, key = make_certs(tmp_path)
    port = free_port()
    url = f"rediss://:{PASSWORD}@127.0.0.1:{port}/0?ssl_ca_certs={ca}"
    tls = ["--tls-port", str(port), "--port", "0", "--tls-cert-file", str(cert), "--tls-key-file", str(key)]
    tls += ["--tls-ca-cert-file", str(ca), "--tls-auth-clients", "no", "--requirepass", PASSWORD]
    proc = start_redis(tmp_path, *tls, "--bind", "127.0.0.1", ready_url=url)
    try:
        with pytest.raises(redis.ConnectionError):  # plain text is refused on the TLS port
            redis.Redis(host="127.0.0.1", port=port, password=PASSWORD, socket_timeout=2).ping()
        detail = await check_redis(settings_for(url, tmp_path))
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert detail.startswith("Redis 7.") and "(REDIS_URL)" in detail and "warning" not in detail


async def test_doctor_warns_about_a_redis_off_this_machine_that_needs_no_password(
    redis_url: str, tmp_path: Path
) -> None:
    # 0.0.0.0 reaches this machine's test server but is not a loopback address, as a remote host would not be.
    port = redis_url.rsplit(":", 1)[1].split("/")[0]
    detail = await check_redis(settings_for(f"redis://0.0.0.0:{port}/0", tmp_path))
    assert f"⚠ warning: Redis at 0.0.0.0:{port} answered without a password" in detail
    assert "warning" not in await check_redis(settings_for(redis_url, tmp_path))


@pytest.mark.parametrize(
    ("url", "flagged"),
    [
        ("redis://redis.internal:6379/0", "redis.internal:6379"),
        ("rediss://10.0.0.5:6380/0", "10.0.0.5:6380"),
        ("redis://:pw@redis.internal:6379/0", None),
        ("redis://default:pw@10.0.0.5/0", None),
        ("redis://10.0.0.5/0?password=pw", None),
        ("redis://127.0.0.1:6379/0", None),
        ("redis://localhost/0", None),
        ("redis://[::1]:6379/0", None),
        ("unix:///var/run/redis.sock", None),
        ("redis+cluster://127.0.0.1:7000,10.0.0.7:7001", "10.0.0.7:7001"),
        ("redis+cluster://:pw@10.0.0.7:7000,10.0.0.8:7001", None),
        ("redis+cluster://127.0.0.1:7000,[::1]:7001", None),
    ],
)
def test_only_a_remote_redis_without_a_password_is_flagged(url: str, flagged: str | None) -> None:
    assert unauthenticated_remote(url) == flagged


def test_the_redis_password_is_kept_out_of_repr_and_redacted_from_logs(tmp_path: Path) -> None:
    settings = settings_for(f"redis://:{PASSWORD}@127.0.0.1:1/0", tmp_path)
    assert PASSWORD not in repr(settings)
    assert PASSWORD in settings.secrets


def test_a_cluster_url_names_its_seed_nodes_and_password_and_a_bad_node_is_refused() -> None:
    address = parse_cluster_url("rediss+cluster://:p%40ss@10.0.0.7:7000,10.0.0.8:7001")
    assert address.nodes == (("10.0.0.7", 7000), ("10.0.0.8", 7001))
    assert (address.password, address.tls) == ("p@ss", True)
    assert "s3cret" in Settings.from_env({"REDIS_URL": "redis+cluster://:s3cret@10.0.0.7:7000,h:1"}).secrets
    with pytest.raises(ConfigError, match="host:port"):
        parse_cluster_url("redis+cluster://10.0.0.7")
