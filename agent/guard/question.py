"""A cheap pre-screen of user questions, before any model call.

It declines requests that are plainly not about the uploaded data: reaching the network, the host
machine, secrets, other people's data, prompt injection, package installs and abuse (mining, DoS).
It is a speed bump, not the wall (the sandbox is), so the patterns are contextual: a scary word alone
never refuses ("which sales network did best?", "password reset tickets by week", "top users by API
calls"); a scary word in an imperative or possessive shape does ("call the weather API", "show me
your API key"). Quoted text after "mention", "contains", "equals"… is data and is not screened.
"""

from __future__ import annotations

import html
import re
import unicodedata

from agent.guard.patterns import RULES
from agent.guard.verdicts import QuestionVerdict

# Longer questions are refused outright rather than screened. Screening costs about 10 µs a character on
# the event loop, so Slack's 40,000-character limit would stall every thread for up to half a second per
# message; and a question that long is pasted data, which belongs in an uploaded file. Screening only a
# head would let a harmless prefix hide the request after it.
MAX_QUESTION_CHARS = 8_000


REASONS: dict[str, str] = {
    "network": "I can't reach the internet, URLs or outside services from here. Upload the file to this "
    "thread and I'll analyse it.",
    "host": "I can't run commands or look around the machine I run on; I only work with the files uploaded "
    "to this conversation. Ask me about their contents instead.",
    "secrets": "I can't share or look for keys, tokens, passwords or other secrets. Ask me about the "
    "uploaded data instead.",
    "privacy": "I can only see the files uploaded to this conversation, not other people's or other "
    "channels' data. Upload the file here if you want me to look at it.",
    "injection": "I can't change or reveal my instructions. Ask me a question about the uploaded data and "
    "I'll answer it.",
    "install": "I can't install packages. I can use pandas, numpy, matplotlib and the other libraries "
    "already installed; ask your question and I'll work with those.",
    "abuse": "That isn't a data analysis request, so I won't run it. Ask me something about the uploaded data instead.",
    "length": f"That question is longer than {MAX_QUESTION_CHARS:,} characters; ask it in fewer words, and "
    "upload any data it quotes as a file.",
}

_ALLOWED = QuestionVerdict(True)
_QUOTES = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "＂": '"', "´": "'"})
_INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u2060\ufeff]")
_LEADING_MENTIONS = re.compile(r"^\s*(?:<@[\w|.-]+>[\s,:]*)+")
_MENTION = re.compile(r"<@[\w|.-]+>")
_BROADCAST = re.compile(r"<!(?:here|channel|everyone|subteam)[^>]*>")
_CHANNEL = re.compile(r"<#\w+(?:\|([^>]*))?>")
_LINK = re.compile(r"<((?:https?|ftp|sftp|ssh|mailto):[^|>]*)(?:\|[^>]*)?>", re.IGNORECASE)
_EMOJI = re.compile(r":[a-z0-9_+'-]*[a-z][a-z0-9_+'-]*:")
# A quoted span right after a word that introduces data ("mentions 'http'", "status = 'kill'").
_DATA_QUOTE = re.compile(
    r"(\b(?:mentions?|mentioned|mentioning|contains?|contained|containing|includes?|including|"
    r"match(?:es|ing)?|equals?|says?|saying|words?|phrases?|strings?|text|terms?|keywords?|values?|"
    r"pattern|substring|labell?ed|tagged|named|called|titled|like|with|without|of|is|are|was|were|by|"
    r"per|in|column|field|category|status|type)\s*|==?\s*|!=\s*)"
    r"(['\"`])[^'\"`\n]{0,160}?\2"
)
_FORMATTING = re.compile(r"[`*]|(?<!\w)_|_(?!\w)|~(?![/\\])")
_SPACES = re.compile(r"[ \t\r\f\v]+")


def normalize(question: str) -> str:
    """Lower-case the question and strip Slack markup, keeping the words the rules look at.

    Args:
        question: The raw Slack message text (mentions, links, emoji codes, entities and all).

    Returns:
        Text with leading bot mentions removed, other mentions as "@someone", channels as
        "#name", links as their URL, `&amp;`-style entities decoded, emoji codes and bold/italic/code
        markers removed, and quoted data values replaced by "quoted-text".
    """
    text = unicodedata.normalize("NFKC", question)
    text = _INVISIBLE.sub("", text).translate(_QUOTES)
    text = _LEADING_MENTIONS.sub("", text)
    text = _MENTION.sub(" @someone ", text)
    text = _BROADCAST.sub(" ", text)
    text = _CHANNEL.sub(lambda m: f" #{m.group(1) or 'channel'} ", text)
    text = _LINK.sub(lambda m: f" {m.group(1)} ", text)
    text = html.unescape(text).lower().replace("mailto:", "")
    text = _EMOJI.sub(" ", text)
    text = _DATA_QUOTE.sub(lambda m: f"{m.group(1)} quoted-text ", text)
    text = _FORMATTING.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


def screen_question(question: str) -> QuestionVerdict:
    """Decide whether a user's question may be answered.

    Args:
        question: The message as Slack delivered it.

    Returns:
        An allowing `QuestionVerdict`, or a refusing one whose `reason` can be shown to the user as is.
    """
    if len(question) > MAX_QUESTION_CHARS:
        return QuestionVerdict(False, REASONS["length"], "length")
    text = normalize(question)
    if not text:
        return _ALLOWED
    for category, pattern in RULES:
        if pattern.search(text):
            return QuestionVerdict(False, REASONS[category], category)
    return _ALLOWED


def matching_rule(question: str) -> str | None:
    """The first rule a question trips, for debugging the corpus (`None` when allowed)."""
    text = normalize(question)
    for category, pattern in RULES:
        found = pattern.search(text)
        if found:
            return f"{category}: {found.group(0)!r}"
    return None
