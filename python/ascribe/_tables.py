"""Tables in and out: anything Arrow-shaped in, pandas (default), pyarrow or polars out."""

import pyarrow as pa

from . import _native


def _columns_of(data):
    """Column names of a pandas, polars or pyarrow table; None for anything else."""
    if isinstance(data, (pa.Table, pa.RecordBatch)):
        return list(data.schema.names)
    cols = getattr(data, "columns", None)
    return [str(c) for c in cols] if cols is not None else None


def as_table(data):
    """pandas, polars and pyarrow tables as they are; any other object with
    ``__arrow_c_stream__`` as a pyarrow table (no copy)."""
    module = type(data).__module__.split(".")[0]
    if module in ("pandas", "polars") or isinstance(data, (pa.Table, pa.RecordBatch)):
        return data
    if not hasattr(data, "__arrow_c_stream__"):
        raise TypeError(
            f"expected a pandas, polars or pyarrow table (or any object with "
            f"__arrow_c_stream__), got {type(data).__name__}"
        )
    return pa.table(data)


def to_arrow(data, columns, arg_names):
    """`data` as something with ``__arrow_c_stream__``, holding only ``columns``.

    ``arg_names`` maps each column to the argument that named it, for errors. pandas goes
    through ``pyarrow.Table.from_pandas`` (zero-copy for numeric columns and Arrow-backed
    strings); polars and pyarrow tables are handed over as they are; any other object with
    ``__arrow_c_stream__`` (DuckDB, arro3, nanoarrow) through ``pyarrow.table``, no copy.
    """
    data = as_table(data)
    module = type(data).__module__.split(".")[0]
    have = _columns_of(data)
    for col in columns:
        if col not in have:
            raise _native.AscribeError(
                f"the table has no column {col!r} (named by {arg_names[col]}); "
                f"its columns: {', '.join(map(str, have))}"
            )
    if module == "pandas":
        return pa.Table.from_pandas(data[list(columns)], preserve_index=False)
    if module == "polars":
        return data.select(list(columns)).to_arrow()
    return data.select(list(columns))


def output(table, form):
    """A pyarrow table as the caller asked: ``pandas`` (default), ``arrow`` or ``polars``."""
    if form == "pandas":
        return table.to_pandas()
    if form == "arrow":
        return table
    if form == "polars":
        import polars as pl

        return pl.from_arrow(table)
    raise ValueError(f"output must be 'pandas', 'arrow' or 'polars', not {form!r}")
