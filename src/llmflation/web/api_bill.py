"""/api/bill: a workload's bill on every capable offer at a date, cheapest first (the CLI's `bill --json`).

Answers go through the app's response cache (cache.py): the same link twice costs a dictionary lookup. A new
query is computed on the fast path: exact packed ranking, exact itemising of the page, direct JSON text
(billing.bill_answer_json), the query read by params.query_model.

Two routes share the path: the first registered (`api_bill_fast`, not in the schema) answers every request; the
second (`api_bill`) is the documented operation (its parameters are the OpenAPI document's) and answers the same
(tests compare the two on good and bad queries). FastAPI's reading of a 25-field query model costs about a third of
a computed bill; `query_model` reads it the same way without that cost.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from llmflation.web import schemas
from llmflation.web.billing import BillQuery, bill_answer_json
from llmflation.web.params import parse_when, query_model
from llmflation.web.state import state_of

router = APIRouter(prefix="/api", tags=["workload"])


@router.get("/bill", include_in_schema=False)
async def api_bill_fast(request: Request) -> Any:
    return answer(request, query_model(request, BillQuery))


@router.get("/bill", response_model=None, summary="Bill a workload on every capable offer (ranked, itemised)",
            responses={200: {"model": schemas.BillAnswer}, **schemas.ERRORS})
async def api_bill(request: Request, q: Annotated[BillQuery, Query()]) -> Any:
    return answer(request, q)


def answer(request: Request, q: BillQuery) -> Any:
    st = state_of(request)
    when = parse_when(q.at, "at") or date.today()
    return st.json_bytes(bill_answer_json(st.ledger, q, when))
