# ruff: noqa: E501  (the HTML template is easier to read with long lines)
"""The report's price-index section: every method side by side, and in words why they disagree.

`compute_index(ledger, today)` runs `llmflation.index.overview.overview` (None, with the reason, when the ledger
cannot support it); `render_index_section(ov, chart)` returns the section's HTML for the report template.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from llmflation.trends.fit import fmt_factor, fmt_price

if TYPE_CHECKING:
    from markupsafe import Markup

    from llmflation.index.overview import IndexOverview
    from llmflation.ledger.ledger import Ledger

SECTION = r"""
<h2>7. A quality-adjusted price index, and every method side by side</h2>
{% if ov is none %}<p class="note">No index: {{ reason }}</p>{% else %}
{% set c = ov.comparison %}
<p class="note">One ledger, one window ({{ c.start.strftime('%Y-%m') }} → {{ c.end.strftime('%Y-%m') }}). The
hedonic index regresses the log price of every offer in effect on the 1st of each month on capability
({{ c.options.score }}, missing scores by {{ c.options.impute }}), reasoning, open weights, context window and
first-party vs host, with month effects, over {{ c.options.window_months }}-month windows, chained, with a
bias-corrected back-transform and a {{ (c.options.level * 100)|round|int }}% bootstrap interval clustered by model.
Factors read "the price divides by × each year".</p>
{% if has_chart %}{{ chart('price-index') }}{% endif %}
<table><tr><th>Method</th><th class="num">× per year</th><th class="num">Interval</th><th class="num">Half-life</th><th class="num">n</th><th>Window</th><th>What it measures</th></tr>
{% for r in rows %}<tr><td>{{ r.method }}</td><td class="num">{{ r.factor }}</td><td class="num">{{ r.ci }}</td><td class="num">{{ r.hl }}</td><td class="num">{{ r.n }}</td><td>{{ r.window }}</td><td>{{ r.measures }}</td></tr>{% endfor %}
</table>
<h3>Why the methods disagree</h3>
{% for p in ov.explanation %}<p>{{ p }}</p>{% endfor %}
<h3>The seed article's "~10× per year" and "4–10× per year through 2027"</h3>
<table><tr><th>Method</th><th>~10× per year</th><th>4–10× per year</th></tr>
{% for s in ov.seed %}<tr><td>{{ s.method }}</td><td>{{ s.vs_10x }}</td><td>{{ s.vs_4_to_10x }}</td></tr>{% endfor %}
</table>
{% if ov.premium %}<h3>The frontier premium</h3>
<table><tr><th>Frontier level reached</th><th>Model</th><th class="num">Price then</th><th class="num">Months to 10× cheaper</th><th class="num">Months to 100× cheaper</th></tr>
{% for lv in ov.premium.levels %}<tr><td>{{ lv.reached.strftime('%Y-%m') }}</td><td>{{ lv.model }}</td><td class="num">{{ money(lv.price) }}</td><td class="num">{{ lv.months_to_10x if lv.months_to_10x is not none else 'not yet' }}</td><td class="num">{{ lv.months_to_100x if lv.months_to_100x is not none else 'not yet' }}</td></tr>{% endfor %}
</table>{% endif %}
{% if ov.reasoning %}<p class="note">Reasoning-token deflation counts reasoning models' output × {{ ov.reasoning.multiplier[0] }}–{{ ov.reasoning.multiplier[2] }} (central {{ ov.reasoning.multiplier[1] }}): an <strong>estimate</strong> from {{ ov.reasoning.source }}.</p>{% endif %}
{% for n in notes %}<p class="note">{{ n }}</p>{% endfor %}
{% endif %}
"""


def compute_index(ledger: Ledger, today: date | None = None) -> tuple[IndexOverview | None, str]:
    from llmflation.errors import LlmflationError
    from llmflation.index.overview import overview

    end = None if today is None else date(today.year, today.month, 1)
    try:
        return overview(ledger, end=end), ""
    except LlmflationError as exc:
        return None, str(exc)


def index_chart_spec(ov: IndexOverview) -> dict[str, Any]:
    from llmflation.charts.index import overview_spec

    return overview_spec(ov)


def render_index_section(ov: IndexOverview | None, reason: str, chart: Any, has_chart: bool) -> Markup:
    import jinja2
    from markupsafe import Markup

    rows = []
    if ov is not None:
        for r in ov.rows():
            ok = r.factor_per_year is not None
            rows.append({
                "method": r.method, "measures": r.measures,
                "factor": fmt_factor(r.factor_per_year) if ok else "—",
                "ci": f"{fmt_factor(r.ci_low)} – {fmt_factor(r.ci_high)}" if ok else f"gap: {r.gap_reason}",
                "hl": f"{r.half_life_years:.2f} y" if r.half_life_years else "—",
                "n": f"{r.n} {r.n_unit}",
                "window": f"{r.start:%Y-%m} → {r.end:%Y-%m}" if r.start and r.end else "",
            })
    notes = list(ov.comparison.hedonic.notes) if ov is not None and ov.comparison.hedonic else []
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    html = env.from_string(SECTION).render(ov=ov, reason=reason, rows=rows, chart=chart, has_chart=has_chart,
                                           money=fmt_price, notes=notes)
    return Markup(html)
