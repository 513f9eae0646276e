"""Numbers in an answer must come from the output it was written from."""

from __future__ import annotations

import time

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


def test_a_megabyte_of_output_and_a_hundred_numbers_are_checked_quickly() -> None:
    """It runs on the event loop: 1 MB of numeric stdout once stalled every thread for 22 s."""
    output = "\n".join(f"{i:>7} {i * 1.37:12.4f} {i / 7:10.6f}" for i in range(34_000))
    assert len(output) >= 1 << 20
    tail = output.splitlines()[-1].split()
    answer = " ".join(f"{1_000_000 + i * 3.1:.2f}" for i in range(98)) + f" {tail[1]} {tail[2]}"
    started = time.perf_counter()
    missing = ungrounded_numbers(answer, output)
    assert time.perf_counter() - started < 1.0
    assert len(missing) == 98 and tail[1] not in missing and tail[2] not in missing
