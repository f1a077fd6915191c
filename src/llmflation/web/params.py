"""Small request-parameter helpers shared by the routers and pages."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, TypeVar

from llmflation.errors import InputError

T = TypeVar("T")


def parse_when(value: str | None, field: str) -> date | None:
    """YYYY-MM-DD, YYYY-MM or YYYY → date (first of the month/year); empty → None; else InputError (422)."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        if len(text) == 7:
            return date.fromisoformat(text + "-01")
        if len(text) == 4 and text.isdigit():
            return date(int(text), 1, 1)
        if len(text) == 10:
            return date.fromisoformat(text)
    except ValueError:
        pass
    raise InputError(f"{field}: {value!r} is not a date; use YYYY-MM-DD (or YYYY-MM)")


def page_of(items: Sequence[T], offset: int, limit: int) -> tuple[list[T], int | None]:
    page = list(items[offset : offset + limit])
    nxt = offset + limit if offset + limit < len(items) else None
    return page, nxt


def dump(obj: Any) -> bytes:
    """Compact UTF-8 JSON of an already-jsonable object (as Starlette's JSONResponse renders it)."""
    import json

    return json.dumps(obj, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()
