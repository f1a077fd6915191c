"""HTML pages (Jinja2). Pages call the same domain functions as the API and embed Vega-Lite specs."""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from llmflation.web import charts
from llmflation.web.state import state_of

if TYPE_CHECKING:
    from fastapi.templating import Jinja2Templates
    from starlette.responses import Response

HERE = Path(__file__).parent
router = APIRouter(include_in_schema=False)

NAV = [
    ("overview", "/", "Overview"),
    ("models", "/models", "Models"),
    ("bill", "/bill", "Bill calculator"),
    ("spend", "/spend", "Spend"),
    ("selfhost", "/selfhost", "Self-host"),
    ("api", "/api/docs", "API"),
]


@lru_cache(maxsize=1)
def templates() -> Jinja2Templates:
    from fastapi.templating import Jinja2Templates

    t = Jinja2Templates(directory=str(HERE / "templates"))
    t.env.filters["usd"] = usd
    t.env.filters["dsum"] = dsum
    t.env.globals["NAV"] = NAV
    return t


def usd(value: Any, places: int | None = None) -> str:
    """Exact money for display: the Decimal as stored (trailing zeros trimmed), or '—' when unknown."""
    from decimal import Decimal

    if value is None:
        return "—"
    from decimal import InvalidOperation, localcontext

    d = Decimal(value)
    if places is not None:
        with localcontext() as ctx:
            ctx.prec = max(28, d.adjusted() + places + 2)  # a wide forecast band can reach 10^30 and more
            try:
                d = d.quantize(Decimal(1).scaleb(-places))
            except InvalidOperation:
                return f"${d:.3E}"
        return f"${d:,}"
    return f"${d.normalize():,f}"


def dsum(values: Any) -> Any:
    """Exact sum of decimal strings/Decimals (for table cells that add two bill items)."""
    from decimal import Decimal

    return sum((Decimal(v) for v in values if v is not None), Decimal(0))


def page(request: Request, name: str, active: str, status: int = 200, **context: Any) -> Response:
    st = state_of(request)
    return templates().TemplateResponse(
        request, name, {"active": active, "writable": st.settings.writable, **context}, status_code=status
    )


def render_error(
    request: Request, status: int, message: str, headers: dict[str, str] | None = None, **extra: Any
) -> Response:
    resp = templates().TemplateResponse(
        request,
        "error.html",
        {
            "active": "",
            "status": status,
            "message": message,
            "suggestions": extra.get("suggestions") or [],
            "writable": False,
        },
        status_code=status,
        headers=headers,
    )
    return resp


@router.get("/models", response_class=HTMLResponse)
def models_page(request: Request, q: str = "") -> Response:
    ledger = state_of(request).ledger
    q = q.strip()[:200]
    found = ledger.models(q or None)
    today = date.today()
    current: dict[str, Any] = {}
    for m in found:
        try:
            current[m.id] = ledger.price(m.id, at=today)[0]
        except Exception:  # no price today: shown as "—"
            current[m.id] = None
    latest: dict[str, dict[str, Any]] = {}
    for s in ledger.all_scores():
        latest.setdefault(s.model, {})[s.benchmark] = s.value
    return page(
        request,
        "models.html",
        "models",
        q=q,
        models=found,
        current=current,
        scores=latest,
        benchmarks=ledger.benchmarks,
        total=len(ledger.models()),
    )


@router.get("/models/{model_id:path}", response_class=HTMLResponse)
def model_page(request: Request, model_id: str) -> Response:
    ledger = state_of(request).ledger
    m = ledger.resolve(model_id)
    history = ledger.history(m.id)
    today = date.today()
    try:
        now = ledger.price(m.id, at=today)
    except Exception:
        now = []
    spec = charts.price_history(m.id, history, today) if history else None
    return page(
        request,
        "model.html",
        "models",
        model=m,
        history=history,
        now=now,
        scores=ledger.scores(m.id),
        spec=spec,
    )
