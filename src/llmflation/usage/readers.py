"""Readers for usage logs, with format auto-detection by fields.

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
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import partial
from pathlib import Path
from typing import Any

from llmflation.errors import InputError
from llmflation.usage.records import FORMATS, Quarantined, Skipped, UsageRecord

Item = UsageRecord | Quarantined | Skipped

EARLIEST = datetime(2020, 1, 1)
RAW_LIMIT = 2000

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
        if not value.is_integer():
            raise RowError(field, f"expected an integer, got {value!r}")
        n = int(value)
    elif isinstance(value, Decimal):
        if value != value.to_integral_value():
            raise RowError(field, f"expected an integer, got {value}")
        n = int(value)
    elif isinstance(value, str) and text:
        s = value.strip()
        try:
            n = int(s)
        except ValueError:
            try:
                d = Decimal(s)
            except InvalidOperation:
                raise RowError(field, f"expected an integer, got {value!r}") from None
            if not d.is_finite() or d != d.to_integral_value():
                raise RowError(field, f"expected an integer, got {value!r}") from None
            n = int(d)
    else:
        raise RowError(field, f"expected an integer, got {type(value).__name__} {value!r}"[:200])
    if n < 0:
        raise RowError(field, f"negative token count {n}")
    if n >= 10**15:
        raise RowError(field, f"implausible token count {n}")
    return n


def timestamp(value: Any, field: str, *, unit: str = "auto") -> datetime:
    """A UTC timestamp from ISO text or a unix number; refuses impossible and implausible times."""
    if value is None or value == "":
        raise RowError(field, "missing timestamp")
    if isinstance(value, bool):
        raise RowError(field, f"expected a timestamp, got {value!r}")
    ts: datetime
    if isinstance(value, (int, float, Decimal)) or (isinstance(value, str) and _is_number(value)):
        x = float(value)
        if unit == "auto":
            unit = "ns" if abs(x) >= 1e17 else "us" if abs(x) >= 1e14 else "ms" if abs(x) >= 1e11 else "s"
        scale = {"s": 1.0, "ms": 1e3, "us": 1e6, "ns": 1e9}[unit]
        try:
            ts = datetime(1970, 1, 1) + timedelta(seconds=x / scale)
        except (OverflowError, ValueError):
            raise RowError(field, f"impossible timestamp {value!r}") from None
    elif isinstance(value, datetime):
        ts = value if value.tzinfo is None else value.astimezone(UTC).replace(tzinfo=None)
    elif isinstance(value, date):
        ts = datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        s = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
        if " UTC" in s:
            s = s.replace(" UTC", "+00:00")
        try:
            parsed = datetime.fromisoformat(s)
        except ValueError:
            raise RowError(field, f"impossible timestamp {value!r}") from None
        ts = parsed if parsed.tzinfo is None else parsed.astimezone(UTC).replace(tzinfo=None)
    else:
        raise RowError(field, f"expected a timestamp, got {type(value).__name__}")
    latest = datetime.now(UTC).replace(tzinfo=None) + timedelta(days=1)
    if not EARLIEST <= ts <= latest:
        raise RowError(field, f"timestamp {ts.isoformat()} outside the plausible range {EARLIEST.date()} … today")
    return ts


def _is_number(s: str) -> bool:
    try:
        float(s)
    except ValueError:
        return False
    return True


def text_field(value: Any, field: str, *, required: bool = False) -> str | None:
    if value is None or (isinstance(value, str) and value.strip() == ""):
        if required:
            raise RowError(field, "missing")
        return None
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        return str(value).strip()
    raise RowError(field, f"expected text, got {type(value).__name__}")


def money(value: Any, field: str) -> Decimal | None:
    """A provider-reported cost in USD (exact: floats go through their shortest repr)."""
    if value is None or (isinstance(value, str) and value.strip() == ""):
        return None
    if isinstance(value, bool):
        raise RowError(field, f"expected a number, got {value!r}")
    try:
        d = Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value).strip())
    except InvalidOperation:
        raise RowError(field, f"expected a number, got {value!r}") from None
    if not d.is_finite() or d < 0:
        raise RowError(field, f"not a valid cost: {value!r}")
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
            return tuple(sorted({t.strip() for t in s.replace("|", ",").split(",") if t.strip()}))
    if isinstance(value, (list, tuple)):  # tags are stored comma-joined, so a comma inside a tag becomes ";"
        return tuple(sorted({str(t).strip().replace(",", ";") for t in value if str(t).strip()}))
    raise RowError(field, f"expected a list of tags, got {type(value).__name__}")


def _dict(value: Any, field: str) -> dict[str, Any]:
    if value is None or value == "":
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise RowError(field, "not valid JSON") from None
    if not isinstance(value, dict):
        raise RowError(field, f"expected an object, got {type(value).__name__}")
    return value


def _sub(total: int, parts: int, total_field: str, what: str) -> int:
    if parts > total:
        raise RowError(total_field, f"{what} ({parts}) exceed {total_field} ({total}); cannot split without "
                                    "counting tokens twice")
    return total - parts


def _raw(obj: Any) -> str:
    text = obj if isinstance(obj, str) else json.dumps(obj, default=str, ensure_ascii=False)
    return text[:RAW_LIMIT]


# -- detection -------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Detected:
    format: str
    container: str  # jsonl | json | csv | parquet


def _first_json_record(path: Path) -> tuple[str, Any]:
    with path.open("r", encoding="utf-8", errors="replace") as f:
        for line in f:
            s = line.strip()
            if not s:
                continue
            try:
                obj = json.loads(s)
            except ValueError:
                break
            if isinstance(obj, dict):
                return "jsonl", obj
            break
    try:
        whole = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise InputError(
            f"{path}: neither JSON Lines nor a JSON document ({exc}); check the file or pass --format") from None
    if isinstance(whole, list):
        return "json", whole[0] if whole else {}
    return "json", whole


def _json_format(rec: Any) -> str | None:
    if not isinstance(rec, dict):
        return None
    if "resourceSpans" in rec:
        return "otel"
    if rec.get("object") in ("page", "bucket") or ("results" in rec and isinstance(rec.get("results"), list)):
        return "openai-usage"
    if isinstance(rec.get("data"), list) and rec["data"] and isinstance(rec["data"][0], dict) \
            and rec["data"][0].get("object") == "bucket":
        return "openai-usage"
    if "usageDetails" in rec or "usage_details" in rec or str(rec.get("type", "")).upper() == "GENERATION":
        return "langfuse"
    if "request_id" in rec and ("startTime" in rec or "prompt_tokens" in rec):
        return "litellm"
    body = rec.get("response", {}).get("body") if isinstance(rec.get("response"), dict) else None
    if isinstance(body, dict):
        return "openai-chat"
    result = rec.get("result")
    if isinstance(result, dict) and isinstance(result.get("message"), dict):
        return "anthropic"
    if isinstance(rec.get("message"), dict) and "usage" in rec["message"]:  # {"timestamp", "message": {...}}
        return _json_format(rec["message"])
    usage = rec.get("usage") if isinstance(rec.get("usage"), dict) else None
    if usage is not None:
        if "prompt_tokens" in usage or rec.get("object") in ("chat.completion", "text_completion", "response"):
            return "openai-chat"
        anthropic_like = ("cache_creation_input_tokens" in usage or "cache_read_input_tokens" in usage
                          or rec.get("type") == "message" or str(rec.get("id", "")).startswith("msg"))
        if "input_tokens" in usage and anthropic_like:
            return "anthropic"
        if "input_tokens" in usage:
            return "openai-chat"
    return None


def _columns_format(cols: set[str]) -> str | None:
    if {"request_id", "startTime", "prompt_tokens"} <= cols:
        return "litellm"
    if {"num_model_requests", "input_tokens", "output_tokens"} <= cols:
        return "openai-usage"
    if ({"usageDetails", "usage_details"} & cols) and ({"startTime", "start_time"} & cols):
        return "langfuse"
    if {"ts", "model", "input_uncached", "cache_read", "cache_write", "output_text", "output_reasoning"} <= cols:
        return "generic"
    return None


def detect(path: Path) -> Detected:
    """Find the format of a usage file from its fields (not its name); InputError when nothing matches."""
    if not path.exists():
        raise InputError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        cols = set(pq.read_schema(path).names)
        fmt = _columns_format(cols)
        if fmt is None:
            raise InputError(_unknown_columns(path, cols))
        return Detected(fmt, "parquet")
    if suffix in (".csv", ".tsv"):
        with path.open(newline="", encoding="utf-8-sig") as f:
            header = next(csv.reader(f, delimiter="\t" if suffix == ".tsv" else ","), [])
        cols = {h.strip() for h in header}
        fmt = _columns_format(cols)
        if fmt is None:
            raise InputError(_unknown_columns(path, cols))
        return Detected(fmt, "csv")
    container, rec = _first_json_record(path)
    fmt = _json_format(rec)
    if fmt is None:
        keys = sorted(rec)[:20] if isinstance(rec, dict) else [type(rec).__name__]
        raise InputError(f"{path}: cannot tell the usage format from the fields {keys}. Pass --format one of "
                         f"{', '.join(FORMATS)} (generic needs --map).")
    return Detected(fmt, container)


def _unknown_columns(path: Path, cols: set[str]) -> str:
    return (f"{path}: unknown columns {sorted(cols)[:30]}. Known signatures: LiteLLM SpendLogs (request_id, "
            "startTime, prompt_tokens), OpenAI usage export (num_model_requests, input_tokens, output_tokens), "
            "Langfuse (usageDetails, startTime), canonical (ts, model, input_uncached, …). For anything else pass "
            "--format generic --map ts=COL --map model=COL --map input=COL --map output=COL …")


# -- containers ------------------------------------------------------------------------------------------------
def _json_records(path: Path, container: str) -> Iterator[tuple[int, Any, str]]:
    """(row, parsed or None, raw text). Bad JSON lines come back with parsed None."""
    if container == "jsonl":
        with path.open("r", encoding="utf-8", errors="replace") as f:
            for n, line in enumerate(f, start=1):
                s = line.strip()
                if not s:
                    continue
                try:
                    yield n, json.loads(s), s
                except ValueError:
                    yield n, None, s
        return
    whole = json.loads(path.read_text(encoding="utf-8"))
    items = whole if isinstance(whole, list) else [whole]
    for n, obj in enumerate(items, start=1):
        yield n, obj, ""


def _table_records(path: Path, container: str) -> Iterator[tuple[int, dict[str, Any], bool]]:
    """(row, record, is_text). CSV rows keep strings (is_text True); Parquet rows keep their types."""
    if container == "csv":
        with path.open(newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            for rec in reader:
                yield reader.line_num, {k.strip(): v for k, v in rec.items() if k is not None}, True
        return
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(path)
    n = 0
    for batch in pf.iter_batches(batch_size=65536):
        for rec in batch.to_pylist():
            n += 1
            yield n, rec, False


# -- the readers -----------------------------------------------------------------------------------------------
def _guard(row: int, raw: Any, fn: Callable[[], Item | list[Item]]) -> list[Item]:
    """Run one row's parser; a RowError (or a malformed record) becomes a Quarantined item with the raw text."""
    try:
        out = fn()
    except RowError as exc:
        return [Quarantined(row, exc.field, exc.reason, _raw(raw))]
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        return [Quarantined(row, "(record)", f"malformed record: {type(exc).__name__}: {exc}"[:300], _raw(raw))]
    return out if isinstance(out, list) else [out]


def _meta(rec: Mapping[str, Any]) -> tuple[str | None, str | None, tuple[str, ...]]:
    """project, user, tags from the common wrapper fields a logging proxy adds."""
    md: dict[str, Any] = rec["metadata"] if isinstance(rec.get("metadata"), dict) else {}
    project = text_field(rec.get("project") or md.get("project") or md.get("project_id"), "project")
    user = text_field(rec.get("user") or md.get("user") or md.get("user_id"), "user")
    tags = tag_list(rec.get("tags") if rec.get("tags") is not None else md.get("tags"))
    return project, user, tags


def read_openai_chat(path: Path, container: str) -> Iterator[Item]:
    for row, rec, raw in _json_records(path, container):
        if rec is None:
            yield Quarantined(row, "(line)", "invalid JSON (truncated or corrupt line)", raw[:RAW_LIMIT])
            continue
        yield from _guard(row, raw or rec, partial(_openai_chat, row, rec))


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


def read_anthropic(path: Path, container: str) -> Iterator[Item]:
    for row, rec, raw in _json_records(path, container):
        if rec is None:
            yield Quarantined(row, "(line)", "invalid JSON (truncated or corrupt line)", raw[:RAW_LIMIT])
            continue
        yield from _guard(row, raw or rec, partial(_anthropic, row, rec))


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


def read_openai_usage(path: Path, container: str) -> Iterator[Item]:
    if container in ("csv", "parquet"):
        for row, rec, is_text in _table_records(path, container):
            yield from _guard(row, rec,
                              partial(_openai_usage_result, row, rec, None, is_text))
        return
    index = 0
    for row, rec, raw in _json_records(path, container):
        if rec is None:
            index += 1
            yield Quarantined(row, "(line)", "invalid JSON (truncated or corrupt line)", raw[:RAW_LIMIT])
            continue
        pages = rec if isinstance(rec, list) else [rec]
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
    return UsageRecord(
        row=row, ts=timestamp(when, "start_time"), model_raw=text_field(r.get("model"), "model", required=True) or "",
        input_uncached=uncached, cache_read=cached, cache_write=written, output_text=out, output_reasoning=0,
        requests=n_req, provider="openai", batch=boolean(r.get("batch")),
        project=text_field(r.get("project_id"), "project_id"), user=text_field(r.get("user_id"), "user_id"),
        tags=tuple(t for t in (f"api_key:{r['api_key_id']}",) if r.get("api_key_id")),
        input_audio=min(tokens(r.get("input_audio_tokens"), "input_audio_tokens", text=text, default=0), uncached),
        output_audio=min(tokens(r.get("output_audio_tokens"), "output_audio_tokens", text=text, default=0), out),
        service_tier=text_field(r.get("service_tier"), "service_tier"),
    )


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
        for rs in rec.get("resourceSpans", []) if isinstance(rec, dict) else []:
            res = _otel_attrs((rs.get("resource") or {}).get("attributes"))
            for ss in rs.get("scopeSpans", rs.get("instrumentationLibrarySpans", [])):
                for span in ss.get("spans", []):
                    index += 1
                    yield from _guard(index, span, partial(_otel_span, index, span, res))


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


def read_litellm(path: Path, container: str) -> Iterator[Item]:
    if container in ("json", "jsonl"):
        for row, rec, raw in _json_records(path, container):
            if rec is None:
                yield Quarantined(row, "(line)", "invalid JSON (truncated or corrupt line)", raw[:RAW_LIMIT])
                continue
            yield from _guard(row, raw or rec, partial(_litellm, row, rec, False))
        return
    for row, rec, is_text in _table_records(path, container):
        yield from _guard(row, rec, partial(_litellm, row, rec, is_text))


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


def read_langfuse(path: Path, container: str) -> Iterator[Item]:
    if container in ("csv", "parquet"):
        for row, rec, is_text in _table_records(path, container):
            yield from _guard(row, rec, partial(_langfuse, row, rec, is_text))
        return
    index = 0
    for row, rec, raw in _json_records(path, container):
        if rec is None:
            yield Quarantined(row, "(line)", "invalid JSON (truncated or corrupt line)", raw[:RAW_LIMIT])
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
                raise InputError(f"--map {part!r}: use FIELD=COLUMN (fields: {', '.join(GENERIC_FIELDS)})")
            k, v = (s.strip() for s in part.split("=", 1))
            if k not in GENERIC_FIELDS:
                raise InputError(f"--map: unknown field {k!r}; fields are {', '.join(GENERIC_FIELDS)}")
            out[k] = v
    return out


def read_generic(path: Path, container: str, mapping: dict[str, str]) -> Iterator[Item]:
    cols = _columns(path, container)
    m = {f: f for f in GENERIC_FIELDS} | {"user": "user_id" if "user_id" in cols else "user",
                                          "cost": "reported_cost" if "reported_cost" in cols else "cost"} | mapping
    if "ts" not in mapping and "ts" not in cols and container in ("csv", "parquet"):
        raise InputError(f"{path}: generic format needs --map ts=COLUMN and --map model=COLUMN")
    if container in ("json", "jsonl"):
        for row, rec, raw in _json_records(path, container):
            if rec is None:
                yield Quarantined(row, "(line)", "invalid JSON (truncated or corrupt line)", raw[:RAW_LIMIT])
                continue
            yield from _guard(row, raw or rec, partial(_generic, row, rec, m, False))
        return
    for row, rec, is_text in _table_records(path, container):
        yield from _guard(row, rec, partial(_generic, row, rec, m, is_text))


def _columns(path: Path, container: str) -> set[str]:
    if container == "parquet":
        import pyarrow.parquet as pq

        return set(pq.read_schema(path).names)
    if container == "csv":
        with path.open(newline="", encoding="utf-8-sig") as f:
            return {h.strip() for h in next(csv.reader(f), [])}
    return set()


def _generic(row: int, r: dict[str, Any], m: dict[str, str], text: bool) -> UsageRecord:
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
    return UsageRecord(
        row=row, ts=timestamp(get("ts"), m["ts"]), model_raw=text_field(get("model"), m["model"], required=True) or "",
        input_uncached=uncached, cache_read=read, cache_write=written, output_text=text_out,
        output_reasoning=reasoning, requests=tokens(get("requests"), m["requests"], text=text, default=1),
        request_id=text_field(get("request_id"), m["request_id"]), provider=provider_name(get("provider")),
        batch=boolean(get("batch")) if get("batch") is not None else False,
        project=text_field(get("project"), m["project"]), user=text_field(get("user"), m["user"]),
        tags=tag_list(get("tags"), m["tags"]),
        reported_cost=None if cost is None else money(cost if not isinstance(cost, Decimal) else str(cost), m["cost"]),
    )


def read(path: Path, fmt: str = "auto", mapping: dict[str, str] | None = None) -> tuple[str, Iterator[Item]]:
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
    if fmt not in FORMATS:
        raise InputError(f"--format {fmt!r}: choose one of auto, {', '.join(FORMATS)}")
    container = detected.container if detected else _container(path)
    if fmt == "generic":
        return fmt, read_generic(path, container, mapping or {})
    readers: dict[str, Callable[[Path, str], Iterator[Item]]] = {
        "openai-chat": read_openai_chat, "anthropic": read_anthropic, "openai-usage": read_openai_usage,
        "otel": read_otel, "litellm": read_litellm, "langfuse": read_langfuse,
    }
    return fmt, readers[fmt](path, container)


def _container(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return "parquet"
    if suffix in (".csv", ".tsv"):
        return "csv"
    return _first_json_record(path)[0]
