"""Small request-parameter helpers shared by the routers and pages."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import parse_qsl

from llmflation.values import DATE_PATTERN, parse_date

if TYPE_CHECKING:
    from pydantic import BaseModel

T = TypeVar("T")
M = TypeVar("M", bound="BaseModel")

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


# what json.dumps(obj, ensure_ascii=False, allow_nan=False, separators=(",", ":")) builds on every call, built once
_COMPACT = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def dump(obj: Any) -> bytes:
    """Compact UTF-8 JSON of an already-jsonable object (as Starlette's JSONResponse renders it)."""
    return _COMPACT.encode(obj).encode()


class RawQuery:
    """A query string's parameters read as starlette's QueryParams reads scope["query_string"] (latin-1, blank
    values kept; `get`: the last value of a name), with only what the fast answers use and without building its
    multi-dict (tests compare the two on odd strings)."""

    __slots__ = ("_items", "_last")

    def __init__(self, query_string: bytes) -> None:
        self._items = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
        self._last = dict(self._items)

    def get(self, key: str, default: str | None = None) -> str | None:
        return self._last.get(key, default)

    def getlist(self, key: str) -> list[str]:
        return [v for k, v in self._items if k == key]

    def multi_items(self) -> list[tuple[str, str]]:
        return list(self._items)


def query_model(request: Any, model: type[M]) -> M:
    """`model` read from the query string the way FastAPI reads an `Annotated[model, Query()]` parameter — the last
    value of a repeated name, every value of a list field, names the model does not know passed on (a model that
    forbids extras refuses them), errors raised as FastAPI's RequestValidationError with a ("query", field) location
    — without FastAPI's per-request introspection of every field (a third of a computed bill's time)."""
    from fastapi.exceptions import RequestValidationError
    from pydantic import ValidationError

    params = request.query_params
    names, lists = _query_fields(model)
    data: dict[str, Any] = {}
    for name in names:
        if name in lists:
            values = params.getlist(name)
            if values:
                data[name] = values
        else:
            value = params.get(name)
            if value is not None:
                data[name] = value
    extras: dict[str, list[str]] = {}
    for key, value in params.multi_items():
        if key not in names:
            extras.setdefault(key, []).append(value)
    data.update((k, v[0] if len(v) == 1 else v) for k, v in extras.items())
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise RequestValidationError([{**e, "loc": ("query", *e["loc"])} for e in exc.errors(include_url=False)]
                                     ) from None


_FIELDS: dict[type, tuple[frozenset[str], frozenset[str]]] = {}


def _query_fields(model: type[BaseModel]) -> tuple[frozenset[str], frozenset[str]]:
    """(every field name, the names of list fields) of a query model, computed once per model."""
    got = _FIELDS.get(model)
    if got is None:
        from types import UnionType
        from typing import Union, get_args, get_origin

        def is_list(t: Any) -> bool:
            if get_origin(t) in (Union, UnionType):
                return any(is_list(a) for a in get_args(t))
            return get_origin(t) in (list, tuple, set, frozenset) or t in (list, tuple, set, frozenset)

        lists = {n for n, f in model.model_fields.items() if is_list(f.annotation)}
        got = _FIELDS[model] = (frozenset(model.model_fields), frozenset(lists))
    return got
