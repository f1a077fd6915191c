"""What the app holds between requests: the Ledger, loaded once at startup and swapped after a write."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

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
    cache_size: int = 4096  # entries, per cache
    objects: dict[Hashable, Any] = field(default_factory=dict)  # computed page data (e.g. the Overview's report)
    # JSON text of a Price (immutable) as /api/price renders it, keyed by the object's id; the object is kept beside
    # its text so the id cannot be reused while the entry lives. Bounded (_MAX_PRICE_TEXTS); cleared on reload.
    _price_texts: dict[int, tuple[Any, bytes]] = field(default_factory=dict)
    _cache_bytes: int = 0
    _answers_bytes: int = 0
    _store_stamp: tuple[int, int] | None = None  # (mtime_ns, size) of the store file when the ledger was read
    _stamp_checked: float = 0.0

    @classmethod
    def load(cls, settings: WebSettings) -> AppState:
        from llmflation.ledger.ledger import open_ledger

        state = cls(settings=settings, ledger=open_ledger(settings.ledger_path))
        state._store_stamp = state._stamp()
        return state

    @property
    def byte_limit(self) -> int:
        return self.settings.answer_cache_bytes

    def _stamp(self) -> tuple[int, int] | None:
        store = self.ledger.store
        if store is None:
            return None
        try:
            st = store.path.stat()
        except OSError:
            return None
        return st.st_mtime_ns, st.st_size

    def refresh_if_changed(self, every: float = 1.0) -> None:
        """Re-read the ledger when another process (a CLI import, another worker's write) changed the store;
        the file is looked at no more than once per `every` seconds."""
        import time

        now = time.monotonic()
        if self._store_stamp is None or now - self._stamp_checked < every:
            return
        self._stamp_checked = now
        stamp = self._stamp()
        if stamp is not None and stamp != self._store_stamp and self.write_lock.acquire(blocking=False):
            try:  # never wait here (this runs on the event loop); a writer holding the lock reloads itself
                self.reload()
            finally:
                self.write_lock.release()

    def reload(self) -> None:
        """Re-read the store after a write; requests already running keep the old (immutable) Ledger."""
        from llmflation.ledger.ledger import open_ledger

        store = self.ledger.store
        self.ledger = open_ledger(store.path if store is not None else self.settings.ledger_path)
        self._store_stamp = self._stamp()
        self.clear_caches()

    def clear_caches(self) -> None:
        """Forget computed answers (after usage is ingested; the ledger itself is unchanged)."""
        self._cache.clear()
        self._answers.clear()
        self._cache_bytes = self._answers_bytes = 0
        self.objects.clear()
        self._price_texts.clear()

    def price_text(self, price: Any, render: Callable[[Any], bytes]) -> bytes:
        """`render(price)`, computed once per Price object while this ledger is served."""
        hit = self._price_texts.get(id(price))
        if hit is not None and hit[0] is price:
            return hit[1]
        if len(self._price_texts) >= _MAX_PRICE_TEXTS:  # a bound in case some answer builds new Price objects
            self._price_texts.clear()
        text = render(price)
        self._price_texts[id(price)] = (price, text)
        return text

    # -- answer cache: rendered JSON bodies keyed by the normalised request, dropped when the ledger changes ----
    def cached(self, key: Hashable) -> bytes | None:
        body = self._cache.get(key)
        if body is not None:
            self._cache.move_to_end(key)
        return body

    def remember(self, key: Hashable, body: bytes) -> bytes:
        size = _size(key) + len(body)
        if size > self.byte_limit // 4:  # one answer may not push out most of the others
            return body
        old = self._cache.pop(key, None)
        if old is not None:
            self._cache_bytes -= _size(key) + len(old)
        self._cache[key] = body
        self._cache_bytes += size
        while self._cache and (len(self._cache) > self.cache_size or self._cache_bytes > self.byte_limit):
            k, v = self._cache.popitem(last=False)
            self._cache_bytes -= _size(k) + len(v)
        return body

    def cached_answer(self, key: Hashable) -> tuple[int, list[tuple[bytes, bytes]], bytes] | None:
        hit = self._answers.get(key)
        if hit is not None:
            self._answers.move_to_end(key)
        return hit

    def remember_answer(self, key: Hashable, answer: tuple[int, list[tuple[bytes, bytes]], bytes]) -> None:
        size = _size(key) + _answer_size(answer)
        if size > self.byte_limit // 4:
            return
        old = self._answers.pop(key, None)
        if old is not None:
            self._answers_bytes -= _size(key) + _answer_size(old)
        self._answers[key] = answer
        self._answers_bytes += size
        while self._answers and (len(self._answers) > self.cache_size or self._answers_bytes > self.byte_limit):
            k, v = self._answers.popitem(last=False)
            self._answers_bytes -= _size(k) + _answer_size(v)

    @property
    def cached_bytes(self) -> int:
        """Bytes held by both answer caches (as counted against `answer_cache_bytes`)."""
        return self._cache_bytes + self._answers_bytes

    @staticmethod
    def json_bytes(body: bytes) -> Response:
        from llmflation.web.json_body import JsonBody

        return JsonBody(body)

    def store(self) -> Store:
        """The store to write to; 503 when this app was built over an in-memory Ledger."""
        from llmflation.web.errors import ApiError

        if self.ledger.store is None:
            raise ApiError(503, "This server has no store to write to (it was started over an in-memory ledger).")
        return self.ledger.store


_MAX_PRICE_TEXTS = 20_000  # entries (~1 KB each); the bundled ledger holds ~1,300 prices
_ENTRY_OVERHEAD = 240  # dict slot, tuple, bytes headers: what an entry costs beyond its payload (measured roughly)


def _size(key: Hashable) -> int:
    """Approximate bytes a cache key holds: its byte and string parts plus a fixed overhead."""
    parts = key if isinstance(key, tuple) else (key,)
    return _ENTRY_OVERHEAD + sum(len(p) for p in parts if isinstance(p, (bytes, str)))


def _answer_size(answer: tuple[int, list[tuple[bytes, bytes]], bytes]) -> int:
    return len(answer[2]) + sum(len(k) + len(v) + 64 for k, v in answer[1])


def state_of(request: Request) -> AppState:
    st: AppState = request.app.state.llmflation
    return st
