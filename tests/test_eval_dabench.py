"""`dataagent eval dabench` on a tiny DABench-format fixture, and the official scoring rule by hand.

The fixture is written here (the real data is CC BY-NC and never committed). The fake model runs a real
cell per question, then answers from what the cell printed: right, wrong, unparsable, or not at all.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from agent.evals import BenchDataError, extract_answers, is_equal, load_dabench, prompt_for, score_answer
from tests.engine_helpers import fenced, is_answer_request, offers_tools, output_of
from tests.fakes.groq_fixture import FAKE_GROQ_KEY
from tests.fakes.groq_server import FakeGroq, HTTPError, Reply, run_python
from tests.test_cli_data import run_cli

TABLES = {
    "titanic.csv": "Survived,Sex,Fare\n1,female,7.25\n0,male,71.25\n1,male,8.0\n0,male,53.1\n1,female,8.05\n",
    "sales.csv": "region,revenue\nNorth,120.5\nSouth,80.0\nNorth,200.0\nEast,50.25\nSouth,310.0\nEast,95.0\n",
    "scores.csv": "name,score\nana,3\nbo,5\ncy,4\n",
}


@dataclass(frozen=True)
class Case:
    """A fixture question, its labels, and how the fake model handles it (`reply` sees the cell's output)."""

    id: int
    level: str
    concepts: tuple[str, ...]
    file: str
    question: str
    labels: tuple[tuple[str, str], ...]
    code: str
    reply: Callable[[str], str] | None  # None: the model call fails, so the engine has no answer


CASES = (
    # Right: "29.5300" equals the label "29.53" as a float.
    Case(
        1,
        "easy",
        ("Summary Statistics",),
        "titanic.csv",
        "What is the mean fare?",
        (("mean_fare", "29.53"),),
        "print(f\"{df['Fare'].mean():.4f}\")",
        lambda out: f"The mean fare is *{out}*.\n@mean_fare[{out}]",
    ),
    # Wrong: rounded to one decimal, outside the 1e-6 tolerance.
    Case(
        2,
        "easy",
        ("Summary Statistics",),
        "sales.csv",
        "What is the total revenue?",
        (("total", "855.75"),),
        "print(f\"{df['revenue'].sum():.1f}\")",
        lambda out: f"@total[{out}]",
    ),
    # Half right: the count is right, the string has the wrong case.
    Case(
        3,
        "medium",
        ("Data Preprocessing", "Summary Statistics"),
        "titanic.csv",
        "How many survived, and which sex is most common?",
        (("survivors", "3"), ("most_common_sex", "male")),
        "print(int(df['Survived'].sum()))",
        lambda out: f"@survivors[{out}]\n@most_common_sex[Male]",
    ),
    # Unparsable: an answer with no @name[value] at all.
    Case(
        4,
        "medium",
        ("Correlation Analysis",),
        "scores.csv",
        "Who has the top score?",
        (("top_name", "bo"),),
        "print(df.loc[df['score'].idxmax(), 'name'])",
        lambda out: f"The top scorer is *{out}*.",
    ),
    # Right, two sub-answers; a first, wrong @count is overridden by the last one.
    Case(
        5,
        "hard",
        ("Correlation Analysis", "Machine Learning"),
        "sales.csv",
        "How many rows, and what is the mean revenue?",
        (("count", "6"), ("mean", "142.625")),
        "print(len(df))\nprint(df['revenue'].mean())",
        lambda out: "@count[5] no, recounting:\n@count[{}]\n@mean[{}]".format(*out.split()),
    ),
    # No answer: the model call fails for good, so the engine reports a failure.
    Case(
        6,
        "hard",
        ("Machine Learning",),
        "scores.csv",
        "What is the median score?",
        (("median", "4"),),
        "print(df['score'].median())",
        None,
    ),
)


def write_bench(root: Path) -> Path:
    (root / "da-dev-tables").mkdir(parents=True)
    for name, text in TABLES.items():
        (root / "da-dev-tables" / name).write_text(text, encoding="utf-8")
    questions, labels = [], []
    for case in CASES:
        fmt = " ".join(f"@{name}[{name}_value]" for name, _ in case.labels) + " where the values are numbers."
        questions.append(
            {
                "id": case.id,
                "question": case.question,
                "concepts": list(case.concepts),
                "constraints": "Use all rows.",
                "format": fmt,
                "file_name": case.file,
                "level": case.level,
            }
        )
        labels.append({"id": case.id, "common_answers": [list(pair) for pair in case.labels]})
    (root / "da-dev-questions.jsonl").write_text("\n".join(map(json.dumps, questions)) + "\n", encoding="utf-8")
    (root / "da-dev-labels.jsonl").write_text("\n".join(map(json.dumps, labels)) + "\n", encoding="utf-8")
    return root


class BenchModel:
    """Recognises the question, runs its cell (a tool call, or a fenced block in one-shot), then answers."""

    def __call__(self, body: dict[str, Any]) -> str | Reply | HTTPError:
        messages = body["messages"]
        case = next(c for c in CASES if c.question in str(messages[1]["content"]))
        if case.reply is None:
            return HTTPError(400, "Please reduce the length of the messages or completion.")
        if messages[-1]["role"] == "user" and messages[-2]["role"] == "assistant":
            return str(messages[-2]["content"])  # asked to ground a figure: keep the answer
        if is_answer_request(body):
            return case.reply(_output(messages) or output_of(body).strip())
        return run_python(case.code) if offers_tools(body) else fenced(case.code)


def _output(messages: list[dict[str, Any]]) -> str:
    """The printed lines of the last cell the loop showed, joined by spaces ("" in one-shot)."""
    results = [str(m["content"]) for m in messages if m["role"] == "tool"]
    if not results:
        return ""
    lines = results[-1].split("stdout:\n", 1)[1].splitlines()
    return " ".join(line.strip() for line in lines if line.strip() and not line.startswith("<")).strip()


async def test_the_cli_runs_the_bench_and_reports_exact_scores(tmp_path: Path, fake_groq: FakeGroq) -> None:
    data = write_bench(tmp_path / "dabench")
    fake_groq.respond_with(BenchModel())
    env = {"GROQ_API_KEY": FAKE_GROQ_KEY, "GROQ_BASE_URL": fake_groq.base_url}
    code, out, err = await run_cli(
        tmp_path, "eval", "dabench", "--data", str(data), "--json", "report.json", "--mode", "loop", env=env
    )
    assert code == 0, err
    assert "[1/6] question 1 (easy): right" in err and "[6/6] question 6 (hard)" in err
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    summary, records = report["summary"], {r["id"]: r for r in report["questions"]}
    assert [records[i]["correct"] for i in range(1, 7)] == [True, False, False, False, True, False]
    assert [records[i]["status"] for i in range(1, 7)] == ["answered"] * 5 + ["failed"]
    assert records[1]["parsed"] == {"mean_fare": "29.5300"}
    assert records[3]["parsed"] == {"survivors": "3", "most_common_sex": "Male"}
    assert (records[3]["sub_right"], records[3]["sub_total"]) == (1, 2)
    assert records[4]["parsed"] == {} and records[5]["parsed"] == {"count": "6", "mean": "142.625"}
    assert records[1]["llm_calls"] == 2 and records[1]["tokens"] > 0 and records[1]["seconds"] > 0
    assert records[1]["concepts"] == ["Summary Statistics"] and records[1]["level"] == "easy"
    # Strict: 2 of 6. Official-style drops the one question without a response: 2 of 5. Parsed only: 2 of 4.
    assert summary["strict"] == {"correct": 2, "total": 6, "accuracy": 0.3333}
    assert summary["official"] == {"correct": 2, "total": 5, "accuracy": 0.4}
    assert summary["parsed_only"] == {"correct": 2, "total": 4, "accuracy": 0.5}
    assert summary["sub_answers"] == {"correct": 4, "total": 8, "accuracy": 0.5}
    assert (summary["unanswered"], summary["unparsable"]) == (1, 1)
    assert {level: (r["correct"], r["total"]) for level, r in summary["by_level"].items()} == {
        "easy": (1, 2),
        "medium": (0, 2),
        "hard": (1, 2),
    }
    assert {c: (r["correct"], r["total"]) for c, r in summary["by_concept"].items()} == {
        "Correlation Analysis": (1, 2),
        "Data Preprocessing": (0, 1),
        "Machine Learning": (1, 2),
        "Summary Statistics": (1, 3),
    }
    assert summary["mean_llm_calls"] > 0 and summary["mean_tokens"] > 0
    assert " 33.3% (2/6)" in out and " 40.0% (2/5)" in out and "Level medium" in out
    assert "Accuracy (official-style: questions with a response)" in out


async def test_level_and_limit_choose_the_questions(tmp_path: Path, fake_groq: FakeGroq) -> None:
    data = write_bench(tmp_path / "dabench")
    fake_groq.respond_with(BenchModel())
    env = {"GROQ_API_KEY": FAKE_GROQ_KEY, "GROQ_BASE_URL": fake_groq.base_url}
    code, out, err = await run_cli(
        tmp_path,
        "eval",
        "dabench",
        "--data",
        str(data),
        "--level",
        "hard",
        "--limit",
        "1",
        "--mode",
        "one-shot",
        env=env,
    )
    assert code == 0, err
    assert "[1/1] question 5 (hard): right" in err and "[2/" not in err
    assert "Questions" in out and "(0/0)" not in out.split("Level hard")[1].splitlines()[0]
    # One-shot: one request for the code, one for the answer.
    assert len(fake_groq.requests) == 2 and not fake_groq.requests[0].json.get("tools")


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ((), "is not a directory"),
        (("da-dev-questions.jsonl",), "has no da-dev-labels.jsonl"),
        (("--json", "nowhere/report.json"), "nowhere is not a directory"),
        (("--limit", "0"), "--limit must be at least 1"),
    ],
)
async def test_a_missing_bench_is_a_usage_error(tmp_path: Path, files: tuple[str, ...], message: str) -> None:
    data = tmp_path / "dabench"
    options = [f for f in files if f.startswith("--") or "/" in f or f.isdigit()]
    if options:
        write_bench(data)
    elif files:
        data.mkdir()
        for name in files:
            (data / name).write_text("", encoding="utf-8")
    code, out, err = await run_cli(tmp_path, "eval", "dabench", "--data", str(data), *options, env={"GROQ_API_KEY": ""})
    assert code == 2 and message in err and out == ""


def test_the_loader_and_the_prompt(tmp_path: Path) -> None:
    bench = load_dabench(write_bench(tmp_path))
    assert [q.id for q in bench.questions] == [1, 2, 3, 4, 5, 6]
    third = bench.questions[2]
    assert third.level == "medium" and third.answers == (("survivors", "3"), ("most_common_sex", "male"))
    assert bench.table(third).startswith(b"Survived,Sex,Fare")
    prompt = prompt_for(third)
    assert prompt.startswith(third.question + "\n\nConstraints: Use all rows.\n\nAnswer format: @survivors[")
    assert prompt.endswith("in exactly that @name[value] form, one per line, with nothing else inside the brackets.")
    (tmp_path / "da-dev-labels.jsonl").write_text('{"id": 1, "common_answers": []}\n', encoding="utf-8")
    with pytest.raises(BenchDataError, match="question 2 has no label"):
        load_dabench(tmp_path)


@pytest.mark.parametrize(
    ("response", "label", "equal"),
    [
        ("3.5", "3.5", True),
        ("3.5000001", "3.5", True),  # |diff| = 1e-7 < 1e-6
        ("3.500002", "3.5", False),  # |diff| = 2e-6: absolute, not relative, tolerance
        ("1000000.0000005", "1000000", True),
        ("3.14", "3.1416", False),  # no rounding to either side's decimals
        ("14", "14.0", True),
        (" 14.0", "14.0", True),  # float() ignores surrounding spaces, as in the official scorer
        ("male", "male", True),
        ("Male", "male", False),  # strings are case-sensitive
        (" male", "male", False),  # and not trimmed
        ("a, b", "a, b", True),
        ("a,b", "a, b", False),
        ("nan", "nan", True),  # equal strings, though NaN != NaN as a float
        (None, "3", False),  # a missing sub-answer
    ],
)
def test_is_equal_follows_the_official_rule(response: str | None, label: str, equal: bool) -> None:
    assert is_equal(response, label) is equal


def test_extracting_answers() -> None:
    text = "First guess @mean[1.0], then *@mean[2.5]*.\n@pair[3, 4] and @name[New York] @empty[]"
    assert extract_answers(text) == {"mean": "2.5", "pair": "3, 4", "name": "New York", "empty": ""}
    assert extract_answers("no answers here, @ alone, @x [1], @y[unclosed") == {}
    assert extract_answers("@a[x]y]") == {"a": "x"}  # the value stops at the first ]


def test_a_question_is_right_only_when_every_sub_answer_is() -> None:
    labels = (("count", "6"), ("top", "North"))
    assert score_answer("@count[6.0] @top[North]", labels).correct
    partial = score_answer("@count[6] @top[north] @extra[1]", labels)
    assert not partial.correct and (partial.sub_right, partial.sub_total) == (1, 2)
    missing = score_answer("@count[6]", labels)
    assert not missing.correct and missing.right == {"count": True, "top": False}
    assert not score_answer("", labels).correct
