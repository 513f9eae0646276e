"""What the queue carries: a `Job` around a caller's payload, the `Codec` that stores it, a `Delivery`."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

P = TypeVar("P")


class Codec(Protocol[P]):
    """Turns a payload into the text stored in Redis and back.

    The queue never looks inside a payload: what a job means (a question, a file, …) is the codec's and
    the handler's business.
    """

    def encode(self, payload: P) -> str:
        """The stored form of `payload`."""
        ...

    def decode(self, raw: str) -> P:
        """The payload stored as `raw`.

        Raises:
            ValueError: `raw` is not something `encode` wrote; the entry is moved to the dead letters.
        """
        ...


@dataclass(frozen=True)
class Job(Generic[P]):
    """A unit of work for a thread.

    Attributes:
        job_id: Caller-chosen id; enqueueing the same id twice enqueues once (Slack retries, the
            mention that also arrives as a message).
        thread: Opaque ordering key: jobs of one thread run one at a time, in enqueue order.
        payload: What to do, stored with the queue's `Codec`.
        enqueued_at: Wall-clock seconds since the epoch when the job was created.
        attempt: Delivery count, set on delivery (1 on the first); 0 before enqueueing.
    """

    job_id: str
    thread: str
    payload: P
    enqueued_at: float = field(default_factory=time.time)
    attempt: int = 0

    @classmethod
    def new(cls, thread: str, payload: P, job_id: str | None = None) -> Job[P]:
        """A job with a fresh random id unless `job_id` is given."""
        return cls(job_id or uuid.uuid4().hex, thread, payload)

    def to_json(self, codec: Codec[P]) -> str:
        """The stored form; `attempt` is not stored, Redis counts deliveries."""
        body = {
            "job_id": self.job_id,
            "thread": self.thread,
            "payload": codec.encode(self.payload),
            "enqueued_at": self.enqueued_at,
        }
        return json.dumps(body, separators=(",", ":"))

    @classmethod
    def from_json(cls, raw: str | bytes, attempt: int, codec: Codec[P]) -> Job[P]:
        """Rebuild a delivered job.

        Raises:
            ValueError: the entry is corrupt, or its payload is (as the codec reports it).
        """
        try:
            d = json.loads(raw)
            job_id, thread, payload, enqueued_at = d["job_id"], d["thread"], d["payload"], d["enqueued_at"]
        except (KeyError, TypeError) as exc:
            raise ValueError(f"not a job: {type(exc).__name__}") from None
        if isinstance(payload, dict):
            # An entry written before payloads had a codec (release 0.1): its kind sat beside the payload.
            payload = json.dumps({**payload, "kind": d.get("kind")})
        if not (isinstance(job_id, str) and isinstance(thread, str) and isinstance(payload, str)):
            raise ValueError("not a job: job_id, thread and payload must be strings")
        if not isinstance(enqueued_at, int | float):
            raise ValueError("not a job: enqueued_at must be a number")
        return cls(job_id, thread, codec.decode(payload), float(enqueued_at), attempt)


@dataclass(frozen=True)
class Delivery(Generic[P]):
    """A job as handed to one consumer: `entry_id` names it in the stream and the PEL."""

    entry_id: str
    job: Job[P]
