"""Guard quality and cost on the labelled corpus: catch rate, false-refusal rate, time per check.

Run: .venv/bin/python bench/guard_rates.py [--rounds N]
Prints figures and lists any misjudged sample; nothing here is asserted.
"""

from __future__ import annotations

import argparse
import runpy
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from agent.guard import check_code, screen_question
from agent.guard.question import MAX_QUESTION_CHARS

# The labelled corpus is the test suite's data, read as data files (the suite is not a library).
_DIR = Path(__file__).resolve().parents[1] / "tests" / "guard_corpus"
_CORPUS = {
    k: v
    for name in ("questions", "abusive_code", "ordinary_code")
    for k, v in runpy.run_path(str(_DIR / f"{name}.py")).items()
}
ABUSIVE_QUESTIONS: Sequence[tuple[str, str]] = _CORPUS["ABUSIVE_QUESTIONS"]
ORDINARY_QUESTIONS: Sequence[str] = _CORPUS["ORDINARY_QUESTIONS"]
ABUSIVE_CODE: Sequence[tuple[str, str]] = _CORPUS["ABUSIVE_CODE"]
ORDINARY_CODE: Sequence[tuple[str, str]] = _CORPUS["ORDINARY_CODE"]


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "n/a"


def _timing(check: Callable[[str], object], samples: Sequence[str], rounds: int) -> str:
    per_call: list[float] = []
    for _ in range(rounds):
        for sample in samples:
            started = time.perf_counter()
            check(sample)
            per_call.append(time.perf_counter() - started)
    micros = sorted(s * 1e6 for s in per_call)
    p99 = micros[min(len(micros) - 1, int(len(micros) * 0.99))]
    return f"median {statistics.median(micros):7.1f} µs   p99 {p99:7.1f} µs   max {micros[-1]:7.1f} µs"


def main(rounds: int) -> None:
    caught = [q for q, _ in ABUSIVE_QUESTIONS if not screen_question(q).allowed]
    refused = [q for q in ORDINARY_QUESTIONS if not screen_question(q).allowed]
    print(
        f"questions: caught {len(caught)}/{len(ABUSIVE_QUESTIONS)} abusive "
        f"({_pct(len(caught), len(ABUSIVE_QUESTIONS))}), refused {len(refused)}/{len(ORDINARY_QUESTIONS)} "
        f"ordinary ({_pct(len(refused), len(ORDINARY_QUESTIONS))})"
    )
    wrong = [(q, c, screen_question(q).category) for q, c in ABUSIVE_QUESTIONS if screen_question(q).category != c]
    for question, expected, got in wrong:
        print(f"  category {got!r} instead of {expected!r}: {question}")
    for question in refused:
        print(f"  false refusal: {question}")

    caught_code = [n for n, c in ABUSIVE_CODE if not check_code(c).allowed]
    refused_code = [n for n, c in ORDINARY_CODE if not check_code(c).allowed]
    print(
        f"code:      caught {len(caught_code)}/{len(ABUSIVE_CODE)} abusive "
        f"({_pct(len(caught_code), len(ABUSIVE_CODE))}), refused {len(refused_code)}/{len(ORDINARY_CODE)} "
        f"ordinary ({_pct(len(refused_code), len(ORDINARY_CODE))})"
    )
    for name in sorted({n for n, _ in ABUSIVE_CODE} - set(caught_code)):
        print(f"  missed: {name}")
    for name in refused_code:
        print(f"  false refusal: {name}: {check_code(dict(ORDINARY_CODE)[name]).violations}")

    questions = [q for q, _ in ABUSIVE_QUESTIONS] + list(ORDINARY_QUESTIONS)
    code = [c for _, c in ABUSIVE_CODE] + [c for _, c in ORDINARY_CODE]
    print(f"time per question screen: {_timing(screen_question, questions, rounds)}")
    print(f"time per code check:      {_timing(check_code, code, rounds)}")
    # The longest question still screened; longer ones are refused unread.
    long_question = (" ".join(ORDINARY_QUESTIONS) * 3)[:MAX_QUESTION_CHARS]
    print(f"time for a {len(long_question):,}-char question: {_timing(screen_question, [long_question], rounds)}")
    long_code = "\n".join(c for _, c in ORDINARY_CODE if "%" not in c and "(df.groupby('region')" not in c) * 5
    print(f"time for a {long_code.count(chr(10)):,}-line cell: {_timing(check_code, [long_code], rounds)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20, help="timing repetitions per sample")
    main(parser.parse_args().rounds)
