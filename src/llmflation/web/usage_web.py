"""Spend: /api/usage/spend, the Spend page, and (with a token) usage upload into the usage store.

Needs llmflation.usage. Always the embedded DuckDB engine: a request never chooses an engine, a path or SQL.
Uploads are written to a private temporary directory under a generated name (the client's file name is only
used to pick one of four known suffixes), ingested in one transaction, then deleted.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse
from starlette.responses import Response

from llmflation.errors import InputError
from llmflation.shapes import jsonable
from llmflation.usage.pricing import DIMENSIONS, PERIODS
from llmflation.web import schemas
from llmflation.web.pages import page
from llmflation.web.params import DATE_SCHEMA, page_of, parse_when
from llmflation.web.state import AppState, state_of

router = APIRouter(prefix="/api/usage", tags=["usage"])
write_router = APIRouter(prefix="/api/usage", tags=["usage (needs LLMFLATION_API_TOKEN)"])
pages_router = APIRouter(include_in_schema=False)

BY_PATTERN = r"^[a-z_]+(,[a-z_]+){0,3}$"


def _by_schema_pattern() -> str:
    """What analytics.parse_by accepts within BY_PATTERN, exactly: up to four names, dimensions and at most one
    period (published in the schema; BY_PATTERN is the cheap check pydantic applies)."""
    dim = "(?:" + "|".join(DIMENSIONS) + ")"
    period = "(?:" + "|".join(PERIODS) + ")"
    forms = [dim + "(?:," + dim + "){0,3}"]
    for before in range(4):
        after = 3 - before
        lead = f"(?:{dim},){{{before}}}" if before else ""
        tail = f"(?:,{dim}){{0,{after}}}" if after else ""
        forms.append(lead + period + tail)
    return "^(?:" + "|".join(forms) + ")$"
UploadFormat = Literal["auto", "openai-chat", "openai-usage", "anthropic", "otel", "litellm", "langfuse"]
SUFFIXES = {".jsonl", ".json", ".csv", ".tsv", ".parquet"}


def usage_store(st: AppState) -> Any:
    """The usage store next to the ledger store (the same LLMFLATION_HOME)."""
    from llmflation.usage.store import UsageStore
    from llmflation.web.errors import ApiError

    ledger_store = st.ledger.store
    if ledger_store is None:  # an app over an in-memory ledger has no data directory to read usage from
        raise ApiError(404, "No usage store: this server was started over an in-memory ledger.")
    return UsageStore(ledger_store.path.parent / "usage.duckdb")


def has_usage(st: AppState) -> bool:
    if st.ledger.store is None:
        return False
    store = usage_store(st)
    if not Path(store.path).exists():
        return False
    return int(store.status()["rows"]) > 0


def run_spend(st: AppState, by: str, since: str | None, until: str | None) -> Any:
    from llmflation.usage.analytics import spend

    return spend(usage_store(st), st.ledger, by=by, since=parse_when(since, "since"),
                 until=parse_when(until, "until"), engine="duckdb")


@router.get("/spend", response_model=None, summary="Spend by period × dimension from ingested usage (paginated)",
            responses={200: {"model": schemas.SpendAnswer}, **schemas.ERRORS})
def api_spend(request: Request,
              by: Annotated[str, Query(max_length=60, pattern=BY_PATTERN, description="Comma list: one period "
                            "(day, week, month, quarter, year) and dimensions (model, provider, project, user, "
                            "tag, format, provider_rule).", json_schema_extra={"pattern": _by_schema_pattern()})]
              = "month,model",
              since: Annotated[str | None, Query(max_length=10, description="From (YYYY-MM-DD), inclusive.",
                                                                  json_schema_extra=DATE_SCHEMA)] = None,
              until: Annotated[str | None, Query(max_length=10, description="Until (YYYY-MM-DD), exclusive.",
                                                                  json_schema_extra=DATE_SCHEMA)] = None,
              offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
              limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> dict[str, Any]:
    report = run_spend(state_of(request), by, since, until)
    body = jsonable(report.as_dict())
    rows, nxt = page_of(body["rows"], offset, limit)
    return {"ok": True, **{k: v for k, v in body.items() if k != "rows"}, "total_rows": len(body["rows"]),
            "offset": offset, "limit": limit, "next_offset": nxt, "rows": rows}


def _require_token(request: Request) -> None:
    from llmflation.web.security import require_token

    require_token(request)


@write_router.post("/upload", response_model=None, status_code=201, dependencies=[Depends(_require_token)],
                   summary="Upload a usage log and ingest it (idempotent; bad rows quarantined)",
                   responses={201: {"model": schemas.UploadAnswer}, **schemas.WRITE_ERRORS, **schemas.ERRORS})
def upload(request: Request, file: Annotated[UploadFile, File(description="JSONL, JSON, CSV or Parquet log.")],
           format: Annotated[UploadFormat, Form(description="Log format; auto detects by fields.")] = "auto",
           ) -> dict[str, Any]:
    import hashlib
    import shutil
    import tempfile

    st = state_of(request)
    suffix = Path(file.filename or "").suffix.lower()
    if suffix not in SUFFIXES:
        raise InputError(f"file: name it .jsonl, .json, .csv, .tsv or .parquet (got {suffix or 'no suffix'!r})")
    with tempfile.TemporaryDirectory(prefix="llmflation-upload-") as tmp:
        digest = hashlib.sha256()
        staged = Path(tmp) / "upload.part"
        with staged.open("wb") as out:
            while chunk := file.file.read(1024 * 1024):
                digest.update(chunk)
                out.write(chunk)
        if staged.stat().st_size == 0:
            raise InputError("file: the upload is empty")
        final = Path(tmp) / f"upload-{digest.hexdigest()[:12]}{suffix}"
        shutil.move(staged, final)
        with st.write_lock:
            report = usage_store(st).ingest([final], st.ledger, fmt=format)
            st.clear_caches()
    files = [{"format": f.format, "read": f.read, "accepted": f.accepted, "quarantined": f.quarantined,
              "duplicates": f.duplicates, "conflicts": f.conflicts, "skipped": f.skipped,
              "quarantine_reasons": dict(f.reasons)}
             for f in report.files]
    return jsonable({"ok": True, "ingest_id": report.ingest_id, "files": files,  # type: ignore[no-any-return]
                     "totals": report.totals()})


@pages_router.get("/spend", response_class=HTMLResponse)
def spend_page(request: Request) -> Response:
    from llmflation.charts import dashboard as charts
    from llmflation.errors import LlmflationError

    st = state_of(request)
    raw = {k: v[:60] for k, v in request.query_params.items()}
    by = raw.get("by") or "month,model"
    error, report, status, chart, trend_chart = "", None, None, None, None
    try:
        if not re.fullmatch(BY_PATTERN, by):
            raise InputError(f"by: {by!r} is not a comma list like month,model")
        if has_usage(st):
            status = usage_store(st).status()
            report = run_spend(st, by, raw.get("since") or None, raw.get("until") or None)
            monthly = run_spend(st, "month,model", raw.get("since") or None, raw.get("until") or None)
            chart = charts.spend_stack(jsonable([r.as_dict() for r in monthly.rows]))
            trend_chart = charts.spend_trend(jsonable([r.as_dict() for r in
                                                       run_spend(st, "month", raw.get("since") or None,
                                                                 raw.get("until") or None).rows]))
    except LlmflationError as exc:
        from llmflation.web.errors import api_hint

        error = api_hint(exc)
    return page(request, "spend.html", "spend", report=report, usage_status=status, error=error, by=by,
                since=raw.get("since", ""), until=raw.get("until", ""), spend_chart=chart,
                trend_chart=trend_chart, today=date.today())
