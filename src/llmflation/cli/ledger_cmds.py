"""Ledger commands: models, price, history, data check, and the user's own price layer."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from llmflation.cli.options import parse_date
from llmflation.cli.output import emit_csv, emit_json, exclusive, info, table

if TYPE_CHECKING:
    from llmflation.ledger.records import Model, Price

JSON = typer.Option(False, "--json", help="Print JSON to stdout.")
CSV = typer.Option(False, "--csv", help="Print CSV to stdout.")

data_app = typer.Typer(help="Validate and inspect the bundled ledger data.", no_args_is_help=True)
user_app = typer.Typer(help="Your private layer: negotiated prices and discounts that win over bundled data.",
                       no_args_is_help=True)


def price_record(p: Price) -> dict[str, Any]:
    """The documented JSON shape of one price (keys stable: scripts rely on them)."""
    return {
        "model": p.model, "provider": p.provider, "tier": p.tier,
        "valid_from": p.valid_from, "valid_to": p.valid_to,
        "input_usd_per_mtok": p.input, "output_usd_per_mtok": p.output,
        "cached_input_usd_per_mtok": p.cached_input, "cache_write_usd_per_mtok": p.cache_write,
        "batch_discount": p.batch_discount,
        "long_context": None if p.long_context_threshold is None else {
            "threshold_tokens": p.long_context_threshold, "input_usd_per_mtok": p.long_input,
            "output_usd_per_mtok": p.long_output, "cached_input_usd_per_mtok": p.long_cached_input},
        "source": p.source, "confidence": p.confidence, "origin": p.origin, "note": p.note,
    }


def model_record(m: Model) -> dict[str, Any]:
    return {
        "id": m.id, "name": m.name, "developer": m.developer, "release_date": m.release_date,
        "open_weights": m.open_weights, "reasoning": m.reasoning, "aliases": list(m.aliases),
        "params_total_b": m.params_total_b, "params_active_b": m.params_active_b,
        "context_window": m.context_window, "source": m.source, "confidence": m.confidence,
    }


def _ledger() -> Any:
    from llmflation.ledger.ledger import open_ledger

    return open_ledger()


def models(
    search: str | None = typer.Option(None, "--search", "-s", help="Filter by text in id, name, alias or developer."),
    as_json: bool = JSON, as_csv: bool = CSV,
) -> None:
    """List models in the ledger."""
    exclusive(json=as_json, csv=as_csv)
    found = _ledger().models(search)
    records = [model_record(m) for m in found]
    if as_json:
        emit_json(records)
    elif as_csv:
        emit_csv(records)
    else:
        table(f"{len(found)} models", ["id", "name", "developer", "released", "open", "reasoning"],
              [(m.id, m.name, m.developer, m.release_date, "yes" if m.open_weights else "",
                "yes" if m.reasoning else "") for m in found])


def price(
    model: str = typer.Argument(..., help="Model id, alias or display name (case-insensitive)."),
    provider: str | None = typer.Option(None, "--provider", "-p", help="Only this provider (e.g. openai, together)."),
    at: str | None = typer.Option(None, "--at", help="Date (YYYY-MM-DD); default today."),
    as_json: bool = JSON,
) -> None:
    """The price in effect for a model at a date, per provider (cheapest first)."""
    when = parse_date(at)
    found = _ledger().price(model, at=when, provider=provider)
    records = [price_record(p) for p in found]
    if as_json:
        emit_json(records[0] if len(records) == 1 else records)
        return
    table(f"{found[0].model} on {when or 'today'} (USD per 1M tokens)",
          ["provider", "input", "output", "cached in", "batch off", "from", "to", "confidence", "source"],
          [(p.provider, p.input, p.output, p.cached_input, p.batch_discount, p.valid_from, p.valid_to or "current",
            p.confidence, p.source) for p in found], justify_right=["input", "output", "cached in"])


def history(model: str = typer.Argument(..., help="Model id, alias or display name."), as_json: bool = JSON,
            as_csv: bool = CSV) -> None:
    """Every recorded price interval for a model, across providers."""
    exclusive(json=as_json, csv=as_csv)
    found = _ledger().history(model)
    records = [price_record(p) for p in found]
    if as_json:
        emit_json(records)
    elif as_csv:
        emit_csv(records)
    else:
        table("Price history (USD per 1M tokens)", ["provider", "tier", "from", "to", "input", "output", "cached in",
                                                     "confidence", "source"],
              [(p.provider, p.tier, p.valid_from, p.valid_to or "current", p.input, p.output, p.cached_input,
                p.confidence, p.source) for p in found], justify_right=["input", "output", "cached in"])


def scores(model: str = typer.Argument(...), as_json: bool = JSON) -> None:
    """Capability scores recorded for a model, with their sources."""
    found = _ledger().scores(model)
    if as_json:
        emit_json(found)
        return
    table("Scores", ["benchmark", "value", "as of", "setting", "source"],
          [(s.benchmark, s.value, s.as_of, s.setting, s.source) for s in found])


@data_app.command("check")
def data_check(as_json: bool = JSON) -> None:
    """Validate the bundled data and the store; print coverage counts."""
    from llmflation.ledger.loading import dating_warnings, load_bundled

    bundled = load_bundled()  # raises DataError listing every bad line
    warnings = [w for p in bundled.prices for w in dating_warnings(p)]
    ledger = _ledger()
    cov = ledger.coverage()
    record = {
        "ok": True, "dating_warnings": warnings,
        "models": cov.models, "prices": cov.prices, "price_changes": cov.price_changes,
        "scores": cov.scores, "scored_models": cov.scored_models, "unsourced": cov.unsourced,
        "providers": cov.providers, "benchmarks": cov.benchmarks, "first_price": cov.first_price,
        "last_change": cov.last_change, "store": str(ledger.store.path) if ledger.store else None,
    }
    if as_json:
        emit_json(record)
        return
    info("[green]Ledger data is valid.[/green]")
    for w in warnings[:20]:
        info(f"[yellow]dating:[/] {w}")
    if len(warnings) > 20:
        info(f"… and {len(warnings) - 20} more dating warnings (all with --json)")
    table("Coverage", ["what", "count"], [(k, v) for k, v in record.items() if k not in ("ok", "dating_warnings")])


@user_app.command("add-prices")
def user_add_prices(
    file: Path = typer.Argument(..., help="CSV with prices.csv columns (source/confidence optional)."),
) -> None:
    """Add negotiated or private prices from a CSV; the whole file is rejected if any line is bad."""
    from llmflation.ledger.user_layer import import_user_prices

    n = import_user_prices(file)
    info(f"Added {n} user price row(s) from {file}. They win over the bundled data.")


@user_app.command("discount")
def user_discount(
    provider: str = typer.Option(..., "--provider", help="Provider the discount applies to."),
    percent: str = typer.Option(..., "--percent", help="Percent off, e.g. 20."),
    valid_from: str = typer.Option(..., "--from", help="First day (YYYY-MM-DD)."),
    valid_to: str | None = typer.Option(None, "--to", help="Day it ends (exclusive); open if omitted."),
    model: str | None = typer.Option(None, "--model", help="Only this model (default: all of the provider's)."),
    note: str = typer.Option("", "--note"),
) -> None:
    """Record a negotiated discount, e.g. 20% off a provider from a date."""
    from llmflation.ledger.user_layer import add_discount

    d = add_discount(provider, percent, parse_date(valid_from, "--from"), parse_date(valid_to, "--to"), model, note)
    info(f"Recorded {d.fraction * 100:g}% off {d.model or 'all models'} at {d.provider} from {d.valid_from}.")


@user_app.command("list")
def user_list(as_json: bool = JSON) -> None:
    """Show your layer: user prices and discounts."""
    from llmflation.ledger.store import Store

    store = Store()
    store.ensure_current()
    prices, discounts = store.user_layer()
    if as_json:
        emit_json({"prices": [price_record(p) for p in prices], "discounts": discounts})
        return
    table("User prices", ["model", "provider", "from", "to", "input", "output", "source"],
          [(p.model, p.provider, p.valid_from, p.valid_to or "current", p.input, p.output, p.source) for p in prices])
    table("User discounts", ["provider", "model", "percent", "from", "to", "note"],
          [(d.provider, d.model or "all", d.fraction * 100, d.valid_from, d.valid_to or "open", d.note)
           for d in discounts])


@user_app.command("clear")
def user_clear(yes: bool = typer.Option(False, "--yes", help="Confirm.")) -> None:
    """Remove your whole layer (bundled data is untouched)."""
    from llmflation.ledger.store import Store

    if not yes:
        raise typer.BadParameter("pass --yes to remove every user price and discount", param_hint="--yes")
    store = Store()
    store.ensure_current()
    n_p, n_d = store.clear_user_layer()
    info(f"Removed {n_p} user price(s) and {n_d} discount(s).")


def register(app: typer.Typer) -> None:
    app.command("models")(models)
    app.command("price")(price)
    app.command("history")(history)
    app.command("scores")(scores)
    app.add_typer(data_app, name="data")
    app.add_typer(user_app, name="user")
