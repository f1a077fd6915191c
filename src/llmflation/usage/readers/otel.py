"""OpenTelemetry GenAI spans in OTLP JSON (one export per file or per line).

`gen_ai.usage.input_tokens` includes cache read/creation; output includes reasoning. A span whose cache counts
exceed its input total cannot follow that rule and is quarantined rather than guessed.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import partial
from pathlib import Path
from typing import Any

from llmflation.usage.readers.base import (
    RAW_LIMIT,
    Item,
    Reader,
    _guard,
    _json_records,
    _raw,
    _sub,
    money,
    provider_name,
    tag_list,
    text_field,
    timestamp,
    tokens,
)
from llmflation.usage.records import Quarantined, Skipped, UsageRecord


def _otel_value(v: Mapping[str, Any]) -> Any:
    for key in ("stringValue", "intValue", "doubleValue", "boolValue"):
        if key in v:
            val = v[key]
            if key == "intValue" and isinstance(val, str):  # OTLP JSON encodes int64 as a string
                try:
                    return int(val)
                except ValueError:
                    return val
            return val
    if "arrayValue" in v:
        return [_otel_value(x) for x in v["arrayValue"].get("values", [])]
    return None


def _otel_attrs(items: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for a in items or []:
        if isinstance(a, dict) and "key" in a:
            out[a["key"]] = _otel_value(a.get("value") or {})
    return out


def read_otel(path: Path, container: str) -> Iterator[Item]:
    index = 0
    for row, rec, raw in _json_records(path, container):
        if rec is None:
            index += 1
            yield Quarantined(row, "(line)", "invalid JSON (truncated or corrupt export line)", raw[:RAW_LIMIT])
            continue
        if not _sniff(rec):
            index += 1
            yield Quarantined(row, "(record)", "not an OTLP export record (no resourceSpans; another format?)",
                              _raw(raw or rec))
            continue
        try:
            for rs in rec.get("resourceSpans", []) if isinstance(rec, dict) else []:
                res = _otel_attrs((rs.get("resource") or {}).get("attributes"))
                for ss in rs.get("scopeSpans", rs.get("instrumentationLibrarySpans", [])):
                    for span in ss.get("spans", []):
                        index += 1
                        yield from _guard(index, span, partial(_otel_span, index, span, res))
        except Exception as exc:  # a malformed export record: spans read so far stand, the rest is quarantined
            index += 1
            reason = "nested too deeply" if isinstance(exc, RecursionError) else type(exc).__name__
            yield Quarantined(row, "(record)", f"malformed OTLP record: {reason}", _raw(raw or rec))


def _otel_span(row: int, span: dict[str, Any], res: dict[str, Any]) -> UsageRecord | Skipped:
    a = _otel_attrs(span.get("attributes"))
    in_key = next((k for k in ("gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens") if k in a), None)
    out_key = next((k for k in ("gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens") if k in a), None)
    if in_key is None and out_key is None:
        return Skipped(row, "span without gen_ai.usage attributes")
    total_in = tokens(a.get(in_key) if in_key else 0, in_key or "gen_ai.usage.input_tokens")
    total_out = tokens(a.get(out_key) if out_key else 0, out_key or "gen_ai.usage.output_tokens")
    read_key = next((k for k in ("gen_ai.usage.cache_read.input_tokens", "gen_ai.usage.cache_read_input_tokens")
                     if k in a), "gen_ai.usage.cache_read.input_tokens")
    write_key = next((k for k in ("gen_ai.usage.cache_creation.input_tokens",
                                  "gen_ai.usage.cache_creation_input_tokens") if k in a),
                     "gen_ai.usage.cache_creation.input_tokens")
    read = tokens(a.get(read_key), read_key, default=0)
    written = tokens(a.get(write_key), write_key, default=0)
    reasoning = tokens(a.get("gen_ai.usage.reasoning.output_tokens"), "gen_ai.usage.reasoning.output_tokens", default=0)
    uncached = _sub(total_in, read + written, in_key or "gen_ai.usage.input_tokens", "cache read + creation tokens")
    text_out = _sub(total_out, reasoning, out_key or "gen_ai.usage.output_tokens", "reasoning tokens")
    model = a.get("gen_ai.response.model") or a.get("gen_ai.request.model")
    rid = a.get("gen_ai.response.id") or (f"{span.get('traceId', '')}:{span.get('spanId', '')}"
                                          if span.get("spanId") else None)
    return UsageRecord(
        row=row, ts=timestamp(span.get("startTimeUnixNano"), "startTimeUnixNano", unit="ns"),
        model_raw=text_field(model, "gen_ai.response.model", required=True) or "",
        input_uncached=uncached, cache_read=read, cache_write=written, output_text=text_out,
        output_reasoning=reasoning, request_id=text_field(rid, "gen_ai.response.id"),
        provider=provider_name(a.get("gen_ai.provider.name") or a.get("gen_ai.system"), "gen_ai.provider.name"),
        project=text_field(a.get("llmflation.project") or res.get("llmflation.project") or res.get("service.name"),
                           "service.name"),
        user=text_field(a.get("user.id") or a.get("enduser.id"), "user.id"),
        tags=tag_list(a.get("llmflation.tags")),
        reported_cost=money(a.get("gen_ai.usage.cost", a.get("gen_ai.usage.cost_usd")), "gen_ai.usage.cost"),
    )




def _sniff(rec: Any) -> bool:
    return isinstance(rec, dict) and "resourceSpans" in rec


READER = Reader("otel", lambda path, container, mapping: read_otel(path, container), sniff_record=_sniff,
                priority=10, containers=("jsonl", "json"), description="OpenTelemetry GenAI spans (OTLP JSON)")
