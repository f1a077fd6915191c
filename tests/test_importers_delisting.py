"""An offer a provider's complete catalogue stops listing has left it: OpenRouter's models API is OpenRouter's
whole catalogue, where LiteLLM and genai-prices keep a gateway's entry long after the offer ends.

Imported rows of such an offer end on the snapshot's day; curated rows are kept and flagged (import report,
`data update`, `data status`); a snapshot that lists under half of the open offers is not trusted as complete.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from helpers.cli import run_cli
from helpers.price_server import Route, serve
from llmflation.errors import LlmflationError
from llmflation.ledger.importers.delisting import Delisting, check_catalogue, end_delisted, still_held
from llmflation.ledger.importers.run import import_data
from llmflation.ledger.importers.update import update
from llmflation.ledger.ledger import Ledger, open_ledger
from llmflation.ledger.records import Price
from llmflation.ledger.store import ImportedRow

D = Decimal
DAY1, DAY2, DAY3 = date(2026, 12, 1), date(2026, 12, 8), date(2026, 12, 15)


def _price(model: str, start: date, end: date | None = None, origin: str = "imported",
           provider: str = "openrouter", tier: str = "standard") -> Price:
    return Price(model=model, provider=provider, tier=tier, valid_from=start, valid_to=end, input=D(1), output=D(2),
                 source="test", confidence="derived", origin=origin)


# -- the pure rules ------------------------------------------------------------------------------------------------
def test_open_offers_the_snapshot_does_not_list_are_delisted_and_the_users_own_rows_are_not() -> None:
    prices = [_price("a/x", date(2025, 1, 1), origin="bundled"), _price("a/y", date(2025, 1, 1)),
              _price("a/z", date(2025, 1, 1), date(2026, 1, 1)),  # ended before the day: not open
              _price("a/u", date(2025, 1, 1), origin="user"), _price("a/x", DAY1, provider="together")]
    c = check_catalogue(prices, "openrouter", {"a/x"}, DAY1, "openrouter")
    assert c.trusted and (c.open_offers, c.listed) == (2, 1)
    assert [(d.model, d.open_since, d.origin, d.kind) for d in c.delisted] == [
        ("a/y", date(2025, 1, 1), "imported", "openrouter")]


def test_a_snapshot_listing_under_half_of_the_open_offers_is_not_taken_as_complete() -> None:
    prices = [_price(f"a/m{i}", date(2025, 1, 1)) for i in range(4)]
    half = check_catalogue(prices, "openrouter", {"a/m0", "a/m1"}, DAY1)
    assert half.trusted and len(half.delisted) == 2  # exactly half still counts as the catalogue
    short = check_catalogue(prices, "openrouter", {"a/m0"}, DAY1)
    assert not short.trusted and len(short.delisted) == 3
    assert "lists only 1 of the 4 offers" in short.reason and "no offer is taken as ended" in short.reason
    assert check_catalogue([], "openrouter", set(), DAY1).trusted  # nothing open: nothing to judge


def _row(model: str, start: date, end: date | None, import_id: int) -> ImportedRow:
    return ImportedRow(_price(model, start, end), model, start, (), "openrouter", import_id)


def test_earlier_imports_end_on_the_day_seen_gone_and_later_ones_list_it_anew() -> None:
    gone = Delisting("a/x", "openrouter", "standard", DAY2, DAY1, "imported", "test", "openrouter", import_id=2)
    rows = [_row("a/x", DAY1, None, 1),  # open: ends on DAY2
            _row("a/x", date(2026, 12, 10), None, 1),  # an earlier import's row starting after the day: dropped
            _row("a/x", date(2026, 11, 1), date(2026, 11, 20), 1),  # ended before: kept as is
            _row("a/x", DAY3, None, 3),  # listed again by a later import: kept
            _row("a/y", DAY1, None, 1)]  # another offer: kept
    out = end_delisted(rows, [gone])
    assert [(r.price.model, r.price.valid_from, r.price.valid_to, r.import_id) for r in out] == [
        ("a/x", DAY1, DAY2, 1), ("a/x", date(2026, 11, 1), date(2026, 11, 20), 1), ("a/x", DAY3, None, 3),
        ("a/y", DAY1, None, 1)]
    assert "ends 2026-12-08: openrouter's catalogue no longer listed it that day (import 2" in out[0].price.note
    assert end_delisted(rows, []) == rows


def test_a_price_map_imported_after_the_delisting_does_not_reopen_the_offer() -> None:
    gone = Delisting("a/x", "openrouter", "standard", DAY2, DAY1, "imported", "test", "openrouter", import_id=2)
    stale = replace(_row("a/x", DAY1, None, 5), kind="genai-prices")  # re-imported later, its first sighting kept
    fresh = replace(_row("a/x", DAY3, None, 6), kind="genai-prices")  # a price first shown after the day
    same_day = replace(_row("a/x", DAY2, None, 7), kind="genai-prices")  # re-imported on the delisting day itself
    out = end_delisted([stale, fresh, same_day], [gone])
    assert [(r.kind, r.price.valid_from, r.price.valid_to) for r in out] == [
        ("genai-prices", DAY1, DAY2), ("genai-prices", DAY3, None)]


def test_status_flags_the_newest_imports_delistings_that_a_row_still_holds_open() -> None:
    old = Delisting("a/x", "openrouter", "standard", DAY1, DAY1, "bundled", "s", "openrouter", import_id=1)
    held = Delisting("a/y", "openrouter", "standard", DAY2, DAY1, "bundled", "s", "openrouter", import_id=2)
    ended = Delisting("a/z", "openrouter", "standard", DAY2, DAY1, "imported", "s", "openrouter", import_id=2)
    prices = [_price("a/x", date(2025, 1, 1), origin="bundled"), _price("a/y", date(2025, 1, 1), origin="bundled"),
              _price("a/z", date(2025, 1, 1), DAY2)]
    assert [d.model for d in still_held([old, held, ended], prices, {"openrouter": 2})] == ["a/y"]
    assert still_held([old, held, ended], prices, {"openrouter": 3}) == []  # a newer snapshot listed them all
    assert still_held([old, held, ended], prices, {}) == []


# -- through the store -------------------------------------------------------------------------------------------
def _open_at(ledger: Ledger, provider: str, day: date) -> list[str]:
    return sorted({p.model for p in ledger.all_prices()
                   if p.provider == provider and p.valid_from <= day < (p.valid_to or date.max)})


def _snapshot(models: list[str]) -> dict[str, Any]:
    """OpenRouter's models API answer listing `models` (distinct prices, so no filler check trips)."""
    return {"data": [{"id": m, "name": m, "pricing": {"prompt": f"{(i + 1) * 1e-8:.8f}",
                                                      "completion": f"{(i + 1) * 2e-8:.8f}"}}
                     for i, m in enumerate(models)]}


def _import(ledger: Ledger, models: list[str], day: date) -> Any:
    return import_data("openrouter", _snapshot(models), f"test-snapshot@{day}", f"snap {day}", day, ledger)


def _priced(ledger: Ledger, model: str, day: date) -> Price | None:
    try:
        (p,) = ledger.price(model, day, "openrouter")
    except LlmflationError:
        return None
    return p


def _status(ledger: Ledger) -> dict[str, Any]:
    assert ledger.store is not None
    r = run_cli("data", "status", "--json", home=ledger.store.path.parent)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)  # type: ignore[no-any-return]


@pytest.fixture
def gateway(writable_ledger: Ledger) -> tuple[Ledger, list[str], str]:
    """The ledger with its open OpenRouter offers, and a model the curated data has no OpenRouter row for."""
    held = _open_at(writable_ledger, "openrouter", DAY1)
    extra = next(m.id for m in writable_ledger.models() if m.id.startswith("meta/")
                 and not any(p.provider == "openrouter" for p in writable_ledger.history(m.id)))
    return writable_ledger, held, extra


def test_an_imported_offer_ends_when_the_catalogue_drops_it_and_a_curated_one_is_flagged(
        gateway: tuple[Ledger, list[str], str]) -> None:
    ledger, held, extra = gateway
    first = _import(ledger, [*held, extra], DAY1)
    assert first.catalogue[0].trusted and first.catalogue[0].delisted == ()
    ledger = open_ledger(ledger.store.path)  # type: ignore[union-attr]
    assert _priced(ledger, extra, DAY2) is not None  # an imported row, open
    curated = held[0]
    second = _import(ledger, [m for m in held if m != curated], DAY2)
    check = second.catalogue[0]
    assert check.trusted and (check.open_offers, check.listed) == (len(held) + 1, len(held) - 1)
    assert {(d.model, d.origin) for d in check.delisted} == {(curated, "bundled"), (extra, "imported")}
    ledger = open_ledger(ledger.store.path)  # type: ignore[union-attr]
    assert _priced(ledger, extra, DAY1) is not None and _priced(ledger, extra, DAY2) is None
    ended = next(p for p in ledger.history(extra) if p.provider == "openrouter")
    assert ended.valid_to == DAY2 and "no longer listed it that day" in ended.note
    assert _priced(ledger, curated, DAY2) is not None  # curated rows are never changed by an import
    status = _status(ledger)
    assert [(d["model"], d["held_open_by"], d["seen_gone_on"]) for d in status["delisted_offers"]] == [
        (curated, "curated", str(DAY2))]
    third = _import(open_ledger(ledger.store.path), [*held, extra], DAY3)  # type: ignore[union-attr]
    assert third.catalogue[0].delisted == ()
    ledger = open_ledger(ledger.store.path)  # type: ignore[union-attr]
    back = _priced(ledger, extra, DAY3)
    assert back is not None and back.valid_from == DAY3 and _priced(ledger, extra, DAY2) is None
    assert _status(ledger)["delisted_offers"] == []


def test_a_truncated_catalogue_ends_nothing(gateway: tuple[Ledger, list[str], str]) -> None:
    ledger, held, extra = gateway
    _import(ledger, [*held, extra], DAY1)
    ledger = open_ledger(ledger.store.path)  # type: ignore[union-attr]
    short = _import(ledger, held[:10], DAY2)
    assert not short.catalogue[0].trusted and "lists only 10 of the" in short.catalogue[0].reason
    ledger = open_ledger(ledger.store.path)  # type: ignore[union-attr]
    assert ledger.store is not None and ledger.store.delistings() == []
    assert _priced(ledger, extra, DAY2) is not None


def test_importing_the_same_snapshot_again_keeps_one_record_of_each_delisting(
        gateway: tuple[Ledger, list[str], str]) -> None:
    ledger, held, _extra = gateway
    for _ in range(2):
        _import(open_ledger(ledger.store.path), held[1:], DAY2)  # type: ignore[union-attr]
    assert [d.model for d in ledger.store.delistings()] == [held[0]]  # type: ignore[union-attr]


def test_price_maps_that_never_drop_an_entry_delist_nothing(writable_ledger: Ledger) -> None:
    report = import_data("litellm", {"gpt-4o-2024-08-06": {"litellm_provider": "openai", "mode": "chat",
                                                            "input_cost_per_token": 2.5e-06,
                                                            "output_cost_per_token": 1e-05}},
                         "test", "snap", DAY1, writable_ledger)
    assert report.catalogue == [] and writable_ledger.store.delistings() == []  # type: ignore[union-attr]


def test_data_update_reports_what_openrouter_no_longer_lists(gateway: tuple[Ledger, list[str], str],
                                                             tmp_path: Path) -> None:
    ledger, held, _extra = gateway
    body = json.dumps(_snapshot(held[2:])).encode()
    with serve({"/models.json": Route(body)}) as s:
        result = update(ledger=ledger, kinds=["openrouter"], urls={"openrouter": s.url("/models.json")}, today=DAY2,
                        backoff=0.01)
    (src,) = result.sources
    assert src.status == "imported" and src.report is not None
    assert [d.model for d in src.report.catalogue[0].delisted] == held[:2]
    assert all(d.import_id == src.report.import_id for d in src.report.catalogue[0].delisted)


def test_a_store_from_before_delistings_upgrades_and_keeps_its_imports(fresh_home: Path) -> None:
    import duckdb

    ledger = open_ledger()
    import_data("litellm", {"gpt-4o-2024-08-06": {"litellm_provider": "openai", "mode": "chat",
                                                   "input_cost_per_token": 2.5e-06, "output_cost_per_token": 1e-05}},
                "test", "snap", DAY1, ledger)
    assert ledger.store is not None
    con = duckdb.connect(str(ledger.store.path))  # the file as the previous release left it (schema 5)
    con.execute("DROP TABLE delistings")
    con.execute("ALTER TABLE imports DROP COLUMN catalogue_trusted")
    con.execute("DELETE FROM schema_migrations WHERE version = 6")
    con.close()
    ledger = open_ledger()  # this release: migrates the file
    assert ledger.store is not None and [v for v, *_ in ledger.store.migrations()][-1] == 6
    (earlier,) = ledger.store.imports()
    assert earlier["kind"] == "litellm" and earlier["catalogue_trusted"] is None
    assert ledger.store.delistings() == []
    held = _open_at(ledger, "openrouter", DAY2)
    report = _import(ledger, held[1:], DAY2)
    assert [d.model for d in report.catalogue[0].delisted] == [held[0]]
    assert open_ledger().store.imports()[-1]["catalogue_trusted"] is True  # type: ignore[union-attr]


def test_the_import_command_says_what_is_no_longer_listed(gateway: tuple[Ledger, list[str], str],
                                                          tmp_path: Path) -> None:
    ledger, held, _extra = gateway
    snap = tmp_path / "models.json"
    snap.write_text(json.dumps(_snapshot(held[1:])))
    home = Path(ledger.store.path).parent  # type: ignore[union-attr]
    r = run_cli("import", "openrouter", str(snap), "--date", str(DAY2), home=home)
    assert r.returncode == 0, r.stderr
    assert "openrouter: 1 offer(s) the ledger held open at openrouter are no longer listed" in " ".join(
        r.stderr.split())
    assert "No longer listed by the provider's catalogue (1)" in r.stdout and held[0] in r.stdout
    short = tmp_path / "short.json"
    short.write_text(json.dumps(_snapshot(held[:3])))
    r = run_cli("import", "openrouter", str(short), "--date", str(DAY3), "--json", home=home)
    (c,) = json.loads(r.stdout)["catalogue"]
    assert (c["trusted"], c["listed"]) == (False, 3) and "not taken as openrouter's complete list" in c["reason"]
