"""Capability against price: the points, the Pareto frontier, year-end snapshots (domain), the Altair chart,
`llmflation plot capability`, the /capability page and /api/capability."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from helpers.web_support import small_ledger
from llmflation.errors import InputError, UnknownNameError
from llmflation.trends.capability import capability_view, pareto, yearly_views

D = Decimal


@pytest.mark.parametrize(("pairs", "expected"), [
    ([], []),
    ([(D(1), D(50))], [True]),
    # cheaper and better dominates; order of input does not matter
    ([(D(5), D(60)), (D(1), D(70))], [False, True]),
    # a staircase: each dearer point scores higher
    ([(D(1), D(50)), (D(2), D(60)), (D(3), D(70))], [True, True, True]),
    # same score, dearer: dominated; same price, lower score: dominated
    ([(D(1), D(50)), (D(2), D(50)), (D(1), D(40))], [True, False, False]),
    # exact ties on both axes are all on the frontier
    ([(D(1), D(50)), (D(1), D(50))], [True, True]),
    # a cheap weak model and an expensive strong one, a middling one that is beaten by the cheap one
    ([(D("0.1"), D(80)), (D(3), D(75)), (D(10), D(90))], [True, False, True]),
])
def test_pareto_table(pairs: list[tuple[Decimal, Decimal]], expected: list[bool]) -> None:
    assert pareto(pairs) == expected


def test_view_on_a_small_ledger_by_hand() -> None:
    # blended 3:1 — gpt-4 (30*3+60)/4 = 37.5; gpt-4o after the cut (2.5*3+10)/4 = 4.375;
    # llama on deepinfra (0.23*3+0.40)/4 = 0.2725 (together's 0.88 is dearer)
    v = capability_view(small_ledger(), "mmlu", at=date(2025, 1, 1))
    got = [(p.model, p.provider, p.price, p.score, p.on_frontier) for p in v.points]
    assert got == [
        ("meta/llama-3.3-70b-instruct", "deepinfra", D("0.2725"), D("86.3"), True),
        ("openai/gpt-4o-2024-05-13", "openai", D("4.375"), D("88.7"), True),
        ("openai/gpt-4-0314", "openai", D("37.5"), D("86.4"), False),  # gpt-4o is cheaper and scores higher
    ]
    assert [p.model for p in v.frontier] == ["meta/llama-3.3-70b-instruct", "openai/gpt-4o-2024-05-13"]
    d = v.as_dict()
    assert d["points"][0]["price_usd_per_mtok"] == "0.2725" and d["frontier"][1] == "openai/gpt-4o-2024-05-13"


def test_view_uses_the_price_in_effect_on_the_date() -> None:
    v = capability_view(small_ledger(), "mmlu", at=date(2024, 6, 1))  # gpt-4o before its cut: (15+15)/4
    prices = {p.model: p.price for p in v.points}
    assert prices == {"openai/gpt-4o-2024-05-13": D("7.5"), "openai/gpt-4-0314": D("37.5")}


def test_yearly_snapshots_skip_thin_years() -> None:
    views = yearly_views(small_ledger(), "mmlu", at=date(2025, 3, 1))
    # end of 2023: only GPT-4 on sale (one point, skipped); end of 2024: three models; then the at-date
    assert [(v.at, len(v.points)) for v in views] == [(date(2024, 12, 31), 3), (date(2025, 3, 1), 3)]


def test_bad_inputs() -> None:
    with pytest.raises(UnknownNameError, match=r"Unknown benchmark 'gpqa'"):
        capability_view(small_ledger(), "gpqa")
    with pytest.raises(InputError, match="No model with a mmlu score has a price in effect on 2001-01-01"):
        yearly_views(small_ledger(), "mmlu", at=date(2001, 1, 1))


def test_chart_is_vega_lite_6_with_frontier_lines_and_a_year_slider() -> None:
    from llmflation.charts.capability import capability_spec
    from llmflation.charts.theme import SCHEMA

    views = yearly_views(small_ledger(), "mmlu", at=date(2025, 3, 1))
    spec = capability_spec(views)
    assert spec["$schema"] == SCHEMA and "/v6" in SCHEMA
    text = json.dumps(spec)
    assert '"type": "log"' in text and "step-after" in text and "MMLU" in text
    [param] = spec["params"]
    assert param["bind"]["input"] == "range" and param["value"] == 2025 and param["bind"]["min"] == 2024
    rows = spec.get("datasets", {})
    values = [r for rs in rows.values() for r in rs] if rows else spec["data"]["values"]
    assert {r["model"] for r in values if r["frontier"] and r["year"] == 2025} == {
        "Llama 3.3 70B Instruct", "GPT-4o (2024-05-13)"}


def test_cli_plot_capability(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    r = cli("plot", "capability", "--benchmark", "gpqa_diamond", "--json")
    assert r.returncode == 0, r.stderr
    body = json.loads(r.stdout)
    pts = [(D(p["price_usd_per_mtok"]), D(p["score"]), p["on_frontier"]) for p in body["points"]]
    assert len(pts) > 10
    for price, score, front in pts:  # the definition, checked independently of the code's sort-and-sweep
        beaten = any((p2 <= price and s2 > score) or (p2 < price and s2 >= score) for p2, s2, _ in pts)
        assert front == (not beaten)
    svg = tmp_path / "cap.svg"
    r = cli("plot", "capability", "-b", "mmlu", "--at", "2025-01-01", "--out", str(svg), "--frontier")
    assert r.returncode == 0, r.stderr
    assert svg.read_text().lstrip().startswith("<svg") and "MMLU against price" in svg.read_text()
    assert "frontier" in r.stdout


@pytest.mark.parametrize(("args", "code", "needle"), [
    (("-b", "gpqa"), 1, "Did you mean: gpqa_diamond"),
    (("--out", "chart.gif"), 2, ".png, .svg, .html or .json"),
    (("--at", "1990-01-01"), 1, "No model with a gpqa_diamond score"),
    (("--json", "--csv"), 2, "choose one of"),
])
def test_cli_plot_capability_bad_input(cli, args: tuple[str, ...], code: int, needle: str) -> None:  # type: ignore[no-untyped-def]
    r = cli("plot", "capability", *args)
    assert r.returncode == code and needle in r.stderr, (r.returncode, r.stderr)


def test_capability_page_and_api() -> None:
    from llmflation.web import WebSettings, create_app

    client = TestClient(create_app(WebSettings(), ledger=small_ledger()), raise_server_exceptions=False)
    body = client.get("/api/capability", params={"benchmark": "mmlu", "at": "2025-01-01"}).json()
    assert body["ok"] is True and body["frontier"] == ["meta/llama-3.3-70b-instruct", "openai/gpt-4o-2024-05-13"]
    assert body["points"][0]["price_usd_per_mtok"] == "0.2725"
    bad = client.get("/api/capability", params={"benchmark": "mmlux"})
    assert bad.status_code == 404 and "mmlu" in bad.json()["error"]
    far = client.get("/api/capability", params={"benchmark": "mmlu", "at": "2300-01-01"})
    assert far.status_code == 422 and "2100-12-31" in far.json()["error"]
    page = client.get("/capability", params={"benchmark": "mmlu", "at": "2025-01-01"})
    assert page.status_code == 200 and 'id="capability"' in page.text and 'id="frontier-table"' in page.text
    assert "Llama 3.3 70B Instruct" in page.text and "$0.2725" in page.text and "data as of 2025-06-01" in page.text
    assert '<span class="asof">Data as of 2025-06-01.</span>' in page.text  # on the chart's caption, as on every chart
    err = client.get("/capability", params={"benchmark": "nope"})
    assert err.status_code == 200 and 'id="capability-error"' in err.text and "Unknown benchmark" in err.text


def test_frontier_names_do_not_print_over_each_other() -> None:
    """Two frontier models close together (price and score) get different label places where a free one exists."""
    from llmflation.charts.capability import _place_labels

    rows = [
        {"model": "Qwen3.5-Flash", "price": 0.114, "score": 84.2, "frontier": True, "year": 2026},
        {"model": "Gemma 4 31B IT", "price": 0.18, "score": 84.4, "frontier": True, "year": 2026},
        {"model": "far away", "price": 10.0, "score": 20.0, "frontier": True, "year": 2026},
        {"model": "not on the frontier", "price": 0.12, "score": 84.0, "frontier": False, "year": 2026},
    ]
    _place_labels(rows, 0.01, 100.0, 760, 440, [10.0, 100.0])
    assert rows[0]["place"] == "right-above" and rows[1]["place"] != rows[0]["place"]
    assert rows[2]["place"] == "right-above" and rows[3]["place"] is None
