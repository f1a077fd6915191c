"""A tiny llmflation importer plugin: prices from a made-up "Acme price list" JSON file.

The file looks like
    {"prices": [{"model": "gpt-4o-mini", "developer": "openai", "input_usd_per_mtok": "0.15",
                 "output_usd_per_mtok": "0.6"}]}

Installed (`pip install ./examples/importer_plugin`), it adds `llmflation import acme FILE` and makes
`llmflation data update --source acme --url acme=URL` fetch it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from llmflation.errors import InputError
from llmflation.ledger.importers.common import Entry, Importer, Skip, Snapshot, Terms, money, storable


def parse(data: Any, seen_on: date) -> Snapshot:
    if not isinstance(data, dict) or not isinstance(data.get("prices"), list):
        raise InputError('Acme price list: expected {"prices": [...]}')
    snap = Snapshot(kind="acme")
    for i, row in enumerate(data["prices"]):
        key = str(row.get("model", "")) if isinstance(row, dict) else ""
        if not key:
            snap.skipped.append(Skip(f"prices[{i}]", "entry without a model"))
            continue
        try:
            terms = Terms(
                input=storable(money(row.get("input_usd_per_mtok"), f"{key}.input"), f"{key}.input"),
                output=storable(money(row.get("output_usd_per_mtok"), f"{key}.output"), f"{key}.output"),
            )
        except InputError as exc:
            snap.skipped.append(Skip(key, f"bad price: {exc}"))
            continue
        snap.entries.append(Entry(key=key, provider="acme", terms=terms, developer=str(row.get("developer", ""))))
    return snap


IMPORTER = Importer(
    kind="acme",
    label="Acme price list",
    parse=parse,
    source="acme:price-list",
    url="https://prices.example.com/acme.json",
    url_env="ACME_PRICES_URL",
    help="Acme price list JSON (example plugin)",
)
