"""`dataagent profile` and `dataagent ask` from a terminal, on messy real-world files."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import pytest

from tests.engine_helpers import Model
from tests.fakes.groq_fixture import FAKE_GROQ_KEY
from tests.fakes.groq_server import FakeGroq
from tests.sandbox_helpers import PNG_MAGIC

MESSY = {
    # Excel-style European export: cp1252, semicolons, decimal commas, CRLF, a title line.
    "umsatz.csv": (
        "Umsatz Bericht 2024\r\nKunde;Stadt;Betrag\r\nMüller;Köln;1.234,56\r\nSchäfer;Zürich;99,90\r\n"
    ).encode("cp1252"),
    # UTF-16 with BOM, tab-separated.
    "export.tsv": "name\tscore\nana\t3\nbo\t5\n".encode("utf-16"),
    # UTF-8 BOM, pipe-separated, CR-only line ends, a quoted newline and a ragged row.
    "notes.csv": '\ufeffid|note|amount\r1|"two\nlines"|10\r2|short\r3|x|30\r'.encode(),
}


async def run_cli(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    full_env = {k: v for k, v in os.environ.items() if k not in ("E2B_API_KEY", "SANDBOX")}
    full_env.update({"DATA_DIR": str(tmp_path / "state"), **(env or {})})
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=tmp_path,
        env=full_env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 180)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


@pytest.mark.parametrize(
    ("name", "expect"),
    [
        ("umsatz.csv", ["2 rows × 3 columns", "Müller", "Zürich", "1234.56"]),
        ("export.tsv", ["2 rows × 2 columns", "score"]),
        ("notes.csv", ["3 rows × 3 columns", "note"]),
    ],
)
async def test_profile_reads_messy_files(tmp_path: Path, name: str, expect: list[str]) -> None:
    (tmp_path / name).write_bytes(MESSY[name])
    code, out, err = await run_cli(tmp_path, "profile", name)
    assert code == 0, err
    for fragment in expect:
        assert fragment in out


async def test_profile_json_and_a_bad_file(tmp_path: Path) -> None:
    (tmp_path / "umsatz.csv").write_bytes(MESSY["umsatz.csv"])
    code, out, _ = await run_cli(tmp_path, "profile", "umsatz.csv", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["rows"] == 2 and [c["name"] for c in data["columns"]] == ["Kunde", "Stadt", "Betrag"]
    (tmp_path / "page.csv").write_bytes(b"<!DOCTYPE html><html><body>login</body></html>")
    code, _, err = await run_cli(tmp_path, "profile", "page.csv")
    assert code == 1
    assert "HTML" in err or "web page" in err


async def test_ask_answers_with_a_chart_from_a_messy_file(tmp_path: Path, fake_groq: FakeGroq) -> None:
    code_text = (
        "import matplotlib.pyplot as plt\n"
        "df.plot.bar(x='Kunde', y='Betrag')\n"
        "print(f\"total {df['Betrag'].sum():.2f}\")"
    )
    fake_groq.respond_with(Model([code_text]))
    (tmp_path / "umsatz.csv").write_bytes(MESSY["umsatz.csv"])
    env = {"GROQ_API_KEY": FAKE_GROQ_KEY, "GROQ_BASE_URL": fake_groq.base_url}
    code, out, err = await run_cli(
        tmp_path, "ask", "umsatz.csv", "Total Betrag?", "--json", "--charts-dir", "charts", env=env
    )
    assert code == 0, err
    result = json.loads(out)
    assert "total 1334.46" in result["stdout"] and "1334.46" in result["answer"]
    assert result["attempts"] == 1 and result["error"] is None
    assert len(result["charts"]) == 1
    assert (tmp_path / result["charts"][0]).read_bytes().startswith(PNG_MAGIC)


async def test_ask_without_a_key_is_a_configuration_error(tmp_path: Path) -> None:
    (tmp_path / "export.tsv").write_bytes(MESSY["export.tsv"])
    code, _, err = await run_cli(tmp_path, "ask", "export.tsv", "mean score?", env={"GROQ_API_KEY": ""})
    assert code == 2
    assert "GROQ_API_KEY" in err
