"""What every usage reader shares: bounded field parsers, the file containers, the per-row guard, and the
`Reader` record a format module registers (see `llmflation.usage.readers`).

Every reader yields `UsageRecord` (a good row, buckets disjoint), `Quarantined` (a bad row: row number, field,
reason, raw text) or `Skipped` (a record that is not a usage row, e.g. a non-GenAI span). Row numbers are the
1-based line number for JSONL and CSV files (the header is line 1) and the 1-based record index otherwise
(JSON arrays, OTLP spans in file order, Parquet rows).

Token semantics per source (usage-formats.md §7), converted into disjoint buckets:

* OpenAI chat / Responses: prompt (input) tokens INCLUDE cached and cache-write tokens; completion (output)
  tokens INCLUDE reasoning tokens.
* OpenAI Usage API: `input_tokens` includes cached and cache-write tokens; `input_uncached_tokens`, when present,
  is taken as is. No reasoning split is reported (all output goes to `output_text`).
* Anthropic Messages: `input_tokens` EXCLUDES cache reads and cache writes; `output_tokens` includes thinking.
* OTel GenAI: `gen_ai.usage.input_tokens` includes cache read/creation; output includes reasoning. A span whose
  cache counts exceed its input total cannot follow that rule and is quarantined rather than guessed.
* LiteLLM SpendLogs: `prompt_tokens` includes cache reads and writes (current LiteLLM); cache counts come from
  `metadata.additional_usage_values` (or its usage object); a row whose cache counts exceed prompt_tokens is
  quarantined (older LiteLLM Anthropic accounting cannot be told apart safely).
* Langfuse: `usageDetails` keys are disjoint by design (`total` is the sum of the others); keys are classified
  by name (cache read / cache creation / reasoning / other input / other output).
* Generic: a column mapping; `input` and `output` are inclusive totals unless `input_uncached` / `output_text`
  are mapped.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from functools import partial
from pathlib import Path
from typing import Any

from llmflation.errors import FormatError, InputError
from llmflation.usage.records import Quarantined, Skipped, UsageRecord

Item = UsageRecord | Quarantined | Skipped

EARLIEST = datetime(2020, 1, 1)
RAW_LIMIT = 2000
TEXT_LIMIT = 1024  # characters in a model, provider, project, user, request id or tag
TOKEN_LIMIT = 10**15  # tokens in one row: beyond any real log (a quadrillion), and far inside BIGINT
COST_LIMIT = Decimal(10) ** 12  # USD reported for one row: beyond it the value is garbage, not a bill
COST_PLACES = Decimal("1e-12")  # the store keeps reported costs to 12 decimal places (DECIMAL(38, 12))
CSV_FIELD_LIMIT = 128 * 1024  # characters in one CSV field; a longer field quarantines its row
TABLES = ("csv", "tsv", "parquet")  # containers read row by row as tables

# Gateway / OTel provider names → ledger provider names. Unlisted names pass through lower-cased.
PROVIDER_ALIASES = {
    "together_ai": "together", "togetherai": "together", "fireworks_ai": "fireworks", "deepinfra": "deepinfra",
    "azure.ai.openai": "azure", "azure.ai.inference": "azure", "azure_ai": "azure", "aws.bedrock": "bedrock",
    "gcp.vertex_ai": "vertex", "vertex_ai": "vertex", "vertex_ai_beta": "vertex", "gcp.gemini": "google",
    "gemini": "google", "gcp.gen_ai": "google", "mistral_ai": "mistral", "x_ai": "xai",
    "text-completion-openai": "openai",
    "cohere_chat": "cohere", "anthropic_text": "anthropic", "moonshot_ai": "moonshot",
}


class RowError(Exception):
    """A problem with one field of one row; becomes a Quarantined item."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


# -- field parsers ---------------------------------------------------------------------------------------------
def tokens(value: Any, field: str, *, text: bool = False, default: int | None = None) -> int:
    """A non-negative integer token count. JSON strings are refused (wrong type); CSV text is parsed."""
    if value is None or (text and isinstance(value, str) and value.strip() == ""):
        if default is not None:
            return default
        raise RowError(field, "missing")
    if isinstance(value, bool):
        raise RowError(field, f"expected an integer, got boolean {value!r}")
    if isinstance(value, int):
        n = value
    elif isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            raise RowError(field, f"expected an integer, got {value!r}")
        if abs(value) >= TOKEN_LIMIT:
            raise RowError(field, f"implausible token count {value!r}")
        n = int(value)
    elif isinstance(value, Decimal):
        if not value.is_finite() or value != value.to_integral_value():
            raise RowError(field, f"expected an integer, got {value}")
        if value.copy_abs() >= TOKEN_LIMIT:
            raise RowError(field, f"implausible token count {value:.3E}")
        n = int(value)
    elif isinstance(value, str) and text:
        s = value.strip()
        if len(s) > 40:
            raise RowError(field, f"expected an integer, got {len(s)} characters of text")
        try:
            n = int(s)
        except ValueError:
            try:
                d = Decimal(s)
            except InvalidOperation:
                raise RowError(field, f"expected an integer, got {value!r}") from None
            if not d.is_finite() or d != d.to_integral_value():
                raise RowError(field, f"expected an integer, got {value!r}") from None
            if d.copy_abs() >= TOKEN_LIMIT:
                raise RowError(field, f"implausible token count {value.strip()!r}") from None
            n = int(d)
    else:
        raise RowError(field, f"expected an integer, got {type(value).__name__} {_short(value)}")
    if n < 0:
        raise RowError(field, f"negative token count {n}")
    if n >= TOKEN_LIMIT:
        raise RowError(field, "implausible token count " + (str(n) if n < 10**30 else f"with {len(str(n))} digits"))
    return n


def timestamp(value: Any, field: str, *, unit: str = "auto") -> datetime:
    """A UTC timestamp from ISO text or a unix number; refuses impossible and implausible times."""
    if value is None or value == "":
        raise RowError(field, "missing timestamp")
    if isinstance(value, bool):
        raise RowError(field, f"expected a timestamp, got {value!r}")
    ts: datetime
    if isinstance(value, (int, float, Decimal)) or (isinstance(value, str) and _is_number(value)):
        try:
            x = float(value)
        except (OverflowError, ValueError):
            raise RowError(field, f"impossible timestamp {_short(value)}") from None
        if not math.isfinite(x):
            raise RowError(field, f"impossible timestamp {_short(value)}")
        if unit == "auto":
            unit = "ns" if abs(x) >= 1e17 else "us" if abs(x) >= 1e14 else "ms" if abs(x) >= 1e11 else "s"
        scale = {"s": 1.0, "ms": 1e3, "us": 1e6, "ns": 1e9}[unit]
        try:
            ts = datetime(1970, 1, 1) + timedelta(seconds=x / scale)
        except (OverflowError, ValueError):
            raise RowError(field, f"impossible timestamp {_short(value)}") from None
    elif isinstance(value, datetime):
        ts = _naive_utc(value, field)
    elif isinstance(value, date):
        ts = datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        if len(value) > 64:
            raise RowError(field, f"impossible timestamp {_short(value)}")
        s = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
        if " UTC" in s:
            s = s.replace(" UTC", "+00:00")
        try:
            parsed = datetime.fromisoformat(s)
        except ValueError:
            raise RowError(field, f"impossible timestamp {_short(value)}") from None
        ts = _naive_utc(parsed, field)
    else:
        raise RowError(field, f"expected a timestamp, got {type(value).__name__}")
    latest = datetime.now(UTC).replace(tzinfo=None) + timedelta(days=1)
    if not EARLIEST <= ts <= latest:
        raise RowError(field, f"timestamp {ts.isoformat()} outside the plausible range {EARLIEST.date()} … today")
    return ts


def _naive_utc(value: datetime, field: str) -> datetime:
    """A naive UTC datetime; an offset that moves it past year 9999 or before year 1 is impossible."""
    if value.tzinfo is None:
        return value
    try:
        return value.astimezone(UTC).replace(tzinfo=None)
    except (OverflowError, ValueError):
        raise RowError(field, f"impossible timestamp {value.isoformat()!r}") from None


def _is_number(s: str) -> bool:
    if len(s) > 64:
        return False
    try:
        float(s)
    except (ValueError, OverflowError):
        return False
    return True


def _short(value: Any, limit: int = 80) -> str:
    """A bounded, printable rendering of a bad value for a quarantine reason."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**30:
        return f"an integer with {len(str(abs(value)))} digits"
    try:
        text = repr(value)
    except (ValueError, RecursionError):
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[:limit] + "…"


def clean_text(text: str) -> str:
    """Text that can be stored and printed: lone surrogates and other unencodable code points escaped."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


def text_field(value: Any, field: str, *, required: bool = False) -> str | None:
    if value is None or (isinstance(value, str) and value.strip() == ""):
        if required:
            raise RowError(field, "missing")
        return None
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**30:
        raise RowError(field, f"expected text, got {_short(value)}")
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        text = str(value).strip()
        if len(text) > TEXT_LIMIT:
            raise RowError(field, f"{len(text):,} characters (at most {TEXT_LIMIT:,})")
        if clean_text(text) != text:
            raise RowError(field, f"not valid Unicode text (a lone surrogate or undecodable bytes): {_short(text)}")
        if "\x00" in text:
            raise RowError(field, "contains a NUL character")
        return text
    raise RowError(field, f"expected text, got {type(value).__name__}")


def money(value: Any, field: str) -> Decimal | None:
    """A provider-reported cost in USD (exact: floats go through their shortest repr)."""
    if value is None or (isinstance(value, str) and value.strip() == ""):
        return None
    if isinstance(value, bool):
        raise RowError(field, f"expected a number, got {value!r}")
    if isinstance(value, str) and len(value.strip()) > 64:
        raise RowError(field, f"expected a number, got {len(value.strip()):,} characters of text")
    if isinstance(value, int) and abs(value) >= COST_LIMIT:
        raise RowError(field, f"implausible cost {_short(value)} (at most {COST_LIMIT:,} USD per row)")
    if not isinstance(value, (str, int, float, Decimal)):
        raise RowError(field, f"expected a number, got {type(value).__name__}")
    try:
        d = Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise RowError(field, f"expected a number, got {_short(value)}") from None
    if not d.is_finite() or d < 0:
        raise RowError(field, f"not a valid cost: {_short(value)}")
    if d >= COST_LIMIT:
        raise RowError(field, f"implausible cost {_short(value)} (at most {COST_LIMIT:,} USD per row)")
    if d.as_tuple().exponent < -12:  # type: ignore[operator]
        d = d.quantize(COST_PLACES, rounding=ROUND_HALF_EVEN)  # below a millionth of a micro-dollar
    return d


def provider_name(value: Any, field: str = "provider") -> str | None:
    name = text_field(value, field)
    if name is None:
        return None
    key = name.lower()
    return PROVIDER_ALIASES.get(key, key)


def boolean(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes", "t")
    return bool(value)


def tag_list(value: Any, field: str = "tags") -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        s = value.strip()
        if s.startswith("["):
            try:
                value = json.loads(s)
            except ValueError:
                raise RowError(field, f"tags are not a JSON list: {s[:80]!r}") from None
        else:
            return _bounded_tags(field, {t.strip() for t in s.replace("|", ",").split(",") if t.strip()})
    if isinstance(value, (list, tuple)):  # tags are stored comma-joined, so a comma inside a tag becomes ";"
        return _bounded_tags(field, {str(t).strip().replace(",", ";") for t in value if str(t).strip()})
    raise RowError(field, f"expected a list of tags, got {type(value).__name__}")


def _bounded_tags(field: str, tags: set[str]) -> tuple[str, ...]:
    if len(tags) > 100:
        raise RowError(field, f"{len(tags)} tags (at most 100)")
    for t in tags:
        text_field(t, field)
    return tuple(sorted(tags))


def _dict(value: Any, field: str) -> dict[str, Any]:
    if value is None or value == "":
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except (ValueError, RecursionError):
            raise RowError(field, "not valid JSON (or nested too deeply)") from None
    if not isinstance(value, dict):
        raise RowError(field, f"expected an object, got {type(value).__name__}")
    return value


def _sub(total: int, parts: int, total_field: str, what: str) -> int:
    if parts > total:
        raise RowError(total_field, f"{what} ({parts}) exceed {total_field} ({total}); cannot split without "
                                    "counting tokens twice")
    return total - parts


def _raw(obj: Any) -> str:
    try:
        text = obj if isinstance(obj, str) else json.dumps(obj, default=str, ensure_ascii=False)
    except (ValueError, RecursionError, TypeError):
        text = f"<{type(obj).__name__} that cannot be shown>"
    return clean_text(text[:RAW_LIMIT])


# -- containers ------------------------------------------------------------------------------------------------
def loads(text: str) -> Any:
    """json.loads for one record; nesting too deep for Python is a ValueError like any other bad JSON."""
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None


def _json_records(path: Path, container: str) -> Iterator[tuple[int, Any, str]]:
    """(row, parsed or None, raw text). Bad JSON lines come back with parsed None."""
    if container == "jsonl":
        with path.open("r", encoding="utf-8", errors="replace") as f:
            for n, line in enumerate(f, start=1):
                s = line.strip()
                if not s:
                    continue
                try:
                    yield n, loads(s), s
                except ValueError:
                    yield n, None, s
        return
    whole = json_document(path)
    items = whole if isinstance(whole, list) else [whole]
    for n, obj in enumerate(items, start=1):
        yield n, obj, ""


def json_document(path: Path) -> Any:
    """A whole JSON file; anything that is not JSON is a whole-file InputError (there are no rows to keep)."""
    try:
        return loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        reason = "invalid UTF-8" if isinstance(exc, UnicodeDecodeError) else str(exc)[:200]
        from llmflation.usage.readers import formats

        raise FormatError(f"{path.name}: not a JSON document ({reason}); check the file or name its format.",
                          formats=formats()) from None


def delimiter(container: str) -> str:
    return "\t" if container == "tsv" else ","


def csv_header(path: Path, container: str) -> list[str]:
    with path.open(newline="", encoding="utf-8-sig", errors="replace") as f:
        try:
            return [h.strip() for h in next(csv.reader(f, delimiter=delimiter(container)), [])]
        except csv.Error as exc:
            raise InputError(f"{path.name}: unreadable {container.upper()} header ({exc})") from None


def _table_records(path: Path, container: str) -> Iterator[tuple[int, dict[str, Any], bool]]:
    """(row, record, is_text). CSV/TSV rows keep strings (is_text True); Parquet rows keep their types.

    A CSV row with undecodable bytes or a field over CSV_FIELD_LIMIT characters comes back as a record with
    the key "(row)" holding the reason (`table_rows` turns it into a Quarantined item); the rest of the file
    is read."""
    if container in ("csv", "tsv"):
        yield from _csv_records(path, container)
        return

    pf = _parquet_file(path)
    n = 0
    for group in range(pf.num_row_groups):
        try:
            table = pf.read_row_group(group)
        except Exception as exc:  # a corrupt row group: its rows are quarantined, the others land
            rows = pf.metadata.row_group(group).num_rows
            reason = f"corrupt Parquet row group {group} ({rows} rows): {type(exc).__name__}: {exc}"[:300]
            for _ in range(rows):
                n += 1
                yield n, {"(row)": reason}, False
            continue
        for batch in table.to_batches(max_chunksize=65536):
            try:
                recs = batch.to_pylist()
            except Exception:  # one value Python cannot hold (e.g. a timestamp past 9999): find it row by row
                recs = []
                for i in range(batch.num_rows):
                    try:
                        recs.append(batch.slice(i, 1).to_pylist()[0])
                    except Exception as exc:
                        recs.append({"(row)": f"unreadable Parquet value: {type(exc).__name__}: {exc}"[:300]})
            for rec in recs:
                n += 1
                yield n, rec, False


def _parquet_file(path: Path) -> Any:
    import pyarrow.parquet as pq

    try:
        return pq.ParquetFile(path)
    except Exception as exc:
        raise InputError(f"{path.name}: not a readable Parquet file ({type(exc).__name__}: {str(exc)[:200]})"
                         ) from None


def parquet_columns(path: Path) -> set[str]:
    return set(_parquet_file(path).schema_arrow.names)


def _csv_records(path: Path, container: str) -> Iterator[tuple[int, dict[str, Any], bool]]:
    limit = csv.field_size_limit()
    csv.field_size_limit(max(limit, 16 * 1024 * 1024))  # read long fields, then quarantine their rows below
    # surrogateescape keeps undecodable bytes visible per row (as lone surrogates) instead of failing the file
    with path.open(newline="", encoding="utf-8-sig", errors="surrogateescape") as f:
        reader = csv.reader(f, delimiter=delimiter(container))
        try:
            header = [h.strip() for h in next(reader, [])]
        except csv.Error as exc:
            raise InputError(f"{path.name}: unreadable {container.upper()} header ({exc})") from None
        last = reader.line_num
        while True:
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                if reader.line_num == last:  # no progress: stop rather than loop
                    yield last + 1, {"(row)": f"unreadable {container.upper()} from here on: {exc}"}, True
                    return
                last = reader.line_num
                yield reader.line_num, {"(row)": f"unreadable {container.upper()} row: {exc}"}, True
                continue
            last = reader.line_num
            if not values:
                continue
            if any(len(v) > CSV_FIELD_LIMIT for v in values):
                longest = max(len(v) for v in values)
                reason = f"a field of {longest:,} characters (at most {CSV_FIELD_LIMIT:,})"
                yield reader.line_num, {"(row)": reason}, True
                continue
            if any(clean_text(v) != v for v in values):
                yield reader.line_num, {"(row)": "invalid UTF-8 bytes in this row", "(raw)": container.join(
                    clean_text(v) for v in values)}, True
                continue
            yield reader.line_num, dict(zip(header, values, strict=False)), True


def table_rows(path: Path, container: str, parse: Callable[[int, dict[str, Any], bool], Item | list[Item]]
               ) -> Iterator[Item]:
    """Every table row through `parse`, guarded; unreadable rows quarantined with their reason."""
    for row, rec, is_text in _table_records(path, container):
        if "(row)" in rec:
            yield Quarantined(row, "(row)", rec["(row)"], clean_text(str(rec.get("(raw)", "")))[:RAW_LIMIT])
            continue
        yield from _guard(row, rec, partial(parse, row, rec, is_text))


def json_rows(path: Path, container: str, parse: Callable[[int, Any], Item | list[Item]]) -> Iterator[Item]:
    """Every JSON record (a JSON Lines line, or an element of a JSON array) through `parse`, guarded; a line that
    is not JSON is quarantined with its raw text. The loop of every reader whose records are one per line."""
    for row, rec, raw in _json_records(path, container):
        if rec is None:
            yield bad_json_line(row, raw)
            continue
        yield from _guard(row, raw or rec, partial(parse, row, rec))


def bad_json_line(row: int, raw: str) -> Quarantined:
    """The quarantine entry of a JSON Lines line that does not parse (the readers that unpack records share it)."""
    return Quarantined(row, "(line)", "invalid JSON (truncated or corrupt line)", raw[:RAW_LIMIT])


def rows(path: Path, container: str, parse: Callable[[int, dict[str, Any], bool], Item | list[Item]]
         ) -> Iterator[Item]:
    """A table's rows or a JSON file's records through `parse(row, record, is_text)`: `is_text` says the values
    are strings (CSV/TSV cells) rather than JSON or Parquet types."""
    if container in TABLES:
        return table_rows(path, container, parse)
    return json_rows(path, container, lambda row, rec: parse(row, rec, False))


# -- the readers -----------------------------------------------------------------------------------------------
def _guard(row: int, raw: Any, fn: Callable[[], Item | list[Item]]) -> list[Item]:
    """Run one row's parser; any failure becomes a Quarantined item with the reason and the raw text, so one
    hostile row can never stop the rest of the file."""
    try:
        out = fn()
    except RowError as exc:
        return [Quarantined(row, clean_text(exc.field)[:200], clean_text(exc.reason)[:500], _raw(raw))]
    except RecursionError:
        return [Quarantined(row, "(record)", "malformed record: nested too deeply", _raw(raw))]
    except Exception as exc:
        reason = clean_text(f"malformed record: {type(exc).__name__}: {exc}")[:300]
        return [Quarantined(row, "(record)", reason, _raw(raw))]
    return out if isinstance(out, list) else [out]


def _meta(rec: Mapping[str, Any]) -> tuple[str | None, str | None, tuple[str, ...]]:
    """project, user, tags from the common wrapper fields a logging proxy adds."""
    md: dict[str, Any] = rec["metadata"] if isinstance(rec.get("metadata"), dict) else {}
    project = text_field(rec.get("project") or md.get("project") or md.get("project_id"), "project")
    user = text_field(rec.get("user") or md.get("user") or md.get("user_id"), "user")
    tags = tag_list(rec.get("tags") if rec.get("tags") is not None else md.get("tags"))
    return project, user, tags




# -- the registry record ---------------------------------------------------------------------------------------
ReadFn = Callable[[Path, str, Mapping[str, str]], Iterator[Item]]  # (path, container, --map) → items
RecordFn = Callable[[int, Any], Item | list[Item]]  # one JSON record (a line) → item(s)


@dataclass(frozen=True)
class Reader:
    """One usage-log format: how to read a file of it and how to recognise it.

    `read(path, container, mapping)` yields items for a whole file (container: jsonl, json, csv, tsv, parquet).
    `sniff_record(record)` says whether one parsed JSON record is of this format; `sniff_columns(columns)` the
    same for a table header. `record(row, obj)` parses one JSON record on its own: a format that has it can be
    recognised line by line inside another format's JSON Lines file (a mixed file); one without it is
    quarantined there as a mismatch. Lower `priority` is tried first when sniffing (built-ins: 10 … 80;
    plugins default to 100, after them)."""

    name: str
    read: ReadFn
    sniff_record: Callable[[Any], bool] | None = None
    sniff_columns: Callable[[set[str]], bool] | None = None
    record: RecordFn | None = None
    priority: int = 100
    description: str = ""
    containers: tuple[str, ...] = field(default=("jsonl", "json", "csv", "tsv", "parquet"))


def usage_kind(rec: Any) -> str | None:
    """openai-chat or anthropic for a record carrying a provider `usage` object (unwrapping a {"message": …}
    wrapper), "either" when only input/output totals tell nothing apart; None otherwise."""
    if not isinstance(rec, dict):
        return None
    if isinstance(rec.get("message"), dict) and "usage" in rec["message"]:  # {"timestamp", "message": {...}}
        return usage_kind(rec["message"])
    usage = rec.get("usage") if isinstance(rec.get("usage"), dict) else None
    if usage is not None:
        if "prompt_tokens" in usage or rec.get("object") in ("chat.completion", "text_completion", "response"):
            return "openai-chat"
        anthropic_like = ("cache_creation_input_tokens" in usage or "cache_read_input_tokens" in usage
                          or "cache_creation" in usage
                          or rec.get("type") == "message" or str(rec.get("id", "")).startswith("msg"))
        if "input_tokens" in usage and anthropic_like:
            return "anthropic"
        if "input_tokens" in usage:
            return "either"  # input/output tokens only: both formats read it the same way
    return None


# Public names for plugins (the underscored originals stay for the built-in modules).
guard = _guard
json_records = _json_records


def subtract(total: int, parts: int, total_field: str, what: str) -> int:
    """total − parts, or a RowError when the parts exceed the total (tokens would be counted twice)."""
    return _sub(total, parts, total_field, what)
