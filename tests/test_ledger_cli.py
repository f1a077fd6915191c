"""The ledger as a new user meets it: the real CLI in a subprocess, on the real bundled data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers.cli import run_cli


@pytest.mark.parametrize(
    ("model", "provider", "at", "expected"),
    [
        ("gpt-4", "openai", "2023-06-01", ("30", "60")),
        ("gpt-4o", "openai", "2024-06-01", ("5", "15")),
        ("gemini-1.5-flash", "google", "2024-07-01", ("0.35", "1.05")),
        ("gemini-1.5-flash", "google", "2024-09-01", ("0.075", "0.3")),
        ("deepseek-v3", "deepseek", "2025-01-10", ("0.14", "0.28")),
        ("deepseek-v3", "deepseek", "2025-03-01", ("0.27", "1.1")),
    ],
)
def test_seed_table_prices(cli, model: str, provider: str, at: str, expected: tuple[str, str]) -> None:
    result = cli("price", model, "--provider", provider, "--at", at, "--json")
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert (record["input_usd_per_mtok"], record["output_usd_per_mtok"]) == expected
    assert record["provider"] == provider
    assert record["source"] and record["confidence"] in ("official", "archived", "derived", "estimated")
    for key in ("model", "valid_from", "valid_to", "cached_input_usd_per_mtok"):
        assert key in record


def test_gemini_flash_launch_price_has_long_context_tier(cli) -> None:
    record = json.loads(cli("price", "gemini-1.5-flash", "--provider", "google", "--at", "2024-07-01", "--json").stdout)
    assert record["long_context"]["threshold_tokens"] == 128000


def test_data_check_meets_coverage(cli) -> None:
    result = cli("data", "check", "--json")
    assert result.returncode == 0, result.stderr
    cov = json.loads(result.stdout)
    assert cov["models"] >= 150
    assert cov["prices"] >= 400
    assert cov["price_changes"] >= 60
    assert cov["scored_models"] >= 120
    assert cov["unsourced"] == 0
    assert {"mmlu", "gpqa_diamond", "lmarena_elo"} <= set(cov["benchmarks"])


def test_several_providers_give_a_list(cli) -> None:
    result = cli("price", "llama-3.3-70b", "--at", "2025-09-01", "--json")
    assert result.returncode == 0, result.stderr
    records = json.loads(result.stdout)
    assert isinstance(records, list) and len(records) >= 2
    assert len({r["provider"] for r in records}) == len(records)


def test_unknown_model_suggests(cli) -> None:
    result = cli("price", "gpt4o")
    assert result.returncode == 1
    assert "Did you mean" in result.stderr and "gpt-4o" in result.stderr
    assert result.stdout == ""


def test_date_before_first_price_says_when_it_starts(cli) -> None:
    result = cli("price", "gpt-4o-2024-05-13", "--provider", "openai", "--at", "2020-01-01")
    assert result.returncode == 1
    assert "first price on record starts 2024-05-13" in result.stderr


def test_moving_name_before_it_existed_says_its_dates(cli) -> None:
    result = cli("price", "gpt-4o", "--provider", "openai", "--at", "2020-01-01")
    assert result.returncode == 1
    assert "meant nothing on 2020-01-01" in result.stderr and "2024-05-13 to 2024-10-02" in result.stderr


def test_bad_usage_exits_2(cli) -> None:
    assert cli("price", "gpt-4o", "--at", "June 2024").returncode == 2
    assert cli("price").returncode == 2
    assert cli("models", "--json", "--csv").returncode == 2


def test_unknown_provider_lists_known(cli) -> None:
    result = cli("price", "gpt-4o", "--provider", "opnai")
    assert result.returncode == 1 and "Did you mean: openai" in result.stderr


def test_models_search_json_and_csv(cli) -> None:
    records = json.loads(cli("models", "--search", "claude", "--json").stdout)
    assert records and all("claude" in (r["id"] + r["name"]).lower() for r in records)
    csv_out = cli("models", "--search", "claude", "--csv").stdout.splitlines()
    assert csv_out[0].startswith("id,name,developer") and len(csv_out) == len(records) + 1


def test_history_is_ordered_and_sourced(cli) -> None:
    rows = json.loads(cli("history", "deepseek-v3", "--json").stdout)
    first_party = [r for r in rows if r["provider"] == "deepseek" and r["tier"] == "standard"]
    assert [r["valid_from"] for r in first_party] == sorted(r["valid_from"] for r in first_party)
    assert all(r["source"] for r in rows)


def test_user_price_file_rejected_whole_then_accepted(store_home: Path, tmp_path: Path) -> None:
    header = ("model,provider,tier,valid_from,valid_to,input,output,cached_input,cache_write,batch_discount,"
              "long_context_threshold,long_input,long_output,long_cached_input,source,confidence,note")
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join([
        header,
        "gpt-4o,openai,standard,2025-01-01,,2,8,,,,,,,,,,negotiated",
        "gpt-4o,openai,standard,2025-13-01,,2,8,,,,,,,,,,bad date",
        "no-such-model,openai,standard,2025-01-01,,2,8,,,,,,,,,,",
    ]) + "\n")
    result = run_cli("user", "add-prices", str(bad), home=store_home)
    assert result.returncode == 1
    assert "bad.csv:3: valid_from" in result.stderr and "no-such-model" in result.stderr
    listing = json.loads(run_cli("user", "list", "--json", home=store_home).stdout)
    assert listing["prices"] == []  # nothing half-written

    good = tmp_path / "good.csv"
    good.write_text(header + "\ngpt-4o,openai,standard,2025-01-01,,2,8,,,,,,,,,,negotiated\n")
    assert run_cli("user", "add-prices", str(good), home=store_home).returncode == 0
    record = json.loads(run_cli("price", "gpt-4o", "--provider", "openai", "--at", "2025-02-01", "--json",
                                home=store_home).stdout)
    assert (record["input_usd_per_mtok"], record["origin"]) == ("2", "user")


def test_discount_applies_from_its_date(store_home: Path) -> None:
    before = json.loads(run_cli("price", "gpt-4", "--provider", "openai", "--at", "2023-06-01", "--json",
                                home=store_home).stdout)
    assert run_cli("user", "discount", "--provider", "openai", "--percent", "20", "--from", "2023-06-01",
                   home=store_home).returncode == 0
    after = json.loads(run_cli("price", "gpt-4", "--provider", "openai", "--at", "2023-06-01", "--json",
                               home=store_home).stdout)
    assert before["input_usd_per_mtok"] == "30" and after["input_usd_per_mtok"] == "24"
    assert run_cli("user", "discount", "--provider", "openai", "--percent", "120", "--from", "2023-06-01",
                   home=store_home).returncode == 1
