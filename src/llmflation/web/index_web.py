"""The price index: /api/index and the Price index page (needs llmflation.index); and your own index from the
ingested usage logs: /api/usage/index and the Your index page (needs llmflation.usage too).

/api/index and the Price index page draw from `llmflation.index.overview.overview` — the same computation as
`llmflation index --json` — cached on the app state per (options, day) until the ledger changes. /api/usage/index
answers `llmflation usage index --json`'s shape (`PersonalReport.as_dict`), always on the embedded DuckDB engine;
the usage store changes outside the app, so only the market index beside it (a function of the ledger) is cached.
The charts are the shared charts/index specs made interactive; numbers a reader reads come from the tables.
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
usage_router = APIRouter(prefix="/api/usage", tags=["usage"])
pages_router = APIRouter(include_in_schema=False)
usage_pages_router = APIRouter(include_in_schema=False)

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


# -- your own index (usage logs) -------------------------------------------------------------------------------------
ByChoice = Literal["model", "provider", "tag"]
FormulaChoice = Literal["fisher", "tornqvist"]
NO_USAGE_HINT = ("Upload a log with POST /api/usage/upload (a server started with LLMFLATION_API_TOKEN) or ingest "
                 "one on the server with `llmflation usage ingest FILES`.")


def _market(st: AppState) -> Any:
    """(first, last month) → market levels, from one hedonic fit per day over a window covering both (rebased
    levels do not depend on the window's start: see index.personal.market_levels)."""
    from llmflation.index.methods import default_window
    from llmflation.index.personal import market_levels

    def levels(first: date, last: date) -> Any:
        s, e = default_window(st.ledger, None, None)
        key = ("market-levels", date.today(), min(s, first), max(e, last))
        hit = st.objects.get(key)
        if hit is None:
            hit = st.objects[key] = market_levels(st.ledger, key[2], key[3])
        return hit

    return levels


def personal(st: AppState, *, by: str | None = None, formula: str = "fisher", since: str | None = None,
             until: str | None = None) -> Any:
    """`usage index` over the server's usage store; 404 with the next step when there is nothing to index."""
    from llmflation.index.personal import NoUsageError, personal_index
    from llmflation.web.errors import ApiError
    from llmflation.web.usage_web import has_usage, usage_store

    first, last = parse_when(since, "since"), parse_when(until, "until")
    if not has_usage(st):
        raise ApiError(404, f"No usage has been ingested yet, so there is no index of your prices. {NO_USAGE_HINT}")
    try:
        return personal_index(usage_store(st), st.ledger, by=by, formula=formula, since=first, until=last,
                              engine="duckdb", market=_market(st))
    except NoUsageError as exc:
        status = usage_store(st).status()
        hint = (f"The logs span {status['first_day']} → {status['last_day']}: choose since and until inside it "
                "(until is exclusive).")
        raise ApiError(404, str(NoUsageError(exc.since, exc.until, hint=hint)), first_day=status["first_day"],
                       last_day=status["last_day"]) from None


@usage_router.get("/index", response_model=None, summary="Your own price index from the ingested usage logs",
                  responses={404: {"model": schemas.ErrorOut, "description": "No usage ingested, or none in the "
                                   "window (with the logs' first and last day)."},
                             **{k: v for k, v in schemas.ERRORS.items() if k != 404}})
def api_usage_index(
    request: Request,
    by: Annotated[ByChoice | None, Query(description="Also one index per model, provider or tag.")] = None,
    formula: Annotated[FormulaChoice, Query(description="Chained bilateral formula.")] = "fisher",
    since: Annotated[str | None, Query(max_length=10, description="First day (YYYY-MM-DD or YYYY-MM), inclusive.",
                                       json_schema_extra=DATE_SCHEMA)] = None,
    until: Annotated[str | None, Query(max_length=10, description="Last day, exclusive.",
                                       json_schema_extra=DATE_SCHEMA)] = None,
) -> dict[str, Any]:
    """The chained Fisher (or Törnqvist) index of your traffic at constant mix, your actual unit price and the
    market index month by month, "your prices fell X% a year; your mix moved Y%" — the JSON of
    `llmflation usage index --json`."""
    rep = personal(state_of(request), by=by, formula=formula, since=since, until=until)
    return jsonable({"ok": True, **rep.as_dict()})  # type: ignore[no-any-return]


@usage_pages_router.get("/spend/index", response_class=HTMLResponse)
def usage_index_page(request: Request) -> Response:
    from llmflation.charts.index import groups_spec, personal_spec
    from llmflation.errors import LlmflationError
    from llmflation.web.errors import ApiError, api_hint, domain_status
    from llmflation.web.trends_web import interactive
    from llmflation.web.usage_web import has_usage

    st = state_of(request)
    raw = {k: v[:12] for k, v in request.query_params.items()}
    by = raw.get("by") or None
    formula = raw.get("formula") or "fisher"
    form = {"by": by or "", "formula": formula, "since": raw.get("since", ""), "until": raw.get("until", "")}
    ctx: dict[str, Any] = {"rep": None, "error": None, "form": form, "main_chart": None, "groups_chart": None,
                           "empty": False}
    status = 200
    try:
        if by not in (None, "model", "provider", "tag"):
            raise InputError(f"by {by!r}: choose model, provider or tag", field="by")
        if formula not in ("fisher", "tornqvist"):
            raise InputError(f"formula {formula!r}: choose fisher or tornqvist", field="formula")
        if not has_usage(st):
            ctx["empty"] = True
        else:
            rep = personal(st, by=by, formula=formula, since=raw.get("since") or None,
                           until=raw.get("until") or None)
            ctx["rep"] = rep
            ctx["main_chart"] = interactive(personal_spec(rep.total), 380)
            if rep.groups:
                spec = groups_spec(rep.groups, rep.by or "group")
                ctx["groups_chart"] = interactive(spec, 380) if spec else None
    except ApiError as exc:
        ctx["error"], status = exc.message, exc.status
    except LlmflationError as exc:
        ctx["error"], status = api_hint(exc), domain_status(exc)[0]
    return page(request, "usage_index.html", "spend", status=status, **ctx)
