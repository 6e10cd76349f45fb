"""Bad input raises with a clear message, and the message is the one the CLI gives."""

import pandas as pd
import pytest

import ascribe


def df(**cols):
    return pd.DataFrame(cols)


def test_a_missing_column_names_the_argument_and_the_columns():
    with pytest.raises(ascribe.AscribeError,
                       match=r"no column 'conversions' \(named by var_conv\); its columns: path, total_conversions"):
        ascribe.markov_model(df(path=["a"], total_conversions=[1]), "path", "conversions")


def test_a_non_numeric_conversion_names_the_row():
    with pytest.raises(ascribe.AscribeError,
                       match=r"^Data: row 2: total_conversions `two` is not a number$"):
        ascribe.heuristic_models(df(path=["a", "b"], total_conversions=["1", "two"]), "path",
                                 "total_conversions")
    with pytest.raises(ascribe.AscribeError,
                       match=r"^Data: row 2: total_conversions is missing \(null\)$"):
        ascribe.heuristic_models(df(path=["a", "b"], total_conversions=[1.0, None]), "path",
                                 "total_conversions")
    with pytest.raises(ascribe.AscribeError,
                       match=r"the column `total_conversions` holds Boolean; it must hold numbers"):
        ascribe.heuristic_models(df(path=["a"], total_conversions=[True]), "path",
                                 "total_conversions")


def test_an_empty_table_says_so():
    with pytest.raises(ascribe.AscribeError, match=r"^Data: no paths: the table has no rows$"):
        ascribe.markov_model(df(path=pd.Series([], dtype=str),
                                total_conversions=pd.Series([], dtype=float)),
                             "path", "total_conversions")


def test_bad_paths_and_arguments():
    with pytest.raises(ascribe.AscribeError,
                       match=r"row 1: the path `a > > b` has an empty channel at position 2"):
        ascribe.markov_model(df(path=["a > > b"], total_conversions=[1]), "path",
                             "total_conversions")
    with pytest.raises(ValueError, match="order must be a whole number of 1 or more"):
        ascribe.markov_model(df(path=["a"], total_conversions=[1]), "path",
                             "total_conversions", order=0)
    with pytest.raises(ValueError, match="sep must be one visible character"):
        ascribe.markov_model(df(path=["a"], total_conversions=[1]), "path",
                             "total_conversions", sep=" ")
    with pytest.raises(TypeError, match="expected a pandas, polars or pyarrow table"):
        ascribe.markov_model([("a", 1)], "path", "total_conversions")


def test_errors_from_the_runtime_are_the_clis(tmp_path):
    table = df(path=["a"], total_conversions=[1])
    with pytest.raises(ascribe.AscribeError, match="no-such-model"):
        ascribe.paths(table, models=["no-such-model"])
    with pytest.raises(ascribe.AscribeError,
                       match=r"linear@1.0.0 .* unknown parameter `nope`: this plugin accepts no parameters"):
        ascribe.paths(table, models=["linear"], params={"linear.nope": 1})
    with pytest.raises(ValueError, match="invalid value '9x' for '--window"):
        ascribe.track_source(tmp_path / "missing.toml", window="9x")
    with pytest.raises(ascribe.AscribeError, match="missing.toml"):
        ascribe.track_source(tmp_path / "missing.toml")
