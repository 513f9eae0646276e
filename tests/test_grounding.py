"""Numbers in an answer must come from the output it was written from."""

from __future__ import annotations

import pytest

from agent.llm.grounding import ungrounded_numbers

OUTPUT = "region\nSouth    390.00\nNorth    320.50\nshare of South: 0.3623\ntotal 1234567.0\nrows 2024-01-05\n"


@pytest.mark.parametrize(
    "answer",
    [
        "South leads with *390* in revenue.",
        "South is 36.2% of the total.",
        "North made 320.5, total about 1.23M.",
        "Total revenue: $1,234,567.",
        "The top 3 regions, data from 2024.",
    ],
)
def test_numbers_taken_from_the_output_are_grounded(answer: str) -> None:
    assert ungrounded_numbers(answer, OUTPUT) == []


@pytest.mark.parametrize(
    ("answer", "invented"),
    [
        ("South leads with 395.", ["395"]),
        ("South is 41% of the total.", ["41%"]),
        ("Total is 1.5M.", ["1.5M"]),
    ],
)
def test_invented_numbers_are_caught(answer: str, invented: list[str]) -> None:
    assert ungrounded_numbers(answer, OUTPUT) == invented


def test_numbers_from_the_question_are_allowed() -> None:
    assert ungrounded_numbers("Above 500 there are none.", OUTPUT, "How many sales above 500?") == []
