"""Scoring a final answer the way InfiAgent-DABench's official `eval_closed_form.py` does.

The rule, kept identical so our numbers compare with published ones:
- the answers are every `@name[value]` in the text (regex `@(\\w+)\\[(.*?)\\]`: the value is everything up to
  the first `]`, spaces and commas included, on one line); when a name occurs more than once the last wins;
- a sub-answer is right when its value equals the label exactly (case-sensitive, no trimming), or both
  parse as floats and differ by less than 1e-6 (absolute); a missing sub-answer is wrong;
- a question is right only when every labelled sub-answer is right.

We do not round to the label's decimals: the official scorer does not, so "3.14" against a label of
"3.1416" is wrong there and must be wrong here.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

_ANSWER = re.compile(r"@(\w+)\[(.*?)\]")
TOLERANCE = 1e-6


@dataclass(frozen=True)
class Score:
    """One question's answer against its labels: what was parsed and which labelled names were right."""

    parsed: Mapping[str, str]
    right: Mapping[str, bool]

    @property
    def correct(self) -> bool:
        return bool(self.right) and all(self.right.values())

    @property
    def sub_right(self) -> int:
        return sum(self.right.values())

    @property
    def sub_total(self) -> int:
        return len(self.right)


def extract_answers(text: str) -> dict[str, str]:
    """Every `@name[value]` in `text`, the last occurrence of each name winning (as dict(zip(...)) does)."""
    return dict(_ANSWER.findall(text))


def is_equal(response: str | None, label: str) -> bool:
    """The official comparison: exact string equality, else floats within 1e-6."""
    if response == label:
        return True
    if response is None:
        return False
    try:
        # float() accepts surrounding whitespace, "1e3", "inf" and "nan", exactly as the official scorer's does.
        return math.fabs(float(response) - float(label)) < TOLERANCE
    except ValueError:
        return False


def score_answer(text: str, labels: tuple[tuple[str, str], ...]) -> Score:
    """Score `text` against the (name, value) labels."""
    parsed = extract_answers(text)
    return Score(parsed, {name: is_equal(parsed.get(name), value) for name, value in labels})
