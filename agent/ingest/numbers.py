"""Reading numbers written the way people write them: "1.234,56", "$1,200", "12.5%", "(300)", "45-".

Conservative on purpose: a column becomes numeric only when every non-empty value parses, the
values agree on one decimal mark, one currency sign and on percent signs, and none has a leading
zero (zip codes and IDs such as "01234" stay text).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

# Placeholders for "no value" in typed columns ("-" and "n/a" in a numeric column are not text).
NULL_TOKENS = frozenset({"", "na", "n/a", "n.a.", "nan", "null", "none", "nil", "-", "--", "#n/a", "#na", "?"})
# Longer cells are never numbers; the cap keeps every pattern below cheap however hostile the cell.
MAX_NUMBER_CHARS = 64
_SIGN_CHARS = "$€£¥₹₩₽"
_CODES = frozenset({"USD", "EUR", "GBP", "CHF", "JPY", "CAD", "AUD", "INR"})
_PREFIX = re.compile(r"[$€£¥₹₩₽]|R\$|(?:USD|EUR|GBP|CHF|JPY|CAD|AUD|INR)\s?")
_DOT = re.compile(r"[+-]?(?:(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+)")
_COMMA = re.compile(r"[+-]?(?:(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?|,\d+)")
_SCI = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)[eE][+-]?\d+")  # `\d+\.?\d*` backtracks quadratically
_SPACED = re.compile(r"[+-]?\d{1,3}(?:[ \u00a0\u202f']\d{3})+(?:[.,]\d+)?")
_LEADING_ZERO = re.compile(r"(?m)^[+-]?0\d")
_AMBIGUOUS = re.compile(r"(?m)^[+-]?\d{1,3}[.,]\d{3}$")
_DOT_ALL = re.compile(rf"(?:{_DOT.pattern}|{_SCI.pattern})(?:\n(?:{_DOT.pattern}|{_SCI.pattern}))*")
_COMMA_ALL = re.compile(rf"(?:{_COMMA.pattern})(?:\n(?:{_COMMA.pattern}))*")
_PLAIN_CHARS = re.compile(r"[^0-9.,eE+\-\n]")
_NOT_INTEGER = re.compile(r"[.eE]")
_LONG_DIGITS = re.compile(r"\d{19,}")
_NULL_LINE = re.compile("(?im)^(?:" + "|".join(re.escape(t) for t in sorted(NULL_TOKENS)) + ")$")


@dataclass(frozen=True)
class Numbers:
    """A column's distinct values read as numbers (`missing` marks the empty ones)."""

    values: np.ndarray  # int64 or float64, one per input value
    missing: np.ndarray  # bool
    integer: bool
    decimal: str
    note: str | None = None


def decimal_evidence(values: Sequence[str]) -> tuple[int, int]:
    """(values only a decimal comma explains, values only a decimal point explains)."""
    comma = dot = 0
    for raw in values:
        core = _core(raw.strip())
        if core is None:
            continue
        number = core[0]
        in_dot, in_comma = bool(_DOT.fullmatch(number)), bool(_COMMA.fullmatch(number))
        comma += in_comma and not in_dot
        dot += in_dot and not in_comma
    return comma, dot


def parse_numbers(values: Sequence[str], file_decimal: str | None) -> Numbers | None:
    """Read distinct stripped cell values as numbers, or None when the column is not numeric.

    Args:
        values: distinct cell values of one column, stripped.
        file_decimal: the decimal mark the rest of the file shows, if it shows one.
    """
    joined = "\n".join(values)
    if _NULL_LINE.search(joined) is None:  # the common case, found without a loop
        missing, present = np.zeros(len(values), dtype=bool), values
    else:
        missing = np.fromiter((v.lower() in NULL_TOKENS for v in values), dtype=bool, count=len(values))
        present = [v for v, gap in zip(values, missing, strict=True) if not gap]
        joined = "\n".join(present)
    if not present or any(len(v) > MAX_NUMBER_CHARS for v in present):
        return None
    signs: set[str] = set()
    negative: np.ndarray | None = None
    if _PLAIN_CHARS.search(joined) is not None:  # signs, brackets or spaces: one value at a time
        cores: list[tuple[str, bool]] = []
        for v in present:
            core = _core(v)
            if core is None:
                return None  # text: give up at the first value that is not a number
            cores.append(core)
        percents = sum(v.endswith("%") for v in present)
        for v in present:
            signs.update(_signs(v))
        if len(signs) > 1 or 0 < percents < len(present):
            return None
        joined = "\n".join(c[0] for c in cores)
        negative = np.array([c[1] for c in cores], dtype=bool)
        notes = _notes(signs, percents > 0)
    else:
        notes = []
    read = _convert(joined, file_decimal, notes)
    if read is None:
        return None
    array, integer, decimal = read
    if negative is not None:
        array[negative] *= -1
    out = np.zeros(len(values), dtype=array.dtype) if integer else np.full(len(values), np.nan)
    out[~missing] = array
    return Numbers(out, missing, integer, decimal, "; ".join(notes) or None)


def _convert(joined: str, file_decimal: str | None, notes: list[str]) -> tuple[np.ndarray, bool, str] | None:
    """Bare numbers, one per line, as an array: (values, all integers?, decimal mark used)."""
    if _LEADING_ZERO.search(joined) or "_" in joined:
        return None
    ambiguous = _AMBIGUOUS.search(joined)
    if "," not in joined and (file_decimal != "," or "." not in joined) and not (ambiguous and file_decimal is None):
        decimal, plain = ".", joined
    else:
        dot_ok = _DOT_ALL.fullmatch(joined) is not None
        comma_ok = _COMMA_ALL.fullmatch(joined) is not None
        if not (dot_ok or comma_ok):
            return None
        decimal = "," if comma_ok and (not dot_ok or file_decimal == ",") else "."
        plain = joined.replace(".", "").replace(",", ".") if decimal == "," else joined.replace(",", "")
        if dot_ok and comma_ok and file_decimal is None and ambiguous:
            example = ambiguous.group(0)
            shown = example.replace(".", "").replace(",", ".") if decimal == "," else example.replace(",", "")
            notes.append(
                f"values like {example!r} were read as {shown} (the file gives no other clue to the decimal mark)"
            )
    integer = _NOT_INTEGER.search(plain) is None
    if integer and _LONG_DIGITS.search(plain):
        return None  # a long digit string is an identifier, not a quantity
    try:
        array = np.array(plain.split("\n")).astype(np.int64 if integer else np.float64)
    except (ValueError, OverflowError):
        return None
    return array, integer, decimal


def _core(raw: str) -> tuple[str, bool] | None:
    """(bare number text, negative?) once signs, percent, brackets and group spaces are gone."""
    if len(raw) > MAX_NUMBER_CHARS:
        return None
    text = raw.replace("\u2212", "-")
    negative = False
    if text.startswith("(") and text.endswith(")"):
        text, negative = text[1:-1].strip(), True
    text = text.removesuffix("%").rstrip()
    split = _split_currency(text)
    if split is None:
        return None
    pre, text, _ = split
    if text.startswith("-") and pre:
        text = text[1:]
        negative = not negative
    if len(text) > 1 and text.endswith("-") and text[-2].isdigit():
        text, negative = text[:-1], not negative  # SAP-style trailing minus
    if _SPACED.fullmatch(text):
        text = re.sub(r"[ \u00a0\u202f']", "", text)
    if not text or not (text[0].isdigit() or text[0] in "+-.,"):
        return None
    return text, negative


def _split_currency(text: str) -> tuple[str, str, str] | None:
    """(sign or code before, number, sign or code after) of a stripped value; None across a line break.

    Done by hand: as one regex, the number's lazy match before optional spaces and sign backtracks
    quadratically over a run of inner spaces.
    """
    prefix = _PREFIX.match(text)
    pre = prefix.group(0) if prefix else ""
    rest = text[len(pre) :]
    post = rest[-1] if rest and rest[-1] in _SIGN_CHARS else rest[-3:] if rest[-3:] in _CODES else ""
    number = rest[: len(rest) - len(post)].strip()
    if "\n" in number:
        return None
    return pre, number, post


def _signs(raw: str) -> set[str]:
    split = _split_currency(raw.replace("(", "").replace(")", "").removesuffix("%").strip())
    if split is None:
        return set()
    return {s.strip() for s in (split[0], split[2]) if s}


def _notes(signs: set[str], percent: bool) -> list[str]:
    notes = []
    if signs:
        notes.append(f"the {next(iter(signs))} sign was removed")
    if percent:
        notes.append("values like '12.5%' are read as 12.5 (percent points, not 0.125)")
    return notes
