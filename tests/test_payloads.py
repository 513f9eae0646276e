"""The Slack layer's stored forms: job payloads through their codec, and the records behind the buttons."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis

from handlers.files import SharedFile
from handlers.payloads import FileJob, Payload, PayloadCodec, QuestionJob, SavedAnswer
from handlers.state import SlackState
from jobqueue import Codec, Job, JobQueue

SALES = SharedFile("F1", "sales.csv", 1234, "https://files.slack.com/files-pri/T1-F1/sales.csv", "csv", "text/csv")
PAYLOADS: list[Payload] = [
    QuestionJob(channel="C1", thread_ts="171.5", question="total by region?", user="U1", borrow_latest=True),
    FileJob(channel="C1", thread_ts="171.5", user="U1", files=(SALES, SharedFile("F2", "b.tsv", 0, "", "", ""))),
]


@pytest.mark.parametrize("payload", PAYLOADS, ids=["question", "file"])
def test_a_payload_comes_back_as_it_went_in(payload: Payload) -> None:
    codec: Codec[Payload] = PayloadCodec()
    assert codec.decode(codec.encode(payload)) == payload
    job = Job.new("C1:171.5", payload, job_id="q:C1:171.5")
    assert Job.from_json(job.to_json(codec), 2, codec) == Job(job.job_id, job.thread, payload, job.enqueued_at, 2)


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "[]",
        '{"kind": "answer"}',
        '{"channel": "C1", "thread_ts": "1", "question": "q", "user": "U1", "borrow_latest": false}',
        '{"kind": "question", "channel": "C1", "thread_ts": "1", "question": "q", "user": "U1"}',
        '{"kind": "question", "channel": 7, "thread_ts": "1", "question": "q", "user": "U1", "borrow_latest": false}',
        '{"kind": "file", "channel": "C1", "thread_ts": "1", "user": "U1", "files": {}}',
        '{"kind": "file", "channel": "C1", "thread_ts": "1", "user": "U1", "files": [{"file_id": "F1"}]}',
    ],
)
def test_a_corrupt_payload_is_a_value_error(raw: str) -> None:
    with pytest.raises(ValueError, match=r"^job payload"):
        PayloadCodec().decode(raw)


def test_a_file_size_must_be_a_number_not_a_flag() -> None:
    body = json.loads(PayloadCodec().encode(PAYLOADS[1]))
    body["files"][0]["size"] = True
    with pytest.raises(ValueError, match="size"):
        PayloadCodec().decode(json.dumps(body))


@pytest.fixture
async def state(redis_url: str, namespace: str) -> AsyncIterator[SlackState]:
    client = aioredis.from_url(redis_url)
    yield SlackState(client, namespace=namespace, retention_days=1)
    await client.aclose()


async def test_a_saved_answer_is_read_back_typed(state: SlackState) -> None:
    saved = SavedAnswer("total by region?", "print(df.sum())", "42\n", "C1", "171.5", "U1", borrow_latest=True)
    await state.save_answer("q:C1:171.5", saved)
    assert await state.answer("q:C1:171.5") == saved
    assert await state.answer("q:C1:nothing") is None


async def test_answers_saved_by_the_previous_release_still_work_their_buttons(state: SlackState) -> None:
    # The dict the handler stored before SavedAnswer existed: the same keys, so Show code keeps working.
    old = {
        "question": "q",
        "code": None,
        "stdout": "",
        "channel": "C1",
        "thread_ts": "1.2",
        "user": "U1",
        "borrow_latest": False,
    }
    await state.redis.set(state._k("answer", "old"), json.dumps(old))
    assert await state.answer("old") == SavedAnswer("q", None, "", "C1", "1.2", "U1", borrow_latest=False)


async def test_an_unreadable_answer_record_reads_as_gone(state: SlackState) -> None:
    await state.redis.set(state._k("answer", "bad"), '{"question": 1}')
    assert await state.answer("bad") is None


async def test_questions_and_files_queued_by_the_previous_release_are_still_answered(
    redis_url: str, namespace: str
) -> None:
    """An upgrade must not drop what is in the queue: release 0.1 stored `kind` + a payload object."""
    client = aioredis.from_url(redis_url)
    queue = JobQueue(client, PayloadCodec(), namespace=namespace, consumer="c1")
    slack_file = {"id": "F9", "name": "q3.csv", "size": 12, "url_private_download": "https://files.slack.com/x"}
    question = {"channel": "C1", "thread_ts": "1.5", "question": "how many?", "user": "U1", "borrow_latest": False}
    old = [("question", question), ("file", {"channel": "C1", "thread_ts": "1.5", "user": None, "files": [slack_file]})]
    try:
        await queue.ensure_group()
        for n, (kind, payload) in enumerate(old):
            body = {"job_id": f"j{n}", "thread": "C1:1.5", "kind": kind, "payload": payload, "enqueued_at": 1.0}
            await client.xadd(queue.stream_key, {"job": json.dumps(body)})
        delivered = [d.job.payload for d in await queue.read(2, 1.0)]
    finally:
        await client.aclose()
    assert delivered == [
        QuestionJob(channel="C1", thread_ts="1.5", question="how many?", user="U1", borrow_latest=False),
        FileJob(
            channel="C1",
            thread_ts="1.5",
            user="",
            files=(SharedFile("F9", "q3.csv", 12, "https://files.slack.com/x", "", ""),),
        ),
    ]
