"""The seccomp filter every local jail runs under, assembled here as a classic-BPF program.

bubblewrap installs it (`--seccomp FD`) just before it starts the kernel, so everything in the
jail inherits it and none of it can be lifted. It denies the kernel interfaces a data analysis
never needs and an attacker uses to widen the jail: new namespaces (a nested user namespace
hands out capabilities), mounts, io_uring (a second syscall path that seccomp cannot see),
keyrings, BPF, userfaultfd, memfd (anonymous memory that escapes RLIMIT_AS), tracing other
processes, perf, kexec and kernel modules. A wrong architecture or the x32 ABI (the same
syscalls under other numbers) is refused outright. Assembled by hand rather than through
libseccomp so it installs nowhere but here and has nothing to fail at start-up.
"""

from __future__ import annotations

import errno
import platform
import struct
from dataclasses import dataclass

from agent.errors import SandboxUnavailable

# Classic BPF opcodes (linux/filter.h) and seccomp return values (linux/seccomp.h).
_LD_W_ABS = 0x20
_JEQ_K = 0x15
_JGE_K = 0x35
_JSET_K = 0x45
_RET_K = 0x06
_RET_ALLOW = 0x7FFF0000
_RET_ERRNO = 0x00050000
_RET_KILL_PROCESS = 0x80000000

# Offsets into struct seccomp_data; the low word of args[0] on these little-endian machines.
_OFF_NR = 0
_OFF_ARCH = 4
_OFF_ARG0_LO = 16

_X32_SYSCALL_BIT = 0x40000000
# CLONE_NEWTIME, CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET
CLONE_NEW_FLAGS = 0x00000080 | 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000

# Denied outright with EPERM, by name; the numbers per architecture are below.
DENIED = (
    "unshare",
    "setns",
    "mount",
    "umount2",
    "pivot_root",
    "move_mount",
    "open_tree",
    "fsopen",
    "fsconfig",
    "fsmount",
    "fspick",
    "mount_setattr",
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
    "keyctl",
    "add_key",
    "request_key",
    "bpf",
    "userfaultfd",
    "memfd_create",
    "memfd_secret",
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "process_madvise",
    "pidfd_getfd",
    "perf_event_open",
    "kexec_load",
    "kexec_file_load",
    "init_module",
    "finit_module",
    "delete_module",
    "open_by_handle_at",
)


@dataclass(frozen=True)
class Arch:
    """One architecture's audit token and syscall numbers (from its asm/unistd headers)."""

    audit: int
    numbers: dict[str, int]
    x32_bit: bool


_COMMON = {
    "clone3": 435,
    "open_tree": 428,
    "move_mount": 429,
    "fsopen": 430,
    "fsconfig": 431,
    "fsmount": 432,
    "fspick": 433,
    "io_uring_setup": 425,
    "io_uring_enter": 426,
    "io_uring_register": 427,
    "pidfd_getfd": 438,
    "process_madvise": 440,
    "mount_setattr": 442,
    "memfd_secret": 447,
}

_X86_64 = {
    "clone": 56,
    "ptrace": 101,
    "pivot_root": 155,
    "mount": 165,
    "umount2": 166,
    "init_module": 175,
    "delete_module": 176,
    "kexec_load": 246,
    "add_key": 248,
    "request_key": 249,
    "keyctl": 250,
    "unshare": 272,
    "perf_event_open": 298,
    "open_by_handle_at": 304,
    "setns": 308,
    "process_vm_readv": 310,
    "process_vm_writev": 311,
    "finit_module": 313,
    "memfd_create": 319,
    "kexec_file_load": 320,
    "bpf": 321,
    "userfaultfd": 323,
}

_AARCH64 = {
    "umount2": 39,
    "mount": 40,
    "pivot_root": 41,
    "unshare": 97,
    "kexec_load": 104,
    "init_module": 105,
    "delete_module": 106,
    "ptrace": 117,
    "add_key": 217,
    "request_key": 218,
    "keyctl": 219,
    "clone": 220,
    "perf_event_open": 241,
    "open_by_handle_at": 265,
    "setns": 268,
    "process_vm_readv": 270,
    "process_vm_writev": 271,
    "finit_module": 273,
    "memfd_create": 279,
    "bpf": 280,
    "userfaultfd": 282,
    "kexec_file_load": 294,
}

ARCHES = {
    "x86_64": Arch(audit=0xC000003E, numbers=_COMMON | _X86_64, x32_bit=True),
    "aarch64": Arch(audit=0xC00000B7, numbers=_COMMON | _AARCH64, x32_bit=False),
}


def _insn(code: int, k: int, jt: int = 0, jf: int = 0) -> bytes:
    return struct.pack("=HBBI", code, jt, jf, k)


def _ret(value: int) -> bytes:
    return _insn(_RET_K, value)


def assemble(arch: Arch) -> bytes:
    """The filter program for `arch`, as the bytes bubblewrap reads (an array of struct sock_filter)."""
    eperm = _RET_ERRNO | errno.EPERM
    prog = [_insn(_LD_W_ABS, _OFF_ARCH), _insn(_JEQ_K, arch.audit, jt=1), _ret(_RET_KILL_PROCESS)]
    prog.append(_insn(_LD_W_ABS, _OFF_NR))
    if arch.x32_bit:
        prog += [_insn(_JGE_K, _X32_SYSCALL_BIT, jf=1), _ret(eperm)]
    for name in DENIED:
        prog += [_insn(_JEQ_K, arch.numbers[name], jf=1), _ret(eperm)]
    # clone3 passes its flags in memory, out of the filter's sight; ENOSYS makes glibc fall back to clone.
    prog += [_insn(_JEQ_K, arch.numbers["clone3"], jf=1), _ret(_RET_ERRNO | errno.ENOSYS)]
    # clone itself stays (threads and fork use it) unless it asks for a new namespace.
    prog += [_insn(_JEQ_K, arch.numbers["clone"], jf=3), _insn(_LD_W_ABS, _OFF_ARG0_LO)]
    prog += [_insn(_JSET_K, CLONE_NEW_FLAGS, jf=1), _ret(eperm)]
    prog.append(_ret(_RET_ALLOW))
    return b"".join(prog)


def host_arch() -> Arch:
    """This machine's architecture, or SandboxUnavailable naming it when the filter does not know it."""
    machine = platform.machine()
    arch = ARCHES.get(machine)
    if arch is None:
        raise SandboxUnavailable(
            f"The local sandbox has no seccomp filter for the {machine} architecture; use E2B (set E2B_API_KEY).",
            misconfigured=True,
        )
    return arch


def program() -> bytes:
    return assemble(host_arch())
