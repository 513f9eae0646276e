"""E2B cloud sandboxes, driven through the official `e2b_code_interpreter.AsyncSandbox`.

Every sandbox is created without internet access, with an explicit lifetime and without any
environment variables (nothing we hold, least of all a secret, is passed in). A failing cell is
an `Execution.error`; a cell that runs past its limit is interrupted (the code-interpreter server
interrupts the kernel when the `/execute` stream is dropped) and reported as a `TimeoutError`
value; anything that means the sandbox is gone raises `SandboxLost`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path
from typing import Any

import httpx
from e2b import (
    AuthenticationException,
    NotFoundException,
    RateLimitException,
    SandboxException,
    ServiceBusyException,
    TimeoutException,
)
from e2b.connection_config import ApiParams
from e2b.sandbox.sandbox_api import SandboxLifecycle
from e2b_code_interpreter import AsyncSandbox

from agent.errors import SandboxError, SandboxLost, SandboxUnavailable
from agent.sandbox.base import DATA_DIR, Execution
from agent.sandbox.e2b_mapping import OutputFlood, StreamedOutput, timeout_execution

log = logging.getLogger(__name__)

# Failures of the HTTP layer itself (pyqwest surfaces them as httpx errors, some as OSError).
_TRANSPORT_ERRORS = (httpx.HTTPError, OSError)
_CONTROL_PLANE_ERRORS = (
    AuthenticationException,
    RateLimitException,
    TimeoutError,
    SandboxException,
    ServiceBusyException,
    *_TRANSPORT_ERRORS,
)
_BOOT_SOURCE = (Path(__file__).with_name("kernel_boot.py")).read_text(encoding="utf-8")
# Slack on top of the SDK's own request timeout, so our bound only fires when the SDK's does not.
_SLACK_S = 5.0


class E2BSandbox:
    """One live E2B sandbox (a stateful Jupyter kernel in a cloud microVM)."""

    def __init__(self, sdk: Any, *, request_timeout_s: float, max_output_bytes: int) -> None:
        self._sdk = sdk
        self._request_timeout_s = request_timeout_s
        self._max_output_bytes = max_output_bytes
        self._closed = False

    @property
    def sandbox_id(self) -> str:
        """E2B's sandbox id; `E2BSandboxProvider.connect` takes it back."""
        return str(self._sdk.sandbox_id)

    @property
    def closed(self) -> bool:
        """True once `close` was called (or the sandbox was found unusable and killed)."""
        return self._closed

    async def upload(self, name: str, data: bytes) -> str:
        """Write `data` as `DATA_DIR/name` through envd and return that path."""
        if not name or "/" in name or name in (".", ".."):
            raise ValueError(f"not a plain file name: {name!r}")
        path = f"{DATA_DIR}/{name}"
        # Big files need more than one request timeout; assume at least ~1 MB/s upstream.
        budget = self._request_timeout_s + len(data) / 1_000_000
        try:
            async with asyncio.timeout(budget + _SLACK_S):
                await self._sdk.files.write(path, data, request_timeout=budget)
        except (NotFoundException, TimeoutException, TimeoutError, *_TRANSPORT_ERRORS) as err:
            if not await self.is_alive():
                raise await self._lost("upload", err) from err
            raise SandboxError(f"uploading {name} to the E2B sandbox failed: {err}") from err
        except SandboxException as err:
            raise SandboxError(f"uploading {name} to the E2B sandbox failed: {err}") from err
        return path

    async def run(self, code: str, timeout: float) -> Execution:
        """Run a cell; see `Sandbox.run`.

        Raises:
            SandboxLost: the sandbox is gone, or no longer usable (it is then killed).
        """
        if self._closed:
            raise SandboxLost("this E2B sandbox was closed")
        started = time.monotonic()
        output = StreamedOutput(max_output_bytes=self._max_output_bytes)
        sdk_execution: Any = None
        try:
            # Our own deadline is the one that counts: dropping the stream makes the server
            # interrupt the kernel, so the sandbox keeps its state. The SDK's is a backstop.
            async with asyncio.timeout(timeout):
                sdk_execution = await self._sdk.run_code(
                    code,
                    timeout=timeout + _SLACK_S,
                    request_timeout=self._request_timeout_s,
                    on_stdout=output.on_stdout,
                    on_stderr=output.on_stderr,
                    on_result=output.on_result,
                    on_error=output.on_error,
                )
        except OutputFlood:
            log.warning("e2b cell output over the cap sandbox=%s seen_bytes=%s", self.sandbox_id, output.seen)
        except (TimeoutError, TimeoutException) as err:
            # An SDK timeout well before the deadline is the proxy giving up, not the cell.
            cell_ran_out = isinstance(err, TimeoutError) or time.monotonic() - started >= timeout
            if cell_ran_out and await self.is_alive():
                log.info("e2b cell timed out sandbox=%s timeout_s=%s", self.sandbox_id, timeout)
                return timeout_execution(timeout, time.monotonic() - started)
            raise await self._lost("run", err) from err
        except (SandboxException, *_TRANSPORT_ERRORS) as err:
            raise await self._lost("run", err) from err
        return output.execution(
            duration_s=time.monotonic() - started,
            execution_count=getattr(sdk_execution, "execution_count", None),
        )

    async def is_alive(self) -> bool:
        """Ask envd's health endpoint; any failure counts as dead."""
        if self._closed:
            return False
        try:
            async with asyncio.timeout(self._request_timeout_s + _SLACK_S):
                return bool(await self._sdk.is_running(request_timeout=self._request_timeout_s))
        except Exception:  # a health probe must answer, not raise
            log.debug("e2b health probe failed sandbox=%s", self.sandbox_id, exc_info=True)
            return False

    async def close(self) -> None:
        """Kill the sandbox. Safe to call twice; a sandbox that is already gone is fine."""
        if self._closed:
            return
        self._closed = True
        try:
            async with asyncio.timeout(self._request_timeout_s + _SLACK_S):
                await self._sdk.kill(request_timeout=self._request_timeout_s)
        except Exception as err:  # closing is best effort; E2B's own timeout reaps it anyway
            log.warning("e2b kill failed sandbox=%s error=%s", self.sandbox_id, type(err).__name__)

    async def _lost(self, during: str, err: BaseException) -> SandboxLost:
        # Whatever is left of it is unusable: kill it (best effort) so the fresh sandbox that
        # resurrection starts is the only one, and later calls fail fast.
        log.warning("e2b sandbox lost sandbox=%s during=%s error=%s", self.sandbox_id, during, err)
        await self.close()
        return SandboxLost(f"the E2B sandbox {self.sandbox_id} is gone ({type(err).__name__})")


class E2BSandboxProvider:
    """Creates E2B sandboxes and reattaches to them by id.

    Args:
        api_key: the E2B API key (`E2B_API_KEY`); it only ever goes to E2B's control plane.
        template: sandbox template; None means the code-interpreter default.
        sandbox_timeout_s: sandbox lifetime E2B enforces (its own default is only 300 s).
        request_timeout_s: bound on each control-plane and envd request.
        create_timeout_s: bound on creating or resuming a sandbox.
        max_output_bytes: cap on the stdout and on the stderr of one cell.
        auto_pause: pause instead of kill when the lifetime runs out, resume on connect.
        kill_on_aclose: kill the sandboxes this provider handed out when it is closed
            (otherwise they outlive the process, for a later `connect`, until their timeout).
        domain, api_url, sandbox_url: where E2B lives (tests point these at a local fake).
    """

    kind = "e2b"

    def __init__(
        self,
        api_key: str | None,
        *,
        template: str | None = None,
        sandbox_timeout_s: int = 3600,
        request_timeout_s: float = 30.0,
        create_timeout_s: float = 90.0,
        max_output_bytes: int = 1 << 20,
        auto_pause: bool = False,
        kill_on_aclose: bool = False,
        domain: str | None = None,
        api_url: str | None = None,
        sandbox_url: str | None = None,
    ) -> None:
        self._api_key = api_key
        self._template = template
        self._sandbox_timeout_s = sandbox_timeout_s
        self._request_timeout_s = request_timeout_s
        self._create_timeout_s = create_timeout_s
        self._max_output_bytes = max_output_bytes
        self._auto_pause = auto_pause
        self._kill_on_aclose = kill_on_aclose
        self._params = ApiParams(api_key=api_key, debug=False, request_timeout=request_timeout_s)
        if domain:
            self._params["domain"] = domain
        if api_url:
            self._params["api_url"] = api_url
        if sandbox_url:
            self._params["sandbox_url"] = sandbox_url
        self._handed_out: list[E2BSandbox] = []

    async def create(self) -> E2BSandbox:
        """Start a sandbox: no internet, explicit lifetime, no environment variables.

        Raises:
            SandboxUnavailable: no key, a rejected key, rate limits, or E2B unreachable.
        """
        if not self._api_key:
            raise SandboxUnavailable("E2B_API_KEY is not set: add it, or use SANDBOX=local", misconfigured=True)
        lifecycle: SandboxLifecycle | None = {"on_timeout": "pause", "auto_resume": True} if self._auto_pause else None
        try:
            async with asyncio.timeout(self._create_timeout_s):
                sdk = await AsyncSandbox.create(
                    template=self._template,
                    timeout=self._sandbox_timeout_s,
                    allow_internet_access=False,
                    metadata={"app": "dataagent"},
                    lifecycle=lifecycle,
                    **self._params,
                )
        except _CONTROL_PLANE_ERRORS as err:
            raise _control_plane_error(err, self._create_timeout_s) from err
        log.info("e2b sandbox created sandbox=%s timeout_s=%s", sdk.sandbox_id, self._sandbox_timeout_s)
        sandbox = self._wrap(sdk)
        await self._boot(sandbox)
        return sandbox

    async def _boot(self, sandbox: E2BSandbox) -> None:
        # The same start-up the local kernel gets, so an honest print flood reaches the host as one
        # small capped message; the host's own stream cap stays the wall.
        boot = await sandbox.run(f"_dataagent_e2b_cap = {self._max_output_bytes:d}\n{_BOOT_SOURCE}", timeout=60)
        if boot.error is not None:
            log.warning("e2b boot cell failed sandbox=%s error=%s", sandbox.sandbox_id, boot.error.name)

    async def connect(self, sandbox_id: str) -> E2BSandbox:
        """Reattach (and resume, if paused) a sandbox by id.

        Raises:
            SandboxLost: E2B does not know it (killed, expired) or it cannot be reached.
            SandboxUnavailable: the API key is missing or rejected.
        """
        if not self._api_key:
            raise SandboxUnavailable("E2B_API_KEY is not set: add it, or use SANDBOX=local", misconfigured=True)
        try:
            async with asyncio.timeout(self._create_timeout_s):
                sdk = await AsyncSandbox.connect(sandbox_id, timeout=self._sandbox_timeout_s, **self._params)
        except _CONTROL_PLANE_ERRORS as err:
            mapped = _control_plane_error(err, self._create_timeout_s)
            if isinstance(mapped, SandboxUnavailable) and mapped.misconfigured:
                raise mapped from err
            log.info("e2b connect failed sandbox=%s error=%s", sandbox_id, type(err).__name__)
            raise SandboxLost(f"the E2B sandbox {sandbox_id} is gone ({type(err).__name__})") from err
        return self._wrap(sdk)

    async def aclose(self) -> None:
        """Forget handed-out sandboxes, killing them first when `kill_on_aclose` is set."""
        handed_out, self._handed_out = self._handed_out, []
        if self._kill_on_aclose:
            await asyncio.gather(*(sandbox.close() for sandbox in handed_out))

    def _wrap(self, sdk: Any) -> E2BSandbox:
        sandbox = E2BSandbox(sdk, request_timeout_s=self._request_timeout_s, max_output_bytes=self._max_output_bytes)
        self._handed_out = [s for s in self._handed_out if not s.closed]
        self._handed_out.append(sandbox)
        return sandbox


def _control_plane_error(err: BaseException, create_timeout_s: float) -> SandboxUnavailable:
    """The one map of E2B control-plane failures (creating or reattaching a sandbox)."""
    if isinstance(err, AuthenticationException):
        return SandboxUnavailable("E2B rejected the API key: check E2B_API_KEY", misconfigured=True)
    if isinstance(err, RateLimitException):
        return SandboxUnavailable("E2B is rate limiting sandbox creation; try again shortly")
    if isinstance(err, TimeoutError):
        return SandboxUnavailable(f"E2B did not start a sandbox within {create_timeout_s:g} s")
    return SandboxUnavailable(f"E2B could not start a sandbox: {type(err).__name__}: {err}")
