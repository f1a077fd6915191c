"""The bill calculator behind /api/bill and the Bill page: a workload from query parameters, ranked bills at a
date, and the Jevons timeline (bill vs unit price, month by month) under a few scenarios.

All money stays Decimal (workload.bill); chart data is converted to floats for drawing only.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, create_model

from llmflation.shapes import jsonable
from llmflation.values import FLOOR_PATTERN, WORKLOAD_FIELDS, NumberField, parse_floor
from llmflation.web.params import DATE_SCHEMA, number_only

if TYPE_CHECKING:
    from llmflation.ledger.ledger import Ledger
    from llmflation.workload.spec import Workload

Num = Decimal | None


class BillOptions(BaseModel):
    """What /api/bill takes besides the workload's numbers: the floor, the date, filters and paging."""

    model_config = ConfigDict(extra="forbid")

    floor: str | None = Field(None, max_length=80, description="Capability floor as one value: mmlu>=80, mmlu=80 "
                              "or mmlu:80 (or give benchmark and min_score).",
                              json_schema_extra={"pattern": FLOOR_PATTERN})
    benchmark: str | None = Field(None, max_length=40, description="Capability floor: benchmark (e.g. mmlu).")
    min_score: Num = Field(None, ge=-10_000, le=10_000, description="Capability floor: minimum score.",
                           json_schema_extra=number_only)
    at: str | None = Field(None, max_length=10, description="Date whose prices apply (YYYY-MM-DD or YYYYMMDD); "
                           "default today.", json_schema_extra=DATE_SCHEMA)
    model: list[str] = Field(default_factory=list, max_length=20, description="Only these models (repeatable).")
    provider: str | None = Field(None, max_length=60, description="Only this provider.")
    offset: int = Field(0, ge=0, le=100_000, description="Offers to skip.")
    limit: int = Field(20, ge=1, le=500, description="Offers per page.")


def _workload_field(f: NumberField) -> tuple[Any, Any]:
    bounds: dict[str, Any] = {"gt" if f.open_low else "ge": f.low, "le": f.high, "description": f.description,
                              "json_schema_extra": number_only}
    if f.required:
        return Decimal, Field(**bounds)
    return Num, Field(None, **bounds)


if TYPE_CHECKING:
    class BillQuery(BillOptions):
        """(typing view) the workload's numeric fields are read with getattr."""
else:
    # The workload's numbers as query parameters: names, bounds and descriptions from the one list in
    # llmflation.values (the same names as the workload TOML file and the CLI flags).
    BillQuery = create_model(
        "BillQuery", __base__=BillOptions, __doc__="A workload as query parameters (the names of the workload TOML "
        "file and the CLI flags).", **{name: _workload_field(f) for name, f in WORKLOAD_FIELDS.items()})


def workload_of(q: BillQuery | Mapping[str, Any], ledger: Ledger) -> Workload:
    """Validate the workload (field-named InputError) and check its floor benchmark against the ledger."""
    from llmflation.errors import InputError, UnknownNameError
    from llmflation.workload.spec import load_workload

    get = q.get if isinstance(q, Mapping) else (lambda k, d=None: getattr(q, k, d))
    data: dict[str, Any] = {"name": "web"}
    for f in WORKLOAD_FIELDS:
        v = get(f)
        if v is not None and v != "":
            data[f] = v
    bench, floor_min = get("benchmark"), get("min_score")
    one = get("floor")
    if one:
        if bench or floor_min not in (None, ""):
            raise InputError("floor: give floor=BENCHMARK>=MIN or benchmark and min_score, not both", field="floor")
        parsed = parse_floor(str(one), "floor")
        bench, floor_min = parsed.benchmark, parsed.minimum
    if bench and floor_min not in (None, ""):
        if str(bench).strip().lower() not in ledger.benchmarks:
            raise UnknownNameError("benchmark", str(bench), ledger.benchmarks)
        data["floor"] = {"benchmark": str(bench), "min": floor_min}
    elif bench or floor_min not in (None, ""):
        raise InputError("floor: give both benchmark and min_score (e.g. benchmark=mmlu&min_score=80)")
    w = load_workload(data, where="workload")
    w.check_against(ledger)
    return w


def _bill_parts(ledger: Ledger, q: BillQuery, when: date, quick: bool) -> tuple[dict[str, Any], list[Any], Any]:
    """The answer's head (every key before `cheapest`, in order), the offers to show (the cheapest first, then the
    page) and the excluded models. `quick`: itemise with the exact fast path (fastbill.LazyBills.page)."""
    from llmflation.shapes import workload_record
    from llmflation.workload.bill import rank_offers
    from llmflation.workload.fastbill import LazyBills

    w = workload_of(q, ledger)
    ranking = rank_offers(ledger, w, when, models=q.model or None, provider=q.provider)
    offers = ranking.offers
    start, stop = q.offset, q.offset + q.limit
    shown: list[Any]
    if quick and isinstance(offers, LazyBills):
        shown = offers.page(0, 1) + offers.page(start, stop) if offers else []
    else:
        shown = [offers[0], *offers[start:stop]] if offers else []
    head = {"ok": True, "at": when, "workload": workload_record(w),
            "floor": None if w.floor is None else {"benchmark": w.floor.benchmark, "min": w.floor.min},
            "total": len(offers), "offset": q.offset, "limit": q.limit,
            "next_offset": stop if stop < len(offers) else None}
    return head, shown, {"below_floor": ranking.below_floor, "unscored": ranking.unscored}


def bill_answer(ledger: Ledger, q: BillQuery, when: date) -> dict[str, Any]:
    """The JSON answer of /api/bill: the CLI's `bill --json` shape plus paging, money as exact strings."""
    from llmflation.shapes import offer_record

    head, shown, excluded = _bill_parts(ledger, q, when, quick=False)
    return jsonable({  # type: ignore[no-any-return]
        **head,
        "cheapest": offer_record(shown[0], 1) if shown else None,
        "offers": [offer_record(b, q.offset + i + 1) for i, b in enumerate(shown[1:])],
        "excluded": excluded,
    })


def bill_answer_json(ledger: Ledger, q: BillQuery, when: date) -> bytes:
    """`bill_answer` as compact JSON bytes (what `params.dump` makes of it, byte for byte; a test holds them
    together), built fast: bills itemised by the exact fast path and written by `shapes.offer_json`."""
    from llmflation.shapes import offers_json
    from llmflation.web.params import dump

    head, shown, excluded = _bill_parts(ledger, q, when, quick=True)
    # the cheapest, then the page (whose rank 1, on a first page, is the cheapest's text)
    again = bool(shown) and q.offset == 0 and len(shown) > 1
    bills, ranks = shown[:1] + shown[1 + again:], [1, *range(q.offset + 1 + again, q.offset + len(shown))]
    texts = offers_json(bills, ranks[:len(bills)])
    cheapest = texts[0] if shown else "null"
    page = ([cheapest] if again else []) + texts[1:]
    tail = f',"cheapest":{cheapest},"offers":[{",".join(page)}],"excluded":'
    return b"".join((dump(jsonable(head))[:-1], tail.encode(), dump(excluded), b"}"))


def jevons_timelines(ledger: Ledger, w: Workload, today: date) -> list[Any]:
    """Three scenarios from the first priced month to a year ahead (prices held flat after today)."""
    from llmflation.workload.timeline import Scenario, monthly_bills

    first = min((p.valid_from for p in ledger.all_prices()), default=today)
    start = date(max(first.year, 2022), first.month if first.year >= 2022 else 1, 1)
    end = date(today.year + 1, today.month, 1)
    growth = w.monthly_growth if w.monthly_growth else Decimal("0.05")
    scenarios = [
        Scenario(name="cheapest capable each month", policy="cheapest", monthly_growth=growth),
        Scenario(name="stay on the first month's model", policy="fixed", monthly_growth=growth),
        Scenario(name="cheapest + reasoning share 0→60%", policy="cheapest", monthly_growth=growth,
                 reasoning_share_from=Decimal(0), reasoning_share_to=Decimal("0.6"),
                 reasoning_multiplier=w.reasoning_multiplier or Decimal(10)),
    ]
    return [monthly_bills(ledger, w, start, end, s, anchor=today) for s in scenarios]
