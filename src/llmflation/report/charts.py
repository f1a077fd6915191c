"""Vega-Lite chart specs (plain dicts) for the report, `trend --chart` and the web dashboard.

Every builder is pure: it takes trends objects (or rows already turned into plain values) and returns a
Vega-Lite v5/v6-compatible dict. Prices go into the specs as floats (plotting only; the tables keep exact
decimals). One palette and one config keep every chart consistent.
"""

from __future__ import annotations

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
    """Fixed-capability floors on a log scale: step lines, record lows, Epoch-method fits, forecast bands."""
    rows = curve_rows(curves)
    names = [c.name for c in curves]
    color = {
        "field": "series",
        "type": "nominal",
        "title": None,
        "scale": {
            "domain": names,
            "range": PALETTE[: max(1, len(names))] if len(names) <= len(PALETTE) else PALETTE,
        },
    }
    blend = _blend_label(curves[0].series.blend) if curves else "3:1 blend"
    y = {
        "field": "price",
        "type": "quantitative",
        "scale": {"type": "log"},
        "axis": {**USD_AXIS, "title": f"USD per 1M tokens ({blend}), log scale"},
    }
    x = {"field": "date", "type": "temporal", "axis": {"title": None, "format": "%Y", "tickCount": "year"}}
    layers: list[dict[str, Any]] = []
    if rows["bands"]:
        layers.append(
            {
                "data": {"values": rows["bands"]},
                "mark": {"type": "area", "opacity": 0.13},
                "encoding": {
                    "x": x,
                    "y": {**y, "field": "low"},
                    "y2": {"field": "high"},
                    "color": {**color, "legend": None},
                    "tooltip": [
                        {"field": "series"},
                        {"field": "date", "type": "temporal", "title": "date"},
                        {"field": "central", "title": "forecast $/M", "format": "$.3~g"},
                        {"field": "low", "title": "90% PI low", "format": "$.3~g"},
                        {"field": "high", "title": "90% PI high", "format": "$.3~g"},
                    ],
                },
            }
        )
        layers.append(
            {
                "data": {"values": rows["bands"]},
                "mark": {"type": "line", "strokeDash": [2, 3], "strokeWidth": 1.5, "opacity": 0.9},
                "encoding": {"x": x, "y": {**y, "field": "central"}, "color": {**color, "legend": None}},
            }
        )
    layers.append(
        {
            "data": {"values": rows["steps"]},
            "mark": {"type": "line", "interpolate": "step-after", "strokeWidth": 2},
            "encoding": {"x": x, "y": y, "color": color},
        }
    )
    if rows["fits"]:
        layers.append(
            {
                "data": {"values": rows["fits"]},
                "mark": {"type": "line", "strokeDash": [6, 4], "strokeWidth": 1.5, "opacity": 0.8},
                "encoding": {
                    "x": x,
                    "y": y,
                    "color": {**color, "legend": None},
                    "detail": {"field": "series"},
                },
            }
        )
    layers.append(
        {
            "data": {"values": rows["records"]},
            "mark": {
                "type": "point",
                "filled": True,
                "size": 55,
                "opacity": 1,
                "stroke": "white",
                "strokeWidth": 0.8,
            },
            "encoding": {
                "x": x,
                "y": y,
                "color": {**color, "legend": None},
                "tooltip": [
                    {"field": "series"},
                    {"field": "date", "type": "temporal", "title": "new low on"},
                    {"field": "model"},
                    {"field": "provider"},
                    {"field": "price", "title": "blended $/M", "format": "$.4~g"},
                    {"field": "input", "title": "input $/M", "format": "$.4~g"},
                    {"field": "output", "title": "output $/M", "format": "$.4~g"},
                    {"field": "score"},
                ],
            },
        }
    )
    spec: dict[str, Any] = {
        "$schema": SCHEMA,
        "config": CONFIG,
        "width": width,
        "height": height,
        "title": {"text": title, **({"subtitle": subtitle} if subtitle else {})},
        "layer": layers,
    }
    return spec


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
    xs = {"type": "log"}
    layers: list[dict[str, Any]] = [
        {
            "mark": {"type": "rule", "strokeWidth": 2, "opacity": 0.45},
            "encoding": {
                "y": y,
                "x": {
                    "field": "ci_low",
                    "type": "quantitative",
                    "scale": xs,
                    "axis": {"title": "price falls by × per year (log scale)", "format": "~g"},
                },
                "x2": {"field": "ci_high"},
                "color": color,
            },
        },
        {
            "transform": [{"filter": "datum.boot_low != null"}],
            "mark": {"type": "rule", "strokeWidth": 7, "opacity": 0.35},
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
    x = {"field": "date", "type": "temporal", "axis": {"title": None, "format": "%Y", "tickCount": "year"}}
    color = {
        "field": "which",
        "type": "nominal",
        "title": None,
        "scale": {
            "domain": ["Frontier (highest score on sale)", "Floor (cheapest at fixed capability)"],
            "range": [PALETTE[3], PALETTE[0]],
        },
    }
    top = {
        "width": width,
        "height": 300,
        "title": {
            "text": "Frontier vs floor",
            "subtitle": f"floor: {floor_label}; monthly, {_blend_label(blend)}",
        },
        "layer": [
            {
                "mark": {"type": "line", "interpolate": "step-after", "strokeWidth": 2},
                "encoding": {
                    "x": x,
                    "y": {
                        "field": "price",
                        "type": "quantitative",
                        "scale": {"type": "log"},
                        "axis": {**USD_AXIS, "title": "USD per 1M tokens, log scale"},
                    },
                    "color": color,
                },
            },
            {
                "mark": {"type": "point", "filled": True, "size": 18, "opacity": 0.6},
                "encoding": {
                    "x": x,
                    "y": {"field": "price", "type": "quantitative", "scale": {"type": "log"}},
                    "color": {**color, "legend": None},
                    "tooltip": [
                        {"field": "which", "title": "series"},
                        {"field": "date", "type": "temporal"},
                        {"field": "model"},
                        {"field": "price", "title": "$/M", "format": "$.4~g"},
                        {"field": "premium", "title": "frontier ÷ floor", "format": ".3~g"},
                    ],
                },
            },
        ],
    }
    prem = [r for r in rows if r["which"].startswith("Frontier") and r["premium"] is not None]
    bottom = {
        "width": width,
        "height": 150,
        "data": {"values": prem},
        "title": {"text": "Frontier premium (frontier price ÷ floor price)", "fontSize": 13},
        "mark": {
            "type": "area",
            "line": {"color": PALETTE[4], "strokeWidth": 1.5},
            "color": PALETTE[4],
            "opacity": 0.25,
            "interpolate": "step-after",
        },
        "encoding": {
            "x": x,
            "y": {
                "field": "premium",
                "type": "quantitative",
                "scale": {"type": "log"},
                "axis": {"title": "× floor, log scale", "format": "~g", "gridOpacity": 0.5},
            },
            "tooltip": [
                {"field": "date", "type": "temporal"},
                {"field": "model", "title": "frontier"},
                {"field": "premium", "title": "× floor", "format": ".3~g"},
            ],
        },
    }
    return {
        "$schema": SCHEMA,
        "config": CONFIG,
        "data": {"values": rows},
        "vconcat": [top, bottom],
        "spacing": 28,
    }


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
    x = {"field": "date", "type": "temporal", "axis": {"title": None, "format": "%Y", "tickCount": "year"}}
    y = {
        "field": "price",
        "type": "quantitative",
        "scale": {"type": "log"},
        "axis": {**USD_AXIS, "title": "USD per 1M tokens (3:1 blend), log scale"},
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
