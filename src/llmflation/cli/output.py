"""Output helpers shared by every command: JSON/CSV to stdout, tables to stdout, chatter to stderr.

Money is written as exact decimal strings in JSON and CSV ("0.075"), never as binary floats.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console


def jsonable(obj: Any) -> Any:
    """Convert dataclasses, Decimals and dates into JSON-ready values (Decimal → exact string)."""
    if isinstance(obj, Decimal):
        return format(obj.normalize(), "f")
    if isinstance(obj, (date, datetime)):
        return obj.isoformat()
    if isinstance(obj, Enum):
        return obj.value
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, Mapping):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in obj]
    if hasattr(obj, "model_dump"):
        return jsonable(obj.model_dump())
    return obj


def emit_json(obj: Any) -> None:
    json.dump(jsonable(obj), sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


def emit_csv(rows: Sequence[Mapping[str, Any]], columns: Sequence[str] | None = None) -> None:
    """CSV to stdout: exact decimal strings; cells a spreadsheet would execute are neutralised (OWASP rule)."""
    from llmflation.format import spreadsheet_safe

    cols = list(columns or (rows[0].keys() if rows else []))
    writer = csv.DictWriter(sys.stdout, fieldnames=cols, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: spreadsheet_safe(_cell(v)) for k, v in jsonable(row).items()})


def _cell(v: Any) -> Any:
    if isinstance(v, (list, tuple)):
        return "|".join(str(x) for x in v)
    if v is None:
        return ""
    return v


# Wide tables: set by the root callback's --wide (or LLMFLATION_WIDE=1); never drop or cut a column then.
_WIDE = {"on": os.environ.get("LLMFLATION_WIDE", "") not in ("", "0")}


def set_wide(on: bool) -> None:
    _WIDE["on"] = on


def terminal_width() -> int:
    """Columns to fit: the terminal's, or $COLUMNS when set; 220 when piped (nothing to measure)."""
    env = os.environ.get("COLUMNS", "")
    if env.isdigit() and int(env) > 0:
        return int(env)
    if sys.stdout.isatty():
        import shutil

        return shutil.get_terminal_size((100, 24)).columns
    return 220


def stdout(width: int | None = None) -> Console:
    """Tables for people, at the terminal's width (``COLUMNS`` overrides; 220 when piped)."""
    from rich.console import Console

    return Console(highlight=False, width=width or terminal_width(), soft_wrap=False)


def stderr() -> Console:
    from rich.console import Console

    return Console(stderr=True, highlight=False)


def info(message: str) -> None:
    """Human chatter: always stderr, so stdout stays clean for --json/--csv."""
    stderr().print(message)


def say(message: str) -> None:
    """A sentence for people on stdout (results, not chatter); user-supplied text in it must pass format.text."""
    from rich.markup import escape

    stdout().print(escape(message))


# Columns whose text may wrap onto more lines (long free text); every other column keeps its cells whole.
WRAP = frozenset({"source", "sources", "note", "notes", "name", "reason", "detail", "evidence", "claim", "message",
                  "warning", "title", "models", "file", "raw"})
# Columns dropped first when a table does not fit the terminal (in this order), unless the caller says otherwise.
DROP_FIRST = ("source", "sources", "note", "notes", "confidence", "origin", "detail", "raw", "setting", "tier")
_BORDER = 4  # rich's default box: 1 + per column 3 (padding 2 + separator 1)


def _width(cells: Iterable[str]) -> int:
    from rich.cells import cell_len

    return max((max((cell_len(line) for line in c.split("\n")), default=0) for c in cells), default=0)


def fit_columns(columns: Sequence[str], rows: Sequence[Sequence[str]], width: int,
                drop: Sequence[str] | None = None, wide: bool = False) -> tuple[list[int], int]:
    """Indexes of the columns to show at ``width`` (dropping low-priority ones until whole cells fit, text wrapped),
    and the narrowest width those columns need."""
    keep = list(range(len(columns)))
    need = {}
    for i, c in enumerate(columns):
        natural = max(_width([c]), _width(r[i] for r in rows))
        need[i] = min(natural, max(_width([c]), 12)) if c in WRAP and not wide else natural
    order = [c for c in (drop if drop is not None else DROP_FIRST) if c in columns]

    def total(idx: list[int]) -> int:
        return sum(need[i] for i in idx) + 3 * len(idx) + 1

    for name in order:
        if total(keep) <= width:
            break
        keep.remove(columns.index(name))
    return keep, total(keep)


def table(title: str | None, columns: Sequence[str], rows: Iterable[Sequence[Any]],
          justify_right: Sequence[str] = (), drop: Sequence[str] | None = None) -> None:
    """A table that fits the terminal: numbers, money and dates are never cut; long text wraps; when that is not
    enough, low-priority columns (``drop``, default DROP_FIRST) are left out with a note on stderr. ``--wide``
    shows every column whole."""
    from rich.markup import escape
    from rich.table import Table

    from llmflation.format import text

    cells = [["" if v is None else text(jsonable(v)) for v in row] for row in rows]
    width = terminal_width()
    wide = _WIDE["on"]
    keep, need = fit_columns(columns, cells, width, () if wide else drop, wide=wide)
    hidden = [c for i, c in enumerate(columns) if i not in keep]
    t = Table(title=None if title is None else escape(text(title)), show_lines=False, header_style="bold")
    for i in keep:
        c = columns[i]
        wraps = c in WRAP and not wide
        t.add_column(escape(c), justify="right" if c in justify_right else "left", no_wrap=not wraps,
                     overflow="fold", min_width=min(12, max(_width([c]), _width(r[i] for r in cells)))
                     if wraps else None)
    for row in cells:
        t.add_row(*(escape(row[i]) for i in keep))
    out = stdout()
    if need > width:  # even without the optional columns: widen rather than cut a number
        out = stdout(width=need)
    out.print(t)
    if hidden:
        info(f"({', '.join(hidden)} not shown at {width} columns: use --wide or --json for every column)")


def exclusive(**flags: bool) -> None:
    """Fail with a usage error when more than one output flag is given."""
    import typer

    on = [k for k, v in flags.items() if v]
    if len(on) > 1:
        raise typer.BadParameter(f"choose one of {', '.join('--' + k for k in on)}")
