"""Flag adapters over llmflation.values (the parsers every front end shares); bad values are usage errors (exit 2)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from typing import Any

import typer

from llmflation import values


@contextmanager
def usage_errors(flag: str) -> Iterator[None]:
    """Turn a value parser's InputError into a usage error on `flag` (exit 2, the flag named by Click)."""
    from llmflation.errors import InputError

    try:
        yield
    except InputError as exc:
        text = str(exc)
        if exc.field and text.startswith(f"{exc.field}: "):
            text = text[len(exc.field) + 2:]
        raise typer.BadParameter(text, param_hint=flag) from None


def parse_date(value: str | None, flag: str = "--at") -> date | None:
    """A date flag by the shared rule (llmflation.values.parse_date): 2024-06-01, 20240601, 2024-06 or 2024."""
    with usage_errors(flag):
        return values.parse_date(value, flag)


def parse_decimal(value: str | None, flag: str, **bounds: Any) -> Decimal | None:
    """A number flag within bounds (llmflation.values.parse_decimal); None stays None."""
    if value is None:
        return None
    with usage_errors(flag):
        return values.parse_decimal(value, flag, **bounds)


def parse_int(value: int | str | None, flag: str, *, low: int, high: int) -> int | None:
    if value is None:
        return None
    with usage_errors(flag):
        return values.parse_int(value, flag, low=low, high=high)


def parse_floor(text: str | None, flag: str = "--floor") -> values.Floor | None:
    """`mmlu>=80`, `mmlu=80` or `mmlu:80`."""
    if text is None:
        return None
    with usage_errors(flag):
        return values.parse_floor(text, flag)


@contextmanager
def flag_names(**flags: str) -> Iterator[None]:
    """Reword a domain InputError about a field (`percent: …`) with the CLI's flag for it (`--percent: …`)."""
    from llmflation.errors import InputError

    try:
        yield
    except InputError as exc:
        flag = flags.get(exc.field or "")
        if flag is None:
            raise
        text = str(exc)
        for name, spelled in flags.items():
            text = text.replace(f"{name}:", f"{spelled}:").replace(f" {name} ", f" {spelled} ")
        raise InputError(text if text.startswith(flag) else f"{flag}: {text}", field=exc.field) from None
