"""The real CLI (subprocess) on the bundled ledger: trend, forecast, claims, report, and their bad-input paths."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest

EPOCH_MMLU_GPT3 = (
    # Epoch AI's published record-setting points for MMLU at GPT-3 level (date, blended 3:1 USD per 1M tokens),
    # github:epoch-research/llm-benchmark-efficiency@34b923314338360d1b1bbed6ec30d9299e54fdae:
    # results/default/lowest_price_models_above_previous_frontier/lowest_price_models_data.csv
    "date,price,model\n2021-11-20,60.0,GPT-3\n2022-09-01,20.0,GPT-3\n2023-03-06,2.0,GPT-3.5 Turbo\n"
    "2023-07-18,0.56,Llama-2-Chat-13B\n2023-12-01,0.2,Llama 2-7B\n2024-04-14,0.13,Llama 2-7B\n"
    "2024-07-23,0.1,Llama-3.1-Instruct-8B\n2024-09-24,0.08,Llama-3.2-Instruct-3B\n2024-10-03,0.07,Gemini-1.5-Flash-8B\n"
)


def test_trend_json_at_gpt4_level_starts_at_gpt4_launch_price(cli) -> None:
    r = cli("trend", "--benchmark", "mmlu", "--threshold", "gpt-4", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    for key in ("factor_per_year", "ci_low", "ci_high", "r2", "n", "points"):
        assert key in out
    assert out["n"] == len(out["points"]) >= 3
    first = out["points"][0]
    assert first["date"] == "2023-03-14" and first["model"] == "openai/gpt-4-0314"
    assert (
        Decimal(first["input"]) == 30 and Decimal(first["output"]) == 60 and Decimal(first["price"]) == Decimal("37.5")
    )
    prices = [Decimal(p["price"]) for p in out["points"]]
    assert prices == sorted(prices, reverse=True) and len(set(prices)) == len(prices)  # strictly new lows
    assert out["ci_low"] < out["factor_per_year"] < out["ci_high"]
    assert out["threshold"]["model"] == "openai/gpt-4-0314"


def test_trend_numeric_threshold_one_to_one_blend_and_csv(cli) -> None:
    r = cli("trend", "-b", "mmlu", "-t", "83", "--blend", "1:1", "--csv")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.strip().splitlines()
    assert lines[0].startswith("date,model,provider,price")
    assert lines[1].startswith("2023-03-14,openai/gpt-4-0314,openai,45")  # (30 + 60) / 2


def test_trend_table_and_chart(cli, tmp_path: Path) -> None:
    chart = tmp_path / "gpt4.svg"
    r = cli("trend", "-t", "gpt-4", "--hosts", "first-party", "--chart", str(chart))
    assert r.returncode == 0, r.stderr
    assert "openai/gpt-4-0314" in r.stdout and "Epoch method" in r.stdout
    assert chart.read_text().lstrip().startswith("<svg")


def test_unreachable_threshold_names_best_score(cli) -> None:
    r = cli("trend", "-b", "mmlu", "-t", "99.5")
    assert r.returncode == 1
    assert re.search(r"best mmlu score on record is [\d.]+ \(", r.stderr), r.stderr


def test_unknown_benchmark_lists_known(cli) -> None:
    r = cli("trend", "-b", "mmlu-pro", "-t", "80")
    assert r.returncode == 1
    assert "Unknown benchmark" in r.stderr and "gpqa_diamond" in r.stderr and "lmarena_elo" in r.stderr


def test_bad_blend_and_hosts_are_rejected(cli) -> None:
    assert cli("trend", "--blend", "3-1").returncode == 1
    r = cli("trend", "--hosts", "cheapest")
    assert r.returncode == 2 and "--hosts" in r.stderr


def test_points_file_reproduces_epoch_and_reports_bad_lines(cli, tmp_path: Path) -> None:
    good = tmp_path / "epoch.csv"
    good.write_text(EPOCH_MMLU_GPT3)
    r = cli("trend", "--points", str(good), "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert f"{out['factor_per_year']:.4g}" == "11.77" and out["n"] == 9
    bad = tmp_path / "bad.csv"
    bad.write_text("date,price\n2024-01-01,1\n2024-02-30,0.5\n2024-03-01,0\n2024-04-01,x\n")
    r = cli("trend", "--points", str(bad), "--json")
    assert r.returncode == 1 and r.stdout == ""
    for n in (3, 4, 5):
        assert f"line {n}" in r.stderr
    assert "nothing was fitted" in r.stderr


def test_too_few_points_is_refused_with_reason(cli) -> None:
    r = cli("trend", "-t", "gpt-4", "--from", "2025-06-01", "--json")
    assert r.returncode == 1 and "at least 3" in r.stderr


def test_forecast_and_backtest(cli) -> None:
    r = cli("forecast", "-b", "mmlu", "-t", "42", "--to", "2027-12", "--backtest", "2024-06-01", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["to"] == "2027-12-01"
    assert Decimal(out["low"]) < Decimal(out["central"]) < Decimal(out["high"])
    rows = out["backtest"]["rows"]
    assert [row["horizon_months"] for row in rows] == [6, 12]
    for row in rows:
        assert row["actual"] is not None and row["error_pct"] is not None
        assert isinstance(row["inside_interval"], bool)
    human = cli("forecast", "-t", "42", "--to", "2027-12", "--backtest", "2024-06-01")
    assert "Backtest" in human.stdout and "12 months" in human.stdout


def test_claims_bundled_and_extra_file(cli, tmp_path: Path) -> None:
    r = cli("claims", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert len(out) >= 6
    assert {c["verdict"] for c in out} <= {"supported", "partly", "not supported", "insufficient data"}
    by_id = {c["id"]: c for c in out}
    for cid in (
        "seed-95pct-two-years",
        "seed-1000x-three-years",
        "seed-30-to-under-050",
        "a16z-10x-per-year-mmlu42",
        "seed-gpt4-floor-2026",
        "seed-4-10x-through-2027",
    ):
        assert by_id[cid]["evidence"] or by_id[cid]["verdict"] == "insufficient data"
    extra = tmp_path / "mine.toml"
    extra.write_text(
        '[[claim]]\nid = "mine"\ntext = "GPT-4-level input under $5 by 2025"\nsource = "me"\nkind = "price"\n'
        'benchmark = "mmlu"\nthreshold = "gpt-4"\nblend = "1:0"\nat = 2025-01-01\nclaimed_usd = 5\n'
        'comparator = "at_most"\n'
        '[[claim]]\nid = "future"\ntext = "cheap in 2099"\nsource = "me"\nkind = "price"\nbenchmark = "mmlu"\n'
        'threshold = "gpt-4"\nat = 2099-01-01\nclaimed_usd = 0.01\ncomparator = "at_most"\n'
    )
    r = cli("claims", "--no-bundled", "--claims", str(extra), "--json")
    assert r.returncode == 0, r.stderr
    mine = {c["id"]: c for c in json.loads(r.stdout)}
    assert mine["mine"]["verdict"] == "supported"
    assert mine["future"]["verdict"] == "insufficient data" and "after today" in mine["future"]["explanation"]


def test_bad_claims_file_lists_every_problem(cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[[claim]]\nid = "x"\ntext = "t"\nsource = "s"\nkind = "rate"\nbenchmark = "mmlu"\n'
        'threshold = "42"\nfrom = "2024-01-01"\nclaimed_factor = -3\nhosts = "all"\n'
    )
    r = cli("claims", "--claims", str(bad))
    assert r.returncode == 1
    for text in ("TOML date", "positive number", "hosts 'all'"):
        assert text in r.stderr


@pytest.mark.slow
def test_report_writes_offline_html_and_charts(cli, tmp_path: Path) -> None:
    out = tmp_path / "rep"
    r = cli("report", "--out", str(out))
    assert r.returncode == 0, r.stderr
    html = (out / "report.html").read_text()
    assert "vegaEmbed" in html and "<script src" not in html  # inlined, no CDN
    assert not re.search(r"https?://[^\"' ]*(cdn|jsdelivr|unpkg)", html)
    for section in (
        "Price history",
        "Cheapest price at fixed capability",
        "How fast prices fall",
        "Frontier vs floor",
        "Claims checked",
        "Forecasts and backtests",
    ):
        assert section in html
    assert "GPT-4 (0314)" in html and "https://openai.com" in html  # the seed table carries sources
    charts = {p.name for p in (out / "charts").iterdir()}
    for name in ("curves-mmlu", "decline-rates", "frontier-vs-floor", "launch-prices"):
        assert {f"{name}.png", f"{name}.svg", f"{name}.vl.json"} <= charts
    assert (out / "charts" / "curves-mmlu.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    data = json.loads((out / "report-data.json").read_text())
    assert data["curves"] and data["claims"]
    assert "LLMflation report written to" in r.stdout
