"""Cheapest-at-capability series: at each date, the lowest blended price among offers in effect for models
that score at least a threshold on a benchmark.

Score rule: `Ledger.best_score` (one rule for every calculation): on an accuracy benchmark the **highest**
value recorded for a model; on leaderboard ratings recomputed over time (`lmarena_elo`) the **latest** snapshot.

Record-setting points follow Epoch AI: walk the floor forward in time and keep each point whose price is
strictly below every earlier one (a post-launch price cut is a new point, dated the day it took effect).

Observed vs effective: a floor set by a *changed* price dated only by its first sighting (`date_basis =
first_seen` on a row that follows an earlier price of the same offer: the day a source first showed the new price,
not the vendor's effective date) is kept as a step but does not become a record-low point at that date: the cut
happened on some unknown day before the sighting (or was a source's correction), so dating a record there would
bend the fitted slope. Where nothing earlier is known — the offer's first price, i.e. a model's launch as first
seen — the sighting is the best date there is and the point counts. `CapabilitySeries.first_seen_steps` says how
many steps rest on first sightings of a changed price.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from llmflation.errors import InputError, UnknownNameError
from llmflation.ledger.ledger import LATEST_SCORE_BENCHMARKS, pick_scores  # noqa: F401 (the rule lives in Ledger)
from llmflation.values import FLOOR_SCORE_BOUND, parse_decimal

if TYPE_CHECKING:
    from llmflation.ledger.ledger import Ledger
    from llmflation.ledger.records import Price, Score

HOST_MODES = ("any", "first-party", "median")


class NoSeriesError(InputError):
    """The threshold, window or filters leave no priced model to build a series from."""


@dataclass(frozen=True, slots=True)
class Threshold:
    benchmark: str
    value: Decimal
    label: str  # "mmlu ≥ 86.4 (GPT-4 (0314) level)"
    model: str | None = None  # the reference model when given as "the level of model M"


@dataclass(frozen=True, slots=True)
class SeriesPoint:
    """The floor on one date: the cheapest qualifying offer and what it costs (USD per 1M tokens, exact)."""

    date: date
    model: str
    provider: str  # a provider slug, or "median of N hosts"
    price: Decimal  # blended at the series' ratio
    input: Decimal
    output: Decimal
    score: Decimal
    source: str
    first_seen: bool = False  # the floor's price is a change dated only by its first sighting (not effective)


@dataclass(frozen=True, slots=True)
class CapabilitySeries:
    threshold: Threshold
    blend: tuple[int, int]
    hosts: str
    exclude_reasoning: bool
    start: date | None
    end: date
    steps: tuple[SeriesPoint, ...]  # every change of the floor (may rise when a model is retired)
    records: tuple[SeriesPoint, ...]  # record-setting points: each strictly below all earlier ones
    eligible_models: int

    @property
    def first_seen_steps(self) -> int:
        """Steps whose date is only a first sighting (see the module docstring)."""
        return sum(1 for p in self.steps if p.first_seen)

    @property
    def first_seen_records(self) -> int:
        return sum(1 for p in self.records if p.first_seen)

    @property
    def benchmark(self) -> str:
        return self.threshold.benchmark

    def floor_at(self, at: date) -> SeriesPoint | None:
        """The floor in effect on a date (None before the first qualifying offer or after the series' end)."""
        if at > self.end:
            return None
        current: SeriesPoint | None = None
        for p in self.steps:
            if p.date <= at:
                current = p
            else:
                break
        return current


def parse_blend(text: str) -> tuple[int, int]:
    """'3:1' → (3, 1): input:output token weights; '1:0' prices input only, '0:1' output only."""
    parts = text.strip().split(":")
    try:
        if len(parts) != 2:
            raise ValueError
        w = (int(parts[0]), int(parts[1]))
    except ValueError:
        raise InputError(
            f"blend {text!r} is not INPUT:OUTPUT weights; use e.g. 3:1 (default) or 1:1"
        ) from None
    if w[0] < 0 or w[1] < 0 or w == (0, 0):
        raise InputError(f"blend {text!r}: weights must be non-negative and not both zero (e.g. 3:1)")
    return w


def _looks_numeric(text: str) -> bool:
    try:
        Decimal(text)
    except InvalidOperation:
        return False
    return True


def model_scores(ledger: Ledger, benchmark: str) -> dict[str, Score]:
    """Each model's score on a benchmark by the ledger's one rule (Ledger.best_score: max; latest for Elo)."""
    return ledger.best_scores(benchmark)  # raises UnknownNameError listing the known benchmarks


def resolve_threshold(ledger: Ledger, benchmark: str, threshold: str | Decimal | int | float) -> Threshold:
    """A number ('83') or a model name ('gpt-4', meaning "the level of model M") → Threshold."""
    bench = benchmark.strip().lower()
    scores = model_scores(ledger, bench)
    lo, hi = -FLOOR_SCORE_BOUND, FLOOR_SCORE_BOUND
    if isinstance(threshold, (Decimal, int, float)):
        value = parse_decimal(threshold, "threshold", low=lo, high=hi)
        return Threshold(bench, value, f"{bench} ≥ {_num(value)}")
    text = threshold.strip()
    if text.lower().startswith("level of "):
        text = text[len("level of ") :].strip()
    if _looks_numeric(text):  # a score (bounded like every floor); anything else names a model
        value = parse_decimal(text, "threshold", low=lo, high=hi)
        return Threshold(bench, value, f"{bench} ≥ {_num(value)}")
    model = ledger.first_meaning(text)  # "gpt-4 level" is the level gpt-4 launched at (gpt-4-0314)
    s = scores.get(model.id)
    if s is None:
        scored = sorted(ledger.model(m).name for m in scores)[:12]
        raise InputError(
            f"{model.id} has no {bench} score on record, so its level cannot be the threshold. "
            f"Give a number, or one of the scored models, e.g. {', '.join(scored)}."
        )
    return Threshold(bench, s.value, f"{bench} ≥ {_num(s.value)} ({model.name} level)", model.id)


def cheapest_at_capability(
    ledger: Ledger,
    benchmark: str,
    threshold: str | Decimal | int | float | Threshold,
    *,
    blend: tuple[int, int] = (3, 1),
    hosts: str = "any",
    exclude_reasoning: bool = True,
    start: date | None = None,
    end: date | None = None,
) -> CapabilitySeries:
    """The floor price at fixed capability over time, and its record-setting points.

    `hosts`: "any" (cheapest offer from any provider), "first-party" (only the developer's own API;
    open-weight models without one drop out), "median" (per model, the median across hosts of the blended
    price that day). `start`/`end` bound the window (end defaults to today); the first point is the floor in
    effect on `start`.
    """
    if hosts not in HOST_MODES:
        raise InputError(f"hosts {hosts!r}: choose one of {', '.join(HOST_MODES)}")
    thr = threshold if isinstance(threshold, Threshold) else resolve_threshold(ledger, benchmark, threshold)
    scores = model_scores(ledger, thr.benchmark)
    end_d = end or date.today()
    if start is not None and start > end_d:
        raise InputError(f"the window starts {start} after it ends {end_d}; swap the start and end dates")
    eligible = {m: s for m, s in scores.items() if s.value >= thr.value}
    if exclude_reasoning:
        eligible = {m: s for m, s in eligible.items() if not _is_reasoning(ledger, m)}
    if not eligible:
        best_model, best = max(scores.items(), key=lambda kv: kv[1].value) if scores else (None, None)
        best_txt = (
            f"the best {thr.benchmark} score on record is {_num(best.value)} ({best_model})"
            if best is not None
            else f"no {thr.benchmark} scores are on record"
        )
        extra = (
            " among non-reasoning models (include reasoning models to add them)" if exclude_reasoning else ""
        )
        raise NoSeriesError(f"No model reaches {thr.label}{extra}: {best_txt}. Choose a lower threshold.")
    offers = [p for p in ledger.market_prices() if p.model in eligible and p.tier == "standard"]
    if hosts == "first-party":
        offers = [p for p in offers if p.first_party]
    if not offers:
        raise NoSeriesError(
            f"{len(eligible)} model(s) reach {thr.label} but none has a "
            f"{'first-party ' if hosts == 'first-party' else ''}"
            f"price on record. Count offers from any host instead."
        )
    steps = _floor_steps(offers, eligible, blend, hosts, start, end_d, sighted_changes(offers))
    if not steps:
        raise NoSeriesError(
            f"No qualifying offer for {thr.label} is in effect between {start or 'the start'} "
            f"and {end_d}. Widen the window."
        )
    return CapabilitySeries(
        thr,
        blend,
        hosts,
        exclude_reasoning,
        start,
        end_d,
        tuple(steps),
        tuple(record_points(steps)),
        len(eligible),
    )


def record_points(steps: Sequence[SeriesPoint]) -> list[SeriesPoint]:
    """Points that set a new low (strictly below every earlier point); a first sighting sets one only when it
    is the first point known."""
    out: list[SeriesPoint] = []
    for p in steps:
        if not out or (p.price < out[-1].price and not p.first_seen):
            out.append(p)
    return out


def _is_reasoning(ledger: Ledger, model_id: str) -> bool:
    try:
        return ledger.model(model_id).reasoning
    except KeyError:
        return False


def sighted_changes(offers: Iterable[Price]) -> frozenset[tuple[str, str, str, date]]:
    """(model, provider, tier, valid_from) of rows that change an offer's earlier price and are dated only by
    their first sighting."""
    first: dict[tuple[str, str, str], date] = {}
    for p in offers:
        k = (p.model, p.provider, p.tier)
        first[k] = min(first.get(k, p.valid_from), p.valid_from)
    return frozenset((p.model, p.provider, p.tier, p.valid_from) for p in offers
                     if p.date_basis == "first_seen" and p.valid_from > first[(p.model, p.provider, p.tier)])


def _floor_steps(
    offers: Sequence[Price],
    eligible: dict[str, Score],
    blend: tuple[int, int],
    hosts: str,
    start: date | None,
    end: date,
    sighted: frozenset[tuple[str, str, str, date]] = frozenset(),
) -> list[SeriesPoint]:
    events = sorted({p.valid_from for p in offers} | {p.valid_to for p in offers if p.valid_to is not None})
    if start is not None:
        events = [start] + [d for d in events if d > start]
    events = [d for d in events if d <= end]
    steps: list[SeriesPoint] = []
    if hosts != "median":
        # the cheapest-first order is the same every day: sort once, then each day's floor is the first offer in
        # effect (a stable sort keeps min()'s tie order)
        wi, wo = blend
        offers = sorted(offers, key=lambda p: (p.blended(wi, wo), not p.first_party, p.model, p.provider))
    for day in events:
        cur = _floor_on(day, offers, eligible, blend, hosts, sighted, ordered=hosts != "median")
        if cur is None:
            continue  # nothing qualifying in effect that day: the next offer starts a new step
        if steps and (steps[-1].model, steps[-1].provider, steps[-1].price) == (
            cur.model,
            cur.provider,
            cur.price,
        ):
            continue
        steps.append(cur)
    return steps


def _floor_on(
    day: date, offers: Sequence[Price], eligible: dict[str, Score], blend: tuple[int, int], hosts: str,
    sighted: frozenset[tuple[str, str, str, date]] = frozenset(),
    *,
    ordered: bool = False,
) -> SeriesPoint | None:
    """The floor on `day`; `ordered`: `offers` are already sorted cheapest first (not for "median")."""
    wi, wo = blend
    if hosts != "median":
        if ordered:
            best = next((p for p in offers if p.in_effect(day)), None)
        else:
            live = [p for p in offers if p.in_effect(day)]
            best = min(live, key=lambda p: (p.blended(wi, wo), not p.first_party, p.model, p.provider), default=None)
        if best is None:
            return None
        return SeriesPoint(
            day,
            best.model,
            best.provider,
            best.blended(wi, wo),
            best.input,
            best.output,
            eligible[best.model].value,
            best.source,
            (best.model, best.provider, best.tier, best.valid_from) in sighted,
        )
    live = [p for p in offers if p.in_effect(day)]
    if not live:
        return None
    per_model: dict[str, list[Price]] = defaultdict(list)
    for p in live:
        per_model[p.model].append(p)
    candidates: list[SeriesPoint] = []
    for model, ps in per_model.items():
        blended = statistics.median([p.blended(wi, wo) for p in ps])
        src = "; ".join(sorted({p.source for p in ps}))
        candidates.append(
            SeriesPoint(
                day,
                model,
                f"median of {len(ps)} host{'s' if len(ps) != 1 else ''}",
                blended,
                statistics.median([p.input for p in ps]),
                statistics.median([p.output for p in ps]),
                eligible[model].value,
                src,
                any((p.model, p.provider, p.tier, p.valid_from) in sighted for p in ps),
            )
        )
    return min(candidates, key=lambda c: (c.price, c.model))


def known_benchmarks(ledger: Ledger) -> list[str]:
    return ledger.benchmarks


def check_benchmark(ledger: Ledger, benchmark: str) -> str:
    if benchmark.lower() not in ledger.benchmarks:
        raise UnknownNameError("benchmark", benchmark, ledger.benchmarks or ["(no scores on record)"])
    return benchmark.lower()


def _num(d: Decimal) -> str:
    s = format(d.normalize(), "f")
    return s
