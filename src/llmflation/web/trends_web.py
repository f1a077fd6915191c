"""Overview data and /api/trend, /api/forecast, /api/claims (need llmflation.trends and llmflation.report).

The Overview's figures (fixed-capability curves with fits and forecast bands, the decline table, frontier vs
floor, claims) come from `llmflation.report.build.compute_report`, computed once per day and per ledger and
kept on the app state. Floats appear only in fits and chart data; prices in tables stay Decimal.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request

from llmflation import shapes
from llmflation.errors import InputError
from llmflation.shapes import jsonable
from llmflation.values import LIMITS
from llmflation.web import schemas
from llmflation.web.params import DATE_SCHEMA, page_of, parse_when
from llmflation.web.state import AppState, state_of

router = APIRouter(prefix="/api", tags=["trends"])

Bench = Annotated[str, Query(min_length=1, max_length=40, description="Benchmark: mmlu, gpqa_diamond, lmarena_elo, "
                             "eci.")]
Thresh = Annotated[str, Query(min_length=1, max_length=64, description="A score, or a model name meaning "
                              "\"the level of that model\" (e.g. 83, or gpt-4).", examples=["gpt-4"])]
_WEIGHT, _NONZERO = r"\d{1,3}", r"(?:[1-9]\d{0,2}|0[1-9]\d?|00[1-9])"
Blend = Annotated[str, Query(max_length=9, pattern=r"^\d{1,3}:\d{1,3}$", description="Input:output weights, not both "
                             "zero.",
                             json_schema_extra={"pattern": f"^(?:{_NONZERO}:{_WEIGHT}|{_WEIGHT}:{_NONZERO})$"})]
Hosts = Annotated[Literal["any", "first-party", "median"], Query(description="Which offers count.")]
Level = Annotated[float, Query(ge=LIMITS["level"].low, le=LIMITS["level"].high,
                               description="Interval level (0.9 = 90%; 0.5–0.99).")]
DateText = Annotated[str | None, Query(max_length=10, description="YYYY-MM-DD or YYYY-MM.",
                                                json_schema_extra=DATE_SCHEMA)]


def overview_data(st: AppState) -> Any:
    """compute_report for today, cached on the app state until the ledger changes or the day turns."""
    from llmflation.report.build import compute_report

    key = ("overview", date.today())
    data = st.objects.get(key)
    if data is None:
        data = st.objects[key] = compute_report(st.ledger)
    return data


def interactive(spec: dict[str, Any], height: int = 380) -> dict[str, Any]:
    """A report spec made for the dashboard: sized by its box, zoom/pan on its time axis where it has one."""
    from llmflation.charts.theme import responsive

    out = responsive(spec, height)
    if "vconcat" in out or "hconcat" in out or "concat" in out:
        return out
    layers = out.get("layer") or [out]
    # the layer that carries the data lines (not the shaded "after the newest data" band)
    target = next((v for v in layers if isinstance(v.get("mark"), dict) and v["mark"].get("type") == "line"),
                  layers[0])
    x = target.get("encoding", {}).get("x", {})
    if isinstance(x, dict) and x.get("type") == "temporal":
        target.setdefault("params", []).append(
            {"name": "zoom", "select": {"type": "interval", "encodings": ["x"]}, "bind": "scales"})
    return out


def _series(st: AppState, benchmark: str, threshold: str, blend: str, hosts: str, include_reasoning: bool,
            start: str | None, until: str | None) -> Any:
    from llmflation.trends.series import cheapest_at_capability, parse_blend

    return cheapest_at_capability(
        st.ledger, benchmark, threshold, blend=parse_blend(blend), hosts=hosts,
        exclude_reasoning=not include_reasoning, start=parse_when(start, "from"), end=parse_when(until, "until"))


@router.get("/trend", response_model=None, summary="Cheapest price at fixed capability and its decline fit",
            responses={200: {"model": schemas.TrendAnswer}, **schemas.ERRORS})
async def api_trend(request: Request, benchmark: Bench = "mmlu", threshold: Thresh = "gpt-4", blend: Blend = "3:1",
                    hosts: Hosts = "any", include_reasoning: bool = False, start: Annotated[DateText, Query(
                        alias="from")] = None, until: DateText = None, level: Level = 0.9) -> dict[str, Any]:
    from llmflation.trends.fit import fit_decline

    st = state_of(request)
    s = _series(st, benchmark, threshold, blend, hosts, include_reasoning, start, until)
    fit = fit_decline([(p.date, p.price) for p in s.records], level=level)
    return jsonable({"ok": True, **shapes.trend_record(s, fit)})  # type: ignore[no-any-return]


@router.get("/forecast", response_model=None, summary="Project the fixed-capability price to a date",
            responses={200: {"model": schemas.ForecastAnswer}, **schemas.ERRORS})
async def api_forecast(request: Request, to: Annotated[str, Query(min_length=1, max_length=10, description="Target "
                       "date (YYYY-MM or YYYY-MM-DD).", examples=["2027-12"], json_schema_extra=DATE_SCHEMA)],
                       benchmark: Bench = "mmlu",
                       threshold: Thresh = "gpt-4", blend: Blend = "3:1", hosts: Hosts = "any",
                       include_reasoning: bool = False, level: Level = 0.9) -> dict[str, Any]:
    from llmflation.trends.fit import fit_decline
    from llmflation.trends.forecast import forecast

    st = state_of(request)
    target = parse_when(to, "to")
    if target is None:
        raise InputError("to: give the target date, e.g. to=2027-12")
    if target.year > 2100:
        raise InputError(f"to: {target} is too far ahead to forecast; use a date before 2100")
    s = _series(st, benchmark, threshold, blend, hosts, include_reasoning, None, None)
    fit = fit_decline([(p.date, p.price) for p in s.records], level=level)
    fc = forecast(fit, target, level=level, observed_low=min((p.price for p in s.records), default=None))
    return jsonable({  # type: ignore[no-any-return]
        "ok": True, "series": s.threshold.label, "to": fc.target, "level": fc.level, "central": fc.central,
        "low": fc.low, "high": fc.high, "unit": "USD per 1M tokens (blended)", "fit": fit.as_dict(),
        "path": [{"date": p.date, "central": p.central, "low": p.low, "high": p.high} for p in fc.path],
        "observed_low": fc.observed_low, "note": fc.note,
    })


@router.get("/claims", response_model=None, summary="Published claims checked against the ledger (paginated)",
            responses={200: {"model": schemas.ClaimsPage}, **schemas.ERRORS})
async def api_claims(request: Request, verdict: Annotated[Literal["supported", "partly", "not supported",
                     "insufficient data"] | None, Query(description="Only this verdict.")] = None,
                     offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
                     limit: Annotated[int, Query(ge=1, le=500)] = 50) -> dict[str, Any]:
    data = overview_data(state_of(request))
    rows = [r.as_dict() for r in data.claims if verdict is None or r.verdict == verdict]
    page, nxt = page_of(rows, offset, limit)
    return jsonable({"ok": True, "total": len(rows), "offset": offset, "limit": limit,  # type: ignore[no-any-return]
                     "next_offset": nxt, "items": page})


def _forecast_texts(fc: Any) -> dict[str, Any]:
    """The forecast as people read it: a bound ("< $0.0003") far below anything observed, with its note."""
    if fc is None:
        return {"forecast_text": "—", "interval_text": "", "note": None}
    from llmflation.format import money
    from llmflation.trends.forecast import interval_text

    return {"forecast_text": money(fc.central, floor=fc.floor), "interval_text": interval_text(fc.low, fc.high,
            fc.floor), "note": fc.note}


def overview_context(st: AppState) -> dict[str, Any]:
    """What the Overview template needs from the trends report."""
    data = overview_data(st)
    from llmflation.charts import labels

    curve_charts = [(k.removeprefix("curves-"), labels.benchmark(k.removeprefix("curves-"), short=True),
                     interactive(v, 420)) for k, v in data.specs.items() if k.startswith("curves-")]
    from llmflation.report.build import months_without_new_low, plateaued

    declines = []
    for c in data.curves:
        f = c.fit
        last = c.series.floor_at(c.series.end)
        low_day, months = months_without_new_low(c, data.as_of)
        declines.append({
            "name": c.name, "benchmark": c.series.benchmark, "n": f.n if f else len(c.series.records),
            "factor": f.factor_per_year if f else None, "ci_low": f.ci_low if f else None,
            "ci_high": f.ci_high if f else None, "r2": f.r2 if f else None,
            "pct": f.pct_per_year if f else None, "halving": f.halving_months if f else None,
            "ts": f.theil_sen_factor if f else None, "refusal": c.refusal,
            "floor_now": last.price if last else None, "floor_model": last.model if last else None,
            "forecast": c.forecast.central if c.forecast is not None else None,
            "forecast_low": c.forecast.low if c.forecast is not None else None,
            "forecast_high": c.forecast.high if c.forecast is not None else None,
            **_forecast_texts(c.forecast),
            "last_record_low": low_day, "months_without_new_low": months,
            "plateau": plateaued(c, data.as_of),
        })
    return {
        "trend_charts": curve_charts,
        "decline_chart": interactive(data.specs["decline-rates"], 320) if "decline-rates" in data.specs else None,
        "frontier_chart": interactive(data.specs["frontier-vs-floor"], 340)
        if "frontier-vs-floor" in data.specs else None,
        "frontier_label": data.frontier_label,
        "declines": declines, "claims": data.claims, "horizon": data.horizon, "skipped": data.skipped,
        "headline": data.headline,
        "as_of": data.as_of,
    }
