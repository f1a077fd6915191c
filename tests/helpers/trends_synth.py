"""A small synthetic ledger for the trends tests: fictional models and prices (not facts), explicit records.

Timeline (MMLU score, blended 3:1 = (3·in + out)/4):
  big-2023 (developer "alpha", 86.0)  2023-03-01 alpha 30/60 (37.5)
  mid-2023 (beta, 70.0)               2023-06-01 beta 1/2 (1.25)  — below every threshold ≥ 80
  turbo-2023 (alpha, 87.0)            2023-11-01 alpha 10/30 (15); cut 2024-06-01 to 5/15 (7.5)
  open-70b (meta-ish "gamma", open)   2024-04-01 hostA 2/2 (2), hostB 1/1 (1); hostB retires 2025-01-01
  reasoner (alpha, reasoning, 95.0)   2024-09-01 alpha 0.1/0.4 (0.175) — excluded by default
  small-2025 (beta, 88.0)             2025-02-01 beta 0.2/0.8 (0.35) first-party; hostA 0.3/0.3 (0.3)
  frontier-2025 (alpha, 92.0)         2025-03-01 alpha 20/80 (35)
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from llmflation.ledger.ledger import Ledger
from llmflation.ledger.records import Model, Price, Score

SRC = "https://example.org/synthetic"


def _m(mid: str, dev: str, rel: str, *, reasoning: bool = False, open_weights: bool = False) -> Model:
    return Model(
        id=f"{dev}/{mid}",
        name=mid.replace("-", " ").title(),
        developer=dev,
        release_date=date.fromisoformat(rel),
        open_weights=open_weights,
        reasoning=reasoning,
        source=SRC,
        confidence="estimated",
        aliases=(mid,),
    )


def _p(model: str, provider: str, start: str, end: str | None, inp: str, out: str, dev: str) -> Price:
    return Price(
        model=model,
        provider=provider,
        valid_from=date.fromisoformat(start),
        valid_to=None if end is None else date.fromisoformat(end),
        input=Decimal(inp),
        output=Decimal(out),
        source=f"{SRC}/{provider}/{model}",
        confidence="estimated",
        first_party=provider == dev,
    )


def _s(model: str, value: str, bench: str = "mmlu", as_of: str = "2025-01-01") -> Score:
    return Score(
        model=model,
        benchmark=bench,
        value=Decimal(value),
        as_of=date.fromisoformat(as_of),
        setting="5-shot",
        source=SRC,
        confidence="estimated",
    )


def synthetic_ledger() -> Ledger:
    models = [
        _m("big-2023", "alpha", "2023-03-01"),
        _m("mid-2023", "beta", "2023-06-01"),
        _m("turbo-2023", "alpha", "2023-11-01"),
        _m("open-70b", "gamma", "2024-04-01", open_weights=True),
        _m("reasoner", "alpha", "2024-09-01", reasoning=True),
        _m("small-2025", "beta", "2025-02-01"),
        _m("frontier-2025", "alpha", "2025-03-01"),
    ]
    prices = [
        _p("alpha/big-2023", "alpha", "2023-03-01", None, "30", "60", "alpha"),
        _p("beta/mid-2023", "beta", "2023-06-01", None, "1", "2", "beta"),
        _p("alpha/turbo-2023", "alpha", "2023-11-01", "2024-06-01", "10", "30", "alpha"),
        _p("alpha/turbo-2023", "alpha", "2024-06-01", None, "5", "15", "alpha"),
        _p("gamma/open-70b", "hosta", "2024-04-01", None, "2", "2", "gamma"),
        _p("gamma/open-70b", "hostb", "2024-04-01", "2025-01-01", "1", "1", "gamma"),
        _p("alpha/reasoner", "alpha", "2024-09-01", None, "0.1", "0.4", "alpha"),
        _p("beta/small-2025", "beta", "2025-02-01", None, "0.2", "0.8", "beta"),
        _p("beta/small-2025", "hosta", "2025-02-01", None, "0.3", "0.3", "beta"),
        _p("alpha/frontier-2025", "alpha", "2025-03-01", None, "20", "80", "alpha"),
    ]
    scores = [
        _s("alpha/big-2023", "86.0"),
        _s("alpha/big-2023", "84.0", as_of="2025-06-01"),
        _s("beta/mid-2023", "70.0"),
        _s("alpha/turbo-2023", "87.0"),
        _s("gamma/open-70b", "86.5"),
        _s("alpha/reasoner", "95.0"),
        _s("beta/small-2025", "88.0"),
        _s("alpha/frontier-2025", "92.0"),
        _s("alpha/big-2023", "1200", bench="lmarena_elo", as_of="2024-01-01"),
        _s("alpha/big-2023", "1180", bench="lmarena_elo", as_of="2025-01-01"),
        _s("beta/small-2025", "1250", bench="lmarena_elo", as_of="2025-06-01"),
    ]
    return Ledger(models, prices, scores)
