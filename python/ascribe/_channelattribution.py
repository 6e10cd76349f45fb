"""ChannelAttribution's Python API (version 2.2.5), with the same arguments and the same
output columns, solved exactly.

ChannelAttribution estimates Markov attribution by simulating random walks; ascribe solves
the same chain exactly (docs/models.md). Its simulation arguments (``nsim_start``,
``max_step``, ``ncore``, ``nfold``, ``seed``, ``conv_par``, ``rate_step_sim``) are accepted
so that existing calls run unchanged, and ignored: there is nothing to simulate, so the
answer has no noise and no step cap. ``verbose`` and ``flg_pro`` are accepted and ignored
too (nothing is printed).

Channels are listed in order of first appearance in ``Data``, and the transition matrix
numbers them 1, 2, … in that order, as ChannelAttribution does.
"""

import pyarrow as pa

from . import _native, _plugins, _tables


def _read(Data, var_path, var_conv, var_value, var_null, sep):
    if not isinstance(sep, str) or len(sep) != 1 or sep.isspace():
        raise ValueError(
            f"sep must be one visible character (items are trimmed of spaces), not {sep!r}"
        )
    named = {}
    for col, arg in [
        (var_path, "var_path"),
        (var_conv, "var_conv"),
        (var_value, "var_value"),
        (var_null, "var_null"),
    ]:
        if col is None:
            continue
        if not isinstance(col, str):
            raise TypeError(f"{arg} must be a column name (str), not {type(col).__name__}")
        if col in named:
            raise ValueError(f"{arg} and {named[col]} name the same column {col!r}")
        named[col] = arg
    table = _tables.to_arrow(Data, list(named), named)
    return _native.read_paths(
        table, "Data", var_path, var_conv, value_col=var_value, nulls_col=var_null, sep=sep
    )


def _in_order(t):
    names = t.channels()
    return [names[i] for i in t.first_seen()]


def _by_channel(result, field):
    return dict(zip(result["channel"], result[field]))


def heuristic_models(Data, var_path, var_conv, var_value=None, sep=">", flg_pro=True,
                     output="pandas", plugin_dirs=()):
    """First touch, last touch and linear touch, as ChannelAttribution's
    ``heuristic_models``: columns ``channel_name`` and, per model, ``first_touch`` (or
    ``first_touch_conversions`` and ``first_touch_value`` when ``var_value`` is given), and
    so on for ``last_touch`` and ``linear_touch`` (repeated touches each count)."""
    t = _read(Data, var_path, var_conv, var_value, None, sep)
    # A path table has no journey filters: last-touch is the plain last touch, as
    # ChannelAttribution's (last non-direct is a campaign's default, docs/campaign-file.md).
    runs = t.run(["first-touch", "last-touch", "linear"], [], _plugins.search(plugin_dirs))
    order = _in_order(t)
    cols = {"channel_name": pa.array(order, pa.string())}
    for r, name in zip(runs, ["first_touch", "last_touch", "linear_touch"]):
        conv = _by_channel(r, "conversions")
        if var_value is None:
            cols[name] = [conv.get(c, 0.0) for c in order]
        else:
            value = _by_channel(r, "value")
            cols[f"{name}_conversions"] = [conv.get(c, 0.0) for c in order]
            cols[f"{name}_value"] = [value.get(c, 0.0) for c in order]
    return _tables.output(pa.table(cols), output)


def markov_model(Data, var_path, var_conv, var_value=None, var_null=None, order=1,
                 nsim_start=1e5, max_step=None, out_more=False, sep=">", ncore=1, nfold=10,
                 seed=0, conv_par=0.05, rate_step_sim=1.5, verbose=True, flg_pro=True,
                 output="pandas", plugin_dirs=()):
    """Markov attribution of order ``order``, as ChannelAttribution's ``markov_model`` but
    exact. Returns the table ``channel_name``, ``total_conversions`` (and
    ``total_conversion_value`` when ``var_value`` is given); with ``out_more=True`` a dict
    of ``result``, ``transition_matrix`` (``channel_from``, ``channel_to``,
    ``transition_probability``) and ``removal_effects`` (``channel_name`` and
    ``removal_effects_conversion`` and ``removal_effects_conversion_value``, or
    ``removal_effect`` without ``var_value``)."""
    if isinstance(order, bool) or not isinstance(order, int) or order < 1:
        raise ValueError(f"order must be a whole number of 1 or more, not {order!r}")
    t = _read(Data, var_path, var_conv, var_value, var_null, sep)
    [r] = t.run(["markov"], [("order", str(order))], _plugins.search(plugin_dirs))
    names = _in_order(t)
    conv = _by_channel(r, "conversions")
    result = {
        "channel_name": pa.array(names, pa.string()),
        "total_conversions": [conv.get(c, 0.0) for c in names],
    }
    if var_value is not None:
        value = _by_channel(r, "value")
        result["total_conversion_value"] = [value.get(c, 0.0) for c in names]
    result = _tables.output(pa.table(result), output)
    if not out_more:
        return result
    frm, to, prob = t.transitions(order)
    matrix = pa.table({
        "channel_from": pa.array(frm, pa.string()),
        "channel_to": pa.array(to, pa.string()),
        "transition_probability": pa.array(prob, pa.float64()),
    })
    re = _by_channel(r, "removal_effect")
    effects = {"channel_name": pa.array(names, pa.string())}
    if var_value is None:
        effects["removal_effect"] = [re.get(c, 0.0) for c in names]
    else:
        rev = _by_channel(r, "value_removal_effect")
        effects["removal_effects_conversion"] = [re.get(c, 0.0) for c in names]
        effects["removal_effects_conversion_value"] = [rev.get(c, 0.0) for c in names]
    return {
        "result": result,
        "transition_matrix": _tables.output(matrix, output),
        "removal_effects": _tables.output(pa.table(effects), output),
    }
