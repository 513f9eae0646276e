"""The E2B backend through the real e2b-code-interpreter SDK, against the on-the-wire fake."""

from __future__ import annotations

import asyncio
import json
import resource
import socket
from collections.abc import AsyncIterator

import pytest

from agent.errors import SandboxLost, SandboxUnavailable
from agent.sandbox.e2b import E2BSandbox, E2BSandboxProvider
from tests.fakes.e2b import FakeE2B

# `fake_e2b` and `e2b_provider` (harmless once conftest registers the same plugin).

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
async def sandbox(e2b_provider: E2BSandboxProvider) -> AsyncIterator[E2BSandbox]:
    box = await e2b_provider.create()
    try:
        yield box
    finally:
        await box.close()


def _provider(fake: FakeE2B, **overrides: object) -> E2BSandboxProvider:
    options: dict[str, object] = {
        "api_url": fake.api_url,
        "sandbox_url": fake.sandbox_url,
        "request_timeout_s": 10.0,
        "kill_on_aclose": True,
    }
    options.update(overrides)
    api_key = options.pop("api_key", fake.api_key)
    return E2BSandboxProvider(api_key, **options)  # type: ignore[arg-type]


async def test_create_asks_for_no_internet_a_lifetime_and_sends_no_secrets(
    fake_e2b: FakeE2B, e2b_provider: E2BSandboxProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    secrets = {"GROQ_API_KEY": "gsk_fake_secret_value", "SLACK_BOT_TOKEN": "xoxb-fake-secret-token"}
    for name, value in secrets.items():
        monkeypatch.setenv(name, value)

    box = await e2b_provider.create()
    seen = await box.run("import os\nprint(sorted(k for k in os.environ if 'TOKEN' in k or 'KEY' in k))", 30)
    await box.close()

    (create,) = fake_e2b.creates
    assert create.body["allow_internet_access"] is False
    assert create.body["timeout"] == 3600
    assert create.body.get("envVars", {}) == {}
    wire = json.dumps([[r.headers, r.body] for r in fake_e2b.requests])
    for value in secrets.values():
        assert value not in wire
    # The E2B key authenticates the control plane only; sandboxes never see it.
    assert all(fake_e2b.api_key not in json.dumps(r.headers) for r in fake_e2b.requests if r.plane == "sandbox")
    assert seen.stdout.strip() == "[]"


async def test_uploaded_file_is_readable_by_code(sandbox: E2BSandbox) -> None:
    path = await sandbox.upload("sales.csv", b"region,amount\nnorth,10\nsouth,32\n")

    execution = await sandbox.run(
        "import pandas as pd\ndf = pd.read_csv('/home/user/data/sales.csv')\nprint(int(df.amount.sum()))", 30
    )

    assert path == "/home/user/data/sales.csv"
    assert execution.error is None
    assert execution.stdout.strip() == "42"


async def test_state_persists_across_runs(sandbox: E2BSandbox) -> None:
    await sandbox.run("total = 40", 30)

    execution = await sandbox.run("total + 2", 30)

    assert execution.main_text == "42"


async def test_failing_cell_is_an_error_value_with_a_plain_traceback(sandbox: E2BSandbox) -> None:
    execution = await sandbox.run("def f():\n    return 1 / 0\nf()", 30)

    assert execution.error is not None
    assert execution.error.name == "ZeroDivisionError"
    assert execution.error.value == "division by zero"
    traceback = execution.error.traceback
    assert "return 1 / 0" in traceback
    assert "\x1b" not in traceback
    assert "Traceback (most recent call last)\n" in traceback
    assert traceback.rstrip().splitlines()[-1] == "ZeroDivisionError: division by zero"
    assert (await sandbox.run("print('still here')", 30)).stdout == "still here\n"


async def test_two_figures_come_back_as_two_pngs(sandbox: E2BSandbox) -> None:
    code = (
        "import matplotlib.pyplot as plt\n"
        "plt.figure(); plt.plot([1, 2, 3])\n"
        "plt.figure(); plt.bar(['a', 'b'], [3, 1])\n"
        "plt.show()"
    )

    execution = await sandbox.run(code, 60)

    assert execution.error is None
    assert len(execution.pngs) == 2
    assert all(png.startswith(PNG_MAGIC) for png in execution.pngs)


async def test_timeout_interrupts_the_cell_and_keeps_state(sandbox: E2BSandbox) -> None:
    await sandbox.run("kept = 7", 30)

    execution = await sandbox.run("while True:\n    pass", 1.0)
    after = await sandbox.run("kept * 6", 30)

    assert execution.error is not None
    assert execution.error.name == "TimeoutError"
    assert after.main_text == "42"


async def test_stdout_is_capped(fake_e2b: FakeE2B) -> None:
    provider = _provider(fake_e2b, max_output_bytes=1000)
    try:
        box = await provider.create()
        execution = await box.run("print('é' * 5000)", 30)
    finally:
        await provider.aclose()

    assert execution.truncated
    assert len(execution.stdout.encode()) <= 1000
    assert execution.stdout.startswith("éé")


def _grown_mb(before_kib: int) -> float:
    return (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before_kib) / 1024  # KiB on Linux


async def test_a_print_flood_is_capped_in_the_sandbox_before_it_reaches_the_host(sandbox: E2BSandbox) -> None:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    execution = await sandbox.run("for i in range(300):\n    print('x' * 10**6)", 300)
    grown_mb = _grown_mb(before)

    assert execution.error is None, execution.error
    assert execution.truncated
    assert len(execution.stdout.encode()) <= 1 << 20
    # 300 MB were printed; the kernel sent about one capped megabyte (it took over 1 GB before).
    assert grown_mb < 100, grown_mb


async def test_a_display_flood_is_stopped_at_the_stream_cap_and_the_cell_interrupted(sandbox: E2BSandbox) -> None:
    # The SDK keeps every streamed line itself, so only dropping the stream bounds what the host holds.
    await sandbox.run("kept = 'still here'", 30)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    execution = await sandbox.run("for i in range(400):\n    display('x' * 10**6)\nprint('all shown')", 300)
    grown_mb = _grown_mb(before)

    assert execution.error is not None and execution.error.name == "OutputLimitExceeded"
    assert "summary" in execution.error.value
    assert execution.truncated and "all shown" not in execution.stdout
    assert grown_mb < 400, grown_mb
    # The cell was interrupted, not the sandbox: its state is still there.
    assert (await sandbox.run("print(kept)", 30)).stdout.strip() == "still here"


async def test_killed_sandbox_is_lost_on_run_and_on_connect(
    fake_e2b: FakeE2B, e2b_provider: E2BSandboxProvider, sandbox: E2BSandbox
) -> None:
    await fake_e2b.kill(sandbox.sandbox_id)

    with pytest.raises(SandboxLost):
        await sandbox.run("1 + 1", 30)
    with pytest.raises(SandboxLost):
        await sandbox.upload("late.csv", b"a\n1\n")
    with pytest.raises(SandboxLost):
        await e2b_provider.connect(sandbox.sandbox_id)
    assert not await sandbox.is_alive()


async def test_sandbox_killed_during_a_cell_is_lost(fake_e2b: FakeE2B, sandbox: E2BSandbox) -> None:
    running = asyncio.create_task(sandbox.run("import time\ntime.sleep(60)", 120))
    for _ in range(400):  # wait until the cell is really streaming, not for a duration
        if fake_e2b.sandboxes[sandbox.sandbox_id].streams:
            break
        await asyncio.sleep(0.025)
    await fake_e2b.kill(sandbox.sandbox_id)

    with pytest.raises(SandboxLost):
        await asyncio.wait_for(running, 60)


async def test_connect_reattaches_with_state(fake_e2b: FakeE2B, sandbox: E2BSandbox) -> None:
    await sandbox.run("answer = 42", 30)
    other_process = _provider(fake_e2b, kill_on_aclose=False)

    again = await other_process.connect(sandbox.sandbox_id)

    assert again.sandbox_id == sandbox.sandbox_id
    assert (await again.run("answer", 30)).main_text == "42"


async def test_close_kills_and_is_idempotent(fake_e2b: FakeE2B, sandbox: E2BSandbox) -> None:
    await sandbox.close()
    await sandbox.close()

    assert not await sandbox.is_alive()
    assert sandbox.sandbox_id not in fake_e2b.sandboxes
    deletes = [r for r in fake_e2b.requests if r.method == "DELETE"]
    assert [r.path for r in deletes] == [f"/sandboxes/{sandbox.sandbox_id}"]


async def test_auto_pause_is_requested_when_enabled(fake_e2b: FakeE2B) -> None:
    provider = _provider(fake_e2b, auto_pause=True)
    try:
        await provider.create()
    finally:
        await provider.aclose()

    (create,) = fake_e2b.creates
    assert create.body["autoPause"] is True
    assert create.body["autoResume"] == {"enabled": True}


async def test_rejected_key_is_unavailable_with_a_clear_message(fake_e2b: FakeE2B) -> None:
    provider = _provider(fake_e2b, api_key="e2b_wrong_key_123")

    with pytest.raises(SandboxUnavailable, match="E2B_API_KEY") as caught:
        await provider.create()

    assert "e2b_wrong_key_123" not in str(caught.value)
    assert fake_e2b.sandboxes == {}


async def test_missing_key_is_unavailable_without_calling_e2b(fake_e2b: FakeE2B) -> None:
    provider = _provider(fake_e2b, api_key=None)

    with pytest.raises(SandboxUnavailable, match="E2B_API_KEY"):
        await provider.create()

    assert fake_e2b.requests == []


async def test_unreachable_e2b_is_unavailable() -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"
    provider = E2BSandboxProvider("e2b_key", api_url=dead, sandbox_url=dead, request_timeout_s=5.0)

    with pytest.raises(SandboxUnavailable, match="could not start"):
        await provider.create()
