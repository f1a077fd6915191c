"""`llmflation bill` and `llmflation jevons` as a user runs them: real CLI in a subprocess, real bundled data."""

from __future__ import annotations

import json
from decimal import Decimal as D
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*.toml"))


def test_there_are_four_examples() -> None:
    assert {p.stem for p in EXAMPLES} >= {"chat-assistant", "coding-agent", "rag-documents", "batch-documents"}


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_runs_in_one_command(cli, example: Path) -> None:
    result = cli("bill", str(example), "--json")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["offers"], "no offer meets the example's floor"
    first = out["offers"][0]
    for key in ("model", "provider", "monthly_usd", "per_task_usd", "items", "margin", "warnings"):
        assert key in first
    assert first == out["cheapest"]
    monthly = [D(o["monthly_usd"]) for o in out["offers"]]
    assert monthly == sorted(monthly)
    for o in out["offers"]:  # items add up to the total exactly, and every offer meets the floor
        assert sum(D(i["monthly_usd"]) for i in o["items"].values()) == D(o["monthly_usd"])
        assert D(o["score"]) >= D(out["floor"]["min"])
    human = cli("bill", str(example), "--top", "3")
    assert human.returncode == 0 and "Cheapest capable offer" in human.stdout


def test_bill_one_model_at_a_date_is_hand_checkable(cli) -> None:
    # GPT-4 at its launch price ($30 / $60 per 1M): 1000 tasks × 2 calls × (1000 in + 500 out) = $120 a month
    result = cli("bill", "--tasks-per-month", "1000", "--calls-per-task", "2", "--input-tokens", "1000",
                 "--output-tokens", "500", "--model", "gpt-4", "--provider", "openai", "--at", "2023-06-01",
                 "--revenue-per-task", "0.5", "--json")
    assert result.returncode == 0, result.stderr
    offer = json.loads(result.stdout)["offers"][0]
    assert offer["model"] == "openai/gpt-4-0314" and offer["provider"] == "openai"
    assert offer["monthly_usd"] == "120" and offer["per_task_usd"] == "0.12"
    assert offer["items"]["uncached_input"]["monthly_usd"] == "60"
    assert offer["items"]["output"]["monthly_usd"] == "60"
    assert offer["margin"]["gross_margin"] == "0.76"


def test_missing_cached_price_is_a_visible_fallback(cli) -> None:
    result = cli("bill", "--tasks-per-month", "10", "--input-tokens", "1000", "--output-tokens", "10",
                 "--cached-input-share", "0.5", "--model", "gpt-4", "--at", "2023-06-01", "--json")
    offer = json.loads(result.stdout)["offers"][0]
    assert [w["code"] for w in offer["warnings"]] == ["cached_input_missing"]
    assert D(offer["items"]["cache_read"]["monthly_usd"]) == D(10) * 500 * 30 / 1_000_000  # full input price
    human = cli("bill", "--tasks-per-month", "10", "--input-tokens", "1000", "--output-tokens", "10",
                "--cached-input-share", "0.5", "--model", "gpt-4", "--at", "2023-06-01")
    assert "⚠" in human.stdout and "cache reads billed at the full input price" in human.stdout


def test_csv_has_one_row_per_offer(cli) -> None:
    result = cli("bill", str(ROOT / "examples" / "chat-assistant.toml"), "--csv", "--top", "4")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[0].startswith("rank,model,provider,at,monthly_usd") and len(lines) == 5


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("--input-tokens", "-5"), "input_tokens"),
        (("--input-tokens", "999999999999"), "input_tokens"),
        (("--cached-input-share", "1.5"), "cached_input_share"),
        (("--batch-share", "abc"), "batch_share"),
        (("--floor", "mmlu_pro>=50"), "floor.benchmark"),
        (("--model", "gpt-9000"), "gpt-9000"),
    ],
)
def test_bad_input_exits_1_naming_the_field(cli, args: tuple[str, ...], field: str) -> None:
    result = cli("bill", str(ROOT / "examples" / "chat-assistant.toml"), *args)
    assert result.returncode == 1, result.stdout
    assert field in result.stderr and "Traceback" not in result.stderr


def test_unknown_model_in_the_file_is_named(cli, tmp_path: Path) -> None:
    f = tmp_path / "w.toml"
    f.write_text('tasks_per_month = 10\ninput_tokens = 10\noutput_tokens = 10\n[[models]]\nmodel = "gpt-4oo"\n')
    result = cli("bill", str(f))
    assert result.returncode == 1
    assert "models[0].model" in result.stderr and "gpt-4o" in result.stderr  # did you mean
    f.write_text("tasks_per_month = 10\ninput_tokens = 10\n")
    result = cli("bill", str(f))
    assert result.returncode == 1 and "output_tokens: required field is missing" in result.stderr


def test_jevons_two_workloads_decomposes_exactly(cli) -> None:
    a, b = ROOT / "examples" / "chat-assistant.toml", ROOT / "examples" / "coding-agent.toml"
    result = cli("jevons", str(a), str(b), "--json")
    assert result.returncode == 0, result.stderr
    d = json.loads(result.stdout)["decomposition"]
    assert D(d["volume_usd"]) + D(d["mix_usd"]) + D(d["price_usd"]) == D(d["change_usd"])
    assert D(d["after_usd"]) - D(d["before_usd"]) == D(d["change_usd"])
    ratio = D(d["volume_factor"]) * D(d["mix_factor"]) * D(d["price_factor"])
    assert abs(ratio - D(d["after_usd"]) / D(d["before_usd"])) < D("1e-9")


def test_jevons_two_dates_shows_price_falling_and_volume_rising(cli) -> None:
    result = cli("jevons", str(ROOT / "examples" / "chat-assistant.toml"), "--at-before", "2024-09-01",
                 "--at-after", "2025-09-01", "--policy", "fixed", "--json")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert D(out["after"]["tasks_per_month"]) / D(out["before"]["tasks_per_month"]) == D("1.05") ** 12
    d = out["decomposition"]
    assert D(d["volume_usd"]) > 0 and D(d["mix_usd"]) == 0
    assert D(d["volume_usd"]) + D(d["mix_usd"]) + D(d["price_usd"]) == D(d["change_usd"])


def test_jevons_timeline_json_and_chart(cli, tmp_path: Path) -> None:
    chart = tmp_path / "jevons.svg"
    result = cli("jevons", str(ROOT / "examples" / "coding-agent.toml"), "--from", "2025-01", "--to", "2027-06",
                 "--annual-decline", "0.5", "--chart", str(chart), "--json")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert {t["policy"] for t in out["timelines"]} == {"fixed", "cheapest"}
    cheapest = next(t for t in out["timelines"] if t["policy"] == "cheapest")["points"]
    assert len(cheapest) == 30 and cheapest[-1]["projected"] and not cheapest[0]["projected"]
    billed = [p for p in cheapest if p["monthly_usd"] is not None]
    # Jevons: the unit price at the end is below the start while tokens grow every month
    assert D(billed[-1]["usd_per_mtok"]) < D(billed[0]["usd_per_mtok"])
    tokens = [D(p["tokens_per_month"]) for p in cheapest]
    assert tokens == sorted(tokens)
    d = out["decomposition"]["cheapest"]
    assert d["by"] == "total" and D(d["volume_usd"]) > 0 > D(d["price_usd"])
    assert chart.read_text().lstrip().startswith("<svg")


def test_jevons_usage_errors(cli) -> None:
    ex = str(ROOT / "examples" / "chat-assistant.toml")
    assert cli("jevons", ex, "--at-before", "2025-01-01").returncode == 2
    assert cli("jevons", ex, "--by", "color").returncode == 2
    assert cli("jevons", ex, ex, ex).returncode == 2
    bad = cli("jevons", ex, "--chart", "/tmp/x.gif")
    assert bad.returncode == 1 and "unknown format" in bad.stderr
    assert cli("jevons", ex, "--forecast", "--annual-decline", "0.5").returncode == 2


def test_jevons_timeline_into_the_trends_forecast(cli) -> None:
    ex = str(ROOT / "examples" / "chat-assistant.toml")
    result = cli("jevons", ex, "--from", "2026-01", "--to", "2027-06", "--policy", "fixed", "--forecast", "--json")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["projection"].startswith("trend-forecast (mmlu")
    points = out["timelines"][0]["points"]
    future = [p for p in points if p["projected"]]
    assert len(future) >= 2
    # the same offer, forecast to get cheaper per token month after month
    prices = [D(p["usd_per_mtok"]) for p in future]
    assert prices == sorted(prices, reverse=True) and prices[-1] < prices[0]


def test_jevons_chart_file_is_the_dashboards_chart_in_the_one_theme(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """`jevons --chart x.json` writes the same Vega-Lite v6 chart the Bill page embeds, in the one theme."""
    from llmflation.charts.theme import SCHEMA, config

    chart = tmp_path / "jevons.json"
    r = cli("jevons", str(ROOT / "examples" / "coding-agent.toml"), "--from", "2025-01", "--to", "2026-06",
            "--annual-decline", "0.5", "--chart", str(chart))
    assert r.returncode == 0, r.stderr
    spec = json.loads(chart.read_text())
    assert spec["$schema"] == SCHEMA and spec["config"] == json.loads(json.dumps(config()))
    assert [v["transform"][0]["filter"]["equal"] for v in spec["vconcat"]] == [
        "Monthly bill (USD)", "Unit price (USD per 1M tokens)"]
    assert spec["title"]["text"].startswith("Jevons: ")
