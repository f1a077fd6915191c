"""The price index: /api/index and the Price index page (needs llmflation.index).

Both draw from `llmflation.index.overview.overview` — the same computation as `llmflation index --json` —
cached on the app state per (options, day) until the ledger changes. The chart is the report's index spec made
interactive with the dashboard's helpers; numbers a reader reads come from the tables.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from starlette.responses import Response

from llmflation.errors import InputError
from llmflation.shapes import jsonable
from llmflation.web import schemas
from llmflation.web.pages import page
from llmflation.web.params import DATE_SCHEMA, parse_when
from llmflation.web.state import AppState, state_of

router = APIRouter(prefix="/api", tags=["index"])
pages_router = APIRouter(include_in_schema=False)

def _method_schema(schema: dict[str, Any]) -> None:
    """Publish exactly the method lists that are accepted (names from index.overview, loaded when the schema is
    built, not at import); `^[a-z,]+$` stays the cheap check pydantic applies."""
    from llmflation.index.overview import ALL

    name = "(?:" + "|".join(("all", *ALL)) + ")"
    schema["pattern"] = rf"^(?:,*{name}(?:,+{name})*,*|,+)$"


MethodText = Annotated[str, Query(max_length=120, pattern=r"^[a-z,]+$", description="Comma-separated: hedonic, "
                                  "threshold, tiers, frontier, average, break, reasoning, premium, or all.",
                                  json_schema_extra=_method_schema)]
DateText = Annotated[str | None, Query(max_length=10, description="YYYY-MM-DD or YYYY-MM.",
                                                json_schema_extra=DATE_SCHEMA)]


def compute(st: AppState, *, methods: str = "all", start: str | None = None, until: str | None = None,
            score: str = "eci", impute: str = "crosswalk", hosts: str = "all", window: int = 2,
            level: float = 0.9, bootstrap: int = 200, seed: int = 0) -> Any:
    """The overview for these options, cached on the app state for the day."""
    from llmflation.index.hedonic import HedonicOptions
    from llmflation.index.overview import ALL, overview

    chosen: list[str] = []
    for part in methods.split(","):
        name = part.strip()
        if not name:
            continue
        if name != "all" and name not in ALL:
            raise InputError(f"method {name!r}: choose from {', '.join(ALL)} or all")
        chosen.extend(ALL if name == "all" else (name,))
    key = ("index", date.today(), tuple(dict.fromkeys(chosen or ALL)), start, until, score, impute, hosts, window,
           level, bootstrap, seed)
    ov = st.objects.get(key)
    if ov is None:
        ov = st.objects[key] = overview(
            st.ledger, methods=tuple(dict.fromkeys(chosen or ALL)), start=parse_when(start, "from"),
            end=parse_when(until, "until"), score=score, impute=impute, hosts=hosts,
            hedonic=HedonicOptions(window=window, level=level, bootstrap=bootstrap, seed=seed))
    return ov


@router.get("/index", response_model=None, summary="Token price decline by every method, side by side",
             responses=schemas.ERRORS)
async def api_index(
    request: Request, method: MethodText = "all", start: Annotated[DateText, Query(alias="from")] = None,
    until: DateText = None,
    score: Annotated[str, Query(min_length=1, max_length=40, description="Capability benchmark.")] = "eci",
    impute: Annotated[Literal["crosswalk", "drop"], Query(description="Missing-score rule.")] = "crosswalk",
    hosts: Annotated[Literal["all", "first-party", "cheapest"], Query(description="Which offers are items.")] = "all",
    window: Annotated[int, Query(ge=2, le=24, description="Months per hedonic regression.")] = 2,
    level: Annotated[float, Query(gt=0.5, lt=1.0, description="Interval level.")] = 0.9,
    bootstrap: Annotated[int, Query(ge=0, le=1000, description="Bootstrap resamples.")] = 200,
    seed: Annotated[int, Query(ge=0, le=2**31)] = 0,
) -> dict[str, Any]:
    ov = compute(state_of(request), methods=method, start=start, until=until, score=score, impute=impute,
                 hosts=hosts, window=window, level=level, bootstrap=bootstrap, seed=seed)
    return jsonable({"ok": True, **ov.as_dict()})  # type: ignore[no-any-return]


def chart(ov: Any) -> dict[str, Any]:
    from llmflation.charts.index import index_spec, overview_series
    from llmflation.web.trends_web import interactive

    return interactive(index_spec(overview_series(ov), subtitle="each series = 1 at its first month; log scale"), 380)


@pages_router.get("/index", response_class=HTMLResponse)
def index_page(request: Request) -> Response:
    from llmflation.errors import LlmflationError

    st = state_of(request)
    try:
        ov = compute(st)
    except LlmflationError as exc:
        return page(request, "index.html", "index", error=str(exc), ov=None, index_chart=None)
    return page(request, "index.html", "index", ov=ov, index_chart=chart(ov), error=None)
