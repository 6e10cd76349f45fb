"""ascribe's own API: models over path tables, and the CLI's commands on campaigns.

``track_source`` and ``compare`` run exactly what ``ascribe track-source`` and ``ascribe
compare`` run (the same argument parsing and code, inside this process), write the same
package and record the run in the plan as the CLI does; they return the report as a dict
and its tables as Arrow.
"""

import json
import os
import shutil
import tempfile

import pyarrow as pa

from . import _native, _plugins, _tables

_PATHS_DEFAULTS = {"path": "path_col", "total_conversions": "conversions_col"}


def _params(params):
    if params is None:
        return []
    items = params.items() if isinstance(params, dict) else params
    out = []
    for k, v in items:
        if isinstance(v, bool):
            v = "true" if v else "false"
        out.append((str(k), str(v)))
    return out


def paths(table, models=("linear",), params=None, path_col="path",
          conversions_col="total_conversions", value_col=None, nulls_col=None, sep=">",
          output="arrow", plugin_dirs=()):
    """Runs ``models`` (bundled names such as ``"markov"`` or paths to ``.wasm`` plugins)
    over a path table, as ``ascribe paths`` does; returns ``{label: table}`` with the columns
    ``channel``, ``conversions``, ``value`` (and ``removal_effect``,
    ``value_removal_effect`` for Markov), one row per channel in name order. ``params``:
    ``{"order": 2}`` for every model that declares it, ``{"markov.order": 2}`` for one;
    ``{"order": "auto"}`` chooses Markov's order from 1 to 4 by 5-fold cross-validation over
    the paths, and the table's metadata ``order_selection`` holds the choice and every
    order's scores as JSON (docs/attribution.md, "Choosing the Markov order").
    ``value_col``/``nulls_col`` default to ``total_conversion_value``/``total_null`` when
    the table has them, as in the CLI."""
    if isinstance(models, str):
        models = [models]
    models = [str(m) for m in models]
    table = _tables.as_table(table)
    have = _tables._columns_of(table)
    named = {path_col: "path_col", conversions_col: "conversions_col"}
    for given, default, arg in [
        (value_col, "total_conversion_value", "value_col"),
        (nulls_col, "total_null", "nulls_col"),
    ]:
        if given is not None:
            named[given] = arg
        elif default in have:
            named[default] = arg
    arrow = _tables.to_arrow(table, list(named), named)
    if not isinstance(sep, str) or len(sep) != 1:
        raise ValueError(f"sep must be one character, not {sep!r}")
    t = _native.read_paths(arrow, "table", path_col, conversions_col, value_col=value_col,
                           nulls_col=nulls_col, sep=sep)
    runs = t.run(models, _params(params), _plugins.search(plugin_dirs))
    out = {}
    for r in runs:
        label = r["name"] if sum(o["name"] == r["name"] for o in runs) == 1 else r["spec"]
        cols = {
            "channel": pa.array(r["channel"], pa.string()),
            "conversions": pa.array(r["conversions"], pa.float64()),
            "value": pa.array(r["value"], pa.float64()),
        }
        if "removal_effect" in r:
            cols["removal_effect"] = pa.array(r["removal_effect"], pa.float64())
            cols["value_removal_effect"] = pa.array(r["value_removal_effect"], pa.float64())
        meta = {"model": r["plugin"], "sha256": r["sha256"], "credit_rule": r["credit_rule"]}
        if r.get("order_selection"):
            # {"order": "auto"}: the order chosen and every order's held-out scores, as JSON.
            meta["order_selection"] = r["order_selection"]
        out[label] = _tables.output(
            pa.table(cols).replace_schema_metadata({k: str(v) for k, v in meta.items()}),
            output,
        )
    return out


class Report:
    """A ``track-source`` run: ``report`` (report.json as a dict), ``credits``,
    ``contribution`` and ``dimension_credit`` (tables, with ``detail="full"``), ``package``
    (the directory written, or None when ``out`` was not given), ``escalated`` (the CLI's
    exit code 3). ``contribution`` carries each figure's 90% interval (``pipeline_lo``,
    ``pipeline_hi``, ``revenue_lo``, ``revenue_hi``) and ``dimension_credit`` each
    credit's (``amount_lo``, ``amount_hi``): null with ``intervals=None``."""

    def __init__(self, report, credits, contribution, package, escalated, dimension_credit=None):
        self.report = report
        self.credits = credits
        self.contribution = contribution
        self.dimension_credit = dimension_credit
        self.package = package
        self.escalated = escalated

    def __repr__(self):
        c = self.report.get("campaign", {})
        return (f"<ascribe.Report {c.get('name')!r} model={self.report.get('model', {}).get('name')!r}"
                f" package={self.package!r}>")


class Comparison:
    """A ``compare`` run: ``report`` (the comparison as the CLI's JSON), ``table`` (one row per
    dimension value, one amount and share column per model) and ``package``."""

    def __init__(self, report, table, package):
        self.report = report
        self.table = table
        self.package = package

    def __repr__(self):
        return f"<ascribe.Comparison models={[m.get('label') for m in self.report.get('models', [])]!r}>"


def _campaign_args(campaign, campaigns_dir):
    campaign = os.fspath(campaign)
    if campaigns_dir is None and (os.path.isfile(campaign) or campaign.endswith(".toml")):
        return ["--campaign-file", campaign]
    args = ["--campaign", campaign]
    if campaigns_dir is not None:
        args += ["--campaigns-dir", os.fspath(campaigns_dir)]
    return args


def _global_args(plugin_dirs, cache_dir, state_dir):
    args = ["ascribe"]
    for d in _plugins.search(plugin_dirs):
        args += ["--plugin-dir", d]
    if cache_dir is not None:
        args += ["--cache-dir", os.fspath(cache_dir)]
    if state_dir is not None:
        args += ["--state-dir", os.fspath(state_dir)]
    return args


def _filter_args(exclude, include):
    args = []
    for flag, items in [("--exclude", exclude), ("--include", include)]:
        if isinstance(items, str):
            items = [items]
        for item in items:
            args += [flag, str(item)]
    return args


def _run(argv, out):
    """Runs argv with ``--out`` (a temporary directory when ``out`` is None); gives the
    parsed JSON, the package directory and a function to read its tables."""
    tmp = None
    if out is None:
        tmp = tempfile.mkdtemp(prefix="ascribe-")
        out = tmp
    try:
        text, package, escalated = _native.run_command(argv + ["--out", os.fspath(out)])
        return json.loads(text), package, escalated, tmp
    except BaseException:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
        raise


def _read_table(package, stem):
    if package is None:
        return None
    pq = os.path.join(package, f"{stem}.parquet")
    if os.path.isfile(pq):
        import pyarrow.parquet as papq

        return papq.read_table(pq)
    path = os.path.join(package, f"{stem}.csv")
    if os.path.isfile(path):
        import pyarrow.csv as pacsv

        return pacsv.read_csv(path)
    return None


def track_source(campaign, window="campaign", model=None, as_of=None, out=None,
                 detail="full", key="channel", dimensions=None, params=None, granularity="week",
                 campaigns_dir=None, plugin_dirs=(), cache_dir=None, state_dir=None,
                 formats="csv,parquet", exclude=(), include=(), stage=None, output="arrow",
                 intervals=200, interval_seed=None):
    """``ascribe track-source`` on ``campaign`` (a campaign file, or a name looked up in
    ``campaigns_dir``). ``window``: ``"7d"``, ``"30d"``, ``"campaign"`` or ``"FROM..TO"``;
    ``model``: ``first-touch``, ``last-touch``, ``multi-touch``, a model name or a ``.wasm``
    path; ``as_of``: a date or ``"YYYY-MM-DD"``. With ``out`` the package is written there
    (``out/<campaign>/<run-id>/``) and kept; without, it is read and removed.
    ``granularity``: ``"week"`` or ``"month"``, the periods of ``report["trends"]``.
    ``exclude``/``include``: touch filters as ``"channel=direct"`` (``--exclude``,
    ``--include``), beside the campaign's ``[filters]``. ``stage``: a milestone or a list
    of them (``lead``, ``mql``, ``sql``, ``opportunity``, ``closed_won``) for
    ``report["stages"]`` (``--stage``; all five with ``detail="full"``). ``formats``:
    the package's table formats with ``detail="full"`` (``--formats``); ``credits`` and
    ``contribution`` are read from the Parquet files, typed (docs/parquet.md), and
    ``dimension_credit`` too when ``formats`` has Parquet. ``intervals``: the bootstrap
    replicates of the 90% intervals on credit (``--intervals``; None or 0 for none,
    ``--no-intervals``); ``interval_seed``: their seed (``--interval-seed``; None, the
    default seed). The intervals are in ``report`` (``credit``, ``top_assets``,
    ``contribution``, ``trends``, ``stages``) and in the tables' ``_lo``/``_hi`` columns."""
    argv = _global_args(plugin_dirs, cache_dir, state_dir) + ["track-source"]
    argv += _campaign_args(campaign, campaigns_dir)
    argv += ["--window", str(window), "--detail", str(detail), "--attribution-key", str(key),
             "--granularity", str(granularity)]
    if detail == "full":
        # The typed tables (decimal money, UTC times) are what the Arrow results are read
        # from; the CSV beside them keeps the package what the CLI writes by default.
        argv += ["--formats", formats]
    if model is not None:
        argv += ["--attribution-model", os.fspath(model)]
    if as_of is not None:
        argv += ["--as-of", str(as_of)]
    if dimensions is not None:
        argv += ["--dimensions", _joined(dimensions)]
    for k, v in _params(params):
        argv += ["--param", f"{k}={v}"]
    argv += _filter_args(exclude, include)
    if stage is not None:
        argv += ["--stage", _joined(stage)]
    argv += _interval_args(intervals, interval_seed)
    report, package, escalated, tmp = _run(argv, out)
    try:
        tables = {}
        for stem in ["credits", "contribution", "dimension_credit"]:
            t = _read_table(package, stem)
            tables[stem] = None if t is None else _tables.output(t, output)
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    return Report(report, tables["credits"], tables["contribution"], None if tmp else package,
                  escalated, tables["dimension_credit"])


def compare(campaign, models, dimension="channel", measure="pipeline", window="campaign",
            as_of=None, params=None, key="channel", out=None, jobs=None, campaigns_dir=None,
            plugin_dirs=(), cache_dir=None, state_dir=None, exclude=(), include=(),
            stage=None, output="arrow", intervals=200, interval_seed=None):
    """``ascribe compare``: ``models`` side by side on ``campaign``, credit grouped by
    ``dimension``; returns a :class:`Comparison`. ``stage`` (``lead``, ``mql``, ``sql``,
    ``opportunity``, ``closed_won``) credits that milestone's journeys instead of
    ``measure``: the counted ones in thousandths, ``report["unit"]`` ``"cnt"``.
    ``report["validation"]`` holds the evidence for the model to agree on and the
    recommendation (docs/compare.md, "Validation"); ``intervals``/``interval_seed``: the
    bootstrap behind each model's partner-share intervals, as in :func:`track_source`.
    ``params={"order": "auto"}`` chooses each Markov model's order from the data."""
    if isinstance(models, str):
        models = [models]
    argv = _global_args(plugin_dirs, cache_dir, state_dir) + ["compare"]
    argv += _campaign_args(campaign, campaigns_dir)
    argv += ["--models", ",".join(os.fspath(m) for m in models), "--dimension", str(dimension),
             "--window", str(window), "--attribution-key", str(key)]
    argv += ["--measure", str(measure)] if stage is None else ["--stage", str(stage)]
    if as_of is not None:
        argv += ["--as-of", str(as_of)]
    if jobs is not None:
        argv += ["--jobs", str(jobs)]
    for k, v in _params(params):
        argv += ["--param", f"{k}={v}"]
    argv += _filter_args(exclude, include)
    argv += _interval_args(intervals, interval_seed)
    report, package, _, tmp = _run(argv, out)
    if tmp:
        shutil.rmtree(tmp, ignore_errors=True)
    return Comparison(report, _tables.output(_comparison_table(report), output),
                      None if tmp else package)


def _interval_args(intervals, interval_seed):
    """``--intervals N`` / ``--no-intervals`` and ``--interval-seed``, as given."""
    argv = []
    if not intervals:
        argv += ["--no-intervals"]
    elif intervals != 200:
        argv += ["--intervals", str(int(intervals))]
    if interval_seed is not None:
        argv += ["--interval-seed", str(int(interval_seed))]
    return argv


def _joined(values):
    """A flag's comma-separated list from a string or any iterable of strings."""
    return values if isinstance(values, str) else ",".join(values)


def _comparison_table(report):
    labels = [m.get("label") for m in report.get("models", [])]
    rows = report.get("rows", [])
    cols = {report.get("dimension", "value"): pa.array([r.get("value") for r in rows], pa.string())}
    for i, label in enumerate(labels):
        cells = [r.get("cells", [None] * len(labels))[i] for r in rows]
        cols[f"{label}_amount"] = pa.array(
            [None if c is None else str(c.get("amount")) for c in cells], pa.string())
        cols[f"{label}_share"] = pa.array(
            [None if c is None else c.get("share") for c in cells], pa.float64())
    return pa.table(cols)
