"""Schemathesis over the app's own OpenAPI document, with every check schemathesis has: generated requests never
produce a server error, and the answers match the documented statuses, content types, headers and response
schemas; schema-valid requests are accepted and schema-invalid ones rejected; auth is not ignored.

Deterministic in CI: `CI=true` selects the derandomized Hypothesis profile (tests/conftest.py), which
Schemathesis inherits.

The one exception is narrow and listed below: a few rules relate two fields or depend on the data on record,
which JSON Schema cannot state, so a schema-valid request can still be refused with a 422. Such a 422 is
accepted only on the operations listed and only with the error text of that rule; any other refusal of valid
data still fails `positive_data_acceptance`.
"""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks as st_checks

from helpers.web_support import small_ledger
from llmflation.web import WebSettings, create_app

TOKEN = "schemathesis-token-0123456789"

# operation → the error text of the rules the schema cannot express there (cross-field or data-dependent)
UNSTATABLE_422 = {
    # the window holds no data, or from > until; threshold is a score or a model's name (free text), so the schema
    # cannot refuse a non-finite number such as "-Infinity" without refusing names (found by schemathesis exploring)
    "GET /api/trend": r"^(?:No qualifying offer .* is in effect between|the window starts \S+ after it ends"
                      r"|threshold: must be a finite number)",
    # the target precedes the data, or lies too far past it; a non-finite threshold as for /api/trend
    "GET /api/forecast": r"^(?:to \S+ is not after the last data point|target date \S+: forecasts reach at most"
                         r"|threshold: must be a finite number)",
    "GET /api/capability": r"^at: \S+ is outside .*; give a date inside the data",
    "GET /api/index": r"^the window starts \S+ after it ends",
    # floor= excludes benchmark/min_score, which go together; reasoning_tokens excludes reasoning_multiplier; the
    # three cache shares add up to at most 1 (found by schemathesis: both reasoning fields, each valid alone)
    "GET /api/bill": r"^(?:floor: give (?:floor=BENCHMARK>=MIN or benchmark and min_score, not both|both benchmark "
                     r"and min_score)|workload: reasoning_tokens: give reasoning_tokens or reasoning_multiplier, "
                     r"not both|workload: cache_write_share: cached_input_share \+ cache_write_share \+ "
                     r"cache_write_1h_share must be at most 1)",
    # valid_to after valid_from; the model must be on record; window_utc goes with tier off-peak only and its
    # ranges are not empty ("00:00-00:00" matches the pattern; found by schemathesis) and do not overlap
    "POST /api/user/prices": r"^prices\[\d+\]:\d+: (?:valid_to: \S+ is not after valid_from|model: Unknown model"
                             r"|window_utc: is required for tier 'off-peak' rows and only for them"
                             r"|window_utc: '[^']*' (?:starts and ends at the same minute|has ranges that overlap))",
    "POST /api/user/discounts": r"^valid_to: \S+ must be after valid_from",
    "POST /api/usage/upload": r"^file: name it \.jsonl, \.json, \.csv, \.tsv or \.parquet",  # a multipart file name
}


def _positive_data_acceptance(ctx: Any, response: Any, case: schemathesis.Case) -> bool | None:
    """`positive_data_acceptance`, except a 422 whose error is one of the operation's unstatable rules (for a
    rejected batch: every problem listed is one)."""
    rule = UNSTATABLE_422.get(case.operation.label)
    if rule is not None and response.status_code == 422:
        body = json.loads(response.content)
        errors = body.get("problems") or [body.get("error", "")]
        if all(re.search(rule, e) for e in errors):
            return None
    return st_checks.positive_data_acceptance(ctx, response, case)  # type: ignore[no-any-return]


def _validate(case: schemathesis.Case, **kwargs: Any) -> None:
    case.call_and_validate(excluded_checks=[st_checks.positive_data_acceptance],
                           additional_checks=[_positive_data_acceptance], **kwargs)


read_app = create_app(WebSettings(), ledger=small_ledger())
read_schema = schemathesis.openapi.from_asgi("/openapi.json", read_app)


def _write_app() -> object:
    home = Path(tempfile.mkdtemp(prefix="llmflation-st-"))
    return create_app(WebSettings(ledger_path=home / "ledger.duckdb", api_token=TOKEN, max_upload_bytes=256 * 1024))


write_schema = schemathesis.openapi.from_asgi("/openapi.json", _write_app()).include(path_regex="^/api/(user|usage)/")


@read_schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_read_api_never_fails(case: schemathesis.Case) -> None:
    _validate(case)


@pytest.mark.slow
@write_schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_write_api_never_fails(case: schemathesis.Case) -> None:
    _validate(case, headers={"Authorization": f"Bearer {TOKEN}"})


def test_the_unstatable_rules_name_real_operations() -> None:
    """Every exception above names an operation of the schema (a renamed route cannot leave a stale exception)."""
    labels = {op.ok().label for schema in (read_schema, write_schema) for op in schema.get_all_operations()}
    assert set(UNSTATABLE_422) <= labels, set(UNSTATABLE_422) - labels


@pytest.mark.parametrize("params", [
    {"reasoning_tokens": "5", "reasoning_multiplier": "2"},
    {"cached_input_share": "0.7", "cache_write_share": "0.2", "cache_write_1h_share": "0.2"},
])
def test_bill_cross_field_rules_are_the_listed_ones(params: dict[str, str]) -> None:
    """Each workload rule that relates two fields (each valid alone, so schema-valid together) answers 422 with the
    text UNSTATABLE_422 accepts for /api/bill, and the OpenAPI document states the rule on the fields."""
    from fastapi.testclient import TestClient

    client = TestClient(read_app)
    r = client.get("/api/bill", params={"tasks_per_month": "1000", "input_tokens": "100", "output_tokens": "10",
                                        **params})
    assert r.status_code == 422
    assert re.search(UNSTATABLE_422["GET /api/bill"], r.json()["error"]), r.json()["error"]
    described = {p["name"]: p.get("description", "") for p in
                 client.get("/openapi.json").json()["paths"]["/api/bill"]["get"]["parameters"]}
    for name in params:
        assert "not both" in described[name] or "at most 1" in described[name], (name, described[name])


def test_a_non_finite_threshold_is_a_clear_422_on_trend_and_forecast() -> None:
    """The case schemathesis found (threshold=-Infinity): refused with the field named and what to give, never a 500;
    the only non-finite refusal UNSTATABLE_422 lets through."""
    from fastapi.testclient import TestClient

    client = TestClient(create_app(WebSettings(), ledger=small_ledger()))
    for path, extra in (("/api/trend", {"from": "1996-02-29", "include_reasoning": "true"}),
                        ("/api/forecast", {"to": "2030-01"})):
        for bad in ("-Infinity", "inf", "NaN"):
            r = client.get(path, params={"threshold": bad, **extra})
            assert r.status_code == 422, (path, bad, r.text)
            body = r.json()
            assert body["field"] == "threshold" and body["error"].startswith("threshold: must be a finite number")
            assert re.search(UNSTATABLE_422[f"GET {path}"], body["error"])


def test_the_not_blank_rule_is_what_python_strips_in_every_regex_engine() -> None:
    """The case schemathesis found: a model named "\\x85" (NEL) matched the schema's `[^\\s…]` in JSON Schema's regex
    engine, where \\s lacks NEL, but Pydantic refused it, so valid data got a 422. The pattern now lists exactly what
    str.strip() removes: every code point matches it iff strip() keeps it, and the API agrees on the cases where the
    engines' \\s differ (NEL, the \\x1c-\\x1f separators, U+FEFF)."""
    from fastapi.testclient import TestClient

    from llmflation.web.schemas import NOT_BLANK

    assert [c for c in range(0x110000) if bool(re.search(NOT_BLANK, chr(c))) != bool(chr(c).strip())] == []
    # no shorthand class (\s, \w, \d, \b and their negations), whose meaning depends on the engine: JSON Schema
    # readers use ECMAScript's, Pydantic Rust's, the loader Python's
    assert not re.search(r"\\[sSwWdDbB]", NOT_BLANK), NOT_BLANK
    client = TestClient(_write_app())
    auth = {"Authorization": f"Bearer {TOKEN}"}
    for blank in ("\x85", "\x1c\x1f", " \u3000\x85"):
        price = {"model": blank, "provider": "acme", "valid_from": "2025-01-01", "input": "1", "output": "2"}
        r = client.post("/api/user/prices", json={"prices": [price]}, headers=auth)
        assert r.status_code == 422 and r.json()["details"][0]["field"] == "prices.0.model", r.text
    # U+FEFF is no whitespace to Python: the name passes the schema and is refused as the unknown model it is
    price = {"model": "\ufeffgpt-nope", "provider": "acme", "valid_from": "2025-01-01", "input": "1", "output": "2"}
    r = client.post("/api/user/prices", json={"prices": [price]}, headers=auth)
    assert r.status_code != 422 or "pattern" not in r.text, r.text
    assert r.status_code < 500 and r.json()["ok"] is False
