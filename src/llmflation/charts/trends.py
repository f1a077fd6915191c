"""Trend charts (Vega-Lite v6 dicts) for the report, `trend --chart` and the dashboard's Overview.

Every builder is pure: it takes trends objects (or rows already turned into plain values) and returns a spec in
the one theme of `llmflation.charts.theme`. Prices go into the specs as floats (plotting only; the tables keep
exact decimals). Labels are human (`labels`): "GPQA Diamond ≥ 48.9", model names, no raw keys.

Honesty marks (`curves_spec(..., as_of=DATE)`): the stretch after the ledger's newest observation is shaded and
labelled "after the newest data"; a floor line that runs on past that date is drawn dotted ("no newer data"),
while a flat stretch before it is a real plateau in the data; forecast bands start at the newest observation
and are clipped to the plot.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from llmflation.charts import labels
from llmflation.charts.theme import AFTER_DATA, MUTED, PALETTE, SCHEMA, USD_AXIS, config, decade_ticks, log_domain
from llmflation.trends.fit import DeclineFit
from llmflation.trends.forecast import Forecast
from llmflation.trends.frontier import FrontierPoint
from llmflation.trends.series import CapabilitySeries

CONFIG: dict[str, Any] = config()


@dataclass(frozen=True, slots=True)
class Curve:
    """One fixed-capability curve for charting: the series, its fit (or None) and its forecast (or None)."""

    name: str
    series: CapabilitySeries
    fit: DeclineFit | None = None
    forecast: Forecast | None = None


def _dt(iso: str) -> dict[str, int]:
    """A Vega-Lite DateTime object (one form for every layer's scale domain, so layers never conflict)."""
    y, m, d = (int(v) for v in iso[:10].split("-"))
    return {"year": y, "month": m, "date": d}


def _iso(d: date) -> str:
    return d.isoformat()


def _blend_label(blend: tuple[int, int]) -> str:
    wi, wo = blend
    if wo == 0:
        return "input price"
    if wi == 0:
        return "output price"
    return f"{wi}:{wo} input:output blend"


def _name(model_id: str, names: dict[str, str] | None) -> str:
    return labels.model(model_id, names)


def curve_rows(
    curves: Sequence[Curve], *, as_of: date | None = None, names: dict[str, str] | None = None
) -> dict[str, list[dict[str, Any]]]:
    """Plain rows for the curve chart: steps, records, fit lines and forecast bands, keyed by layer.

    With `as_of` (the newest observation in the ledger), a step line that reaches past it is split: the part up
    to `as_of` is data (a flat stretch there is a real plateau), the part after it is `stale` ("no newer data").
    Forecast bands then start at `as_of`; before it the central line alone shows what the fit predicted.
    """
    steps: list[dict[str, Any]] = []
    stale: list[dict[str, Any]] = []
    records: list[dict[str, Any]] = []
    fits: list[dict[str, Any]] = []
    bands: list[dict[str, Any]] = []
    for c in curves:
        s = c.series
        name = labels.threshold(c.name)
        for p in s.steps:
            steps.append(
                {
                    "series": name,
                    "date": _iso(p.date),
                    "price": float(p.price),
                    "model": _name(p.model, names),
                    "provider": p.provider,
                }
            )
        if s.steps:
            last = s.steps[-1]
            data_end = s.end if as_of is None else max(min(s.end, as_of), last.date)
            row = {
                "series": name,
                "price": float(last.price),
                "model": _name(last.model, names),
                "provider": last.provider,
                "since": _iso(last.date),
            }
            steps.append({**row, "date": _iso(data_end)})
            if as_of is not None and s.end > data_end:
                note = f"no newer data after {as_of.isoformat()}"
                stale.append({**row, "date": _iso(data_end), "note": note})
                stale.append({**row, "date": _iso(s.end), "note": note})
        for p in s.records:
            records.append(
                {
                    "series": name,
                    "date": _iso(p.date),
                    "price": float(p.price),
                    "model": _name(p.model, names),
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
                        "series": name,
                        "date": _iso(d),
                        "price": f.predict(d),
                        "rate": f"{f.factor_per_year:.1f}×/yr",
                    }
                )
        if c.forecast is not None:
            for fp in c.forecast.path:
                bands.append(
                    {
                        "series": name,
                        "date": _iso(fp.date),
                        "central": float(fp.central),
                        "low": float(fp.low),
                        "high": float(fp.high),
                        "band": as_of is None or fp.date >= as_of,
                    }
                )
    return {"steps": steps, "stale": stale, "records": records, "fits": fits, "bands": bands}


def curves_spec(
    curves: Sequence[Curve],
    *,
    title: str = "Cheapest price at fixed capability",
    subtitle: str | list[str] | None = None,
    width: int = 760,
    height: int = 420,
    as_of: date | None = None,
    names: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Fixed-capability floors on a log scale: step lines, record lows, Epoch-method fits, forecast bands.

    Only the step lines carry the colour legend; bands, fits and dots are drawn per series in the same colour.
    With `as_of`, the stretch after the newest observation is shaded and labelled and the floor is dotted there.
    """
    rows = curve_rows(curves, as_of=as_of, names=names)
    series_names = [labels.threshold(c.name) for c in curves]
    colours = {n: PALETTE[i % len(PALETTE)] for i, n in enumerate(series_names)}
    observed = [r["price"] for r in rows["steps"]] or [1.0]
    # bands of steep fits can span many decades: clip to one decade below the lowest observed price
    domain = [10 ** math.floor(math.log10(min(observed)) - 1), 10 ** math.ceil(math.log10(max(observed) * 1.5))]
    blend = _blend_label(curves[0].series.blend) if curves else "3:1 blend"
    y = {
        "field": "price",
        "type": "quantitative",
        "scale": {"type": "log", "domain": domain, "clamp": False},
        "axis": {
            **USD_AXIS,
            "values": decade_ticks(domain[0], domain[1]),
            "title": f"USD per 1M tokens ({blend}), log scale",
        },
    }
    dates = [r["date"] for k in ("steps", "stale", "bands") for r in rows[k]]
    x_scale: dict[str, Any] = {"domain": [_dt(min(dates)), _dt(max(dates))]} if dates else {}
    x = {
        "field": "date",
        "type": "temporal",
        "scale": x_scale,
        "axis": {"title": None, "format": "%Y", "tickCount": "year"},
    }
    xp = {k: v for k, v in x.items() if k != "scale"}  # the domain is set once, on the step lines
    legend_colour = {
        "field": "series",
        "type": "nominal",
        "title": None,
        "scale": {"domain": series_names, "range": [colours[n] for n in series_names]},
        "legend": {"symbolType": "stroke", "symbolStrokeWidth": 3},
    }
    layers: list[dict[str, Any]] = []
    if as_of is not None and dates and max(dates) > as_of.isoformat():
        shade = [{"from": as_of.isoformat(), "to": max(dates), "label": f"after the newest data ({as_of})"}]
        layers += [
            {
                "data": {"values": shade},
                "mark": {"type": "rect", "color": AFTER_DATA, "opacity": 0.9},
                "encoding": {"x": {**xp, "field": "from"}, "x2": {"field": "to"}},
            },
            {
                "data": {"values": shade},
                "mark": {"type": "rule", "color": MUTED, "strokeDash": [3, 3]},
                "encoding": {"x": {**xp, "field": "from"}},
            },
            {
                "data": {"values": shade},
                # along the rule (rotated), so it never widens the chart on a narrow screen
                "mark": {"type": "text", "angle": 90, "align": "left", "baseline": "bottom", "dy": -3, "y": 4,
                         "fontSize": 10, "color": MUTED},
                "encoding": {"x": {**xp, "field": "from"}, "text": {"field": "label"}},
            },
        ]
    layers.append(
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
    )
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
    stale_tip = [
        {"field": "series"},
        {"field": "note", "title": "after"},
        {"field": "since", "title": "floor unchanged since"},
        {"field": "model"},
        {"field": "price", "title": "blended $/M", "format": "$.4~g"},
    ]
    for name in series_names:
        col = colours[name]
        only = [{"filter": {"field": "series", "equal": name}}]
        if any(r["series"] == name and r["band"] for r in rows["bands"]):
            layers.append(
                {
                    "data": {"values": rows["bands"]},
                    "transform": [*only, {"filter": "datum.band"}],
                    "mark": {"type": "area", "opacity": 0.1, "color": col, "clip": True},
                    "encoding": {"x": xp, "y": {**y, "field": "low"}, "y2": {"field": "high"}, "tooltip": band_tip},
                }
            )
        if any(r["series"] == name for r in rows["bands"]):
            layers.append(
                {
                    "data": {"values": rows["bands"]},
                    "transform": only,
                    "mark": {"type": "line", "strokeDash": [2, 3], "strokeWidth": 1.5, "color": col, "clip": True},
                    "encoding": {"x": xp, "y": {**y, "field": "central"}},
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
                    "encoding": {"x": xp, "y": y},
                }
            )
        if any(r["series"] == name for r in rows["stale"]):
            layers.append(
                {
                    "data": {"values": rows["stale"]},
                    "transform": only,
                    "mark": {"type": "line", "strokeDash": [1, 3], "strokeWidth": 2, "color": col, "opacity": 0.7},
                    "encoding": {"x": xp, "y": y, "tooltip": stale_tip},
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
                "encoding": {"x": xp, "y": y, "tooltip": dot_tip},
            }
        )
    heading: dict[str, Any] = {"text": title}
    if subtitle:
        heading["subtitle"] = subtitle
    return {
        "$schema": SCHEMA,
        "config": CONFIG,
        "width": width,
        "height": height,
        "title": heading,
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
                "series": labels.threshold(c.name),
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
        "scale": {"domain": [labels.threshold(c.name) for c in curves], "range": PALETTE},
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


def frontier_rows(points: Sequence[FrontierPoint], names: dict[str, str] | None = None) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for p in points:
        out.append(
            {
                "date": _iso(p.date),
                "which": "Frontier (highest score on sale)",
                "price": float(p.frontier_price),
                "model": _name(p.frontier_model, names),
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
                    "model": _name(p.floor_model or "", names),
                    "score": None,
                    "premium": None if p.premium is None else float(p.premium),
                }
            )
    return out


def frontier_spec(
    points: Sequence[FrontierPoint],
    *,
    floor_label: str,
    blend: tuple[int, int] = (3, 1),
    width: int = 760,
    names: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Frontier price vs floor price (log), and the premium (frontier ÷ floor) below."""
    rows = frontier_rows(points, names)
    floor_label = labels.threshold(floor_label)
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
    """Launch list prices of landmark models over time (log), colored by tier, labelled by model (Altair).

    `rows`: dicts with `model`, `date` (ISO), `price` (float, blended), `tier`, `input`, `output`, `provider`.
    """
    import altair as alt

    tiers = sorted({r["tier"] for r in rows})
    dates = sorted(r["date"] for r in rows) or ["2023-01-01"]
    end_year = int(dates[-1][:4]) + (1 if dates[-1][5:7] <= "06" else 2)  # room on the right for the labels
    lo, hi = log_domain([float(r["price"]) for r in rows])
    x = alt.X(
        "date:T",
        scale=alt.Scale(domain=[alt.DateTime(year=int(dates[0][:4]), month=1, date=1),
                                alt.DateTime(year=end_year, month=1, date=1)]),
        axis=alt.Axis(title=None, format="%Y", tickCount="year"),
    )
    y = alt.Y(
        "price:Q",
        scale=alt.Scale(type="log", domain=[lo, hi]),
        axis=alt.Axis(**USD_AXIS, values=decade_ticks(lo, hi), title="USD per 1M tokens (3:1 blend), log scale"),
    )
    base = alt.Chart(alt.Data(values=list(rows))).encode(x=x, y=y)
    dots = base.mark_point(filled=True, size=90, opacity=0.95).encode(
        color=alt.Color("tier:N", title=None, scale=alt.Scale(domain=tiers, range=PALETTE[: max(1, len(tiers))])),
        tooltip=[
            alt.Tooltip("model:N"),
            alt.Tooltip("date:T"),
            alt.Tooltip("provider:N"),
            alt.Tooltip("input:N", title="input $/M"),
            alt.Tooltip("output:N", title="output $/M"),
            alt.Tooltip("price:Q", title="blended $/M", format="$.4~g"),
        ],
    )
    names = base.mark_text(align="left", dx=8, dy=-2, fontSize=11, color="#343a40").encode(text="model:N")
    chart = alt.layer(dots, names).properties(
        width=width,
        height=320,
        title=alt.TitleParams(
            "Launch list prices of landmark models",
            subtitle="price in effect at launch (or first on record), blended 3:1",
        ),
    )
    spec: dict[str, Any] = chart.to_dict(validate=False)
    spec["$schema"] = SCHEMA
    spec["config"] = CONFIG
    return spec
