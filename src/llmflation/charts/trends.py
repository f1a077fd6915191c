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

import json
import math
import re
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
        "legend": {"symbolType": "stroke", "symbolStrokeWidth": 3, **_legend_without(curves)},
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
    # click a legend entry (shift-click for more) to bring its series forward; every other layer fades with it
    layers.append(
        {
            "data": {"values": rows["steps"]},
            "params": [{"name": PICK, "select": {"type": "point", "fields": ["series"]}, "bind": "legend"}],
            "mark": {"type": "line", "interpolate": "step-after", "strokeWidth": 2},
            "encoding": {
                "x": x,
                "y": y,
                "color": legend_colour,
                "opacity": _picked(1.0),
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
    band_labels = _band_labels(curves, rows["bands"], domain, height, names)
    # one band is filled; several are drawn as outlines only (filled, they pile into one grey block)
    fill = len({r["series"] for r in rows["bands"] if r["band"]}) == 1
    for name in series_names:
        col = colours[name]
        only = [{"filter": {"field": "series", "equal": name}}]
        banded = [*only, {"filter": "datum.band"}]
        if fill and any(r["series"] == name and r["band"] for r in rows["bands"]):
            layers.append(
                {
                    "data": {"values": rows["bands"]},
                    "transform": banded,
                    "mark": {"type": "area", "color": col, "clip": True},
                    "encoding": {"x": xp, "y": {**y, "field": "low"}, "y2": {"field": "high"}, "tooltip": band_tip,
                                 "opacity": _picked(0.1, 0.02)},
                }
            )
        if any(r["series"] == name and r["band"] for r in rows["bands"]):
            # the band's edges in its own colour, so overlapping bands stay apart
            for edge in ("low", "high"):
                layers.append(
                    {
                        "data": {"values": rows["bands"]},
                        "transform": banded,
                        "mark": {"type": "line", "strokeWidth": 1, "color": col, "clip": True},
                        "encoding": {"x": xp, "y": {**y, "field": edge}, "opacity": _picked(0.7, 0.06),
                                     "tooltip": band_tip},
                    }
                )
        if any(r["series"] == name for r in rows["bands"]):
            layers.append(
                {
                    "data": {"values": rows["bands"]},
                    "transform": only,
                    "mark": {"type": "line", "strokeDash": [2, 3], "strokeWidth": 1.5, "color": col, "clip": True},
                    "encoding": {"x": xp, "y": {**y, "field": "central"}, "opacity": _picked(1.0)},
                }
            )
        if any(r["series"] == name for r in rows["fits"]):
            layers.append(
                {
                    "data": {"values": rows["fits"]},
                    "transform": only,
                    "mark": {"type": "line", "strokeDash": [6, 4], "strokeWidth": 1.5, "color": col, "clip": True},
                    "encoding": {"x": xp, "y": y, "opacity": _picked(0.8)},
                }
            )
        if any(r["series"] == name for r in rows["stale"]):
            layers.append(
                {
                    "data": {"values": rows["stale"]},
                    "transform": only,
                    "mark": {"type": "line", "strokeDash": [1, 3], "strokeWidth": 2, "color": col},
                    "encoding": {"x": xp, "y": y, "tooltip": stale_tip, "opacity": _picked(0.7)},
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
                    "color": col,
                    "stroke": "white",
                    "strokeWidth": 0.8,
                },
                "encoding": {"x": xp, "y": y, "tooltip": dot_tip, "opacity": _picked(1.0)},
            }
        )
    if band_labels:
        # each band named at the right edge, in its colour (nudged apart where they would overlap)
        layers.append(
            {
                "data": {"values": band_labels},
                "mark": {"type": "text", "align": "right", "baseline": "middle", "dx": -3, "fontSize": 10,
                         "fontWeight": 600},
                "encoding": {
                    "x": {**xp, "field": "date"},
                    "y": {**y, "field": "y"},
                    "text": {"field": "text"},
                    "color": {"field": "colour", "type": "nominal", "scale": None},
                    "opacity": _picked(1.0),
                    "tooltip": [{"field": "series"}, {"field": "note", "title": "band"}],
                },
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


PICK = "pick"  # the legend selection of the curve chart


def _picked(on: float, off: float = 0.12) -> dict[str, Any]:
    """Opacity `on` for the series picked in the legend (all of them while none is picked), `off` for the rest."""
    return {"condition": {"param": PICK, "value": on, "empty": True}, "value": off}


def _legend_without(curves: Sequence[Curve]) -> dict[str, Any]:
    """A legend labelExpr dropping the benchmark name every entry starts with (the chart's title names it)."""
    benches = {c.series.benchmark for c in curves}
    if len(benches) != 1:
        return {}
    prefix = labels.benchmark(next(iter(benches)), short=True) + " "
    if not all(labels.threshold(c.name).startswith(prefix) for c in curves):
        return {}
    return {"labelExpr": f"replace(datum.label, {json.dumps(prefix)}, '')"}


def _band_label(c: Curve, names: dict[str, str] | None) -> str:
    """Short: "GPT-4o level" (a model's level, its date suffix dropped) or "≥ 42" (a number)."""
    t = c.series.threshold
    if t.model is None:
        return f"≥ {format(t.value.normalize(), 'f')}"
    name = re.sub(r" \(\d{4}-\d{2}-\d{2}\)$", "", _name(t.model, names))
    return f"{name} level"


def _band_labels(
    curves: Sequence[Curve], bands: Sequence[dict[str, Any]], domain: list[float], height: int,
    names: dict[str, str] | None = None,
) -> list[dict[str, Any]]:
    """One label per forecast band at its right end, just above the band's upper edge (the part of a band that
    stays in view), at least one line apart from the others; a band whose upper edge has left the plot by then gets
    none (the forecast panels show it)."""
    ends: list[dict[str, Any]] = []
    lo, hi = math.log10(domain[0]), math.log10(domain[1])
    gap = (hi - lo) * 13 / max(height, 1)  # one 10-px label line, in decades
    for c in curves:
        name = labels.threshold(c.name)
        own = [r for r in bands if r["series"] == name and r["band"]]
        if not own:
            continue
        last = max(own, key=lambda r: r["date"])
        top = math.log10(max(last["high"], 1e-300))
        if top < lo + gap:
            continue
        text = _band_label(c, names) + (" ↑" if top > hi else "")  # its upper edge is above the plot
        ends.append({"series": name, "date": last["date"], "text": text, "pos": top + gap / 2,
                     "note": f"90% interval to {last['date']}"})
    ends.sort(key=lambda e: -e["pos"])
    top, bottom = hi - gap / 2, lo + gap / 2
    for i, e in enumerate(ends):  # top down: inside the plot, one line below the label above
        e["pos"] = min(e["pos"], top if i == 0 else ends[i - 1]["pos"] - gap)
    for i in range(len(ends) - 1, -1, -1):  # bottom up: nothing pushed below the axis
        e = ends[i]
        e["pos"] = max(e["pos"], bottom if i == len(ends) - 1 else ends[i + 1]["pos"] + gap)
    colours = {labels.threshold(c.name): PALETTE[i % len(PALETTE)] for i, c in enumerate(curves)}
    return [{"series": e["series"], "date": e["date"], "text": e["text"], "note": e["note"], "y": 10 ** e["pos"],
             "colour": colours[e["series"]]} for e in ends]


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
    # an estimate beyond the axis sits at its edge (clamped), and its label says so
    from llmflation.format import factor as fmt_factor

    for r in rows:
        f = r["factor"]
        edge = "→ " if f is not None and f > hi else "← " if f is not None and f < lo else ""
        r["label"] = edge + fmt_factor(f) + (" (off the axis)" if edge else "")
        r["off"] = edge.strip() or None
    xs = {"type": "log", "domain": [lo, hi], "clamp": True}
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
                        "title": "price falls by × per year (log scale)",
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
        *(
            {
                "transform": [{"filter": test}],
                "mark": {"type": "text", "dy": -12, "fontSize": 11, "color": "#333", "align": align},
                "encoding": {
                    "y": y,
                    "x": {"field": "factor", "type": "quantitative", "scale": xs},
                    "text": {"field": "label"},
                },
            }
            for test, align in (("!datum.off", "center"), ("datum.off === '→'", "right"), ("datum.off === '←'", "left"))
        ),
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
            "subtitle": "dot: OLS (Epoch method); thin line: 90% t-interval; thick bar: 90% bootstrap; "
                        "intervals are cut at the edges",
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


def forecast_panels_spec(
    curves: Sequence[Curve],
    *,
    as_of: date | None,
    names: dict[str, str] | None = None,
    years_before: int = 2,
    width: int = 360,
    height: int = 170,
    columns: int = 2,
) -> dict[str, Any] | None:
    """One small panel per threshold (Altair): its floor over the last `years_before` years of data, the fit's
    path and its own 90% band, alone on its own log axis, so bands that overlap in the combined chart can be read
    one by one. Bands are clipped to each panel (at most three decades below the newest floor); the stretch after
    the newest observation is shaded. None when no curve has a forecast."""
    import altair as alt

    from llmflation.format import money_per_mtok

    with_fc = [c for c in curves if c.forecast is not None and c.series.steps]
    if not with_fc:
        return None
    colours = {labels.threshold(c.name): PALETTE[i % len(PALETTE)] for i, c in enumerate(curves)}
    rows = curve_rows(with_fc, as_of=as_of, names=names)
    ends = [max(r["date"] for r in rows["bands"])] + [r["date"] for r in rows["steps"] + rows["stale"]]
    last_day = max(ends)
    newest = as_of or max(date.fromisoformat(r["date"]) for r in rows["steps"])
    first_day = date(newest.year - years_before, newest.month, 1).isoformat()
    x_dom = [alt.DateTime(**_dt(first_day)), alt.DateTime(**_dt(last_day))]  # type: ignore[arg-type]
    x = alt.X("date:T", scale=alt.Scale(domain=x_dom), axis=alt.Axis(title=None, format="%Y", tickCount="year"))
    panels: list[dict[str, Any]] = []
    datasets: dict[str, list[dict[str, Any]]] = {}

    def named(key: str, values: list[dict[str, Any]]) -> Any:
        datasets[key] = values
        return alt.NamedData(name=key)

    for i, c in enumerate(with_fc):
        name = labels.threshold(c.name)
        col = colours[name]

        def own(key: str, name: str = name) -> list[dict[str, Any]]:
            return [r for r in rows[key] if r["series"] == name]

        steps, stale, records, bands = own("steps"), own("stale"), own("records"), own("bands")
        # the step in effect when the window opens starts the line at the window's left edge
        before = [r for r in steps if r["date"] < first_day]
        shown = ([{**before[-1], "date": first_day}] if before else []) + [r for r in steps if r["date"] >= first_day]
        banded = [r for r in bands if r["band"]]
        floor_now = shown[-1]["price"] if shown else min(r["price"] for r in steps)
        observed = [r["price"] for r in shown + stale] + [floor_now]
        hi_v = min(max(observed + [r["high"] for r in banded]), max(observed) * 1000)
        lo_v = max(min([r["low"] for r in banded] + [floor_now]), floor_now / 1000)
        lo, hi = (float(v) for v in log_domain([lo_v, hi_v]))
        y_scale = alt.Scale(type="log", domain=[lo, hi])
        y_axis = alt.Axis(format="$~g", values=decade_ticks(lo, hi), title=None, gridOpacity=0.6)
        layers: list[Any] = []
        if as_of is not None and last_day > as_of.isoformat():
            after = alt.Chart(named(f"p{i}-after", [{"from": as_of.isoformat(), "to": last_day}]))
            layers += [after.mark_rect(color=AFTER_DATA, opacity=0.9).encode(x=alt.X("from:T"), x2="to:T"),
                       after.mark_rule(color=MUTED, strokeDash=[3, 3]).encode(x=alt.X("from:T"))]
        tip = [alt.Tooltip("date:T", title="date"), alt.Tooltip("central:Q", title="forecast $/M", format="$.3~g"),
               alt.Tooltip("low:Q", title="90% PI low", format="$.3~g"),
               alt.Tooltip("high:Q", title="90% PI high", format="$.3~g")]
        if banded:
            layers.append(alt.Chart(named(f"p{i}-band", banded)).mark_area(color=col, opacity=0.18, clip=True).encode(
                x=x, y=alt.Y("low:Q", scale=y_scale, axis=y_axis), y2="high:Q", tooltip=tip))
        layers.append(alt.Chart(named(f"p{i}-path", bands)).mark_line(
            color=col, strokeDash=[2, 3], strokeWidth=1.5, clip=True).encode(
            x=x, y=alt.Y("central:Q", scale=y_scale, axis=y_axis)))
        floor_tip = [alt.Tooltip("date:T", title="floor from"), alt.Tooltip("model:N"), alt.Tooltip("provider:N"),
                     alt.Tooltip("price:Q", title="blended $/M", format="$.4~g")]
        layers.append(alt.Chart(named(f"p{i}-floor", shown)).mark_line(
            color=col, interpolate="step-after", strokeWidth=2, clip=True).encode(
            x=x, y=alt.Y("price:Q", scale=y_scale, axis=y_axis), tooltip=floor_tip))
        if stale:
            layers.append(alt.Chart(named(f"p{i}-stale", stale)).mark_line(
                color=col, strokeDash=[1, 3], strokeWidth=2, opacity=0.7, clip=True).encode(
                x=x, y=alt.Y("price:Q", scale=y_scale, axis=y_axis)))
        dots = [r for r in records if r["date"] >= first_day]
        if dots:
            layers.append(alt.Chart(named(f"p{i}-lows", dots)).mark_point(
                filled=True, size=40, color=col, stroke="white", strokeWidth=0.8, opacity=1, clip=True).encode(
                x=x, y=alt.Y("price:Q", scale=y_scale, axis=y_axis), tooltip=floor_tip))
        fc = c.forecast
        assert fc is not None
        below = " · band cut at the axis" if float(fc.low) < lo or float(fc.high) > hi else ""
        sub = (f"{fc.target}: {money_per_mtok(fc.central, floor=fc.floor)} (90%: "
               f"{money_per_mtok(fc.low, floor=fc.floor)} to {money_per_mtok(fc.high, floor=fc.floor)}){below}")
        # each layer is turned into a dict on its own and the panels are assembled as dicts: Altair's layer() and
        # concat() deep-copy every sub-chart at each step (half a second for the report's panels)
        panels.append({"layer": [_plain(v) for v in layers], "width": width, "height": height,
                       "title": {"text": name, "subtitle": sub, "fontSize": 12, "subtitleFontSize": 10,
                                 "color": col}})
    bench = labels.benchmark(with_fc[0].series.benchmark)
    spec: dict[str, Any] = {"concat": panels, "columns": columns, "spacing": 24}
    spec["title"] = {
        "text": f"Each {bench} forecast on its own",
        "subtitle": [f"One panel per threshold, each on its own log axis: the floor over the last {years_before} "
                     "years, the fit's path (dotted) and its 90% prediction band",
                     "(clipped three decades beyond the data). Shaded: after the newest data"
                     + (f" ({as_of})." if as_of else ".")],
    }
    spec["datasets"] = datasets
    spec["$schema"] = SCHEMA
    spec["config"] = CONFIG
    return spec


def _plain(chart: Any) -> dict[str, Any]:
    """One Altair single-view chart as a layer dict (no schema, no config: the top level carries them)."""
    d: dict[str, Any] = chart.to_dict(validate=False)
    for k in ("$schema", "config", "datasets"):
        d.pop(k, None)
    return d
