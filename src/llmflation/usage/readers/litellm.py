"""LiteLLM SpendLogs (CSV, Parquet, JSON or JSON Lines).

`prompt_tokens` includes cache reads and writes (current LiteLLM); cache counts come from
`metadata.additional_usage_values` (or its usage object); a row whose cache counts exceed prompt_tokens is
quarantined (older LiteLLM Anthropic accounting cannot be told apart safely).
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
    _sub,
    money,
    provider_name,
    rows,
    tag_list,
    text_field,
    timestamp,
    tokens,
)
from llmflation.usage.records import Skipped, UsageRecord


def read_litellm(path: Path, container: str) -> Iterator[Item]:
    return rows(path, container, _litellm)


def _litellm(row: int, r: dict[str, Any], text: bool) -> UsageRecord | Skipped:
    md = _dict(r.get("metadata"), "metadata")
    extra: dict[str, Any] = md.get("additional_usage_values") or {}
    usage: dict[str, Any] = md.get("usage_object") or {}
    src: dict[str, Any] = {**usage, **extra} if isinstance(usage, dict) and isinstance(extra, dict) else {}
    ptd: dict[str, Any] = src.get("prompt_tokens_details") or {}
    ctd: dict[str, Any] = src.get("completion_tokens_details") or {}
    if not isinstance(ptd, dict) or not isinstance(ctd, dict):
        raise RowError("metadata", "usage details are not objects")
    prompt = tokens(r.get("prompt_tokens"), "prompt_tokens", text=text)
    completion = tokens(r.get("completion_tokens"), "completion_tokens", text=text)
    read = tokens(src.get("cache_read_input_tokens", ptd.get("cached_tokens")), "cache_read_input_tokens", default=0)
    written = tokens(src.get("cache_creation_input_tokens", ptd.get("cache_write_tokens")),
                     "cache_creation_input_tokens", default=0)
    reasoning = tokens(ctd.get("reasoning_tokens"), "reasoning_tokens", default=0)
    uncached = _sub(prompt, read + written, "prompt_tokens", "cache read + creation tokens")
    text_out = _sub(completion, reasoning, "completion_tokens", "reasoning tokens")
    status = str(r.get("status") or "").lower()
    if status == "failure" and prompt == 0 and completion == 0:
        return Skipped(row, "failed request with no tokens")
    model = r.get("model") or r.get("model_group")
    return UsageRecord(
        row=row, ts=timestamp(r.get("startTime"), "startTime"),
        model_raw=text_field(model, "model", required=True) or "",
        input_uncached=uncached, cache_read=read, cache_write=written, output_text=text_out,
        output_reasoning=reasoning, request_id=text_field(r.get("request_id"), "request_id"),
        provider=provider_name(r.get("custom_llm_provider"), "custom_llm_provider"),
        project=text_field(r.get("team_id"), "team_id"),
        user=text_field(r.get("end_user") or r.get("user"), "user"),
        tags=tag_list(r.get("request_tags"), "request_tags"),
        reported_cost=money(r.get("spend"), "spend"),
    )




def _sniff(rec: Any) -> bool:
    return isinstance(rec, dict) and "request_id" in rec and ("startTime" in rec or "prompt_tokens" in rec)


READER = Reader("litellm", lambda path, container, mapping: read_litellm(path, container), sniff_record=_sniff,
                sniff_columns=lambda cols: {"request_id", "startTime", "prompt_tokens"} <= cols,
                record=lambda row, rec: _litellm(row, rec, False), priority=40, description="LiteLLM SpendLogs")
