"""`llmflation index` and `llmflation usage index` end to end, as a user runs them."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from helpers.usage_helpers import gen_module


def test_index_all_json_has_every_method_the_options_and_the_words(cli: Any) -> None:
    r = cli("index", "--json")
    assert r.returncode == 0, r.stderr
    body = json.loads(r.stdout)
    methods = {m["method"] for m in body["methods"]}
    assert {"hedonic", "threshold", "tiers:economy", "tiers:mid", "tiers:flagship", "frontier",
            "reasoning-task", "chat-token"} <= methods
    hed = next(m for m in body["methods"] if m["method"] == "hedonic")
    assert hed["ci_low"] < hed["factor_per_year"] < hed["ci_high"] and hed["n_unit"] == "offer-months"
    assert body["options"]["window_months"] == 2 and body["options"]["impute"] == "crosswalk"
    assert body["break"]["month"] and body["frontier_premium"]["months_to_10x"]["median"] is not None
    rd = body["reasoning_deflation"]
    assert rd["reasoning_multiplier"]["confidence"] == "estimated" and "Value Add VC" in rd["reasoning_multiplier"][
        "source"]
    assert body["why_they_differ"] and body["seed_claims"]
    gaps = [m for m in body["hedonic"]["months"] if m["index"] is None]
    assert gaps and all(m["gap_reason"] for m in gaps)


def test_index_table_csv_chart_and_one_method(cli: Any, tmp_path: Path) -> None:
    r = cli("index", "--method", "hedonic,threshold", "--bootstrap", "50")
    assert r.returncode == 0, r.stderr
    assert "hedonic" in r.stdout and "threshold" in r.stdout and "tiers:" not in r.stdout
    assert "Options used" in r.stderr and "window_months=2" in r.stderr.replace("\n", "")
    r = cli("index", "--method", "tiers", "--csv")
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert [x["method"] for x in rows] == ["tiers:economy", "tiers:mid", "tiers:flagship"]
    chart = tmp_path / "index.json"
    r = cli("index", "--method", "hedonic", "--method", "frontier", "--chart", str(chart), "--json")
    assert r.returncode == 0, r.stderr
    spec = json.loads(chart.read_text())
    series = {row["series"] for row in spec["data"]["values"]}
    assert any("Hedonic" in s for s in series) and any("Frontier" in s for s in series)


def test_index_bad_usage(cli: Any) -> None:
    assert cli("index", "--method", "vibes").returncode == 2
    assert cli("index", "--json", "--csv").returncode == 2
    r = cli("index", "--method", "hedonic", "--impute", "guess")
    assert r.returncode == 1 and "crosswalk" in r.stderr
    r = cli("index", "--method", "hedonic,frontier", "--min-offers", "100000", "--json")
    assert r.returncode == 0, r.stderr  # no hedonic index: its row is a gap with the reason, the rest still runs
    rows = {m["method"]: m for m in json.loads(r.stdout)["methods"]}
    assert rows["hedonic"]["factor_per_year"] is None and "lower the minimum" in rows["hedonic"]["gap_reason"]
    assert "--" not in rows["hedonic"]["gap_reason"]  # data shared with the web API names no CLI flag
    r = cli("index", "--window", "1")
    assert r.returncode == 1 and "--window 1: needs at least 2 months" in r.stderr
    assert rows["frontier"]["factor_per_year"] is not None
    assert cli("index", "--reasoning-level", "gpqa70").returncode == 2


def test_usage_index_cli(ledger: Any, shared_home: Path, tmp_path: Path, cli: Any) -> None:
    gen = gen_module()
    path = tmp_path / "u.parquet"
    gen.write_canonical(gen.generate(ledger, 2000, seed=5), path)
    r = cli("usage", "index", "--source", str(path), "--json", "--by", "provider")
    assert r.returncode == 0, r.stderr
    body = json.loads(r.stdout)
    assert body["formula"] == "fisher" and body["groups"]
    months = body["total"]["months"]
    assert months[0]["index"] == "1" and all(Decimal(m["cost_usd"]) >= 0 for m in months)
    r = cli("usage", "index", "--source", str(path))
    assert r.returncode == 0 and "Your price index" in r.stdout and "your prices" in r.stdout
    r = cli("usage", "index", "--source", str(path), "--csv", "--no-market")
    assert r.stdout.startswith("group,month,index")
    assert cli("usage", "index", "--source", str(path), "--by", "colour").returncode == 2
    r = cli("usage", "index", "--source", str(tmp_path / "missing.parquet"))
    assert r.returncode == 1 and "no such file" in r.stderr


def test_report_has_the_index_section(cli: Any, tmp_path: Path) -> None:
    r = cli("report", "--out", str(tmp_path / "rep"), "--no-images")
    assert r.returncode == 0, r.stderr
    html = (tmp_path / "rep" / "report.html").read_text()
    assert "A quality-adjusted price index" in html and "Why the methods disagree" in html
    assert 'id="chart-price-index"' in html and "4–10× per year" in html
    data = json.loads((tmp_path / "rep" / "report-data.json").read_text())
    assert {m["method"] for m in data["price_index"]["methods"]} >= {"hedonic", "threshold", "frontier"}
    assert (tmp_path / "rep" / "charts" / "price-index.vl.json").exists()
