"""/api/selfhost/estimate and the Self-host page (estimate, search, compare with API prices).

Needs llmflation.serving. Physics runs in numpy floats (as the serving model documents); the $ figures it returns
are Decimal and are written as exact strings.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from llmflation import shapes
from llmflation.errors import InputError
from llmflation.shapes import jsonable
from llmflation.values import LIMITS as L  # the bounds the CLI flags use too
from llmflation.values import parse_decimal
from llmflation.web import schemas
from llmflation.web.pages import page
from llmflation.web.params import number_only
from llmflation.web.state import state_of

router = APIRouter(prefix="/api/selfhost", tags=["self-hosting"])
pages_router = APIRouter(include_in_schema=False)

Precision = Literal["bf16", "fp8", "fp4", "w4a16"]
Tier = Literal["neocloud", "hyperscaler", "reserved", "tco"]


class EstimateQuery(BaseModel):
    """One configuration (the CLI's `selfhost estimate` flags)."""

    model_config = ConfigDict(extra="forbid")

    model: str = Field(min_length=1, max_length=200, description="Catalog id, alias or ledger id.")
    gpu: str = Field(min_length=1, max_length=40, description="GPU type: H100, H200, B200, MI300X, …")
    count: int | None = Field(None, ge=L["count"].low, le=L["count"].high,
                              description="GPUs in the deployment (default: tp).")
    tp: int | None = Field(None, ge=L["tp"].low, le=L["tp"].high,
                           description="Tensor-parallel degree (default: best that fits).")
    precision: Precision | None = Field(None, description="Weights precision (default fp8 where supported).")
    kv_precision: Literal["bf16", "fp8", "fp4"] | None = Field(None, description="KV-cache precision.")
    isl: int = Field(1024, ge=L["isl"].low, le=L["isl"].high, description="Input tokens per request.")
    osl: int = Field(256, ge=L["osl"].low, le=L["osl"].high, description="Output tokens per request.")
    concurrency: int | None = Field(None, ge=L["concurrency"].low, le=L["concurrency"].high,
                                    description="Concurrent requests (default: max throughput).")
    spec_k: int = Field(0, ge=L["spec_k"].low, le=L["spec_k"].high,
                        description="Speculative draft tokens per step (0 = off).")
    spec_alpha: float = Field(0.7, ge=L["spec_alpha"].low, le=L["spec_alpha"].high,
                              description="Draft acceptance rate.")
    usd_per_gpu_hour: Decimal | None = Field(None, gt=L["usd_per_gpu_hour"].low, le=L["usd_per_gpu_hour"].high,
                                             description="Your price (default: catalog).",
                                             json_schema_extra=number_only)
    price_tier: Tier = Field("neocloud", description="Catalog price tier.")
    utilisation: Decimal = Field(Decimal(1), gt=L["utilisation"].low, le=L["utilisation"].high,
                                 description="Busy share of paid GPU-hours.", json_schema_extra=number_only)


def estimate_record(e: Any) -> dict[str, Any]:
    return jsonable(shapes.estimate_record(e))  # type: ignore[no-any-return]


def run_estimate(q: EstimateQuery) -> Any:
    from llmflation.serving.model import estimate

    return estimate(q.model, q.gpu, count=q.count, tp=q.tp, precision=q.precision, kv_precision=q.kv_precision,
                    isl=q.isl, osl=q.osl, concurrency=q.concurrency, spec_k=q.spec_k, spec_alpha=q.spec_alpha,
                    usd_per_gpu_hour=q.usd_per_gpu_hour, price_tier=q.price_tier, utilisation=q.utilisation)


@router.get("/estimate", response_model=None, summary="Throughput, latency and $/M tokens of one configuration",
            responses={200: {"model": schemas.EstimateAnswer}, **schemas.ERRORS})
async def api_estimate(q: Annotated[EstimateQuery, Query()]) -> dict[str, Any]:
    return {"ok": True, **estimate_record(run_estimate(q))}


def _catalog() -> tuple[list[Any], list[Any]]:
    from llmflation.serving.catalog import architectures, gpus

    return list(gpus().values()), list(architectures().values())


def _num(raw: dict[str, str], key: str, kind: type, default: Any = None) -> Any:
    """A form number within the bounds its CLI flag has (llmflation.values.LIMITS)."""
    v = raw.get(key, "").strip()
    if not v:
        return default
    d = L[key].parse(v, key) if key in L else parse_decimal(v, key)
    if kind is int:
        if d != d.to_integral_value():
            raise InputError(f"{key}: {v!r} is not a whole number", field=key)
        return int(d)
    return kind(d) if kind is not Decimal else d


@pages_router.get("/selfhost", response_class=HTMLResponse)
def selfhost_page(request: Request) -> Response:
    """Three forms (GET, state in the URL): estimate one configuration, search the cheapest, compare with APIs."""
    from pydantic import ValidationError

    from llmflation.errors import LlmflationError
    from llmflation.web.errors import _validation_message
    from llmflation.web.params import parse_when

    st = state_of(request)
    raw = {k: v[:200] for k, v in request.query_params.items()}
    mode = raw.get("mode", "compare")
    if mode not in ("estimate", "search", "compare"):
        mode = "compare"
    gpu_list, arch_list = _catalog()
    values = {"model": "llama-3.3-70b", "gpu": "H100", "isl": "1024", "osl": "256", "utilisation": "0.5",
              "ttft": "2", "tpot": "0.05", **raw}
    result: dict[str, Any] = {}
    error = ""
    try:
        if raw:
            if mode == "estimate":
                q = EstimateQuery.model_validate({k: v for k, v in raw.items()
                                                  if k in EstimateQuery.model_fields and v.strip()})
                result["estimate"] = run_estimate(q)
            elif mode == "search":
                from llmflation.serving.search import search

                result["search"] = search(
                    raw.get("model", "").strip(), ttft_s=_num(raw, "ttft", float, 2.0),
                    tpot_s=_num(raw, "tpot", float, 0.05), isl=_num(raw, "isl", int, 1024),
                    osl=_num(raw, "osl", int, 256), gpu=[raw["gpu"]] if raw.get("gpu") else None,
                    utilisation=_num(raw, "utilisation", Decimal, Decimal(1)))
            else:
                from llmflation.serving.compare import compare

                result["compare"] = compare(
                    raw.get("model", "").strip(), st.ledger, at=parse_when(raw.get("at"), "at"),
                    isl=_num(raw, "isl", int, 1024), osl=_num(raw, "osl", int, 256),
                    utilisation=_num(raw, "utilisation", Decimal, Decimal("0.5")),
                    ttft_s=_num(raw, "ttft", float, 2.0), tpot_s=_num(raw, "tpot", float, 0.05),
                    gpu=[gpu] if (gpu := values.get("gpu", "").strip()) else None)  # answer for the GPU shown
    except ValidationError as exc:
        error = _validation_message(list(exc.errors()))[0]
    except LlmflationError as exc:
        from llmflation.web.errors import api_hint

        error = api_hint(exc)
    chart = None
    if "compare" in result:
        from llmflation.charts.dashboard import selfhost_compare

        chart = selfhost_compare(result["compare"])
    return page(request, "selfhost.html", "selfhost", mode=mode, values=values, gpus=gpu_list,
                archs=arch_list, result=result, error=error, compare_chart=chart)
