"""`dataagent profile` and `dataagent ask` on each format a business user shares, made as its exporter makes it."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest

from tests.engine_helpers import Model
from tests.fakes.groq_fixture import FAKE_GROQ_KEY
from tests.fakes.groq_server import FakeGroq
from tests.test_cli_data import run_cli
from tests.workbook_helpers import SECRET, sales_workbook

ORDERS = pd.DataFrame(
    {
        "order_id": pd.array([101, 102, 103], dtype="int32"),
        "region": pd.Categorical(["North", "South", "North"]),
        "amount": [12.5, 40.0, 7.25],
        "placed": pd.to_datetime(["2024-03-01", "2024-03-02", "2024-03-05"]),
    }
)
RECORDS = [
    {"id": 1, "customer": {"name": "Ana", "city": "Oslo"}, "total": 30},
    {"id": 2, "customer": {"name": "Bo", "city": "Rome"}, "total": 12},
]


def exported(name: str) -> bytes:
    """The file as the tool that exports it writes it (openpyxl, pandas with odf and pyarrow, json)."""
    raw = io.BytesIO()
    if name == "sales.xlsx":
        return sales_workbook()
    if name == "orders.parquet":
        ORDERS.to_parquet(raw)
    elif name == "orders.feather":
        ORDERS.to_feather(raw)
    elif name == "orders.ods":
        ORDERS.to_excel(raw, engine="odf", index=False, sheet_name="Orders")
    elif name == "customers.json":
        return json.dumps(RECORDS).encode()
    elif name == "customers.jsonl":
        return "".join(json.dumps(r) + "\n" for r in RECORDS).encode()
    return raw.getvalue()


@pytest.mark.parametrize(
    ("name", "expect"),
    [
        ("sales.xlsx", ["sales.xlsx (Q1)", "sales.xlsx (Q2)", "sales_q2", "Revenue"]),
        ("orders.parquet", ["3 rows × 4 columns", "order_id", "placed"]),
        ("orders.feather", ["3 rows × 4 columns", "region"]),
        ("orders.ods", ["3 rows × 4 columns", "amount"]),
        ("customers.json", ["2 rows × 4 columns", "customer.name"]),
        ("customers.jsonl", ["2 rows × 4 columns", "customer.city"]),
    ],
)
async def test_profile_reads_each_format(tmp_path: Path, name: str, expect: list[str]) -> None:
    (tmp_path / name).write_bytes(exported(name))
    code, out, err = await run_cli(tmp_path, "profile", name)
    assert code == 0, err
    for fragment in expect:
        assert fragment in out, out
    assert SECRET not in out  # a hidden sheet stays hidden


@pytest.mark.parametrize(
    ("name", "code_text", "expect"),
    [
        ("sales.xlsx", "print(f\"units {sales_q2['Units'].sum()}\")", "units 18"),
        ("orders.parquet", "print(f\"amount {df['amount'].sum():.2f} {df['placed'].dt.day.max()}\")", "amount 59.75 5"),
        ("customers.jsonl", "print(f\"total {df['total'].sum()} {sorted(df['customer.city'])}\")", "total 42"),
    ],
)
async def test_ask_answers_from_each_format(
    tmp_path: Path, fake_groq: FakeGroq, name: str, code_text: str, expect: str
) -> None:
    fake_groq.respond_with(Model([code_text]))
    (tmp_path / name).write_bytes(exported(name))
    env = {"GROQ_API_KEY": FAKE_GROQ_KEY, "GROQ_BASE_URL": fake_groq.base_url}
    code, out, err = await run_cli(tmp_path, "ask", name, "What is the total?", "--json", env=env)
    assert code == 0, err
    result = json.loads(out)
    assert expect in result["stdout"] and result["error"] is None


@pytest.mark.parametrize(
    ("name", "data", "said"),
    [
        ("book.xlsx", b"PK\x03\x04 not really a workbook", "book.xlsx"),
        ("config.json", b'{"debug": true, "level": 3}', "not a table"),
        ("orders.parquet", b"PAR1" + b"\x00garbage" * 20 + b"PAR1", "not a Parquet file"),
    ],
)
async def test_a_bad_file_of_each_format_is_one_sentence(tmp_path: Path, name: str, data: bytes, said: str) -> None:
    (tmp_path / name).write_bytes(data)
    code, out, err = await run_cli(tmp_path, "profile", name)
    assert code == 1 and out == ""
    assert said in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
