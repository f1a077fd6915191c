"""`data update` against a real HTTP server on 127.0.0.1 serving hand-made fixture copies (no network):
success, 304 Not Modified, timeout, malformed JSON, partial outage, offline, a second run that changes nothing,
provisional models with --add-new, and first sightings kept apart from price cuts."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from helpers.importer_data import texts
from helpers.price_server import Route, Served, serve
from llmflation.ledger.importers.update import OfflineError, UpdateResult, update
from llmflation.ledger.ledger import Ledger, open_ledger

FIX = Path(__file__).parent / "fixtures" / "update"
DAY1, DAY2 = date(2026, 11, 2), date(2026, 11, 20)


def body(name: str) -> bytes:
    return (FIX / name).read_bytes()


@pytest.fixture
def ledger(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Ledger:
    monkeypatch.setenv("LLMFLATION_HOME", str(tmp_path))
    monkeypatch.delenv("LLMFLATION_OFFLINE", raising=False)
    monkeypatch.setattr("llmflation.ledger.loading.bundled_texts", texts)
    return open_ledger(tmp_path / "ledger.duckdb")


@pytest.fixture
def server() -> Iterator[Served]:
    with serve(
        {
            "/litellm.json": Route(body("litellm_v1.json")),
            "/genai.json": Route(body("genai_prices.json")),
            "/openrouter.json": Route(body("openrouter_models.json")),
            "/vercel.json": Route(body("vercel_models.json")),
        }
    ) as s:
        yield s


def urls(s: Served, **paths: str) -> dict[str, str]:
    base = {"litellm": "/litellm.json", "genai-prices": "/genai.json", "openrouter": "/openrouter.json",
            "vercel": "/vercel.json"}
    base.update({k.replace("_", "-"): v for k, v in paths.items()})
    return {k: s.url(v) for k, v in base.items()}


def run(ledger: Ledger, s: Served, day: date = DAY1, **kw: Any) -> UpdateResult:
    kw.setdefault("urls", urls(s))
    kw.setdefault("backoff", 0.01)
    return update(ledger=ledger, today=day, **kw)


def contents(ledger: Ledger) -> dict[str, list[Any]]:
    assert ledger.store is not None
    con = ledger.store.connect()
    try:
        names = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()]
        return {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in sorted(names)}
    finally:
        con.close()


def status_of(result: UpdateResult) -> dict[str, str]:
    return {x.kind: x.status for x in result.sources}


def test_success_imports_all_four_and_carries_what_sources_carry(ledger: Ledger, server: Served) -> None:
    result = run(ledger, server)
    assert status_of(result) == dict.fromkeys(("litellm", "genai-prices", "openrouter", "vercel"), "imported")
    assert {x.fetch for x in result.sources} == {"fetched"}
    lite = next(x.report for x in result.sources if x.kind == "litellm")
    assert lite is not None
    skipped = {k.key: k.reason for k in lite.skipped}
    assert "would be stored as 0" in skipped["gpt-dust"]  # 1e-17 per token: rejected with a reason, never a $0 row
    assert "retired" in skipped["gemini-1.5-flash-001"]  # deprecation_date before the snapshot
    assert {u.key for u in lite.unmatched} >= {"gpt-9-mini", "bedrock/us-east-1/acme.widget-v1:0"}
    assert lite.new_models == []
    genai = next(x.report for x in result.sources if x.kind == "genai-prices")
    assert genai is not None and "would be stored as 0" in {k.key: k.reason for k in genai.skipped}["openai/gpt-dust"]

    led = open_ledger(ledger.store.path)  # type: ignore[union-attr]
    rows = {(r.price.model, r.price.provider, r.price.tier): r.price for r in led.store.imported()  # type: ignore[union-attr]
            if r.kind == "litellm"}
    std = rows[("openai/gpt-4o-2024-08-06", "openai", "standard")]
    assert (std.cache_write, std.cache_write_1h, std.batch_discount) == (Decimal("3.125"), Decimal(5), Decimal("0.5"))
    assert std.date_basis == "first_seen" and std.valid_from == DAY1 and std.confidence == "derived"
    flex = rows[("openai/gpt-4o-2024-08-06", "openai", "flex")]
    prio = rows[("openai/gpt-4o-2024-08-06", "openai", "priority")]
    assert (flex.input, flex.output, prio.input, prio.output) == (Decimal("1.25"), Decimal(5), Decimal("4.25"), 17)
    haiku = rows[("anthropic/claude-3-haiku-20240307", "anthropic", "standard")]
    assert haiku.valid_to == date(2027, 3, 1) and "deprecation_date" in haiku.note
    # genai-prices states a start date: that row's date is effective, not a first sighting
    genai_rows = [r.price for r in led.store.imported() if r.kind == "genai-prices"]  # type: ignore[union-attr]
    assert {p.date_basis for p in genai_rows if p.model == "openai/gpt-4o-2024-05-13"} == {"effective"}
    # curated rows are never overwritten: the official GPT-4o price stands
    (cur,) = led.price("openai/gpt-4o-2024-05-13", at=DAY1, provider="openai")
    assert (cur.input, cur.output, cur.origin) == (Decimal(5), Decimal(15), "bundled")
    # the diff shows what the update changed: new offers dated by the sighting
    assert result.diff is not None
    assert any(p.provider == "openrouter" and p.date_basis == "first_seen" for p in result.diff.new_offers)
    # Vercel's gateway list: language models only, its cache-read rate carried, unknown keys reported
    vercel = next(x.report for x in result.sources if x.kind == "vercel")
    assert vercel is not None and [u.key for u in vercel.unmatched] == ["acme/widget-1"]
    assert "not priced per text token" in {k.key: k.reason for k in vercel.skipped}["openai/text-embedding-3-small"]
    (gw,) = [r.price for r in led.store.imported() if r.kind == "vercel"]  # type: ignore[union-attr]
    assert (gw.model, gw.provider, gw.input, gw.output, gw.cached_input) == (
        "openai/gpt-4o-2024-08-06", "vercel", Decimal("2.5"), Decimal(10), Decimal("1.25"))
    # the cache holds each body and its validator for the next run
    cache = Path(ledger.store.path).parent / "sources"  # type: ignore[union-attr]
    assert json.loads((cache / "litellm.json").read_text())["etag"]


def test_second_run_sends_validators_gets_304_and_changes_nothing(ledger: Ledger, server: Served) -> None:
    run(ledger, server)
    before = contents(ledger)
    again = run(open_ledger(ledger.store.path), server, day=DAY2)  # type: ignore[union-attr]
    assert status_of(again) == dict.fromkeys(("litellm", "genai-prices", "openrouter", "vercel"), "unchanged")
    assert {x.fetch for x in again.sources} == {"not-modified"}
    assert server.statuses("/litellm.json") == [200, 304]
    assert server.log[-1][2].get("if-none-match")
    assert contents(ledger) == before
    assert again.diff is not None and not (again.diff.new_offers or again.diff.first_sightings)


def test_same_body_without_etag_is_not_imported_twice(ledger: Ledger, server: Served) -> None:
    for r in server.routes.values():
        r.etag = False
    run(ledger, server)
    before = contents(ledger)
    again = run(open_ledger(ledger.store.path), server, day=DAY2)  # type: ignore[union-attr]
    assert {x.fetch for x in again.sources} == {"fetched"} and set(status_of(again).values()) == {"unchanged"}
    assert contents(ledger) == before


@pytest.mark.timed
def test_timeout_of_one_source_reports_it_and_imports_the_others(ledger: Ledger, server: Served) -> None:
    server.routes["/slow.json"] = Route(body("openrouter_models.json"), delay=1.5)
    result = run(ledger, server, urls=urls(server, openrouter="/slow.json"), timeout=0.3, retries=2)
    assert status_of(result) == {"litellm": "imported", "genai-prices": "imported", "openrouter": "failed",
                                 "vercel": "imported"}
    failed = result.failed[0]
    assert "timed out" in failed.reason and "2 attempt" in failed.reason
    kinds = {i["kind"] for i in ledger.store.imports()}  # type: ignore[union-attr]
    assert kinds == {"litellm", "genai-prices", "vercel"}


def test_malformed_json_is_reported_and_nothing_of_it_lands(ledger: Ledger, server: Served) -> None:
    server.routes["/bad.json"] = Route(b'{"gpt-4o-2024-08-06": {"input_cost_per_token": ')
    result = run(ledger, server, urls=urls(server, litellm="/bad.json"))
    assert status_of(result)["litellm"] == "failed" and "valid JSON" in result.failed[0].reason
    assert status_of(result)["openrouter"] == "imported"
    assert "litellm" not in {i["kind"] for i in ledger.store.imports()}  # type: ignore[union-attr]
    # a malformed body is not cached: the next run fetches again rather than trusting it
    assert not (Path(ledger.store.path).parent / "sources" / "litellm.body").exists()  # type: ignore[union-attr]


def test_partial_outage_retries_then_reports_the_failed_source(ledger: Ledger, server: Served) -> None:
    server.routes["/down.json"] = Route(b"oops", status=503)
    result = run(ledger, server, urls=urls(server, genai_prices="/down.json"), retries=3)
    assert status_of(result) == {"litellm": "imported", "genai-prices": "failed", "openrouter": "imported",
                                 "vercel": "imported"}
    assert "HTTP 503" in result.failed[0].reason
    assert server.statuses("/down.json") == [503, 503, 503]


def test_offline_flag_and_no_network_change_nothing(ledger: Ledger, server: Served,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    before = contents(ledger)
    with pytest.raises(OfflineError, match="offline mode"):
        run(ledger, server, offline=True)
    monkeypatch.setenv("LLMFLATION_OFFLINE", "1")
    with pytest.raises(OfflineError):
        run(ledger, server)
    monkeypatch.delenv("LLMFLATION_OFFLINE")
    import socket

    with socket.socket() as sock:  # a port nobody listens on: connection refused, i.e. no network
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}/x.json"
        with pytest.raises(OfflineError, match="No network"):
            run(ledger, server, urls=dict.fromkeys(("litellm", "genai-prices", "openrouter", "vercel"), dead),
                retries=1)
    assert server.log == []
    assert contents(ledger) == before


def test_add_new_creates_provisional_models_only_for_known_developers(ledger: Ledger, server: Served) -> None:
    result = run(ledger, server, add_new=True)
    assert sorted(result.new_models) == ["openai/gpt-9-mini", "openai/gpt-9-nano"]
    store = ledger.store
    assert store is not None
    prov = {m.id: m for m in store.provisional_models()}
    assert set(prov) == {"openai/gpt-9-mini", "openai/gpt-9-nano"}
    assert prov["openai/gpt-9-nano"].confidence == "derived" and prov["openai/gpt-9-nano"].name == "GPT-9 nano"
    assert "provisional" in prov["openai/gpt-9-mini"].note
    led = open_ledger(store.path)
    (p,) = led.price("gpt-9-mini", at=DAY1)
    assert (p.input, p.output, p.confidence, p.date_basis) == (Decimal("0.1"), Decimal("0.4"), "derived", "first_seen")
    assert result.diff is not None and {m.id for m, _ in result.diff.new_models if m} >= set(prov)
    # resellers' keys and unknown developers never become models
    assert not any("widget" in m.id for m in led.models())


def test_a_changed_price_is_a_first_sighting_not_a_cut_and_unchanged_rows_keep_their_day(
    ledger: Ledger, server: Served
) -> None:
    run(ledger, server, day=DAY1)
    server.routes["/litellm.json"] = Route(body("litellm_v2.json"))
    result = run(open_ledger(ledger.store.path), server, day=DAY2)  # type: ignore[union-attr]
    assert status_of(result)["litellm"] == "imported" and status_of(result)["openrouter"] == "unchanged"
    d = result.diff
    assert d is not None and d.cuts == [] and d.increases == []
    (move,) = [m for m in d.first_sightings if m.provider == "openai"]
    assert move.model == "openai/gpt-4o-mini-2024-07-18" and move.day == DAY2 and move.direction == "cut"
    assert (move.before.input, move.after.input) == (Decimal("0.15"), Decimal("0.1"))
    led = open_ledger(ledger.store.path)  # type: ignore[union-attr]
    (haiku,) = [p for p in led.history("anthropic/claude-3-haiku-20240307") if p.provider == "anthropic"
                and p.origin == "imported" and p.in_effect(DAY2)]
    assert haiku.valid_from <= DAY1  # re-seen at the same price: still dated by its first sighting


def test_a_source_that_flips_back_is_imported_again(ledger: Ledger, server: Served) -> None:
    run(ledger, server, day=DAY1, kinds=["litellm"], urls={"litellm": server.url("/litellm.json")})
    server.routes["/litellm.json"] = Route(body("litellm_v2.json"))
    run(open_ledger(ledger.store.path), server, day=DAY1, kinds=["litellm"],  # type: ignore[union-attr]
        urls={"litellm": server.url("/litellm.json")})
    server.routes["/litellm.json"] = Route(body("litellm_v1.json"))
    back = run(open_ledger(ledger.store.path), server, day=DAY1, kinds=["litellm"],  # type: ignore[union-attr]
               urls={"litellm": server.url("/litellm.json")})
    assert status_of(back) == {"litellm": "imported"}
    led = open_ledger(ledger.store.path)  # type: ignore[union-attr]
    (mini,) = led.price("gpt-4o-mini-2024-07-18", at=DAY1, provider="openai")
    assert (mini.input, mini.output) == (Decimal("0.15"), Decimal("0.6"))
