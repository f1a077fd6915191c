"""The one module of value parsers (llmflation.values): the same text means the same value in a CLI flag, a query
string and a TOML file, and every number has bounds (out of range: exit 2 in the CLI, 422 in the API)."""

from __future__ import annotations

import json
import time
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from helpers.cli import run_cli
from helpers.usage_helpers import gen_module
from helpers.web_support import small_ledger
from llmflation import values
from llmflation.errors import InputError
from llmflation.web import WebSettings, create_app


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app(WebSettings(), ledger=small_ledger()), raise_server_exceptions=False)


# -- dates --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "expected"), [
    ("2024-06-01", date(2024, 6, 1)), ("20240601", date(2024, 6, 1)), (" 2024-06 ", date(2024, 6, 1)),
    ("2024", date(2024, 1, 1)), ("", None), (None, None),
])
def test_dates(text: str | None, expected: date | None) -> None:
    assert values.parse_date(text, "at") == expected


@pytest.mark.parametrize("text", ["2024-13-01", "2024061", "yesterday", "24-06-01", "9999-12-31", "1900-01-01",
                                  "2024-06-01T00:00", "x" * 10_000])
def test_bad_or_out_of_range_dates(text: str) -> None:
    with pytest.raises(InputError) as info:
        values.parse_date(text, "at")
    assert info.value.field == "at" and str(info.value).startswith("at: ")


def test_both_date_forms_in_cli_and_api(cli: Any, client: TestClient) -> None:
    dashed = json.loads(cli("price", "gpt-4o", "--provider", "openai", "--at", "2024-06-01", "--json").stdout)
    compact = cli("price", "gpt-4o", "--provider", "openai", "--at", "20240601", "--json")
    assert compact.returncode == 0, compact.stderr
    assert json.loads(compact.stdout) == dashed
    a = client.get("/api/price", params={"model": "gpt-4o", "at": "2024-06-01"})
    b = client.get("/api/price", params={"model": "gpt-4o", "at": "20240601"})
    assert a.status_code == b.status_code == 200 and a.json() == b.json()
    far = cli("price", "gpt-4o", "--at", "9999-12-31")
    assert far.returncode == 2 and "--at" in far.stderr
    assert client.get("/api/price", params={"model": "gpt-4o", "at": "9999-12-31"}).status_code == 422


# -- numbers and their bounds -------------------------------------------------------------------------------
def test_decimals_are_exact_and_bounded() -> None:
    assert values.parse_decimal("0.1", "x") == Decimal("0.1")
    assert values.parse_decimal(0.1, "x") == Decimal("0.1")
    assert values.parse_decimal("1_000", "x", low=0, high=10**6) == 1000
    for bad in ("1e999999999", "nan", "inf", "-1", "abc", True, None, "9" * 100):
        with pytest.raises(InputError):
            values.parse_decimal(bad, "x", low=0, high=100)
    with pytest.raises(InputError, match="above 0"):
        values.parse_decimal("0", "x", low=0, high=1, open_low=True)
    assert values.parse_int("12", "n", low=1, high=20) == 12
    with pytest.raises(InputError, match="whole number"):
        values.parse_int("1.5", "n", low=1, high=20)
    assert values.parse_share("0.25", "s") == Decimal("0.25")
    with pytest.raises(InputError):
        values.parse_share("1.5", "s")
    assert values.parse_share_range("0.1:0.6", "r") == (Decimal("0.1"), Decimal("0.6"))


def test_out_of_range_flags_are_usage_errors_and_do_not_hang(cli: Any, tmp_path: Path) -> None:
    """Each refused before any work: a usage error (exit 2) naming the flag, in well under a second of work."""
    ex = str(Path(__file__).resolve().parents[1] / "examples")
    workload = next(Path(ex).glob("*.toml"))
    cases = [
        ("usage", "reconcile", "--tolerance", "1e999999999"),
        ("trend", "-b", "mmlu", "-t", "80", "--level", "0.99999"),
        ("forecast", "-b", "mmlu", "-t", "80", "--to", "2030-01", "--level", "0.99999"),
        ("jevons", str(workload), "--to", "9999-12-31"),
        ("selfhost", "estimate", "llama-3.3-70b", "--gpu", "H100", "--isl", "1000000000"),
        ("selfhost", "estimate", "llama-3.3-70b", "--gpu", "H100", "--count", "100000"),
        ("selfhost", "estimate", "llama-3.3-70b", "--gpu", "H100", "--usd-per-gpu-hour", "1e999999999"),
        ("bill", str(workload), "--top", "100000000000"),
        ("bill", str(workload), "--floor", "mmlu>=1e999999999"),
        ("jevons", str(workload), "--monthly-growth", "1e999999999"),
    ]
    for args in cases:
        t0 = time.perf_counter()
        r = cli(*args)
        assert r.returncode == 2, (args, r.stdout, r.stderr)
        flag = next(a for a in reversed(args) if a.startswith("--"))
        assert flag in r.stderr, (args, r.stderr)
        assert time.perf_counter() - t0 < 30, args  # the hang this guards against took 300 s


def test_api_bounds_are_422(client: TestClient) -> None:
    base = {"tasks_per_month": "1000", "input_tokens": "1000", "output_tokens": "100"}
    assert client.get("/api/bill", params=base).status_code == 200
    for field, bad in (("tasks_per_month", "1e999999999"), ("cached_input_share", "1.5"), ("calls_per_task", "0")):
        r = client.get("/api/bill", params={**base, field: bad})
        assert r.status_code == 422, (field, r.text)


# -- floors -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["mmlu>=80", "mmlu=80", "mmlu:80", " MMLU >= 80 "])
def test_floor_forms(text: str) -> None:
    assert values.parse_floor(text) == values.Floor("mmlu", Decimal(80))


@pytest.mark.parametrize("text", ["mmlu", "mmlu>=", ">=80", "mmlu>=eighty", "mmlu>=1e9"])
def test_bad_floors(text: str) -> None:
    with pytest.raises(InputError):
        values.parse_floor(text)


def test_floor_forms_in_bill_and_api(cli: Any, client: TestClient) -> None:
    ex = Path(__file__).resolve().parents[1] / "examples"
    workload = str(next(ex.glob("*.toml")))
    answers = []
    for text in ("mmlu>=80", "mmlu=80", "mmlu:80"):
        r = cli("bill", workload, "--floor", text, "--at", "2025-01-01", "--json")
        assert r.returncode == 0, r.stderr
        answers.append(json.loads(r.stdout))
    assert answers[0] == answers[1] == answers[2] and answers[0]["floor"] == {"benchmark": "mmlu", "min": "80"}
    base = {"tasks_per_month": "1000", "input_tokens": "1000", "output_tokens": "100", "at": "2025-01-01"}
    by_pair = client.get("/api/bill", params={**base, "benchmark": "mmlu", "min_score": "87"}).json()
    for text in ("mmlu>=87", "mmlu=87", "mmlu:87"):
        got = client.get("/api/bill", params={**base, "floor": text}).json()
        assert got == by_pair and got["floor"] == {"benchmark": "mmlu", "min": "87"}
    both = client.get("/api/bill", params={**base, "floor": "mmlu>=87", "benchmark": "mmlu", "min_score": "80"})
    assert both.status_code == 422


def test_floor_forms_in_usage_reprice(ledger: Any, shared_home: Path, tmp_path: Path) -> None:
    gen = gen_module()
    home = tmp_path / "home"
    home.mkdir()
    (home / "ledger.duckdb").write_bytes((shared_home / "ledger.duckdb").read_bytes())
    chat = tmp_path / "chat.jsonl"
    gen.write("openai-chat", gen.generate(ledger, 60, seed=5, developer="openai", first_party=True), chat)
    assert run_cli("usage", "ingest", str(chat), home=home).returncode == 0
    answers = []
    for text in ("mmlu>=80", "mmlu=80", "mmlu:80"):
        r = run_cli("usage", "reprice", "--floor", text, "--json", home=home)
        assert r.returncode == 0, r.stderr
        answers.append(json.loads(r.stdout))
    assert answers[0] == answers[1] == answers[2]
    assert answers[0]["floor"] == {"benchmark": "mmlu", "minimum": "80"}
    bad = run_cli("usage", "reprice", "--floor", "mmlu", home=home)
    assert bad.returncode == 2 and "--floor" in bad.stderr


# -- the workload fields ------------------------------------------------------------------------------------
def test_workload_fields_exist_once() -> None:
    """The TOML schema, the CLI's bill flags, /api/bill's query parameters and the bill page's form all come from
    values.WORKLOAD_FIELDS: same names, same bounds."""
    import inspect

    from llmflation.cli.workload_cmds import bill
    from llmflation.web.billing import BillQuery
    from llmflation.web.pages_bill import FORM
    from llmflation.workload.spec import Workload, load_workload

    names = list(values.WORKLOAD_FIELDS)
    assert [n for n in Workload.FIELDS if n in values.WORKLOAD_FIELDS] == names
    numeric = [n for n, a in Workload.__annotations__.items() if "Decimal" in str(a)]
    assert numeric == names
    params = inspect.signature(bill).parameters
    assert all(n in params for n in names)
    assert [n for n in BillQuery.model_fields if n in values.WORKLOAD_FIELDS] == names
    assert [n for n, _, _ in FORM if n in values.WORKLOAD_FIELDS] == names
    for f in values.WORKLOAD_FIELDS.values():
        base = {"tasks_per_month": 1, "input_tokens": 1, "output_tokens": 1}
        with pytest.raises(InputError, match=f.name):
            load_workload({**base, f.name: f.high + 1})
        with pytest.raises(InputError, match=f.name):
            load_workload({**base, f.name: f.low - 1})
