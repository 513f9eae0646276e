"""The suite itself cannot reach the internet: only the local fakes are reachable."""

from __future__ import annotations

import socket

import pytest


def test_connections_beyond_loopback_are_refused_in_tests() -> None:
    with pytest.raises(ConnectionRefusedError, match="loopback"), socket.socket() as sock:
        sock.connect(("93.184.215.14", 443))
