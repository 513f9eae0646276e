"""The App Home tab (what the bot is, how to use it, the data in the user's channels) and the Forget modal."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from handlers import texts
from handlers.render.blocks import MAX_MODAL_BLOCKS, MAX_SECTION, Block, context, plain_text, section
from handlers.render.commands import COMMAND
from handlers.render.dates import kept_until
from handlers.render.mrkdwn import escape

HOME_FORGET = "home_forget"
HOME_FORGET_VIEW = "home_forget_confirm"
MAX_HOME_CHANNELS = 40
MAX_CHANNEL_DATASETS = 10
_NAME_CAP = 80


@dataclass(frozen=True)
class HomeDataset:
    name: str
    var_name: str
    rows: int
    cols: int
    expires_at: float | None  # epoch seconds; None when unknown


@dataclass(frozen=True)
class HomeChannel:
    channel: str
    datasets: tuple[HomeDataset, ...]


def home_view(
    channels: Sequence[HomeChannel], *, now: float, command: str = COMMAND, unchecked: bool = False
) -> dict[str, Any]:
    """The Home tab for `views.publish`: about, how to, then each channel's datasets with a Forget button.

    `unchecked`: Slack could not say which conversations the user is in, so nothing is listed, and it says so.
    """
    blocks: list[Block] = [
        {"type": "header", "text": plain_text(texts.HOME_TITLE_PLAIN, 150)},
        section(texts.HOME_ABOUT),
        section(texts.HOME_HOW.format(cmd=command)),
        {"type": "divider"},
        section(texts.HOME_DATA_HEADER),
    ]
    if unchecked:
        blocks.append(section(texts.HOME_UNCHECKED))
    elif not channels:
        blocks.append(section(texts.HOME_NO_DATA))
    blocks.extend(_channel(c, now) for c in channels[:MAX_HOME_CHANNELS])
    if len(channels) > MAX_HOME_CHANNELS:
        blocks.append(context(texts.HOME_MORE_CHANNELS.format(n=len(channels) - MAX_HOME_CHANNELS)))
    blocks.append(context(texts.HOME_RETENTION))
    return {"type": "home", "blocks": blocks[:MAX_MODAL_BLOCKS]}


def forget_modal(channel: str) -> dict[str, Any]:
    """Asks before forgetting a channel's data; only its Confirm (a `view_submission`) deletes."""
    where = texts.FORGET_WHERE_DM if _is_dm(channel) else texts.FORGET_WHERE_CHANNEL.format(channel=escape(channel))
    return {
        "type": "modal",
        "callback_id": HOME_FORGET_VIEW,
        "private_metadata": channel,
        "title": plain_text(texts.FORGET_TITLE_PLAIN, 24),
        "submit": plain_text(texts.FORGET_CONFIRM_PLAIN, 24),
        "close": plain_text(texts.FORGET_CANCEL_PLAIN, 24),
        "blocks": [section(texts.FORGET_QUESTION.format(where=where))],
    }


def expires_in(expires_at: float | None, now: float) -> str:
    """The " · kept until 8 Dec" suffix of a dataset line; empty when unknown."""
    if expires_at is None:
        return ""
    return texts.HOME_EXPIRES.format(when=kept_until(expires_at, now))


def _channel(channel: HomeChannel, now: float) -> Block:
    title = texts.HOME_DM if _is_dm(channel.channel) else texts.HOME_CHANNEL.format(channel=escape(channel.channel))
    lines = [title]
    for d in channel.datasets[:MAX_CHANNEL_DATASETS]:
        name = escape(_cap(d.name.replace("*", ""), _NAME_CAP))
        var = escape(_cap(d.var_name.replace("`", "'"), _NAME_CAP))
        expiry = expires_in(d.expires_at, now)
        lines.append(texts.HOME_DATASET_LINE.format(name=name, var=var, rows=d.rows, cols=d.cols, expiry=expiry))
    if len(channel.datasets) > MAX_CHANNEL_DATASETS:
        lines.append(texts.HOME_MORE_DATASETS.format(n=len(channel.datasets) - MAX_CHANNEL_DATASETS))
    block = section("\n".join(lines)[:MAX_SECTION])
    block["accessory"] = {
        "type": "button",
        "text": plain_text(texts.HOME_FORGET_PLAIN, 75),
        "action_id": HOME_FORGET,
        "value": channel.channel,
        "style": "danger",
    }
    return block


def _is_dm(channel: str) -> bool:
    return channel.startswith("D")


def _cap(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
