from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb

from llmflation.ledger.ledger import open_ledger
from llmflation.ledger.records import Discount
from llmflation.ledger.store import MIGRATIONS, Store


def test_store_is_created_with_recorded_migrations(fresh_home: Path) -> None:
    ledger = open_ledger()
    assert ledger.store is not None and ledger.store.path == fresh_home / "ledger.duckdb"
    assert [m[0] for m in ledger.store.migrations()] == [v for v, _, _ in MIGRATIONS]
    con = duckdb.connect(str(ledger.store.path), read_only=True)
    types = dict(con.execute("SELECT column_name, data_type FROM information_schema.columns "
                             "WHERE table_name = 'prices'").fetchall())
    assert types["input"].startswith("DECIMAL") and types["output"].startswith("DECIMAL")
    con.close()


def test_bundled_upgrade_keeps_the_user_layer(fresh_home: Path) -> None:
    store = Store()
    store.ensure_current()
    store.add_discount(Discount(provider="openai", fraction=Decimal("0.1"), valid_from=date(2024, 1, 1)))
    # simulate an older package's data in the file: the next open must reload bundled tables, keep the user's
    con = store.connect(read_only=False)
    con.execute("UPDATE meta SET value = 'old' WHERE key = 'bundled_digest'")
    con.execute("DELETE FROM bundled_prices")
    con.close()
    ledger = open_ledger()
    [offer] = ledger.price("gpt-4o", at=date(2024, 6, 1), provider="openai")
    assert offer.input == Decimal("4.5") and offer.origin == "adjusted"
    assert len(store.user_layer()[1]) == 1


def test_ledger_api_returns_exact_decimals(ledger) -> None:
    [offer] = ledger.price("GPT-4O", at=date(2024, 6, 1), provider="openai")
    assert isinstance(offer.input, Decimal) and offer.input == Decimal(5)
    assert ledger.resolve("gpt-4o", at=date(2024, 6, 1)).id == offer.model
    assert ledger.scores("gpt-4o")
    assert any(m.open_weights for m in ledger.models())
