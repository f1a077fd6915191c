"""A read snapshot of the ledger store, so that a command that only reads prices does not start DuckDB.

Opening the ledger through DuckDB costs a command like `llmflation price` most of its start-up (importing DuckDB,
connecting, checking the bundled data, turning ~2,000 rows into records: ~0.2 s of a 0.45 s run on the 2-core
machine). After each full read `Store.read_ledger` writes what it read, pickled, to `.<store file>.snapshot`
beside the store; the next read uses it when nothing it depends on has changed:

* the store file and its write-ahead log (inode, size, modification and change times): any commit changes them;
* the bundled files' state (inode, size and times: a package upgrade with new CSVs rewrites them; their digest
  where they are not plain files), the newest migration, the package version and the record types' fields (a
  snapshot from another version of the code is never unpickled into the wrong shape).

Every write through `Store` (its transactions and write connections) deletes the snapshot before it starts and
after it ends, so a reader never gets the state before a write that has begun; a read that saw the files change
while it ran writes no snapshot. The file holds only tuples of strings, numbers, dates and decimals: it is read
with an unpickler that refuses every other type, and any problem reading it (missing, damaged, from another
version) just means the store is read through DuckDB as before.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import threading
from dataclasses import fields
from pathlib import Path
from typing import Any

from llmflation.ledger import records

FORMAT = 1
_RECORDS = (records.Model, records.Price, records.Score, records.NameRow, records.Lifecycle)
_ALLOWED = {("decimal", "Decimal"), ("datetime", "date"), ("datetime", "datetime")}

Contents = tuple[list[records.Model], list[records.Price], list[records.Score], list[records.NameRow],
                 list[records.Lifecycle]]


def path_for(store: Path) -> Path:
    return store.with_name(f".{store.name}.snapshot")


def file_state(store: Path) -> tuple[Any, ...] | None:
    """What changes whenever a transaction commits to the store (None when there is no store file)."""
    out: list[Any] = []
    for p in (store, store.with_name(store.name + ".wal")):
        try:
            st = p.stat()
        except OSError:
            out.append(None)
            continue
        out.append((st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns))
    return tuple(out) if out[0] is not None else None


def _field_names() -> list[tuple[str, ...]]:
    """Each record type's fields in constructor order (positional: `cls(*row)` rebuilds a record)."""
    return [tuple(f.name for f in fields(cls)) for cls in _RECORDS]


def _code_key() -> tuple[Any, ...]:
    from llmflation import __version__
    from llmflation.ledger.loading import bundled_digest, bundled_state, bundled_texts
    from llmflation.ledger.store import MIGRATIONS

    layout = tuple(zip((cls.__name__ for cls in _RECORDS), _field_names(), strict=True))
    bundled = bundled_state() or bundled_digest(bundled_texts())
    return (FORMAT, __version__, MIGRATIONS[-1][0], bundled, layout)


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in _ALLOWED:
            raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a ledger snapshot")
        return super().find_class(module, name)


def load(store: Path) -> Contents | None:
    """The snapshot's contents when it matches the store and this code as they are now; None otherwise."""
    state = file_state(store)
    if state is None:
        return None
    try:
        with open(path_for(store), "rb") as f:
            saved_key, rows = _Unpickler(f).load()
        if saved_key != (_code_key(), state):
            return None
        # records travel as tuples of their fields (twice as fast to load as pickled dataclass instances)
        return tuple([cls(*row) for row in table] for cls, table in zip(_RECORDS, rows, strict=True))  # type: ignore[return-value]
    except Exception:  # missing, damaged, foreign or from other code: read the store instead
        return None


def save(store: Path, state: tuple[Any, ...] | None, contents: Contents) -> None:
    """Write the snapshot of `contents`, read while the store's files were in `state`, unless they have changed
    since. Best effort: a read-only data directory just means no snapshot."""
    if state is None or file_state(store) != state:
        return
    target = path_for(store)
    tmp = target.with_name(f"{target.name}.{os.getpid()}-{threading.get_ident()}.tmp")  # one per writer
    try:
        with open(tmp, "wb") as f:
            tables: tuple[list[Any], ...] = contents
            rows = [[tuple(getattr(r, name) for name in names) for r in table]
                    for names, table in zip(_field_names(), tables, strict=True)]
            pickle.dump(((_code_key(), state), rows), f, protocol=pickle.HIGHEST_PROTOCOL)
        if file_state(store) != state:  # a write slipped in while we pickled
            tmp.unlink()
            return
        os.replace(tmp, target)
    except OSError:
        tmp.unlink(missing_ok=True)


def discard(store: Path) -> None:
    """Forget the snapshot (every write to the store calls this before and after it writes)."""
    with contextlib.suppress(OSError):
        path_for(store).unlink(missing_ok=True)
