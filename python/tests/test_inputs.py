"""pandas, polars and pyarrow tables, and the path as text or as a list, give identical
results."""

import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

import ascribe


def test_every_table_library_gives_the_same_answer(generated_paths):
    df = pd.read_csv(generated_paths)
    inputs = {
        "pandas": df,
        "pandas-categorical": df.assign(path=df["path"].astype("category")),
        "polars": pl.from_pandas(df),
        "pyarrow": pa.Table.from_pandas(df),
        "pyarrow-large-string": pa.Table.from_pandas(df).cast(
            pa.schema([("path", pa.large_string()), ("total_conversions", pa.int64()),
                       ("total_conversion_value", pa.float64()), ("total_null", pa.int64())])),
        # Many small record batches: the reader's per-batch path, 500 rows at a time.
        "pyarrow-batches": pa.Table.from_batches(
            pa.Table.from_pandas(df).to_batches(max_chunksize=500)),
    }
    results = {}
    for name, data in inputs.items():
        r = ascribe.markov_model(data, "path", "total_conversions",
                                 var_value="total_conversion_value", var_null="total_null",
                                 order=2, out_more=True, output="arrow")
        h = ascribe.heuristic_models(data, "path", "total_conversions",
                                     var_value="total_conversion_value", output="arrow")
        results[name] = (r["result"], r["transition_matrix"], r["removal_effects"], h)
    first = results["pandas"]
    for name, got in results.items():
        for a, b in zip(got, first):
            assert a.equals(b), name


def test_a_list_column_is_the_same_path_as_its_joined_text(generated_paths, tmp_path):
    df = pd.read_csv(generated_paths)
    listed = df.assign(path=df["path"].str.split(">").map(lambda xs: [x.strip() for x in xs]))
    a = ascribe.paths(df, models=["linear", "markov"])
    b = ascribe.paths(pl.from_pandas(listed), models=["linear", "markov"])
    for k in a:
        assert a[k].equals(b[k]), k
    # And from a Parquet file read by pyarrow, as a warehouse export would arrive.
    pq.write_table(pa.Table.from_pandas(listed), tmp_path / "paths.parquet")
    c = ascribe.paths(pq.read_table(tmp_path / "paths.parquet"), models=["linear", "markov"])
    for k in a:
        assert a[k].equals(c[k]), k


def test_outputs_come_as_asked(sample_paths):
    df = pd.read_csv(sample_paths)
    assert isinstance(ascribe.heuristic_models(df, "path", "total_conversions"), pd.DataFrame)
    assert isinstance(
        ascribe.heuristic_models(df, "path", "total_conversions", output="arrow"), pa.Table)
    assert isinstance(
        ascribe.heuristic_models(df, "path", "total_conversions", output="polars"),
        pl.DataFrame)
