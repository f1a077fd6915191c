"""The usage store: a DuckDB file next to the ledger (`$LLMFLATION_HOME/usage.duckdb`).

Why a separate file and not new tables in ledger.duckdb: usage logs are the user's own data and can grow to
gigabytes, while the ledger file is small and rebuilt from bundled data on upgrades; keeping them apart means a
ledger rebuild, backup or delete never touches the logs (and the reverse), and the usage schema migrates on its
own version line (`USAGE_MIGRATIONS`, append only) without colliding with the ledger's.

Ingest is one transaction over all files given: either every accepted row, quarantine entry, conflict and the
ingest record land, or nothing does (a process killed with SIGKILL leaves the store as it was). The files are
read, parsed and staged first into a private DuckDB file beside the store, without touching the store; the store
is opened for writing only for the short merge at the end, so readers (the dashboard, `usage spend`) are kept
waiting for that merge only, never for the parsing (connections wait for a locked file: `llmflation.db`).

Idempotent: each row has a key — `id:<format>:<provider>:<request id>` when the source has one (scoped, so ids
from unrelated sources cannot collide), else `h:<sha256 of the normalised content>#<occurrence>`. A key already
stored (or seen earlier in the same ingest) with the SAME content is a duplicate, never added twice; with
DIFFERENT content it is a conflict (a corrected re-export, a reused id): the first version stays in `usage`, the
other is kept aside in `conflicts` — never dropped — until `usage conflicts --keep first|latest` settles it.
Quarantine entries are keyed by (sha256 of the file's bytes, row, field, reason), so re-ingesting a file adds no
quarantine rows either. Counts reconcile per file: read = accepted + quarantined + duplicates + conflicts
(records that are not usage rows at all, such as non-GenAI spans, are reported as `skipped` and are not part of
`read`).
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from llmflation.errors import InputError, UnknownModelError, UnknownNameError
from llmflation.ledger.store import home
from llmflation.usage.records import BUCKETS, CANONICAL_COLUMNS, SUB_BUCKETS, Quarantined, Skipped, UsageRecord

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

    from llmflation.ledger.ledger import Ledger

# Test-only fault injection: when set, ingest pauses this many seconds after writing everything and before
# COMMIT (printing "llmflation: holding before commit" to stderr), so a test can SIGKILL it at the worst moment.
HOLD_ENV = "LLMFLATION_TEST_HOLD_BEFORE_COMMIT"

USAGE_COLUMNS_SQL = """
    row_key VARCHAR NOT NULL, request_id VARCHAR, ts TIMESTAMP NOT NULL, day DATE NOT NULL,
    model VARCHAR, model_raw VARCHAR NOT NULL, provider VARCHAR, batch BOOLEAN NOT NULL, requests BIGINT NOT NULL,
    input_uncached BIGINT NOT NULL, cache_read BIGINT NOT NULL, cache_write BIGINT NOT NULL,
    output_text BIGINT NOT NULL, output_reasoning BIGINT NOT NULL,
    project VARCHAR, user_id VARCHAR, tags VARCHAR, reported_cost DECIMAL(38, 12),
    source_format VARCHAR NOT NULL, source_file VARCHAR NOT NULL, source_row BIGINT NOT NULL
"""
# Columns added by migration 3, in CANONICAL_COLUMNS order (staging tables use USAGE_COLUMNS_SQL + these).
_V3_COLUMNS_SQL = """
    cache_write_1h BIGINT NOT NULL DEFAULT 0, input_audio BIGINT NOT NULL DEFAULT 0,
    output_audio BIGINT NOT NULL DEFAULT 0, service_tier VARCHAR
"""

# (version, description, SQL). Append only; never edit an applied migration.
USAGE_MIGRATIONS: list[tuple[int, str, str]] = [
    (1, "usage, quarantine and ingest log", f"""
        CREATE TABLE usage ({USAGE_COLUMNS_SQL}, unresolved_reason VARCHAR, ingest_id BIGINT NOT NULL,
                            PRIMARY KEY (row_key));
        CREATE TABLE quarantine (
            file_sha256 VARCHAR NOT NULL, source_file VARCHAR NOT NULL, source_format VARCHAR NOT NULL,
            source_row BIGINT NOT NULL, field VARCHAR NOT NULL, reason VARCHAR NOT NULL, raw VARCHAR,
            ingest_id BIGINT NOT NULL, PRIMARY KEY (file_sha256, source_row));
        CREATE TABLE ingests (
            id BIGINT PRIMARY KEY, started_at TIMESTAMP NOT NULL, finished_at TIMESTAMP NOT NULL,
            files VARCHAR NOT NULL, rows_read BIGINT NOT NULL, accepted BIGINT NOT NULL,
            quarantined BIGINT NOT NULL, duplicates BIGINT NOT NULL, skipped BIGINT NOT NULL);
    """),
    (2, "request ids scoped by format and provider; conflicting duplicates kept aside", f"""
        UPDATE usage SET row_key = 'id:' || source_format || ':' || coalesce(provider, '') || ':' || request_id
            WHERE row_key LIKE 'id:%' AND request_id IS NOT NULL;
        CREATE TABLE conflicts ({USAGE_COLUMNS_SQL}, unresolved_reason VARCHAR, ingest_id BIGINT NOT NULL,
                                seq BIGINT NOT NULL);
        ALTER TABLE ingests ADD COLUMN conflicts BIGINT DEFAULT 0;
        CREATE TABLE quarantine_v2 (
            file_sha256 VARCHAR NOT NULL, source_file VARCHAR NOT NULL, source_format VARCHAR NOT NULL,
            source_row BIGINT NOT NULL, field VARCHAR NOT NULL, reason VARCHAR NOT NULL, raw VARCHAR,
            ingest_id BIGINT NOT NULL, PRIMARY KEY (file_sha256, source_row, field, reason));
        INSERT INTO quarantine_v2 SELECT * FROM quarantine;
        DROP TABLE quarantine;
        ALTER TABLE quarantine_v2 RENAME TO quarantine;
    """),
    (3, "pricing dimensions: 1-hour cache writes, audio tokens, service tier", "\n".join(
        f"ALTER TABLE {t} ADD COLUMN cache_write_1h BIGINT DEFAULT 0; "
        f"ALTER TABLE {t} ADD COLUMN input_audio BIGINT DEFAULT 0; "
        f"ALTER TABLE {t} ADD COLUMN output_audio BIGINT DEFAULT 0; "
        f"ALTER TABLE {t} ADD COLUMN service_tier VARCHAR;" for t in ("usage", "conflicts"))),
]

# What makes two versions of one request the same request (everything but where it was read from).
CONTENT_COLUMNS = ("ts", "model_raw", "provider", "batch", "requests", *BUCKETS, "project", "user_id", "tags",
                   "reported_cost", *SUB_BUCKETS, "service_tier")

_BATCH = 50_000


def usage_path() -> Path:
    return home() / "usage.duckdb"


@dataclass
class FileReport:
    path: str
    format: str
    sha256: str
    read: int = 0
    accepted: int = 0
    quarantined: int = 0
    duplicates: int = 0
    conflicts: int = 0
    skipped: int = 0
    new_quarantine_entries: int = 0
    unpriced_unknown_model: int = 0
    reasons: Counter[str] = field(default_factory=Counter)

    @property
    def reconciles(self) -> bool:
        return self.read == self.accepted + self.quarantined + self.duplicates + self.conflicts


@dataclass
class IngestReport:
    ingest_id: int
    files: list[FileReport]
    seconds: float

    def totals(self) -> dict[str, int]:
        keys = ("read", "accepted", "quarantined", "duplicates", "conflicts", "skipped", "new_quarantine_entries")
        return {k: sum(getattr(f, k) for f in self.files) for k in keys}


@dataclass(frozen=True)
class QuarantineEntry:
    source_file: str
    source_format: str
    row: int
    field: str
    reason: str
    raw: str
    file_sha256: str
    ingest_id: int


ProgressFn = Callable[[str, int, int | None], None]  # (file, rows done, rows expected or None)


class UsageStore:
    """The usage DuckDB file. Reads open it read-only; ingest writes in one transaction."""

    def __init__(self, path: Path | str | None = None) -> None:
        self.path = Path(path) if path else usage_path()

    def connect(self, read_only: bool = True) -> duckdb.DuckDBPyConnection:
        """A connection that waits (bounded) for a locked file; a read first creates or migrates the store, so
        every command works on a new, empty or older store."""
        from llmflation import db

        if read_only:
            if not self.path.exists() or self.path.stat().st_size == 0:
                self.ensure_schema()
            con = db.connect(self.path, read_only=True)
            if db.schema_version(con, "usage_schema") >= USAGE_MIGRATIONS[-1][0]:
                return con
            con.close()
            self.ensure_schema()
        return db.connect(self.path, read_only=read_only)

    def ensure_schema(self) -> None:
        """Create or migrate the store (its own committed transaction)."""
        with self.transaction() as con:
            _migrate(con)

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        from llmflation import db

        with db.transaction(self.path) as con:
            _migrate(con)
            yield con

    # -- ingest ------------------------------------------------------------------------------------------------
    def ingest(self, paths: Sequence[Path], ledger: Ledger, fmt: str = "auto", mapping: dict[str, str] | None = None,
               keep_unknown: bool = False, progress: ProgressFn | None = None) -> IngestReport:
        """Read, normalise, resolve models and store every file in ONE transaction (see module docstring)."""
        import tempfile

        import duckdb

        from llmflation.usage.readers import read

        started = datetime.now()
        t0 = time.perf_counter()
        opened = []
        for p in paths:  # detect every format first, so a bad file fails before anything is written
            path = Path(p)
            found, items = read(path, fmt, mapping)
            opened.append((path, found, items))
        self.ensure_schema()  # a store exists and is migrated even if this ingest fails below
        resolver = ModelResolver(ledger)
        reports: list[FileReport] = []
        _clear_stale_staging(self.path.parent)
        with tempfile.TemporaryDirectory(prefix=f".ingest-{os.getpid()}-", dir=self.path.parent) as tmp:
            stage_path = Path(tmp) / "stage.duckdb"
            stage = duckdb.connect(str(stage_path))
            try:
                stage.execute(f"CREATE TABLE staging ({USAGE_COLUMNS_SQL}, {_V3_COLUMNS_SQL}, "
                              "unresolved_reason VARCHAR, file_idx INTEGER, seq BIGINT)")
                stage.execute("CREATE TABLE bad (file_sha256 VARCHAR, source_file VARCHAR, source_format VARCHAR, "
                              "source_row BIGINT, field VARCHAR, reason VARCHAR, raw VARCHAR, file_idx INTEGER)")
                self._stage(stage, opened, resolver, keep_unknown, progress, reports)
            finally:
                stage.close()
            ingest_id = self._write(stage_path, reports, started)
        return IngestReport(ingest_id, reports, time.perf_counter() - t0)

    def _write(self, stage_path: Path, reports: list[FileReport], started: datetime) -> int:
        """The only part of an ingest that holds the store: attach the staged rows, merge, commit."""
        import uuid

        from llmflation import db

        alias = f"stage_{uuid.uuid4().hex[:12]}"  # attachments are shared by every connection of one instance
        con = db.connect(self.path, read_only=False)
        try:
            con.execute(f"ATTACH '{_sql_str(stage_path)}' AS {alias} (READ_ONLY)")
            try:
                con.execute("BEGIN TRANSACTION")
                try:
                    _migrate(con)
                    ingest_id = self._merge(con, alias, reports, started)
                    hold = os.environ.get(HOLD_ENV)
                    if hold:
                        sys.stderr.write("llmflation: holding before commit\n")
                        sys.stderr.flush()
                        time.sleep(float(hold))
                    con.execute("COMMIT")
                except BaseException:
                    con.execute("ROLLBACK")
                    raise
            finally:
                con.execute(f"DETACH {alias}")
        finally:
            con.close()
        return ingest_id

    @staticmethod
    def _stage(stage: duckdb.DuckDBPyConnection, opened: list[tuple[Path, str, Iterator[Any]]],
               resolver: ModelResolver, keep_unknown: bool, progress: ProgressFn | None,
               reports: list[FileReport]) -> None:
        seq = 0
        for idx, (path, found, items) in enumerate(opened):
            sha = _sha256(path)
            rep = FileReport(str(path), found, sha)
            reports.append(rep)
            expected = _expected_rows(path)
            staged: list[tuple[Any, ...]] = []
            bad: list[tuple[Any, ...]] = []
            seen: Counter[str] = Counter()
            for item in items:
                if isinstance(item, Skipped):
                    rep.skipped += 1
                    continue
                rep.read += 1
                if progress and rep.read % 5000 == 0:
                    progress(str(path), rep.read, expected)
                if isinstance(item, Quarantined):
                    bad.append((sha, str(path), found, item.row, _safe(item.field), _safe(item.reason),
                                _safe(item.raw), idx))
                    rep.quarantined += 1
                    rep.reasons[_reason_kind(item.reason)] += 1
                    continue
                model, why = resolver.resolve(item.model_raw, item.provider, item.ts.date())
                if model is None and not keep_unknown:
                    bad.append((sha, str(path), item.source_format or found, item.row, "model", _safe(why),
                                _safe(_record_text(item)), idx))
                    rep.quarantined += 1
                    rep.reasons["unknown model"] += 1
                    continue
                if model is None:
                    rep.unpriced_unknown_model += 1
                seq += 1
                staged.append(_staged_row(item, model, why, item.source_format or found, str(path), idx, seq, seen))
                if len(staged) >= _BATCH:
                    _append(stage, staged)
                    staged = []
            if staged:
                _append(stage, staged)
            if bad:
                stage.executemany("INSERT INTO bad VALUES (?, ?, ?, ?, ?, ?, ?, ?)", bad)
            if progress:
                progress(str(path), rep.read, rep.read)

    @staticmethod
    def _merge(con: duckdb.DuckDBPyConnection, stage: str, reports: list[FileReport], started: datetime) -> int:
        """Inside the write transaction: classify staged rows (fresh, duplicate, conflict) and write them."""
        row = con.execute("SELECT coalesce(max(id), 0) + 1 FROM ingests").fetchall()[0]
        ingest_id = int(row[0]) if row else 1
        same = " AND ".join(f"x.{c} IS NOT DISTINCT FROM s.{c}" for c in CONTENT_COLUMNS)
        con.execute(f"""
            CREATE TEMP TABLE classified AS
            SELECT s.*,
                   EXISTS (SELECT 1 FROM usage x WHERE x.row_key = s.row_key) AS in_store,
                   EXISTS (SELECT 1 FROM usage x WHERE x.row_key = s.row_key AND {same}) AS same_as_store,
                   EXISTS (SELECT 1 FROM {stage}.staging x WHERE x.row_key = s.row_key AND x.seq < s.seq) AS earlier,
                   EXISTS (SELECT 1 FROM {stage}.staging x WHERE x.row_key = s.row_key AND x.seq < s.seq
                           AND {same}) AS same_as_earlier,
                   EXISTS (SELECT 1 FROM conflicts x WHERE x.row_key = s.row_key AND {same}) AS known_conflict
            FROM {stage}.staging s""")
        kind = """CASE WHEN same_as_store OR same_as_earlier THEN 'duplicate'
                       WHEN in_store OR earlier THEN 'conflict' ELSE 'fresh' END"""
        counts = con.execute(f"SELECT file_idx, {kind} AS k, count(*) FROM classified GROUP BY 1, 2").fetchall()
        for idx, k, n in counts:
            rep = reports[int(idx)]
            if k == "fresh":
                rep.accepted = int(n)
            elif k == "duplicate":
                rep.duplicates = int(n)
            else:
                rep.conflicts = int(n)
        cols = ", ".join(CANONICAL_COLUMNS)
        con.execute(f"INSERT INTO usage ({cols}, unresolved_reason, ingest_id) "
                    f"SELECT {cols}, unresolved_reason, {ingest_id} FROM classified WHERE {kind} = 'fresh'")
        con.execute(f"INSERT INTO conflicts ({cols}, unresolved_reason, ingest_id, seq) "
                    f"SELECT {cols}, unresolved_reason, {ingest_id}, seq FROM classified "
                    f"WHERE {kind} = 'conflict' AND NOT known_conflict")
        for idx, rep in enumerate(reports):
            if not rep.quarantined:
                continue
            before = _count(con, "quarantine")
            con.execute("INSERT INTO quarantine SELECT file_sha256, source_file, source_format, source_row, field, "
                        f"reason, raw, {ingest_id} FROM {stage}.bad WHERE file_idx = ? ON CONFLICT DO NOTHING", [idx])
            rep.new_quarantine_entries = _count(con, "quarantine") - before
        totals = [sum(getattr(r, k) for r in reports)
                  for k in ("read", "accepted", "quarantined", "duplicates", "skipped", "conflicts")]
        if totals[1] or totals[5] or any(r.new_quarantine_entries for r in reports):  # a no-op leaves no trace
            con.execute("INSERT INTO ingests (id, started_at, finished_at, files, rows_read, accepted, quarantined, "
                        "duplicates, skipped, conflicts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [ingest_id, started, datetime.now(), "\n".join(r.path for r in reports), *totals])
        con.execute("DROP TABLE classified")
        return ingest_id

    # -- conflicting duplicates ------------------------------------------------------------------------------
    def conflicts(self) -> list[dict[str, Any]]:
        """Every unresolved conflict: the stored version and each different version kept aside, by row key."""
        con = self.connect()
        try:
            fields = ["row_key", "request_id", "source_format", "provider", "ts", "model_raw", "requests", *BUCKETS,
                      "reported_cost", "source_file", "source_row"]
            sel = ", ".join(fields)
            aside = con.execute(f"SELECT {sel}, ingest_id FROM conflicts ORDER BY row_key, ingest_id, seq").fetchall()
            keys = sorted({r[0] for r in aside})
            stored = {r[0]: dict(zip(fields, r, strict=True)) for r in con.execute(
                f"SELECT {sel} FROM usage WHERE row_key IN (SELECT DISTINCT row_key FROM conflicts)").fetchall()}
            out = []
            for key in keys:
                versions = [dict(zip([*fields, "ingest_id"], r, strict=True)) for r in aside if r[0] == key]
                first = versions[0]
                out.append({"row_key": key, "request_id": first["request_id"], "source_format": first["source_format"],
                            "provider": first["provider"], "stored": stored.get(key), "kept_aside": versions})
            return out
        finally:
            con.close()

    def resolve_conflicts(self, keep: str, row_key: str | None = None) -> dict[str, int]:
        """`first`: keep the stored version, discard the versions kept aside; `latest`: replace the stored
        version with the most recently ingested one. One transaction. Returns counts."""
        if keep not in ("first", "latest"):
            raise InputError(f"keep {keep!r}: choose first or latest", field="keep")
        where, args = ("WHERE row_key = ?", [row_key]) if row_key else ("", [])
        with self.transaction() as con:
            keys = [r[0] for r in con.execute(f"SELECT DISTINCT row_key FROM conflicts {where}", args).fetchall()]
            if row_key and not keys:
                raise InputError(f"no conflict for row key {row_key!r}; list them with `llmflation usage conflicts`")
            replaced = 0
            if keep == "latest" and keys:
                cols = ", ".join(CANONICAL_COLUMNS)
                con.execute(f"""CREATE TEMP TABLE latest AS SELECT * FROM conflicts {where} QUALIFY
                                row_number() OVER (PARTITION BY row_key ORDER BY ingest_id DESC, seq DESC) = 1""", args)
                con.execute("DELETE FROM usage WHERE row_key IN (SELECT row_key FROM latest)")
                con.execute(f"INSERT INTO usage ({cols}, unresolved_reason, ingest_id) "
                            f"SELECT {cols}, unresolved_reason, ingest_id FROM latest")
                replaced = _count(con, "latest")
                con.execute("DROP TABLE latest")
            discarded = con.execute(f"SELECT count(*) FROM conflicts {where}", args).fetchall()[0][0]
            con.execute(f"DELETE FROM conflicts {where}", args)
        return {"keys": len(keys), "replaced": replaced, "discarded": int(discarded) - replaced}

    # -- reads -------------------------------------------------------------------------------------------------
    def quarantine(self, file: str | None = None, reason: str | None = None, limit: int | None = None
                   ) -> list[QuarantineEntry]:
        con = self.connect()
        try:
            sql = ("SELECT source_file, source_format, source_row, field, reason, raw, file_sha256, ingest_id "
                   "FROM quarantine WHERE 1=1")
            args: list[Any] = []
            if file:
                sql += " AND (source_file = ? OR source_file LIKE ?)"
                args += [file, f"%{file}"]
            if reason:
                sql += " AND lower(reason) LIKE ?"
                args.append(f"%{reason.lower()}%")
            sql += " ORDER BY ingest_id, source_file, source_row"
            if limit:
                sql += f" LIMIT {int(limit)}"
            return [QuarantineEntry(r[0], r[1], int(r[2]), r[3], r[4], r[5] or "", r[6], int(r[7]))
                    for r in con.execute(sql, args).fetchall()]
        finally:
            con.close()

    def status(self) -> dict[str, Any]:
        con = self.connect()
        try:
            row = con.execute("""SELECT count(*), coalesce(sum(requests), 0), min(day), max(day),
                                   count(DISTINCT model), count(*) FILTER (WHERE model IS NULL)
                                   FROM usage""").fetchall()[0]
            assert row is not None
            ingests = con.execute("SELECT id, started_at, files, rows_read, accepted, quarantined, duplicates, "
                                  "skipped, coalesce(conflicts, 0) FROM ingests ORDER BY id").fetchall()
            crow = con.execute("SELECT count(*), count(DISTINCT row_key) FROM conflicts").fetchall()[0]
            formats = dict(con.execute("SELECT source_format, count(*) FROM usage GROUP BY 1 ORDER BY 1").fetchall())
            return {
                "path": str(self.path), "rows": int(row[0]), "requests": int(row[1]), "first_day": row[2],
                "last_day": row[3], "models": int(row[4]), "unknown_model_rows": int(row[5]),
                "quarantined": _count(con, "quarantine"), "formats": formats,
                "conflicts": int(crow[0]), "conflicting_ids": int(crow[1]),
                "ingests": [{"id": r[0], "started_at": r[1], "files": r[2].split("\n"), "read": r[3],
                             "accepted": r[4], "quarantined": r[5], "duplicates": r[6], "skipped": r[7],
                             "conflicts": r[8]}
                            for r in ingests],
            }
        finally:
            con.close()

    def export_parquet(self, out: Path) -> int:
        """Write the usage rows in canonical form (the schema `--source` and the Spark engine read)."""
        con = self.connect()
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            tmp = out.with_name(out.name + ".tmp")
            con.execute(f"COPY (SELECT {', '.join(CANONICAL_COLUMNS)}, unresolved_reason FROM usage "
                        f"ORDER BY ts, row_key) TO '{_sql_str(tmp)}' (FORMAT parquet)")
            os.replace(tmp, out)
            row = con.execute("SELECT count(*) FROM usage").fetchall()[0]
            return int(row[0]) if row else 0
        finally:
            con.close()


class ModelResolver:
    """Raw model strings from logs → ledger ids by (name as sent, provider, day) with the ledger's one resolver
    (Ledger.resolve_name: dated names first), memoised (logs repeat a few dozen names millions of times)."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self._cache: dict[tuple[str, str | None, date | None], tuple[str | None, str]] = {}

    def resolve(self, raw: str, provider: str | None = None, day: date | None = None) -> tuple[str | None, str]:
        key = (raw, provider, day)
        hit = self._cache.get(key)
        if hit is None:
            hit = self._cache[key] = self._resolve(raw, provider, day)
        return hit

    def _resolve(self, raw: str, provider: str | None, day: date | None) -> tuple[str | None, str]:
        candidates = [raw]
        s = raw.strip()
        if s.startswith("models/"):
            s = s[len("models/"):]
        for region in ("us.", "eu.", "apac.", "global."):  # Bedrock cross-region inference profiles
            if s.startswith(region):
                candidates.append(s[len(region):])
        parts = s.split("/")
        candidates += ["/".join(parts[i:]) for i in range(len(parts))]
        if ":" in parts[-1]:  # fine-tunes (ft:gpt-4o:org::id) and bedrock versions (…-v2:0)
            candidates.append(parts[-1].split(":")[1] if parts[-1].startswith("ft:") else parts[-1].split(":")[0])
        first_error: UnknownModelError | None = None
        for c in candidates:
            try:
                return self.ledger.resolve_name(c, provider, day).model.id, ""
            except UnknownModelError as exc:
                first_error = first_error or exc
            except UnknownNameError:
                continue
        from llmflation.errors import NameNotInEffectError

        if isinstance(first_error, NameNotInEffectError):
            return None, f"{first_error} (log row of {day})"
        close = first_error.suggestions if first_error else []
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        return None, (f"unknown model {raw!r}{hint}; add it to your layer with `llmflation user add-prices FILE.csv` "
                      "or re-ingest with --keep-unknown to keep it as unpriced")


def _staged_row(item: UsageRecord, model: str | None, why: str, fmt: str, path: str, idx: int, seq: int,
                seen: Counter[str]) -> tuple[Any, ...]:
    tags = ",".join(item.tags) if item.tags else None
    if item.request_id:  # scoped: the same id from another format or provider is another request
        key = f"id:{fmt}:{item.provider or ''}:{item.request_id}"
    else:
        content = "\x1f".join(str(x) for x in (
            fmt, item.ts.isoformat(), item.model_raw, item.provider, item.batch, item.requests, item.input_uncached,
            item.cache_read, item.cache_write, item.output_text, item.output_reasoning, item.project, item.user,
            tags, item.reported_cost)
            + ((item.cache_write_1h, item.input_audio, item.output_audio, item.service_tier)
               if (item.cache_write_1h or item.input_audio or item.output_audio or item.service_tier) else ()))
        digest = hashlib.sha256(content.encode()).hexdigest()[:32]
        seen[digest] += 1  # the n-th identical id-less row in this file is its own request
        key = f"h:{digest}#{seen[digest]}"
    return (key, item.request_id, item.ts, item.ts.date(), model, item.model_raw, item.provider, item.batch,
            item.requests, item.input_uncached, item.cache_read, item.cache_write, item.output_text,
            item.output_reasoning, item.project, item.user, tags, item.reported_cost, fmt, path, item.row,
            item.cache_write_1h, item.input_audio, item.output_audio, item.service_tier,
            None if model else why, idx, seq)



def _append(con: duckdb.DuckDBPyConnection, rows: list[tuple[Any, ...]]) -> None:
    table = _arrow(rows)
    con.register("_staged_batch", table)
    try:
        con.execute("INSERT INTO staging SELECT * FROM _staged_batch")
    finally:
        con.unregister("_staged_batch")


def _arrow(rows: list[tuple[Any, ...]]) -> pa.Table:
    import pyarrow as pa

    names = [*CANONICAL_COLUMNS, "unresolved_reason", "file_idx", "seq"]
    types = {
        "ts": pa.timestamp("us"), "day": pa.date32(), "batch": pa.bool_(), "requests": pa.int64(),
        "input_uncached": pa.int64(), "cache_read": pa.int64(), "cache_write": pa.int64(), "output_text": pa.int64(),
        "output_reasoning": pa.int64(), "reported_cost": pa.decimal128(38, 12), "source_row": pa.int64(),
        "file_idx": pa.int32(), "seq": pa.int64(), "cache_write_1h": pa.int64(), "input_audio": pa.int64(),
        "output_audio": pa.int64(),
    }
    columns = list(zip(*rows, strict=True))
    arrays = [pa.array(col, type=types.get(name, pa.string())) for name, col in zip(names, columns, strict=True)]
    return pa.Table.from_arrays(arrays, names=names)


def _safe(text: str) -> str:
    """Text DuckDB can store: lone surrogates (from undecodable bytes) escaped."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _record_text(item: UsageRecord) -> str:
    return (f"ts={item.ts.isoformat()} model={item.model_raw} provider={item.provider or ''} "
            f"request_id={item.request_id or ''}")


def _reason_kind(reason: str) -> str:
    r = reason.lower()
    for kind in ("invalid json", "negative", "timestamp", "expected", "missing", "exceed", "unknown", "implausible"):
        if kind in r:
            return {"expected": "wrong type", "exceed": "inconsistent totals"}.get(kind, kind)
    return "other"


def _migrate(con: duckdb.DuckDBPyConnection) -> None:
    from llmflation import db

    db.migrate(con, "usage_schema", USAGE_MIGRATIONS)


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    row = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0]
    return int(row[0]) if row else 0


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _expected_rows(path: Path) -> int | None:
    """A cheap row estimate for the progress bar: lines for text files, metadata for Parquet."""
    try:
        if path.suffix.lower() == ".parquet":
            import pyarrow.parquet as pq

            return int(pq.ParquetFile(path).metadata.num_rows)
        if path.stat().st_size > 2_000_000_000:
            return None
        with path.open("rb") as f:
            lines = sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))
        return lines - (1 if path.suffix.lower() in (".csv", ".tsv") else 0) or None
    except OSError:
        return None


def _clear_stale_staging(folder: Path) -> None:
    """Remove the staging folders of ingests whose process is gone (killed before it could clean up)."""
    import shutil

    for d in folder.glob(".ingest-*-*"):
        try:
            pid = int(d.name.split("-")[1])
        except (IndexError, ValueError):
            continue
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            shutil.rmtree(d, ignore_errors=True)
        except PermissionError:  # alive, someone else's
            continue


def _sql_str(p: Path) -> str:
    return str(p).replace("'", "''")


def check_paths(paths: Sequence[Path]) -> None:
    missing = [str(p) for p in paths if not Path(p).is_file()]
    if missing:
        raise InputError(f"no such file: {', '.join(missing)}")
