"""llmflation: what LLM inference costs, why it is falling, where it is going, what it means for your bill."""

from __future__ import annotations

from typing import TYPE_CHECKING

__version__ = "0.1.0"

if TYPE_CHECKING:
    from llmflation.ledger.ledger import Ledger

__all__ = ["Ledger", "LlmflationError", "__version__", "open_ledger"]


def open_ledger(path: str | None = None) -> Ledger:
    """Open the ledger store (creating it from the bundled data on first use)."""
    from llmflation.ledger.ledger import open_ledger as _open

    return _open(path)


def __getattr__(name: str) -> object:
    if name == "Ledger":
        from llmflation.ledger.ledger import Ledger

        return Ledger
    if name == "LlmflationError":
        from llmflation.errors import LlmflationError

        return LlmflationError
    raise AttributeError(name)
