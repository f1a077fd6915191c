"""Small request-parameter helpers shared by the routers and pages."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, TypeVar

from llmflation.values import DATE_PATTERN, parse_date

T = TypeVar("T")

# The OpenAPI schema of every date parameter: exactly what parse_when accepts (llmflation.values.DATE_PATTERN).
# Published only: the value is still parsed by parse_when, whose message names the field and the forms.
DATE_SCHEMA: dict[str, Any] = {"pattern": DATE_PATTERN}


def number_only(schema: dict[str, Any]) -> None:
    """json_schema_extra of a Decimal query field: document it as a number with its bounds. Pydantic also lists a
    bare string alternative (Decimal accepts text), which would promise that any text (``""``, ``"abc"``) is
    accepted."""
    alts = schema.get("anyOf")
    if isinstance(alts, list):
        schema["anyOf"] = [a for a in alts if not (isinstance(a, dict) and a.get("type") == "string")]


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
