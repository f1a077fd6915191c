"""The Jevons chart: a workload's monthly bill next to its unit price ($ per 1M tokens), month by month.

Built with Altair (Vega-Lite) so the web dashboard can embed the same spec (`jevons_spec` returns a plain dict).
Amounts are converted to float here for plotting only; the exact Decimals stay in the timeline.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from llmflation.errors import InputError

if TYPE_CHECKING:
    import altair as alt

    from llmflation.workload.timeline import Timeline

FORMATS = (".png", ".svg", ".html", ".json")


def chart_rows(timelines: Sequence[Timeline]) -> list[dict[str, Any]]:
    """Long-form rows (one per month, scenario and measure) for plotting."""
    rows: list[dict[str, Any]] = []
    for tl in timelines:
        label = f"{tl.scenario.name} ({tl.scenario.policy})"
        billed = tl.billed()
        for i, p in enumerate(billed):
            periods = ["projected" if p.projected else "history"]
            # the last month of history also starts the dashed projection, so the two lines join
            if not p.projected and i + 1 < len(billed) and billed[i + 1].projected:
                periods.append("projected")
            for period in periods:
                assert p.monthly_usd is not None
                base = {"month": p.month.isoformat(), "scenario": label, "period": period,
                        "model": ", ".join(sorted({o.model for o in p.offers}))}
                rows.append({**base, "measure": "Monthly bill (USD)", "value": float(p.monthly_usd)})
                if p.usd_per_mtok is not None and p.usd_per_mtok > 0:
                    rows.append({**base, "measure": "Unit price (USD per 1M tokens)",
                                 "value": float(p.usd_per_mtok)})
    return rows


def jevons_chart(timelines: Sequence[Timeline], title: str = "Jevons: unit price vs. bill") -> alt.VConcatChart:
    """Two aligned panels sharing the month axis: the monthly bill (top) and the unit price (bottom), both on log
    scales, one line per scenario; projected months are drawn dashed."""
    import altair as alt

    rows = chart_rows(timelines)
    if not rows:
        raise InputError("nothing to chart: no month in the range has a bill (start earlier or lower the floor)")
    data = alt.Data(values=rows)
    x = alt.X("month:T", title=None)
    color = alt.Color("scenario:N", title="scenario", legend=alt.Legend(orient="bottom"))
    dash = alt.StrokeDash("period:N", title=None, sort=["history", "projected"],
                          scale=alt.Scale(domain=["history", "projected"], range=[[1, 0], [5, 3]]))
    tooltip = [alt.Tooltip("month:T"), alt.Tooltip("scenario:N"), alt.Tooltip("model:N"),
               alt.Tooltip("value:Q", format=",.4~f"), alt.Tooltip("period:N")]

    def panel(measure: str) -> alt.Chart:
        return (alt.Chart(data).mark_line(point=False, strokeWidth=2)
                .transform_filter(alt.datum.measure == measure)
                .encode(x=x, y=alt.Y("value:Q", title=measure, scale=alt.Scale(type="log")),
                        color=color, strokeDash=dash, detail="period:N", tooltip=tooltip)
                .properties(width=640, height=200))

    return alt.vconcat(panel("Monthly bill (USD)"), panel("Unit price (USD per 1M tokens)"),
                       title=title).resolve_scale(x="shared")


def jevons_spec(timelines: Sequence[Timeline], title: str = "Jevons: unit price vs. bill") -> dict[str, Any]:
    """The chart as a Vega-Lite JSON dict (what the dashboard embeds)."""
    spec: dict[str, Any] = jevons_chart(timelines, title).to_dict()
    return spec


def check_chart_path(path: str | Path) -> Path:
    """Fail early (before any work) on an unknown chart format or a missing directory."""
    out = Path(path)
    suffix = out.suffix.lower()
    if suffix not in FORMATS:
        raise InputError(f"chart {out}: unknown format {suffix or '(none)'}; use one of {', '.join(FORMATS)}",
                         field="chart")
    if not out.parent.exists():
        raise InputError(f"chart {out}: directory {out.parent} does not exist", field="chart")
    return out


def save_chart(chart: alt.TopLevelMixin | dict[str, Any], path: str | Path) -> Path:
    """Write a chart as PNG or SVG (rendered offline with vl-convert), HTML, or Vega-Lite JSON, by suffix."""
    import json

    out = check_chart_path(path)
    suffix = out.suffix.lower()
    spec = chart if isinstance(chart, dict) else chart.to_dict()
    if suffix == ".json":
        out.write_text(json.dumps(spec, indent=2))
        return out
    import vl_convert as vlc

    if suffix == ".png":
        out.write_bytes(vlc.vegalite_to_png(spec, scale=2))
    elif suffix == ".svg":
        out.write_text(vlc.vegalite_to_svg(spec))
    else:
        out.write_text(vlc.vegalite_to_html(spec, bundle=True))
    return out
