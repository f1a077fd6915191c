"""One DuckDB file helper under both stores (the ledger's `ledger.duckdb` and the usage `usage.duckdb`).

What it settles once:

* **Locks.** DuckDB lets one process write a file, or several processes read it, never both. A connection that
  finds the file locked waits — bounded, `LLMFLATION_LOCK_WAIT` seconds (default 30), with one progress line on
  stderr naming the holder — and then fails with `StoreBusyError`, one line naming the holder (DuckDB's lock
  message carries the PID), never a raw DuckDB traceback.
* **One process, two configurations.** DuckDB refuses a read-only connection to a file this process already has
  open for writing (and the reverse). A server that reads while an upload writes hits this; a read then shares
  the writer's database instance instead (DuckDB's MVCC gives it a consistent snapshot of the last commit), and
  a writer waits for in-process readers like for another process.
* **Writers are not starved.** Readers that follow each other without a gap (a dashboard being polled) would
  keep a writer out forever; a waiting writer leaves a marker file (`.<file>.wait-<pid>-<thread>`) beside the
  store, and new readers wait (bounded) until no live writer is waiting, so the writer gets the next gap.
* **Transactions** (`transaction`): BEGIN … COMMIT, ROLLBACK on any exception, the connection always closed.
* **Migrations** (`migrate`): an append-only list of (version, description, SQL) per store, with its own version
  table, applied inside the caller's transaction.
"""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from llmflation.errors import LlmflationError

if TYPE_CHECKING:
    import duckdb

LOCK_WAIT_ENV = "LLMFLATION_LOCK_WAIT"
DEFAULT_LOCK_WAIT = 30.0

Migration = tuple[int, str, str]


class StoreBusyError(LlmflationError):
    """A store file stayed locked by another process (or another connection) for longer than the wait."""

    def __init__(self, path: Path, holder: str, waited: float) -> None:
        self.path = path
        self.holder = holder
        self.waited = waited
        super().__init__(f"{path} is in use by {holder} (waited {waited:.0f} s); let that command finish or stop "
                         f"it, then run this again (wait longer with {LOCK_WAIT_ENV}=SECONDS).")


class StoreFileError(LlmflationError):
    """A store path that holds something other than a DuckDB database."""


def lock_wait() -> float:
    raw = os.environ.get(LOCK_WAIT_ENV, "")
    try:
        value = float(raw) if raw.strip() else DEFAULT_LOCK_WAIT
    except ValueError:
        return DEFAULT_LOCK_WAIT
    return min(max(value, 0.0), 3600.0) if value == value else DEFAULT_LOCK_WAIT


def _holder(message: str) -> str | None:
    """Who holds the lock, from DuckDB's message; None when the error is not a lock conflict."""
    if "Could not set lock" in message or "Conflicting lock" in message:
        m = re.search(r"held in (.+?) \(PID (\d+)\)", message)
        return f"PID {m.group(2)} ({m.group(1)})" if m else "another process"
    if "different configuration" in message:
        return "another connection in this process"
    return None


def connect(path: Path, read_only: bool = True, wait: float | None = None,
            quiet: bool = False) -> duckdb.DuckDBPyConnection:
    """Open a DuckDB file, waiting (bounded) while another process or connection holds it; see module docstring.

    A read that finds this process already writing the file shares that writer's instance (read_only=False on
    the same, already open database) rather than failing."""
    import duckdb

    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists() and path.stat().st_size == 0:  # an empty file holds nothing: start a new database
            path.unlink()
    limit = lock_wait() if wait is None else wait
    start = time.monotonic()
    delay = 0.02
    told = False
    marker: Path | None = None
    try:
        while True:
            if read_only:
                _yield_to_writers(path, start + limit)
            try:
                return duckdb.connect(str(path), read_only=read_only)
            except (duckdb.IOException, duckdb.ConnectionException) as exc:
                holder = _holder(str(exc))
                if holder is None:
                    if "not a valid DuckDB database" in str(exc):
                        raise StoreFileError(f"{path} is not a DuckDB database (damaged, or another kind of file); "
                                             "move it aside and run the command again") from None
                    raise
                if read_only and "different configuration" in str(exc):
                    try:  # this process writes the file: read through the same instance (a consistent snapshot)
                        return duckdb.connect(str(path), read_only=False)
                    except (duckdb.IOException, duckdb.ConnectionException):
                        pass
                if not read_only and marker is None:
                    marker = _mark_waiting(path)
                waited = time.monotonic() - start
                if waited >= limit:
                    raise StoreBusyError(path, holder, waited) from None
                if not told and waited >= 0.5 and not quiet:
                    sys.stderr.write(f"llmflation: {path.name} is in use by {holder}; waiting up to {limit:.0f} s …\n")
                    sys.stderr.flush()
                    told = True
                time.sleep(min(delay, max(limit - waited, 0.0)))
                delay = min(delay * 2, 0.25)
    finally:
        if marker is not None:
            marker.unlink(missing_ok=True)


def _marker_prefix(path: Path) -> str:
    return f".{path.name}.wait-"


def _mark_waiting(path: Path) -> Path | None:
    import threading

    marker = path.with_name(f"{_marker_prefix(path)}{os.getpid()}-{threading.get_ident()}")
    try:
        marker.write_text("")
    except OSError:  # a read-only folder: no marker, the writer just competes
        return None
    return marker


def _yield_to_writers(path: Path, deadline: float) -> None:
    """Wait (until `deadline`) while a live writer is waiting for this file; forget markers of dead writers."""
    prefix = _marker_prefix(path)
    while time.monotonic() < deadline:
        waiting = False
        try:
            markers = [m for m in path.parent.iterdir() if m.name.startswith(prefix)]
        except OSError:
            return
        for m in markers:
            try:
                pid = int(m.name[len(prefix):].split("-")[0])
                os.kill(pid, 0)
                waiting = True
            except ProcessLookupError:
                m.unlink(missing_ok=True)
            except (ValueError, PermissionError):
                continue
        if not waiting:
            return
        time.sleep(0.02)


@contextmanager
def transaction(path: Path, wait: float | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A write connection inside BEGIN … COMMIT; any exception rolls back; the connection is always closed."""
    con = connect(path, read_only=False, wait=wait)
    try:
        con.execute("BEGIN TRANSACTION")
        try:
            yield con
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    finally:
        con.close()


def schema_version(con: duckdb.DuckDBPyConnection, table: str) -> int:
    """The highest applied migration, 0 for a file without the version table."""
    exists = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [table]).fetchone()
    if not exists or not exists[0]:
        return 0
    row = con.execute(f"SELECT max(version) FROM {table}").fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def migrate(con: duckdb.DuckDBPyConnection, table: str, migrations: Sequence[Migration]) -> int:
    """Apply every migration newer than the file's version (inside the caller's transaction); the new version."""
    con.execute(f"CREATE TABLE IF NOT EXISTS {table} "
                "(version INTEGER PRIMARY KEY, description VARCHAR, applied_at TIMESTAMP)")
    current = schema_version(con, table)
    for version, description, sql in migrations:
        if version > current:
            con.execute(sql)
            con.execute(f"INSERT INTO {table} VALUES (?, ?, ?)", [version, description, datetime.now()])
            current = version
    return current
