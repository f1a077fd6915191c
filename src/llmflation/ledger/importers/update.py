"""`llmflation data update`: fetch every registered price source that has a URL, import what changed, and say
what that changed in the effective prices.

Per source: fetch (conditional, cached; see `fetch`), decode, parse and import through the registry's importer.
A body identical to the newest import of that source (same URL and SHA-256, e.g. after 304 Not Modified) is not
imported again, so a second run changes nothing. One source failing (network, HTTP error, malformed JSON) is reported
and the others still import; each import is its own transaction, so a failure leaves the store as it was.

Imported rows are "first seen" observations (`date_basis = first_seen`) unless the source states an effective
date. When a source still shows the price an earlier update saw, the row keeps that earlier first-sighting day,
so re-checking a price never looks like a new price. Curated rows are never overwritten: imported rows sit below
them in the layer precedence (see `layers`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from llmflation.errors import InputError, LlmflationError
from llmflation.ledger.importers.changes import Diff, diff_between
from llmflation.ledger.importers.common import Importer
from llmflation.ledger.importers.fetch import Cache, Fetched, Progress, fetch
from llmflation.ledger.ledger import Ledger, open_ledger
from llmflation.ledger.records import Model, Price
from llmflation.ledger.store import ImportedRow

if TYPE_CHECKING:
    from llmflation.ledger.importers.run import ImportReport

OFFLINE_ENV = "LLMFLATION_OFFLINE"


class OfflineError(LlmflationError):
    """`data update` cannot reach the network (or was told not to); nothing was changed."""


@dataclass
class SourceResult:
    kind: str
    url: str
    status: str  # imported | unchanged | failed
    fetch: str = ""  # fetched | not-modified | failed
    reason: str = ""
    report: ImportReport | None = None
    bytes: int = 0


@dataclass
class UpdateResult:
    day: date
    sources: list[SourceResult] = field(default_factory=list)
    diff: Diff | None = None
    new_models: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[SourceResult]:
        return [s for s in self.sources if s.status == "failed"]


def source_url(importer: Importer, overrides: dict[str, str]) -> str | None:
    """The URL to fetch: --url kind=URL, else the importer's environment variable, else its default."""
    if importer.kind in overrides:
        return overrides[importer.kind]
    if importer.url_env and os.environ.get(importer.url_env, "").strip():
        return os.environ[importer.url_env].strip()
    return importer.url


def offline_requested() -> bool:
    return os.environ.get(OFFLINE_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def cache_dir() -> Path:
    from llmflation.ledger.store import home

    return home() / "sources"


def _terms_key(p: Price) -> Price:
    """A price with everything but its terms blanked, to compare two observations of one offer."""
    return replace(p, valid_from=date.min, source="", note="", checked_on=None, date_basis=None)


def carry_first_sightings(rows: Sequence[ImportedRow], earlier: Sequence[ImportedRow], kind: str) -> list[ImportedRow]:
    """Rows whose price an earlier import of `kind` already showed (same offer, same terms, still open) keep
    that earlier first-sighting day instead of today's (same end too: an open row, or the same shutdown day)."""
    latest: dict[tuple[str, str, str], ImportedRow] = {}
    for r in earlier:
        if r.kind != kind or r.price.date_basis != "first_seen":
            continue
        k = (r.price.model, r.price.provider, r.price.tier)
        have = latest.get(k)
        if have is None or (r.import_id, r.price.valid_from) > (have.import_id, have.price.valid_from):
            latest[k] = r
    out = []
    for r in rows:
        prev = latest.get((r.price.model, r.price.provider, r.price.tier))
        if (r.price.date_basis == "first_seen" and prev is not None and prev.price.valid_to == r.price.valid_to
                and prev.price.valid_from < r.price.valid_from and _terms_key(prev.price) == _terms_key(r.price)):
            was = f"first seen {prev.price.valid_from}, seen {r.seen_on}"
            note = r.price.note.replace(f"first seen {r.seen_on}", was)
            r = replace(r, price=replace(r.price, valid_from=prev.price.valid_from, note=note))
        out.append(r)
    return out


def update(
    *,
    ledger: Ledger | None = None,
    kinds: Sequence[str] = (),
    urls: dict[str, str] | None = None,
    add_new: bool = False,
    offline: bool = False,
    timeout: float = 30.0,
    retries: int = 3,
    backoff: float = 0.5,
    today: date | None = None,
    progress: Callable[[str], Progress | None] | None = None,
) -> UpdateResult:
    """Fetch and import every updatable source (or those in `kinds`). Raises OfflineError when offline or when
    no source could be reached at all (nothing changed)."""
    from llmflation.ledger.importers.registry import get, updatable

    if offline or offline_requested():
        raise OfflineError("data update needs the network and offline mode is set (LLMFLATION_OFFLINE or the "
                           "offline option): nothing was changed. Import saved files instead.")
    urls = urls or {}
    chosen = [get(k) for k in kinds] if kinds else updatable()
    unknown = sorted(set(urls) - {i.kind for i in chosen})
    if unknown:
        raise InputError(f"url given for {', '.join(unknown)}, which this update does not fetch "
                         f"(sources: {', '.join(i.kind for i in chosen)}).", field="url")
    day = today or date.today()
    ledger = ledger or open_ledger()
    assert ledger.store is not None
    store = ledger.store
    before = set(ledger.all_prices())
    cache = Cache(cache_dir())
    result = UpdateResult(day=day)
    fetched: list[tuple[Importer, Fetched]] = []
    for importer in chosen:
        url = source_url(importer, urls)
        if not url:
            result.sources.append(SourceResult(importer.kind, "", "failed", reason="no URL to fetch from"))
            continue
        got = fetch(importer.kind, url, cache, timeout=timeout, retries=retries, backoff=backoff,
                    progress=progress(importer.kind) if progress else None)
        fetched.append((importer, got))
    if fetched and all(f.network_down for _, f in fetched):
        reasons = "; ".join(f"{f.kind}: {f.reason}" for _, f in fetched)
        raise OfflineError(f"No network: could not reach any price source ({reasons}). Nothing was changed.")
    latest_snapshot: dict[str, str] = {}  # per kind, the newest import's snapshot (imports are in id order)
    for i in store.imports():
        latest_snapshot[i["kind"]] = i["snapshot"]
    for importer, got in fetched:
        res = SourceResult(importer.kind, got.url, "failed", fetch=got.status, reason=got.reason,
                           bytes=len(got.body or b""))
        result.sources.append(res)
        if got.body is None:
            continue
        snapshot = f"{got.url} sha256:{got.sha256[:16]}"
        if latest_snapshot.get(importer.kind) == snapshot:
            res.status = "unchanged"
            res.reason = "same content as an earlier import"
            if got.status == "not-modified":
                res.reason += " (304 Not Modified)"
            cache.put(got)
            continue
        try:
            data = _decode(got)
            report = _import(importer, data, got, snapshot, day, ledger, add_new)
        except LlmflationError as exc:
            res.reason = str(exc)
            continue
        cache.put(got)
        res.status = "imported"
        res.report = report
        result.new_models.extend(m.id for m in report.new_models)
        ledger = open_ledger(store.path)
    after = ledger.all_prices()
    result.diff = changes(before, after, {m.id: m for m in ledger.models()})
    return result


def _decode(got: Fetched) -> object:
    from llmflation.ledger.importers.litellm import loads_lenient

    assert got.body is not None
    try:
        return loads_lenient(got.body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"{got.url} did not answer valid JSON ({exc}); nothing from it was imported.") from None


def _import(importer: Importer, data: object, got: Fetched, snapshot: str, day: date, ledger: Ledger,
            add_new: bool) -> ImportReport:
    from datetime import datetime

    from llmflation.ledger.importers import run
    from llmflation.ledger.importers.delisting import catalogue_checks
    from llmflation.ledger.importers.mapping import Matcher, load_alias_table, map_snapshot

    assert ledger.store is not None
    started = datetime.now()
    snap = importer.parse(data, day)
    source = f"{importer.source}:{got.url}@{day}"
    matcher = Matcher(ledger, load_alias_table(), importer.kind)
    catalogue = catalogue_checks(importer.catalogue_of, snap, matcher, ledger.all_prices(), day, importer.kind)
    mapped = map_snapshot(snap.entries, matcher, day, source, importer.label, add_new=add_new)
    mapped.rows = carry_first_sightings(mapped.rows, ledger.store.imported(), importer.kind)
    return run._finish(ledger, importer.kind, source, snapshot, day, len(snap.entries), mapped, snap.skipped,
                       started, catalogue)


def changes(before: set[Price], after: Sequence[Price], models: dict[str, Model]) -> Diff:
    """`data diff` restricted to what the update changed (see `changes.diff_between`)."""
    return diff_between(before, after, models)
