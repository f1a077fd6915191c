"""Exact money: prices and costs are Decimal, never binary floats."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

MTOK = Decimal(1_000_000)
# The stores keep money as DECIMAL(20, 9): more decimal places than this would be silently rounded (a price of
# 0.0000000001 would become 0), so such a value is refused with the field named, never stored changed.
PRICE_PLACES = 9
# USD per 1M tokens. The dearest list price on record is a few hundred dollars; anything above this is a unit
# mistake (per token or per thousand entered as per million) or a typo.
MAX_USD_PER_MTOK = Decimal(100_000)


def _price_pattern() -> str:
    """A plain decimal text that `money_problem` accepts as a price: 0 … MAX_USD_PER_MTOK with at most PRICE_PLACES
    decimals (published in the API schema; the value itself is still checked by money_problem)."""
    top = int(MAX_USD_PER_MTOK)
    below = len(str(top)) - 1  # 5 digits stay below 100,000
    frac = rf"(?:\.\d{{1,{PRICE_PLACES}}})?"
    return rf"^(?:{top}(?:\.0{{1,{PRICE_PLACES}}})?|\d{{1,{below}}}{frac})$"


PRICE_PATTERN = _price_pattern()
# A batch discount: a fraction below 1 (0.5 = 50% off), at most PRICE_PLACES decimals.
FRACTION_PATTERN = rf"^(?:0|0?\.\d{{1,{PRICE_PLACES}}})$"


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
    """A Decimal as a plain string without exponent or trailing zeros (30, 0.075): how JSON writes money."""
    if d is None:
        return None
    return plain_text(d)


def plain_text(d: Decimal) -> str:
    """`plain` for a Decimal: every digit, no exponent, no trailing zeros ("1.50" → "1.5", "1E+2" → "100",
    "0.00" → "0"). Exact at any length, where `normalize()` would round to the context's 28 digits."""
    text = str(d)  # the same digits as format(d, "f") unless it needs an exponent (a faster call)
    if "E" in text:
        text = format(d, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def money_problem(field: str, value: Decimal | None, bound: Decimal | None = MAX_USD_PER_MTOK) -> str | None:
    """Why a money value (USD per 1M tokens, or a fraction when ``bound`` is None) cannot be stored exactly,
    or None when it can. One rule for user prices (CLI and web API) and importers."""
    if value is None:
        return None
    shown = plain(value) if value.is_finite() else str(value)
    if not value.is_finite():
        return f"{field}: {value} is not a finite number"
    if value < 0:
        return f"{field}: {shown} must not be negative"
    if bound is not None and value > bound:
        return (f"{field}: {shown} USD per 1M tokens is above the sane bound of {bound:,}; check the unit "
                "(prices are USD per million tokens, not per token or per thousand)")
    exponent = value.normalize().as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    if places > PRICE_PLACES:
        kept = plain(value.quantize(Decimal(1).scaleb(-PRICE_PLACES)))
        return (f"{field}: {shown} has {places} decimal places; the store keeps {PRICE_PLACES}, so it would be "
                f"stored as {kept} — round it yourself or check the unit")
    return None


def bounded_price(value: Decimal, field: str = "price") -> Decimal:
    """`value` (USD per 1M tokens) when the store can keep it exactly (money_problem), else InputError naming the
    field — never rounded, never stored as $0."""
    from llmflation.errors import InputError

    problem = money_problem(field, value)
    if problem:
        raise InputError(problem, field=field)
    return value
