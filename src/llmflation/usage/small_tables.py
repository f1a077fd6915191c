"""Small Arrow tables (prices, provider choices, offer dates) built from Python values without `pyarrow.array`.

Why: `pyarrow.array` on any Python sequence first asks whether it is a pandas object, which imports pandas when it is
installed (about 0.3 s, a tenth of a usage command on 20M rows), although no pandas object is ever involved. The
values are written as CSV text and read by Arrow's C++ CSV reader with every column's type given, which never looks
for pandas. Exact: decimals travel as their digits, dates as ISO text; a NULL is the unquoted marker `\\N`, so an
empty string stays an empty string.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pyarrow as pa

NULL = "\\N"


def small_table(columns: Mapping[str, tuple[pa.DataType, Sequence[Any]]]) -> pa.Table:
    """A table with these columns (name → (Arrow type, values)), all of one length, NULL for None."""
    import io

    import pyarrow as pa
    import pyarrow.csv as pcsv

    names = list(columns)
    lengths = {len(values) for _, values in columns.values()}
    if len(lengths) > 1:
        raise ValueError(f"small_table: columns of different lengths {sorted(lengths)}")
    # column by column, each distinct value written once (a ledger repeats a few hundred rates over thousands of
    # cells); the rows are then joined in one pass
    texts = [_column_text(t, values) for t, values in columns.values()]
    lines = [",".join(_quoted(n) for n in names), *map(",".join, zip(*texts, strict=True))]
    text = ("\n".join(lines) + "\n").encode()
    schema = {n: t for n, (t, _) in columns.items()}
    table = pcsv.read_csv(
        io.BytesIO(text),
        read_options=pcsv.ReadOptions(use_threads=False, column_names=names, skip_rows=1),
        parse_options=pcsv.ParseOptions(newlines_in_values=True),
        convert_options=pcsv.ConvertOptions(column_types=schema, null_values=[NULL], strings_can_be_null=True,
                                            quoted_strings_can_be_null=False, true_values=["true"],
                                            false_values=["false"]),
    )
    return table if table.num_columns else pa.table({})


def _column_text(t: pa.DataType, values: Sequence[Any]) -> list[str]:
    """The CSV text of each value (NULL for None). Equal values have equal text up to trailing zeros of a decimal,
    which Arrow reads as the same number, so each distinct value is written once."""
    write = _writer(t)
    memo: dict[Any, str] = {}
    out = []
    for v in values:
        if v is None:
            out.append(NULL)
            continue
        text = memo.get(v)
        if text is None:
            text = memo[v] = write(v)
        out.append(text)
    return out


def _quoted(v: str) -> str:
    return '"' + v.replace('"', '""') + '"'


def _writer(t: pa.DataType) -> Any:
    import pyarrow as pa

    if pa.types.is_string(t):
        return lambda v: _quoted(str(v))
    if pa.types.is_decimal(t):
        return lambda v: format(Decimal(v), "f")
    if pa.types.is_date(t):
        return lambda v: v.isoformat() if isinstance(v, date) else str(v)
    if pa.types.is_boolean(t):
        return lambda v: "true" if v else "false"
    if pa.types.is_integer(t):
        return lambda v: str(int(v))
    raise TypeError(f"small_table: no text form for Arrow type {t}")
