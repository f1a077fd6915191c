"""HTML pages (Jinja2). Pages call the same domain functions as the API and embed Vega-Lite specs."""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from llmflation import format as fmt
from llmflation.charts import dashboard as charts
from llmflation.charts import labels
from llmflation.web.state import state_of

if TYPE_CHECKING:
    from fastapi.templating import Jinja2Templates
    from starlette.responses import Response

HERE = Path(__file__).parent
router = APIRouter(include_in_schema=False)

NAV = [
    ("overview", "/", "Overview"),
    ("index", "/index", "Price index"),
    ("models", "/models", "Models"),
    ("capability", "/capability", "Capability vs price"),
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
    t.env.filters["pct"] = fmt.percent
    t.env.filters["factor"] = fmt.factor
    t.env.filters["score"] = fmt.score
    t.env.globals["NAV"] = NAV
    t.env.filters["bench"] = labels.benchmark
    t.env.filters["series"] = labels.threshold
    t.env.filters["source_label"] = labels.source
    t.env.filters["source_url"] = labels.source_url
    return t


def usd(value: Any, places: int | None = None) -> str:
    """Money for display through the one formatter (`llmflation.format.money`): list prices (no `places`) keep
    up to six significant digits ($0.1375, $2.50); computed amounts (`places` given, kept for the templates'
    call sites) show three ($206.41, $0.000374) instead of padding to "$0.0000". '—' when unknown."""
    from llmflation.format import money

    return money(value, sig=6 if places is None else 3)


def dsum(values: Any) -> Any:
    """Exact sum of decimal strings/Decimals (for table cells that add two bill items)."""
    from decimal import Decimal

    return sum((Decimal(v) for v in values if v is not None), Decimal(0))


def page(request: Request, name: str, active: str, status: int = 200, **context: Any) -> Response:
    st = state_of(request)
    return templates().TemplateResponse(
        request,
        name,
        {"active": active, "writable": st.settings.writable, "data_as_of": data_as_of(st), **context},
        status_code=status,
    )


def data_as_of(st: Any) -> date | None:
    """The newest price on record (every page and chart caption says it), kept until the ledger changes."""
    key = ("data-as-of", date.today())
    if key not in st.objects:
        from llmflation.report.build import data_as_of as newest

        st.objects[key] = newest(st.ledger, date.today())
    return st.objects[key]  # type: ignore[no-any-return]


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
    found = sorted(ledger.models(q or None), key=lambda m: (m.release_date or date.min, m.id), reverse=True)
    suggestions = did_you_mean(ledger.models(), q) if q and not found else []
    today = date.today()
    current: dict[str, Any] = {}
    for m in found:
        try:
            current[m.id] = ledger.price(m.id, at=today)[0]
        except Exception:  # no price today: shown as "—"
            current[m.id] = None
    latest: dict[str, dict[str, Any]] = {}  # model → benchmark → score, by the one rule (Ledger.best_score)
    for bench in ledger.benchmarks:
        for model_id, s in ledger.best_scores(bench).items():
            latest.setdefault(model_id, {})[bench] = s.value
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
        suggestions=suggestions,
    )


def did_you_mean(models: list[Any], text: str, n: int = 5) -> list[Any]:
    """Models whose id, name or alias is close to a search that found nothing (closest first)."""
    import difflib

    keys: dict[str, Any] = {}
    for m in models:
        for k in (m.id, m.id.split("/", 1)[-1], m.name, *m.aliases):
            keys.setdefault(k.lower(), m)
    out: list[Any] = []
    for k in difflib.get_close_matches(text.lower(), list(keys), n=n * 3, cutoff=0.5):
        if keys[k] not in out:
            out.append(keys[k])
    return out[:n]


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
