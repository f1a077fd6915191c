"""Vega-Lite chart specs (plain dicts) for the report, `trend --chart` and the web dashboard.

Every builder is pure: it takes trends objects (or rows already turned into plain values) and returns a
Vega-Lite v5/v6-compatible dict. Prices go into the specs as floats (plotting only; the tables keep exact
decimals). One palette and one config keep every chart consistent.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from llmflation.trends.fit import DeclineFit
from llmflation.trends.forecast import Forecast
from llmflation.trends.frontier import FrontierPoint
from llmflation.trends.series import CapabilitySeries

SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
PALETTE = ["#3366CC", "#DC7633", "#2E9E6B", "#C0392B", "#8E44AD", "#17A2B8", "#B7950B", "#7F8C8D"]
FONT = "Helvetica, Arial, sans-serif"
USD_AXIS = {"format": "$~g", "grid": True, "gridOpacity": 0.5}


def decade_ticks(lo: float, hi: float) -> list[float]:
    """Powers of ten covering [lo, hi]: clean log-axis ticks ($0.01, $0.1, $1, …) without minor clutter."""
    a = math.floor(math.log10(lo))
    b = math.ceil(math.log10(hi))
    return [float(10**k) if k >= 0 else float(f"1e{k}") for k in range(a, b + 1)]


CONFIG: dict[str, Any] = {
    "font": FONT,
    "view": {"stroke": None},
    "title": {
        "fontSize": 15,
        "fontWeight": 600,
        "anchor": "start",
        "subtitleFontSize": 11,
        "subtitleColor": "#555",
        "offset": 12,
    },
    "axis": {
        "labelFontSize": 11,
        "titleFontSize": 12,
        "titleFontWeight": 500,
        "labelColor": "#333",
        "titleColor": "#333",
        "domainColor": "#888",
        "tickColor": "#888",
        "gridColor": "#e5e5e5",
    },
    "legend": {
        "labelFontSize": 11,
        "titleFontSize": 11,
        "orient": "bottom",
        "direction": "vertical",
        "labelLimit": 420,
        "symbolStrokeWidth": 2,
    },
    "background": "white",
    "padding": 12,
}


@dataclass(frozen=True, slots=True)
class Curve:
    """One fixed-capability curve for charting: the series, its fit (or None) and its forecast (or None)."""

    name: str
    series: CapabilitySeries
    fit: DeclineFit | None = None
    forecast: Forecast | None = None


def _iso(d: date) -> str:
    return d.isoformat()


def _blend_label(blend: tuple[int, int]) -> str:
    wi, wo = blend
    if wo == 0:
        return "input price"
    if wi == 0:
        return "output price"
    return f"{wi}:{wo} input:output blend"


def curve_rows(curves: Sequence[Curve]) -> dict[str, list[dict[str, Any]]]:
    """Plain rows for the curve chart: steps, records, fit lines and forecast bands, keyed by layer."""
    steps: list[dict[str, Any]] = []
    records: list[dict[str, Any]] = []
    fits: list[dict[str, Any]] = []
    bands: list[dict[str, Any]] = []
    for c in curves:
        s = c.series
        for p in s.steps:
            steps.append(
                {
                    "series": c.name,
                    "date": _iso(p.date),
                    "price": float(p.price),
                    "model": p.model,
                    "provider": p.provider,
                }
            )
        if s.steps:
            last = s.steps[-1]
            steps.append(
                {
                    "series": c.name,
                    "date": _iso(s.end),
                    "price": float(last.price),
                    "model": last.model,
                    "provider": last.provider,
                }
            )
        for p in s.records:
            records.append(
                {
                    "series": c.name,
                    "date": _iso(p.date),
                    "price": float(p.price),
                    "model": p.model,
                    "provider": p.provider,
                    "input": float(p.input),
                    "output": float(p.output),
                    "score": float(p.score),
                }
            )
        if c.fit is not None:
            f = c.fit
            for d in (f.start, f.end):
                fits.append(
                    {
                        "series": c.name,
                        "date": _iso(d),
                        "price": f.predict(d),
                        "rate": f"{f.factor_per_year:.1f}×/yr",
                    }
                )
        if c.forecast is not None:
            for fp in c.forecast.path:
                bands.append(
                    {
                        "series": c.name,
                        "date": _iso(fp.date),
                        "central": float(fp.central),
                        "low": float(fp.low),
                        "high": float(fp.high),
                    }
                )
    return {"steps": steps, "records": records, "fits": fits, "bands": bands}


def curves_spec(
    curves: Sequence[Curve],
    *,
    title: str = "Cheapest price at fixed capability",
    subtitle: str | None = None,
    width: int = 760,
    height: int = 420,
) -> dict[str, Any]:
    """Fixed-capability floors on a log scale: step lines, record lows, Epoch-method fits, forecast bands.

    Only the step lines carry the colour legend; bands, fits and dots are drawn per series in the same colour.
    """
    rows = curve_rows(curves)
    names = [c.name for c in curves]
    colours = {n: PALETTE[i % len(PALETTE)] for i, n in enumerate(names)}
    observed = [r["price"] for r in rows["steps"]] or [1.0]
    # bands of steep fits can span many decades: clip to one decade below the lowest observed price
    domain = [10 ** math.floor(math.log10(min(observed)) - 1), 10 ** math.ceil(math.log10(max(observed) * 1.5))]
    blend = _blend_label(curves[0].series.blend) if curves else "3:1 blend"
    y = {
        "field": "price",
        "type": "quantitative",
        "scale": {"type": "log", "domain": domain},
        "axis": {
            **USD_AXIS,
            "values": decade_ticks(domain[0], domain[1]),
            "title": f"USD per 1M tokens ({blend}), log scale",
        },
    }
    x = {"field": "date", "type": "temporal", "axis": {"title": None, "format": "%Y", "tickCount": "year"}}
    legend_colour = {
        "field": "series",
        "type": "nominal",
        "title": None,
        "scale": {"domain": names, "range": [colours[n] for n in names]},
        "legend": {"symbolType": "stroke", "symbolStrokeWidth": 3},
    }
    layers: list[dict[str, Any]] = [
        {
            "data": {"values": rows["steps"]},
            "mark": {"type": "line", "interpolate": "step-after", "strokeWidth": 2},
            "encoding": {
                "x": x,
                "y": y,
                "color": legend_colour,
                "tooltip": [
                    {"field": "series"},
                    {"field": "date", "type": "temporal", "title": "floor from"},
                    {"field": "model"},
                    {"field": "provider"},
                    {"field": "price", "title": "blended $/M", "format": "$.4~g"},
                ],
            },
        }
    ]
    band_tip = [
        {"field": "series"},
        {"field": "date", "type": "temporal", "title": "date"},
        {"field": "central", "title": "forecast $/M", "format": "$.3~g"},
        {"field": "low", "title": "90% PI low", "format": "$.3~g"},
        {"field": "high", "title": "90% PI high", "format": "$.3~g"},
    ]
    dot_tip = [
        {"field": "series"},
        {"field": "date", "type": "temporal", "title": "new low on"},
        {"field": "model"},
        {"field": "provider"},
        {"field": "price", "title": "blended $/M", "format": "$.4~g"},
        {"field": "input", "title": "input $/M", "format": "$.4~g"},
        {"field": "output", "title": "output $/M", "format": "$.4~g"},
        {"field": "score"},
    ]
    for name in names:
        col = colours[name]
        only = [{"filter": {"field": "series", "equal": name}}]
        if any(r["series"] == name for r in rows["bands"]):
            layers.append(
                {
                    "data": {"values": rows["bands"]},
                    "transform": only,
                    "mark": {"type": "area", "opacity": 0.12, "color": col, "clip": True},
                    "encoding": {"x": x, "y": {**y, "field": "low"}, "y2": {"field": "high"}, "tooltip": band_tip},
                }
            )
            layers.append(
                {
                    "data": {"values": rows["bands"]},
                    "transform": only,
                    "mark": {"type": "line", "strokeDash": [2, 3], "strokeWidth": 1.5, "color": col, "clip": True},
                    "encoding": {"x": x, "y": {**y, "field": "central"}},
                }
            )
        if any(r["series"] == name for r in rows["fits"]):
            layers.append(
                {
                    "data": {"values": rows["fits"]},
                    "transform": only,
                    "mark": {
                        "type": "line",
                        "strokeDash": [6, 4],
                        "strokeWidth": 1.5,
                        "opacity": 0.8,
                        "color": col,
                        "clip": True,
                    },
                    "encoding": {"x": x, "y": y},
                }
            )
        layers.append(
            {
                "data": {"values": rows["records"]},
                "transform": only,
                "mark": {
                    "type": "point",
                    "filled": True,
                    "size": 55,
                    "opacity": 1,
                    "color": col,
                    "stroke": "white",
                    "strokeWidth": 0.8,
                },
                "encoding": {"x": x, "y": y, "tooltip": dot_tip},
            }
        )
    return {
        "$schema": SCHEMA,
        "config": CONFIG,
        "width": width,
        "height": height,
        "title": {"text": title, **({"subtitle": subtitle} if subtitle else {})},
        "layer": layers,
    }


def decline_rows(curves: Sequence[Curve]) -> list[dict[str, Any]]:
    out = []
    for c in curves:
        if c.fit is None:
            continue
        f = c.fit
        out.append(
            {
                "series": c.name,
                "factor": f.factor_per_year,
                "ci_low": f.ci_low,
                "ci_high": f.ci_high,
                "boot_low": f.bootstrap_low,
                "boot_high": f.bootstrap_high,
                "theil_sen": f.theil_sen_factor,
                "n": f.n,
                "r2": round(f.r2, 3),
                "pct": round(f.pct_per_year, 1),
            }
        )
    return out


def decline_spec(
    curves: Sequence[Curve],
    *,
    title: str = "Decline rate at fixed capability, with 90% intervals",
    reference: float | None = 10.0,
    width: int = 640,
) -> dict[str, Any]:
    """Dot-and-whisker chart of ×/yr factors (log scale): OLS estimate, t-interval, bootstrap interval."""
    rows = decline_rows(curves)
    names = [r["series"] for r in rows]
    color = {
        "field": "series",
        "type": "nominal",
        "legend": None,
        "scale": {"domain": [c.name for c in curves], "range": PALETTE},
    }
    y = {"field": "series", "type": "nominal", "sort": names, "axis": {"title": None, "labelLimit": 360}}
    ends = [
        v
        for r in rows
        for v in (r["ci_low"], r["ci_high"], r["boot_low"], r["boot_high"], r["factor"])
        if v is not None and math.isfinite(v) and v > 0
    ] or [1.0, 100.0]
    # intervals from 3–4 points can span 20 decades: clip the axis to 0.1×–100,000×/yr
    lo = max(0.1, 10 ** math.floor(math.log10(min(ends))))
    hi = min(1e5, 10 ** math.ceil(math.log10(max(ends))))
    xs = {"type": "log", "domain": [lo, hi]}
    layers: list[dict[str, Any]] = [
        {
            "mark": {"type": "rule", "strokeWidth": 2, "opacity": 0.45, "clip": True},
            "encoding": {
                "y": y,
                "x": {
                    "field": "ci_low",
                    "type": "quantitative",
                    "scale": xs,
                    "axis": {
                        "title": "price falls by × per year (log scale; intervals clipped at the edges)",
                        "format": ",~g",
                        "values": decade_ticks(lo, hi),
                    },
                },
                "x2": {"field": "ci_high"},
                "color": color,
            },
        },
        {
            "transform": [{"filter": "datum.boot_low != null"}],
            "mark": {"type": "rule", "strokeWidth": 7, "opacity": 0.35, "clip": True},
            "encoding": {
                "y": y,
                "x": {"field": "boot_low", "type": "quantitative", "scale": xs},
                "x2": {"field": "boot_high"},
                "color": color,
            },
        },
        {
            "mark": {"type": "point", "filled": True, "size": 110, "opacity": 1},
            "encoding": {
                "y": y,
                "x": {"field": "factor", "type": "quantitative", "scale": xs},
                "color": color,
                "tooltip": [
                    {"field": "series"},
                    {"field": "factor", "title": "×/yr", "format": ".3~g"},
                    {"field": "ci_low", "title": "90% CI low", "format": ".3~g"},
                    {"field": "ci_high", "title": "90% CI high", "format": ".3~g"},
                    {"field": "theil_sen", "title": "Theil–Sen ×/yr", "format": ".3~g"},
                    {"field": "pct", "title": "% per year"},
                    {"field": "n"},
                    {"field": "r2"},
                ],
            },
        },
        {
            "mark": {"type": "text", "dy": -12, "fontSize": 11, "color": "#333"},
            "encoding": {
                "y": y,
                "x": {"field": "factor", "type": "quantitative", "scale": xs},
                "text": {"field": "factor", "format": ".3~r"},
            },
        },
    ]
    if reference is not None:
        layers.insert(
            0,
            {
                "data": {"values": [{"x": reference, "label": f"{reference:g}×/yr (a16z)"}]},
                "mark": {"type": "rule", "strokeDash": [4, 4], "color": "#999"},
                "encoding": {"x": {"field": "x", "type": "quantitative"}},
            },
        )
        layers.insert(
            1,
            {
                "data": {"values": [{"x": reference, "label": f"{reference:g}×/yr (a16z)"}]},
                "mark": {"type": "text", "align": "left", "dx": 4, "y": -6, "color": "#777", "fontSize": 10},
                "encoding": {"x": {"field": "x", "type": "quantitative"}, "text": {"field": "label"}},
            },
        )
    return {
        "$schema": SCHEMA,
        "config": CONFIG,
        "width": width,
        "height": max(60, 46 * len(rows)),
        "title": {
            "text": title,
            "subtitle": "dot: OLS (Epoch method); thin line: 90% t-interval; thick bar: 90% bootstrap",
        },
        "data": {"values": rows},
        "layer": layers,
    }


def frontier_rows(points: Sequence[FrontierPoint]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for p in points:
        out.append(
            {
                "date": _iso(p.date),
                "which": "Frontier (highest score on sale)",
                "price": float(p.frontier_price),
                "model": p.frontier_model,
                "score": float(p.frontier_score),
                "premium": None if p.premium is None else float(p.premium),
            }
        )
        if p.floor_price is not None:
            out.append(
                {
                    "date": _iso(p.date),
                    "which": "Floor (cheapest at fixed capability)",
                    "price": float(p.floor_price),
                    "model": p.floor_model,
                    "score": None,
                    "premium": None if p.premium is None else float(p.premium),
                }
            )
    return out


def frontier_spec(
    points: Sequence[FrontierPoint], *, floor_label: str, blend: tuple[int, int] = (3, 1), width: int = 760
) -> dict[str, Any]:
    """Frontier price vs floor price (log), and the premium (frontier ÷ floor) below."""
    rows = frontier_rows(points)
    x = {
        "field": "date",
        "type": "temporal",
        "scale": {"nice": "year"},
        "axis": {"title": None, "format": "%Y", "tickCount": "year"},
    }
    kinds = ["Frontier (highest score on sale)", "Floor (cheapest at fixed capability)"]
    prices = [r["price"] for r in rows] or [1.0]
    lo = 10 ** math.floor(math.log10(min(prices)))
    hi = 10 ** math.ceil(math.log10(max(prices)))
    y = {
        "field": "price",
        "type": "quantitative",
        "scale": {"type": "log", "domain": [lo, hi]},
        "axis": {**USD_AXIS, "values": decade_ticks(lo, hi), "title": "USD per 1M tokens, log scale"},
    }
    tip = [
        {"field": "which", "title": "series"},
        {"field": "date", "type": "temporal"},
        {"field": "model"},
        {"field": "price", "title": "$/M", "format": "$.4~g"},
        {"field": "premium", "title": "frontier ÷ floor", "format": ".3~g"},
    ]
    top = {
        "width": width,
        "height": 300,
        "title": {"text": "Frontier vs floor", "subtitle": f"floor: {floor_label}; monthly, {_blend_label(blend)}"},
        "layer": [
            {
                "mark": {"type": "line", "interpolate": "step-after", "strokeWidth": 2},
                "encoding": {
                    "x": x,
                    "y": y,
                    "color": {
                        "field": "which",
                        "type": "nominal",
                        "title": None,
                        "scale": {"domain": kinds, "range": [PALETTE[3], PALETTE[0]]},
                        "legend": {"symbolType": "stroke", "symbolStrokeWidth": 3},
                    },
                    "tooltip": tip,
                },
            },
        ],
    }
    prem = [r for r in rows if r["which"] == kinds[0] and r["premium"] is not None]
    pv = [r["premium"] for r in prem] or [1.0]
    plo, phi = 10 ** math.floor(math.log10(max(min(pv), 1e-3))), 10 ** math.ceil(math.log10(max(pv) * 1.01))
    bottom = {
        "width": width,
        "height": 160,
        "data": {"values": prem},
        "title": {"text": "Frontier premium (frontier price ÷ floor price)", "fontSize": 13},
        "mark": {
            "type": "line",
            "color": PALETTE[4],
            "strokeWidth": 2,
            "interpolate": "step-after",
            "point": {"filled": True, "size": 14, "color": PALETTE[4]},
        },
        "encoding": {
            "x": x,
            "y": {
                "field": "premium",
                "type": "quantitative",
                "scale": {"type": "log", "domain": [plo, phi]},
                "axis": {
                    "title": "× the floor, log scale",
                    "format": ",~g",
                    "values": decade_ticks(plo, phi),
                    "gridOpacity": 0.5,
                },
            },
            "tooltip": [
                {"field": "date", "type": "temporal"},
                {"field": "model", "title": "frontier"},
                {"field": "premium", "title": "× floor", "format": ".3~g"},
            ],
        },
    }
    return {"$schema": SCHEMA, "config": CONFIG, "data": {"values": rows}, "vconcat": [top, bottom], "spacing": 28}


def launch_price_spec(rows: Sequence[dict[str, Any]], *, width: int = 760) -> dict[str, Any]:
    """Launch list prices of landmark models over time (log), colored by tier, labelled by model.

    `rows`: dicts with `model`, `date` (ISO), `price` (float, blended), `tier`, `input`, `output`, `provider`.
    """
    tiers = sorted({r["tier"] for r in rows})
    color = {
        "field": "tier",
        "type": "nominal",
        "title": None,
        "scale": {"domain": tiers, "range": PALETTE[: len(tiers)] if tiers else PALETTE},
    }
    dates = sorted(r["date"] for r in rows) or ["2023-01-01"]
    end_year = int(dates[-1][:4]) + (1 if dates[-1][5:7] <= "06" else 2)
    x = {
        "field": "date",
        "type": "temporal",
        # room on the right for the last labels
        "scale": {"domain": [f"{dates[0][:4]}-01-01", f"{end_year}-01-01"]},
        "axis": {"title": None, "format": "%Y", "tickCount": "year"},
    }
    prices = [float(r["price"]) for r in rows] or [1.0]
    lo, hi = 10 ** math.floor(math.log10(min(prices))), 10 ** math.ceil(math.log10(max(prices)))
    y = {
        "field": "price",
        "type": "quantitative",
        "scale": {"type": "log", "domain": [lo, hi]},
        "axis": {**USD_AXIS, "values": decade_ticks(lo, hi), "title": "USD per 1M tokens (3:1 blend), log scale"},
    }
    return {
        "$schema": SCHEMA,
        "config": CONFIG,
        "width": width,
        "height": 320,
        "data": {"values": list(rows)},
        "title": {
            "text": "Launch list prices of landmark models",
            "subtitle": "price in effect at launch (or first on record), blended 3:1",
        },
        "layer": [
            {
                "mark": {"type": "point", "filled": True, "size": 90, "opacity": 0.95},
                "encoding": {
                    "x": x,
                    "y": y,
                    "color": color,
                    "tooltip": [
                        {"field": "model"},
                        {"field": "date", "type": "temporal"},
                        {"field": "provider"},
                        {"field": "input", "title": "input $/M"},
                        {"field": "output", "title": "output $/M"},
                        {"field": "price", "title": "blended $/M", "format": "$.4~g"},
                    ],
                },
            },
            {
                "mark": {"type": "text", "align": "left", "dx": 8, "dy": -2, "fontSize": 11, "color": "#333"},
                "encoding": {"x": x, "y": y, "text": {"field": "model"}},
            },
        ],
    }
