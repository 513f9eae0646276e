"""The bot on a real Redis Cluster: two `bot serve` processes share it, every question answered once, in order.

Three masters with one replica each (`tests/cluster_helpers.py`); the processes run with the fake Slack
and the fake model, a local sandbox each.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from redis.crc import key_slot
from redis.exceptions import RedisError

from bot.config import Settings
from bot.doctor import check_redis
from bot.redis_connect import connect_cluster
from jobqueue import Job, JobQueue
from tests.bot_helpers import CHANNEL, finals, message_text
from tests.cluster_helpers import Cluster
from tests.conftest import free_port
from tests.engine_helpers import echo_answer, fenced, is_answer_request, offers_tools
from tests.fakes.groq_fixture import FAKE_GROQ_KEY
from tests.fakes.groq_server import FakeGroq, Reply, run_python
from tests.fakes.slack import FakeSlack, message_event
from tests.jobs_helpers import DictCodec, Payload, job, running, until, worker
from tests.test_slack_commands import click
from tests.test_slack_e2e import share_sales, wait_card
from tests.test_slack_restart import wait_healthy

THREADS = 2  # each question hops processes, so each costs a sandbox start: kept small on a 2-core machine
QUESTIONS = 3
TAG = re.compile(r"T\dQ\d")


def tagged(body: dict[str, Any]) -> Reply | str:
    """Code that prints the tag of the question asked (the newest tag in the prompt)."""
    if is_answer_request(body):
        return echo_answer(body)
    tag = TAG.findall(str(body["messages"][-1]["content"]))[-1]
    code = f'print("answer-{tag}")'
    return run_python(code) if offers_tools(body) else fenced(code)


@asynccontextmanager
async def bot_process(env: dict[str, str], data_dir: Path) -> AsyncIterator[str]:
    """A real `python -m bot serve` on its own port and data dir; yields its events URL."""
    port = free_port()
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "serve",
        env={**env, "PORT": str(port), "DATA_DIR": str(data_dir)},
        cwd=data_dir.parent,
        start_new_session=True,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        await wait_healthy(url, proc)
        yield f"{url}/slack/events"
    finally:
        if proc.returncode is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                await asyncio.wait_for(proc.wait(), 30)
            except TimeoutError:
                os.killpg(proc.pid, signal.SIGKILL)
                await proc.wait()


def bot_env(fake_slack: FakeSlack, fake_groq: FakeGroq, cluster: Cluster, namespace: str) -> dict[str, str]:
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": fake_slack.bot_token,
        "SLACK_SIGNING_SECRET": fake_slack.signing_secret,
        "SLACK_API_URL": fake_slack.base_url,
        "GROQ_API_KEY": FAKE_GROQ_KEY,
        "GROQ_BASE_URL": fake_groq.base_url,
        "REDIS_URL": cluster.url,
        "REDIS_PREFIX": namespace,
        "SANDBOX": "local",
        "CELL_TIMEOUT_S": "30",
    }
    env.pop("SLACK_APP_TOKEN", None)
    return env


async def keys_of(cluster: Cluster, namespace: str) -> list[str]:
    """Every key of the namespace, on every master (redis-py's cluster SCAN visits each of them)."""
    client = connect_cluster(cluster.url, socket_timeout=5, socket_connect_timeout=5)
    try:
        return [k.decode() async for k in client.scan_iter(match=f"*{namespace}*", count=500)]
    finally:
        await client.aclose()


async def ask_all(fake_slack: FakeSlack, urls: list[str], threads: list[str]) -> None:
    """Each thread's questions in order, alternating between the processes; the threads at once."""

    async def one_thread(t: int, thread_ts: str) -> None:
        for q in range(QUESTIONS):
            event = message_event(CHANNEL, "U0ALICE001", f"Question T{t}Q{q}?", thread_ts=thread_ts)
            await fake_slack.send_event(urls[(t + q) % 2], event)
            # 👀 once it is queued: the next question of the thread goes in behind it.
            await fake_slack.wait_for("reactions.add", lambda c, ts=event["ts"]: c.args.get("timestamp") == ts)

    await asyncio.gather(*(one_thread(t, ts) for t, ts in enumerate(threads)))


async def test_two_processes_on_a_cluster_answer_every_question_once_in_order_and_forget_all(
    fake_slack: FakeSlack, fake_groq: FakeGroq, redis_cluster: Cluster, namespace: str, tmp_path: Path
) -> None:
    fake_groq.respond_with(tagged)
    env = bot_env(fake_slack, fake_groq, redis_cluster, namespace)
    async with bot_process(env, tmp_path / "a") as one, bot_process(env, tmp_path / "b") as two:
        threads = [await share_sales(fake_slack, (one, two)[t % 2]) for t in range(THREADS)]
        for thread_ts in threads:
            await wait_card(fake_slack, CHANNEL, thread_ts)
        await ask_all(fake_slack, [one, two], threads)
        await fake_slack.wait_until(
            lambda: all(len(finals(fake_slack, CHANNEL, ts)) >= QUESTIONS for ts in threads) or None,
            timeout=120,  # generous: six sandbox starts on a loaded machine
            what="every question answered",
        )
        await asyncio.sleep(1.0)  # a duplicate answer would show itself now
        for t, thread_ts in enumerate(threads):
            answers = [message_text(m) for m in finals(fake_slack, CHANNEL, thread_ts)]
            assert len(answers) == QUESTIONS, answers
            for q, answer in enumerate(answers):  # once each, in the order asked
                assert f"answer-T{t}Q{q}" in answer, (t, q, answers)
        assert any(k.startswith(f"{{{namespace}:blob:") for k in await keys_of(redis_cluster, namespace))

        forgot = await fake_slack.send_command(one, channel_id=CHANNEL, command="/analyze", text="forget")
        hook = await click(fake_slack, two, "forget_confirm", (await forgot.json())["blocks"])
        await fake_slack.wait_for_response(lambda r: hook.endswith(r.hook_id), timeout=20)
        left = await keys_of(redis_cluster, namespace)
    # What may stay holds no data: once-per-job markers (the queue's dedupe, the card's) and the fair-use
    # counters (ids and counts, expiring with their hour or day), so a redelivered job neither runs nor
    # posts nor is counted twice.
    markers = (":seen:", ":s:card:", f"{{{namespace}:limit}}")
    kept = [k for k in left if not any(m in k for m in markers)]
    assert not [k for k in kept if CHANNEL in k or ":blob" in k or any(ts in k for ts in threads)], kept


async def test_doctor_reports_the_cluster_state_and_its_masters(redis_cluster: Cluster) -> None:
    settings = Settings.from_env({"REDIS_URL": redis_cluster.url})
    assert await check_redis(settings) == "Redis Cluster, cluster_state:ok, 3 masters (REDIS_URL)"


async def enqueue_through_failover(q: JobQueue[Payload], j: Job[Payload]) -> None:
    """Enqueue, trying again while the cluster elects a new master (as the Slack intake does)."""
    for _ in range(150):
        try:
            await q.enqueue(j)
            return
        except RedisError:
            await asyncio.sleep(0.2)
    raise AssertionError("the cluster never took the job")


async def test_the_queue_carries_on_when_its_master_dies_and_the_replica_takes_over(
    own_cluster: Cluster, namespace: str
) -> None:
    client = connect_cluster(own_cluster.url, socket_timeout=5, socket_connect_timeout=2)
    handled: list[str] = []

    async def handler(j: Job[Payload]) -> None:
        handled.append(j.job_id)

    q: JobQueue[Payload] = JobQueue(client, DictCodec(), namespace=namespace, consumer="w1", claim_idle_s=0.5)
    try:
        w = worker(q, handler)
        async with running(w):
            for n in range(3):
                await q.enqueue(job("C1:1.0", n))
            await until(w, lambda s: s.done >= 3, "the jobs before the failover")
            master = client.nodes_manager.get_node_from_slot(key_slot(q.stream_key.encode()))
            # Replication is asynchronous: let the replica catch up, so the kill tests failover, not data loss.
            # Each WAIT well within the client's 5 s socket timeout; a loaded machine may need several.
            for _ in range(10):
                if await client.execute_command("WAIT", 1, 2000, target_nodes=master) >= 1:
                    break
            own_cluster.kill(int(master.port))
            for n in range(3, 6):
                await enqueue_through_failover(q, job("C1:1.0", n))
            await until(w, lambda s: s.done >= 6, "the jobs after the failover")
        assert len(own_cluster.masters()) == 3  # the dead master's replica serves its slots now
        assert handled == [f"C1:1.0:{n}" for n in range(6)]  # each once, in order
    finally:
        await client.aclose()
