"""Real attacks on the kernel interfaces, sockets and memory of the real local jail (issue 13)."""

from __future__ import annotations

import os
import platform
import socket
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from agent.errors import SandboxLost
from agent.sandbox import cgroups, jail, procs
from agent.sandbox import workspace as ws
from agent.sandbox.local import LocalSandbox, LocalSandboxProvider


@pytest.fixture
async def provider() -> AsyncIterator[LocalSandboxProvider]:
    local = LocalSandboxProvider()
    yield local
    await local.aclose()


@pytest.fixture
async def box(provider: LocalSandboxProvider) -> LocalSandbox:
    return await provider.create()


async def still_works(provider: LocalSandboxProvider) -> None:
    fresh = await provider.create()
    try:
        assert (await fresh.run("sum(range(10))", timeout=30)).main_text == "45"
    finally:
        await fresh.close()


# x86_64 numbers from asm/unistd_64.h, written out here rather than taken from agent/sandbox/seccomp.py so
# that a wrong number there shows up as a call that is not refused. Arguments are chosen so that each call
# would succeed, or fail with another errno than EPERM, if the filter did not stop it.
X86_64_PROBES: dict[str, tuple[int, str]] = {
    "unshare": (272, "0x10000000"),  # CLONE_NEWUSER
    "setns": (308, "-1, 0"),
    "mount": (165, "0, 0, 0, 0, 0"),
    "umount2": (166, "path('/'), 0xFFFF"),
    "pivot_root": (155, "path('/'), path('/')"),
    "open_tree": (428, "-100, path('/'), 0"),
    "fsopen": (430, "path('tmpfs'), 0"),
    "move_mount": (429, "-1, 0, -1, 0, 0"),
    "fsmount": (432, "-1, 0, 0"),
    "io_uring_setup": (425, "1, 0"),
    "io_uring_enter": (426, "-1, 0, 0, 0, 0, 0"),
    "keyctl": (250, "0, -3, 0"),  # KEYCTL_GET_KEYRING_ID of the session keyring
    "add_key": (248, "path('user'), path('k'), path('v'), 1, -3"),
    "request_key": (249, "path('user'), path('k'), 0, 0"),
    "bpf": (321, "0, 0, 0"),
    "userfaultfd": (323, "0"),
    "memfd_create": (319, "path('x'), 0"),
    "ptrace": (101, "0, 0, 0, 0"),  # PTRACE_TRACEME
    "process_vm_readv": (310, "os.getpid(), 0, 0, 0, 0, 0"),
    "process_vm_writev": (311, "os.getpid(), 0, 0, 0, 0, 0"),
    "perf_event_open": (298, "0, 0, -1, -1, 0"),
    "kexec_load": (246, "0, 0, 0, 0"),
    "init_module": (175, "0, 0, 0"),
    "finit_module": (313, "-1, 0, 0"),
    "delete_module": (176, "path('x'), 0"),
    "x32 getpid": (0x40000000 | 39, ""),
}

PROBE_PRELUDE = """
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
keep = []
def path(text):
    keep.append(ctypes.create_string_buffer(text.encode()))
    return ctypes.addressof(keep[-1])
def call(nr, *args):
    ctypes.set_errno(0)
    result = libc.syscall(ctypes.c_long(nr), *(ctypes.c_long(a) for a in args))
    if result == 0 and nr == 56:
        os._exit(0)  # a child that should never have been cloned
    return ctypes.get_errno() if result == -1 else f"returned {result}"
"""


@pytest.mark.skipif(platform.machine() != "x86_64", reason="the probe's syscall numbers are x86_64's")
async def test_seccomp_refuses_each_dangerous_syscall_inside_the_jail(box: LocalSandbox) -> None:
    lines = [f"print({name!r}, call({nr}, {args}))" for name, (nr, args) in X86_64_PROBES.items()]
    # clone asking for a new user namespace, and clone3 (which glibc must see as absent to fall back to clone).
    lines += ["print('clone', call(56, 0x10000000 | 17, 0, 0, 0, 0))", "print('clone3', call(435, 0, 0))"]
    execution = await box.run(PROBE_PRELUDE + "\n".join(lines), timeout=60)
    assert execution.error is None, execution.error
    seen = dict(line.rsplit(" ", 1) for line in execution.stdout.splitlines())
    expected = dict.fromkeys([*X86_64_PROBES, "clone"], "1") | {"clone3": "38"}  # EPERM, ENOSYS
    assert seen == expected


async def test_no_nested_user_namespace_or_mount_from_inside_the_jail(box: LocalSandbox) -> None:
    code = """
import subprocess
nested_mount = ["unshare", "-Urm", "sh", "-c", "mount -t tmpfs none /tmp && echo MOUNTED"]
for argv in (["unshare", "-Ur", "id", "-u"], nested_mount):
    done = subprocess.run(argv, capture_output=True, text=True)
    print(done.returncode, done.stdout.strip() or "-", done.stderr.strip()[:80])
"""
    execution = await box.run(code, timeout=60)
    assert execution.error is None, execution.error
    lines = execution.stdout.splitlines()
    assert len(lines) == 2 and all(line.split()[0] != "0" for line in lines), lines
    assert "MOUNTED" not in execution.stdout and "Operation not permitted" in execution.stdout


async def test_threads_fork_and_subprocesses_still_work_under_the_filter(box: LocalSandbox) -> None:
    code = """
import os, subprocess, threading
from concurrent.futures import ThreadPoolExecutor
with ThreadPoolExecutor(4) as pool:
    squares = list(pool.map(lambda n: n * n, range(8)))
pid = os.fork()
if pid == 0:
    os._exit(7)
status = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
squares[-1], status, subprocess.run(["echo", "hi"], capture_output=True, text=True).stdout.strip()
"""
    assert (await box.run(code, timeout=60)).main_text == "(49, 7, 'hi')"


async def test_memfd_cannot_take_memory_past_the_limit(box: LocalSandbox) -> None:
    # The reported attack: anonymous files outside RLIMIT_AS, kept open between cells.
    code = """
import os
fds = []
try:
    for _ in range(12):
        fd = os.memfd_create("hog")
        os.ftruncate(fd, 250 << 20)
        os.pwrite(fd, b"m" * (250 << 20), 0)
        fds.append(fd)
    print("HELD", len(fds))
except OSError as exc:
    print("refused", exc.errno, len(fds))
"""
    execution = await box.run(code, timeout=120)
    assert execution.stdout.split() == ["refused", "1", "0"]


def _cgroup_of(pid: int) -> str:
    return Path(f"/proc/{pid}/cgroup").read_text()


async def test_the_jail_as_a_whole_is_held_to_its_cgroup_memory_limit() -> None:
    """Two processes, each well under RLIMIT_AS, together exceed the jail's cgroup limit."""
    small = LocalSandboxProvider(limits=jail.JailLimits(group_memory_mb=768))
    if "rlimits only" in small.memory_isolation:
        pytest.skip(f"this host gives the bot no cgroup to limit sandboxes in: {small.memory_isolation}")
    try:
        box = await small.create()
        assert box.cgroup is not None and box.pid is not None
        names = {path.name for path in box.cgroup.dirs}
        assert all(any(n in _cgroup_of(pid) for n in names) for pid, _ in procs.descendants(box.pid))
        code = """
import os, time
children = []
for _ in range(2):
    pid = os.fork()
    if pid == 0:
        hog = b"h" * (500 << 20)
        time.sleep(2)
        os._exit(0)
    children.append(pid)
print("exits", [os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in children])
"""
        try:
            out = (await box.run(code, timeout=120)).stdout
            assert "exits" in out and out.strip() != "exits [0, 0]", out
        except SandboxLost:
            pass  # the OOM killer chose the kernel: also contained
        await box.close()
        assert not any(path.exists() for path in box.cgroup.dirs)
    finally:
        await small.aclose()


@pytest.fixture
def bait() -> Iterator[tuple[str, list[int]]]:
    """A host unix socket that counts connections: what a redirected host client would reach."""
    path = f"/tmp/da-bait-{uuid.uuid4().hex[:8]}.sock"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(16)
    server.settimeout(0.2)
    accepted: list[int] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            accepted.append(1)
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield path, accepted
    stop.set()
    thread.join()
    server.close()
    os.unlink(path)


async def test_the_kernel_cannot_redirect_the_hosts_client_to_another_socket(
    box: LocalSandbox, provider: LocalSandboxProvider, bait: tuple[str, list[int]]
) -> None:
    target, accepted = bait
    # Swap every socket path for a link to the bait, then cut the host's connections so it would reconnect.
    code = f"""
import os, socket
for port in range(1, 6):
    os.unlink("{jail.IPC_DIR}/k-%d" % port)
    os.symlink({target!r}, "{jail.IPC_DIR}/k-%d" % port)
for fd in map(int, os.listdir("/proc/self/fd")):
    try:
        conn = socket.socket(fileno=os.dup(fd))
    except OSError:
        continue
    if conn.family == socket.AF_UNIX and str(conn.getsockname()).startswith("{jail.IPC_DIR}"):
        if not conn.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN):
            conn.shutdown(socket.SHUT_RDWR)
    conn.close()
"""
    with pytest.raises(SandboxLost):
        await box.run(code, timeout=5)
    time.sleep(2)  # the default reconnect interval is 100 ms: ample time for any retry to land
    assert accepted == []
    await still_works(provider)


async def test_the_socket_directory_is_a_small_tmpfs(box: LocalSandbox) -> None:
    code = f"""
written = 0
try:
    with open("{jail.IPC_DIR}/fill", "wb") as f:
        while written < 64:
            f.write(b"z" * (1 << 20))
            f.flush()
            written += 1
    print("WROTE", written)
except OSError as exc:
    print("stopped", exc.errno, written)
"""
    execution = await box.run(code, timeout=60)
    assert execution.stdout.split() == ["stopped", "28", "0"]  # ENOSPC before the first megabyte


async def test_leftovers_of_dead_sandboxes_are_swept_at_start_up(tmp_path: Path) -> None:
    stale = tmp_path / f"{ws.PREFIX}dead"
    (stale / "data").mkdir(parents=True)
    (stale / "data" / "orders.csv").write_text("a\n1\n")
    live = ws.make(tmp_path)  # locked by this process, as a running replica's would be
    long_ago = time.time() - 3600
    for path in (stale, live.path):
        os.utime(path, (long_ago, long_ago))
    local = LocalSandboxProvider(root=tmp_path)
    try:
        assert not stale.exists()
        assert live.data.is_dir()
    finally:
        live.remove()
        await local.aclose()


async def test_empty_cgroups_left_by_a_dead_process_are_swept(provider: LocalSandboxProvider) -> None:
    layout = cgroups.detect()
    if not isinstance(layout, cgroups.Layout):
        pytest.skip(f"no cgroups on this host: {layout}")
    left = cgroups.create(layout, f"test-{uuid.uuid4().hex[:8]}", cgroups.CgroupLimits(1 << 30, 64))
    assert all(path.is_dir() for path in left.dirs)
    fresh = LocalSandboxProvider()
    await fresh.aclose()
    assert not any(path.exists() for path in left.dirs)


@pytest.mark.parametrize(
    "start",
    [
        "import threading, time\nthreading.Thread(target=time.sleep, args=(600,), daemon=True).start()",
        # Past a policy that looks for `threading`: the C-level entry point that module wraps.
        "import _thread, time\n_thread.start_new_thread(time.sleep, (600,))",
    ],
    ids=["threading", "_thread"],
)
async def test_a_cell_that_leaves_a_thread_running_resets_the_sandbox(
    box: LocalSandbox, provider: LocalSandboxProvider, start: str
) -> None:
    await box.run("kept = 1", timeout=30)
    execution = await box.run(start + "\n'started'", timeout=30)
    assert execution.error is not None and execution.error.name == "SandboxReset"
    assert "background thread" in execution.error.value
    assert not await box.is_alive()
    with pytest.raises(SandboxLost):
        await provider.connect(box.sandbox_id)
    await still_works(provider)
