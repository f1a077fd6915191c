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
    "trends": "llmflation.trends",
    "workload": "llmflation.workload",
    "usage": "llmflation.usage",
    "selfhost": "llmflation.serving",
}


@cache
def available(feature: str) -> bool:
    try:
        return importlib.util.find_spec(FEATURES[feature]) is not None
    except (ImportError, ValueError):
        return False


def routers(settings: WebSettings) -> list[Any]:
    out: list[Any] = []
    return out
