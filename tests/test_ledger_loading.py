from __future__ import annotations

from decimal import Decimal

import pytest

from helpers.ledger_data import fixture_texts
from llmflation.errors import DataError
from llmflation.ledger.loading import load_bundled

HEADER = fixture_texts()["prices.csv"].splitlines()[0]


def with_prices(*rows: str) -> dict[str, str]:
    texts = fixture_texts()
    texts["prices.csv"] = "\n".join([HEADER, *rows]) + "\n"
    return texts


def test_fixture_data_loads_exactly() -> None:
    data = load_bundled(fixture_texts())
    gpt4 = next(p for p in data.prices if p.model == "openai/gpt-4-0314")
    assert gpt4.input == Decimal("30") and gpt4.output == Decimal("60")
    assert gpt4.first_party is True
    hosted = [p for p in data.prices if p.model.startswith("meta/")]
    assert hosted and not any(p.first_party for p in hosted)


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("openai/gpt-4-0314,openai,standard,2023-13-01,,30,60,,,,,,,,https://x,official,", "valid_from"),
        ("openai/gpt-4-0314,openai,standard,2023-03-14,,3e1,60,,,,,,,,https://x,official,", "input"),
        ("openai/gpt-4-0314,openai,standard,2023-03-14,,30,-1,,,,,,,,https://x,official,", "output"),
        ("openai/gpt-4-0314,openai,standard,2023-03-14,,30,60,,,,,,,,,official,", "source"),
        ("openai/gpt-4-0314,openai,standard,2023-03-14,,30,60,,,,,,,,https://x,rumour,", "confidence"),
        ("openai/gpt-4-0314,openai,standard,2023-03-14,2023-03-01,30,60,,,,,,,,https://x,official,", "valid_to"),
        ("openai/gpt-4-0314,openai,standard,2023-03-14,,30,60,,,1.5,,,,,https://x,official,", "batch_discount"),
        ("openai/gpt-4-0314,openai,standard,2023-03-14,,30,60,,,,128000,,,,https://x,official,",
         "long_context_threshold"),
    ],
)
def test_bad_price_rows_are_reported_with_line_and_field(row: str, expected: str) -> None:
    with pytest.raises(DataError) as info:
        load_bundled(with_prices(row))
    assert any(p.startswith("prices.csv:2:") and expected in p for p in info.value.problems), info.value.problems


def test_overlapping_intervals_are_rejected() -> None:
    texts = with_prices(
        "openai/gpt-4-0314,openai,standard,2023-03-14,2024-01-01,30,60,,,,,,,,https://x,official,",
        "openai/gpt-4-0314,openai,standard,2023-12-01,,20,40,,,,,,,,https://x,official,",
    )
    with pytest.raises(DataError, match="overlaps"):
        load_bundled(texts)


def test_unknown_model_reference_and_duplicate_alias_are_rejected() -> None:
    texts = with_prices("openai/gpt-9,openai,standard,2023-03-14,,30,60,,,,,,,,https://x,official,")
    texts["models.csv"] += (
        "openai/gpt-4-0613,GPT-4 (0613),gpt-4,openai,2023-06-13,false,,,8192,false,,,,,,,https://x,official,\n"
    )
    with pytest.raises(DataError) as info:
        load_bundled(texts)
    text = "\n".join(info.value.problems)
    assert "'openai/gpt-9' is not in models.csv" in text
    assert "alias 'gpt-4' is used by both" in text


def test_wrong_header_is_reported() -> None:
    texts = fixture_texts()
    texts["scores.csv"] = "model,bench,value\nx,mmlu,1\n"
    with pytest.raises(DataError, match="unknown column"):
        load_bundled(texts)
