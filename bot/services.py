"""Building the long-lived resources from settings, and closing them in order."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from agent.blobs.base import BlobStore
from agent.blobs.disk import DiskBlobs
from agent.blobs.s3 import S3Blobs, S3Settings
from agent.datasets import Datasets
from agent.engine import Engine, EngineConfig, Mode
from agent.ingest.worker import IngestLimits, IngestPool
from agent.redis_client import RedisClient
from agent.sandbox.base import SandboxProvider
from agent.sandbox.e2b import E2BSandboxProvider
from agent.sandbox.local import LocalSandboxProvider
from agent.sessions import Sessions
from agent.store import Store
from bot.config import Settings
from bot.embedded_redis import ensure_redis
from bot.llm_factory import ProviderLLM, make_llm
from bot.redis_connect import connect


def make_sandbox_provider(settings: Settings) -> SandboxProvider:
    """The configured sandbox backend: E2B when its key is set, else the local jail."""
    if settings.sandbox == "e2b":
        return E2BSandboxProvider(settings.e2b_api_key, domain=settings.e2b_domain, auto_pause=True)
    root = settings.data_dir / "sandboxes"
    root.mkdir(parents=True, exist_ok=True)
    return LocalSandboxProvider(root=Path(root).resolve())


def make_large_blobs(settings: Settings) -> BlobStore | None:
    """Where blobs over BLOB_REDIS_MAX_KB go: S3, a directory, or nowhere (BLOB_URL=redis keeps all in Redis)."""
    url = settings.blob_url
    if url == "redis":
        return None
    if url.startswith("s3://"):
        return S3Blobs(
            S3Settings(
                url,
                endpoint_url=settings.s3_endpoint_url,
                region=settings.s3_region,
                access_key_id=settings.s3_access_key_id,
                secret_access_key=settings.s3_secret_access_key,
            )
        )
    return DiskBlobs(Path(urlparse(url).path) if url else settings.data_dir / "blobs")


def redis_url(settings: Settings) -> str:
    return settings.redis_url or ensure_redis(settings.data_dir)


@dataclass
class Services:
    """Everything the bot or the CLI needs to answer questions."""

    redis: RedisClient
    store: Store
    provider: SandboxProvider
    sessions: Sessions
    llm: ProviderLLM
    engine: Engine

    def start(self) -> None:
        """Begin what is best done ahead of the first question (inside the event loop)."""
        self.sessions.warm()

    async def aclose(self) -> None:
        if self.store.large is not None:
            await self.store.large.aclose()
        await self.sessions.aclose()
        await self.provider.aclose()
        await self.llm.aclose()
        await self.redis.aclose()


def build_services(
    settings: Settings, *, namespace: str | None = None, queued: bool = False, mode: Mode | None = None
) -> Services:
    """Wire the engine. Raises ConfigError when the LLM key or model is missing.

    Args:
        settings: The configuration.
        namespace: Redis key prefix (default `settings.redis_prefix`).
        queued: The job queue orders each thread's work, so the engine need not lock threads.
        mode: How the engine works a question, over `settings.analyst_mode` (the eval's `--mode`).
    """
    llm = make_llm(settings)  # first: a missing key fails before Redis or a sandbox is touched
    client = connect(redis_url(settings), socket_timeout=30, socket_connect_timeout=10)
    store = Store(
        client,
        namespace=namespace or settings.redis_prefix,
        retention_days=settings.retention_days,
        large=make_large_blobs(settings),
        large_min_bytes=settings.blob_redis_max_kb << 10,
    )
    provider = make_sandbox_provider(settings)
    sessions = Sessions(store, provider, max_live=settings.sandbox_max_live, pool_size=settings.sandbox_pool_size)
    limits = IngestLimits(
        workers=settings.ingest_workers, timeout_s=settings.ingest_timeout_s, memory_mb=settings.ingest_memory_mb
    )
    datasets = Datasets(store, max_bytes=settings.max_file_mb << 20, pool=IngestPool(limits))
    engine = Engine(
        store,
        sessions,
        llm,
        datasets,
        EngineConfig(
            cell_timeout_s=settings.cell_timeout_s,
            thread_lock=not queued,
            mode=mode or settings.analyst_mode,
            max_steps=settings.max_steps,
            llm_data=settings.llm_data,
        ),
    )
    return Services(client, store, provider, sessions, llm, engine)
