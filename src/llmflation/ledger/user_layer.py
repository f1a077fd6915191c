"""Validate and record the user's private layer (negotiated prices, discounts).

Every function takes the `Ledger` to check against and write through (its store), so the CLI and the web API call
the same code: the CLI opens the ledger, the server passes the one it holds (under its write lock) and reloads it
afterwards. Field names in errors are the neutral ones (`percent`, `valid_from`, `valid_to`); a front end maps them
to its own spelling when it wants to (see InputError.field).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from llmflation.errors import InputError, LlmflationError, UnknownNameError
from llmflation.ledger.loading import Problems, check_overlaps, parse_prices, price_from_row, read_text_file
from llmflation.ledger.records import Discount, Price
from llmflation.values import parse_decimal

if TYPE_CHECKING:
    from llmflation.ledger.ledger import Ledger
    from llmflation.ledger.store import Store

__all__ = ["add_discount", "add_user_prices", "import_user_prices", "price_rows"]


def _store(ledger: Ledger) -> Store:
    if ledger.store is None:
        raise LlmflationError("This ledger was built in memory and has no store to write your layer to.")
    return ledger.store


def _resolve(ledger: Ledger, prices: Sequence[tuple[str, int, Price]], problems: Problems) -> list[Price]:
    """Each price's model resolved to its id (aliases welcome), first_party set; unknown models are problems."""
    resolved: list[Price] = []
    for where, line, p in prices:
        try:
            model = ledger.resolve(p.model)
        except LlmflationError as exc:  # UnknownModelError: reported with the rest
            problems.add(where, line, f"model: {exc}")
            continue
        resolved.append(replace(p, model=model.id, first_party=model.developer == p.provider))
    return resolved


def add_user_prices(ledger: Ledger, prices: Sequence[tuple[str, int, Price]], problems: Problems,
                    what: str = "Prices rejected") -> int:
    """Check (models, overlaps with the layer already stored) and insert in one transaction, or write nothing.

    `prices` are (where, line, price) so every problem points at its row; earlier parse problems in `problems`
    reject the whole batch too.
    """
    store = _store(ledger)
    resolved = _resolve(ledger, prices, problems)
    existing, _ = store.user_layer()
    check_overlaps([*existing, *resolved], prices[0][0] if prices else "request", problems)
    problems.raise_if_any(what)
    store.add_user_prices(resolved)
    return len(resolved)


def import_user_prices(ledger: Ledger, path: Path) -> int:
    """Parse a price CSV, validate it against the ledger, then insert in one transaction. Any bad line rejects it."""
    text = read_text_file(path)
    problems = Problems()
    where = path.name
    parsed = parse_prices(text, where, problems, default_source=f"user:{path.name}",
                          default_confidence="official", origin="user")
    if not parsed and not problems.items:
        problems.add(where, 1, "no price rows found")
    return add_user_prices(ledger, [(where, 0, p) for p in parsed], problems, f"User price file {path} was rejected")


def price_rows(rows: Sequence[Mapping[str, object]], where: str, problems: Problems,
               default_source: str = "user:api") -> list[tuple[str, int, Price]]:
    """Prices from rows of fields (an API request body), by the same rules as a price CSV line.

    Row i is reported as `where[i]`; values may be strings, numbers or dates (None = empty).
    """
    out: list[tuple[str, int, Price]] = []
    for i, row in enumerate(rows):
        raw = {k: None if v is None else (v.isoformat() if isinstance(v, date) else str(v)) for k, v in row.items()}
        label = f"{where}[{i}]"
        price = price_from_row(raw, label, i + 1, problems, default_source=default_source,
                               default_confidence="official", origin="user")
        if price is not None:
            out.append((label, i + 1, price))
    return out


def add_discount(ledger: Ledger, provider: str, percent: object, valid_from: date | None, valid_to: date | None,
                 model: str | None, note: str = "") -> Discount:
    """A negotiated discount (percent off a provider's prices, or one model's) from a date; written at once."""
    pct = parse_decimal(percent, "percent")
    if not 0 < pct < 100:
        raise InputError(f"percent: {pct} must be between 0 and 100", field="percent")
    if valid_from is None:
        raise InputError("valid_from is required (the first day the discount applies)", field="valid_from")
    if valid_to is not None and valid_to <= valid_from:
        raise InputError(f"valid_to: {valid_to} must be after valid_from {valid_from}", field="valid_to")
    prov = provider.strip().lower()
    if prov not in ledger.providers:
        raise UnknownNameError("provider", provider, ledger.providers)
    model_id = ledger.resolve(model).id if model else None
    d = Discount(provider=prov, fraction=pct / 100, valid_from=valid_from, valid_to=valid_to, model=model_id, note=note)
    _store(ledger).add_discount(d)
    return d
