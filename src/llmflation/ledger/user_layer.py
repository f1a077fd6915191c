"""Validate and record the user's private layer (negotiated prices, discounts)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from llmflation.errors import InputError
from llmflation.ledger import records as _records
from llmflation.ledger.ledger import open_ledger
from llmflation.ledger.loading import Problems, check_overlaps, parse_prices, read_text_file
from llmflation.ledger.records import STANDARD_TIER, Discount, Price
from llmflation.money import MAX_USD_PER_MTOK, PRICE_PLACES, money_problem, to_decimal

__all__ = ["MAX_USD_PER_MTOK", "PRICE_PLACES", "add_discount", "check_user_price", "import_user_prices",
           "money_problem", "normalise_tier"]

MONEY_FIELDS = ("input", "output", "cached_input", "cache_write", "long_input", "long_output", "long_cached_input")
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
    from dataclasses import replace

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


def import_user_prices(path: Path) -> int:
    """Parse, validate against the ledger, then insert in one transaction. Any bad line rejects the file."""
    from dataclasses import replace

    ledger = open_ledger()
    text = _alias_header(read_text_file(path))
    problems = Problems()
    where = path.name
    parsed = parse_prices(text, where, problems, default_source=f"user:{path.name}",
                          default_confidence="official", origin="user")
    resolved: list[Price] = []
    for p in parsed:
        try:
            model = ledger.resolve(p.model)
        except Exception as exc:  # UnknownModelError: report with the rest
            problems.add(where, 0, f"model: {exc}")
            continue
        checked, bad = check_user_price(p)
        for message in bad:
            problems.add(where, 0, f"{p.model}/{p.provider} from {p.valid_from}: {message}")
        if bad:
            continue
        resolved.append(replace(checked, model=model.id, first_party=model.developer == p.provider))
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
