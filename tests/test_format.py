"""The formatter's table of cases: what a person reads for each exact value."""

from __future__ import annotations

from datetime import date as _date
from datetime import datetime
from decimal import Decimal

import pytest

from llmflation import format as fmt

D = Decimal

MONEY = [
    (D("206.4137"), "$206.41"),
    (D("206.405"), "$206.40"),  # half-even, exact decimal (no float drift)
    (D("0.0374"), "$0.0374"),
    (D("0.000374"), "$0.000374"),
    (D("0.00037449"), "$0.000374"),
    (D("0.5"), "$0.50"),
    (D("0.125"), "$0.125"),
    (D("0.9996"), "$1.00"),
    (D("3.146667"), "$3.15"),
    (D("0.003146667"), "$0.00315"),
    (D("1"), "$1.00"),
    (D("12345.678"), "$12,345.68"),
    (D("999999.99"), "$999,999.99"),
    (D("1000000"), "$1M"),
    (D("1234567"), "$1.23M"),
    (D("999999999"), "$1B"),
    (D("4500000000"), "$4.5B"),
    (D("1.2e12"), "$1.2T"),
    (D("1.234e47"), "$1.2×10⁴⁷"),
    (D("-406.46"), "−$406.46"),
    (D("-0.0374"), "−$0.0374"),
    (D("0"), "$0"),
    (D("0.0000000001"), "< $0.000000001"),
    (None, "—"),
    ("30", "$30.00"),
    (7, "$7.00"),
    (float("inf"), "n/a"),
    (float("nan"), "—"),
    ("garbage", "—"),
]


@pytest.mark.parametrize(("value", "expected"), MONEY)
def test_money(value: object, expected: str) -> None:
    assert fmt.money(value) == expected


@pytest.mark.parametrize(("value", "floor", "expected"), [
    (D("0.00003"), D("0.0001"), "< $0.0001"),
    (D("0.0001"), D("0.0001"), "$0.0001"),
    (D("0.00012"), D("0.0001"), "$0.00012"),
    (D("-0.00003"), D("0.0001"), "> −$0.0001"),
])
def test_money_floor_is_a_bound(value: Decimal, floor: Decimal, expected: str) -> None:
    assert fmt.money(value, floor=floor) == expected


@pytest.mark.parametrize(("value", "expected"), [
    (D("0.37"), "$0.37/M"),
    (D("15"), "$15.00/M"),
    (D("0.000374"), "$0.000374/M"),
    (None, "—"),
])
def test_money_per_mtok(value: object, expected: str) -> None:
    assert fmt.money_per_mtok(value) == expected


@pytest.mark.parametrize(("value", "expected"), [
    (D("0.5"), "50%"),
    (D("0.500000000"), "50%"),
    (D("0.123456"), "12.3%"),
    (D("-0.915"), "−91.5%"),
    (D("-0.92"), "−92%"),
    (D("0.00012"), "0.012%"),
    (D("0"), "0%"),
    (D("1"), "100%"),
    (D("12.5"), "1,250%"),
    (D("1e30"), "> 1,000,000%"),
    (0.25, "25%"),
    (None, "—"),
])
def test_percent(value: object, expected: str) -> None:
    assert fmt.percent(value) == expected


def test_percent_signed() -> None:
    assert fmt.percent(D("0.05"), signed=True) == "+5%"
    assert fmt.percent(D("-0.05"), signed=True) == "−5%"
    assert fmt.percent(D("0"), signed=True) == "0%"


@pytest.mark.parametrize(("value", "expected", "bound"), [
    (11.83, "11.8×", False),
    (0.5, "0.5×", False),
    (D("0.000"), "0×", False),
    (851.2, "851×", False),
    (12345.4, "12,345×", False),
    (1.0, "1×", False),
    (2.346, "2.35×", False),
    (6.3e24, "> 1,000,000×", True),
    (1e-9, "< 0.000001×", True),
    (float("inf"), "n/a", True),
    (None, "—", False),
])
def test_factor(value: object, expected: str, bound: bool) -> None:
    assert fmt.factor(value) == expected
    assert fmt.is_bound(value) is bound


@pytest.mark.parametrize(("value", "expected"), [
    (950, "950"),
    (1500, "1.5K"),
    (D("6644668406.2818778564453125"), "6.64B"),
    (D("6644.6684062818778564453125") * 1_000_000, "6.64B"),
    (999_999, "1M"),
    (D("12.35"), "12.4"),
    (D("2.5e15"), "2.5×10¹⁵"),
    (0, "0"),
    (None, "—"),
])
def test_tokens(value: object, expected: str) -> None:
    assert fmt.tokens(value) == expected


@pytest.mark.parametrize(("value", "expected"), [
    (D("126.1000"), "126.1"),
    (D("85.25"), "85.2"),
    (D("60"), "60"),
    (D("0.8534"), "0.853"),
    (D("1234.56"), "1,234.6"),
    (D("-3.5"), "−3.5"),
    (None, "—"),
])
def test_score(value: object, expected: str) -> None:
    assert fmt.score(value) == expected


@pytest.mark.parametrize(("value", "expected"), [
    (1234, "1,234"),
    (D("-1234"), "−1,234"),
    (None, "—"),
])
def test_count(value: object, expected: str) -> None:
    assert fmt.count(value) == expected


@pytest.mark.parametrize(("value", "expected"), [
    (_date(2025, 6, 1), "2025-06-01"),
    (datetime(2025, 6, 1, 13, 5), "2025-06-01"),
    ("2025-06-01", "2025-06-01"),
    (None, "—"),
])
def test_date(value: object, expected: str) -> None:
    assert fmt.date(value) == expected


@pytest.mark.parametrize(("value", "expected"), [
    ("gpt-4o", "gpt-4o"),
    ("evil\x1b[31mred\x1b[0m", "evilred"),
    ("title\x1b]0;pwned\x07x", "titlex"),
    ("bell\x07and\x00nul", "bellandnul"),
    ("csi\x9b2Jx", "csix"),
    ("bidi\u202eabc", "bidiabc"),
    ("lone\ud800surrogate", "lone\ufffdsurrogate"),
    (None, ""),
])
def test_text_strips_terminal_controls(value: object, expected: str) -> None:
    assert fmt.text(value) == expected


@pytest.mark.parametrize(("cell", "expected"), [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
    ("+cmd", "'+cmd"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"),
    ("\rx", "'\rx"),
    ("-406.46", "-406.46"),
    ("+5", "+5"),
    ("gpt-4o", "gpt-4o"),
    ("", ""),
    (D("-1"), D("-1")),
    (3, 3),
])
def test_spreadsheet_safe(cell: object, expected: object) -> None:
    assert fmt.spreadsheet_safe(cell) == expected


def test_money_huge_exponent_does_not_raise() -> None:
    assert fmt.money(D("1e400")).startswith("$1×10")
    assert fmt.money(D("1e-400")) == "< $0.000000001"
    assert fmt.tokens(D("1e400")).startswith("1×10")
