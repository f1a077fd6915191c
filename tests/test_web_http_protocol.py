"""The server's HTTP protocol (web/http_protocol.py) writes each response's head and body in one write, and puts
the same bytes on the wire as uvicorn's own httptools protocol: real uvicorn servers on loopback, raw sockets, the
two protocols side by side over JSON bodies, HEAD, streamed and empty bodies, 204, pipelined requests and apps that
fail before or after starting their response."""

from __future__ import annotations

import asyncio
import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from llmflation.web.http_protocol import CoalescingHttpToolsProtocol, http_option

WRITES: dict[str, list[int]] = {"plain": [], "coalescing": []}  # bytes per transport write, per protocol


class _CountingTransport:
    """The real transport, with each write's size noted (instrumentation, not a stand-in)."""

    def __init__(self, real: asyncio.Transport, log: list[int]) -> None:
        self._real, self._log = real, log

    def write(self, data: bytes) -> None:
        self._log.append(len(data))
        self._real.write(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


class PlainCounted(HttpToolsProtocol):  # type: ignore[misc]
    def connection_made(self, transport: Any) -> None:
        super().connection_made(_CountingTransport(transport, WRITES["plain"]))


class CoalescingCounted(CoalescingHttpToolsProtocol):
    def connection_made(self, transport: Any) -> None:
        super().connection_made(_CountingTransport(transport, WRITES["coalescing"]))


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Responses of every shape the protocol must pass through unchanged."""
    if scope["type"] == "lifespan":
        while True:
            event = (await receive())["type"]
            await send({"type": f"{event}.complete"})
            if event == "lifespan.shutdown":
                return
    path = scope["path"]
    if path == "/fail-before":
        raise RuntimeError("before the response")
    if path == "/204":
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})
        return
    if path == "/chunked":  # no content-length: uvicorn chunks the body
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        for part in (b"one,", b"", b"two,", b"three"):
            await send({"type": "http.response.body", "body": part, "more_body": True})
        await send({"type": "http.response.body", "body": b""})
        return
    body = b'{"ok":true,"pad":"' + b"x" * 40_000 + b'"}' if path == "/big" else b"" if path == "/empty" \
        else b'{"ok":true}'
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    if path == "/fail-after":
        raise RuntimeError("after the start")
    if path == "/stream":  # the declared length, sent in parts with a pause between them
        await send({"type": "http.response.body", "body": body[:5], "more_body": True})
        await asyncio.sleep(0.01)
        await send({"type": "http.response.body", "body": body[5:]})
        return
    await send({"type": "http.response.body", "body": body})


@contextmanager
def serving(protocol: type[asyncio.Protocol]) -> Iterator[int]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(app, http=protocol, log_level="critical", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the test server did not start"
        time.sleep(0.01)
    try:
        yield sock.getsockname()[1]
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def exchange(port: int, raw: bytes) -> bytes:
    """Send `raw` on a new connection and read until the server closes it; the Date header blanked."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(raw)
        chunks = []
        while chunk := conn.recv(65536):
            chunks.append(chunk)
    return re.sub(rb"date: [^\r]*\r\n", b"date: -\r\n", b"".join(chunks))


def get(path: str, method: str = "GET", close: bool = True) -> bytes:
    connection = "Connection: close\r\n" if close else ""
    return f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{connection}\r\n".encode()


REQUESTS = {
    "json": get("/small"),
    "big": get("/big"),
    "head": get("/big", "HEAD"),
    "empty": get("/empty"),
    "204": get("/204"),
    "chunked": get("/chunked"),
    "stream": get("/stream"),
    "fail-before": get("/fail-before"),
    "fail-after": get("/fail-after"),
    "pipelined": get("/small", close=False) + get("/big", "HEAD", close=False) + get("/chunked", close=False)
    + get("/empty"),
}


@pytest.fixture(scope="module")
def ports() -> Iterator[tuple[int, int]]:
    with serving(PlainCounted) as plain, serving(CoalescingCounted) as coalescing:
        yield plain, coalescing


@pytest.mark.parametrize("case", sorted(REQUESTS))
def test_the_same_bytes_reach_the_client(ports: tuple[int, int], case: str) -> None:
    plain, coalescing = ports
    want = exchange(plain, REQUESTS[case])
    got = exchange(coalescing, REQUESTS[case])
    assert got == want
    assert want.startswith(b"HTTP/1.1 ")
    if case == "fail-after":  # the head went out before the connection closed, as uvicorn sends it
        assert want.startswith(b"HTTP/1.1 200") and b"content-length" in want


def test_a_json_answer_is_one_write_where_uvicorn_makes_two(ports: tuple[int, int]) -> None:
    plain, coalescing = ports
    for name, port in (("plain", plain), ("coalescing", coalescing)):
        WRITES[name].clear()
        answer = exchange(port, get("/big"))
        assert answer.endswith(b'"}')
        total = len(answer) - len(b"date: -\r\n") + len(b"date: Fri, 04 Dec 2026 02:35:56 GMT\r\n")
        assert sum(WRITES[name]) == total
    assert len(WRITES["plain"]) == 2
    assert len(WRITES["coalescing"]) == 1


def test_the_serve_command_uses_it() -> None:
    assert http_option() == "llmflation.web.http_protocol:CoalescingHttpToolsProtocol"
    assert uvicorn.importer.import_from_string(http_option()) is CoalescingHttpToolsProtocol


def test_finished_requests_leave_no_cycles_behind(ports: tuple[int, int]) -> None:
    """A request's cycle is freed by reference counting when its connection ends, as with uvicorn's protocol: the
    coalescing `send` is not stored on the cycle (there, each request left a reference cycle: 30 kept after 30
    requests, against 0)."""
    import gc

    from uvicorn.protocols.http.httptools_impl import RequestResponseCycle

    def alive() -> int:
        return sum(isinstance(o, RequestResponseCycle) for o in gc.get_objects())

    plain, coalescing = ports
    gc.collect()
    gc.disable()
    try:
        counts = {}
        for name, port in (("plain", plain), ("coalescing", coalescing)):
            before = alive()
            for _ in range(30):
                exchange(port, get("/small"))
            time.sleep(0.2)  # the server thread finishes closing the connections
            counts[name] = alive() - before
    finally:
        gc.enable()
    assert counts["coalescing"] <= counts["plain"] + 2, counts
    assert counts["coalescing"] < 10, counts
