"""The Ledger API: look up models, the price in effect at a date, price history and scores.

The store is read once into memory (a few thousand rows); every lookup after that is pure Python.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from llmflation.errors import (
    NameNotInEffectError,
    NoPriceError,
    ShutDownError,
    UnknownModelError,
    UnknownNameError,
    suggest,
)
from llmflation.ledger.records import STANDARD_TIER, Lifecycle, Model, NameRow, Price, Score, own_providers
from llmflation.ledger.store import Store
from llmflation.ledger.tariff import RateChange, move_direction, rate_changes

# Leaderboard ratings recomputed over time: a model's rating is its latest snapshot (see Ledger.best_score).
LATEST_SCORE_BENCHMARKS = frozenset({"lmarena_elo"})


@dataclass(frozen=True, slots=True)
class Resolution:
    """What a name as sent meant for a provider on a day: the model, and how it was found.

    `via`: `id` (the model's own id or slug), `alias` (a static alias in models.csv: a name that never moved), or a
    names.csv kind (`alias`, `snapshot`, `provider_id`, `redirect`) prefixed `dated-`.
    """

    name: str
    model: Model
    via: str
    at: date
    provider: str | None = None
    row: NameRow | None = None

    @property
    def moved(self) -> bool:
        """True when the answer depends on the date (a dated names.csv row decided it)."""
        return self.row is not None

    def describe(self) -> str:
        who = f" at {self.provider}" if self.provider else ""
        text = f"{self.name}{who} on {self.at} → {self.model.id} ({self.via.removeprefix('dated-')}"
        if self.row is not None:
            span = f"{self.row.valid_from} to {self.row.valid_to or 'now'}"
            text += f", {span}; {self.row.source}"
            if self.row.kind == "redirect":
                text += "; the vendor bills this retired name at this model's rate"
        return text + ")"

    def record(self) -> dict[str, object]:
        return {"name": self.name, "at": self.at, "provider": self.provider, "resolved_model": self.model.id,
                "resolved_via": self.via, "valid_from": self.row.valid_from if self.row else None,
                "valid_to": self.row.valid_to if self.row else None,
                "source": self.row.source if self.row else None, "description": self.describe()}


# Coverage targets the bundled data aims for (`data check` reports each; unmet targets are not a validation error).
# (field of Coverage, "min" = at least / "max" = at most, bound)
COVERAGE_TARGETS: tuple[tuple[str, str, int], ...] = (
    ("models", "min", 260), ("prices", "min", 800), ("effective_changes", "min", 120), ("scored_models", "min", 200),
    ("scored_models_2025_2026", "min", 60), ("unsourced", "max", 0), ("stale_first_party", "max", 0),
    ("open_past_shutdown", "max", 0),
)
# A current first-party row is stale when its checked_on is missing or before the release date minus this.
STALE_AFTER_DAYS = 45
# Scored models "released in 2025-2026": models.csv release_date in this closed interval.
RECENT_RELEASES = (date(2025, 1, 1), date(2026, 12, 31))


def stale_before(release: date) -> date:
    """A current first-party row whose checked_on is before this day (or missing) is stale as of `release`."""
    return release - timedelta(days=STALE_AFTER_DAYS)


def is_stale(p: Price, cutoff: date) -> bool:
    """The freshness rule every coverage count uses: no checked_on, or one before `cutoff` (`stale_before`)."""
    return p.checked_on is None or p.checked_on < cutoff


@dataclass(frozen=True, slots=True)
class Target:
    """One coverage target: `value` measured, `bound` aimed at, `kind` "min" (at least) or "max" (at most)."""

    name: str
    value: int
    kind: str
    bound: int

    @property
    def met(self) -> bool:
        return self.value >= self.bound if self.kind == "min" else self.value <= self.bound

    @property
    def goal(self) -> str:
        return f"{'≥' if self.kind == 'min' else '≤'} {self.bound}"


# confidences of a names.csv row whose day is the vendor's own (its page, notice or docs commit) rather than inferred
VENDOR_DATED = frozenset({"official", "archived"})


@dataclass(frozen=True, slots=True)
class NameMove:
    """A dated name that bills another model from `day` (an alias moved to a new snapshot, a retired name redirected)
    where what a request by that name pays changed: the bill of a log that only ever sends this name changes that
    day although no price row did. `provider`: where it was billed (the name's provider, or for a provider-less name
    each of the developer's own APIs that priced both models); `before`/`after`: the price rows in effect the day
    before and on `day`; `row`: the names.csv row that starts on `day`. `vendor_dated`: the row's confidence is
    official or archived, so the day is the vendor's; a `derived` row's day is inferred (a -latest alias assumed to
    move on its new snapshot's release), like a first sighting."""

    name: str
    provider: str
    day: date
    before: Price
    after: Price
    row: NameRow
    changed: tuple[RateChange, ...]

    @property
    def vendor_dated(self) -> bool:
        return self.row.confidence in VENDOR_DATED

    @property
    def direction(self) -> str:
        """`cut`, `increase` or `restructure`, by the rule `data diff` applies to a price row's move."""
        return move_direction(self.before, self.after, self.changed)


def distinct_name_moves(moves: Iterable[NameMove], changes: Iterable[tuple[Price, Price]]) -> list[NameMove]:
    """The moves a strict count takes: those where the input or output price moved (a move where only, say, the
    batch discount differs may be no more than a rate the ledger does not know for the new model), one per event —
    names that moved together (deepseek-chat and deepseek-reasoner onto V3.2 the same day) count once, by (old
    model, new model, provider, day) — and none that a price row already records: a model whose id ends in the name
    (`openai/gpt-3.5-turbo` for the name gpt-3.5-turbo) has a price change at that provider that day."""
    rows = {(b.model.rsplit("/", 1)[-1].lower(), b.provider, b.valid_from) for _, b in changes}
    out: dict[tuple[str, str, str, date], NameMove] = {}
    for m in moves:
        if (m.name.rsplit("/", 1)[-1].lower(), m.provider, m.day) in rows:
            continue
        if (m.before.input, m.before.output) == (m.after.input, m.after.output):
            continue
        out.setdefault((m.before.model, m.after.model, m.provider, m.day), m)
    return list(out.values())


def _only_new_rates(a: Price, b: Price) -> bool:
    """Whether every rate that moved from row a to row b is one row a did not offer at all (caching, a batch
    discount, a 1-hour cache write, a long-context tier or a regional uplift that begins that day)."""
    return all(getattr(a, c.rate, None) is None and c.rate in _OFFERED_RATES for c in rate_changes(a, b))


_OFFERED_RATES = ("cached_input", "cache_write", "cache_write_1h", "batch_discount", "long_context_threshold",
                  "regional_uplift", "input_audio", "output_audio")


@dataclass(frozen=True, slots=True)
class Coverage:
    """How much the ledger holds and how current it is, as of the data's `release` date (see Ledger.coverage)."""

    models: int
    prices: int
    price_changes: int
    scores: int
    scored_models: int
    unsourced: int
    providers: int
    benchmarks: dict[str, int]
    first_price: date | None
    last_change: date | None
    release: date
    effective_changes: int
    first_seen_changes: int
    unrecorded_changes: int
    scored_models_2025_2026: int
    current_first_party: int
    checked_first_party: int
    stale_first_party: int
    open_past_shutdown_offers: tuple[tuple[str, str, date], ...]
    # not a target: open host offers of closed-weight models their developer has shut down on its own API, with no
    # shutdown on record for the host (hosts often serve a model for months after; each needs the host's own date)
    hosts_after_developer_shutdown: tuple[tuple[str, str, date], ...] = ()
    # not a target: the same freshness count for the hosts' and gateways' rows (`Price.first_party` false)
    current_host: int = 0
    checked_host: int = 0
    stale_host: int = 0
    # of `effective_changes`: those where only rates other than input and output moved (a cache-read cut, a batch
    # discount or a long-context tier that begins or ends), and of those the ones where a rate is first offered
    effective_other_rate_changes: int = 0
    effective_new_rate_changes: int = 0
    # not a target, for review: stretches where a dated name (names.csv) resolves to a model that has no price at the
    # name's provider (any provider for a provider-less name) and is not shut down there: logs of those days are
    # quarantined "no price" although the vendor billed them. (name, provider or "", model, first day, end day)
    names_without_price: tuple[tuple[str, str, str, date, date], ...] = ()
    # of `effective_changes`: those that take effect after the release date (announced ahead: a promotion's end,
    # a scheduled increase)
    effective_scheduled_changes: int = 0
    # not price rows: days a dated name started to bill another model at another price (`Ledger.name_price_moves`):
    # every such move, those the vendor dated (official or archived names.csv rows), and of those the distinct
    # events where input or output moved (`distinct_name_moves`: one per old model, new model, provider and day, none
    # a price row already counts)
    name_moves: int = 0
    name_moves_vendor_dated: int = 0
    name_moves_vendor_dated_distinct: int = 0

    @property
    def open_past_shutdown(self) -> int:
        return len(self.open_past_shutdown_offers)

    def targets(self) -> list[Target]:
        return [Target(name, getattr(self, name), kind, bound) for name, kind, bound in COVERAGE_TARGETS]

    def record(self) -> dict[str, object]:
        """The JSON shape `data check --json` prints (money-free counts and dates)."""
        return {
            "models": self.models, "prices": self.prices, "price_changes": self.price_changes,
            "effective_changes": self.effective_changes,
            "effective_changes_by_kind": {
                "input_or_output": self.effective_changes - self.effective_other_rate_changes,
                "other_rates_only": self.effective_other_rate_changes,
                "of_which_a_rate_first_offered": self.effective_new_rate_changes,
                "of_which_scheduled_after_release": self.effective_scheduled_changes},
            "name_moves": {"total": self.name_moves, "vendor_dated": self.name_moves_vendor_dated,
                           "vendor_dated_distinct": self.name_moves_vendor_dated_distinct},
            "first_seen_changes": self.first_seen_changes,
            "unrecorded_changes": self.unrecorded_changes, "scores": self.scores,
            "scored_models": self.scored_models, "scored_models_2025_2026": self.scored_models_2025_2026,
            "unsourced": self.unsourced, "providers": self.providers, "benchmarks": self.benchmarks,
            "first_price": self.first_price, "last_change": self.last_change, "release": self.release,
            "stale_before": stale_before(self.release), "current_first_party": self.current_first_party,
            "checked_first_party": self.checked_first_party, "stale_first_party": self.stale_first_party,
            "current_host": self.current_host, "checked_host": self.checked_host, "stale_host": self.stale_host,
            "open_past_shutdown": self.open_past_shutdown,
            "open_past_shutdown_offers": [{"model": m, "provider": p, "shutdown_on": d}
                                          for m, p, d in self.open_past_shutdown_offers],
            "hosts_after_developer_shutdown": len(self.hosts_after_developer_shutdown),
            "hosts_after_developer_shutdown_offers": [{"model": m, "provider": p, "developer_shutdown_on": d}
                                                      for m, p, d in self.hosts_after_developer_shutdown],
            "names_without_price": len(self.names_without_price),
            "names_without_price_days": sum((b - a).days for *_, a, b in self.names_without_price),
            "names_without_price_spans": [{"name": n, "provider": p or None, "model": m, "from": a, "to": b,
                                           "days": (b - a).days} for n, p, m, a, b in self.names_without_price],
            "targets": {t.name: {"value": t.value, "target": t.bound, "op": ">=" if t.kind == "min" else "<=",
                                 "met": t.met} for t in self.targets()},
        }


@dataclass(frozen=True, slots=True)
class ProviderCoverage:
    """One seller's share of the coverage counts (`Ledger.provider_coverage`), as of the data's release date: what
    a maintainer reviews per vendor — how many of its current rows were re-checked lately, how many of its price
    changes carry the vendor's own date, which of its offers are retired, and where its facts come from."""

    provider: str
    models: int
    prices: int
    current: int
    checked: int
    stale: int
    effective_changes: int
    effective_new_rates: int
    scheduled_changes: int
    first_seen_changes: int
    retired_offers: int
    top_sources: tuple[tuple[str, int], ...]

    def record(self) -> dict[str, object]:
        return {"provider": self.provider, "models": self.models, "prices": self.prices, "current": self.current,
                "checked": self.checked, "stale": self.stale, "effective_changes": self.effective_changes,
                "of_which_a_rate_first_offered": self.effective_new_rates,
                "of_which_scheduled_after_release": self.scheduled_changes,
                "first_seen_changes": self.first_seen_changes, "retired_offers": self.retired_offers,
                "top_sources": [{"source": s, "rows": n} for s, n in self.top_sources]}


def source_origin(source: str) -> str:
    """Where a source points, coarsely: a URL's host (without www.) or a repository's owner/name — what a
    per-vendor review lists as 'the sources used'."""
    text = source.strip()
    if text.startswith("github:"):
        return "github:" + text[len("github:"):].split("@", 1)[0]
    if "://" in text:
        host = text.split("://", 1)[1].split("/", 1)[0].lower()
        return host.removeprefix("www.")
    return text.split(" ", 1)[0][:60]


class Ledger:
    def __init__(self, models: Sequence[Model], prices: Sequence[Price], scores: Sequence[Score],
                 store: Store | None = None, names: Sequence[NameRow] = (),
                 lifecycle: Sequence[Lifecycle] = ()) -> None:
        self.store = store
        self._names: dict[str, list[NameRow]] = defaultdict(list)
        for n in names:
            self._names[n.name.lower()].append(n)
        self._lifecycle = {(lc.model, lc.provider): lc for lc in lifecycle}
        self._models = {m.id: m for m in models}
        self._prices = list(prices)
        self._scores = list(scores)
        self._by_name: dict[str, str] = {}
        for m in models:
            for key in (m.id, m.name, *m.aliases):
                self._by_name.setdefault(key.lower(), m.id)
            # the bare slug after the developer ("gpt-4o-2024-05-13") is a name too
            self._by_name.setdefault(m.id.split("/", 1)[-1], m.id)
        self._prices_of: dict[str, list[Price]] = defaultdict(list)
        for p in self._prices:
            self._prices_of[p.model].append(p)
        self._scores_of: dict[str, list[Score]] = defaultdict(list)
        for s in self._scores:
            self._scores_of[s.model].append(s)
        self._best: dict[str, dict[str, Score]] = {}
        # the benchmarks with scores, once (a bill request checks its floor's benchmark against them)
        self._benchmarks = tuple(sorted({s.benchmark for s in self._scores}))

    # -- models --------------------------------------------------------------------------------------------
    def models(self, search: str | None = None) -> list[Model]:
        items = sorted(self._models.values(), key=lambda m: (m.release_date or date.min, m.id))
        if not search:
            return items
        needle = search.lower()
        return [m for m in items if needle in m.id or needle in m.name.lower()
                or any(needle in a.lower() for a in m.aliases) or needle == m.developer]

    def resolve(self, name: str, provider: str | None = None, at: date | None = None) -> Model:
        """Find a model by name as sent (on `at`, today when omitted, and for `provider` when given): dated names
        first, then id, static alias or display name (case-insensitive); suggest on a miss."""
        return self.resolve_name(name, provider, at).model

    def resolve_name(self, name: str, provider: str | None = None, at: date | None = None) -> Resolution:
        """THE resolver every entry point uses: (name as sent, provider, day) → model, saying how.

        A name with rows in names.csv is decided by those rows only (a moving name means different models on
        different days); a provider-specific row wins over a row for every provider. Other names resolve by id,
        static alias or display name, whatever the date.
        """
        key = name.strip().lower()
        when = at or date.today()
        prov = provider.strip().lower() if provider else None
        dated = self._names.get(key)
        if dated:
            live = [n for n in dated if n.in_effect(when)]
            pick = [n for n in live if prov is not None and n.provider == prov] or \
                   [n for n in live if n.provider is None] or \
                   ([] if prov is not None else sorted(live, key=lambda n: n.provider or ""))
            if pick:
                row = pick[0]
                return Resolution(name, self._models[row.model], f"dated-{row.kind}", when,
                                  prov or row.provider, row)
            if key not in self._models:
                spans = [f"{n.valid_from} to {n.valid_to or 'now'} as {n.model}"
                         + (f" at {n.provider}" if n.provider else "")
                         for n in sorted(dated, key=lambda n: n.valid_from)]
                raise NameNotInEffectError(name, when, spans, [s for s in suggest(key, self._by_name) if s != key])
        model_id = self._by_name.get(key)
        if model_id is None:
            raise UnknownModelError(name, suggest(key, [*self._by_name, *self._names]))
        via = "id" if key in (model_id, model_id.split("/", 1)[-1]) else "alias"
        return Resolution(name, self._models[model_id], via, when, prov)

    def first_meaning(self, name: str) -> Model:
        """The model a name first meant (a capability level named "gpt-4" is the launch model, gpt-4-0314); names
        without dated rows resolve as usual."""
        dated = self._names.get(name.strip().lower())
        if dated:
            return self._models[min(dated, key=lambda n: n.valid_from).model]
        return self.resolve(name)

    def names(self) -> list[NameRow]:
        return sorted((n for rows in self._names.values() for n in rows), key=lambda n: (n.name, n.valid_from))

    def lifecycle(self, model: str | None = None, provider: str | None = None) -> list[Lifecycle]:
        return sorted((lc for lc in self._lifecycle.values()
                       if (model is None or lc.model == model) and (provider is None or lc.provider == provider)),
                      key=lambda lc: (lc.model, lc.provider))

    def shutdown_of(self, model: str, provider: str) -> Lifecycle | None:
        return self._lifecycle.get((model, provider))

    def shutdown_notice(self, model: str, provider: str, at: date) -> str | None:
        """A sentence for an offer that is deprecated or has an announced shutdown still to come on `at` (None
        otherwise): the price is real on that day, and that the vendor is retiring the offer is part of the answer."""
        lc = self._lifecycle.get((model, provider))
        if lc is None or (lc.shutdown_on is not None and lc.shutdown_on <= at):
            return None
        if lc.shutdown_on is None:
            if lc.deprecated_on is None or lc.deprecated_on > at:
                return None
            return (f"{model} at {provider} was deprecated on {lc.deprecated_on}; no shutdown date is on record"
                    f"{_successor_clause(lc)}.")
        notice = f" (deprecated {lc.deprecated_on})" if lc.deprecated_on else ""
        return f"{model} at {provider}{notice} shuts down on {lc.shutdown_on}{_successor_clause(lc)}."

    def model(self, model_id: str) -> Model:
        return self._models[model_id]

    # -- prices --------------------------------------------------------------------------------------------
    @property
    def providers(self) -> list[str]:
        return sorted({p.provider for p in self._prices})

    def all_prices(self) -> list[Price]:
        return list(self._prices)

    def market_prices(self) -> list[Price]:
        """Every price row except free ones (input or output at $0: a launch promotion, a free beta).

        A free offer is what was billed, so price lookups, bills and usage pricing see it. It is no signal of what
        the market charges (and a log price needs a positive price), so the trends, the indices and the report's
        launch prices read these rows instead."""
        return [p for p in self._prices if not p.free]

    def history(self, model: str) -> list[Price]:
        m = self.resolve(model)
        return sorted(self._prices_of[m.id], key=lambda p: (p.provider, p.tier, p.valid_from))

    def price(self, model: str, at: date | None = None, provider: str | None = None,
              tier: str = STANDARD_TIER) -> list[Price]:
        """Prices in effect at `at` (today when omitted), one per provider, cheapest first.

        The name is resolved as sent on that day (see resolve_name). Raises NoPriceError saying when pricing
        starts (or ended) when nothing is in effect that day, ShutDownError after the offer's shutdown.
        """
        return self.price_resolved(model, at, provider, tier)[1]

    def price_resolved(self, model: str, at: date | None = None, provider: str | None = None,
                       tier: str = STANDARD_TIER) -> tuple[Resolution, list[Price]]:
        """`price` plus what the name resolved to (for answers that say "gpt-4o on … → …")."""
        when = at or date.today()
        res = self.resolve_name(model, provider, when)
        return res, self._price_of(res.model, when, provider, tier)

    def _price_of(self, m: Model, when: date, provider: str | None, tier: str) -> list[Price]:
        offers = [p for p in self._prices_of[m.id] if p.tier == tier]
        if provider is not None:
            prov = provider.lower()
            known = sorted({p.provider for p in self._prices_of[m.id]})
            if prov not in known:
                raise UnknownNameError(f"provider for {m.id}", provider, known or ["(none: no prices on record)"])
            offers = [p for p in offers if p.provider == prov]
        if not offers and tier != STANDARD_TIER:
            sold = sorted({p.tier for p in self._prices_of[m.id] if provider is None or p.provider == provider.lower()})
            who = f" from {provider.lower()}" if provider else ""
            raise NoPriceError(f"No {tier}-tier price on record for {m.id}{who}; its tiers on record: "
                               f"{', '.join(sold) or 'none'}.", model=m.id, at=when)
        current = [p for p in offers if p.in_effect(when)]
        live = [p for p in current if not self._is_shut(p.model, p.provider, when)]
        if live:
            return sorted(live, key=lambda p: (p.blended(), p.provider))
        shut = [lc for lc in self._lifecycle.values() if lc.model == m.id and lc.shut_down(when)
                and (provider is None or lc.provider == provider.lower())]
        if shut:
            raise ShutDownError(_shutdown_message(m, when, shut), model=m.id, at=when,
                                successor=shut[0].successor, provider=shut[0].provider)
        raise _no_price(m, when, offers, provider)

    def other_tiers(self, model: str, at: date, provider: str | None = None,
                    tier: str = STANDARD_TIER) -> list[str]:
        """The service tiers other than `tier` in which the model is sold on `at` (by `provider` when given),
        so an answer for one tier can say that flex, priority or off-peak prices exist too."""
        prov = provider.lower() if provider else None
        return sorted({p.tier for p in self._prices_of.get(model, ()) if p.tier != tier and p.in_effect(at)
                       and (prov is None or p.provider == prov) and not self._is_shut(p.model, p.provider, at)})

    def off_peak_row(self, model: str, provider: str, at: date) -> Price | None:
        """The offer's off-peak (time-of-day) row in effect on `at`, if any."""
        from llmflation.ledger.records import OFF_PEAK_TIER

        return next((p for p in self._prices_of.get(model, ()) if p.provider == provider
                     and p.tier == OFF_PEAK_TIER and p.in_effect(at)), None)

    def _is_shut(self, model: str, provider: str, when: date) -> bool:
        lc = self._lifecycle.get((model, provider))
        return lc is not None and lc.shut_down(when)

    def not_served_reason(self, model: str, provider: str, on: date) -> str | None:
        """Why a source's listing of `model` at `provider` cannot be a price billed on `on` (None when it can be):
        the offer's own shutdown, or, for closed weights, the developer's shutdown with no offer of the model on
        record (other than imported ones) still live that day: nobody else can serve weights they do not have.
        Importers set such listings aside (LiteLLM keeps keys years after the model is gone)."""
        own_offer = self._lifecycle.get((model, provider))
        if own_offer is not None and own_offer.shut_down(on):
            return f"{model} at {provider} shut down on {own_offer.shutdown_on} (lifecycle)"
        m = self._models.get(model)
        if m is None or m.open_weights:
            return None
        dev = self._lifecycle.get((m.id, m.developer))
        if dev is None or not dev.shut_down(on):
            return None
        if any(p.origin != "imported" and p.in_effect(on) and not self._is_shut(p.model, p.provider, on)
               for p in self._prices_of[m.id]):
            return None
        return (f"{m.developer} shut down {model} on {dev.shutdown_on} and no offer of it on record is live on {on} "
                "(closed weights: no one else can serve them)")

    def not_served_from(self, model: str, provider: str, start: date, end: date | None) -> date | None:
        """The first day in (start, end) on which `not_served_reason` starts to hold for the offer: where an imported
        price history that runs on unchanged must end (a shutdown, or the last live offer of closed weights)."""
        days = {lc.shutdown_on for lc in self._lifecycle.values() if lc.model == model and lc.shutdown_on}
        days |= {p.valid_to for p in self._prices_of[model] if p.valid_to and p.origin != "imported"}
        for d in sorted(x for x in days if start < x and (end is None or x < end)):
            if self.not_served_reason(model, provider, d) is not None:
                return d
        return None

    def upcoming(self, after: date | None = None) -> list[Price]:
        """Announced price steps: rows that start after `after` (today when omitted)."""
        when = after or date.today()
        return sorted((p for p in self._prices if p.valid_from > when), key=lambda p: (p.valid_from, p.model))

    def shut_down(self, at: date | None = None) -> list[Lifecycle]:
        """Offers past their shutdown on `at` (today when omitted)."""
        when = at or date.today()
        return sorted((lc for lc in self._lifecycle.values() if lc.shut_down(when)),
                      key=lambda lc: (lc.shutdown_on or date.min, lc.model))

    def offers_at(self, at: date, tier: str = STANDARD_TIER) -> list[Price]:
        """Every offer (model × provider) in effect on a date (offers past their shutdown excluded)."""
        return [p for p in self._prices if p.tier == tier and p.in_effect(at)
                and not self._is_shut(p.model, p.provider, at)]

    def price_changes(self) -> list[tuple[Price, Price]]:
        """(before, after) pairs: a price replaced by another for the same model/provider/tier on the same day.

        A change is a row whose rates differ from the row before it in anything a request pays
        (`tariff.rate_changes`: input, output, cache reads and writes, audio, the long-context tier, the batch
        discount, the regional uplift, an off-peak window), not only its input and output prices: a cut of the
        cache-read rate changes an agent's bill as surely as a cut of the input rate. Rows split only for their
        source or note are not a change. An offer's first row is never a change.

        The pairs include changes onto `first_seen` rows (`after.date_basis`): callers that date cuts keep those
        apart (`data diff` lists them as first sightings, the trends never make them record lows, `coverage`
        counts them apart from `effective` changes)."""
        groups: dict[tuple[str, str, str], list[Price]] = defaultdict(list)
        for p in self._prices:
            groups[(p.model, p.provider, p.tier)].append(p)
        pairs: list[tuple[Price, Price]] = []
        for group in groups.values():
            group.sort(key=lambda p: p.valid_from)
            for a, b in zip(group, group[1:], strict=False):
                if a.valid_to == b.valid_from and rate_changes(a, b):
                    pairs.append((a, b))
        return sorted(pairs, key=lambda ab: ab[1].valid_from)

    # -- scores --------------------------------------------------------------------------------------------
    @property
    def benchmarks(self) -> list[str]:
        return list(self._benchmarks)

    def scores(self, model: str) -> list[Score]:
        m = self.resolve(model)
        return sorted(self._scores_of[m.id], key=lambda s: (s.benchmark, s.as_of or date.min))

    def best_score(self, model: str, benchmark: str) -> Score | None:
        """A model's score on a benchmark, by the one rule every calculation uses (bill floors, trends, usage
        re-pricing, self-hosting comparisons, the dashboard); None when it has no score there.

        The rule: on an accuracy benchmark (`mmlu`, `gpqa_diamond`, …) the **highest** value recorded for the
        model. Vendor and third-party reports of the same model differ by shots and prompting, and a model's
        capability does not change with the date of a report; the highest reported value is what the model was
        shown to reach (a16z and Epoch AI used reported scores the same way). On leaderboard ratings that are
        recomputed over time (`lmarena_elo`, LATEST_SCORE_BENCHMARKS) a rating is relative to the field at its
        date, so an early, higher snapshot is stale: there the **latest** snapshot (`as_of`) counts, ties broken by
        the higher value. Scores without a date count as the earliest.
        """
        return self.best_scores(benchmark).get(self.resolve(model).id)

    def best_scores(self, benchmark: str) -> dict[str, Score]:
        """Every scored model's score on a benchmark by the rule of `best_score` (model id → Score).

        Raises UnknownNameError (listing the known benchmarks) for a benchmark with no scores.
        """
        bench = benchmark.strip().lower()
        found = self._best.get(bench)
        if found is None:
            found = pick_scores(self.all_scores(bench), bench)
            self._best[bench] = found
        return dict(found)

    def all_scores(self, benchmark: str | None = None) -> list[Score]:
        if benchmark is None:
            return list(self._scores)
        if benchmark.lower() not in self.benchmarks:
            raise UnknownNameError("benchmark", benchmark, self.benchmarks)
        return [s for s in self._scores if s.benchmark == benchmark.lower()]

    def data_as_of(self) -> date | None:
        """The newest date the data speaks for: the latest start or end of any price interval on record."""
        days = [p.valid_from for p in self._prices] + [p.valid_to for p in self._prices if p.valid_to]
        return max(days, default=None)

    # -- coverage ------------------------------------------------------------------------------------------
    def coverage(self, release: date | None = None) -> Coverage:
        """Counts of what the ledger holds, and how current it is as of `release` (the data's release date; the
        bundled data's, from release.toml, when omitted):

        - `effective_changes` / `first_seen_changes` / `unrecorded_changes`: the `price_changes()` pairs by the later
          row's `date_basis` (a first sighting is not a dated price change).
        - `scored_models_2025_2026`: models with at least one score whose models.csv `release_date` lies in
          RECENT_RELEASES (2025-01-01 to 2026-12-31).
        - `current_first_party`: first-party rows (sold by the model's developer or its own company's API:
          `Price.first_party`, records.OWN_PROVIDERS) of any tier in
          effect on `release`, offers past their shutdown left out; `checked_first_party`: those with a
          `checked_on`; `stale_first_party`: those unchecked or checked before `release` − STALE_AFTER_DAYS.
        - `current_host` / `checked_host` / `stale_host` (reported, not a target): the same for the rows of hosts and
          gateways (Bedrock, OpenRouter, Together, …), whose prices go stale as surely as the developers'.
        - `open_past_shutdown_offers`: (model, provider, shutdown_on) of offers with an open-ended price row whose
          shutdown (lifecycle.csv, per provider) is on or before `release`.
        - `hosts_after_developer_shutdown` (reported, not a target): (model, host, the developer's shutdown date) of
          open-ended host offers of closed-weight models whose developer shut them down on its own API on or before
          `release`, where the host has no lifecycle row: each wants the host's own date.
        """
        from llmflation.ledger.loading import bundled_release, rows_past_shutdown

        on = release or bundled_release()
        rows: Iterable[object] = (*self._models.values(), *self._prices, *self._scores)
        unsourced = sum(1 for r in rows if not getattr(r, "source", "").strip())
        per_bench: dict[str, int] = defaultdict(int)
        for s in self._scores:
            per_bench[s.benchmark] += 1
        changes = self.price_changes()
        moves = [m for m in self.name_price_moves() if m.day <= on]
        basis = [b.date_basis for _, b in changes]
        other = [(a, b) for a, b in changes
                 if b.date_basis == "effective" and (a.input, a.output) == (b.input, b.output)]
        scored = {s.model for s in self._scores}
        lo, hi = RECENT_RELEASES
        recent = sum(1 for m in scored if m in self._models
                     and (rd := self._models[m].release_date) is not None and lo <= rd <= hi)
        live = self._current(self._prices, on)
        current = [p for p in live if p.first_party]
        hosts = [p for p in live if not p.first_party]
        cutoff = stale_before(on)
        past = {(p.model, p.provider, lc.shutdown_on) for p, lc in rows_past_shutdown(self._prices,
                                                                                      self._lifecycle.values())
                if p.valid_to is None and lc.shutdown_on is not None and lc.shutdown_on <= on}
        return Coverage(
            models=len(self._models), prices=len(self._prices), price_changes=len(changes),
            scores=len(self._scores), scored_models=len(scored), unsourced=unsourced,
            providers=len(self.providers), benchmarks=dict(sorted(per_bench.items())),
            first_price=min((p.valid_from for p in self._prices), default=None),
            last_change=changes[-1][1].valid_from if changes else None,
            release=on, effective_changes=basis.count("effective"), first_seen_changes=basis.count("first_seen"),
            unrecorded_changes=basis.count(None), scored_models_2025_2026=recent,
            current_first_party=len(current), checked_first_party=sum(1 for p in current if p.checked_on),
            stale_first_party=sum(1 for p in current if is_stale(p, cutoff)),
            open_past_shutdown_offers=tuple(sorted(past)),
            hosts_after_developer_shutdown=self._hosts_after_developer_shutdown(on),
            current_host=len(hosts), checked_host=sum(1 for p in hosts if p.checked_on),
            stale_host=sum(1 for p in hosts if is_stale(p, cutoff)),
            effective_other_rate_changes=len(other), effective_new_rate_changes=sum(1 for a, b in other
                                                                                    if _only_new_rates(a, b)),
            names_without_price=self._names_without_price(on),
            effective_scheduled_changes=sum(1 for _, b in changes if b.date_basis == "effective" and b.valid_from > on),
            name_moves=len(moves), name_moves_vendor_dated=sum(1 for m in moves if m.vendor_dated),
            name_moves_vendor_dated_distinct=len(distinct_name_moves([m for m in moves if m.vendor_dated], changes)),
        )

    def _current(self, prices: Iterable[Price], on: date) -> list[Price]:
        """The rows of `prices` in effect on `on` whose offer is not shut down by then (coverage's 'current')."""
        return [p for p in prices if p.in_effect(on) and not self._is_shut(p.model, p.provider, on)]

    def provider_coverage(self, release: date | None = None) -> list[ProviderCoverage]:
        """`coverage` per seller (provider column), by the same rules: current rows in effect on `release` and not
        shut down; `checked` those checked on or after `stale_before(release)`, `stale` the others; effective
        changes as `coverage` counts them (with the ones where only a first-offered rate moved, and the ones
        scheduled after `release`, counted apart); `retired_offers` lifecycle shutdowns on or before `release`;
        `top_sources` the three origins (`source_origin`) that most of its rows cite."""
        from llmflation.ledger.loading import bundled_release

        on = release or bundled_release()
        cutoff = stale_before(on)
        rows: dict[str, list[Price]] = defaultdict(list)
        for p in self._prices:
            rows[p.provider].append(p)
        changes: dict[str, list[tuple[Price, Price]]] = defaultdict(list)
        for a, b in self.price_changes():
            changes[b.provider].append((a, b))
        out = []
        for prov in sorted(rows):
            prices = rows[prov]
            live = self._current(prices, on)
            eff = [(a, b) for a, b in changes[prov] if b.date_basis == "effective"]
            origins: dict[str, int] = defaultdict(int)
            for p in prices:
                origins[source_origin(p.source)] += 1
            out.append(ProviderCoverage(
                provider=prov, models=len({p.model for p in prices}), prices=len(prices), current=len(live),
                checked=sum(1 for p in live if not is_stale(p, cutoff)),
                stale=sum(1 for p in live if is_stale(p, cutoff)),
                effective_changes=len(eff), effective_new_rates=sum(1 for a, b in eff if _only_new_rates(a, b)),
                scheduled_changes=sum(1 for _, b in eff if b.valid_from > on),
                first_seen_changes=sum(1 for _, b in changes[prov] if b.date_basis == "first_seen"),
                retired_offers=sum(1 for lc in self._lifecycle.values()
                                   if lc.provider == prov and lc.shutdown_on is not None and lc.shutdown_on <= on),
                top_sources=tuple(sorted(origins.items(), key=lambda kv: (-kv[1], kv[0]))[:3])))
        return out

    def name_price_moves(self) -> list[NameMove]:
        """Every day a dated name (names.csv) starts to bill another model at a different price (`NameMove`), oldest
        first. A move onto the same price is none (deepseek-chat from V2 to V2.5), nor is a move where either model
        has no standard-tier price at that provider on its side of the day (`names_without_price` lists those). A
        provider-less name counts at its developer's own APIs (records.OWN_PROVIDERS) that priced both models: a
        host bills such a name by its own ids, which have rows of their own."""
        out: list[NameMove] = []
        for rows in self._names.values():
            by_provider: dict[str, list[NameRow]] = defaultdict(list)
            for n in rows:
                by_provider[n.provider or ""].append(n)
            for prov, group in by_provider.items():
                group.sort(key=lambda n: n.valid_from)
                for a, b in zip(group, group[1:], strict=False):
                    if a.valid_to != b.valid_from or a.model == b.model:
                        continue
                    day = b.valid_from
                    for seller in [prov] if prov else self._own_sellers(a.model, b.model):
                        old = self._standard_row(a.model, seller, day - timedelta(days=1))
                        new = self._standard_row(b.model, seller, day)
                        if old is None or new is None:
                            continue
                        changed = rate_changes(old, new)
                        if changed:
                            out.append(NameMove(b.name, seller, day, old, new, b, changed))
        return sorted(out, key=lambda m: (m.day, m.name.lower(), m.provider))

    def _own_sellers(self, *models: str) -> list[str]:
        """The developer's own providers (records.OWN_PROVIDERS) that have price rows for every one of `models`."""
        first = self._models.get(models[0])
        if first is None:
            return []
        return [prov for prov in own_providers(first.developer)
                if all(any(p.provider == prov for p in self._prices_of.get(m, ())) for m in models)]

    def _standard_row(self, model: str, provider: str, on: date) -> Price | None:
        """The standard-tier row of an offer in effect on `on` (None when none is, or the offer is shut down)."""
        if self._is_shut(model, provider, on):
            return None
        return next((p for p in self._prices_of.get(model, ())
                     if p.provider == provider and p.tier == STANDARD_TIER and p.in_effect(on)), None)

    def _names_without_price(self, on: date) -> tuple[tuple[str, str, str, date, date], ...]:
        """Coverage's `names_without_price`, up to `on`: per dated name row, the days it resolves to its model while
        no price row of that model is in effect at its provider (any provider for a provider-less name) and the
        offer is not shut down (after a shutdown a refusal is the right answer)."""
        out = []
        for n in (n for rows in self._names.values() for n in rows):
            end = min(n.valid_to or on, on)
            if n.valid_from >= end:
                continue
            rows = [p for p in self._prices_of.get(n.model, ()) if not n.provider or p.provider == n.provider]
            covered = [(p.valid_from, p.valid_to or date.max) for p in rows]
            # refused from the shutdown on: at the name's provider, or (provider-less) once every seller shut it
            stops = [self._lifecycle.get((n.model, prov)) for prov in ({n.provider} if n.provider
                                                                       else {p.provider for p in rows})]
            if stops and all(lc is not None and lc.shutdown_on for lc in stops):
                covered.append((max(lc.shutdown_on for lc in stops if lc and lc.shutdown_on), date.max))
            day = n.valid_from
            while day < end:
                reach = [b for a, b in covered if a <= day < b]
                if reach:
                    day = max(reach)
                    continue
                nxt = min([a for a, _ in covered if a > day] + [end])
                out.append((n.name, n.provider or "", n.model, day, nxt))
                day = nxt
        return tuple(sorted(out, key=lambda g: (g[0].lower(), g[1], g[3])))

    def _hosts_after_developer_shutdown(self, on: date) -> tuple[tuple[str, str, date], ...]:
        out = set()
        for p in self._prices:
            m = self._models.get(p.model)
            if p.valid_to is not None or p.first_party or m is None or m.open_weights:
                continue
            own = self._lifecycle.get((m.id, m.developer))
            if own is None or own.shutdown_on is None or own.shutdown_on > on:
                continue
            if (p.model, p.provider) not in self._lifecycle:
                out.add((p.model, p.provider, own.shutdown_on))
        return tuple(sorted(out))


def pick_scores(scores: Iterable[Score], benchmark: str) -> dict[str, Score]:
    """Apply the score rule of Ledger.best_score to some Score rows of one benchmark (model id → Score)."""
    latest = benchmark in LATEST_SCORE_BENCHMARKS
    best: dict[str, Score] = {}
    for s in scores:
        cur = best.get(s.model)
        if cur is None:
            best[s.model] = s
            continue
        key_new: tuple[object, ...]
        key_cur: tuple[object, ...]
        if latest:
            key_new, key_cur = (s.as_of or date.min, s.value), (cur.as_of or date.min, cur.value)
        else:
            key_new, key_cur = (s.value, s.as_of or date.min), (cur.value, cur.as_of or date.min)
        if key_new > key_cur:  # type: ignore[operator]
            best[s.model] = s
    return best


def _no_price(m: Model, when: date, offers: Sequence[Price], provider: str | None) -> NoPriceError:
    """The error for a date with no price, carrying the date the front ends can suggest instead."""
    who = f" from {provider}" if provider else ""
    if not offers:
        return NoPriceError(f"No price on record for {m.id}{who}.", model=m.id, at=when)
    first = min(offers, key=lambda p: p.valid_from)
    if when < first.valid_from:
        return NoPriceError(f"No price for {m.id}{who} on {when}: the first price on record starts "
                            f"{first.valid_from} ({first.provider}).", model=m.id, at=when,
                            first_priced=first.valid_from)
    ended = max((p for p in offers if p.valid_to), key=lambda p: p.valid_to or date.min, default=None)
    if ended and ended.valid_to and when >= ended.valid_to:
        # no shutdown on record (that is a refusal of its own): the offer may be gone, or the data stops short
        return NoPriceError(f"No price for {m.id}{who} on {when}: the last price on record ended {ended.valid_to} "
                            f"({ended.provider}) and no shutdown is on record: the offer may have been delisted, or "
                            "the data does not reach that day yet.",
                            model=m.id, at=when, ended=ended.valid_to)
    return NoPriceError(f"No price for {m.id}{who} on {when}.", model=m.id, at=when)


def _successor_clause(lc: Lifecycle) -> str:
    return f"; the vendor's successor is {lc.successor}" if lc.successor else ""


def _shutdown_message(m: Model, when: date, shut: Sequence[Lifecycle]) -> str:
    """The refusal in neutral words (the date, the successor, the source); each front end adds its own hint."""
    parts = [f"{m.id} at {lc.provider} was shut down on {lc.shutdown_on}{_successor_clause(lc)}" for lc in shut]
    return (f"No price for {m.id} on {when}: " + "; ".join(parts)
            + f". Source: {shut[0].source}. Ask for a date before the shutdown, or price the successor.")


def open_ledger(path: str | Path | None = None) -> Ledger:
    """Open (creating or upgrading as needed) the store and load it into a Ledger."""
    store = Store(path)
    models, prices, scores, names, lifecycle = store.read_ledger()  # creates or upgrades the store when needed
    return Ledger(models, prices, scores, store=store, names=names, lifecycle=lifecycle)
