"""InfiAgent-DABench as the user downloaded it: questions, labels and the tables they are about.

The layout (the InfiAgent repository's examples/DA-Agent/data directory):

    da-dev-questions.jsonl   id, question, concepts, constraints, format, file_name, level
    da-dev-labels.jsonl      id, common_answers: [[name, value], ...] (values as strings)
    da-dev-tables/*.csv

The data is CC BY-NC 4.0 and stays on the user's disk; nothing of it is committed here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, cast

Level = Literal["easy", "medium", "hard"]
LEVELS: tuple[Level, ...] = ("easy", "medium", "hard")
QUESTIONS_FILE = "da-dev-questions.jsonl"
LABELS_FILE = "da-dev-labels.jsonl"
TABLES_DIR = "da-dev-tables"


class BenchDataError(Exception):
    """The benchmark directory is missing, incomplete or malformed; the message says what to fix."""


@dataclass(frozen=True)
class Question:
    """One DABench question with its labels (`answers`: (name, value) pairs, in the label file's order)."""

    id: int
    question: str
    concepts: tuple[str, ...]
    constraints: str
    format: str
    file_name: str
    level: Level
    answers: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Bench:
    """The loaded benchmark: its questions in file order and where their tables are."""

    questions: tuple[Question, ...]
    tables_dir: Path

    def table(self, question: Question) -> bytes:
        """The bytes of the CSV a question is about."""
        try:
            return (self.tables_dir / question.file_name).read_bytes()
        except OSError as exc:
            raise BenchDataError(
                f"cannot read {question.file_name} for question {question.id}: {exc.strerror}"
            ) from exc


def load_dabench(directory: Path) -> Bench:
    """Read the benchmark from `directory` (raises BenchDataError with what is wrong)."""
    if not directory.is_dir():
        raise BenchDataError(f"{directory} is not a directory; pass the DABench data directory with --data")
    for needed in (QUESTIONS_FILE, LABELS_FILE, TABLES_DIR):
        if not (directory / needed).exists():
            raise BenchDataError(f"{directory} has no {needed}; is it the DABench data directory?")
    try:
        labels = {_id(row): _answers(row) for row in _jsonl(directory / LABELS_FILE)}
        questions = []
        for row in _jsonl(directory / QUESTIONS_FILE):
            if _id(row) not in labels:
                raise BenchDataError(f"question {row['id']} has no label in {LABELS_FILE}")
            questions.append(_question(row, labels[_id(row)]))
    except (KeyError, TypeError, ValueError) as exc:
        raise BenchDataError(f"{directory} has a malformed question or label ({type(exc).__name__}: {exc})") from exc
    return Bench(tuple(questions), directory / TABLES_DIR)


def prompt_for(question: Question) -> str:
    """What the engine is asked: the question, its constraints and answer format, and how to end.

    The graded names come only from the format, never from the labels: some labels grade fewer names than
    the format asks for, and naming them would tell the model which parts count.
    """
    return (
        f"{question.question}\n\nConstraints: {question.constraints}\n\nAnswer format: {question.format}\n\n"
        "End your reply with every answer in exactly that @name[value] form, one per line, with nothing else "
        "inside the brackets."
    )


def _question(row: dict[str, object], answers: tuple[tuple[str, str], ...]) -> Question:
    level = str(row.get("level", ""))
    if level not in LEVELS:
        raise BenchDataError(f"question {row['id']} has level {level!r}, not one of {', '.join(LEVELS)}")
    concepts = row.get("concepts") or []
    return Question(
        id=_id(row),
        question=str(row["question"]),
        concepts=tuple(str(c) for c in cast(list[object], concepts)),
        constraints=str(row.get("constraints", "")),
        format=str(row.get("format", "")),
        file_name=str(row["file_name"]),
        level=level,
        answers=answers,
    )


def _id(row: dict[str, object]) -> int:
    return int(str(row["id"]))


def _answers(row: dict[str, object]) -> tuple[tuple[str, str], ...]:
    pairs = cast(list[list[object]], row.get("common_answers") or [])
    return tuple((str(name), str(value)) for name, value in pairs)


def _jsonl(path: Path) -> list[dict[str, object]]:
    rows = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise BenchDataError(f"cannot read {path}: {exc.strerror}") from exc
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise BenchDataError(f"{path.name} line {number} is not JSON: {exc.msg}") from exc
        if not isinstance(row, dict) or "id" not in row:
            raise BenchDataError(f"{path.name} line {number} is not an object with an id")
        rows.append(row)
    return rows
