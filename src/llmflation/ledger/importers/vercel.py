"""Vercel AI Gateway's models list (`GET https://ai-gateway.vercel.sh/v1/models`, public): USD per token written
as strings, and the gateway's whole catalogue (`Importer.catalogue_of`), so an offer it no longer lists has left it.

Every entry is sold by `vercel`; the model is matched from its id (`alibaba/qwen3-coder`) and display name. Only
`language` models are read: embeddings, images, video and speech are not priced per text token. Long-context
pricing comes as tiers (`input_tiers` and the like: `[{cost, min, max}]`); two contiguous tiers starting at 0 become
the long-context columns (the second tier's `min` is the threshold), as LiteLLM's `*_above_200k_tokens` keys do.
An entry with another tier shape keeps only its base price and says so in its note. A listed entry without a price
(or with a zero one) is still on sale: it counts as listed for the catalogue but is not priced.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from llmflation.errors import InputError
from llmflation.ledger.importers.common import Entry, Importer, Skip, Snapshot, Terms, models_list, per_mtok

KIND = "vercel"
PROVIDER = "vercel"
_RATES = (("input", "input"), ("output", "output"), ("input_cache_read", "cached_input"),
          ("input_cache_write", "cache_write"))  # Vercel's pricing key, the Terms field
_LONG = {"input": "long_input", "output": "long_output", "cached_input": "long_cached_input"}


@dataclass(frozen=True)
class _Tier:
    cost: Decimal
    start: int
    end: int | None


def _tiers(pricing: Mapping[str, Any], name: str, key: str) -> list[_Tier] | None:
    raw = pricing.get(f"{name}_tiers")
    if raw is None:
        return None
    if not isinstance(raw, list) or not raw or not all(isinstance(t, Mapping) for t in raw):
        raise InputError(f"{key}.pricing.{name}_tiers: expected a list of {{cost, min, max}}")
    out = []
    for i, t in enumerate(raw):
        start, end = t.get("min", 0), t.get("max")
        if not isinstance(start, int) or (end is not None and not isinstance(end, int)):
            raise InputError(f"{key}.pricing.{name}_tiers[{i}]: min and max must be whole token counts")
        out.append(_Tier(per_mtok(t.get("cost"), f"{key}.pricing.{name}_tiers[{i}].cost"), start, end))
    return sorted(out, key=lambda t: t.start)


def _terms(pricing: Mapping[str, Any], key: str) -> tuple[Terms, str]:
    """The entry's terms, and a note when its tiers could not be recorded as one long-context threshold."""
    values: dict[str, Any] = {}
    thresholds: set[int] = set()
    odd = []
    for name, field in _RATES:
        tiers = _tiers(pricing, name, key)
        flat = pricing.get(name)
        if tiers is None:
            if flat is not None and str(flat).strip() != "":
                values[field] = per_mtok(flat, f"{key}.pricing.{name}")
            continue
        values[field] = tiers[0].cost
        if len(tiers) == 1:
            continue
        if len(tiers) == 2 and tiers[0].start == 0 and tiers[0].end == tiers[1].start and field in _LONG:
            values[_LONG[field]] = tiers[1].cost
            thresholds.add(tiers[1].start)
        else:
            odd.append(name)
    if "input" not in values or "output" not in values:
        raise InputError(f"{key}.pricing: no input or output price")
    note = ""
    if len(thresholds) > 1 or odd:
        for long_field in _LONG.values():
            values.pop(long_field, None)
        note = (f"Vercel lists {', '.join(odd) or 'its rates'} in tiers that do not form one long-context "
                "threshold; only the base price is recorded")
    elif thresholds:
        values["long_context_threshold"] = thresholds.pop()
    return Terms(**values), note


def parse_models(data: Any) -> Snapshot:
    snap = Snapshot(kind=KIND)
    for key, item in models_list(data, snap, "Vercel AI Gateway models file (GET /v1/models)"):
        kind = str(item.get("type") or "language")
        if kind != "language":
            snap.skipped.append(Skip(key, f"type {kind!r}: not priced per text token"))
            continue
        snap.listed.append((PROVIDER, key))  # on sale, whether or not its price below can be recorded
        pricing = item.get("pricing")
        if not isinstance(pricing, Mapping):
            snap.skipped.append(Skip(key, "no pricing object"))
            continue
        try:
            terms, note = _terms(pricing, key)
        except InputError as exc:
            snap.skipped.append(Skip(key, f"bad price: {exc}"))
            continue
        if terms.input == 0 and terms.output == 0:
            snap.skipped.append(Skip(key, "zero price (free or placeholder): not recorded"))
            continue
        name = str(item.get("name") or "").strip()
        snap.entries.append(Entry(key=key, provider=PROVIDER, terms=terms, note=note,
                                  names=(name,) if name else (),
                                  developer=key.split("/", 1)[0] if "/" in key else ""))
    return snap


def _parse(data: Any, seen_on: date) -> Snapshot:
    return parse_models(data)


IMPORTER = Importer(
    kind=KIND,
    label="Vercel AI Gateway",
    parse=_parse,
    source="vercel:v1/models",
    url="https://ai-gateway.vercel.sh/v1/models",
    url_env="LLMFLATION_VERCEL_URL",
    help="a saved copy of Vercel AI Gateway's public models list (GET https://ai-gateway.vercel.sh/v1/models), sold "
         "by provider `vercel`",
    catalogue_of=(PROVIDER,),
)
