"""The Jevons chart: a workload's monthly bill next to its unit price ($ per 1M tokens), month by month.

The rows drawn by the one Jevons chart (`llmflation.charts.dashboard.jevons`, embedded by the dashboard and written
by `llmflation jevons --chart`). Amounts are converted to float here for plotting only; the exact Decimals stay in
the timeline.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from llmflation.errors import InputError

if TYPE_CHECKING:
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


def nonempty_rows(timelines: Sequence[Timeline]) -> list[dict[str, Any]]:
    """`chart_rows`, refusing a chart with nothing to draw."""
    rows = chart_rows(timelines)
    if not rows:
        raise InputError("nothing to chart: no month in the range has a bill (start earlier or lower the floor)")
    return rows


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
