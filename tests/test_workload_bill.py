"""Bill math, validation, ranking and fallbacks on small hand-built ledgers (expected values computed by hand)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from helpers.workload_data import price, small_ledger
from llmflation.errors import InputError
from llmflation.workload.bill import bill_mix, bill_offer, rank_offers
from llmflation.workload.spec import load_workload

FULL = price(cached_input="0.3", cache_write="3.75", batch_discount="0.5", long_context_threshold=200_000,
             long_input="6", long_output="22.5", long_cached_input="0.6")

BASE = {"tasks_per_month": 1000, "calls_per_task": 2, "input_tokens": 10000, "output_tokens": 1000,
        "reasoning_tokens": 2000, "cached_input_share": D("0.5"), "cache_write_share": D("0.1"),
        "batch_share": D("0.2"), "long_context_share": D("0.1"), "revenue_per_task": D("0.2")}


def test_itemised_bill_matches_hand_computation() -> None:
    b = bill_offer(load_workload(BASE), FULL, date(2025, 1, 1))
    per_call = {it.name: it.per_task_usd / 2 for it in b.items}
    # 4000 uncached × $3/M, 5000 cache reads × $0.3/M, 1000 writes × $3.75/M, 1000 out × $15/M, 2000 reasoning × $15/M
    assert per_call["uncached_input"] == D("0.012")
    assert per_call["cache_read"] == D("0.0015")
    assert per_call["cache_write"] == D("0.00375")
    assert per_call["output"] == D("0.015")
    assert per_call["reasoning"] == D("0.03")
    # 10% of calls at long rates: +3×4000 +0.3×5000 +3.75×1000 (7.5 derived) +7.5×1000 +7.5×2000 = 39750 → /1e6 × 0.1
    assert per_call["long_context"] == D("0.003975")
    # 20% of calls through batch at 50% off: -0.1 × 0.066225
    assert per_call["batch_discount"] == D("-0.0066225")
    assert b.per_call_usd == D("0.0596025")
    assert b.per_task_usd == D("0.119205")
    assert b.monthly_usd == D("119.205")
    assert sum(it.monthly_usd for it in b.items) == b.monthly_usd
    assert b.tokens_per_month == D(2000) * 13000
    assert b.usd_per_mtok == D("4.584807692308")  # 119.205 / 26, a ratio rounded to 1e-12
    assert b.margin is not None
    assert b.margin.gross_profit_per_task_usd == D("0.080795")
    assert b.margin.gross_margin == D("0.403975")
    assert b.margin.monthly_gross_profit_usd == D("80.795")
    assert [w.code for w in b.warnings] == ["long_cache_write_derived"]


def test_reasoning_multiplier_is_times_output() -> None:
    w = load_workload({**BASE, "reasoning_tokens": None, "reasoning_multiplier": 3})
    assert w.reasoning_per_call == 3000
    b = bill_offer(w, price())
    assert next(i for i in b.items if i.name == "reasoning").per_task_usd == D(2 * 3000 * 15) / 1_000_000


def test_missing_components_fall_back_with_warnings_never_zero() -> None:
    bare = price(input="2", output="8")
    b = bill_offer(load_workload(BASE), bare)
    codes = {w.code for w in b.warnings}
    assert codes == {"cached_input_missing", "cache_write_missing", "long_context_missing", "batch_missing"}
    items = {i.name: i for i in b.items}
    assert items["cache_read"].usd_per_mtok == D(2)  # billed at the full input price, not $0
    assert items["cache_read"].per_task_usd == D(2) * 5000 * 2 / 1_000_000
    assert items["cache_write"].usd_per_mtok == D(2)
    assert items["long_context"].per_task_usd == 0 and items["batch_discount"].per_task_usd == 0
    assert all(w.message and "acme/big on acme" in w.message for w in b.warnings)


def test_no_warning_when_the_missing_component_is_unused() -> None:
    w = load_workload({"tasks_per_month": 10, "input_tokens": 100, "output_tokens": 10})
    assert bill_offer(w, price(input="2", output="8")).warnings == ()


def test_long_context_cached_fallback() -> None:
    p = price(cached_input="0.3", long_context_threshold=128_000, long_input="6", long_output="30")
    b = bill_offer(load_workload({**BASE, "cache_write_share": 0, "batch_share": 0}), p)
    assert "long_cached_input_derived" in {w.code for w in b.warnings}
    long_item = next(i for i in b.items if i.name == "long_context")
    # the tariff's one rule: long cached = cached × long_input / input = 0.3 × 6 / 3 = 0.6
    # uncached 5000×3 + cache reads 5000×(0.6−0.3) + output 1000×15 + reasoning 2000×15, over 1e6, × 0.1, × 2 calls
    assert long_item.per_task_usd == D(5000 * 3 + 5000 * D("0.3") + 1000 * 15 + 2000 * 15) / 1_000_000 * D("0.1") * 2


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"tasks_per_month": -5}, "tasks_per_month"),
        ({"tasks_per_month": 0}, "tasks_per_month"),
        ({"input_tokens": -1}, "input_tokens"),
        ({"input_tokens": 50_000_000}, "input_tokens"),
        ({"output_tokens": 5_000_000}, "output_tokens"),
        ({"calls_per_task": 1e9}, "calls_per_task"),
        ({"cached_input_share": D("1.5")}, "cached_input_share"),
        ({"batch_share": -0.1}, "batch_share"),
        ({"long_context_share": 2}, "long_context_share"),
        ({"cached_input_share": D("0.7"), "cache_write_share": D("0.4")}, "cache_write_share"),
        ({"reasoning_multiplier": 2}, "reasoning_tokens"),  # both given
        ({"monthly_growth": -1}, "monthly_growth"),
        ({"revenue_per_task": "lots"}, "revenue_per_task"),
        ({"tokens": 5}, "tokens"),
        ({"floor": {"benchmark": "mmlu"}}, "floor.min"),
        ({"models": [{"model": "a", "share": D("0.5")}]}, "models"),
        ({"models": [{"model": "a", "share": 0}]}, "models[0].share"),
    ],
)
def test_validation_names_the_field(change: dict[str, object], field: str) -> None:
    with pytest.raises(InputError) as exc:
        load_workload({**BASE, **change})
    assert f"{field}:" in str(exc.value)


def test_missing_required_field_is_named() -> None:
    with pytest.raises(InputError, match="output_tokens: required field is missing"):
        load_workload({"tasks_per_month": 1, "input_tokens": 1})


def test_toml_floats_are_exact_and_file_errors_are_clear(tmp_path: Path) -> None:
    f = tmp_path / "w.toml"
    f.write_text("tasks_per_month = 1_000\ninput_tokens = 100\noutput_tokens = 10\ncached_input_share = 0.1\n"
                 "[floor]\nbenchmark = 'MMLU'\nmin = 80.5\n")
    w = load_workload(f)
    assert w.cached_input_share == D("0.1") and w.name == "w"
    assert w.floor is not None and w.floor.benchmark == "mmlu" and w.floor.min == D("80.5")
    with pytest.raises(InputError, match="no such workload file"):
        load_workload(tmp_path / "missing.toml")
    (tmp_path / "bad.toml").write_text("tasks_per_month = = 3")
    with pytest.raises(InputError, match="not valid TOML"):
        load_workload(tmp_path / "bad.toml")
    assert load_workload(f, overrides={"input_tokens": "250", "batch_share": None}).input_tokens == 250


def test_ranking_meets_the_floor_cheapest_first() -> None:
    ledger = small_ledger()
    w = load_workload({"tasks_per_month": 100, "input_tokens": 1000, "output_tokens": 1000,
                       "floor": {"benchmark": "mmlu", "min": 75}})
    r = rank_offers(ledger, w, date(2024, 3, 1))
    assert [(b.model, b.provider) for b in r.offers] == [("open/mid", "hostb"), ("open/mid", "hosta"),
                                                         ("acme/big", "acme")]
    assert r.below_floor == ["acme/small"] and r.unscored == ["open/unscored"]
    assert r.offers[0].monthly_usd == D("0.16") and r.offers[0].score == 80
    # after the price cut hosta is cheapest
    assert rank_offers(ledger, w, date(2024, 8, 1)).cheapest.provider == "hosta"  # type: ignore[union-attr]
    no_floor = rank_offers(ledger, load_workload({**w.to_dict(), "floor": None}), date(2024, 3, 1))
    assert no_floor.cheapest is not None and no_floor.cheapest.model == "open/unscored"


def test_check_against_names_unknown_models_and_benchmarks() -> None:
    ledger = small_ledger()
    base = {"tasks_per_month": 1, "input_tokens": 1, "output_tokens": 1}
    with pytest.raises(InputError, match=r"floor\.benchmark: unknown benchmark 'mmla'.*mmlu"):
        load_workload({**base, "floor": {"benchmark": "mmla", "min": 1}}).check_against(ledger)
    with pytest.raises(InputError, match=r"models\[1\]\.model: Unknown model 'acme/bgi'"):
        load_workload({**base, "models": [{"model": "acme/small", "share": D("0.5")},
                                          {"model": "acme/bgi", "share": D("0.5")}]}).check_against(ledger)
    with pytest.raises(InputError, match=r"models\[0\]\.provider"):
        load_workload({**base, "models": [{"model": "open/mid", "provider": "nobody"}]}).check_against(ledger)


def test_mix_bill_weights_models_by_share() -> None:
    ledger = small_ledger()
    w = load_workload({"tasks_per_month": 100, "input_tokens": 1000, "output_tokens": 1000,
                       "models": [{"model": "acme/big", "share": D("0.25")},
                                  {"model": "open/mid", "share": D("0.75")}]})
    m = bill_mix(ledger, w, date(2024, 3, 1))
    # big: 100 × (0.01 + 0.03) = 4; mid (cheapest provider hostb): 100 × 0.0016 = 0.16
    assert m.monthly_usd == D("0.25") * 4 + D("0.75") * D("0.16")
    assert [b.provider for _, b in m.parts] == ["acme", "hostb"]


shares = st.decimals(min_value=0, max_value=1, places=3)


@settings(max_examples=60, deadline=None)
@given(tasks=st.integers(1, 10**9), calls=st.integers(1, 100), i=st.integers(0, 2_000_000),
       o=st.integers(0, 100_000), r=st.integers(0, 100_000), c=shares, b=shares, lc=shares)
# Found by exploration: a month total of 28+ significant digits. The bill was exact; the test summed the items
# in Python's default 28-digit decimal context, which rounds. Exact sums need the bill's own precision.
@example(tasks=18_703_829, calls=97, i=181, o=17, r=36_705, c=D("0.001"), b=D("0.001"), lc=D("0.001"))
def test_items_always_sum_to_the_total_exactly(tasks: int, calls: int, i: int, o: int, r: int, c: D, b: D,
                                               lc: D) -> None:
    from decimal import localcontext

    from llmflation.workload.bill import PRECISION

    w = load_workload({"tasks_per_month": tasks, "calls_per_task": calls, "input_tokens": i, "output_tokens": o,
                       "reasoning_tokens": r, "cached_input_share": c, "cache_write_share": (1 - c) / 2,
                       "batch_share": b, "long_context_share": lc})
    bill = bill_offer(w, FULL)
    with localcontext() as ctx:
        ctx.prec = PRECISION
        assert sum(it.monthly_usd for it in bill.items) == bill.monthly_usd
        assert bill.monthly_usd == bill.per_task_usd * tasks == bill.per_call_usd * calls * tasks
    assert bill.monthly_usd >= 0


def test_default_context_sum_of_the_pinned_example_shows_why_precision_matters() -> None:
    """The pinned example's items, summed in Python's default 28-digit context, miss the exact total: the
    reason the property uses the bill's precision (and why JSON consumers should sum exact strings exactly)."""
    w = load_workload({"tasks_per_month": 18_703_829, "calls_per_task": 97, "input_tokens": 181,
                       "output_tokens": 17, "reasoning_tokens": 36_705, "cached_input_share": D("0.001"),
                       "cache_write_share": D("0.4995"), "batch_share": D("0.001"),
                       "long_context_share": D("0.001")})
    bill = bill_offer(w, FULL)
    assert len(bill.monthly_usd.as_tuple().digits) > 28
    assert sum(it.monthly_usd for it in bill.items) != bill.monthly_usd
