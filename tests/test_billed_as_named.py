"""Billed as named (issue 12), through the real CLI: dated names, offer lifecycle, and usage logs priced by the
name as sent on its day, the service tier it was sent at, its UTC time of day and its cache-write lifetime.

Expected dollars are computed by hand in each test from the rates written next to them (bundled rows for gpt-4o and
DeepSeek-V3; user-layer rows, with their own sources, where the bundled data lacks a dimension)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from helpers.cli import run_cli

D = Decimal


def _spend_by_user(home: Path, *files: Path) -> dict[str, object]:
    for f in files:
        r = run_cli("usage", "ingest", str(f), home=home)
        assert r.returncode == 0, r.stderr
    r = run_cli("usage", "spend", "--by", "user", "--json", home=home)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)  # type: ignore[no-any-return]


def _cost(report: dict[str, object], user: str) -> Decimal:
    rows = report["rows"]
    assert isinstance(rows, list)
    [row] = [r for r in rows if r["user"] == user]
    return D(str(row["cost_usd"]))


def _openai(rid: str, created: str, model: str, prompt: int, completion: int, user: str, cached: int = 0,
            tier: str | None = None, audio_in: int = 0) -> str:
    rec: dict[str, object] = {
        "id": rid, "object": "chat.completion", "created": created, "model": model, "user": user,
        "usage": {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion,
                  "prompt_tokens_details": {"cached_tokens": cached, "audio_tokens": audio_in}}}
    if tier:
        rec["service_tier"] = tier
    return json.dumps(rec)


# -- names and lifecycle --------------------------------------------------------------------------------------------
def test_gpt_4o_resolves_by_date_in_text_and_json(cli) -> None:
    r = cli("price", "gpt-4o", "--provider", "openai", "--at", "2025-01-10", "--json")
    assert r.returncode == 0, r.stderr
    rec = json.loads(r.stdout)
    assert rec["resolved_model"] == "openai/gpt-4o-2024-08-06" and rec["resolved_via"] == "dated-alias"
    assert (D(str(rec["input_usd_per_mtok"])), D(str(rec["output_usd_per_mtok"])),
            D(str(rec["cached_input_usd_per_mtok"]))) == (D("2.5"), D(10), D("1.25"))
    before = json.loads(cli("price", "gpt-4o", "--provider", "openai", "--at", "2024-09-15", "--json").stdout)
    assert before["resolved_model"] == "openai/gpt-4o-2024-05-13" and D(str(before["input_usd_per_mtok"])) == 5
    text = cli("price", "gpt-4o", "--provider", "openai", "--at", "2025-01-10")
    assert "gpt-4o at openai on 2025-01-10 → openai/gpt-4o-2024-08-06" in text.stderr.replace("\n", " ")


def test_deepseek_chat_means_the_generation_of_its_day(cli) -> None:
    mid_2025 = json.loads(cli("price", "deepseek-chat", "--provider", "deepseek", "--at", "2025-06-15",
                              "--json").stdout)
    assert mid_2025["resolved_model"] == "deepseek/deepseek-v3"
    assert (D(str(mid_2025["input_usd_per_mtok"])), D(str(mid_2025["output_usd_per_mtok"]))) == (D("0.27"), D("1.1"))
    late_2025 = json.loads(cli("price", "deepseek-reasoner", "--provider", "deepseek", "--at", "2025-10-15",
                               "--json").stdout)
    assert late_2025["resolved_model"] == "deepseek/deepseek-v3.2"


def test_name_unknown_on_that_date_says_when_it_existed(cli) -> None:
    r = cli("price", "deepseek-chat", "--at", "2026-09-01")
    assert r.returncode == 1 and r.stdout == ""
    assert "2026-04-24 to 2026-07-24 as deepseek/deepseek-v4-flash" in r.stderr


def test_price_after_shutdown_refuses_with_date_and_successor(cli) -> None:
    r = cli("price", "o1-preview-2024-09-12", "--provider", "openai", "--at", "2025-09-01")
    assert r.returncode == 1
    assert "shut down on 2025-07-28" in r.stderr and "openai/o3-2025-04-16" in r.stderr
    ok = cli("price", "o1-preview-2024-09-12", "--provider", "openai", "--at", "2025-07-01")
    assert ok.returncode == 0, ok.stderr


def test_redirected_retired_name_is_billed_at_the_successor_and_says_so(cli) -> None:
    r = cli("price", "grok-code-fast-1", "--provider", "xai", "--at", "2026-06-01", "--json")
    assert r.returncode == 0, r.stderr
    rec = json.loads(r.stdout)
    assert rec["resolved_model"] == "xai/grok-4.3" and rec["resolved_via"] == "dated-redirect"
    assert "bills this retired name" in rec["resolved"]
    before = json.loads(cli("price", "grok-code-fast-1", "--provider", "xai", "--at", "2026-01-10", "--json").stdout)
    assert before["resolved_model"] == "xai/grok-code-fast-1"


def test_provider_ids_resolve_for_their_provider(cli) -> None:
    rec = json.loads(cli("price", "anthropic.claude-sonnet-4-5-20250929-v1:0", "--provider", "bedrock",
                         "--at", "2026-01-10", "--json").stdout)
    assert rec["resolved_model"] == "anthropic/claude-sonnet-4-5-20250929" and rec["provider"] == "bedrock"


def test_data_status_lists_upcoming_steps_and_shutdowns(cli) -> None:
    r = cli("data", "status", "--json")
    assert r.returncode == 0, r.stderr
    rec = json.loads(r.stdout)
    assert "upcoming_price_changes" in rec
    assert any(s["model"] == "openai/o1-preview-2024-09-12" and s["shutdown_on"] == "2025-07-28"
               for s in rec["shut_down_offers"])


def test_data_check_warns_about_open_rows_past_shutdown(cli) -> None:
    r = cli("data", "check", "--json")
    assert r.returncode == 0, r.stderr
    rec = json.loads(r.stdout)
    assert rec["names"] > 100 and rec["lifecycle"] > 20
    assert rec["warnings"] == []  # the bundled rows end at their offers' shutdown (issue 13's target)


def test_lifecycle_warns_about_an_open_row_past_shutdown() -> None:
    from datetime import date
    from decimal import Decimal

    from llmflation.ledger.loading import lifecycle_warnings
    from llmflation.ledger.records import Lifecycle, Price

    lc = Lifecycle("openai/o1-preview-2024-09-12", "openai", "https://x", "official", shutdown_on=date(2025, 7, 28))
    open_row = Price("openai/o1-preview-2024-09-12", "openai", date(2024, 10, 1), None, Decimal(15), Decimal(60),
                     "https://x", "official")
    closed = Price("openai/o1-preview-2024-09-12", "openai", date(2024, 10, 1), date(2025, 7, 28), Decimal(15),
                   Decimal(60), "https://x", "official")
    assert lifecycle_warnings([closed], [lc]) == []
    (w,) = lifecycle_warnings([open_row], [lc])
    assert "openai/o1-preview-2024-09-12/openai/standard" in w and "2025-07-28" in w


# -- usage logs priced as named -------------------------------------------------------------------------------------
def test_gpt_4o_rows_either_side_of_the_alias_move(fresh_home: Path, tmp_path: Path) -> None:
    log = tmp_path / "openai.jsonl"
    log.write_text("\n".join([
        _openai("a", "2024-09-15T10:00:00Z", "gpt-4o", 1_000_000, 100_000, "before"),
        _openai("b", "2025-01-10T10:00:00Z", "gpt-4o", 1_000_000, 100_000, "after"),
    ]) + "\n")
    rep = _spend_by_user(fresh_home, log)
    assert _cost(rep, "before") == D(5) + D("1.5")  # gpt-4o-2024-05-13: $5 in, $15 out per 1M
    assert _cost(rep, "after") == D("2.5") + D(1)  # gpt-4o-2024-08-06: $2.50 in, $10 out per 1M


def test_deepseek_rows_inside_and_outside_the_off_peak_window(fresh_home: Path, tmp_path: Path) -> None:
    log = tmp_path / "deepseek.jsonl"
    log.write_text("\n".join([
        _openai("d1", "2025-03-10T10:00:00Z", "deepseek-chat", 1_000_000, 1_000_000, "day"),  # standard hours
        _openai("d2", "2025-03-10T17:00:00Z", "deepseek-chat", 1_000_000, 1_000_000, "night"),  # 16:30-00:30 UTC
        _openai("d3", "2025-03-11T00:15:00Z", "deepseek-chat", 1_000_000, 1_000_000, "after-midnight"),
    ]) + "\n")
    rep = _spend_by_user(fresh_home, log)
    assert _cost(rep, "day") == D("0.27") + D("1.1")  # DeepSeek-V3 standard
    assert _cost(rep, "night") == D("0.135") + D("0.55")  # off-peak row (news250226)
    assert _cost(rep, "after-midnight") == D("0.135") + D("0.55")
    assert any("off-peak" in n for n in rep["notes"])  # type: ignore[union-attr]


def test_anthropic_one_hour_cache_writes(fresh_home: Path, tmp_path: Path) -> None:
    # Anthropic's pricing page: Sonnet 4.5 base $3 in, $15 out, 5-minute writes $3.75, 1-hour writes $6, hits $0.30
    layer = tmp_path / "layer.csv"
    layer.write_text(
        "model,provider,valid_from,input,output,cached_input,cache_write,cache_write_1h,source,confidence\n"
        "anthropic/claude-sonnet-4-5-20250929,anthropic,2025-09-29,3,15,0.3,3.75,6,"
        "https://docs.anthropic.com/en/docs/about-claude/pricing,official\n")
    assert run_cli("user", "add-prices", str(layer), home=fresh_home).returncode == 0
    msg = {"id": "msg_1", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5-20250929",
           "usage": {"input_tokens": 100_000, "output_tokens": 10_000, "cache_read_input_tokens": 0,
                     "cache_creation_input_tokens": 1_000_000,
                     "cache_creation": {"ephemeral_5m_input_tokens": 400_000,
                                        "ephemeral_1h_input_tokens": 600_000}}}
    log = tmp_path / "anthropic.jsonl"
    log.write_text(json.dumps({"timestamp": "2025-11-01T12:00:00Z", "user": "u", "message": msg}) + "\n")
    for f in (log,):
        assert run_cli("usage", "ingest", str(f), home=fresh_home).returncode == 0
    rep = json.loads(run_cli("usage", "spend", "--by", "model", "--json", home=fresh_home).stdout)
    # 100K×3 + 400K×3.75 + 600K×6 + 10K×15, per 1M
    assert D(str(rep["total"]["cost_usd"])) == D("0.3") + D("1.5") + D("3.6") + D("0.15")


def test_openai_flex_and_priority_service_tiers(fresh_home: Path, tmp_path: Path) -> None:
    # OpenAI's pricing page: gpt-5 standard $1.25/$10, flex $0.625/$5, priority $2.50/$20 (per 1M)
    layer = tmp_path / "tiers.csv"
    layer.write_text(
        "model,provider,tier,valid_from,input,output,source,confidence\n"
        "openai/gpt-5-2025-08-07,openai,flex,2025-08-07,0.625,5,https://platform.openai.com/docs/pricing,official\n"
        "openai/gpt-5-2025-08-07,openai,priority,2025-08-07,2.5,20,https://platform.openai.com/docs/pricing,"
        "official\n")
    assert run_cli("user", "add-prices", str(layer), home=fresh_home).returncode == 0
    log = tmp_path / "tiers.jsonl"
    log.write_text("\n".join([
        _openai("t1", "2025-10-01T10:00:00Z", "gpt-5", 1_000_000, 1_000_000, "flex", tier="flex"),
        _openai("t2", "2025-10-01T10:00:00Z", "gpt-5", 1_000_000, 1_000_000, "priority", tier="priority"),
        _openai("t3", "2025-10-01T10:00:00Z", "gpt-5", 1_000_000, 1_000_000, "default", tier="default"),
        _openai("t4", "2025-10-01T10:00:00Z", "gpt-5", 1_000_000, 1_000_000, "scale", tier="scale"),
    ]) + "\n")
    rep = _spend_by_user(fresh_home, log)
    assert _cost(rep, "flex") == D("0.625") + D(5)
    assert _cost(rep, "priority") == D("2.5") + D(20)
    assert _cost(rep, "default") == D("1.25") + D(10)
    assert _cost(rep, "scale") == D("1.25") + D(10)  # a tier the ledger cannot price: standard, with a note
    assert any("service_tier" in n for n in rep["notes"])  # type: ignore[union-attr]


# -- bills ----------------------------------------------------------------------------------------------------------
def test_bill_of_a_redirected_name_says_so(cli) -> None:
    r = cli("bill", "--model", "grok-code-fast-1", "--provider", "xai", "--at", "2026-06-01", "--tasks-per-month",
            "1000", "--input-tokens", "2000", "--output-tokens", "500", "--json")
    assert r.returncode == 0, r.stderr
    rec = json.loads(r.stdout)
    assert rec["resolved"][0]["resolved_via"] == "dated-redirect"
    assert rec["cheapest"]["model"] == "xai/grok-4.3"


def test_workload_with_off_peak_share_mixes_both_rates(cli, tmp_path: Path) -> None:
    spec = tmp_path / "night.toml"
    spec.write_text('name = "night"\ntasks_per_month = 1000\ninput_tokens = 1000\noutput_tokens = 1000\n'
                    'off_peak_share = 0.5\n')
    r = cli("bill", str(spec), "--model", "deepseek-chat", "--provider", "deepseek", "--at", "2025-03-10", "--json")
    assert r.returncode == 0, r.stderr
    cheapest = json.loads(r.stdout)["cheapest"]
    # 1,000 calls × (1000 in + 1000 out): standard 0.27/1.1, off-peak 0.135/0.55, half each
    standard = D(1000) * (D(1000) * D("0.27") + D(1000) * D("1.1")) / 1_000_000
    off = D(1000) * (D(1000) * D("0.135") + D(1000) * D("0.55")) / 1_000_000
    assert D(str(cheapest["monthly_usd"])) == (standard + off) / 2


def test_bill_flags_for_the_pricing_dimensions(cli) -> None:
    r = cli("bill", "--model", "deepseek-chat", "--provider", "deepseek", "--at", "2025-03-10", "--tasks-per-month",
            "1000", "--input-tokens", "1000", "--output-tokens", "1000", "--off-peak-share", "0.5", "--json")
    assert r.returncode == 0, r.stderr
    items = {k: D(str(v["monthly_usd"])) for k, v in json.loads(r.stdout)["cheapest"]["items"].items()}
    # half the calls move from 0.27/1.1 to 0.135/0.55: 1,000 × 0.5 × (1000 × −0.135 + 1000 × −0.55) / 1e6
    assert items["off_peak"] == D(1000) * D("0.5") * (D(1000) * D("-0.135") + D(1000) * D("-0.55")) / 1_000_000
    bad = cli("bill", "--model", "gpt-5", "--service-tier", "scale", "--tasks-per-month", "1", "--input-tokens", "1",
              "--output-tokens", "1")
    assert bad.returncode != 0 and "service_tier" in bad.stderr


def test_shutdown_notice_names_a_deprecation_without_a_shutdown_date() -> None:
    """A deprecated offer with no shutdown date on record is still priced, with a note that the vendor deprecated
    it (and its successor); no note before the deprecation, the usual 'shuts down on' once a date is set, and
    none after the shutdown (the price itself is refused then)."""
    from datetime import date

    from llmflation.ledger.ledger import Ledger
    from llmflation.ledger.records import Lifecycle

    deprecated = Lifecycle("cohere/command-r", "cohere", "https://x", "official", deprecated_on=date(2025, 9, 15),
                           successor="cohere/command-a-03-2025")
    scheduled = Lifecycle("openai/gpt-4.1-2025-04-14", "openai", "https://x", "official",
                          deprecated_on=date(2026, 10, 14), shutdown_on=date(2027, 1, 14))
    ledger = Ledger([], [], [], lifecycle=[deprecated, scheduled])
    note = ledger.shutdown_notice("cohere/command-r", "cohere", date(2026, 12, 2))
    assert note == ("cohere/command-r at cohere was deprecated on 2025-09-15; no shutdown date is on record; the "
                    "vendor's successor is cohere/command-a-03-2025.")
    assert ledger.shutdown_notice("cohere/command-r", "cohere", date(2025, 9, 14)) is None
    assert ledger.shutdown_notice("cohere/command-r", "bedrock", date(2026, 12, 2)) is None
    assert "shuts down on 2027-01-14" in (ledger.shutdown_notice("openai/gpt-4.1-2025-04-14", "openai",
                                                                  date(2026, 12, 2)) or "")
    assert ledger.shutdown_notice("openai/gpt-4.1-2025-04-14", "openai", date(2027, 1, 14)) is None


def test_price_of_a_deprecated_offer_says_so(cli) -> None:
    r = cli("price", "command-r", "--provider", "cohere", "--at", "2026-12-01")
    assert r.returncode == 0, r.stderr
    assert "was deprecated on 2025-09-15" in r.stderr and "cohere/command-a-03-2025" in r.stderr, r.stderr
    assert "deprecated" not in r.stdout
