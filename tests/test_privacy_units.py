"""The privacy layer's parts: the PII detector against look-alikes, placeholders, and code unmasking."""

from __future__ import annotations

import ast
import io
from collections.abc import AsyncIterator

import pandas as pd
import pytest
import redis.asyncio as aioredis

from agent.errors import ConfigError
from agent.privacy.detect import find_pii, luhn_ok
from agent.privacy.mask import Masker
from agent.privacy.values import MAX_VALUES, build_index
from agent.privacy.vault import Vault
from agent.profile.model import DatasetProfile
from agent.store import DatasetRecord, Store
from bot.config import Settings
from tests.test_privacy_engine import CSV


def kinds(text: str) -> list[tuple[str, str]]:
    return [(s.kind, text[s.start : s.end]) for s in find_pii(text)]


def test_each_kind_of_personal_data_is_found() -> None:
    text = (
        "mail ann.lee+billing@mail.example.co.uk, call +44 20 7946 0958 or (415) 555-0132, card 4111-1111-1111-1111, "
        "IBAN DE89 3704 0044 0532 0130 00, from 203.0.113.7 or 2001:db8::1, SSN 123-45-6789, NINO AB 12 34 56 C"
    )
    assert kinds(text) == [
        ("EMAIL", "ann.lee+billing@mail.example.co.uk"),
        ("PHONE", "+44 20 7946 0958"),
        ("PHONE", "(415) 555-0132"),
        ("CARD", "4111-1111-1111-1111"),
        ("IBAN", "DE89 3704 0044 0532 0130 00"),
        ("IP", "203.0.113.7"),
        ("IP", "2001:db8::1"),
        ("SSN", "123-45-6789"),
        ("NINO", "AB 12 34 56 C"),
    ]


def test_look_alikes_are_left_alone() -> None:
    text = (
        "order ORD-2024-001234 on 2024-01-05 12:30:45, SKU WID-4411-BLU, total 1,234,567.89, invoice INV-0099812, "
        "part 555-123-45678, tracking 4111111111111112, version 1.2.3.4.5, ref GB00 0000 0000, ratio 3.14159265358"
    )
    assert kinds(text) == []
    assert not luhn_ok("4111111111111112") and luhn_ok("4111111111111111")


@pytest.fixture
async def store(redis_url: str, namespace: str) -> AsyncIterator[Store]:
    client = aioredis.from_url(redis_url)
    yield Store(client, namespace=namespace)
    await client.aclose()


async def masker(store: Store, frames: list[pd.DataFrame] | None = None) -> Masker:
    vault = await Vault.open(store, "C1:1.0")
    if frames is None:
        return Masker(vault)
    columns = tuple(str(c) for f in frames for c in f.columns)
    return Masker(vault, build_index([(_record(columns), f) for f in frames]))


def _record(columns: tuple[str, ...]) -> DatasetRecord:
    profile = DatasetProfile("f.csv", "df", 0, (), (), (), (), (), "utf-8", ",", ".", 0)
    return DatasetRecord("f.csv", "df", "0", "df.csv", "", "", profile, 0, columns)


async def test_placeholders_are_stable_and_saved_per_thread(store: Store) -> None:
    first = await masker(store)
    assert first.mask("a@example.com, b@example.com, a@example.com") == "<EMAIL_1>, <EMAIL_2>, <EMAIL_1>"
    await first.vault.save()
    again = await masker(store)
    assert again.mask("b@example.com then c@example.com") == "<EMAIL_2> then <EMAIL_3>"
    assert again.unmask("Write to <EMAIL_2>, not <EMAIL_9>.") == "Write to b@example.com, not <EMAIL_9>."


async def test_a_hostile_value_goes_back_into_code_as_a_literal(store: Store) -> None:
    hostile = "x'); import os; os.system('id'); ('"
    m = await masker(store, [pd.DataFrame({"region": [hostile, "North"]})])
    placeholder = m.mask(hostile)
    assert placeholder.startswith("<REGION_")
    code = m.unmask_code(f"rows = df[df['region'] == '{placeholder}']\nprint(len(rows))")
    tree = ast.parse(code)
    assert hostile in [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)]
    assert not any(isinstance(n, ast.Import) for n in ast.walk(tree))


async def test_schema_values_mask_whole_cut_and_any_case(store: Store) -> None:
    frame = pd.read_csv(io.BytesIO(CSV), dtype=str)[["customer", "city", "note"]]
    m = await masker(store, [frame])
    shown = m.mask("ZARAGOZA 2\nMaribel Quintanilla asked about the Flumox subscri...\nregion North\n  Peli")
    for leaked in ("ZARAGOZA", "Maribel", "Quintanilla", "Flumox", "subscri", "Peli"):
        assert leaked.lower() not in shown.lower(), shown
    # Column names, values of other datasets and the common words of our own prompts stay readable.
    assert "region North" in shown and " asked about the " in shown


def test_the_value_index_is_bounded() -> None:
    frame = pd.DataFrame({"id": [f"customer-{n:07d}" for n in range(MAX_VALUES * 3)]})
    index = build_index([(_record(("id",)), frame)])
    assert len(index.labels) == MAX_VALUES


async def test_forget_takes_the_placeholders_with_it(store: Store) -> None:
    m = await masker(store)
    m.mask("a@example.com")
    await m.vault.save()
    key = store.thread_key("C1:1.0", "placeholders")
    assert await store.redis.exists(key) and 0 < await store.redis.ttl(key) <= store.ttl_s
    await store.forget("C1:1.0")
    assert not await store.redis.exists(key)


def test_llm_data_and_admin_ids_are_read_from_the_environment() -> None:
    settings = Settings.from_env({"LLM_DATA": " Schema ", "ADMIN_USER_IDS": "U0ADMIN001, U0ADMIN002,"})
    assert settings.llm_data == "schema" and settings.admin_user_ids == {"U0ADMIN001", "U0ADMIN002"}
    assert Settings.from_env({}).llm_data == "full"
    with pytest.raises(ConfigError, match="LLM_DATA must be one of full, redacted, schema"):
        Settings.from_env({"LLM_DATA": "private"})
