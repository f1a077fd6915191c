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


MAX_PRICE_PER_MTOK = Decimal(1_000_000)  # no list price comes near $1M per 1M tokens; beyond it is a typo
PRICE_PLACES = 9  # the stores keep USD per 1M tokens as DECIMAL(20, 9)


def bounded_price(value: Decimal, field: str = "price") -> Decimal:
    """A price (USD per 1M tokens) the store can keep exactly: 0 ≤ value ≤ 1,000,000 with at most 9 decimals;
    anything else raises InputError naming the field (never rounded, never stored as $0)."""
    from llmflation.errors import InputError

    if value < 0:
        raise InputError(f"{field}: {value} must not be negative")
    if value > MAX_PRICE_PER_MTOK:
        raise InputError(f"{field}: {value} USD per 1M tokens is beyond the sane bound of {MAX_PRICE_PER_MTOK:,}")
    exponent = value.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -PRICE_PLACES:
        raise InputError(f"{field}: {value} has more than {PRICE_PLACES} decimals, more precision than the store "
                         "keeps; round it")
    return value
