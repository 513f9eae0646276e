"""Rendering the profile card, App Home, progress lines, slash-command replies and chart names."""

from __future__ import annotations

import json
import re

import pytest
from slack_sdk.models.views import View

from agent.profile import ColumnProfile, DatasetProfile
from agent.progress import Progress
from agent.store import DatasetRecord
from handlers.render import (
    DatasetView,
    chart_alt_text,
    chart_filename,
    datasets_list,
    forget_done,
    profile_card,
    progress_text,
    suggested_questions,
    usage_text,
)
from handlers.render.dates import day_month
from handlers.render.home import HomeChannel, HomeDataset, forget_modal, home_view
from tests.render_helpers import (
    PING,
    footer,
    mrkdwn_texts,
    sections,
    table_rows,
    valid,
)

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
    assert "1,200 rows × 4 columns · kept until 21 Nov" in body and "1 columns · kept until 14 Nov" in body
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
    assert "kept until" not in listing  # unknown: never a made-up date
    dec_1 = 1_796_083_200.0  # 2026-12-01 00:00 UTC
    assert "(kept until 8 Dec)" in datasets_list([SALES], expires_at=dec_1 + 7 * 86_400, now=dec_1)
    assert "forgotten" in forget_done()


def test_chart_names_and_alt_text() -> None:
    assert chart_alt_text("Revenue by region?", 2, 3) == "Chart 2 of 3 for the question: Revenue by region?"
    assert chart_alt_text("x" * 1000, 1, 1).endswith("…")
    assert chart_filename("Revenue by region, 2024?", 2, 3) == "chart-revenue-by-region-2024-2.png"
    assert chart_filename("¿¡!!", 1) == "chart.png"
    assert re.fullmatch(r"chart-[a-z0-9-]{1,40}\.png", chart_filename("a " * 200, 1))


def test_retention_dates_read_the_same_in_any_workspace_and_name_the_year_only_when_it_changes() -> None:
    dec_1 = 1_796_083_200.0  # 2026-12-01 00:00 UTC
    assert day_month(dec_1 + 7 * 86_400, dec_1) == "8 Dec"
    assert day_month(dec_1 + 35 * 86_400, dec_1) == "5 Jan 2027"
    assert day_month(dec_1 + 86_399, dec_1) == "1 Dec"  # UTC, whatever the server's zone


def test_the_card_says_until_when_the_data_is_kept() -> None:
    dec_1 = 1_796_083_200.0  # 2026-12-01 00:00 UTC
    _, blocks = profile_card([SALES], kept_until=dec_1 + 7 * 86_400, now=dec_1)
    contexts = [b["elements"][0]["text"] for b in valid(blocks) if b["type"] == "context"]
    assert "kept until 8 Dec" in contexts
    _, without = profile_card([SALES])
    assert not [b for b in without if "kept until" in str(b)]


def test_home_says_so_when_slack_could_not_say_which_conversations_the_user_is_in() -> None:
    view = home_view([], now=1_796_083_200.0, unchecked=True)
    body = "\n".join(mrkdwn_texts(valid(view["blocks"])))
    assert "couldn't check with Slack" in body and "None of your channels" not in body
