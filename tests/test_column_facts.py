"""What Parquet footers prove about whole columns (usage.column_facts), and that using it changes no answer."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from helpers.usage_helpers import small_ledger
from llmflation.usage import analytics
from llmflation.usage.column_facts import MAX_FILES, ColumnFacts, parquet_facts, with_facts
from llmflation.usage.pricing import open_engine


def _table(n: int, *, cost: list[D | None], model: list[str | None]) -> pa.Table:
    return pa.table({"day": pa.array([date(2025, 1, 1 + i % 28) for i in range(n)], pa.date32()),
                     "model": pa.array(model, pa.string()),
                     "reported_cost": pa.array(cost, pa.decimal128(38, 12)),
                     "tags": pa.array(["a" if i % 2 else None for i in range(n)], pa.string())})


def test_facts_come_from_every_row_group(tmp_path: Path) -> None:
    n = 40
    path = tmp_path / "log.parquet"
    # several row groups: a NULL in the last one only must still spoil "never NULL"
    pq.write_table(_table(n, cost=[None] * n, model=["m"] * (n - 1) + [None]), path, row_group_size=7)
    assert pq.read_metadata(path).num_row_groups > 1
    facts = parquet_facts(path)
    assert facts == ColumnFacts(n, frozenset({"reported_cost"}), frozenset({"day"}))


def test_a_folder_proves_only_what_every_file_proves(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    pq.write_table(_table(3, cost=[None] * 3, model=["m"] * 3), tmp_path / "a" / "one.parquet")
    pq.write_table(_table(2, cost=[D("0.5"), None], model=["m", "n"]), tmp_path / "two.parquet")
    facts = parquet_facts(tmp_path)
    assert facts is not None
    assert facts.rows == 5
    assert facts.all_null == frozenset()  # the second file reports a cost
    assert facts.never_null == frozenset({"day", "model"})


def test_footers_without_null_counts_prove_nothing(tmp_path: Path) -> None:
    path = tmp_path / "log.parquet"
    pq.write_table(_table(5, cost=[None] * 5, model=["m"] * 5), path, write_statistics=False)
    assert parquet_facts(path) == ColumnFacts(5, frozenset(), frozenset())


def test_unreadable_empty_or_huge_sources_prove_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"not a parquet file")
    assert parquet_facts(bad) is None
    empty = tmp_path / "empty"
    empty.mkdir()
    assert parquet_facts(empty) is None
    many = tmp_path / "many"
    many.mkdir()
    for i in range(3):
        pq.write_table(_table(1, cost=[None], model=["m"]), many / f"{i}.parquet")
    monkeypatch.setattr("llmflation.usage.column_facts.MAX_FILES", 2)
    assert parquet_facts(many) is None
    assert MAX_FILES > 2


def test_with_facts_keeps_every_value_and_the_column_order(tmp_path: Path) -> None:
    import ibis

    n = 30
    path = tmp_path / "log.parquet"
    pq.write_table(_table(n, cost=[None] * n, model=[f"m{i % 3}" for i in range(n)]), path, row_group_size=8)
    con = ibis.duckdb.connect()
    plain = con.read_parquet(str(path))
    proved = with_facts(plain, parquet_facts(path))
    assert proved.columns == plain.columns
    assert not proved.model.type().nullable and plain.model.type().nullable
    assert proved.reported_cost.type() == plain.reported_cost.type()
    assert proved.to_pyarrow().to_pylist() == plain.to_pyarrow().to_pylist()
    assert with_facts(plain, None) is plain


@pytest.mark.parametrize("known_only", [False, True])
def test_spend_is_the_same_with_and_without_footer_facts(tmp_path: Path, known_only: bool) -> None:
    """The hand-computed cases: no row reports a cost (proved by the footers), and with `known_only` no model is
    unknown (model proved never NULL)."""
    from helpers.usage_helpers import CASES, write_cases
    from llmflation.usage.pricing import fold_priced, priced_groups, pricing_inputs

    cases = [c for c in CASES if c[1] is not None] if known_only else CASES
    path = write_cases(tmp_path / "log.parquet", cases)
    facts = parquet_facts(path)
    assert facts is not None and "reported_cost" in facts.all_null
    assert ("model" in facts.never_null) is known_only
    ledger = small_ledger()
    with_them = analytics.spend(path, ledger, by=("month", "model", "provider"))
    with open_engine("duckdb", path, footer_facts=False) as e:  # the same query over the rows as they are
        prices, choices, shape = pricing_inputs(e, ledger)
        rows = e.execute(fold_priced(priced_groups(e.usage, prices, choices, ["model", "provider"], "month",
                                                   shape=shape), ["model", "provider"], "month"))
    without, total, unpriced, _rules, _notes = analytics._fold(rows, ["period", "model", "provider"], ledger)
    assert [r.as_dict() for r in with_them.rows] == [r.as_dict() for r in without]
    assert with_them.total.as_dict() == total.as_dict()
    assert with_them.unpriced == unpriced
    assert with_them.total.cost_usd == sum((c[-1] for c in cases if isinstance(c[-1], D)), D(0))
    assert with_them.total.reported_cost_usd is None
