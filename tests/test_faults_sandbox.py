"""The sandbox killed between two steps of an analysis: the question is finished once, the death unseen (issue 12).

The model works in the analyst loop: step one leaves a variable in the kernel, step two prints it. Between the
two, the test SIGKILLs the local kernel's whole process group (bwrap, its init and the kernel); the next step
must find a resurrected kernel with step one's cell replayed.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

from agent.sandbox import procs
from tests.bot_helpers import CHANNEL, bot_settings, finals, message_text, running_bot, wait_final
from tests.engine_helpers import echo_answer, offers_tools
from tests.fakes.groq_server import FakeGroq, Reply, run_python
from tests.fakes.slack import FakeSlack, message_event
from tests.test_slack_e2e import share_sales, wait_card

STEP_ONE = "total = int(df['units'].sum())\nprint('summed')"
STEP_TWO = 'print(f"total={total}")'


def kill_kernels() -> int:
    """SIGKILL the process group of every jailed kernel this process started; returns how many."""
    killed = 0
    for pid, _ in procs.descendants(os.getpid()):
        try:
            argv0 = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0]
        except OSError:
            continue
        if argv0.endswith(b"bwrap") and os.getpgid(pid) == pid:
            os.killpg(pid, signal.SIGKILL)
            killed += 1
    return killed


class TwoSteps:
    def __init__(self) -> None:
        self.killed = 0

    def __call__(self, body: dict[str, Any]) -> Reply | str:
        steps = [m for m in body["messages"] if m.get("role") == "tool"]
        if not offers_tools(body):
            return echo_answer(body)
        if not steps:
            return run_python(STEP_ONE)
        if len(steps) == 1 and "summed" in str(steps[0].get("content")):
            if not self.killed:
                self.killed = kill_kernels()
            return run_python(STEP_TWO)
        return echo_answer(body)


async def test_a_kernel_killed_between_two_steps_is_resurrected_and_the_question_answered_once(
    fake_slack: FakeSlack, fake_groq: FakeGroq, redis_url: str, namespace: str, tmp_path: Path
) -> None:
    model = TwoSteps()
    fake_groq.respond_with(model)
    settings = bot_settings(fake_slack, fake_groq, redis_url, tmp_path, extra={"ANALYST_MODE": "loop"})
    async with running_bot(settings, namespace) as bot:
        url = f"{bot.url}/slack/events"
        file_ts = await share_sales(fake_slack, url)
        await wait_card(fake_slack, CHANNEL, file_ts)
        await fake_slack.send_event(url, message_event(CHANNEL, "U0ALICE001", "Total units?", thread_ts=file_ts))
        final = await wait_final(fake_slack, CHANNEL, file_ts, timeout=50)
        await bot.worker.until(lambda stats: stats.done >= 2, timeout=20)
        answers = finals(fake_slack, CHANNEL, file_ts)
        thread = [message_text(m) for m in fake_slack.thread_messages(CHANNEL, file_ts)]
    assert model.killed >= 1  # the kernel really died mid-analysis
    assert len(answers) == 1 and "total=20" in message_text(final)
    assert not [t for t in thread if ":warning:" in t or "sandbox" in t.lower()]  # the asker never sees it
