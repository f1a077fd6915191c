"""Readers for usage logs: a registry of formats, one module per format, and detection by fields.

Every reader yields `UsageRecord` (a good row, buckets disjoint), `Quarantined` (a bad row: row number, field,
reason, raw text) or `Skipped` (a record that is not a usage row, e.g. a non-GenAI span). Row numbers are the
1-based line number for JSONL, CSV and TSV files (the header is line 1) and the 1-based record index otherwise
(JSON arrays, OTLP spans in file order, Parquet rows).

Token semantics per source are in each format's module (usage-formats.md §7); each converts its source's
inclusive or exclusive totals into the disjoint buckets of `usage.records`.

The registry: built-in formats are the `READER`s of the modules in `BUILTIN`; third-party packages add formats
through the `llmflation.readers` entry point group (each entry point names a `Reader`). Adding a format touches
one module. Robustness is shared (`base`): every field parser is bounded and every row runs under a guard, so
any value a row can carry either parses or sends that row — only that row — to quarantine with the reason.
Whole-file errors (InputError) are only for what is not a file of that kind at all.

Detection is per file (its first record or its header) AND per record for JSON Lines: a line of another
record-level format inside a file (an Anthropic message in an OpenAI log) is read by its own format's parser;
a line of a format that cannot be read on its own is quarantined as a mismatch, never read with the wrong
token semantics.
"""

from __future__ import annotations

import dataclasses
import importlib
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from llmflation.errors import FormatError, InputError
from llmflation.usage.readers.base import (
    RAW_LIMIT,
    Item,
    Reader,
    RecordFn,
    RowError,
    _guard,
    _json_records,
    bad_json_line,
    csv_header,
    loads,
    parquet_columns,
)
from llmflation.usage.readers.generic import GENERIC_FIELDS, parse_mapping
from llmflation.usage.records import Quarantined, UsageRecord

__all__ = [
    "ENTRY_POINT_GROUP",
    "GENERIC_FIELDS",
    "Detected",
    "Item",
    "Reader",
    "RowError",
    "detect",
    "formats",
    "parse_mapping",
    "read",
    "reader",
    "register",
    "registry",
]

ENTRY_POINT_GROUP = "llmflation.readers"
BUILTIN = ("otel", "openai_usage", "langfuse", "litellm", "openai_chat", "anthropic", "generic")

_REGISTRY: dict[str, Reader] = {}
_LOADED = False


def register(r: Reader) -> Reader:
    """Add (or replace) a format in this process's registry; returns it (usable as a decorator-like call)."""
    if not isinstance(r, Reader):
        raise TypeError(f"expected a llmflation.usage.readers.Reader, got {type(r).__name__}")
    _REGISTRY[r.name] = r
    return r


def registry() -> dict[str, Reader]:
    """Every known format by name: the built-ins, then plugins found through entry points (loaded once)."""
    global _LOADED
    if not _LOADED:
        _LOADED = True
        for module in BUILTIN:
            register(importlib.import_module(f"llmflation.usage.readers.{module}").READER)
        _load_plugins()
    return _REGISTRY


def _load_plugins() -> None:
    from llmflation.plugins import entry_points_of

    for ep in entry_points_of(ENTRY_POINT_GROUP):
        try:
            obj = ep.load()
            found = obj() if callable(obj) and not isinstance(obj, Reader) else obj
            if found.name in _REGISTRY and found.name in _builtin_names():
                raise ValueError(f"it would replace the built-in format {found.name!r}")
            register(found)
        except Exception as exc:  # a broken plugin must not break the built-in formats
            sys.stderr.write(f"llmflation: ignoring usage-log reader plugin {ep.name!r} ({ep.value}): "
                             f"{type(exc).__name__}: {exc}\n")


BUILTIN_FORMATS = frozenset({"openai-chat", "openai-usage", "anthropic", "otel", "litellm", "langfuse", "generic"})


def _builtin_names() -> frozenset[str]:
    return BUILTIN_FORMATS


def formats() -> tuple[str, ...]:
    return tuple(registry())


def reader(name: str) -> Reader:
    found = registry().get(name)
    if found is None:
        raise InputError(f"format {name!r}: choose one of auto, {', '.join(formats())}", field="format")
    return found


def _by_priority() -> list[Reader]:
    return sorted(registry().values(), key=lambda r: r.priority)


def sniff_record(rec: Any) -> Reader | None:
    """The format of one parsed JSON record, or None."""
    for r in _by_priority():
        if r.sniff_record is not None and r.sniff_record(rec):
            return r
    return None


def sniff_columns(cols: set[str]) -> Reader | None:
    for r in _by_priority():
        if r.sniff_columns is not None and r.sniff_columns(cols):
            return r
    return None


# -- detection -------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Detected:
    format: str
    container: str  # jsonl | json | csv | tsv | parquet


def _table_container(path: Path) -> str | None:
    suffix = path.suffix.lower()
    return {".parquet": "parquet", ".csv": "csv", ".tsv": "tsv"}.get(suffix)


def _first_json_record(path: Path) -> tuple[str, Any]:
    with path.open("r", encoding="utf-8", errors="replace") as f:
        bad = 0
        for line in f:
            s = line.strip()
            if not s:
                continue
            try:
                obj = loads(s)
            except ValueError:
                bad += 1
                if bad >= 20:  # twenty broken lines and no record: not JSON Lines
                    break
                continue
            if isinstance(obj, dict):
                return "jsonl", obj
            break
    try:
        from llmflation.usage.readers.base import json_document

        whole = json_document(path)
    except InputError:
        raise FormatError(f"{path.name}: neither JSON Lines nor a JSON document; check the file or name its format.",
                          formats=formats()) from None
    if isinstance(whole, list):
        return "json", whole[0] if whole else {}
    return "json", whole


def detect(path: Path) -> Detected:
    """Find the format of a usage file from its fields (not its name); InputError when nothing matches."""
    if not path.exists():
        raise InputError(f"{path}: no such file")
    container = _table_container(path)
    if container is not None:
        cols = parquet_columns(path) if container == "parquet" else set(csv_header(path, container))
        found = sniff_columns(cols)
        if found is None:
            raise FormatError(_unknown_columns(path, cols), formats=("generic",), mapping=True)
        return Detected(found.name, container)
    container, rec = _first_json_record(path)
    found = sniff_record(rec)
    if found is None:
        keys = sorted(str(k)[:40] for k in rec)[:20] if isinstance(rec, dict) else [type(rec).__name__]
        raise FormatError(f"{path.name}: cannot tell the usage format from the fields {keys}.", formats=formats(),
                          mapping=True)
    return Detected(found.name, container)


def _unknown_columns(path: Path, cols: set[str]) -> str:
    shown = sorted(str(c)[:40] for c in cols)[:30]
    return (f"{path.name}: unknown columns {shown}. Known signatures: LiteLLM SpendLogs (request_id, "
            "startTime, prompt_tokens), OpenAI usage export (num_model_requests, input_tokens, output_tokens), "
            "Langfuse (usageDetails, startTime), canonical (ts, model, input_uncached, …). Anything else is the "
            "generic format with a column mapping (ts, model, input, output, …).")


# -- reading ---------------------------------------------------------------------------------------------------
def read(path: Path, fmt: str = "auto", mapping: Mapping[str, str] | None = None) -> tuple[str, Iterator[Item]]:
    """Open one usage file: (format, items). Detection errors raise InputError before anything is read."""
    detected = None
    if fmt == "auto":
        try:
            detected = detect(path)
            fmt = detected.format
        except InputError:
            if not mapping:
                raise
            fmt = "generic"
    r = reader(fmt)
    container = detected.container if detected else _container(path)
    if container not in r.containers:
        raise InputError(f"{path.name}: the {fmt} format is read from {', '.join(r.containers)} files, "
                         f"not {container}")
    if detected is not None and container == "jsonl" and r.record is not None:
        return fmt, _per_record(path, r)
    return fmt, r.read(path, container, mapping or {})


def _per_record(path: Path, primary: Reader) -> Iterator[Item]:
    """JSON Lines read line by line with detection per record (a mixed file loses nothing to the wrong parser)."""
    assert primary.record is not None
    for row, rec, raw in _json_records(path, "jsonl"):
        if rec is None:
            yield bad_json_line(row, raw)
            continue
        found = primary if primary.sniff_record and primary.sniff_record(rec) else sniff_record(rec) or primary
        if found is not primary and found.record is None:
            yield Quarantined(row, "(record)", f"a {found.name} record inside a {primary.name} file; ingest it "
                                               "on its own", raw[:RAW_LIMIT])
            continue
        parse: RecordFn = found.record or primary.record
        for item in _guard(row, raw, partial(parse, row, rec)):
            if found is not primary and isinstance(item, UsageRecord):
                item = dataclasses.replace(item, source_format=found.name)
            yield item


def _container(path: Path) -> str:
    return _table_container(path) or _first_json_record(path)[0]
