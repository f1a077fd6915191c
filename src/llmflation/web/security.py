"""Security at the edge: bearer-token checks for writing endpoints, request size limits, response headers.

The app is read-only unless LLMFLATION_API_TOKEN is set; then the writing routes exist and each one demands
`Authorization: Bearer <token>` (compared in constant time). The edge checks the token of a writing request
(POST, PUT, PATCH, DELETE under /api/) before a byte of its body is read. Bodies over the limit (JSON bodies:
`max_json_bytes`; uploads: `max_upload_bytes`) are refused with 413 before they are read in full. Every
response carries a Content-Security-Policy that only allows the app's own scripts and styles.

DNS rebinding: a hostile web page can point its own name at 127.0.0.1 and read the dashboard's answers as
same-origin. Every request's Host (and Origin, when sent) must therefore name an allowed host: the loopback
names by default, more with `llmflation serve --allow-host NAME` (LLMFLATION_ALLOWED_HOSTS). Anything else
gets 421 (Host) or 403 (Origin) before routing.
"""

from __future__ import annotations

import hmac
from typing import TYPE_CHECKING

from llmflation.web.errors import ApiError, envelope

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

    from llmflation.web.settings import WebSettings

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

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


def token_problem(header: str, token: str) -> str | None:
    """Why an Authorization header does not carry `token` (None when it does); constant-time comparison."""
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer" or not given:
        return "This endpoint needs `Authorization: Bearer <LLMFLATION_API_TOKEN>`."
    if not hmac.compare_digest(given.strip().encode(), token.encode()):
        return "Wrong API token."
    return None


def host_allowed(name: str, allowed: tuple[str, ...]) -> bool:
    from llmflation.web.settings import normalise_host

    return "*" in allowed or normalise_host(name) in allowed


def _origin_host(origin: str) -> str:
    from urllib.parse import urlsplit

    try:
        return urlsplit(origin).hostname or ""
    except ValueError:
        return ""


class EdgeMiddleware:
    """Pure ASGI middleware: Host/Origin allow-list, early bearer check for writes, body size caps, security
    headers on every response."""

    def __init__(self, app: ASGIApp, settings: WebSettings) -> None:
        self.app = app
        self.settings = settings
        self.max_body = settings.max_upload_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                headers.extend(h for h in SECURITY_HEADERS if h[0] not in names)
                message["headers"] = headers
            await send(message)

        headers = {k.lower(): v for k, v in scope.get("headers", [])}
        refusal = self._refusal(scope, headers)
        if refusal is not None:
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
                return
            status, message, extra = refusal
            await _reply(send_with_headers, status, message, extra)
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        if scope["method"] in WRITE_METHODS:
            content_type = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
            is_json = content_type == b"application/json"
            limit = min(self.settings.max_json_bytes, self.max_body) if is_json else self.max_body
            too_big_message = self._too_big(limit, is_json)
            length = headers.get(b"content-length")
            if length is not None:
                try:
                    too_big = int(length) > limit
                except ValueError:
                    await _reply(send_with_headers, 400, "Bad Content-Length header.")
                    return
                if too_big:
                    await _reply(send_with_headers, 413, too_big_message)
                    return
            from starlette.exceptions import HTTPException

            received = 0

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

    def _refusal(self, scope: Scope, headers: dict[bytes, bytes]) -> tuple[int, str, list[tuple[bytes, bytes]]] | None:
        """(status, message, headers) when the request is refused at the edge, before routing or reading."""
        allowed = self.settings.allowed_hosts
        in_process = (scope.get("client") or ("",))[0] == "testclient"  # Starlette's TestClient: no socket, no DNS
        host = headers.get(b"host", b"").decode("latin-1")
        if not in_process and not host_allowed(host, allowed):
            return 421, (f"Host {host[:100]!r} is not served here (DNS-rebinding guard). If this name is yours, "
                         "start the server with `llmflation serve --allow-host NAME`."), []
        origin = headers.get(b"origin")
        if origin is not None and not host_allowed(_origin_host(origin.decode("latin-1")), allowed):
            return 403, "Cross-origin requests are refused (Origin not allowed).", []
        token = self.settings.api_token
        if token and scope["type"] == "http" and scope["method"] in WRITE_METHODS \
                and str(scope.get("path", "")).startswith("/api/"):
            problem = token_problem(headers.get(b"authorization", b"").decode("latin-1"), token)
            if problem is not None:
                return 401, problem, [(b"www-authenticate", b"Bearer")]
        return None

    def _too_big(self, limit: int, json_body: bool) -> str:
        if json_body:
            return f"Request body too large: JSON bodies are limited to {limit // 1024} KiB."
        return f"Request body too large: the limit is {limit // 1024} KiB (LLMFLATION_MAX_UPLOAD_MB)."


async def _reply(send: Send, status: int, message: str, extra: list[tuple[bytes, bytes]] | None = None) -> None:
    import json

    body = json.dumps(envelope(status, message)).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                        *(extra or [])],
        }
    )
    await send({"type": "http.response.body", "body": body})
