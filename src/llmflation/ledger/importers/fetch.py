"""Fetch a price source over HTTP for `llmflation data update`: timeouts, bounded retries, a conditional-request
cache (ETag / Last-Modified) kept in the data directory, and a progress callback.

Nothing here parses or imports; `update` does that. A 304 Not Modified answer returns the cached body.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

USER_AGENT = "llmflation data update (+https://github.com/llmflation)"
MAX_BYTES = 256 * 1024 * 1024  # no price source is near this; a larger answer is refused, not read into memory
RETRY_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})

Progress = Callable[[int, int | None], None]  # bytes so far, total (None when the server does not say)


@dataclass(frozen=True)
class Fetched:
    """The outcome for one source: `status` is fetched, not-modified (cached body) or failed (`reason`)."""

    kind: str
    url: str
    status: str
    body: bytes | None = None
    reason: str = ""
    attempts: int = 1
    network_down: bool = False  # failed without ever reaching the server (DNS, refused, no route)
    etag: str | None = None
    last_modified: str | None = None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.body or b"").hexdigest()


class Cache:
    """Bodies and validators of earlier fetches, one pair of files per source kind under `root`."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _paths(self, kind: str) -> tuple[Path, Path]:
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in kind)
        return self.root / f"{safe}.body", self.root / f"{safe}.json"

    def get(self, kind: str, url: str) -> tuple[dict[str, Any], bytes] | None:
        body_path, meta_path = self._paths(kind)
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            body = body_path.read_bytes()
        except (OSError, ValueError):
            return None
        if not isinstance(meta, dict) or meta.get("url") != url or meta.get("sha256") != _sha(body):
            return None
        return meta, body

    def put(self, fetched: Fetched) -> None:
        """Keep a fetched body and its validators (written atomically: a crash leaves the old pair)."""
        if fetched.body is None:
            return
        self.root.mkdir(parents=True, exist_ok=True)
        body_path, meta_path = self._paths(fetched.kind)
        meta = {
            "url": fetched.url,
            "etag": fetched.etag,
            "last_modified": fetched.last_modified,
            "sha256": fetched.sha256,
            "fetched_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        for path, data in ((body_path, fetched.body), (meta_path, json.dumps(meta, indent=1).encode())):
            tmp = path.with_suffix(path.suffix + ".tmp")
            tmp.write_bytes(data)
            tmp.replace(path)


def _sha(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def fetch(
    kind: str,
    url: str,
    cache: Cache,
    *,
    timeout: float = 30.0,
    retries: int = 3,
    backoff: float = 0.5,
    progress: Progress | None = None,
    transport: Any = None,
) -> Fetched:
    """GET `url` with If-None-Match / If-Modified-Since from the cache; retry timeouts, connection errors and
    5xx/429 answers up to `retries` attempts in all, waiting `backoff`·2ⁿ seconds between them."""
    import httpx

    cached = cache.get(kind, url)
    headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
    if cached is not None:
        meta, _ = cached
        if meta.get("etag"):
            headers["If-None-Match"] = str(meta["etag"])
        if meta.get("last_modified"):
            headers["If-Modified-Since"] = str(meta["last_modified"])
    reason = ""
    reached = False
    attempts = max(1, retries)
    for attempt in range(1, attempts + 1):
        if attempt > 1:
            time.sleep(backoff * 2 ** (attempt - 2))
        try:
            with httpx.Client(timeout=timeout, follow_redirects=True, transport=transport) as client, \
                    client.stream("GET", url, headers=headers) as resp:
                reached = True
                if resp.status_code == 304 and cached is not None:
                    meta, body = cached
                    return Fetched(kind, url, "not-modified", body, attempts=attempt,
                                   etag=meta.get("etag"), last_modified=meta.get("last_modified"))
                if resp.status_code in RETRY_STATUS:
                    reason = f"HTTP {resp.status_code} from {url}"
                    continue
                if resp.status_code != 200:
                    return Fetched(kind, url, "failed", reason=f"HTTP {resp.status_code} from {url}",
                                   attempts=attempt)
                total = resp.headers.get("content-length")
                size = int(total) if total and total.isdigit() else None
                if size is not None and size > MAX_BYTES:
                    return Fetched(kind, url, "failed", reason=f"{url} answered {size} bytes (limit {MAX_BYTES})",
                                   attempts=attempt)
                chunks: list[bytes] = []
                got = 0
                for chunk in resp.iter_bytes():
                    chunks.append(chunk)
                    got += len(chunk)
                    if got > MAX_BYTES:
                        return Fetched(kind, url, "failed", reason=f"{url} sent more than {MAX_BYTES} bytes",
                                       attempts=attempt)
                    if progress is not None:
                        progress(got, size)
                return Fetched(kind, url, "fetched", b"".join(chunks), attempts=attempt,
                               etag=resp.headers.get("etag"), last_modified=resp.headers.get("last-modified"))
        except httpx.TimeoutException:
            reason = f"timed out after {timeout:g} s reading {url}"
        except httpx.TransportError as exc:
            reason = f"could not reach {url} ({type(exc).__name__}: {exc})"
        except httpx.InvalidURL as exc:
            return Fetched(kind, url, "failed", reason=f"invalid URL {url!r}: {exc}", attempts=attempt)
    return Fetched(kind, url, "failed", reason=f"{reason} ({attempts} attempt(s))", attempts=attempts,
                   network_down=not reached and "timed out" not in reason)
