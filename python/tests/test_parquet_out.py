"""The Parquet tables of a track-source package read back in pyarrow with their types, and
their money sums exactly to report.json's totals."""

import json
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

import ascribe


def test_parquet_types_and_exact_sums(demo_campaign, plugin_dir, tmp_path):
    r = ascribe.track_source(demo_campaign, detail="full", plugin_dirs=[plugin_dir],
                             state_dir=tmp_path / "state", out=tmp_path / "out")
    pkg = Path(r.package)
    report = json.loads((pkg / "report.json").read_text())
    assert report == r.report
    scale = 2  # the demo reports in USD
    credits = pq.read_table(pkg / "credits.parquet")
    schema = credits.schema
    assert schema.field("amount").type == pa.decimal128(38, scale)
    assert schema.field("touch_time").type == pa.timestamp("ms", tz="UTC")
    for key in ["kind", "partner", "channel", "asset", "model", "key"]:
        assert pa.types.is_dictionary(schema.field(key).type), key
        assert schema.field(key).type.value_type == pa.string(), key
    assert schema.field("weight").type == pa.float64()
    # Exact: Decimal sums of decimal128 cells, against report.json's decimal strings.
    h = report["headline"]
    for kind, total, unattributed in [
        ("pipeline", h["pipeline"], h["unattributed_pipeline"]),
        ("revenue", h["revenue"], h["unattributed_revenue"]),
    ]:
        rows = credits.filter(pc.equal(credits["kind"].cast(pa.string()), kind))
        got = sum((a.as_py() for a in rows["amount"]), Decimal(0))
        assert got == Decimal(total) - Decimal(unattributed), kind
    # The table in the report object is the file's.
    assert r.credits.equals(credits)
    contribution = pq.read_table(pkg / "contribution.parquet")
    assert contribution.schema.field("pipeline").type == pa.decimal128(38, scale)
    partners = contribution.filter(pc.is_null(contribution["channel"]))
    assert sum((a.as_py() for a in partners["pipeline"]), Decimal(0)) == \
        Decimal(h["pipeline"]) - Decimal(h["unattributed_pipeline"])
    # Weights: a conversion's touches share it whole.
    by_conv = credits.group_by(["kind", "conversion_id"]).aggregate([("weight", "sum")])
    for w in by_conv["weight_sum"].to_pylist():
        assert abs(w - 1.0) < 1e-9
