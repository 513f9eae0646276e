"""`dataagent doctor`: check every dependency the bot needs and say what to fix."""

from __future__ import annotations

import asyncio
import ipaddress
import time
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qs, urlparse

import redis.asyncio as aioredis
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from agent import texts
from agent.errors import DataAgentError, ToolsUnsupported
from agent.llm.base import ChatMessage, Completion, ToolSpec
from agent.llm.loop_prompts import RUN_PYTHON
from agent.sandbox.local import LocalSandboxProvider
from bot.config import Settings
from bot.llm_factory import ProviderLLM, make_llm
from bot.redis_connect import connect_cluster, is_cluster_url, parse_cluster_url
from bot.services import make_large_blobs, make_sandbox_provider, redis_url

Check = Callable[[Settings], Awaitable[str]]


class Problem(Exception):
    """A failed check; the message says what to fix."""


async def check_slack(settings: Settings) -> str:
    if not settings.slack_bot_token:
        raise Problem("SLACK_BOT_TOKEN is not set (OAuth & Permissions → Bot User OAuth Token).")
    client = AsyncWebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url, timeout=15)
    try:
        auth = await client.auth_test()
    except SlackApiError as exc:
        raise Problem(f"Slack refused the bot token ({exc.response.get('error')}); reinstall the app.") from None
    mode = "Socket Mode" if settings.slack_app_token else "HTTP mode"
    if not settings.slack_app_token and not settings.slack_signing_secret:
        raise Problem("Set SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP mode).")
    return f"bot <@{auth.get('user_id')}> in team {auth.get('team')}, {mode}"


async def check_redis(settings: Settings) -> str:
    url = redis_url(settings)
    if is_cluster_url(url):
        return await _check_cluster(url) + _open_warning(url)
    redis = aioredis.from_url(url, socket_connect_timeout=5, socket_timeout=5)
    try:
        info = await redis.info("server")
    except Exception as exc:
        raise Problem(f"cannot reach Redis ({type(exc).__name__}); check REDIS_URL.") from None
    finally:
        await redis.aclose()
    where = "REDIS_URL" if settings.redis_url else f"private server under {settings.data_dir}"
    return f"Redis {info.get('redis_version')} ({where})" + _open_warning(url)


async def _check_cluster(url: str) -> str:
    """The cluster's state as one of its nodes sees it, and how many masters serve its slots."""
    cluster = connect_cluster(url, socket_timeout=5, socket_connect_timeout=5)
    try:
        info = await cluster.cluster_info()
        masters = len(cluster.get_primaries())
    except Exception as exc:
        raise Problem(f"cannot reach the Redis Cluster ({type(exc).__name__}); check REDIS_URL.") from None
    finally:
        await cluster.aclose()
    state = info.get("cluster_state") if isinstance(info, dict) else None
    if state != "ok":
        raise Problem(f"the Redis Cluster reports cluster_state:{state}; some slots have no master.")
    return f"Redis Cluster, cluster_state:ok, {masters} masters (REDIS_URL)"


def _open_warning(url: str) -> str:
    host = unauthenticated_remote(url)
    if not host:
        return ""
    return (
        f"; ⚠ warning: Redis at {host} answered without a password, so anyone who can reach it can read"
        " every dataset. Set requirepass (or an ACL user) and put it in REDIS_URL"
        " (rediss://:PASSWORD@host:6380/0), or keep Redis on loopback or a unix socket."
    )


def unauthenticated_remote(url: str) -> str | None:
    """The host of a Redis URL that is neither loopback nor a unix socket and carries no password."""
    if is_cluster_url(url):
        address = parse_cluster_url(url)
        if address.password:
            return None
        remote = (unauthenticated_remote(f"redis://{host}:{port}") for host, port in address.nodes)
        return next((r for r in remote if r), None)
    parsed = urlparse(url)
    if parsed.scheme == "unix" or not parsed.hostname:
        return None
    if parsed.password or parse_qs(parsed.query).get("password"):
        return None
    host = parsed.hostname
    if host == "localhost":
        return None
    try:
        if ipaddress.ip_address(host).is_loopback:
            return None
    except ValueError:
        pass  # a host name: a remote machine as far as we can tell
    return f"{host}:{parsed.port or 6379}"


async def check_blobs(settings: Settings) -> str:
    """The store that takes big blobs is writable (a directory) or its bucket answers (S3)."""
    try:
        large = make_large_blobs(settings)
    except ValueError as exc:
        raise Problem(str(exc)) from None
    if large is None:
        return "every blob in Redis (BLOB_URL=redis)"
    try:
        return await large.check()
    except Exception as exc:
        # The exception's text may echo the endpoint's reply, never a credential: it is not shown.
        raise Problem(f"cannot write blobs to {large.name} ({type(exc).__name__}); check BLOB_URL and S3_*.") from None
    finally:
        await large.aclose()


async def check_sandbox(settings: Settings) -> str:
    provider = make_sandbox_provider(settings)
    started = time.monotonic()
    try:
        box = await provider.create()
        try:
            result = await box.run("import pandas, matplotlib\nprint(pandas.__version__)", timeout=60)
        finally:
            await box.close()
    except DataAgentError as exc:
        raise Problem(str(exc)) from None
    finally:
        await provider.aclose()
    if result.error is not None:
        raise Problem(f"the sandbox started but pandas failed: {result.error.name}: {result.error.value}")
    detail = f"{settings.sandbox} sandbox ran pandas {result.stdout.strip()} in {time.monotonic() - started:.1f} s"
    if isinstance(provider, LocalSandboxProvider):
        # Without a cgroup the jail still runs, so this is not a failure, but the operator should know.
        detail += f"; memory: {provider.memory_isolation}"
    return detail


_PING: list[ChatMessage] = [{"role": "user", "content": "Reply with OK."}]


async def check_llm(settings: Settings) -> str:
    """One tiny call to the configured provider and model, offering run_python unless LLM_TOOLS=off."""
    try:
        llm = make_llm(settings, retry_budget_s=20)
    except DataAgentError as exc:
        raise Problem(str(exc)) from None
    try:
        refuses_tools, reply = await _ping(llm, (RUN_PYTHON,) if settings.llm_tools else ())
    except DataAgentError as exc:
        raise Problem(str(exc)) from None
    finally:
        await llm.aclose()
    if refuses_tools:
        return texts.DOCTOR_NO_TOOLS.format(model=settings.llm_model)
    return f"{settings.llm_provider} model {settings.llm_model} answered in {reply.duration_s:.1f} s"


async def _ping(llm: ProviderLLM, tools: tuple[ToolSpec, ...]) -> tuple[bool, Completion]:
    """Whether the model refused the tools, and its reply (asked again without them if it did)."""
    try:
        return False, await llm.complete(_PING, max_tokens=16, tools=tools)
    except ToolsUnsupported:
        # It refused the tools, not the question: a plain call shows the model itself answers.
        return True, await llm.complete(_PING, max_tokens=16)


CHECKS: tuple[tuple[str, Check], ...] = (
    ("Slack", check_slack),
    ("Redis", check_redis),
    ("Blobs", check_blobs),
    ("Sandbox", check_sandbox),
    ("LLM", check_llm),
)


async def run_checks(settings: Settings) -> list[tuple[str, bool, str]]:
    results = []
    for name, check in CHECKS:
        try:
            detail = await asyncio.wait_for(check(settings), 120)
            results.append((name, True, detail))
        except (Problem, TimeoutError) as exc:
            results.append((name, False, str(exc) or "timed out"))
    return results


def doctor(settings: Settings) -> int:
    results = asyncio.run(run_checks(settings))
    for name, ok, detail in results:
        print(f"{'✓' if ok else '✗'} {name}: {detail}")
    return 0 if all(ok for _, ok, _ in results) else 1
