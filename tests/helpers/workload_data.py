"""A small explicit ledger for the workload tests (bill, timeline): fictional models and prices, not facts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from llmflation.ledger.ledger import Ledger
from llmflation.ledger.records import Model, Price, Score


def price(model: str = "acme/big", provider: str = "acme", input: str = "3", output: str = "15", *,
          valid_from: date = date(2024, 1, 1), valid_to: date | None = None, **kw: object) -> Price:
    extra = {k: (D(str(v)) if isinstance(v, str) else v) for k, v in kw.items()}
    return Price(model, provider, valid_from, valid_to, D(input), D(output), "https://example.org/p", "official",
                 **extra)  # type: ignore[arg-type]


def small_ledger() -> Ledger:
    def model(mid: str) -> Model:
        return Model(mid, mid, mid.split("/")[0], date(2024, 1, 1), False, False, "https://example.org/m", "official")

    models = [model("acme/big"), model("acme/small"), model("open/mid"), model("open/unscored")]
    prices = [
        price("acme/big", "acme", "10", "30"),
        price("acme/small", "acme", "0.1", "0.4"),
        price("open/mid", "hosta", "1", "1", valid_to=date(2024, 7, 1)),
        price("open/mid", "hosta", "0.5", "0.5", valid_from=date(2024, 7, 1)),
        price("open/mid", "hostb", "0.8", "0.8"),
        price("open/unscored", "hosta", "0.01", "0.01"),
    ]
    scores = [Score(m, "mmlu", D(v), date(2024, 1, 1), "5-shot", "https://example.org/s", "official")
              for m, v in (("acme/big", "90"), ("acme/small", "60"), ("open/mid", "80"))]
    return Ledger(models, prices, scores)
