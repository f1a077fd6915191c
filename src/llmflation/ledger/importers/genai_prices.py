"""pydantic/genai-prices' built data file (`prices/data.json`): providers → models → prices per 1M tokens.

A model's `prices` is either one price object or a list of conditional prices. A `start_date` constraint is
the source's own claim of when a price took effect and becomes that row's `valid_from`; a price with no
constraint that an earlier-dated one replaces has no known start and is skipped (reported). Time-of-day
constraints (DeepSeek's off-peak window) become tier `off-peak`. Token-count tiers map to the ledger's
long-context threshold (first tier only; more tiers are noted).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from llmflation.errors import InputError
from llmflation.ledger.importers.common import Entry, Importer, Skip, Snapshot, Terms, money, storable

KIND = "genai-prices"


def parse_data(data: Any, seen_on: date) -> Snapshot:
    if not isinstance(data, list):
        raise InputError("genai-prices data file: expected a JSON list of providers (prices/data.json)")
    snap = Snapshot(kind=KIND)
    for p_index, provider in enumerate(data):
        if not isinstance(provider, Mapping) or not isinstance(provider.get("id"), str):
            snap.skipped.append(Skip(f"[{p_index}]", "provider without an id"))
            continue
        pid: str = provider["id"]
        for m_index, model in enumerate(provider.get("models") or []):
            if not isinstance(model, Mapping) or not isinstance(model.get("id"), str):
                snap.skipped.append(Skip(f"{pid}/[{m_index}]", "model without an id"))
                continue
            _parse_model(pid, model, seen_on, snap)
    return snap


def _parse_model(pid: str, model: Mapping[str, Any], seen_on: date, snap: Snapshot) -> None:
    key = f"{pid}/{model['id']}"
    names = tuple(n for n in (model["id"], model.get("name")) if isinstance(n, str) and n)
    prices = model.get("prices")
    conditional = prices if isinstance(prices, list) else [{"constraint": None, "prices": prices}]
    dated: list[tuple[date | None, Mapping[str, Any]]] = []
    for cp in conditional:
        body: Any = cp.get("prices") if isinstance(cp, Mapping) else None
        if not isinstance(body, Mapping):
            snap.skipped.append(Skip(key, "price entry without prices"))
            return
        constraint = cp.get("constraint") or {}
        if "start_time" in constraint or "end_time" in constraint:
            terms = _terms(key, body, snap, tier="off-peak")
            if terms:
                snap.entries.append(
                    Entry(
                        key=key,
                        provider=pid,
                        terms=terms,
                        names=names,
                        developer=pid,
                        note=f"time-of-day price {constraint.get('start_time')}–"
                        f"{constraint.get('end_time')}",
                    )
                )
            continue
        start = constraint.get("start_date")
        try:
            dated.append((date.fromisoformat(str(start)[:10]) if start else None, body))
        except ValueError:
            snap.skipped.append(Skip(key, f"bad start_date {start!r}"))
            return
    dated.sort(key=lambda t: t[0] or date.min)
    for i, (start, body) in enumerate(dated):
        nxt = dated[i + 1][0] if i + 1 < len(dated) else None
        terms = _terms(key, body, snap)
        if terms is None:
            continue
        if start is None and nxt is not None and nxt <= seen_on:
            snap.skipped.append(Skip(key, f"price before {nxt} has no stated start date"))
            continue
        if start is not None and nxt is not None and nxt <= start:
            continue  # two prices starting the same day: the later-listed one stands
        snap.entries.append(
            Entry(
                key=key,
                provider=pid,
                terms=terms,
                names=names,
                valid_from=start,
                valid_to=nxt if nxt is not None and nxt > (start or seen_on) else None,
                note="start_date stated by genai-prices" if start else "",
                effective=start is not None,
                developer=pid,
            )
        )


def _tiered(key: str, name: str, value: Any) -> tuple[Decimal, int | None, Decimal | None, str]:
    if isinstance(value, Mapping):
        base = _price(value.get("base"), f"{key}.{name}.base")
        tiers = value.get("tiers") or []
        if not tiers:
            return base, None, None, ""
        first = tiers[0]
        more = f"{len(tiers) - 1} further token tier(s) of {name} not recorded" if len(tiers) > 1 else ""
        return base, int(first["start"]), _price(first.get("price"), f"{key}.{name}.tiers[0]"), more
    return _price(value, f"{key}.{name}"), None, None, ""


def _price(value: Any, where: str) -> Decimal:
    return storable(money(value, where), where)


def _terms(key: str, body: Mapping[str, Any], snap: Snapshot, tier: str = "standard") -> Terms | None:
    if body.get("input_mtok") is None or body.get("output_mtok") is None:
        snap.skipped.append(Skip(key, "no input_mtok/output_mtok price"))
        return None
    try:
        inp, t_in, long_in, _ = _tiered(key, "input_mtok", body["input_mtok"])
        out, t_out, long_out, _ = _tiered(key, "output_mtok", body["output_mtok"])
        cached = cached_long = None
        if body.get("cache_read_mtok") is not None:
            cached, _, cached_long, _ = _tiered(key, "cache_read_mtok", body["cache_read_mtok"])
        write = None
        if body.get("cache_write_mtok") is not None:
            write, _, _, _ = _tiered(key, "cache_write_mtok", body["cache_write_mtok"])
    except (InputError, KeyError, TypeError, ValueError) as exc:
        snap.skipped.append(Skip(key, f"bad price: {exc}"))
        return None
    if inp == 0 and out == 0:
        snap.skipped.append(Skip(key, "zero price (free or placeholder): not recorded"))
        return None
    threshold = t_in if t_in is not None and t_in == t_out else None
    return Terms(
        input=inp,
        output=out,
        cached_input=cached,
        cache_write=write,
        tier=tier,
        long_context_threshold=threshold,
        long_input=long_in if threshold else None,
        long_output=long_out if threshold else None,
        long_cached_input=cached_long if threshold else None,
    )


IMPORTER = Importer(
    kind=KIND,
    label="genai-prices",
    parse=parse_data,
    source="genai-prices",
    url="https://raw.githubusercontent.com/pydantic/genai-prices/main/prices/data.json",
    url_env="LLMFLATION_GENAI_PRICES_URL",
    help="pydantic/genai-prices prices/data.json (start_date constraints become dated rows)",
)
