"""DATA_DIR's disk is full: a clear sentence in the thread, nothing half-stored, other threads answered (issue 12).

DATA_DIR is a small tmpfs the test mounts (root only: mounting needs CAP_SYS_ADMIN). Thread A is loaded while
there is room; then the disk is filled to the last byte, and thread B's upload and question meet the full disk.
"""

from __future__ import annotations

import errno
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent import texts as agent_texts
from tests.bot_helpers import CHANNEL, bot_settings, finals, message_text, running_bot, wait_final
from tests.engine_helpers import Model
from tests.fakes.groq_server import FakeGroq
from tests.fakes.slack import FakeSlack, message_event
from tests.test_slack_e2e import share_sales, wait_card


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs for DATA_DIR needs root (CAP_SYS_ADMIN)")
    mount = tmp_path / "data"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m,mode=0755", "tmpfs", str(mount)], check=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(disk: Path) -> None:
    """Write until the filesystem refuses another byte."""
    for name, chunk in (("filler", 65536), ("filler-tail", 1)):
        with (disk / name).open("wb", buffering=0) as out:
            try:
                while True:
                    out.write(b"\0" * chunk)
            except OSError as exc:
                if exc.errno != errno.ENOSPC:
                    raise


async def test_a_full_data_disk_is_told_in_the_thread_and_other_threads_keep_working(
    fake_slack: FakeSlack, fake_groq: FakeGroq, redis_url: str, namespace: str, small_disk: Path
) -> None:
    fake_groq.respond_with(Model(['print(f"rows={len(df)}")'] * 3))
    settings = bot_settings(fake_slack, fake_groq, redis_url, small_disk)
    async with running_bot(settings, namespace, claim_idle_s=2.0) as bot:
        url = f"{bot.url}/slack/events"
        thread_a = await share_sales(fake_slack, url)
        await wait_card(fake_slack, CHANNEL, thread_a)
        ask_a = message_event(CHANNEL, "U0ALICE001", "How many rows?", thread_ts=thread_a)
        await fake_slack.send_event(url, ask_a)
        await wait_final(fake_slack, CHANNEL, thread_a, timeout=40)  # thread A's kernel is up, its data loaded
        fill(small_disk)
        thread_b = await share_sales(fake_slack, url)
        await wait_card(fake_slack, CHANNEL, thread_b)  # its data is in Redis; only the sandbox copy waits
        await fake_slack.send_event(url, message_event(CHANNEL, "U0ALICE001", "How many rows?", thread_ts=thread_b))
        told = await wait_final(fake_slack, CHANNEL, thread_b, timeout=40)
        await fake_slack.send_event(url, message_event(CHANNEL, "U0ALICE001", "And the rows now?", thread_ts=thread_a))
        await fake_slack.wait_until(
            lambda: len(finals(fake_slack, CHANNEL, thread_a)) >= 2, timeout=40, what="thread A answered again"
        )
        answer = finals(fake_slack, CHANNEL, thread_a)[1]
        leftovers = [p.name for p in small_disk.glob("sandboxes/*/data/.*")]
        dead = bot.worker.stats.dead
    assert "rows=6" in message_text(answer)
    assert agent_texts.DISK_FULL in message_text(told)
    assert len(finals(fake_slack, CHANNEL, thread_b)) == 1
    assert leftovers == [] and dead == 0  # no partial copies; nothing failed its way to the dead letters
