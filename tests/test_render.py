"""What users see in Slack for answers, failures, code, uploads and progress (pure rendering)."""

from __future__ import annotations

import pytest
from slack_sdk.models.views import View

from agent import texts as engine_texts
from agent.answer import Answer, Attempt
from handlers.render import (
    answer_attachments,
    answer_message,
    code_modal,
    failure_message,
    to_mrkdwn,
)
from tests.render_helpers import (
    PING,
    QID,
    answered,
    buttons,
    failed_attempt,
    footer,
    mrkdwn_texts,
    ok_attempt,
    preformatted_texts,
    sections,
    table_rows,
    valid,
)

# Markdown → mrkdwn


@pytest.mark.parametrize(
    ("markdown", "expected"),
    [
        ("**Total** is 5", "*Total* is 5"),
        ("__Total__ is 5", "*Total* is 5"),
        ("an *important* note", "an _important_ note"),
        ("## Revenue by region", "*Revenue by region*"),
        ("* East\n* West", "• East\n• West"),
        ("- East\n  - North-East", "• East\n    ◦ North-East"),
        (
            "See [the docs](https://example.com/x?a=1&b=2)",
            "See <https://example.com/x?a=1&amp;b=2|the docs (example.com)>",
        ),
        ("~~old~~ new", "~old~ new"),
        ("2 * 3 * 4 = 24", "2 * 3 * 4 = 24"),
        ("profit & loss < 5 > 3", "profit &amp; loss &lt; 5 &gt; 3"),
    ],
)
def test_markdown_becomes_slack_mrkdwn(markdown: str, expected: str) -> None:
    assert to_mrkdwn(markdown) == expected


def test_code_is_left_as_written_but_cannot_ping() -> None:
    text = "Use `df['**a**']` then:\n```python\nx = df[df.a > 1]  # **not bold** <!here>\n```"
    out = to_mrkdwn(text)
    assert "`df['**a**']`" in out
    assert "```\nx = df[df.a &gt; 1]  # **not bold** &lt;!here&gt;\n```" in out


def test_a_markdown_table_becomes_an_aligned_code_block() -> None:
    out = to_mrkdwn("| region | total |\n|---|---:|\n| **East** | 1,200 |\n| West | 900 |")
    assert out == "```\nregion  total\nEast    1,200\nWest      900\n```"


@pytest.mark.parametrize(
    ("markdown", "expected"),
    [
        ("[https://acme.slack.com/files/report.csv](https://evil.example/x)", "<https://evil.example/x>"),
        ("[acme.slack.com/files/report.csv](https://evil.example/x)", "<https://evil.example/x>"),
        ("[files at www.acme.com](https://evil.example/x)", "<https://evil.example/x>"),
        ("[ceo@acme.com](mailto:x@evil.example)", "<mailto:x@evil.example>"),
        (
            "[the report](https://user@Evil.example:8443/x)",
            "<https://user@Evil.example:8443/x|the report (evil.example)>",
        ),
        ("[https://example.com/a](https://example.com/a)", "<https://example.com/a>"),
    ],
)
def test_a_link_label_never_disguises_its_target(markdown: str, expected: str) -> None:
    assert to_mrkdwn(f"See {markdown}") == f"See {expected}"


@pytest.mark.parametrize("link", ["[everyone](!channel)", "[x](javascript:alert(1))", "<!here>", "<@U123>"])
def test_only_web_links_survive(link: str) -> None:
    out = to_mrkdwn(f"look {link}")
    assert "<!" not in out and "<@" not in out and "<javascript" not in out


# Answers


def test_short_answer_shows_text_footer_and_a_show_code_button() -> None:
    text, blocks = answer_message(answered("The **total** is 42."), question_id=QID)
    valid(blocks)
    assert sections(blocks)[0] == "The *total* is 42."
    assert text == "The *total* is 42."
    assert footer(blocks) == "✓ 1 attempt · 4.2 s"
    assert buttons(blocks) == {"feedback_up": QID, "feedback_down": QID, "show_code": QID}


def test_footer_tells_about_a_fixed_error_and_a_restored_session() -> None:
    answer = answered("42", attempts=(failed_attempt(1), ok_attempt(2)), seconds=6.1, resurrected=True)
    _, blocks = answer_message(answer, question_id=QID)
    assert footer(blocks) == "2 attempts (fixed an error) · 6.1 s · session restored"
    three = answered("42", attempts=(failed_attempt(1), failed_attempt(2), ok_attempt(3)))
    assert footer(answer_message(three, question_id=QID)[1]).startswith("3 attempts (fixed 2 errors)")


def _paragraphs(count: int, size: int) -> list[str]:
    return [f"P{i:03d} " + " ".join(["word"] * ((size - 5) // 5)) for i in range(count)]


def test_a_long_answer_is_split_into_sections_with_no_text_lost() -> None:
    paras = _paragraphs(8, 1400)  # ~11,200 characters: fits one message, not one section
    text, blocks = answer_message(answered("\n\n".join(paras)), question_id=QID)
    valid(blocks)
    body = sections(blocks)
    assert len(body) > 1 and all(len(s) <= 3000 for s in body)
    assert "\n\n".join(body).split() == "\n\n".join(paras).split()
    assert len(text) <= 301
    assert answer_attachments(answered("\n\n".join(paras))) == []


def test_a_single_huge_paragraph_is_split_at_spaces() -> None:
    words = [f"w{i}" for i in range(1800)]  # one ~9,000-character line
    _, blocks = answer_message(answered(" ".join(words)), question_id=QID)
    body = sections(valid(blocks))
    assert len(body) >= 3 and all(len(s) <= 3000 for s in body)
    assert " ".join(body).split() == words


def test_an_answer_too_long_for_a_message_is_cut_flagged_and_attached_in_full() -> None:
    full = "\n\n".join(_paragraphs(40, 1000))  # ~40,000 characters
    answer = answered(full)
    _, blocks = answer_message(answer, question_id=QID)
    valid(blocks)
    assert sum(len(t) for t in mrkdwn_texts(blocks)) <= 12_000
    assert "attached as a file" in sections(blocks)[-1]
    shown = " ".join(sections(blocks)[:-1]).split()
    assert shown == full.split()[: len(shown)]  # a clean prefix, nothing garbled
    assert [a.content for a in answer_attachments(answer)] == [full]
    assert buttons(blocks) == {"feedback_up": QID, "feedback_down": QID, "show_code": QID}


def test_a_long_code_block_stays_a_code_block_in_every_section() -> None:
    code = "\n".join(f"row_{i} = {i} * 2  # some explanation here" for i in range(200))
    _, blocks = answer_message(answered(f"Here:\n```\n{code}\n```\nDone."), question_id=QID)
    body = sections(valid(blocks))
    assert len(body) >= 3
    for piece in body:
        assert piece.count("```") % 2 == 0, piece[:80]
    joined = "\n".join(body)
    assert all(f"row_{i} = {i} * 2" in joined for i in range(200))


def test_a_printed_table_becomes_a_native_table() -> None:
    stdout = "     region  total sales  n\n0      East       1200.5  1\n1      West        900.0  2\n"
    answer = answered("East sold the most.", stdout=stdout)
    _, blocks = answer_message(answer, question_id=QID)
    valid(blocks)
    # The default 0, 1, 2… index says nothing and is left out.
    assert table_rows(blocks) == [["region", "total sales", "n"], ["East", "1200.5", "1"], ["West", "900.0", "2"]]
    assert answer_attachments(answer) == []


def test_a_series_is_a_two_column_table_and_prose_is_not_a_table() -> None:
    series = "region\nEast        1\nNew York    3\nWest        2\nName: n, dtype: int64"
    _, blocks = answer_message(answered("ok", stdout=f"Totals:\n\n{series}\n"), question_id=QID)
    assert table_rows(blocks) == [["region", "n"], ["East", "1"], ["New York", "3"], ["West", "2"]]
    _, blocks = answer_message(answered("Plain prose.\n", stdout="The total is 42 units\n"), question_id=QID)
    assert table_rows(blocks) == []


def test_a_table_larger_than_slack_allows_is_cut_and_attached_whole_as_csv() -> None:
    big = "    a    b\n" + "\n".join(f"{i}  {i}  {i * 2}" for i in range(150))
    answer = answered("ok", stdout=big)
    _, blocks = answer_message(answer, question_id=QID)
    valid(blocks)
    rows = table_rows(blocks)
    assert len(rows) == 100 and rows[0] == ["a", "b"] and rows[1] == ["0", "0"]
    (csv_file,) = answer_attachments(answer)
    assert csv_file.filename == "result.csv"
    lines = csv_file.content.splitlines()
    assert lines[0] == "a,b" and len(lines) == 151 and lines[-1] == "149,298"


def test_data_from_the_output_cannot_ping_the_channel() -> None:
    stdout = f"   name  total\n0  {PING}  5\n1  bob  3\n"
    answer = answered(f"The top customer is {PING} & co.", stdout=stdout)
    text, blocks = answer_message(answer, question_id=QID)
    for mrkdwn in [text, *mrkdwn_texts(blocks)]:
        assert "<!" not in mrkdwn
    assert "&lt;!channel&gt; &amp; co." in sections(blocks)[0]
    # Table cells are raw text, never parsed for mentions, so the value is shown exactly as it is.
    assert [PING, "5"] in table_rows(blocks)


# Code view


def test_code_modal_shows_code_and_output_within_limits() -> None:
    code = "\n".join(f"x{i} = df['a'].sum()  # {PING}" for i in range(300))  # ~9,000 characters
    stdout = "\n".join(f"line {i}" for i in range(20_000))
    view = code_modal(code, stdout, question=f"why {PING}?")
    View(**view).validate_json()
    assert len(view["blocks"]) <= 100
    valid(view["blocks"])
    pre = preformatted_texts(view["blocks"])
    code_parts = [p for p in pre if p.startswith("x")]
    assert "\n".join(code_parts) == code
    output = "\n".join(p for p in pre if p.startswith("line"))
    assert "output cut here" in output and len(output) < 10_000
    assert all("<!" not in t for t in sections(view["blocks"]))


def test_code_modal_without_code_says_so() -> None:
    view = code_modal(None, "")
    assert any("No code" in t for t in sections(view["blocks"]))


# Failures


def test_a_refusal_offers_a_hint_and_no_retry() -> None:
    answer = Answer("refused", "I can't run that: it would open a network connection.", "fetch google.com")
    text, blocks = failure_message(answer, question_id=QID, columns=["revenue"])
    valid(blocks)
    assert buttons(blocks) == {}
    assert "network connection" in text
    assert "revenue" in sections(blocks)[0]


def test_refused_code_can_be_retried_and_shown() -> None:
    attempt = Attempt(1, "import socket", refused=("line 1: import socket (network access is not allowed)",))
    answer = Answer(
        "refused",
        "I can't run that: the code it needed would import socket.",
        "q",
        code="import socket",
        attempts=(attempt, attempt),
    )
    _, blocks = failure_message(answer, question_id=QID)
    valid(blocks)
    assert buttons(blocks) == {"retry_question": QID, "show_code": QID}


def test_code_that_kept_failing_names_the_error_and_offers_retry_and_code() -> None:
    attempts = tuple(failed_attempt(i, value=f"'revenue' {PING}") for i in (1, 2, 3))
    answer = Answer(
        "failed", "engine text", "total revenue?", code="df['revenue']", attempts=attempts, error="engine text"
    )
    text, blocks = failure_message(answer, question_id=QID)
    valid(blocks)
    first = sections(blocks)[0]
    assert "3 attempts" in first and "KeyError" in first
    assert "<!" not in first and "<!" not in text
    assert buttons(blocks) == {"retry_question": QID, "show_code": QID}


def test_model_trouble_is_explained_with_a_retry_button() -> None:
    reason = "The AI model is rate-limited right now (too many requests), please try again in a minute."
    answer = Answer("failed", reason, "q", error=reason)
    text, blocks = failure_message(answer, question_id=QID)
    assert "rate-limited" in text
    assert buttons(valid(blocks)) == {"retry_question": QID}


def test_no_dataset_says_to_upload_one() -> None:
    answer = Answer("failed", engine_texts.NO_DATA, "q", error=engine_texts.NO_DATA, cause="no_data")
    _, blocks = failure_message(answer, question_id=QID)
    assert "Upload a CSV" in sections(valid(blocks))[0]
    assert buttons(blocks) == {"retry_question": QID}
