"""Conversation manners: which messages in a thread are meant for the bot, and how a question reads.

Pure functions over Slack message text (as Slack sends it: mentions as `<@U…>`, `&`, `<`, `>` as
entities). A bot that answers every "thanks!" or a question put to a colleague is noise, so an
unaddressed reply in an active thread is only taken when it reads like a question for the bot.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

_USER = re.compile(r"<@([UW][A-Z0-9]+)(?:\|([^>]*))?>")
# `<!here>`, `<!channel>`, `<!everyone>`, `<!subteam^S…|@team>`: addressed to people, never to the bot.
_SPECIAL = re.compile(r"<!(here|channel|everyone|subteam\^[A-Z0-9]+)(?:\|([^>]*))?>")
_CHANNEL = re.compile(r"<#([CG][A-Z0-9]+)(?:\|([^>]*))?>")
_LINK = re.compile(r"<((?:https?://|mailto:)[^<>|]+)(?:\|([^<>]*))?>")
_SHORTCODE = re.compile(r":[a-z0-9_+'-]+:", re.IGNORECASE)
_WORD = re.compile(r"[\w'’]+")

_THANKS = ("thanks", "thank you", "thank u", "thx", "ty", "tysm", "cheers", "many thanks")
_ACKS = {
    "ok", "okay", "k", "kk", "cool", "great", "nice", "got it", "gotcha", "lol", "lmao", "haha", "hah", "yes",
    "no", "yep", "nope", "sure", "perfect", "awesome", "wow", "sweet", "noted", "fine", "done", "right",
}  # fmt: skip
# Words that make even a two-word message a request for the bot ("plot revenue", "revenue by month").
_ASKING = {
    "what", "which", "who", "whom", "whose", "when", "where", "why", "how", "is", "are", "was", "were", "do",
    "does", "did", "can", "could", "would", "should", "will", "list", "show", "plot", "chart", "graph", "draw",
    "give", "count", "sum", "total", "average", "mean", "median", "compare", "find", "sort", "rank", "top",
    "bottom", "group", "filter", "describe", "summarise", "summarize", "explain", "calculate", "compute",
    "tell", "max", "min", "use", "by", "per", "vs", "versus",
}  # fmt: skip
_SHORT_WORDS = 3


@dataclass(frozen=True)
class Where:
    """What is known about a message's place besides its text."""

    addressed: bool  # it mentions the bot (or is an app_mention)
    is_dm: bool
    active_thread: bool  # a reply in a thread that holds data or that the bot answered in
    people: int  # different humans who have posted in the thread, this message's author included


def for_the_bot(text: str, bot_user_id: str | None, where: Where) -> bool:
    """Whether a message is a question for the bot.

    A mention is always taken and a DM is always for the bot. An unaddressed reply in an active
    thread is taken unless it talks to someone else, is chatter, or two people are talking there.
    """
    if where.addressed or where.is_dm:
        return True
    if not where.active_thread or where.people >= 2:
        return False
    return not (mentions_someone_else(text, bot_user_id) or is_chatter(text))


def mentions_someone_else(text: str, bot_user_id: str | None) -> bool:
    """It mentions a person (or @here, a user group) and not the bot: "@bob can you double-check East?"."""
    users = {m.group(1) for m in _USER.finditer(text or "")}
    if bot_user_id and bot_user_id in users:
        return False
    return bool(users) or bool(_SPECIAL.search(text or ""))


def is_chatter(text: str) -> bool:
    """Acknowledgement, emoji or a very short remark that asks nothing ("thanks!", "ok", ":tada:", "nice one")."""
    plain = _plain(text)
    if not plain.strip(" !.,;:-~…"):
        return True  # emoji, punctuation or nothing at all
    if "?" in plain:
        return False
    words = [w.lower() for w in _WORD.findall(plain)]
    phrase = " ".join(words)
    if phrase in _ACKS or any(phrase == t or phrase.startswith(f"{t} ") for t in _THANKS):
        return True
    return len(words) <= _SHORT_WORDS and not any(w in _ASKING for w in words)


def _plain(text: str) -> str:
    """The words of a message: mentions, emoji shortcodes and emoji characters removed."""
    text = decode_entities(_SPECIAL.sub(" ", _USER.sub(" ", text or "")))
    text = _SHORTCODE.sub(" ", text)
    return "".join(" " if _is_emoji(ch) else ch for ch in text).strip()


def _is_emoji(ch: str) -> bool:
    # Symbols (So, Sk: emoji, skin tones) and the joiners and selectors that glue emoji together.
    return unicodedata.category(ch) in ("So", "Sk") or ch in "\u200d\ufe0f\ufe0e\u20e3"


def question_text(text: str, bot_user_id: str | None, names: Mapping[str, str]) -> str:
    """The question as the person typed it, for the model and for showing back.

    Only the bot's own mention is removed; other people stay as "@Name" (from `names`, else the
    label Slack sent, else the id), channels as "#name", links as their label or URL. Entities are
    decoded once, last, so an `&lt;` a person typed literally as "&lt;" is not decoded twice.
    """

    def user(m: re.Match[str]) -> str:
        if m.group(1) == bot_user_id:
            return ""
        return "@" + (names.get(m.group(1)) or m.group(2) or m.group(1))

    text = _USER.sub(user, text or "")
    text = _SPECIAL.sub(lambda m: m.group(2) or "@" + m.group(1).split("^")[0], text)
    text = _CHANNEL.sub(lambda m: "#" + (m.group(2) or m.group(1)), text)
    text = _LINK.sub(lambda m: m.group(2) or m.group(1), text)
    text = re.sub(r"[ \t]{2,}", " ", text).strip()
    return decode_entities(text)


def mentioned_users(text: str, bot_user_id: str | None) -> list[str]:
    """The ids of the people (not the bot) a message mentions, in order, once each."""
    ids = [m.group(1) for m in _USER.finditer(text or "") if m.group(1) != bot_user_id]
    return list(dict.fromkeys(ids))


def decode_entities(text: str) -> str:
    """Undo Slack's encoding of `&`, `<` and `>` (once: `&amp;` last)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
