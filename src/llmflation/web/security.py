"""Security at the edge: bearer-token checks for writing endpoints, request size limits, response headers.

The app is read-only unless LLMFLATION_API_TOKEN is set; then the writing routes exist and each one demands
`Authorization: Bearer <token>` (compared in constant time). Bodies over the configured limit are refused
with 413 before they are read in full. Every response carries a Content-Security-Policy that only allows
the app's own scripts and styles: no CDN can be reached from a page.
"""

from __future__ import annotations

import hmac
from typing import TYPE_CHECKING

from llmflation.web.errors import ApiError, envelope

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Vega compiles its expressions with `new Function`, hence 'unsafe-eval'; everything still comes from 'self'.
CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; connect-src 'self'; font-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
]


def require_token(request: Request) -> None:
    """Raise 401 (envelope) unless the request carries the configured bearer token."""
    token = request.app.state.llmflation.settings.api_token
    if not token:  # routes are not registered without a token; this is belt and braces
        raise ApiError(404, f"Not found: {request.url.path}. Writing is disabled (no LLMFLATION_API_TOKEN).")
    header = request.headers.get("authorization", "")
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer" or not given:
        raise ApiError(
            401,
            "This endpoint needs `Authorization: Bearer <LLMFLATION_API_TOKEN>`.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if not hmac.compare_digest(given.strip().encode(), token.encode()):
        raise ApiError(401, "Wrong API token.", headers={"WWW-Authenticate": "Bearer"})


class EdgeMiddleware:
    """Pure ASGI middleware: security headers on every response; body size cap on requests with bodies."""

    def __init__(self, app: ASGIApp, max_body: int) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                headers.extend(h for h in SECURITY_HEADERS if h[0] not in names)
                message["headers"] = headers
            await send(message)

        if scope["method"] in ("POST", "PUT", "PATCH"):
            length = dict(scope.get("headers", [])).get(b"content-length")
            if length is not None:
                try:
                    too_big = int(length) > self.max_body
                except ValueError:
                    await _reply(send_with_headers, 400, "Bad Content-Length header.")
                    return
                if too_big:
                    await _reply(send_with_headers, 413, self._too_big())
                    return
            from starlette.exceptions import HTTPException

            received = 0
            limit = self.max_body
            too_big_message = self._too_big()

            async def counting_receive() -> Message:
                nonlocal received
                message = await receive()
                if message["type"] == "http.request":
                    received += len(message.get("body", b""))
                    if received > limit:
                        raise HTTPException(413, too_big_message)
                return message

            try:
                await self.app(scope, counting_receive, send_with_headers)
            except HTTPException as exc:  # raised outside a route (e.g. while a middleware reads the body)
                if exc.status_code != 413:
                    raise
                await _reply(send_with_headers, 413, str(exc.detail))
            return
        await self.app(scope, receive, send_with_headers)

    def _too_big(self) -> str:
        return f"Request body too large: the limit is {self.max_body // 1024} KiB (LLMFLATION_MAX_UPLOAD_MB)."


async def _reply(send: Send, status: int, message: str) -> None:
    import json

    body = json.dumps(envelope(status, message)).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
