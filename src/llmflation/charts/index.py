"""Vega-Lite specs for the price-index comparison (`index --chart`, the report and the dashboard's Index page), and
for your own index from usage logs (`usage index --chart`, the dashboard's Your index page).

Index levels go into the specs as floats (they are statistics, for drawing only); every figure a user reads as a
number comes from the tables. Each series is rebased to 1 at its first month and drawn on a log axis, so equal
slopes mean equal rates of decline.
"""

from __future__ import annotations

from typing import Any

from llmflation.charts.theme import PALETTE, spec

LABELS = {"hedonic": "Hedonic index (quality-adjusted, all offers)", "frontier": "Frontier model's price",
          "average": "Average offer price (no quality adjustment)", "threshold": "Cheapest at threshold (floor)",
          "reasoning": "Reasoning task at fixed level", "chat": "Chat tokens at fixed level",
          "personal": "Your price index (constant mix)", "unit_price": "Your actual price per token",
          "market": "Market (hedonic, quality-adjusted)"}
TOP_GROUPS = 8  # the breakdown chart draws the groups with the most spend; the table lists them all


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


def personal_series(ix: Any) -> dict[str, list[tuple[Any, float]]]:
    """Your index, your actual unit price and the market index of one `PersonalIndex`, each = 1 at its first month."""
    series: dict[str, list[tuple[Any, float]]] = {"personal": [(m.month, float(m.index)) for m in ix.months
                                                               if m.index is not None]}
    priced = [m for m in ix.months if m.unit_price]
    if priced:
        base = priced[0].unit_price
        series["unit_price"] = [(m.month, float(m.unit_price / base)) for m in priced]
    market = [(m.month, m.market) for m in ix.months if m.market is not None]
    if market:
        series["market"] = [(d, v / market[0][1]) for d, v in market]
    return series


def group_series(groups: list[Any], top: int = TOP_GROUPS) -> dict[str, list[tuple[Any, float]]]:
    """The price index of the `top` groups (model, provider or tag) with the most spend."""
    ranked = sorted(groups, key=lambda g: -sum(m.cost_usd for m in g.months))[:top]
    return {str(g.group): [(m.month, float(m.index)) for m in g.months if m.index is not None]
            for g in ranked if sum(1 for m in g.months if m.index is not None) >= 2}


def personal_spec(ix: Any, *, width: int = 760) -> dict[str, Any]:
    return index_spec(personal_series(ix), title="Your price index next to what you paid and the market",
                      subtitle="each series = 1 at your first month; log scale", width=width)


def groups_spec(groups: list[Any], by: str, *, width: int = 760) -> dict[str, Any] | None:
    series = group_series(groups)
    if not series:
        return None
    return index_spec(series, title=f"Your price index by {by}",
                      subtitle=f"the {len(series)} {by}s with the most spend (of {len(groups)}); each = 1 at its "
                      "first month; log scale", width=width)
