"""/api/bill: a workload's bill on every capable offer at a date, cheapest first (the CLI's `bill --json`).

Answers go through the app's response cache (cache.py): the same link twice costs a dictionary lookup.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from llmflation.web import schemas
from llmflation.web.billing import BillQuery, bill_answer_json
from llmflation.web.params import parse_when
from llmflation.web.state import state_of

router = APIRouter(prefix="/api", tags=["workload"])


@router.get("/bill", response_model=None, summary="Bill a workload on every capable offer (ranked, itemised)",
            responses={200: {"model": schemas.BillAnswer}, **schemas.ERRORS})
async def api_bill(request: Request, q: Annotated[BillQuery, Query()]) -> Any:
    st = state_of(request)
    when = parse_when(q.at, "at") or date.today()
    return st.json_bytes(bill_answer_json(st.ledger, q, when))
