"""Capability against price (Artificial Analysis' signature view), written with Altair.

One dot per model at its cheapest offer, log price axis, the Pareto frontier as a step line; hover shows the
model, provider, price, score and both sources. With several yearly snapshots, every year's frontier is drawn
(coloured by year, so the frontier's movement shows in a static image too) and a slider picks whose dots are
shown. Altair (imported lazily) writes the spec; the result is a plain Vega-Lite v6 dict in the one theme.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

from llmflation.charts import labels
from llmflation.charts.theme import SCHEMA, config, decade_ticks, log_domain

if TYPE_CHECKING:
    from llmflation.trends.capability import CapabilityView


def capability_rows(views: Sequence[CapabilityView]) -> list[dict[str, Any]]:
    rows = []
    for v in views:
        for p in v.points:
            rows.append(
                {
                    "year": v.at.year,
                    "at": v.at.isoformat(),
                    "model": p.name,
                    "developer": p.developer,
                    "provider": p.provider,
                    "price": float(p.price),
                    "price_text": f"${format(p.price.normalize(), 'f')}",
                    "score": float(p.score),
                    "frontier": p.on_frontier,
                    "price_source": labels.source(p.price_source),
                    "score_source": labels.source(p.score_source),
                }
            )
    return rows


# where a frontier model's name goes, relative to its diamond: (align, dx, dy), tried in this order
PLACES: dict[str, tuple[Literal["left", "right"], int, int]] = {
    "right-above": ("left", 7, -6),
    "right-below": ("left", 7, 9),
    "left-above": ("right", -7, -6),
    "left-below": ("right", -7, 9),
    "right-high": ("left", 7, -17),
    "left-high": ("right", -7, -17),
}


def _place_labels(rows: list[dict[str, Any]], lo: float, hi: float, width: int, height: int,
                  y_dom: list[float] | None = None) -> None:
    """Give each frontier row a `place` so names of neighbouring frontier models do not print over each other
    (greedy, per snapshot, in approximate pixels; rows off the frontier get none)."""
    import math

    scores = [r["score"] for r in rows] or [0.0]
    s_lo, s_hi = (y_dom[0], y_dom[1]) if y_dom else (min(scores), max(scores))
    span_x = math.log10(hi) - math.log10(lo) or 1.0
    span_y = (s_hi - s_lo) or 1.0
    by_year: dict[int, list[dict[str, Any]]] = {}
    for r in rows:
        r["place"] = None
        if r["frontier"]:
            by_year.setdefault(r["year"], []).append(r)
    for group in by_year.values():
        taken: list[tuple[float, float, float, float]] = []
        for r in sorted(group, key=lambda r: r["price"]):
            px = width * (math.log10(r["price"]) - math.log10(lo)) / span_x
            py = height * (1 - (r["score"] - s_lo) / span_y)
            w = 5.6 * len(r["model"])
            options: list[tuple[float, int, str, tuple[float, float, float, float]]] = []
            for place, (align, dx, dy) in PLACES.items():
                x0 = px + dx if align == "left" else px + dx - w
                box = (x0, py + dy - 10, x0 + w, py + dy + 2)
                if x0 < -40 or x0 + w > width + 40:
                    continue
                overlap = sum(max(0.0, min(box[2], b[2]) - max(box[0], b[0]))
                              * max(0.0, min(box[3], b[3]) - max(box[1], b[1])) for b in taken)
                options.append((overlap, len(options), place, box))
            # the first free place in PLACES' order, else the one that overlaps least
            _, _, place, box = min(options) if options else (0.0, 0, "right-above", (px, py, px + w, py))
            r["place"] = place
            taken.append(box)


def capability_spec(views: Sequence[CapabilityView], *, width: int = 760, height: int = 440) -> dict[str, Any]:
    """The scatter with frontier lines; `views` are snapshots in date order (the last one is shown first)."""
    import altair as alt

    if not views:
        raise ValueError("capability_spec needs at least one snapshot")
    last = views[-1]
    rows = capability_rows(views)
    bench = labels.benchmark(last.benchmark)
    blend = f"{last.blend[0]}:{last.blend[1]}"
    years = [v.at.year for v in views]
    lo, hi = log_domain([r["price"] for r in rows])
    x = alt.X(
        "price:Q",
        scale=alt.Scale(type="log", domain=[lo, hi]),
        axis=alt.Axis(format="$~g", values=decade_ticks(lo, hi), title=f"USD per 1M tokens ({blend} blend), log"),
    )
    # an explicit domain (scores rounded out to tens): the name layers of unused places stay empty without
    # Vega warning about an infinite extent
    import math

    s_all = [r["score"] for r in rows] or [0.0]
    y_dom = [math.floor(min(s_all) / 10) * 10, math.ceil(max(s_all) / 10) * 10]
    y = alt.Y("score:Q", scale=alt.Scale(zero=False, domain=y_dom), title=bench)
    # the rows go in once, as a named dataset, after Altair built the spec (it deep-copies inline values per layer)
    base = alt.Chart(alt.NamedData(name="models"))
    tooltip = [
        alt.Tooltip("model:N", title="Model"),
        alt.Tooltip("provider:N", title="Cheapest host"),
        alt.Tooltip("price_text:N", title="Blended $/1M"),
        alt.Tooltip("score:Q", title=bench),
        alt.Tooltip("at:N", title="Prices on"),
        alt.Tooltip("price_source:N", title="Price source"),
        alt.Tooltip("score_source:N", title="Score source"),
    ]
    year_colour = alt.Color(
        "year:O",
        title="Frontier at the end of",
        scale=alt.Scale(scheme="blues", domain=years),
        legend=alt.Legend(orient="bottom", direction="horizontal"),
    )
    frontiers = (
        base.transform_filter("datum.frontier")
        .mark_line(interpolate="step-after", strokeWidth=2, clip=True)
        .encode(x=x, y=y, color=year_colour, detail="year:O", order="price:Q")
    )
    layers: list[Any] = [frontiers]
    if len(views) > 1:
        pick = alt.param(
            name="year",
            value=years[-1],
            bind=alt.binding_range(min=years[0], max=years[-1], step=1, name="Prices at the end of year "),
        )
        shown = base.transform_filter("datum.year == year")
    else:
        pick = None
        shown = base
    dots = shown.mark_point(filled=True, size=60, opacity=0.85, stroke="white", strokeWidth=0.6).encode(
        x=x,
        y=y,
        shape=alt.Shape("frontier:N", legend=None, scale=alt.Scale(domain=[True, False],
                                                                   range=["diamond", "circle"])),
        fill=alt.condition("datum.frontier", alt.value("#c2255c"), alt.value("#868e96")),
        tooltip=tooltip,
    )
    _place_labels(rows, lo, hi, width, height, y_dom)
    names = [
        shown.transform_filter(f"datum.frontier && datum.place === '{place}'").mark_text(
            align=align, dx=dx, dy=dy, fontSize=10, color="#343a40"
        ).encode(x=x, y=y, text="model:N")
        for place, (align, dx, dy) in PLACES.items()
    ]
    layers += [dots, *names]
    chart = alt.layer(*layers)
    if pick is not None:
        chart = chart.add_params(pick)
    subtitle = [
        f"One dot per model at its cheapest offer on {last.at.isoformat()}"
        + (" (the slider shows other year-ends)." if len(views) > 1 else "."),
        "Step lines: the Pareto frontier (nothing cheaper scores higher), one per year-end.",
        "Pink diamonds: models on the frontier.",
    ]
    chart = chart.properties(
        width=width,
        height=height,
        title=alt.TitleParams(f"{bench} against price", subtitle=subtitle),
    )
    spec: dict[str, Any] = chart.to_dict(validate=False)
    spec["datasets"] = {"models": rows}
    spec["$schema"] = SCHEMA
    spec["config"] = config()
    return spec
