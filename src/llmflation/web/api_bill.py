"""/api/bill: a workload's bill on every capable offer at a date, cheapest first (the CLI's `bill --json`).

Answers go through the app's response cache (cache.py): the same link twice costs a dictionary lookup. A new
query is computed on the fast path: exact packed ranking, exact itemising of the page, direct JSON text
(billing.bill_answer_json), the query read by params.query_model.

Two routes share the path: the first registered (`api_bill_fast`, not in the schema) answers every request; the
second (`api_bill`) is the documented operation (its parameters are the OpenAPI document's) and answers the same
(tests compare the two on good and bad queries). FastAPI's reading of a 25-field query model costs about a third of
a computed bill; `query_model` reads it the same way without that cost. A new good query does not even reach the
router: the answer cache calls `fast_answer` (routing a request costs about a fifth of a computed bill); an error
falls back to the route, whose handlers render it.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Query, Request

from llmflation.web import schemas
from llmflation.web.billing import BillQuery, bill_answer_json
from llmflation.web.params import RawQuery, parse_when, query_model
from llmflation.web.state import state_of

if TYPE_CHECKING:
    from llmflation.web.state import AppState

router = APIRouter(prefix="/api", tags=["workload"])


@router.get("/bill", include_in_schema=False)
async def api_bill_fast(request: Request) -> Any:
    return answer(request, query_model(request, BillQuery))


@router.get("/bill", response_model=None, summary="Bill a workload on every capable offer (ranked, itemised)",
            responses={200: {"model": schemas.BillAnswer}, **schemas.ERRORS})
async def api_bill(request: Request, q: Annotated[BillQuery, Query()]) -> Any:
    return answer(request, q)


def answer(request: Request, q: BillQuery) -> Any:
    return answer_for(state_of(request), q)


def answer_for(st: AppState, q: BillQuery) -> Any:
    when = parse_when(q.at, "at") or date.today()
    return st.json_bytes(bill_answer_json(st.ledger, q, when))


class _Query:
    """What `query_model` reads of a request: its query parameters (`params.RawQuery`)."""

    __slots__ = ("query_params",)

    def __init__(self, query_string: bytes) -> None:
        self.query_params = RawQuery(query_string)


def fast_answer(st: AppState, query_string: bytes) -> Any:
    """The answer to GET /api/bill?<query_string> without the router (cache.AnswerCache calls it for a new query):
    the same Response the route returns. Any error propagates, and the caller then lets the route answer, so every
    error is rendered by the app's handlers as usual."""
    return answer_for(st, query_model(_Query(query_string), BillQuery))
