"""LiteLLM's price map (`model_prices_and_context_window.json`): parse entries into per-1M-token terms.

Units in the map are USD per token (or per character for Vertex Gemini 1.x); floats are converted through
their shortest repr, i.e. exactly as written in the file. Per-character prices are converted at 4 characters
per token (an English approximation) and flagged `per-character`.

Besides the standard price an entry may carry: batch prices (`*_batches`, recorded as the ledger's batch
discount when input and output are cut by the same fraction, noted otherwise), service-tier prices (`*_flex`,
`*_priority`: one more entry per tier), 1-hour cache writes (`cache_creation_input_token_cost_above_1hr`),
long-context prices (`*_above_128k/200k/272k_tokens`) and a `deprecation_date` (the entry's `valid_to`; an entry
deprecated on or before the snapshot's day is skipped as retired). A non-zero price that would round to $0 in the
store is rejected with its reason.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from llmflation.errors import InputError
from llmflation.ledger.importers.common import (
    CHARS_PER_TOKEN,
    Entry,
    Importer,
    Skip,
    Snapshot,
    Terms,
    per_mtok,
    plain,
    storable,
    terms_problem,
)

KIND = "litellm"
TEXT_MODES = (None, "", "chat", "completion", "responses")
IGNORED_KEYS = ("sample_spec",)
_TRAILING_COMMA = re.compile(r",(\s*[}\]])")
_LONG = (("_above_128k_tokens", 128_000), ("_above_200k_tokens", 200_000), ("_above_272k_tokens", 272_000))
SERVICE_TIERS = ("flex", "priority")


def loads_lenient(text: str) -> Any:
    """json.loads; on failure retry with trailing commas removed (a common hand-edit slip in the map's
    history).

    Raises ValueError when the text is still not JSON.
    """
    try:
        return json.loads(text)
    except ValueError:
        return json.loads(_TRAILING_COMMA.sub(r"\1", text))


def _num(entry: Mapping[str, Any], name: str) -> Any:
    v = entry.get(name)
    return None if v is None or v == "" else v


def tier_terms(key: str, entry: Mapping[str, Any]) -> list[Terms | str]:
    """Terms of the service tiers (flex, priority) the entry prices, each a Terms or a reason it was rejected."""
    out: list[Terms | str] = []
    for tier in SERVICE_TIERS:
        if _num(entry, f"input_cost_per_token_{tier}") is None or _num(entry, f"output_cost_per_token_{tier}") is None:
            continue
        try:
            out.append(
                Terms(
                    input=per_mtok(entry[f"input_cost_per_token_{tier}"], f"{key}.input_cost_per_token_{tier}"),
                    output=per_mtok(entry[f"output_cost_per_token_{tier}"], f"{key}.output_cost_per_token_{tier}"),
                    cached_input=_opt(entry, f"cache_read_input_token_cost_{tier}", key),
                    tier=tier,
                )
            )
        except InputError as exc:
            out.append(f"bad {tier} price: {exc}")
    return out


def terms_of(key: str, entry: Mapping[str, Any]) -> Terms | str:
    """The entry's terms, or a reason string saying why it is not a priced text-generation entry."""
    mode = entry.get("mode")
    if mode not in TEXT_MODES:
        return f"mode {mode!r} is not text generation"
    where = f"{key}"
    try:
        per_char = (
            _num(entry, "input_cost_per_character") is not None
            and _num(entry, "output_cost_per_character") is not None
        )
        if per_char:
            scale = CHARS_PER_TOKEN
            inp = per_mtok(entry["input_cost_per_character"], f"{where}.input_cost_per_character") * scale
            out = per_mtok(entry["output_cost_per_character"], f"{where}.output_cost_per_character") * scale
        else:
            scale = Decimal(1)
            if _num(entry, "input_cost_per_token") is None or _num(entry, "output_cost_per_token") is None:
                return "no per-token input/output price"
            inp = per_mtok(entry["input_cost_per_token"], f"{where}.input_cost_per_token")
            out = per_mtok(entry["output_cost_per_token"], f"{where}.output_cost_per_token")
        if inp == 0 and out == 0:
            return "zero price (free or placeholder): not recorded"
        cached = _opt(entry, "cache_read_input_token_cost", where)
        write = _opt(entry, "cache_creation_input_token_cost", where)
        write_1h = _opt(entry, "cache_creation_input_token_cost_above_1hr", where)
        threshold = long_in = long_out = long_cached = None
        unit = "character" if per_char else "token"
        for suffix, tokens in _LONG:
            li = _opt(entry, f"input_cost_per_{unit}{suffix}", where)
            lo = _opt(entry, f"output_cost_per_{unit}{suffix}", where)
            if li is not None and lo is not None:
                threshold = tokens
                long_in = storable(li * scale, f"{where}.input_cost_per_{unit}{suffix}")
                long_out = storable(lo * scale, f"{where}.output_cost_per_{unit}{suffix}")
                long_cached = _opt(entry, f"cache_read_input_token_cost{suffix}", where)
                break
        batch = None
        bi, bo = (
            _opt(entry, "input_cost_per_token_batches", where),
            _opt(entry, "output_cost_per_token_batches", where),
        )
        if (
            bi is not None
            and bo is not None
            and not per_char
            and inp
            and out
            and bi / inp == bo / out
            and bi < inp
        ):
            batch = plain(1 - bi / inp)
    except InputError as exc:
        return f"bad price: {exc}"
    terms = Terms(
        input=plain(inp),
        output=plain(out),
        cached_input=cached,
        cache_write=write,
        cache_write_1h=write_1h,
        batch_discount=batch,
        long_context_threshold=threshold,
        long_input=None if long_in is None else plain(long_in),
        long_output=None if long_out is None else plain(long_out),
        long_cached_input=long_cached,
        per_character=per_char,
    )
    return terms_problem(terms) or terms


def _opt(entry: Mapping[str, Any], name: str, where: str) -> Decimal | None:
    v = _num(entry, name)
    return None if v is None else per_mtok(v, f"{where}.{name}")


def batch_note(entry: Mapping[str, Any], terms: Terms) -> str:
    """A note when the map states batch prices that are not one discount on both input and output."""
    if terms.batch_discount is not None:
        return ""
    bi, bo = _num(entry, "input_cost_per_token_batches"), _num(entry, "output_cost_per_token_batches")
    if bi is None or bo is None:
        return ""
    return f"batch prices {bi}/{bo} per token are not one discount on input and output: not recorded"


def deprecation(entry: Mapping[str, Any]) -> date | str | None:
    """The entry's `deprecation_date` (None when absent), or a reason string when it is not a date."""
    raw = entry.get("deprecation_date")
    if raw in (None, ""):
        return None
    try:
        return date.fromisoformat(str(raw)[:10])
    except ValueError:
        return f"deprecation_date {raw!r} is not a date"


def parse_map(data: Any, seen_on: date | None = None) -> Snapshot:
    """Parse a whole price map (a JSON object of key → entry); `seen_on` is the snapshot's day."""
    if not isinstance(data, Mapping):
        raise InputError(
            "LiteLLM price map: expected a JSON object of model key → entry "
            f"(got {type(data).__name__}). Is this model_prices_and_context_window.json?"
        )
    snap = Snapshot(kind=KIND)
    for key, entry in data.items():
        if key in IGNORED_KEYS or not isinstance(entry, Mapping):
            continue
        terms = terms_of(key, entry)
        if isinstance(terms, str):
            snap.skipped.append(Skip(key, terms))
            continue
        ends = deprecation(entry)
        if isinstance(ends, str):
            snap.skipped.append(Skip(key, ends))
            continue
        if ends is not None and seen_on is not None and ends <= seen_on:
            snap.skipped.append(Skip(key, f"deprecated on {ends} (LiteLLM deprecation_date): retired, not recorded"))
            continue
        provider = str(entry.get("litellm_provider") or "")
        bits = ["per-character price converted at 4 characters/token" if terms.per_character else "",
                batch_note(entry, terms), f"deprecation_date {ends} stated by LiteLLM" if ends else ""]
        note = "; ".join(b for b in bits if b)
        developer = provider if "/" not in key or key.split("/", 1)[0] == provider else ""
        snap.entries.append(
            Entry(key=key, provider=provider, terms=terms, note=note, valid_to=ends, developer=developer)
        )
        for extra in tier_terms(key, entry):
            if isinstance(extra, str):
                snap.skipped.append(Skip(key, extra))
                continue
            snap.entries.append(
                Entry(key=key, provider=provider, terms=extra, note=note, valid_to=ends, developer=developer)
            )
    return snap


IMPORTER = Importer(
    kind=KIND,
    label="LiteLLM",
    parse=parse_map,
    source="litellm",
    url="https://raw.githubusercontent.com/BerriAI/litellm/main/model_prices_and_context_window.json",
    url_env="LLMFLATION_LITELLM_URL",
    help="LiteLLM's model_prices_and_context_window.json (USD per token)",
)
