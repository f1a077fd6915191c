"""Dashboard charts (Vega-Lite v6 dicts in the one theme; the page embeds them and vega-embed renders them).

Chart data carries prices as floats: they are for drawing only. Every figure a user reads as a number (tables,
tooltips' source rows, the API) comes from the exact Decimal values.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from llmflation.charts.theme import PALETTE, SCHEMA, config
from llmflation.format import money
from llmflation.ledger.records import Price


def _spec(**parts: Any) -> dict[str, Any]:
    return {
        "$schema": SCHEMA,
        "width": "container",
        "height": 320,
        "autosize": {"type": "fit-x", "contains": "padding"},  # fit the width only: see theme.responsive
        "config": config(),
        **parts,
    }


def zoom_x(name: str = "zoom") -> dict[str, Any]:
    """Drag to pan and scroll to zoom the time axis; double-click resets."""
    return {"name": name, "select": {"type": "interval", "encodings": ["x"]}, "bind": "scales"}


def price_points(prices: Iterable[Price], today: date) -> list[dict[str, Any]]:
    """Each interval as two points (its start and its end, or today while current) per price kind."""
    rows: list[dict[str, Any]] = []
    for p in prices:
        end = p.valid_to or max(today, p.valid_from)
        kinds = {"blended 3:1": p.blended(), "input": p.input, "output": p.output}
        if p.cached_input is not None:
            kinds["cached input"] = p.cached_input
        label = p.provider if p.tier == "standard" else f"{p.provider} ({p.tier})"
        for kind, value in kinds.items():
            for when, edge in ((p.valid_from, "start"), (end, "end")):
                rows.append(
                    {
                        "provider": label,
                        "kind": kind,
                        "date": when.isoformat(),
                        "usd": float(value),
                        "edge": edge,
                        "usd_text": f"${value.normalize():f}",
                        "from": p.valid_from.isoformat(),
                        "to": p.valid_to.isoformat() if p.valid_to else "current",
                        "confidence": p.confidence,
                        "origin": p.origin,
                    }
                )
    return rows


def price_history(model_id: str, prices: Sequence[Price], today: date | None = None) -> dict[str, Any]:
    """Step lines of a model's price per provider over time, log scale; a dropdown picks the price kind."""
    today = today or date.today()
    kinds = ["blended 3:1", "input", "output"]
    if any(p.cached_input is not None for p in prices):
        kinds.append("cached input")
    return _spec(
        title={
            "text": "Price history by provider",
            "subtitle": f"{model_id} · USD per 1M tokens · log scale · "
            "scroll to zoom, drag to pan, double-click to reset",
        },
        data={"values": price_points(prices, today)},
        params=[
            {
                "name": "kind",
                "value": "blended 3:1",
                "bind": {"input": "select", "options": kinds, "name": "Price: "},
            }
        ],
        transform=[{"filter": "datum.kind === kind"}],
        layer=[
            {
                "mark": {"type": "line", "interpolate": "step-after"},
                "params": [zoom_x()],
                "encoding": {
                    "x": {"field": "date", "type": "temporal", "title": None},
                    "y": {
                        "field": "usd",
                        "type": "quantitative",
                        "scale": {"type": "log"},
                        "title": "USD per 1M tokens",
                    },
                    "color": {"field": "provider", "type": "nominal", "title": "Provider"},
                },
            },
            {
                "mark": {"type": "point"},
                "transform": [{"filter": "datum.edge === 'start'"}],
                "encoding": {
                    "x": {"field": "date", "type": "temporal"},
                    "y": {"field": "usd", "type": "quantitative", "scale": {"type": "log"}},
                    "color": {"field": "provider", "type": "nominal"},
                    "tooltip": [
                        {"field": "provider", "title": "Provider"},
                        {"field": "kind", "title": "Price"},
                        {"field": "usd_text", "title": "USD / 1M"},
                        {"field": "from", "title": "From"},
                        {"field": "to", "title": "Until"},
                        {"field": "confidence", "title": "Confidence"},
                        {"field": "origin", "title": "Layer"},
                    ],
                },
            },
        ],
    )


def offers_scatter(prices: Sequence[Price], developer_of: dict[str, str]) -> dict[str, Any]:
    """Every standard-tier price on record as a point at its start date (blended 3:1, log scale)."""
    rows = [
        {
            "model": p.model,
            "provider": p.provider,
            "developer": developer_of.get(p.model, "?"),
            "date": p.valid_from.isoformat(),
            "usd": float(p.blended()),
            "usd_text": f"${p.blended().normalize():f}",
            "input": f"${p.input.normalize():f}",
            "output": f"${p.output.normalize():f}",
            "to": p.valid_to.isoformat() if p.valid_to else "current",
        }
        for p in prices
        if p.tier == "standard" and p.blended() > 0
    ]
    return _spec(
        title={
            "text": "Every price on record",
            "subtitle": "Blended 3:1 USD per 1M tokens at the date each price "
            "took effect · log scale · scroll to zoom",
        },
        data={"values": rows},
        mark={"type": "point", "filled": True, "opacity": 0.75},
        params=[
            zoom_x(),
            {"name": "dev", "select": {"type": "point", "fields": ["developer"]}, "bind": "legend"},
        ],
        encoding={
            "x": {"field": "date", "type": "temporal", "title": None, "scale": {"padding": 8}},
            "y": {
                "field": "usd",
                "type": "quantitative",
                "scale": {"type": "log", "padding": 8},
                "title": "USD per 1M tokens (3:1)",
            },
            "color": {"field": "developer", "type": "nominal", "title": "Developer"},
            "opacity": {"condition": {"param": "dev", "value": 0.85}, "value": 0.08},
            "tooltip": [
                {"field": "model", "title": "Model"},
                {"field": "provider", "title": "Provider"},
                {"field": "usd_text", "title": "Blended 3:1"},
                {"field": "input", "title": "Input"},
                {"field": "output", "title": "Output"},
                {"field": "date", "title": "From", "type": "temporal"},
                {"field": "to", "title": "Until"},
            ],
        },
    )


def jevons(rows: list[dict[str, Any]], anchor: date, *, title: str = "Jevons: the unit price falls, the bill need not",
           width: int = 940) -> dict[str, Any]:
    """Two panels sharing a zoomable month axis: the monthly bill (top) and the unit price (bottom), log scales,
    one line per scenario; projected months dashed (Altair). `rows` come from llmflation.workload.charts.chart_rows.

    The one Jevons chart: the dashboard's Bill page embeds it and `llmflation jevons --chart FILE` writes it."""
    import altair as alt

    x = alt.X("month:T", title=None)
    colour = alt.Color("scenario:N", title="Scenario")
    dash = alt.StrokeDash("period:N", title=None,
                          scale=alt.Scale(domain=["history", "projected"], range=[[1, 0], [5, 3]]))

    def panel(measure: str, axis_title: str, zoom: bool) -> Any:
        tooltip = [alt.Tooltip("month:T", title="Month", format="%b %Y"), alt.Tooltip("scenario:N", title="Scenario"),
                   alt.Tooltip("model:N", title="Model(s)"),
                   alt.Tooltip("value:Q", title=axis_title, format="$,.4~f"), alt.Tooltip("period:N", title="Period")]
        chart = (alt.Chart().transform_filter(alt.FieldEqualPredicate(field="measure", equal=measure))
                 .transform_filter(alt.FieldGTPredicate(field="value", gt=0))  # a log scale has no $0
                 .mark_line(interpolate="monotone", point=alt.OverlayMarkDef(size=18))
                 .encode(x=x, y=alt.Y("value:Q", scale=alt.Scale(type="log"), title=axis_title), color=colour,
                         strokeDash=dash, detail="period:N", tooltip=tooltip)
                 .properties(width=width, height=200))
        if zoom:
            chart = chart.add_params(alt.selection_interval(name="jzoom", encodings=["x"], bind="scales"))
        return chart

    free = any(r.get("value") == 0 for r in rows)  # a month on a free offer (a launch promotion, a free preview)
    subtitle = ("Monthly bill and effective USD per 1M tokens · log scales · dashed = "
                f"projected after {anchor.isoformat()} (prices held flat) · scroll to zoom")
    if free:
        subtitle += " · months billed at $0 (a free offer) are not drawn on the log scales"
    chart = alt.vconcat(
        panel("Monthly bill (USD)", "Monthly bill (USD)", True),
        panel("Unit price (USD per 1M tokens)", "USD per 1M tokens", False),
        data=alt.Data(values=rows),
        title=alt.TitleParams(title, subtitle=subtitle),
    ).resolve_scale(x="shared")
    spec: dict[str, Any] = chart.to_dict(validate=False)
    spec["$schema"] = SCHEMA
    spec["config"] = config()
    return spec


def selfhost_compare(c: Any) -> dict[str, Any]:
    """Horizontal bars: self-hosted blended $/M next to each API offer for the same (or same-class) model
    (Altair)."""
    import altair as alt

    rows = [{"label": f"self-hosted: {c.selfhost.count}×{c.selfhost.gpu} {c.selfhost.precision} "
             f"@ {float(c.utilisation):.0%} busy", "usd": float(c.selfhost_blended_usd_per_mtok),
             "kind": "self-hosted", "text": money(c.selfhost_blended_usd_per_mtok, sig=6), "match": ""}]
    for o in c.api[:15]:
        rows.append({"label": f"{o.provider}: {o.model}", "usd": float(o.blended_usd_per_mtok), "kind": "API",
                     "text": money(o.blended_usd_per_mtok, sig=6), "match": o.match})
    chart = alt.Chart(alt.Data(values=rows)).mark_bar(cornerRadiusEnd=3).encode(
        y=alt.Y("label:N", sort="x", title=None, axis=alt.Axis(labelLimit=360)),
        x=alt.X("usd:Q", title="USD per 1M tokens (blended at ISL:OSL)"),
        color=alt.Color("kind:N", title=None,
                        scale=alt.Scale(domain=["self-hosted", "API"], range=[PALETTE[1], PALETTE[0]])),
        tooltip=[alt.Tooltip("label:N", title="Offer"), alt.Tooltip("text:N", title="USD / 1M"),
                 alt.Tooltip("match:N", title="Match")],
    ).properties(
        title=alt.TitleParams("Self-hosted vs API, blended USD per 1M tokens",
                              subtitle=f"{c.model} · ISL {c.isl} / OSL {c.osl} · API prices on {c.at.isoformat()}"),
    )
    parts = chart.to_dict(validate=False)
    parts.pop("config", None)  # Altair's defaults; the theme's config applies
    spec = _spec(**parts)
    spec["$schema"] = SCHEMA
    spec["height"] = max(120, 26 * len(rows))
    return spec


def spend_stack(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Monthly spend stacked by model (priced traffic; exact figures are in the table); models beyond the ten
    largest are drawn together as "other models"."""
    from collections import defaultdict
    from decimal import Decimal

    totals: dict[str, Decimal] = defaultdict(Decimal)
    for r in rows:
        totals[r["model"] or "(unknown)"] += Decimal(r["cost_usd"])
    top = set(sorted(totals, key=lambda m: -totals[m])[:10])
    merged: dict[tuple[str, str], list[Any]] = {}
    for r in rows:
        name = r["model"] or "(unknown)"
        key = (r["period"], name if name in top else "other models")
        acc = merged.setdefault(key, [Decimal(0), 0, 0])
        acc[0] += Decimal(r["cost_usd"])
        acc[1] += r["tokens"]
        acc[2] += r["requests"]
    data = [{"period": p, "model": m, "usd": float(v[0]), "usd_text": f"${v[0]:f}", "tokens": v[1],
             "requests": v[2]} for (p, m), v in sorted(merged.items())]
    return _spec(
        title={"text": "Spend by month and model", "subtitle": "USD at the price in effect on each request's day; "
               "the ten largest models, the rest together"},
        data={"values": data},
        mark={"type": "bar", "cornerRadiusTopLeft": 2, "cornerRadiusTopRight": 2},
        encoding={
            "x": {"field": "period", "type": "ordinal", "timeUnit": "yearmonth", "title": None,
                  "axis": {"format": "%b %Y", "labelAngle": -45}},
            "y": {"field": "usd", "type": "quantitative", "stack": True, "title": "USD"},
            "color": {"field": "model", "type": "nominal", "title": "Model"},
            "tooltip": [{"field": "period", "type": "temporal", "timeUnit": "yearmonth", "title": "Month"},
                        {"field": "model", "title": "Model"}, {"field": "usd_text", "title": "Spend"},
                        {"field": "requests", "title": "Requests"}, {"field": "tokens", "title": "Tokens"}],
        },
    )


def spend_trend(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The Jevons view of real logs: effective $ per 1M tokens (line) against token volume (bars), per month."""
    data = [{"period": r["period"], "tokens": r["tokens"],
             "rate": float(r["usd_per_mtok"]) if r.get("usd_per_mtok") is not None else None,
             "rate_text": f"${r['usd_per_mtok']}" if r.get("usd_per_mtok") is not None else "—"} for r in rows]
    x = {"field": "period", "type": "temporal", "timeUnit": "yearmonth", "title": None}
    spec = _spec(
        title={"text": "Unit price vs volume", "subtitle": "Bars: tokens per month · line: effective USD per 1M "
               "tokens (priced traffic)"},
        data={"values": data},
        layer=[
            {"mark": {"type": "bar", "opacity": 0.35, "color": PALETTE[0]}, "params": [zoom_x()],
             "encoding": {"x": x, "y": {"field": "tokens", "type": "quantitative", "title": "Tokens per month"},
                          "tooltip": [{"field": "period", "type": "temporal", "timeUnit": "yearmonth"},
                                      {"field": "tokens", "title": "Tokens", "format": ","}]}},
            {"mark": {"type": "line", "point": True, "color": PALETTE[1]},
             "encoding": {"x": x, "y": {"field": "rate", "type": "quantitative", "title": "USD per 1M tokens",
                                        "axis": {"orient": "right"}},
                          "tooltip": [{"field": "period", "type": "temporal", "timeUnit": "yearmonth"},
                                      {"field": "rate_text", "title": "USD / 1M"}]}},
        ],
        resolve={"scale": {"y": "independent"}},
    )
    return spec
