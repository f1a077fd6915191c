"""Concurrency (issue 17 item 4), with real processes: two ingests at once; an ingest while a real uvicorn
server's usage API and Spend page are polled; `serve` started while a CLI command holds the ledger; a first
ingest killed on a brand-new store. The test-only hold (LLMFLATION_TEST_HOLD_BEFORE_COMMIT) keeps a writer on
the store for a known time, so every overlap below really happens."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest

from helpers.usage_helpers import gen_module
from helpers.web_support import running_server
from llmflation.usage.store import HOLD_ENV, UsageStore

pytestmark = [pytest.mark.slow, pytest.mark.timed]


def _home(shared_home: Path, tmp_path: Path) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    (home / "ledger.duckdb").write_bytes((shared_home / "ledger.duckdb").read_bytes())
    return home


def _ingest(home: Path, *paths: Path, hold: float | None = None, wait: float | None = None) -> subprocess.Popen[str]:
    env = {**os.environ, "LLMFLATION_HOME": str(home), "COLUMNS": "200"}
    if hold is not None:
        env[HOLD_ENV] = str(hold)
    if wait is not None:
        env["LLMFLATION_LOCK_WAIT"] = str(wait)
    return subprocess.Popen([sys.executable, "-m", "llmflation.cli.main", "usage", "ingest", "--json",
                             *map(str, paths)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for_hold(proc: subprocess.Popen[str]) -> list[str]:
    """Read the writer's stderr until it reports that it holds the store before COMMIT."""
    assert proc.stderr is not None
    seen: list[str] = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        seen.append(line)
        if "holding before commit" in line or not line:
            break
    assert "holding before commit" in seen[-1], "".join(seen)
    return seen


def _logs(ledger: Any, tmp_path: Path, n: int = 2000) -> tuple[Path, Path]:
    gen = gen_module()
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    gen.write("openai-chat", gen.generate(ledger, n, seed=1, developer="openai", first_party=True), a)
    gen.write("openai-chat", gen.generate(ledger, n, seed=2, developer="openai", first_party=True), b)
    return a, b


def test_two_ingests_at_once_the_second_waits_then_succeeds(ledger: Any, shared_home: Path, tmp_path: Path) -> None:
    home = _home(shared_home, tmp_path)
    a, b = _logs(ledger, tmp_path)
    first = _ingest(home, a, hold=10)  # long enough for the second to start, parse and reach its merge
    _wait_for_hold(first)
    second = _ingest(home, b)
    out2, err2 = second.communicate(timeout=120)
    out1, err1 = first.communicate(timeout=120)
    assert first.returncode == 0 and second.returncode == 0, (err1, err2)
    assert "Traceback" not in err1 + err2
    assert "is in use by PID" in err2 and "waiting up to" in err2  # the progress line while it waited
    accepted = json.loads(out1)["totals"]["accepted"] + json.loads(out2)["totals"]["accepted"]
    assert accepted == 4000 and UsageStore(home / "usage.duckdb").status()["rows"] == 4000


def test_a_writer_that_cannot_wait_fails_in_one_line_naming_the_holder(ledger: Any, shared_home: Path,
                                                                        tmp_path: Path) -> None:
    home = _home(shared_home, tmp_path)
    a, b = _logs(ledger, tmp_path, n=200)
    first = _ingest(home, a, hold=12)
    _wait_for_hold(first)
    second = _ingest(home, b, wait=1)
    _, err2 = second.communicate(timeout=60)
    first.communicate(timeout=60)
    assert second.returncode == 1 and "Traceback" not in err2
    error = [line for line in err2.splitlines() if line.startswith("Error:")]
    assert len(error) == 1 and f"PID {first.pid}" in error[0], err2
    assert first.returncode == 0
    assert UsageStore(home / "usage.duckdb").status()["rows"] == 200  # the first landed, the second not at all


def test_ingest_while_a_real_server_is_polled(ledger: Any, shared_home: Path, tmp_path: Path) -> None:
    """0 server errors, every poll answered, and no lost rows: the server never holds the usage file between
    requests (a CLI writer gets it) and serves reads while the writer merges (they wait, then answer)."""
    home = _home(shared_home, tmp_path)
    a, b = _logs(ledger, tmp_path)
    UsageStore(home / "usage.duckdb").ingest([a], ledger)
    statuses: Counter[int] = Counter()
    requests_seen: list[int] = []
    stop = threading.Event()
    with running_server(home) as base:
        def poll() -> None:
            with httpx.Client(base_url=base, timeout=60) as client:
                while not stop.is_set():
                    for path in ("/api/usage/spend?by=month", "/spend"):
                        try:
                            resp = client.get(path)
                        except httpx.TransportError:
                            statuses[-1] += 1  # a dropped connection counts as an error
                            continue
                        statuses[resp.status_code] += 1
                        if path.startswith("/api") and resp.status_code == 200:
                            requests_seen.append(int(resp.json()["total"]["requests"]))

        threads = [threading.Thread(target=poll) for _ in range(2)]
        for t in threads:
            t.start()
        try:
            time.sleep(1.0)
            writer = _ingest(home, b, hold=2, wait=20)  # must get the file although the server is being polled
            _wait_for_hold(writer)
            out, err = writer.communicate(timeout=120)
            time.sleep(1.0)
        finally:
            stop.set()
            for t in threads:
                t.join(timeout=120)
        after = httpx.get(base + "/api/usage/spend?by=month", timeout=60).json()
    seen = sorted(Counter(requests_seen).items())
    sys.stdout.write(f"\npolls during the ingest: {dict(statuses)}; totals seen: {seen}\n")
    assert writer.returncode == 0 and "Traceback" not in err, err
    assert json.loads(out)["totals"]["accepted"] == 2000
    assert set(statuses) == {200}, statuses  # no 5xx, no dropped connections
    assert sum(statuses.values()) >= 4
    assert requests_seen[0] == 2000 and after["total"]["requests"] == 4000  # nothing lost
    assert all(n in (2000, 4000) for n in requests_seen)  # never a half-written store


def test_serve_waits_for_a_cli_command_holding_the_ledger(shared_home: Path, tmp_path: Path) -> None:
    home = _home(shared_home, tmp_path)
    holder = subprocess.Popen([sys.executable, "-c", (
        "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); print('held', flush=True); time.sleep(4)"),
        str(home / "ledger.duckdb")], stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    with running_server(home, timeout=90) as base:
        assert httpx.get(base + "/api/models?limit=1", timeout=30).status_code == 200
    holder.wait(timeout=30)


def test_first_ingest_killed_on_a_new_store_leaves_a_usable_store(ledger: Any, shared_home: Path,
                                                                   tmp_path: Path) -> None:
    home = _home(shared_home, tmp_path)
    a, _ = _logs(ledger, tmp_path, n=100)
    proc = _ingest(home, a, hold=60)
    _wait_for_hold(proc)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    store = UsageStore(home / "usage.duckdb")
    status = store.status()  # migrated, empty, and every command works on it
    assert (status["rows"], status["ingests"], status["conflicts"]) == (0, [], 0)
    assert store.quarantine() == [] and store.conflicts() == []
    assert store.ingest([a], ledger).files[0].accepted == 100
    assert not list(home.glob(".ingest-*"))  # the killed ingest's staging was cleared by the next one
