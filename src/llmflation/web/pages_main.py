"""Overview, Bill calculator, Spend, Self-host and the API reference page."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.responses import Response

from llmflation.charts import dashboard as charts
from llmflation.web import features
from llmflation.web.pages import page
from llmflation.web.state import state_of

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def overview(request: Request) -> Response:
    ledger = state_of(request).ledger
    cov = ledger.coverage()
    developer_of = {m.id: m.developer for m in ledger.models()}
    prices = ledger.all_prices()
    scatter = charts.offers_scatter(prices, developer_of) if prices else None
    changes = [(a, b, other_rates(a, b)) for a, b in list(reversed(ledger.price_changes()))[:15]]
    name_moves = [(m, other_rates(m.before, m.after)) for m in reversed(ledger.name_price_moves()[-10:])]
    extra: dict[str, Any] = {}
    if features.available("trends"):
        from llmflation.web.trends_web import overview_context

        extra = overview_context(state_of(request))
    return page(request, "overview.html", "overview", cov=cov, scatter=scatter, changes=changes, name_moves=name_moves,
                trends=features.available("trends"), **extra)


def other_rates(a: Any, b: Any) -> str:
    """What changed besides input and output, as `data diff` shows it (changes.own_moves)."""
    from llmflation import format as fmt
    from llmflation.ledger.importers.changes import own_moves
    from llmflation.ledger.tariff import rate_changes

    return "; ".join(fmt.rate_change(c.rate, c.before, c.after) for c in own_moves(a, b, rate_changes(a, b)))


if not features.available("workload"):

    @router.get("/bill", response_class=HTMLResponse)
    def bill_page(request: Request) -> Response:
        return page(request, "unavailable.html", "bill", what="The bill calculator", module="llmflation.workload")


if not features.available("usage"):

    @router.get("/spend", response_class=HTMLResponse)
    def spend_page(request: Request) -> Response:
        return page(request, "unavailable.html", "spend", what="Spend analytics", module="llmflation.usage")


if not features.available("selfhost"):

    @router.get("/selfhost", response_class=HTMLResponse)
    def selfhost_page(request: Request) -> Response:
        return page(request, "unavailable.html", "selfhost", what="The self-hosting estimator",
                    module="llmflation.serving")


@router.get("/api/docs", response_class=HTMLResponse)
def api_docs(request: Request) -> Response:
    """The API reference, rendered from the app's own OpenAPI document (no CDN-hosted Swagger UI)."""
    schema = request.app.openapi()
    endpoints: list[dict[str, Any]] = []
    for path, ops in schema.get("paths", {}).items():
        for method, op in ops.items():
            params = [
                {
                    "name": p["name"],
                    "in": p["in"],
                    "required": p.get("required", False),
                    "type": _type_of(p.get("schema", {})),
                    "description": p.get("description", ""),
                }
                for p in op.get("parameters", [])
            ]
            body = op.get("requestBody", {}).get("content", {})
            endpoints.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": op.get("summary", ""),
                    "params": params,
                    "body": ", ".join(body),
                    "tags": op.get("tags", []),
                    "responses": sorted(op.get("responses", {})),
                }
            )
    return page(request, "api_docs.html", "api", endpoints=endpoints, info=schema.get("info", {}))


def _type_of(schema: dict[str, Any]) -> str:
    if "anyOf" in schema:
        return " | ".join(_type_of(s) for s in schema["anyOf"])
    t = str(schema.get("type", "any"))
    if "format" in schema:
        t += f" ({schema['format']})"
    lo, hi = schema.get("minimum"), schema.get("maximum")
    if lo is not None or hi is not None:
        t += f" [{lo if lo is not None else ''}…{hi if hi is not None else ''}]"
    return t
