"""The contract every sandbox backend keeps, run against the local jail and the E2B fake."""

from __future__ import annotations

import asyncio
import os
import re
import resource
import signal
from collections.abc import AsyncIterator

import pytest

from agent.errors import SandboxLost
from agent.ingest import ingest
from agent.sandbox.base import (
    MAX_PNGS_PER_CELL,
    MAX_RESULT_BYTES_PER_CELL,
    MAX_RESULTS_PER_CELL,
    Execution,
    Sandbox,
    SandboxProvider,
)
from agent.sandbox.local import LocalSandboxProvider
from tests.sandbox_helpers import PNG_MAGIC, TWO_FIGURES_AND_A_BLANK

BACKENDS = ["local", "e2b"]


@pytest.fixture
async def local_provider() -> AsyncIterator[LocalSandboxProvider]:
    local = LocalSandboxProvider()
    yield local
    await local.aclose()


@pytest.fixture(params=BACKENDS)
def provider(request: pytest.FixtureRequest) -> SandboxProvider:
    # A sync fixture: pytest-asyncio cannot resolve an async fixture from inside a running loop.
    name = "local_provider" if request.param == "local" else "e2b_provider"
    provider: SandboxProvider = request.getfixturevalue(name)
    return provider


@pytest.fixture
async def sandbox(provider: SandboxProvider) -> AsyncIterator[Sandbox]:
    box = await provider.create()
    yield box
    await box.close()


async def test_print_goes_to_stdout_and_last_expression_is_the_main_result(sandbox: Sandbox) -> None:
    execution = await sandbox.run("print('hello')\n6 * 7", timeout=30)
    assert execution.error is None
    assert execution.stdout == "hello\n"
    assert execution.main_text == "42"


async def test_state_persists_between_runs(sandbox: Sandbox) -> None:
    await sandbox.run("import pandas as pd\nframe = pd.DataFrame({'v': [1, 2, 3]})", timeout=60)
    execution = await sandbox.run("print(frame['v'].sum())", timeout=30)
    assert execution.stdout.strip() == "6"


async def test_a_failing_cell_is_an_error_value_with_a_clean_traceback(sandbox: Sandbox) -> None:
    execution = await sandbox.run("def f():\n    return {}['missing']\nf()", timeout=30)
    assert execution.error is not None
    assert execution.error.name == "KeyError"
    assert "missing" in execution.error.value
    assert "return {}['missing']" in execution.error.traceback
    assert not re.search(r"\x1b\[", execution.error.traceback)
    # The sandbox is still usable after a failure.
    assert (await sandbox.run("1 + 1", timeout=30)).main_text == "2"


async def test_every_figure_comes_back_as_png_and_blank_ones_are_dropped(sandbox: Sandbox) -> None:
    execution = await sandbox.run(TWO_FIGURES_AND_A_BLANK, timeout=60)
    assert execution.error is None, execution.error
    assert "drew two" in execution.stdout
    assert len(execution.pngs) == 2
    assert all(png.startswith(PNG_MAGIC) for png in execution.pngs)


async def test_an_uploaded_file_is_readable_by_code(sandbox: Sandbox) -> None:
    path = await sandbox.upload("sales.csv", b"region,amount\nnorth,10\nsouth,32\n")
    assert path == "/home/user/data/sales.csv"
    execution = await sandbox.run(f"import pandas as pd\nprint(pd.read_csv({path!r})['amount'].sum())", timeout=60)
    assert execution.stdout.strip() == "42"


async def test_a_timeout_stops_the_cell_and_keeps_the_state(sandbox: Sandbox) -> None:
    await sandbox.run("kept = 'still here'", timeout=30)
    execution = await sandbox.run("while True:\n    pass", timeout=2)
    assert execution.error is not None
    assert execution.error.name == "TimeoutError"
    assert (await sandbox.run("print(kept)", timeout=30)).stdout.strip() == "still here"


async def test_connect_reattaches_by_handle_and_unknown_handles_are_lost(
    provider: SandboxProvider, sandbox: Sandbox
) -> None:
    await sandbox.run("marker = 7", timeout=30)
    again = await provider.connect(sandbox.sandbox_id)
    assert (await again.run("print(marker)", timeout=30)).stdout.strip() == "7"
    with pytest.raises(SandboxLost):
        await provider.connect(sandbox.sandbox_id[:-4] + "dead")


async def test_closed_sandbox_is_not_alive_and_close_is_idempotent(sandbox: Sandbox) -> None:
    assert await sandbox.is_alive()
    await sandbox.close()
    await sandbox.close()
    assert not await sandbox.is_alive()
    with pytest.raises(SandboxLost):
        await sandbox.run("1", timeout=10)


_DISPLAY_FLOOD = "for i in range({n}):\n    display('x' * 10**6)\nprint('flooded')"
_IMAGE_FLOOD = """
import base64, io
import matplotlib.pyplot as plt
from IPython.display import Image, display
fig, ax = plt.subplots(figsize=(1, 1)); ax.plot([1, 2])
buf = io.BytesIO(); fig.savefig(buf, format='png'); plt.close(fig)
for i in range(400):
    display(Image(data=buf.getvalue()))
fake = base64.b64encode(b'GIF89a' + b'0' * 64).decode()
display({'image/png': fake, 'text/plain': 'not a png'}, raw=True)
"""


def _kept_bytes(execution: Execution) -> int:
    return sum(len(r.png or b"") + len((r.text or "").encode()) for r in execution.results)


async def test_a_display_flood_keeps_at_most_the_per_cell_result_budget(sandbox: Sandbox) -> None:
    execution = await sandbox.run(_DISPLAY_FLOOD.format(n=60), timeout=120)
    assert execution.error is None, execution.error
    assert "flooded" in execution.stdout
    assert execution.truncated
    assert len(execution.results) <= MAX_RESULTS_PER_CELL
    assert _kept_bytes(execution) <= MAX_RESULT_BYTES_PER_CELL


async def test_an_image_flood_keeps_at_most_the_chart_cap_and_only_real_pngs(sandbox: Sandbox) -> None:
    execution = await sandbox.run(_IMAGE_FLOOD, timeout=120)
    assert execution.error is None, execution.error
    assert 0 < len(execution.pngs) <= MAX_PNGS_PER_CELL
    assert all(png.startswith(PNG_MAGIC) for png in execution.pngs)
    assert execution.truncated


async def test_a_large_display_flood_does_not_grow_the_host_process(local_provider: LocalSandboxProvider) -> None:
    box = await local_provider.create()
    try:
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
        execution = await box.run(_DISPLAY_FLOOD.format(n=400), timeout=300)
        grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    finally:
        await box.close()
    assert "flooded" in execution.stdout
    # 400 MB of displays went past; the host keeps the budget plus one message in flight at a time.
    assert grown_mb < 150, grown_mb
    assert _kept_bytes(execution) <= MAX_RESULT_BYTES_PER_CELL


async def test_a_dataset_with_dates_loads_in_the_sandbox_with_pyarrow_present(sandbox: Sandbox) -> None:
    # pandas 3 stores text as Arrow strings once pyarrow is importable; the loader's date parsing
    # must still work inside the jail's limits (ARCHITECTURE §9 names this as a past failure).
    csv = (
        b"day,at,city,amount\n2024-07-21,2024-07-21T10:00:00Z,Paris,10\n2024-07-22,2024-07-22T11:30:00+02:00,Lyon,12\n"
    )
    loaded = ingest("sales.csv", csv, max_bytes=10**6)
    path = await sandbox.upload("sales.csv", loaded.stored)
    check = "import pyarrow\nprint(sales['day'].dt.day.sum(), sales['at'].dt.hour.tolist(), sales['amount'].sum())"
    execution = await sandbox.run(loaded.load_code(path) + check, timeout=120)
    assert execution.error is None, execution.error
    assert execution.stdout.split() == ["43", "[10,", "9]", "22"]


async def test_local_sandboxes_give_back_every_descriptor_when_closed_killed_or_flooding_stderr(
    local_provider: LocalSandboxProvider,
) -> None:
    before = sorted(os.listdir("/proc/self/fd"))
    for how in ("closed", "flooded", "killed"):
        box = await local_provider.create()
        if how == "flooded":  # more than a pipe holds, echoed to the kernel's stderr
            flood = await box.run("import sys\nfor _ in range(300):\n    sys.__stderr__.write('x' * 1000)", timeout=60)
            assert flood.error is None
        if how == "killed":
            assert box.pid is not None
            os.kill(box.pid, signal.SIGKILL)
            for _ in range(100):  # until the bot has seen the jail die
                if not await box.is_alive():
                    break
                await asyncio.sleep(0.05)
            with pytest.raises(SandboxLost):
                await box.run("1", timeout=10)
        await box.close()
    assert sorted(os.listdir("/proc/self/fd")) == before


async def test_a_local_kernels_unread_replies_do_not_pile_up(local_provider: LocalSandboxProvider) -> None:
    # Each reply left on the shell socket pins native memory for the kernel's life (the soak's slow growth).
    box = await local_provider.create()
    try:
        for n in range(30):
            assert (await box.run(f"x = {n}", timeout=30)).error is None
        waiting = 0
        socket = box._client.shell_channel.socket  # type: ignore[union-attr]
        while await socket.poll(200):
            await socket.recv_multipart()
            waiting += 1
        assert waiting <= 1
    finally:
        await box.close()
