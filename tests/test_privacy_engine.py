"""What the model sees in each LLM_DATA mode, on the wire: the real engine, the real Groq SDK to the fake model
(which records every request body), the real local sandbox and real Redis.

The CSV plants names, emails, phones, cities, card and IBAN numbers, IPs and free-text notes. The scripted model
prints `head()`, `value_counts()`, hits an error that quotes a value, then filters on a placeholder it was shown,
as a model working blind would.
"""

from __future__ import annotations

import json
import re
from typing import Any

from agent.engine import EngineConfig
from tests.engine_helpers import fenced, running_engine
from tests.fakes.groq_server import FakeGroq, Reply, run_python

THREAD = "C1:1700000000.000300"
CSV = (
    b"customer,email,phone,city,card,iban,ip,note,amount,order_id\n"
    b"Maribel Quintanilla,maribel.q@example.org,+44 20 7946 0958,Zaragoza,4111 1111 1111 1111,"
    b"GB82 WEST 1234 5698 7654 32,192.168.10.4,Asked twice about the Flumox subscription renewal and a refund,"
    b"120.50,ORD-1001\n"
    b"Thaddeus Okonkwo,t.okonkwo@example.net,(415) 555-0132,Brisbane,5555 5555 5555 4444,"
    b"DE89 3704 0044 0532 0130 00,10.20.30.40,Prefers Pelican courier,80.00,ORD-1002\n"
    b"Ingrid Vasquez-Lund,ingrid.vl@example.com,415-555-0199,Zaragoza,3782 822463 10005,"
    b"FR14 2004 1010 0505 0001 3M02 606,172.16.5.9,Wants Quokka branding on every invoice,200.00,ORD-1003\n"
)
NAMES = ["Maribel Quintanilla", "Thaddeus Okonkwo", "Ingrid Vasquez-Lund", "Quintanilla", "Okonkwo"]
CITIES = ["Zaragoza", "Brisbane"]
# Whole words, and the pieces `head()` and `.str[:12]` cut them to.
NOTE_WORDS = ["Flumox", "Pelican", "Quokka", "subscription renewal", "Peli", "rene"]
PII = [
    "maribel.q@example.org",
    "t.okonkwo@example.net",
    "ingrid.vl@example.com",
    "+44 20 7946 0958",
    "(415) 555-0132",
    "415-555-0199",
    "4111 1111 1111 1111",
    "5555 5555 5555 4444",
    "3782 822463 10005",
    "GB82 WEST 1234 5698 7654 32",
    "DE89 3704 0044 0532 0130 00",
    "192.168.10.4",
    "10.20.30.40",
]
PLACEHOLDER = re.compile(r"<[A-Z][A-Z0-9_]*_\d+>")


def last_tool(body: dict[str, Any]) -> str:
    for message in reversed(body["messages"]):
        if message["role"] == "tool":
            return str(message["content"])
    return ""


class BlindAnalyst:
    """Looks at the data, breaks a cell, then filters on the city placeholder the value counts showed."""

    def __init__(self) -> None:
        self.turn = 0
        self.city = ""
        self.email = ""

    def __call__(self, body: dict[str, Any]) -> Reply | str:
        self.turn += 1
        if self.turn == 1:
            return run_python("print(df.head())")
        if self.turn == 2:
            self.email = re.findall(r"<EMAIL_\d+>", last_tool(body))[0]  # row 0 of head()
            return run_python("print(df['city'].value_counts())\nprint(df['note'].str[:12].to_string())")
        if self.turn == 3:
            return run_python("int(df['city'].iloc[0])")  # ValueError quoting the city
        if self.turn == 4:
            seen = re.findall(r"<CITY_\d+>", json.dumps(body["messages"]))
            self.city = seen[0] if seen else "Zaragoza"
            return run_python(f"print('orders there:', len(df[df['city'] == '{self.city}']))")
        count = last_tool(body).split("orders there:")[-1].split()[0]
        return f"{self.city} has the most orders ({count}); the first customer writes from {self.email}."


def sent(fake: FakeGroq) -> list[str]:
    return [json.dumps(r.json, ensure_ascii=False) for r in fake.requests]


def leaks(bodies: list[str], planted: list[str]) -> list[str]:
    return sorted({p for p in planted for b in bodies if p.lower() in b.lower()})


async def ask(redis_url: str, namespace: str, fake: FakeGroq, mode: str, **config: Any) -> Any:
    fake.respond_with(BlindAnalyst())
    engine_config = EngineConfig(cell_timeout_s=30, mode="loop", llm_data=mode, **config)  # type: ignore[arg-type]
    async with running_engine(redis_url, namespace, fake, config=engine_config) as engine:
        await engine.add_dataset(THREAD, "customers.csv", CSV)
        return await engine.ask(THREAD, "Which city has the most orders, and who is the first customer?")


async def test_schema_mode_sends_not_one_value_of_the_file(redis_url: str, namespace: str, fake_groq: FakeGroq) -> None:
    answer = await ask(redis_url, namespace, fake_groq, "schema")
    bodies = sent(fake_groq)
    assert len(bodies) == 5 and answer.status == "answered", answer.error
    assert leaks(bodies, NAMES + CITIES + NOTE_WORDS + PII) == []
    # The model still saw the shape of the data, the placeholders and the error it caused.
    assert "customer (text" in bodies[0] and "amount (number, 3 distinct): 80 to 200" in bodies[0]
    assert "ValueError" in bodies[3] and "<CITY_" in bodies[3]
    # The filter on a placeholder ran on the real value, and the user reads real values.
    assert "orders there: 2" in answer.stdout
    assert answer.text == "Zaragoza has the most orders (2); the first customer writes from maribel.q@example.org."
    assert "Zaragoza" in (answer.code or "")
    assert not PLACEHOLDER.search(answer.text + answer.stdout)


async def test_redacted_mode_sends_no_personal_data(redis_url: str, namespace: str, fake_groq: FakeGroq) -> None:
    answer = await ask(redis_url, namespace, fake_groq, "redacted")
    bodies = sent(fake_groq)
    assert answer.status == "answered", answer.error
    assert leaks(bodies, PII) == []
    # Redacted is not schema: the sample rows and ordinary values are there, the personal data is not.
    assert "Zaragoza" in bodies[0] and "<EMAIL_" in bodies[0] and "<IBAN_" in bodies[0] and "<CARD_" in bodies[0]
    assert answer.text.endswith("the first customer writes from maribel.q@example.org.")


async def test_full_mode_sends_the_data_as_it_is(redis_url: str, namespace: str, fake_groq: FakeGroq) -> None:
    """The leak check above can fail: today's behaviour shows every planted value to the model."""
    await ask(redis_url, namespace, fake_groq, "full")
    bodies = sent(fake_groq)
    assert set(leaks(bodies, PII)) == set(PII)
    assert "Flumox" in "".join(bodies) and "Okonkwo" in "".join(bodies)


async def test_placeholders_are_stable_across_the_turns_of_a_thread(
    redis_url: str, namespace: str, fake_groq: FakeGroq
) -> None:
    def first_email(body: dict[str, Any]) -> str:
        return run_python("print(df['email'].iloc[0])") if body["messages"][-1]["role"] == "user" else "done"

    fake_groq.respond_with(first_email)
    config = EngineConfig(cell_timeout_s=30, mode="loop", llm_data="redacted")
    async with running_engine(redis_url, namespace, fake_groq, config=config) as engine:
        await engine.add_dataset(THREAD, "customers.csv", CSV)
        await engine.ask(THREAD, "Who is first?")
        await engine.ask(THREAD, "And again?")
    results = [last_tool(r.json) for r in fake_groq.requests if last_tool(r.json)]
    assert len(results) == 2 and results[0] == results[1] and re.search(r"<EMAIL_\d+>", results[0])


async def test_one_shot_schema_mode_masks_the_answer_request_and_the_repair(
    redis_url: str, namespace: str, fake_groq: FakeGroq
) -> None:
    replies = [fenced("print(df['customer'].iloc[5])"), fenced("print(df['customer'].iloc[1])")]

    def one_shot(body: dict[str, Any]) -> str:
        if replies:
            return replies.pop(0)
        shown = re.findall(r"<CUSTOMER_\d+>", body["messages"][-1]["content"])
        return f"The second customer is {shown[0]}."

    fake_groq.respond_with(one_shot)
    config = EngineConfig(cell_timeout_s=30, mode="one-shot", llm_data="schema")
    async with running_engine(redis_url, namespace, fake_groq, config=config) as engine:
        await engine.add_dataset(THREAD, "customers.csv", CSV)
        answer = await engine.ask(THREAD, "Who is the second customer?")
    bodies = sent(fake_groq)
    assert len(bodies) == 3 and "IndexError" in bodies[1]
    assert leaks(bodies, NAMES + CITIES + NOTE_WORDS + PII) == []
    assert answer.stdout.strip() == "Thaddeus Okonkwo"
    assert answer.text == "The second customer is Thaddeus Okonkwo."
