"""Intervals on credit through the Python API: the tables a track-source run returns carry
each figure's 90% interval, and the interval of each channel's pipeline is the one worked
out here, independently, from the run's own credits table: the Poisson weights of
shared/design/statistics.md ("Poisson bootstrap") reimplemented in Python, each account's
credit times its weight per replicate, the percentile rule on the sorted totals."""

import hashlib
import math
from collections import defaultdict
from decimal import Decimal

import pyarrow as pa

import ascribe

M64 = (1 << 64) - 1


def mix(z):
    """SplitMix64's finalizer."""
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)


def uniform(seed, replicate, key):
    z = mix(mix(seed ^ mix((replicate + 0x9E3779B97F4A7C15) & M64)) ^ key)
    return (z >> 11) * (1.0 / (1 << 53))


def poisson1(u):
    """The smallest k with P(X <= k) > u, X ~ Poisson(1), capped at 32."""
    p = math.exp(-1.0)
    cdf, k = p, 0
    while u >= cdf and k < 32:
        k += 1
        p /= k
        cdf += p
    return k


def account_key(name):
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "little")


def bounds(seed, replicates, cents_by_account):
    """(lo, hi) in cents: replicate b's total is sum(w(account, b) * cents); the bounds are
    the sorted totals at floor(0.05 (B - 1)) and floor(0.95 (B - 1))."""
    keys = {a: account_key(a) for a in cents_by_account}
    totals = sorted(
        sum(poisson1(uniform(seed, b, keys[a])) * c for a, c in cents_by_account.items())
        for b in range(replicates)
    )
    return (totals[math.floor(0.05 * (replicates - 1))],
            totals[math.floor(0.95 * (replicates - 1))])


def cents(d):
    return int(Decimal(d) * 100)


def test_every_credit_table_carries_its_interval(demo_campaign, plugin_dir, tmp_path):
    r = ascribe.track_source(demo_campaign, detail="full", plugin_dirs=[plugin_dir],
                             state_dir=tmp_path / "state", intervals=50, interval_seed=7)
    rep = r.report
    assert rep["intervals"] == {"replicates": 50, "seed": 7, "low": 0.05, "high": 0.95,
                                "resolved": False}
    money = pa.decimal128(38, 2)  # the demo reports in USD

    # contribution: each row's bounds are report.json's, as decimals.
    c = r.contribution
    for col in ["pipeline_lo", "pipeline_hi", "revenue_lo", "revenue_hi"]:
        assert c.schema.field(col).type == money, col
        assert c[col].to_pylist() == [Decimal(x[col]) for x in rep["contribution"]], col

    # dimension_credit: a row per dimension, value and kind, with the credit row's bounds.
    d = r.dimension_credit
    assert d.schema.field("amount_lo").type == money
    got = {(row["dimension"], row["value"], row["kind"]): (row["amount_lo"], row["amount_hi"])
           for row in d.to_pylist()}
    for dc in rep["credit"]:
        for row in dc["rows"]:
            for kind in ["pipeline", "revenue"]:
                want = (Decimal(row[f"{kind}_lo"]), Decimal(row[f"{kind}_hi"]))
                assert got[(dc["dimension"], row["value"], kind)] == want

    # Independently: each channel's pipeline bounds from the credits table. Position-based
    # is rule-based, so each account's credit to a channel is fixed and only its weight moves.
    credits = r.credits.to_pylist()
    by_channel = defaultdict(lambda: defaultdict(int))
    for row in credits:
        if row["kind"] == "pipeline":
            by_channel[row["channel"]][row["account"]] += cents(row["amount"])
    channels = next(dc for dc in rep["credit"] if dc["dimension"] == "channel")["rows"]
    assert len(channels) > 2
    for row in channels:
        lo, hi = bounds(7, 50, by_channel[row["value"]])
        assert (cents(row["pipeline_lo"]), cents(row["pipeline_hi"])) == (lo, hi), row["value"]

    # The top assets and the trends carry theirs in the report.
    top = rep["top_assets"][0]
    asset = defaultdict(int)
    for row in credits:
        if row["kind"] == "pipeline" and row["asset"] == top["value"]:
            asset[row["account"]] += cents(row["amount"])
    assert (cents(top["pipeline_lo"]), cents(top["pipeline_hi"])) == bounds(7, 50, asset)
    t = rep["trends"]
    for key in ["pipeline_lo", "pipeline_hi", "revenue_lo", "revenue_hi"]:
        assert len(t[key]) == len(t["periods"]), key
        for row in t["partner"] + t["channel"]:
            assert len(row[key]) == len(t["periods"]), (row["value"], key)


def test_no_intervals_leaves_the_columns_null(demo_campaign, plugin_dir, tmp_path):
    r = ascribe.track_source(demo_campaign, detail="full", plugin_dirs=[plugin_dir],
                             state_dir=tmp_path / "state", intervals=None)
    assert r.report["intervals"] is None
    assert r.contribution["pipeline_lo"].null_count == r.contribution.num_rows
    assert r.dimension_credit["amount_hi"].null_count == r.dimension_credit.num_rows
    assert r.report["top_assets"][0]["pipeline_lo"] is None
    assert r.report["trends"]["pipeline_lo"] is None
