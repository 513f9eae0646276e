"""The real bolt app end to end: fake Slack and Groq on the wire, real Redis, the real local sandbox."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from tests.bot_helpers import (
    CHANNEL,
    bot_settings,
    events_url,
    finals,
    message_text,
    running_bot,
    wait_final,
)
from tests.engine_helpers import SALES_CSV, Model, slow, starts_a_question
from tests.fakes.groq_server import FakeGroq
from tests.fakes.slack import FakeSlack, app_mention_event, file_share_event, mention_events, message_event
from tests.sandbox_helpers import PNG_MAGIC
from tests.workbook_helpers import SECRET, sales_workbook

CHART_CODE = """
import matplotlib.pyplot as plt
totals = df.groupby("region")["revenue_usd"].sum().sort_values(ascending=False)
totals.plot.bar(title="Revenue by region")
print(f"Top region: {totals.index[0]} with {totals.iloc[0]:.2f}")
"""


async def share_sales(fake: FakeSlack, url: str, channel: str = CHANNEL, thread_ts: str | None = None) -> str:
    """Drop sales.csv in the channel; returns the file message's ts (the dataset's thread)."""
    file_obj = fake.register_file(None, "sales.csv", SALES_CSV)
    event = file_share_event(channel, "U0ALICE001", file_obj, thread_ts=thread_ts)
    response = await fake.send_event(url, event)
    assert response.status == 200
    return str(event["ts"])


async def wait_card(fake: FakeSlack, channel: str, thread_ts: str) -> str:
    call = await fake.wait_for(
        "chat.postMessage",
        lambda c: c.args.get("thread_ts") == thread_ts and "rows" in str(c.args.get("text")),
        timeout=30,
    )
    return message_text({"text": call.args.get("text"), "blocks": call.args.get("blocks")})


async def test_upload_then_thread_reply_is_answered_with_text_and_chart(
    fake_slack: FakeSlack, fake_groq: FakeGroq, redis_url: str, namespace: str, tmp_path: Path
) -> None:
    fake_groq.respond_with(Model([CHART_CODE]))
    settings = bot_settings(fake_slack, fake_groq, redis_url, tmp_path)
    async with running_bot(settings, namespace) as bot:
        url = events_url(bot)
        file_ts = await share_sales(fake_slack, url)
        card = await wait_card(fake_slack, CHANNEL, file_ts)
        assert "sales.csv" in card and "6 rows" in card and "revenue_usd" in card
        # A plain reply in the file's thread is a question: no mention needed.
        reply = message_event(CHANNEL, "U0ALICE001", "Which region sells the most?", thread_ts=file_ts)
        await fake_slack.send_event(url, reply)
        final = await wait_final(fake_slack, CHANNEL, file_ts)
        assert "South with 390.00" in message_text(final)
        charts = await fake_slack.wait_until(
            lambda: fake_slack.uploaded_files(CHANNEL, file_ts) or None, timeout=30, what="the chart upload"
        )
    assert len(charts) == 1 and charts[0].content.startswith(PNG_MAGIC)
    assert charts[0].alt_txt
    # Secrets never reach the model.
    for request in fake_groq.requests:
        sent = json.dumps(request.json)
        assert fake_slack.bot_token not in sent and fake_slack.signing_secret not in sent


async def test_a_mention_arriving_twice_and_a_retried_event_are_answered_once(
    fake_slack: FakeSlack, fake_groq: FakeGroq, redis_url: str, namespace: str, tmp_path: Path
) -> None:
    fake_groq.respond_with(Model(["df['units'].plot.hist()\nprint(f'rows: {len(df)}')"]))
    settings = bot_settings(fake_slack, fake_groq, redis_url, tmp_path)
    async with running_bot(settings, namespace) as bot:
        url = events_url(bot)
        file_ts = await share_sales(fake_slack, url)
        await wait_card(fake_slack, CHANNEL, file_ts)
        # A top-level mention uses the channel's latest dataset and is answered in its own thread.
        mention, message = mention_events(CHANNEL, "U0BOB00001", "how many rows are there?")
        await fake_slack.send_event(url, message)
        await fake_slack.send_event(url, mention)
        await fake_slack.send_event(url, mention, retry_num=1)
        thread_ts = str(mention["ts"])
        final = await wait_final(fake_slack, CHANNEL, thread_ts)
        assert "rows: 6" in message_text(final)
        charts = await fake_slack.wait_until(
            lambda: fake_slack.uploaded_files(CHANNEL, thread_ts) or None,
            timeout=30,
            what="the chart in the mention's thread",
        )
        assert charts[0].content.startswith(PNG_MAGIC)
        await asyncio.sleep(1.0)  # give a wrongly queued duplicate the time to show itself
        assert len(finals(fake_slack, CHANNEL, thread_ts)) == 1
    code_requests = [r for r in fake_groq.requests if starts_a_question(r.json)]
    assert len(code_requests) == 1


async def test_a_top_level_mention_without_data_gets_a_helpful_reply(
    fake_slack: FakeSlack, fake_groq: FakeGroq, redis_url: str, namespace: str, tmp_path: Path
) -> None:
    settings = bot_settings(fake_slack, fake_groq, redis_url, tmp_path)
    async with running_bot(settings, namespace) as bot:
        mention = app_mention_event("C0EMPTY001", "U0BOB00001", "what is the average?")
        await fake_slack.send_event(events_url(bot), mention)
        final = await wait_final(fake_slack, "C0EMPTY001", str(mention["ts"]))
    assert "Upload a CSV" in message_text(final)
    assert fake_groq.requests == []


async def test_analyze_is_acked_at_once_and_answered_in_a_new_thread(
    fake_slack: FakeSlack, fake_groq: FakeGroq, redis_url: str, namespace: str, tmp_path: Path
) -> None:
    model = Model(["df.plot.scatter(x='units', y='revenue_usd')\nprint(f\"total units: {df['units'].sum()}\")"])
    # A slow model: the command must be acked long before the analysis can have finished.
    fake_groq.respond_with(slow(model, 2.0))
    settings = bot_settings(fake_slack, fake_groq, redis_url, tmp_path)
    async with running_bot(settings, namespace) as bot:
        url = events_url(bot)
        file_ts = await share_sales(fake_slack, url)
        await wait_card(fake_slack, CHANNEL, file_ts)
        response = await fake_slack.send_command(
            url, channel_id=CHANNEL, command="/analyze", text="how many units in total?"
        )
        assert response.status == 200
        assert not any("total units" in str(c.args) for c in fake_slack.calls("chat.update"))  # not yet
        root = await fake_slack.wait_for("chat.postMessage", lambda c: "asked" in str(c.args.get("text")))
        root_ts = str(root.response["ts"])
        final = await wait_final(fake_slack, CHANNEL, root_ts)
        charts = await fake_slack.wait_until(
            lambda: fake_slack.uploaded_files(CHANNEL, root_ts) or None,
            timeout=30,
            what="the chart under the /analyze question",
        )
    assert "total units: 20" in message_text(final)
    assert charts[0].content.startswith(PNG_MAGIC)


async def test_a_non_csv_and_an_oversized_upload_get_clear_replies(
    fake_slack: FakeSlack, fake_groq: FakeGroq, redis_url: str, namespace: str, tmp_path: Path
) -> None:
    settings = bot_settings(fake_slack, fake_groq, redis_url, tmp_path, max_file_mb=1)
    async with running_bot(settings, namespace) as bot:
        url = events_url(bot)
        html = fake_slack.register_file(
            None, "report.csv", b"<!DOCTYPE html><html><body>Sign in</body></html>", mimetype="text/csv"
        )
        html_event = file_share_event(CHANNEL, "U0ALICE001", html)
        await fake_slack.send_event(url, html_event)
        big = fake_slack.register_file(None, "huge.csv", b"a,b\n" + b"1,2\n" * 400_000)
        big_event = file_share_event(CHANNEL, "U0ALICE001", big)
        await fake_slack.send_event(url, big_event)
        html_reply = await fake_slack.wait_for(
            "chat.postMessage", lambda c: c.args.get("thread_ts") == html_event["ts"], timeout=30
        )
        big_reply = await fake_slack.wait_for(
            "chat.postMessage", lambda c: c.args.get("thread_ts") == big_event["ts"], timeout=30
        )
    assert "HTML" in str(html_reply.args["text"]) or "web page" in str(html_reply.args["text"])
    assert "1 MB" in str(big_reply.args["text"])


async def test_a_workbook_shows_its_visible_sheets_on_one_card_and_a_question_is_answered_on_a_sheet(
    fake_slack: FakeSlack, fake_groq: FakeGroq, redis_url: str, namespace: str, tmp_path: Path
) -> None:
    code = "west = sales_q2.loc[sales_q2['Region'] == 'West', 'Units'].sum()\nprint(f'West sold {west} units')"
    fake_groq.respond_with(Model([code]))
    settings = bot_settings(fake_slack, fake_groq, redis_url, tmp_path)
    async with running_bot(settings, namespace) as bot:
        url = events_url(bot)
        xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        file_obj = fake_slack.register_file(None, "sales.xlsx", sales_workbook(), xlsx, "xlsx")
        event = file_share_event(CHANNEL, "U0ALICE001", file_obj)
        await fake_slack.send_event(url, event)
        file_ts = str(event["ts"])
        card = await wait_card(fake_slack, CHANNEL, file_ts)
        assert "sales_q1" in card and "sales_q2" in card
        assert "Secret" not in card and SECRET not in card
        assert "skipped 1 hidden sheet" in card
        cards = [
            c
            for c in fake_slack.calls("chat.postMessage")
            if c.args.get("thread_ts") == file_ts and "rows" in str(c.args.get("text"))
        ]
        assert len(cards) == 1  # both sheets on one card
        reply = message_event(CHANNEL, "U0ALICE001", "How many units did West sell?", thread_ts=file_ts)
        await fake_slack.send_event(url, reply)
        final = await wait_final(fake_slack, CHANNEL, file_ts)
        assert "West sold 11 units" in message_text(final)
    for request in fake_groq.requests:
        assert SECRET not in json.dumps(request.json)  # a hidden sheet never reaches the model
