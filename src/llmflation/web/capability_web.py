"""The capability-vs-price page (/capability) and /api/capability: one dot per model at its cheapest price, the
Pareto frontier, year-end snapshots. The computation is `llmflation.trends.capability`; this only parses and
renders."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field
from starlette.responses import Response

from llmflation.errors import InputError
from llmflation.shapes import jsonable
from llmflation.web import schemas
from llmflation.web.pages import page
from llmflation.web.params import DATE_SCHEMA, parse_when
from llmflation.web.state import AppState, state_of

router = APIRouter(prefix="/api", tags=["trends"])
pages_router = APIRouter(include_in_schema=False)

Bench = Annotated[str, Query(min_length=1, max_length=40, description="Benchmark: gpqa_diamond, mmlu, "
                             "lmarena_elo, eci.")]
At = Annotated[str | None, Query(max_length=10, description="Prices in effect on this date (YYYY-MM-DD or "
                                 "YYYY-MM); default today.", json_schema_extra=DATE_SCHEMA)]


class CapabilityPointOut(BaseModel):
    model: str
    name: str
    developer: str
    provider: str = Field(description="The host of the model's cheapest offer that day.")
    price_usd_per_mtok: str = Field(description="Blended (3:1) USD per 1M tokens, exact decimal string.")
    input_usd_per_mtok: str
    output_usd_per_mtok: str
    score: str
    on_frontier: bool = Field(description="No model at this price or cheaper scores higher.")
    price_source: str
    score_source: str


class CapabilityAnswer(BaseModel):
    ok: bool = True
    benchmark: str
    at: date
    blend: str
    unit: str
    points: list[CapabilityPointOut]
    frontier: list[str] = Field(description="Model ids on the Pareto frontier, cheapest first.")


def _when(at: str | None) -> date:
    when = parse_when(at, "at") or date.today()
    if not date(2000, 1, 1) <= when <= date(2100, 12, 31):
        raise InputError(f"at: {when} is outside 2000–2100; give a date inside the data")
    return when


def views(st: AppState, benchmark: str, when: date) -> list[Any]:
    """Year-end snapshots to `when` (kept on the app state: the ledger does not change under a running app)."""
    from llmflation.trends.capability import yearly_views

    key = ("capability", benchmark.strip().lower(), when)
    found = st.objects.get(key)
    if found is None:
        found = st.objects[key] = yearly_views(st.ledger, benchmark, at=when)
    return found  # type: ignore[no-any-return]


@router.get("/capability", response_model=None, summary="Capability against price: one point per model, the "
            "Pareto frontier", responses={200: {"model": CapabilityAnswer}, **schemas.ERRORS})
async def api_capability(request: Request, benchmark: Bench = "gpqa_diamond", at: At = None) -> dict[str, Any]:
    from llmflation.trends.capability import capability_view

    st = state_of(request)
    view = capability_view(st.ledger, benchmark, at=_when(at))
    return jsonable({"ok": True, **view.as_dict()})  # type: ignore[no-any-return]


@pages_router.get("/capability", response_class=HTMLResponse)
def capability_page(request: Request, benchmark: str = "gpqa_diamond", at: str = "") -> Response:
    from llmflation.charts.capability import capability_spec
    from llmflation.charts.theme import responsive
    from llmflation.errors import LlmflationError
    from llmflation.report.build import data_as_of

    st = state_of(request)
    bench = benchmark.strip().lower()[:40] or "gpqa_diamond"
    error = ""
    snaps: list[Any] = []
    spec = None
    try:
        snaps = views(st, bench, _when(at[:10] or None))
        spec = responsive(capability_spec(snaps), 460)
    except LlmflationError as exc:
        error = str(exc)
    return page(request, "capability.html", "capability", benchmarks=st.ledger.benchmarks, benchmark=bench,
                at=at[:10], error=error, view=snaps[-1] if snaps else None, spec=spec,
                as_of=data_as_of(st.ledger, date.today()))
