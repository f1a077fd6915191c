"""The personal index from usage logs, checked against a hand-computed example on DuckDB and Spark."""

from __future__ import annotations

import shutil
from datetime import date
from decimal import Decimal, localcontext
from pathlib import Path
from typing import Any

import pytest

from helpers.usage_helpers import _m, _p, write_cases
from llmflation.errors import InputError
from llmflation.index.personal import personal_index
from llmflation.ledger.ledger import Ledger


def hand_ledger() -> Ledger:
    """acme/a: input $1 → $0.50 on 2025-02-01, output $2 throughout; beta/b: input $4, output $8 throughout."""
    models = [_m("acme/a", "acme"), _m("beta/b", "beta")]
    prices = [
        _p("acme/a", "acme", date(2025, 1, 1), date(2025, 2, 1), "1", "2"),
        _p("acme/a", "acme", date(2025, 2, 1), None, "0.5", "2"),
        _p("beta/b", "beta", date(2025, 1, 1), None, "4", "8"),
    ]
    return Ledger(models, prices, [])


M = 1_000_000
# (day, model, provider, batch, uncached, cache_read, cache_write, out_text, reasoning, label)
HAND = [
    (date(2025, 1, 5), "acme/a", "acme", False, M, 0, 0, M, 0, "jan a"),
    (date(2025, 1, 6), "beta/b", "beta", False, M, 0, 0, 0, 0, "jan b"),
    (date(2025, 2, 5), "acme/a", "acme", False, 2 * M, 0, 0, M, 0, "feb a"),
    (date(2025, 2, 6), "beta/b", "beta", False, M, 0, 0, 0, 0, "feb b"),
]


@pytest.fixture(params=["duckdb", pytest.param("spark", marks=pytest.mark.spark)])
def engine(request: pytest.FixtureRequest) -> str:
    if request.param == "spark":
        pytest.importorskip("pyspark")
        if shutil.which("java") is None:
            pytest.skip("Java 17 is needed for the Spark engine")
    return str(request.param)


def test_hand_computed_fisher_and_tornqvist(tmp_path: Path, engine: str) -> None:
    src = write_cases(tmp_path / "hand.parquet", HAND)
    # By hand. Cells (price $/1M, tokens):
    #   Jan: a-input (1, 1M), a-output (2, 1M), b-input (4, 1M)     spend $7 on 3M tokens = $2.333…/1M
    #   Feb: a-input (0.5, 2M), a-output (2, 1M), b-input (4, 1M)   spend $7 on 4M tokens = $1.75/1M
    #   Laspeyres = (0.5·1 + 2·1 + 4·1) / (1·1 + 2·1 + 4·1) = 6.5/7
    #   Paasche   = (0.5·2 + 2·1 + 4·1) / (1·2 + 2·1 + 4·1) = 7/8
    #   Fisher    = √(6.5/7 · 7/8) = √(13/16)
    #   Törnqvist: shares s0 = (1/7, 2/7, 4/7), s1 = (1/7, 2/7, 4/7); only a-input moved (×0.5):
    #              exp(1/7 · ln 0.5) = 0.5^(1/7)
    with localcontext() as ctx:
        ctx.prec = 40
        fisher = (Decimal(13) / Decimal(16)).sqrt()
        tornqvist = Decimal("0.5") ** (Decimal(1) / Decimal(7))
        unit_ratio = Decimal("1.75") / (Decimal(7) / Decimal(3))
    rep = personal_index(src, hand_ledger(), engine=engine)
    jan, feb = rep.total.months
    assert jan.index == 1 and jan.cost_usd == Decimal(7) and jan.tokens == 3 * M
    assert abs(feb.index - fisher) < Decimal("1e-30")
    assert feb.unit_price == Decimal("1.75") and feb.cost_usd == Decimal(7)
    assert feb.matched_cells == 3 and feb.unmatched_spend_share == 0
    assert rep.total.mix_change_pct == ((unit_ratio / fisher - 1) * 100).quantize(Decimal("0.01"))
    assert rep.total.price_change_pct == ((fisher - 1) * 100).quantize(Decimal("0.01"))
    assert "your prices fell" in rep.total.summary() and "mix moved" in rep.total.summary()
    tq = personal_index(src, hand_ledger(), engine=engine, formula="tornqvist")
    assert abs(tq.total.months[1].index - tornqvist) < Decimal("1e-30")


def test_by_model_and_one_model_logs_say_so(tmp_path: Path) -> None:
    src = write_cases(tmp_path / "hand.parquet", HAND)
    rep = personal_index(src, hand_ledger(), by="model")
    groups = {g.group: g for g in rep.groups}
    assert set(groups) == {"acme/a", "beta/b"}
    assert groups["beta/b"].months[1].index == 1  # its price never moved
    assert any("only one model" in n for n in groups["acme/a"].notes)
    one = write_cases(tmp_path / "one.parquet", [c for c in HAND if c[1] == "acme/a"])
    solo = personal_index(one, hand_ledger())
    assert any("that model's price path" in n for n in solo.total.notes)
    # a-input ×0.5 and a-output ×1 with quantities (1M,1M) → (2M,1M): Fisher √((0.5+2)/3 · (1+2)/(2+2))
    with localcontext() as ctx:
        ctx.prec = 40
        want = (Decimal("2.5") / 3 * Decimal(3) / Decimal(4)).sqrt()
    assert abs(solo.total.months[1].index - want) < Decimal("1e-30")


def test_unpriced_groups_are_left_out_whole_with_a_note(tmp_path: Path) -> None:
    bad = [*HAND, (date(2025, 2, 7), "acme/a", "nowhere", False, 10, 0, 0, 10, 0, "no price")]
    src = write_cases(tmp_path / "bad.parquet", bad)
    rep = personal_index(src, hand_ledger())
    assert any("unpriced tokens left out whole" in n for n in rep.total.notes)
    assert rep.total.months[1].cost_usd == Decimal(7)  # the unpriced row is not priced at $0 into the index


def test_bad_by_and_empty_window(tmp_path: Path) -> None:
    src = write_cases(tmp_path / "hand.parquet", HAND)
    with pytest.raises(InputError, match=r"^by 'colour': choose one of") as err:
        personal_index(src, hand_ledger(), by="colour")
    assert err.value.field == "by"  # the CLI words it "--by 'colour': …"
    with pytest.raises(Exception, match="no usage"):
        personal_index(src, hand_ledger(), since=date(2030, 1, 1))


def test_market_index_beside_yours(ledger: Any, tmp_path: Path) -> None:
    from helpers.usage_helpers import gen_module

    gen = gen_module()
    out = tmp_path / "gen.parquet"
    gen.write_canonical(gen.generate(ledger, 3000, seed=3), out)
    rep = personal_index(out, ledger, by="provider")
    assert rep.market_label and any(m.market is not None for m in rep.total.months)
    first = next(m for m in rep.total.months if m.market is not None)
    assert first.market == pytest.approx(1.0)
    assert rep.groups and all(g.group for g in rep.groups)
