"""Check quantitative claims about LLM price declines against the ledger.

Claims live in TOML (`claims.toml` next to this module ships the seed article's and a16z's; users add more
with `llmflation claims --claims FILE`). Each `[[claim]]` has `id`, `text`, `source` (citation), `url`, `kind`
and the fields its kind needs:

* `decline`: the floor's fall between `from` and `to` (`claimed_factor`, or `claimed_pct` for "95% cheaper").
* `price`: the floor price on `at` (`claimed_usd`), optionally also the floor on `from` (`claimed_from_usd`).
* `offer`: the floor offer's input and output prices on `at` (`claimed_input`, `claimed_output`).
* `rate`: the fitted factor per year over [`from`, `to`] (`claimed_factor`).
* `forecast_rate`: a claimed range of factors per year (`claimed_low`, `claimed_high`) checked against the
  fit's interval over [`from`, `to`]; `horizon` adds the forecast price band at that date as evidence.

Common fields: `benchmark`, `threshold` (number or model name), `blend` ("3:1", "1:1", "1:0" = input only),
`hosts` (any | first-party | median), `comparator` (about | at_least | at_most), `tolerance` (multiplicative,
default 2).

Verdicts, with t = tolerance: `about` → supported when the computed figure is within ×/÷ t of the claim,
partly within ×/÷ t², else not supported; `at_least`/`at_most` → supported when satisfied, partly when missed
by less than ×t. `rate` → supported when the claim lies in the fit's 90% interval and within ×/÷ t of the
central estimate, partly when only one holds. `forecast_rate` → supported when the central estimate lies in
the claimed range, partly when the 90% interval overlaps it. Too little data → `insufficient data`, with the
reason.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from llmflation.errors import DataError, InputError, LlmflationError
from llmflation.trends.fit import fit_decline, fmt_factor
from llmflation.trends.forecast import predict_interval
from llmflation.trends.series import (
    HOST_MODES,
    CapabilitySeries,
    SeriesPoint,
    cheapest_at_capability,
    parse_blend,
)

if TYPE_CHECKING:
    from llmflation.ledger.ledger import Ledger

KINDS: dict[str, tuple[str, ...]] = {
    "decline": ("from",),
    "price": ("at", "claimed_usd"),
    "offer": ("at", "claimed_input", "claimed_output"),
    "rate": ("from", "claimed_factor"),
    "forecast_rate": ("from", "claimed_low", "claimed_high"),
}
VERDICTS = ("supported", "partly", "not supported", "insufficient data")
COMPARATORS = ("about", "at_least", "at_most")


@dataclass(frozen=True, slots=True)
class Claim:
    id: str
    text: str
    source: str
    url: str
    kind: str
    benchmark: str
    threshold: str
    blend: str = "3:1"
    hosts: str = "any"
    comparator: str = "about"
    tolerance: float = 2.0
    published: date | None = None
    params: dict[str, Any] = field(default_factory=dict)  # kind-specific: from, to, at, claimed_*, horizon

    def get_date(self, key: str) -> date | None:
        v = self.params.get(key)
        return v if isinstance(v, date) else None

    def get_num(self, key: str) -> float | None:
        v = self.params.get(key)
        return None if v is None else float(v)


@dataclass(frozen=True, slots=True)
class ClaimResult:
    claim: Claim
    verdict: str
    claimed: str
    computed: str
    figure: float | None
    explanation: str
    settings: str
    evidence: tuple[dict[str, Any], ...]

    def as_dict(self) -> dict[str, Any]:
        c = self.claim
        return {
            "id": c.id,
            "text": c.text,
            "source": c.source,
            "url": c.url,
            "kind": c.kind,
            "verdict": self.verdict,
            "claimed": self.claimed,
            "computed": self.computed,
            "figure": self.figure,
            "explanation": self.explanation,
            "settings": self.settings,
            "evidence": list(self.evidence),
        }


# -- loading -------------------------------------------------------------------------------------------------


def bundled_claims_path() -> Path:
    return Path(str(resources.files("llmflation.trends").joinpath("claims.toml")))


def load_claims(path: str | Path | None = None) -> list[Claim]:
    """Read claims from TOML (the bundled file when `path` is None); every problem is reported, nothing
    partial."""
    p = Path(path) if path is not None else bundled_claims_path()
    try:
        raw = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"claims file {p} not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise DataError(f"claims file {p}", [f"not valid TOML: {exc}"]) from None
    items = raw.get("claim")
    if not isinstance(items, list) or not items:
        raise DataError(f"claims file {p}", ["no [[claim]] tables found"])
    problems: list[str] = []
    claims: list[Claim] = []
    seen: set[str] = set()
    for i, item in enumerate(items, start=1):
        where = f"claim #{i} ({item.get('id', 'no id')})"
        errs = _validate(item)
        if item.get("id") in seen:
            errs.append(f"duplicate id {item.get('id')!r}")
        seen.add(str(item.get("id")))
        if errs:
            problems.extend(f"{where}: {e}" for e in errs)
            continue
        common = {
            "id",
            "text",
            "source",
            "url",
            "kind",
            "benchmark",
            "threshold",
            "blend",
            "hosts",
            "comparator",
            "tolerance",
            "published",
        }
        claims.append(
            Claim(
                id=str(item["id"]),
                text=str(item["text"]),
                source=str(item["source"]),
                url=str(item.get("url", "")),
                kind=str(item["kind"]),
                benchmark=str(item["benchmark"]),
                threshold=str(item["threshold"]),
                blend=str(item.get("blend", "3:1")),
                hosts=str(item.get("hosts", "any")),
                comparator=str(item.get("comparator", "about")),
                tolerance=float(item.get("tolerance", 2.0)),
                published=item.get("published") if isinstance(item.get("published"), date) else None,
                params={k: v for k, v in item.items() if k not in common},
            )
        )
    if problems:
        raise DataError(f"claims file {p}", problems)
    return claims


def _validate(item: dict[str, Any]) -> list[str]:
    errs: list[str] = []
    for key in ("id", "text", "source", "kind", "benchmark", "threshold"):
        if not str(item.get(key, "")).strip():
            errs.append(f"missing {key!r}")
    kind = item.get("kind")
    if kind and kind not in KINDS:
        errs.append(f"kind {kind!r} is not one of {', '.join(KINDS)}")
    elif kind:
        errs.extend(f"kind {kind!r} needs {k!r}" for k in KINDS[kind] if k not in item)
        if kind == "decline" and "claimed_factor" not in item and "claimed_pct" not in item:
            errs.append("kind 'decline' needs 'claimed_factor' or 'claimed_pct'")
    for key in ("from", "to", "at", "horizon", "published"):
        if key in item and not isinstance(item[key], date):
            errs.append(f"{key!r} must be a TOML date (YYYY-MM-DD, unquoted), got {item[key]!r}")
    for key in (
        "claimed_factor",
        "claimed_pct",
        "claimed_usd",
        "claimed_from_usd",
        "claimed_input",
        "claimed_output",
        "claimed_low",
        "claimed_high",
        "tolerance",
    ):
        if key in item and (not isinstance(item[key], (int, float)) or isinstance(item[key], bool) or item[key] <= 0):
            errs.append(f"{key!r} must be a positive number, got {item[key]!r}")
    if "claimed_pct" in item and isinstance(item["claimed_pct"], (int, float)) and not 0 < item["claimed_pct"] < 100:
        errs.append("'claimed_pct' must be between 0 and 100 (a percent decline)")
    if item.get("hosts", "any") not in HOST_MODES:
        errs.append(f"hosts {item.get('hosts')!r} is not one of {', '.join(HOST_MODES)}")
    if item.get("comparator", "about") not in COMPARATORS:
        errs.append(f"comparator {item.get('comparator')!r} is not one of {', '.join(COMPARATORS)}")
    try:
        parse_blend(str(item.get("blend", "3:1")))
    except InputError as exc:
        errs.append(str(exc))
    return errs


# -- checking ------------------------------------------------------------------------------------------------


def check_claims(ledger: Ledger, claims: Sequence[Claim], *, today: date | None = None) -> list[ClaimResult]:
    """Evaluate every claim; a claim the data cannot settle gets `insufficient data`, never an exception."""
    cache: dict[tuple[Any, ...], CapabilitySeries | LlmflationError] = {}
    return [check_claim(ledger, c, today=today, _cache=cache) for c in claims]


def check_claim(
    ledger: Ledger,
    claim: Claim,
    *,
    today: date | None = None,
    _cache: dict[tuple[Any, ...], Any] | None = None,
) -> ClaimResult:
    end = today or date.today()
    blend = parse_blend(claim.blend)
    settings = f"{claim.benchmark} ≥ {claim.threshold}, blend {claim.blend}, hosts {claim.hosts}"
    key = (claim.benchmark, claim.threshold, blend, claim.hosts, end)
    cache = _cache if _cache is not None else {}
    if key not in cache:
        try:
            cache[key] = cheapest_at_capability(
                ledger, claim.benchmark, claim.threshold, blend=blend, hosts=claim.hosts, end=end
            )
        except LlmflationError as exc:  # unknown model/benchmark, unreachable threshold: not settled
            cache[key] = exc
    series = cache[key]
    if isinstance(series, LlmflationError):
        return _insufficient(claim, settings, str(series))
    settings = f"{series.threshold.label}, blend {claim.blend} (in:out), hosts {claim.hosts}"
    checker = {
        "decline": _check_decline,
        "price": _check_price,
        "offer": _check_offer,
        "rate": _check_rate,
        "forecast_rate": _check_forecast_rate,
    }[claim.kind]
    try:
        return checker(claim, series, settings, end)
    except InputError as exc:
        return _insufficient(claim, settings, str(exc))


def _insufficient(claim: Claim, settings: str, why: str) -> ClaimResult:
    return ClaimResult(claim, "insufficient data", _claimed_text(claim), "—", None, why, settings, ())


def _claimed_text(c: Claim) -> str:
    if c.kind == "decline":
        if "claimed_pct" in c.params:
            return f"{c.params['claimed_pct']:g}% decline"
        return f"{c.params['claimed_factor']:g}× decline"
    if c.kind == "price":
        op = {"at_most": "≤", "at_least": "≥", "about": "≈"}[c.comparator]
        start = f"from ${c.params['claimed_from_usd']:g} " if "claimed_from_usd" in c.params else ""
        return f"{start}to {op} ${c.params['claimed_usd']:g}/M"
    if c.kind == "offer":
        return f"≈ ${c.params['claimed_input']:g} in / ${c.params['claimed_output']:g} out per M"
    if c.kind == "rate":
        return f"≈ {c.params['claimed_factor']:g}×/yr"
    return f"{c.params['claimed_low']:g}–{c.params['claimed_high']:g}×/yr"


def grade(figure: float, claimed: float, comparator: str, tolerance: float) -> str:
    """Verdict for a single number against a claim (see the module docstring)."""
    if comparator == "at_least":
        return "supported" if figure >= claimed else ("partly" if figure >= claimed / tolerance else "not supported")
    if comparator == "at_most":
        return "supported" if figure <= claimed else ("partly" if figure <= claimed * tolerance else "not supported")
    r = figure / claimed
    if 1 / tolerance <= r <= tolerance:
        return "supported"
    if 1 / tolerance**2 <= r <= tolerance**2:
        return "partly"
    return "not supported"


def _row(p: SeriesPoint, role: str) -> dict[str, Any]:
    return {
        "role": role,
        "date": p.date.isoformat(),
        "model": p.model,
        "provider": p.provider,
        "price": _s(p.price),
        "input": _s(p.input),
        "output": _s(p.output),
        "score": _s(p.score),
        "source": p.source,
    }


def _s(d: Decimal) -> str:
    return format(d.normalize(), "f")


def _usd(d: Decimal | float, floor: Decimal | None = None) -> str:
    """Money for people: $0.20, $5.25, $0.0375 (llmflation.format); below `floor` a bound ("< $0.00006")."""
    from llmflation.format import money

    return money(d, floor=floor)


def _floor(series: CapabilitySeries, at: date, what: str, end: date) -> SeriesPoint:
    if at > end:
        raise InputError(f"{what} {at} is after today ({end}); the ledger cannot show it yet")
    p = series.floor_at(at)
    if p is None:
        first = series.steps[0]
        raise InputError(
            f"no model at {series.threshold.label} was priced on {at} ({what}); the first qualifying "
            f"offer on record is {first.model} from {first.date}"
        )
    return p


def _check_decline(c: Claim, s: CapabilitySeries, settings: str, end: date) -> ClaimResult:
    d0 = c.get_date("from")
    assert d0 is not None
    d1 = min(c.get_date("to") or end, end)
    a, b = _floor(s, d0, "start", end), _floor(s, d1, "end", end)
    factor = float(a.price / b.price)
    pct = (1 - 1 / factor) * 100
    claimed = (1 / (1 - c.params["claimed_pct"] / 100)) if "claimed_pct" in c.params else c.params["claimed_factor"]
    verdict = grade(factor, float(claimed), c.comparator, c.tolerance)
    years = (d1 - d0).days / 365
    computed = f"{fmt_factor(factor)} ({pct:.1f}% decline) over {years:.1f} yr"
    expl = (
        f"Floor {d0}: {_usd(a.price)} ({a.model}); floor {d1}: {_usd(b.price)} ({b.model}). "
        f"Claimed ≈ {fmt_factor(float(claimed))}; tolerance ×/÷ {c.tolerance:g}."
    )
    inner = [p for p in s.records if d0 < p.date <= d1]
    rows = (_row(a, f"floor on {d0}"), *(_row(p, "new low") for p in inner if p != b), _row(b, f"floor on {d1}"))
    return ClaimResult(c, verdict, _claimed_text(c), computed, factor, expl, settings, rows)


def _check_price(c: Claim, s: CapabilitySeries, settings: str, end: date) -> ClaimResult:
    at = c.get_date("at")
    assert at is not None
    p = _floor(s, at, "date", end)
    figure = float(p.price)
    verdict = grade(figure, float(c.params["claimed_usd"]), c.comparator, c.tolerance)
    rows = [_row(p, f"floor on {at}")]
    expl = f"Floor on {at}: {_usd(p.price)}/M ({p.model} via {p.provider})."
    computed = f"{_usd(p.price)}/M on {at}"
    if "claimed_from_usd" in c.params:
        d0 = c.get_date("from") or s.steps[0].date
        p0 = _floor(s, d0, "start", end)
        v0 = grade(float(p0.price), float(c.params["claimed_from_usd"]), "about", c.tolerance)
        rows.insert(0, _row(p0, f"floor on {d0}"))
        expl = f"Floor on {d0}: {_usd(p0.price)}/M ({p0.model}). " + expl
        computed = f"{_usd(p0.price)} → {_usd(p.price)}/M"
        if v0 != "supported" and verdict == "supported":
            verdict = "partly"
    return ClaimResult(c, verdict, _claimed_text(c), computed, figure, expl, settings, tuple(rows))


def _check_offer(c: Claim, s: CapabilitySeries, settings: str, end: date) -> ClaimResult:
    at = c.get_date("at")
    assert at is not None
    p = _floor(s, at, "date", end)
    vi = grade(float(p.input), float(c.params["claimed_input"]), c.comparator, c.tolerance)
    vo = grade(float(p.output), float(c.params["claimed_output"]), c.comparator, c.tolerance)
    verdict = (
        vi
        if vi == vo
        else ("not supported" if "not supported" in (vi, vo) and "supported" not in (vi, vo) else "partly")
    )
    computed = f"{_usd(p.input)} in / {_usd(p.output)} out ({p.model})"
    expl = (
        f"Cheapest offer at the threshold on {at} (by {c.blend} blend): {p.model} via {p.provider}. "
        f"Input {vi}, output {vo} (tolerance ×/÷ {c.tolerance:g})."
    )
    return ClaimResult(
        c, verdict, _claimed_text(c), computed, float(p.price), expl, settings, (_row(p, f"floor on {at}"),)
    )


def _fit_window(c: Claim, s: CapabilitySeries, end: date) -> tuple[list[SeriesPoint], date, date]:
    d0 = c.get_date("from")
    assert d0 is not None
    d1 = min(c.get_date("to") or end, end)
    pts = [p for p in s.records if p.date <= d1]
    # the floor in effect at the window start counts as the first point (dated at the start)
    before = [p for p in pts if p.date <= d0]
    inside = [p for p in pts if p.date > d0]
    if before:
        b = before[-1]
        inside.insert(0, SeriesPoint(d0, b.model, b.provider, b.price, b.input, b.output, b.score, b.source,
                                     b.first_seen))
    return inside, d0, d1


def _check_rate(c: Claim, s: CapabilitySeries, settings: str, end: date) -> ClaimResult:
    pts, d0, d1 = _fit_window(c, s, end)
    fit = fit_decline([(p.date, p.price) for p in pts])
    claimed = float(c.params["claimed_factor"])
    in_ci = fit.ci_low <= claimed <= fit.ci_high
    near = grade(fit.factor_per_year, claimed, "about", c.tolerance) == "supported"
    verdict = "supported" if in_ci and near else ("partly" if in_ci or near else "not supported")
    computed = (
        f"{fmt_factor(fit.factor_per_year)}/yr (90% CI {fmt_factor(fit.ci_low)}–{fmt_factor(fit.ci_high)}, "
        f"n={fit.n}, R²={fit.r2:.2f})"
    )
    expl = (
        f"Epoch-method fit of record lows {d0} → {d1}. Claim {'inside' if in_ci else 'outside'} the 90% CI; "
        f"central estimate {'within' if near else 'beyond'} ×/÷ {c.tolerance:g} of it."
    )
    return ClaimResult(
        c,
        verdict,
        _claimed_text(c),
        computed,
        fit.factor_per_year,
        expl,
        settings,
        tuple(_row(p, "fit point") for p in pts),
    )


def _check_forecast_rate(c: Claim, s: CapabilitySeries, settings: str, end: date) -> ClaimResult:
    pts, d0, d1 = _fit_window(c, s, end)
    fit = fit_decline([(p.date, p.price) for p in pts])
    lo, hi = float(c.params["claimed_low"]), float(c.params["claimed_high"])
    central_in = lo <= fit.factor_per_year <= hi
    overlap = fit.ci_low <= hi and fit.ci_high >= lo
    verdict = "supported" if central_in else ("partly" if overlap else "not supported")
    computed = f"{fmt_factor(fit.factor_per_year)}/yr (90% CI {fmt_factor(fit.ci_low)}–{fmt_factor(fit.ci_high)})"
    expl = (
        f"Fit of record lows {d0} → {d1} (n={fit.n}): central estimate "
        f"{'inside' if central_in else 'outside'}"
        f" the claimed range; interval {'overlaps' if overlap else 'misses'} it."
    )
    rows = [_row(p, "fit point") for p in pts]
    horizon = c.get_date("horizon")
    if horizon and horizon > fit.end:
        cc, pl, ph = predict_interval(fit, horizon)
        # far below every observed price a forecast reads as a bound, as in the forecast tables
        from llmflation.trends.forecast import display_floor

        fl = display_floor(min(p.price for p in pts))
        expl += (
            f" Forecast for {horizon}: {_usd(cc, fl)}/M (90% prediction interval {_usd(pl, fl)}–{_usd(ph, fl)});"
            f" the claimed range implies {_usd(float(pts[-1].price) / hi ** _years(pts[-1].date, horizon))}–"
            f"{_usd(float(pts[-1].price) / lo ** _years(pts[-1].date, horizon))} from the last low."
        )
    if math.isinf(fit.ci_high):
        expl += " The interval is unbounded above: too few points for a useful range."
    return ClaimResult(c, verdict, _claimed_text(c), computed, fit.factor_per_year, expl, settings, tuple(rows))


def _years(a: date, b: date) -> float:
    return (b - a).days / 365
