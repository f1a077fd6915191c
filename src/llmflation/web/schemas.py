"""Response shapes for the OpenAPI document. Money is an exact decimal string ("0.075"), never a float.

Routes return plain dicts (cheap); these models document them and are checked by the API tests.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field

from llmflation.ledger.records import TIERS
from llmflation.ledger.windows import DAYS
from llmflation.money import FRACTION_PATTERN, PRICE_PATTERN, PRICE_PLACES


class ErrorOut(BaseModel):
    ok: Literal[False] = False
    error: str = Field(description="What went wrong and what to do next.")
    status: int = Field(description="The HTTP status, repeated.")
    suggestions: list[str] | None = Field(None, description="Close model names, on an unknown model (404).")
    known: list[str] | None = Field(None, description="Valid names, on an unknown provider/benchmark/GPU (404).")
    details: list[dict[str, Any]] | None = Field(None, description="Per-field problems (422).")
    problems: list[str] | None = Field(None, description="Per-line problems in submitted data (422).")
    field: str | None = Field(None, description="The request field whose value was refused (422).")
    first_priced: str | None = Field(
        None, description="On a date before a model's first price (404): the first date with a price; try at=it."
    )
    ended: str | None = Field(None, description="On a date after a retired model's last price (404): when it ended.")
    shut_down: bool | None = Field(None, description="True when the offer was shut down before the date asked "
                                   "(404; the error names the date and the vendor's successor).")
    successor: str | None = Field(None, description="With shut_down: the vendor's successor model, to ask for instead.")


WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": "ErrorOut", "description": "Body is not valid JSON."},
    401: {"model": "ErrorOut", "description": "Missing or wrong bearer token."},
    413: {"model": "ErrorOut", "description": "Body larger than the configured limit."},
}
ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorOut, "description": "Unknown model (with suggestions), unknown provider, benchmark, GPU or "
          "other name (with the known ones), or no price in effect."},
    422: {"model": ErrorOut, "description": "Invalid parameters."},
    500: {"model": ErrorOut, "description": "Internal error (no details leak)."},
}


for _entry in WRITE_ERRORS.values():
    _entry["model"] = ErrorOut


class ModelOut(BaseModel):
    id: str
    name: str
    developer: str
    release_date: date | None
    open_weights: bool
    reasoning: bool
    aliases: list[str]
    params_total_b: str | None
    params_active_b: str | None
    context_window: int | None
    source: str
    confidence: str


class Page(BaseModel):
    ok: Literal[True] = True
    total: int = Field(description="Items matching, before paging.")
    offset: int
    limit: int
    next_offset: int | None = Field(description="Offset of the next page; null on the last page.")


class ModelsPage(Page):
    items: list[ModelOut]


class LongContextOut(BaseModel):
    threshold_tokens: int
    input_usd_per_mtok: str | None
    output_usd_per_mtok: str | None
    cached_input_usd_per_mtok: str | None


class PriceOut(BaseModel):
    model: str
    provider: str
    tier: str
    valid_from: date
    valid_to: date | None = Field(description="Exclusive end; null while current.")
    input_usd_per_mtok: str
    output_usd_per_mtok: str
    cached_input_usd_per_mtok: str | None
    cache_write_usd_per_mtok: str | None
    cache_write_1h_usd_per_mtok: str | None = None
    input_audio_usd_per_mtok: str | None = None
    output_audio_usd_per_mtok: str | None = None
    window_utc: str | None = Field(None, description="UTC window of an off-peak row: HH:MM-HH:MM or DAYS "
                                   "HH:MM-HH:MM, disjoint ranges joined by commas.")
    regional_uplift: str | None = None
    batch_discount: str | None
    long_context: LongContextOut | None
    source: str
    confidence: str
    origin: str
    note: str


class PriceAnswer(BaseModel):
    ok: Literal[True] = True
    model: str
    at: date
    name: str | None = Field(None, description="The name as asked.")
    resolved_model: str | None = Field(None, description="What the name meant on that day (dated names).")
    resolved_via: str | None = Field(None, description="id, alias, or dated-alias / dated-snapshot / "
                                     "dated-provider_id / dated-redirect (names.csv).")
    resolved: str | None = Field(None, description='e.g. "gpt-4o on 2025-01-10 → openai/gpt-4o-2024-08-06 (…)".')
    prices: list[PriceOut] = Field(description="One per provider, cheapest (3:1 blended) first.")


class HistoryPage(Page):
    model: str
    items: list[PriceOut]


class ScoreOut(BaseModel):
    model: str
    benchmark: str
    value: str
    as_of: date | None
    setting: str
    source: str
    confidence: str
    note: str


class ScoresAnswer(BaseModel):
    ok: Literal[True] = True
    model: str
    scores: list[ScoreOut]


class WriteAnswer(BaseModel):
    ok: Literal[True] = True
    written: int
    message: str


PRICE_SCHEMA: dict[str, Any] = {"pattern": PRICE_PATTERN}
# one range of a window_utc (ledger/windows.py): [DAYS ]HH:MM-HH:MM, DAYS a day or a span of days (Mon-Fri)
_DAY = "(?:" + "|".join("".join(f"[{c.upper()}{c}]" for c in d) for d in DAYS) + ")"  # any letter case
_RANGE = (rf"(?:{_DAY}(?:-{_DAY})? )?(?:[01]\d|2[0-3]):[0-5]\d-(?:(?:[01]\d|2[0-3]):[0-5]\d|24:00)")
# The tiers the pricing uses, any letter case (user_layer.normalise_tier): "STANDARD" is stored as "standard".
TIER_PATTERN = "^(?:" + "|".join("".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else c for c in t)
                                 for t in TIERS) + ")$"
# Percent off: above 0 and below 100.
PERCENT_PATTERN = rf"^(?:[1-9]\d?(?:\.\d{{1,{PRICE_PLACES}}})?|0?\.\d{{0,{PRICE_PLACES - 1}}}[1-9])$"


# at least one character str.strip() keeps (the loader strips text fields). The class lists exactly what Python
# strips, not \s: \s differs between the engines that read this pattern — JSON Schema's (ECMAScript) \s lacks the
# separators \x1c-\x1f and NEL \x85 that Python strips and holds U+FEFF, which Python keeps (found by schemathesis:
# a model named "\x85" was schema-valid yet refused)
NOT_BLANK = r"[^\t\n\v\f\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"


class PriceIn(BaseModel):
    """A negotiated or custom price for your private layer (USD per 1M tokens, exact decimal strings)."""

    # not blank: the loader strips text fields, so "  " is no model (found by schemathesis)
    model: str = Field(min_length=1, max_length=200, pattern=NOT_BLANK)
    provider: str = Field(max_length=60, pattern=r"^[a-z0-9][a-z0-9._-]*$")
    tier: str = Field("standard", max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$",
                      description=f"{', '.join(TIERS)} (any letter case).",
                      json_schema_extra={"pattern": TIER_PATTERN})
    valid_from: date
    valid_to: date | None = None
    input: str = Field(max_length=30, description='USD per 1M input tokens, e.g. "2.5".',
                       json_schema_extra=PRICE_SCHEMA)
    output: str = Field(max_length=30, description="USD per 1M output tokens.", json_schema_extra=PRICE_SCHEMA)
    cached_input: str | None = Field(None, max_length=30, json_schema_extra=PRICE_SCHEMA)
    window_utc: str | None = Field(None, max_length=200, pattern=rf"^{_RANGE}(?:,{_RANGE}){{0,7}}$",
                                   description="UTC window HH:MM-HH:MM (every day; it may wrap midnight), or DAYS "
                                   "HH:MM-HH:MM (DAYS: Mon, or a span such as Mon-Fri), up to eight disjoint ranges "
                                   "joined by commas: required for tier off-peak and only for it.",
                                   examples=["16:30-00:30", "Mon-Fri 04:00-06:00,Sat-Sun 00:00-24:00"])
    batch_discount: str | None = Field(None, max_length=30, description='Fraction off for batch, e.g. "0.5".',
                                       json_schema_extra={"pattern": FRACTION_PATTERN})
    source: str = Field(
        "user:api", max_length=500, pattern=NOT_BLANK, description="Where this price comes from (contract, invoice)."
    )
    note: str = Field("", max_length=500)


class PricesIn(BaseModel):
    prices: list[PriceIn] = Field(min_length=1, max_length=1000)


class DiscountIn(BaseModel):
    provider: str = Field(max_length=60)
    percent: str = Field(max_length=30, description='Percent off, between 0 and 100 exclusive, e.g. "15".',
                         json_schema_extra={"pattern": PERCENT_PATTERN})
    valid_from: date
    valid_to: date | None = None
    model: str | None = Field(
        None, max_length=200, description="Only this model (default: all the provider's)."
    )
    note: str = Field("", max_length=500)


class BillItemOut(BaseModel):
    tokens_per_task: str | None
    usd_per_mtok: str | None
    per_task_usd: str
    monthly_usd: str


class MarginOut(BaseModel):
    revenue_per_task_usd: str
    gross_profit_per_task_usd: str
    monthly_revenue_usd: str
    monthly_gross_profit_usd: str
    gross_margin: str | None = Field(description="Fraction of revenue (0.42 = 42%).")


class OfferBillOut(BaseModel):
    rank: int
    model: str
    provider: str
    tier: str
    at: date
    monthly_usd: str
    per_task_usd: str
    per_call_usd: str
    usd_per_mtok: str | None
    tokens_per_month: str
    items: dict[str, BillItemOut] = Field(description="uncached_input, cache_read, cache_write, output, "
                                          "reasoning, long_context, batch_discount.")
    margin: MarginOut | None
    warnings: list[dict[str, str]] = Field(description="Fallbacks applied (code, message); never a silent $0.")
    score: str | None
    price_valid_from: date
    source: str
    confidence: str


class BillAnswer(Page):
    at: date
    workload: dict[str, Any]
    floor: dict[str, str] | None
    cheapest: OfferBillOut | None
    offers: list[OfferBillOut]
    excluded: dict[str, list[str]]


class TrendAnswer(BaseModel):
    ok: Literal[True] = True
    benchmark: str
    threshold: dict[str, Any]
    blend: str
    hosts: str
    factor_per_year: float = Field(description="The price divides by this every year.")
    ci_low: float
    ci_high: float
    r2: float
    n: int
    pct_per_year: float
    halving_months: float | None
    points: list[dict[str, Any]] = Field(description="Record-setting points: date, model, provider, price.")
    steps: list[dict[str, Any]]


class ForecastAnswer(BaseModel):
    ok: Literal[True] = True
    series: str
    to: date
    level: float
    central: str
    low: str
    high: str
    unit: str
    fit: dict[str, Any]
    path: list[dict[str, Any]]
    observed_low: str | None = Field(None, description="The cheapest price the fitted series observed.")
    note: str | None = Field(None, description="Set when a forecast value lies far below anything observed.")


class ClaimOut(BaseModel):
    id: str
    text: str
    source: str
    url: str
    kind: str
    verdict: str
    claimed: str
    computed: str
    figure: float | None
    explanation: str
    settings: str
    evidence: list[dict[str, Any]]


class ClaimsPage(Page):
    items: list[ClaimOut]


class EstimateAnswer(BaseModel):
    ok: Literal[True] = True
    model: str
    gpu: str
    count: int
    tp: int
    precision: str
    isl: int
    osl: int
    concurrency: int
    max_concurrency: int
    tokens_per_s_per_gpu: float = Field(description="Output tokens per second per GPU.")
    ttft_s: float
    tpot_s: float
    bound: str = Field(description="compute or memory.")
    usd_per_gpu_hour: str
    usd_per_mtok_input: str
    usd_per_mtok_output: str
    usd_per_mtok_blended: str


class SpendAnswer(BaseModel):
    ok: Literal[True] = True
    by: list[str]
    since: date | None
    until: date | None
    engine: str
    total: dict[str, Any] = Field(description="The whole selection: requests, tokens, cost_usd (exact), …")
    unpriced: list[dict[str, Any]] = Field(description="Traffic with no price in effect, with the reason (never $0).")
    notes: list[str]
    total_rows: int
    offset: int
    limit: int
    next_offset: int | None
    rows: list[dict[str, Any]]


class UploadAnswer(BaseModel):
    ok: Literal[True] = True
    ingest_id: int
    files: list[dict[str, Any]]
    totals: dict[str, int] = Field(description="read = accepted + quarantined + duplicates + conflicts.")
