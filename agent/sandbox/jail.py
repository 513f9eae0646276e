"""The bubblewrap command line that jails one local kernel.

The jail has no network (its own empty network namespace), no environment but what we set,
its own PID/IPC/UTS namespaces, a read-only view of `/usr` and the Python installation only,
a size-capped writable home, the thread's data read-only, and runs as a throwaway uid with
resource limits, under a seccomp filter (agent/sandbox/seccomp.py) and, where the host allows,
in a memory-limited cgroup (agent/sandbox/cgroups.py). Nothing else of the host (project
directory, the operator's home, other sandboxes) exists inside it. The kernel's sockets live in a
small tmpfs of the jail's own that the host reaches through /proc; nothing the jail can write is
on the host's disk.
"""

from __future__ import annotations

import os
import shutil
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

from agent.errors import SandboxUnavailable
from agent.sandbox.base import DATA_DIR

HOME = "/home/user"
IPC_DIR = "/run/kernel"
BOOT_FILE = "/opt/dataagent/boot.py"
CONNECTION_FILE = "/opt/dataagent/kernel.json"


@dataclass(frozen=True)
class JailLimits:
    """Per-sandbox resource limits."""

    memory_mb: int = 2048  # address space; pandas needs about 1 GiB just to import comfortably
    group_memory_mb: int | None = None  # all the jail holds (its cgroup, where the host allows); None: memory_mb
    home_mb: int = 256  # the writable home and /tmp, each
    max_file_mb: int = 256
    max_processes: int = 128  # threads count too; the kernel alone runs about ten
    max_open_files: int = 256
    output_cap_bytes: int = 1 << 20
    ipc_kb: int = 64  # the socket directory: sockets take no space, so anything written there is abuse


DEFAULT_TOOL_PATH = "/usr/bin:/bin:/usr/sbin:/sbin"


# The environment bwrap itself is started with (argv[0] is an absolute path, so PATH is a courtesy).
JAIL_LAUNCH_ENV: dict[str, str] = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}


def require_tools(search_path: str | None = None) -> dict[str, str]:
    """Find bwrap, setpriv and prlimit, or explain which Debian package to install."""
    found: dict[str, str] = {}
    search_path = search_path or DEFAULT_TOOL_PATH + ":" + os.environ.get("PATH", "")
    for tool, package in (("bwrap", "bubblewrap"), ("setpriv", "util-linux"), ("prlimit", "util-linux")):
        path = shutil.which(tool, path=search_path)
        if path is None:
            raise SandboxUnavailable(
                f"The local sandbox needs `{tool}`, which is not installed. "
                f"Install it with `sudo apt-get install {package}`, or set E2B_API_KEY to use E2B.",
                misconfigured=True,
            )
        found[tool] = path
    return found


def _python_roots() -> list[str]:
    """Directories that must be visible for this interpreter and its packages to run."""
    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        roots.add(sysconfig.get_path(key))
    # Only keep outermost directories, and never bind anything under /usr twice.
    kept: list[str] = []
    for root in sorted(r for r in roots if r and not r.startswith("/usr/")):
        if not any(root == k or root.startswith(k + "/") for k in kept):
            kept.append(root)
    return kept


def _with_parents(path: str) -> list[str]:
    """bwrap creates missing parents 0700; make them traversable for the unprivileged uid."""
    args: list[str] = []
    parts = Path(path).parts[1:-1]
    current = ""
    for part in parts:
        current += "/" + part
        args += ["--perms", "0755", "--dir", current]
    return args


def build_argv(
    *,
    tools: dict[str, str],
    uid: int | None,
    data_dir: Path,
    connection_file: Path,
    boot_file: Path,
    limits: JailLimits,
    seccomp_fd: int,
    cgroup_procs: tuple[Path, ...] = (),
    python: str = sys.executable,
) -> list[str]:
    """Argv that starts an ipykernel inside the jail, its sockets in IPC_DIR.

    `seccomp_fd` is a readable fd holding the filter program (bwrap reads it to the end); when
    `cgroup_procs` is given, a launcher writes itself into those cgroup.procs files and execs bwrap,
    so that every process of the jail is in the groups from its first instruction.
    """
    argv = [
        *_cgroup_launcher(cgroup_procs),
        tools["bwrap"],
        "--seccomp",
        str(seccomp_fd),
        "--unshare-ipc",
        "--unshare-pid",
        "--unshare-net",
        "--unshare-uts",
        "--unshare-cgroup-try",
        "--die-with-parent",
        "--new-session",
        "--clearenv",
        "--hostname",
        "sandbox",
        "--ro-bind",
        "/usr",
        "/usr",
        "--symlink",
        "usr/lib",
        "/lib",
        "--symlink",
        "usr/lib64",
        "/lib64",
        "--symlink",
        "usr/bin",
        "/bin",
        "--symlink",
        "usr/sbin",
        "/sbin",
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "--size",
        str(limits.home_mb << 20),
        "--perms",
        "1777",
        "--tmpfs",
        "/tmp",
    ]
    if os.path.isdir("/etc/alternatives"):
        argv += ["--ro-bind", "/etc/alternatives", "/etc/alternatives"]
    for root in _python_roots():
        argv += [*_with_parents(root), "--ro-bind", root, root]
    argv += [*_with_parents(BOOT_FILE), "--ro-bind", str(boot_file), BOOT_FILE]
    argv += ["--ro-bind", str(connection_file), CONNECTION_FILE]
    argv += ["--size", str(limits.home_mb << 20), "--perms", "1777", "--tmpfs", HOME]
    argv += ["--ro-bind", str(data_dir), DATA_DIR]
    argv += [*_with_parents(IPC_DIR), "--size", str(limits.ipc_kb << 10), "--perms", "1777", "--tmpfs", IPC_DIR]
    env = {
        "HOME": HOME,
        "USER": "sandbox",
        "PATH": f"{os.path.dirname(python)}:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "TZ": "UTC",
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": f"{HOME}/.config/matplotlib",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        # Arrow (Parquet loading): the system allocator rather than jemalloc, whose reservations count
        # against RLIMIT_AS and which runs a background thread; one I/O thread, like the CPU pool.
        "ARROW_DEFAULT_MEMORY_POOL": "system",
        "ARROW_IO_THREADS": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "JUPYTER_PLATFORM_DIRS": "1",
        "DATAAGENT_OUTPUT_CAP": str(limits.output_cap_bytes),
    }
    for name, value in env.items():
        argv += ["--setenv", name, value]
    argv += ["--chdir", HOME, "--"]
    if uid is not None:
        # As root RLIMIT_NPROC is ignored, so the kernel runs as a uid of its own; that also makes
        # each sandbox's processes and files foreign to every other sandbox.
        argv += [
            tools["setpriv"],
            f"--reuid={uid}",
            f"--regid={uid}",
            "--clear-groups",
            "--no-new-privs",
            "--",
        ]
    argv += [
        tools["prlimit"],
        f"--as={limits.memory_mb << 20}",
        f"--nproc={limits.max_processes}",
        f"--fsize={limits.max_file_mb << 20}",
        f"--nofile={limits.max_open_files}",
        "--core=0",
        "--",
        python,
        "-m",
        "ipykernel_launcher",
        "-f",
        CONNECTION_FILE,
        f"--IPKernelApp.exec_files={BOOT_FILE}",
        "--HistoryManager.enabled=False",
        "--InteractiveShell.colors=nocolor",
    ]
    return argv


def _cgroup_launcher(procs_files: tuple[Path, ...]) -> list[str]:
    """`sh` joining the given cgroups and then exec'ing the rest of argv (nothing when there are none)."""
    if not procs_files:
        return []
    script = 'n=$1; shift; while [ "$n" -gt 0 ]; do echo $$ > "$1" || exit 125; shift; n=$((n - 1)); done; exec "$@"'
    return ["/bin/sh", "-c", script, "sh", str(len(procs_files)), *map(str, procs_files)]


def refused(detail: str) -> bool:
    """Whether bwrap's error `detail` says the host refused the jail (rather than the kernel failing)."""
    return "namespace" in detail or "Operation not permitted" in detail or "uid map" in detail


def explain_start_failure(detail: str) -> str:
    if refused(detail):
        return (
            "The local sandbox could not start because bubblewrap may not create namespaces here "
            "(inside Docker this needs a seccomp profile that allows user namespaces). "
            f"Use E2B instead (set E2B_API_KEY). Detail: {detail}"
        )
    return f"The local sandbox kernel did not start. Detail: {detail or 'no output'}"
