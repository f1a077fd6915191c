"""The ledger's facts as frozen dataclasses; money is Decimal, dates are datetime.date."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

CONFIDENCE_LEVELS = ("official", "archived", "derived", "estimated")
STANDARD_TIER = "standard"
OFF_PEAK_TIER = "off-peak"
# Service tiers a price row may belong to. `off-peak` rows carry a UTC time-of-day window (`window_utc`).
TIERS = (STANDARD_TIER, "flex", "priority", OFF_PEAK_TIER)

# The company that builds a model also sells it under provider slugs other than its developer slug: Alibaba Cloud
# Model Studio (`alibaba`) for Qwen, Z.ai (`zai`) beside bigmodel.cn (`zhipu`) for GLM, Amazon Bedrock for Nova, Azure
# for Microsoft's Phi, Vertex AI beside the Gemini API for Google's models. A price there is the developer's own bill:
# first-party, re-checked as such (`data check`'s stale_first_party), and the default seller for logs naming none.
OWN_PROVIDERS: dict[str, tuple[str, ...]] = {
    "qwen": ("alibaba",), "zhipu": ("zhipu", "zai"), "amazon": ("bedrock",), "microsoft": ("azure",),
    "google": ("google", "vertex"),
}


def own_providers(developer: str | None) -> tuple[str, ...]:
    """The providers that are `developer`'s own company, its own slug first (then OWN_PROVIDERS' order)."""
    if not developer:
        return ()
    return tuple(dict.fromkeys((developer, *OWN_PROVIDERS.get(developer, ()))))


def sold_by_developer(developer: str | None, provider: str) -> bool:
    """THE first-party rule: `provider` is the model's developer or one of its own company's APIs."""
    return provider in own_providers(developer)
# Price components beside input and output. A source's 0 there usually means "no such charge": on a paid row it would
# bill those tokens at $0, so importers leave it out and `data check` flags it (loading.consistency_warnings).
COMPONENT_PRICES = ("cached_input", "cache_write", "cache_write_1h", "long_input", "long_output", "long_cached_input",
                    "input_audio", "output_audio")
# What a row's valid_from means: the vendor's own effective date, or only the day a source first showed the price.
DATE_BASES = ("effective", "first_seen")


@dataclass(frozen=True, slots=True)
class Model:
    id: str
    name: str
    developer: str
    release_date: date | None
    open_weights: bool
    reasoning: bool
    source: str
    confidence: str
    aliases: tuple[str, ...] = ()
    params_total_b: Decimal | None = None
    params_active_b: Decimal | None = None
    context_window: int | None = None
    layers: int | None = None
    hidden_size: int | None = None
    heads: int | None = None
    kv_heads: int | None = None
    experts_total: int | None = None
    experts_active: int | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class Price:
    """A list price in effect on [valid_from, valid_to); valid_to None means still current."""

    model: str
    provider: str
    valid_from: date
    valid_to: date | None
    input: Decimal
    output: Decimal
    source: str
    confidence: str
    tier: str = STANDARD_TIER
    cached_input: Decimal | None = None
    cache_write: Decimal | None = None
    batch_discount: Decimal | None = None
    long_context_threshold: int | None = None
    long_input: Decimal | None = None
    long_output: Decimal | None = None
    long_cached_input: Decimal | None = None
    cache_write_1h: Decimal | None = None  # 1-hour cache writes (cache_write is the default/5-minute lifetime)
    input_audio: Decimal | None = None
    output_audio: Decimal | None = None
    # off-peak rows: "HH:MM-HH:MM" UTC, or disjoint ranges joined by commas; a range may wrap midnight
    window_utc: str | None = None
    regional_uplift: Decimal | None = None  # fraction added on regional (vs global) endpoints, e.g. 0.1
    date_basis: str | None = None  # effective | first_seen (None: not recorded)
    checked_on: date | None = None  # the day the row was last checked against its source
    note: str = ""
    origin: str = "bundled"  # bundled | user | adjusted
    first_party: bool = field(default=False, compare=False)

    def in_effect(self, at: date) -> bool:
        return self.valid_from <= at and (self.valid_to is None or at < self.valid_to)

    @property
    def free(self) -> bool:
        """Input or output at $0 (a launch promotion, a free beta): what was billed, but no market price and no log
        price, so the trends, indices and charts leave it out (`Ledger.market_prices`)."""
        return not (self.input > 0 and self.output > 0)

    def blended(self, input_weight: int = 3, output_weight: int = 1) -> Decimal:
        """Blended $/M at an input:output token ratio (3:1 as Epoch and Artificial Analysis use)."""
        total = input_weight + output_weight
        return (self.input * input_weight + self.output * output_weight) / Decimal(total)


@dataclass(frozen=True, slots=True)
class Score:
    model: str
    benchmark: str
    value: Decimal
    as_of: date | None
    setting: str
    source: str
    confidence: str
    note: str = ""


@dataclass(frozen=True, slots=True)
class Discount:
    """A user's negotiated discount: a fraction off a provider's (or one model's) prices over an interval."""

    provider: str
    fraction: Decimal
    valid_from: date
    valid_to: date | None = None
    model: str | None = None
    note: str = ""

    def applies(self, model: str, provider: str, at: date) -> bool:
        return (
            self.provider == provider
            and (self.model is None or self.model == model)
            and self.valid_from <= at
            and (self.valid_to is None or at < self.valid_to)
        )


NAME_KINDS = ("alias", "snapshot", "provider_id", "redirect")


@dataclass(frozen=True, slots=True)
class NameRow:
    """What a model name (as sent, for one provider or any) meant on [valid_from, valid_to).

    `kind`: `alias` (a moving or convenience name), `snapshot` (a pinned name), `provider_id` (a host's own id,
    e.g. a Bedrock or Vertex id, an OpenRouter slug) or `redirect` (a retired name the vendor still accepts and
    bills at another model's rate). `provider` empty = the name means this model at every provider.
    """

    name: str
    model: str
    kind: str
    valid_from: date
    source: str
    confidence: str
    provider: str | None = None
    valid_to: date | None = None
    note: str = ""

    def in_effect(self, at: date) -> bool:
        return self.valid_from <= at and (self.valid_to is None or at < self.valid_to)


@dataclass(frozen=True, slots=True)
class Lifecycle:
    """One offer's (model × provider) dates: sold from `available_from`, deprecated (end announced) on
    `deprecated_on`, refused from `shutdown_on`; `successor` is the vendor's recommended replacement."""

    model: str
    provider: str
    source: str
    confidence: str
    available_from: date | None = None
    deprecated_on: date | None = None
    shutdown_on: date | None = None
    successor: str | None = None
    note: str = ""

    def shut_down(self, at: date) -> bool:
        return self.shutdown_on is not None and at >= self.shutdown_on
