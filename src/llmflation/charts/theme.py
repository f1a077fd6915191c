"""The one chart theme: Vega-Lite version, palette, fonts and config shared by the report, the dashboard and
the CLI's chart files.

Every spec says it is Vega-Lite v6 — the version of the bundle the dashboard serves and the report inlines
(`llmflation/web/static/vega-bundle.min.js`) and the one vl-convert renders PNG/SVG with (`VL_VERSION`).
"""

from __future__ import annotations

import math
from typing import Any

SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"  # an identifier only; nothing is fetched
VL_VERSION = "6.4"  # vl-convert's offline copy of the same major version the JavaScript bundle runs
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif"
PALETTE = [
    "#3b5bdb",
    "#e8590c",
    "#2b8a3e",
    "#c2255c",
    "#7048e8",
    "#1098ad",
    "#b08900",
    "#5c940d",
    "#862e9c",
    "#0b7285",
    "#a61e4d",
    "#495057",
]
MUTED = "#868e96"
AFTER_DATA = "#f1f3f5"  # the shaded stretch after the newest observation
USD_AXIS: dict[str, Any] = {"format": "$~g", "grid": True, "gridOpacity": 0.6}


def config() -> dict[str, Any]:
    """Quiet axes, one font, one palette, legends below the plot (they wrap on phones)."""
    return {
        "font": FONT,
        "view": {"stroke": None},
        "background": "white",
        "padding": 8,
        "title": {
            "fontSize": 14,
            "fontWeight": 600,
            "anchor": "start",
            "color": "#212529",
            "subtitleFontSize": 11,
            "subtitleColor": "#5c636a",
            "offset": 10,
        },
        "axis": {
            "labelFontSize": 11,
            "titleFontSize": 12,
            "titleFontWeight": 500,
            "labelColor": "#343a40",
            "titleColor": "#343a40",
            "domainColor": "#adb5bd",
            "tickColor": "#adb5bd",
            "gridColor": "#e9ecef",
        },
        "legend": {
            "labelFontSize": 11,
            "titleFontSize": 11,
            "orient": "bottom",
            "direction": "vertical",
            "labelLimit": 300,
            "symbolStrokeWidth": 3,
        },
        "range": {"category": PALETTE},
        "line": {"strokeWidth": 2},
        "point": {"size": 40, "filled": True},
    }


def spec(**parts: Any) -> dict[str, Any]:
    """A top-level spec with the schema and the theme."""
    return {"$schema": SCHEMA, "config": config(), **parts}


def decade_ticks(lo: float, hi: float) -> list[float]:
    """Powers of ten covering [lo, hi]: clean log-axis ticks ($0.01, $0.1, $1, …) without minor clutter."""
    a = math.floor(math.log10(lo))
    b = math.ceil(math.log10(hi))
    return [float(10**k) if k >= 0 else float(f"1e{k}") for k in range(a, b + 1)]


def log_domain(values: list[float], below: int = 0, above: float = 1.0) -> list[float]:
    """A power-of-ten domain around positive values, `below` decades of room under the lowest."""
    pos = [v for v in values if v > 0 and math.isfinite(v)] or [1.0]
    return [10 ** (math.floor(math.log10(min(pos))) - below), 10 ** math.ceil(math.log10(max(pos) * above))]


def responsive(s: dict[str, Any], height: int | None = None) -> dict[str, Any]:
    """The same spec sized by its container (for HTML): width "container", autosize fit-x.

    Concatenated views cannot use "container"; the page script sizes their sub-views to the box instead
    (`fitConcat` in app.js and the report), so they shrink on phones too.
    """
    import copy

    out = copy.deepcopy(s)
    if any(k in out for k in ("vconcat", "hconcat", "concat", "facet")):
        return out
    out["width"] = "container"
    if height is not None:
        out["height"] = height
    # fit the width only: with "fit" Vega squeezes titles above the top edge; the height stays the plot's own
    out["autosize"] = {"type": "fit-x", "contains": "padding"}
    return out
