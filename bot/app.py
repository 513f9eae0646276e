"""The Slack app: bolt wiring, the job worker, and the HTTP or Socket Mode front door."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import uuid
from typing import Any

from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

import handlers
from agent import AuditLog
from agent.errors import ConfigError
from bot.config import Settings
from bot.migrate import migrate_keys
from bot.services import build_services
from handlers.access import Access
from handlers.deps import Deps
from handlers.limits import FairUse, LimitSettings, Quotas
from handlers.payloads import Payload, PayloadCodec
from handlers.state import SlackState
from handlers.work import JobHandler
from jobqueue import JobQueue, Worker

log = logging.getLogger(__name__)


def check_slack_settings(settings: Settings) -> None:
    """Say which token is missing and where to get it."""
    if not settings.slack_bot_token:
        raise ConfigError(
            "SLACK_BOT_TOKEN is not set. Create the app from manifest.yml at api.slack.com/apps, install it, "
            "and copy the Bot User OAuth Token (xoxb-…) from OAuth & Permissions."
        )
    if not settings.slack_app_token and not settings.slack_signing_secret:
        raise ConfigError(
            "Set SLACK_APP_TOKEN (xapp-…, Basic Information → App-Level Tokens, scope connections:write) for "
            "Socket Mode, or SLACK_SIGNING_SECRET (Basic Information → Signing Secret) for HTTP mode."
        )


def limit_settings(settings: Settings) -> LimitSettings:
    return LimitSettings(
        user=Quotas(settings.user_questions_per_hour, settings.user_tokens_per_day),
        channel=Quotas(settings.channel_questions_per_hour, settings.channel_tokens_per_day),
    )


class Bot:
    """A running DataAgent: the bolt app, its job worker and its web server.

    Args:
        settings: configuration.
        namespace: prefix of every Redis key (default REDIS_PREFIX; tests give each test its own).
        worker_concurrency: questions worked on at once by this process.
        claim_idle_s: how long a question held by a silent (dead) process waits before another takes it.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        namespace: str | None = None,
        worker_concurrency: int = 4,
        claim_idle_s: float = 60.0,
    ) -> None:
        check_slack_settings(settings)
        namespace = namespace or settings.redis_prefix
        self.settings = settings
        self.services = build_services(settings, namespace=namespace, queued=True)
        self.client = AsyncWebClient(
            token=settings.slack_bot_token,
            base_url=settings.slack_api_url,
            timeout=30,
            retry_handlers=[
                AsyncRateLimitErrorRetryHandler(max_retry_count=3),
                AsyncConnectionErrorRetryHandler(max_retry_count=2),
            ],
        )
        socket_mode = bool(settings.slack_app_token)
        self.app = AsyncApp(
            client=self.client,
            signing_secret=settings.slack_signing_secret,
            request_verification_enabled=not socket_mode,
            process_before_response=False,
        )
        consumer = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        queue: JobQueue[Payload] = JobQueue(
            self.services.redis, PayloadCodec(), namespace=namespace, consumer=consumer, claim_idle_s=claim_idle_s
        )
        state = SlackState(self.services.redis, namespace=namespace, retention_days=settings.retention_days)
        self.deps = Deps(
            self.services.engine,
            queue,
            state,
            settings.slack_bot_token,
            settings.slack_api_url,
            settings.max_file_mb << 20,
            access=Access(settings.membership_cache_s),
            audit=AuditLog(self.services.redis, namespace=namespace, retention_days=settings.retention_days),
            retention_days=settings.retention_days,
            limits=FairUse(self.services.redis, namespace=namespace, settings=limit_settings(settings)),
            admin_ids=settings.admin_user_ids,
        )
        self.handler = JobHandler(self.deps, self.client)
        self.worker = Worker(queue, self.handler, concurrency=worker_concurrency, on_dead=self.handler.on_dead)
        handlers.register(self.app, self.deps)
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[Any]] = []
        self._runner: web.AppRunner | None = None
        self._socket: AsyncSocketModeHandler | None = None
        self.port = settings.port

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _healthz(self, _request: web.Request) -> web.Response:
        try:
            async with asyncio.timeout(2):
                await self.services.redis.ping()
        except Exception:
            return web.json_response({"ok": False, "redis": "unreachable"}, status=503)
        return web.json_response({"ok": True, "mode": "socket" if self._socket else "http"})

    async def start(self) -> None:
        """Start the worker and the front door (HTTP server, plus Socket Mode when configured)."""
        await migrate_keys(self.services.redis, self.deps.state.ns)
        self.services.start()
        self._tasks.append(asyncio.create_task(self.worker.run(self._stop), name="job-worker"))
        self._tasks.append(asyncio.create_task(self._sweep_blobs(), name="blob-sweep"))
        if self.settings.slack_app_token:
            web_app = web.Application()
            self._socket = AsyncSocketModeHandler(self.app, self.settings.slack_app_token)
            await self._socket.connect_async()  # type: ignore[no-untyped-call]
        else:
            web_app = self.app.web_app(path="/slack/events")
        web_app.router.add_get("/healthz", self._healthz)
        self._runner = web.AppRunner(web_app, access_log=None)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("0.0.0.0", self.port))
        self.port = int(sock.getsockname()[1])
        await web.SockSite(self._runner, sock).start()
        log.info(
            "bot_started mode=%s port=%d sandbox=%s",
            "socket" if self._socket else "http",
            self.port,
            self.settings.sandbox,
        )

    async def _sweep_blobs(self) -> None:
        """At start-up and every BLOB_SWEEP_S: delete big blobs whose references expired with retention."""
        while not self._stop.is_set():
            try:
                removed = await self.services.store.sweep_blobs()
                log.info("blob_sweep removed=%d", removed)
            except Exception as exc:  # a store that is down now may answer next time
                log.warning("blob_sweep_failed error=%s", type(exc).__name__)
            with contextlib.suppress(TimeoutError):  # asyncio.timeout: a cancel is never mistaken for it
                async with asyncio.timeout(self.settings.blob_sweep_s):
                    await self._stop.wait()

    async def stop(self) -> None:
        """Stop taking work, let running questions finish (bounded), close everything."""
        self._stop.set()
        if self._socket is not None:
            await self._socket.close_async()  # type: ignore[no-untyped-call]
        if self._runner is not None:
            await self._runner.cleanup()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.services.aclose()

    async def run_forever(self) -> None:
        await self.start()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, self._stop.set)
        await self._stop.wait()
        await self.stop()
