"""Generic tables and JSON: a column mapping (`--map FIELD=COLUMN`), and the canonical schema itself.

`input` and `output` are inclusive totals unless `input_uncached` / `output_text` are mapped.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from llmflation.errors import FormatError, InputError
from llmflation.usage.readers.base import (
    TABLES,
    Item,
    Reader,
    RowError,
    _sub,
    boolean,
    csv_header,
    money,
    parquet_columns,
    provider_name,
    rows,
    tag_list,
    text_field,
    timestamp,
    tokens,
)
from llmflation.usage.records import Skipped, UsageRecord

GENERIC_FIELDS = ("ts", "model", "provider", "request_id", "requests", "input", "input_uncached", "cache_read",
                  "cache_write", "output", "output_text", "output_reasoning", "project", "user", "tags", "cost",
                  "batch")


def parse_mapping(items: list[str] | None, columns_hint: str = "") -> dict[str, str]:
    """`ts=created_at` pairs → {canonical field: column}. Unknown fields are a usage error."""
    out: dict[str, str] = {}
    for item in items or []:
        for part in item.split(","):
            if not part.strip():
                continue
            if "=" not in part:
                raise InputError(f"map {part!r}: use FIELD=COLUMN (fields: {', '.join(GENERIC_FIELDS)})", field="map")
            k, v = (s.strip() for s in part.split("=", 1))
            if k not in GENERIC_FIELDS:
                raise InputError(f"map: unknown field {k!r}; fields are {', '.join(GENERIC_FIELDS)}", field="map")
            out[k] = v
    return out


def read_generic(path: Path, container: str, mapping: Mapping[str, str]) -> Iterator[Item]:
    cols = _columns(path, container)
    m = {f: f for f in GENERIC_FIELDS} | {"user": "user_id" if "user_id" in cols else "user",
                                          "cost": "reported_cost" if "reported_cost" in cols else "cost"}
    m |= dict(mapping)
    if "ts" not in mapping and "ts" not in cols and container in TABLES:
        raise FormatError(f"{path}: the generic format needs the columns of ts and model named (a column mapping)",
                          formats=("generic",), mapping=True)
    yield from rows(path, container, lambda row, rec, is_text: _generic(row, rec, m, is_text))


def _columns(path: Path, container: str) -> set[str]:
    if container == "parquet":
        return parquet_columns(path)
    if container in ("csv", "tsv"):
        return set(csv_header(path, container))
    return set()


def _generic(row: int, r: dict[str, Any], m: Mapping[str, str], text: bool) -> UsageRecord:
    def get(f: str) -> Any:
        v = r.get(m[f])
        return None if isinstance(v, str) and v.strip() == "" else v

    read = tokens(get("cache_read"), m["cache_read"], text=text, default=0)
    written = tokens(get("cache_write"), m["cache_write"], text=text, default=0)
    reasoning = tokens(get("output_reasoning"), m["output_reasoning"], text=text, default=0)
    if get("input_uncached") is not None:
        uncached = tokens(get("input_uncached"), m["input_uncached"], text=text)
    else:
        uncached = _sub(tokens(get("input"), m["input"], text=text), read + written, m["input"],
                        "cache read + write tokens")
    if get("output_text") is not None:
        text_out = tokens(get("output_text"), m["output_text"], text=text)
    else:
        text_out = _sub(tokens(get("output"), m["output"], text=text), reasoning, m["output"], "reasoning tokens")
    cost = get("cost")
    requests = tokens(get("requests"), m["requests"], text=text, default=1)
    if requests == 0:  # priced per request (long-context tiers): 0 requests carrying tokens has no meaning
        if uncached + read + written + text_out + reasoning == 0:
            return Skipped(row, "no requests and no tokens")  # type: ignore[return-value]
        raise RowError(m["requests"], "0 requests but the row has tokens; cannot price per request")
    return UsageRecord(
        row=row, ts=timestamp(get("ts"), m["ts"]), model_raw=text_field(get("model"), m["model"], required=True) or "",
        input_uncached=uncached, cache_read=read, cache_write=written, output_text=text_out,
        output_reasoning=reasoning, requests=requests,
        request_id=text_field(get("request_id"), m["request_id"]), provider=provider_name(get("provider")),
        batch=boolean(get("batch")) if get("batch") is not None else False,
        project=text_field(get("project"), m["project"]), user=text_field(get("user"), m["user"]),
        tags=tag_list(get("tags"), m["tags"]),
        reported_cost=None if cost is None else money(cost if not isinstance(cost, Decimal) else str(cost), m["cost"]),
    )




CANONICAL = {"ts", "model", "input_uncached", "cache_read", "cache_write", "output_text", "output_reasoning"}

READER = Reader("generic", read_generic, sniff_columns=lambda cols: cols >= CANONICAL, priority=80,
                description="any table or JSON with --map FIELD=COLUMN; canonical columns detected")
