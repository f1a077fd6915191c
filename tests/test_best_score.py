"""One score rule (Ledger.best_score) behind every calculation that asks "does this model reach the floor?"."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from llmflation.errors import UnknownNameError
from llmflation.ledger.ledger import Ledger
from llmflation.ledger.records import Model, Price, Score

SRC = "https://example.org/test"
D = Decimal


def _ledger() -> Ledger:
    models = [
        Model("a/one", "One", "a", date(2023, 1, 1), False, False, SRC, "official"),
        Model("a/two", "Two", "a", date(2023, 6, 1), False, False, SRC, "official"),
    ]
    prices = [
        Price("a/one", "a", date(2023, 1, 1), None, D("1"), D("2"), SRC, "official", first_party=True),
        Price("a/two", "a", date(2023, 6, 1), None, D("3"), D("4"), SRC, "official", first_party=True),
    ]
    scores = [
        # accuracy benchmark: reports differ; the highest counts whatever its date
        Score("a/one", "mmlu", D("80"), date(2023, 1, 1), "5-shot", SRC, "official"),
        Score("a/one", "mmlu", D("85"), date(2023, 3, 1), "0-shot CoT", SRC, "official"),
        Score("a/one", "mmlu", D("82"), date(2024, 1, 1), "third party", SRC, "official"),
        # leaderboard rating: the latest snapshot counts (the early, higher one is stale)
        Score("a/one", "lmarena_elo", D("1300"), date(2023, 2, 1), "", SRC, "official"),
        Score("a/one", "lmarena_elo", D("1250"), date(2024, 2, 1), "", SRC, "official"),
        Score("a/two", "lmarena_elo", D("1280"), date(2024, 2, 1), "", SRC, "official"),
        Score("a/two", "mmlu", D("84"), None, "", SRC, "official"),
    ]
    return Ledger(models, prices, scores)


def test_the_rule() -> None:
    led = _ledger()
    one_mmlu = led.best_score("One", "MMLU")
    assert one_mmlu is not None and one_mmlu.value == D("85")
    one_elo = led.best_score("a/one", "lmarena_elo")
    assert one_elo is not None and (one_elo.value, one_elo.as_of) == (D("1250"), date(2024, 2, 1))
    assert {m: s.value for m, s in led.best_scores("mmlu").items()} == {"a/one": D("85"), "a/two": D("84")}
    with pytest.raises(UnknownNameError):
        led.best_scores("nope")


def test_every_calculation_uses_it() -> None:
    """bill's floor, the trends series and usage re-pricing see the same scores (Elo: the latest snapshot)."""
    from llmflation.trends.series import model_scores
    from llmflation.usage.analytics import _candidates
    from llmflation.values import Floor
    from llmflation.workload.bill import best_scores

    led = _ledger()
    for bench in ("mmlu", "lmarena_elo"):
        rule = {m: s.value for m, s in led.best_scores(bench).items()}
        assert best_scores(led, bench) == rule
        assert {m: s.value for m, s in model_scores(led, bench).items()} == rule
    # a floor of 1290 Elo: a/one's stale 1300 must not count, a/two's current 1280 does not reach it either
    assert _candidates(led, Floor("lmarena_elo", D("1290"))) == []
    assert _candidates(led, Floor("lmarena_elo", D("1260"))) == ["a/two"]
    assert _candidates(led, Floor("mmlu", D("85"))) == ["a/one"]
