"""Secrets that slip into a log line are redacted before they are written."""

from __future__ import annotations

import logging

import pytest

from bot.logs import RedactSecrets


def test_a_token_in_a_log_message_is_redacted(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("test.redact")
    logger.addFilter(RedactSecrets(["xoxb-super-secret-token"]))
    try:
        with caplog.at_level(logging.INFO, logger="test.redact"):
            logger.info("calling slack with %s for channel %s", "xoxb-super-secret-token", "C1")
    finally:
        logger.filters.clear()
    assert "xoxb-super-secret-token" not in caplog.text
    assert "[redacted]" in caplog.text and "C1" in caplog.text
