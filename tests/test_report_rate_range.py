"""The report's one-line range of decline rates compares only rates fitted on enough record lows: a 3-point fit's
interval spans orders of magnitude, and its central rate once headed the range printed by `llmflation report`."""

from __future__ import annotations

from dataclasses import dataclass

from llmflation.report.build import RANKED_MIN_POINTS, CurveResult, rate_range


@dataclass(frozen=True)
class _Fit:
    factor_per_year: float
    n: int


def _curve(name: str, factor: float | None, n: int = 0) -> CurveResult:
    return CurveResult(name, None, None if factor is None else _Fit(factor, n), None, None)  # type: ignore[arg-type]


def test_only_rates_fitted_on_enough_points_are_ranked_slowest_first() -> None:
    curves = [_curve("a", 11.4, 9), _curve("wild", 664_776.1, 3), _curve("b", 71.2, RANKED_MIN_POINTS),
              _curve("c", 10.8, 5), _curve("refused", None), _curve("d", 32.4, RANKED_MIN_POINTS - 1)]
    ranked, few = rate_range(curves)
    assert [c.name for c in ranked] == ["c", "a", "b"]
    assert [c.name for c in few] == ["wild", "d"]


def test_no_fitted_curve_gives_empty_lists() -> None:
    assert rate_range([_curve("refused", None)]) == ([], [])
    assert rate_range([]) == ([], [])
