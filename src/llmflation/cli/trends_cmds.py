"""LLMflation commands: trend, forecast, claims, report. Parse, call llmflation.trends / llmflation.report,
format."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from llmflation import format as fmt
from llmflation.cli.options import parse_date
from llmflation.cli.output import emit_csv, emit_json, exclusive, info, stdout, table
from llmflation.shapes import series_point_record, trend_record
from llmflation.values import LIMITS

if TYPE_CHECKING:
    from llmflation.trends.fit import DeclineFit
    from llmflation.trends.series import CapabilitySeries

JSON = typer.Option(False, "--json", help="Print JSON to stdout.")
CSV = typer.Option(False, "--csv", help="Print the points as CSV to stdout.")
BENCHMARK = typer.Option("mmlu", "--benchmark", "-b", help="Benchmark: mmlu, gpqa_diamond, lmarena_elo, …")
THRESHOLD = typer.Option(
    "gpt-4",
    "--threshold",
    "-t",
    help="Minimum score (a number, e.g. 83) or a model name meaning 'the level of that model'.",
)
BLEND = typer.Option("3:1", "--blend", help="Input:output token weights for the price (3:1 Epoch, 1:1 a16z).")
HOSTS = typer.Option(
    "any",
    "--hosts",
    help="any (cheapest provider), first-party (developer's own API only), median (across hosts).",
)
REASONING = typer.Option(False, "--include-reasoning", help="Include reasoning models (excluded by default).")
FROM = typer.Option(None, "--from", help="Window start (YYYY-MM-DD or YYYY-MM).")
UNTIL = typer.Option(None, "--until", help="Window end (default today).")
POINTS = typer.Option(None, "--points", help="Fit your own CSV of date,price points instead of the ledger.")
LEVEL = typer.Option(0.9, "--level", **LIMITS["level"].min_max,
                     help="Interval level (0.9 = 90%; 0.5–0.99).")
SEED = typer.Option(0, "--seed", **LIMITS["seed"].min_max,
    help="Bootstrap seed (results are deterministic for a seed).")


def _ledger() -> Any:
    from llmflation.ledger.ledger import open_ledger

    return open_ledger()


def _series(
    benchmark: str,
    threshold: str,
    blend: str,
    hosts: str,
    include_reasoning: bool,
    start: str | None,
    until: str | None,
) -> CapabilitySeries:
    from llmflation.trends.series import cheapest_at_capability, parse_blend

    if hosts not in ("any", "first-party", "median"):
        raise typer.BadParameter("choose any, first-party or median", param_hint="--hosts")
    return cheapest_at_capability(
        _ledger(),
        benchmark,
        threshold,
        blend=parse_blend(blend),
        hosts=hosts,
        exclude_reasoning=not include_reasoning,
        start=parse_date(start, "--from"),
        end=parse_date(until, "--until"),
    )


def _fit_lines(fit: DeclineFit) -> list[str]:
    from llmflation.trends.fit import describe_factor, fmt_factor

    lvl = fmt.percent(fit.level)
    boot = (
        "n/a"
        if fit.bootstrap_low is None
        else f"{fmt_factor(fit.bootstrap_low)}–{fmt_factor(fit.bootstrap_high)}"
    )
    return [
        f"[bold]Decline (Epoch method, OLS of log10 price on date, n={fit.n}, "
        f"{fmt.date(fit.start)} → {fmt.date(fit.end)}):[/bold] "
        f"{describe_factor(fit.factor_per_year)}",
        f"  {lvl} CI {fmt_factor(fit.ci_low)}–{fmt_factor(fit.ci_high)} per year · R² {fmt.score(round(fit.r2, 2))}",
        f"  Theil–Sen {fmt_factor(fit.theil_sen_factor)}/yr ({lvl} {fmt_factor(fit.theil_sen_low)}–"
        f"{fmt_factor(fit.theil_sen_high)}) · bootstrap {lvl} {boot} ({fit.bootstrap_samples} resamples, "
        f"seed {fit.seed})",
    ]


def trend(
    benchmark: str = BENCHMARK,
    threshold: str = THRESHOLD,
    blend: str = BLEND,
    hosts: str = HOSTS,
    include_reasoning: bool = REASONING,
    start: str | None = FROM,
    until: str | None = UNTIL,
    points: Path | None = POINTS,
    level: float = LEVEL,
    seed: int = SEED,
    chart: Path | None = typer.Option(
        None, "--chart", help="Also write a chart: .png, .svg, .html or .json."
    ),
    as_json: bool = JSON,
    as_csv: bool = CSV,
) -> None:
    """Cheapest price at fixed capability over time, and how fast it falls (×/yr with intervals)."""
    from llmflation.trends.fit import InsufficientDataError, fit_decline
    from llmflation.trends.series import parse_blend

    exclusive(json=as_json, csv=as_csv)
    if points is not None:
        _trend_points(points, level, seed, chart, as_json, as_csv)
        return
    series = _series(benchmark, threshold, blend, hosts, include_reasoning, start, until)
    recs = [series_point_record(p) for p in series.records]
    fit = None
    refusal = None
    try:
        fit = fit_decline([(p.date, p.price) for p in series.records], level=level, seed=seed)
    except InsufficientDataError as exc:
        refusal = str(exc)
    if chart is not None:
        _write_trend_chart(series, fit, chart)
    if as_csv:
        emit_csv(recs)
    elif as_json:
        if fit is None:
            from llmflation.errors import InputError

            raise InputError(refusal or "no fit")
        emit_json({**trend_record(series, fit),
                   "score_rule": "max reported value per model (latest snapshot for lmarena_elo)"})
    else:
        table(
            f"New lows at {series.threshold.label} (USD per 1M tokens, blend {parse_blend(blend)[0]}:"
            f"{parse_blend(blend)[1]}, hosts {series.hosts})",
            ["date", "model", "provider", "blended", "input", "output", "score", "source"],
            [
                (fmt.date(p.date), p.model, p.provider, fmt.money(p.price), fmt.money(p.input),
                 fmt.money(p.output), fmt.score(p.score), p.source)
                for p in series.records
            ],
            justify_right=["blended", "input", "output", "score"],
            drop=("source", "input", "output", "provider"),
        )
        out = stdout()
        if fit is not None:
            for line in _fit_lines(fit):
                out.print(line)
        if chart is not None:
            info(f"Chart written to {chart}")
    if refusal is not None:
        from llmflation.errors import InputError

        raise InputError(refusal)


def _trend_points(
    path: Path, level: float, seed: int, chart: Path | None, as_json: bool, as_csv: bool
) -> None:
    from llmflation.trends.fit import fit_decline
    from llmflation.trends.points import read_points

    pts = read_points(path)
    fit = fit_decline([(p.date, p.price) for p in pts], level=level, seed=seed)
    recs = [{"date": p.date, "model": p.label, "price": p.price} for p in pts]
    if chart is not None:
        from decimal import Decimal

        from llmflation.charts.trends import Curve, curves_spec
        from llmflation.report.render import write_chart
        from llmflation.trends.series import CapabilitySeries, SeriesPoint, Threshold

        sp = tuple(
            SeriesPoint(p.date, p.label, "", p.price, p.price, p.price, Decimal(0), str(path)) for p in pts
        )
        s = CapabilitySeries(
            Threshold("points", Decimal(0), path.name), (1, 0), "any", False, None, pts[-1].date, sp, sp, 0
        )
        write_chart(curves_spec([Curve(path.name, s, fit)], title=f"Points from {path.name}"), chart)
    if as_csv:
        emit_csv(recs)
    elif as_json:
        emit_json({"source_file": str(path), **fit.as_dict(), "points": recs})
    else:
        table(
            f"Points from {path}",
            ["date", "label", "price"],
            [(fmt.date(p.date), p.label, fmt.money(p.price)) for p in pts],
            justify_right=["price"],
        )
        for line in _fit_lines(fit):
            stdout().print(line)


def _write_trend_chart(series: CapabilitySeries, fit: DeclineFit | None, chart: Path) -> None:
    from llmflation.charts.trends import Curve, curves_spec
    from llmflation.report.render import write_chart

    sub = f"record lows (dots), floor (line), Epoch-method fit (dashed); hosts {series.hosts}"
    write_chart(
        curves_spec(
            [Curve(series.threshold.label, series, fit)],
            title=f"Cheapest price at {series.threshold.label}",
            subtitle=sub,
        ),
        chart,
    )


def forecast(
    to: str = typer.Option(..., "--to", help="Target date (YYYY-MM or YYYY-MM-DD)."),
    benchmark: str = BENCHMARK,
    threshold: str = THRESHOLD,
    blend: str = BLEND,
    hosts: str = HOSTS,
    include_reasoning: bool = REASONING,
    start: str | None = FROM,
    until: str | None = UNTIL,
    points: Path | None = POINTS,
    level: float = LEVEL,
    seed: int = SEED,
    backtest: str | None = typer.Option(
        None, "--backtest", help="Cutoff date: fit up to it, forecast 6 and 12 months, compare."
    ),
    as_json: bool = JSON,
) -> None:
    """Project the fixed-capability price to a date, with a prediction interval (and optional backtest)."""
    from llmflation.trends.fit import fit_decline, fmt_factor, fmt_price
    from llmflation.trends.forecast import backtest as run_backtest
    from llmflation.trends.forecast import forecast as run_forecast

    target = parse_date(to, "--to")
    assert target is not None
    series = None
    if points is not None:
        from llmflation.trends.points import read_points

        pts = [(p.date, p.price) for p in read_points(points)]
    else:
        series = _series(benchmark, threshold, blend, hosts, include_reasoning, start, until)
        pts = [(p.date, p.price) for p in series.records]
    fit = fit_decline(pts, level=level, seed=seed)
    fc = run_forecast(fit, target, level=level, observed_low=min((p for _, p in pts), default=None))
    bt = None
    if backtest is not None:
        if series is None:
            raise typer.BadParameter("a backtest needs the ledger, not --points", param_hint="--backtest")
        cutoff = parse_date(backtest, "--backtest")
        assert cutoff is not None
        bt = run_backtest(series, cutoff, level=level, seed=seed)
    label = series.threshold.label if series else str(points)
    record: dict[str, Any] = {
        "series": label,
        "to": fc.target,
        "level": fc.level,
        "central": fc.central,
        "low": fc.low,
        "high": fc.high,
        "unit": "USD per 1M tokens (model output)",
        "fit": fit.as_dict(),
        "path": [{"date": p.date, "central": p.central, "low": p.low, "high": p.high} for p in fc.path],
        "observed_low": fc.observed_low,
        "note": fc.note,
    }
    if bt is not None:
        record["backtest"] = {
            "cutoff": bt.cutoff,
            "fit": bt.fit.as_dict(),
            "rows": [
                {
                    "horizon_months": r.horizon_months,
                    "target": r.target,
                    "predicted": r.predicted,
                    "low": r.low,
                    "high": r.high,
                    "actual": r.actual,
                    "actual_model": r.actual_model,
                    "error_pct": r.error_pct,
                    "log10_error": r.log10_error,
                    "inside_interval": r.inside,
                }
                for r in bt.rows
            ],
        }
    if as_json:
        emit_json(record)
        return
    from rich.markup import escape

    from llmflation.trends.forecast import interval_text

    floor = fc.floor
    out = stdout()
    out.print(
        f"[bold]{escape(fmt.text(label))}[/bold]: fitted {fmt_factor(fit.factor_per_year)}/yr on {fit.n} record "
        f"lows ({fmt.date(fit.start)} → {fmt.date(fit.end)})."
    )
    out.print(
        f"Forecast for {fmt.date(fc.target)}: [bold]{fmt_price(fc.central, floor)}[/bold] per 1M tokens "
        f"({fmt.percent(fc.level)} prediction interval {interval_text(fc.low, fc.high, floor)})."
    )
    if fc.note:
        info(f"Note: {fc.note}.")
    if bt is not None:
        table(
            f"Backtest: fit on record lows up to {bt.cutoff} ({fmt_factor(bt.fit.factor_per_year)}/yr, "
            f"n={bt.fit.n})",
            ["horizon", "date", "predicted", "interval", "actual", "actual model", "error"],
            [
                (
                    f"{r.horizon_months} months",
                    fmt.date(r.target),
                    fmt_price(r.predicted, floor),
                    interval_text(r.low, r.high, floor),
                    "not yet observed" if r.actual is None else fmt_price(r.actual),
                    r.actual_model or "",
                    ""
                    if r.error_pct is None
                    else f"{fmt.percent(r.error_pct / 100, signed=True)} "
                    f"({'inside' if r.inside else 'outside'} interval)",
                )
                for r in bt.rows
            ],
            justify_right=["predicted"],
            drop=("actual model",),
        )


def claims(
    claims_file: list[Path] = typer.Option([], "--claims", help="Extra claims TOML file (repeatable)."),
    no_bundled: bool = typer.Option(False, "--no-bundled", help="Check only the --claims files."),
    as_json: bool = JSON,
) -> None:
    """Check published claims ("10× per year", "95% in two years", …) against the ledger."""
    from llmflation.trends.claims import check_claims, load_claims

    found = [] if no_bundled else load_claims()
    for f in claims_file:
        found.extend(load_claims(f))
    if not found:
        raise typer.BadParameter(
            "no claims to check: drop --no-bundled or pass --claims FILE", param_hint="--claims"
        )
    results = check_claims(_ledger(), found)
    if as_json:
        emit_json([r.as_dict() for r in results])
        return
    colour = {"supported": "green", "partly": "yellow", "not supported": "red", "insufficient data": "dim"}
    out = stdout()
    table(
        "Claims checked against the ledger",
        ["claim", "claimed", "computed", "verdict"],
        [(r.claim.id, r.claimed, r.computed, r.verdict) for r in results],
    )
    for r in results:
        out.print(f"\n[bold]{r.claim.id}[/bold] — [{colour[r.verdict]}]{r.verdict}[/{colour[r.verdict]}]")
        out.print(f"  “{r.claim.text}” — {r.claim.source}{' ' + r.claim.url if r.claim.url else ''}")
        out.print(f"  {r.settings}. {r.explanation}")
        if r.evidence:
            table(
                None,
                ["role", "date", "model", "provider", "$/M", "input", "output", "source"],
                [
                    (
                        e["role"],
                        e["date"],
                        e["model"],
                        e["provider"],
                        e["price"],
                        e["input"],
                        e["output"],
                        e["source"],
                    )
                    for e in r.evidence
                ],
            )


def report(
    out: Path = typer.Option(
        Path("llmflation-report"),
        "--out",
        "-o",
        help="Directory to write report.html, charts (PNG, SVG, JSON) and data into.",
    ),
    images: bool = typer.Option(True, "--images/--no-images", help="Also write each chart as PNG and SVG."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON summary (paths and headline figures)."),
) -> None:
    """Write the LLMflation report: one offline HTML file with charts and tables, plus PNG/SVG charts."""
    from llmflation.report.build import build_report, summary_lines

    ledger = _ledger()
    with _progress() as step:
        result = build_report(ledger, out, images=images, progress=step)
    if as_json:
        emit_json(result.summary())
        return
    console = stdout()
    for line in summary_lines(result):
        console.print(line)


class _progress:
    """A Rich progress bar on stderr; yields a callback(description) that advances one step."""

    def __enter__(self) -> Any:
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        from llmflation.cli.output import stderr

        self._p = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TimeElapsedColumn(),
            console=stderr(),
            transient=True,
        )
        self._p.start()
        self._t = self._p.add_task("report", total=None)

        def step(desc: str, total: int | None = None) -> None:
            if total is not None:
                self._p.update(self._t, total=total)
            self._p.update(self._t, description=desc, advance=1)

        return step

    def __exit__(self, *exc: object) -> None:
        self._p.stop()


def register(app: typer.Typer) -> None:
    app.command("trend")(trend)
    app.command("forecast")(forecast)
    app.command("claims")(claims)
    app.command("report")(report)
