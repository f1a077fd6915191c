"""Anthropic Messages responses (optionally wrapped as {"timestamp", "message"}) and Message Batches results.

`input_tokens` EXCLUDES cache reads and cache writes; `output_tokens` includes thinking.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from llmflation.usage.readers.base import (
    Item,
    Reader,
    RowError,
    _dict,
    _meta,
    _sub,
    json_rows,
    money,
    provider_name,
    text_field,
    timestamp,
    tokens,
    usage_kind,
)
from llmflation.usage.records import Skipped, UsageRecord


def read_anthropic(path: Path, container: str) -> Iterator[Item]:
    return json_rows(path, container, _anthropic)


def _anthropic(row: int, rec: Any) -> UsageRecord | Skipped:
    if not isinstance(rec, dict):
        raise RowError("(record)", f"expected an object, got {type(rec).__name__}")
    outer = rec
    batch = False
    if isinstance(rec.get("result"), dict):  # Message Batches results line
        if rec["result"].get("type") != "succeeded":
            return Skipped(row, f"batch result {rec['result'].get('type')!r} (not billed)")
        batch = True
        rec = rec["result"]["message"]
    elif isinstance(rec.get("message"), dict) and "usage" in rec["message"]:
        rec = rec["message"]  # a wrapper {"timestamp", "message": {...}}
    usage = _dict(rec.get("usage"), "usage")
    if not usage:
        raise RowError("usage", "missing usage object")
    if "prompt_tokens" in usage:  # read as Anthropic, cached prompt tokens would be billed twice
        raise RowError("usage", "OpenAI usage fields (prompt_tokens …) in an Anthropic record; "
                                "ingest it as format auto or openai-chat")
    # input_tokens EXCLUDES cache reads and writes (tokens after the last cache breakpoint).
    uncached = tokens(usage.get("input_tokens"), "usage.input_tokens")
    read = tokens(usage.get("cache_read_input_tokens"), "usage.cache_read_input_tokens", default=0)
    written = tokens(usage.get("cache_creation_input_tokens"), "usage.cache_creation_input_tokens", default=0)
    split = _dict(usage.get("cache_creation"), "usage.cache_creation")
    if split and not usage.get("cache_creation_input_tokens"):
        written = sum(tokens(v, f"usage.cache_creation.{k}", default=0) for k, v in split.items())
    hour = min(tokens(split.get("ephemeral_1h_input_tokens"), "usage.cache_creation.ephemeral_1h_input_tokens",
                      default=0), written)  # 1-hour writes cost more than 5-minute ones (tariff)
    total_out = tokens(usage.get("output_tokens"), "usage.output_tokens")
    details = _dict(usage.get("output_tokens_details"), "usage.output_tokens_details")
    thinking = tokens(details.get("thinking_tokens"), "thinking_tokens", default=0)
    text_out = _sub(total_out, thinking, "usage.output_tokens", "thinking tokens")
    when = outer.get("timestamp", outer.get("created_at", outer.get("ts", rec.get("created_at"))))
    if when is None:
        raise RowError("timestamp", "Anthropic messages carry no time; log one beside each message as 'timestamp'")
    project, user, tags = _meta(outer)
    return UsageRecord(
        row=row, ts=timestamp(when, "timestamp"), model_raw=text_field(rec.get("model"), "model", required=True) or "",
        input_uncached=uncached, cache_read=read, cache_write=written, output_text=text_out,
        output_reasoning=thinking, request_id=text_field(rec.get("id"), "id"),
        provider=provider_name(outer.get("provider")) or None,
        batch=batch or usage.get("service_tier") == "batch", project=project, user=user, tags=tags,
        reported_cost=money(outer.get("cost", outer.get("cost_usd")), "cost"), cache_write_1h=hour,
        service_tier=text_field(usage.get("service_tier"), "usage.service_tier"),
    )




def _sniff(rec: Any) -> bool:
    if not isinstance(rec, dict):
        return False
    result = rec.get("result")
    if isinstance(result, dict) and isinstance(result.get("message"), dict):
        return True
    return usage_kind(rec) in ("anthropic", "either")


READER = Reader("anthropic", lambda path, container, mapping: read_anthropic(path, container),
                sniff_record=_sniff, record=_anthropic, priority=60, containers=("jsonl", "json"),
                description="Anthropic Messages responses, Message Batches results")
