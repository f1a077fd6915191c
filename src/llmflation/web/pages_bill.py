"""The Bill calculator page: a GET form (so the URL reproduces the inputs), ranked bills, margin, Jevons chart."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.responses import Response

from llmflation.charts import dashboard as charts
from llmflation.values import WORKLOAD_FIELDS
from llmflation.web.pages import page
from llmflation.web.state import state_of

router = APIRouter(include_in_schema=False)

DEFAULTS = {"tasks_per_month": "100000", "calls_per_task": "1", "input_tokens": "2000", "output_tokens": "500",
            "cached_input_share": "0.3", "benchmark": "mmlu", "min_score": "80"}  # no revenue: margin only when entered
FORM = [  # (name, label, hint): the workload's fields from the one list, then the page's own
    *((f.name, f.label, f.description) for f in WORKLOAD_FIELDS.values()),
    ("min_score", "Capability floor: min score", "e.g. 80"),
    ("at", "Prices as of", "YYYY-MM-DD; empty = today"),
    ("provider", "Only provider", "e.g. together"),
]


@router.get("/bill", response_class=HTMLResponse)
def bill_page(request: Request) -> Response:
    from pydantic import ValidationError

    from llmflation.errors import LlmflationError
    from llmflation.web.billing import BillQuery, bill_answer, workload_of
    from llmflation.web.errors import _validation_message
    from llmflation.web.params import parse_when

    st = state_of(request)
    ledger = st.ledger
    raw = {k: v.strip()[:200] for k, v in request.query_params.items() if k in BillQuery.model_fields}
    values = raw if raw else dict(DEFAULTS)
    error = ""
    answer: dict[str, Any] | None = None
    jevons_spec = None
    try:
        q = BillQuery.model_validate({k: v for k, v in values.items() if v != ""} | {"limit": 15})
        when = parse_when(q.at, "at") or date.today()
        answer = bill_answer(ledger, q, when)
        key = ("jevons", date.today(), q.model_dump_json(exclude={"offset", "limit", "at", "provider", "model"}))
        cached = st.cached(key)
        if cached is None:
            from llmflation.web.params import dump
            from llmflation.workload.charts import chart_rows

            w = workload_of(q, ledger)
            rows = chart_rows(jevons_timelines_for(ledger, w))
            cached = st.remember(key, dump(charts.jevons(rows, date.today())))
        import json

        jevons_spec = json.loads(cached)
    except ValidationError as exc:
        error = _validation_message(list(exc.errors()))[0]
    except LlmflationError as exc:
        from llmflation.web.errors import api_hint

        error = api_hint(exc)
    share = str(request.url.include_query_params(**values)) if values else str(request.url)
    return page(request, "bill.html", "bill", form=FORM, values=values, benchmarks=ledger.benchmarks,
                answer=answer, error=error, jevons=jevons_spec, share_url=share)


def jevons_timelines_for(ledger: Any, w: Any) -> list[Any]:
    from llmflation.web.billing import jevons_timelines

    return jevons_timelines(ledger, w, date.today())
