"""The FastAPI app factory: `create_app(settings)` loads the Ledger once, wires routers, pages, statics."""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from llmflation import __version__
from llmflation.web.settings import WebSettings

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from fastapi import FastAPI

    from llmflation.ledger.ledger import Ledger

DESCRIPTION = """\
The llmflation ledger over HTTP: dated, sourced LLM prices, capability scores, and what they mean for a bill.

* Money is an **exact decimal string** in USD (`"0.075"`), never a float. Prices are USD per 1M tokens.
* Every error has one shape: `{"ok": false, "error": "…", "status": 404}` (+ `suggestions` for an
  unknown model, `known` for an unknown name, `details` for invalid parameters).
* Lists are paginated with `offset` and `limit`; the answer says `total` and `next_offset`.
* Read-only unless the server was started with `LLMFLATION_API_TOKEN`; then `/api/user/*` (and usage upload)
  exist and need `Authorization: Bearer <token>`.
"""


def _no_telemetry() -> dict[str, Any]:
    """No OpenTelemetry: FastAPI's native telemetry (0.16x) otherwise asks the global providers on every request.
    Older FastAPI releases have no such option."""
    import inspect

    from fastapi import FastAPI

    if "telemetry" in inspect.signature(FastAPI).parameters:
        return {"telemetry": {"tracing": False, "metrics": False, "logs": False}}
    return {}


def create_app(settings: WebSettings | None = None, ledger: Ledger | None = None) -> FastAPI:
    """Build the app. The Ledger is read from the store here, once; requests only read memory.

    `ledger` replaces the store's Ledger (tests, embedding); writing endpoints then need its `.store`.
    """
    from fastapi import FastAPI
    from fastapi.staticfiles import StaticFiles

    from llmflation.web import errors, features, pages
    from llmflation.web.api_ledger import router as ledger_router
    from llmflation.web.api_ledger import write_router
    from llmflation.web.cache import AnswerCache
    from llmflation.web.security import EdgeMiddleware
    from llmflation.web.state import AppState

    settings = settings or WebSettings.from_env()
    state = AppState(settings=settings, ledger=ledger) if ledger is not None else AppState.load(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        import numpy  # noqa: F401  (loaded once here, bill rankings sort their totals with it: fastbill.Totals.order)

        from llmflation.web.gc_policy import full_collections_on_a_timer

        async with full_collections_on_a_timer():
            yield

    app = FastAPI(
        title="llmflation",
        version=__version__,
        description=DESCRIPTION,
        docs_url=None,
        redoc_url=None,  # FastAPI's Swagger/ReDoc pages load from a CDN; /api/docs is ours
        openapi_url="/openapi.json",
        lifespan=lifespan,
        **_no_telemetry(),
    )
    app.state.llmflation = state
    errors.install(app)
    app.add_middleware(AnswerCache, state=state, enabled=settings.answer_cache)
    app.add_middleware(EdgeMiddleware, settings=settings)  # outermost: guards and headers on cache hits too
    app.mount("/static", StaticFiles(directory=str(pages.HERE / "static")), name="static")

    app.include_router(ledger_router)
    if settings.writable:
        app.include_router(write_router)
    for extra in _optional_routers(settings):
        app.include_router(extra)
    app.include_router(pages.router)
    from llmflation.web.pages_main import router as main_pages

    app.include_router(main_pages)
    if features.available("usage"):
        from llmflation.web.usage_web import pages_router as usage_pages

        app.include_router(usage_pages)
    if features.available("selfhost"):
        from llmflation.web.selfhost_web import pages_router as selfhost_pages

        app.include_router(selfhost_pages)
    if features.available("workload"):
        from llmflation.web.pages_bill import router as bill_pages

        app.include_router(bill_pages)
    if features.available("index"):
        from llmflation.web.index_web import pages_router as index_pages

        app.include_router(index_pages)
        if features.available("usage"):
            from llmflation.web.index_web import usage_pages_router as personal_pages

            app.include_router(personal_pages)
    if features.available("trends"):
        from llmflation.web.capability_web import pages_router as capability_pages
        from llmflation.web.capability_web import router as capability_api

        app.include_router(capability_api)
        app.include_router(capability_pages)
    return app


def _optional_routers(settings: WebSettings) -> list[Any]:
    """Routers of features whose domain modules are present in this build."""
    from llmflation.web import features

    return features.routers(settings)


def app_from_env() -> FastAPI:
    """The app of one `llmflation serve --workers N` worker process: settings from the environment, the store
    read (read-only) by this process."""
    return create_app(WebSettings.from_env())
