"""The price-index charts, written with Altair in the one theme: the method comparison (`index --chart`, the report
and the dashboard's Index page) and your own index from usage logs (`usage index --chart`, the dashboard's Your
index page).

Index levels go into the spec as floats (they are statistics, for drawing only); every figure a user reads as a
number comes from the tables. Each series is rebased to 1 at its first month and drawn on a log axis (ticks at
powers of ten), so equal slopes mean equal rates of decline.
"""

from __future__ import annotations

from typing import Any

from llmflation.charts.theme import PALETTE, SCHEMA, config, decade_ticks, log_domain

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


def overview_series(ov: Any) -> dict[str, list[tuple[Any, float]]]:
    """The series of an `IndexOverview` as charted: the compared methods, plus the reasoning task and chat
    tokens at a fixed level (each rebased to its first month) when the overview has them."""
    series = dict(ov.comparison.series)
    if ov.reasoning and ov.reasoning.points:
        base = ov.reasoning.points[0]
        series["reasoning"] = [(p.month, float(p.cost / base.cost)) for p in ov.reasoning.points]
        series["chat"] = [(p.month, float(p.chat_cost / base.chat_cost)) for p in ov.reasoning.points]
    return series


def overview_spec(ov: Any, *, width: int = 760) -> dict[str, Any]:
    """`index_spec` of an `IndexOverview`, its window in the subtitle."""
    c = ov.comparison
    return index_spec(overview_series(ov), width=width,
                      subtitle=f"{c.start:%Y-%m} → {c.end:%Y-%m}; each series = 1 at its first month; log scale")


def index_spec(series: dict[str, list[tuple[Any, float]]], *, title: str = "How fast token prices fall, by method",
               subtitle: str = "", width: int = 760) -> dict[str, Any]:
    import altair as alt

    rows = index_rows(series)
    lo, hi = (float(v) for v in log_domain([r["index"] for r in rows]))
    names = list(dict.fromkeys(r["series"] for r in rows))
    chart = alt.Chart().mark_line(point=alt.OverlayMarkDef(size=18)).encode(
        x=alt.X("month:T", title=None, axis=alt.Axis(format="%b %Y")),
        y=alt.Y("index:Q", scale=alt.Scale(type="log", domain=[lo, hi]), title="Index (first month = 1, log scale)",
                axis=alt.Axis(values=decade_ticks(lo, hi), format="~g")),
        color=alt.Color("series:N", title=None, scale=alt.Scale(domain=names, range=PALETTE[: max(1, len(names))])),
        tooltip=[alt.Tooltip("series:N", title="Series"), alt.Tooltip("month:T", title="Month", format="%b %Y"),
                 alt.Tooltip("index_text:N", title="Index")],
    ).properties(width=width, height=340, title=alt.TitleParams(title, subtitle=subtitle))
    spec: dict[str, Any] = chart.to_dict(validate=False)
    spec["data"] = {"values": rows}  # inline, once (Altair would move it into a hashed named dataset)
    spec["$schema"] = SCHEMA
    spec["config"] = config()
    return spec


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
