"""Validate and record the user's private layer (negotiated prices, discounts)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from llmflation.errors import InputError
from llmflation.ledger.ledger import open_ledger
from llmflation.ledger.loading import Problems, check_overlaps, parse_prices, read_text_file
from llmflation.ledger.records import Discount, Price
from llmflation.money import to_decimal


def import_user_prices(path: Path) -> int:
    """Parse, validate against the ledger, then insert in one transaction. Any bad line rejects the file."""
    from dataclasses import replace

    ledger = open_ledger()
    text = read_text_file(path)
    problems = Problems()
    where = path.name
    parsed = parse_prices(text, where, problems, default_source=f"user:{path.name}",
                          default_confidence="official", origin="user")
    resolved: list[Price] = []
    for p in parsed:
        try:
            model = ledger.resolve(p.model, p.provider, p.valid_from)
        except Exception as exc:  # UnknownModelError: report with the rest
            problems.add(where, 0, f"model: {exc}")
            continue
        resolved.append(replace(p, model=model.id, first_party=model.developer == p.provider))
    assert ledger.store is not None
    existing, _ = ledger.store.user_layer()
    check_overlaps([*existing, *resolved], where, problems)
    if not parsed and not problems.items:
        problems.add(where, 1, "no price rows found")
    problems.raise_if_any(f"User price file {path} was rejected")
    ledger.store.add_user_prices(resolved)
    return len(resolved)


def add_discount(provider: str, percent: str, valid_from: date | None, valid_to: date | None,
                 model: str | None, note: str) -> Discount:
    ledger = open_ledger()
    pct = to_decimal(percent, "--percent")
    if not Decimal(0) < pct < Decimal(100):
        raise InputError(f"--percent: {pct} must be between 0 and 100")
    if valid_from is None:
        raise InputError("--from is required")
    if valid_to is not None and valid_to <= valid_from:
        raise InputError(f"--to: {valid_to} must be after --from {valid_from}")
    prov = provider.lower()
    if prov not in ledger.providers:
        from llmflation.errors import UnknownNameError

        raise UnknownNameError("provider", provider, ledger.providers)
    model_id = ledger.resolve(model).id if model else None
    d = Discount(provider=prov, fraction=pct / 100, valid_from=valid_from, valid_to=valid_to, model=model_id, note=note)
    assert ledger.store is not None
    ledger.store.add_discount(d)
    return d
