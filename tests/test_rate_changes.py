"""A price change is a change of any rate a request pays (`tariff.rate_changes`), not only of input and output:
counted by `price_changes()` and `data check`, listed by `data diff` (human and JSON) and on the dashboard, with the
direction read from the rates that moved. Rows split only for their source or note are no change."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import llmflation.ledger.loading as loading
from helpers.cli import run_cli
from llmflation import format as fmt
from llmflation.ledger.importers.changes import diff, own_moves
from llmflation.ledger.ledger import Ledger
from llmflation.ledger.loading import MODEL_COLUMNS, PRICE_COLUMNS, SCORE_COLUMNS, load_bundled
from llmflation.ledger.records import Model, Price
from llmflation.ledger.tariff import RateChange, rate_changes

SRC = "https://example.org/src"
MODEL = Model("acme/m", "M", "acme", None, False, False, SRC, "official")
BASE = Price("acme/m", "acme", date(2025, 1, 1), date(2025, 6, 1), D(2), D(10), SRC, "official",
             cached_input=D("0.2"), cache_write=D("2.5"))


def _after(**changes: object) -> Price:
    return replace(BASE, valid_from=date(2025, 6, 1), valid_to=None, **changes)  # type: ignore[arg-type]


def _rates(b: Price, a: Price = BASE) -> list[tuple[str, object, object, bool | None]]:
    return [(c.rate, c.before, c.after, c.dearer) for c in rate_changes(a, b)]


def test_a_row_split_only_for_its_source_or_note_is_no_change() -> None:
    b = _after(source="https://example.org/other", note="re-read", date_basis="effective", checked_on=date(2025, 7, 1))
    assert rate_changes(BASE, b) == ()
    ledger = Ledger([MODEL], [BASE, b], [])
    assert ledger.price_changes() == []
    assert diff([BASE, b], {}, date(2025, 1, 1)).cuts == []


def test_a_cache_read_cut_alone_is_a_dated_cut() -> None:
    b = _after(cached_input=D("0.1"), date_basis="effective")
    assert _rates(b) == [("cached_input", D("0.2"), D("0.1"), False)]
    d = diff([BASE, b], {}, date(2025, 1, 1))
    assert [(m.day, m.direction, m.blended_pct) for m in d.cuts] == [(date(2025, 6, 1), "cut", D("0.0"))]
    assert d.cuts[0].changed == rate_changes(BASE, b)
    ledger = Ledger([MODEL], [BASE, b], [])
    assert ledger.price_changes() == [(BASE, b)]


def test_rates_both_rows_take_from_the_same_fallback_are_not_listed_apart() -> None:
    a = replace(BASE, cached_input=None, cache_write=None)
    b = replace(a, valid_from=date(2025, 6, 1), valid_to=None, input=D(1))
    # cache reads and writes follow the input rate on both rows: only the input change is listed
    assert _rates(b, a) == [("input", D(2), D(1), False)]


def test_a_new_cache_discount_is_measured_against_the_input_rate_it_replaces() -> None:
    a = replace(BASE, cached_input=None)
    b = _after(cached_input=D("0.5"))
    assert _rates(b, a) == [("cached_input", D(2), D("0.5"), False)]


def test_long_context_tiers_batch_uplift_and_windows() -> None:
    tiered = replace(BASE, long_context_threshold=200_000, long_input=D(4), long_output=D(15))
    dropped = replace(tiered, valid_from=date(2025, 6, 1), valid_to=None, long_context_threshold=None,
                      long_input=None, long_output=None)
    assert _rates(dropped, tiered) == [("long_context_threshold", 200_000, None, False)]
    assert diff([tiered, dropped], {}, date(2025, 1, 1)).cuts[0].direction == "cut"
    added = _rates(replace(dropped, valid_from=date(2025, 6, 1)), replace(BASE, valid_to=date(2025, 6, 1)))
    assert added == []  # same rows
    assert _rates(replace(tiered, valid_from=date(2025, 6, 1), valid_to=None)) == [
        ("long_context_threshold", None, 200_000, True)]
    cheaper_long = replace(tiered, valid_from=date(2025, 6, 1), valid_to=None, long_output=D(12))
    assert _rates(cheaper_long, tiered) == [("long_output", D(15), D(12), False)]
    assert _rates(_after(batch_discount=D("0.5"))) == [("batch_discount", None, D("0.5"), False)]
    assert _rates(_after(regional_uplift=D("0.1"))) == [("regional_uplift", None, D("0.1"), True)]
    peak = replace(BASE, tier="off-peak", window_utc="16:30-00:30")
    moved = replace(peak, valid_from=date(2025, 6, 1), valid_to=None, window_utc="17:00-01:00")
    assert _rates(moved, peak) == [("window_utc", "16:30-00:30", "17:00-01:00", None)]
    assert diff([peak, moved], {}, date(2025, 1, 1)).restructures[0].direction == "restructure"


def test_mixed_moves_at_the_same_blended_price_are_a_restructure() -> None:
    b = _after(cached_input=D("0.1"), cache_write=D("3"))
    d = diff([BASE, b], {}, date(2025, 1, 1))
    assert (d.cuts, d.increases, [m.direction for m in d.restructures]) == ([], [], ["restructure"])


def test_what_readers_are_shown_besides_input_and_output() -> None:
    # every rate cut by 80% with the input: nothing more to say; a new regional uplift: said
    b = _after(input=D("0.4"), output=D(2), cached_input=D("0.04"), cache_write=D("0.5"), regional_uplift=D("0.1"))
    changed = rate_changes(BASE, b)
    assert {c.rate for c in changed} == {"input", "output", "cached_input", "cache_write", "regional_uplift"}
    assert [c.rate for c in own_moves(BASE, b, changed)] == ["regional_uplift"]
    # the cache read cut further than the input: said
    c = _after(input=D(1), cached_input=D("0.05"))
    assert [x.rate for x in own_moves(BASE, c, rate_changes(BASE, c))] == ["cached_input"]


def test_rate_change_texts() -> None:
    assert fmt.rate_change("cached_input", D("0.2"), D("0.1")) == "cache read $0.20 → $0.10"
    assert fmt.rate_change("batch_discount", None, D("0.5")) == "batch discount none → 50%"
    assert fmt.rate_change("long_context_threshold", 200_000, None) == "long-context tier from 200K → none"
    assert fmt.rate_change("long_output", D(9), D("1.8")) == "long-context output $9.00 → $1.80"
    assert fmt.rate_change("window_utc", "16:30-00:30", "17:00-01:00") == \
        "off-peak window (UTC) 16:30-00:30 → 17:00-01:00"
    assert RateChange("x", None, None, None).rate == "x"


def _csv(columns: tuple[str, ...], rows: list[dict[str, str]]) -> str:
    return "\n".join([",".join(columns), *(",".join(r.get(c, "") for c in columns) for r in rows)]) + "\n"


def test_data_diff_and_check_count_and_show_a_cache_only_change(tmp_path: Path) -> None:
    model = {"id": "acme/m", "name": "Acme M", "developer": "acme", "release_date": "2025-01-01", "source": SRC,
             "confidence": "official"}
    row = {"model": "acme/m", "provider": "acme", "tier": "standard", "input": "2", "output": "10",
           "cache_write": "2.5", "source": SRC, "confidence": "official", "date_basis": "effective"}
    prices = [{**row, "valid_from": "2025-01-01", "valid_to": "2025-06-01", "cached_input": "0.2"},
              {**row, "valid_from": "2025-06-01", "valid_to": "", "cached_input": "0.1"}]
    texts = {"models.csv": _csv(MODEL_COLUMNS, [model]), "prices.csv": _csv(PRICE_COLUMNS, prices),
             "scores.csv": _csv(SCORE_COLUMNS, []), "release.toml": "release = 2025-07-01\n"}
    load_bundled(texts)  # valid data
    saved = loading.bundled_texts
    loading.bundled_texts = lambda: dict(texts)
    try:
        check = json.loads(run_cli("data", "check", "--json", home=tmp_path / "a").stdout)
        as_json = json.loads(run_cli("data", "diff", "--since", "2025-05-01", "--json", home=tmp_path / "b").stdout)
        human = run_cli("--wide", "data", "diff", "--since", "2025-05-01", home=tmp_path / "c").stdout
    finally:
        loading.bundled_texts = saved
    assert (check["price_changes"], check["effective_changes"]) == (1, 1)
    assert check["effective_changes_by_kind"] == {"input_or_output": 0, "other_rates_only": 1,
                                                  "of_which_a_rate_first_offered": 0,
                                                  "of_which_scheduled_after_release": 0}
    (cut,) = as_json["price_cuts"]
    assert (cut["day"], cut["direction"], cut["blended_change_pct"]) == ("2025-06-01", "cut", "0")
    assert cut["changed"] == [{"rate": "cached_input", "before": "0.2", "after": "0.1", "dearer": False}]
    assert "Price cuts (1)" in human and "cache read $0.20 → $0.10" in human


def test_data_diff_keeps_scheduled_changes_and_ends_apart_from_what_happened(tmp_path: Path) -> None:
    """A change or an end announced for a later day is listed as scheduled (tables and `scheduled` in JSON), so
    "what changed since" never reads an announced price as one already billed; the tier is shown (several tiers of
    one offer can change the same day)."""
    model = {"id": "acme/m", "name": "Acme M", "developer": "acme", "release_date": "2025-01-01", "source": SRC,
             "confidence": "official"}
    row = {"model": "acme/m", "provider": "acme", "source": SRC, "confidence": "official", "date_basis": "effective"}
    prices = [{**row, "tier": "standard", "valid_from": "2025-01-01", "valid_to": "2025-06-01", "input": "2",
               "output": "10"},
              {**row, "tier": "standard", "valid_from": "2025-06-01", "valid_to": "2099-01-01", "input": "1",
               "output": "5"},
              {**row, "tier": "standard", "valid_from": "2099-01-01", "valid_to": "2099-06-01", "input": "3",
               "output": "15"},
              {**row, "tier": "flex", "valid_from": "2025-01-01", "valid_to": "2025-07-01", "input": "1",
               "output": "5"}]
    texts = {"models.csv": _csv(MODEL_COLUMNS, [model]), "prices.csv": _csv(PRICE_COLUMNS, prices),
             "scores.csv": _csv(SCORE_COLUMNS, []), "release.toml": "release = 2025-07-01\n"}
    saved = loading.bundled_texts
    loading.bundled_texts = lambda: dict(texts)
    try:
        as_json = json.loads(run_cli("data", "diff", "--since", "2025-05-01", "--json", home=tmp_path / "a").stdout)
        human = run_cli("--wide", "data", "diff", "--since", "2025-05-01", home=tmp_path / "b").stdout
    finally:
        loading.bundled_texts = saved
    assert [(m["day"], m["scheduled"]) for m in as_json["price_cuts"]] == [("2025-06-01", False)]
    assert [(m["day"], m["scheduled"]) for m in as_json["price_increases"]] == [("2099-01-01", True)]
    assert sorted((p["tier"], p["valid_to"], p["scheduled"]) for p in as_json["ended"]) == [
        ("flex", "2025-07-01", False), ("standard", "2099-06-01", True)]
    assert "Price cuts (1)" in human and "Price increases (0)" in human
    assert "Price increases, scheduled after today" in human
    assert "Ended offers (1)" in human and "Offers ending after today" in human and "flex" in human


def test_coverage_splits_effective_changes_by_what_moved() -> None:
    """`data check` says how many effective changes moved input or output, how many only another rate, and how
    many of those only began offering a rate (caching, a batch discount, a long-context tier): the reader judges."""
    rows = [BASE,  # 2025-01-01..06-01, cache read 0.2
            replace(BASE, valid_from=date(2025, 6, 1), valid_to=date(2025, 9, 1), cached_input=D("0.1"),
                    date_basis="effective"),  # another rate moved
            replace(BASE, valid_from=date(2025, 9, 1), valid_to=date(2025, 12, 1), cached_input=D("0.1"),
                    batch_discount=D("0.5"), date_basis="effective"),  # a rate first offered
            replace(BASE, valid_from=date(2025, 12, 1), valid_to=None, input=D(1), cached_input=D("0.1"),
                    batch_discount=D("0.5"), date_basis="effective"),  # input moved
            replace(BASE, provider="hostx", valid_to=date(2025, 3, 1)),
            replace(BASE, provider="hostx", valid_from=date(2025, 3, 1), valid_to=None, cached_input=D("0.05"),
                    date_basis="first_seen")]  # a first sighting: not counted as effective at all
    cov = Ledger([MODEL], rows, []).coverage(date(2026, 1, 1))
    assert (cov.price_changes, cov.effective_changes, cov.first_seen_changes) == (4, 3, 1)
    assert cov.record()["effective_changes_by_kind"] == {"input_or_output": 1, "other_rates_only": 2,
                                                         "of_which_a_rate_first_offered": 1,
                                                         "of_which_scheduled_after_release": 0}


def test_the_dashboard_lists_a_cache_only_change_with_what_moved() -> None:
    from fastapi.testclient import TestClient

    from llmflation.web import WebSettings, create_app

    b = _after(cached_input=D("0.1"), date_basis="effective")
    client = TestClient(create_app(WebSettings(), ledger=Ledger([MODEL], [BASE, b], [])))
    html = client.get("/").text
    table = html[html.index('id="changes-table"'):]
    assert "<th>Other rates</th>" in table and "cache read $0.20 → $0.10" in table

