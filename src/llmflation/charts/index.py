"""Vega-Lite specs for the price-index comparison (`index --chart`, the report and the dashboard's Index page).

Index levels go into the specs as floats (they are statistics, for drawing only); every figure a user reads as a
number comes from the tables. Each series is rebased to 1 at its first month and drawn on a log axis, so equal
slopes mean equal rates of decline.
"""

from __future__ import annotations

from typing import Any

from llmflation.charts.theme import PALETTE, spec

LABELS = {"hedonic": "Hedonic index (quality-adjusted, all offers)", "frontier": "Frontier model's price",
          "average": "Average offer price (no quality adjustment)", "threshold": "Cheapest at threshold (floor)",
          "reasoning": "Reasoning task at fixed level", "chat": "Chat tokens at fixed level"}


def index_rows(series: dict[str, list[tuple[Any, float]]]) -> list[dict[str, Any]]:
    rows = []
    for key, pts in series.items():
        for d, v in pts:
            if v is not None and v > 0:
                rows.append({"series": LABELS.get(key, key), "month": d.isoformat(), "index": float(v),
                             "index_text": f"{float(v):.3g}"})
    return rows


def index_layers(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    x = {"field": "month", "type": "temporal", "title": None, "axis": {"format": "%b %Y"}}
    y = {"field": "index", "type": "quantitative", "scale": {"type": "log"},
         "title": "Index (first month = 1, log scale)"}
    color = {"field": "series", "type": "nominal", "title": None,
             "scale": {"range": PALETTE}}
    tooltip = [{"field": "series", "title": "Series"}, {"field": "month", "type": "temporal", "format": "%b %Y",
                                                          "title": "Month"},
               {"field": "index_text", "title": "Index"}]
    return [{"mark": {"type": "line", "point": {"size": 18}},
             "encoding": {"x": x, "y": y, "color": color, "tooltip": tooltip}}]


def index_spec(series: dict[str, list[tuple[Any, float]]], *, title: str = "How fast token prices fall, by method",
               subtitle: str = "", width: int = 760) -> dict[str, Any]:
    rows = index_rows(series)
    return spec(
        title={"text": title, "subtitle": subtitle},
        width=width,
        height=340,
        data={"values": rows},
        layer=index_layers(rows),
    )
