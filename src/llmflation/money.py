"""Exact money: prices and costs are Decimal, never binary floats."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

MTOK = Decimal(1_000_000)


def to_decimal(value: object, field: str = "value") -> Decimal:
    """Parse a price or amount exactly (the one Decimal parser, llmflation.values.parse_decimal): text, int or
    Decimal; a float goes through its shortest repr (what the user typed in JSON/TOML); never NaN or infinity."""
    from llmflation.values import parse_decimal

    return parse_decimal(value, field)


def fmt_usd(amount: Decimal, places: int = 4) -> str:
    """Human money: rounded for display only (the stored value stays exact)."""
    q = Decimal(1).scaleb(-places)
    return f"${amount.quantize(q, rounding=ROUND_HALF_EVEN):,}"


def plain(d: Decimal | None) -> str | None:
    """A Decimal as a plain string without exponent or trailing zeros (30, 0.075)."""
    if d is None:
        return None
    s = format(d.normalize(), "f")
    return s
