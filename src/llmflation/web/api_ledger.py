"""JSON API over the ledger: /api/models, /api/price, /api/history, /api/scores, and the writing endpoints.

Read endpoints use the Ledger loaded at startup (no store access per request). Writing endpoints are only
registered when an API token is configured (see security.py); they go through the store's user layer in one
transaction and then swap in a freshly loaded Ledger.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from llmflation.cli.output import jsonable
from llmflation.errors import InputError
from llmflation.web import schemas
from llmflation.web.params import page_of, parse_when
from llmflation.web.state import state_of

router = APIRouter(prefix="/api", tags=["ledger"])

ModelName = Annotated[
    str,
    Query(min_length=1, max_length=200, description="Model id, alias or display name.", examples=["gpt-4o"]),
]
Offset = Annotated[int, Query(ge=0, le=1_000_000, description="Items to skip.")]
Limit = Annotated[int, Query(ge=1, le=500, description="Items per page (1–500).")]


def price_record(p: Any) -> dict[str, Any]:
    from llmflation.cli.ledger_cmds import price_record as cli_record

    return jsonable(cli_record(p))  # type: ignore[no-any-return]


def model_record(m: Any) -> dict[str, Any]:
    from llmflation.cli.ledger_cmds import model_record as cli_record

    return jsonable(cli_record(m))  # type: ignore[no-any-return]


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
            max_length=10, description="YYYY-MM-DD, YYYY-MM or YYYY; default today.", examples=["2024-06-01"]
        ),
    ] = None,
    provider: Annotated[str | None, Query(max_length=60, description="Only this provider.")] = None,
    tier: Annotated[str, Query(max_length=40, description="Service tier.")] = "standard",
) -> dict[str, Any]:
    ledger = state_of(request).ledger
    when = parse_when(at, "at") or date.today()
    found = ledger.price(model, at=when, provider=provider, tier=tier)
    return {
        "ok": True,
        "model": found[0].model,
        "at": when.isoformat(),
        "prices": [price_record(p) for p in found],
    }


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

    from llmflation.ledger.loading import Problems, check_overlaps
    from llmflation.ledger.records import Price
    from llmflation.money import bounded_price, to_decimal

    st = state_of(request)
    problems = Problems()
    parsed: list[Price] = []
    for i, row in enumerate(body.prices, start=1):
        where = f"prices[{i - 1}]"
        try:
            m = st.ledger.resolve(row.model)
            values = {
                k: to_decimal(getattr(row, k), k) if getattr(row, k) is not None else None
                for k in ("input", "output", "cached_input", "batch_discount")
            }
            for k, v in values.items():
                if v is not None and k != "batch_discount":
                    bounded_price(v, k)  # 422 naming the field: negative, beyond 1,000,000 or over 9 decimals
                elif v is not None and v < 0:
                    raise InputError(f"{k}: {v} must not be negative")
            bd = values["batch_discount"]
            if bd is not None and not 0 <= bd < 1:
                raise InputError(f"batch_discount: {bd} must be a fraction in [0, 1)")
            if row.valid_to is not None and row.valid_to <= row.valid_from:
                raise InputError(f"valid_to: {row.valid_to} must be after valid_from {row.valid_from}")
            assert values["input"] is not None and values["output"] is not None
            parsed.append(
                Price(
                    model=m.id,
                    provider=row.provider,
                    tier=row.tier,
                    valid_from=row.valid_from,
                    valid_to=row.valid_to,
                    input=values["input"],
                    output=values["output"],
                    cached_input=values["cached_input"],
                    batch_discount=bd,
                    source=row.source.strip() or "user:api",
                    confidence="official",
                    note=row.note,
                    origin="user",
                    first_party=m.developer == row.provider,
                )
            )
        except InputError as exc:
            problems.add(where, i, str(exc))
        except Exception as exc:  # UnknownModelError and friends: reported with the rest
            from llmflation.errors import LlmflationError

            if not isinstance(exc, LlmflationError):
                raise
            problems.add(where, i, f"model: {exc}")
    with st.write_lock:
        store = st.store()
        existing, _ = store.user_layer()
        check_overlaps([*existing, *parsed], "request", problems)
        problems.raise_if_any("Prices rejected")
        store.add_user_prices(parsed)
        st.reload()
    return {"ok": True, "written": len(parsed), "message": f"Added {len(parsed)} price(s) to your layer."}


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
    from decimal import Decimal

    from llmflation.errors import UnknownNameError
    from llmflation.ledger.records import Discount
    from llmflation.money import to_decimal

    st = state_of(request)
    pct = to_decimal(body.percent, "percent")
    if not Decimal(0) < pct < Decimal(100):
        raise InputError(f"percent: {pct} must be between 0 and 100")
    if body.valid_to is not None and body.valid_to <= body.valid_from:
        raise InputError(f"valid_to: {body.valid_to} must be after valid_from {body.valid_from}")
    prov = body.provider.strip().lower()
    if prov not in st.ledger.providers:
        raise UnknownNameError("provider", body.provider, st.ledger.providers)
    model_id = st.ledger.resolve(body.model).id if body.model else None
    d = Discount(
        provider=prov,
        fraction=pct / 100,
        valid_from=body.valid_from,
        valid_to=body.valid_to,
        model=model_id,
        note=body.note,
    )
    with st.write_lock:
        st.store().add_discount(d)
        st.reload()
    return {
        "ok": True,
        "written": 1,
        "message": f"Added a {pct}% discount on {prov}" + (f" for {model_id}" if model_id else "") + ".",
    }
