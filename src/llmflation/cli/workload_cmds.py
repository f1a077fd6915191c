"""Workload commands: `bill` (itemised bill, ranking, cheapest capable model) and `jevons` (bill over time,
scenarios, and the volume/mix/price decomposition of a change in spend)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from llmflation import format as fmt
from llmflation import values
from llmflation.cli import options
from llmflation.cli.options import parse_date
from llmflation.cli.output import emit_csv, emit_json, exclusive, info, say, stdout, table
from llmflation.shapes import decomposition_record, mix_record, offer_record, point_record, workload_record
from llmflation.values import LIMITS, WORKLOAD_FIELDS

if TYPE_CHECKING:
    from llmflation.workload.bill import OfferBill, Ranking
    from llmflation.workload.decompose import Decomposition
    from llmflation.workload.spec import Workload
    from llmflation.workload.timeline import MonthPoint, Timeline

JSON = typer.Option(False, "--json", help="Print JSON to stdout.")
CSV = typer.Option(False, "--csv", help="Print CSV to stdout.")


def _help(field: str) -> str:
    return WORKLOAD_FIELDS[field].description


def _ledger() -> Any:
    from llmflation.ledger.ledger import open_ledger

    return open_ledger()


def parse_floor(text: str | None) -> dict[str, Any] | None:
    """`mmlu>=80` (or `mmlu=80`, `mmlu:80`) → {"benchmark": "mmlu", "min": Decimal("80")} (llmflation.values)."""
    floor = options.parse_floor(text, "--floor")
    return None if floor is None else {"benchmark": floor.benchmark, "min": floor.minimum}


def load(path: Path | None, overrides: dict[str, Any], ledger: Any) -> Workload:
    """Workload from a TOML file and/or flags, validated and checked against the ledger (models, benchmark)."""
    from llmflation.workload.spec import load_workload

    given = {k: v for k, v in overrides.items() if v is not None}
    if path is None:
        w = load_workload({"name": "flags", **given}, where="workload from flags")
    else:
        w = load_workload(path, overrides=given)
    w.check_against(ledger)
    return w


def _money(d: Any, places: int | None = None) -> str:
    """Money for people (significant digits that fit the magnitude); ``places`` is ignored (kept for callers)."""
    return "" if d is None else fmt.money(d)


def _pct(d: Any) -> str:
    return "" if d is None else fmt.percent(d)


def _tok(d: Any) -> str:
    return "" if d is None else fmt.tokens(d)


def _print_items(b: OfferBill) -> None:
    rows = [(it.name, _tok(it.tokens_per_task),
             "" if it.usd_per_mtok is None else _money(it.usd_per_mtok, 4), _money(it.per_task_usd, 6),
             _money(it.monthly_usd, 2)) for it in b.items if it.monthly_usd != 0 or it.tokens_per_task]
    rows.append(("total", "", "", _money(b.per_task_usd, 6), _money(b.monthly_usd, 2)))
    table(f"{b.model} on {b.provider}, prices of {fmt.date(b.price_valid_from)} in effect {fmt.date(b.at)}",
          ["item", "tokens/task", "$/1M", "$/task", "$/month"], rows,
          justify_right=["tokens/task", "$/1M", "$/task", "$/month"])
    if b.margin is not None:
        stdout().print(f"Revenue {_money(b.margin.revenue_per_task_usd)}/task → gross margin "
                       f"{_pct(b.margin.gross_margin)} ({_money(b.margin.monthly_gross_profit_usd, 2)}/month)")
    for x in b.warnings:
        say(f"⚠ {fmt.text(x.message)}")


def _print_ranking(r: Ranking, top: int) -> None:
    shown = r.offers[:top]
    rows = [(i + 1, b.model, b.provider, _money(b.per_task_usd, 6), _money(b.monthly_usd, 2),
             _money(b.usd_per_mtok, 4), _pct(b.margin.gross_margin) if b.margin else "",
             "" if b.score is None else fmt.score(b.score), "*" if b.warnings else "") for i, b in enumerate(shown)]
    floor = f", floor {r.floor_benchmark} ≥ {r.floor_min}" if r.floor_benchmark else ""
    table(f"{len(r.offers)} offers at {r.at}{floor} (showing {len(shown)})",
          ["#", "model", "provider", "$/task", "$/month", "$/1M tok", "margin", "score", "⚠"], rows,
          justify_right=["#", "$/task", "$/month", "$/1M tok", "margin", "score"],
          drop=("score", "margin", "$/task", "provider"))
    codes: dict[str, int] = {}
    for b in shown:
        for x in b.warnings:
            codes[x.code] = codes.get(x.code, 0) + 1
    for code, n in sorted(codes.items()):
        stdout().print(f"⚠ {n} shown offer(s) marked * use a fallback: {FALLBACK_TEXT.get(code, code)}")
    if r.unscored:
        info(f"{len(r.unscored)} model(s) have no {r.floor_benchmark} score and were left out.")
    if r.below_floor:
        info(f"{len(r.below_floor)} model(s) score below the floor.")


FALLBACK_TEXT = {
    "cached_input_missing": "no cached-input price; cache reads billed at the full input price",
    "cache_write_missing": "no cache-write price; cache writes billed at the input price",
    "long_context_missing": "no long-context tier; long prompts billed at standard prices",
    "long_cached_input_missing": "no long-context cached price; billed at the long input price",
    "long_cache_write_derived": "long-context cache writes billed at cache_write × long_input / input",
    "batch_missing": "no batch discount on record; batch calls billed at full price",
}


# -- bill -------------------------------------------------------------------------------------------------

def bill(
    workload: Path | None = typer.Argument(None, help="Workload TOML file (see examples/). Flags override it."),
    at: str | None = typer.Option(None, "--at", help="Date whose prices apply (YYYY-MM-DD); default today."),
    model: list[str] | None = typer.Option(None, "--model", "-m",
                                           help="Only this model (repeatable); one model prints its itemised bill."),
    provider: str | None = typer.Option(None, "--provider", "-p", help="Only this provider."),
    top: int = typer.Option(10, "--top", "-n", **LIMITS["top"].min_max,
        help="How many offers to show (JSON/CSV: all when omitted)."),
    floor: str | None = typer.Option(None, "--floor", help="Capability floor, e.g. mmlu>=80 (overrides the file)."),
    tasks_per_month: str | None = typer.Option(None, "--tasks-per-month", help=_help("tasks_per_month")),
    calls_per_task: str | None = typer.Option(None, "--calls-per-task", help=_help("calls_per_task")),
    input_tokens: str | None = typer.Option(None, "--input-tokens", help=_help("input_tokens")),
    output_tokens: str | None = typer.Option(None, "--output-tokens", help=_help("output_tokens")),
    reasoning_tokens: str | None = typer.Option(None, "--reasoning-tokens", help=_help("reasoning_tokens")),
    reasoning_multiplier: str | None = typer.Option(None, "--reasoning-multiplier", help=_help("reasoning_multiplier")),
    cached_input_share: str | None = typer.Option(None, "--cached-input-share", help=_help("cached_input_share")),
    cache_write_share: str | None = typer.Option(None, "--cache-write-share", help=_help("cache_write_share")),
    batch_share: str | None = typer.Option(None, "--batch-share", help=_help("batch_share")),
    long_context_share: str | None = typer.Option(None, "--long-context-share", help=_help("long_context_share")),
    monthly_growth: str | None = typer.Option(None, "--monthly-growth", help=_help("monthly_growth")),
    revenue_per_task: str | None = typer.Option(None, "--revenue-per-task", help=_help("revenue_per_task")),
    cache_write_1h_share: str | None = typer.Option(None, "--cache-write-1h-share", help=_help("cache_write_1h_share")),
    off_peak_share: str | None = typer.Option(None, "--off-peak-share", help=_help("off_peak_share")),
    input_audio_share: str | None = typer.Option(None, "--input-audio-share", help=_help("input_audio_share")),
    output_audio_share: str | None = typer.Option(None, "--output-audio-share", help=_help("output_audio_share")),
    regional_share: str | None = typer.Option(None, "--regional-share", help=_help("regional_share")),
    service_tier: str | None = typer.Option(None, "--service-tier", help="standard, flex or priority."),
    as_json: bool = JSON, as_csv: bool = CSV,
) -> None:
    """A workload's bill on every capable offer at a date, cheapest first, itemised; the cheapest capable model."""
    exclusive(json=as_json, csv=as_csv)
    from llmflation.errors import NoPriceError
    from llmflation.workload.bill import bill_mix, bill_model, rank_offers

    when = parse_date(at) or date.today()
    ledger = _ledger()
    if at is not None:
        from llmflation.cli.ledger_cmds import warn_past_data

        warn_past_data(ledger, when)
    given = locals()
    overrides: dict[str, Any] = {f: given[f] for f in WORKLOAD_FIELDS}  # every workload flag, by the one list
    overrides["floor"] = parse_floor(floor)
    overrides["service_tier"] = service_tier
    w = load(workload, overrides, ledger)
    models = list(model or [])
    resolutions = [ledger.resolve_name(m, provider, when) for m in models]
    for r in resolutions:
        if r.moved or r.via == "alias":
            info(f"Resolved: {r.describe()}")
    if len(models) == 1:
        offers = bill_model(ledger, w, models[0], when, provider, tier=w.service_tier)
        from llmflation.workload.bill import Ranking

        ranking = Ranking(at=when, offers=offers, floor_benchmark=w.floor.benchmark if w.floor else None,
                          floor_min=w.floor.min if w.floor else None)
    else:
        ranking = rank_offers(ledger, w, when, models=models or None, provider=provider, tier=w.service_tier)
    mix = None
    if w.models and not models:
        try:
            mix = bill_mix(ledger, w, when, tier=w.service_tier)
        except NoPriceError as exc:
            info(f"Your mix has no bill at {when}: {exc}")
    top_given = top != 10
    if as_json:
        shown = ranking.offers[:top] if top_given else ranking.offers
        emit_json({
            "at": when, "workload": workload_record(w),
            "floor": None if w.floor is None else {"benchmark": w.floor.benchmark, "min": w.floor.min},
            "offers_total": len(ranking.offers),
            "cheapest": offer_record(ranking.offers[0], 1) if ranking.offers else None,
            "offers": [offer_record(b, i + 1) for i, b in enumerate(shown)],
            "mix": None if mix is None else mix_record(mix),
            "excluded": {"below_floor": ranking.below_floor, "unscored": ranking.unscored},
            "resolved": [r.record() for r in resolutions],
        })
        return
    if as_csv:
        shown = ranking.offers[:top] if top_given else ranking.offers
        rows = []
        for i, b in enumerate(shown):
            row: dict[str, Any] = {"rank": i + 1, "model": b.model, "provider": b.provider, "at": b.at,
                                   "monthly_usd": b.monthly_usd, "per_task_usd": b.per_task_usd,
                                   "usd_per_mtok": b.usd_per_mtok}
            row.update({f"{it.name}_monthly_usd": it.monthly_usd for it in b.items})
            row["gross_margin"] = b.margin.gross_margin if b.margin else None
            row["score"] = b.score
            row["warnings"] = [x.code for x in b.warnings]
            rows.append(row)
        emit_csv(rows)
        return
    if not ranking.offers:
        floor_txt = f" meeting {w.floor.benchmark} ≥ {w.floor.min}" if w.floor else ""
        say(f"No offer{floor_txt} is in effect at {when}. Lower the floor or pick another --at.")
        raise typer.Exit(0)
    _describe(w)
    _print_ranking(ranking, top)
    best = ranking.offers[0]
    label = "Cheapest capable offer" if w.floor else "Cheapest offer"
    from rich.markup import escape

    stdout().print(f"\n{label}: [bold]{escape(fmt.text(best.model))}[/bold] on {escape(fmt.text(best.provider))} — "
                   f"{_money(best.monthly_usd, 2)}/month, "
                   f"{_money(best.per_task_usd, 6)}/task")
    _print_items(best)
    if mix is not None:
        say(f"\nYour mix ({', '.join(f'{fmt.percent(s)} {fmt.text(b.model)}' for s, b in mix.parts)}): "
                       f"{_money(mix.monthly_usd, 2)}/month, {_money(mix.per_task_usd, 6)}/task"
                       + (f", gross margin {_pct(mix.margin.gross_margin)}" if mix.margin else ""))
        for x in mix.warnings:
            say(f"⚠ {fmt.text(x.message)}")


def _describe(w: Workload) -> None:
    from rich.markup import escape

    info(f"Workload {escape(fmt.text(repr(w.name)))}: {fmt.count(w.tasks_per_month)} tasks/month × "
         f"{fmt.score(w.calls_per_task)} calls × ({fmt.tokens(w.input_tokens)} in + {fmt.tokens(w.output_tokens)} "
         f"out + {fmt.tokens(w.reasoning_per_call)} reasoning) tokens = "
         f"{fmt.tokens(w.tokens_per_month)} tokens/month")


# -- jevons -----------------------------------------------------------------------------------------------

def _print_decomposition(d: Decomposition, title: str) -> None:
    def fx(x: Any) -> str:
        return fmt.factor(x) if x else ""

    rows = [("before", _money(d.before, 2), ""), ("volume (activity)", _money(d.volume, 2), fx(d.volume_factor)),
            ("mix (across models)", _money(d.mix, 2), fx(d.mix_factor)),
            ("price (unit price)", _money(d.price, 2), fx(d.price_factor)),
            ("after", _money(d.after, 2), fx(d.ratio) if d.before else "")]
    table(title, ["", "USD/month", "factor"], rows, justify_right=["USD/month", "factor"])
    if any(s.volume == 0 and s.price == 0 and s.mix != 0 for s in d.segments):
        stdout().print("Note: a model that enters or leaves the mix counts wholly as mix (LMDI small-value limit); "
                       "use --by total to split the change into volume and unit price only.")


def _parse_share_range(text: str | None) -> tuple[Any, Any]:
    if text is None:
        return None, None
    with options.usage_errors("--reasoning-share"):
        return values.parse_share_range(text, "--reasoning-share")


def _decimal_opt(text: str | None, flag: str) -> Any:
    """A workload number flag, bounded like the workload field of the same name."""
    field = WORKLOAD_FIELDS[flag.removeprefix("--").replace("-", "_")]
    return options.parse_decimal(text, flag, low=field.low, high=field.high, open_low=field.open_low)


def _segments_by(point: MonthPoint, by: str) -> MonthPoint:
    """For --by total: fold every offer into one segment so the change splits into volume and unit price."""
    if by != "total":
        return point
    from dataclasses import replace

    from llmflation.workload.timeline import OfferShare

    if point.monthly_usd is None:
        return point
    from decimal import Decimal

    merged = OfferShare(Decimal(1), "all models", "all", point.monthly_usd,
                        point.tokens_per_month)
    return replace(point, offers=(merged,))


def _decompose(a: MonthPoint, b: MonthPoint, by: str) -> Decomposition:
    from llmflation.workload.timeline import decompose_points

    return decompose_points(_segments_by(a, by), _segments_by(b, by), "offer" if by == "offer" else "model")


def jevons(
    workloads: list[Path] = typer.Argument(..., help="One workload (timeline, or two dates) or BEFORE AFTER."),
    at_before: str | None = typer.Option(None, "--at-before", help="Date of the 'before' bill (default today)."),
    at_after: str | None = typer.Option(None, "--at-after", help="Date of the 'after' bill (default today)."),
    start: str | None = typer.Option(None, "--from", help="Timeline start month (default 36 months ago)."),
    end: str | None = typer.Option(None, "--to", help="Timeline end month (default 12 months ahead)."),
    policy: str = typer.Option("auto", "--policy",
                               help="fixed (your mix held), cheapest (switch monthly), both, or auto."),
    growth: str | None = typer.Option(None, "--monthly-growth", help="Override the workload's monthly growth."),
    reasoning_share: str | None = typer.Option(None, "--reasoning-share",
                                               help="Rising share of reasoning calls over the timeline, FROM:TO."),
    reasoning_multiplier: str | None = typer.Option(None, "--reasoning-multiplier",
                                                    help="Reasoning tokens per reasoning call, × output tokens."),
    annual_decline: str | None = typer.Option(None, "--annual-decline",
                                              help="Future months: prices fall this fraction a year (default flat)."),
    forecast: bool = typer.Option(False, "--forecast",
                                  help="Future months follow the trends forecast: the fitted yearly decline of the "
                                       "cheapest price at the workload's capability floor."),
    by: str = typer.Option("auto", "--by", help="Decomposition segments: model, offer (model@provider) or total "
                           "(one segment: volume vs unit price). auto: model for two points, total for a timeline."),
    chart: Path | None = typer.Option(None, "--chart", help="Write the Jevons chart (.png, .svg, .html, .json)."),
    as_json: bool = JSON, as_csv: bool = CSV,
) -> None:
    """The Jevons view: a workload's bill and unit price month by month (history and projection), and the split
    of a change in spend into volume, mix and price effects (LMDI-I, additive and multiplicative)."""
    exclusive(json=as_json, csv=as_csv)
    if forecast and annual_decline is not None:
        raise typer.BadParameter("choose one of --forecast and --annual-decline", param_hint="--forecast")
    if by not in ("auto", "model", "offer", "total"):
        raise typer.BadParameter(f"{by!r}: choose model, offer, total or auto", param_hint="--by")
    if policy not in ("auto", "fixed", "cheapest", "both"):
        raise typer.BadParameter(f"{policy!r}: choose fixed, cheapest, both or auto", param_hint="--policy")
    if not 1 <= len(workloads) <= 2:
        raise typer.BadParameter("give one workload (timeline or --at-before/--at-after) or two (BEFORE AFTER)",
                                 param_hint="WORKLOADS")
    if chart is not None:
        from llmflation.workload.charts import check_chart_path

        check_chart_path(chart)
    ledger = _ledger()
    loaded = [load(p, {}, ledger) for p in workloads]
    d_before, d_after = parse_date(at_before, "--at-before"), parse_date(at_after, "--at-after")
    if len(loaded) == 2 or d_before or d_after:
        if len(loaded) == 1 and not (d_before and d_after):
            raise typer.BadParameter("with one workload give both --at-before and --at-after (or neither, for "
                                     "the timeline)", param_hint="--at-before/--at-after")
        _two_points(ledger, loaded, d_before, d_after, policy, "model" if by == "auto" else by, as_json, as_csv)
        return
    _timeline(ledger, loaded[0], parse_date(start, "--from"), parse_date(end, "--to"), policy,
              _decimal_opt(growth, "--monthly-growth"), _parse_share_range(reasoning_share),
              _decimal_opt(reasoning_multiplier, "--reasoning-multiplier"),
              "forecast" if forecast else options.parse_decimal(annual_decline, "--annual-decline", low=0, high=1,
                                                                open_high=True),
              "total" if by == "auto" else by, chart, as_json, as_csv)


def _two_points(ledger: Any, loaded: list[Workload], d_before: date | None, d_after: date | None, policy: str,
                by: str, as_json: bool, as_csv: bool) -> None:
    from llmflation.workload.timeline import Scenario, point_for, workload_at

    today = date.today()
    before_w = loaded[0]
    after_w = loaded[-1]
    b_at, a_at = d_before or today, d_after or today
    if len(loaded) == 1:
        # the same workload later: it has grown by its monthly growth over the months in between
        gap = (a_at.year - b_at.year) * 12 + (a_at.month - b_at.month)
        if gap > 0:
            after_w = workload_at(before_w, Scenario(), gap, gap + 1)
    chosen: Any = None if policy in ("auto", "both") else policy
    before = point_for(ledger, before_w, b_at, chosen)
    after = point_for(ledger, after_w, a_at, chosen)
    d = _decompose(before, after, by)
    if as_json:
        emit_json({"before": {"workload": before_w.name, **point_record(before)},
                   "after": {"workload": after_w.name, **point_record(after)},
                   "decomposition": decomposition_record(d, by)})
        return
    if as_csv:
        emit_csv([{"key": s.key, "change_usd": s.change, "volume_usd": s.volume, "mix_usd": s.mix,
                   "price_usd": s.price} for s in d.segments])
        return
    for label, p, wl in (("before", before, before_w), ("after", after, after_w)):
        used = ", ".join(f"{fmt.percent(o.share)} {o.model} ({o.provider})" for o in p.offers)
        say(fmt.text(f"{label}: {wl.name} at {fmt.date(p.month)}: {_money(p.monthly_usd, 2)}/month for "
                     f"{fmt.tokens(p.tokens_per_month)} tokens ({fmt.money_per_mtok(p.usd_per_mtok)}) on {used}"))
    _print_decomposition(d, f"Change in monthly spend, by {by} (LMDI-I)")


def _timeline(ledger: Any, w: Workload, start: date | None, end: date | None, policy: str, growth: Any,
              share_range: tuple[Any, Any], mult: Any, decline: Any, by: str, chart: Path | None,
              as_json: bool, as_csv: bool) -> None:
    from rich.progress import Progress

    from llmflation.workload.timeline import (
        AnnualDecline,
        FlatPrices,
        Projection,
        Scenario,
        monthly_bills,
        trend_forecast,
    )

    today = date.today()
    start = start or date(today.year - 3, today.month, 1)
    end = end or date(today.year + 1, today.month, 1)
    if policy == "auto":
        policies = ["fixed", "cheapest"] if w.models else ["cheapest"]
    elif policy == "both":
        policies = ["fixed", "cheapest"]
    else:
        policies = [policy]
    projection: Projection = FlatPrices()
    if decline == "forecast":
        projection = trend_forecast(ledger, w, until=today)
    elif decline is not None:
        projection = AnnualDecline(decline)
    timelines: list[Timeline] = []
    with Progress(transient=True, console=_progress_console()) as bar:
        for pol in policies:
            task = bar.add_task(f"billing {pol}", total=None)
            scenario = Scenario(name=w.name, policy=pol,  # type: ignore[arg-type]
                                monthly_growth=growth, reasoning_share_from=share_range[0],
                                reasoning_share_to=share_range[1], reasoning_multiplier=mult)
            timelines.append(monthly_bills(
                ledger, w, start, end, scenario, projection, anchor=today,
                progress=_updater(bar, task)))
    if chart is not None:
        from llmflation.charts.dashboard import jevons as jevons_spec
        from llmflation.report.render import write_chart
        from llmflation.workload.charts import check_chart_path, nonempty_rows

        write_chart(jevons_spec(nonempty_rows(timelines), today, title=f"Jevons: {w.name}", width=640),
                    check_chart_path(chart))
        info(f"Chart written to {chart}")
    decomps = {}
    for tl in timelines:
        billed = tl.billed()
        if len(billed) >= 2:
            decomps[tl.scenario.policy] = (billed[0], billed[-1], _decompose(billed[0], billed[-1], by))
    if as_json:
        emit_json({
            "workload": workload_record(w), "projection": projection.name, "anchor": today,
            "annual_decline": None if decline == "forecast" else decline,
            "timelines": [{"policy": tl.scenario.policy, "points": [point_record(p) for p in tl.points]}
                          for tl in timelines],
            "decomposition": {pol: {"from": a.month, "to": b.month, **decomposition_record(d, by)}
                              for pol, (a, b, d) in decomps.items()},
        })
        return
    if as_csv:
        csv_rows = []
        for tl in timelines:
            for p in tl.points:
                r = point_record(p)
                r["offers"] = [f"{o['model']}@{o['provider']}" for o in r["offers"]]
                csv_rows.append(r)
        emit_csv(csv_rows)
        return
    for tl in timelines:
        rows = []
        for run in _runs_without_price(tl.points):
            p = run[0]
            if len(run) > 1:  # consecutive months with no price: one row, not one per month
                last = run[-1]
                rows.append((f"{p.month:%Y-%m} … {last.month:%Y-%m}", f"{p.note} ({len(run)} months)", "", "", "",
                             "", ""))
                continue
            rows.append((f"{p.month:%Y-%m}" + (" *" if p.projected else ""),
                         ", ".join(sorted({o.model for o in p.offers})) or p.note,
                         fmt.count(p.tasks_per_month), fmt.tokens(p.tokens_per_month),
                         _money(p.usd_per_mtok, 4), _money(p.monthly_usd, 2), _pct(p.gross_margin)))
        table(f"{w.name}: policy {tl.scenario.policy}, projection {projection.name} (* = projected)",
              ["month", "model", "tasks", "tokens", "$/1M tok", "$/month", "margin"], rows,
              justify_right=["tasks", "tokens", "$/1M tok", "$/month", "margin"],
              drop=("margin", "tasks"))
    for pol, (a, b, d) in decomps.items():
        if a.usd_per_mtok and b.usd_per_mtok and a.monthly_usd:
            assert b.monthly_usd is not None
            say(f"{pol}: unit price {_money(a.usd_per_mtok)} → {_money(b.usd_per_mtok)} per 1M tokens "
                f"({fmt.factor(b.usd_per_mtok / a.usd_per_mtok)}); bill {_money(a.monthly_usd, 2)} → "
                f"{_money(b.monthly_usd, 2)} ({fmt.factor(b.monthly_usd / a.monthly_usd)})")
        _print_decomposition(d, f"{pol}: change {a.month:%Y-%m} → {b.month:%Y-%m}, by {by} (LMDI-I)")


def _runs_without_price(points: Any) -> list[list[Any]]:
    """Group the timeline for display: each billed month alone, consecutive unbilled months with the same note
    together."""
    runs: list[list[Any]] = []
    for p in points:
        prev = runs[-1][-1] if runs else None
        if (p.monthly_usd is None and prev is not None and prev.monthly_usd is None and prev.note == p.note
                and prev.projected == p.projected):
            runs[-1].append(p)
        else:
            runs.append([p])
    return runs


def _updater(bar: Any, task: Any) -> Any:
    def update(done: int, total: int) -> None:
        bar.update(task, completed=done, total=total)

    return update


def _progress_console() -> Any:
    from llmflation.cli.output import stderr

    return stderr()


def register(app: typer.Typer) -> None:
    app.command("bill")(bill)
    app.command("jevons")(jevons)
