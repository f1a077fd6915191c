"""Forecasts never overflow: bounded inputs with a clear error, far-below-observed values printed as a bound with a
note, and the same over the web API (422, never 500)."""

from __future__ import annotations

import math
from datetime import date, timedelta
from decimal import Decimal

import pytest

from llmflation.errors import InputError
from llmflation.trends.fit import fit_decline
from llmflation.trends.forecast import (
    display_floor,
    forecast,
    interval_text,
    money_from_log10,
    predict_interval,
    predict_log10,
)


def _steep_fit():
    """A 10×-per-year decline over four points (so far horizons go astronomically low)."""
    start = date(2023, 1, 1)
    pts = [(start + timedelta(days=365 * i // 2), Decimal(10) / Decimal(10) ** i / 2 ** (i % 2)) for i in range(4)]
    return fit_decline(pts), min(p for _, p in pts)


def test_far_horizon_is_refused_with_the_bound_named() -> None:
    fit, low = _steep_fit()
    with pytest.raises(InputError, match="at most 50 years"):
        forecast(fit, date(2200, 1, 1), observed_low=low)


@pytest.mark.parametrize("level", [0.99999, 0.2, 1.0, 0.0])
def test_level_outside_the_bounds_is_refused(level: float) -> None:
    fit, low = _steep_fit()
    with pytest.raises(InputError, match=r"between 0\.5 and 0\.99 "):
        forecast(fit, date(2030, 1, 1), level=level, observed_low=low)


def test_extreme_but_allowed_forecast_is_exact_and_finite() -> None:
    fit, low = _steep_fit()
    to = date(fit.end.year + 49, 1, 1)
    fc = forecast(fit, to, level=0.99, observed_low=low)
    yc, ylo, yhi = predict_log10(fit, to, 0.99)
    # the Decimal is 10**y to 6 significant digits, whatever the exponent (a float would be 0.0 or overflow)
    for value, y in ((fc.central, yc), (fc.low, ylo), (fc.high, yhi)):
        assert value > 0
        assert abs(float(value.log10()) - y) < 1e-5
    assert fc.low < fc.central < fc.high
    assert predict_interval(fit, to, 0.99)[1] >= 0.0  # floats degrade to 0/inf instead of raising
    assert fc.note is not None and "100× below the cheapest price" in fc.note
    assert fc.floor is not None and fc.floor < low


def test_money_from_log10_matches_math() -> None:
    assert money_from_log10(0.0) == Decimal(1)
    assert money_from_log10(2.0) == Decimal(100)
    assert money_from_log10(-3.0) == Decimal("0.001")
    assert float(money_from_log10(-400.5)) == 0.0  # below the float range, yet an exact non-zero Decimal
    assert money_from_log10(-400.5).adjusted() == -401
    with pytest.raises(InputError):
        money_from_log10(math.inf)


def test_display_floor_is_one_significant_digit_a_hundredth_of_the_low() -> None:
    assert display_floor(Decimal("0.0875")) == Decimal("0.0008")
    assert display_floor(Decimal("0.175")) == Decimal("0.001")
    assert display_floor(Decimal(0)) is None
    assert display_floor(None) is None


def test_interval_text_never_repeats_a_bound() -> None:
    floor = Decimal("0.0001")
    assert interval_text(Decimal("0.00001"), Decimal("0.00002"), floor) == "< $0.0001"
    assert interval_text(Decimal("0.00001"), Decimal("0.05"), floor) == "< $0.0001 – $0.05"
    assert interval_text(Decimal("0.12"), Decimal("3.4"), floor) == "$0.12 – $3.40"


def test_cli_forecast_far_and_steep_no_traceback(cli) -> None:
    r = cli("forecast", "-b", "eci", "-t", "gpt-4o", "--to", "2200-01", "--level", "0.99999")
    assert r.returncode == 2, r.stderr  # out of the option's bounds: bad usage, said before any work
    assert "Traceback" not in r.stderr and "level" in r.stderr
    r = cli("forecast", "-b", "eci", "-t", "gpt-4o", "--to", "2200-01")
    assert r.returncode == 2 and "2100-12-31" in r.stderr and "Traceback" not in r.stderr
    r = cli("forecast", "-b", "eci", "-t", "gpt-4o", "--to", "2099-01")
    assert r.returncode == 1 and "at most 50 years" in r.stderr and "Traceback" not in r.stderr
    r = cli("forecast", "-b", "eci", "-t", "gpt-4o", "--to", "2060-01")
    assert r.returncode == 0, r.stderr
    assert "< $" in r.stdout and "< $0.0001 – < $0.0001" not in r.stdout
    assert "100× below the cheapest price" in r.stderr
    # no 47-digit amount for a person; the JSON keeps the exact value
    assert max(len(w) for w in r.stdout.split()) < 30
    j = cli("forecast", "-b", "eci", "-t", "gpt-4o", "--to", "2060-01", "--json")
    import json

    data = json.loads(j.stdout)
    assert Decimal(data["central"]) > 0 and data["note"]


def test_api_forecast_out_of_range_is_422(shared_home) -> None:
    from fastapi.testclient import TestClient

    from llmflation.web.app import create_app

    client = TestClient(create_app())
    for q in ("to=2099-01&benchmark=eci&threshold=gpt-4o&level=0.9999",
              "to=2099-01&benchmark=eci&threshold=gpt-4o&level=0.99",
              "to=2060-01&benchmark=eci&threshold=gpt-4o&level=0.99"):
        r = client.get("/api/forecast?" + q)
        assert r.status_code in (200, 422), (q, r.text)
        if r.status_code == 422:
            assert r.json()["error"]
        else:
            assert r.json()["note"]


def test_report_forecast_table_reads_as_bounds(shared_home, tmp_path) -> None:
    import re

    from helpers.cli import run_cli

    r = run_cli("report", "--out", str(tmp_path / "rep"), "--no-images", home=shared_home)
    assert r.returncode == 0, r.stderr
    html = (tmp_path / "rep" / "report.html").read_text()
    text = re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style).*?</\1>", " ", html, flags=re.S))
    text = re.sub(r"\s+", " ", text).replace("&lt;", "<")
    assert not re.search(r"< \$[0-9.]+ – < \$", text), "an interval with a bound at both ends"
    assert not re.search(r"\d\.\d{8,}", text), "a raw long decimal for a reader"
    assert not re.search(r"\$-|\de[+-]\d", text)
    if "< $" in text:
        assert "more than 100× below the cheapest price" in text
