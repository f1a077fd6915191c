"""Small request-parameter helpers shared by the routers and pages."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, TypeVar

from llmflation.values import parse_date

T = TypeVar("T")


def parse_when(value: str | None, field: str) -> date | None:
    """A date query parameter by the shared rule (llmflation.values.parse_date); empty → None; else 422."""
    return parse_date(value, field)


def page_of(items: Sequence[T], offset: int, limit: int) -> tuple[list[T], int | None]:
    page = list(items[offset : offset + limit])
    nxt = offset + limit if offset + limit < len(items) else None
    return page, nxt


def dump(obj: Any) -> bytes:
    """Compact UTF-8 JSON of an already-jsonable object (as Starlette's JSONResponse renders it)."""
    import json

    return json.dumps(obj, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()
