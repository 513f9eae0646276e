"""A labelled sample for the PII detector: realistic CSV text with planted personal data and look-alikes.

Rows of a customer/order export are written field by field; each field is either personal data of a known
kind (its span is recorded) or something that merely looks like it: order and invoice ids, dates and times,
SKUs, amounts, phone-like part numbers, tracking numbers, barcodes and version strings. Seeded, so every run
scores the same text.
"""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Labelled:
    """The sample's text and its true spans: (start, end, kind)."""

    text: str
    spans: tuple[tuple[int, int, str], ...]


_FIRST = ["ana", "olu", "maribel", "thaddeus", "ingrid", "kenji", "fatima", "lars", "priya", "diego", "chen", "zoe"]
_LAST = ["lee", "okonkwo", "quintanilla", "vasquez-lund", "tanaka", "haddad", "berg", "iyer", "ramos", "wu"]
_DOMAINS = ["example.com", "mail.example.org", "corp.example.co.uk", "example.net"]
_IIN = ["4", "51", "55", "2221", "34", "37", "6011", "65", "35"]
_IBAN_SHAPES = {"GB": "AAAA" + "9" * 14, "DE": "9" * 18, "FR": "9" * 10 + "X" * 11 + "99", "NL": "AAAA" + "9" * 10}


def _luhn_digit(body: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(body)):
        n = int(ch) * (2 if i % 2 == 0 else 1)
        total += n - 9 if n > 9 else n
    return str((10 - total % 10) % 10)


def _card(r: random.Random) -> str:
    prefix = r.choice(_IIN)
    length = 15 if prefix in ("34", "37") else 16
    body = prefix + "".join(r.choice("0123456789") for _ in range(length - len(prefix) - 1))
    digits = body + _luhn_digit(body)
    sep = r.choice([" ", "-", ""])
    groups = [digits[i : i + 4] for i in range(0, len(digits), 4)]
    return sep.join(groups)


def _iban(r: random.Random) -> str:
    country, shape = r.choice(sorted(_IBAN_SHAPES.items()))
    alphabet = {"A": "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "9": "0123456789", "X": "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"}
    bban = "".join(r.choice(alphabet[c]) for c in shape)
    number = int("".join(str(int(ch, 36)) for ch in bban + country + "00"))
    compact = f"{country}{98 - number % 97:02d}{bban}"
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4)) if r.random() < 0.7 else compact


def _phone(r: random.Random) -> str:
    n = lambda k: "".join(r.choice("0123456789") for _ in range(k))  # noqa: E731
    return r.choice(
        [
            f"+44 20 7946 {n(4)}",
            f"({r.randint(201, 989)}) 555-{n(4)}",
            f"{r.randint(201, 989)}-555-{n(4)}",
            f"{r.randint(201, 989)}.555.{n(4)}",
            f"020 7946 {n(4)}",
            f"07700 900{n(3)}",
            f"+1 {r.randint(201, 989)} 555 {n(4)}",
            f"+49 30 {n(7)}",
            f"+31 6 {n(8)}",
            f"+33 1 {n(2)} {n(2)} {n(2)} {n(2)}",
        ]
    )


def _ip(r: random.Random) -> str:
    if r.random() < 0.8:
        return ".".join(str(r.randint(1, 254)) for _ in range(4))
    return f"2001:db8:{r.randint(1, 0xFFFF):x}::{r.randint(1, 0xFFFF):x}"


def _ssn(r: random.Random) -> str:
    return f"{r.randint(1, 665):03d}-{r.randint(1, 99):02d}-{r.randint(1, 9999):04d}"


def _nino(r: random.Random) -> str:
    first, second = r.choice("ABCEGHJKLMNPRSTWXYZ"), r.choice("ABCEGHJKLMNPRSTWXYZ")
    if first + second in ("BG", "GB", "NK", "KN", "NT", "TN", "ZZ"):
        first = "A"
    digits = "".join(r.choice("0123456789") for _ in range(6))
    return f"{first}{second} {digits[:2]} {digits[2:4]} {digits[4:]} {r.choice('ABCD')}"


def _look_alike(r: random.Random) -> str:
    n = lambda k: "".join(r.choice("0123456789") for _ in range(k))  # noqa: E731
    return r.choice(
        [
            f"ORD-2024-{n(6)}",
            f"INV-{n(7)}",
            f"2024-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}",
            f"{r.randint(1, 28):02d}/{r.randint(1, 12):02d}/2024",
            f"{r.randint(0, 23):02d}:{r.randint(0, 59):02d}:{r.randint(0, 59):02d}",
            f"SKU-{n(5)}-{r.choice(['BLU', 'RED', 'XL'])}",
            f"{r.randint(1, 999)},{n(3)}.{n(2)}",
            f"555-{n(3)}-{n(5)}",  # a part number shaped like a phone
            f"PN {n(3)} {n(3)} {n(2)}",
            f"1Z{n(16)}",  # a parcel tracking number
            n(13),  # an EAN-13 barcode
            f"{r.randint(1, 9)}.{r.randint(0, 20)}.{r.randint(0, 99)}",
            f"build {r.randint(1, 9)}.{r.randint(0, 9)}.{r.randint(0, 9)}.{r.randint(0, 99)}",  # reads as an IP
            f"lot 0{r.randint(10, 99)} {n(4)} {n(4)}",  # shaped like a UK phone number
            f"{n(4)} {n(4)}",
            f"{r.randint(100, 999)}-{n(2)}-{n(3)}",
        ]
    )


_PII = {"EMAIL": None, "PHONE": _phone, "CARD": _card, "IBAN": _iban, "IP": _ip, "SSN": _ssn, "NINO": _nino}


def build(rows: int = 400, seed: int = 11) -> Labelled:
    """`rows` export lines, each with a name, one field of every personal kind or a look-alike, and notes."""
    r = random.Random(seed)
    text: list[str] = ["customer,email,contact,payment,account,origin,tax_id,reference,amount,note\n"]
    at = len(text[0])
    spans: list[tuple[int, int, str]] = []

    def put(value: str, kind: str | None) -> None:
        nonlocal at
        if kind is not None:
            spans.append((at, at + len(value), kind))
        text.append(value)
        at += len(value)

    for _ in range(rows):
        first, last = r.choice(_FIRST), r.choice(_LAST)
        put(f"{first.title()} {last.title()},", None)
        put(f"{first}.{last}{r.randint(1, 99)}@{r.choice(_DOMAINS)}", "EMAIL") if r.random() < 0.8 else put("", None)
        for kind in ("PHONE", "CARD", "IBAN", "IP", "SSN"):
            put(",", None)
            maker = _PII[kind]
            assert maker is not None
            put(maker(r), kind) if r.random() < 0.5 else put(_look_alike(r), None)
        put(",", None)
        put(_look_alike(r), None)
        put(f",{r.randint(1, 9999)}.{r.randint(0, 99):02d},", None)
        if r.random() < 0.3:
            put("call back on ", None)
            put(_nino(r), "NINO") if r.random() < 0.5 else put(_phone(r), "PHONE")
        else:
            put(f"shipped {_look_alike(r)} with {_look_alike(r)}", None)
        put("\n", None)
    return Labelled("".join(text), tuple(spans))
