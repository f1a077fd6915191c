"""Web settings: where the store is, whether writing is allowed (a token is set), and request limits."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

TOKEN_ENV = "LLMFLATION_API_TOKEN"
MAX_UPLOAD_ENV = "LLMFLATION_MAX_UPLOAD_MB"
DEFAULT_MAX_UPLOAD_BYTES = 25 * 1024 * 1024  # usage logs; price files are far smaller
MAX_JSON_BODY_BYTES = 1024 * 1024  # writing endpoints that take JSON (prices, discounts)
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
ALLOWED_HOSTS_ENV = "LLMFLATION_ALLOWED_HOSTS"  # comma-separated names added to the loopback ones ("*": any)
CACHE_MB_ENV = "LLMFLATION_WEB_CACHE_MB"
DEFAULT_ANSWER_CACHE_BYTES = 32 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class WebSettings:
    """What the app needs to start.

    ledger_path: the DuckDB store (None = the default under $LLMFLATION_HOME).
    api_token: when set, the writing endpoints exist and demand `Authorization: Bearer <token>`;
        when None the app is read-only and those routes are not even registered.
    max_upload_bytes: the largest request body a writing endpoint accepts (413 beyond it).
    answer_cache: keep rendered GET answers of the JSON API until the ledger changes (LLMFLATION_WEB_CACHE=0 off).
    answer_cache_bytes: the most bytes of kept answers (least recently used go first; LLMFLATION_WEB_CACHE_MB).
    max_json_bytes: the largest JSON request body (prices, discounts); 413 beyond it.
    allowed_hosts: the Host / Origin names requests may carry (DNS-rebinding guard); "*" allows any.
    """

    ledger_path: Path | None = None
    api_token: str | None = None
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES
    answer_cache: bool = True
    answer_cache_bytes: int = DEFAULT_ANSWER_CACHE_BYTES
    max_json_bytes: int = MAX_JSON_BODY_BYTES
    allowed_hosts: tuple[str, ...] = LOOPBACK_HOSTS

    @property
    def writable(self) -> bool:
        return bool(self.api_token)

    @classmethod
    def from_env(cls, ledger_path: Path | None = None) -> WebSettings:
        """Read LLMFLATION_API_TOKEN (empty = unset) and LLMFLATION_MAX_UPLOAD_MB from the environment."""
        from llmflation.errors import InputError

        token = os.environ.get(TOKEN_ENV, "").strip() or None
        if token is not None and len(token) < 16:
            raise InputError(
                f"{TOKEN_ENV} is too short ({len(token)} characters); use at least 16, e.g. "
                "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`."
            )
        limit = DEFAULT_MAX_UPLOAD_BYTES
        raw = os.environ.get(MAX_UPLOAD_ENV, "").strip()
        if raw:
            try:
                mb = float(raw)
            except ValueError:
                raise InputError(f"{MAX_UPLOAD_ENV}={raw!r} is not a number of megabytes") from None
            if not 0 < mb <= 4096:
                raise InputError(f"{MAX_UPLOAD_ENV}={raw!r}: use a size between 0 and 4096 MB")
            limit = int(mb * 1024 * 1024)
        cache = os.environ.get("LLMFLATION_WEB_CACHE", "1").strip().lower() not in ("0", "false", "no", "off")
        cache_bytes = DEFAULT_ANSWER_CACHE_BYTES
        raw = os.environ.get(CACHE_MB_ENV, "").strip()
        if raw:
            try:
                cache_mb = float(raw)
            except ValueError:
                raise InputError(f"{CACHE_MB_ENV}={raw!r} is not a number of megabytes") from None
            if not 0 <= cache_mb <= 65536:
                raise InputError(f"{CACHE_MB_ENV}={raw!r}: use a size between 0 and 65536 MB")
            cache_bytes = int(cache_mb * 1024 * 1024)
        extra = tuple(h for h in (normalise_host(x) for x in os.environ.get(ALLOWED_HOSTS_ENV, "").split(",")) if h)
        return cls(ledger_path=ledger_path, api_token=token, max_upload_bytes=limit, answer_cache=cache,
                   answer_cache_bytes=cache_bytes, allowed_hosts=tuple(dict.fromkeys((*LOOPBACK_HOSTS, *extra))))


def normalise_host(name: str) -> str:
    """A host name as the Host check compares it: lower case, no port, no IPv6 brackets, no trailing dot."""
    text = name.strip().lower()
    if text.startswith("["):
        text = text[1:].split("]", 1)[0]
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    return text.rstrip(".")
