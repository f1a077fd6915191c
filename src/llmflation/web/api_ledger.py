"""JSON API over the ledger: /api/models, /api/price, /api/history, /api/scores, and the writing endpoints.

Read endpoints use the Ledger loaded at startup (no store access per request). Writing endpoints are only
registered when an API token is configured (see security.py); they go through the store's user layer in one
transaction and then swap in a freshly loaded Ledger.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from llmflation import shapes
from llmflation.shapes import jsonable
from llmflation.web import schemas
from llmflation.web.params import DATE_SCHEMA, RawQuery, dump, page_of, parse_when
from llmflation.web.state import state_of

if TYPE_CHECKING:
    from llmflation.web.state import AppState

router = APIRouter(prefix="/api", tags=["ledger"])

ModelName = Annotated[
    str,
    Query(min_length=1, max_length=200, description="Model id, alias or display name.", examples=["gpt-4o"]),
]
Offset = Annotated[int, Query(ge=0, le=1_000_000, description="Items to skip.")]
Limit = Annotated[int, Query(ge=1, le=500, description="Items per page (1–500).")]


def price_record(p: Any) -> dict[str, Any]:
    """A price in the JSON contract (llmflation.shapes), money as exact strings."""
    return jsonable(shapes.price_record(p))  # type: ignore[no-any-return]


def model_record(m: Any) -> dict[str, Any]:
    return jsonable(shapes.model_record(m))  # type: ignore[no-any-return]


@router.get(
    "/models",
    response_model=None,
    summary="List models (search, paginated)",
    responses={200: {"model": schemas.ModelsPage}, **schemas.ERRORS},
)
async def api_models(
    request: Request,
    search: Annotated[
        str | None, Query(max_length=200, description="Text in id, name, alias or developer.")
    ] = None,
    offset: Offset = 0,
    limit: Limit = 50,
) -> dict[str, Any]:
    found = state_of(request).ledger.models(search.strip() if search else None)
    page, next_offset = page_of(found, offset, limit)
    return {
        "ok": True,
        "total": len(found),
        "offset": offset,
        "limit": limit,
        "next_offset": next_offset,
        "items": [model_record(m) for m in page],
    }


@router.get(
    "/price",
    response_model=None,
    summary="Price in effect for a model at a date, per provider",
    responses={200: {"model": schemas.PriceAnswer}, **schemas.ERRORS},
)
async def api_price(
    request: Request,
    model: ModelName,
    at: Annotated[
        str | None,
        Query(
            max_length=10, description="YYYY-MM-DD, YYYYMMDD, YYYY-MM or YYYY; default today.", examples=["2024-06-01"],
            json_schema_extra=DATE_SCHEMA,
        ),
    ] = None,
    provider: Annotated[str | None, Query(max_length=60, description="Only this provider.")] = None,
    tier: Annotated[str, Query(max_length=40, description="Service tier, any letter case.",
                               json_schema_extra={"pattern": schemas.TIER_PATTERN})] = "standard",
) -> Any:
    return price_answer(state_of(request), model, at, provider, tier)


def price_answer(st: AppState, model: str, at: str | None, provider: str | None, tier: str) -> Any:
    """The /api/price answer for parameters FastAPI has read (or `fast_price`, the same way)."""
    from llmflation.ledger.user_layer import normalise_tier

    ledger = st.ledger
    when = parse_when(at, "at") or date.today()
    tier = normalise_tier(tier)  # "STANDARD" is standard (as in the user layer); an unknown tier is a 422
    resolution, found = ledger.price_resolved(model, at=when, provider=provider, tier=tier)
    # already JSON-ready: the bytes FastAPI's JSONResponse would write, without its jsonable_encoder walk. Compact
    # JSON of a dict is its members' texts joined, so the head is dumped without "prices" (the last key) and each
    # price's text, rendered once per Price (st.price_text), is spliced in.
    head = dump({
        "ok": True,
        "model": found[0].model,
        "at": when.isoformat(),
        "name": resolution.name,
        "resolved_model": resolution.model.id,
        "resolved_via": resolution.via,
        "resolved": resolution.describe(),
    })
    prices = b",".join([st.price_text(p, _price_json) for p in found])
    return st.json_bytes(b"".join((head[:-1], b',"prices":[', prices, b"]}")))


def _price_json(p: Any) -> bytes:
    return dump(price_record(p))


# the /api/price parameters and their length bounds (FastAPI's, from the route's declaration)
_PRICE_PARAMS = {"model": (1, 200), "at": (0, 10), "provider": (0, 60), "tier": (0, 40)}


def fast_price(st: AppState, query_string: bytes) -> Any:
    """The answer to GET /api/price?<query_string> without the router (cache.AnswerCache calls it for a new query):
    the parameters read as FastAPI reads them (the last value of a repeated name; names it does not know ignored)
    when every one is within its bounds; anything else raises, and the route then answers and words the error."""
    params = RawQuery(query_string)
    values: dict[str, str | None] = {}
    for name, (low, high) in _PRICE_PARAMS.items():
        v = params.get(name)
        if v is not None and not low <= len(v) <= high:
            raise ValueError(f"{name}: out of bounds (the route words the error)")
        values[name] = v
    if values["model"] is None:
        raise ValueError("model: missing (the route words the error)")
    return price_answer(st, values["model"], values["at"], values["provider"], values["tier"] or "standard")


@router.get(
    "/history",
    response_model=None,
    summary="Every recorded price interval for a model (paginated)",
    responses={200: {"model": schemas.HistoryPage}, **schemas.ERRORS},
)
async def api_history(request: Request, model: ModelName, offset: Offset = 0, limit: Limit = 500) -> dict[str, Any]:
    ledger = state_of(request).ledger
    m = ledger.resolve(model)
    found = ledger.history(m.id)
    page, next_offset = page_of(found, offset, limit)
    return {
        "ok": True,
        "model": m.id,
        "total": len(found),
        "offset": offset,
        "limit": limit,
        "next_offset": next_offset,
        "items": [price_record(p) for p in page],
    }


@router.get(
    "/scores",
    response_model=None,
    summary="Capability scores recorded for a model",
    responses={200: {"model": schemas.ScoresAnswer}, **schemas.ERRORS},
)
async def api_scores(request: Request, model: ModelName) -> dict[str, Any]:
    ledger = state_of(request).ledger
    m = ledger.resolve(model)
    return {"ok": True, "model": m.id, "scores": jsonable(ledger.scores(m.id))}


# -- writing (registered only when a token is configured) ------------------------------------------------
write_router = APIRouter(prefix="/api/user", tags=["your layer (needs LLMFLATION_API_TOKEN)"])


def _require_token(request: Request) -> None:
    from llmflation.web.security import require_token

    require_token(request)


@write_router.post(
    "/prices",
    response_model=None,
    status_code=201,
    dependencies=[Depends(_require_token)],
    summary="Add negotiated/custom prices to your private layer",
    responses={
        201: {"model": schemas.WriteAnswer},
        **schemas.WRITE_ERRORS,
        **schemas.ERRORS,
    },
)
def add_prices(request: Request, body: schemas.PricesIn) -> dict[str, Any]:
    """The same checks as `llmflation user add-prices` (ledger.user_layer), on the rows of the body."""
    from llmflation.ledger.loading import Problems
    from llmflation.ledger.user_layer import add_user_prices, price_rows

    st = state_of(request)
    st.store()  # 503 when there is no store to write to
    problems = Problems()
    with st.write_lock:
        rows = price_rows([row.model_dump() for row in body.prices], "prices", problems)
        written = add_user_prices(st.ledger, rows, problems)
        st.reload()
    return {"ok": True, "written": written, "message": f"Added {written} price(s) to your layer."}


@write_router.post(
    "/discounts",
    response_model=None,
    status_code=201,
    dependencies=[Depends(_require_token)],
    summary="Add a negotiated discount (percent off a provider's or one model's prices)",
    responses={
        201: {"model": schemas.WriteAnswer},
        **schemas.WRITE_ERRORS,
        **schemas.ERRORS,
    },
)
def add_discount(request: Request, body: schemas.DiscountIn) -> dict[str, Any]:
    """The same checks as `llmflation user discount` (ledger.user_layer)."""
    from llmflation.ledger.user_layer import add_discount as record_discount

    st = state_of(request)
    st.store()  # 503 when there is no store to write to
    with st.write_lock:
        d = record_discount(st.ledger, body.provider, body.percent, body.valid_from, body.valid_to, body.model,
                            body.note)
        st.reload()
    pct = d.fraction * 100
    return {
        "ok": True,
        "written": 1,
        "message": f"Added a {pct.normalize():f}% discount on {d.provider}"
        + (f" for {d.model}" if d.model else "") + ".",
    }
