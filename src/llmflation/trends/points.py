"""Read an arbitrary (date, price) point set from CSV so published analyses can be re-fitted with the same
code.

Columns: `date` (YYYY-MM-DD) and `price` (positive number, USD per 1M tokens); an optional `model` or `label`
column names each point. Every bad line is reported with its line number and nothing is fitted.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from llmflation.errors import InputError


class PointsFileError(InputError):
    """A points file with bad lines; carries every problem, with line numbers."""

    def __init__(self, where: str, problems: list[str]) -> None:
        self.problems = problems
        shown = "\n  ".join(problems[:50])
        more = f"\n  … and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(
            f"{where}: {len(problems)} problem(s); nothing was fitted. Fix these lines:\n  {shown}{more}"
        )


@dataclass(frozen=True, slots=True)
class Point:
    date: date
    price: Decimal
    label: str = ""


def read_points(path: str | Path) -> list[Point]:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"points file {p} not found") from None
    return parse_points(text, str(p))


def parse_points(text: str, where: str = "points") -> list[Point]:
    reader = csv.DictReader(io.StringIO(text))
    fields = [f.strip().lower() for f in (reader.fieldnames or [])]
    missing = [c for c in ("date", "price") if c not in fields]
    if missing:
        raise PointsFileError(
            where,
            [
                f"line 1: missing column(s) {', '.join(missing)}; need date,price "
                f"(found: {', '.join(fields) or 'nothing'})"
            ],
        )
    problems: list[str] = []
    out: list[Point] = []
    for row in reader:
        line = reader.line_num
        r = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
        try:
            d = date.fromisoformat(r["date"])
        except ValueError:
            problems.append(f"line {line}: date {r['date']!r} is not YYYY-MM-DD")
            d = None
        try:
            price = Decimal(r["price"])
            if not price.is_finite():
                raise InvalidOperation
            if price <= 0:
                problems.append(f"line {line}: price {r['price']} is not positive (log prices need > 0)")
        except InvalidOperation:
            problems.append(f"line {line}: price {r['price']!r} is not a number")
            price = None
        if d is not None and price is not None and price > 0:
            out.append(Point(d, price, r.get("model") or r.get("label") or ""))
    if problems:
        raise PointsFileError(where, problems)
    if not out:
        raise PointsFileError(where, ["no data rows after the header"])
    return sorted(out, key=lambda pt: pt.date)
