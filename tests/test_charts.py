"""The one chart layer: one Vega-Lite version and theme, human labels, honest forecast charts, and the report
that uses them (v6 specs only, "data as of", the capability view, the backtest in words)."""

from __future__ import annotations

import json
import math
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from helpers.web_support import small_ledger
from llmflation.charts import labels
from llmflation.charts.theme import SCHEMA, VL_VERSION, responsive
from llmflation.charts.trends import Curve, curve_rows, curves_spec, decline_spec
from llmflation.trends.fit import fit_decline
from llmflation.trends.forecast import forecast
from llmflation.trends.series import cheapest_at_capability


@pytest.mark.parametrize(("key", "short", "expected"), [
    ("gpqa_diamond", False, "GPQA Diamond"),
    ("mmlu", False, "MMLU"),
    ("lmarena_elo", False, "LMArena Elo"),
    ("eci", False, "Epoch Capabilities Index"),
    ("eci", True, "ECI"),
    ("swe_bench_verified", False, "Swe Bench Verified"),
])
def test_benchmark_labels(key: str, short: bool, expected: str) -> None:
    assert labels.benchmark(key, short=short) == expected


@pytest.mark.parametrize(("raw", "expected"), [
    ("gpqa_diamond ≥ 48.9 (GPT-4o (2024-05-13) level)", "GPQA Diamond ≥ 48.9 (GPT-4o (2024-05-13) level)"),
    ("eci ≥ 126.1 (GPT-4 (0314) level)", "ECI ≥ 126.1 (GPT-4 (0314) level)"),
    ("mmlu ≥ 42", "MMLU ≥ 42"),
    ("points.csv", "points.csv"),  # not a threshold label: unchanged
])
def test_threshold_labels(raw: str, expected: str) -> None:
    assert labels.threshold(raw) == expected


def test_source_labels_hide_commit_hashes_but_keep_the_link() -> None:
    ref = "github:BerriAI/litellm@f220a337bd8ca3182bb2166511df89c1774b9b0e:model_prices_and_context_window.json"
    assert labels.source(ref) == "BerriAI/litellm model_prices_and_context_window.json (commit f220a33)"
    assert labels.source_url(ref) == ("https://github.com/BerriAI/litellm/blob/f220a337bd8ca3182bb2166511df89c1774b9b0e"
                                      "/model_prices_and_context_window.json")
    assert labels.source("https://www.anthropic.com/pricing") == "anthropic.com/pricing"
    assert labels.source_url("vendor price sheet, 2024") is None


def _curve(end: date) -> Curve:
    s = cheapest_at_capability(small_ledger(), "mmlu", "86", end=end)
    f = fit_decline([(p.date, p.price) for p in s.records])
    return Curve(s.threshold.label, s, f, forecast(f, date(2026, 12, 31), path_from=f.end))


def test_curve_after_the_newest_data_is_marked_not_drawn_as_data() -> None:
    c = _curve(date(2026, 1, 1))
    as_of = date(2025, 6, 1)
    rows = curve_rows([c], as_of=as_of)
    # the floor's line stops at the newest observation; the rest is the dotted "no newer data" stretch
    assert max(r["date"] for r in rows["steps"]) == "2025-06-01"
    assert [r["date"] for r in rows["stale"]] == ["2025-06-01", "2026-01-01"]
    assert all(r["note"] == "no newer data after 2025-06-01" for r in rows["stale"])
    # bands are drawn from the newest observation on; before it only the central line shows the fit's path
    assert all(r["band"] == (r["date"] >= "2025-06-01") for r in rows["bands"])
    spec = curves_spec([c], as_of=as_of)
    text = json.dumps(spec, ensure_ascii=False)
    assert "after the newest data (2025-06-01)" in text and "MMLU ≥ 86" in text and "mmlu ≥" not in text
    assert all(layer["mark"].get("clip") for layer in spec["layer"] if layer["mark"]["type"] == "area")


def test_without_as_of_the_curve_is_unchanged() -> None:
    rows = curve_rows([_curve(date(2026, 1, 1))])
    assert rows["stale"] == [] and all(r["band"] for r in rows["bands"])
    assert max(r["date"] for r in rows["steps"]) == "2026-01-01"


def test_specs_render_offline_with_the_same_vega_lite_version() -> None:
    import vl_convert as vlc

    spec = curves_spec([_curve(date(2026, 1, 1))], as_of=date(2025, 6, 1))
    assert spec["$schema"] == SCHEMA and VL_VERSION.split(".")[0] == "6" and "/v6" in SCHEMA
    svg = vlc.vegalite_to_svg(spec, vl_version=VL_VERSION)
    assert svg.lstrip().startswith("<svg") and "after the newest data" in svg


def test_responsive_sizes_single_views_by_their_box_and_leaves_concat_to_the_page() -> None:
    single = responsive({"width": 760, "height": 300, "mark": "point"}, 200)
    assert single["width"] == "container" and single["height"] == 200 and single["autosize"]["type"] == "fit-x"
    concat = responsive({"vconcat": [{"width": 760}, {"width": 760}]})
    assert concat["vconcat"][0]["width"] == 760 and "autosize" not in concat


def test_report_uses_one_version_says_data_as_of_and_explains_its_backtest(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "rep"
    r = cli("report", "--out", str(out))
    assert r.returncode == 0, r.stderr
    html = (out / "report.html").read_text()
    assert "vega-lite/v5" not in html
    for f in (out / "charts").glob("*.vl.json"):
        assert json.loads(f.read_text())["$schema"] == SCHEMA, f.name
    assert "Data as of 20" in html and html.count('class="asof"') >= 5
    assert "Capability against price" in html and (out / "charts" / "capability.svg").exists()
    assert "What the backtest says" in html and "90% interval" in html
    assert "gpqa_diamond ≥" not in html.split("const SPECS")[0]  # human labels in the text and tables
    assert "llmflationUI.tables" in html  # tables get their own scroll box and CSV/JSON downloads


def _small_specs() -> dict[str, dict[str, Any]]:
    c = _curve(date(2026, 1, 1))
    return {"curves": curves_spec([c], as_of=date(2025, 6, 1)), "decline": decline_spec([c])}


def test_rendering_workers_draw_what_vl_convert_draws_in_process(tmp_path: Path) -> None:
    """The worker processes (started before the report is computed) give the same SVG as rendering here."""
    from llmflation.report.render import ChartRenderer, to_svg_and_png

    specs = _small_specs()
    jobs = [(n, s, tmp_path / f"{n}.svg", tmp_path / f"{n}.png") for n, s in specs.items()]
    with ChartRenderer(workers=2) as r:
        files = r.render(jobs)
    assert sorted(files) == sorted(specs)
    for name in specs:
        to_svg_and_png(specs[name], tmp_path / f"ref-{name}.svg", tmp_path / f"ref-{name}.png")
        ours, ref = (tmp_path / f"{name}.svg").read_text(), (tmp_path / f"ref-{name}.svg").read_text()
        # clip-path ids are numbered per JavaScript engine: compare without them
        assert re.sub(r"clip\d+", "clip", ours) == re.sub(r"clip\d+", "clip", ref), name
        assert (tmp_path / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_dead_worker_falls_back_to_rendering_in_process(tmp_path: Path) -> None:
    from llmflation.report.render import ChartRenderer

    specs = _small_specs()
    jobs = [(n, s, tmp_path / f"{n}.svg", tmp_path / f"{n}.png") for n, s in specs.items()]
    with ChartRenderer(workers=1) as r:
        r.procs[0].kill()
        r.procs[0].wait()
        files = r.render(jobs)
    assert sorted(files) == sorted(specs)
    assert all((tmp_path / f"{n}.svg").read_text().lstrip().startswith("<svg") for n in specs)


def test_a_spec_vl_convert_refuses_raises_as_in_process(tmp_path: Path) -> None:
    from llmflation.report.render import ChartRenderer

    bad = {"$schema": SCHEMA, "mark": "no-such-mark", "data": {"values": [{"x": 1}]}}
    with ChartRenderer(workers=1) as r, pytest.raises(ValueError):
        r.render([("bad", bad, tmp_path / "bad.svg", tmp_path / "bad.png")])


def test_rendered_charts_are_reused_from_the_cache(tmp_path: Path) -> None:
    """A spec rendered before (same spec, versions and scale) is copied from the cache, not rendered again."""
    from llmflation.report.render import ChartRenderer, chart_key

    cache = tmp_path / "cache"
    spec = _small_specs()["curves"]
    with ChartRenderer(workers=0, cache=cache) as r:
        r.render([("c", spec, tmp_path / "a.svg", tmp_path / "a.png")])
    key = chart_key(spec)
    assert (cache / f"{key}.svg").read_text() == (tmp_path / "a.svg").read_text()
    # mark the cached copy: a second build must take it from there
    (cache / f"{key}.svg").write_text((tmp_path / "a.svg").read_text() + "<!-- cached -->")
    with ChartRenderer(workers=0, cache=cache) as r:
        r.render([("c", spec, tmp_path / "b.svg", tmp_path / "b.png")])
    assert (tmp_path / "b.svg").read_text().endswith("<!-- cached -->")
    # any change to the spec is a new key
    assert chart_key({**spec, "width": 761}) != key


def _curves_two(end: date = date(2026, 1, 1)) -> list[Curve]:
    out = []
    for thr in ("80", "gpt-4"):
        s = cheapest_at_capability(small_ledger(), "mmlu", thr, end=end)
        f = fit_decline([(p.date, p.price) for p in s.records])
        out.append(Curve(s.threshold.label, s, f, forecast(f, date(2026, 12, 31), path_from=f.end)))
    return out


def test_several_bands_are_outlined_named_and_pickable_in_the_legend() -> None:
    """Overlapping forecast bands: outlines in their own colour (no filled block), a name at the right end inside
    the plot and apart from the others, and a legend selection that brings one threshold forward."""
    curves = _curves_two()
    spec = curves_spec(curves, as_of=date(2025, 6, 1), names={"openai/gpt-4-0314": "GPT-4 (0314)"})
    layers = spec["layer"]
    assert not [v for v in layers if v["mark"]["type"] == "area"]
    edges = [v for v in layers if v["mark"]["type"] == "line" and v["encoding"]["y"]["field"] in ("low", "high")]
    assert len(edges) == 4 and all(v["mark"]["clip"] for v in edges)
    assert len({v["mark"]["color"] for v in edges}) == 2
    steps = next(v for v in layers if v.get("params"))
    assert steps["params"][0]["bind"] == "legend" and steps["params"][0]["select"]["fields"] == ["series"]
    assert all(v["encoding"]["opacity"]["condition"]["param"] == "pick" for v in layers[3:])
    names = next(v for v in layers if v["mark"]["type"] == "text" and v["encoding"]["text"]["field"] == "text")
    lo, hi = spec["layer"][3]["encoding"]["y"]["scale"]["domain"]
    texts = {r["text"]: r["y"] for r in names["data"]["values"]}
    assert set(texts) <= {"≥ 80", "GPT-4 (0314) level", "≥ 80 ↑", "GPT-4 (0314) level ↑"} and texts
    assert all(lo <= y <= hi for y in texts.values())
    if len(texts) == 2:
        a, b = sorted(math.log10(y) for y in texts.values())
        assert b - a >= (math.log10(hi) - math.log10(lo)) * 13 / spec["height"] * 0.999
    # the legend drops the benchmark name the title already gives
    assert "replace(datum.label" in json.dumps(steps["encoding"]["color"]["legend"])


def test_one_forecast_panel_per_threshold_each_band_on_its_own_axis() -> None:
    import vl_convert as vlc

    from llmflation.charts.trends import forecast_panels_spec

    curves = _curves_two()
    spec = forecast_panels_spec(curves, as_of=date(2025, 6, 1))
    assert spec is not None and spec["$schema"] == SCHEMA and len(spec["concat"]) == 2
    for panel, c in zip(spec["concat"], curves, strict=True):
        assert panel["title"]["text"] == labels.threshold(c.name)
        area = next(v for v in panel["layer"] if v["mark"]["type"] == "area")
        assert area["mark"]["clip"]
        lo, hi = area["encoding"]["y"]["scale"]["domain"]
        floor_now = float(c.series.steps[-1].price)
        assert lo >= floor_now / 10_000 and hi > floor_now  # at most three decades (rounded out) below the floor
    svg = vlc.vegalite_to_svg(spec, vl_version=VL_VERSION)
    assert svg.count("mark-area") == 2
    assert forecast_panels_spec([Curve(c.name, c.series, c.fit) for c in curves], as_of=None) is None


def test_jevons_chart_leaves_free_months_off_its_log_scales_and_says_so() -> None:
    """A month on a free offer (Gemini 1.5 Pro's free preview until 2024-05-30) bills $0: the bill is right, but a log
    scale cannot draw 0 (Vega warns and breaks the axis). The panels filter it out and the subtitle says so."""
    from datetime import date

    from llmflation.charts.dashboard import jevons

    def row(month: str, measure: str, value: float) -> dict[str, object]:
        return {"month": month, "measure": measure, "value": value, "scenario": "cheapest", "model": "m",
                "period": "history"}

    rows = [row("2024-05-01", "Monthly bill (USD)", 0.0), row("2024-06-01", "Monthly bill (USD)", 283.4),
            row("2024-05-01", "Unit price (USD per 1M tokens)", 0.0),
            row("2024-06-01", "Unit price (USD per 1M tokens)", 4.4)]
    spec = jevons(rows, date(2024, 6, 1))
    panels = spec["vconcat"]
    assert all({"filter": {"field": "value", "gt": 0}} in p["transform"] for p in panels)
    assert "months billed at $0 (a free offer) are not drawn" in spec["title"]["subtitle"]
    paid = jevons(rows[1::2], date(2024, 6, 1))
    assert "free offer" not in paid["title"]["subtitle"]
