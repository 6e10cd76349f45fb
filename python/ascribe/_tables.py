"""Tables in and out: anything Arrow-shaped in, pandas (default), pyarrow or polars out."""

import pyarrow as pa

from . import _native


def _columns_of(data):
    if isinstance(data, (pa.Table, pa.RecordBatch)):
        return list(data.schema.names)
    cols = getattr(data, "columns", None)
    if cols is not None:
        return [str(c) for c in cols]
    schema = getattr(data, "schema", None)
    if schema is not None and hasattr(schema, "names"):
        return list(schema.names)
    return None


def to_arrow(data, columns, arg_names):
    """`data` as something with ``__arrow_c_stream__``, holding only ``columns``.

    ``arg_names`` maps each column to the argument that named it, for errors. pandas goes
    through ``pyarrow.Table.from_pandas`` (zero-copy for numeric columns and Arrow-backed
    strings); polars and pyarrow tables are handed over as they are.
    """
    have = _columns_of(data)
    if have is None and not hasattr(data, "__arrow_c_stream__"):
        raise TypeError(
            f"expected a pandas, polars or pyarrow table (or any object with "
            f"__arrow_c_stream__), got {type(data).__name__}"
        )
    if have is not None:
        for col in columns:
            if col not in have:
                raise _native.AscribeError(
                    f"the table has no column {col!r} (named by {arg_names[col]}); "
                    f"its columns: {', '.join(map(str, have))}"
                )
    module = type(data).__module__.split(".")[0]
    if module == "pandas":
        return pa.Table.from_pandas(data[list(columns)], preserve_index=False)
    if module == "polars":
        return data.select(list(columns)).to_arrow()
    if not isinstance(data, (pa.Table, pa.RecordBatch)):
        # DuckDB relations, arro3 and nanoarrow tables…: the PyCapsule stream, no copy.
        data = pa.table(data)
        missing = [c for c in columns if c not in data.schema.names]
        if missing:
            raise _native.AscribeError(
                f"the table has no column {missing[0]!r} (named by {arg_names[missing[0]]}); "
                f"its columns: {', '.join(data.schema.names)}"
            )
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
