"""Aggregate-then-price equals per-row pricing, to the last digit, on DuckDB and on real local Spark.

`usage spend` (and everything built on it: trend, reconcile, the personal index) sums token buckets per price key
first and prices the sums (usage/pricing.py `spend_expr`); `row_costs_expr` prices every row on its own, as the
engine did before. Random ledgers carry every price dimension — price changes at midnight UTC, off-peak windows
(some wrapping midnight), long-context thresholds that differ per model and per interval, flex/priority tiers,
batch discounts, a shutdown — and random logs put rows on the edges: the day a price changes and the day before,
the first and last minute of a window, prompts exactly at a threshold × requests and one token past it, requests
0/1/3, tiers the ledger cannot price, several tags, rows naming no provider, an unknown provider, an unknown model.
The per-row costs are summed in Python Decimal per the same keys and compared with the aggregated answer.
"""

from __future__ import annotations

import os
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from helpers.usage_helpers import write_usage_rows
from llmflation.errors import InputError
from llmflation.ledger.ledger import Ledger
from llmflation.ledger.records import Lifecycle, Model, Price
from llmflation.ledger.windows import parse_window
from llmflation.usage import analytics
from llmflation.usage.pricing import open_engine, pricing_inputs, row_costs_expr

D = Decimal
CI = os.environ.get("CI") == "true"
START = date(2025, 3, 1)
# windows that name days; the first is DeepSeek's off-peak minutes since 2026-08-16
WEEKLY_WINDOWS = ("Mon-Fri 04:00-06:00,Mon-Fri 10:00-01:00,Sat 01:00-24:00,Sun 00:00-24:00,Mon 00:00-01:00",
                  "Sat-Sun 00:00-24:00", "Fri-Mon 22:00-02:00", "Wed 10:00-01:00")
MODELS = ("acme/a", "acme/b", "beta/c", "gamma/d")
SRC = "https://example.org/prices"


def _model(mid: str) -> Model:
    return Model(id=mid, name=mid.split("/")[1], developer=mid.split("/")[0], release_date=date(2024, 1, 1),
                 open_weights=False, reasoning=False, source=SRC, confidence="official")


money = st.decimals(min_value=D("0.001"), max_value=D("60"), places=3)
opt_money = st.one_of(st.none(), money)


@st.composite
def offer_rows(draw: st.DrawFn, model: str, provider: str) -> list[Price]:
    """One offer's price history: 1–3 standard intervals (changes at midnight UTC), maybe off-peak, flex, priority."""
    cuts = sorted(set(draw(st.lists(st.integers(1, 9), max_size=2))))
    starts = [START, *(START + timedelta(days=c) for c in cuts)]
    ends: list[date | None] = [*starts[1:], None]
    if draw(st.integers(0, 5)) == 0:
        ends[-1] = START + timedelta(days=11)  # the offer ends inside the logs' window
    rows = []
    for a, b in zip(starts, ends, strict=True):
        kw: dict[str, Any] = {"input": draw(money), "output": draw(money), "cached_input": draw(opt_money),
                              "cache_write": draw(opt_money), "cache_write_1h": draw(opt_money),
                              "input_audio": draw(opt_money), "output_audio": draw(opt_money),
                              "batch_discount": draw(st.sampled_from([None, D("0.5"), D("0.25")]))}
        if draw(st.booleans()):
            kw.update(long_context_threshold=draw(st.sampled_from([1_000, 2_000, 128_000, 200_000])),
                      long_input=draw(money), long_output=draw(money), long_cached_input=draw(opt_money))
        rows.append(Price(model=model, provider=provider, valid_from=a, valid_to=b, source=SRC,
                          confidence="official", **kw))
    first, last = starts[0], ends[-1]
    if draw(st.integers(0, 2)) == 0:  # an off-peak row over the whole history; its window may wrap midnight
        start = draw(st.sampled_from([0, 30, 600, 990, 1380]))
        length = draw(st.sampled_from([60, 480, 900]))
        end = (start + length) % 1440
        window = f"{start // 60:02d}:{start % 60:02d}-{end // 60:02d}:{end % 60:02d}"
        if draw(st.booleans()) and parse_window(f"{window},04:00-06:00") is not None:  # DeepSeek's second range
            window += ",04:00-06:00"
        if draw(st.integers(0, 2)) == 0:  # or a window that names days (the logs span every weekday)
            window = draw(st.sampled_from(WEEKLY_WINDOWS))
        rows.append(Price(model=model, provider=provider, valid_from=first, valid_to=last, tier="off-peak",
                          input=draw(money), output=draw(money), cached_input=draw(opt_money), source=SRC,
                          confidence="official", window_utc=window))
    for tier in ("flex", "priority"):
        if draw(st.integers(0, 2)) == 0:
            rows.append(Price(model=model, provider=provider, valid_from=first, valid_to=last, tier=tier,
                              input=draw(money), output=draw(money), cached_input=draw(opt_money),
                              batch_discount=draw(st.sampled_from([None, D("0.5")])), source=SRC,
                              confidence="official"))
    return rows


@st.composite
def ledgers(draw: st.DrawFn) -> Ledger:
    prices: list[Price] = []
    prices += draw(offer_rows("acme/a", "acme"))
    prices += draw(offer_rows("acme/a", "hostx"))
    prices += draw(offer_rows("acme/b", "acme"))
    prices += draw(offer_rows("beta/c", "hosty"))  # no first-party price: rows naming no provider go earliest-listed
    lifecycle = []
    if draw(st.booleans()):
        lifecycle.append(Lifecycle(model="acme/b", provider="acme", source=SRC, confidence="official",
                                   shutdown_on=START + timedelta(days=draw(st.integers(3, 10)))))
    return Ledger([_model(m) for m in MODELS], prices, [], lifecycle=lifecycle)


MINUTES = (0, 29, 30, 59, 60, 239, 240, 359, 360, 599, 600, 989, 990, 1079, 1080, 1379, 1380, 1439)
TIERS = (None, "standard", "default", "flex", "priority", "scale", "batch", "FLEX")


@st.composite
def log_rows(draw: st.DrawFn, n: int) -> list[dict[str, Any]]:
    rows = []
    # whole-column shapes the Parquet footers prove (usage.column_facts): no unknown model (model never NULL,
    # unresolved_reason always NULL), no reported cost (an all-NULL column)
    every_model_known = draw(st.integers(0, 2)) == 0
    reports_cost = draw(st.integers(0, 2)) != 0
    for i in range(n):
        day = START + timedelta(days=draw(st.integers(-1, 12)))
        minute = draw(st.sampled_from(MINUTES))
        model = draw(st.sampled_from(MODELS if every_model_known else [*MODELS, None]))
        provider = draw(st.sampled_from([None, None, "acme", "hostx", "hosty", "nowhere", ""]))  # "": names none
        requests = draw(st.sampled_from([0, 1, 1, 3]))
        per = max(requests, 1)
        # prompts on the thresholds: exactly threshold × requests, one token past it, or anything
        threshold = draw(st.sampled_from([1_000, 2_000, 128_000, 200_000]))
        prompt = draw(st.sampled_from([threshold * per, threshold * per + 1, threshold * per - 1,
                                       draw(st.integers(0, 300_000))]))
        cache_read = draw(st.integers(0, prompt))
        cache_write = draw(st.integers(0, prompt - cache_read))
        uncached = prompt - cache_read - cache_write
        output_text = draw(st.integers(0, 50_000))
        rows.append({
            "row_key": f"r{i}", "request_id": f"q{i}", "ts": datetime(day.year, day.month, day.day) +
            timedelta(minutes=minute), "day": day, "model": model, "model_raw": model or f"mystery-{i % 3}",
            "provider": provider, "batch": draw(st.booleans()), "requests": requests, "input_uncached": uncached,
            "cache_read": cache_read, "cache_write": cache_write, "output_text": output_text,
            "output_reasoning": draw(st.integers(0, 30_000)), "project": draw(st.sampled_from([None, "p1", "p2"])),
            "user_id": draw(st.sampled_from(["u1", "u2", None])),
            "tags": draw(st.sampled_from([None, "prod", "prod,eval", "eval"])),
            "reported_cost": draw(st.sampled_from([None, D("0.001000000000")])) if reports_cost else None,
            "source_format": "generic",
            "source_file": "t", "source_row": i + 1, "cache_write_1h": draw(st.integers(0, cache_write)),
            "input_audio": draw(st.integers(0, uncached)), "output_audio": draw(st.integers(0, output_text)),
            "service_tier": draw(st.sampled_from(TIERS)),
            "unresolved_reason": None if model else "unknown model name (did you mean acme/a?)"})
    return rows


def write_log(path: Path, rows: list[dict[str, Any]]) -> Path:
    return write_usage_rows(path, rows)


KEYS = {"day": lambda r: r["day"], "week": lambda r: r["day"] - timedelta(days=r["day"].weekday()),
        "month": lambda r: r["day"].replace(day=1),
        "quarter": lambda r: r["day"].replace(month=(r["day"].month - 1) // 3 * 3 + 1, day=1),
        "year": lambda r: r["day"].replace(month=1, day=1), "model": lambda r: r["model"] or r["model_raw"],
        "provider": lambda r: r["price_provider"], "project": lambda r: r["project"], "user": lambda r: r["user_id"],
        "provider_rule": lambda r: r["provider_rule"]}


def per_row_reference(path: Path, ledger: Ledger, by: tuple[str, ...], engine: str
                      ) -> tuple[dict[tuple[Any, ...], list[Any]], dict[str, int]]:
    """Price every row on its own (row_costs_expr), then sum per key in Python Decimal. The rows are read as they
    are, without what the footers prove (`column_facts`), so the reference does not share that shortcut."""
    with open_engine(engine, path, footer_facts=False) as e:
        prices, choices, _ = pricing_inputs(e, ledger)
        rows = e.execute(row_costs_expr(e.usage, prices, choices))
    out: dict[tuple[Any, ...], list[Any]] = defaultdict(lambda: [D(0), 0, 0, 0])
    flags: dict[str, int] = defaultdict(int)
    for r in rows:
        tags = (r["tags"] or "(untagged)").split(",") if "tag" in by else [None]
        for tag in tags:
            key = tuple(tag if k == "tag" else KEYS[k](r) for k in by)
            acc = out[key]
            acc[1] += r["requests"]
            acc[3] += sum(r[b] for b in ("input_uncached", "cache_read", "cache_write", "output_text",
                                         "output_reasoning"))
            if r["unpriced_reason"] is None:
                cost, _parts = analytics._cost(r)
                acc[0] += cost
            else:
                acc[2] += r["requests"]
        if r["unpriced_reason"] is None:
            for f in ("cr_at_input", "cw_at_input", "cw1h_at_5m", "audio_at_text", "tier_fallback_requests",
                      "off_peak_requests", "batch_no_discount", "long_requests"):
                flags[f] += r[f]
            flags["tier_unknown_requests"] += r["tier_unknown_requests"]
    return out, flags


def _check(ledger: Ledger, rows: list[dict[str, Any]], by: tuple[str, ...], tmp: Path, engine: str) -> None:
    path = write_log(tmp / "log.parquet", rows)
    expected, flags = per_row_reference(path, ledger, by, engine)
    report = analytics.spend(path, ledger, by=by, engine=engine)
    names = ["period" if n in analytics.PERIODS else n for n in by]
    got = {tuple(r.keys[n] for n in names): [r.cost_usd, r.requests, r.unpriced_requests, r.tokens]
           for r in report.rows}
    assert got == dict(expected)
    if "tag" not in by:
        assert report.total.cost_usd == sum((v[0] for v in expected.values()), D(0))
    notes = " ".join(report.notes)
    for name, n in flags.items():  # every fallback the rows met is counted in the notes, with the same number
        if n and name in ("tier_fallback_requests", "off_peak_requests", "tier_unknown_requests"):
            assert f"{n:,} request(s)" in notes, (name, n, notes)


BYS = [("month",), ("day", "model"), ("week", "provider", "provider_rule"), ("tag",), ("model", "user"),
       ("project",), (), ("quarter", "provider"), ("year", "model")]


# no shrinking: each example runs the engine, and a shrink of a failing log takes many minutes; the failing
# example is printed whole (and reproducible with its seed)
NO_SHRINK = [Phase.explicit, Phase.reuse, Phase.generate]


@settings(max_examples=12 if CI else 60, deadline=None, derandomize=CI, phases=NO_SHRINK,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(ledger=ledgers(), rows=st.integers(20, 120).flatmap(log_rows), by=st.sampled_from(BYS))
def test_aggregate_then_price_equals_per_row_pricing_on_duckdb(ledger: Ledger, rows: list[dict[str, Any]],
                                                               by: tuple[str, ...], tmp_path: Path) -> None:
    _check(ledger, rows, by, tmp_path, "duckdb")


@pytest.mark.spark
@settings(max_examples=3 if CI else 5, deadline=None, derandomize=CI, phases=NO_SHRINK,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(ledger=ledgers(), rows=st.integers(40, 80).flatmap(log_rows), by=st.sampled_from(BYS[:3]))
def test_aggregate_then_price_equals_per_row_pricing_on_spark(ledger: Ledger, rows: list[dict[str, Any]],
                                                              by: tuple[str, ...], tmp_path: Path,
                                                              spark_engine: str) -> None:
    _check(ledger, rows, by, tmp_path, spark_engine)


VIEW_PAIRS = [(("month", "tag"), ("month", "model", "provider")), (("week", "model"), ("week", "project")),
              (("tag", "user"), ("provider_rule",)), ((), ("model",))]


def _views_match_separate_spends(ledger: Ledger, rows: list[dict[str, Any]], pair: tuple[tuple[str, ...], ...],
                                 tmp: Path, engine: str) -> None:
    path = write_log(tmp / "log.parquet", rows)
    together = analytics.spend_views(path, ledger, list(pair), engine=engine)
    apart = [analytics.spend(path, ledger, by=by, engine=engine) for by in pair]
    assert [r.as_dict() for r in together] == [r.as_dict() for r in apart]
    untagged, _ = per_row_reference(path, ledger, (), engine)
    for report in together:  # with or without tags, a request counts once in the total
        assert report.total.cost_usd == untagged[()][0]
        assert report.total.requests == untagged[()][1]


@settings(max_examples=6 if CI else 30, deadline=None, derandomize=CI, phases=NO_SHRINK,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(ledger=ledgers(), rows=st.integers(20, 120).flatmap(log_rows), pair=st.sampled_from(VIEW_PAIRS))
def test_several_views_from_one_pass_equal_separate_spends(ledger: Ledger, rows: list[dict[str, Any]],
                                                           pair: tuple[tuple[str, ...], ...], tmp_path: Path
                                                           ) -> None:
    _views_match_separate_spends(ledger, rows, pair, tmp_path, "duckdb")


@pytest.mark.spark
@settings(max_examples=1, deadline=None, derandomize=True, phases=NO_SHRINK,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(ledger=ledgers(), rows=st.integers(40, 60).flatmap(log_rows))
def test_several_views_from_one_pass_on_spark(ledger: Ledger, rows: list[dict[str, Any]], tmp_path: Path,
                                              spark_engine: str) -> None:
    _views_match_separate_spends(ledger, rows, VIEW_PAIRS[0], tmp_path, spark_engine)


def test_views_must_share_their_period(tmp_path: Path) -> None:
    path = write_log(tmp_path / "log.parquet", [_one(START, 0, 10)])
    with pytest.raises(ValueError, match="share one period"):
        analytics.spend_views(path, _ledger_for_views(), [("month",), ("week",)])
    with pytest.raises(InputError, match="choose from"):
        analytics.spend_views(path, _ledger_for_views(), [("month", "colour")])


def _ledger_for_views() -> Ledger:
    return Ledger([_model("acme/a")], [_flat("acme/a", "acme", START, None, "1")], [])


def test_usage_commands_price_a_parquet_log_without_importing_pandas(tmp_path: Path) -> None:
    """pandas costs about 0.3 s to import and no pandas object is involved: `usage spend` and `usage index` on a
    Parquet log never import it (small_tables, Engine.memtable/arrow). Checked in a real process."""
    import subprocess
    import sys

    rows = [{**_one(date(2025, 3 + i % 2, 1 + i), 60 * i, 1000 + i, model="openai/gpt-4o-2024-08-06"),
             "provider": "openai", "tags": "a,b" if i % 2 else None} for i in range(8)]
    log = write_log(tmp_path / "log.parquet", rows)
    env = {**os.environ, "LLMFLATION_HOME": str(tmp_path / "home"), "COLUMNS": "200"}
    for args in (["usage", "spend", "--source", str(log), "--by", "month,tag", "--json"],
                 ["usage", "index", "--source", str(log), "--json"]):
        probe = (f"import sys\nsys.argv = ['llmflation', *{args!r}]\nfrom llmflation.cli.main import main\n"
                 "try:\n    main()\nexcept SystemExit as exc:\n    code = exc.code\nelse:\n    code = 0\n"
                 "sys.stderr.write(f'CODE {code} PANDAS {\"pandas\" in sys.modules}')\n")
        run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=300)
        assert run.stderr.rstrip().endswith("CODE 0 PANDAS False"), (args, run.stderr[-2000:])
        assert '"cost_usd"' in run.stdout or '"index"' in run.stdout or '"months"' in run.stdout, run.stdout[:500]


# -- pinned edges ------------------------------------------------------------------------------------------------
def _flat(model: str, provider: str, start: date, end: date | None, inp: str, **kw: Any) -> Price:
    return Price(model=model, provider=provider, valid_from=start, valid_to=end, input=D(inp), output=D("10"),
                 source=SRC, confidence="official", **kw)


def _one(day: date, minute: int, prompt: int, requests: int = 1, model: str = "acme/a") -> dict[str, Any]:
    return {"row_key": f"{day}{minute}{prompt}", "request_id": None,
            "ts": datetime(day.year, day.month, day.day) + timedelta(minutes=minute), "day": day, "model": model,
            "model_raw": model, "provider": None, "batch": False, "requests": requests, "input_uncached": prompt,
            "cache_read": 0, "cache_write": 0, "output_text": 0, "output_reasoning": 0, "project": None,
            "user_id": None, "tags": None, "reported_cost": None, "source_format": "generic", "source_file": "t",
            "source_row": 1, "cache_write_1h": 0, "input_audio": 0, "output_audio": 0, "service_tier": None,
            "unresolved_reason": None}


def test_a_price_change_at_midnight_utc_splits_one_month(tmp_path: Path) -> None:
    """$2/M until 2025-03-10, $1/M from then: 1M tokens on 03-09 23:59 and 1M on 03-10 00:00 cost $3, not $2 or $4
    (one month group, two epochs inside it)."""
    change = date(2025, 3, 10)
    ledger = Ledger([_model("acme/a")], [_flat("acme/a", "acme", START, change, "2"),
                                         _flat("acme/a", "acme", change, None, "1")], [])
    rows = [_one(date(2025, 3, 9), 1439, 1_000_000), _one(change, 0, 1_000_000)]
    report = analytics.spend(write_log(tmp_path / "m.parquet", rows), ledger, by="month")
    assert [r.cost_usd for r in report.rows] == [D(3)]


def test_an_off_peak_window_edge_and_a_threshold_hit_exactly(tmp_path: Path) -> None:
    """Off-peak 16:30–00:30 at $0.5/M (standard $2/M); long context above 1,000 tokens per request at $4/M.
    16:29 standard, 16:30 off-peak; 1,000 tokens per request is not past the threshold, 1,001 is."""
    std = _flat("acme/a", "acme", START, None, "2", long_context_threshold=1_000, long_input=D(4),
                long_output=D(20))
    off = Price(model="acme/a", provider="acme", valid_from=START, valid_to=None, tier="off-peak", input=D("0.5"),
                output=D("2"), window_utc="16:30-00:30", source=SRC, confidence="official")
    ledger = Ledger([_model("acme/a")], [std, off], [])
    day = date(2025, 3, 5)
    rows = [_one(day, 989, 2_000, requests=2),  # 1,000 per request: standard, not long: 2,000 × $2
            _one(day, 989, 2_001, requests=2),  # past the threshold: 2,001 × $4
            _one(day, 990, 500_000)]  # off-peak (no long tier on that row): 500,000 × $0.5
    report = analytics.spend(write_log(tmp_path / "w.parquet", rows), ledger, by=())
    assert report.total.cost_usd == (D(2_000) * 2 + D(2_001) * 4 + D(500_000) * D("0.5")) / 1_000_000
    assert any(n == "2 request(s) priced at long-context rates" for n in report.notes)  # one row of 2 requests
    assert any("1 request(s) fell in an off-peak UTC window" in n for n in report.notes)


def test_reprice_prices_one_hour_writes_and_audio_at_their_own_rates(tmp_path: Path) -> None:
    """What-if re-pricing runs on the same price-key sums: a 1-hour cache write and audio tokens cost the target's
    1-hour-write and audio rates (they were priced at the 5-minute and text rates before)."""
    a = _flat("acme/a", "acme", START, None, "2")
    b = _flat("acme/b", "acme", START, None, "1", cache_write=D("1.25"), cache_write_1h=D(2), input_audio=D(8),
              output_audio=D(16))
    ledger = Ledger([_model("acme/a"), _model("acme/b")], [a, b], [])
    row = _one(date(2025, 3, 5), 600, 1_000_000)
    row.update(cache_write=400_000, cache_write_1h=300_000, input_audio=200_000, output_text=100_000,
               output_audio=50_000)
    report = analytics.reprice(write_log(tmp_path / "r.parquet", [row]), ledger, to="acme/b")
    # uncached 1,000,000 of which 200,000 audio; writes 100,000 at 5 min, 300,000 at 1 h; output 50,000 text + audio
    by_hand = (D(800_000) * 1 + D(200_000) * 8 + D(100_000) * D("1.25") + D(300_000) * 2 + D(50_000) * 10
               + D(50_000) * 16) / 1_000_000
    assert report.chosen is not None and report.chosen.whatif_cost_usd == by_hand
    # actual: acme/a has no cache-write, 1-hour or audio prices: every such token at its input / output rate
    assert report.actual_cost_usd == (D(1_400_000) * 2 + D(100_000) * 10) / 1_000_000


def test_small_tables_carry_the_schema_duckdb_gives_their_views(tmp_path: Path) -> None:
    """Engine.memtable builds the Ibis table from the Arrow schema instead of asking DuckDB (a query per table):
    the schema must be the one DuckDB reports for the registered view, for every small table pricing uses."""
    from llmflation.ledger.ledger import open_ledger
    from llmflation.usage.pricing import offer_boundaries, price_table, provider_choices

    ledger = open_ledger()
    path = write_log(tmp_path / "log.parquet", [{
        "row_key": "r0", "request_id": "q0", "ts": datetime(2025, 3, 1), "day": date(2025, 3, 1),
        "model": "openai/gpt-4o-2024-08-06", "model_raw": "gpt-4o", "provider": "openai", "batch": False,
        "requests": 1, "input_uncached": 10, "cache_read": 0, "cache_write": 0, "output_text": 5,
        "output_reasoning": 0, "project": None, "user_id": None, "tags": None, "reported_cost": None,
        "source_format": "generic", "source_file": "t", "source_row": 1, "unresolved_reason": None}])
    table, choices = price_table(ledger), provider_choices(ledger)
    with open_engine("duckdb", path) as e:
        for small in (table, choices, offer_boundaries(table, choices)):
            mine = e.memtable(small)
            assert mine.schema() == e.con.table(mine.op().name).schema()
            assert mine.count().execute() == small.num_rows


def test_small_table_writes_each_value_exactly_whatever_repeats() -> None:
    """small_table writes each distinct value of a column once and reuses its text: repeated values, equal decimals
    written with different trailing zeros, NULL next to the empty string, quotes and commas in text, and dates must
    all come back as they went in."""
    import pyarrow as pa

    from llmflation.usage.small_tables import small_table

    dec = pa.decimal128(19, 9)
    prices = [D("1.5"), D("1.500"), None, D("0.000000001"), D("1.5"), D("0"), None]
    names = ['a,"b"', "", None, "\\N", 'a,"b"', "é", ""]
    days = [date(2024, 2, 29), date(2024, 2, 29), None, date(1999, 12, 31), date(2024, 2, 29), date(2024, 3, 1),
            None]
    flags = [True, False, None, True, True, False, False]
    ints = [3, 3, None, -1, 0, 3, 2**40]
    t = small_table({"p": (dec, prices), "n": (pa.string(), names), "d": (pa.date32(), days),
                     "f": (pa.bool_(), flags), "i": (pa.int64(), ints)})
    assert t.schema.types == [dec, pa.string(), pa.date32(), pa.bool_(), pa.int64()]
    assert t.column("p").to_pylist() == prices  # Decimal equality: 1.5 == 1.500000000
    assert t.column("n").to_pylist() == names
    assert t.column("d").to_pylist() == days
    assert t.column("f").to_pylist() == flags
    assert t.column("i").to_pylist() == ints
    with pytest.raises(ValueError, match="different lengths"):
        small_table({"a": (pa.int64(), [1, 2]), "b": (pa.int64(), [1])})


@pytest.mark.spark
def test_the_local_spark_session_stays_on_loopback_with_the_throughput_collector(spark_engine: str) -> None:
    """The session the Spark engine runs on: bound to 127.0.0.1 (no traffic leaves loopback), UTC, and a driver JVM
    on the parallel (throughput) collector, which scans usage faster than the default G1 in local mode."""
    from llmflation.usage.pricing import spark_session

    session = spark_session()
    conf = session.sparkContext.getConf()
    assert conf.get("spark.driver.bindAddress") == "127.0.0.1" and conf.get("spark.driver.host") == "127.0.0.1"
    assert conf.get("spark.sql.session.timeZone") == "UTC"
    beans = session.sparkContext._jvm.java.lang.management.ManagementFactory.getGarbageCollectorMXBeans()
    assert {b.getName() for b in beans} == {"PS MarkSweep", "PS Scavenge"}


def test_the_ledger_side_tables_are_built_once_per_ledger_and_never_shared(tmp_path: Path) -> None:
    """A ledger's price tables are kept for it (the web's usage page prices several views per request) and no other
    ledger ever sees them: two ledgers differing in one price bill the same log at their own prices, in any order,
    and a ledger whose price cannot be priced exactly fails every time rather than being remembered half-built."""
    from llmflation.usage.pricing import ledger_price_tables

    cheap = Ledger([_model("acme/a")], [_flat("acme/a", "acme", START, None, "1")], [])
    dear = Ledger([_model("acme/a")], [_flat("acme/a", "acme", START, None, "3")], [])
    first = ledger_price_tables(cheap)
    assert ledger_price_tables(cheap) is first  # kept
    assert ledger_price_tables(dear) is not first
    log = write_log(tmp_path / "one.parquet", [_one(date(2025, 3, 5), 600, 1_000_000)])
    for ledger, usd in ((cheap, D(1)), (dear, D(3)), (cheap, D(1)), (dear, D(3))):
        assert analytics.spend(log, ledger, by=()).total.cost_usd == usd
    bad = Ledger([_model("acme/a")], [_flat("acme/a", "acme", START, None, "1.0000000001")], [])
    for _ in range(2):
        with pytest.raises(InputError, match="more than 9 decimal places"):
            analytics.spend(log, bad, by=())
