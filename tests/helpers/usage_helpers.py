"""Shared pieces of the usage tests: a small explicit ledger with hand-computed expectations, canonical Parquet
writing, and the synthetic generator module from benchmarks/."""

from __future__ import annotations

import importlib.util
import sys
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from llmflation.ledger.layers import effective_prices
from llmflation.ledger.ledger import Ledger
from llmflation.ledger.records import Discount, Model, Price, Score

ROOT = Path(__file__).resolve().parents[2]


def gen_module() -> Any:
    name = "gen_usage"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / "gen_usage.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _m(mid: str, dev: str) -> Model:
    return Model(id=mid, name=mid.split("/")[1], developer=dev, release_date=date(2024, 6, 1), open_weights=False,
                 reasoning=False, source="https://example.org", confidence="official")


def _p(model: str, provider: str, start: date, end: date | None, inp: str, out: str, **kw: Any) -> Price:
    extra = {k: (Decimal(v) if isinstance(v, str) else v) for k, v in kw.items()}
    return Price(model=model, provider=provider, valid_from=start, valid_to=end, input=Decimal(inp),
                 output=Decimal(out), source="https://example.org", confidence="official", **extra)


def small_ledger() -> Ledger:
    """acme/alpha changes price on 2025-03-01 and gets a 10% user discount from 2025-03-15; open/llama-x has no
    first-party price (earliest listed: hosta, which ends 2025-02-01)."""
    models = [_m("acme/alpha", "acme"), _m("acme/beta", "acme"), _m("acme/gamma", "acme"),
              _m("open/llama-x", "open")]
    bundled = [
        _p("acme/alpha", "acme", date(2025, 1, 1), date(2025, 3, 1), "2", "8", cached_input="0.5",
           cache_write="2.5", batch_discount="0.5"),
        _p("acme/alpha", "acme", date(2025, 3, 1), None, "1", "4", cached_input="0.25",
           long_context_threshold=1000, long_input="2", long_output="8", long_cached_input="0.5"),
        _p("acme/alpha", "cloudx", date(2025, 1, 1), None, "3", "9"),
        _p("acme/beta", "acme", date(2025, 2, 1), None, "0.1", "0.4"),
        _p("acme/gamma", "acme", date(2025, 1, 1), None, "0.05", "0.1"),
        _p("open/llama-x", "hosta", date(2025, 1, 1), date(2025, 2, 1), "0.3", "0.3"),
        _p("open/llama-x", "hostb", date(2025, 1, 15), None, "0.2", "0.2"),
    ]
    discounts = [Discount(provider="acme", fraction=Decimal("0.1"), valid_from=date(2025, 3, 15), model="acme/alpha",
                          note="negotiated")]
    prices = effective_prices(bundled, [], discounts)
    scores = [Score(m, "mmlu", Decimal(v), date(2025, 1, 1), "", "https://example.org", "official")
              for m, v in (("acme/alpha", "80"), ("acme/beta", "50"), ("acme/gamma", "90"), ("open/llama-x", "85"))]
    return Ledger(models, prices, scores)


# (day, model, provider, batch, uncached, cache_read, cache_write, out_text, reasoning, expected USD or reason)
CASES: list[tuple[Any, ...]] = [
    (date(2025, 2, 10), "acme/alpha", None, False, 1000, 2000, 400, 300, 200, Decimal("0.008")),
    (date(2025, 3, 10), "acme/alpha", None, False, 500, 600, 0, 100, 0, Decimal("0.0021")),  # long context
    (date(2025, 3, 20), "acme/alpha", None, False, 100, 0, 50, 10, 0, Decimal("0.000171")),  # discount, cw@input
    (date(2025, 2, 10), "acme/alpha", "cloudx", False, 1000, 0, 0, 1000, 0, Decimal("0.012")),
    (date(2025, 2, 10), "acme/alpha", None, True, 1000, 0, 0, 1000, 0, Decimal("0.005")),  # batch 50%
    (date(2025, 1, 20), "acme/beta", None, False, 10, 0, 0, 10, 0, "no price in effect on that day from acme"),
    (date(2025, 2, 20), "open/llama-x", None, False, 10, 0, 0, 10, 0, "no price in effect on that day from hosta"),
    (date(2025, 1, 20), "open/llama-x", "hostb", False, 100, 0, 0, 100, 0, Decimal("0.00004")),
    (date(2025, 2, 10), None, None, False, 10, 0, 0, 10, 0, "unknown model 'foo'"),
    (date(2025, 2, 10), "acme/alpha", "nowhere", False, 10, 0, 0, 10, 0, "no price in effect on that day from nowhere"),
]
EXPECTED_TOTAL = sum((c[-1] for c in CASES if isinstance(c[-1], Decimal)), Decimal(0))


INT_COLUMNS = ("requests", "input_uncached", "cache_read", "cache_write", "output_text", "output_reasoning",
               "source_row", "cache_write_1h", "input_audio", "output_audio")


def write_usage_rows(path: Path, rows: list[dict[str, Any]]) -> Path:
    """Usage rows (dicts with canonical column names) as a canonical Parquet file: each column typed by its name."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    def arrow_type(name: str) -> Any:
        if name in INT_COLUMNS:
            return pa.int64()
        return {"ts": pa.timestamp("us"), "day": pa.date32(), "batch": pa.bool_(),
                "reported_cost": pa.decimal128(38, 12)}.get(name, pa.string())

    schema = pa.schema([(k, arrow_type(k)) for k in rows[0]])
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), path)
    return path


def write_cases(path: Path, cases: list[tuple[Any, ...]] = CASES, reported: dict[int, Decimal] | None = None) -> Path:
    rows = []
    for i, (day, model, provider, batch, u, cr, cw, ot, rs, _) in enumerate(cases):
        rows.append({
            "row_key": f"id:case-{i}", "request_id": f"case-{i}", "ts": datetime(day.year, day.month, day.day, 12),
            "day": day, "model": model, "model_raw": model or "foo", "provider": provider, "batch": batch,
            "requests": 1, "input_uncached": u, "cache_read": cr, "cache_write": cw, "output_text": ot,
            "output_reasoning": rs, "project": "p1" if i % 2 else "p2", "user_id": "u1",
            "tags": "prod,eval" if i % 3 == 0 else None,
            "reported_cost": (reported or {}).get(i), "source_format": "generic", "source_file": "cases",
            "source_row": i + 1, "unresolved_reason": None if model else "unknown model 'foo'",
        })
    return write_usage_rows(path, rows)
