"""OpenAI Chat Completions / Responses objects and Batch API output lines (JSON Lines or a JSON array).

Prompt (input) tokens INCLUDE cached and cache-write tokens; completion (output) tokens INCLUDE reasoning tokens.
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
from llmflation.usage.records import UsageRecord


def read_openai_chat(path: Path, container: str) -> Iterator[Item]:
    return json_rows(path, container, _openai_chat)


def _openai_chat(row: int, rec: Any) -> UsageRecord:
    if not isinstance(rec, dict):
        raise RowError("(record)", f"expected an object, got {type(rec).__name__}")
    outer = rec
    batch = False
    if isinstance(rec.get("response"), dict) and isinstance(rec["response"].get("body"), dict):
        batch = True  # Batch API output line: {"custom_id", "response": {"status_code", "body": completion}}
        rec = rec["response"]["body"]
    usage = _dict(rec.get("usage"), "usage")
    if not usage:
        raise RowError("usage", "missing usage object (streamed without stream_options.include_usage?)")
    if usage_kind(rec) == "anthropic":  # read as OpenAI, its cache tokens would be lost
        raise RowError("usage", "Anthropic usage fields (cache_read_input_tokens …) in an OpenAI record; "
                                "ingest it as format auto or anthropic")
    if "prompt_tokens" in usage:  # Chat Completions
        total_in = tokens(usage.get("prompt_tokens"), "usage.prompt_tokens")
        total_out = tokens(usage.get("completion_tokens"), "usage.completion_tokens")
        pin = _dict(usage.get("prompt_tokens_details"), "usage.prompt_tokens_details")
        pout = _dict(usage.get("completion_tokens_details"), "usage.completion_tokens_details")
        in_name, out_name = "usage.prompt_tokens", "usage.completion_tokens"
    else:  # Responses API
        total_in = tokens(usage.get("input_tokens"), "usage.input_tokens")
        total_out = tokens(usage.get("output_tokens"), "usage.output_tokens")
        pin = _dict(usage.get("input_tokens_details"), "usage.input_tokens_details")
        pout = _dict(usage.get("output_tokens_details"), "usage.output_tokens_details")
        in_name, out_name = "usage.input_tokens", "usage.output_tokens"
    cached = tokens(pin.get("cached_tokens"), "cached_tokens", default=0)
    written = tokens(pin.get("cache_write_tokens"), "cache_write_tokens", default=0)
    reasoning = tokens(pout.get("reasoning_tokens"), "reasoning_tokens", default=0)
    uncached = _sub(total_in, cached + written, in_name, "cached + cache-write tokens")
    text_out = _sub(total_out, reasoning, out_name, "reasoning tokens")
    audio_in = min(tokens(pin.get("audio_tokens"), "audio_tokens", default=0), uncached)  # billed apart (tariff)
    audio_out = min(tokens(pout.get("audio_tokens"), "audio_tokens", default=0), text_out)
    when = rec.get("created", rec.get("created_at", outer.get("created_at", outer.get("timestamp"))))
    project, user, tags = _meta(outer)
    return UsageRecord(
        row=row, ts=timestamp(when, "created"), model_raw=text_field(rec.get("model"), "model", required=True) or "",
        input_uncached=uncached, cache_read=cached, cache_write=written, output_text=text_out,
        output_reasoning=reasoning, request_id=text_field(rec.get("id"), "id"),
        provider=provider_name(outer.get("provider")), batch=batch or rec.get("service_tier") == "batch",
        project=project, user=user or text_field(rec.get("user"), "user"), tags=tags,
        reported_cost=money(outer.get("cost", outer.get("cost_usd")), "cost"),
        input_audio=audio_in, output_audio=audio_out, service_tier=text_field(rec.get("service_tier"), "service_tier"),
    )




def _sniff(rec: Any) -> bool:
    if not isinstance(rec, dict):
        return False
    response = rec.get("response")
    if isinstance(response, dict) and isinstance(response.get("body"), dict):
        return True
    return usage_kind(rec) in ("openai-chat", "either")


READER = Reader("openai-chat", lambda path, container, mapping: read_openai_chat(path, container),
                sniff_record=_sniff, record=_openai_chat, priority=50, containers=("jsonl", "json"),
                description="OpenAI Chat Completions / Responses objects, Batch API output")
