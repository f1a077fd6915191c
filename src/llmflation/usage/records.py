"""The canonical usage record: disjoint token buckets, so no source's totals can be counted twice.

Buckets (see /shared/research/usage-formats.md §7): `input_uncached`, `cache_read`, `cache_write`,
`output_text` (non-reasoning output) and `output_reasoning`. Input total = the first three; output total = the
last two. Every reader converts its source's inclusive or exclusive totals into these buckets.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

# The built-in formats (plugins add more: `llmflation.usage.readers.formats()`).
FORMATS = ("openai-chat", "openai-usage", "anthropic", "otel", "litellm", "langfuse", "generic")

BUCKETS = ("input_uncached", "cache_read", "cache_write", "output_text", "output_reasoning")
# Parts of the buckets above that are priced differently (ledger/tariff.py): 1-hour cache writes (within
# cache_write), audio input (within input_uncached), audio output (within output_text). Subsets, not extra tokens.
SUB_BUCKETS = ("cache_write_1h", "input_audio", "output_audio")

# Column order of the `usage` table and of canonical Parquet (what `usage export` writes, `--source` reads).
CANONICAL_COLUMNS = (
    "row_key", "request_id", "ts", "day", "model", "model_raw", "provider", "batch", "requests",
    *BUCKETS, "project", "user_id", "tags", "reported_cost", "source_format", "source_file", "source_row",
    *SUB_BUCKETS, "service_tier",
)


@dataclass(frozen=True, slots=True)
class UsageRecord:
    """One normalised log row as a reader produces it (model not yet resolved against the ledger)."""

    row: int
    ts: datetime  # naive UTC
    model_raw: str
    input_uncached: int
    cache_read: int
    cache_write: int
    output_text: int
    output_reasoning: int
    requests: int = 1
    request_id: str | None = None
    provider: str | None = None
    batch: bool = False
    project: str | None = None
    user: str | None = None
    tags: tuple[str, ...] = ()
    reported_cost: Decimal | None = None
    cache_write_1h: int = 0  # of cache_write: 1-hour lifetime writes
    input_audio: int = 0  # of input_uncached
    output_audio: int = 0  # of output_text
    service_tier: str | None = None  # as the log says it (OpenAI: default/flex/priority/scale; Anthropic: standard…)
    source_format: str | None = None  # set when a record's format differs from its file's (a mixed file)


@dataclass(frozen=True, slots=True)
class Quarantined:
    """A row that could not be used, with where it was and why."""

    row: int
    field: str
    reason: str
    raw: str


@dataclass(frozen=True, slots=True)
class Skipped:
    """A record that is not a usage row at all (e.g. a non-GenAI span); not counted as read."""

    row: int
    reason: str
