"""Output helpers shared by every command: JSON/CSV to stdout, tables to stdout, chatter to stderr.

Money is written as exact decimal strings in JSON and CSV ("0.075"), never as binary floats; the shapes and
`jsonable` live in llmflation.shapes (the JSON contract shared with the web API and the report).
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from llmflation.shapes import jsonable

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["emit_csv", "emit_json", "exclusive", "info", "jsonable", "stderr", "stdout", "table"]


def emit_json(obj: Any) -> None:
    json.dump(jsonable(obj), sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


def emit_csv(rows: Sequence[Mapping[str, Any]], columns: Sequence[str] | None = None) -> None:
    cols = list(columns or (rows[0].keys() if rows else []))
    writer = csv.DictWriter(sys.stdout, fieldnames=cols, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(v) for k, v in jsonable(row).items()})


def _cell(v: Any) -> Any:
    if isinstance(v, (list, tuple)):
        return "|".join(str(x) for x in v)
    if v is None:
        return ""
    return v


def stdout() -> Console:
    """Tables for people; when piped (no terminal to measure) use a generous width instead of 80 columns."""
    from rich.console import Console

    return Console(highlight=False, width=None if sys.stdout.isatty() else 220)


def stderr() -> Console:
    from rich.console import Console

    return Console(stderr=True, highlight=False)


def info(message: str) -> None:
    """Human chatter: always stderr, so stdout stays clean for --json/--csv."""
    stderr().print(message)


def table(title: str | None, columns: Sequence[str], rows: Iterable[Sequence[Any]],
          justify_right: Sequence[str] = ()) -> None:
    from rich.table import Table

    t = Table(title=title, show_lines=False, header_style="bold")
    for c in columns:
        wide = c in ("source", "note")
        t.add_column(c, justify="right" if c in justify_right else "left", no_wrap=not wide,
                     overflow="ellipsis" if wide else "fold", max_width=48 if wide else None)
    for row in rows:
        t.add_row(*("" if v is None else str(jsonable(v)) for v in row))
    stdout().print(t)


def exclusive(**flags: bool) -> None:
    """Fail with a usage error when more than one output flag is given."""
    import typer

    on = [k for k, v in flags.items() if v]
    if len(on) > 1:
        raise typer.BadParameter(f"choose one of {', '.join('--' + k for k in on)}")
