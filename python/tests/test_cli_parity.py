"""The package and the CLI on the same tables and campaign: the same numbers (1e-12) and
the same report."""

import json
import subprocess

import pandas as pd
import pyarrow as pa
import pytest

import ascribe
from conftest import read_cli_csv

MODELS = ["first-touch", "last-touch", "linear", "position-based", "markov", "shapley"]


def cli_paths(ascribe_bin, plugin_dir, table, models, extra=()):
    out = subprocess.run(
        [ascribe_bin, "--plugin-dir", plugin_dir, "paths", table, "--models", ",".join(models),
         "--format", "csv", *extra],
        check=True, capture_output=True, text=True,
    ).stdout
    rows = {}
    for r in read_cli_csv(out):
        rows.setdefault(r.get("model", models[0]), {})[r["channel"]] = r
    return rows


@pytest.mark.parametrize("order", [1, 3])
def test_paths_equal_the_cli_to_1e12(ascribe_bin, plugin_dir, generated_paths, order):
    cli = cli_paths(ascribe_bin, plugin_dir, generated_paths, MODELS, ["--order", str(order)])
    ours = ascribe.paths(pd.read_csv(generated_paths), models=MODELS, params={"order": order})
    assert list(ours) == MODELS
    for model, t in ours.items():
        d = t.to_pydict()
        assert sorted(d["channel"]) == sorted(cli[model]), model
        for i, ch in enumerate(d["channel"]):
            for col in [c for c in t.column_names if c != "channel"]:
                want = float(cli[model][ch][col])
                assert abs(d[col][i] - want) <= 1e-12 * max(1.0, abs(want)), (model, ch, col)


def test_track_source_report_is_the_clis(ascribe_bin, plugin_dir, demo_campaign, tmp_path):
    # Fresh plan state for each: the plan's history (a low-confidence streak) is an input.
    cli = subprocess.run(
        [ascribe_bin, "--plugin-dir", plugin_dir, "--state-dir", tmp_path / "cli-state",
         "track-source", "--campaign-file", demo_campaign, "--window", "campaign",
         "--detail", "full", "--formats", "csv,parquet", "--format", "json",
         "--out", tmp_path / "cli-out"],
        capture_output=True, text=True,
    )
    assert cli.returncode in (0, 3), cli.stderr
    r = ascribe.track_source(demo_campaign, window="campaign", detail="full",
                             state_dir=tmp_path / "py-state", plugin_dirs=[plugin_dir],
                             out=tmp_path / "py-out")
    assert r.report == json.loads(cli.stdout)
    assert r.escalated == (cli.returncode == 3)
    # The same package, file for file (same inputs, same bytes).
    (cli_pkg,) = (tmp_path / "cli-out").glob("*/*")
    assert r.package is not None
    from pathlib import Path
    py_pkg = Path(r.package)
    assert sorted(p.name for p in cli_pkg.iterdir()) == sorted(p.name for p in py_pkg.iterdir())
    for f in cli_pkg.iterdir():
        assert f.read_bytes() == (py_pkg / f.name).read_bytes(), f.name
    assert isinstance(r.credits, pa.Table) and r.credits.num_rows > 0
    assert isinstance(r.contribution, pa.Table) and r.contribution.num_rows > 0


def test_compare_is_the_clis(ascribe_bin, plugin_dir, demo_campaign, tmp_path):
    cli = subprocess.run(
        [ascribe_bin, "--plugin-dir", plugin_dir, "compare", "--campaign-file", demo_campaign,
         "--models", "linear,markov", "--format", "json", "--out", tmp_path / "cli"],
        check=True, capture_output=True, text=True,
    )
    c = ascribe.compare(demo_campaign, ["linear", "markov"], plugin_dirs=[plugin_dir],
                        out=tmp_path / "py")
    assert c.report == json.loads(cli.stdout)
    assert c.table.num_rows == len(c.report["rows"])
    assert c.table.column_names[1:] == ["linear_amount", "linear_share", "markov_amount",
                                        "markov_share"]


def test_a_wasm_path_is_a_model_like_a_name(plugin_dir, sample_paths):
    df = pd.read_csv(sample_paths)
    by_name = ascribe.paths(df, models=["linear"])["linear"]
    by_path = ascribe.paths(df, models=[str(plugin_dir / "linear.wasm")])["linear"]
    assert by_name.equals(by_path)
    assert by_name.schema.metadata[b"model"].startswith(b"linear@")


def track_both(ascribe_bin, plugin_dir, demo_campaign, tmp_path, flags, **kwargs):
    """track-source with `flags` on the CLI and with `kwargs` in Python, each with its own
    plan state: the two reports must be the same."""
    cli = subprocess.run(
        [ascribe_bin, "--plugin-dir", plugin_dir, "--state-dir", tmp_path / "cli-state",
         "track-source", "--campaign-file", demo_campaign, *flags,
         "--format", "json", "--out", tmp_path / "cli-out"],
        capture_output=True, text=True,
    )
    assert cli.returncode in (0, 3), cli.stderr
    r = ascribe.track_source(demo_campaign, detail="summary", state_dir=tmp_path / "py-state",
                             plugin_dirs=[plugin_dir], **kwargs)
    assert r.report == json.loads(cli.stdout)
    return r


def test_filters_reach_the_run_as_flags_do(ascribe_bin, plugin_dir, demo_campaign, tmp_path):
    r = track_both(ascribe_bin, plugin_dir, demo_campaign, tmp_path,
                   ["--exclude", "channel=direct"], exclude=["channel=direct"])
    assert r.report["data"]["filters"]["touches_removed"] > 0


def test_stages_reach_the_run_as_flags_do(ascribe_bin, plugin_dir, demo_campaign, tmp_path):
    r = track_both(ascribe_bin, plugin_dir, demo_campaign, tmp_path,
                   ["--stage", "lead,mql"], stage=["lead", "mql"])
    assert [t["stage"] for t in r.report["stages"]] == ["lead", "mql"]
    # A counted stage: its partners' credit sums to the milestones with a touch.
    lead = r.report["stages"][0]
    assert lead["measure"] == "count"
    total = sum(float(p["credit"]) for p in lead["by_partner"])
    assert abs(total - (lead["milestones"] - lead["unattributed"])) < 1e-9

    c = ascribe.compare(demo_campaign, ["linear", "first-touch"], stage="mql",
                        plugin_dirs=[plugin_dir])
    assert c.report["measure"] == "mql" and c.report["unit"] == "cnt"
    assert c.report["total"] == f'{r.report["stages"][1]["milestones"]}.000'
