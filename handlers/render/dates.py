"""Dates as people read them in any workspace: "8 Dec" (UTC, month names spelled out here, not by the locale)."""

from __future__ import annotations

from datetime import UTC, datetime

from handlers import texts

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def day_month(epoch_s: float, now: float) -> str:
    """ "8 Dec", with the year when it is not the current one ("3 Jan 2027")."""
    day, today = datetime.fromtimestamp(epoch_s, UTC), datetime.fromtimestamp(now, UTC)
    shown = f"{day.day} {_MONTHS[day.month - 1]}"
    return shown if day.year == today.year else f"{shown} {day.year}"


def kept_until(epoch_s: float, now: float) -> str:
    """The "kept until 8 Dec" of data that is deleted at `epoch_s`."""
    return texts.KEPT_UNTIL.format(date=day_month(epoch_s, now))
