"""Observed vs effective dates: first sightings are not price cuts (trends, data diff), and the dating rules
for checked_on / date_basis."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from helpers.trends_synth import synthetic_ledger
from llmflation.errors import DataError
from llmflation.ledger.importers.changes import diff, diff_between
from llmflation.ledger.ledger import Ledger
from llmflation.ledger.loading import Problems, dating_problems, dating_warnings, parse_prices
from llmflation.ledger.records import Price
from llmflation.trends.series import cheapest_at_capability

TURBO = "alpha/turbo-2023"


def with_basis(led: Ledger, model: str, valid_from: date, basis: str) -> Ledger:
    prices = [replace(p, date_basis=basis) if (p.model, p.valid_from) == (model, valid_from) else p
              for p in led.all_prices()]
    return Ledger(led.models(), prices, led.all_scores())


def test_a_first_sighted_cut_is_a_step_but_not_a_record_low() -> None:
    base = synthetic_ledger()
    eff = cheapest_at_capability(base, "mmlu", "87", end=date(2025, 12, 31))
    seen = cheapest_at_capability(with_basis(base, TURBO, date(2024, 6, 1), "first_seen"), "mmlu", "87",
                                  end=date(2025, 12, 31))
    assert [p.date for p in seen.steps] == [p.date for p in eff.steps]  # the floor itself is unchanged
    assert date(2024, 6, 1) in [p.date for p in eff.records]
    assert date(2024, 6, 1) not in [p.date for p in seen.records]
    assert [p for p in seen.records] == [p for p in eff.records if p.date != date(2024, 6, 1)]
    assert (eff.first_seen_steps, seen.first_seen_steps) == (0, 1)


def test_a_first_sighting_is_a_record_when_nothing_earlier_is_known() -> None:
    # the offers' first prices (launches) dated only by a sighting: the sighting is the best date there is
    led = with_basis(synthetic_ledger(), TURBO, date(2023, 11, 1), "first_seen")
    led = with_basis(led, "beta/small-2025", date(2025, 2, 1), "first_seen")
    s = cheapest_at_capability(led, "mmlu", "87", end=date(2025, 12, 31))
    base = cheapest_at_capability(synthetic_ledger(), "mmlu", "87", end=date(2025, 12, 31))
    assert [p.date for p in s.records] == [p.date for p in base.records]
    assert date(2023, 11, 1) in [p.date for p in s.records] and date(2025, 2, 1) in [p.date for p in s.records]
    assert s.first_seen_steps == 0 and s.first_seen_records == 0


def _p(start: str, end: str | None, inp: str, basis: str | None) -> Price:
    return Price(model="m/x", provider="p", valid_from=date.fromisoformat(start),
                 valid_to=None if end is None else date.fromisoformat(end), input=Decimal(inp),
                 output=Decimal(inp) * 2, source="https://example.org", confidence="archived", date_basis=basis)


def test_diff_lists_first_sightings_apart_from_cuts() -> None:
    prices = [_p("2025-01-01", "2025-03-01", "10", "effective"), _p("2025-03-01", "2025-06-01", "8", "effective"),
              _p("2025-06-01", None, "4", "first_seen")]
    d = diff(prices, {}, date(2025, 2, 1))
    assert [m.day for m in d.cuts] == [date(2025, 3, 1)]
    assert [(m.day, m.direction) for m in d.first_sightings] == [(date(2025, 6, 1), "cut")]


@pytest.mark.parametrize("basis", ["first_seen", "effective"])
def test_diff_between_two_ledgers_keeps_first_sightings_apart(basis: str) -> None:
    before = [_p("2025-01-01", None, "10", "effective")]
    after = [_p("2025-01-01", "2025-06-01", "10", "effective"), _p("2025-06-01", None, "4", basis)]
    d = diff_between(before, after, {})
    moves = d.first_sightings if basis == "first_seen" else d.cuts
    other = d.cuts if basis == "first_seen" else d.first_sightings
    assert [(m.day, m.before.input, m.after.input) for m in moves] == [(date(2025, 6, 1), 10, 4)]
    assert other == [] and d.new_models == [] and d.new_offers == []


@pytest.mark.parametrize(
    ("checked", "basis", "error", "warning"),
    [
        ("2099-01-01", "first_seen", "in the future", None),
        ("2099-01-01", "effective", "in the future", None),
        ("2025-01-01", "first_seen", None, "could be dated earlier"),
        ("2025-01-01", None, None, "could be dated earlier"),
        ("2025-01-01", "effective", None, None),  # announced ahead: checked before it starts
        ("2025-02-01", "first_seen", None, None),
        ("2026-12-01", "first_seen", None, None),  # checked today
    ],
)
def test_dating_rules(checked: str, basis: str | None, error: str | None, warning: str | None) -> None:
    p = replace(_p("2025-02-01", None, "1", basis), checked_on=date.fromisoformat(checked))
    errors, warnings = dating_problems(p, date(2026, 12, 1)), dating_warnings(p)
    assert [m for _, m in errors if error and error in m] == [m for _, m in errors] and len(errors) == bool(error)
    assert len(warnings) == bool(warning) and all(warning and warning in w for w in warnings)


def test_csv_rows_with_bad_dating_are_rejected_with_line_and_column() -> None:
    head = "model,provider,tier,valid_from,valid_to,input,output,date_basis,checked_on,source,confidence\n"
    text = head + ("m/x,p,standard,2025-02-01,,1,2,first_seen,2999-01-15,https://example.org,archived\n"
                   "m/y,p,standard,2025-02-01,,1,2,effective,2025-01-15,https://example.org,archived\n")
    problems = Problems()
    parsed = parse_prices(text, "prices.csv", problems)
    assert [p.model for p in parsed] == ["m/y"]
    with pytest.raises(DataError, match=r"prices.csv:2: checked_on: 2999-01-15 is in the future"):
        problems.raise_if_any("bad")


def test_data_check_reports_dating_warnings(cli) -> None:  # type: ignore[no-untyped-def]
    r = cli("data", "check", "--json")
    assert r.returncode == 0, r.stderr
    import json

    rec = json.loads(r.stdout)
    assert isinstance(rec["dating_warnings"], list) and rec["ok"] is True


def test_report_counts_the_steps_that_rest_on_first_sightings() -> None:
    from llmflation.report.build import CurveResult, _curve_record

    led = with_basis(synthetic_ledger(), TURBO, date(2024, 6, 1), "first_seen")
    s = cheapest_at_capability(led, "mmlu", "87", end=date(2025, 12, 31))
    rec = _curve_record(CurveResult("mmlu ≥ 87", s, None, None, "few points"), None)
    assert (rec["steps"], rec["first_seen_steps"], rec["first_seen_records"]) == (len(s.steps), 1, 0)
    assert rec["n"] == len(s.records) == len(s.steps) - 1


def test_a_curve_without_a_new_low_for_over_a_year_is_flagged_as_a_plateau() -> None:
    """months_without_new_low / plateaued: the one rule behind the report's 'No new low for over a year' note and
    the JSON's `last_record_low`, `months_without_new_low`, `plateau` — counted from the data's as-of date, with the
    365-day edge exact."""
    from datetime import timedelta

    from llmflation.report.build import PLATEAU_DAYS, CurveResult, _curve_record, months_without_new_low, plateaued
    from llmflation.trends.fit import fit_decline

    s = cheapest_at_capability(synthetic_ledger(), "mmlu", "87", end=date(2025, 12, 31))
    c = CurveResult("mmlu ≥ 87", s, fit_decline([(p.date, p.price) for p in s.records], bootstrap=0), None, None)
    last = s.records[-1].date
    assert months_without_new_low(c, None) == (last, None) and not plateaued(c, None)
    # a curve with no fitted rate has no rate to qualify, however old its newest low
    unfitted = CurveResult("mmlu ≥ 87", s, None, None, "few points")
    assert not plateaued(unfitted, last + timedelta(days=10 * PLATEAU_DAYS))
    assert months_without_new_low(unfitted, last + timedelta(days=31)) == (last, 1)
    edge = last + timedelta(days=PLATEAU_DAYS)
    assert not plateaued(c, edge) and plateaued(c, edge + timedelta(days=1))
    assert months_without_new_low(c, date(last.year + 1, last.month, last.day)) == (last, 12)
    day_before = date(last.year + 1, last.month, last.day) - timedelta(days=1)
    assert months_without_new_low(c, day_before) == (last, 11)  # a month counts only once it is complete
    rec = _curve_record(c, edge + timedelta(days=1))
    assert (rec["last_record_low"], rec["plateau"]) == (last, True)
    assert _curve_record(c, last)["months_without_new_low"] == 0


def test_report_names_each_plateaued_fit_in_html_and_json(shared_home, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json
    import re

    from helpers.cli import run_cli

    r = run_cli("report", "--out", str(tmp_path / "rep"), "--no-images", "--json", home=shared_home)
    assert r.returncode == 0, r.stderr
    curves = json.loads(r.stdout)["curves"]
    html = (tmp_path / "rep" / "report.html").read_text()
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    flat = [c for c in curves if c["plateau"]]
    for c in curves:
        assert c["months_without_new_low"] is None or c["months_without_new_low"] >= 0
        if c["plateau"]:
            assert c["factor_per_year"] is not None and c["months_without_new_low"] >= 12
    # report-data.json (written beside the HTML) carries the same curve records as the printed summary: a curve's
    # plateau is one fact, whichever JSON a reader opens
    written = json.loads((tmp_path / "rep" / "report-data.json").read_text())["curves"]
    assert [(c["series"], c["last_record_low"], c["months_without_new_low"], c["plateau"]) for c in written] == [
        (c["series"], c["last_record_low"], c["months_without_new_low"], c["plateau"]) for c in curves]
    if flat:
        assert "No new low for over a year:" in text
        for c in flat:
            assert f"(since {c['last_record_low']}, {c['months_without_new_low']} months)" in text
    else:
        assert "No new low for over a year" not in text
