"""The values schema mode must hide: every distinct value of the datasets' text columns, as one fast pattern.

Outputs are matched against the dataset's own values, not guessed at: a value is masked wherever it appears as
a whole (not inside a longer word), in any case. Free text is also cut into its words, so a note cut short by
pandas (`Called about the late deliv...`) or a slice of a name still masks. Both lists are bounded
(`MAX_VALUES`, `MAX_WORDS`, `MAX_VALUE_CHARS`): the most frequent come first, so a column of a million unique
ids keeps the index to a few MB; what falls past the bound is said in the README's privacy section.
"""

from __future__ import annotations

import inspect
import io
import re
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass

import pandas as pd

from agent.llm import loop_prompts, prompts
from agent.store import DatasetRecord

MAX_VALUES = 20_000
MAX_WORDS = 20_000
MAX_VALUE_CHARS = 200
_MIN_WORD = 4
_WORD = re.compile(r"[^\W\d_][\w'’-]*[^\W_]|[^\W\d_]", re.UNICODE)
# Words of the prompts and of printed Python/pandas output that a value may share; masking them would blind
# the model to its own tools, and they say nothing about the data.
_KEEP = frozenset(
    {
        *("true", "false", "none", "nan", "null", "dtype", "object", "int64", "float64", "name", "length"),
        *("index", "columns", "rows", "count", "mean", "values", "error", "traceback", "output", "stdout"),
        *("value", "print", "code", "python", "pandas", "frame", "data", "series"),
    }
)


def _prompt_words() -> frozenset[str]:
    """Words of our own prompts: a note's word that is also one of these is common English, and masking it
    would garble the instructions the model reads ("Fix the <WORD_3>")."""
    source = "\n".join(inspect.getsource(m) for m in (prompts, loop_prompts))
    return frozenset(w.lower() for w in _WORD.findall(source) if len(w) >= _MIN_WORD)


_PROMPT_WORDS = _prompt_words()


@dataclass(frozen=True)
class ValueIndex:
    """Which text is the dataset's: `label` of each known value or word (lower case), and one pattern for all."""

    labels: dict[str, str]
    pattern: re.Pattern[str] | None
    keys: tuple[str, ...] = ()  # the labels' keys, sorted, to find what a word cut short was part of
    kept: frozenset[str] = frozenset()  # words never masked: column and DataFrame names, Python's own

    def completes(self, fragment: str) -> bool:
        """Whether some value or word starts with `fragment` (any case): a cut-off piece of the data."""
        low = fragment.lower()
        if low in self.kept:
            return False
        at = bisect_left(self.keys, low)
        return at < len(self.keys) and self.keys[at].startswith(low)


def build_index(frames: list[tuple[DatasetRecord, pd.DataFrame]]) -> ValueIndex:
    """The index of the text columns of `frames` (each record with its text columns, read as text)."""
    values: Counter[str] = Counter()
    label_of: dict[str, str] = {}
    words: Counter[str] = Counter()
    keep = set(_KEEP)
    for record, _ in frames:
        keep |= {w.lower() for c in record.columns for w in [c, *_WORD.findall(c)]}
        keep.add(record.var_name.lower())
    for _, frame in frames:
        for column in frame.columns:
            _add_column(frame[column], _label(str(column)), values, label_of, words)
    labels: dict[str, str] = {}
    for value, _ in values.most_common(MAX_VALUES):
        if value not in keep:
            labels.setdefault(value, label_of[value])
    for word, _ in words.most_common(MAX_WORDS):
        if word not in keep and word not in _PROMPT_WORDS and len(word) >= _MIN_WORD:
            labels.setdefault(word, "WORD")
    return ValueIndex(labels, _pattern(labels) if labels else None, tuple(sorted(labels)), frozenset(keep))


def read_text_columns(record: DatasetRecord, data: bytes) -> pd.DataFrame:
    """The text columns of a stored dataset (Parquet, or the normalized CSV of an older release), as text."""
    text = [c.name for c in record.profile.columns if c.dtype == "text"]
    if not text:
        return pd.DataFrame()
    if data.startswith(b"PAR1"):
        return pd.read_parquet(io.BytesIO(data), columns=text).astype(object).fillna("").astype(str)
    return pd.read_csv(io.BytesIO(data), usecols=text, dtype=str, keep_default_na=False, encoding="utf-8")


def _add_column(
    series: pd.Series, label: str, values: Counter[str], label_of: dict[str, str], words: Counter[str]
) -> None:
    counts = series.astype(str).str.strip().value_counts()
    for raw, n in counts.items():
        value = str(raw)
        if not value or len(value) > MAX_VALUE_CHARS:
            words.update(w.lower() for w in _WORD.findall(value[: MAX_VALUE_CHARS * 5]))
            continue
        key = value.lower()
        values[key] += int(n)
        label_of.setdefault(key, label)
        found = _WORD.findall(value)
        if len(found) > 1:
            words.update(w.lower() for w in found)


def _label(column: str) -> str:
    """A placeholder kind from a column name: `Customer name` → CUSTOMER_NAME (only A-Z, 0-9, _)."""
    cleaned = re.sub(r"[^A-Z0-9]+", "_", column.upper()).strip("_")[:20].rstrip("_")
    return cleaned if cleaned and cleaned[0].isalpha() else f"TEXT_{cleaned}".rstrip("_")


def _pattern(labels: dict[str, str]) -> re.Pattern[str]:
    """One alternation of every key, shared prefixes merged (a trie), so a match costs one pass over the text."""
    trie: dict[str, dict] = {}  # type: ignore[type-arg]
    for key in labels:
        node = trie
        for ch in key:
            node = node.setdefault(ch, {})
        node[""] = {}
    return re.compile(r"(?<!\w)" + _render(trie) + r"(?!\w)", re.IGNORECASE)


def _render(node: dict[str, dict]) -> str:  # type: ignore[type-arg]
    branches = [re.escape(ch) + _render(child) for ch, child in sorted(node.items()) if ch]
    if not branches:
        return ""
    ends_here = "" in node
    if len(branches) == 1 and not ends_here:
        return branches[0]
    # Longer branches first is implied by greedy `?`: a full value wins over its own prefix.
    group = "(?:" + "|".join(branches) + ")"
    return group + "?" if ends_here else group
