"""Parsers for values many commands share (dates, months), raising clear usage errors."""

from __future__ import annotations

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
