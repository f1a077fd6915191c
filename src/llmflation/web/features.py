"""Which dashboard features this build has: a feature exists when its domain package is importable.

The pages for a missing feature say so; its API routes are not registered (so /openapi.json only
documents what works).
"""

from __future__ import annotations

import importlib.util
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from llmflation.web.settings import WebSettings

FEATURES = {
    "trends": "llmflation.report.build",
    "workload": "llmflation.workload.bill",
    "usage": "llmflation.usage.analytics",
    "selfhost": "llmflation.serving.compare",
    "index": "llmflation.index.overview",
}


@cache
def available(feature: str) -> bool:
    try:
        return importlib.util.find_spec(FEATURES[feature]) is not None
    except (ImportError, ValueError):  # a parent package missing
        return False


def routers(settings: WebSettings) -> list[Any]:
    out: list[Any] = []
    if available("trends"):
        from llmflation.web.trends_web import router as trends_router

        out.append(trends_router)
    if available("usage"):
        from llmflation.web.usage_web import router as usage_router
        from llmflation.web.usage_web import write_router as usage_write

        out.append(usage_router)
        if settings.writable:
            out.append(usage_write)
    if available("selfhost"):
        from llmflation.web.selfhost_web import router as selfhost_router

        out.append(selfhost_router)
    if available("workload"):
        from llmflation.web.api_bill import router as bill_router

        out.append(bill_router)
    if available("index"):
        from llmflation.web.index_web import router as index_router

        out.append(index_router)
        if available("usage"):
            from llmflation.web.index_web import usage_router as personal_index_router

            out.append(personal_index_router)
    return out
