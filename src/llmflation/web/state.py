"""What the app holds between requests: the Ledger, loaded once at startup and swapped after a write."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response

    from llmflation.ledger.ledger import Ledger
    from llmflation.ledger.store import Store
    from llmflation.web.settings import WebSettings


@dataclass
class AppState:
    settings: WebSettings
    ledger: Ledger
    write_lock: threading.Lock = field(default_factory=threading.Lock)
    _cache: OrderedDict[Hashable, bytes] = field(default_factory=OrderedDict)
    _answers: OrderedDict[Hashable, tuple[int, list[tuple[bytes, bytes]], bytes]] = field(
        default_factory=OrderedDict)
    cache_size: int = 4096
    objects: dict[Hashable, Any] = field(default_factory=dict)  # computed page data (e.g. the Overview's report)

    @classmethod
    def load(cls, settings: WebSettings) -> AppState:
        from llmflation.ledger.ledger import open_ledger

        return cls(settings=settings, ledger=open_ledger(settings.ledger_path))

    def reload(self) -> None:
        """Re-read the store after a write; requests already running keep the old (immutable) Ledger."""
        from llmflation.ledger.ledger import open_ledger

        store = self.ledger.store
        self.ledger = open_ledger(store.path if store is not None else self.settings.ledger_path)
        self._cache.clear()
        self._answers.clear()
        self.objects.clear()

    def clear_caches(self) -> None:
        """Forget computed answers (after usage is ingested; the ledger itself is unchanged)."""
        self._cache.clear()
        self._answers.clear()
        self.objects.clear()

    # -- answer cache: rendered JSON bodies keyed by the normalised request, dropped when the ledger changes ----
    def cached(self, key: Hashable) -> bytes | None:
        body = self._cache.get(key)
        if body is not None:
            self._cache.move_to_end(key)
        return body

    def remember(self, key: Hashable, body: bytes) -> bytes:
        self._cache[key] = body
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        return body

    def cached_answer(self, key: Hashable) -> tuple[int, list[tuple[bytes, bytes]], bytes] | None:
        hit = self._answers.get(key)
        if hit is not None:
            self._answers.move_to_end(key)
        return hit

    def remember_answer(self, key: Hashable, answer: tuple[int, list[tuple[bytes, bytes]], bytes]) -> None:
        self._answers[key] = answer
        while len(self._answers) > self.cache_size:
            self._answers.popitem(last=False)

    @staticmethod
    def json_bytes(body: bytes) -> Response:
        from starlette.responses import Response

        return Response(body, media_type="application/json")

    def store(self) -> Store:
        """The store to write to; 503 when this app was built over an in-memory Ledger."""
        from llmflation.web.errors import ApiError

        if self.ledger.store is None:
            raise ApiError(503, "This server has no store to write to (it was started over an in-memory ledger).")
        return self.ledger.store


def state_of(request: Request) -> AppState:
    st: AppState = request.app.state.llmflation
    return st
