"""Exact money: prices and costs are Decimal, never binary floats."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

MTOK = Decimal(1_000_000)


def to_decimal(value: object, field: str = "value") -> Decimal:
    """Parse a price or amount exactly; floats are refused because they are already inexact."""
    from llmflation.errors import InputError

    if isinstance(value, Decimal):
        d = value
    elif isinstance(value, bool):
        raise InputError(f"{field}: expected a number, got {value!r}")
    elif isinstance(value, int):
        d = Decimal(value)
    elif isinstance(value, str):
        try:
            d = Decimal(value.strip())
        except InvalidOperation:
            raise InputError(f"{field}: {value!r} is not a number") from None
    elif isinstance(value, float):
        # JSON/TOML parsers hand us floats; their shortest repr is what the user typed.
        d = Decimal(repr(value))
    else:
        raise InputError(f"{field}: expected a number, got {type(value).__name__}")
    if not d.is_finite():
        raise InputError(f"{field}: {value!r} is not a finite number")
    return d


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
