"""Ledger commands: models, price, history, data check, and the user's own price layer."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import typer

from llmflation import format as fmt
from llmflation.cli.options import flag_names, parse_date
from llmflation.cli.output import emit_csv, emit_json, exclusive, info, table
from llmflation.shapes import model_record, price_record

JSON = typer.Option(False, "--json", help="Print JSON to stdout.")
CSV = typer.Option(False, "--csv", help="Print CSV to stdout.")

data_app = typer.Typer(help="Validate and inspect the bundled ledger data.", no_args_is_help=True)
user_app = typer.Typer(help="Your private layer: negotiated prices and discounts that win over bundled data.",
                       no_args_is_help=True)


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
        if not found:
            info(f"No model matches {search!r}. Try a shorter --search, or `llmflation models` for every model.")
            raise typer.Exit(1)
        table(f"{len(found)} models", ["id", "name", "developer", "released", "open", "reasoning"],
              [(m.id, m.name, m.developer, fmt.date(m.release_date), "yes" if m.open_weights else "",
                "yes" if m.reasoning else "") for m in found], drop=("name", "reasoning", "open", "developer"))


def warn_past_data(ledger: Any, when: Any, flag: str = "--at") -> None:
    """Say so on stderr when a date lies after the newest data: the answer is the last recorded price, not news."""
    newest = ledger.data_as_of()
    if when is not None and newest is not None and when > newest:
        info(f"Note: {flag} {when} is after the newest price data ({newest}); prices shown are the last on "
             "record and may have changed since (`llmflation forecast` projects the trend).")


def _per_mtok(d: Any) -> str:
    return "" if d is None else fmt.money_per_mtok(d)


def _share(d: Any) -> str:
    return "" if d is None else fmt.percent(d)


def price(
    model: str = typer.Argument(..., help="Model id, alias or display name (case-insensitive)."),
    provider: str | None = typer.Option(None, "--provider", "-p", help="Only this provider (e.g. openai, together)."),
    at: str | None = typer.Option(None, "--at", help="Date (YYYY-MM-DD); default today."),
    tier: str = typer.Option("standard", "--tier", "-t",
                             help="Service tier: standard, flex, priority or off-peak (any letter case)."),
    as_json: bool = JSON,
) -> None:
    """The price in effect for a model name at a date, per provider (cheapest first).

    The name is resolved as sent on that day: a moving alias (gpt-4o, deepseek-chat, *-latest) means the snapshot
    it pointed to then, and the answer says so ("gpt-4o on 2025-01-10 → openai/gpt-4o-2024-08-06"). Flex,
    priority and off-peak prices are separate tiers (`--tier`); the answer names the other tiers on sale.
    """
    from llmflation.errors import InputError
    from llmflation.ledger.user_layer import KNOWN_TIERS, normalise_tier

    when = parse_date(at)
    try:
        tier = normalise_tier(tier)  # "FLEX" is flex, as in the web API
    except InputError:
        raise typer.BadParameter(f"{tier!r}: choose {', '.join(KNOWN_TIERS)}", param_hint="--tier") from None
    ledger = _ledger()
    resolution, found = ledger.price_resolved(model, at=when, provider=provider, tier=tier)
    warn_past_data(ledger, when)
    records = [price_record(p, resolution) for p in found]
    if as_json:
        emit_json(records[0] if len(records) == 1 else records)
        return
    day = when or date.today()
    info(f"Resolved: {resolution.describe()}")
    label = "" if tier == "standard" else f", {tier} tier"
    table(f"{found[0].model}{label} on {fmt.date(day)} (USD per 1M tokens)",
          ["provider", "input", "output", "cached in", "batch off", "from", "to", "confidence", "source"],
          [(p.provider, _per_mtok(p.input), _per_mtok(p.output), _per_mtok(p.cached_input), _share(p.batch_discount),
            fmt.date(p.valid_from), fmt.date(p.valid_to) if p.valid_to else "current", p.confidence, p.source)
           for p in found], justify_right=["input", "output", "cached in", "batch off"],
          drop=("source", "confidence", "batch off", "cached in"))  # the price and its dates stay whole
    _note_windows(found)
    others = ledger.other_tiers(found[0].model, day, provider, tier)
    if others:
        info(f"Also sold in other tiers on {fmt.date(day)}: {', '.join(others)} (pass --tier).")
    _warn_shutdowns(ledger, found, when)


def _note_windows(found: Any) -> None:
    """An off-peak price applies only inside its UTC window: say which, since the table has no column for it."""
    for p in found:
        if p.window_utc:
            from llmflation.ledger.windows import describe

            info(f"{p.provider} {p.tier}: applies {describe(p.window_utc)} UTC only; outside that the standard price "
                 "applies.")


def _warn_shutdowns(ledger: Any, found: Any, when: date | None) -> None:
    """One line on stderr per shown offer whose vendor has announced its shutdown after `when`."""
    day = when or date.today()
    for p in found:
        notice = ledger.shutdown_notice(p.model, p.provider, day)
        if notice:
            info(f"Note: {notice}")


def history(model: str = typer.Argument(..., help="Model id, alias or display name."),
            at: str | None = typer.Option(None, "--at", help="Resolve a moving name as on this date "
                                          "(YYYY-MM-DD); default today."),
            as_json: bool = JSON, as_csv: bool = CSV) -> None:
    """Every recorded price interval for a model, across providers."""
    exclusive(json=as_json, csv=as_csv)
    ledger = _ledger()
    resolution = ledger.resolve_name(model, at=parse_date(at))
    found = ledger.history(resolution.model.id)
    records = [price_record(p) for p in found]
    if resolution.moved or resolution.via == "alias":
        info(f"Resolved: {resolution.describe()}")
    if as_json:
        emit_json(records)
    elif as_csv:
        emit_csv(records)
    else:
        table("Price history (USD per 1M tokens)", ["provider", "tier", "from", "to", "input", "output", "cached in",
                                                     "confidence", "source"],
              [(p.provider, p.tier, fmt.date(p.valid_from), fmt.date(p.valid_to) if p.valid_to else "current",
                _per_mtok(p.input), _per_mtok(p.output), _per_mtok(p.cached_input), p.confidence, p.source)
               for p in found], justify_right=["input", "output", "cached in"])


def scores(model: str = typer.Argument(...), as_json: bool = JSON) -> None:
    """Capability scores recorded for a model, with their sources."""
    found = _ledger().scores(model)
    if as_json:
        emit_json(found)
        return
    table("Scores", ["benchmark", "value", "as of", "setting", "source"],
          [(s.benchmark, fmt.score(s.value), fmt.date(s.as_of), s.setting, s.source) for s in found],
          justify_right=["value"])


@data_app.command("check")
def data_check(
    as_json: bool = JSON,
    by_provider: bool = typer.Option(False, "--by-provider",
                                     help="Also count per seller: current rows checked and stale, effective and "
                                          "first-seen changes, retired offers, the sources most rows cite."),
) -> None:
    """Validate the bundled data and the store; print coverage counts and the coverage targets.

    Exit 0 when the data is valid, even when coverage targets are unmet (they measure coverage, not validity: see
    `targets` in --json); exit 1 when the data is invalid.
    """
    from llmflation.ledger.ledger import stale_before
    from llmflation.ledger.loading import consistency_warnings, dating_warnings, lifecycle_warnings, load_bundled

    data = load_bundled()  # raises DataError listing every bad line
    dating = [w for p in data.prices for w in dating_warnings(p)]
    models = {m.id: m for m in data.models}
    consistency = [w for p in data.prices for w in consistency_warnings(p, models.get(p.model))]
    ledger = _ledger()
    cov = ledger.coverage(data.release)
    warnings = lifecycle_warnings(data.prices, data.lifecycle)
    record = {
        "ok": True, "dating_warnings": dating, "consistency_warnings": consistency, **cov.record(),
        "store": str(ledger.store.path) if ledger.store else None,
        "names": len(data.names), "lifecycle": len(data.lifecycle), "warnings": warnings,
    }
    per_provider = ledger.provider_coverage(data.release) if by_provider else None
    if per_provider is not None:
        record["by_provider"] = [c.record() for c in per_provider]
    if as_json:
        emit_json(record)
        return
    info("[green]Ledger data is valid.[/green]")
    rows = []
    for k, v in record.items():
        if k in ("ok", "warnings", "dating_warnings", "consistency_warnings", "targets", "open_past_shutdown_offers",
                 "hosts_after_developer_shutdown_offers", "names_without_price_spans", "by_provider"):
            continue
        if isinstance(v, dict):
            rows.append((k, ", ".join(f"{name} {n}" for name, n in v.items()) or "—"))
        elif isinstance(v, int) and not isinstance(v, bool):
            rows.append((k, fmt.count(v)))
        else:
            rows.append((k, "—" if v is None else str(v)))
    table("Coverage", ["what", "count"], rows)
    if per_provider is not None:
        table(f"Coverage by provider (current = in effect on {cov.release}; checked = on or after "
              f"{stale_before(cov.release)})",
              ["provider", "models", "rows", "current", "checked", "stale", "effective changes", "first offered",
               "scheduled", "first-seen changes", "retired", "sources most cited"],
              [(c.provider, fmt.count(c.models), fmt.count(c.prices), fmt.count(c.current), fmt.count(c.checked),
                fmt.count(c.stale), fmt.count(c.effective_changes), fmt.count(c.effective_new_rates),
                fmt.count(c.scheduled_changes), fmt.count(c.first_seen_changes), fmt.count(c.retired_offers),
                ", ".join(f"{s} ({n})" for s, n in c.top_sources)) for c in per_provider],
              justify_right=["models", "rows", "current", "checked", "stale", "effective changes", "first offered",
                             "scheduled", "first-seen changes", "retired"])
    targets = cov.targets()
    table("Coverage targets", ["target", "value", "goal", "met"],
          [(t.name, fmt.count(t.value), t.goal, "yes" if t.met else "NOT MET") for t in targets],
          justify_right=["value"])
    unmet = [t.name for t in targets if not t.met]
    if unmet:
        info(f"{len(unmet)} of {len(targets)} coverage targets not met ({', '.join(unmet)}); the data is still "
             "valid (exit 0).")
    shown = cov.open_past_shutdown_offers[:5]
    for model, provider, day in shown:
        info(f"[yellow]open past shutdown:[/] {model} @ {provider} (shut down {day})")
    if cov.open_past_shutdown > len(shown):
        info(f"… and {cov.open_past_shutdown - len(shown)} more open offers past their shutdown (all with --json)")
    if cov.hosts_after_developer_shutdown:
        info(f"{len(cov.hosts_after_developer_shutdown)} host offer(s) of closed-weight models their developer has "
             "shut down are still open with no host date on record (not a target; --json lists them)")
    for w in warnings:
        info(f"[yellow]warning:[/yellow] {w}")
    for w in consistency:
        info(f"[yellow]consistency:[/] {w}")
    for w in dating[:20]:
        info(f"[yellow]dating:[/] {w}")
    if len(dating) > 20:
        info(f"… and {len(dating) - 20} more dating warnings (all with --json)")


@user_app.command("add-prices")
def user_add_prices(
    file: Path = typer.Argument(..., help="CSV with prices.csv columns (source/confidence optional)."),
) -> None:
    """Add negotiated or private prices from a CSV; the whole file is rejected if any line is bad."""
    from llmflation.ledger.user_layer import import_user_prices

    n = import_user_prices(_ledger(), file)
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

    with flag_names(percent="--percent", valid_from="--from", valid_to="--to"):
        d = add_discount(_ledger(), provider, percent, parse_date(valid_from, "--from"), parse_date(valid_to, "--to"),
                         model, note)
    info(f"Recorded {fmt.percent(d.fraction)} off {d.model or 'all models'} at {d.provider} from {d.valid_from}.")


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
    if not prices and not discounts:
        info("Your layer is empty. Add prices with `llmflation user add-prices FILE.csv` or a discount with "
             "`llmflation user discount --provider P --percent 20 --from YYYY-MM-DD`.")
        return
    table("User prices", ["model", "provider", "tier", "from", "to", "input", "output", "source"],
          [(p.model, p.provider, p.tier, fmt.date(p.valid_from), fmt.date(p.valid_to) if p.valid_to else "current",
            _per_mtok(p.input), _per_mtok(p.output), p.source) for p in prices], justify_right=["input", "output"])
    table("User discounts", ["provider", "model", "off", "from", "to", "note"],
          [(d.provider, d.model or "all", fmt.percent(d.fraction), fmt.date(d.valid_from),
            fmt.date(d.valid_to) if d.valid_to else "open", d.note) for d in discounts], justify_right=["off"])


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
