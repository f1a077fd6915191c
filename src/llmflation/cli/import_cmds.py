"""Importers (`llmflation import …`) and change detection (`llmflation data diff|status|conflicts`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from typer.core import TyperGroup

from llmflation.cli.ledger_cmds import data_app
from llmflation.cli.options import parse_date
from llmflation.cli.output import emit_csv, emit_json, exclusive, info, table
from llmflation.shapes import lifecycle_record, price_record
from llmflation.values import LIMITS

if TYPE_CHECKING:
    from llmflation.ledger.importers.changes import Diff, PriceMove, Status
    from llmflation.ledger.importers.delisting import CatalogueCheck, Delisting
    from llmflation.ledger.importers.merge import Conflict
    from llmflation.ledger.importers.run import ImportReport

JSON = typer.Option(False, "--json", help="Print JSON to stdout.")
CSV = typer.Option(False, "--csv", help="Print CSV to stdout.")
DATE = typer.Option(
    None, "--date", help="Day the snapshot was taken (YYYY-MM-DD); default: the file's mtime."
)

ADD_NEW = typer.Option(
    False,
    "--add-new",
    help="Add keys no ledger model matches as provisional models (confidence `derived`, flagged in "
    "`data status` until curated); only keys whose source names a developer the ledger knows.",
)


class _ImportGroup(TyperGroup):
    """`llmflation import KIND`: the built-in commands plus one per importer plugin (found lazily)."""

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        found = super().get_command(ctx, cmd_name)
        if found is not None:
            return found
        from llmflation.ledger.importers.registry import importers, registry

        importer = importers().get(cmd_name)
        if importer is None:
            return None
        return _plugin_command(importer.kind, importer.help, registry().origins.get(cmd_name) == "built-in")

    def list_commands(self, ctx: Any) -> list[str]:
        from llmflation.ledger.importers.registry import importers

        names = super().list_commands(ctx)
        return [*names, *sorted(k for k in importers() if k not in names)]


def _plugin_command(kind: str, help_text: str, builtin: bool = False) -> Any:
    """A `llmflation import KIND FILE` command for a registered importer (a plugin's, or a built-in one without a
    command of its own), built like the built-in ones."""
    sub = typer.Typer()

    text = f"Import {help_text}." if builtin else f"Import a saved {help_text or kind} file (importer plugin)."

    @sub.command(name=kind, help=text)
    def command(
        file: Path = typer.Argument(..., help="The source's saved JSON file."),
        when: str | None = DATE,
        add_new: bool = ADD_NEW,
        as_json: bool = JSON,
    ) -> None:
        from llmflation.ledger.importers.run import import_file

        _show_report(import_file(kind, file, parse_date(when, "--date"), add_new=add_new), as_json)

    cmd = typer.main.get_command(sub)
    cmd.name = kind
    return cmd


import_app = typer.Typer(
    cls=_ImportGroup,
    help="Import dated price snapshots (confidence `derived`) into the store; curated data is never "
    "overwritten. Sources come from the importer registry (entry-point group `llmflation.importers`).",
    no_args_is_help=True,
)


# -- records -------------------------------------------------------------------------------------------------
def conflict_record(c: Conflict) -> dict[str, Any]:
    return {
        "model": c.model,
        "provider": c.provider,
        "tier": c.tier,
        "from": c.start,
        "to": c.end,
        "winner": c.winner,
        "curated": {
            "input_usd_per_mtok": c.curated.input,
            "output_usd_per_mtok": c.curated.output,
            "valid_from": c.curated.valid_from,
            "valid_to": c.curated.valid_to,
            "source": c.curated.source,
            "confidence": c.curated.confidence,
        },
        "imported": {
            "input_usd_per_mtok": c.imported.input,
            "output_usd_per_mtok": c.imported.output,
            "valid_from": c.imported.valid_from,
            "valid_to": c.imported.valid_to,
            "source": c.imported.source,
        },
    }


def delisting_record(d: Delisting) -> dict[str, Any]:
    """One offer a provider's complete catalogue stopped listing (import reports, `data update`, `data status`)."""
    return {
        "model": d.model,
        "provider": d.provider,
        "tier": d.tier,
        "seen_gone_on": d.seen_on,
        "open_since": d.open_since,
        "held_open_by": _HELD_BY.get(d.origin, d.origin),
        "source": d.source,
        "catalogue": d.kind,
        "import_id": d.import_id,
    }


_HELD_BY = {"bundled": "curated", "imported": "imported", "user": "user", "adjusted": "curated or imported, discounted"}


def catalogue_record(c: CatalogueCheck) -> dict[str, Any]:
    return {
        "provider": c.provider,
        "seen_on": c.seen_on,
        "open_offers": c.open_offers,
        "listed": c.listed,
        "trusted": c.trusted,
        "reason": c.reason or None,
        "delisted": [delisting_record(d) for d in c.delisted],
    }


def _catalogue_lines(r: ImportReport, kind: str) -> None:
    """What a complete catalogue's import says about offers it no longer lists (nothing for other sources)."""
    for c in r.catalogue:
        if not c.trusted:
            info(f"[yellow]{kind}: {c.reason}[/]")
        elif c.delisted:
            curated = sum(1 for d in c.delisted if d.origin != "imported")
            info(f"{kind}: {len(c.delisted)} offer(s) the ledger held open at {c.provider} are no longer listed "
                 f"({c.listed} of {c.open_offers} still are): imported rows end on {c.seen_on}; {curated} curated "
                 "row(s) are kept open and flagged in `llmflation data status` until a data release ends them.")


def _delisted_table(ds: Sequence[Delisting], title: str) -> None:
    shown = list(ds[:50])
    table(f"{title} ({len(ds)}{'; first 50, all with --json' if len(ds) > 50 else ''})",
          ["model", "provider", "tier", "seen gone", "open since", "held open by", "source"],
          [(d.model, d.provider, d.tier, d.seen_on, d.open_since, _HELD_BY.get(d.origin, d.origin), d.source)
           for d in shown])


def report_record(r: ImportReport) -> dict[str, Any]:
    rec: dict[str, Any] = {
        "import_id": r.import_id,
        "kind": r.kind,
        "source": r.source,
        "snapshot": r.snapshot,
        "seen_on": r.seen_on,
        "entries": r.entries,
        "matched": r.matched,
        "unmatched_count": len(r.unmatched),
        "rows_written": len(r.rows),
        "skipped_count": len(r.skipped),
        "set_aside_count": r.set_aside,
        "conflict_count": len(r.conflicts),
        "unmatched": [
            {"key": u.key, "provider": u.provider, "suggestions": list(u.suggestions)} for u in r.unmatched
        ],
        "skipped": [{"key": s.key, "reason": s.reason} for s in r.skipped],
        "shadowed": [
            {"key": s.key, "model": s.model, "provider": s.provider, "preferred_key": s.preferred}
            for s in r.shadowed
        ],
        "flagged": [
            {
                "model": row.price.model,
                "provider": row.price.provider,
                "key": row.source_key,
                "valid_from": row.price.valid_from,
                "flags": list(row.flags),
            }
            for row in r.rows
            if row.flags
        ],
        "conflicts": [conflict_record(c) for c in r.conflicts],
        "catalogue": [catalogue_record(c) for c in r.catalogue],
        "new_models": [
            {"id": m.id, "name": m.name, "developer": m.developer, "confidence": m.confidence, "note": m.note}
            for m in r.new_models
        ],
    }
    if r.kind == "litellm-history":
        rec.update(
            {
                "commits": r.commits,
                "skipped_commits": [
                    {"commit": v.commit, "day": v.day, "error": v.error} for v in r.skipped_commits
                ],
                "dropped_typos": [
                    {
                        "key": d.key,
                        "day": d.day,
                        "commit": d.commit,
                        "input_usd_per_mtok": d.input,
                        "output_usd_per_mtok": d.output,
                        "reverted_on": d.reverted_on,
                        "reason": d.reason,
                    }
                    for d in r.dropped
                ],
                "events": [
                    {
                        "label": e.label,
                        "day": e.day,
                        "model": e.model,
                        "provider": e.provider,
                        "key": e.key,
                        "commit": e.commit,
                        "old": None
                        if e.old is None
                        else {"input_usd_per_mtok": e.old[0], "output_usd_per_mtok": e.old[1]},
                        "new": None
                        if e.new is None
                        else {"input_usd_per_mtok": e.new[0], "output_usd_per_mtok": e.new[1]},
                        "flags": list(e.flags),
                    }
                    for e in r.events
                ],
            }
        )
    return rec


def _show_report(r: ImportReport, as_json: bool) -> None:
    if as_json:
        emit_json(report_record(r))
        return
    info(f"Imported {len(r.rows)} price row(s) from {r.source} (import #{r.import_id}, seen {r.seen_on}).")
    table(
        "Import",
        ["what", "count"],
        [
            ("entries priced in the source", r.entries),
            ("matched to ledger models", r.matched),
            ("unmatched", len(r.unmatched)),
            ("skipped (not text / no price)", len(r.skipped) - r.set_aside),
            ("set aside (retired names, ended offers)", r.set_aside),
            ("rows written", len(r.rows)),
            ("flagged rows", sum(1 for x in r.rows if x.flags)),
            ("conflicts with curated rows", len(r.conflicts)),
            ("provisional models added", len(r.new_models)),
            *((("offers the catalogue no longer lists", sum(len(c.delisted) for c in r.catalogue if c.trusted)),)
              if r.catalogue else ()),
            *(
                (
                    ("commits read", r.commits),
                    ("invalid commits skipped", len(r.skipped_commits)),
                    ("typos dropped (reverted ≤ 7 days)", len(r.dropped)),
                    ("events", len(r.events)),
                )
                if r.kind == "litellm-history"
                else ()
            ),
        ],
    )
    if r.unmatched:
        shown = r.unmatched[:20]
        table(
            f"Unmatched keys ({len(r.unmatched)}; first {len(shown)}, all with --json)",
            ["key", "provider", "did you mean"],
            [(u.key, u.provider, ", ".join(u.suggestions)) for u in shown],
        )
    if r.conflicts:
        _conflict_table(r.conflicts[:20], f"Conflicts with curated rows ({len(r.conflicts)}; not resolved)")
    _catalogue_lines(r, r.kind)
    gone = [d for c in r.catalogue if c.trusted for d in c.delisted]
    if gone:
        _delisted_table(gone, "No longer listed by the provider's catalogue")


def _conflict_table(found: list[Conflict], title: str) -> None:
    table(
        title,
        ["model", "provider", "from", "to", "curated in/out", "imported in/out", "winner", "source"],
        [
            (
                c.model,
                c.provider,
                c.start,
                c.end or "open",
                f"{_m(c.curated.input)}/{_m(c.curated.output)}",
                f"{_m(c.imported.input)}/{_m(c.imported.output)}",
                c.winner,
                c.imported.source,
            )
            for c in found
        ],
    )


# -- import commands -----------------------------------------------------------------------------------------
@import_app.command("litellm")
def import_litellm(
    path: Path | None = typer.Argument(
        None,
        help="model_prices_and_context_window.json; default: the copy "
        "bundled in the installed litellm package.",
    ),
    when: str | None = DATE,
    add_new: bool = ADD_NEW,
    as_json: bool = JSON,
) -> None:
    """Import LiteLLM's price map as a dated snapshot."""
    from llmflation.ledger.importers.run import import_litellm as run

    _show_report(run(path, parse_date(when, "--date"), add_new=add_new), as_json)


@import_app.command("openrouter")
def import_openrouter(
    file: Path = typer.Argument(..., help="Saved JSON of GET https://openrouter.ai/api/v1/models"),
    when: str | None = DATE,
    add_new: bool = ADD_NEW,
    as_json: bool = JSON,
) -> None:
    """Import OpenRouter's models API snapshot (prices per token as strings), sold by provider
    `openrouter`."""
    from llmflation.ledger.importers.run import import_file

    _show_report(import_file("openrouter", file, parse_date(when, "--date"), add_new=add_new), as_json)


@import_app.command("genai-prices")
def import_genai_prices(
    file: Path = typer.Argument(..., help="pydantic/genai-prices prices/data.json"),
    when: str | None = DATE,
    add_new: bool = ADD_NEW,
    as_json: bool = JSON,
) -> None:
    """Import pydantic/genai-prices' data file (start_date constraints become dated rows)."""
    from llmflation.ledger.importers.run import import_file

    _show_report(import_file("genai-prices", file, parse_date(when, "--date"), add_new=add_new), as_json)


@import_app.command("litellm-history")
def import_litellm_history(
    gitdir: Path = typer.Argument(
        ..., help="A local clone of BerriAI/litellm (or a fork carrying its history)."
    ),
    rev: str = typer.Option("HEAD", "--rev", help="Walk the first-parent history of this revision."),
    repo: str | None = typer.Option(
        None, "--repo", help="owner/name for sources; default: from origin's URL."
    ),
    as_json: bool = JSON,
) -> None:
    """Mine dated "first seen" price events from the git history of LiteLLM's price map."""
    from rich.progress import Progress

    from llmflation.cli.output import stderr
    from llmflation.ledger.importers.run import import_litellm_history as run

    with Progress(console=stderr(), transient=True) as bar:
        task = bar.add_task("Reading price-map versions", total=None)

        def tick(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        report = run(gitdir, rev=rev, repo=repo, progress=tick)
    _show_report(report, as_json)


# -- change detection ----------------------------------------------------------------------------------------
def _move_record(m: PriceMove) -> dict[str, Any]:
    return {
        "model": m.model,
        "provider": m.provider,
        "tier": m.tier,
        "day": m.day,
        "direction": m.direction,
        "before": {
            "input_usd_per_mtok": m.before.input,
            "output_usd_per_mtok": m.before.output,
            "source": m.before.source,
        },
        "after": {
            "input_usd_per_mtok": m.after.input,
            "output_usd_per_mtok": m.after.output,
            "source": m.after.source,
            "confidence": m.after.confidence,
            "origin": m.after.origin,
            "date_basis": m.after.date_basis,
        },
        "input_change_pct": m.input_pct,
        "output_change_pct": m.output_pct,
        "blended_change_pct": m.blended_pct,
        "factor": m.factor,
        "changed": [{"rate": c.rate, "before": c.before, "after": c.after, "dearer": c.dearer} for c in m.changed],
        "scheduled": m.day > date.today(),
    }


def diff_record(d: Diff) -> dict[str, Any]:
    return {
        "since": d.since,
        "new_models": [
            {
                "model": p.model,
                "name": m.name if m else None,
                "provider": p.provider,
                "first_price_from": p.valid_from,
                "input_usd_per_mtok": p.input,
                "output_usd_per_mtok": p.output,
                "source": p.source,
                "confidence": p.confidence,
                "date_basis": p.date_basis,
                "provisional": bool(m and m.note.startswith("provisional")),
            }
            for m, p in d.new_models
        ],
        "new_offers": [price_record(p) for p in d.new_offers],
        "price_cuts": [_move_record(m) for m in d.cuts],
        "price_increases": [_move_record(m) for m in d.increases],
        "restructured": [_move_record(m) for m in d.restructures],
        "ended": [{**price_record(p), "scheduled": p.valid_to is not None and p.valid_to > date.today()}
                  for p in d.ended],
        "first_sightings": [_move_record(m) for m in d.first_sightings],
        "name_moves": [_name_move_record(m) for m in d.name_moves],
    }


def _name_move_record(m: Any) -> dict[str, Any]:
    """One `NameMove` for JSON: the name, where and when, the two models and rows, and how the day is known."""
    from llmflation.ledger.importers.changes import pct

    old, new = m.before.blended(), m.after.blended()
    return {
        "day": m.day, "name": m.name, "provider": m.provider, "kind": m.row.kind, "direction": m.direction,
        "before": {"model": m.before.model, "input_usd_per_mtok": m.before.input,
                   "output_usd_per_mtok": m.before.output, "source": m.before.source},
        "after": {"model": m.after.model, "input_usd_per_mtok": m.after.input,
                  "output_usd_per_mtok": m.after.output, "source": m.after.source},
        "input_change_pct": pct(m.before.input, m.after.input),
        "output_change_pct": pct(m.before.output, m.after.output),
        "blended_change_pct": pct(old, new),
        "changed": [{"rate": c.rate, "before": c.before, "after": c.after, "dearer": c.dearer} for c in m.changed],
        "vendor_dated": m.vendor_dated, "name_source": m.row.source, "name_confidence": m.row.confidence,
        "scheduled": m.day > date.today(),
    }


@data_app.command("diff")
def data_diff(
    since: str | None = typer.Option(
        None, "--since", help="First day to report (YYYY-MM-DD); default 30 days ago."
    ),
    as_json: bool = JSON,
) -> None:
    """What changed since a date: new models and offers, price cuts and increases (% and ×), ended offers."""
    from datetime import timedelta

    from llmflation.ledger.importers.changes import diff
    from llmflation.ledger.ledger import open_ledger

    start = parse_date(since, "--since") or date.today() - timedelta(days=30)
    ledger = open_ledger()
    d = diff(ledger.all_prices(), {m.id: m for m in ledger.models()}, start, name_moves=ledger.name_price_moves())
    if as_json:
        emit_json(diff_record(d))
        return
    info(f"Changes in effective prices since {start}.")
    show_diff(d)


def show_diff(d: Diff) -> None:
    """The diff as tables on stdout (shared by `data diff` and `data update`)."""
    from llmflation.ledger.importers.changes import own_moves

    table(
        f"New models ({len(d.new_models)})",
        ["model", "provider", "from", "input", "output", "confidence", "date is"],
        [
            (p.model, p.provider, p.valid_from, _m(p.input), _m(p.output), p.confidence, _basis(p))
            for _, p in d.new_models
        ],
    )
    table(
        f"New offers of known models ({len(d.new_offers)})",
        ["model", "provider", "from", "input", "output", "date is"],
        [(p.model, p.provider, p.valid_from, _m(p.input), _m(p.output), _basis(p)) for p in d.new_offers],
    )
    today = date.today()
    for title, moves, word in (
        ("Price cuts", d.cuts, "cheaper"),
        ("Price increases", d.increases, "dearer"),
        ("Restructured (some rates up, some down)", d.restructures, ""),
        ("First sightings of a different price (dated when a source first showed it; not a dated cut)",
         d.first_sightings, ""),
    ):
        past = [m for m in moves if m.day <= today]
        later = [m for m in moves if m.day > today]
        for part, heading in ((past, title), (later, f"{title}, scheduled after today ({today})")):
            if not part and (part is later or moves is d.restructures):
                continue
            table(
                f"{heading} ({len(part)})",
                ["day", "model", "provider", "tier", "input", "output", "blended", "×", "other rates"],
                [
                    (
                        m.day,
                        m.model,
                        m.provider,
                        m.tier,
                        f"{_m(m.before.input)}→{_m(m.after.input)} ({_signed(m.input_pct)})",
                        f"{_m(m.before.output)}→{_m(m.after.output)} ({_signed(m.output_pct)})",
                        _signed(m.blended_pct),
                        f"{_factor(m.factor)} {word or ('cheaper' if m.direction == 'cut' else 'dearer')}"
                        if m.factor and m.blended_pct else "",
                        "; ".join(_rate_change(c.rate, c.before, c.after)
                                  for c in own_moves(m.before, m.after, m.changed)),
                    )
                    for m in part
                ],
            )
    if d.name_moves:
        from llmflation.ledger.importers.changes import pct

        table(
            f"Names that bill another model from that day ({len(d.name_moves)}): an alias moved or a retired name "
            "redirects; no price row changed, but a log sending the name pays differently",
            ["day", "name", "provider", "was", "now", "input", "output", "blended", "other rates", "day is"],
            [
                (m.day, m.name, m.provider, m.before.model, m.after.model,
                 f"{_m(m.before.input)}→{_m(m.after.input)}", f"{_m(m.before.output)}→{_m(m.after.output)}",
                 _signed(pct(m.before.blended(), m.after.blended())) or "—",
                 "; ".join(_rate_change(c.rate, c.before, c.after) for c in own_moves(m.before, m.after, m.changed)),
                 "the vendor's" if m.vendor_dated else "inferred")
                for m in d.name_moves
            ],
        )
    ended = [p for p in d.ended if p.valid_to is not None and p.valid_to <= today]
    ending = [p for p in d.ended if p.valid_to is not None and p.valid_to > today]
    for rows, heading in ((ended, "Ended offers"), (ending, f"Offers ending after today ({today}), as announced")):
        if rows:
            table(
                f"{heading} ({len(rows)})",
                ["model", "provider", "tier", "ends" if rows is ending else "ended", "last input", "last output"],
                [(p.model, p.provider, p.tier, p.valid_to, _m(p.input), _m(p.output)) for p in rows],
            )


def _basis(p: Any) -> str:
    return {"first_seen": "first seen", "effective": "effective"}.get(p.date_basis or "", "")


def _m(d: Any) -> str:
    """Money for people ($2.50, $0.075); JSON keeps the exact value."""
    from llmflation.format import money

    return money(d)


def _rate_change(rate: str, before: Any, after: Any) -> str:
    from llmflation.format import rate_change

    return rate_change(rate, before, after)


def _factor(v: Any) -> str:
    from llmflation.format import factor

    return factor(v)


def _signed(v: Any) -> str:
    """A change given in percent units (−50 → −50%, +12.5 → +12.5%)."""
    from decimal import Decimal

    from llmflation.format import percent

    return "" if v is None else percent(Decimal(str(v)) / 100, signed=True)


def status_record(s: Status, imports: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "today": s.today,
        "stale_after_days": s.days,
        "current_prices": s.current,
        "stale_count": len(s.stale),
        "disagreement_count": len(s.disagreements),
        "provisional_model_count": len(s.provisional),
        "provisional_models": [
            {"id": m.id, "name": m.name, "developer": m.developer, "source": m.source, "note": m.note}
            for m in s.provisional
        ],
        "stale": [
            {
                "model": x.price.model,
                "provider": x.price.provider,
                "tier": x.price.tier,
                "last_checked": x.checked,
                "days_since_checked": x.days,
                "checked_by": x.how,
                "origin": x.price.origin,
                "source": x.price.source,
            }
            for x in s.stale
        ],
        "disagreements": [
            {
                "model": d.price.model,
                "provider": d.price.provider,
                "tier": d.price.tier,
                "effective": {
                    "input_usd_per_mtok": d.price.input,
                    "output_usd_per_mtok": d.price.output,
                    "source": d.price.source,
                    "confidence": d.price.confidence,
                    "origin": d.price.origin,
                },
                "sources": [
                    {
                        "kind": o.kind,
                        "source": o.source,
                        "input_usd_per_mtok": o.input,
                        "output_usd_per_mtok": o.output,
                        "seen_on": o.seen_on,
                    }
                    for o in d.opinions
                ],
            }
            for d in s.disagreements
        ],
        "imports": [
            {
                "id": i["id"],
                "kind": i["kind"],
                "source": i["source"],
                "snapshot": i["snapshot"],
                "seen_on": i["seen_on"],
                "started": i["started"],
                "rows": i["rows"],
                "matched": i["matched"],
                "unmatched": i["unmatched"],
            }
            for i in imports
        ],
    }


@data_app.command("status")
def data_status(
    days: int = typer.Option(90, "--days", **LIMITS["days"].min_max, help="Stale when not checked for this many days."),
    as_json: bool = JSON,
) -> None:
    """Current prices not checked for --days (last seen in an import, or curated valid_from), and current
    prices
    that imported sources disagree on."""
    from llmflation.ledger.importers.changes import status
    from llmflation.ledger.importers.delisting import still_held
    from llmflation.ledger.ledger import open_ledger

    ledger = open_ledger()
    assert ledger.store is not None
    s = status(ledger.all_prices(), ledger.store.imported(), date.today(), days)
    s.provisional = ledger.store.provisional_models()
    imports = ledger.store.imports()
    upcoming = ledger.upcoming()
    shut = ledger.shut_down()
    newest = {i["kind"]: i["id"] for i in imports if i.get("catalogue_trusted")}  # the log is oldest first
    delisted = still_held(ledger.store.delistings(), ledger.all_prices(), newest)
    if as_json:
        emit_json({**status_record(s, imports),
                   "upcoming_price_changes": [price_record(p) for p in upcoming],
                   "shut_down_offers": [lifecycle_record(lc) for lc in shut],
                   "delisted_offers": [delisting_record(d) for d in delisted]})
        return
    table(f"Upcoming price changes ({len(upcoming)}: rows that start after today)",
          ["from", "model", "provider", "tier", "input", "output", "source"],
          [(p.valid_from, p.model, p.provider, p.tier, _m(p.input), _m(p.output), p.source) for p in upcoming])
    table(f"Offers past their shutdown ({len(shut)})",
          ["shut down", "model", "provider", "successor", "source"],
          [(lc.shutdown_on, lc.model, lc.provider, lc.successor or "", lc.source) for lc in shut])
    info(
        f"{s.current} current prices; {len(s.stale)} not checked for {days} days; "
        f"{len(s.disagreements)} disputed by an imported source; {len(imports)} import(s) on record; "
        f"{len(s.provisional)} provisional model(s) not curated yet."
    )
    table(
        f"Stale ({len(s.stale)})",
        ["model", "provider", "last checked", "days", "by", "source"],
        [(x.price.model, x.price.provider, x.checked, x.days, x.how, x.price.source) for x in s.stale[:50]],
    )
    table(
        f"Sources disagree ({len(s.disagreements)})",
        ["model", "provider", "effective in/out", "source says", "seen"],
        [
            (
                d.price.model,
                d.price.provider,
                f"{_m(d.price.input)}/{_m(d.price.output)}",
                "; ".join(f"{o.kind}: {_m(o.input)}/{_m(o.output)}" for o in d.opinions),
                ", ".join(str(o.seen_on) for o in d.opinions),
            )
            for d in s.disagreements[:50]
        ],
    )
    if delisted:
        _delisted_table(delisted, "Offers their provider's catalogue no longer lists, still held open by a curated "
                                  "or user row")
    if s.provisional:
        table(
            f"Provisional models, added by an import and not curated yet ({len(s.provisional)})",
            ["model", "name", "developer", "source"],
            [(m.id, m.name, m.developer, m.source) for m in s.provisional[:50]],
        )


@data_app.command("conflicts")
def data_conflicts(as_json: bool = JSON, as_csv: bool = CSV) -> None:
    """Imported prices that differ from a curated row in the same interval (listed, never silently
    resolved)."""
    from llmflation.ledger.importers.merge import conflicts
    from llmflation.ledger.layers import resolve_imported
    from llmflation.ledger.store import Store

    exclusive(json=as_json, csv=as_csv)
    store = Store()
    store.ensure_current()
    found = conflicts(store.bundled(), resolve_imported(r.price for r in store.imported()))
    records = [conflict_record(c) for c in found]
    if as_json:
        emit_json(records)
    elif as_csv:
        emit_csv(
            [
                {
                    "model": r["model"],
                    "provider": r["provider"],
                    "tier": r["tier"],
                    "from": r["from"],
                    "to": r["to"],
                    "winner": r["winner"],
                    "curated_input": r["curated"]["input_usd_per_mtok"],
                    "curated_output": r["curated"]["output_usd_per_mtok"],
                    "imported_input": r["imported"]["input_usd_per_mtok"],
                    "imported_output": r["imported"]["output_usd_per_mtok"],
                    "curated_source": r["curated"]["source"],
                    "imported_source": r["imported"]["source"],
                }
                for r in records
            ]
        )
    else:
        _conflict_table(found, f"{len(found)} conflict(s) between curated and imported prices")


@data_app.command("update")
def data_update(
    sources: list[str] = typer.Option(
        [],
        "--source",
        metavar="KIND",
        help="Only this source (repeatable): litellm, genai-prices, openrouter, vercel or a plugin's.",
    ),
    urls: list[str] = typer.Option(
        [],
        "--url",
        metavar="KIND=URL",
        help="KIND=URL: fetch KIND from URL (repeatable; also LLMFLATION_LITELLM_URL, "
        "LLMFLATION_GENAI_PRICES_URL, LLMFLATION_OPENROUTER_URL, LLMFLATION_VERCEL_URL).",
    ),
    add_new: bool = ADD_NEW,
    offline: bool = typer.Option(
        False, "--offline", help="Refuse to touch the network (exit 1, nothing changed); also LLMFLATION_OFFLINE=1."
    ),
    timeout: float = typer.Option(30.0, "--timeout", min=0.1, max=600, help="Seconds per request."),
    retries: int = typer.Option(3, "--retries", min=1, max=10, help="Attempts per source (timeouts, 5xx)."),
    as_json: bool = JSON,
) -> None:
    """Fetch the current LiteLLM map, genai-prices data and the OpenRouter and Vercel AI Gateway models lists,
    import what changed (curated rows are never overwritten) and show the resulting diff. Exit 1 when a source
    failed."""
    from llmflation.ledger.importers.update import update

    overrides: dict[str, str] = {}
    for item in urls:
        kind, sep, url = item.partition("=")
        if not sep or not kind.strip() or not url.strip():
            raise typer.BadParameter(f"{item!r}: use KIND=URL", param_hint="--url")
        overrides[kind.strip()] = url.strip()
    with _fetch_progress() as progress:
        result = update(
            kinds=sources, urls=overrides, add_new=add_new, offline=offline, timeout=timeout, retries=retries,
            progress=progress,
        )
    assert result.diff is not None
    if as_json:
        emit_json(
            {
                "day": result.day,
                "sources": [
                    {
                        "kind": s.kind,
                        "url": s.url,
                        "status": s.status,
                        "fetch": s.fetch,
                        "reason": s.reason,
                        "bytes": s.bytes,
                        "import": report_record(s.report) if s.report is not None else None,
                    }
                    for s in result.sources
                ],
                "new_models": result.new_models,
                "diff": diff_record(result.diff),
            }
        )
    else:
        for s in result.sources:
            if s.status == "imported" and s.report is not None:
                r = s.report
                info(
                    f"{s.kind}: imported {len(r.rows)} row(s) from {s.url} ({s.fetch}; {r.matched} matched, "
                    f"{len(r.unmatched)} unmatched, {len(r.skipped) - r.set_aside} skipped, {r.set_aside} set aside "
                    f"as retired names or ended offers, {len(r.new_models)} new model(s))."
                )
                _catalogue_lines(r, s.kind)
            elif s.status == "unchanged":
                info(f"{s.kind}: unchanged: {s.reason}.")
            else:
                info(f"[red]{s.kind}: failed[/]: {s.reason}")
        d = result.diff
        n = (len(d.new_models) + len(d.new_offers) + len(d.cuts) + len(d.increases) + len(d.restructures)
             + len(d.ended) + len(d.first_sightings))
        if n:
            info(f"What this update changed in the effective prices ({n} change(s)):")
            show_diff(d)
        else:
            info("No change in the effective prices.")
    if result.failed:
        info(f"[red]{len(result.failed)} of {len(result.sources)} source(s) failed[/] (reasons above); "
             "the others were imported or unchanged.")
        raise typer.Exit(1)


@contextmanager
def _fetch_progress() -> Iterator[Callable[[str], Callable[[int, int | None], None]]]:
    """A Rich progress bar on stderr, one task per source (bytes received)."""
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn

    from llmflation.cli.output import stderr

    with Progress(
        TextColumn("{task.description}"), BarColumn(), DownloadColumn(), console=stderr(), transient=True
    ) as bar:

        def for_source(kind: str) -> Callable[[int, int | None], None]:
            task = bar.add_task(f"Fetching {kind}", total=None)

            def tick(done: int, total: int | None) -> None:
                bar.update(task, completed=done, total=total)

            return tick

        yield for_source


def register(app: typer.Typer) -> None:
    app.add_typer(import_app, name="import")
    # `diff`, `status` and `conflicts` are registered on the existing `data` group by the decorators above.
