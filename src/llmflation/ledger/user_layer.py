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
from llmflation.ledger import records as _records
from llmflation.ledger.loading import Problems, check_overlaps, parse_prices, price_from_row, read_text_file
from llmflation.ledger.records import STANDARD_TIER, Discount, Price, sold_by_developer
from llmflation.money import MAX_USD_PER_MTOK, PRICE_PLACES, money_problem
from llmflation.values import parse_decimal

if TYPE_CHECKING:
    from llmflation.ledger.ledger import Ledger
    from llmflation.ledger.store import Store

__all__ = ["MAX_USD_PER_MTOK", "PRICE_PLACES", "add_discount", "add_user_prices", "check_user_price",
           "import_user_prices", "money_problem", "normalise_tier", "price_rows"]

MONEY_FIELDS = ("input", "output", "cached_input", "cache_write", "long_input", "long_output", "long_cached_input",
                "cache_write_1h", "input_audio", "output_audio")
# Tiers the pricing engine knows (others would be stored and then never used): the ledger's own list where the
# records module defines one (one rule in one place), else standard and off-peak.
KNOWN_TIERS: tuple[str, ...] = tuple(getattr(_records, "TIERS", (STANDARD_TIER, "off-peak")))
# A user price CSV may use the key names `price --json` prints (and `history --csv` writes).
CSV_ALIASES = {
    "input_usd_per_mtok": "input",
    "output_usd_per_mtok": "output",
    "cached_input_usd_per_mtok": "cached_input",
    "cache_write_usd_per_mtok": "cache_write",
    "long_context_threshold_tokens": "long_context_threshold",
    "long_input_usd_per_mtok": "long_input",
    "long_output_usd_per_mtok": "long_output",
    "long_cached_input_usd_per_mtok": "long_cached_input",
}


def normalise_tier(tier: str | None, known: tuple[str, ...] = KNOWN_TIERS) -> str:
    """'STANDARD ' → 'standard'; an unknown tier raises InputError naming the ones that work."""
    value = (tier or "").strip().lower() or STANDARD_TIER
    if value not in known:
        raise InputError(f"tier: {tier!r} is not a tier the pricing uses; use one of {', '.join(known)}")
    return value


def check_user_price(p: Price) -> tuple[Price, list[str]]:
    """One rule for the CLI and the web API: money exact and within bounds, tier known (case-normalised)."""
    problems = [m for f in MONEY_FIELDS if (m := money_problem(f, getattr(p, f))) is not None]
    batch = money_problem("batch_discount", p.batch_discount, bound=None)
    if batch:
        problems.append(batch)
    try:
        p = replace(p, tier=normalise_tier(p.tier))
    except InputError as exc:
        problems.append(str(exc))
    return p, problems


def _alias_header(text: str) -> str:
    """Rewrite the header's JSON key names (input_usd_per_mtok …) to the CSV column names (input …)."""
    import csv
    import io

    first, sep, rest = text.partition("\n")
    cells = next(csv.reader(io.StringIO(first)), [])
    renamed = [CSV_ALIASES.get(c.strip(), c) for c in cells]
    if renamed == cells:
        return text
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(renamed)
    return out.getvalue() + sep + rest


def _store(ledger: Ledger) -> Store:
    if ledger.store is None:
        raise LlmflationError("This ledger was built in memory and has no store to write your layer to.")
    return ledger.store


def _resolve(ledger: Ledger, prices: Sequence[tuple[str, int, Price]], problems: Problems) -> list[Price]:
    """Each price's model resolved to its id (aliases welcome), first_party set; unknown models are problems."""
    resolved: list[Price] = []
    for where, line, p in prices:
        try:
            model = ledger.resolve(p.model, p.provider, p.valid_from)
        except LlmflationError as exc:  # UnknownModelError: reported with the rest
            problems.add(where, line, f"model: {exc}")
            continue
        checked, bad = check_user_price(p)
        for message in bad:
            problems.add(where, line, message)
        if not bad:
            own = sold_by_developer(model.developer, p.provider)
            resolved.append(replace(checked, model=model.id, first_party=own))
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
    text = _alias_header(read_text_file(path))
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
        raw = {CSV_ALIASES.get(k, k): None if v is None else (v.isoformat() if isinstance(v, date) else str(v))
               for k, v in row.items()}
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
