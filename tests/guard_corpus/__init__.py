"""Labelled samples for the guard: questions and model-written code, abusive and ordinary.

Used by tests/test_guard.py (each sample is a test case) and bench/guard_rates.py (catch rate and
false-refusal rate). Ordinary samples deliberately include scary words used innocently.
"""

from __future__ import annotations

from tests.guard_corpus.abusive_code import ABUSIVE_CODE
from tests.guard_corpus.ordinary_code import ORDINARY_CODE
from tests.guard_corpus.questions import ABUSIVE_QUESTIONS, ORDINARY_QUESTIONS

__all__ = ["ABUSIVE_CODE", "ABUSIVE_QUESTIONS", "ORDINARY_CODE", "ORDINARY_QUESTIONS"]
