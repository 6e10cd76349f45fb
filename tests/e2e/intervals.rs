//! Intervals on credit (report.json's `pipeline_lo` … `revenue_hi` and `intervals`): a
//! seeded Poisson bootstrap over accounts, checked against the replicates worked out here
//! from the hand-computed credit of each account.

use std::path::Path;

use ascribe::pipeline::attribute::bootstrap::{account_key, weight};

use crate::journey_filters::{write_acme_and_beta, write_three_deals};
use crate::report_facts::package_file;
use crate::support::{find_by, run_campaign};

/// Three accounts and their deals; linear's credit of each, by hand: O1 (1,000.00,
/// a1.example): email and webinar, 500.00 each; O2 (600.00, a2.example): webinar alone;
/// O3 (300.00, a3.example): email, webinar and paid_search, 100.00 each.
fn campaign(dir: &Path) -> std::path::PathBuf {
    write_three_deals(
        dir,
        [
            "email",
            "webinar",
            "webinar",
            "email",
            "webinar",
            "paid_search",
        ],
    );
    let file = dir.join("intervals.toml");
    write_acme_and_beta(&file, "Intervals", "", "data/touches.csv", "");
    file
}

fn report(dir: &Path, extra: &[&str]) -> serde_json::Value {
    let file = campaign(dir);
    let (code, _, stderr) = run_campaign(dir, "track-source", &file, extra);
    assert_eq!(code, 0, "{stderr}");
    serde_json::from_str(&package_file(dir, "report.json")).unwrap()
}

/// The (lo, hi) of a figure whose credit from each account is `cents`: replicate b's total
/// is Σ w(account, b) × cents; the bounds are the sorted totals at ⌊0.05 × (B − 1)⌋ and
/// ⌊0.95 × (B − 1)⌋.
pub(crate) fn by_hand(seed: u64, replicates: u32, cents: &[(&str, i128)]) -> (String, String) {
    let mut totals: Vec<i128> = (0..replicates)
        .map(|b| {
            cents
                .iter()
                .map(|(a, c)| i128::from(weight(seed, b, account_key(a))) * c)
                .sum()
        })
        .collect();
    totals.sort();
    let at = |q: f64| totals[(q * f64::from(replicates - 1)).floor() as usize];
    let money = |c: i128| format!("{}.{:02}", c / 100, c % 100);
    (money(at(0.05)), money(at(0.95)))
}

fn bounds(r: &serde_json::Value, dim: &str, value: &str) -> (String, String) {
    let row = find_by(
        &find_by(&r["credit"], "dimension", dim)["rows"],
        "value",
        value,
    );
    (
        row["pipeline_lo"].as_str().unwrap().to_string(),
        row["pipeline_hi"].as_str().unwrap().to_string(),
    )
}

#[test]
fn bounds_are_the_percentiles_of_the_account_weighted_replicates() {
    let d = tempfile::tempdir().unwrap();
    let r = report(d.path(), &["--intervals", "50", "--interval-seed", "7"]);
    assert_eq!(
        r["intervals"],
        serde_json::json!({"replicates": 50, "seed": 7, "low": 0.05, "high": 0.95, "resolved": false})
    );
    // email: 500.00 from a1, 100.00 from a3; webinar: 500.00 (a1), 600.00 (a2), 100.00
    // (a3); paid_search: 100.00 (a3); Acme has no touch, Beta has all 1,900.00.
    assert_eq!(
        bounds(&r, "channel", "email"),
        by_hand(7, 50, &[("a1.example", 50_000), ("a3.example", 10_000)])
    );
    assert_eq!(
        bounds(&r, "channel", "webinar"),
        by_hand(
            7,
            50,
            &[
                ("a1.example", 50_000),
                ("a2.example", 60_000),
                ("a3.example", 10_000)
            ]
        )
    );
    assert_eq!(
        bounds(&r, "channel", "paid_search"),
        by_hand(7, 50, &[("a3.example", 10_000)])
    );
    assert_eq!(
        bounds(&r, "partner", "Beta"),
        by_hand(
            7,
            50,
            &[
                ("a1.example", 100_000),
                ("a2.example", 60_000),
                ("a3.example", 30_000)
            ]
        )
    );
    // No revenue: its bounds are zero.
    let row = find_by(
        &find_by(&r["credit"], "dimension", "channel")["rows"],
        "value",
        "email",
    );
    assert_eq!(
        (&row["revenue_lo"], &row["revenue_hi"]),
        (&"0.00".into(), &"0.00".into())
    );
}

#[test]
fn the_same_seed_gives_the_same_bytes_and_no_intervals_gives_none() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (ra, rb) = (report(a.path(), &[]), report(b.path(), &[]));
    assert_eq!(
        package_file(a.path(), "report.json"),
        package_file(b.path(), "report.json")
    );
    assert_eq!(ra["intervals"]["seed"], 20_261_204);
    assert_eq!(ra["intervals"]["replicates"], 200);
    // Another seed: other bounds, another run.
    let c = tempfile::tempdir().unwrap();
    let rc = report(c.path(), &["--interval-seed", "8"]);
    assert_ne!(rc["run_id"], rb["run_id"]);
    assert_ne!(
        bounds(&rc, "channel", "webinar"),
        bounds(&rb, "channel", "webinar")
    );
    // None at all.
    let n = tempfile::tempdir().unwrap();
    let rn = report(n.path(), &["--no-intervals"]);
    assert_eq!(rn["intervals"], serde_json::Value::Null);
    let row = find_by(
        &find_by(&rn["credit"], "dimension", "channel")["rows"],
        "value",
        "email",
    );
    assert_eq!(row["pipeline_lo"], serde_json::Value::Null);
}

#[test]
fn a_data_driven_model_is_solved_again_on_each_replicate() {
    let d = tempfile::tempdir().unwrap();
    let r = report(
        d.path(),
        &["--attribution-model", "markov", "--intervals", "40"],
    );
    assert_eq!(r["intervals"]["resolved"], true);
    for row in find_by(&r["credit"], "dimension", "channel")["rows"]
        .as_array()
        .unwrap()
    {
        let f = |k: &str| row[k].as_str().unwrap().parse::<f64>().unwrap();
        assert!(f("pipeline_lo") <= f("pipeline_hi"), "{row}");
        assert!(f("pipeline_lo") >= 0.0, "{row}");
    }
}

#[test]
fn the_plan_records_how_intervals_were_drawn_and_logs_a_change() {
    let d = tempfile::tempdir().unwrap();
    report(d.path(), &[]);
    report(d.path(), &["--interval-seed", "9"]);
    let plan: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(d.path().join("state/plans/plan-intervals.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        plan["runs"][0]["intervals"],
        "200 replicates, seed 20261204, percentiles 0.05–0.95"
    );
    let change = find_by(&plan["change_log"], "what", "intervals");
    assert_eq!(
        change["from"],
        "200 replicates, seed 20261204, percentiles 0.05–0.95"
    );
    assert_eq!(
        change["to"],
        "200 replicates, seed 9, percentiles 0.05–0.95"
    );
}

#[test]
fn a_slow_data_driven_model_gets_one_time_limit_for_all_its_replicates() {
    // The hostile model reads every column (nulls too), so the bootstrap solves it again
    // on each replicate. Each call busy-loops for about a third of its 1 s limit: every
    // single call is within the limit, 200 of them would not be. The replicates share one
    // limit, so the run stops after a few with an error that names the model.
    let d = tempfile::tempdir().unwrap();
    let data = d.path();
    campaign(data);
    let file = data.join("slow.toml");
    let slow = format!(
        "\n[[models]]\nname = \"slowpoke\"\nplugin = \"{}\"\n[models.params]\nmode = \"slow\"\niterations = \"300000000\"\n[models.limits]\ntime_ms = 1000\n",
        crate::support::hostile("hostile-model").display()
    );
    write_acme_and_beta(&file, "Slow", "", "data/touches.csv", &slow);
    let (code, _, stderr) = run_campaign(
        data,
        "track-source",
        &file,
        &["--attribution-model", "slowpoke"],
    );
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("model hostile-model@")
            && stderr.contains(
                "solving it again on the bootstrap replicates took longer than its time limit of 1000 ms, after "
            )
            && stderr.contains(" of 200; draw fewer with --intervals N, none with --no-intervals, or raise the model's limits.time_ms in the campaign file"),
        "{stderr}"
    );
    // Without intervals the same run goes through.
    let (code, _, stderr) = run_campaign(
        data,
        "track-source",
        &file,
        &["--attribution-model", "slowpoke", "--no-intervals"],
    );
    assert_eq!(code, 0, "{stderr}");
}
