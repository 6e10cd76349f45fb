//! The pipeline as an embedder composes it (`ascribe::pipeline`): campaign → window →
//! dataset → journeys → attribution → insights, each a function of the one before. One
//! test per command composed of it: what the composition gives is what `track-source`
//! and `compare` report for the same campaign, and both equal the hand computation of the
//! three-partner campaign in `report_facts.rs`.

use std::path::Path;

use ascribe::pipeline::attribute::{self, Dimension, Key, Kind, WindowSpec};
use ascribe::pipeline::{campaign, insights};

use crate::report_facts::{package_file, three_partner_campaign};
use crate::support::{bundled, load, run_campaign, runtime, string_pairs};

/// Pipeline money by partner as the composition gives it, for `model`.
fn composed(file: &Path, model: &str) -> (String, Vec<(String, String)>) {
    let c = campaign::load(file).unwrap();
    let (rt, _cache) = runtime();
    let plugin_dirs = vec![bundled("linear").parent().unwrap().to_path_buf()];
    let when = ascribe::pipeline::when(&c, &WindowSpec::parse("campaign").unwrap(), None);
    let ds = ascribe::pipeline::dataset(&c, &rt, &plugin_dirs, &when, &|_: &str| {}).unwrap();
    let key = Key::parse("channel").unwrap();
    let plugin = load(&rt, &bundled(model));
    let journeys = |kind| attribute::journeys::build(&c, &ds, kind, when.window, &key);
    let pipeline = attribute::attribute(&c, &ds, journeys(Kind::Pipeline), &plugin, &[]).unwrap();
    let revenue = attribute::attribute(&c, &ds, journeys(Kind::Revenue), &plugin, &[]).unwrap();
    let found = insights::compute(&insights::Inputs {
        c: &c,
        ds: &ds,
        pipeline: &pipeline,
        revenue: &revenue,
        window: when.window,
        dimensions: &[Dimension::Partner],
        intervals: None,
    });
    let rows = found.credit[0]
        .rows
        .iter()
        .map(|r| (r.value.clone(), r.pipeline.to_string()))
        .collect();
    (pipeline.total.decimal().to_string(), rows)
}

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn track_source_is_the_composition_of_the_pipeline() {
    let d = tempfile::tempdir().unwrap();
    let file = three_partner_campaign(d.path());

    // By hand (report_facts.rs): first touch gives O1's 1,000.00 to Beta's invite and O2's
    // 600.00 to Gamma's roadshow; O3 has no amount, O4's currency is refused.
    let (total, rows) = composed(&file, "first-touch");
    assert_eq!(total, "1600.00");
    assert_eq!(rows, pairs(&[("Beta", "1000.00"), ("Gamma", "600.00")]));

    let (code, _, stderr) = run_campaign(
        d.path(),
        "track-source",
        &file,
        &["--dimensions", "partner"],
    );
    assert_eq!(code, 0, "{stderr}");
    let report: serde_json::Value =
        serde_json::from_str(&package_file(d.path(), "report.json")).unwrap();
    assert_eq!(report["headline"]["pipeline"], total.as_str());
    let reported = string_pairs(&report["credit"][0]["rows"], "value", "pipeline");
    assert_eq!(reported, rows);
}

#[test]
fn compare_is_the_composition_of_the_pipeline_once_per_model() {
    let d = tempfile::tempdir().unwrap();
    let file = three_partner_campaign(d.path());

    // By hand: last touch gives O1 to Gamma's roadshow (03-03, after Beta's 03-02 email),
    // and O2 to Gamma too: Gamma 1,600.00, Beta (in O1's journey) 0.00. Linear halves O1 (500.00 each)
    // and gives O2 to Gamma: Beta 500.00, Gamma 1,100.00.
    let (_, last) = composed(&file, "last-touch");
    assert_eq!(last, pairs(&[("Gamma", "1600.00"), ("Beta", "0.00")]));
    let (_, linear) = composed(&file, "linear");
    assert_eq!(linear, pairs(&[("Gamma", "1100.00"), ("Beta", "500.00")]));

    let (code, stdout, stderr) = run_campaign(
        d.path(),
        "compare",
        &file,
        &[
            "--models",
            "last-touch,linear",
            "--dimension",
            "partner",
            "--format",
            "json",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let cmp: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(cmp["total"], "1600.00");
    // Each model's column, value by value, is what composing the pipeline with it gives.
    for (m, composed) in [(0, &last), (1, &linear)] {
        let mut column: Vec<(String, String)> = cmp["rows"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|r| {
                let amount = r["cells"][m]["amount"].as_str()?;
                Some((r["value"].as_str().unwrap().to_string(), amount.to_string()))
            })
            .collect();
        let mut want = composed.clone();
        column.sort();
        want.sort();
        assert_eq!(column, want, "model {m}");
    }
}
