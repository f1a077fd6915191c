# ruff: noqa: E501  (the HTML template is easier to read with long lines)
"""The report's HTML: one self-contained file (CSS and the Vega JavaScript inlined; no network needed)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from llmflation.charts import labels
from llmflation.format import money, percent
from llmflation.format import score as fmt_score
from llmflation.report.index_section import render_index_section
from llmflation.report.render import inline_script
from llmflation.trends.fit import fmt_factor, fmt_price
from llmflation.trends.forecast import interval_text

if TYPE_CHECKING:
    from llmflation.report.build import ReportData

TEMPLATE = r"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>LLMflation report — {{ today }}</title>
<style>
:root { --ink:#1d2430; --muted:#5b6573; --line:#e3e6ea; --bg:#fafbfc; --accent:#3366CC; }
* { box-sizing: border-box; }
body { font: 15px/1.55 Helvetica, Arial, sans-serif; color: var(--ink); margin: 0; background: var(--bg); }
main { max-width: 1080px; margin: 0 auto; padding: 28px 28px 80px; background: white; }
.table-wrap { margin: 10px 0 6px; max-width: 100%; }
.table-scroll { overflow-x: auto; max-width: 100%; }
.table-tools { display: flex; justify-content: flex-end; gap: 4px; }
.table-tools button { font: 11px Helvetica, Arial, sans-serif; padding: 1px 8px; border: 1px solid var(--line);
  border-radius: 4px; background: white; color: var(--accent); cursor: pointer; }
.asof { font-size: 12px; color: var(--muted); margin: 2px 0 10px; }
.backtest-words li { margin: 4px 0; }
@media (max-width: 640px) {
  main { padding: 14px 12px 40px; }
  h1 { font-size: 24px; }
  table { font-size: 12px; }
  td.src { min-width: 180px; }
}
h1 { font-size: 30px; margin: 0 0 4px; letter-spacing: -0.5px; }
h2 { font-size: 21px; margin: 44px 0 8px; padding-top: 10px; border-top: 2px solid var(--line); }
h3 { font-size: 16px; margin: 24px 0 6px; }
p.lead { color: var(--muted); margin-top: 0; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(230px, 1fr)); gap: 14px; margin: 22px 0; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 14px 16px; background: #fcfdff; }
.card .big { font-size: 26px; font-weight: 700; color: var(--accent); }
.card .what { color: var(--muted); font-size: 13px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; margin: 10px 0 6px; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: #f3f5f8; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.src { font-size: 11px; color: var(--muted); min-width: 200px; max-width: 320px; overflow-wrap: anywhere; }
td.src a { color: var(--muted); }
.chart { margin: 14px 0 4px; overflow-x: auto; width: 100%; max-width: 100%; }
.files { font-size: 12px; color: var(--muted); }
.verdict { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600;
           white-space: nowrap; }
.v-supported { background: #d9f2e3; color: #17663a; }
.v-partly { background: #fdf0cf; color: #805b00; }
.v-not-supported { background: #f9dcdc; color: #8a1f1f; }
.v-insufficient-data { background: #eceef1; color: #555; }
details { margin: 4px 0 10px; }
summary { cursor: pointer; color: var(--accent); font-size: 13px; }
.note { font-size: 13px; color: var(--muted); }
code { background: #f3f5f8; padding: 1px 4px; border-radius: 3px; font-size: 12.5px; }
footer { margin-top: 48px; font-size: 12px; color: var(--muted); }
</style>
<script>{{ bundle }}</script>
<script>{{ ui }}</script>
</head>
<body>
<main>
<h1>LLMflation report</h1>
<p class="lead">What LLM inference costs at fixed capability, how fast it falls, and whether the headline claims
hold — computed from the llmflation ledger on {{ today }} ({{ cov.models }} models, {{ cov.prices }} dated prices
from {{ cov.providers }} providers, {{ cov.scores }} capability scores; prices from {{ cov.first_price }}).
<b>Data as of {{ as_of }}</b>: the newest price on record took effect that day; anything later in a chart is
carried forward or forecast, and is marked so.</p>

<div class="cards">
{% for c in cards %}<div class="card"><div class="big">{{ c.big }}</div><div class="what">{{ c.what }}</div></div>
{% endfor %}
</div>

<h2>1. Price history of landmark models</h2>
<p class="note">The seed article's table, recomputed from the ledger: the list price in effect at launch (the
developer's own API; for open-weight models, the cheapest host on the first day on record) and the cheapest offer
today. USD per 1M tokens; blended = (3·input + output)/4.</p>
<table>
<tr><th>Model</th><th>Tier</th><th>Launch</th><th class="num">Input</th><th class="num">Output</th>
<th class="num">Blended</th><th>Provider</th><th class="num">Today in / out</th><th>Sources</th></tr>
{% for h in history %}<tr><td>{{ h.label }}</td><td>{{ h.tier }}</td><td>{{ h.launch }}</td>
<td class="num">{{ h.input }}</td><td class="num">{{ h.output }}</td><td class="num">{{ h.blended }}</td>
<td>{{ h.provider }}</td><td class="num">{% if h.now_input is not none %}{{ h.now_input }} / {{ h.now_output }}
<br><span class="note">{{ h.now_provider }}</span>{% else %}retired{% endif %}</td>
<td class="src">{{ src(h.source) }}{% if h.now_source and h.now_source != h.source %}<br>{{ src(h.now_source) }}{% endif %}</td></tr>
{% endfor %}
{% if floor_row %}<tr><td><b>{{ floor_row.label }}</b></td><td>Floor today</td><td>{{ floor_row.date }}</td>
<td class="num">{{ floor_row.input }}</td><td class="num">{{ floor_row.output }}</td>
<td class="num">{{ floor_row.price }}</td><td>{{ floor_row.provider }}</td><td class="num">{{ floor_row.model }}</td>
<td class="src">{{ src(floor_row.source) }}</td></tr>{% endif %}
</table>
<p class="asof">Data as of {{ as_of }}. "Today" prices are those in effect on {{ today }} per the ledger.</p>
{% if 'launch-prices' in charts %}{{ chart('launch-prices') }}{% endif %}

<h2>2. Capability against price</h2>
{% if 'capability' in charts %}<p class="note">{{ capability_note }}</p>
{{ chart('capability') }}
<table><tr><th>Model (on the frontier, cheapest first)</th><th>Cheapest host</th><th class="num">Blended $/M</th>
<th class="num">{{ capability_bench }}</th><th>Price source</th><th>Score source</th></tr>
{% for p in capability_frontier %}<tr><td>{{ p.name }}</td><td>{{ p.provider }}</td><td class="num">{{ p.price }}</td>
<td class="num">{{ p.score }}</td><td class="src">{{ src(p.price_source) }}</td><td class="src">{{ src(p.score_source) }}</td></tr>{% endfor %}
</table>
<p class="asof">Prices in effect on {{ today }}; data as of {{ as_of }}.</p>
{% else %}<p class="note">No model with a {{ capability_bench }} score has a price on record.</p>{% endif %}

<h2>3. Cheapest price at fixed capability</h2>
<p class="note">For each threshold, the floor is the cheapest blended (3:1) price among all offers in effect that
day, any host, from models scoring at least the threshold (reasoning models excluded). A flat solid stretch is a
real plateau: the ledger holds prices for those months and none qualifying was cheaper. After {{ as_of }} (the
newest price on record, shaded) the floor is drawn dotted — "no newer data", not a measurement. Dots are record lows (each
below every earlier point) — the points Epoch AI's method fits. A model's score is the highest reported value
(the latest snapshot for LMArena Elo). Thresholds named after a model use that model's own score.</p>
{% for name in curve_charts %}{{ chart(name) }}
{% set panels = name.replace('curves-', 'forecasts-', 1) %}{% if panels in charts %}
<p class="note">The bands of several thresholds overlap after {{ as_of }}; click a threshold in the legend above
to bring it forward, or read each one on its own below.</p>{{ chart(panels) }}{% endif %}{% endfor %}
{% if skipped %}<details><summary>{{ skipped|length }} threshold(s) not shown</summary><ul class="note">
{% for s in skipped %}<li>{{ s }}</li>{% endfor %}</ul></details>{% endif %}

<h2>4. How fast prices fall</h2>
<p class="note">Epoch AI's method: ordinary least squares of log10(price) of the record lows on the date,
annualised over 365 days; 90% t-interval on the slope. Theil–Sen (median of pairwise slopes) and a seeded
bootstrap (2,000 resamples) show how much the answer depends on single points. Few points → wide intervals.</p>
<table>
<tr><th>Threshold</th><th class="num">n</th><th>Window</th><th class="num">× per year</th><th class="num">90% CI</th>
<th class="num">% per year</th><th class="num">Halves every</th><th class="num">R²</th><th class="num">Theil–Sen</th>
<th class="num">Bootstrap 90%</th></tr>
{% for r in decline %}<tr><td>{{ r.name }}</td><td class="num">{{ r.n }}</td><td>{{ r.window }}</td>
<td class="num"><b>{{ r.factor }}</b></td><td class="num">{{ r.ci }}</td><td class="num">{{ r.pct }}</td>
<td class="num">{{ r.halving }}</td><td class="num">{{ r.r2 }}</td><td class="num">{{ r.ts }}</td>
<td class="num">{{ r.boot }}</td></tr>
{% endfor %}
</table>
<p class="asof">Fits on record lows up to {{ as_of }} (data as of).</p>
{% if plateaus %}<p class="note plateaus"><b>No new low for over a year:</b> {{ plateaus | join("; ") }}. These rates
describe how fast the floor fell up to its newest record low; no cheaper qualifying offer has appeared since, so read
them as the pace of that period, not of today (the backtest below shows what that does to a forecast).</p>{% endif %}
{% if 'decline-rates' in charts %}{{ chart('decline-rates') }}{% endif %}

<h2>5. Forecasts and backtests</h2>
<p class="note">Each fit projected to {{ horizon }} with a 90% prediction interval (log-space OLS prediction interval:
it widens away from the data). The backtest refits on record lows up to {{ cutoff }} and compares the 6- and
12-month forecasts with the floor the ledger shows on those dates.</p>
<table>
<tr><th>Threshold</th><th class="num">Floor today</th><th class="num">Forecast {{ horizon }}</th>
<th class="num">90% prediction interval</th></tr>
{% for r in forecasts %}<tr><td>{{ r.name }}</td><td class="num">{{ r.now }}</td><td class="num">{{ r.central }}</td>
<td class="num">{{ r.interval }}</td></tr>{% endfor %}
</table>
{% for r in forecasts if r.note %}{% if loop.first %}<p class="note">{{ r.note[0] | upper }}{{ r.note[1:] }}.</p>{% endif %}{% endfor %}
<p class="asof">Data as of {{ as_of }}; everything after that date is a projection.</p>
{% if backtests %}<h3>Backtest</h3>
<table><tr><th>Threshold</th><th>Fit up to</th><th class="num">Horizon</th><th class="num">Predicted</th>
<th class="num">Interval</th><th class="num">Actual</th><th class="num">Error</th><th>Inside?</th></tr>
{% for r in backtests %}<tr><td>{{ r.name }}</td><td>{{ r.cutoff }} (n={{ r.n }})</td><td class="num">{{ r.h }}</td>
<td class="num">{{ r.pred }}</td><td class="num">{{ r.interval }}</td><td class="num">{{ r.actual }}</td>
<td class="num">{{ r.error }}</td><td>{{ r.inside }}</td></tr>{% endfor %}
</table>
<p class="asof">Actual floors from the ledger (data as of {{ as_of }}); "not yet" = the target date is past the data.</p>
{% if backtest_words %}<p class="note"><b>What the backtest says.</b></p><ul class="note backtest-words">
{% for w in backtest_words %}<li>{{ w }}</li>{% endfor %}</ul>{% endif %}
{% endif %}

<h2>6. Frontier vs floor</h2>
<p class="note">The most capable model on sale ({{ frontier_bench }}, highest score that month, its cheapest
offer) against the floor at {{ frontier_label }}. The gap is the "frontier premium": the price of being ahead.</p>
{% if 'frontier-vs-floor' in charts %}{{ chart('frontier-vs-floor') }}
<table><tr><th>Date</th><th>Frontier model</th><th class="num">Frontier $/M</th><th>Floor model</th>
<th class="num">Floor $/M</th><th class="num">Premium</th></tr>
{% for p in frontier_rows %}<tr><td>{{ p.date }}</td><td>{{ p.frontier_model }}</td><td class="num">{{ p.frontier_price }}</td>
<td>{{ p.floor_model or '—' }}</td><td class="num">{{ p.floor_price }}</td>
<td class="num">{{ p.premium_text }}</td></tr>{% endfor %}
</table>
<p class="asof">Monthly points to {{ today }}; data as of {{ as_of }}.</p>{% else %}<p class="note">Not enough scored, priced models for this view.</p>{% endif %}

<h2>7. Claims checked</h2>
<p class="note">Published claims (file <code>claims.toml</code>; add yours with
<code>llmflation claims --claims FILE</code>) evaluated against the ledger. Verdict rules: within ×/÷ tolerance
(default 2) → supported; within its square → partly; beyond → not supported; a rate claim must also fall inside
the fit's 90% interval.</p>
<table>
<tr><th>Claim</th><th>Claimed</th><th>Computed</th><th>Verdict</th></tr>
{% for r in claims %}<tr><td>“{{ r.claim.text }}”<br><span class="note">{{ r.claim.source }}{% if r.claim.url %} —
{{ r.claim.url }}{% endif %}</span>
<details><summary>evidence ({{ r.evidence|length }} rows) · {{ r.settings }}</summary><p class="note">{{ r.explanation }}</p>
{% if r.evidence %}<table><tr><th>role</th><th>date</th><th>model</th><th>provider</th><th class="num">$/M</th>
<th class="num">in</th><th class="num">out</th><th>source</th></tr>
{% for e in r.evidence %}<tr><td>{{ e.role }}</td><td>{{ e.date }}</td><td>{{ e.model }}</td><td>{{ e.provider }}</td>
<td class="num">{{ e.price | money }}</td><td class="num">{{ e.input | money }}</td><td class="num">{{ e.output | money }}</td>
<td class="src">{{ src(e.source) }}</td></tr>{% endfor %}</table>{% endif %}</details></td>
<td>{{ r.claimed }}</td><td>{{ r.computed }}</td>
<td><span class="verdict v-{{ r.verdict|replace(' ', '-') }}">{{ r.verdict }}</span></td></tr>
{% endfor %}
</table>
{{ index_section }}

<h2>Method, caveats, sources</h2>
<ul class="note">
<li>Prices are list prices per 1M tokens from the ledger (vendor pages, archived records, LiteLLM's MIT price-map
history), each with its source. Money is exact decimal; fits use log10 of prices.</li>
<li>Observed vs effective dates: {{ first_seen_steps }} of the {{ all_steps }} floor steps in these curves rest on
the first sighting of a changed price (the day a price source first showed it, not the vendor's effective date);
such a step is not counted as a record low at that date. An offer's first price dated by its first sighting
(nothing earlier known) still counts.</li>
<li>Thresholds depend on the score source: MMLU differs by shots and prompting by up to ~7 points, so "GPT-4 level"
means "at least GPT-4 (0314)'s score as recorded in the ledger".</li>
<li>Fits rest on few points (often 4–10) and the intervals are wide; treat single factors as order-of-magnitude.</li>
<li>Method after Epoch AI, "LLM inference prices have fallen rapidly but unequally across tasks" (2025-03-12;
github:epoch-research/llm-benchmark-efficiency). a16z, "Welcome to LLMflation" (2024-11-12).</li>
</ul>
<footer>Generated by llmflation {{ version }} · charts: Vega-Lite (inlined), also written as PNG and SVG in
<code>charts/</code> · data behind every table: <code>report-data.json</code>.</footer>
</main>
<script>
const SPECS = {{ specs_json }};
llmflationUI.tables(document.querySelector("main"));
for (const [name, spec] of Object.entries(SPECS)) {
  const el = document.getElementById("chart-" + name);
  if (el) llmflationUI.embed(el, spec);
}
</script>
</body>
</html>
"""


def _d(v: Decimal | None) -> str:
    """A list price for people ($2.50, $0.075); the exact value stays in report-data.json."""
    return money(v)


def _money(v: Decimal | None, floor: Decimal | None = None) -> str:
    return fmt_price(v, floor)


def ui_script() -> str:
    """The page script the dashboard serves too (table scroll boxes, CSV/JSON downloads, chart sizing)."""
    from importlib import resources

    return (resources.files("llmflation.web") / "static" / "ui.js").read_text(encoding="utf-8")


def render_html(data: ReportData, bundle: str) -> str:
    import jinja2
    from markupsafe import Markup, escape

    from llmflation import __version__
    from llmflation.charts.theme import responsive
    from llmflation.report.build import CAPABILITY_BENCHMARK, backtest_words, months_without_new_low, plateaued

    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    env.filters["money"] = money
    tpl = env.from_string(TEMPLATE)

    def nm(model_id: str | None) -> str:
        return labels.model(model_id, data.names) if model_id else "—"

    def src(ref: str) -> Markup:
        """A source as a short readable label, linked when it has an address (full reference on hover)."""
        url = labels.source_url(ref)
        text = escape(labels.source(ref))
        if url:
            return Markup(f'<a href="{escape(url)}" title="{escape(ref)}" rel="noopener">{text}</a>')
        return Markup(f'<span title="{escape(ref)}">{text}</span>')

    def chart(name: str) -> Markup:
        return Markup(
            f'<div class="chart" id="chart-{name}"></div><div class="files">Data as of {data.as_of} · '
            f"charts/{name}.png · charts/{name}.svg · charts/{name}.vl.json</div>"
        )

    decline = []
    forecasts = []
    backtests = []
    plateaus = []
    for c in data.curves:
        if plateaued(c, data.as_of):
            low_day, months = months_without_new_low(c, data.as_of)
            plateaus.append(f"{labels.threshold(c.name)} (since {low_day}, {months} months)")
        f = c.fit
        if f is None:
            decline.append(
                {
                    "name": labels.threshold(c.name),
                    "n": len(c.series.records),
                    "window": "—",
                    "factor": "no fit",
                    "ci": c.refusal or "",
                    "pct": "",
                    "halving": "",
                    "r2": "",
                    "ts": "",
                    "boot": "",
                }
            )
            continue
        decline.append(
            {
                "name": labels.threshold(c.name),
                "n": f.n,
                "window": f"{f.start} → {f.end}",
                "factor": fmt_factor(f.factor_per_year),
                "ci": f"{fmt_factor(f.ci_low)} – {fmt_factor(f.ci_high)}",
                "pct": percent(-f.pct_per_year / 100, signed=True),
                "halving": "—" if f.halving_months is None else f"{f.halving_months:.1f} mo",
                "r2": f"{f.r2:.2f}",
                "ts": fmt_factor(f.theil_sen_factor),
                "boot": "—"
                if f.bootstrap_low is None
                else f"{fmt_factor(f.bootstrap_low)} – {fmt_factor(f.bootstrap_high)}",
            }
        )
        now = c.series.floor_at(c.series.end)
        if c.forecast is not None:
            fc = c.forecast
            forecasts.append(
                {
                    "name": labels.threshold(c.name),
                    "now": _money(now.price if now else None),
                    "central": _money(fc.central, fc.floor),
                    "interval": interval_text(fc.low, fc.high, fc.floor),
                    "note": fc.note or "",
                }
            )
        if c.backtest is not None:
            for r in c.backtest.rows:
                backtests.append(
                    {
                        "name": labels.threshold(c.name),
                        "cutoff": c.backtest.cutoff,
                        "n": c.backtest.fit.n,
                        "h": f"{r.horizon_months} mo",
                        "pred": _money(r.predicted, c.forecast.floor if c.forecast else None),
                        "interval": interval_text(r.low, r.high, c.forecast.floor if c.forecast else None),
                        "actual": "not yet" if r.actual is None else _money(r.actual),
                        "error": "" if r.error_pct is None else percent(r.error_pct / 100, signed=True),
                        "inside": "" if r.inside is None else ("yes" if r.inside else "no"),
                    }
                )
    floor_row = None
    cards = []
    h = data.headline
    if h is not None:
        last = h.series.floor_at(h.series.end)
        first = h.series.records[0]
        if last is not None:
            floor_row = {
                "label": f"Floor at {labels.threshold(h.name)}",
                "date": data.today,
                "input": _d(last.input),
                "output": _d(last.output),
                "price": _d(last.price),
                "provider": last.provider,
                "model": nm(last.model),
                "source": last.source,
            }
            cards.append(
                {
                    "big": f"{fmt_factor(float(first.price / last.price))}",
                    "what": f"cheaper at {labels.threshold(h.name)}: {_d(first.price)} ({nm(first.model)}, "
                    f"{first.date}) → {_d(last.price)} ({nm(last.model)}) today",
                }
            )
        if h.fit is not None:
            cards.append(
                {
                    "big": f"{fmt_factor(h.fit.factor_per_year)}/yr",
                    "what": f"decline at {labels.threshold(h.name)} (90% CI {fmt_factor(h.fit.ci_low)}–"
                    f"{fmt_factor(h.fit.ci_high)}, n={h.fit.n})",
                }
            )
    if data.frontier and data.frontier[-1].premium is not None:
        p = data.frontier[-1]
        cards.append(
            {
                "big": fmt_factor(float(p.premium or 0)),
                "what": f"frontier premium now: {nm(p.frontier_model)} vs the floor at {labels.threshold(data.frontier_label)}",
            }
        )
    verdicts: dict[str, int] = {}
    for cr in data.claims:
        verdicts[cr.verdict] = verdicts.get(cr.verdict, 0) + 1
    cards.append(
        {
            "big": f"{verdicts.get('supported', 0)} of {len(data.claims)}",
            "what": "published claims supported by the ledger ("
            + ", ".join(f"{v} {k}" for k, v in verdicts.items())
            + ")",
        }
    )
    frontier_rows = []
    for fp in data.frontier:
        if fp.date.month in (1, 7) or fp is data.frontier[-1]:
            frontier_rows.append(
                {
                    "date": fp.date,
                    "frontier_model": nm(fp.frontier_model),
                    "frontier_price": _money(fp.frontier_price),
                    "floor_model": nm(fp.floor_model) if fp.floor_model else None,
                    "floor_price": _money(fp.floor_price),
                    "premium_text": "—" if fp.premium is None else fmt_factor(float(fp.premium)),
                }
            )
    cutoff = next((c.backtest.cutoff for c in data.curves if c.backtest is not None), None)
    specs_json = Markup(inline_script(json.dumps({k: responsive(v) for k, v in data.specs.items()})))
    cap = data.capability[-1] if data.capability else None
    capability_frontier = [
        {
            "name": p.name,
            "provider": p.provider,
            "price": _money(p.price),
            "score": fmt_score(p.score),
            "price_source": p.price_source,
            "score_source": p.score_source,
        }
        for p in (cap.frontier if cap else [])
    ]
    years = [v.at.year for v in data.capability]
    capability_note = (
        f"Each dot is one model with a {labels.benchmark(CAPABILITY_BENCHMARK)} score, at its cheapest offer "
        f"(any host, blended 3:1) on {data.today}. The step line is the Pareto frontier: no model at that price or "
        "cheaper scores higher. Earlier frontiers (end of "
        + ", ".join(str(y) for y in years[:-1])
        + ") are drawn lighter, so you can see it move; the slider shows those years' dots. Hover a dot for "
        "its model, host, price, score and sources."
        if len(years) > 1
        else f"Each dot is one model with a {labels.benchmark(CAPABILITY_BENCHMARK)} score at its cheapest offer "
        f"on {data.today}; the step line is the Pareto frontier."
    )
    return tpl.render(
        today=data.today,
        cov=data.coverage,
        cards=cards,
        history=[_hist(h) for h in data.history],
        floor_row=floor_row,
        charts=data.specs,
        chart=chart,
        curve_charts=[k for k in data.specs if k.startswith("curves-")],
        as_of=data.as_of or "—",
        src=src,
        ui=Markup(inline_script(ui_script())),
        capability_bench=labels.benchmark(CAPABILITY_BENCHMARK),
        capability_frontier=capability_frontier,
        capability_note=capability_note,
        backtest_words=[w for c in data.curves if (w := backtest_words(c))],
        skipped=data.skipped,
        decline=decline,
        plateaus=plateaus,
        horizon=data.horizon,
        forecasts=forecasts,
        backtests=backtests,
        cutoff=cutoff,
        frontier_bench=labels.benchmark(data.frontier_benchmark) if data.frontier_benchmark else "",
        frontier_label=labels.threshold(data.frontier_label),
        frontier_rows=frontier_rows,
        claims=data.claims,
        version=__version__,
        first_seen_steps=sum(c.series.first_seen_steps for c in data.curves),
        all_steps=sum(len(c.series.steps) for c in data.curves),
        specs_json=specs_json,
        index_section=render_index_section(data.index, data.index_reason, chart, "price-index" in data.specs),
        bundle=Markup(inline_script(bundle)),
    )


def _hist(h: Any) -> dict[str, Any]:
    return {
        "label": h.label,
        "tier": h.tier,
        "launch": h.launch,
        "input": _d(h.input),
        "output": _d(h.output),
        "blended": _d(h.blended),
        "provider": h.provider,
        "source": h.source,
        "now_input": None if h.now_input is None else _d(h.now_input),
        "now_output": None if h.now_output is None else _d(h.now_output),
        "now_provider": h.now_provider,
        "now_source": h.now_source,
    }
