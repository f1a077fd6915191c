"""Shared shapes for importers: the price terms a source states, one source entry, one parsed snapshot."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from llmflation.errors import InputError
from llmflation.ledger.records import COMPONENT_PRICES, STANDARD_TIER
from llmflation.money import to_decimal

MTOK = Decimal(1_000_000)
STORE_QUANTUM = Decimal("1e-9")  # the store keeps USD per 1M tokens as DECIMAL(20, 9)
CHARS_PER_TOKEN = Decimal(4)  # English approximation used to convert per-character prices


@dataclass(frozen=True, slots=True)
class Terms:
    """Prices in USD per 1M tokens, as a source states them (converted exactly from the source's unit).

    On a paid entry a component price of 0 (cache read or write, long-context) is dropped: price maps write 0 for
    "no separate charge" (LiteLLM's `cache_creation_input_token_cost: 0` on OpenAI models at gateways), and a stored
    0 would bill those tokens at $0 instead of at the input rate the pricing falls back to."""

    input: Decimal
    output: Decimal
    cached_input: Decimal | None = None
    cache_write: Decimal | None = None
    batch_discount: Decimal | None = None
    long_context_threshold: int | None = None
    long_input: Decimal | None = None
    long_output: Decimal | None = None
    long_cached_input: Decimal | None = None
    per_character: bool = False
    tier: str = STANDARD_TIER
    cache_write_1h: Decimal | None = None

    def __post_init__(self) -> None:
        if self.input or self.output:
            for name in COMPONENT_PRICES:
                if getattr(self, name, None) == 0:
                    object.__setattr__(self, name, None)

    def same_price(self, other: Terms) -> bool:
        return (self.input, self.output) == (other.input, other.output)


@dataclass(frozen=True, slots=True)
class Entry:
    """One priced entry of a source: its own key and provider name, the terms, and dates if the source
    states them."""

    key: str
    provider: str
    terms: Terms
    valid_from: date | None = None  # None: the snapshot's date ("first seen")
    valid_to: date | None = None
    note: str = ""
    names: tuple[str, ...] = ()  # other names the source gives the model (display name), tried after the key
    effective: bool = False  # valid_from is the source's stated effective date (not merely the snapshot's day)
    developer: str = ""  # who makes the model, when the source says (used to add new models with --add-new)


@dataclass(frozen=True, slots=True)
class Skip:
    key: str
    reason: str


@dataclass
class Snapshot:
    """A parsed source file: what it priced, and what it skipped and why."""

    kind: str
    entries: list[Entry] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)
    # (provider, key) of every offer a complete catalogue lists as on sale, priced or not (see
    # `Importer.catalogue_of`; `delisting`): an entry skipped for its price is still listed
    listed: list[tuple[str, str]] = field(default_factory=list)


def money(value: object, where: str) -> Decimal:
    """A source's number as an exact Decimal (floats via their shortest repr, i.e. as written in the JSON)."""
    if value is None or value == "":
        raise InputError(f"{where}: missing price")
    d = to_decimal(value, where)
    if d < 0:
        raise InputError(f"{where}: negative price {d}")
    return d


TERM_FIELDS = ("input", "output", "cached_input", "cache_write", "long_input", "long_output", "long_cached_input")


def terms_problem(terms: Terms) -> str | None:
    """Why a source's terms cannot be stored exactly (e.g. 1e-17 USD per token would be stored as $0), else None.
    The key is then skipped with this reason: an importer never writes $0, or any changed amount, from a source."""
    from llmflation.money import money_problem

    for name in TERM_FIELDS:
        problem = money_problem(name, getattr(terms, name))
        if problem:
            return f"price not stored: {problem}"
    problem = money_problem("batch_discount", terms.batch_discount, bound=None)
    return f"price not stored: {problem}" if problem else None


def storable(d: Decimal, where: str) -> Decimal:
    """`d` (USD per 1M tokens) unless the store cannot keep it exactly (e.g. a non-zero price that would round to
    $0 at 9 decimals): the one money rule (money.money_problem), raised as InputError naming the key."""
    from llmflation.money import money_problem

    problem = money_problem(where, d)
    if problem:
        raise InputError(f"price not stored: {problem}")
    return d


def plain(d: Decimal) -> Decimal:
    """Drop trailing zeros without switching to exponent form (10, not 1E+1)."""
    return d.quantize(Decimal(1)) if d == d.to_integral_value() else d.normalize()


def per_mtok(value: object, where: str) -> Decimal:
    """USD per token → USD per 1M tokens, exactly."""
    return storable(plain(money(value, where) * MTOK), where)


@dataclass(frozen=True)
class Importer:
    """A price source that `llmflation import <kind>` and `llmflation data update` can read.

    parse: the source's JSON (already decoded) and the snapshot's day → a Snapshot of entries and skips.
    url: where `data update` fetches the current snapshot (None: file imports only); the environment
        variable `url_env` overrides it.
    label: how notes name the source ("LiteLLM"); source: the prefix of the rows' `source` field.
    catalogue_of: providers whose complete list of offers a snapshot is (OpenRouter's own models API for
        `openrouter`): an offer such a snapshot no longer lists has left that provider (`delisting`). Price maps
        that keep an entry after the offer ends (LiteLLM, genai-prices) leave it empty.
    """

    kind: str
    label: str
    parse: Callable[[Any, date], Snapshot]
    source: str
    url: str | None = None
    url_env: str | None = None
    help: str = ""
    catalogue_of: tuple[str, ...] = ()


def models_list(data: Any, snap: Snapshot, what: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """(id, entry) of a gateway's models list, `{"data": [{"id": ...}, ...]}` (OpenRouter's and Vercel AI Gateway's
    shape); an entry without an id is skipped with that reason, a body of another shape refused."""
    items = data.get("data") if isinstance(data, Mapping) else data
    if not isinstance(items, list):
        raise InputError(f'{what}: expected {{"data": [...]}} as its models endpoint returns it')
    for i, item in enumerate(items):
        if not isinstance(item, Mapping) or not isinstance(item.get("id"), str):
            snap.skipped.append(Skip(f"data[{i}]", "entry without an id"))
            continue
        yield item["id"], item
