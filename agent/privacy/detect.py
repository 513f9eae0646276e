"""Find personal data in text: regular expressions, each confirmed by the check its format carries.

No model and no download: every detector is a pattern plus a validation (Luhn for cards, mod-97 for IBANs,
`ipaddress` for IPs, the issuing rules of US SSNs and UK National Insurance numbers), so look-alikes such as
order numbers, SKUs, dates and part numbers are rejected rather than masked. Person names are not detected
here: doing that offline needs a language model (Presidio's name recognizer loads a spaCy model), so names are
the schema mode's job, which masks every value of the dataset's text columns.
"""

from __future__ import annotations

import ipaddress
import re
from bisect import bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass

Kind = str  # EMAIL, PHONE, CARD, IBAN, IP, SSN, NINO


@dataclass(frozen=True)
class Span:
    """A piece of personal data found in a text: `text[start:end]` is of kind `kind`."""

    start: int
    end: int
    kind: Kind


_EMAIL = re.compile(r"(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9](?:[A-Za-z0-9-]*\.)+[A-Za-z]{2,24}\b")
_IBAN = re.compile(r"(?<![\w-])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?(?![\w-])")
_CARD = re.compile(r"(?<![\w.-])\d(?:[ -]?\d){12,18}(?![\w-]|\.\d)")
_SSN = re.compile(r"(?<![\w-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\w-])")
_NINO = re.compile(
    r"(?<![\w-])(?!BG|GB|NK|KN|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D](?!\w)"
)
_IPV4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.]|\.\d)")
_IPV6 = re.compile(r"(?<![\w:])(?:[0-9A-Fa-f]{1,4}:){1,7}(?::|(?::[0-9A-Fa-f]{1,4}){1,7}|[0-9A-Fa-f]{1,4})(?![\w:])")
# International (+44 20 7946 0958), North American ((415) 555-0132, 415-555-0132, 415.555.0132) and
# UK national numbers (020 7946 0958, 07700 900123; the plan has no 04 or 06 ranges).
# A bare run of digits is never a phone.
_PHONE = re.compile(
    r"(?<![\w+-])(?:"
    r"\+\d{1,3}[ .-]?(?:\(\d{1,4}\)[ .-]?)?\d{1,4}(?:[ .-]\d{2,8}){1,4}"
    r"|\(\d{3}\) ?\d{3}[ .-]\d{4}"
    r"|\d{3}([.-])\d{3}\1\d{4}"
    r"|0[1-35789]\d{1,3} \d{3,4} ?\d{3,4}"
    r")(?![\w-]|\.\d)"
)
# Issuer prefixes of the major card networks (Visa, Mastercard, Amex, Discover, JCB, Diners, UnionPay).
# "build 4.2.1.7" and "v1.2.3.4" are versions, not addresses.
_VERSION_BEFORE = re.compile(r"(?:build|version|release|ver|v)[ .]?\Z", re.IGNORECASE)
_CARD_PREFIX = re.compile(r"^(?:4|5[1-5]|2[2-7]|3[47]|6011|64[4-9]|65|35|3[068]|62)")
_IBAN_LENGTHS = {"DE": 22, "GB": 22, "FR": 27, "ES": 24, "IT": 27, "NL": 18, "BE": 16, "CH": 21, "AT": 20}


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def _card(found: str) -> bool:
    digits = _digits(found)
    return 13 <= len(digits) <= 19 and bool(_CARD_PREFIX.match(digits)) and luhn_ok(digits)


def _iban(found: str) -> bool:
    compact = found.replace(" ", "")
    expected = _IBAN_LENGTHS.get(compact[:2])
    if expected is not None and len(compact) != expected:
        return False
    moved = compact[4:] + compact[:4]
    number = "".join(str(int(ch, 36)) for ch in moved)
    return len(compact) >= 15 and int(number) % 97 == 1


def _ip(found: str) -> bool:
    try:
        ipaddress.ip_address(found)
    except ValueError:
        return False
    return True


def _ipv6(found: str) -> bool:
    # A full address has 7 colons; a shortened one has "::". Clock times ("12:30:45") have neither.
    return _ip(found) and (found.count(":") == 7 or "::" in found)


def _phone(found: str) -> bool:
    return 9 <= len(_digits(found)) <= 15


def _always(found: str) -> bool:
    return True


# In priority order: a span taken by an earlier detector is not examined by a later one.
_DETECTORS: tuple[tuple[Kind, re.Pattern[str], Callable[[str], bool]], ...] = (
    ("EMAIL", _EMAIL, _always),
    ("IBAN", _IBAN, _iban),
    ("CARD", _CARD, _card),
    ("SSN", _SSN, _always),
    ("NINO", _NINO, _always),
    ("IP", _IPV4, _ip),
    ("IP", _IPV6, _ipv6),
    ("PHONE", _PHONE, _phone),
)
KINDS = ("EMAIL", "PHONE", "CARD", "IBAN", "IP", "SSN", "NINO")


def find_pii(text: str) -> list[Span]:
    """Every piece of personal data in `text`, in order, without overlaps."""
    starts: list[int] = []  # of the spans taken so far, sorted; they never overlap, so neither do their ends
    taken: list[Span] = []
    for kind, pattern, valid in _DETECTORS:
        for span in _candidates(text, kind, pattern, valid):
            at = bisect_right(starts, span.start)
            if (at and taken[at - 1].end > span.start) or (at < len(taken) and taken[at].start < span.end):
                continue
            starts.insert(at, span.start)
            taken.insert(at, span)
    return taken


def _candidates(text: str, kind: Kind, pattern: re.Pattern[str], valid: Callable[[str], bool]) -> Iterator[Span]:
    for match in pattern.finditer(text):
        if valid(match.group()) and not (
            kind == "IP" and _VERSION_BEFORE.search(text, max(0, match.start() - 9), match.start())
        ):
            yield Span(match.start(), match.end(), kind)
