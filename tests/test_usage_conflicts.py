"""Conflicting duplicates (issue 17 item 2): a repeated request id with different content is kept aside and
reported, never silently dropped; ids are scoped by format and provider; the same content stays a duplicate."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb

from conftest import run_cli
from llmflation.usage.store import USAGE_MIGRATIONS, UsageStore


def chat(rid: str, prompt: int, completion: int = 10, created: int = 1735000000) -> dict[str, Any]:
    return {"id": rid, "object": "chat.completion", "created": created, "model": "gpt-4o",
            "usage": {"prompt_tokens": prompt, "completion_tokens": completion}}


def write(path: Path, *records: dict[str, Any]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def stored(store: UsageStore) -> list[tuple[Any, ...]]:
    con = store.connect()
    try:
        return con.execute("SELECT request_id, source_format, input_uncached FROM usage ORDER BY ALL").fetchall()
    finally:
        con.close()


def test_conflict_kept_aside_reported_and_settled(ledger: Any, tmp_path: Path) -> None:
    store = UsageStore(tmp_path / "usage.duckdb")
    first = write(tmp_path / "a.jsonl", chat("c1", 1000), chat("c2", 5))
    corrected = write(tmp_path / "b.jsonl", chat("c1", 2000), chat("c2", 5))  # c1 re-exported with other tokens
    store.ingest([first], ledger)
    f = store.ingest([corrected], ledger).files[0]
    assert (f.read, f.accepted, f.duplicates, f.conflicts, f.quarantined) == (2, 0, 1, 1, 0) and f.reconciles
    assert stored(store) == [("c1", "openai-chat", 1000), ("c2", "openai-chat", 5)]  # the first version stays
    status = store.status()
    assert (status["conflicts"], status["conflicting_ids"]) == (1, 1)
    assert status["ingests"][-1]["conflicts"] == 1
    [c] = store.conflicts()
    assert c["stored"]["input_uncached"] == 1000 and [v["input_uncached"] for v in c["kept_aside"]] == [2000]
    again = store.ingest([corrected], ledger).files[0]  # re-ingesting reports it again, but keeps it once
    assert again.conflicts == 1 and store.status()["conflicts"] == 1
    assert store.resolve_conflicts("latest") == {"keys": 1, "replaced": 1, "discarded": 0}
    assert stored(store) == [("c1", "openai-chat", 2000), ("c2", "openai-chat", 5)]
    assert store.conflicts() == [] and store.status()["conflicts"] == 0
    store.ingest([first], ledger)  # the old version is now the one that differs
    assert store.resolve_conflicts("first") == {"keys": 1, "replaced": 0, "discarded": 1}
    assert stored(store) == [("c1", "openai-chat", 2000), ("c2", "openai-chat", 5)]


def test_conflict_inside_one_file_and_identical_repeats(ledger: Any, tmp_path: Path) -> None:
    store = UsageStore(tmp_path / "usage.duckdb")
    path = write(tmp_path / "a.jsonl", chat("c1", 1000), chat("c1", 1000), chat("c1", 3000))
    f = store.ingest([path], ledger).files[0]
    assert (f.accepted, f.duplicates, f.conflicts) == (1, 1, 1)
    assert stored(store) == [("c1", "openai-chat", 1000)]


def test_ids_are_scoped_by_format_and_provider(ledger: Any, tmp_path: Path) -> None:
    store = UsageStore(tmp_path / "usage.duckdb")
    openai = write(tmp_path / "a.jsonl", chat("shared-id", 1000))
    litellm = tmp_path / "b.csv"
    litellm.write_text("request_id,startTime,model,prompt_tokens,completion_tokens,custom_llm_provider\n"
                       "shared-id,2024-12-24T10:00:00Z,gpt-4o,7,1,openai\n"
                       "shared-id,2024-12-24T10:00:00Z,gpt-4o,7,1,azure\n")
    reports = store.ingest([openai, litellm], ledger).files
    assert [(f.accepted, f.conflicts, f.duplicates) for f in reports] == [(1, 0, 0), (2, 0, 0)]
    assert len(stored(store)) == 3


def test_v1_store_migrates_its_keys_so_a_reingest_stays_idempotent(ledger: Any, tmp_path: Path) -> None:
    """A store written before ids were scoped: its `id:<request id>` keys are rewritten by migration 2."""
    path = tmp_path / "usage.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE usage_schema (version INTEGER PRIMARY KEY, description VARCHAR, applied_at TIMESTAMP)")
    con.execute(USAGE_MIGRATIONS[0][2])
    con.execute("INSERT INTO usage_schema VALUES (1, 'v1', now())")
    con.execute("INSERT INTO usage (row_key, request_id, ts, day, model, model_raw, provider, batch, requests, "
                "input_uncached, cache_read, cache_write, output_text, output_reasoning, source_format, "
                "source_file, source_row, ingest_id) VALUES ('id:c1', 'c1', '2024-12-24 00:26:40', '2024-12-24', "
                "'openai/gpt-4o', 'gpt-4o', NULL, false, 1, 1000, 0, 0, 10, 0, 'openai-chat', 'a.jsonl', 1, 1)")
    con.execute("INSERT INTO quarantine VALUES ('sha', 'a.jsonl', 'openai-chat', 2, 'model', 'unknown', '', 1)")
    con.close()
    store = UsageStore(path)
    f = store.ingest([write(tmp_path / "a.jsonl", chat("c1", 1000))], ledger).files[0]
    assert (f.accepted, f.duplicates, f.conflicts) == (0, 1, 0)
    assert len(store.quarantine()) == 1
    assert store.status()["rows"] == 1


def test_cli_reports_lists_and_settles_conflicts(shared_home: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "ledger.duckdb").write_bytes((shared_home / "ledger.duckdb").read_bytes())
    a = write(tmp_path / "a.jsonl", chat("c1", 1000))
    b = write(tmp_path / "b.jsonl", chat("c1", 2000))
    assert run_cli("usage", "ingest", str(a), home=home).returncode == 0
    res = run_cli("usage", "ingest", str(b), home=home)
    assert res.returncode == 0 and "usage conflicts" in res.stderr
    status = run_cli("usage", "status", home=home)
    assert "1 unresolved conflicting version(s) of 1 request id(s)" in " ".join(status.stderr.split())
    listed = json.loads(run_cli("usage", "conflicts", "--json", home=home).stdout)
    assert [c["row_key"] for c in listed] == ["id:openai-chat::c1"]
    assert run_cli("usage", "conflicts", "--keep", "sometimes", home=home).returncode == 2
    done = json.loads(run_cli("usage", "conflicts", "--keep", "latest", "--json", home=home).stdout)
    assert done == {"keep": "latest", "keys": 1, "replaced": 1, "discarded": 0}
    assert json.loads(run_cli("usage", "conflicts", "--json", home=home).stdout) == []
