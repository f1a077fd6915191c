"""The JSON contract: one place for the documented JSON shapes every front end emits.

The CLI's `--json`, the web API and the report's data file all render the same records, so a key renamed here is
renamed everywhere (scripts rely on these keys). Money leaves as exact decimal strings ("0.075"), never as floats;
dates as ISO strings. Pure functions over domain objects: nothing here imports the CLI, the web app or a heavy
library, so any layer may use it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Any

from llmflation.money import plain_text

if TYPE_CHECKING:
    from llmflation.ledger.ledger import Resolution
    from llmflation.ledger.records import Lifecycle, Model, Price
    from llmflation.serving.model import Estimate
    from llmflation.trends.fit import DeclineFit
    from llmflation.trends.series import CapabilitySeries, SeriesPoint
    from llmflation.workload.bill import MixBill, OfferBill
    from llmflation.workload.decompose import Decomposition
    from llmflation.workload.fastbill import QuickBill
    from llmflation.workload.spec import Workload
    from llmflation.workload.timeline import MonthPoint

__all__ = [
    "decomposition_record",
    "estimate_record",
    "jsonable",
    "mix_record",
    "model_record",
    "offer_json",
    "offer_record",
    "point_record",
    "price_record",
    "series_point_record",
    "trend_record",
    "workload_record",
]


def jsonable(obj: Any) -> Any:
    """Convert dataclasses, Decimals and dates into JSON-ready values (Decimal → exact string)."""
    if isinstance(obj, Decimal):
        return plain_text(obj)
    if isinstance(obj, (date, datetime)):
        return obj.isoformat()
    if isinstance(obj, Enum):
        return obj.value
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, Mapping):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in obj]
    if hasattr(obj, "model_dump"):
        return jsonable(obj.model_dump())
    return obj


# -- ledger ------------------------------------------------------------------------------------------------

def price_record(p: Price, resolution: Resolution | None = None) -> dict[str, Any]:
    """The documented JSON shape of one price (keys stable: scripts rely on them). With a resolution, the name as
    asked and what it resolved to on that day (`name`, `resolved_model`, `resolved_via`, `resolved`)."""
    extra: dict[str, Any] = {}
    if resolution is not None:
        extra = {"name": resolution.name, "resolved_model": resolution.model.id, "resolved_via": resolution.via,
                 "resolved": resolution.describe()}
    return {
        **extra,
        "model": p.model, "provider": p.provider, "tier": p.tier,
        "valid_from": p.valid_from, "valid_to": p.valid_to,
        "input_usd_per_mtok": p.input, "output_usd_per_mtok": p.output,
        "cached_input_usd_per_mtok": p.cached_input, "cache_write_usd_per_mtok": p.cache_write,
        "cache_write_1h_usd_per_mtok": p.cache_write_1h,
        "input_audio_usd_per_mtok": p.input_audio, "output_audio_usd_per_mtok": p.output_audio,
        "window_utc": p.window_utc, "regional_uplift": p.regional_uplift,
        "batch_discount": p.batch_discount,
        "long_context": None if p.long_context_threshold is None else {
            "threshold_tokens": p.long_context_threshold, "input_usd_per_mtok": p.long_input,
            "output_usd_per_mtok": p.long_output, "cached_input_usd_per_mtok": p.long_cached_input},
        "date_basis": p.date_basis, "checked_on": p.checked_on,
        "source": p.source, "confidence": p.confidence, "origin": p.origin, "note": p.note,
    }


def lifecycle_record(lc: Lifecycle) -> dict[str, Any]:
    """The documented JSON shape of one offer's lifecycle (available, deprecated, shut down, successor)."""
    return {"model": lc.model, "provider": lc.provider, "available_from": lc.available_from,
            "deprecated_on": lc.deprecated_on, "shutdown_on": lc.shutdown_on, "successor": lc.successor,
            "source": lc.source, "confidence": lc.confidence, "note": lc.note}


def model_record(m: Model) -> dict[str, Any]:
    """The documented JSON shape of one model."""
    return {
        "id": m.id, "name": m.name, "developer": m.developer, "release_date": m.release_date,
        "open_weights": m.open_weights, "reasoning": m.reasoning, "aliases": list(m.aliases),
        "params_total_b": m.params_total_b, "params_active_b": m.params_active_b,
        "context_window": m.context_window, "source": m.source, "confidence": m.confidence,
    }


# -- trends ------------------------------------------------------------------------------------------------

def series_point_record(p: SeriesPoint) -> dict[str, Any]:
    """One point of a price-at-fixed-capability series."""
    return {"date": p.date, "model": p.model, "provider": p.provider, "price": p.price, "input": p.input,
            "output": p.output, "score": p.score, "source": p.source}


def trend_record(s: CapabilitySeries, fit: DeclineFit) -> dict[str, Any]:
    """A series and its decline fit (`trend --json`, /api/trend)."""
    return {
        "benchmark": s.benchmark,
        "threshold": {"value": s.threshold.value, "label": s.threshold.label, "model": s.threshold.model},
        "blend": f"{s.blend[0]}:{s.blend[1]}", "hosts": s.hosts, "exclude_reasoning": s.exclude_reasoning,
        "window": {"from": s.start, "until": s.end}, **fit.as_dict(),
        "points": [series_point_record(p) for p in s.records],
        "steps": [series_point_record(p) for p in s.steps],
    }


# -- workload (bill, jevons) ---------------------------------------------------------------------------------

def workload_record(w: Workload) -> dict[str, Any]:
    """A workload's fields plus the derived per-call and per-month token counts."""
    data = w.model_dump(mode="python")
    data["derived"] = {"reasoning_tokens_per_call": w.reasoning_per_call, "calls_per_month": w.calls_per_month,
                       "tokens_per_call": w.tokens_per_call, "tokens_per_month": w.tokens_per_month}
    return data


def offer_record(b: OfferBill | QuickBill, rank: int | None = None) -> dict[str, Any]:
    """One offer's itemised bill (with its rank when it comes from a ranking)."""
    rec: dict[str, Any] = {} if rank is None else {"rank": rank}
    rec.update({
        "model": b.model, "provider": b.provider, "tier": b.tier, "at": b.at,
        "monthly_usd": b.monthly_usd, "per_task_usd": b.per_task_usd, "per_call_usd": b.per_call_usd,
        "usd_per_mtok": b.usd_per_mtok, "tokens_per_month": b.tokens_per_month,
        "items": {it.name: {"tokens_per_task": it.tokens_per_task, "usd_per_mtok": it.usd_per_mtok,
                            "per_task_usd": it.per_task_usd, "monthly_usd": it.monthly_usd} for it in b.items},
        "margin": None if b.margin is None else {
            "revenue_per_task_usd": b.margin.revenue_per_task_usd,
            "gross_profit_per_task_usd": b.margin.gross_profit_per_task_usd,
            "monthly_revenue_usd": b.margin.monthly_revenue_usd,
            "monthly_gross_profit_usd": b.margin.monthly_gross_profit_usd,
            "gross_margin": b.margin.gross_margin},
        "warnings": [{"code": x.code, "message": x.message} for x in b.warnings],
        "score": b.score, "price_valid_from": b.price_valid_from, "source": b.source, "confidence": b.confidence,
    })
    return rec


def offer_json(b: OfferBill | QuickBill, rank: int | None = None, texts: dict[int, str] | None = None) -> str:
    """`offer_record(b, rank)` as compact JSON text, written directly: the same characters as
    `json.dumps(jsonable(offer_record(b, rank)), ensure_ascii=False, separators=(",", ":"))` (a test holds the two
    together on random bills), several times faster. The web API's bill pages are built from it.

    `texts` remembers the text of each value object while one page is written (the bills of a page share their
    token counts, zeros and many rates): pass the same dict for one page only, as it is keyed by object id (the
    bills must hold their values, as OfferBill and QuickBill do, and stay alive while the dict is used). The
    offer's fixed parts (model, provider, tier; its price's start, source and confidence) are written once per
    offer and kept (`_OFFER_TEXTS`)."""
    memo: dict[int, str] = {} if texts is None else texts
    get = memo.get

    def n(v: Any) -> str:
        got = get(id(v))
        if got is None:
            if type(v) is Decimal:  # most values of a bill: plain_text inlined
                got = format(v, "f")
                got = memo[id(v)] = f'"{got.rstrip("0").rstrip(".") if "." in got else got}"'
            else:
                got = memo[id(v)] = _json_value(v)
        return got

    fixed = _offer_texts(b)
    parts = []
    for it in b.items:  # most values repeat across a page's bills (token counts, zeros): one lookup each
        tok, rate, task, month = it.tokens_per_task, it.usd_per_mtok, it.per_task_usd, it.monthly_usd
        parts.append(f'{_ITEM_KEYS.get(it.name) or _item_key(it.name)}{get(id(tok)) or n(tok)},'
                     f'"usd_per_mtok":{get(id(rate)) or n(rate)},"per_task_usd":{get(id(task)) or n(task)},'
                     f'"monthly_usd":{get(id(month)) or n(month)}}}')
    m = b.margin
    margin = "null" if m is None else (
        f'{{"revenue_per_task_usd":{n(m.revenue_per_task_usd)},'
        f'"gross_profit_per_task_usd":{n(m.gross_profit_per_task_usd)},'
        f'"monthly_revenue_usd":{n(m.monthly_revenue_usd)},"monthly_gross_profit_usd":{n(m.monthly_gross_profit_usd)},'
        f'"gross_margin":{n(m.gross_margin)}}}')
    warnings = ",".join([_warning_text(x) for x in b.warnings])
    return (f'{"{" if rank is None else f"{{{chr(34)}rank{chr(34)}:{rank:d},"}{fixed[0]}"at":{n(b.at)},'
            f'"monthly_usd":{n(b.monthly_usd)},"per_task_usd":{n(b.per_task_usd)},"per_call_usd":{n(b.per_call_usd)},'
            f'"usd_per_mtok":{n(b.usd_per_mtok)},"tokens_per_month":{n(b.tokens_per_month)},"items":{{{",".join(parts)}}},'
            f'"margin":{margin},"warnings":[{warnings}],"score":{n(b.score)},{fixed[1]}}}')


# The text of an offer's fixed fields, per (model, provider, tier, price start, source, confidence): bounded, as a
# long-running server meets only the ledger's offers (plus user prices).
_OFFER_TEXTS: dict[tuple[Any, ...], tuple[str, str]] = {}
_ITEM_KEYS: dict[str, str] = {}
_WARNING_TEXTS: dict[tuple[str, str], str] = {}


def _offer_texts(b: OfferBill | QuickBill) -> tuple[str, str]:
    key = (b.model, b.provider, b.tier, b.price_valid_from, b.source, b.confidence)
    got = _OFFER_TEXTS.get(key)
    if got is None:
        from json.encoder import encode_basestring as s  # how json.dumps(ensure_ascii=False) writes a string

        if len(_OFFER_TEXTS) > 20_000:
            _OFFER_TEXTS.clear()
        got = _OFFER_TEXTS[key] = (
            f'"model":{s(b.model)},"provider":{s(b.provider)},"tier":{s(b.tier)},',
            f'"price_valid_from":{_json_value(b.price_valid_from)},"source":{s(b.source)},'
            f'"confidence":{s(b.confidence)}')
    return got


def _item_key(name: str) -> str:
    from json.encoder import encode_basestring as s

    got = _ITEM_KEYS[name] = f'{s(name)}:{{"tokens_per_task":'
    return got


def _warning_text(x: Any) -> str:
    key = (x.code, x.message)
    got = _WARNING_TEXTS.get(key)
    if got is None:
        from json.encoder import encode_basestring as s

        if len(_WARNING_TEXTS) > 20_000:
            _WARNING_TEXTS.clear()
        got = _WARNING_TEXTS[key] = f'{{"code":{s(x.code)},"message":{s(x.message)}}}'
    return got


def _json_value(v: Any) -> str:
    """One scalar as `json.dumps(jsonable(v))` writes it (Decimal → its exact string, date → ISO string)."""
    if type(v) is Decimal:
        return f'"{plain_text(v)}"'
    if v is None:
        return "null"
    if isinstance(v, (date, datetime)):
        return f'"{v.isoformat()}"'
    import json

    return json.dumps(jsonable(v), ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def mix_record(m: MixBill) -> dict[str, Any]:
    """The bill of a workload's own model mix."""
    return {
        "at": m.at, "monthly_usd": m.monthly_usd, "per_task_usd": m.per_task_usd,
        "margin": None if m.margin is None else {"gross_margin": m.margin.gross_margin,
                                                 "monthly_gross_profit_usd": m.margin.monthly_gross_profit_usd},
        "parts": [{"share": s, **offer_record(b)} for s, b in m.parts],
    }


def point_record(p: MonthPoint) -> dict[str, Any]:
    """One month of a Jevons timeline."""
    return {
        "month": p.month, "scenario": p.scenario, "policy": p.policy, "projected": p.projected,
        "tasks_per_month": p.tasks_per_month, "tokens_per_month": p.tokens_per_month,
        "reasoning_tokens_per_call": p.reasoning_tokens_per_call, "monthly_usd": p.monthly_usd,
        "per_task_usd": p.per_task_usd, "usd_per_mtok": p.usd_per_mtok, "gross_margin": p.gross_margin,
        "offers": [{"share": o.share, "model": o.model, "provider": o.provider, "monthly_usd": o.monthly_usd}
                   for o in p.offers],
        "warnings": list(p.warnings), "note": p.note,
    }


def decomposition_record(d: Decomposition, by: str) -> dict[str, Any]:
    """A change in spend split into volume, mix and price (LMDI)."""
    return {
        "by": by, "before_usd": d.before, "after_usd": d.after, "change_usd": d.change,
        "volume_usd": d.volume, "mix_usd": d.mix, "price_usd": d.price,
        "volume_factor": d.volume_factor, "mix_factor": d.mix_factor, "price_factor": d.price_factor,
        "ratio": d.ratio if d.before else None,
        "segments": [{"key": s.key, "change_usd": s.change, "volume_usd": s.volume, "mix_usd": s.mix,
                      "price_usd": s.price} for s in d.segments],
    }


# -- self-hosting ------------------------------------------------------------------------------------------

def estimate_record(e: Estimate) -> dict[str, Any]:
    """One serving configuration's throughput, latency and $/M tokens."""
    return e.as_dict()
