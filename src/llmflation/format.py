"""Numbers for people: one place that turns exact values into short, honest text.

Every function takes an exact value (Decimal, int, a decimal string; floats are accepted for statistics such as
factors and scores) and returns a ``str``. Nothing here changes stored values: JSON and CSV keep exact decimal
strings (see ``cli/output.jsonable``); these functions are only for tables, sentences, reports and pages.

    >>> money(Decimal("206.4137"))
    '$206.41'
    >>> money(Decimal("0.000374"))
    '$0.000374'
    >>> money(Decimal("-406.46"))
    '−$406.46'
    >>> percent(Decimal("0.5"))
    '50%'
    >>> factor(11.83)
    '11.8×'
    >>> tokens(6_644_668_406)
    '6.64B'

Rules (the test table in tests/test_format.py is the specification):

* money: two decimals from $1 up (thousands separated), three significant digits below $1 (at least two decimals:
  $0.50, $0.0374, $0.000374), compact from a million up ($1.23M, $4.5B, $1.2T), a power of ten beyond
  ($1.2×10^18); below ``floor`` (default: $0.000000001, the store's 9 decimals) a bound ``< $0.000000001``;
  negative amounts with a real minus sign (−$406.46).
* percent: a fraction in (0.5 → 50%), one decimal at most, two significant digits for tiny shares.
* factor: 11.8×, 0.5×, 851×, 12,345×; outside [1/FACTOR_LIMIT, FACTOR_LIMIT] a bound (``> 1,000,000×``) — the
  caller says why in a note (``is_bound`` tells it when).
* tokens: 950, 12.3K, 6.64B (3 significant digits).
* score: 126.1, 85.3, 0.853 (no trailing zeros).
* date: ISO 8601 (2025-06-01), "—" when unknown.
* text: control characters and terminal escape sequences removed (for model names and other input echoed to a terminal).
"""

from __future__ import annotations

import math
import re
from datetime import date as _date
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

__all__ = [
    "FACTOR_LIMIT",
    "MINUS",
    "MISSING",
    "count",
    "date",
    "factor",
    "is_bound",
    "money",
    "money_per_mtok",
    "percent",
    "score",
    "spreadsheet_safe",
    "text",
    "tokens",
]

MINUS = "\u2212"  # a real minus sign, not a hyphen
MISSING = "—"
NOT_A_NUMBER = "n/a"
FACTOR_LIMIT = Decimal(1_000_000)
MONEY_FLOOR = Decimal("0.000000001")  # the ledger keeps 9 decimal places
_SUFFIXES = ((12, "T"), (9, "B"), (6, "M"), (3, "K"))
_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def _dec(value: object) -> Decimal | None:
    """An exact Decimal, or None for missing/not-a-number. Floats go through their shortest repr."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        d = value
    elif isinstance(value, bool):
        return None
    elif isinstance(value, int):
        d = Decimal(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            return Decimal("Infinity") if value > 0 else (Decimal("-Infinity") if value < 0 else None)
        d = Decimal(repr(value))
    else:
        try:
            d = Decimal(str(value).strip())
        except InvalidOperation:
            return None
    if d.is_nan():
        return None
    return d


def _round_sig(d: Decimal, sig: int) -> Decimal:
    """Round a finite, non-zero |d| to ``sig`` significant digits (exactly, half-even)."""
    exp = d.adjusted() - sig + 1
    return d.quantize(Decimal(1).scaleb(exp), rounding=ROUND_HALF_EVEN)


def _plain(d: Decimal, min_places: int = 0) -> str:
    """Fixed-point text without exponent, trailing zeros trimmed down to ``min_places`` decimals."""
    s = format(d, "f")
    if "." in s:
        whole, frac = s.split(".")
        frac = frac.rstrip("0")
        frac = frac.ljust(min_places, "0")
        return f"{whole}.{frac}" if frac else whole
    return s + ("." + "0" * min_places if min_places else "")


def _group(s: str) -> str:
    """Thousands separators on the whole part of a plain positive number string."""
    whole, _, frac = s.partition(".")
    whole = f"{int(whole):,}"
    return f"{whole}.{frac}" if frac else whole


def _compact(d: Decimal, sig: int = 3) -> str | None:
    """1.23K/M/B/T for 1,000 <= d (positive d); None from 999.5T up (caller writes a power of ten)."""
    power = min(12, d.adjusted() // 3 * 3)
    if power < 3:
        return None
    scaled = _round_sig(d.scaleb(-power), sig)
    if scaled >= 1000:  # 999.95M rounds to 1,000M: step up one suffix
        power += 3
        if power > 12:
            return None
        scaled = _round_sig(d.scaleb(-power), sig)
    return _plain(scaled) + dict(_SUFFIXES)[power]


def _scientific(d: Decimal, sig: int = 2) -> str:
    r = _round_sig(d, sig)
    exp = r.adjusted()
    mant = _plain(r.scaleb(-exp))
    return f"{mant}×10{str(exp).translate(_SUPERSCRIPT)}"


def money(value: object, *, floor: Decimal | None = None, sig: int = 3) -> str:
    """Dollars for people: $206.41, $0.0374, $0.000374, $1.2T, −$406.46; ``< $floor`` for tiny non-zero amounts."""
    d = _dec(value)
    if d is None:
        return MISSING
    if d.is_infinite():
        return NOT_A_NUMBER
    lowest = MONEY_FLOOR if floor is None else floor
    if d < 0:
        if -d < lowest:
            return f"> {MINUS}${_plain(lowest)}"
        return MINUS + money(-d, floor=floor, sig=sig)
    if d == 0:
        return "$0"
    if d < lowest:
        return f"< ${_plain(lowest)}"
    if d >= Decimal("1e15"):
        return "$" + _scientific(d)
    if d >= 1_000_000:
        compact = _compact(d, sig)
        return "$" + (compact if compact is not None else _scientific(d))
    if d >= 1 or _round_sig(d, sig) >= 1:
        cents = d.quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)
        return "$" + _group(_plain(cents, 2))
    return "$" + _plain(_round_sig(d, sig), 2)


def money_per_mtok(value: object, *, floor: Decimal | None = None) -> str:
    """A price per million tokens: $0.37/M, $15.00/M, < $0.0001/M when ``floor`` says smaller is not meaningful."""
    s = money(value, floor=floor)
    return s if s in (MISSING, NOT_A_NUMBER) else s + "/M"


def percent(value: object, *, signed: bool = False) -> str:
    """A fraction as a percentage: 0.5 → 50%, 0.1234 → 12.3%, −0.915 → −91.5%, 0.00012 → 0.012%."""
    d = _dec(value)
    if d is None:
        return MISSING
    if d.is_infinite():
        return NOT_A_NUMBER
    p = d * 100
    sign = MINUS if p < 0 else ("+" if signed and p > 0 else "")
    p = abs(p)
    if p == 0:
        body = "0"
    elif p >= 1_000_000:
        body = "> 1,000,000"
    elif p < Decimal("0.1"):
        body = _plain(_round_sig(p, 2))
    else:
        body = _group(_plain(p.quantize(Decimal("0.1"), rounding=ROUND_HALF_EVEN)))
    return f"{sign}{body}%"


def is_bound(value: object) -> bool:
    """True when ``factor(value)`` prints a bound instead of the number (callers add a note saying why)."""
    d = _dec(value)
    if d is None or d.is_infinite():
        return d is not None
    d = abs(d)
    return d != 0 and (d > FACTOR_LIMIT or d < 1 / FACTOR_LIMIT)


def factor(value: object) -> str:
    """A multiplier: 0.5×, 11.8×, 851×, 12,345×; beyond ×1,000,000 either way a bound (``> 1,000,000×``)."""
    d = _dec(value)
    if d is None:
        return MISSING
    if d.is_infinite() or d < 0:
        return NOT_A_NUMBER
    if d == 0:
        return "0×"
    if d > FACTOR_LIMIT:
        return f"> {_group(_plain(FACTOR_LIMIT))}×"
    if d < 1 / FACTOR_LIMIT:
        return f"< {_plain(1 / FACTOR_LIMIT)}×"
    if d >= 100:
        return _group(_plain(d.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))) + "×"
    if d >= 10:
        return _plain(d.quantize(Decimal("0.1"), rounding=ROUND_HALF_EVEN)) + "×"
    if d >= 1:
        return _plain(d.quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)) + "×"
    return _plain(_round_sig(d, 2)) + "×"


def tokens(value: object) -> str:
    """A token count: 950, 1,500 → 1.5K, 6,644,668,406 → 6.64B (fractional averages keep one decimal below 1,000)."""
    d = _dec(value)
    if d is None:
        return MISSING
    if d.is_infinite():
        return NOT_A_NUMBER
    if d < 0:
        return MINUS + tokens(-d)
    if d >= 1000:
        compact = _compact(d)
        return compact if compact is not None else _scientific(d)
    return _plain(d.quantize(Decimal("0.1"), rounding=ROUND_HALF_EVEN))


def count(value: object) -> str:
    """A whole count with thousands separators: 1,234."""
    d = _dec(value)
    if d is None:
        return MISSING
    if d.is_infinite():
        return NOT_A_NUMBER
    sign = MINUS if d < 0 else ""
    d = abs(d)
    if d >= Decimal("1e15"):
        return sign + _scientific(d)
    return sign + _group(_plain(d.quantize(Decimal(1), rounding=ROUND_HALF_EVEN)))


def score(value: object) -> str:
    """A benchmark score: 126.1 (not 126.1000), 85.3, 0.853; one decimal from 10 up, three significant digits below."""
    d = _dec(value)
    if d is None:
        return MISSING
    if d.is_infinite():
        return NOT_A_NUMBER
    if d < 0:
        return MINUS + score(-d)
    if d == 0:
        return "0"
    if d >= 10:
        return _group(_plain(d.quantize(Decimal("0.1"), rounding=ROUND_HALF_EVEN)))
    return _plain(_round_sig(d, 3))


def date(value: object) -> str:
    """ISO 8601 date (2025-06-01); datetimes keep their date part only; '—' when unknown."""
    if value is None or value == "":
        return MISSING
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, _date):
        return value.isoformat()
    return text(str(value))[:10]


# C0 and C1 control characters (tab and newline excepted) and ANSI escape sequences (CSI, OSC, single-char escapes).
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]|\x9b[0-?]*[ -/]*[@-~]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def text(value: object) -> str:
    """Text safe to print on a terminal: escape sequences, control and bidi-override characters removed."""
    if value is None:
        return ""
    s = str(value)
    s = _ANSI.sub("", s)
    s = _CONTROL.sub("", s)
    return _SURROGATE.sub("\ufffd", s)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(cell: object) -> object:
    """A CSV cell a spreadsheet will not execute (OWASP CSV injection rule).

    A text cell starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return gets a leading single quote.
    Numbers (int, Decimal, and decimal strings such as "-406.46" written by ``jsonable``) pass unchanged, so exact
    money survives a round trip.
    """
    if not isinstance(cell, str) or not cell.startswith(_FORMULA_START):
        return cell
    if cell[0] in "+-":
        try:
            d = Decimal(cell)
        except InvalidOperation:
            pass
        else:
            if d.is_finite():
                return cell
    return "'" + cell


# What people call each rate of a price row (prices.csv columns; `long_…` = the same above the long-context threshold).
RATE_LABELS = {
    "input": "input", "output": "output", "cached_input": "cache read", "cache_write": "cache write",
    "cache_write_1h": "1-hour cache write", "input_audio": "audio input", "output_audio": "audio output",
    "long_context_threshold": "long-context tier from", "batch_discount": "batch discount",
    "regional_uplift": "regional uplift", "window_utc": "off-peak window (UTC)",
}


def rate_change(rate: str, before: object, after: object) -> str:
    """One changed rate of a price row, before → after: `cache read $0.20 → $0.10`, `batch discount none → 50%`,
    `long-context tier from 200K → none` (what `tariff.RateChange` holds)."""
    base = rate.removeprefix("long_") if rate != "long_context_threshold" else rate
    label = RATE_LABELS.get(base, base.replace("_", " "))
    if base != rate:
        label = f"long-context {label}"
    show = (tokens if rate == "long_context_threshold" else percent if rate in ("batch_discount", "regional_uplift")
            else text if rate == "window_utc" else money)
    return f"{label} {'none' if before is None else show(before)} → {'none' if after is None else show(after)}"
