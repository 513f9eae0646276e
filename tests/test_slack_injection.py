"""File names are anyone's choice: none of them may ping a channel or a person through the bot's replies."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from tests.bot_helpers import CHANNEL, bot_settings, events_url, message_text, running_bot
from tests.engine_helpers import SALES_CSV
from tests.fakes.groq_server import FakeGroq
from tests.fakes.slack import FakeSlack, file_share_event

PINGS = ("<!here>", "<!channel>", "<@U")


def zipped(*names: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, SALES_CSV)
    return buffer.getvalue()


async def test_file_names_with_mentions_never_ping_anyone(
    fake_slack: FakeSlack, fake_groq: FakeGroq, redis_url: str, namespace: str, tmp_path: Path
) -> None:
    settings = bot_settings(fake_slack, fake_groq, redis_url, tmp_path, max_file_mb=1)
    uploads = [
        ("<!channel> Q1.zip", zipped("<!here> Q1.csv", "<!channel>.csv")),  # refused: two files, both named
        ("<@U0BOB00001>.zip", zipped("<!here> Q1.csv")),  # loaded: the profile card names it
        ("<!channel>.csv", b"a,b\n" + b"1,2\n" * 400_000),  # too big
        ("<@U0BOB00001> broken.zip", b"PK\x03\x04 not really a zip"),  # damaged
    ]
    async with running_bot(settings, namespace) as bot:
        url = events_url(bot)
        roots = []
        for name, data in uploads:
            event = file_share_event(CHANNEL, "U0ALICE001", fake_slack.register_file(None, name, data))
            await fake_slack.send_event(url, event)
            roots.append(str(event["ts"]))
        for ts in roots:
            await fake_slack.wait_for("chat.postMessage", lambda c, ts=ts: c.args.get("thread_ts") == ts, timeout=30)
    posted = [message_text({"text": c.args.get("text"), "blocks": c.args.get("blocks")}) for c in fake_slack.calls()]
    replies = "\n".join(posted)
    assert "Q1.csv" in replies and "&lt;!here&gt;" in replies and "1 MB" in replies
    for ping in PINGS:
        assert ping not in replies
    # A file's name may carry a link: what names it in the thread is never unfurled into a preview.
    naming = [c for c in fake_slack.calls("chat.postMessage") if "Q1" in str(c.args.get("text"))]
    assert naming and all(str(c.args.get("unfurl_links")).lower() == "false" for c in naming)
