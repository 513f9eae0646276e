"""A durable job queue on a Redis Streams consumer group; no job is lost.

It knows nothing of Slack or of what a job means: a `Job[P]` carries a payload of the caller's type,
stored through the caller's `Codec[P]`. Only the standard library and redis-py are imported.

    queue = JobQueue(redis, codec, namespace="app", consumer=f"{host}-{pid}-{suffix}")
    await queue.enqueue(Job.new(thread="C1:171.5", payload=payload, job_id="q:C1:171.5"))
    await Worker(queue, handler, on_dead=tell_user).run(stop)

Keys (under the caller's namespace; `S` is the stream name, "jobs" by default):

    {ns:q:S}                 the stream: one entry per job, field `job` = JSON; deleted once acked
    {ns:q:S}:seen:{job_id}   dedupe marker (SET NX, TTL): a job id is enqueued at most once
    {ns:q:S}:t:{thread}      the thread's outstanding entry ids, in the order they run (TTL = retention)
    {ns:q:S}:t:{thread}:run  the entry of the thread that has started (TTL = retention)
    {ns:q:S}:t:{thread}:incoming  positions of requests announced, not yet withdrawn (TTL ≤ 10 s)
    {ns:q:S}:dead            dead letters: jobs that failed `max_deliveries` times (capped, TTL)

The braces are a hash tag: every key of the queue is in one slot, so the scripts run on Redis Cluster
too (the queue lives on one shard; it is small and its load is a few commands per job). An earlier
release's untagged stream `{ns}:q:S` is drained into the tagged one by `ensure_group`.

An entry's `job` field is `{"job_id", "thread", "payload", "enqueued_at"}` with `payload` the codec's
text; its `order` field is its position. An entry that does not decode (the codec raises ValueError)
goes straight to the dead letters.

Delivery. Workers read new entries with XREADGROUP (the consumer group remembers what each consumer
holds in its pending list, the PEL) and ack only after the handler finished. An entry stays in its
holder's PEL until then, so a process that dies loses nothing: once the entry has been idle for
`claim_idle_s`, any live worker takes it over with XAUTOCLAIM, which also counts the delivery. The
delivery count is `Job.attempt`; past `max_deliveries` the entry moves to the dead-letter stream.
A worker keeps every entry it holds fresh (XCLAIM … JUSTID to itself: resets the idle time without
counting a delivery), so a long job is never taken from a live owner. Ownership is checked
atomically (a Lua script reads the PEL) before each refresh, start and ack: an owner that stalled
past `claim_idle_s` learns its lease was lost and cancels its handler instead of acking. Delivery is
at least once; a handler may, rarely (lost lease, an ack that never reached Redis), see a job twice.

Per-thread order. Enqueue is one script: SET NX the dedupe marker, XADD the entry (with its
`position`: when the request was made, a chat message's time) and place its id on the thread's order
list by position, behind the job that has started, if any: requests made back to back that reach the
queue in reverse (two processes, one slower to enqueue) still run in the order they were made; a
request that arrives after a later one has started runs after it. A request still on its way can be
*announced* (`announce`: its position in the thread's `:incoming` set, with a deadline on Redis's
clock); no job of the thread positioned after a standing announcement starts until it is withdrawn
or expires. A worker may run an entry only when it is the head of its thread's list (checked
atomically with ownership: `StartVerdict`), and the start marks it as the thread's running entry; the
ack removes it from the list in the same script, which makes the next entry the head. A worker
holding an entry that is not the head *parks* it: it keeps it pending and fresh, gives its
concurrency slot back and checks again after a short delay (at once when a job of that thread
finishes in the same process); a job waiting for an entry no worker has read yet does not count
toward pausing the reader, which must go on to read it. So jobs of one thread run one at a time in
position order across any number of processes, a failed job (pending, awaiting redelivery) still
blocks the jobs queued behind it, and different threads run in parallel. Heads that are neither
pending nor still to be read (acked or trimmed outside this package) are popped. The scripts
(`lua/*.lua`) touch several keys, all under the queue's hash tag.

Modules: `job` (Job, Delivery, Codec), `queue` (JobQueue, StartVerdict), `worker` (Worker),
`stats` (WorkerStats, Outcome), `turn` (a task's concurrency slot), `waits` (waits that never swallow a
cancel), `scripts` (loads the Lua).
"""

from jobqueue.job import Codec, Delivery, Job
from jobqueue.queue import JobQueue, StartVerdict
from jobqueue.stats import Outcome, WorkerStats
from jobqueue.worker import Handler, Worker

__all__ = [
    "Codec",
    "Delivery",
    "Handler",
    "Job",
    "JobQueue",
    "Outcome",
    "StartVerdict",
    "Worker",
    "WorkerStats",
]
