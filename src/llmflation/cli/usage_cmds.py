"""`llmflation usage …`: ingest usage logs, then price and analyse them (spend, trend, what-if, Jevons, reconcile)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from llmflation import format as fmt
from llmflation.cli import options
from llmflation.cli.options import parse_date, usage_errors
from llmflation.cli.output import emit_csv, emit_json, exclusive, info, table, tell
from llmflation.values import LIMITS

if TYPE_CHECKING:
    from llmflation.usage.analytics import SpendReport

app = typer.Typer(help="Your usage logs: ingest them, price every request at the price in effect that day, "
                       "and analyse the spend.", no_args_is_help=True)

JSON = typer.Option(False, "--json", help="Print JSON to stdout.")
CSV = typer.Option(False, "--csv", help="Print CSV to stdout.")
ENGINE = typer.Option("duckdb", "--engine", help="duckdb (embedded, default), spark (local mode), a Spark master "
                                                 "URL (spark://host:7077), or any Ibis connection URL.")
SOURCE = typer.Option(None, "--source", help="Price canonical Parquet (a file or folder, as `usage export` "
                                             "writes) instead of the ingested store.")
SINCE = typer.Option(None, "--since", help="First day (YYYY-MM-DD or YYYY-MM), inclusive.")
UNTIL = typer.Option(None, "--until", help="Last day (YYYY-MM-DD or YYYY-MM), exclusive.")


def _ledger() -> Any:
    from llmflation.ledger.ledger import open_ledger

    return open_ledger()


def _source(source: Path | None) -> Any:
    from llmflation.usage.store import UsageStore

    return source if source is not None else UsageStore()


def _usd(d: Any, places: int | None = None) -> str:
    """Money for people (significant digits that fit the magnitude); ``places`` is ignored (kept for callers)."""
    return "" if d is None else fmt.money(d)


def _cost(r: Any) -> str:
    """A spend row's cost: 'unpriced' when nothing in it has a price (never $0), '*' when part of it has none."""
    if not r.priced_requests and r.unpriced_requests:
        return "unpriced"
    return _usd(r.cost_usd) + (" *" if r.unpriced_requests else "")


def _per_m(d: Any) -> str:
    return "" if d is None else fmt.money(d)


PERIODS = frozenset({"period", "day", "week", "month", "quarter", "year"})


def _period(value: Any, by: str) -> str:
    """A period start as people name it: 2025-03 for a month, 2025-Q1, 2025; days and weeks as dates."""
    from datetime import date, datetime

    if not isinstance(value, (date, datetime)):
        return fmt.text(value)
    grain = next((g for g in ("year", "quarter", "month") if g in by.split(",") or by == g), None)
    if grain == "year":
        return f"{value:%Y}"
    if grain == "quarter":
        return f"{value.year}-Q{(value.month - 1) // 3 + 1}"
    if grain == "month":
        return f"{value:%Y-%m}"
    return fmt.date(value)


def _pct(d: Any) -> str:
    """A percentage given in percent units (12.5 → 12.5%)."""
    from decimal import Decimal

    return "" if d is None else fmt.percent(Decimal(str(d)) / 100)


def _rules(rules: dict[str, int]) -> str:
    """{'first-party': 4} → 'first-party 4 requests'."""
    return ", ".join(f"{name} {fmt.count(n)}" for name, n in rules.items()) or "none"


def _require_usage(source: Path | None) -> None:
    """Stop with a hint when there is nothing to analyse (an empty store and no --source)."""
    if source is not None:
        return
    from llmflation.errors import InputError
    from llmflation.usage.store import UsageStore

    store = UsageStore()
    if not store.path.exists() or store.status()["rows"] == 0:
        raise InputError(f"the usage store ({store.path}) is empty: nothing to analyse yet. Ingest your logs first, "
                         "e.g. `llmflation usage ingest logs/*.jsonl` (see `llmflation usage ingest --help` for "
                         "the formats), or point --source at canonical Parquet.")


@app.command("ingest")
def ingest(
    files: list[Path] = typer.Argument(..., help="Usage log files (JSONL, JSON, CSV, Parquet)."),
    log_format: str = typer.Option("auto", "--format", "-f", help="auto (detect by fields), openai-chat, openai-usage, "
                                                           "anthropic, otel, litellm, langfuse, generic, or a "
                                                           "plugin's format (`llmflation usage formats`)."),
    mapping: list[str] = typer.Option(None, "--map", help="generic format: FIELD=COLUMN (repeatable), fields ts, "
                                                          "model, provider, request_id, requests, input, "
                                                          "input_uncached, cache_read, cache_write, output, "
                                                          "output_text, output_reasoning, project, user, tags, cost, "
                                                          "batch."),
    keep_unknown: bool = typer.Option(False, "--keep-unknown", help="Keep rows whose model is not in the ledger "
                                                                    "(reported as unpriced) instead of quarantining."),
    as_json: bool = JSON,
) -> None:
    """Read usage logs into the store: one transaction, idempotent, bad rows quarantined with their reason."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from llmflation.cli.output import stderr
    from llmflation.usage.readers import parse_mapping
    from llmflation.usage.store import UsageStore, check_paths

    check_paths(files)
    ledger = _ledger()
    store = UsageStore()
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=stderr(), transient=True) as bar:
        tasks: dict[str, Any] = {}

        def progress(path: str, done: int, expected: int | None) -> None:
            if path not in tasks:
                tasks[path] = bar.add_task(Path(path).name, total=expected)
            bar.update(tasks[path], completed=done, total=max(expected or 0, done) or None)

        report = store.ingest(files, ledger, fmt=log_format, mapping=parse_mapping(mapping),
                              keep_unknown=keep_unknown, progress=progress)
    records: list[dict[str, Any]] = [{"file": f.path, "format": f.format, "read": f.read, "accepted": f.accepted,
                "quarantined": f.quarantined, "duplicates": f.duplicates, "conflicts": f.conflicts,
                "skipped": f.skipped,
                "new_quarantine_entries": f.new_quarantine_entries,
                "kept_unknown_model": f.unpriced_unknown_model, "quarantine_reasons": dict(f.reasons),
                "reconciles": f.reconciles} for f in report.files]
    if as_json:
        emit_json({"ingest_id": report.ingest_id, "store": str(store.path), "files": records,
                   "totals": report.totals(), "seconds": round(report.seconds, 3)})
        return
    table("ingest", ["file", "format", "read", "accepted", "quarantined", "duplicates", "conflicts", "skipped"],
          [(Path(r["file"]).name, r["format"], fmt.count(r["read"]), fmt.count(r["accepted"]),
            fmt.count(r["quarantined"]), fmt.count(r["duplicates"]), fmt.count(r["conflicts"]),
            fmt.count(r["skipped"])) for r in records],
          justify_right=("read", "accepted", "quarantined", "duplicates", "conflicts", "skipped"))
    t = report.totals()
    info(f"read {fmt.count(t['read'])} = accepted {fmt.count(t['accepted'])} + quarantined "
         f"{fmt.count(t['quarantined'])} + duplicates {fmt.count(t['duplicates'])} + conflicts "
         f"{fmt.count(t['conflicts'])}  ({fmt.count(t['skipped'])} non-usage records skipped; {report.seconds:.1f} s)")
    if t["quarantined"]:
        info("See why: `llmflation usage quarantine`")
    if t["conflicts"]:
        info(f"{t['conflicts']} row(s) reuse a stored request id with different content; they are kept aside, "
             "not counted. Review: `llmflation usage conflicts`; settle: `llmflation usage conflicts --keep "
             "first|latest`")


def _spend_rows(report: SpendReport) -> list[dict[str, Any]]:
    return [r.as_dict() for r in report.rows]


@app.command("spend")
def spend(
    by: str = typer.Option("month,model", "--by", help="Comma list: one period of day, week, month, quarter, year "
                                                      "and dimensions model, provider, project, user, tag, format, "
                                                      "provider_rule."),
    since: str | None = SINCE, until: str | None = UNTIL, engine: str = ENGINE, source: Path | None = SOURCE,
    as_json: bool = JSON, as_csv: bool = CSV,
) -> None:
    """Spend by period × dimension, every request priced at the price in effect on its day."""
    from llmflation.usage.analytics import spend as run

    exclusive(json=as_json, csv=as_csv)
    _require_usage(source)
    report = run(_source(source), _ledger(), by=by, since=parse_date(since, "--since"),
                 until=parse_date(until, "--until"), engine=engine)
    if as_json:
        emit_json(report.as_dict())
        return
    if as_csv:
        emit_csv([{k: v for k, v in r.items() if k != "cost_by_bucket_usd"} for r in _spend_rows(report)])
        return
    cols = [*report.by, "requests", "tokens", "cost", "$/M tok", "unpriced req"]
    table(f"spend by {', '.join(report.by) or 'total'} ({report.engine})", cols,
          [(*(_period(v, by) if k in PERIODS else v for k, v in r.keys.items()), fmt.count(r.requests),
            fmt.tokens(r.tokens), _cost(r), _per_m(r.usd_per_mtok),
            fmt.count(r.unpriced_requests) if r.unpriced_requests else "") for r in report.rows],
          justify_right=("requests", "tokens", "cost", "$/M tok", "unpriced req"), drop=("requests", "unpriced req"))
    if any(r.unpriced_requests and r.priced_requests for r in report.rows):
        info("* the cost covers the priced requests only: the row also has unpriced ones (listed below)")
    if not report.rows:
        info("No usage in that window: widen --since/--until (`llmflation usage status` shows the days held).")
    t = report.total
    info(f"total {_usd(t.cost_usd)} for {fmt.count(t.priced_requests)} priced requests; which provider's price "
         f"applied: {_rules(report.provider_rules)}")
    for u in report.unpriced[:10]:
        tell(f"UNPRICED {fmt.count(u.requests)} request(s) {u.model} "
                             f"({u.provider or 'no provider'}): {u.detail}")
    for n in report.notes:
        tell(f"note: {n}")


@app.command("trend")
def trend(
    period: str = typer.Option("month", "--period", help="day, week, month, quarter or year."),
    since: str | None = SINCE, until: str | None = UNTIL, engine: str = ENGINE, source: Path | None = SOURCE,
    as_json: bool = JSON, as_csv: bool = CSV,
) -> None:
    """Effective $ per 1M tokens over time, next to token volume."""
    from llmflation.usage.analytics import trend as run

    exclusive(json=as_json, csv=as_csv)
    _require_usage(source)
    points = run(_source(source), _ledger(), period=period, since=parse_date(since, "--since"),
                 until=parse_date(until, "--until"), engine=engine)
    if as_json:
        emit_json(points)
    elif as_csv:
        emit_csv([p.__dict__ for p in points])
    else:
        table(f"effective $/M tokens vs volume by {period}", ["period", "requests", "tokens", "cost", "$/M tok"],
              [(_period(p.period, period), fmt.count(p.requests), fmt.tokens(p.tokens), _usd(p.cost_usd),
                _per_m(p.usd_per_mtok)) for p in points],
              justify_right=("requests", "tokens", "cost", "$/M tok"))


@app.command("reprice")
def reprice(
    to: str | None = typer.Option(None, "--to", help="Model to re-price the traffic on."),
    floor: str | None = typer.Option(None, "--floor", help="Instead of --to: the cheapest model whose best score "
                                                           "meets BENCHMARK>=VALUE (e.g. gpqa_diamond>=60)."),
    provider: str | None = typer.Option(None, "--provider", help="Price the target at this provider (default: "
                                                                 "first-party, else earliest listed)."),
    period: str | None = typer.Option(None, "--period", help="YYYY, YYYY-Qn, YYYY-MM or START..END (instead of "
                                                             "--since/--until)."),
    since: str | None = SINCE, until: str | None = UNTIL, engine: str = ENGINE, source: Path | None = SOURCE,
    as_json: bool = JSON,
) -> None:
    """What-if: the same traffic on another model, at that model's price in effect on each request's day."""
    from llmflation.usage.analytics import parse_period
    from llmflation.usage.analytics import reprice as run

    start, end = parse_date(since, "--since"), parse_date(until, "--until")
    if period:
        p = parse_period(period)
        start, end = p.start, p.end
    if (to is None) == (floor is None):
        raise typer.BadParameter("give exactly one of --to MODEL or --floor BENCHMARK>=VALUE")
    _require_usage(source)
    report = run(_source(source), _ledger(), to=to, floor=options.parse_floor(floor, "--floor"), provider=provider,
                 since=start, until=end, engine=engine)
    if as_json:
        emit_json(report)
        return
    info(f"actual spend of {fmt.count(report.priced_requests)} priced requests: {_usd(report.actual_cost_usd)}")
    table("what-if (cheapest first)", ["model", "what-if cost", "savings", "savings %", "covered", "uncovered"],
          [(t.model, _usd(t.whatif_cost_usd), _usd(t.savings_usd), _pct(t.savings_pct),
            fmt.count(t.covered_requests), fmt.count(t.uncovered_requests) if t.uncovered_requests else "")
           for t in report.candidates[:15]],
          justify_right=("what-if cost", "savings", "savings %", "covered", "uncovered"), drop=("uncovered", "covered"))
    if report.chosen:
        c = report.chosen
        tell(f"{'chosen' if floor else 'target'}: {c.model} — saves {_usd(c.savings_usd)} "
                             f"({_pct(c.savings_pct)}) on {fmt.count(c.covered_requests)} requests")
    for n in report.notes:
        tell(f"note: {n}")


@app.command("jevons")
def jevons(
    before: str = typer.Option(..., "--before", help="Period: YYYY, YYYY-Qn, YYYY-MM, YYYY-MM-DD or START..END."),
    after: str = typer.Option(..., "--after", help="Period, same forms as --before."),
    by: str = typer.Option("model", "--by", help="Segments: model, provider, project, user, tag or format."),
    engine: str = ENGINE, source: Path | None = SOURCE, as_json: bool = JSON,
) -> None:
    """Split the spend change between two periods into volume, mix and price effects (LMDI-I)."""
    from llmflation.usage.analytics import jevons as run
    from llmflation.usage.analytics import parse_period

    _require_usage(source)
    report = run(_source(source), _ledger(), parse_period(before), parse_period(after), by=by, engine=engine)
    d = report.decomposition
    if as_json:
        emit_json({"before": report.before, "after": report.after, "by": report.by, "engine": report.engine,
                   "before_tokens": report.before_tokens, "after_tokens": report.after_tokens,
                   "spend_before_usd": d.before, "spend_after_usd": d.after, "change_usd": d.change,
                   "volume_usd": d.volume, "mix_usd": d.mix, "price_usd": d.price, "volume_factor": d.volume_factor,
                   "mix_factor": d.mix_factor, "price_factor": d.price_factor, "segments": d.segments,
                   "unpriced_requests": report.unpriced_requests, "notes": report.notes})
        return
    table(f"spend {report.before.label} → {report.after.label}", ["effect", "USD", "factor"], [
        ("before", _usd(d.before), ""), ("after", _usd(d.after), ""),
        ("volume (more tokens)", _usd(d.volume), fmt.factor(d.volume_factor)),
        ("mix (other models)", _usd(d.mix), fmt.factor(d.mix_factor)),
        ("price (same models)", _usd(d.price), fmt.factor(d.price_factor)),
        ("change", _usd(d.change), ""),
    ], justify_right=("USD", "factor"))
    info(f"tokens {fmt.tokens(report.before_tokens)} → {fmt.tokens(report.after_tokens)}")
    for n in report.notes:
        tell(f"note: {n}")


@app.command("reconcile")
def reconcile(
    tolerance: str = typer.Option("0.01", "--tolerance", help="Relative difference that counts as a disagreement."),
    since: str | None = SINCE, until: str | None = UNTIL, engine: str = ENGINE, source: Path | None = SOURCE,
    as_json: bool = JSON, as_csv: bool = CSV,
) -> None:
    """Compare a provider- or gateway-reported cost column with our pricing, per day × model × provider."""
    from llmflation.usage.analytics import reconcile as run
    from llmflation.values import parse_tolerance

    exclusive(json=as_json, csv=as_csv)
    with usage_errors("--tolerance"):
        tol = parse_tolerance(tolerance, "--tolerance")
    _require_usage(source)
    report = run(_source(source), _ledger(), tolerance=tol, since=parse_date(since, "--since"),
                 until=parse_date(until, "--until"), engine=engine)
    if as_json:
        emit_json(report)
        return
    if as_csv:
        emit_csv([d.__dict__ for d in report.disagreements])
        return
    info(f"{fmt.count(report.rows_with_reported_cost)} requests carry a reported cost: reported "
         f"{_usd(report.reported_usd)}, computed {_usd(report.computed_usd)}; "
         f"{fmt.count(len(report.disagreements))} of {fmt.count(report.groups)} day×model groups disagree beyond "
         f"{fmt.percent(tol)}")
    if not report.disagreements:
        return
    table("disagreements", ["day", "model", "provider", "requests", "reported", "computed", "diff", "why"],
          [(fmt.date(d.day), d.model, d.provider, fmt.count(d.requests), _usd(d.reported_usd),
            _usd(d.computed_usd), _usd(d.difference_usd), d.reason) for d in report.disagreements[:50]],
          justify_right=("requests", "reported", "computed", "diff"), drop=("why", "requests", "provider"))


@app.command("quarantine")
def quarantine(
    file: str | None = typer.Option(None, "--file", help="Only rows from this file (path or its tail)."),
    reason: str | None = typer.Option(None, "--reason", help="Only reasons containing this text."),
    limit: int = typer.Option(200, "--limit", **LIMITS["limit"].min_max, help="At most this many rows (0 = all)."),
    as_json: bool = JSON, as_csv: bool = CSV,
) -> None:
    """Rows that were not ingested: file, row, field and reason (and the raw text)."""
    from llmflation.usage.store import UsageStore

    exclusive(json=as_json, csv=as_csv)
    entries = UsageStore().quarantine(file=file, reason=reason, limit=limit or None)
    if as_json:
        emit_json(entries)
    elif as_csv:
        emit_csv([e.__dict__ for e in entries])
    else:
        table(f"{len(entries)} quarantined row(s)", ["file", "row", "field", "reason"],
              [(Path(e.source_file).name, e.row, e.field, e.reason) for e in entries])


@app.command("status")
def status(as_json: bool = JSON) -> None:
    """What the usage store holds: rows, days, formats, ingests."""
    from llmflation.usage.store import UsageStore

    s = UsageStore().status()
    if as_json:
        emit_json(s)
        return
    if not s["rows"] and not s["ingests"]:
        info(f"{s['path']} is empty. Ingest your logs: `llmflation usage ingest logs/*.jsonl`.")
        return
    info(f"{s['path']}: {fmt.count(s['rows'])} rows ({fmt.count(s['requests'])} requests) from "
         f"{fmt.date(s['first_day'])} to {fmt.date(s['last_day'])}, {fmt.count(s['models'])} models, "
         f"{fmt.count(s['quarantined'])} quarantined, {fmt.count(s['unknown_model_rows'])} unknown-model rows, "
         f"{fmt.count(s['conflicts'])} unresolved conflicting version(s) of {fmt.count(s['conflicting_ids'])} "
         "request id(s)")
    table("ingests", ["id", "started", "read", "accepted", "quarantined", "duplicates", "conflicts"],
          [(i["id"], str(i["started_at"])[:19], fmt.count(i["read"]), fmt.count(i["accepted"]),
            fmt.count(i["quarantined"]), fmt.count(i["duplicates"]), fmt.count(i["conflicts"])) for i in s["ingests"]],
          justify_right=("read", "accepted", "quarantined", "duplicates", "conflicts"))
    if s["conflicts"]:
        info("Review: `llmflation usage conflicts`; settle: `llmflation usage conflicts --keep first|latest`")


@app.command("conflicts")
def conflicts(
    keep: str | None = typer.Option(None, "--keep", help="Settle the conflicts: first (keep the stored version, "
                                                         "discard the others) or latest (replace it with the most "
                                                         "recently ingested version)."),
    key: str | None = typer.Option(None, "--key", help="Only this row key (as listed)."),
    as_json: bool = JSON,
) -> None:
    """Request ids ingested again with different content: the stored version and the versions kept aside."""
    from llmflation.usage.store import UsageStore

    store = UsageStore()
    if keep is not None:
        if keep not in ("first", "latest"):
            raise typer.BadParameter("choose first or latest", param_hint="--keep")
        done = store.resolve_conflicts(keep, key)
        if as_json:
            emit_json({"keep": keep, **done})
        else:
            info(f"settled {done['keys']} request id(s): {done['replaced']} stored version(s) replaced by the "
                 f"latest, {done['discarded']} version(s) discarded")
        return
    found = store.conflicts()
    if key:
        found = [c for c in found if c["row_key"] == key]
    if as_json:
        emit_json(found)
        return
    rows = []
    for c in found:
        for label, v in [("stored", c["stored"]), *[(f"ingest {a['ingest_id']}", a) for a in c["kept_aside"]]]:
            if v is None:
                continue
            rows.append((c["row_key"], label, v["ts"], v["model_raw"], v["input_uncached"] + v["cache_read"]
                         + v["cache_write"], v["output_text"] + v["output_reasoning"], _usd(v["reported_cost"], 6),
                         f"{Path(v['source_file']).name}:{v['source_row']}"))
    table(f"{len(found)} conflicting request id(s)", ["row key", "version", "ts", "model", "input", "output",
                                                       "reported", "from"], rows,
          justify_right=("input", "output", "reported"))
    if found:
        info("Settle: `llmflation usage conflicts --keep first` (keep stored) or `--keep latest`")


@app.command("formats")
def formats(as_json: bool = JSON) -> None:
    """The usage-log formats this installation reads: built-in, and plugins (entry points `llmflation.readers`)."""
    from llmflation.usage.readers import BUILTIN_FORMATS, registry

    rows: list[dict[str, Any]] = [{"format": r.name, "origin": "built-in" if r.name in BUILTIN_FORMATS else "plugin",
             "containers": list(r.containers), "detected_by_fields": bool(r.sniff_record or r.sniff_columns),
             "description": r.description} for r in registry().values()]
    if as_json:
        emit_json(rows)
        return
    table("usage-log formats", ["format", "origin", "files", "description"],
          [(r["format"], r["origin"], ", ".join(r["containers"]), r["description"]) for r in rows])


@app.command("export")
def export(out: Path = typer.Argument(..., help="Parquet file to write (canonical schema).")) -> None:
    """Write the stored usage as canonical Parquet (what --source and other engines read)."""
    from llmflation.usage.store import UsageStore

    n = UsageStore().export_parquet(out)
    info(f"wrote {fmt.count(n)} rows to {out}")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="usage")
