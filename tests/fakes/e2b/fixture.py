"""Pytest fixtures for the E2B backend: the on-the-wire fake and a provider pointed at it."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator

import pytest

from agent.sandbox.e2b import E2BSandboxProvider
from tests.fakes.e2b.server import FakeE2B


@pytest.fixture
async def fake_e2b() -> AsyncIterator[FakeE2B]:
    """A running fake E2B (control plane + sandbox proxy) on 127.0.0.1; `.kill(id)`, `.requests`."""
    if shutil.which("bwrap") is None:
        pytest.fail("bubblewrap (bwrap) is not installed; the fake E2B runs each kernel under it")
    server = FakeE2B()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def e2b_provider(fake_e2b: FakeE2B) -> AsyncIterator[E2BSandboxProvider]:
    """An `E2BSandboxProvider` that talks to `fake_e2b` through the real SDK; closed at teardown."""
    provider = E2BSandboxProvider(
        fake_e2b.api_key,
        api_url=fake_e2b.api_url,
        sandbox_url=fake_e2b.sandbox_url,
        request_timeout_s=10.0,
        create_timeout_s=60.0,
        kill_on_aclose=True,
    )
    try:
        yield provider
    finally:
        await provider.aclose()
