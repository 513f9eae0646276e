"""Real attacks against the real local jail: the host stays untouched and the bot keeps working."""

from __future__ import annotations

import errno
import os
import resource
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from agent.errors import SandboxLost, SandboxUnavailable
from agent.sandbox import procs
from agent.sandbox.local import LocalSandbox, LocalSandboxProvider

PROJECT_DIR = Path(__file__).resolve().parents[1]


@pytest.fixture
async def provider() -> AsyncIterator[LocalSandboxProvider]:
    local = LocalSandboxProvider()
    yield local
    await local.aclose()


@pytest.fixture
async def box(provider: LocalSandboxProvider) -> LocalSandbox:
    return await provider.create()


async def still_works(provider: LocalSandboxProvider) -> None:
    """The bot process can still start a sandbox and compute in it."""
    fresh = await provider.create()
    try:
        assert (await fresh.run("sum(range(10))", timeout=30)).main_text == "45"
    finally:
        await fresh.close()


async def test_network_egress_fails_by_ip_and_by_name(box: LocalSandbox, redis_url: str) -> None:
    port = int(redis_url.rsplit(":", 1)[1].split("/")[0])
    code = f"""
import socket
for target in [("1.1.1.1", 80), ("8.8.8.8", 53), ("127.0.0.1", {port})]:
    try:
        socket.create_connection(target, timeout=3)
        print("CONNECTED", target)
    except OSError as exc:
        print("blocked", target, type(exc).__name__)
try:
    socket.getaddrinfo("example.com", 443)
    print("RESOLVED")
except OSError as exc:
    print("no dns", type(exc).__name__)
"""
    out = (await box.run(code, timeout=30)).stdout
    assert "CONNECTED" not in out and "RESOLVED" not in out
    assert out.count("blocked") == 3 and "no dns" in out


async def test_secrets_in_the_parent_environment_are_invisible(
    provider: LocalSandboxProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = f"xoxb-secret-{uuid.uuid4().hex}"
    monkeypatch.setenv("SLACK_BOT_TOKEN", secret)
    monkeypatch.setenv("GROQ_API_KEY", secret)
    box = await provider.create()
    code = """
import os
print(sorted(os.environ))
for path in ("/proc/self/environ", "/proc/1/environ"):
    try:
        print(open(path, "rb").read())
    except OSError as exc:
        print(path, "unreadable", type(exc).__name__)
"""
    execution = await box.run(code, timeout=30)
    assert execution.error is None
    assert "HOME" in execution.stdout  # it really looked
    assert secret not in execution.stdout + execution.stderr
    assert "SLACK_BOT_TOKEN" not in execution.stdout and "GROQ_API_KEY" not in execution.stdout


async def test_no_process_of_the_jail_holds_the_bots_secrets(
    provider: LocalSandboxProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    """bwrap's own process is pid 1 in the jail; a kernel running as the bot's uid could read its environ."""
    secret = f"gsk-secret-{uuid.uuid4().hex}"
    monkeypatch.setenv("GROQ_API_KEY", secret)
    box = await provider.create()
    assert isinstance(box, LocalSandbox) and box.pid is not None
    tree = [box.pid, *(int(p) for p in Path(f"/proc/{box.pid}/task/{box.pid}/children").read_text().split())]
    environs = [Path(f"/proc/{pid}/environ").read_bytes() for pid in tree]
    assert environs and all(secret.encode() not in e and b"GROQ_API_KEY" not in e for e in environs)


@pytest.fixture
def canaries() -> Iterator[list[Path]]:
    token = uuid.uuid4().hex
    paths = [PROJECT_DIR / f".canary-{token}", Path.home() / f".canary-{token}"]
    for path in paths:
        path.write_text(f"CANARY-{token}")
    yield paths
    for path in paths:
        path.unlink(missing_ok=True)


async def test_host_files_cannot_be_read(box: LocalSandbox, canaries: list[Path]) -> None:
    targets = [*map(str, canaries), "/etc/shadow", str(PROJECT_DIR / "pyproject.toml")]
    code = f"""
for path in {targets!r}:
    try:
        print(open(path).read()[:200])
    except OSError as exc:
        print("denied", type(exc).__name__)
"""
    out = (await box.run(code, timeout=30)).stdout
    assert "CANARY" not in out and "[project]" not in out
    assert out.count("denied") == len(targets)


async def test_writes_outside_the_workdir_fail(box: LocalSandbox) -> None:
    name = f"escape-{uuid.uuid4().hex}"
    targets = [f"/usr/{name}", f"/etc/{name}", f"/home/user/data/{name}", f"{PROJECT_DIR}/{name}", f"/{name}"]
    code = f"""
for path in {targets!r}:
    try:
        open(path, "w").write("x")
        print("WROTE", path)
    except OSError as exc:
        print("refused", type(exc).__name__)
open("/home/user/ok.txt", "w").write("fine")
print(open("/home/user/ok.txt").read())
"""
    out = (await box.run(code, timeout=30)).stdout
    assert "WROTE" not in out and out.count("refused") == len(targets)
    assert "fine" in out
    assert not any(Path(p).exists() for p in (f"/usr/{name}", f"/etc/{name}", f"{PROJECT_DIR}/{name}", f"/{name}"))


async def test_a_memory_bomb_ends_in_memory_error(box: LocalSandbox, provider: LocalSandboxProvider) -> None:
    execution = await box.run("hog = bytearray(16 * 1024**3)", timeout=30)
    assert execution.error is not None and execution.error.name == "MemoryError"
    try:
        grown = await box.run("hog = []\nwhile True:\n    hog.append(bytearray(50 * 1024**2))", timeout=60)
        assert grown.error is not None and grown.error.name == "MemoryError"
        await box.run("hog = None", timeout=30)
    except SandboxLost:
        pass  # the kernel being killed is an acceptable end too
    await still_works(provider)


async def test_a_fork_bomb_is_contained_and_gone_after_the_time_limit(
    box: LocalSandbox, provider: LocalSandboxProvider
) -> None:
    bomb = "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass"
    assert box.pid is not None
    try:
        execution = await box.run(bomb, timeout=3)
        assert execution.error is not None and execution.error.name == "TimeoutError"
        # Only the jail's init and the kernel are left.
        assert len(procs.descendants(box.pid)) <= 2
        assert (await box.run("'alive'", timeout=30)).main_text == "'alive'"
    except SandboxLost:
        assert procs.descendants(box.pid) == []
    await still_works(provider)


@pytest.mark.parametrize("code", ["while True:\n    pass", "import time\ntime.sleep(3600)"])
async def test_cpu_loops_and_sleeps_are_interrupted_at_the_timeout(box: LocalSandbox, code: str) -> None:
    await box.run("before = 1", timeout=30)
    execution = await box.run(code, timeout=2)
    assert execution.error is not None and execution.error.name == "TimeoutError"
    assert "2 s" in execution.error.value
    assert (await box.run("before + 1", timeout=30)).main_text == "2"


@pytest.mark.parametrize(
    "code",
    [
        "for _ in range(1_000_000):\n    print('x' * 1000)",
        "import os\nchunk = b'y' * 1_000_000\nfor _ in range(1000):\n    os.write(1, chunk)",
    ],
    ids=["print", "raw-fd"],
)
async def test_a_gigabyte_of_output_is_capped_without_blowing_up_the_parent(box: LocalSandbox, code: str) -> None:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    execution = await box.run(code, timeout=120)
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert execution.truncated
    assert len(execution.stdout) <= (1 << 20) + 2048
    assert "output truncated" in execution.stdout
    assert grown_mb < 200, f"the bot process grew by {grown_mb:.0f} MB"
    assert (await box.run("'ok'", timeout=30)).main_text == "'ok'"


async def test_a_disk_filling_loop_is_stopped_by_the_size_cap(box: LocalSandbox) -> None:
    code = """
import errno
written = 0
try:
    with open("/home/user/fill.bin", "wb") as f:
        while True:
            f.write(b"z" * (1 << 20))
            written += 1
except OSError as exc:
    print("stopped", errno.errorcode.get(exc.errno), written)
import os
os.remove("/home/user/fill.bin")
"""
    execution = await box.run(code, timeout=60)
    assert execution.error is None, execution.error
    assert "stopped" in execution.stdout
    assert int(execution.stdout.split()[-1]) <= 256


async def test_a_segfault_is_reported_as_lost_and_a_fresh_sandbox_works(
    box: LocalSandbox, provider: LocalSandboxProvider
) -> None:
    with pytest.raises(SandboxLost):
        await box.run("import ctypes\nctypes.string_at(0)", timeout=30)
    assert not await box.is_alive()
    with pytest.raises(SandboxLost):
        await provider.connect(box.sandbox_id)
    await still_works(provider)


@pytest.fixture
async def same_uid_pair(
    provider: LocalSandboxProvider, monkeypatch: pytest.MonkeyPatch
) -> tuple[LocalSandbox, LocalSandbox]:
    """Two sandboxes whose kernels run as one uid, so only the jail's namespaces keep them apart.

    That is every deployment where the bot is not root: its sandboxes all run as its own uid. As root the
    provider gives each sandbox a uid of its own, so here both are handed the same (unprivileged) one.
    """
    if os.geteuid() == 0:
        shared = provider._pick_uid()
        monkeypatch.setattr(provider, "_pick_uid", lambda: shared)
    return await provider.create(), await provider.create()


def bind_sources(bwrap_pid: int) -> set[str]:
    """The host paths a jail has bound in, read from its bwrap command line."""
    argv = Path(f"/proc/{bwrap_pid}/cmdline").read_bytes().decode().split("\0")
    return {argv[i + 1] for i, arg in enumerate(argv[:-1]) if arg in ("--bind", "--ro-bind")}


async def test_two_sandboxes_cannot_see_each_others_files_or_processes(
    same_uid_pair: tuple[LocalSandbox, LocalSandbox],
) -> None:
    first, second = same_uid_pair
    whoami = "import os\nos.getuid()"
    assert (await first.run(whoami, timeout=30)).main_text == (await second.run(whoami, timeout=30)).main_text != "0"
    await first.upload("private.csv", b"a\n1\n")
    await first.run("open('/home/user/note.txt', 'w').write('mine')\nimport time", timeout=30)
    code = """
import os
print(os.path.exists('/home/user/data/private.csv'), os.path.exists('/home/user/note.txt'))
print(len([p for p in os.listdir('/proc') if p.isdigit()]))
"""
    out = (await second.run(code, timeout=30)).stdout.split("\n")
    assert out[0] == "False False"
    assert int(out[1]) <= 3  # its own init and kernel (and maybe a transient helper)

    # Not even knowing where they are on the host helps: the first's workspace and kernel sockets (with the
    # key that signs its messages) are not mounted in the second, and its processes are in another pid space.
    assert first.pid is not None and second.pid is not None
    private = sorted(bind_sources(first.pid) - bind_sources(second.pid))
    assert private and all(Path(path).exists() for path in private)
    pids = [first.pid, *(pid for pid, _ in procs.descendants(first.pid))]
    probe = f"""
import os
for path in {private!r}:
    try:
        os.stat(path)
        print("SEEN", path)
    except FileNotFoundError:  # not merely unreadable: not there at all
        print("absent", path)
for pid in {pids!r}:
    try:
        os.kill(pid, 0)
        print("SIGNALLED", pid)
    except ProcessLookupError:
        print("no such process", pid)
"""
    out = "\n".join((await second.run(probe, timeout=30)).stdout.splitlines())
    assert out.count("absent") == len(private) and out.count("no such process") == len(pids), out
    assert (await first.run("'untouched'", timeout=30)).main_text == "'untouched'"


async def test_two_sandboxes_sharing_a_uid_share_no_ipc_objects(
    same_uid_pair: tuple[LocalSandbox, LocalSandbox],
) -> None:
    first, second = same_uid_pair
    # A System V segment is found by its key alone, so without a private IPC namespace the second would
    # attach to the first's memory; any key will do, since nothing else lives in a fresh namespace.
    key = 0x5EED
    shmget = "import ctypes\nshmget = ctypes.CDLL(None, use_errno=True).shmget\n"
    created = await first.run(shmget + f"shmget({key}, 4096, 0o1000 | 0o600)", timeout=30)  # IPC_CREAT
    assert int(created.main_text or "-1") >= 0, created
    looked_up = await second.run(shmget + f"shmget({key}, 0, 0), ctypes.get_errno()", timeout=30)
    assert looked_up.main_text == f"(-1, {errno.ENOENT})"


async def test_as_root_each_sandbox_runs_as_a_uid_of_its_own(provider: LocalSandboxProvider) -> None:
    if os.geteuid() != 0:
        pytest.skip(
            "only root can start each sandbox as a uid of its own (setpriv --reuid); a non-root bot's "
            "sandboxes all share its uid, and what keeps them apart then is tested with same_uid_pair"
        )
    first, second = await provider.create(), await provider.create()
    assert first.uid is not None and second.uid is not None and first.uid != second.uid
    code = (
        "import os\nopen('/home/user/mine', 'w').close()\nos.getuid(), os.geteuid(), os.stat('/home/user/mine').st_uid"
    )
    for box in (first, second):
        assert (await box.run(code, timeout=30)).main_text == repr((box.uid,) * 3)


async def test_no_process_outlives_close(box: LocalSandbox) -> None:
    await box.run("import os\nif os.fork() == 0:\n    import time\n    time.sleep(3600)", timeout=30)
    assert box.pid is not None
    inside = procs.descendants(box.pid)
    assert inside
    await box.close()
    assert not any(procs.alive(p) for p in inside)


async def test_missing_bubblewrap_is_explained(tmp_path: Path) -> None:
    provider = LocalSandboxProvider(tool_path=str(tmp_path))
    with pytest.raises(SandboxUnavailable, match="apt-get install bubblewrap"):
        await provider.create()
