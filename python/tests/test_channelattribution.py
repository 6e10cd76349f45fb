"""ascribe's ChannelAttribution API against ChannelAttribution 2.2.5 itself, on the same
generated table, in the same process."""

import math

import pandas as pd
import pytest

import ascribe

import ChannelAttribution as ca  # noqa: E402  (installed by `cargo xtask python`)


@pytest.fixture(scope="module")
def table(generated_paths):
    return pd.read_csv(generated_paths)


def close(a, b, tol):
    return abs(a - b) <= tol * max(1.0, abs(b))


@pytest.mark.parametrize("with_value", [True, False])
def test_heuristics_equal_channelattribution_to_1e9(table, with_value):
    kw = {"var_value": "total_conversion_value"} if with_value else {}
    ours = ascribe.heuristic_models(table, "path", "total_conversions", **kw)
    theirs = ca.heuristic_models(table, "path", "total_conversions", flg_pro=False, **kw)
    assert list(ours.columns) == list(theirs.columns)
    assert list(ours["channel_name"]) == list(theirs["channel_name"])
    for col in ours.columns[1:]:
        for a, b in zip(ours[col], theirs[col]):
            assert close(a, b, 1e-9), (col, a, b)


@pytest.mark.parametrize("order", [1, 2])
@pytest.mark.parametrize("with_value", [True, False])
def test_out_more_has_channelattributions_shapes(table, order, with_value):
    kw = dict(var_null="total_null", order=order, out_more=True)
    if with_value:
        kw["var_value"] = "total_conversion_value"
    ours = ascribe.markov_model(table, "path", "total_conversions", **kw)
    theirs = ca.markov_model(table, "path", "total_conversions", verbose=False,
                             flg_pro=False, **kw)
    assert list(ours) == list(theirs) == ["result", "transition_matrix", "removal_effects"]
    for key in ours:
        assert list(ours[key].columns) == list(theirs[key].columns), key
        assert ours[key].shape == theirs[key].shape, key
        # pandas 3 gives ChannelAttribution's strings the `str` dtype, as ours.
        assert [str(t) for t in ours[key].dtypes] == [str(t) for t in theirs[key].dtypes], key
    assert list(ours["result"]["channel_name"]) == list(theirs["result"]["channel_name"])
    # The transition matrix is counted, not simulated, in both: the same states, numbered
    # alike, and the same probabilities.
    mine = {(f, t): p for f, t, p in ours["transition_matrix"].itertuples(index=False)}
    other = {(f, t): p for f, t, p in theirs["transition_matrix"].itertuples(index=False)}
    assert mine.keys() == other.keys()
    for k in mine:
        assert close(mine[k], other[k], 1e-9), (k, mine[k], other[k])


def test_markov_is_exact_where_channelattribution_simulates(table):
    # Ours: no noise, so two calls agree to the bit, and the conversions credited add up to
    # the table's total exactly (up to float rounding).
    a = ascribe.markov_model(table, "path", "total_conversions", var_null="total_null")
    b = ascribe.markov_model(table, "path", "total_conversions", var_null="total_null")
    assert a.equals(b)
    assert math.isclose(a["total_conversions"].sum(), table["total_conversions"].sum(),
                        rel_tol=1e-12)
    # Theirs simulates: within a few percent of ours per channel with the defaults.
    theirs = ca.markov_model(table, "path", "total_conversions", var_null="total_null",
                             verbose=False, flg_pro=False)
    for x, y in zip(a["total_conversions"], theirs["total_conversions"]):
        assert abs(x - y) <= 0.05 * max(x, 1.0), (x, y)


def test_simulation_arguments_are_accepted_and_change_nothing(table):
    plain = ascribe.markov_model(table, "path", "total_conversions", var_null="total_null")
    tuned = ascribe.markov_model(table, "path", "total_conversions", var_null="total_null",
                                 nsim_start=1e6, max_step=20, ncore=4, nfold=3, seed=42,
                                 conv_par=0.01, rate_step_sim=2.0, verbose=True,
                                 flg_pro=True)
    assert plain.equals(tuned)


def test_the_readme_call_on_the_sample_table(sample_paths):
    df = pd.read_csv(sample_paths)
    r = ascribe.markov_model(df, "path", "total_conversions",
                             var_value="total_conversion_value", order=2)
    assert list(r.columns) == ["channel_name", "total_conversions", "total_conversion_value"]
    assert math.isclose(r["total_conversions"].sum(), df["total_conversions"].sum(),
                        rel_tol=1e-12)
    assert math.isclose(r["total_conversion_value"].sum(),
                        df["total_conversion_value"].sum(), rel_tol=1e-12)


def test_the_notebook_example_runs(monkeypatch):
    import runpy
    import sys
    from pathlib import Path

    monkeypatch.setattr(sys, "argv", ["notebook.py"])
    runpy.run_path(str(Path(__file__).resolve().parents[1] / "examples/notebook.py"),
                   run_name="__main__")
