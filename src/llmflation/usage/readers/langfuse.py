"""Langfuse observations (API JSON pages, JSON Lines, CSV, Parquet).

`usageDetails` keys are disjoint by design (`total` is the sum of the others); keys are classified by name
(cache read / cache creation / reasoning / other input / other output).
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
    _dict,
    _guard,
    _json_records,
    bad_json_line,
    money,
    provider_name,
    table_rows,
    tag_list,
    text_field,
    timestamp,
    tokens,
)
from llmflation.usage.records import Skipped, UsageRecord


def read_langfuse(path: Path, container: str) -> Iterator[Item]:
    if container in TABLES:
        yield from table_rows(path, container, lambda row, rec, is_text: _langfuse(row, rec, is_text))
        return
    index = 0
    for row, rec, raw in _json_records(path, container):
        if rec is None:
            yield bad_json_line(row, raw)
            continue
        items: list[Any] = rec["data"] if isinstance(rec, dict) and isinstance(rec.get("data"), list) else [rec]
        for obs in items:
            index += 1
            n = row if len(items) == 1 else index
            yield from _guard(n, raw or obs, partial(_langfuse, n, obs, False))


def _langfuse(row: int, o: dict[str, Any], text: bool) -> UsageRecord | Skipped:
    kind = str(o.get("type") or "GENERATION").upper()
    if kind != "GENERATION":
        return Skipped(row, f"{kind.lower()} observation (not a model call)")
    details = _dict(o.get("usageDetails", o.get("usage_details")), "usageDetails")
    if not details and isinstance(o.get("usage"), dict):
        details = {k: v for k, v in o["usage"].items() if k in ("input", "output")}
    if not details:
        raise RowError("usageDetails", "missing usage details")
    buckets = {"input_uncached": 0, "cache_read": 0, "cache_write": 0, "output_text": 0, "output_reasoning": 0}
    for key, value in details.items():
        k = key.lower()
        if k == "total":
            continue
        n = tokens(value, f"usageDetails.{key}", text=isinstance(value, str) and text)
        # keys are disjoint by Langfuse's design: total = sum of the others
        if "cache" in k and ("read" in k or "cached" in k or "hit" in k):
            buckets["cache_read"] += n
        elif "cache" in k and ("creat" in k or "write" in k):
            buckets["cache_write"] += n
        elif k.startswith("input") and "cached" in k:
            buckets["cache_read"] += n
        elif "reasoning" in k or "thinking" in k:
            buckets["output_reasoning"] += n
        elif k.startswith(("output", "completion")):
            buckets["output_text"] += n
        elif k.startswith(("input", "prompt")):
            buckets["input_uncached"] += n
        else:
            raise RowError(f"usageDetails.{key}", "unrecognised usage key; cannot tell input from output")
    costs = _dict(o.get("costDetails", o.get("cost_details")), "costDetails")
    cost = money(costs.get("total", o.get("totalCost", o.get("calculatedTotalCost"))), "costDetails.total")
    md: dict[str, Any] = o["metadata"] if isinstance(o.get("metadata"), dict) else {}
    return UsageRecord(
        row=row, ts=timestamp(o.get("startTime", o.get("start_time")), "startTime"),
        model_raw=text_field(o.get("model") or o.get("providedModelName"), "model", required=True) or "",
        request_id=text_field(o.get("id"), "id"),
        project=text_field(o.get("projectId") or o.get("project_id"), "projectId"),
        user=text_field(o.get("userId") or md.get("user_id"), "userId"), tags=tag_list(md.get("tags")),
        provider=provider_name(md.get("provider") or md.get("ls_provider")), reported_cost=cost,
        input_uncached=buckets["input_uncached"], cache_read=buckets["cache_read"], cache_write=buckets["cache_write"],
        output_text=buckets["output_text"], output_reasoning=buckets["output_reasoning"],
    )




def _sniff(rec: Any) -> bool:
    return isinstance(rec, dict) and ("usageDetails" in rec or "usage_details" in rec
                                      or str(rec.get("type", "")).upper() == "GENERATION")


def _sniff_columns(cols: set[str]) -> bool:
    return bool({"usageDetails", "usage_details"} & cols) and bool({"startTime", "start_time"} & cols)


READER = Reader("langfuse", lambda path, container, mapping: read_langfuse(path, container), sniff_record=_sniff,
                sniff_columns=_sniff_columns, priority=30, description="Langfuse observations")
