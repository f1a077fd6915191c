"""A small, explicit ledger for the web tests (exact expected values), and a real-uvicorn server helper."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from llmflation.ledger.ledger import Ledger
from llmflation.ledger.records import Model, Price, Score
from llmflation.web.schemas import ErrorOut

SRC = "https://example.org/test"
TOKEN = "test-token-0123456789abcdef"  # a write token for the API tests


def assert_envelope(resp: Any, status: int) -> dict[str, Any]:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/json")
    body = resp.json()
    ErrorOut.model_validate(body)
    assert body["ok"] is False and body["status"] == status and body["error"]
    assert "Traceback" not in resp.text
    return body


def small_ledger() -> Ledger:
    d = Decimal
    models = [
        Model("openai/gpt-4-0314", "GPT-4 (0314)", "openai", date(2023, 3, 14), False, False, SRC, "official",
              aliases=("gpt-4",)),
        Model("openai/gpt-4o-2024-05-13", "GPT-4o (2024-05-13)", "openai", date(2024, 5, 13), False, False, SRC,
              "official", aliases=("gpt-4o",)),
        Model("meta/llama-3.3-70b-instruct", "Llama 3.3 70B Instruct", "meta", date(2024, 12, 6), True, False, SRC,
              "official", aliases=("llama-3.3-70b",), params_total_b=d("70"), params_active_b=d("70")),
    ]
    prices = [
        Price("openai/gpt-4-0314", "openai", date(2023, 3, 14), None, d("30"), d("60"), SRC, "official",
              first_party=True),
        Price("openai/gpt-4o-2024-05-13", "openai", date(2024, 5, 13), date(2024, 10, 1), d("5"), d("15"), SRC,
              "official", first_party=True),
        Price("openai/gpt-4o-2024-05-13", "openai", date(2024, 10, 1), None, d("2.5"), d("10"), SRC, "official",
              cached_input=d("1.25"), first_party=True),
        Price("meta/llama-3.3-70b-instruct", "deepinfra", date(2024, 12, 10), None, d("0.23"), d("0.40"), SRC,
              "archived"),
        Price("meta/llama-3.3-70b-instruct", "together", date(2024, 12, 10), date(2025, 6, 1), d("0.88"), d("0.88"),
              SRC, "archived"),
        Price("meta/llama-3.3-70b-instruct", "together", date(2025, 6, 1), None, d("1.04"), d("1.04"), SRC,
              "archived"),
    ]
    scores = [
        Score("openai/gpt-4-0314", "mmlu", d("86.4"), date(2023, 3, 14), "5-shot", SRC, "official"),
        Score("openai/gpt-4o-2024-05-13", "mmlu", d("88.7"), date(2024, 5, 13), "5-shot", SRC, "official"),
        Score("meta/llama-3.3-70b-instruct", "mmlu", d("86.3"), date(2024, 12, 6), "0-shot CoT", SRC, "official"),
    ]
    return Ledger(models, prices, scores)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


PROC = Path("/proc")


def children(pid: int) -> list[int]:
    """The live child processes of `pid` (Linux /proc)."""
    out = []
    for entry in os.listdir(PROC):
        if entry.isdigit():
            try:
                stat = (PROC / entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(entry))
    return out


def socket_ports(pid: int, state: str) -> list[int]:
    """The local TCP ports of process `pid`'s own sockets in `state` ("0A" LISTEN, "01" ESTABLISHED), one per
    socket, read from Linux /proc."""
    inodes = set()
    try:
        for fd in (PROC / str(pid) / "fd").iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[len("socket:["):-1])
    except OSError:
        return []
    ports = []
    for table in ("tcp", "tcp6"):
        try:
            lines = (PROC / str(pid) / "net" / table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[3] == state and fields[9] in inodes:
                ports.append(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


def listening_port(pid: int) -> int | None:
    """The TCP port process `pid` or one of its children (`serve --workers N`: each worker listens on its own
    socket) listens on, or None while none listens yet."""
    for each in (pid, *children(pid)):
        ports = socket_ports(each, "0A")
        if ports:
            return ports[0]
    return None


@contextmanager
def running_server(home: Path, token: str | None = None, timeout: float = 60.0, args: tuple[str, ...] = (),
                   env_extra: dict[str, str] | None = None, procs: list[subprocess.Popen[str]] | None = None,
                   ) -> Iterator[str]:
    """Start the real `llmflation serve` (uvicorn) on 127.0.0.1; yield its base URL.

    On Linux the server binds port 0 (the kernel picks a free port, so servers started at once by parallel test
    workers never race for one) and its port is read from /proc; elsewhere a port found free just before is used.
    `args` are extra `serve` flags (default one worker); `procs`, when given, receives the server process."""
    own_port = PROC.joinpath("self", "net", "tcp").exists()
    port: int | None = None if own_port else free_port()
    env = {**os.environ, "LLMFLATION_HOME": str(home), **(env_extra or {})}
    env.pop("LLMFLATION_API_TOKEN", None)
    if token:
        env["LLMFLATION_API_TOKEN"] = token
    if "--workers" not in args:
        args = (*args, "--workers", "1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "llmflation.cli.main", "serve", "--host", "127.0.0.1", "--port", str(port or 0),
         *args],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    if procs is not None:
        procs.append(proc)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited early:\n{proc.stdout.read() if proc.stdout else ''}")
            if port is None:
                port = listening_port(proc.pid)
            try:
                if port is not None and httpx.get(f"http://127.0.0.1:{port}/api/models?limit=1",
                                                  timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start in time")
            time.sleep(0.2)
        base = f"http://127.0.0.1:{port}"
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
