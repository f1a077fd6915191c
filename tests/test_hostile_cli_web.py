"""Hostile input end to end, over the web API and the CLI, after the merge of the usage, data and CLI work.

One generated corpus (nothing checked in): each case is a class, what is sent, through which front end, and the
expected outcome. Every case also asserts the common rules: no traceback, no 500, money never silently changed
(a refused price leaves the layer as it was), output that a spreadsheet or a terminal would execute neutralised.
`cd tests && PYTHONPATH=../src:. python test_hostile_cli_web.py` prints the corpus table.
"""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from helpers.cli import run_cli
from helpers.web_support import TOKEN
from llmflation.web import WebSettings, create_app

T0 = 1735000000  # 2024-12-24, inside every bundled gpt-4o price's validity
AUTH = {"Authorization": f"Bearer {TOKEN}"}
INJECTIONS = ("=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1")
ESCAPE = "\x1b]0;pwned\x07\x1b[31mred\x1b[0m"


def _chat(rid: str, model: str = "gpt-4o", user: str | None = None, prompt: int = 100) -> str:
    rec: dict[str, Any] = {"id": rid, "object": "chat.completion", "created": T0, "model": model,
                           "usage": {"prompt_tokens": prompt, "completion_tokens": 10}}
    if user is not None:
        rec["user"] = user
    return json.dumps(rec)


def _parquet_bytes() -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    sink = io.BytesIO()
    pq.write_table(pa.table({"request_id": ["a", "b"], "model": ["gpt-4o", "gpt-4o"]}), sink)
    return sink.getvalue()


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


# -- the corpus ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Case:
    name: str
    klass: str
    front: str  # web | cli
    expect: str  # the outcome the case asserts, in words (the table's column)
    run: Callable[[Path], None]


def _price_csv(path: Path, model: str, **cols: str) -> Path:
    row = {"model": model, "provider": "mycloud", "tier": "standard", "valid_from": "2031-01-01", "input": "1",
           "output": "2", "source": "contract", **cols}
    with path.open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(row))
        w.writeheader()
        w.writerow(row)
    return path


def _client(home: Path) -> TestClient:
    settings = WebSettings(ledger_path=home / "ledger.duckdb", api_token=TOKEN, max_upload_bytes=256 * 1024)
    return TestClient(create_app(settings), raise_server_exceptions=False)


def _no_crash(text: str) -> None:
    assert "Traceback" not in text, text


def _layer(home: Path) -> str:
    r = run_cli("user", "list", "--json", home=home)
    assert r.returncode == 0, r.stderr
    return r.stdout


def _spend_total(client: TestClient) -> Any:
    r = client.get("/api/usage/spend", headers=AUTH)
    return r.json().get("total") if r.status_code == 200 else r.status_code


# web ------------------------------------------------------------------------------------------------------------
def _web_upload(filename: str, body: bytes, status: int, accepted: int | None = None,
                quarantined: int | None = None) -> Callable[[Path], None]:
    def run(home: Path) -> None:
        c = _client(home)
        before = _spend_total(c)
        r = c.post("/api/usage/upload", files={"file": (filename, body, "application/octet-stream")}, headers=AUTH)
        assert r.status_code == status, r.text
        _no_crash(r.text)
        assert str(home) not in r.text and "/tmp" not in r.text  # no server paths
        if status == 201:
            ans = r.json()["totals"]
            assert ans["accepted"] == accepted and ans["quarantined"] == quarantined, ans
        else:
            assert _spend_total(c) == before  # a refused file changes nothing
    return run


def _web_price(field: str, value: str, status: int, needle: str) -> Callable[[Path], None]:
    def run(home: Path) -> None:
        c = _client(home)
        before = _layer(home)
        price = {"model": "gpt-4o", "provider": "mycloud", "valid_from": "2031-01-01", "input": "1", "output": "2",
                 field: value}
        r = c.post("/api/user/prices", json={"prices": [price]}, headers=AUTH)
        assert r.status_code == status, r.text
        assert needle in r.text
        if status != 201:
            assert _layer(home) == before  # nothing written, nothing rounded
    return run


def _web_tier_any_case(home: Path) -> None:
    c = _client(home)
    price = {"model": "gpt-4o", "provider": "mycloud", "tier": "STANDARD", "valid_from": "2031-01-01",
             "input": "0.123456789", "output": "2"}
    r = c.post("/api/user/prices", json={"prices": [price]}, headers=AUTH)
    assert r.status_code == 201, r.text
    got = c.get("/api/price", params={"model": "gpt-4o", "provider": "mycloud", "at": "2031-06-01"})
    assert got.status_code == 200, got.text
    row = got.json()["prices"][0]
    assert row["tier"] == "standard" and row["input_usd_per_mtok"] == "0.123456789"  # stored exactly, and used


def _web_tier_query(tier: str, status: int) -> Callable[[Path], None]:
    def run(home: Path) -> None:
        c = _client(home)
        r = c.get("/api/price", params={"model": "gpt-4o", "at": "2024-12-24", "tier": tier})
        assert r.status_code == status, r.text
        if status == 200:
            plain = c.get("/api/price", params={"model": "gpt-4o", "at": "2024-12-24"}).json()
            assert r.json()["prices"] == plain["prices"]  # the same answer as tier=standard
        else:
            assert "tier" in r.json()["error"]
    return run


def _web_nested_body(home: Path) -> None:
    c = _client(home)
    body = '{"prices": ' + _nested(100_000) + "}"
    r = c.post("/api/user/prices", content=body, headers={**AUTH, "Content-Type": "application/json"})
    assert r.status_code in (400, 413, 422), r.text
    _no_crash(r.text)


# cli ------------------------------------------------------------------------------------------------------------
def _cli_price(cols: dict[str, str], code: int, needle: str) -> Callable[[Path], None]:
    def run(home: Path) -> None:
        before = _layer(home)
        r = run_cli("user", "add-prices", str(_price_csv(home / "p.csv", "gpt-4o", **cols)), home=home)
        assert r.returncode == code, r.stdout + r.stderr
        assert needle in r.stderr + r.stdout
        _no_crash(r.stderr)
        if code != 0:
            assert _layer(home) == before
    return run


def _cli_tier_any_case(home: Path) -> None:
    r = run_cli("user", "add-prices", str(_price_csv(home / "p.csv", "gpt-4o", tier="STANDARD",
                                                     input="0.123456789")), home=home)
    assert r.returncode == 0, r.stderr
    got = run_cli("price", "gpt-4o", "--provider", "mycloud", "--at", "2031-06-01", "--json", home=home)
    assert got.returncode == 0, got.stderr
    row = json.loads(got.stdout)
    assert row["tier"] == "standard" and row["input_usd_per_mtok"] == "0.123456789"


def _ingest(home: Path, *lines: str) -> None:
    log = home / "log.jsonl"
    log.write_text("\n".join(lines) + "\n")
    r = run_cli("usage", "ingest", str(log), home=home)
    assert r.returncode == 0, r.stderr
    _no_crash(r.stderr)


def _cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def _spend_csv_injection(home: Path) -> None:
    _ingest(home, *(_chat(f"inj-{i}", user=u) for i, u in enumerate(INJECTIONS)))
    r = run_cli("usage", "spend", "--by", "user", "--csv", home=home)
    assert r.returncode == 0, r.stderr
    cells = _cells(r.stdout)
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")], cells
    stored = {u.strip() for u in INJECTIONS}  # the readers trim surrounding whitespace of text fields
    for u in stored:
        assert "'" + u in cells  # neutralised, not dropped or rewritten
    js = run_cli("usage", "spend", "--by", "user", "--json", home=home)
    users = {r.get("user") for r in json.loads(js.stdout)["rows"]}
    assert stored <= users  # --json keeps the exact strings


def _history_csv_injection(home: Path) -> None:
    r = run_cli("user", "add-prices", str(_price_csv(home / "p.csv", "gpt-4o", source="=HYPERLINK(\"http://x\")",
                                                     note="@SUM(A1)")), home=home)
    assert r.returncode == 0, r.stderr
    h = run_cli("history", "gpt-4o", "--csv", home=home)
    assert h.returncode == 0, h.stderr
    cells = _cells(h.stdout)
    assert not [c for c in cells if c[:1] in ("=", "+", "@")], [c for c in cells if c[:1] in ("=", "+", "@")]
    assert "'=HYPERLINK(\"http://x\")" in cells
    # a negative number is data, not a formula: only text cells are neutralised
    assert not [c for c in cells if c.startswith("'-") and c[2:].replace(".", "", 1).isdigit()]


def _escape_in_model(home: Path) -> None:
    _ingest(home, _chat("ok-1"), _chat("esc-1", model="gpt-4o" + ESCAPE), _chat("esc-2", model=ESCAPE))
    for args in (("usage", "status"), ("usage", "quarantine"), ("usage", "spend", "--by", "model"),
                 ("usage", "unpriced"), ("price", ESCAPE)):
        r = run_cli(*args, home=home)
        out = r.stdout + r.stderr
        _no_crash(out)
        assert "\x1b" not in out and "\x07" not in out, (args, out)


def _escape_json_exact(home: Path) -> None:
    _ingest(home, _chat("ok-1"), _chat("esc-1", model="gpt-4o" + ESCAPE))
    r = run_cli("usage", "quarantine", "--json", home=home)
    assert r.returncode == 0, r.stderr
    assert ESCAPE in r.stdout or json.dumps(ESCAPE)[1:-1] in r.stdout  # --json keeps the exact text (escaped)


def _tolerance(value: str) -> Callable[[Path], None]:
    def run(home: Path) -> None:
        _ingest(home, _chat("ok-1"))
        start = time.monotonic()
        r = run_cli("usage", "reconcile", "--tolerance", value, home=home)
        assert time.monotonic() - start < 30
        assert r.returncode == 2, r.stdout + r.stderr
        assert "tolerance" in r.stderr
        _no_crash(r.stderr)
    return run


def corpus() -> list[Case]:
    good = _chat("good-1")
    bad_utf8 = (b"request_id,startTime,model,prompt_tokens,completion_tokens,spend,metadata\n"
                b"r-1,2024-12-24T10:00:00Z,gpt-4o,1,1,,{}\n") + \
        b"r-2,2024-12-24T10:00:00Z,gpt-\xff\xfe4o,1,1,,{}\n"
    parquet = _parquet_bytes()
    cases = [
        Case("corrupt Parquet (truncated)", "corrupt parquet", "web", "422, store unchanged, no path",
             _web_upload("log.parquet", parquet[: len(parquet) // 2], 422)),
        Case("corrupt Parquet (random bytes with magic)", "corrupt parquet", "web", "422, store unchanged, no path",
             _web_upload("log.parquet", b"PAR1" + bytes(range(256)) * 8 + b"PAR1", 422)),
        Case("invalid UTF-8 CSV row", "invalid UTF-8 CSV", "web", "201: 1 accepted, 1 quarantined",
             _web_upload("log.csv", bad_utf8, 201, 1, 1)),
        Case("invalid UTF-8 JSON line", "invalid UTF-8 CSV", "web", "201: 1 accepted, 1 quarantined",
             _web_upload("log.jsonl", (good + "\n").encode() + b'{"id": "x\xff"}\n', 201, 1, 1)),
        Case("nested JSON line 100,000 deep", "deep nesting", "web", "201: 1 accepted, 1 quarantined",
             _web_upload("log.jsonl", (good + "\n" + _nested(100_000) + "\n").encode(), 201, 1, 1)),
        Case("nested JSON body 100,000 deep", "deep nesting", "web", "4xx, nothing written", _web_nested_body),
        Case("price 10^12 (API)", "price 10^12", "web", "422 naming input, layer unchanged",
             _web_price("input", "1000000000000", 422, "input")),
        Case("price 1e12 (API)", "price 10^12", "web", "422 naming input, layer unchanged",
             _web_price("input", "1e12", 422, "input")),
        Case("price 10^12 (CLI)", "price 10^12", "cli", "exit 1 naming input, layer unchanged",
             _cli_price({"input": "1000000000000"}, 1, "input")),
        Case("price with 10 decimals (API)", "price 10 decimals", "web", "422 naming input, layer unchanged",
             _web_price("input", "0.0000000001", 422, "input")),
        Case("output with 10 decimals (API)", "price 10 decimals", "web", "422 naming output, layer unchanged",
             _web_price("output", "2.0000000001", 422, "output")),
        Case("price with 10 decimals (CLI)", "price 10 decimals", "cli", "exit 1 naming input, layer unchanged",
             _cli_price({"input": "0.0000000001"}, 1, "input")),
        Case("tier STANDARD (API)", "tier STANDARD", "web", "201, stored as standard, wins exactly",
             _web_tier_any_case),
        Case("tier STANDARD (CLI)", "tier STANDARD", "cli", "exit 0, stored as standard, wins exactly",
             _cli_tier_any_case),
        Case("tier=STANDARD in /api/price", "tier STANDARD", "web", "200, the standard-tier answer",
             _web_tier_query("STANDARD", 200)),
        Case("tier=Gold in /api/price", "tier STANDARD", "web", "422 naming tier", _web_tier_query("Gold", 422)),
        Case("tier nonsense (API)", "tier STANDARD", "web", "422 naming tier, layer unchanged",
             _web_price("tier", "Gold", 422, "tier")),
        Case("tier nonsense (CLI)", "tier STANDARD", "cli", "exit 1 naming tier, layer unchanged",
             _cli_price({"tier": "Gold"}, 1, "tier")),
        Case("usage spend --csv", "CSV injection", "cli", "cells prefixed with ', --json exact",
             _spend_csv_injection),
        Case("history --csv", "CSV injection", "cli", "text cells prefixed with ', numbers intact",
             _history_csv_injection),
        Case("ESC/OSC in model names", "terminal escapes", "cli", "no ESC/BEL on the terminal", _escape_in_model),
        Case("ESC in --json", "terminal escapes", "cli", "--json keeps the exact text", _escape_json_exact),
        Case("--tolerance 1e999999999", "numeric flags", "cli", "exit 2 at once naming --tolerance",
             _tolerance("1e999999999")),
        Case("--tolerance -1", "numeric flags", "cli", "exit 2 naming --tolerance", _tolerance("-1")),
        Case("--tolerance NaN", "numeric flags", "cli", "exit 2 naming --tolerance", _tolerance("NaN")),
    ]
    return cases


CORPUS = corpus()


@pytest.mark.parametrize("case", CORPUS, ids=[c.name for c in CORPUS])
def test_hostile_case(case: Case, store_home: Path) -> None:
    case.run(store_home)


def test_corpus_covers_every_class() -> None:
    classes = {c.klass for c in CORPUS}
    assert classes == {"corrupt parquet", "invalid UTF-8 CSV", "deep nesting", "price 10^12", "price 10 decimals",
                       "tier STANDARD", "CSV injection", "terminal escapes", "numeric flags"}


if __name__ == "__main__":
    from collections import Counter

    print("| class | cases | front ends | expected outcome |\n|---|---|---|---|")
    for klass, n in Counter(c.klass for c in CORPUS).items():
        fronts = sorted({c.front for c in CORPUS if c.klass == klass})
        outs = "; ".join(sorted({c.expect for c in CORPUS if c.klass == klass}))
        print(f"| {klass} | {n} | {', '.join(fronts)} | {outs} |")
    print(f"| **total** | **{len(CORPUS)}** | | |")
