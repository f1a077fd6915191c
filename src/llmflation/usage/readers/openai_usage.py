"""OpenAI organisation Usage API exports (pages of buckets of results: JSON/JSON Lines) and their CSV/Parquet.

`input_tokens` includes cached and cache-write tokens; `input_uncached_tokens`, when present, is taken as is.
No reasoning split is reported (all output goes to `output_text`).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

from llmflation.usage.readers.base import (
    TABLES,
    Item,
    Reader,
    RowError,
    _guard,
    _json_records,
    _raw,
    _sub,
    bad_json_line,
    boolean,
    table_rows,
    text_field,
    timestamp,
    tokens,
)
from llmflation.usage.records import Quarantined, Skipped, UsageRecord


def read_openai_usage(path: Path, container: str) -> Iterator[Item]:
    if container in TABLES:
        yield from table_rows(path, container, lambda row, rec, is_text: _openai_usage_result(row, rec, None, is_text))
        return
    index = 0
    for row, rec, raw in _json_records(path, container):
        if rec is None:
            index += 1
            yield bad_json_line(row, raw)
            continue
        pages = rec if isinstance(rec, list) else [rec]
        if not all(_sniff(page) for page in pages):
            index += 1
            yield Quarantined(row, "(record)", "not an OpenAI usage page or bucket (a record of another format?)",
                              _raw(raw or rec))
            continue
        try:
            for page in pages:
                buckets = page.get("data", [page]) if isinstance(page, dict) and page.get("object") != "bucket" \
                    else [page]
                for bucket in buckets:
                    results = bucket.get("results", []) if isinstance(bucket, dict) else []
                    for result in results:
                        index += 1
                        n = row if container == "jsonl" and len(results) == 1 else index
                        yield from _guard(n, result,
                                          partial(_openai_usage_result, n, result, bucket, False))
        except Exception as exc:  # a malformed page: what it held so far stands, the rest is quarantined
            index += 1
            yield Quarantined(row, "(record)", f"malformed usage page: {type(exc).__name__}"[:300], _raw(raw or rec))


def _openai_usage_result(row: int, r: dict[str, Any], bucket: dict[str, Any] | None, text: bool) -> UsageRecord:
    when = bucket.get("start_time") if bucket is not None else r.get("start_time_iso") or r.get("start_time")
    total_in = tokens(r.get("input_tokens"), "input_tokens", text=text)
    cached = tokens(r.get("input_cached_tokens"), "input_cached_tokens", text=text, default=0)
    written = tokens(r.get("input_cache_write_tokens"), "input_cache_write_tokens", text=text, default=0)
    if r.get("input_uncached_tokens") not in (None, ""):
        uncached = tokens(r.get("input_uncached_tokens"), "input_uncached_tokens", text=text)
    else:  # 2026 wording: input_tokens includes cached and cache-write tokens
        uncached = _sub(total_in, cached + written, "input_tokens", "cached + cache-write tokens")
    out = tokens(r.get("output_tokens"), "output_tokens", text=text)
    n_req = tokens(r.get("num_model_requests"), "num_model_requests", text=text, default=1)
    if n_req == 0:
        if total_in == 0 and out == 0:
            return Skipped(row, "no requests and no tokens")  # type: ignore[return-value]
        raise RowError("num_model_requests", "0 requests but the row has tokens; cannot price per request")
    return UsageRecord(
        row=row, ts=timestamp(when, "start_time"), model_raw=text_field(r.get("model"), "model", required=True) or "",
        input_uncached=uncached, cache_read=cached, cache_write=written, output_text=out, output_reasoning=0,
        requests=n_req, provider="openai", batch=boolean(r.get("batch")),
        project=text_field(r.get("project_id"), "project_id"), user=text_field(r.get("user_id"), "user_id"),
        tags=tuple(t for t in (f"api_key:{r.get('api_key_id')}",) if r.get("api_key_id")),
        input_audio=min(tokens(r.get("input_audio_tokens"), "input_audio_tokens", text=text, default=0), uncached),
        output_audio=min(tokens(r.get("output_audio_tokens"), "output_audio_tokens", text=text, default=0), out),
        service_tier=text_field(r.get("service_tier"), "service_tier"),
    )




def _sniff(rec: Any) -> bool:
    if not isinstance(rec, dict):
        return False
    if rec.get("object") in ("page", "bucket") or ("results" in rec and isinstance(rec.get("results"), list)):
        return True
    data = rec.get("data")
    return isinstance(data, list) and bool(data) and isinstance(data[0], dict) and data[0].get("object") == "bucket"


READER = Reader("openai-usage", lambda path, container, mapping: read_openai_usage(path, container),
                sniff_record=_sniff, priority=20,
                sniff_columns=lambda cols: {"num_model_requests", "input_tokens", "output_tokens"} <= cols,
                description="OpenAI organisation Usage API (completions) export")
