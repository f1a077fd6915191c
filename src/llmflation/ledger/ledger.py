"""The Ledger API: look up models, the price in effect at a date, price history and scores.

The store is read once into memory (a few thousand rows); every lookup after that is pure Python.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from llmflation.errors import NoPriceError, UnknownModelError, UnknownNameError, suggest
from llmflation.ledger.records import STANDARD_TIER, Model, Price, Score
from llmflation.ledger.store import Store


@dataclass(frozen=True, slots=True)
class Coverage:
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


class Ledger:
    def __init__(self, models: Sequence[Model], prices: Sequence[Price], scores: Sequence[Score],
                 store: Store | None = None) -> None:
        self.store = store
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

    # -- models --------------------------------------------------------------------------------------------
    def models(self, search: str | None = None) -> list[Model]:
        items = sorted(self._models.values(), key=lambda m: (m.release_date or date.min, m.id))
        if not search:
            return items
        needle = search.lower()
        return [m for m in items if needle in m.id or needle in m.name.lower()
                or any(needle in a.lower() for a in m.aliases) or needle == m.developer]

    def resolve(self, name: str) -> Model:
        """Find a model by id, alias or display name (case-insensitive); suggest on a miss."""
        key = name.strip().lower()
        model_id = self._by_name.get(key)
        if model_id is None:
            raise UnknownModelError(name, suggest(key, self._by_name))
        return self._models[model_id]

    def model(self, model_id: str) -> Model:
        return self._models[model_id]

    # -- prices --------------------------------------------------------------------------------------------
    @property
    def providers(self) -> list[str]:
        return sorted({p.provider for p in self._prices})

    def all_prices(self) -> list[Price]:
        return list(self._prices)

    def history(self, model: str) -> list[Price]:
        m = self.resolve(model)
        return sorted(self._prices_of[m.id], key=lambda p: (p.provider, p.tier, p.valid_from))

    def price(self, model: str, at: date | None = None, provider: str | None = None,
              tier: str = STANDARD_TIER) -> list[Price]:
        """Prices in effect at `at` (today when omitted), one per provider, cheapest first.

        Raises NoPriceError saying when pricing starts (or ended) when nothing is in effect that day.
        """
        m = self.resolve(model)
        when = at or date.today()
        offers = [p for p in self._prices_of[m.id] if p.tier == tier]
        if provider is not None:
            prov = provider.lower()
            known = sorted({p.provider for p in self._prices_of[m.id]})
            if prov not in known:
                raise UnknownNameError(f"provider for {m.id}", provider, known or ["(none: no prices on record)"])
            offers = [p for p in offers if p.provider == prov]
        current = [p for p in offers if p.in_effect(when)]
        if current:
            return sorted(current, key=lambda p: (p.blended(), p.provider))
        raise NoPriceError(_no_price_message(m, when, offers, provider))

    def offers_at(self, at: date, tier: str = STANDARD_TIER) -> list[Price]:
        """Every offer (model × provider) in effect on a date."""
        return [p for p in self._prices if p.tier == tier and p.in_effect(at)]

    def price_changes(self) -> list[tuple[Price, Price]]:
        """(before, after) pairs: a price replaced by another for the same model/provider/tier on the same day."""
        groups: dict[tuple[str, str, str], list[Price]] = defaultdict(list)
        for p in self._prices:
            groups[(p.model, p.provider, p.tier)].append(p)
        pairs: list[tuple[Price, Price]] = []
        for group in groups.values():
            group.sort(key=lambda p: p.valid_from)
            for a, b in zip(group, group[1:], strict=False):
                if a.valid_to == b.valid_from and (a.input, a.output) != (b.input, b.output):
                    pairs.append((a, b))
        return sorted(pairs, key=lambda ab: ab[1].valid_from)

    # -- scores --------------------------------------------------------------------------------------------
    @property
    def benchmarks(self) -> list[str]:
        return sorted({s.benchmark for s in self._scores})

    def scores(self, model: str) -> list[Score]:
        m = self.resolve(model)
        return sorted(self._scores_of[m.id], key=lambda s: (s.benchmark, s.as_of or date.min))

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
    def coverage(self) -> Coverage:
        rows: Iterable[object] = (*self._models.values(), *self._prices, *self._scores)
        unsourced = sum(1 for r in rows if not getattr(r, "source", "").strip())
        per_bench: dict[str, int] = defaultdict(int)
        for s in self._scores:
            per_bench[s.benchmark] += 1
        changes = self.price_changes()
        return Coverage(
            models=len(self._models), prices=len(self._prices), price_changes=len(changes),
            scores=len(self._scores), scored_models=len({s.model for s in self._scores}), unsourced=unsourced,
            providers=len(self.providers), benchmarks=dict(sorted(per_bench.items())),
            first_price=min((p.valid_from for p in self._prices), default=None),
            last_change=changes[-1][1].valid_from if changes else None,
        )


def _no_price_message(m: Model, when: date, offers: Sequence[Price], provider: str | None) -> str:
    who = f" from {provider}" if provider else ""
    if not offers:
        return f"No price on record for {m.id}{who}. Run `llmflation history {m.id}` to see what is known."
    first = min(offers, key=lambda p: p.valid_from)
    if when < first.valid_from:
        return (f"No price for {m.id}{who} on {when}: the first price on record starts "
                f"{first.valid_from} ({first.provider}). Try --at {first.valid_from}.")
    ended = max((p for p in offers if p.valid_to), key=lambda p: p.valid_to or date.min, default=None)
    if ended and ended.valid_to and when >= ended.valid_to:
        return (f"No price for {m.id}{who} on {when}: the last price on record ended {ended.valid_to} "
                f"({ended.provider}, model retired or delisted).")
    return f"No price for {m.id}{who} on {when}. Run `llmflation history {m.id}` to see the recorded intervals."


def open_ledger(path: str | Path | None = None) -> Ledger:
    """Open (creating or upgrading as needed) the store and load it into a Ledger."""
    store = Store(path)
    store.ensure_current()
    models, prices, scores = store.read_all()
    return Ledger(models, prices, scores, store=store)
