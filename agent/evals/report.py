"""Per-question results → the accuracies and costs of a run, as a text table and as JSON.

Three question accuracies, because "accuracy" alone hides what was dropped:
- strict: every question counts; no answer, or an answer without `@name[value]`, is wrong;
- official-style: as `eval_closed_form.py` computes it, over the questions that got a response at all
  (it skips empty responses; an answer it cannot parse still counts, as wrong);
- parsed only: over the answers where at least one `@name[value]` was found.
Sub-answer, level and concept accuracies are strict.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from agent.evals.dabench import LEVELS
from agent.evals.runner import QuestionResult


@dataclass(frozen=True)
class Rate:
    """`correct` out of `total`."""

    correct: int
    total: int

    @property
    def value(self) -> float:
        return self.correct / self.total if self.total else 0.0

    def __str__(self) -> str:
        return f"{self.value:6.1%} ({self.correct}/{self.total})"


@dataclass(frozen=True)
class Summary:
    """The run in numbers."""

    questions: int
    strict: Rate
    official: Rate
    parsed_only: Rate
    sub_answers: Rate
    unanswered: int
    unparsable: int
    by_level: Mapping[str, Rate]
    by_concept: Mapping[str, Rate]
    mean_tokens: float
    mean_llm_calls: float
    mean_seconds: float


def summarize(results: Sequence[QuestionResult]) -> Summary:
    """Everything the report shows, from the per-question results."""
    count = len(results) or 1
    return Summary(
        questions=len(results),
        strict=_rate(results),
        official=_rate(r for r in results if r.responded),
        parsed_only=_rate(r for r in results if r.parsable),
        sub_answers=Rate(sum(r.sub_right for r in results), sum(r.sub_total for r in results)),
        unanswered=sum(not r.responded for r in results),
        unparsable=sum(r.responded and not r.parsable for r in results),
        by_level={level: _rate(r for r in results if r.level == level) for level in LEVELS},
        by_concept=_by_concept(results),
        mean_tokens=sum(r.tokens for r in results) / count,
        mean_llm_calls=sum(r.llm_calls for r in results) / count,
        mean_seconds=sum(r.seconds for r in results) / count,
    )


def summary_table(summary: Summary) -> str:
    """The summary as an aligned text table for the terminal."""
    rows = [
        ("Questions", str(summary.questions)),
        ("Accuracy (strict: all questions)", str(summary.strict)),
        ("Accuracy (official-style: questions with a response)", str(summary.official)),
        ("Accuracy (answers with @name[value] only)", str(summary.parsed_only)),
        ("Accuracy by sub-answer (strict)", str(summary.sub_answers)),
        ("No answer (failed/refused/error)", str(summary.unanswered)),
        ("Answered without @name[value]", str(summary.unparsable)),
        *((f"Level {level}", str(rate)) for level, rate in summary.by_level.items() if rate.total),
        *((f"Concept {concept}", str(rate)) for concept, rate in summary.by_concept.items()),
        ("Mean tokens per question", f"{summary.mean_tokens:.0f}"),
        ("Mean LLM calls per question", f"{summary.mean_llm_calls:.2f}"),
        ("Mean seconds per question", f"{summary.mean_seconds:.1f}"),
    ]
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name.ljust(width)}  {value}" for name, value in rows)


def report_json(results: Sequence[QuestionResult], summary: Summary) -> dict[str, object]:
    """The `--json` file: the summary (rates with their value) and every per-question record."""
    return {"summary": _summary_json(summary), "questions": [_record_json(r) for r in results]}


def _summary_json(summary: Summary) -> dict[str, object]:
    out: dict[str, object] = {}
    for field in dataclasses.fields(summary):
        value = getattr(summary, field.name)
        if isinstance(value, Rate):
            out[field.name] = _rate_json(value)
        elif isinstance(value, Mapping):
            out[field.name] = {name: _rate_json(rate) for name, rate in value.items()}
        else:
            out[field.name] = value
    return out


def _rate_json(rate: Rate) -> dict[str, object]:
    return {"correct": rate.correct, "total": rate.total, "accuracy": round(rate.value, 4)}


def _record_json(result: QuestionResult) -> dict[str, object]:
    record = dataclasses.asdict(result)
    record.update(concepts=list(result.concepts), parsed=dict(result.parsed), labels=dict(result.labels))
    return record


def _rate(results: Iterable[QuestionResult]) -> Rate:
    chosen = list(results)
    return Rate(sum(r.correct for r in chosen), len(chosen))


def _by_concept(results: Sequence[QuestionResult]) -> dict[str, Rate]:
    concepts = sorted({c for r in results for c in r.concepts})
    return {c: _rate(r for r in results if c in r.concepts) for c in concepts}
