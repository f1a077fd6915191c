"""The ledger's read snapshot (ledger/snapshot.py): the same ledger as DuckDB gives, never stale, never trusted blindly.

A snapshot is only a faster way to read what the store holds: every test compares against a read that goes to
DuckDB, after the writes a user makes (user layer, an outside write connection), with a damaged file, and with a
file that tries to run code when unpickled.
"""

from __future__ import annotations

import os
import pickle
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from llmflation.ledger import snapshot
from llmflation.ledger.ledger import open_ledger
from llmflation.ledger.records import Discount
from llmflation.ledger.store import Store


def _from_duckdb(store: Store) -> tuple[Any, ...]:
    con = store.connect(read_only=True)
    try:
        return (*store._read_all(con), *store._read_names(con))
    finally:
        con.close()


def _gpt4o(path: Path) -> Decimal:
    [offer] = open_ledger(path).price("gpt-4o", at=date(2024, 6, 1), provider="openai")
    return offer.input


def test_a_second_open_reads_the_snapshot_and_it_equals_the_store(store_home: Path) -> None:
    store = Store(store_home / "ledger.duckdb")
    first = store.read_ledger()
    assert snapshot.path_for(store.path).exists()
    cached = snapshot.load(store.path)
    assert cached is not None
    assert cached == first == _from_duckdb(store)
    assert all(type(a) is type(b) for got, want in zip(cached, first, strict=True)
               for a, b in zip(got, want, strict=True))
    assert store.read_ledger() == first


def test_a_user_write_is_seen_by_the_next_open(store_home: Path) -> None:
    path = store_home / "ledger.duckdb"
    assert _gpt4o(path) == Decimal(5)  # writes the snapshot
    Store(path).add_discount(Discount(provider="openai", fraction=Decimal("0.1"), valid_from=date(2024, 1, 1)))
    assert _gpt4o(path) == Decimal("4.5")
    assert snapshot.load(path) is not None  # and the new state is cached again
    assert _gpt4o(path) == Decimal("4.5")


def test_a_write_outside_the_store_class_is_seen_too(store_home: Path) -> None:
    """A DuckDB connection that writes the file directly (another tool, an older llmflation) changes the file's
    size and times: the snapshot no longer matches."""
    import duckdb

    path = store_home / "ledger.duckdb"
    assert _gpt4o(path) == Decimal(5)
    con = duckdb.connect(str(path))
    con.execute("UPDATE prices SET input = 7 WHERE model = 'openai/gpt-4o-2024-05-13' AND provider = 'openai' "
                "AND valid_from <= DATE '2024-06-01' AND (valid_to IS NULL OR valid_to > DATE '2024-06-01')")
    con.close()
    assert _gpt4o(path) == Decimal(7)


def test_a_damaged_snapshot_is_ignored(store_home: Path) -> None:
    path = store_home / "ledger.duckdb"
    expected = _from_duckdb(Store(path))
    snapshot.path_for(path).write_bytes(b"\x80\x05not a pickle at all")
    assert snapshot.load(path) is None
    assert Store(path).read_ledger() == expected


class _Payload:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (os.system, (f"touch {self.marker}",))


def test_a_snapshot_that_would_run_code_is_refused(store_home: Path, tmp_path: Path) -> None:
    path = store_home / "ledger.duckdb"
    expected = Store(path).read_ledger()
    marker = tmp_path / "ran"
    key = (snapshot._code_key(), snapshot.file_state(path))
    snapshot.path_for(path).write_bytes(pickle.dumps((key, _Payload(marker))))
    assert Store(path).read_ledger() == expected
    assert not marker.exists()


def test_a_snapshot_of_another_store_state_is_not_used(store_home: Path) -> None:
    """The key holds the store's file state: a snapshot saved for other files is ignored, and a read whose files
    changed while it ran saves nothing."""
    path = store_home / "ledger.duckdb"
    contents = Store(path).read_ledger()
    snapshot.discard(path)
    snapshot.save(path, ("another", "state"), contents)
    assert not snapshot.path_for(path).exists()


def test_rewritten_bundled_files_make_the_snapshot_stale(store_home: Path, tmp_path: Path, monkeypatch: Any) -> None:
    """The key holds the bundled files' state, read without hashing them: rewriting one (even with the same bytes,
    as a package upgrade does) changes it, so the next read goes to DuckDB (which then compares the digest)."""
    import shutil

    from llmflation.ledger import loading

    data = tmp_path / "data"
    shutil.copytree(Path(loading.__file__).with_name("data"), data)
    before = loading.bundled_state(data)
    assert before is not None and [row[0] for row in before] == list(loading.BUNDLED_FILES)
    assert loading.bundled_state(data) == before
    text = (data / "prices.csv").read_bytes()
    (data / "prices.csv").unlink()
    (data / "prices.csv").write_bytes(text)  # same bytes, a new file
    assert loading.bundled_state(data) != before
    (data / "names.csv").unlink()
    assert loading.bundled_state(data) is None  # not plain files: the key falls back to the digest

    path = store_home / "ledger.duckdb"
    assert _gpt4o(path) and snapshot.load(path) is not None  # the first open saved a snapshot; it is used
    monkeypatch.setattr(loading, "bundled_state", lambda directory=None: (("prices.csv", 1, 2, 3, 4),))
    assert snapshot.load(path) is None
    monkeypatch.setattr(loading, "bundled_state", lambda directory=None: None)
    assert snapshot.load(path) is None  # the digest is another key again
    assert _gpt4o(path) == Decimal("5") and snapshot.load(path) is not None  # read through DuckDB, saved anew
