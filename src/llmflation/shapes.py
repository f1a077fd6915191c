"""The JSON contract: one place for the documented JSON shapes every front end emits.

The CLI's `--json`, the web API and the report's data file all render the same records, so a key renamed here is
renamed everywhere (scripts rely on these keys). Money leaves as exact decimal strings ("0.075"), never as floats;
dates as ISO strings. Pure functions over domain objects: nothing here imports the CLI, the web app or a heavy
library, so any layer may use it.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
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
    "offers_json",
    "point_record",
    "price_record",
    "series_point_record",
    "trend_record",
    "workload_record",
]


def jsonable(obj: Any) -> Any:
    """Convert dataclasses, Decimals and dates into JSON-ready values (Decimal → exact string)."""
    t = type(obj)  # the common exact types first (what the general checks below make of them, without their cost)
    if t is str or obj is None or t is int or t is bool or t is float:
        return obj
    if t is dict:
        return {str(k): jsonable(v) for k, v in obj.items()}
    if t is list or t is tuple:
        return [jsonable(v) for v in obj]
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
    if hasattr(obj, "to_dict"):  # a workload (workload/spec.py) and its floor and model shares
        return jsonable(obj.to_dict())
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
    data = w.to_dict()
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


def offer_json(b: OfferBill | QuickBill, rank: int | None = None, texts: dict[Any, Any] | None = None) -> str:
    """`offer_record(b, rank)` as compact JSON text, written directly: the same characters as
    `json.dumps(jsonable(offer_record(b, rank)), ensure_ascii=False, separators=(",", ":"))` (a test holds the two
    together on random bills), several times faster. The web API's bill pages are built from it.

    `texts` remembers the text of each value object while one page is written (the bills of a page share their
    token counts, zeros and many rates): pass the same dict for one page only, as it is keyed by object id (the
    bills must hold their values, as OfferBill and QuickBill do, and stay alive while the dict is used). The
    offer's fixed parts (model, provider, tier; its price's start, source and confidence) are written once per
    offer and kept (`_OFFER_TEXTS`)."""
    memo: dict[Any, Any] = {} if texts is None else texts
    get = memo.get
    quick = _quick_json(b, rank, memo)
    if quick is not None:
        return quick

    def n(v: Any) -> str:
        got = get(id(v))
        if got is None:
            if type(v) is Decimal:  # most values of a bill
                got = memo[id(v)] = _decimal_text(v)
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


def _text(v: Any, memo: dict[Any, Any]) -> str:
    """`_json_value(v)`, remembered in `memo` by the object's id (see offer_json's `texts`)."""
    got = memo.get(id(v))
    if got is None:
        got = memo[id(v)] = _decimal_text(v) if type(v) is Decimal else _json_value(v)
    return got  # type: ignore[no-any-return]


def _quick_json(b: Any, rank: int | None, memo: dict[Any, Any]) -> str | None:
    """`offer_json` of a `fastbill.QuickBill` (None for any other bill): see `_quick_texts`."""
    if getattr(b, "row", None) is None:
        return None
    got = _quick_texts([b], [rank], memo)
    return None if got is None else got[0]


def offers_json(bills: Sequence[OfferBill | QuickBill], ranks: Sequence[int | None],
                texts: dict[Any, Any] | None = None) -> list[str]:
    """`[offer_json(b, rank, texts) for b, rank in zip(bills, ranks)]`, the same texts, written in one pass when
    every bill is a `fastbill.QuickBill` (a page of the web API's bills)."""
    memo: dict[Any, Any] = {} if texts is None else texts
    got = _quick_texts(bills, ranks, memo) if all(getattr(b, "row", None) is not None for b in bills) else None
    return got if got is not None else [offer_json(b, r, memo) for b, r in zip(bills, ranks, strict=True)]


def _quick_texts(bills: Sequence[Any], ranks: Sequence[int | None], memo: dict[Any, Any]) -> list[str] | None:
    """`offer_json` of `fastbill.QuickBill`s: their compact line items written through a template made from
    `offer_record` itself (`_quick_template`), with each offer's fixed texts (names, rates, source) filled in once
    per offer row and kept (`_ROW_TEMPLATES`), the workload's (date, token counts) once per page (in `memo`), and
    only the offer's own amounts per bill (None: the template does not fit; use the generic writer)."""
    zero = _ZERO[0]
    if zero is None:
        from llmflation.workload.bill import ZERO

        zero = _ZERO[0] = ZERO
    get, t, dec, rows = memo.get, _text, _decimal_text, _ROW_TEMPLATES
    page: Any = ()
    tokens = at = tpm = None
    out = []
    for b, rank in zip(bills, ranks, strict=True):
        row, m = b.row, b.margin
        key = (id(row), rank is None, m is None)
        got = rows.get(key)
        if got is None or got[0] is not row:
            made = _row_template(b, rank is not None, m is not None)
            if made is None:
                return None
            if len(rows) >= 20_000:
                rows.clear()
            got = rows[key] = (row, made)  # the row is kept with its entry: its id is not reused meanwhile
        if b.tokens is not tokens or b.at is not at or b.tokens_per_month is not tpm:
            tokens, at, tpm = b.tokens, b.at, b.tokens_per_month
            page_key = ("page", id(tokens), id(at), id(tpm))
            page = memo.get(page_key)
            if page is None:  # the workload's texts
                page = memo[page_key] = tuple(t(v, memo) for v in (at, tpm, *tokens))
        # the offer's own amounts: new values (no memo) but for the zero items (bill.ZERO)
        n = [dec(b.monthly_usd), dec(b.per_task_usd), dec(b.per_call_usd), _json_value(b.usd_per_mtok),
             *['"0"' if v is zero else dec(v) for v in b.lines]]
        if m is not None:
            n += [get(id(v)) or t(v, memo) for v in (m.revenue_per_task_usd, m.gross_profit_per_task_usd,
                                                     m.monthly_revenue_usd, m.monthly_gross_profit_usd,
                                                     m.gross_margin)]
        n += [_warnings_text(b.warnings), get(id(b.score)) or t(b.score, memo)]
        if rank is not None:
            n.insert(0, f"{rank:d}")
        pieces, pick = got[1]
        text = pieces.copy()
        text[1::2] = pick((*page, *n))
        out.append("".join(text))  # type: ignore[arg-type]
    return out


def _warnings_text(ws: tuple[Any, ...]) -> str:
    """The texts of a bill's warnings, joined (kept per warnings tuple: the itemiser shares them across bills)."""
    if not ws:
        return ""
    got = _WARNINGS_TEXTS.get(id(ws))
    if got is None or got[0] is not ws:
        if len(_WARNINGS_TEXTS) >= 20_000:
            _WARNINGS_TEXTS.clear()
        got = _WARNINGS_TEXTS[id(ws)] = (ws, ",".join([_warning_text(x) for x in ws]))  # kept with its tuple
    return got[1]


_WARNINGS_TEXTS: dict[int, tuple[tuple[Any, ...], str]] = {}
_ZERO: list[Any] = [None]  # bill.ZERO, the zero every bill's empty items share


def _decimal_text(v: Decimal) -> str:
    """`_json_value` of a Decimal (`money.plain_text` in quotes)."""
    return f'"{plain_text(v)}"'


_SLOT = re.compile(r'"\\u001a([a-z0-9_]+)\\u001a"')


def _slot(name: str) -> str:
    return f"\x1a{name}\x1a"


def _quick_slots(nb: int, rank: bool, margin: bool) -> tuple[list[str], list[str], list[str]]:
    """The slots of a QuickBill's text: (the row's, the page's, the offer's), the last two in the order
    `_quick_json` fills them."""
    from llmflation.workload.bill import ITEM_NAMES

    row = ["model", "provider", "tier", *(f"rate{i}" for i in range(nb)), "price_valid_from", "source", "confidence"]
    page = ["at", "tokens_per_month", *(f"tok{i}" for i in range(nb))]
    offer = [*(["rank"] if rank else []), "monthly", "per_task", "per_call", "unit",
             *(f"{part}{i}" for i in range(len(ITEM_NAMES)) for part in ("task", "month")),
             *(["m_rev", "m_profit", "m_mrev", "m_mprofit", "m_ratio"] if margin else []), "warnings", "score"]
    return row, page, offer


def _quick_template(nb: int, rank: bool, margin: bool) -> list[str] | None:
    """`offer_record` of a probe bill whose values are named slots, encoded as every record is: the literal text
    between the slots, alternating with the slots' names (None when the slots do not come in the order
    `_quick_json` fills them). The shape stays `offer_record`'s alone."""
    got = _TEMPLATES.get((nb, rank, margin))
    if got is not None:
        return got or None
    import json
    from types import SimpleNamespace as NS

    from llmflation.workload.bill import ITEM_NAMES

    s = _slot
    items = [NS(name=name, tokens_per_task=s(f"tok{i}") if i < nb else None,
                usd_per_mtok=s(f"rate{i}") if i < nb else None, per_task_usd=s(f"task{i}"),
                monthly_usd=s(f"month{i}")) for i, name in enumerate(ITEM_NAMES)]
    warning = NS(code=s("w_code"), message=s("w_message"))
    probe = NS(model=s("model"), provider=s("provider"), tier=s("tier"), at=s("at"), monthly_usd=s("monthly"),
               per_task_usd=s("per_task"), per_call_usd=s("per_call"), usd_per_mtok=s("unit"),
               tokens_per_month=s("tokens_per_month"), items=items,
               margin=NS(revenue_per_task_usd=s("m_rev"), gross_profit_per_task_usd=s("m_profit"),
                         monthly_revenue_usd=s("m_mrev"), monthly_gross_profit_usd=s("m_mprofit"),
                         gross_margin=s("m_ratio")) if margin else None,
               warnings=[warning], score=s("score"), price_valid_from=s("price_valid_from"), source=s("source"),
               confidence=s("confidence"))
    text = json.dumps(jsonable(offer_record(probe, s("rank") if rank else None)),  # type: ignore[arg-type]
                      ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    one = _warning_text(warning)  # the warnings' list: every warning's text, written by _warning_text
    parts: list[str] = _SLOT.split(text.replace(one, json.dumps(s("warnings")), 1)) if text.count(one) == 1 else []
    row, page, offer = _quick_slots(nb, rank, margin)
    names = parts[1::2]
    ok = sorted(names) == sorted(row + page + offer) and [x for x in names if x in page] == page \
        and [x for x in names if x in offer] == offer
    _TEMPLATES[(nb, rank, margin)] = parts if ok else []
    return parts if ok else None


def _row_template(b: Any, rank: bool, margin: bool) -> tuple[list[str | None], Any] | None:
    """The text of QuickBill `b` (`rank`: with a rank; `margin`: with a margin) with its row's fixed values written
    in: its literal pieces alternating with None where a value goes, and a getter that picks those values, in text
    order, out of the page's values followed by the offer's (`_quick_texts` joins the two: one join of C-level
    steps, where two %-formatting passes over the whole text cost about three times as much)."""
    from operator import itemgetter

    tokens = b.tokens
    parts = _quick_template(len(tokens), rank, margin)
    if parts is None:
        return None
    from json.encoder import encode_basestring as s

    _, page, offer = _quick_slots(len(tokens), rank, margin)
    position = {name: i for i, name in enumerate((*page, *offer))}
    rates = b.row.rates[0]
    fixed = {"model": s(b.model), "provider": s(b.provider), "tier": s(b.tier),
             "price_valid_from": _json_value(b.price_valid_from), "source": s(b.source),
             "confidence": s(b.confidence), **{f"rate{i}": _json_value(r) for i, r in enumerate(rates)}}
    pieces: list[str | None] = [parts[0]]
    order = []
    for name, literal in zip(parts[1::2], parts[2::2], strict=True):
        if name in fixed:
            pieces[-1] = f"{pieces[-1]}{fixed[name]}{literal}"
        else:
            order.append(position[name])
            pieces += [None, literal]
    if len(order) < 2:  # (itemgetter of one index returns the value, not a tuple; every offer has several)
        return None
    return pieces, itemgetter(*order)


_TEMPLATES: dict[tuple[int, bool, bool], list[str]] = {}
_ROW_TEMPLATES: dict[tuple[int, bool, bool], tuple[Any, tuple[list[str | None], Any]]] = {}

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
