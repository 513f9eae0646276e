"""Shared bits of the fake Slack: workspace identity, id and `ts` generators, and a change notifier.

The identity constants are what the fake's `auth.test` reports and what the event builders put in
envelopes, so a bolt app talking to the fake sees one consistent workspace.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import secrets
import string
import threading
import time
from collections.abc import Callable
from typing import TypeVar

TEAM_ID = "T0FAKE0001"
TEAM_DOMAIN = "fake-workspace"
API_APP_ID = "A0FAKEAPP1"
BOT_USER_ID = "U0FAKEBOT1"
BOT_ID = "B0FAKEBOT1"
BOT_NAME = "dataagent"
DEFAULT_USER = "U0FAKEUSR1"
DEFAULT_CHANNEL = "C0FAKECHN1"
DEFAULT_DM = "D0FAKEDM01"
# The legacy verification token still appears in every envelope; bolt ignores it.
VERIFICATION_TOKEN = "fakeVerificationToken0000"

_ALPHABET = string.ascii_uppercase + string.digits
_ts_lock = threading.Lock()
_last_us = 0
_counter = itertools.count(1)

T = TypeVar("T")


def new_id(prefix: str) -> str:
    """A Slack-looking id such as `F07ABC12XYZ` (prefix + 10 upper-case alphanumerics)."""
    return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(10))


def new_ts() -> str:
    """A message timestamp `"<seconds>.<micros>"`, strictly increasing across the whole process.

    Slack's `ts` doubles as the message id within a channel, so uniqueness matters more than accuracy.
    """
    global _last_us
    with _ts_lock:
        _last_us = max(time.time_ns() // 1000, _last_us + 1)
        us = _last_us
    return f"{us // 1_000_000}.{us % 1_000_000:06d}"


def new_event_id() -> str:
    """An Events API `event_id` such as `Ev0123ABCDEF`."""
    return new_id("Ev")


def new_trigger_id() -> str:
    """A `trigger_id` in Slack's `<digits>.<digits>.<hex>` shape."""
    return f"{next(_counter)}{int(time.time())}.{TEAM_ID[1:]}.{secrets.token_hex(16)}"


class Notifier:
    """Wakes waiters whenever the fake's state changes, so tests wait on conditions, never on sleeps."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def changed(self) -> None:
        """Wake every current waiter; later waiters wait for the next change."""
        self._event.set()
        self._event = asyncio.Event()

    async def wait_until(self, probe: Callable[[], T | None], timeout: float, what: Callable[[], str]) -> T:
        """Return `probe()` as soon as it is neither None nor False; fail after `timeout`.

        Args:
            probe: Called now and after every change; a result other than None or False ends the wait
                (so both `lambda: cond` and `lambda: find_something()` work).
            timeout: Seconds to wait in all.
            what: Builds the failure message (called only on timeout).

        Raises:
            AssertionError: Nothing matched in time; the message says what was expected and what was seen.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            found = probe()
            if found is not None and found is not False:
                return found
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(f"timed out after {timeout:g}s waiting for {what()}")
            event = self._event
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)
