"""An answer already encoded as JSON bytes: what starlette's `Response(body, media_type="application/json")` is,
without its generic header building on every computed answer (the same status, headers and body; a test compares
the two)."""

from __future__ import annotations

from starlette.responses import Response


class JsonBody(Response):
    media_type = "application/json"

    def __init__(self, body: bytes) -> None:  # no super().__init__: every attribute it sets is set here
        self.status_code = 200
        self.background = None
        self.body = body
        self.raw_headers = [(b"content-length", str(len(body)).encode()), (b"content-type", b"application/json")]
