"""Parsers for values many commands share (dates, months), raising clear usage errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import typer


def parse_date(value: str | None, flag: str = "--at") -> date | None:
    if value is None:
        return None
    text = value.strip()
    try:
        if len(text) == 7:  # YYYY-MM
            return date.fromisoformat(text + "-01")
        if len(text) == 4 and text.isdigit():
            return date(int(text), 1, 1)
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date; use YYYY-MM-DD (or YYYY-MM)", param_hint=flag) from None


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
