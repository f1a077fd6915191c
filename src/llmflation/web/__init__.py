"""The local web dashboard and JSON API (FastAPI + Jinja2 + Vega-Lite served from the package itself).

`create_app(WebSettings(...))` builds the app; `llmflation serve` runs it under uvicorn on 127.0.0.1.
"""

from typing import Any

from llmflation.web.settings import WebSettings

__all__ = ["WebSettings", "create_app"]


def create_app(settings: WebSettings | None = None, ledger: Any = None) -> Any:
    """Build the FastAPI app (imported lazily so `import llmflation.web` stays cheap)."""
    from llmflation.web.app import create_app as _create

    return _create(settings, ledger)
