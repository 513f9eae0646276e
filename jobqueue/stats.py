"""What a worker counts (`WorkerStats`) and how it settles an entry (`Outcome`)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


@dataclass
class WorkerStats:
    """Live counters of one worker (for health checks, benchmarks and tests)."""

    read: int = 0  # entries delivered new
    reclaimed: int = 0  # entries taken over from idle holders
    reclaim_passes: int = 0
    started: int = 0
    done: int = 0  # handled and acked
    failed: int = 0  # handler raised or timed out
    dead: int = 0  # moved to the dead-letter stream
    lost: int = 0  # lease lost to another consumer
    parked: int = 0  # entries waiting for an earlier job of their thread (a gauge)


class Outcome(Enum):
    """How this worker is done with an entry it held."""

    DONE = "done"  # handled and acked
    DEAD = "dead"  # moved to the dead letters
    LOST = "lost"  # another consumer holds it now
    RETRY = "retry"  # the handler failed: left pending, redelivered after claim_idle_s
    UNSETTLED = "unsettled"  # Redis did not answer the ack or bury: redelivered after claim_idle_s
