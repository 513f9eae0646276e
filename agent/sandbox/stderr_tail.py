"""The last lines a jailed kernel wrote to stderr, read from a plain pipe the bot owns.

asyncio's subprocess pipes close their transport only after reading to the end: a reader stopped
before that (a close that gave up waiting, a test's loop shutting down) leaves an open transport and
pipe for the garbage collector, which warns about them at exit. This pipe is read with the loop's
`add_reader` and closed when the sandbox says so, whatever the kernel did.
"""

from __future__ import annotations

import asyncio
import collections
import os

_CHUNK = 65536


class StderrTail:
    """A pipe whose write end is the kernel's stderr; keeps a bounded tail for diagnostics.

    Kernels echo captured output to stderr too, so only the last `lines` chunks are kept.
    """

    def __init__(self, lines: int = 40) -> None:
        self._tail: collections.deque[str] = collections.deque(maxlen=lines)
        self._read_fd, self.write_fd = os.pipe()
        os.set_blocking(self._read_fd, False)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ended = asyncio.Event()

    def start(self) -> None:
        """Read from now on; the kernel holds the write end, so ours is closed (its end is our EOF)."""
        self._close_write_end()
        self._loop = asyncio.get_running_loop()
        self._loop.add_reader(self._read_fd, self._read)

    @property
    def text(self) -> str:
        return " ".join(self._tail)

    async def close(self, grace_s: float) -> None:
        """Read what is left until the pipe ends (everything in the jail is gone by now) or `grace_s`
        passes, then close it."""
        self._close_write_end()
        if self._loop is not None and self._read_fd >= 0:
            try:
                async with asyncio.timeout(grace_s):
                    await self._ended.wait()
            except TimeoutError:
                pass
        self._close_read_end()

    def _read(self) -> None:
        try:
            chunk = os.read(self._read_fd, _CHUNK)
        except BlockingIOError:
            return
        except OSError:
            chunk = b""
        if chunk:
            self._tail.append(chunk.decode(errors="replace")[-2000:])
            return
        self._close_read_end()

    def _close_write_end(self) -> None:
        if self.write_fd >= 0:
            os.close(self.write_fd)
            self.write_fd = -1

    def _close_read_end(self) -> None:
        if self._read_fd < 0:
            return
        if self._loop is not None and not self._loop.is_closed():
            self._loop.remove_reader(self._read_fd)
        os.close(self._read_fd)
        self._read_fd = -1
        self._ended.set()
