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

# Leaderboard ratings recomputed over time: a model's rating is its latest snapshot (see Ledger.best_score).
LATEST_SCORE_BENCHMARKS = frozenset({"lmarena_elo"})


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
        self._best: dict[str, dict[str, Score]] = {}

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
        raise _no_price(m, when, offers, provider)

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
        return NoPriceError(f"No price for {m.id}{who} on {when}: the last price on record ended {ended.valid_to} "
                            f"({ended.provider}, model retired or delisted).", model=m.id, at=when,
                            ended=ended.valid_to)
    return NoPriceError(f"No price for {m.id}{who} on {when}.", model=m.id, at=when)


def open_ledger(path: str | Path | None = None) -> Ledger:
    """Open (creating or upgrading as needed) the store and load it into a Ledger."""
    store = Store(path)
    store.ensure_current()
    models, prices, scores = store.read_all()
    return Ledger(models, prices, scores, store=store)
