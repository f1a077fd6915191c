"""uvicorn's httptools protocol, writing a response's head and its body to the socket in one write.

Why: uvicorn writes the status line and headers as soon as the app sends `http.response.start`, then the body on
`http.response.body`: two `send` calls, two TCP segments and, on the client's side, usually two wake-ups per
answer. Our JSON answers are one body each, so the head is held back (within the same response) and written joined
with the body's first bytes. A response whose body writes nothing (HEAD, an empty chunked body) gets its head
written when that body message has been handled, and a close flushes what is held first: the bytes on the wire
are the same, in the same order; only the number of writes changes.

The hook is uvicorn's `_start_asgi_task(cycle, app)` (uvicorn 0.54, constraints.txt): the app is called with a `send`
that swaps a holding transport in around uvicorn's own. Where that hook is missing (another uvicorn),
`http_option()` names uvicorn's own choice instead.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol  # uvicorn[standard] brings httptools

if TYPE_CHECKING:
    import asyncio


class _HeadCatcher:
    """A transport stand-in while uvicorn handles `http.response.start`: keeps the head's bytes instead of
    writing them; anything else goes to the real transport (after what is held, for a close)."""

    __slots__ = ("held", "real")

    def __init__(self, real: asyncio.Transport) -> None:
        self.real = real
        self.held: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.held.append(data)

    def close(self) -> None:
        if self.held:
            self.real.write(b"".join(self.held))
            self.held.clear()
        self.real.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


class _HeadPrefixer:
    """A transport stand-in while uvicorn handles the first body message: its first write carries the held head
    in front of the body's bytes; a close before any write sends the head first."""

    __slots__ = ("head", "real")

    def __init__(self, real: asyncio.Transport, head: bytes) -> None:
        self.real = real
        self.head: bytes | None = head

    def flush(self) -> None:
        if self.head is not None:
            head, self.head = self.head, None
            self.real.write(head)

    def write(self, data: bytes) -> None:
        if self.head is not None:
            head, self.head = self.head, None
            self.real.write(head + data)
        else:
            self.real.write(data)

    def close(self) -> None:
        self.flush()
        self.real.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


def _coalescing_send(cycle: Any, send: Any) -> Any:
    """The cycle's ASGI `send`: uvicorn's, with the head held back and joined to the body's first write. Between
    the two messages the cycle writes through a `_HeadPrefixer`, so a close there (an app failing after the start)
    still sends the head first, as uvicorn would have."""

    async def coalescing_send(message: Any) -> None:
        real = cycle.transport
        if isinstance(real, _HeadPrefixer):  # the body (or anything) after a held head: written through it
            try:
                await send(message)
            finally:
                cycle.transport = real.real
                if not real.real.is_closing():
                    real.flush()  # a body that wrote nothing (HEAD, an empty chunk): the head goes now
            return
        if message["type"] != "http.response.start":
            await send(message)
            return
        catcher = _HeadCatcher(real)
        cycle.transport = catcher
        try:
            await send(message)
        finally:
            cycle.transport = real
        if catcher.held:
            cycle.transport = _HeadPrefixer(real, b"".join(catcher.held))

    return coalescing_send


class CoalescingHttpToolsProtocol(HttpToolsProtocol):  # type: ignore[misc]
    """uvicorn's httptools protocol whose responses go out as one write of head and body (see the module)."""

    def _start_asgi_task(self, cycle: Any, app: Any) -> None:
        super()._start_asgi_task(cycle, partial(_with_coalescing_send, app))


async def _with_coalescing_send(app: Any, scope: Any, receive: Any, send: Any) -> None:
    """Run the app with the coalescing `send` of the cycle that calls it (uvicorn passes its bound `cycle.send`).
    Nothing on the cycle refers to the wrapper, so a finished request is freed by reference counting (with the
    wrapper stored on the cycle, every request left a reference cycle for the collector and its memory grew)."""
    await app(scope, receive, _coalescing_send(send.__self__, send))


def http_option() -> str:
    """uvicorn's `http=` option: this module's protocol where uvicorn has the hook it needs, else uvicorn's own
    choice. An import string, so that worker processes (spawned, their options pickled) load it themselves."""
    if hasattr(HttpToolsProtocol, "_start_asgi_task"):
        return f"{__name__}:CoalescingHttpToolsProtocol"
    return "auto"
