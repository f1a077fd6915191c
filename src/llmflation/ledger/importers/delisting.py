"""Offers a provider's own complete catalogue no longer lists (pure: prices and listings in, findings out).

Price maps keep an entry long after the offer ends: LiteLLM and genai-prices never drop a gateway's key, so a
re-check against them cannot show a withdrawal, and withdrawn OpenRouter offers stayed open in the ledger for
months. A source that is a provider's whole list of what it sells (OpenRouter's models API for `openrouter`,
`Importer.catalogue_of`) can: an offer the ledger holds open on the snapshot's day that the snapshot does not list,
under any name the matcher resolves, has left that provider's catalogue by that day.

What follows from it:
* imported rows of the offer end on that day (`end_delisted`): the first day it was seen gone, an upper bound,
  not the provider's own date; a later snapshot that lists it again starts a new row as usual;
* curated rows are never changed: the finding is reported (`data update`, `data status`) until a data release
  records the end (a lifecycle row);
* a snapshot that lists fewer than half of the offers the ledger holds open at the provider is not trusted as
  complete (a truncated or filtered answer): nothing is ended, and the report says why.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from fractions import Fraction
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from llmflation.ledger.importers.common import Snapshot
    from llmflation.ledger.importers.mapping import Matcher
    from llmflation.ledger.records import Price
    from llmflation.ledger.store import ImportedRow

MIN_LISTED_SHARE = Fraction(1, 2)


@dataclass(frozen=True)
class Delisting:
    """An offer the ledger held open on `seen_on` that the provider's catalogue snapshot of that day did not
    list. `origin` and `source` name the ledger row that held it open (bundled = curated, imported, adjusted)."""

    model: str
    provider: str
    tier: str
    seen_on: date
    open_since: date
    origin: str
    source: str
    kind: str = ""  # the catalogue's importer
    import_id: int = 0  # the import that saw it gone (0 until recorded)


@dataclass(frozen=True)
class CatalogueCheck:
    """One provider's catalogue in one snapshot against the offers the ledger held open there that day."""

    provider: str
    seen_on: date
    open_offers: int  # (model, tier) pairs the ledger held open at the provider on `seen_on`
    listed: int  # of those, the ones the snapshot lists
    delisted: tuple[Delisting, ...]
    trusted: bool  # False: too few listed to be the complete catalogue; `delisted` is then not acted on
    reason: str = ""


def listed_models(listings: Iterable[tuple[str, str, tuple[str, ...]]], matcher: Matcher, provider: str,
                  day: date) -> set[str]:
    """The ledger models that the (raw provider, key, other names) listings name at `provider` on `day`."""
    from llmflation.ledger.importers.mapping import Match

    out: set[str] = set()
    for raw, key, names in listings:
        if matcher.provider(raw, key) != provider:
            continue
        m = matcher.match(key, names, at=day, provider=provider)
        if isinstance(m, Match):
            out.add(m.model.id)
    return out


def check_catalogue(prices: Iterable[Price], provider: str, listed: set[str], day: date,
                    kind: str = "") -> CatalogueCheck:
    """Compare the offers open at `provider` on `day` in the effective `prices` (the user's own rows aside) with
    the models the catalogue snapshot of that day `listed`."""
    held: dict[tuple[str, str], Price] = {}
    for p in prices:
        if p.provider == provider and p.origin != "user" and p.valid_from <= day < (p.valid_to or date.max):
            held[(p.model, p.tier)] = p
    delisted = tuple(Delisting(model, provider, tier, day, p.valid_from, p.origin, p.source, kind)
                     for (model, tier), p in sorted(held.items()) if model not in listed)
    n, k = len(held), len(held) - len(delisted)
    if n and Fraction(k, n) < MIN_LISTED_SHARE:
        return CatalogueCheck(provider, day, n, k, delisted, False,
                              f"the snapshot lists only {k} of the {n} offers the ledger holds open at {provider} "
                              f"on {day}: not taken as {provider}'s complete list (a truncated or filtered "
                              "answer?), so no offer is taken as ended")
    return CatalogueCheck(provider, day, n, k, delisted, True)


def end_delisted(rows: Sequence[ImportedRow], delistings: Sequence[Delisting]) -> list[ImportedRow]:
    """Imported rows with every offer a catalogue saw gone ended on that day.

    The catalogue's own rows: a row of an earlier import that covers the day ends there, one that would only start
    on or after it is dropped; rows of the delisting import or later ones (the offer listed again) stand. Rows of
    other sources (price maps, which keep an entry after the offer ends) that started by the day end there (or are
    dropped, when they start on it) whatever their import order, so re-importing such a map does not reopen the
    offer; a price they first show after the day stands."""
    gone: dict[tuple[str, str, str], list[Delisting]] = defaultdict(list)
    for d in delistings:
        gone[(d.model, d.provider, d.tier)].append(d)
    for ds in gone.values():
        ds.sort(key=lambda d: (d.seen_on, d.import_id))
    out: list[ImportedRow] = []
    for r in rows:
        p = r.price
        hit = next((d for d in gone.get((p.model, p.provider, p.tier), ())
                    if (p.valid_to is None or p.valid_to > d.seen_on)
                    and (d.import_id > r.import_id if r.kind == d.kind else p.valid_from <= d.seen_on)), None)
        if hit is None:
            out.append(r)
        elif p.valid_from < hit.seen_on:
            why = (f"ends {hit.seen_on}: {hit.kind or 'the provider'}'s catalogue no longer listed it that day "
                   f"(import {hit.import_id}; the first day seen gone, not the provider's own date)")
            out.append(replace(r, price=replace(p, valid_to=hit.seen_on, note=f"{p.note}; {why}" if p.note
                                                 else why)))
    return out


def catalogue_checks(catalogue_of: Sequence[str], snap: Snapshot, matcher: Matcher, prices: Iterable[Price],
                     day: date, kind: str) -> list[CatalogueCheck]:
    """`check_catalogue` for each provider the snapshot is the complete catalogue of, against the ledger's
    effective `prices` before the import: the snapshot lists its priced entries and `snap.listed`."""
    if not catalogue_of:
        return []
    listings = [*((e.provider, e.key, e.names) for e in snap.entries), *((p, k, ()) for p, k in snap.listed)]
    held = list(prices)
    return [check_catalogue(held, provider, listed_models(listings, matcher, provider, day), day, kind)
            for provider in catalogue_of]


def still_held(delistings: Sequence[Delisting], prices: Iterable[Price], newest: Mapping[str, int]
               ) -> list[Delisting]:
    """Of the newest complete catalogue import of each source (`newest`: kind → import id), the delisted offers
    the effective `prices` still hold open on the day they were seen gone (a curated or user row, which no import
    ends): what `data status` flags until a data release records the end, or a later snapshot lists the offer
    again. Each comes with the row that now holds it open."""
    held: dict[tuple[str, str, str], list[Price]] = defaultdict(list)
    for p in prices:
        held[(p.model, p.provider, p.tier)].append(p)
    out = []
    for d in delistings:
        if d.import_id != newest.get(d.kind):
            continue
        row = next((p for p in held.get((d.model, d.provider, d.tier), ())
                    if p.valid_from <= d.seen_on < (p.valid_to or date.max)), None)
        if row is not None:
            out.append(replace(d, open_since=row.valid_from, origin=row.origin, source=row.source))
    return out
