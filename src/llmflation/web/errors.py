"""One error envelope for the whole API: {"ok": false, "error": "...", "status": N, ...details}.

Domain errors map to HTTP statuses here; anything unexpected becomes a 500 whose body never carries a
traceback or exception text (it is logged on the server instead). Page routes (not under /api) get an HTML
error page with the same message.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from llmflation.errors import (
    DataError,
    FormatError,
    InputError,
    LlmflationError,
    NameNotInEffectError,
    NoPriceError,
    ShutDownError,
    UnknownModelError,
    UnknownNameError,
)

if TYPE_CHECKING:
    from fastapi import FastAPI, Request
    from starlette.responses import Response

log = logging.getLogger("llmflation.web")


class ApiError(Exception):
    """An HTTP error raised by our own routes (auth, size limits, missing features) with extra fields."""

    def __init__(
        self, status: int, message: str, headers: dict[str, str] | None = None, **extra: Any
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers
        self.extra = extra


def envelope(status: int, message: str, **extra: Any) -> dict[str, Any]:
    return {"ok": False, "error": scrub_paths(message), "status": status, **extra}


def _private_dirs() -> list[str]:
    """Server directories whose paths must not reach a client: temp, data home, user home, the package."""
    import tempfile
    from pathlib import Path

    import llmflation
    from llmflation.ledger.store import home

    dirs = {tempfile.gettempdir(), str(home()), str(Path.home()), str(Path(llmflation.__file__).resolve().parent)}
    return sorted((d.rstrip("/") for d in dirs if len(d) > 1), key=len, reverse=True)


def scrub_paths(message: str) -> str:
    """Replace every server path under a private directory with its file name (`upload-3f2a….csv`)."""
    import re

    for d in _private_dirs():
        if d in message:
            message = re.sub(re.escape(d) + r"(/[^\s'\"]*)?", lambda m: (m.group(1) or "/").rsplit("/", 1)[-1]
                             or "…", message)
    return message


def api_hint(exc: LlmflationError) -> str:
    """A domain error in the API's words: the domain's message plus the next step as a request (never a CLI flag)."""
    text = str(exc)
    if isinstance(exc, FormatError):
        choices = f"Send format= one of {', '.join(exc.formats)}" if exc.formats else "Send format="
        mapping = " (the generic format's column mapping is set with the CLI's usage ingest)" if exc.mapping else ""
        return f"{text} {choices}{mapping}."
    if isinstance(exc, NameNotInEffectError):
        text += " Ask with at= inside one of those intervals, or with the model id itself."
    if isinstance(exc, UnknownModelError):
        return f"{text} GET /api/models?search=TEXT lists matching models."
    if isinstance(exc, ShutDownError) and exc.successor:
        return f"{text} Try GET /api/price?model={exc.successor}&provider={exc.provider}&at={exc.at}."
    if isinstance(exc, NoPriceError) and exc.model is not None:
        if exc.first_priced is not None:
            return f"{text} Try at={exc.first_priced}."
        if exc.ended is None:
            return f"{text} GET /api/history?model={exc.model} lists the recorded intervals."
        return f"{text} Ask with an earlier at=, or GET /api/history?model={exc.model} for the recorded intervals."
    return text


def domain_status(exc: LlmflationError) -> tuple[int, dict[str, Any]]:
    """HTTP status and extra envelope fields for a domain error (the data the message was worded from)."""
    if isinstance(exc, UnknownModelError):
        return 404, {"suggestions": exc.suggestions}
    if isinstance(exc, UnknownNameError):  # a provider, benchmark, GPU … that does not exist: not found, like a model
        return 404, {"known": exc.known[:100]}
    if isinstance(exc, ShutDownError):
        return 404, {"shut_down": True, **({"successor": exc.successor} if exc.successor else {})}
    if isinstance(exc, NoPriceError):
        extra = {k: v for k, v in (("first_priced", exc.first_priced), ("ended", exc.ended)) if v is not None}
        return 404, extra
    if isinstance(exc, InputError) and exc.field is not None:
        return 422, {"field": exc.field}
    if isinstance(exc, DataError):
        return 422, {"problems": [scrub_paths(p) for p in exc.problems[:200]]}
    if isinstance(exc, InputError):
        return 422, {}
    from llmflation.db import StoreBusyError

    if isinstance(exc, StoreBusyError):  # a store stayed locked by a writer: try again shortly
        return 503, {"retry_after_s": 5}
    return 400, {}


def _validation_message(errors: list[Any]) -> tuple[str, list[dict[str, Any]]]:
    details: list[dict[str, Any]] = []
    parts: list[str] = []
    for err in errors[:20]:
        loc = [str(x) for x in err.get("loc", ()) if x not in ("query", "body", "path")]
        field = ".".join(loc) or "request"
        msg = str(err.get("msg", "invalid value"))
        details.append({"field": field, "message": msg})
        parts.append(f"{field}: {msg}")
    return "Invalid request: " + "; ".join(parts), details


def install(app: FastAPI) -> None:
    """Register the handlers that turn every error into the envelope."""
    from fastapi.exceptions import RequestValidationError
    from starlette.exceptions import HTTPException as StarletteHTTPException

    async def on_domain(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, LlmflationError)
        status, extra = domain_status(exc)
        return respond(request, status, api_hint(exc), **extra)

    async def on_api_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)
        return respond(request, exc.status, exc.message, headers=exc.headers, **exc.extra)

    async def on_validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        message, details = _validation_message(list(exc.errors()))
        return respond(request, 422, message, details=details)

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        message = {
            404: f"Not found: {request.url.path}. See /api/docs for the endpoints.",
            405: f"Method {request.method} is not allowed on {request.url.path}.",
        }.get(exc.status_code, str(exc.detail))
        if exc.status_code == 400 and "parsing the body" in str(exc.detail):
            message = "The request body is not valid JSON (UTF-8); nothing was changed."
        headers = dict(exc.headers) if exc.headers else None
        return respond(request, exc.status_code, message, headers=headers)

    async def on_crash(request: Request, exc: Exception) -> Response:
        log.exception("internal error on %s %s", request.method, request.url.path)
        return respond(request, 500, "Internal error; nothing was changed. The server log has the details.")

    app.add_exception_handler(LlmflationError, on_domain)
    app.add_exception_handler(ApiError, on_api_error)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(Exception, on_crash)


def respond(
    request: Request, status: int, message: str, headers: dict[str, str] | None = None, **extra: Any
) -> Response:
    """JSON envelope for /api (and anything that asked for JSON); an HTML page for the dashboard."""
    from starlette.responses import JSONResponse

    message = scrub_paths(message)
    path = request.url.path
    wants_html = not path.startswith("/api") and not path.startswith("/static") and path != "/openapi.json"
    if wants_html:
        from llmflation.web.pages import render_error

        return render_error(request, status, message, headers=headers, **extra)
    return JSONResponse(envelope(status, message, **_plain(extra)), status_code=status, headers=headers)


def _plain(extra: dict[str, Any]) -> dict[str, Any]:
    from llmflation.shapes import jsonable

    return {k: jsonable(v) for k, v in extra.items()}
