"""Map a source's keys and provider names to ledger model ids and providers (rules in `aliases.toml`)."""

from __future__ import annotations

import re
import tomllib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from importlib import resources
from typing import Any

from llmflation import format as fmt
from llmflation.errors import NameNotInEffectError, UnknownModelError, suggest
from llmflation.ledger.importers.common import Entry, Skip
from llmflation.ledger.ledger import Ledger
from llmflation.ledger.records import Model, NameRow, Price, sold_by_developer
from llmflation.ledger.store import ImportedRow
from llmflation.money import plain_text

_DATED = re.compile(r"(\d{4}-?\d{2}-?\d{2}|-\d{4}$|-\d{3}$|@\d{8})")
SUGGEST_LIMIT = 25  # unmatched keys that get "did you mean" suggestions (difflib is slow over thousands)

RANK_ID, RANK_ALIAS, RANK_MOVING = 0, 1, 2


@dataclass(frozen=True)
class AliasTable:
    models: dict[str, str]
    lagging: frozenset[str]
    lagging_patterns: tuple[re.Pattern[str], ...]
    rewrites: tuple[tuple[re.Pattern[str], str], ...]
    providers: dict[str, dict[str, str]]
    bare_key_providers: tuple[tuple[re.Pattern[str], str], ...]


def load_alias_table(text: str | None = None) -> AliasTable:
    """Parse the alias table (the bundled `aliases.toml` when `text` is None)."""
    if text is None:
        text = (resources.files("llmflation.ledger.importers") / "aliases.toml").read_text(encoding="utf-8")
    raw = tomllib.loads(text)
    return AliasTable(
        models={k.lower(): v.lower() for k, v in raw.get("models", {}).items()},
        lagging=frozenset(k.lower() for k in raw.get("lagging", [])),
        lagging_patterns=tuple(re.compile(p) for p in raw.get("lagging_patterns", [])),
        rewrites=tuple((re.compile(r["pattern"]), r["replace"]) for r in raw.get("rewrite", [])),
        providers={
            kind: {k.lower(): v for k, v in table.items()} for kind, table in raw.get("providers", {}).items()
        },
        bare_key_providers=tuple((re.compile(k), v) for k, v in raw.get("bare_key_providers", {}).items()),
    )


@dataclass(frozen=True)
class Match:
    model: Model
    via: str
    rank: int
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Retired:
    """A key whose name the ledger knows, but which named no model on the source's day (the offer had shut down,
    or the name did not exist yet): its price is not imported as a current offer."""

    key: str
    provider: str
    reason: str
    name: str = ""  # the known name the key resolved through

    def skip(self) -> Skip:
        return Skip(self.key, self.reason)


@dataclass(frozen=True)
class Unmatched:
    key: str
    provider: str
    suggestions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Shadowed:
    key: str
    model: str
    provider: str
    preferred: str


@dataclass
class Mapped:
    """Rows ready for the store, plus what could not be matched or was set aside."""

    rows: list[ImportedRow] = field(default_factory=list)
    matched: int = 0
    unmatched: list[Unmatched] = field(default_factory=list)
    shadowed: list[Shadowed] = field(default_factory=list)
    new_models: list[Model] = field(default_factory=list)  # provisional models (import with add_new)
    retired: list[Retired] = field(default_factory=list)  # known names that meant no model on the day


class Matcher:
    """Resolve source keys against one ledger with the alias table's rules (see aliases.toml)."""

    def __init__(self, ledger: Ledger, table: AliasTable, kind: str) -> None:
        self.ledger = ledger
        self.table = table
        self.kind = kind
        self._index: dict[str, str] = {}
        self._slugs: list[str] = []
        self.developers = frozenset(m.developer for m in ledger.models())
        for m in ledger.models():
            slug = m.id.split("/", 1)[-1]
            self._slugs.append(slug)
            for name in (m.id, slug, m.name, *m.aliases):
                self._index.setdefault(name.lower(), m.id)
        self._cache: dict[tuple[str, tuple[str, ...], date | None, str | None], Match | Retired | None] = {}
        self._name_rows: dict[str, list[NameRow]] = defaultdict(list)

    def provider(self, raw: str, key: str) -> str:
        name = raw.strip().lower()
        if not name:
            low = key.lower()
            for pattern, provider in self.table.bare_key_providers:
                if pattern.search(low):
                    return provider
            return "unknown"
        mapped = self.table.providers.get(self.kind, {}).get(name)
        if mapped is None and self.kind == "litellm-history":
            mapped = self.table.providers.get("litellm", {}).get(name)
        if mapped is not None:
            return mapped
        if name.startswith("vertex_ai-"):  # LiteLLM's per-family Vertex names ("vertex_ai-qwen_models", ...)
            return "vertex"
        return re.sub(r"[_-]ai$", "", name).replace("_", "-")

    def candidates(self, key: str) -> list[str]:
        parts = key.strip().lower().split("/")
        out: list[str] = []
        for i in range(len(parts)):
            form = "/".join(parts[i:])
            forms = [form]
            for pattern, repl in self.table.rewrites:
                new = pattern.sub(repl, forms[-1])
                if new != forms[-1]:
                    forms.append(new)
            for f in forms:
                if f and f not in out:
                    out.append(f)
        return out

    def match(self, key: str, names: Sequence[str] = (), *, at: date | None = None,
              provider: str | None = None) -> Match | Retired | None:
        """The ledger model `key` named on `at` (the source's day; today when omitted) at `provider`: a Match, a
        Retired key when the name is on record but meant nothing that day, or None when no name matches."""
        cache_key = (key, tuple(names), at, provider)
        if cache_key not in self._cache:
            try:
                self._cache[cache_key] = self._match(key, names, at, provider)
            except NameNotInEffectError as exc:
                self._cache[cache_key] = Retired(key, provider or "", f"{exc} Not imported as a current offer.",
                                                 exc.name.strip().lower())
        return self._cache[cache_key]

    def _match(self, key: str, names: Sequence[str], at: date | None, provider: str | None) -> Match | None:
        low = key.strip().lower()
        target = self.table.models.get(low)
        if target and target in self._index:
            return Match(self.ledger.resolve(target, provider, at), via=target, rank=RANK_ID, flags=("alias-table",))
        retired: NameNotInEffectError | None = None
        for cand in [*self.candidates(key), *(n.strip().lower() for n in names if n.strip())]:
            if cand not in self._index:
                continue
            try:
                model = self.ledger.resolve(cand, provider, at)
            except NameNotInEffectError as exc:  # a later form may still name a live model
                retired = retired or exc
                continue
            slug = model.id.split("/", 1)[-1]
            bare = low.rsplit("/", 1)[-1]
            moving = (
                bare in self.table.lagging
                or cand in self.table.lagging
                or any(p.search(bare) for p in self.table.lagging_patterns)
            )
            if cand in (model.id, slug) and not moving:
                return Match(model, via=cand, rank=RANK_ID)
            if not moving:
                moving = any(s != slug and s.startswith(cand + "-") for s in self._slugs)
            if moving:
                return Match(model, via=cand, rank=RANK_MOVING, flags=("alias-key-may-lag",))
            return Match(model, via=cand, rank=RANK_ALIAS, flags=("alias-key",))
        if retired is not None:
            raise retired
        return None

    def meaning_changes(self, name: str, provider: str, start: date, end: date | None) -> list[date]:
        """The days in (start, end) on which `name` (at `provider`) came to mean another model, or none: where a
        price history of one key must be cut, so each part is matched to the model the name meant then."""
        if not self._name_rows:
            for n in self.ledger.names():
                self._name_rows[n.name.lower()].append(n)
        days = sorted({d for n in self._name_rows.get(name.strip().lower(), ()) if n.provider in (None, provider)
                       for d in (n.valid_from, n.valid_to) if d is not None and start < d and (end is None or d < end)})
        before = timedelta(days=1)
        return [d for d in days if self._meaning(name, provider, d - before) != self._meaning(name, provider, d)]

    def _meaning(self, name: str, provider: str, day: date) -> str | None:
        """The model id `name` meant on `day` at `provider` (the ledger's resolver), None when it meant nothing."""
        try:
            return self.ledger.resolve_name(name, provider, day).model.id
        except UnknownModelError:
            return None

    def suggestions(self, key: str) -> tuple[str, ...]:
        cands = self.candidates(key)
        try:
            self.ledger.resolve(cands[-1] if cands else key)
        except UnknownModelError as exc:
            return tuple(exc.suggestions)
        return tuple(suggest(key, self._index))


def preference(key: str, match: Match) -> tuple[int, int, int, str]:
    """Sort key: better rank first, then keys carrying a date, then shorter keys."""
    return (match.rank, 0 if _DATED.search(key) else 1, len(key), key)


def choose_keys(
    matches: Iterable[tuple[str, str, str, Match]],
) -> tuple[dict[tuple[str, str], Match], list[Shadowed]]:
    """Given (key, provider, tier, match) tuples, keep the preferred key per (model, provider, tier); the result is
    keyed by (key, model id), as one key of a price history can name different models in different years."""
    groups: dict[tuple[str, str, str], dict[str, Match]] = defaultdict(dict)
    for key, provider, tier, m in matches:
        groups[(m.model.id, provider, tier)][key] = m
    chosen: dict[tuple[str, str], Match] = {}
    shadowed: list[Shadowed] = []
    for (model_id, provider, _tier), by_key in groups.items():
        ordered = sorted(by_key, key=lambda k: preference(k, by_key[k]))
        best = ordered[0]
        chosen[(best, model_id)] = by_key[best]
        shadowed.extend(Shadowed(k, model_id, provider, best) for k in ordered[1:])
    return chosen, shadowed


def price_of(
    entry_terms: object,
    *,
    model: Model,
    provider: str,
    valid_from: date,
    valid_to: date | None,
    source: str,
    note: str,
    date_basis: str = "first_seen",
    checked_on: date | None = None,
) -> Price:
    from llmflation.ledger.importers.common import Terms

    assert isinstance(entry_terms, Terms)
    t = entry_terms
    return Price(
        model=model.id,
        provider=provider,
        tier=t.tier,
        valid_from=valid_from,
        valid_to=valid_to,
        input=t.input,
        output=t.output,
        cached_input=t.cached_input,
        cache_write=t.cache_write,
        cache_write_1h=t.cache_write_1h,
        batch_discount=t.batch_discount,
        long_context_threshold=t.long_context_threshold,
        long_input=t.long_input,
        long_output=t.long_output,
        long_cached_input=t.long_cached_input,
        source=source,
        confidence="derived",
        note=note,
        date_basis=date_basis,
        checked_on=checked_on,
        origin="imported",
        first_party=sold_by_developer(model.developer, provider),
    )


def provisional_model(e: Entry, matcher: Matcher, seen_on: date, source: str, label: str) -> Model | None:
    """A provisional model for an entry no ledger model matches, or None when the source does not say who
    makes it (only keys sold by a developer the ledger already knows become models: no resellers' aliases)."""
    if not e.developer:
        return None
    developer = matcher.provider(e.developer, e.key)
    if developer not in matcher.developers:
        return None
    slug = re.sub(r":[a-z0-9-]+$", "", e.key.strip().lower().rsplit("/", 1)[-1])
    if not slug or slug.startswith("ft:") or not re.fullmatch(r"[a-z0-9][a-z0-9._-]*", slug):
        return None
    name = next((n for n in reversed(e.names) if n.strip() and n.strip().lower() != slug), slug)
    return Model(
        id=f"{developer}/{slug}",
        name=name.strip(),
        developer=developer,
        release_date=None,
        open_weights=False,
        reasoning=False,
        source=source,
        confidence="derived",
        note=f"provisional: added from {label} key {e.key!r} seen {seen_on}; not curated yet",
    )


def map_snapshot(
    entries: Sequence[Entry],
    matcher: Matcher,
    seen_on: date,
    source: str,
    label: str,
    add_new: bool = False,
) -> Mapped:
    """Map a snapshot's entries to imported rows: valid from the snapshot date ("first seen") unless the
    source states its own start date; unmatched keys are reported (or, with `add_new`, become provisional
    models when the source names a known developer), duplicate keys for one offer are shadowed."""
    out = Mapped()
    found: dict[str, list[tuple[str, str, str, Match]]] = defaultdict(list)
    provider_of: dict[str, str] = {}
    new: dict[str, Model] = {}
    unmatched: dict[str, Unmatched] = {}
    retired: dict[str, Retired] = {}
    for e in entries:
        provider = matcher.provider(e.provider, e.key)
        provider_of[e.key] = provider
        m = matcher.match(e.key, e.names, at=seen_on, provider=provider)
        if isinstance(m, Retired):
            if m.key not in retired:
                retired[m.key] = m
            continue
        if m is None and add_new:
            model = provisional_model(e, matcher, seen_on, source, label)
            if model is not None:
                model = new.setdefault(model.id, model)
                m = Match(model, via=model.id, rank=RANK_ID, flags=("provisional-model",))
        if m is None:
            unmatched.setdefault(e.key, Unmatched(e.key, provider))
            continue
        gone = matcher.ledger.not_served_reason(m.model.id, provider, e.valid_from or seen_on)
        if gone is not None:
            retired.setdefault(e.key, Retired(e.key, provider, f"{gone}: not imported as a current offer"))
            continue
        if e.terms.tier == "standard":
            out.matched += 1
        found[e.terms.tier].append((e.key, provider, e.terms.tier, m))
    terms = {(e.key, e.terms.tier): e.terms for e in entries}
    listings = [Listing((key, tier), provider, tier, terms[(key, tier)].input, terms[(key, tier)].output, m.model,
                        seen_on) for tier, group in found.items() for key, provider, _tier, m in group]
    fillers = placeholder_prices(listings)
    for tier, group in found.items():
        found[tier] = [g for g in group if (g[0], tier) not in fillers]
    out.matched -= sum(1 for _key, tier in fillers if tier == "standard")
    for (key, _tier), reason in fillers.items():
        retired.setdefault(key, Retired(key, provider_of[key], reason))
    out.unmatched = list(unmatched.values())
    out.retired = list(retired.values())
    out.new_models = sorted(new.values(), key=lambda x: x.id)
    chosen: dict[tuple[str, str], Match] = {}
    for tier, group in found.items():
        picked, shadowed = choose_keys(group)
        chosen.update({(k, tier): m for (k, _model), m in picked.items()})
        if tier == "standard":
            out.shadowed = shadowed
    shadowed_by: dict[str, list[str]] = defaultdict(list)
    for s in out.shadowed:
        shadowed_by[s.preferred].append(s.key)
    for e in entries:
        m = chosen.get((e.key, e.terms.tier))
        if m is None:
            continue
        start = e.valid_from or seen_on
        if e.valid_to is not None and e.valid_to <= start:
            continue
        flags = list(m.flags)
        if e.terms.per_character:
            flags.append("per-character")
        if shadowed_by.get(e.key):
            flags.append("preferred-over:" + ",".join(sorted(shadowed_by[e.key])))
        note_bits = [
            f"{label} key {e.key!r}; first seen {seen_on} (not the announced date)"
            if e.valid_from is None
            else f"{label} key {e.key!r}; seen {seen_on}"
        ]
        if e.note:
            note_bits.append(e.note)
        if "alias-key-may-lag" in flags:
            note_bits.append("alias key: may lag behind the vendor's repointing")
        out.rows.append(
            ImportedRow(
                price=price_of(
                    e.terms,
                    model=m.model,
                    provider=provider_of[e.key],
                    valid_from=start,
                    valid_to=e.valid_to,
                    source=source,
                    note="; ".join(note_bits),
                    date_basis="effective" if e.effective and e.valid_from is not None else "first_seen",
                    checked_on=seen_on,
                ),
                source_key=e.key,
                seen_on=seen_on,
                flags=tuple(flags),
            )
        )
    out.unmatched = with_suggestions(out.unmatched, matcher)
    return out


PLACEHOLDER_SPAN = 20  # models this many times apart in size cost a host very different amounts to serve


@dataclass(frozen=True)
class Listing:
    """One listed price of a model at a provider, over [valid_from, valid_to) (None: open), for the placeholder
    check; `ref` is the caller's handle on it."""

    ref: Any
    provider: str
    tier: str
    input: Any
    output: Any
    model: Model
    valid_from: date
    valid_to: date | None = None


def placeholder_prices(listings: Sequence[Listing]) -> dict[Any, str]:
    """ref -> why its price is set aside: one provider listing, at the same time, the same non-zero input and output
    price for two models PLACEHOLDER_SPAN times apart in size both by total parameters (what a host holds in memory,
    which size-tier prices follow: Fireworks' up to 4B / 4-16B / above 16B) and by active parameters (what each
    token costs: a mixture of experts with 17B active can sit in a dense 70B model's price category, as at OCI, and
    DeepSeek-V3's 671B with 37B active in Fireworks' "above 16B" tier with 24B dense models). LiteLLM's
    Hyperbolic block gave every Llama from 3B to 405B $0.12/$0.30: a filler, not what the host billed, and
    importing it would rank the offer by a number no one paid. Free listings ($0) are a price and are left alone."""
    groups: dict[tuple[str, str, Any, Any], list[Listing]] = defaultdict(list)
    for x in listings:
        if (x.input or x.output) and _sizes(x.model)[0] > 0:
            groups[(x.provider, x.tier, x.input, x.output)].append(x)
    out: dict[Any, str] = {}
    for (provider, _tier, price_in, price_out), members in groups.items():
        for x in members:
            together = [y for y in members if _overlap(x, y)]  # listed at the same time as x (x included)
            apart = [(a, b) for a in together for b in together  # one pair far apart by both measures
                     if all(big >= PLACEHOLDER_SPAN * small
                            for small, big in zip(_sizes(a.model), _sizes(b.model), strict=True))]
            if not apart:
                continue
            small, large = max(apart, key=lambda p: _sizes(p[1].model)[0] / _sizes(p[0].model)[0])  # the widest
            out[x.ref] = (f"price not imported: {provider} lists the same {fmt.money_per_mtok(price_in)} in / "
                          f"{fmt.money_per_mtok(price_out)} out for {len({y.model.id for y in together})} models at "
                          f"once, {small.model.id} ({plain_text(_sizes(small.model)[0])}B parameters) and "
                          f"{large.model.id} ({plain_text(_sizes(large.model)[0])}B) among them: a placeholder rather "
                          "than a price")
    return out


def _sizes(model: Model) -> tuple[Decimal, Decimal]:
    """(total, active) billions of parameters; (0, 0) when the ledger does not know them."""
    total = model.params_total_b or Decimal(0)
    return total, model.params_active_b or total


def _overlap(a: Listing, b: Listing) -> bool:
    return (b.valid_to is None or a.valid_from < b.valid_to) and (a.valid_to is None or b.valid_from < a.valid_to)


def with_suggestions(unmatched: list[Unmatched], matcher: Matcher) -> list[Unmatched]:
    return [
        Unmatched(u.key, u.provider, matcher.suggestions(u.key)) if i < SUGGEST_LIMIT else u
        for i, u in enumerate(unmatched)
    ]
