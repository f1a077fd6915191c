"""The exposed server against a real uvicorn (`llmflation serve` in a subprocess, loopback only): DNS-rebinding
Host/Origin guard, the bearer check before the body is read, the JSON body limit, the byte-bounded answer
cache, and two workers serving. Plus the in-process checks: no server paths in errors, 422 for out-of-range
prices."""

from __future__ import annotations

import socket
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient

from helpers.web_support import running_server
from llmflation.web import WebSettings, create_app
from llmflation.web.errors import scrub_paths

TOKEN = "edge-token-0123456789abcdef"


def raw_request(base: str, head: str, timeout: float = 5.0) -> bytes:
    """Send raw request bytes (headers only, maybe a partial body) and return what the server answers."""
    parts = urlsplit(base)
    with socket.create_connection((parts.hostname, parts.port), timeout=timeout) as sock:
        sock.sendall(head.encode())
        sock.settimeout(timeout)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
        return data


def test_dns_rebinding_host_and_origin_are_refused(shared_home: Path) -> None:
    with running_server(shared_home, args=("--allow-host", "dash.example.org")) as base:
        ok = httpx.get(base + "/api/models?limit=1")
        assert ok.status_code == 200
        rebound = httpx.get(base + "/api/models?limit=1", headers={"Host": "attacker.example"})
        assert rebound.status_code == 421 and "--allow-host" in rebound.json()["error"]
        assert httpx.get(base + "/", headers={"Host": "attacker.example:8000"}).status_code == 421
        cross = httpx.get(base + "/api/models?limit=1", headers={"Origin": "http://attacker.example"})
        assert cross.status_code == 403
        same = httpx.get(base + "/api/models?limit=1", headers={"Origin": base})
        assert same.status_code == 200
        allowed = httpx.get(base + "/api/models?limit=1", headers={"Host": "dash.example.org"})
        assert allowed.status_code == 200
        assert httpx.get(base + "/api/models?limit=1", headers={"Host": "localhost"}).status_code == 200


@pytest.mark.timed
def test_bearer_check_answers_before_the_body_is_read(shared_home: Path) -> None:
    with running_server(shared_home, token=TOKEN) as base:
        port = urlsplit(base).port
        # headers promise 1000 bytes, none follow: a server that read the body first would hang until timeout
        t0 = time.monotonic()
        head = (f"POST /api/user/prices HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
                "Content-Length: 1000\r\n\r\n")
        answer = raw_request(base, head)
        assert answer.startswith(b"HTTP/1.1 401"), answer[:200]
        assert b"www-authenticate: bearer" in answer.lower()
        assert time.monotonic() - t0 < 4
        wrong = raw_request(base, head.replace("Content-Type", f"Authorization: Bearer {'x' * 26}\r\nContent-Type"))
        assert wrong.startswith(b"HTTP/1.1 401")
        # the right token: the server waits for the body this time (no answer within a short timeout)
        good = head.replace("Content-Type", f"Authorization: Bearer {TOKEN}\r\nContent-Type")
        with pytest.raises(TimeoutError):
            raw_request(base, good, timeout=1.0)


def test_json_body_limit_applies_even_under_the_upload_limit(shared_home: Path) -> None:
    with running_server(shared_home, token=TOKEN) as base:
        auth = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
        big = b'{"prices": [' + b" " * (1024 * 1024 + 10) + b"]}"  # 1 MiB + : under the 25 MB upload limit
        r = httpx.post(base + "/api/user/prices", content=big, headers=auth)
        assert r.status_code == 413 and "JSON bodies are limited to 1024 KiB" in r.json()["error"]

        def stream():  # no Content-Length: refused while streaming
            for _ in range(1100):
                yield b" " * 1024

        r2 = httpx.post(base + "/api/user/prices", content=stream(), headers=auth)
        assert r2.status_code == 413


def test_answer_cache_is_bounded_in_bytes(shared_home: Path) -> None:
    with running_server(shared_home, env_extra={"LLMFLATION_WEB_CACHE_MB": "0.5"}) as base, \
            httpx.Client(base_url=base) as c:
        first = c.get("/api/models", params={"limit": 20, "offset": 0})
        assert first.headers["x-cache"] == "miss"
        assert c.get("/api/models", params={"limit": 20, "offset": 0}).headers["x-cache"] == "hit"
        size = len(first.content)
        n = (512 * 1024) // size + 20  # more distinct answers than 0.5 MB holds
        for i in range(1, n + 1):
            assert c.get("/api/models", params={"limit": 20, "offset": i}).status_code == 200
        assert c.get("/api/models", params={"limit": 20, "offset": 0}).headers["x-cache"] == "miss"
        assert c.get("/api/models", params={"limit": 20, "offset": n}).headers["x-cache"] == "hit"


# -- in-process checks (the same app, no socket) --------------------------------------------------------------
@pytest.fixture
def writable(fresh_home: Path) -> TestClient:
    from llmflation.ledger.store import Store

    Store(fresh_home / "ledger.duckdb").ensure_current()
    return TestClient(create_app(WebSettings(ledger_path=fresh_home / "ledger.duckdb", api_token=TOKEN)),
                      raise_server_exceptions=False)


@pytest.mark.parametrize(("value", "needle"), [("1000000000000", "above the sane bound"),
                                               ("0.0000000001", "has 10 decimal places"),
                                               ("-1", "below 0")])
def test_out_of_range_prices_are_422_naming_the_field(writable: TestClient, value: str, needle: str) -> None:
    row = {"model": "gpt-4o", "provider": "openai", "valid_from": "2026-01-01", "input": value, "output": "1"}
    r = writable.post("/api/user/prices", json={"prices": [row]}, headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 422, r.text
    assert needle in r.text and "input" in r.text


def test_errors_never_carry_server_paths(writable: TestClient, tmp_path: Path) -> None:
    import tempfile

    tmp = tempfile.gettempdir()
    text = f"{tmp}/llmflation-upload-abc/upload-0123.csv: not valid UTF-8; see https://example.org/x/y"
    assert scrub_paths(text) == "upload-0123.csv: not valid UTF-8; see https://example.org/x/y"
    for name, body in (("log.csv", b"foo,bar\n1,2\n"), ("log.jsonl", b"{not json\n")):
        r = writable.post("/api/usage/upload", files={"file": (name, body, "text/plain")},
                          headers={"Authorization": f"Bearer {TOKEN}"})
        assert r.status_code == 422, r.text
        assert tmp not in r.text and "llmflation-upload-" not in r.text and "upload-" in r.text


def test_a_change_of_the_store_by_another_process_is_picked_up(writable: TestClient, fresh_home: Path) -> None:
    from datetime import date
    from decimal import Decimal

    from llmflation.ledger.records import Price
    from llmflation.ledger.store import Store

    params = {"model": "gpt-4o", "provider": "openai", "at": "2026-06-01"}
    before = writable.get("/api/price", params=params)
    assert before.status_code == 200 and writable.get("/api/price", params=params).headers["x-cache"] == "hit"
    mine = Price(model=before.json()["model"], provider="openai", valid_from=date(2026, 1, 1), valid_to=None,
                 input=Decimal("1.23"), output=Decimal("4.56"), source="user:test", confidence="official",
                 origin="user")
    Store(fresh_home / "ledger.duckdb").add_user_prices([mine])  # as the CLI (another process) would
    time.sleep(1.1)
    after = writable.get("/api/price", params=params)
    assert after.headers["x-cache"] == "miss"
    assert after.json()["prices"][0]["input_usd_per_mtok"] == "1.23"
