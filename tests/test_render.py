"""What users see in Slack for answers, failures, code, uploads and progress (pure rendering)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from slack_sdk.models.blocks import Block as SdkBlock
from slack_sdk.models.views import View

from agent import texts as engine_texts
from agent.answer import Answer, Attempt
from agent.profile import ColumnProfile, DatasetProfile
from agent.progress import Progress
from agent.sandbox.base import Execution, ExecutionError
from agent.store import DatasetRecord
from handlers.render import (
    DatasetView,
    answer_attachments,
    answer_message,
    chart_alt_text,
    chart_filename,
    code_modal,
    datasets_list,
    failure_message,
    forget_done,
    profile_card,
    progress_text,
    suggested_questions,
    to_mrkdwn,
    usage_text,
)
from handlers.render.home import HomeChannel, HomeDataset, forget_modal, home_view

QID = "q-1f2e3d"
PING = "<!channel>"
OK_RUN = Execution(stdout="42\n")


def ok_attempt(n: int = 1) -> Attempt:
    return Attempt(n, "print(42)", OK_RUN)


def failed_attempt(n: int, name: str = "KeyError", value: str = "'revenue'") -> Attempt:
    return Attempt(n, "df['revenue']", Execution(error=ExecutionError(name, value, "Traceback...")))


def answered(
    text: str,
    *,
    stdout: str = "42\n",
    attempts: tuple[Attempt, ...] | None = None,
    seconds: float = 4.2,
    resurrected: bool = False,
) -> Answer:
    answer = Answer(
        "answered",
        text,
        "what is the total?",
        code="print(42)",
        stdout=stdout,
        attempts=attempts or (ok_attempt(),),
        resurrected=resurrected,
    )
    answer.timings["total_s"] = seconds
    return answer


def valid(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Round-trip every block through slack_sdk's models, which raise on Slack's documented limits."""
    assert len(blocks) <= 50
    for block in blocks:
        assert SdkBlock.parse(block).to_dict() == block  # type: ignore[union-attr]
    return blocks


def sections(blocks: list[dict[str, Any]]) -> list[str]:
    return [b["text"]["text"] for b in blocks if b["type"] == "section"]


def mrkdwn_texts(blocks: list[dict[str, Any]]) -> list[str]:
    """Every string Slack parses as mrkdwn (where `<!channel>` would ping)."""
    out = sections(blocks)
    for b in blocks:
        if b["type"] == "context":
            out += [e["text"] for e in b["elements"] if e["type"] == "mrkdwn"]
    return out


def preformatted_texts(blocks: list[dict[str, Any]]) -> list[str]:
    return [leaf["text"] for b in blocks if b["type"] == "rich_text" for el in b["elements"] for leaf in el["elements"]]


def buttons(blocks: list[dict[str, Any]]) -> dict[str, str]:
    return {e["action_id"]: e["value"] for b in blocks if b["type"] == "actions" for e in b["elements"]}


def footer(blocks: list[dict[str, Any]]) -> str:
    return str(next(b for b in blocks if b["type"] == "context")["elements"][0]["text"])


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


def table_rows(blocks: list[dict[str, Any]]) -> list[list[str]]:
    tables = [b for b in blocks if b["type"] == "table"]
    assert len(tables) <= 1
    return [[cell["text"] for cell in row] for row in tables[0]["rows"]] if tables else []


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


# Profile card


SALES = DatasetView(
    "sales.csv",
    "sales",
    1234,
    (
        ("order_id", "int64"),
        ("order_date", "datetime64[ns]"),
        ("region", "category"),
        ("revenue", "float64"),
        ("units", "int64"),
        ("customer", "object"),
        ("returned", "bool"),
        ("note", "object"),
    ),
    ("`revenue` has 12 negative values",),
)


def test_profile_card_shows_size_columns_oddities_and_name() -> None:
    text, blocks = profile_card([SALES])
    valid(blocks)
    body = sections(blocks)
    assert body[0] == "*sales.csv* — 1,234 rows × 8 columns"
    assert "`revenue` (number)" in body[1] and "`order_date` (date)" in body[1]
    assert "12 negative values" in body[2]
    assert "`sales`" in footer(blocks)
    assert text.startswith("*sales.csv* — 1,234 rows")


def test_suggested_questions_name_real_columns() -> None:
    questions = suggested_questions(SALES)
    assert questions[0] == "How did revenue change by month?"
    assert questions[1] == "Which region has the highest total revenue?"
    assert 2 <= len(questions) <= 3
    only_text = DatasetView("notes.csv", "notes", 3, (("description", "object"),))
    assert suggested_questions(only_text) == ["Summarise this dataset"]


def test_many_columns_are_capped_and_counted() -> None:
    wide = DatasetView("wide.csv", "wide", 10, tuple((f"c{i}", "float64") for i in range(40)))
    _, blocks = profile_card([wide])
    columns = sections(valid(blocks))[1]
    assert "`c24`" in columns and "`c25`" not in columns and "15 more" in columns


def test_a_second_file_lists_every_dataset_of_the_thread() -> None:
    returns = DatasetView("returns.csv", "returns", 5, (("order_id", "int64"),))
    _, blocks = profile_card([returns], in_thread=[SALES, returns])
    contexts = [b["elements"][0]["text"] for b in valid(blocks) if b["type"] == "context"]
    assert "Now 2 datasets in this thread: `sales`, `returns`." in contexts


def test_profile_card_from_a_stored_record_and_hostile_column_names() -> None:
    columns = (ColumnProfile(PING, "text", 0, 3), ColumnProfile("amount", "integer", 0, 9))
    profile = DatasetProfile("a&b.csv", "a_b", 9, columns, (), (), (), (), "utf-8", ",", ".", 0)
    record = DatasetRecord(
        "a&b.csv", "a_b", "0" * 64, "a_b.csv", "a_b = pd.read_csv(...)", "", profile, 9, (PING, "amount")
    )
    text, blocks = profile_card([record])
    valid(blocks)
    for mrkdwn in [text, *mrkdwn_texts(blocks)]:
        assert "<!" not in mrkdwn
    joined = "\n".join(sections(blocks))
    # The columns are a native table of raw text cells, never parsed, so the name is shown as it is.
    assert table_rows(blocks)[:2] == [["Column", "Type", "Empty", "Range"], [PING, "category", "0%", " "]]
    assert all(cell["type"] == "raw_text" for b in blocks if b["type"] == "table" for row in b["rows"] for cell in row)
    assert "Which &lt;!channel&gt; has the highest total amount?" in joined


def stored(name: str, columns: tuple[ColumnProfile, ...], rows: int, warnings: tuple[str, ...] = ()) -> DatasetRecord:
    profile = DatasetProfile(name, "data", rows, columns, (), (), (), warnings, "utf-8", ",", ".", 0)
    return DatasetRecord(name, "data", "0" * 64, "d.csv", "", "", profile, rows, tuple(c.name for c in columns))


def test_the_card_shows_the_files_reading_warnings_escaped() -> None:
    warnings = ("Skipped 2 title lines above the header", "Read `,` as the decimal mark <!here>", "Dropped 3 rows")
    _, blocks = profile_card([stored("w.csv", (ColumnProfile("x", "number", 0, 2),), 4, warnings)])
    notes = next(t for t in sections(valid(blocks)) if t.startswith("*While reading the file:*"))
    assert "• Skipped 2 title lines above the header" in notes and "• Dropped 3 rows" in notes
    assert "&lt;!here&gt;" in notes and "<!" not in notes


def test_the_columns_table_shows_type_empty_share_and_range() -> None:
    columns = (
        ColumnProfile("revenue", "number", 25, 90, 1.5, 2400.75),
        ColumnProfile("units", "integer", 0, 9, 1, 12000),
        ColumnProfile("day", "date", 1, 30, "2024-01-01", "2024-03-31"),
        ColumnProfile("region", "text", 0, 4, top=(("North", 40),)),
        ColumnProfile("flag", "bool", 100, 1),
    )
    _, blocks = profile_card([stored("t.csv", columns, 100)])
    rows = table_rows(valid(blocks))
    assert rows[1] == ["revenue", "number", "25%", "1.50 – 2,400.75"]
    assert rows[2] == ["units", "number", "0%", "1 – 12,000"]
    assert rows[3] == ["day", "date", "1%", "2024-01-01 – 2024-03-31"]
    assert rows[4] == ["region", "category", "0%", " "] and rows[5] == ["flag", "yes/no", "100%", " "]
    assert "Columns:" not in "\n".join(sections(blocks))  # the table replaces the list


def test_a_wide_file_tables_its_first_25_columns_and_counts_the_rest() -> None:
    wide = stored("wide.csv", tuple(ColumnProfile(f"<c{i}>", "number", 0, 5, 0, i) for i in range(40)), 10)
    _, blocks = profile_card([wide])
    rows = table_rows(valid(blocks))
    assert len(rows) == 26 and rows[-1][0] == "<c24>" and all(len(r) == 4 for r in rows)
    assert "… and 15 more columns" in [e["text"] for b in blocks if b["type"] == "context" for e in b["elements"]]


def test_suggestions_become_buttons_carrying_their_ids_and_a_second_dataset_lists_its_columns() -> None:
    first = stored("a.csv", (ColumnProfile("amount", "number", 0, 9),), 9)
    second = stored("b.csv", (ColumnProfile(PING, "number", 0, 9),), 9)
    offered = [[("s1", "What is the distribution of amount?"), ("s2", "Summarise this dataset")], [("s3", "x" * 90)]]
    _, blocks = profile_card([first, second], suggestions=offered)
    valid(blocks)
    rows = [[(e["action_id"], e["value"]) for e in b["elements"]] for b in blocks if b["type"] == "actions"]
    assert rows == [[("ask_suggestion_0", "s1"), ("ask_suggestion_1", "s2")], [("ask_suggestion_0", "s3")]]
    labels = [e["text"]["text"] for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert labels[:2] == ["What is the distribution of amount?", "Summarise this dataset"]
    assert len(labels[2]) == 75 and labels[2].endswith("…")
    assert len([b for b in blocks if b["type"] == "table"]) == 1  # Slack shows one table per message
    assert "`&lt;!channel&gt;` (number)" in "\n".join(sections(blocks))


# App Home


def test_home_lists_each_channels_datasets_with_expiry_and_a_forget_button() -> None:
    now = 1_700_000_000.0
    hostile = HomeDataset(f"{PING}*.csv", "a<b>", 1200, 4, now + 6.5 * 86_400)
    soon = HomeDataset("soon.csv", "soon", 1, 1, now + 1800)
    channels = [HomeChannel("C0DATA0001", (hostile, soon)), HomeChannel("D0DM000001", (soon,))]
    view = home_view(channels, now=now)
    assert View(**view).to_dict()["type"] == "home" and len(view["blocks"]) <= 100
    valid(view["blocks"])
    body = "\n".join(mrkdwn_texts(view["blocks"]))
    assert "<!channel" not in body and "&lt;!channel&gt;.csv" in body and "`a&lt;b&gt;`" in body
    assert "1,200 rows × 4 columns · expires in 7 days" in body and "expires within the hour" in body
    assert "*<#C0DATA0001>*" in body and "Our direct messages" in body
    forgets = [b["accessory"] for b in view["blocks"] if "accessory" in b]
    assert [(f["action_id"], f["value"]) for f in forgets] == [
        ("home_forget", "C0DATA0001"),
        ("home_forget", "D0DM000001"),
    ]
    assert "None of your channels" in "\n".join(mrkdwn_texts(home_view([], now=now)["blocks"]))


def test_home_caps_its_channels_within_the_views_block_limit() -> None:
    many = [HomeChannel(f"C{i:09d}", (HomeDataset("x.csv", "x", 1, 1, None),)) for i in range(60)]
    view = home_view(many, now=0)
    valid(view["blocks"][:50])
    assert len(view["blocks"]) <= 100 and "… and 20 more channels" in json.dumps(view, ensure_ascii=False)


def test_forget_modal_asks_with_confirm_and_cancel() -> None:
    modal = forget_modal("C0DATA0001")
    assert View(**modal).to_dict()["callback_id"] == "home_forget_confirm"
    assert modal["private_metadata"] == "C0DATA0001" and modal["submit"]["text"] == "Forget"
    assert "<#C0DATA0001>" in modal["blocks"][0]["text"]["text"]


# Progress, slash command, charts


@pytest.mark.parametrize(
    ("progress", "expected"),
    [
        (Progress("writing_code", "x", 1, 3), "Writing code…"),
        (Progress("running", "x", 1, 3), "Running the analysis…"),
        (Progress("running", "x", 2, 3), "Running the analysis (attempt 2 of 3)…"),
        (Progress("fixing", "x", 2, 3), "Fixing an error (attempt 2 of 3)…"),
        (Progress("resurrecting", "x"), "Restoring the session…"),
        (Progress("drawing_charts", "Drawing 2 chart(s)…"), "Drawing charts…"),
    ],
)
def test_progress_lines(progress: Progress, expected: str) -> None:
    assert progress_text(progress) == expected


def test_slash_command_texts() -> None:
    usage = usage_text()
    for sub in ("/analyze <question>", "/analyze datasets", "/analyze forget", "/analyze help"):
        assert sub in usage
    assert "any datasets" in datasets_list([])
    listing = datasets_list([SALES])
    assert "*sales.csv* as `sales` — 1,234 rows × 8 columns" in listing
    assert "forgotten" in forget_done()


def test_chart_names_and_alt_text() -> None:
    assert chart_alt_text("Revenue by region?", 2, 3) == "Chart 2 of 3 for the question: Revenue by region?"
    assert chart_alt_text("x" * 1000, 1, 1).endswith("…")
    assert chart_filename("Revenue by region, 2024?", 2, 3) == "chart-revenue-by-region-2024-2.png"
    assert chart_filename("¿¡!!", 1) == "chart.png"
    assert re.fullmatch(r"chart-[a-z0-9-]{1,40}\.png", chart_filename("a " * 200, 1))
