"""Build the LLMflation report: compute every table from the ledger, render charts, write one offline HTML
file.

`compute_report(ledger)` is pure (returns ReportData); `build_report(ledger, out)` adds the I/O: report.html
(JavaScript inlined, no CDN), charts as PNG + SVG + Vega-Lite JSON, and report-data.json.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from llmflation.charts import labels
from llmflation.charts.trends import (
    Curve,
    curves_spec,
    decline_spec,
    forecast_panels_spec,
    frontier_spec,
    launch_price_spec,
)
from llmflation.errors import InputError, LlmflationError
from llmflation.trends.capability import CapabilityView, yearly_views
from llmflation.trends.claims import ClaimResult, check_claims, load_claims
from llmflation.trends.fit import InsufficientDataError, fit_decline, fmt_factor, fmt_price
from llmflation.trends.forecast import Backtest, add_months, backtest, forecast, interval_text
from llmflation.trends.frontier import FrontierPoint, frontier_vs_floor
from llmflation.trends.series import CapabilitySeries, Threshold, cheapest_at_capability, resolve_threshold

if TYPE_CHECKING:
    from llmflation.ledger.ledger import Ledger
    from llmflation.ledger.records import Price

# (benchmark, threshold) candidates; those the ledger cannot build are listed as skipped, with the reason.
DEFAULT_CURVES: tuple[tuple[str, str], ...] = (
    ("mmlu", "42"),  # a16z's GPT-3 level
    ("mmlu", "gpt-3.5-turbo-0301"),  # the seed article's GPT-3.5 level (the snapshot OpenAI's GPT-4 report scored)
    ("mmlu", "gpt-4"),
    ("mmlu", "gpt-4o"),
    ("gpqa_diamond", "gpt-4"),
    ("gpqa_diamond", "gpt-4o"),
    ("gpqa_diamond", "claude-3.5-sonnet"),
    ("lmarena_elo", "gpt-4"),
    ("lmarena_elo", "gpt-4o"),
    ("eci", "gpt-4"),
    ("eci", "gpt-4o"),
    # levels 2025–2026 models reach, so every curve family has points in 2026
    ("gpqa_diamond", "o3"),
    ("gpqa_diamond", "gpt-5"),
    ("lmarena_elo", "gpt-5"),
    ("eci", "gpt-5"),
)
HEADLINE = ("mmlu", "gpt-4")
CAPABILITY_BENCHMARK = "gpqa_diamond"  # the report's capability-vs-price view
FRONTIER_CANDIDATES: tuple[tuple[str, str], ...] = (("lmarena_elo", "gpt-4"), ("mmlu", "gpt-4"))

# The seed article's price table, recomputed from the ledger: (candidate names, tier label).
SEED_TABLE: tuple[tuple[tuple[str, ...], str], ...] = (
    (("gpt-4", "gpt-4-0314"), "Frontier flagship"),
    (("gpt-4-1106-preview", "gpt-4-turbo", "gpt-4-turbo-2024-04-09"), "Frontier flagship"),
    (("gpt-4o", "gpt-4o-2024-05-13"), "Frontier flagship"),
    (("gpt-4o-mini", "gpt-4o-mini-2024-07-18"), "Small / efficient"),
    (("gemini-1.5-flash", "gemini-1.5-flash-001"), "Small / efficient"),
    (("llama-3.3-70b", "llama-3.3-70b-instruct"), "Open weight"),
    (("deepseek-v3", "deepseek-chat"), "Open weight"),
)


@dataclass(frozen=True, slots=True)
class CurveResult:
    name: str
    series: CapabilitySeries
    fit: Any  # DeclineFit | None
    forecast: Any  # Forecast | None
    refusal: str | None
    backtest: Backtest | None = None


# A fit whose newest record low is older than this (before the data's as-of date) describes a past pace: no cheaper
# qualifying offer has appeared since, and the report says so beside the rate.
PLATEAU_DAYS = 365


def months_without_new_low(c: CurveResult, as_of: date | None) -> tuple[date | None, int | None]:
    """(the day of the curve's newest record low, whole months from it to `as_of`), or (day, None) when `as_of` is
    unknown — the one rule the JSON and the HTML use to say a curve has gone flat."""
    if not c.series.records:
        return None, None
    last = c.series.records[-1].date
    if as_of is None:
        return last, None
    return last, max(0, (as_of.year - last.year) * 12 + as_of.month - last.month - (as_of.day < last.day))


def plateaued(c: CurveResult, as_of: date | None) -> bool:
    """Whether the curve has a fitted decline rate whose newest record low is more than PLATEAU_DAYS before `as_of`."""
    last, _ = months_without_new_low(c, as_of)
    return c.fit is not None and last is not None and as_of is not None and (as_of - last).days > PLATEAU_DAYS


@dataclass(frozen=True, slots=True)
class HistoryRow:
    label: str
    model: str
    tier: str
    launch: date
    provider: str
    input: Decimal
    output: Decimal
    blended: Decimal
    source: str
    now_provider: str | None
    now_input: Decimal | None
    now_output: Decimal | None
    now_source: str | None


@dataclass
class ReportData:
    today: date
    horizon: date
    coverage: dict[str, Any]
    history: list[HistoryRow]
    curves: list[CurveResult]
    skipped: list[str]
    frontier: list[FrontierPoint]
    frontier_label: str
    frontier_benchmark: str
    claims: list[ClaimResult]
    headline: CurveResult | None
    specs: dict[str, dict[str, Any]] = field(default_factory=dict)
    index: Any = None  # llmflation.index.overview.IndexOverview | None (section 7)
    index_reason: str = ""
    as_of: date | None = None  # the newest observation in the ledger (the newest price's start date)
    names: dict[str, str] = field(default_factory=dict)  # model id → display name (chart labels)
    capability: list[CapabilityView] = field(default_factory=list)  # year-end snapshots, the last at `today`


@dataclass
class ReportResult:
    out_dir: Path
    html: Path
    files: dict[str, list[Path]]
    data: ReportData
    seconds: float

    def summary(self) -> dict[str, Any]:
        h = self.data.headline
        return {
            "html": str(self.html),
            "out_dir": str(self.out_dir),
            "seconds": round(self.seconds, 2),
            "charts": {k: [str(p) for p in v] for k, v in self.files.items()},
            "curves": [_curve_record(c, self.data.as_of) for c in self.data.curves],
            "skipped": self.data.skipped,
            "headline": None if h is None else _curve_record(h, self.data.as_of),
            "claims": [{"id": r.claim.id, "verdict": r.verdict, "computed": r.computed} for r in self.data.claims],
        }


def _curve_record(c: CurveResult, as_of: date | None) -> dict[str, Any]:
    f = c.fit
    last = c.series.floor_at(c.series.end)
    last_low, months = months_without_new_low(c, as_of)
    return {
        "series": c.name,
        "benchmark": c.series.benchmark,
        "threshold": str(c.series.threshold.value),
        "n": len(c.series.records),
        "steps": len(c.series.steps),
        "first_seen_steps": c.series.first_seen_steps,
        "first_seen_records": c.series.first_seen_records,
        "factor_per_year": None if f is None else f.factor_per_year,
        "ci_low": None if f is None else f.ci_low,
        "ci_high": None if f is None else f.ci_high,
        "r2": None if f is None else f.r2,
        "refusal": c.refusal,
        "floor_now": None if last is None else str(last.price),
        "floor_model": None if last is None else last.model,
        "last_record_low": last_low,
        "months_without_new_low": months,
        "plateau": plateaued(c, as_of),
        "forecast": None
        if c.forecast is None
        else {
            "to": c.forecast.target.isoformat(),
            "central": str(c.forecast.central),
            "low": str(c.forecast.low),
            "high": str(c.forecast.high),
        },
    }


def compute_report(
    ledger: Ledger,
    *,
    today: date | None = None,
    curves: Sequence[tuple[str, str]] = DEFAULT_CURVES,
    progress: Callable[[str], None] | None = None,
) -> ReportData:
    """Every figure in the report, computed from the ledger (pure; no files written)."""
    tick = progress or (lambda _d: None)
    end = today or date.today()
    horizon = date(end.year + 1, 12, 31)
    cov = ledger.coverage()
    coverage = {
        "models": cov.models,
        "prices": cov.prices,
        "price_changes": cov.price_changes,
        "scores": cov.scores,
        "providers": cov.providers,
        "benchmarks": cov.benchmarks,
        "first_price": cov.first_price,
        "last_change": cov.last_change,
    }
    tick("price history")
    history = price_history(ledger, end)
    results: list[CurveResult] = []
    skipped: list[str] = []
    seen: set[tuple[str, Decimal]] = set()
    for bench, thr in curves:
        tick(f"curve {bench} ≥ {thr}")
        try:
            t = resolve_threshold(ledger, bench, thr)
            if (t.benchmark, t.value) in seen:
                continue
            seen.add((t.benchmark, t.value))
            results.append(_curve(ledger, t, end, horizon))
        except LlmflationError as exc:
            skipped.append(f"{bench} ≥ {thr}: {exc}")
    headline = next(
        (
            c
            for c in results
            if (c.series.benchmark, c.series.threshold.model or "") == (HEADLINE[0], _model_id(ledger, HEADLINE[1]))
        ),
        results[0] if results else None,
    )
    tick("frontier vs floor")
    frontier: list[FrontierPoint] = []
    frontier_label = ""
    frontier_bench = ""
    for bench, thr in FRONTIER_CANDIDATES:
        try:
            s = cheapest_at_capability(ledger, bench, thr, end=end)
        except LlmflationError:
            continue
        frontier = frontier_vs_floor(ledger, s)
        frontier_label, frontier_bench = s.threshold.label, bench
        if frontier:
            break
    tick("claims")
    claims = check_claims(ledger, load_claims(), today=end)
    tick("price index")
    from llmflation.report.index_section import compute_index

    index, index_reason = compute_index(ledger, today)
    tick("capability vs price")
    try:
        capability = yearly_views(ledger, CAPABILITY_BENCHMARK, at=end)
    except LlmflationError:
        capability = []
    data = ReportData(
        end,
        horizon,
        coverage,
        history,
        results,
        skipped,
        frontier,
        frontier_label,
        frontier_bench,
        claims,
        headline,
        index=index,
        index_reason=index_reason,
        as_of=data_as_of(ledger, end),
        names={m.id: m.name for m in ledger.models()},
        capability=capability,
    )
    data.specs = chart_specs(data)
    return data


def data_as_of(ledger: Ledger, today: date) -> date | None:
    """The ledger's newest observation: the latest date a price on record took effect (not after `today`).

    A floor that stays flat after this date is "no newer data", not a measured plateau."""
    starts = [p.valid_from for p in ledger.all_prices() if p.valid_from <= today]
    return max(starts, default=None)


def backtest_words(c: CurveResult) -> str | None:
    """The backtest of one curve in a sentence: how far the forecast missed and what that means."""
    bt = c.backtest
    if bt is None:
        return None
    done = [r for r in bt.rows if r.actual is not None]
    if not done:
        return (
            f"{labels.threshold(c.name)}: the forecasts made with data up to {bt.cutoff} fall after the newest "
            "data, so they cannot be checked yet."
        )
    parts = []
    # a forecast far below anything observed reads as a bound, as in the forecast tables (trends.forecast)
    from llmflation.trends.forecast import display_floor

    floor = display_floor(min((p.price for p in c.series.records), default=None))
    for r in done:
        actual = r.actual or Decimal(1)
        ratio = float(r.predicted / actual)
        real = fmt_price(r.actual)
        if 0.8 <= ratio <= 1.25:
            miss = f"close to the floor the ledger shows ({real})"
        elif ratio < 1:
            miss = f"{fmt_factor(1 / ratio)} below the actual floor ({real}): prices fell less than the fit said"
        else:
            miss = f"{fmt_factor(ratio)} above the actual floor ({real}): prices fell faster than the fit said"
        inside = "inside" if r.inside else "outside"
        parts.append(f"the {r.horizon_months}-month forecast ({fmt_price(r.predicted, floor)}) was {miss}, {inside} "
                     "its 90% interval")
    low = [r for r in done if r.inside is False and r.actual is not None and r.predicted < r.actual]
    high = [r for r in done if r.inside is False and r.actual is not None and r.predicted > r.actual]
    if low:
        meaning = "so read this curve's forecast as optimistic: the floor has not kept falling at the fitted rate"
    elif high:
        meaning = "so read this curve's forecast as cautious: prices fell faster than the fitted rate"
    else:
        meaning = "so the interval held on this test (one test, not a guarantee)"
    head = f"{labels.threshold(c.name)}, fitted on data up to {bt.cutoff} (n={bt.fit.n}): "
    return head + "; ".join(parts) + f"; {meaning}."


def _model_id(ledger: Ledger, name: str) -> str:
    try:
        return ledger.resolve(name).id
    except LlmflationError:
        return ""


def _curve(ledger: Ledger, t: Threshold, end: date, horizon: date) -> CurveResult:
    # A level set by a reasoning model (o3, GPT-5) is only reached by reasoning models: count them for that curve.
    reasoning_level = t.model is not None and ledger.model(t.model).reasoning
    s = cheapest_at_capability(ledger, t.benchmark, t, end=end, exclude_reasoning=not reasoning_level)
    label = t.label + (" + reasoning models" if reasoning_level else "")
    try:
        f = fit_decline([(p.date, p.price) for p in s.records])
    except InsufficientDataError as exc:
        return CurveResult(label, s, None, None, str(exc))
    fc = forecast(f, horizon, path_from=f.end, observed_low=min((p.price for p in s.records), default=None))
    bt = None
    cutoff = add_months(end, -12)
    try:
        bt = backtest(s, cutoff)
    except InputError:
        bt = None
    return CurveResult(label, s, f, fc, None, bt)


def price_history(ledger: Ledger, today: date) -> list[HistoryRow]:
    """The seed article's table, from the ledger: launch list price and the cheapest offer today, with
    sources."""
    rows: list[HistoryRow] = []
    for names, tier in SEED_TABLE:
        model = None
        for n in names:
            try:
                model = ledger.resolve(n)
                break
            except LlmflationError:
                continue
        if model is None:
            continue
        offers = [p for p in ledger.market_prices() if p.model == model.id and p.tier == "standard"]
        if not offers:
            continue
        first_day = min(p.valid_from for p in offers)
        launch_offers = [p for p in offers if p.valid_from == first_day]
        fp = [p for p in launch_offers if p.first_party]
        launch = min(fp or launch_offers, key=lambda p: (p.blended(), p.provider))
        now = sorted((p for p in offers if p.in_effect(today)), key=lambda p: (p.blended(), p.provider))
        cur: Price | None = now[0] if now else None
        label = model.name + ("" if fp or not launch_offers else f" (host: {launch.provider})")
        rows.append(
            HistoryRow(
                label,
                model.id,
                tier,
                launch.valid_from,
                launch.provider,
                launch.input,
                launch.output,
                launch.blended(),
                launch.source,
                cur.provider if cur else None,
                cur.input if cur else None,
                cur.output if cur else None,
                cur.source if cur else None,
            )
        )
    return rows


def chart_specs(data: ReportData) -> dict[str, dict[str, Any]]:
    specs: dict[str, dict[str, Any]] = {}
    by_bench: dict[str, list[CurveResult]] = {}
    for c in data.curves:
        by_bench.setdefault(c.series.benchmark, []).append(c)
    as_of = data.as_of
    for bench, cs in by_bench.items():
        title = f"Cheapest price at a fixed {labels.benchmark(bench)} score"
        specs[f"curves-{bench}"] = curves_spec(
            [Curve(c.name, c.series, c.fit, c.forecast) for c in cs],
            title=title,
            subtitle=[
                f"Data as of {as_of}. Line: floor price; dots: record lows; dashed: Epoch-method fit, dotted on "
                "as its forecast.",
                f"Thin lines: each forecast's 90% prediction band from the newest data to {data.horizon}, named at "
                "the right (one panel per threshold below).",
                "Short dotted stub: floor carried on past the newest data (no newer prices). Click the legend to "
                "bring one threshold forward.",
            ] if len(cs) > 1 else [
                f"Data as of {as_of}. Line: floor price; dots: record lows; dashed: Epoch-method fit.",
                f"Band: 90% prediction interval from the newest data to {data.horizon}; "
                "dotted: floor carried on past the newest data (no newer prices).",
            ],
            as_of=as_of,
            names=data.names,
        )
        panels = forecast_panels_spec([Curve(c.name, c.series, c.fit, c.forecast) for c in cs], as_of=as_of,
                                      names=data.names)
        if panels is not None:
            specs[f"forecasts-{bench}"] = panels
    if data.capability:
        from llmflation.charts.capability import capability_spec

        specs["capability"] = capability_spec(data.capability)
    fitted = [Curve(c.name, c.series, c.fit) for c in data.curves if c.fit is not None]
    if fitted:
        specs["decline-rates"] = decline_spec(fitted)
    if data.frontier:
        specs["frontier-vs-floor"] = frontier_spec(data.frontier, floor_label=data.frontier_label, names=data.names)
    if data.history:
        specs["launch-prices"] = launch_price_spec(
            [
                {
                    "model": h.label,
                    "date": h.launch.isoformat(),
                    "price": float(h.blended),
                    "tier": h.tier,
                    "input": str(h.input),
                    "output": str(h.output),
                    "provider": h.provider,
                }
                for h in data.history
            ]
        )
    if data.index is not None:
        from llmflation.report.index_section import index_chart_spec

        specs["price-index"] = index_chart_spec(data.index)
    return specs


def build_report(
    ledger: Ledger,
    out: str | Path,
    *,
    images: bool = True,
    today: date | None = None,
    progress: Callable[..., None] | None = None,
) -> ReportResult:
    """Compute the report and write report.html (+ charts/*.png|svg|json, report-data.json) into `out`."""
    from llmflation.ledger.store import home
    from llmflation.report.html import render_html
    from llmflation.report.render import ChartRenderer, js_bundle

    t0 = time.perf_counter()
    tick = progress or (lambda *_a, **_k: None)
    out_dir = Path(out)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"out: cannot create the output directory {out_dir}: {exc}; choose another directory.",
                         field="out") from None
    # the rendering workers start now, so their start-up overlaps the computation below
    with ChartRenderer(workers=1 if images else 0, cache=home() / "cache" / "charts") as renderer:
        data = compute_report(ledger, today=today, progress=tick)
        charts_dir = out_dir / "charts"
        charts_dir.mkdir(exist_ok=True)
        files: dict[str, list[Path]] = {}
        for name, spec in data.specs.items():
            p = charts_dir / f"{name}.vl.json"
            p.write_text(json.dumps(spec, indent=1), encoding="utf-8")
            files[name] = [p]
        with ThreadPoolExecutor(max_workers=1) as pool:
            rendered = None
            if images:
                tick("rendering charts")
                jobs = [(n, s, charts_dir / f"{n}.svg", charts_dir / f"{n}.png") for n, s in data.specs.items()]
                rendered = pool.submit(renderer.render, jobs)
            page = render_html(data, js_bundle())
            if rendered is not None:
                for name, paths in rendered.result().items():
                    files[name].extend(paths)
    tick("writing HTML")
    html_path = out_dir / "report.html"
    html_path.write_text(page, encoding="utf-8")
    (out_dir / "report-data.json").write_text(json.dumps(report_json(data), indent=1, default=str), encoding="utf-8")
    return ReportResult(out_dir, html_path, files, data, time.perf_counter() - t0)


def report_json(data: ReportData) -> dict[str, Any]:
    from llmflation.shapes import jsonable

    return jsonable(
        {
            "generated": data.today,
            "horizon": data.horizon,
            "coverage": data.coverage,
            "price_history": data.history,
            "curves": [_curve_record(c, data.as_of) for c in data.curves],
            "skipped": data.skipped,
            "frontier_vs_floor": data.frontier,
            "frontier_floor": data.frontier_label,
            "claims": [r.as_dict() for r in data.claims],
            "price_index": data.index.as_dict() if data.index is not None else None,
        }
    )


RANKED_MIN_POINTS = 5  # a rate fitted on fewer record lows has an interval spanning orders of magnitude


def rate_range(curves: Sequence[CurveResult]) -> tuple[list[CurveResult], list[CurveResult]]:
    """The fitted curves whose rates can be compared, slowest first (at least RANKED_MIN_POINTS record lows), and
    the fitted ones left out: with 3 points a 90% interval ran from 0.0×/yr to 10^27×/yr, and its central rate
    (664,776×/yr) would have headed the range."""
    fitted = [c for c in curves if c.fit is not None]
    ranked = sorted((c for c in fitted if c.fit.n >= RANKED_MIN_POINTS), key=lambda c: c.fit.factor_per_year)
    return ranked, [c for c in fitted if c.fit.n < RANKED_MIN_POINTS]


def summary_lines(result: ReportResult) -> list[str]:
    """A short terminal summary (Rich markup)."""
    d = result.data

    def nm(model_id: str) -> str:
        return labels.model(model_id, d.names)

    lines = [
        f"[bold]LLMflation report[/bold] written to [cyan]{result.html}[/cyan] "
        f"({len(result.files)} charts, {result.seconds:.1f} s)"
    ]
    h = d.headline
    if h is not None and h.fit is not None:
        f = h.fit
        first, last = h.series.records[0], h.series.floor_at(h.series.end)
        lines.append(
            f"At {labels.threshold(h.name)}: price falls {fmt_factor(f.factor_per_year)}/yr (90% CI "
            f"{fmt_factor(f.ci_low)}–{fmt_factor(f.ci_high)}, n={f.n}); "
            f"{fmt_price(first.price)} ({nm(first.model)}, {first.date}) → "
            f"{fmt_price(last.price if last else None)} ({nm(last.model) if last else '?'}) today."
        )
        if h.forecast is not None:
            fc = h.forecast
            lines.append(
                f"Forecast {fc.target}: {fmt_price(fc.central, fc.floor)}/M "
                f"(90% PI {interval_text(fc.low, fc.high, fc.floor)})."
            )
            if fc.note:
                lines.append(f"Note: {fc.note}.")
    rated, few = rate_range(d.curves)
    if rated:
        lo, hi = rated[0], rated[-1]
        lines.append(
            f"Across {len(rated)} thresholds with ≥ {RANKED_MIN_POINTS} record lows: "
            f"{fmt_factor(lo.fit.factor_per_year)}/yr ({labels.threshold(lo.name)}) to "
            f"{fmt_factor(hi.fit.factor_per_year)}/yr ({labels.threshold(hi.name)})"
            + (f"; {len(few)} more fitted on fewer points (intervals too wide to rank: see the report)." if few
               else ".")
        )
    if d.frontier:
        p = d.frontier[-1]
        prem = "n/a" if p.premium is None else fmt_factor(float(p.premium))
        by = f" (highest {labels.benchmark(d.frontier_benchmark)} on record)" if d.frontier_benchmark else ""
        lines.append(f"Frontier now{by}: {nm(p.frontier_model)} at {fmt_price(p.frontier_price)}/M, {prem} the floor.")
    counts: dict[str, int] = {}
    for r in d.claims:
        counts[r.verdict] = counts.get(r.verdict, 0) + 1
    lines.append("Claims: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    return lines
