"""`llmflation index` (every price-decline method side by side) and `llmflation usage index` (your own index).

Parse, call llmflation.index, render. Factors use trends.fit.fmt_factor; money goes through llmflation.money.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from llmflation.cli.options import parse_date
from llmflation.cli.output import emit_csv, emit_json, exclusive, info, stdout, table

if TYPE_CHECKING:
    from llmflation.index.methods import MethodRow
    from llmflation.index.overview import IndexOverview
    from llmflation.index.personal import PersonalIndex

METHOD_CHOICES = ("hedonic", "threshold", "tiers", "frontier", "average", "break", "reasoning", "premium", "all")
CSV_COLUMNS = ["method", "measures", "factor_per_year", "ci_low", "ci_high", "half_life_years", "n", "n_unit",
               "start", "end", "interval", "gap_reason", "notes"]


def _parse_methods(values: list[str] | None) -> tuple[str, ...]:
    from llmflation.index.overview import ALL

    chosen: list[str] = []
    for v in values or ["all"]:
        for part in v.split(","):
            name = part.strip().lower()
            if not name:
                continue
            if name not in METHOD_CHOICES:
                raise typer.BadParameter(f"{name!r}: choose from {', '.join(METHOD_CHOICES)}", param_hint="--method")
            chosen.extend(ALL if name == "all" else (name,))
    return tuple(dict.fromkeys(chosen))


def _parse_tiers(text: str) -> tuple[Decimal, Decimal]:
    try:
        a, b = (Decimal(x.strip()) for x in text.split(","))
    except (ValueError, InvalidOperation):
        raise typer.BadParameter("use two USD-per-1M bounds, e.g. 1,10", param_hint="--tiers") from None
    return a, b


def _fmt_row(r: MethodRow) -> list[str]:
    from llmflation.trends.fit import fmt_factor

    if r.factor_per_year is None:
        return [r.method, "—", "—", str(r.n), r.n_unit, "", f"gap: {r.gap_reason}"]
    window = f"{r.start:%Y-%m} → {r.end:%Y-%m}" if r.start and r.end else ""
    hl = f"{r.half_life_years:.2f}" if r.half_life_years else "—"
    return [r.method, f"{fmt_factor(r.factor_per_year)}/yr", f"{fmt_factor(r.ci_low)}–{fmt_factor(r.ci_high)}",
            str(r.n), r.n_unit, window, f"half-life {hl} y · {r.measures}"]


def index(
    method: list[str] = typer.Option(None, "--method", "-m", help="hedonic, threshold, tiers, frontier, average, "
                                     "break, reasoning, premium, or all (default); repeat or comma-separate."),
    start: str | None = typer.Option(None, "--from", help="Window start (YYYY-MM; default 2023-03)."),
    until: str | None = typer.Option(None, "--until", help="Window end (default: the ledger's last price event)."),
    score: str = typer.Option("eci", "--score", help="Capability benchmark for the hedonic covariate."),
    impute: str = typer.Option("crosswalk", "--impute", help="Missing scores: crosswalk (from another benchmark) "
                               "or drop."),
    hosts: str = typer.Option("all", "--hosts", help="Items: all (every provider's offer), first-party, or "
                              "cheapest (one per model)."),
    blend: str = typer.Option("3:1", "--blend", help="Input:output token weights for the price."),
    window: int = typer.Option(2, "--window", help="Months per hedonic regression: 2 = adjacent period, more = "
                               "rolling window."),
    covariates: str = typer.Option("score,reasoning,open_weights,context,first_party", "--covariates",
                                   help="Hedonic covariates (comma-separated)."),
    min_offers: int = typer.Option(8, "--min-offers", help="Months with fewer scored offers are gaps."),
    level: float = typer.Option(0.9, "--level", help="Interval level."),
    bootstrap: int = typer.Option(200, "--bootstrap", help="Bootstrap resamples for the hedonic interval."),
    seed: int = typer.Option(0, "--seed", help="Bootstrap seed."),
    benchmark: str = typer.Option("mmlu", "--benchmark", "-b", help="Threshold method: benchmark."),
    threshold: str = typer.Option("gpt-4", "--threshold", "-t", help="Threshold method: score or model level."),
    tiers: str = typer.Option("1,10", "--tiers", help="Price-tier bounds, USD per 1M blended: economy < A ≤ mid "
                              "< B ≤ flagship."),
    reasoning_level: str = typer.Option("gpqa_diamond>=70", "--reasoning-level",
                                        help="Reasoning-token deflation: BENCHMARK>=VALUE."),
    lag_months: int = typer.Option(12, "--lag-months", help="Frontier premium: the floor this many months behind."),
    chart: Path | None = typer.Option(None, "--chart", help="Also write a chart: .png, .svg, .html or .json."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON to stdout."),
    as_csv: bool = typer.Option(False, "--csv", help="Print the method table as CSV to stdout."),
) -> None:
    """How fast token prices fall, by every method on one window: hedonic, threshold, tiers, frontier, …"""
    from llmflation.index.hedonic import HedonicOptions
    from llmflation.index.overview import overview
    from llmflation.ledger.ledger import open_ledger
    from llmflation.trends.series import parse_blend

    exclusive(json=as_json, csv=as_csv)
    methods = _parse_methods(method)
    if ">=" not in reasoning_level:
        raise typer.BadParameter("use BENCHMARK>=VALUE, e.g. gpqa_diamond>=70", param_hint="--reasoning-level")
    r_bench, r_val = reasoning_level.split(">=", 1)
    try:
        r_level = Decimal(r_val.strip())
    except InvalidOperation:
        raise typer.BadParameter(f"{r_val!r} is not a number", param_hint="--reasoning-level") from None
    opts = HedonicOptions(window=window, covariates=tuple(c.strip() for c in covariates.split(",") if c.strip()),
                          min_offers=min_offers, level=level, bootstrap=bootstrap, seed=seed)
    ov = overview(open_ledger(), methods=methods, start=parse_date(start, "--from"),
                  end=parse_date(until, "--until"), score=score, impute=impute, hosts=hosts,
                  blend=parse_blend(blend), hedonic=opts, benchmark=benchmark, threshold=threshold,
                  tier_bounds=_parse_tiers(tiers), reasoning_benchmark=r_bench.strip().lower(),
                  reasoning_level=r_level, lag_months=lag_months)
    if chart is not None:
        _write_chart(ov, chart)
    if as_json:
        emit_json(ov.as_dict())
        return
    if as_csv:
        emit_csv([r.as_dict() for r in ov.rows()], CSV_COLUMNS)
        return
    _print(ov)


def _print(ov: IndexOverview) -> None:
    c = ov.comparison
    lvl = f"{c.options['level'] * 100:g}%"
    table(f"Price decline by method, {c.start:%Y-%m} → {c.end:%Y-%m} (price divides by × each year)",
          ["method", "×/yr", f"{lvl} interval", "n", "of", "window", "what it measures"],
          [_fmt_row(r) for r in ov.rows()])
    out = stdout()
    if c.breaks:
        b = c.breaks
        if b.month:
            out.print(f"Structural break: {b.month:%Y-%m}, F = {b.f_stat:.1f}, p ≈ {b.p_value:.3f} "
                      f"({b.replicates} bootstrap replicates); before {_fx(b.before_factor)}/yr, after "
                      f"{_fx(b.after_factor)}/yr")
        else:
            out.print(f"Structural break: {b.note}")
    if ov.premium:
        p = ov.premium
        out.print(f"Frontier premium: 10× cheaper after a median {_num(p.median_to_10x)} months ({lvl} "
                  f"{_ci(p.ci_to_10x)}, range {_range(p.range_to_10x)}, {p.censored_10x} level(s) not yet), 100× "
                  f"after {_num(p.median_to_100x)} ({lvl} {_ci(p.ci_to_100x)}, range {_range(p.range_to_100x)}, "
                  f"{p.censored_100x} not yet); "
                  f"frontier / floor {p.lag_months} months behind: ×{_num(p.ratio_growth_per_year, 2)} a year "
                  f"({lvl} {_num(p.ratio_ci[0] if p.ratio_ci else None, 2)}–"
                  f"{_num(p.ratio_ci[1] if p.ratio_ci else None, 2)})")
    if ov.reasoning:
        out.print(f"Reasoning multiplier: {ov.reasoning.multiplier[0]}–{ov.reasoning.multiplier[2]}× output tokens "
                  f"(central {ov.reasoning.multiplier[1]}×), estimated; source: {ov.reasoning.source}")
    opts = ", ".join(f"{k}={v}" for k, v in c.options.items())
    info(f"Options used: {opts}")
    if ov.comparison.hedonic:
        for n in ov.comparison.hedonic.notes:
            info(f"Note: {n}")
        gaps = [m for m in ov.comparison.hedonic.months if m.gap_reason]
        if gaps:
            info(f"Gaps: {len(gaps)} month(s) without an index value, e.g. {gaps[0].month:%Y-%m}: "
                 f"{gaps[0].gap_reason}")
    out.print("")
    for para in ov.explanation:
        out.print(para)
        out.print("")
    for s in ov.seed:
        info(f"Seed check · {s['method']}: ~10×/yr {s['vs_10x']}; 4–10×/yr range {s['vs_4_to_10x']}")


def _fx(v: float | None) -> str:
    from llmflation.trends.fit import fmt_factor

    return fmt_factor(v)


def _num(v: float | None, places: int = 0) -> str:
    return "—" if v is None else f"{v:.{places}f}"


def _ci(r: tuple[float, float] | None) -> str:
    return "—" if r is None else f"{r[0]:.0f}–{r[1]:.0f}"


def _range(r: tuple[int, int] | None) -> str:
    return "—" if r is None else f"{r[0]}–{r[1]}"


def _write_chart(ov: IndexOverview, path: Path) -> None:
    from llmflation.charts.index import overview_spec
    from llmflation.report.render import write_chart

    write_chart(overview_spec(ov), path)
    info(f"Chart written to {path}")


# -- usage index --------------------------------------------------------------------------------------------------
def usage_index(
    by: str | None = typer.Option(None, "--by", help="One index per model, provider or tag (and the total)."),
    formula: str = typer.Option("fisher", "--formula", help="fisher (default) or tornqvist."),
    engine: str = typer.Option("duckdb", "--engine", help="duckdb (default), spark, a Spark master URL or an Ibis "
                               "connection URL."),
    source: Path | None = typer.Option(None, "--source", help="Canonical Parquet instead of the ingested store."),
    since: str | None = typer.Option(None, "--since", help="First day (YYYY-MM-DD or YYYY-MM), inclusive."),
    until: str | None = typer.Option(None, "--until", help="Last day, exclusive."),
    market: bool = typer.Option(True, "--market/--no-market", help="Show the market (hedonic) index beside yours."),
    chart: Path | None = typer.Option(None, "--chart", help="Also write a chart of your index, your actual price and "
                                      "the market (with --by: one line per group): .png, .svg, .html or .json."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON to stdout."),
    as_csv: bool = typer.Option(False, "--csv", help="Print the monthly rows as CSV to stdout."),
) -> None:
    """Your own price index: what your traffic would cost month by month at constant mix (chained Fisher)."""
    from llmflation.index.personal import BY, FORMULAS, NoUsageError, personal_index
    from llmflation.ledger.ledger import open_ledger
    from llmflation.usage.store import UsageStore

    exclusive(json=as_json, csv=as_csv)
    if by is not None and by not in BY:
        raise typer.BadParameter(f"choose {', '.join(BY[:-1])} or {BY[-1]}", param_hint="--by")
    if formula not in FORMULAS:
        raise typer.BadParameter(f"choose {' or '.join(FORMULAS)}", param_hint="--formula")
    store = UsageStore() if source is None else None
    chosen: Any = source if store is None else store
    try:
        report = personal_index(chosen, open_ledger(), by=by, formula=formula, since=parse_date(since, "--since"),
                                until=parse_date(until, "--until"), engine=engine, market=market)
    except NoUsageError as exc:
        raise NoUsageError(exc.since, exc.until, hint=_no_usage_hint(store, exc)) from None
    if chart is not None:
        from llmflation.charts.index import groups_spec, personal_spec
        from llmflation.report.render import write_chart

        spec = (groups_spec(report.groups, by) if by and report.groups else None) or personal_spec(report.total)
        write_chart(spec, chart)
        info(f"Chart written to {chart}")
    if as_json:
        emit_json(report.as_dict())
        return
    if as_csv:
        rows = []
        for ix in (report.total, *report.groups):
            for m in ix.as_dict()["months"]:
                rows.append({"group": ix.group or "(all)", **m})
        emit_csv(rows, ["group", "month", "index", "link", "usd_per_mtok", "market_index", "tokens", "cost_usd",
                        "cells", "matched_cells", "unmatched_spend_share", "note"])
        return
    for ix in (report.total, *report.groups):
        _print_personal(ix)
    if report.market_label:
        info(f"Market: {report.market_label}")
    for n in report.notes:
        info(f"Note: {n}")
    info(f"Engine: {report.engine} · formula: {report.formula}")


def _no_usage_hint(store: Any, exc: Any) -> str:
    """The next step in the CLI's words: ingest logs, or the window that has data."""
    if store is not None:
        status = store.status()
        if status["rows"]:
            return (f"The logs span {status['first_day']} → {status['last_day']}: choose --since/--until inside it "
                    "(--until is exclusive).")
        return "Ingest usage logs with `llmflation usage ingest FILES…` (or pass --source PARQUET)."
    return "Choose --since/--until inside the source's days, or check --source."


def _print_personal(ix: PersonalIndex) -> None:
    from llmflation.money import fmt_usd

    def q(v: Any, places: str = "0.0001") -> str:
        return "—" if v is None else str(Decimal(v).quantize(Decimal(places)))

    table(f"Your price index · {ix.group or 'all traffic'} ({ix.formula}, chained, constant mix)",
          ["month", "index", "USD / 1M (actual)", "market", "tokens", "cost", "matched cells", "note"],
          [[f"{m.month:%Y-%m}", q(m.index), "—" if m.unit_price is None else fmt_usd(m.unit_price, 6),
            "—" if m.market is None else f"{m.market:.4f}", f"{m.tokens:,}", fmt_usd(m.cost_usd, 4),
            f"{m.matched_cells}/{m.cells}", m.note or ""] for m in ix.months])
    stdout().print(ix.summary())
    for n in ix.notes:
        info(f"Note: {n}")


def register(app: typer.Typer) -> None:
    from llmflation.cli.usage_cmds import app as usage_app

    app.command("index")(index)
    if not any(c.name == "index" for c in usage_app.registered_commands):  # once, however many trees are built
        usage_app.command("index")(usage_index)
