"""The embedded DuckDB store: bundled data, the user's layer, and the effective prices everything reads.

Layout of the file (see MIGRATIONS): `models`, `scores`, `bundled_prices` are replaced whenever the bundled data
changes (an upgrade); `user_prices` and `user_discounts` are the user's and are never touched by an upgrade;
`prices` is the effective table (user layer over bundled) that analytics range-join against; `delistings` holds
the offers a provider's complete catalogue stopped listing, which end the imported rows of earlier imports.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from llmflation.errors import LlmflationError as LlmflationErrorBase
from llmflation.ledger.records import Discount, Lifecycle, Model, NameRow, Price, Score

if TYPE_CHECKING:
    import duckdb

    from llmflation.ledger.importers.delisting import Delisting

MONEY = "DECIMAL(20, 9)"

_PRICE_COLUMNS_SQL = f"""
    model VARCHAR NOT NULL, provider VARCHAR NOT NULL, tier VARCHAR NOT NULL,
    valid_from DATE NOT NULL, valid_to DATE,
    input {MONEY} NOT NULL, output {MONEY} NOT NULL, cached_input {MONEY}, cache_write {MONEY},
    batch_discount {MONEY}, long_context_threshold BIGINT, long_input {MONEY}, long_output {MONEY},
    long_cached_input {MONEY}, source VARCHAR NOT NULL, confidence VARCHAR NOT NULL, note VARCHAR,
    origin VARCHAR NOT NULL, first_party BOOLEAN NOT NULL
"""

# (version, description, SQL). Append only; never edit an applied migration.
MIGRATIONS: list[tuple[int, str, str]] = [
    (1, "ledger tables", f"""
        CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR);
        CREATE TABLE models (
            id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, aliases VARCHAR, developer VARCHAR NOT NULL,
            release_date DATE, open_weights BOOLEAN, params_total_b DECIMAL(12, 3), params_active_b DECIMAL(12, 3),
            context_window BIGINT, reasoning BOOLEAN, layers INTEGER, hidden_size INTEGER, heads INTEGER,
            kv_heads INTEGER, experts_total INTEGER, experts_active INTEGER,
            source VARCHAR NOT NULL, confidence VARCHAR NOT NULL, note VARCHAR);
        CREATE TABLE scores (
            model VARCHAR NOT NULL, benchmark VARCHAR NOT NULL, value DECIMAL(12, 4) NOT NULL, as_of DATE,
            setting VARCHAR, source VARCHAR NOT NULL, confidence VARCHAR NOT NULL, note VARCHAR);
        CREATE TABLE bundled_prices ({_PRICE_COLUMNS_SQL});
        CREATE TABLE user_prices ({_PRICE_COLUMNS_SQL}, added_at TIMESTAMP NOT NULL);
        CREATE TABLE user_discounts (
            provider VARCHAR NOT NULL, model VARCHAR, fraction {MONEY} NOT NULL, valid_from DATE NOT NULL,
            valid_to DATE, note VARCHAR, added_at TIMESTAMP NOT NULL);
        CREATE TABLE prices ({_PRICE_COLUMNS_SQL});
    """),
    (2, "imported price snapshots and the import log", f"""
        CREATE TABLE imports (
            id INTEGER PRIMARY KEY, kind VARCHAR NOT NULL, source VARCHAR NOT NULL, snapshot VARCHAR NOT NULL,
            seen_on DATE NOT NULL, started TIMESTAMP NOT NULL, finished TIMESTAMP, entries INTEGER NOT NULL,
            rows INTEGER NOT NULL, matched INTEGER NOT NULL, unmatched INTEGER NOT NULL, unmatched_keys VARCHAR);
        CREATE TABLE imported_prices ({_PRICE_COLUMNS_SQL},
            import_id INTEGER NOT NULL, source_key VARCHAR NOT NULL, seen_on DATE NOT NULL, flags VARCHAR);
    """),
    (3, "pricing dimensions (1-hour cache writes, audio, time-of-day windows, regional uplift) and row dating",
     "\n".join(
         f"ALTER TABLE {t} ADD COLUMN cache_write_1h {MONEY}; ALTER TABLE {t} ADD COLUMN input_audio {MONEY}; "
         f"ALTER TABLE {t} ADD COLUMN output_audio {MONEY}; ALTER TABLE {t} ADD COLUMN window_utc VARCHAR; "
         f"ALTER TABLE {t} ADD COLUMN regional_uplift {MONEY}; ALTER TABLE {t} ADD COLUMN date_basis VARCHAR; "
         f"ALTER TABLE {t} ADD COLUMN checked_on DATE;"
         for t in ("bundled_prices", "user_prices", "prices", "imported_prices"))),
    (4, "dated model names and offer lifecycles", """
        CREATE TABLE names (
            name VARCHAR NOT NULL, provider VARCHAR, model VARCHAR NOT NULL, kind VARCHAR NOT NULL,
            valid_from DATE NOT NULL, valid_to DATE, source VARCHAR NOT NULL, confidence VARCHAR NOT NULL,
            note VARCHAR);
        CREATE TABLE lifecycle (
            model VARCHAR NOT NULL, provider VARCHAR NOT NULL, available_from DATE, deprecated_on DATE,
            shutdown_on DATE, successor VARCHAR, source VARCHAR NOT NULL, confidence VARCHAR NOT NULL,
            note VARCHAR);
    """),
    (5, "provisional models added by imports (`data update --add-new`) until the bundled data curates them", """
        CREATE TABLE provisional_models (
            id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, aliases VARCHAR, developer VARCHAR NOT NULL,
            release_date DATE, open_weights BOOLEAN, params_total_b DECIMAL(12, 3), params_active_b DECIMAL(12, 3),
            context_window BIGINT, reasoning BOOLEAN, layers INTEGER, hidden_size INTEGER, heads INTEGER,
            kv_heads INTEGER, experts_total INTEGER, experts_active INTEGER,
            source VARCHAR NOT NULL, confidence VARCHAR NOT NULL, note VARCHAR, import_id INTEGER NOT NULL);
    """),
    (6, "offers a provider's complete catalogue stopped listing (`importers.delisting`)", """
        CREATE TABLE delistings (
            import_id INTEGER NOT NULL, model VARCHAR NOT NULL, provider VARCHAR NOT NULL, tier VARCHAR NOT NULL,
            seen_on DATE NOT NULL, open_since DATE NOT NULL, origin VARCHAR NOT NULL, source VARCHAR NOT NULL);
        ALTER TABLE imports ADD COLUMN catalogue_trusted BOOLEAN;
    """),
]
_DELISTING_FIELDS = ("model", "provider", "tier", "seen_on", "open_since", "origin", "source")
_NAME_FIELDS = ("name", "provider", "model", "kind", "valid_from", "valid_to", "source", "confidence", "note")
_LIFECYCLE_FIELDS = ("model", "provider", "available_from", "deprecated_on", "shutdown_on", "successor", "source",
                     "confidence", "note")

_PRICE_FIELDS = (
    "model", "provider", "tier", "valid_from", "valid_to", "input", "output", "cached_input", "cache_write",
    "batch_discount", "long_context_threshold", "long_input", "long_output", "long_cached_input",
    "cache_write_1h", "input_audio", "output_audio", "window_utc", "regional_uplift", "date_basis", "checked_on",
    "source", "confidence", "note", "origin", "first_party",
)
_MODEL_FIELDS = (
    "id", "name", "aliases", "developer", "release_date", "open_weights", "params_total_b", "params_active_b",
    "context_window", "reasoning", "layers", "hidden_size", "heads", "kv_heads", "experts_total", "experts_active",
    "source", "confidence", "note",
)
_SCORE_FIELDS = ("model", "benchmark", "value", "as_of", "setting", "source", "confidence", "note")


def home() -> Path:
    """The data directory: $LLMFLATION_HOME, else the platform's user data dir."""
    env = os.environ.get("LLMFLATION_HOME")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("llmflation", appauthor=False))


def default_path() -> Path:
    return home() / "ledger.duckdb"


def _price_row(p: Price) -> tuple[Any, ...]:
    return tuple(getattr(p, f) for f in _PRICE_FIELDS)


def _model_row(m: Model) -> tuple[Any, ...]:
    return tuple("|".join(m.aliases) if f == "aliases" else getattr(m, f) for f in _MODEL_FIELDS)


def price_from_row(row: Sequence[Any]) -> Price:
    values = dict(zip(_PRICE_FIELDS, row, strict=True))
    values["note"] = values["note"] or ""
    return Price(**values)


def model_from_row(row: Sequence[Any]) -> Model:
    values = dict(zip(_MODEL_FIELDS, row, strict=True))
    values["aliases"] = tuple(a for a in (values["aliases"] or "").split("|") if a)
    values["note"] = values["note"] or ""
    values["open_weights"] = bool(values["open_weights"])
    values["reasoning"] = bool(values["reasoning"])
    return Model(**values)


def score_from_row(row: Sequence[Any]) -> Score:
    values = dict(zip(_SCORE_FIELDS, row, strict=True))
    values["note"] = values["note"] or ""
    values["setting"] = values["setting"] or ""
    return Score(**values)


class Store:
    """A DuckDB file holding the ledger. Writes happen in single transactions: all or nothing."""

    def __init__(self, path: Path | str | None = None) -> None:
        self.path = Path(path) if path else default_path()

    # -- connections ---------------------------------------------------------------------------------------
    def connect(self, read_only: bool = True) -> duckdb.DuckDBPyConnection:
        """A connection that waits (bounded) for a locked file; see `llmflation.db`. A write connection forgets
        the read snapshot (`ledger.snapshot`)."""
        from llmflation import db
        from llmflation.ledger import snapshot

        if not read_only:
            snapshot.discard(self.path)
        return db.connect(self.path, read_only=read_only)

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A write transaction (see `llmflation.db`); the read snapshot is forgotten before it starts and after it
        ends, committed or not."""
        from llmflation import db
        from llmflation.ledger import snapshot

        snapshot.discard(self.path)
        try:
            with db.transaction(self.path) as con:
                yield con
        finally:
            snapshot.discard(self.path)

    # -- schema and bundled data ---------------------------------------------------------------------------
    def ensure_current(self) -> None:
        """Create or upgrade the store so it holds the installed package's bundled data."""
        from llmflation.ledger.loading import load_bundled

        if self.path.exists():
            con = self.connect(read_only=True)
            try:
                if self._is_current(con):
                    return
            finally:
                con.close()
        data = load_bundled()
        with self.transaction() as con:
            self._migrate(con)
            con.execute("DELETE FROM models")
            con.execute("DELETE FROM scores")
            con.execute("DELETE FROM bundled_prices")
            con.execute("DELETE FROM names")
            con.execute("DELETE FROM lifecycle")
            _insert(con, "names", _NAME_FIELDS, [tuple(getattr(n, f) for f in _NAME_FIELDS) for n in data.names])
            _insert(con, "lifecycle", _LIFECYCLE_FIELDS,
                    [tuple(getattr(lc, f) for f in _LIFECYCLE_FIELDS) for lc in data.lifecycle])
            _insert(con, "models", _MODEL_FIELDS, [_model_row(m) for m in data.models])
            _insert(con, "scores", _SCORE_FIELDS, [tuple(getattr(s, f) for f in _SCORE_FIELDS) for s in data.scores])
            _insert(con, "bundled_prices", _PRICE_FIELDS, [_price_row(p) for p in data.prices])
            con.execute("INSERT OR REPLACE INTO meta VALUES ('bundled_digest', ?)", [data.digest])
            con.execute("INSERT OR REPLACE INTO meta VALUES ('bundled_loaded_at', ?)", [datetime.now().isoformat()])
            self._rebuild_effective(con)

    @staticmethod
    def _schema_version(con: duckdb.DuckDBPyConnection) -> int:
        from llmflation import db

        return db.schema_version(con, "schema_migrations")

    def _migrate(self, con: duckdb.DuckDBPyConnection) -> None:
        from llmflation import db

        db.migrate(con, "schema_migrations", MIGRATIONS)

    def migrations(self) -> list[tuple[int, str, datetime]]:
        con = self.connect()
        try:
            rows = con.execute("SELECT version, description, applied_at FROM schema_migrations ORDER BY version")
            return [(int(r[0]), str(r[1]), r[2]) for r in rows.fetchall()]
        finally:
            con.close()

    # -- the user's layer ----------------------------------------------------------------------------------
    def add_user_prices(self, prices: Sequence[Price]) -> None:
        now = datetime.now()
        with self.transaction() as con:
            _insert(con, "user_prices", (*_PRICE_FIELDS, "added_at"), [(*_price_row(p), now) for p in prices])
            self._rebuild_effective(con)

    def add_discount(self, discount: Discount) -> None:
        with self.transaction() as con:
            con.execute(
                "INSERT INTO user_discounts VALUES (?, ?, ?, ?, ?, ?, ?)",
                [discount.provider, discount.model, discount.fraction, discount.valid_from, discount.valid_to,
                 discount.note, datetime.now()],
            )
            self._rebuild_effective(con)

    def clear_user_layer(self) -> tuple[int, int]:
        with self.transaction() as con:
            n_prices = _count(con, "user_prices")
            n_discounts = _count(con, "user_discounts")
            con.execute("DELETE FROM user_prices")
            con.execute("DELETE FROM user_discounts")
            self._rebuild_effective(con)
        return n_prices, n_discounts

    def user_layer(self) -> tuple[list[Price], list[Discount]]:
        con = self.connect()
        try:
            return _user_layer(con)
        finally:
            con.close()

    def _rebuild_effective(self, con: duckdb.DuckDBPyConnection) -> None:
        from llmflation.ledger.layers import effective_prices

        rows = con.execute(f"SELECT {', '.join(_PRICE_FIELDS)} FROM bundled_prices").fetchall()
        bundled = [price_from_row(r) for r in rows]
        user, discounts = _user_layer(con)
        imported = [row.price for row in _imported_rows(con)]
        con.execute("DELETE FROM prices")
        _insert_rows(con, "prices", _PRICE_FIELDS,
                     [_price_row(p) for p in effective_prices(bundled, user, discounts, imported=imported)])

    # -- reads -----------------------------------------------------------------------------------------------
    def _is_current(self, con: duckdb.DuckDBPyConnection) -> bool:
        """The store is migrated and holds the installed package's bundled data."""
        from llmflation.ledger.loading import bundled_digest, bundled_texts

        if self._schema_version(con) != MIGRATIONS[-1][0]:
            return False
        row = con.execute("SELECT value FROM meta WHERE key = 'bundled_digest'").fetchone()
        return bool(row and row[0] == bundled_digest(bundled_texts()))

    def read_ledger(self) -> tuple[list[Model], list[Price], list[Score], list[NameRow], list[Lifecycle]]:
        """Everything a Ledger holds, creating or upgrading the store first when needed. In the common case the
        read snapshot beside the store answers without DuckDB (see `ledger.snapshot`); otherwise one read-only
        connection checks and reads (each DuckDB connect costs tens of ms of the CLI's start-up), and what it read
        becomes the next snapshot."""
        from llmflation.ledger import snapshot

        if self.path.exists():
            cached = snapshot.load(self.path)
            if cached is not None:
                return cached
            state = snapshot.file_state(self.path)
            con = self.connect(read_only=True)
            try:
                if self._is_current(con):
                    contents = (*self._read_all(con), *self._read_names(con))
                    snapshot.save(self.path, state, contents)
                    return contents
            finally:
                con.close()
        self.ensure_current()
        state = snapshot.file_state(self.path)
        con = self.connect()
        try:
            contents = (*self._read_all(con), *self._read_names(con))
        finally:
            con.close()
        snapshot.save(self.path, state, contents)
        return contents

    def read_all(self) -> tuple[list[Model], list[Price], list[Score]]:
        con = self.connect()
        try:
            return self._read_all(con)
        finally:
            con.close()

    @staticmethod
    def _read_all(con: duckdb.DuckDBPyConnection) -> tuple[list[Model], list[Price], list[Score]]:
        rows = con.execute(f"SELECT {', '.join(_MODEL_FIELDS)} FROM models ORDER BY id").fetchall()
        models = [model_from_row(r) for r in rows]
        models.extend(_provisional(con))
        prices = [price_from_row(r) for r in con.execute(
            f"SELECT {', '.join(_PRICE_FIELDS)} FROM prices ORDER BY model, provider, tier, valid_from").fetchall()]
        scores = [score_from_row(r) for r in con.execute(
            f"SELECT {', '.join(_SCORE_FIELDS)} FROM scores ORDER BY model, benchmark, as_of").fetchall()]
        return models, prices, scores

    def read_names(self) -> tuple[list[NameRow], list[Lifecycle]]:
        """The dated names and offer lifecycles (empty on a store that predates them)."""
        con = self.connect()
        try:
            return self._read_names(con)
        finally:
            con.close()

    def _read_names(self, con: duckdb.DuckDBPyConnection) -> tuple[list[NameRow], list[Lifecycle]]:
        if self._schema_version(con) < 4:
            return [], []
        names = [NameRow(**{**dict(zip(_NAME_FIELDS, r, strict=True)), "note": r[-1] or ""})
                 for r in con.execute(f"SELECT {', '.join(_NAME_FIELDS)} FROM names "
                                      "ORDER BY name, provider, valid_from").fetchall()]
        lifecycle = [Lifecycle(**{**dict(zip(_LIFECYCLE_FIELDS, r, strict=True)), "note": r[-1] or ""})
                     for r in con.execute(f"SELECT {', '.join(_LIFECYCLE_FIELDS)} FROM lifecycle "
                                          "ORDER BY model, provider").fetchall()]
        return names, lifecycle

    # -- the imported layer (dated snapshots from price maps) ----------------------------------------------------
    def record_import(self, meta: ImportMeta, rows: Sequence[ImportedRow], replaces_source: bool = True,
                      new_models: Sequence[Model] = (), delistings: Sequence[Delisting] = (),
                      catalogue_trusted: bool | None = None) -> int:
        """Write one import in ONE transaction: log it, replace an earlier import of the same kind and source,
        insert its rows (and any provisional models it adds, and the offers its catalogue no longer lists),
        rebuild the effective prices. `catalogue_trusted`: None for a source that is no provider's complete
        catalogue, else whether this snapshot was taken as complete (`importers.delisting`). Any failure rolls
        everything back and raises DataError."""
        import json

        from llmflation.errors import DataError

        try:
            with self.transaction() as con:
                self._migrate(con)
                row = con.execute("SELECT coalesce(max(id), 0) + 1 FROM imports").fetchone()
                import_id = int(row[0]) if row else 1
                if replaces_source:
                    for t in ("imported_prices", "delistings"):
                        con.execute(f"DELETE FROM {t} WHERE import_id IN "
                                    "(SELECT id FROM imports WHERE kind = ? AND source = ?)", [meta.kind, meta.source])
                con.execute(
                    "INSERT INTO imports VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?)",
                    [import_id, meta.kind, meta.source, meta.snapshot, meta.seen_on, meta.started, meta.entries,
                     len(rows), meta.matched, len(meta.unmatched_keys), json.dumps(list(meta.unmatched_keys)),
                     catalogue_trusted])
                if new_models:
                    cols = ", ".join(_MODEL_FIELDS)
                    con.executemany(f"INSERT OR REPLACE INTO provisional_models ({cols}, import_id) "
                                    f"VALUES ({', '.join('?' for _ in _MODEL_FIELDS)}, ?)",
                                    [(*_model_row(m), import_id) for m in new_models])
                _insert_rows(con, "imported_prices",
                             (*_PRICE_FIELDS, "import_id", "source_key", "seen_on", "flags"),
                             [(*_price_row(r.price), import_id, r.source_key, r.seen_on, "|".join(r.flags))
                              for r in rows])
                if delistings:
                    _insert_rows(con, "delistings", ("import_id", *_DELISTING_FIELDS),
                                 [(import_id, *(getattr(d, f) for f in _DELISTING_FIELDS)) for d in delistings])
                self._rebuild_effective(con)
                con.execute("UPDATE imports SET finished = ? WHERE id = ?", [datetime.now(), import_id])
        except LlmflationErrorBase:
            raise
        except Exception as exc:  # duckdb errors: out-of-range values, constraint violations
            raise DataError(f"Import of {meta.source} failed", [f"{type(exc).__name__}: {exc}"]) from exc
        return import_id

    def imported(self) -> list[ImportedRow]:
        """Every imported row in import order, with its import's kind."""
        con = self.connect()
        try:
            return _imported_rows(con)
        finally:
            con.close()

    def delistings(self) -> list[Delisting]:
        """Every offer a catalogue import saw gone, in import order (see `importers.delisting`)."""
        con = self.connect()
        try:
            return _delistings(con)
        finally:
            con.close()

    def imports(self) -> list[dict[str, Any]]:
        """The import log, oldest first."""
        con = self.connect()
        try:
            cur = con.execute("SELECT * FROM imports ORDER BY id")
            names = [d[0] for d in cur.description]
            return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
        finally:
            con.close()

    def provisional_models(self) -> list[Model]:
        """Models added by imports that the bundled data does not (yet) curate."""
        con = self.connect()
        try:
            return _provisional(con)
        finally:
            con.close()

    def bundled(self) -> list[Price]:
        con = self.connect()
        try:
            return [price_from_row(r) for r in con.execute(
                f"SELECT {', '.join(_PRICE_FIELDS)} FROM bundled_prices ORDER BY model, provider, tier, valid_from"
            ).fetchall()]
        finally:
            con.close()


@dataclass(frozen=True)
class ImportMeta:
    """One import run as logged in `imports` (file date or commit in `snapshot`)."""

    kind: str
    source: str
    snapshot: str
    seen_on: date
    started: datetime
    entries: int
    matched: int
    unmatched_keys: tuple[str, ...] = ()


@dataclass(frozen=True)
class ImportedRow:
    """An imported price interval: `seen_on` is the last day a source showed it; `flags` name pitfalls hit."""

    price: Price
    source_key: str
    seen_on: date
    flags: tuple[str, ...] = ()
    kind: str = ""
    import_id: int = 0


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """The file has table `name` (a store from before the migration that adds it has not)."""
    row = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]).fetchone()
    return bool(row and row[0])


def _imported_rows(con: duckdb.DuckDBPyConnection) -> list[ImportedRow]:
    if not _has_table(con, "imported_prices"):
        return []
    cols = ", ".join(f"p.{f}" for f in _PRICE_FIELDS)
    rows = con.execute(
        f"SELECT {cols}, p.source_key, p.seen_on, p.flags, i.kind, i.id FROM imported_prices p "
        "JOIN imports i ON i.id = p.import_id ORDER BY i.id, p.model, p.provider, p.tier, p.valid_from"
    ).fetchall()
    n = len(_PRICE_FIELDS)
    from llmflation.ledger.importers.delisting import end_delisted

    return end_delisted([ImportedRow(price_from_row(r[:n]), r[n], r[n + 1],
                                     tuple(f for f in (r[n + 2] or "").split("|") if f), r[n + 3], r[n + 4])
                         for r in rows], _delistings(con))


def _delistings(con: duckdb.DuckDBPyConnection) -> list[Delisting]:
    """The stored delistings (none on a store that predates them), with their import's kind and id."""
    from llmflation.ledger.importers.delisting import Delisting

    if not _has_table(con, "delistings"):
        return []
    cols = ", ".join(f"d.{f}" for f in _DELISTING_FIELDS)
    rows = con.execute(f"SELECT {cols}, i.kind, i.id FROM delistings d JOIN imports i ON i.id = d.import_id "
                       "ORDER BY i.id, d.model, d.provider, d.tier").fetchall()
    return [Delisting(*r) for r in rows]


def _provisional(con: duckdb.DuckDBPyConnection) -> list[Model]:
    if not _has_table(con, "provisional_models"):
        return []
    cols = ", ".join(f"p.{f}" for f in _MODEL_FIELDS)
    rows = con.execute(f"SELECT {cols} FROM provisional_models p WHERE p.id NOT IN (SELECT id FROM models) "
                       "ORDER BY p.id").fetchall()
    return [model_from_row(r) for r in rows]


def _user_layer(con: duckdb.DuckDBPyConnection) -> tuple[list[Price], list[Discount]]:
    user = [price_from_row(r) for r in con.execute(f"SELECT {', '.join(_PRICE_FIELDS)} FROM user_prices").fetchall()]
    discounts = [
        Discount(provider=r[0], model=r[1], fraction=Decimal(r[2]), valid_from=r[3], valid_to=r[4], note=r[5] or "")
        for r in con.execute(
            "SELECT provider, model, fraction, valid_from, valid_to, note FROM user_discounts ORDER BY added_at"
        ).fetchall()
    ]
    return user, discounts


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    row = con.execute(f"SELECT count(*) FROM {table}").fetchone()
    return int(row[0]) if row else 0


def _insert(con: duckdb.DuckDBPyConnection, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    if not rows:
        return
    placeholders = ", ".join("?" for _ in columns)
    con.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})", rows)


def _insert_rows(con: duckdb.DuckDBPyConnection, table: str, columns: Sequence[str],
                 rows: list[tuple[Any, ...]], chunk: int = 250) -> None:
    """Like _insert, with multi-row VALUES statements (about 8x faster than executemany in DuckDB)."""
    one = "(" + ", ".join("?" for _ in columns) + ")"
    for start in range(0, len(rows), chunk):
        part = rows[start:start + chunk]
        con.execute(f"INSERT INTO {table} ({', '.join(columns)}) VALUES {', '.join([one] * len(part))}",
                    [v for r in part for v in r])
