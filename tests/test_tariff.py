"""The one pricing engine: the bill path (workload/bill.py) and the usage path (usage/pricing.py, compiled to Ibis
and run by DuckDB and by real local Spark) agree to the last decimal on random price rows and random calls.

Each generated call is written twice: as a one-call workload (shares chosen so every bucket is a whole number of
tokens) billed by `bill_offer`, and as a usage row priced by `usage spend`. Nothing here computes the expected
number with the tariff itself; the two paths are compared with each other, and a few hand-computed cases pin the
rules (the long-context cache case of issue 12, off-peak windows, 1-hour writes, service tiers).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers.usage_helpers import write_usage_rows
from llmflation.ledger.ledger import Ledger
from llmflation.ledger.records import Model, Price
from llmflation.ledger.tariff import BUCKETS, Call, choose_row, price_call, rate_card, segments
from llmflation.usage import analytics
from llmflation.usage.pricing import RATE_BUCKETS
from llmflation.workload.bill import bill_offer
from llmflation.workload.spec import load_workload

D = Decimal
CI = os.environ.get("CI") == "true"
DAY = date(2025, 6, 1)
# DeepSeek's off-peak minutes since 2026-08-16: all but weekday 01:00-04:00 and 06:00-10:00 UTC
DEEPSEEK_2026 = "Mon-Fri 04:00-06:00,Mon-Fri 10:00-01:00,Sat 01:00-24:00,Sun 00:00-24:00,Mon 00:00-01:00"
WEEKLY_WINDOWS = (DEEPSEEK_2026, "Sat-Sun 00:00-24:00", "Fri-Mon 22:00-02:00", "Wed 10:00-01:00")
MODEL = "acme/m"


def _model() -> Model:
    return Model(id=MODEL, name="m", developer="acme", release_date=date(2025, 1, 1), open_weights=False,
                 reasoning=False, source="https://example.org", confidence="official")


def _price(tier: str = "standard", **kw: Any) -> Price:
    base: dict[str, Any] = {"input": D("1"), "output": D("4")}
    base.update(kw)
    return Price(model=MODEL, provider="acme", valid_from=date(2025, 1, 1), valid_to=None, tier=tier,
                 source="https://example.org", confidence="official", **base)


@dataclass(frozen=True)
class Scenario:
    """A call as shares of a prompt (whole tokens by construction) plus its attributes."""

    prompt: int  # multiple of 10,000
    cached: Decimal
    write5: Decimal
    write1h: Decimal
    audio_in: Decimal
    output: int  # multiple of 100
    audio_out: Decimal
    reasoning: int
    batch: bool
    minute: int
    tier: str
    days: int = 0  # after DAY (a Sunday): the weekday matters to windows that name days

    @property
    def ts(self) -> datetime:
        return datetime(DAY.year, DAY.month, DAY.day) + timedelta(days=self.days, minutes=self.minute)

    def buckets(self) -> dict[str, int]:
        p = D(self.prompt)
        uncached = p * (1 - self.cached - self.write5 - self.write1h)
        out = D(self.output)
        toks = {"input": uncached * (1 - self.audio_in), "input_audio": uncached * self.audio_in,
                "cache_read": p * self.cached, "cache_write": p * self.write5, "cache_write_1h": p * self.write1h,
                "output": out * (1 - self.audio_out), "output_audio": out * self.audio_out,
                "reasoning": D(self.reasoning)}
        assert all(v == v.to_integral_value() for v in toks.values())
        return {k: int(v) for k, v in toks.items()}


money = st.decimals(min_value=D("0.001"), max_value=D("80"), places=3)
opt_money = st.one_of(st.none(), money)
share = st.integers(0, 100).map(lambda n: D(n) / 100)


@st.composite
def price_rows(draw: st.DrawFn) -> list[Price]:
    kw: dict[str, Any] = {"input": draw(money), "output": draw(money), "cached_input": draw(opt_money),
                          "cache_write": draw(opt_money), "cache_write_1h": draw(opt_money),
                          "input_audio": draw(opt_money), "output_audio": draw(opt_money),
                          "batch_discount": draw(st.one_of(st.none(), st.sampled_from([D("0.5"), D("0.25")])))}
    if draw(st.booleans()):
        kw.update(long_context_threshold=draw(st.sampled_from([50_000, 128_000, 200_000, 272_000])),
                  long_input=draw(money), long_output=draw(money), long_cached_input=draw(opt_money))
    rows = [_price(**kw)]
    if draw(st.booleans()):  # a DeepSeek-style off-peak row (its window may wrap midnight, or be two ranges)
        start = draw(st.integers(0, 95)) * 15
        length = draw(st.integers(1, 94)) * 15
        end = (start + length) % 1440
        window = f"{start // 60:02d}:{start % 60:02d}-{end // 60:02d}:{end % 60:02d}"
        if draw(st.booleans()):  # a second range in the quarter-hours after the first one ends
            free = (1440 - length) // 15
            skip = draw(st.integers(0, free - 1))
            a = (end + 15 * skip) % 1440
            b = (a + 15 * draw(st.integers(1, free - skip))) % 1440
            window += f",{a // 60:02d}:{a % 60:02d}-{b // 60:02d}:{b % 60:02d}"
        if draw(st.integers(0, 2)) == 0:  # or a window that names days
            window = draw(st.sampled_from(WEEKLY_WINDOWS))
        rows.append(_price("off-peak", input=draw(money), output=draw(money), cached_input=draw(opt_money),
                           window_utc=window))
    for tier in ("flex", "priority"):
        if draw(st.booleans()):
            rows.append(_price(tier, input=draw(money), output=draw(money), cached_input=draw(opt_money),
                               batch_discount=draw(st.one_of(st.none(), st.just(D("0.5"))))))
    return rows


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    c = draw(st.integers(0, 100))
    w5 = draw(st.integers(0, 100 - c))
    w1 = draw(st.integers(0, 100 - c - w5))
    cached, write5, write1h = D(c) / 100, D(w5) / 100, D(w1) / 100
    return Scenario(prompt=draw(st.integers(0, 40)) * 10_000, cached=cached, write5=write5, write1h=write1h,
                    audio_in=draw(share), output=draw(st.integers(0, 300)) * 100, audio_out=draw(share),
                    reasoning=draw(st.integers(0, 20_000)), batch=draw(st.booleans()),
                    minute=draw(st.integers(0, 1439)), tier=draw(st.sampled_from(["standard", "flex", "priority"])),
                    days=draw(st.integers(0, 6)))


def bill_path(rows: list[Price], sc: Scenario) -> Decimal:
    """The bill of a one-call workload on the row the call's tier picks (workload/bill.py)."""
    by_tier = {p.tier: p for p in rows}
    row = by_tier.get(sc.tier) or by_tier["standard"]
    off = by_tier.get("off-peak") if row.tier == "standard" else None
    in_window = off is not None and choose_row(rows, DAY, "standard", sc.ts)[0] is off
    toks = sc.buckets()
    prompt = sum(toks[b] for b in ("input", "input_audio", "cache_read", "cache_write", "cache_write_1h"))
    card_row = off if in_window and off is not None else row
    long = card_row.long_context_threshold is not None and prompt > card_row.long_context_threshold
    w = load_workload({
        "tasks_per_month": 1, "calls_per_task": 1, "input_tokens": sc.prompt, "output_tokens": sc.output,
        "reasoning_tokens": sc.reasoning, "cached_input_share": sc.cached, "cache_write_share": sc.write5,
        "cache_write_1h_share": sc.write1h, "input_audio_share": sc.audio_in, "output_audio_share": sc.audio_out,
        "batch_share": 1 if sc.batch else 0, "long_context_share": 1 if long else 0,
        "off_peak_share": 1 if in_window else 0})
    return bill_offer(w, row, DAY, off_peak=off).per_call_usd


def write_usage(path: Path, calls: list[Scenario]) -> Path:
    recs = []
    for i, sc in enumerate(calls):
        t = sc.buckets()
        recs.append({
            "row_key": f"id:{i}", "request_id": str(i), "ts": sc.ts, "day": DAY, "model": MODEL, "model_raw": "m",
            "provider": "acme", "batch": sc.batch, "requests": 1,
            "input_uncached": t["input"] + t["input_audio"], "cache_read": t["cache_read"],
            "cache_write": t["cache_write"] + t["cache_write_1h"], "output_text": t["output"] + t["output_audio"],
            "output_reasoning": t["reasoning"], "project": None, "user_id": f"call-{i:03d}", "tags": None,
            "reported_cost": None, "source_format": "generic", "source_file": "t", "source_row": i + 1,
            "cache_write_1h": t["cache_write_1h"], "input_audio": t["input_audio"], "output_audio": t["output_audio"],
            "service_tier": sc.tier, "unresolved_reason": None})
    return write_usage_rows(path, recs)


def usage_path(rows: list[Price], calls: list[Scenario], tmp: Path, engine: str) -> dict[str, Decimal]:
    ledger = Ledger([_model()], rows, [])
    report = analytics.spend(write_usage(tmp / "u.parquet", calls), ledger, by="user", engine=engine)
    assert report.total.unpriced_requests == 0
    return {r.keys["user"]: r.cost_usd for r in report.rows}


def _agree(rows: list[Price], calls: list[Scenario], tmp: Path, engine: str) -> None:
    got = usage_path(rows, calls, tmp, engine)
    for i, sc in enumerate(calls):
        expected = bill_path(rows, sc)
        assert got[f"call-{i:03d}"] == expected, (i, sc, rows)


@settings(max_examples=15 if CI else 40, deadline=None, derandomize=CI,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(rows=price_rows(), calls=st.lists(scenarios(), min_size=1, max_size=6))
def test_bill_and_usage_agree_on_duckdb(rows: list[Price], calls: list[Scenario], tmp_path: Path) -> None:
    _agree(rows, calls, tmp_path, "duckdb")


@pytest.mark.spark
@settings(max_examples=3 if CI else 4, deadline=None, derandomize=CI,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(rows=price_rows(), calls=st.lists(scenarios(), min_size=4, max_size=8))
def test_bill_and_usage_agree_on_spark(rows: list[Price], calls: list[Scenario], tmp_path: Path,
                                       spark_engine: str) -> None:
    _agree(rows, calls, tmp_path, spark_engine)


# -- hand-computed cases -----------------------------------------------------------------------------------------
def test_the_long_context_cache_call_of_issue_12_prices_the_same_on_both_paths(tmp_path: Path) -> None:
    # Sonnet-4.5-like row: $3/$15, cache read 0.3, write 3.75; above 200K: $6/$22.50, cached 0.6 (no long write)
    row = _price(input=D(3), output=D(15), cached_input=D("0.3"), cache_write=D("3.75"),
                 long_context_threshold=200_000, long_input=D(6), long_output=D("22.5"), long_cached_input=D("0.6"))
    sc = Scenario(prompt=250_000, cached=D("0.8"), write5=D("0.04"), write1h=D(0), audio_in=D(0), output=1000,
                  audio_out=D(0), reasoning=0, batch=False, minute=600, tier="standard")
    # by hand: 40,000×6 + 200,000×0.6 + 10,000×(3.75×6/3 = 7.5) + 1,000×22.5, over 1e6
    by_hand = (D(40_000) * 6 + D(200_000) * D("0.6") + D(10_000) * D("7.5") + D(1000) * D("22.5")) / 1_000_000
    assert by_hand == D("0.4575")
    assert bill_path([row], sc) == by_hand
    assert usage_path([row], [sc], tmp_path, "duckdb")["call-000"] == by_hand


def _day_cover(segs: list[Any], weekday: int) -> list[tuple[int, int, str]]:
    """The standard-tier segments over one weekday (Monday = 0), as (from, to, tier) in minutes of that day."""
    lo, hi = weekday * 1440, (weekday + 1) * 1440
    return sorted((max(s.minute_from, lo) - lo, min(s.minute_to, hi) - lo, s.price.tier) for s in segs
                  if s.tier == "standard" and s.minute_from < hi and s.minute_to > lo)


def test_off_peak_window_wraps_midnight() -> None:
    std = _price(input=D("0.27"), output=D("1.1"))
    off = _price("off-peak", input=D("0.135"), output=D("0.55"), window_utc="16:30-00:30")
    at = datetime(2025, 6, 1)
    assert choose_row([std, off], DAY, "standard", at.replace(hour=16, minute=29))[0] is std
    assert choose_row([std, off], DAY, "standard", at.replace(hour=16, minute=30))[0] is off
    assert choose_row([std, off], DAY, "standard", at.replace(hour=0, minute=29))[0] is off
    assert choose_row([std, off], DAY, "standard", at.replace(hour=0, minute=30))[0] is std
    for weekday in range(7):  # the same every day
        assert _day_cover(segments([std, off]), weekday) == [(0, 30, "off-peak"), (30, 990, "standard"),
                                                             (990, 1440, "off-peak")]


def test_off_peak_window_of_two_ranges() -> None:
    """DeepSeek since 2026-08-16: off-peak on every day 04:00-06:00 and 10:00-01:00 UTC (one row, two ranges)."""
    std = _price(input=D("1.32"), output=D("3.96"))
    off = _price("off-peak", input=D("0.66"), output=D("1.98"), window_utc="04:00-06:00,10:00-01:00")
    at = datetime(2026, 9, 1)
    for hour, minute, want in ((0, 59, off), (1, 0, std), (3, 59, std), (4, 0, off), (5, 59, off), (6, 0, std),
                               (9, 59, std), (10, 0, off), (23, 59, off)):
        assert choose_row([std, off], DAY, "standard", at.replace(hour=hour, minute=minute))[0] is want, (hour, minute)
    assert _day_cover(segments([std, off]), 3) == [(0, 60, "off-peak"), (60, 240, "standard"),
                                                   (240, 360, "off-peak"), (360, 600, "standard"),
                                                   (600, 1440, "off-peak")]


def test_off_peak_window_that_names_days() -> None:
    """DeepSeek since 2026-08-16: peak 01:00-04:00 and 06:00-10:00 UTC on weekdays only; every other minute of the
    week (weekends whole) is off-peak. Friday's 10:00-01:00 runs into Saturday; Sunday's day runs into Monday."""
    std = _price(input=D("1.32"), output=D("3.96"))
    off = _price("off-peak", input=D("0.66"), output=D("1.98"), window_utc=DEEPSEEK_2026)
    friday, saturday, sunday, monday = (datetime(2026, 9, d) for d in (4, 5, 6, 7))
    cases = [(friday.replace(hour=3, minute=59), std), (friday.replace(hour=23, minute=59), off),
             (saturday.replace(hour=0, minute=30), off), (saturday.replace(hour=2), off),  # Saturday's peak hours
             (saturday.replace(hour=7), off), (sunday.replace(hour=9, minute=59), off),
             (monday.replace(hour=0, minute=59), off), (monday.replace(hour=1), std), (monday.replace(hour=4), off),
             (monday.replace(hour=6), std), (monday.replace(hour=10), off)]
    for ts, want in cases:
        assert choose_row([std, off], ts.date(), "standard", ts)[0] is want, ts
    for weekday in (5, 6):  # weekends: every segment off-peak, covering the whole day
        cover = _day_cover(segments([std, off]), weekday)
        assert {t for *_, t in cover} == {"off-peak"} and sum(b - a for a, b, _ in cover) == 1440, cover
    assert _day_cover(segments([std, off]), 2) == [(0, 60, "off-peak"), (60, 240, "standard"),
                                                   (240, 360, "off-peak"), (360, 600, "standard"),
                                                   (600, 1440, "off-peak")]


# (days after DAY, a Sunday; minute of that day; priced off-peak?) for DeepSeek's weekday-only peak hours
WEEKDAY_CALLS = [(6, 120, True), (5, 120, False), (0, 120, True), (1, 120, False), (1, 300, True), (5, 1410, True),
                 (6, 30, True), (0, 30, True), (1, 30, True), (1, 60, False), (3, 599, False), (3, 600, True)]


def _weekday_case(tmp_path: Path, engine: str) -> None:
    std = _price(input=D(2), output=D(8))
    off = _price("off-peak", input=D(1), output=D(4), window_utc=DEEPSEEK_2026)
    calls = [Scenario(prompt=10_000, cached=D(0), write5=D(0), write1h=D(0), audio_in=D(0), output=0,
                      audio_out=D(0), reasoning=0, batch=False, minute=minute, tier="standard", days=days)
             for days, minute, _ in WEEKDAY_CALLS]
    got = usage_path([std, off], calls, tmp_path, engine)
    for i, (sc, (*_, is_off)) in enumerate(zip(calls, WEEKDAY_CALLS, strict=True)):
        assert got[f"call-{i:03d}"] == (D("0.01") if is_off else D("0.02")) == bill_path([std, off], sc), (i, sc.ts)


def test_weekday_windows_price_the_same_on_duckdb(tmp_path: Path) -> None:
    """Saturday and Sunday 02:00 are off-peak, Friday and Monday 02:00 peak, Friday 23:30 and Monday 00:30
    off-peak: the engine's minute of the week agrees with the tariff's (Monday = day 0 on every engine; a day off
    either way fails)."""
    _weekday_case(tmp_path, "duckdb")


@pytest.mark.spark
def test_weekday_windows_price_the_same_on_spark(tmp_path: Path, spark_engine: str) -> None:
    _weekday_case(tmp_path, spark_engine)


def test_missing_components_are_named_fallbacks_never_zero() -> None:
    card = rate_card(_price(input=D(2), output=D(8)))
    got = price_call(card, Call(tokens={"cache_read": 1_000_000, "cache_write_1h": 1_000_000,
                                        "input_audio": 1_000_000, "output_audio": 1_000_000}, batch=True,
                                regional=True))
    assert got.usd == D(2) + D(2) + D(2) + D(8)  # every bucket at its text rate, not $0
    assert set(got.fallbacks) == {"cached_input_missing", "cache_write_missing", "input_audio_missing",
                                  "output_audio_missing", "batch_missing", "regional_uplift_missing"}


def test_tier_without_a_row_falls_back_to_standard_and_says_so() -> None:
    std = _price()
    row, used = choose_row([std], DAY, "flex", None)
    assert row is std and used == ["tier_missing"]


def test_usage_and_tariff_share_one_bucket_list() -> None:
    assert RATE_BUCKETS == BUCKETS


@pytest.mark.spark
def test_sums_of_nine_decimal_products_stay_exact_on_spark(tmp_path: Path, spark_engine: str) -> None:
    """Regression: Spark types DECIMAL(38,9) + DECIMAL(38,9) as DECIMAL(39,9) and silently dropped a digit of scale,
    so a 5-minute plus a 1-hour cache write at 9-decimal rates came out 1e-15 USD off DuckDB (seen in the suite)."""
    row = _price(input=D("1.000000001"), output=D("2.000000003"), cache_write=D("3.916666651"),
                 cache_write_1h=D("7.833333303"))
    sc = Scenario(prompt=10_000, cached=D(0), write5=D("0.0003"), write1h=D("0.0001"), audio_in=D(0), output=300,
                  audio_out=D(0), reasoning=7, batch=False, minute=600, tier="standard")
    expected = bill_path([row], sc)
    assert expected.as_tuple().exponent <= -15  # the last digits are the ones Spark used to drop
    assert usage_path([row], [sc], tmp_path, "duckdb")["call-000"] == expected
    assert usage_path([row], [sc], tmp_path, spark_engine)["call-000"] == expected
