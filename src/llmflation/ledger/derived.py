"""Values computed from a ledger, kept while the ledger lives.

A Ledger never changes (a write makes a new one), so what is derived from it — the bill ranking's packed rate tables,
offer lists and floor selections, usage pricing's price tables — can be kept per ledger object and dropped with it.
The entries of one ledger are bounded (oldest out first): a jevons timeline ranks one date per month.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from llmflation.ledger.ledger import Ledger

CACHE_PER_LEDGER = 512

_KEPT: weakref.WeakKeyDictionary[Ledger, dict[tuple[Any, ...], Any]] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()  # the web server computes from several threads; building twice is harmless, evicting isn't


def cached_per_ledger(ledger: Ledger, key: tuple[Any, ...], build: Callable[[], Any]) -> Any:
    """`build()`, kept for `ledger` under `key` (an exception is raised each time and nothing is kept)."""
    with _LOCK:
        per = _KEPT.setdefault(ledger, {})
        got = per.get(key)
    if got is None:
        got = build()
        with _LOCK:
            if len(per) >= CACHE_PER_LEDGER:
                per.pop(next(iter(per)))
            per[key] = got
    return got
