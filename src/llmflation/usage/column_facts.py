"""What a Parquet log's footers prove about whole columns, so the pricing query can skip work on them.

Why: every Parquet row group records the exact number of NULLs in each column. A column that is NULL in every row
is a NULL constant: the query need not read it, group by it or sum it (a log without reported costs, or without
unresolved names, is the common case: on 20M rows, reading and summing an all-NULL DECIMAL cost column alone is about
a tenth of `usage index`). A column NULL in no row is typed NOT NULL, which tells the row stage, for example, that no
row needs its raw model name kept for the unknown-model listing. Only counts the footer states exactly are used; a
footer without them proves nothing, and the column is read as before. The answer is the same either way: the
facts only remove work whose result they already know.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import ibis.expr.types as ir


@dataclass(frozen=True)
class ColumnFacts:
    """Top-level columns NULL in every row (`all_null`) and in no row (`never_null`) of a log of `rows` rows."""

    rows: int
    all_null: frozenset[str]
    never_null: frozenset[str]


MAX_FILES = 4096  # reading a footer costs about a millisecond; past this many files, prove nothing


def parquet_facts(path: Path) -> ColumnFacts | None:
    """The facts every footer of `path` (a file, or a folder of `*.parquet` files at any depth) states; None when
    there are no files, too many, or a footer cannot be read (the query then reads everything, as it would)."""
    import pyarrow.parquet as pq

    files = sorted(path.rglob("*.parquet")) if path.is_dir() else [path]
    if not files or len(files) > MAX_FILES:
        return None
    rows = 0
    nulls: dict[str, int] = {}
    covered: dict[str, int] = {}  # rows whose null count the footers state, per column
    try:
        for f in files:
            meta = pq.read_metadata(f)
            for i in range(meta.num_row_groups):
                group = meta.row_group(i)
                rows += group.num_rows
                for j in range(group.num_columns):
                    col = group.column(j)
                    name = col.path_in_schema
                    stats = col.statistics
                    if "." in name or stats is None or not stats.has_null_count:
                        continue
                    nulls[name] = nulls.get(name, 0) + stats.null_count
                    covered[name] = covered.get(name, 0) + group.num_rows
    except (OSError, ValueError):
        return None
    exact = {n for n, k in covered.items() if k == rows}
    if rows == 0:
        return ColumnFacts(0, frozenset(), frozenset())
    return ColumnFacts(rows, frozenset(n for n in exact if nulls[n] == rows),
                       frozenset(n for n in exact if nulls[n] == 0))


def with_facts(usage: ir.Table, facts: ColumnFacts | None) -> ir.Table:
    """`usage` with each all-NULL column replaced by a NULL constant of its type and each never-NULL column typed
    NOT NULL (a cast to its own type, which the engines drop). Same rows, same values, same column order."""
    if facts is None or facts.rows == 0:
        return usage
    import ibis

    schema = usage.schema()
    repl: dict[str, ir.Value] = {}
    for name, dtype in schema.items():
        if name in facts.all_null:
            repl[name] = ibis.null(dtype)
        elif name in facts.never_null and dtype.nullable:
            repl[name] = usage[name].cast(dtype.copy(nullable=False))
    return usage.mutate(**repl) if repl else usage
