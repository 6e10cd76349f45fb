"""Shared fixtures: the CLI binaries the package is compared with, and generated tables.

`cargo xtask python` (and so `cargo xtask test`) sets ASCRIBE_BIN, ASCRIBE_GEN and
ASCRIBE_PLUGINS; without them the tests look in the workspace's target/. A missing binary
fails the test that needs it: it is never skipped.
"""

import csv
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))


def _tool(env, default):
    path = Path(os.environ.get(env, TARGET / default))
    assert path.exists(), f"{path} is missing: run the tests with `cargo xtask python`"
    return path


@pytest.fixture(scope="session")
def ascribe_bin():
    return _tool("ASCRIBE_BIN", "debug/ascribe")


@pytest.fixture(scope="session")
def plugin_dir():
    return _tool("ASCRIBE_PLUGINS", "plugins")


@pytest.fixture(scope="session")
def generated_paths(tmp_path_factory):
    """A generated path table: 3,000 distinct paths over 8 channels, with value and nulls."""
    gen = _tool("ASCRIBE_GEN", "debug/ascribe-gen")
    out = tmp_path_factory.mktemp("paths") / "paths.csv"
    subprocess.run(
        [gen, "paths", "--seed", "7", "--paths", "3000", "--channels", "8", "--max-len", "9",
         "--out", out],
        check=True,
    )
    return out


@pytest.fixture(scope="session")
def sample_paths():
    """The sample path table `ascribe plugin new` ships (7 rows, hand-readable)."""
    return ROOT / "host/templates/samples/paths.csv"


@pytest.fixture(scope="session")
def demo_campaign():
    return ROOT / "fixtures/campaigns/ai-launch-tour.toml"


def read_cli_csv(text):
    return list(csv.DictReader(text.splitlines()))
