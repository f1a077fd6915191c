"""Readers: token-bucket semantics per source, detection, bad rows; ingest: idempotence, reconciliation, SIGKILL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from helpers.usage_helpers import gen_module
from llmflation.errors import InputError
from llmflation.usage.readers import read
from llmflation.usage.records import Quarantined, Skipped, UsageRecord
from llmflation.usage.store import HOLD_ENV, UsageStore

GEN_FORMATS = {"openai-chat": "jsonl", "openai-usage": "json", "anthropic": "jsonl", "otel": "json",
               "litellm-csv": "csv", "litellm-parquet": "parquet", "langfuse": "jsonl", "generic-csv": "csv",
               "canonical-parquet": "parquet"}
DETECTED = {"litellm-csv": "litellm", "litellm-parquet": "litellm", "generic-csv": "generic",
            "canonical-parquet": "generic"}


def _items(path: Path, fmt: str = "auto", mapping: dict[str, str] | None = None) -> list[Any]:
    return list(read(path, fmt, mapping)[1])


def _one(tmp_path: Path, record: dict[str, Any], name: str = "x.jsonl") -> Any:
    p = tmp_path / name
    p.write_text(json.dumps(record) + "\n" + json.dumps(record) + "\n")
    items = _items(p)
    return items[0]


# -- semantics: never count a token twice --------------------------------------------------------------------------
def test_openai_chat_prompt_includes_cached_and_completion_includes_reasoning(tmp_path: Path) -> None:
    r = _one(tmp_path, {"id": "c1", "object": "chat.completion", "created": 1735000000, "model": "gpt-4o",
                        "usage": {"prompt_tokens": 1000, "completion_tokens": 300, "total_tokens": 1300,
                                  "prompt_tokens_details": {"cached_tokens": 600, "cache_write_tokens": 100},
                                  "completion_tokens_details": {"reasoning_tokens": 120}}})
    assert isinstance(r, UsageRecord)
    buckets = (r.input_uncached, r.cache_read, r.cache_write, r.output_text, r.output_reasoning)
    assert buckets == (300, 600, 100, 180, 120)
    assert r.request_id == "c1" and r.provider is None


def test_openai_responses_api_usage(tmp_path: Path) -> None:
    r = _one(tmp_path, {"id": "resp_1", "object": "response", "created_at": 1735000000, "model": "gpt-4o",
                        "usage": {"input_tokens": 50, "input_tokens_details": {"cached_tokens": 20},
                                  "output_tokens": 30, "output_tokens_details": {"reasoning_tokens": 10}}})
    assert (r.input_uncached, r.cache_read, r.output_text, r.output_reasoning) == (30, 20, 20, 10)


def test_openai_batch_output_line_is_batch(tmp_path: Path) -> None:
    body = {"id": "c2", "created": 1735000000, "model": "gpt-4o",
            "usage": {"prompt_tokens": 10, "completion_tokens": 5}}
    r = _one(tmp_path, {"id": "batch_req_1", "custom_id": "a", "response": {"status_code": 200, "body": body}})
    assert r.batch and r.request_id == "c2"


def test_anthropic_input_excludes_cache(tmp_path: Path) -> None:
    r = _one(tmp_path, {"timestamp": "2025-01-02T03:04:05Z", "message": {
        "id": "msg_1", "type": "message", "model": "claude-3-5-sonnet-20241022",
        "usage": {"input_tokens": 40, "cache_read_input_tokens": 900, "cache_creation_input_tokens": 60,
                  "output_tokens": 200, "output_tokens_details": {"thinking_tokens": 150}}}})
    assert (r.input_uncached, r.cache_read, r.cache_write, r.output_text, r.output_reasoning) == (40, 900, 60, 50, 150)


def test_anthropic_without_timestamp_is_quarantined(tmp_path: Path) -> None:
    q = _one(tmp_path, {"id": "msg_1", "type": "message", "model": "claude-3-5-sonnet-20241022",
                        "usage": {"input_tokens": 4, "output_tokens": 2}})
    assert isinstance(q, Quarantined) and q.field == "timestamp" and "timestamp" in q.reason


def _span(attrs: dict[str, Any]) -> dict[str, Any]:
    def v(x: Any) -> dict[str, Any]:
        return {"intValue": str(x)} if isinstance(x, int) else {"stringValue": x}
    return {"resourceSpans": [{"resource": {"attributes": []}, "scopeSpans": [{"spans": [
        {"traceId": "ab", "spanId": "cd", "startTimeUnixNano": "1735000000000000000",
         "attributes": [{"key": k, "value": v(x)} for k, x in attrs.items()]},
        {"traceId": "ab", "spanId": "ce", "startTimeUnixNano": "1735000000000000000", "attributes": []}]}]}]}


def test_otel_totals_include_cache_and_reasoning(tmp_path: Path) -> None:
    p = tmp_path / "t.json"
    p.write_text(json.dumps(_span({"gen_ai.provider.name": "aws.bedrock", "gen_ai.response.model": "m",
                                   "gen_ai.usage.input_tokens": 100, "gen_ai.usage.output_tokens": 50,
                                   "gen_ai.usage.cache_read.input_tokens": 70,
                                   "gen_ai.usage.cache_creation.input_tokens": 10,
                                   "gen_ai.usage.reasoning.output_tokens": 20, "gen_ai.usage.cost": 0.25})))
    r, skipped = _items(p)
    assert (r.input_uncached, r.cache_read, r.cache_write, r.output_text, r.output_reasoning) == (20, 70, 10, 30, 20)
    assert r.provider == "bedrock" and r.reported_cost == Decimal("0.25") and r.request_id == "ab:cd"
    assert isinstance(skipped, Skipped)


def test_otel_cache_exceeding_input_is_quarantined_not_guessed(tmp_path: Path) -> None:
    p = tmp_path / "t.json"
    p.write_text(json.dumps(_span({"gen_ai.response.model": "m", "gen_ai.usage.input_tokens": 5,
                                   "gen_ai.usage.output_tokens": 1, "gen_ai.usage.cache_read.input_tokens": 70})))
    q = _items(p)[0]
    assert isinstance(q, Quarantined) and "exceed" in q.reason


def test_langfuse_keys_are_disjoint(tmp_path: Path) -> None:
    r = _one(tmp_path, {"id": "o1", "type": "GENERATION", "startTime": "2025-01-02T00:00:00.000Z", "model": "m",
                        "usageDetails": {"input": 10, "input_cached_tokens": 90, "input_cache_creation": 5,
                                         "output": 7, "output_reasoning_tokens": 3, "total": 115},
                        "costDetails": {"total": 0.001}})
    assert (r.input_uncached, r.cache_read, r.cache_write, r.output_text, r.output_reasoning) == (10, 90, 5, 7, 3)
    assert r.reported_cost == Decimal("0.001")


def test_litellm_prompt_includes_cache_from_metadata(tmp_path: Path) -> None:
    p = tmp_path / "s.csv"
    md = json.dumps({"additional_usage_values": {"cache_read_input_tokens": 30, "cache_creation_input_tokens": 5}})
    import csv

    with p.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["request_id", "startTime", "model", "custom_llm_provider", "prompt_tokens", "completion_tokens",
                    "spend", "metadata", "request_tags", "team_id"])
        w.writerow(["r1", "2025-01-02 00:00:00+00:00", "claude-3-5-sonnet-20241022", "together_ai", "100", "20",
                    "0.0012", md, '["a","b"]', "team"])
        w.writerow(["r2", "2025-01-02 00:00:00+00:00", "x", "openai", "10", "20", "", md, "[]", ""])
    r, q = _items(p)
    assert (r.input_uncached, r.cache_read, r.cache_write, r.output_text) == (65, 30, 5, 20)
    assert r.provider == "together" and r.tags == ("a", "b") and r.project == "team"
    assert isinstance(q, Quarantined) and q.field == "prompt_tokens" and q.row == 3


def test_generic_mapping_and_detection_errors(tmp_path: Path) -> None:
    p = tmp_path / "g.csv"
    p.write_text("when,m,inp,out,cr\n2025-01-02T00:00:00,gpt-4o,100,10,40\n")
    with pytest.raises(InputError, match="unknown columns"):
        _items(p)
    r = _items(p, "generic", {"ts": "when", "model": "m", "input": "inp", "output": "out", "cache_read": "cr"})[0]
    assert (r.input_uncached, r.cache_read, r.output_text) == (60, 40, 10)
    weird = tmp_path / "w.jsonl"
    weird.write_text('{"hello": 1}\n')
    with pytest.raises(InputError, match="cannot tell the usage format"):
        _items(weird)


@pytest.mark.parametrize("value,reason", [(-1, "negative"), ("12", "expected an integer"), (1.5, "expected an integer"),
                                          (True, "boolean")])
def test_token_field_types(tmp_path: Path, value: Any, reason: str) -> None:
    q = _one(tmp_path, {"id": "c", "created": 1735000000, "model": "gpt-4o",
                        "usage": {"prompt_tokens": value, "completion_tokens": 1}})
    assert isinstance(q, Quarantined) and reason in q.reason and q.field == "usage.prompt_tokens"


@pytest.mark.parametrize("created", [99999999999999999999, -5, "2024-02-30T00:00:00Z", 4102444800])
def test_impossible_timestamps(tmp_path: Path, created: Any) -> None:
    q = _one(tmp_path, {"id": "c", "created": created, "model": "gpt-4o",
                        "usage": {"prompt_tokens": 1, "completion_tokens": 1}})
    assert isinstance(q, Quarantined) and "timestamp" in q.reason


# -- every generated format lands completely, buckets equal the ground truth -------------------------------------
def test_every_format_round_trips(ledger: Any, tmp_path: Path) -> None:
    gen = gen_module()
    store = UsageStore(tmp_path / "usage.duckdb")
    for seed, (fmt, ext) in enumerate(GEN_FORMATS.items(), start=1):
        dev = {"openai-chat": "openai", "openai-usage": "openai", "anthropic": "anthropic"}.get(fmt)
        rows = gen.generate(ledger, 150, seed=seed, developer=dev, first_party=dev is not None,
                            reported_cost=fmt.startswith(("litellm", "langfuse")))
        path = tmp_path / f"{fmt}.{ext}"
        truth = gen.write(fmt, rows, path).rows
        mapping = dict(m.split("=") for m in gen.GENERIC_MAP) if fmt == "generic-csv" else None
        report = store.ingest([path], ledger, mapping=mapping)
        f = report.files[0]
        assert f.format == DETECTED.get(fmt, fmt)
        assert (f.read, f.accepted, f.quarantined, f.duplicates) == (len(truth), len(truth), 0, 0), fmt
        con = store.connect()
        try:
            got = con.execute("SELECT sum(input_uncached), sum(cache_read), sum(cache_write), sum(output_text) + "
                              "sum(output_reasoning), sum(requests) FROM usage WHERE source_file = ?",
                              [str(path)]).fetchone()
        finally:
            con.close()
        want = (sum(r.input_uncached for r in truth), sum(r.cache_read for r in truth),
                sum(r.cache_write for r in truth), sum(r.output_total for r in truth))
        assert tuple(int(x) for x in got[:4]) == want, fmt
        assert int(got[4]) == len(rows), fmt


# -- bad input --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt,ext", [("openai-chat", "jsonl"), ("litellm-csv", "csv"), ("langfuse", "jsonl")])
def test_five_percent_corrupt_rows(ledger: Any, tmp_path: Path, fmt: str, ext: str) -> None:
    gen = gen_module()
    dev = "openai" if fmt == "openai-chat" else None
    rows = gen.generate(ledger, 400, seed=5, developer=dev, first_party=dev is not None)
    path = tmp_path / f"bad.{ext}"
    out = gen.write(fmt, rows, path, corrupt=0.05, seed=3)
    assert 8 <= len(out.bad_rows) <= 40 and len(set(out.bad_rows.values())) >= 4
    store = UsageStore(tmp_path / "usage.duckdb")
    f = store.ingest([path], ledger).files[0]
    assert f.read == len(rows) and f.reconciles
    assert f.quarantined == len(out.bad_rows) and f.accepted == len(rows) - len(out.bad_rows)
    entries = {e.row: e for e in store.quarantine(file=str(path))}
    assert set(entries) == set(out.bad_rows)
    expect = {"truncated json": "invalid json", "negative tokens": "negative", "impossible timestamp": "timestamp",
              "unknown model": "unknown model", "wrong type": "expected"}
    for row, kind in out.bad_rows.items():
        assert expect[kind] in entries[row].reason.lower(), (row, kind, entries[row])
        assert entries[row].raw
    snapshot = _snapshot(store)
    again = store.ingest([path], ledger).files[0]
    assert (again.accepted, again.duplicates, again.quarantined, again.new_quarantine_entries) == (
        0, f.accepted, f.quarantined, 0)
    assert _snapshot(store) == snapshot


def _snapshot(store: UsageStore) -> dict[str, Any]:
    con = store.connect()
    try:
        return {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall()
                for t in ("usage", "quarantine", "ingests", "usage_schema")}
    finally:
        con.close()


def test_unknown_models_kept_as_unpriced_on_request(ledger: Any, tmp_path: Path) -> None:
    p = tmp_path / "u.jsonl"
    p.write_text(json.dumps({"id": "c", "created": 1735000000, "model": "acme-hyperbrain-9000",
                             "usage": {"prompt_tokens": 10, "completion_tokens": 1}}) + "\n")
    store = UsageStore(tmp_path / "usage.duckdb")
    f = store.ingest([p], ledger, keep_unknown=True).files[0]
    assert f.accepted == 1 and f.unpriced_unknown_model == 1
    from llmflation.usage.analytics import spend

    report = spend(store, ledger, by="model")
    assert report.total.cost_usd == 0 and report.total.unpriced_requests == 1
    assert "acme-hyperbrain-9000" in report.unpriced[0].reason


@pytest.mark.timed
def test_sigkill_mid_ingest_leaves_store_as_before(ledger: Any, shared_home: Path, tmp_path: Path) -> None:
    gen = gen_module()
    home = tmp_path / "home"
    home.mkdir()
    store = UsageStore(home / "usage.duckdb")
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    gen.write("openai-chat", gen.generate(ledger, 300, seed=1, developer="openai", first_party=True), first,
              corrupt=0.05)
    gen.write("litellm-csv", gen.generate(ledger, 3000, seed=2), tmp_path / "b.csv", corrupt=0.05)
    gen.write("openai-chat", gen.generate(ledger, 3000, seed=3, developer="openai", first_party=True), second,
              corrupt=0.05)
    store.ingest([first], ledger)
    before = _snapshot(store)
    env = {**os.environ, "LLMFLATION_HOME": str(home), HOLD_ENV: "60"}
    (home / "ledger.duckdb").write_bytes((shared_home / "ledger.duckdb").read_bytes())
    proc = subprocess.Popen([sys.executable, "-m", "llmflation.cli.main", "usage", "ingest", str(second),
                             str(tmp_path / "b.csv")], env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL,
                            text=True)
    assert proc.stderr is not None
    deadline = time.time() + 120
    seen = []
    while time.time() < deadline:
        line = proc.stderr.readline()
        seen.append(line)
        if "holding before commit" in line or not line:
            break
    assert "holding before commit" in seen[-1], f"the ingest never reached the commit point: {''.join(seen)}"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert _snapshot(store) == before
    # and the store still works: the same ingest completes afterwards
    report = store.ingest([second, tmp_path / "b.csv"], ledger)
    assert all(f.reconciles and f.accepted > 0 for f in report.files)


def test_the_shared_record_loop_quarantines_bad_lines_and_bad_rows(tmp_path: Path) -> None:
    """`readers.base.json_rows` / `rows`: the one loop under every reader (and a plugin's): a line that is not JSON
    and a record its parser rejects are quarantined with row, field and reason; the rest go through."""
    from llmflation.usage.readers.base import RowError, json_rows, rows
    from llmflation.usage.records import Quarantined, Skipped

    def parse(row: int, rec: Any) -> Skipped:
        if "bad" in rec:
            raise RowError("bad", "rejected on purpose")
        return Skipped(row, f"seen {rec['n']}")

    log = tmp_path / "x.jsonl"
    log.write_text('{"n": 1}\n{not json\n\n{"bad": 1}\n{"n": 4}\n')
    got = list(json_rows(log, "jsonl", parse))
    assert got[0] == Skipped(1, "seen 1") and got[3] == Skipped(5, "seen 4")
    assert isinstance(got[1], Quarantined) and (got[1].row, got[1].field) == (2, "(line)")
    assert isinstance(got[2], Quarantined) and (got[2].row, got[2].field, got[2].reason) == (4, "bad",
                                                                                           "rejected on purpose")
    table = tmp_path / "x.tsv"
    table.write_text("n\tbad\n7\t\n")
    assert list(rows(table, "tsv", lambda row, rec, is_text: Skipped(row, f"{rec['n']} {is_text}"))) == [
        Skipped(2, "7 True")]
    first = next(iter(rows(log, "jsonl", lambda row, rec, is_text: Skipped(row, str(is_text)))))
    assert first == Skipped(1, "False")
