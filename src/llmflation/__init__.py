"""llmflation: what LLM inference costs, why it is falling, where it is going, what it means for your bill.

The public Python API is `__all__` (documented in README.md, "Python API"). Names load lazily, so
`import llmflation` stays fast and pulls in no heavy library until a name is used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from llmflation.errors import (
        DataError,
        InputError,
        LlmflationError,
        NoPriceError,
        UnknownModelError,
        UnknownNameError,
    )
    from llmflation.ledger.ledger import Ledger
    from llmflation.ledger.records import Model, Price, Score
    from llmflation.serving.model import estimate
    from llmflation.shapes import jsonable
    from llmflation.trends.fit import fit_decline
    from llmflation.trends.forecast import forecast
    from llmflation.trends.series import cheapest_at_capability
    from llmflation.values import Floor, parse_date, parse_floor
    from llmflation.workload.bill import bill_model, rank_offers
    from llmflation.workload.spec import Workload, load_workload

# public name → the module that defines it
_EXPORTS = {
    "Ledger": "llmflation.ledger.ledger",
    "Model": "llmflation.ledger.records",
    "Price": "llmflation.ledger.records",
    "Score": "llmflation.ledger.records",
    "LlmflationError": "llmflation.errors",
    "InputError": "llmflation.errors",
    "DataError": "llmflation.errors",
    "NoPriceError": "llmflation.errors",
    "UnknownModelError": "llmflation.errors",
    "UnknownNameError": "llmflation.errors",
    "Workload": "llmflation.workload.spec",
    "load_workload": "llmflation.workload.spec",
    "rank_offers": "llmflation.workload.bill",
    "bill_model": "llmflation.workload.bill",
    "cheapest_at_capability": "llmflation.trends.series",
    "fit_decline": "llmflation.trends.fit",
    "forecast": "llmflation.trends.forecast",
    "estimate": "llmflation.serving.model",
    "Floor": "llmflation.values",
    "parse_date": "llmflation.values",
    "parse_floor": "llmflation.values",
    "jsonable": "llmflation.shapes",
}

__all__ = [
    "DataError",
    "Floor",
    "InputError",
    "Ledger",
    "LlmflationError",
    "Model",
    "NoPriceError",
    "Price",
    "Score",
    "UnknownModelError",
    "UnknownNameError",
    "Workload",
    "__version__",
    "bill_model",
    "cheapest_at_capability",
    "estimate",
    "fit_decline",
    "forecast",
    "jsonable",
    "load_workload",
    "open_ledger",
    "parse_date",
    "parse_floor",
    "rank_offers",
]


def open_ledger(path: str | None = None) -> Ledger:
    """Open the ledger store (creating it from the bundled data on first use)."""
    from llmflation.ledger.ledger import open_ledger as _open

    return _open(path)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'llmflation' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
