"""A response cache in front of the read-only JSON API.

The ledger does not change between requests (a write swaps in a new Ledger and clears this cache; a change of the
store file by another process is noticed within a second and does the same), so a GET answer is a pure function
of (path, query string, today's date). Successful answers are kept as rendered bytes in an LRU bounded in entries
and in bytes (`WebSettings.answer_cache_bytes`); a repeat request costs a dictionary lookup instead of routing,
validation and serialisation.
Every answer carries `Server-Timing: app;dur=<ms>` (time spent inside the app) and `X-Cache: hit|miss`. A new
query to a path of FAST_ANSWERS (/api/bill, /api/price) is computed here without the router when it is good (a bill
in its turn: web/turns.py); otherwise the route answers as usual.
Disable with LLMFLATION_WEB_CACHE=0.
"""

from __future__ import annotations

import time
from datetime import date
from typing import TYPE_CHECKING

from llmflation.web.turns import Turns

if TYPE_CHECKING:
    from collections.abc import Callable

    from starlette.responses import Response
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

    from llmflation.web.state import AppState

MAX_CACHED_BODY = 512 * 1024


def _bill_answer() -> Callable[[AppState, bytes], Response]:
    from llmflation.web.api_bill import fast_answer

    return fast_answer


def _price_answer() -> Callable[[AppState, bytes], Response]:
    from llmflation.web.api_ledger import fast_price

    return fast_price


# GET paths whose new answers are computed here without the router (each returns the route's own Response for a
# good query, and raises for anything else: the route then answers and renders the error)
FAST_ANSWERS: dict[str, Callable[[], Callable[[AppState, bytes], Response]]] = {"/api/bill": _bill_answer,
                                                                                "/api/price": _price_answer}
# of those, the ones computed in turns (web/turns.py): a bill takes ~0.7 ms, a price answer ~0.02 ms (less than a turn)
TAKE_TURNS = frozenset({"/api/bill"})


class AnswerCache:
    def __init__(self, app: ASGIApp, state: AppState, enabled: bool = True) -> None:
        self.app = app
        self.state = state
        self.enabled = enabled
        self.turns = Turns()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self.state.refresh_if_changed()  # another process (CLI, another worker) changed the store
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if scope["type"] != "http" or scope["method"] != "GET" or not path.startswith("/api/") \
                or path == "/api/docs" or path.startswith("/api/usage/"):  # usage changes outside the app
            await self.app(scope, receive, send)
            return
        t0 = time.perf_counter()
        key = ("http", scope["path"], scope.get("query_string", b""), date.today())
        if self.enabled:
            hit = self.state.cached_answer(key)
            if hit is not None:
                status, headers, body = hit
                await send({"type": "http.response.start", "status": status,
                            "headers": [*headers, _timing(t0), (b"x-cache", b"hit")]})
                await send({"type": "http.response.body", "body": body})
                return
        fast = FAST_ANSWERS.get(path)
        if fast is not None:
            try:
                query = scope.get("query_string", b"")
                response = await self.turns.run(fast(), self.state, query) if path in TAKE_TURNS \
                    else fast()(self.state, query)
            except Exception:  # the route answers instead, and its handlers render the error
                response = None
            if response is not None:
                headers = list(response.raw_headers)
                if self.enabled and response.status_code == 200 and len(response.body) <= MAX_CACHED_BODY:
                    self.state.remember_answer(key, (200, headers, bytes(response.body)))
                await send({"type": "http.response.start", "status": response.status_code,
                            "headers": [*headers, _timing(t0), (b"x-cache", b"miss")]})
                await send({"type": "http.response.body", "body": response.body})
                return
        start: dict[str, object] = {}
        chunks: list[bytes] = []
        storable = self.enabled

        async def capture(message: Message) -> None:
            nonlocal storable
            if message["type"] == "http.response.start":
                start["status"] = message["status"]
                start["headers"] = list(message.get("headers", []))
                message["headers"] = [*message.get("headers", []), _timing(t0), (b"x-cache", b"miss")]
            elif message["type"] == "http.response.body" and storable:
                chunks.append(message.get("body", b""))
                if sum(map(len, chunks)) > MAX_CACHED_BODY:
                    storable = False
                if not message.get("more_body", False) and storable and start.get("status") == 200:
                    self.state.remember_answer(key, (200, start["headers"], b"".join(chunks)))  # type: ignore[arg-type]
            await send(message)

        await self.app(scope, receive, capture)


def _timing(t0: float) -> tuple[bytes, bytes]:
    return (b"server-timing", f"app;dur={(time.perf_counter() - t0) * 1000:.3f}".encode())
