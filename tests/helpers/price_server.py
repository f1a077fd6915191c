"""A real HTTP server on 127.0.0.1 (a thread) serving fixture files, for `data update` tests: ETags and 304,
slow answers, HTTP errors, and a log of what each request sent."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    delay: float = 0.0  # seconds before answering (a timeout test)
    etag: bool = True  # send an ETag and honour If-None-Match


@dataclass
class Served:
    routes: dict[str, Route] = field(default_factory=dict)
    log: list[tuple[str, int, dict[str, str]]] = field(default_factory=list)  # path, status, request headers
    port: int = 0

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def statuses(self, path: str) -> list[int]:
        return [s for p, s, _ in self.log if p == path]


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:16] + '"'


@contextmanager
def serve(routes: dict[str, Route]) -> Iterator[Served]:
    served = Served(routes=routes)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            route = served.routes.get(self.path)
            headers = {k.lower(): v for k, v in self.headers.items()}
            if route is None:
                status, body, extra = 404, b"not found", {}
            else:
                if route.delay:
                    time.sleep(route.delay)
                status, body, extra = route.status, route.body, {}
                if route.etag and status == 200:
                    tag = _etag(route.body)
                    extra["ETag"] = tag
                    if headers.get("if-none-match") == tag:
                        status, body = 304, b""
            served.log.append((self.path, status, headers))
            try:
                self.send_response(status)
                for k, v in extra.items():
                    self.send_header(k, v)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if body:
                    self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
                pass

        def log_message(self, format: str, *args: object) -> None:  # keep test output clean
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    served.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield served
    finally:
        server.shutdown()
        server.server_close()
