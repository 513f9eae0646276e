"""A local, on-the-wire fake of E2B: what tests import from it.

`FakeE2B` (in `server`) is the fake itself, one `FakeSandbox` (in `sandbox`) per sandbox it runs;
`fixture` holds the `fake_e2b` and `e2b_provider` pytest fixtures, loaded through `pytest_plugins`.
"""

from __future__ import annotations

from tests.fakes.e2b.sandbox import FakeSandbox
from tests.fakes.e2b.server import FakeE2B, RecordedRequest

__all__ = ["FakeE2B", "FakeSandbox", "RecordedRequest"]
