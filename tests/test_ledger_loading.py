from __future__ import annotations

from decimal import Decimal

import pytest

from helpers.ledger_data import fixture_texts
from llmflation.errors import DataError
from llmflation.ledger.loading import load_bundled
from llmflation.ledger.windows import parse_window

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


DIMENSION_HEADER = ("model,provider,tier,valid_from,valid_to,input,output,window_utc,regional_uplift,date_basis,"
                    "checked_on,cache_write_1h,input_audio,output_audio,source,confidence")


def with_dimension_rows(*rows: str) -> dict[str, str]:
    texts = fixture_texts()
    texts["prices.csv"] = "\n".join([DIMENSION_HEADER, *rows]) + "\n"
    return texts


def test_pricing_dimension_columns_load_exactly() -> None:
    data = load_bundled(with_dimension_rows(
        "openai/gpt-4-0314,openai,STANDARD,2023-03-14,,30,60,,0.1,effective,2026-11-20,7.5,40,80,https://x,official",
        "openai/gpt-4-0314,openai,off-peak,2023-03-14,,15,30,16:30-00:30,,first_seen,,,,,https://x,official",
    ))
    std, off = sorted(data.prices, key=lambda p: p.tier, reverse=True)
    assert std.tier == "standard" and std.regional_uplift == Decimal("0.1") and std.date_basis == "effective"
    assert std.checked_on is not None and std.checked_on.isoformat() == "2026-11-20"
    assert (std.cache_write_1h, std.input_audio, std.output_audio) == (Decimal("7.5"), Decimal(40), Decimal(80))
    assert off.tier == "off-peak" and off.window_utc == "16:30-00:30" and off.date_basis == "first_seen"


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("openai/gpt-4-0314,openai,turbo,2023-03-14,,30,60,,,,,,,,https://x,official", "tier"),
        ("openai/gpt-4-0314,openai,off-peak,2023-03-14,,30,60,,,,,,,,https://x,official", "window_utc"),
        ("openai/gpt-4-0314,openai,standard,2023-03-14,,30,60,16:30-00:30,,,,,,,https://x,official", "window_utc"),
        ("openai/gpt-4-0314,openai,off-peak,2023-03-14,,30,60,25:00-01:00,,,,,,,https://x,official", "window_utc"),
        ('openai/gpt-4-0314,openai,off-peak,2023-03-14,,30,60,"04:00-06:00,",,,,,,,https://x,official', "window_utc"),
        ('openai/gpt-4-0314,openai,off-peak,2023-03-14,,30,60,"04:00-06:00;10:00-01:00",,,,,,,https://x,official',
         "window_utc"),
        ("openai/gpt-4-0314,openai,off-peak,2023-03-14,,30,60,4:0-6:00,,,,,,,https://x,official", "window_utc"),
        ("openai/gpt-4-0314,openai,standard,2023-03-14,,30,60,,1.2,,,,,,https://x,official", "regional_uplift"),
        ("openai/gpt-4-0314,openai,standard,2023-03-14,,30,60,,,observed,,,,,https://x,official", "date_basis"),
        ("openai/gpt-4-0314,openai,standard,2023-03-14,,30,60,,,,2026-02-30,,,,https://x,official", "checked_on"),
        ("openai/gpt-4-0314,openai,standard,2023-03-14,,30,60,,,,,-1,,,https://x,official", "cache_write_1h"),
    ],
)
def test_bad_dimension_values_are_reported_with_the_field(row: str, expected: str) -> None:
    with pytest.raises(DataError) as info:
        load_bundled(with_dimension_rows(row))
    assert any(p.startswith("prices.csv:2:") and expected in p for p in info.value.problems), info.value.problems


def test_a_window_may_have_several_disjoint_ranges() -> None:
    """DeepSeek's off-peak hours on every day are 04:00-06:00 and 10:00-01:00 UTC: one row, two ranges."""
    data = load_bundled(with_dimension_rows(
        "openai/gpt-4-0314,openai,STANDARD,2023-03-14,,30,60,,,,,,,,https://x,official",
        'openai/gpt-4-0314,openai,off-peak,2023-03-14,,15,30,"04:00-06:00,10:00-01:00",,,,,,,https://x,official',
    ))
    off = next(p for p in data.prices if p.tier == "off-peak")
    assert off.window_utc == "04:00-06:00,10:00-01:00"
    week = parse_window(off.window_utc)  # minutes of the week, Monday 00:00 = 0
    assert week is not None and week[:3] == ((0, 60), (240, 360), (600, 1500)) and week[-1] == (9240, 10080)
    assert sum(b - a for a, b in week) == 7 * (120 + 900)
    assert parse_window("00:00-24:00") == tuple((d * 1440, (d + 1) * 1440) for d in range(7))


@pytest.mark.parametrize(("window", "why"), [
    ("04:00-06:00,05:00-07:00", "has ranges that overlap"),
    ("10:00-01:00,00:30-02:00", "has ranges that overlap"),  # the first range wraps midnight into the second
    ("10:00-01:00,10:00-01:00", "has ranges that overlap"),
    ("04:00-06:00,07:00-07:00", "starts and ends at the same minute"),
    ("04:00-06:00,7-8", "is not a UTC time-of-day window"),
    ("Mon-Fri 10:00-01:00,Sat 00:00-02:00", "has ranges that overlap"),  # Friday's range runs into Saturday
    ("Sun 23:00-02:00,Mon 01:00-03:00", "has ranges that overlap"),  # Sunday's runs into Monday (the week wraps)
    ("Mo 04:00-06:00", "'Mo' is not a day or a span of days"),
    ("Mon-Fry 04:00-06:00", "'Mon-Fry' is not a day or a span of days"),
    ("Mon-Fri 07:00-07:00", "starts and ends at the same minute"),
])
def test_a_window_with_overlapping_or_empty_ranges_says_why(window: str, why: str) -> None:
    row = f'openai/gpt-4-0314,openai,off-peak,2023-03-14,,30,60,"{window}",,,,,,,https://x,official'
    with pytest.raises(DataError) as info:
        load_bundled(with_dimension_rows(row))
    assert any(f"window_utc: '{window}'" in p and why in p for p in info.value.problems), info.value.problems
    assert parse_window(window) is None


def test_a_window_may_name_days() -> None:
    """DeepSeek since 2026-08-16: peak only on weekdays, so its off-peak minutes name days; a range past midnight
    runs into the next day and Sunday's into Monday."""
    window = "Mon-Fri 04:00-06:00,Mon-Fri 10:00-01:00,Sat 01:00-24:00,Sun 00:00-24:00,Mon 00:00-01:00"
    week = parse_window(window)
    assert week is not None
    assert sum(b - a for a, b in week) == 7 * 1440 - 5 * (180 + 240)  # all but the weekday peak hours
    peak = {d * 1440 + m for d in range(5) for m in (*range(60, 240), *range(360, 600))}
    assert all(not (a <= m < b) for m in peak for a, b in week)
    assert parse_window("fri-mon 22:00-02:00") == ((0, 120), (1320, 1560), (7080, 7320), (8520, 8760),
                                                   (9960, 10080))  # any letter case; the span wraps the week


def test_an_empty_window_says_why_it_is_refused() -> None:
    """Found by schemathesis: "00:00-00:00" has the HH:MM-HH:MM form but covers no minute; say that, not 'malformed'."""
    row = "openai/gpt-4-0314,openai,off-peak,2023-03-14,,30,60,00:00-00:00,,,,,,,https://x,official"
    with pytest.raises(DataError) as info:
        load_bundled(with_dimension_rows(row))
    assert any("window_utc: '00:00-00:00' starts and ends at the same minute" in p for p in info.value.problems), \
        info.value.problems
