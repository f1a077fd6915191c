"""tinylog: a made-up usage log, one JSON object per call, as a worked example of a llmflation reader plugin.

    {"at": "2025-01-02T03:04:05Z", "llm": "gpt-4o", "tokens_in": 1200, "cached_in": 200, "tokens_out": 80,
     "call": "c-123"}

`tokens_in` includes `cached_in` (like OpenAI). Install this package next to llmflation (`pip install
examples/llmflation-tinylog`) and `llmflation usage ingest calls.jsonl` recognises the format by its fields;
`llmflation usage formats` lists it. The shared helpers do the hard parts: bounded field parsers (any value a row
can carry either parses or quarantines the row with the reason) and the per-row guard.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import partial
from pathlib import Path
from typing import Any

from llmflation.usage.readers import Reader, RowError
from llmflation.usage.readers.base import Item, guard, json_records, subtract, text_field, timestamp, tokens
from llmflation.usage.records import Quarantined, UsageRecord


def parse(row: int, rec: Any) -> UsageRecord:
    """One tinylog record → a UsageRecord with disjoint token buckets; RowError quarantines the row."""
    if not isinstance(rec, dict):
        raise RowError("(record)", f"expected an object, got {type(rec).__name__}")
    total_in = tokens(rec.get("tokens_in"), "tokens_in")
    cached = tokens(rec.get("cached_in"), "cached_in", default=0)
    return UsageRecord(
        row=row, ts=timestamp(rec.get("at"), "at"), model_raw=text_field(rec.get("llm"), "llm", required=True) or "",
        input_uncached=subtract(total_in, cached, "tokens_in", "cached_in"), cache_read=cached, cache_write=0,
        output_text=tokens(rec.get("tokens_out"), "tokens_out"), output_reasoning=0,
        request_id=text_field(rec.get("call"), "call"),
    )


def read(path: Path, container: str, mapping: Mapping[str, str]) -> Iterator[Item]:
    for row, rec, raw in json_records(path, container):
        if rec is None:
            yield Quarantined(row, "(line)", "invalid JSON", raw)
            continue
        yield from guard(row, raw or rec, partial(parse, row, rec))


def sniff(rec: Any) -> bool:
    return isinstance(rec, dict) and "tokens_in" in rec and "llm" in rec


READER = Reader("tinylog", read, sniff_record=sniff, record=parse, containers=("jsonl", "json"),
                description="tinylog, a made-up one-line-per-call log (example plugin)")
