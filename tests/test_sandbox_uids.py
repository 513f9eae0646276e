"""Sandbox uids are leased host-wide: two bot processes on one host never hand out the same one."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.errors import SandboxUnavailable
from agent.sandbox.uids import UidAllocator, UidRange

PROJECT_DIR = Path(__file__).resolve().parents[1]
FIRST = 1_700_000_000  # a pool of the tests' own, so that running sandboxes elsewhere on the host do not count

LEASE_SCRIPT = """
import sys
from pathlib import Path
from agent.errors import SandboxUnavailable
from agent.sandbox.uids import UidAllocator, UidRange
alloc = UidAllocator(Path(sys.argv[1]), UidRange(int(sys.argv[2]), 3), subid_files=())
held = []
try:
    for _ in range(int(sys.argv[3])):
        held.append(alloc.lease())
except SandboxUnavailable as exc:
    print("refused:", exc)
print("held", *(lease.uid for lease in held), flush=True)
sys.stdin.readline()
"""

SANDBOX_SCRIPT = """
import asyncio, sys
from pathlib import Path
from agent.sandbox.local import LocalSandboxProvider
from agent.sandbox.uids import UidAllocator, UidRange

async def main() -> None:
    provider = LocalSandboxProvider(uids=UidAllocator(Path(sys.argv[1]), UidRange(int(sys.argv[2]), 2), subid_files=()))
    box = await provider.create()
    inside = (await box.run("import os\\nos.getuid()", timeout=60)).main_text
    print("uid", box.uid, inside, flush=True)
    await asyncio.to_thread(sys.stdin.readline)
    await provider.aclose()

asyncio.run(main())
"""


@pytest.fixture
def spawn() -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for proc in started:
        proc.kill()
        proc.wait()
        for pipe in (proc.stdin, proc.stdout):
            if pipe is not None:
                pipe.close()


def _start(started: list[subprocess.Popen[str]], script: str, *args: object) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", script, *map(str, args)],
        cwd=PROJECT_DIR,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    started.append(proc)
    return proc


def _last_line(proc: subprocess.Popen[str], word: str) -> str:
    assert proc.stdout is not None
    lines = []
    while line := proc.stdout.readline():
        lines.append(line.strip())
        if line.startswith(word):
            return "\n".join(lines)
    raise AssertionError(f"the process ended without a {word!r} line: {lines}")


def test_two_processes_lease_disjoint_uids_and_a_dead_holders_come_back(
    tmp_path: Path, spawn: list[subprocess.Popen[str]]
) -> None:
    first = _start(spawn, LEASE_SCRIPT, tmp_path, FIRST, 2)
    first_uids = set(_last_line(first, "held").split()[1:])
    second = _start(spawn, LEASE_SCRIPT, tmp_path, FIRST, 2)
    second_out = _last_line(second, "held")
    second_uids = set(second_out.splitlines()[-1].split()[1:])
    assert len(first_uids) == 2 and len(second_uids) == 1 and not first_uids & second_uids
    assert "refused: Every sandbox uid on this host is in use" in second_out
    first.kill()
    first.wait()
    third = _start(spawn, LEASE_SCRIPT, tmp_path, FIRST, 2)
    assert set(_last_line(third, "held").split()[1:]) == first_uids  # released by the holder's death alone


@pytest.mark.skipif(os.geteuid() != 0, reason="only root gives each sandbox a uid of its own")
def test_sandboxes_of_two_bot_processes_run_as_different_uids(
    tmp_path: Path, spawn: list[subprocess.Popen[str]]
) -> None:
    first = _start(spawn, SANDBOX_SCRIPT, tmp_path, FIRST + 10, 2)
    second = _start(spawn, SANDBOX_SCRIPT, tmp_path, FIRST + 10, 2)
    reports = [_last_line(proc, "uid").splitlines()[-1].split() for proc in (first, second)]
    for _, leased, inside in reports:
        assert leased == inside  # the kernel really runs as the leased uid
    assert {reports[0][1], reports[1][1]} == {str(FIRST + 10), str(FIRST + 11)}


def test_uids_in_subordinate_ranges_are_never_leased(tmp_path: Path) -> None:
    subuid = tmp_path / "subuid"
    subuid.write_text(f"alice:{FIRST}:2\n")
    subgid = tmp_path / "subgid"
    subgid.write_text(f"bob:{FIRST + 3}:65536\n")
    alloc = UidAllocator(tmp_path / "leases", UidRange(FIRST, 4), subid_files=(subuid, subgid))
    assert alloc.lease().uid == FIRST + 2
    with pytest.raises(SandboxUnavailable):
        alloc.lease()
