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

/// Every file of the one package under `dir/out`: name → bytes.
fn package_bytes(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
    let mut stack = vec![dir.join("out")];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let name = p.file_name().unwrap().to_string_lossy().into_owned();
                out.insert(name, std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

#[test]
fn the_same_seed_gives_the_same_bytes_and_no_intervals_gives_none() {
    // Two runs of the same inputs and seed in two directories: every file of the full
    // package — report.json, the dashboard, the CSV and Parquet tables — byte for byte.
    let full = ["--detail", "full", "--formats", "csv,parquet"];
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (ra, rb) = (report(a.path(), &full), report(b.path(), &full));
    let (fa, fb) = (package_bytes(a.path()), package_bytes(b.path()));
    assert!(
        fa.contains_key("trends.csv") && fa.contains_key("contribution.parquet"),
        "{:?}",
        fa.keys()
    );
    assert_eq!(fa.keys().collect::<Vec<_>>(), fb.keys().collect::<Vec<_>>());
    for (name, bytes) in &fa {
        assert!(
            fb[name] == *bytes,
            "{name} differs between two runs of one seed"
        );
    }
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
    // The re-solves run on every core, each replicate wherever it lands: the same seed
    // still gives the same bytes.
    let again = tempfile::tempdir().unwrap();
    report(
        again.path(),
        &["--attribution-model", "markov", "--intervals", "40"],
    );
    assert_eq!(
        package_file(d.path(), "report.json"),
        package_file(again.path(), "report.json")
    );
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

/// Three deals in two ISO weeks, touches with assets: O1 (1,000.00, a1.example, created
/// 2026-03-10, W11): email/guide and webinar/demo, 500.00 each under linear; O2 (600.00,
/// a2.example, 03-11, W11): webinar/demo alone; O3 (300.00, a3.example, 03-17, W12):
/// email/guide, webinar/demo and paid_search with no asset, 100.00 each. Every touch is
/// Beta's; the window is March, W09 to W14.
fn asset_campaign(dir: &Path) -> std::path::PathBuf {
    let data = dir.join("data");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(
        data.join("touches.csv"),
        "email,company,time,channel,asset\n\
         ann@a1.example,a1.example,2026-03-02 10:00,email,guide\n\
         ann@a1.example,a1.example,2026-03-05 10:00,webinar,demo\n\
         bob@a2.example,a2.example,2026-03-03 10:00,webinar,demo\n\
         cat@a3.example,a3.example,2026-03-01 10:00,email,guide\n\
         cat@a3.example,a3.example,2026-03-04 10:00,webinar,demo\n\
         cat@a3.example,a3.example,2026-03-06 10:00,paid_search,\n",
    )
    .unwrap();
    std::fs::write(
        data.join("deals.csv"),
        "id,company,stage,amount,Currency Code,created\n\
         O1,a1.example,open,1000.00,USD,2026-03-10\n\
         O2,a2.example,open,600.00,USD,2026-03-11\n\
         O3,a3.example,open,300.00,USD,2026-03-17\n",
    )
    .unwrap();
    let file = dir.join("assets.toml");
    write_acme_and_beta(&file, "Assets", "", "data/touches.csv", "");
    file
}

fn strings(v: &serde_json::Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().to_string())
        .collect()
}

/// Per period (W09 … W14) the bounds of a figure credited in W11 by `w11` and in W12 by
/// `w12`: by hand where there is credit, zeros where there is none.
fn weekly(w11: &[(&str, i128)], w12: &[(&str, i128)]) -> (Vec<String>, Vec<String>) {
    let z = ("0.00".to_string(), "0.00".to_string());
    let b11 = if w11.is_empty() {
        z.clone()
    } else {
        by_hand(7, 50, w11)
    };
    let b12 = if w12.is_empty() {
        z.clone()
    } else {
        by_hand(7, 50, w12)
    };
    [z.clone(), z.clone(), b11, b12, z.clone(), z]
        .into_iter()
        .unzip()
}

#[test]
fn top_assets_trends_and_contribution_carry_bounds_from_the_same_draw() {
    let d = tempfile::tempdir().unwrap();
    let file = asset_campaign(d.path());
    let (code, _, stderr) = run_campaign(
        d.path(),
        "track-source",
        &file,
        &[
            "--intervals",
            "50",
            "--interval-seed",
            "7",
            "--detail",
            "full",
            "--formats",
            "csv,parquet",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let r: serde_json::Value =
        serde_json::from_str(&package_file(d.path(), "report.json")).unwrap();
    let (a1, a2, a3) = ("a1.example", "a2.example", "a3.example");

    // Top assets: demo 500.00 (a1) + 600.00 (a2) + 100.00 (a3); guide 500.00 (a1) +
    // 100.00 (a3); paid_search's touch has no asset and is no top asset.
    let assets = r["top_assets"].as_array().unwrap();
    assert_eq!(assets.len(), 2, "{assets:?}");
    let demo = by_hand(7, 50, &[(a1, 50_000), (a2, 60_000), (a3, 10_000)]);
    let guide = by_hand(7, 50, &[(a1, 50_000), (a3, 10_000)]);
    for (row, (value, pipeline, (lo, hi))) in assets
        .iter()
        .zip([("demo", "1200.00", demo), ("guide", "600.00", guide)])
    {
        assert_eq!(row["value"], value);
        assert_eq!(row["pipeline"], pipeline);
        assert_eq!(
            (row["pipeline_lo"].as_str(), row["pipeline_hi"].as_str()),
            (Some(&*lo), Some(&*hi)),
            "{value}"
        );
        // No deal was won: revenue and its bounds are zero.
        assert_eq!(
            (&row["revenue_lo"], &row["revenue_hi"]),
            (&"0.00".into(), &"0.00".into())
        );
    }

    // Trends, by week: W11 holds O1 and O2, W12 holds O3; the other weeks are zeros.
    let t = &r["trends"];
    assert_eq!(
        strings(&t["periods"]),
        [
            "2026-W09", "2026-W10", "2026-W11", "2026-W12", "2026-W13", "2026-W14"
        ]
    );
    let (lo, hi) = weekly(&[(a1, 100_000), (a2, 60_000)], &[(a3, 30_000)]);
    assert_eq!(
        (strings(&t["pipeline_lo"]), strings(&t["pipeline_hi"])),
        (lo.clone(), hi.clone())
    );
    let beta = find_by(&t["partner"], "value", "Beta");
    assert_eq!(
        (strings(&beta["pipeline_lo"]), strings(&beta["pipeline_hi"])),
        (lo, hi)
    );
    assert_eq!(strings(&beta["revenue_hi"]), vec!["0.00"; 6]);
    let webinar = find_by(&t["channel"], "value", "webinar");
    let (wlo, whi) = weekly(&[(a1, 50_000), (a2, 60_000)], &[(a3, 10_000)]);
    assert_eq!(
        (
            strings(&webinar["pipeline_lo"]),
            strings(&webinar["pipeline_hi"])
        ),
        (wlo.clone(), whi.clone())
    );
    let paid = find_by(&t["channel"], "value", "paid_search");
    let (plo, phi) = weekly(&[], &[(a3, 10_000)]);
    assert_eq!(
        (strings(&paid["pipeline_lo"]), strings(&paid["pipeline_hi"])),
        (plo, phi)
    );
    // A partner with no credit: zeros in every period.
    let acme = r["trends"]["partner"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["value"] == "Acme");
    if let Some(acme) = acme {
        assert_eq!(strings(&acme["pipeline_hi"]), vec!["0.00"; 6]);
    }

    // Contribution: Beta's total is its credit row's; Beta × webinar by hand.
    let rows = r["contribution"].as_array().unwrap();
    let row = |p: &str, ch: Option<&str>| {
        rows.iter()
            .find(|x| x["partner"] == p && x["channel"].as_str() == ch)
            .unwrap_or_else(|| panic!("{p} {ch:?} in {rows:?}"))
    };
    let total = by_hand(7, 50, &[(a1, 100_000), (a2, 60_000), (a3, 30_000)]);
    let beta = row("Beta", None);
    assert_eq!(
        (
            beta["pipeline_lo"].as_str().unwrap(),
            beta["pipeline_hi"].as_str().unwrap()
        ),
        (&*total.0, &*total.1)
    );
    assert_eq!(bounds(&r, "partner", "Beta"), total);
    let bw = row("Beta", Some("webinar"));
    let want = by_hand(7, 50, &[(a1, 50_000), (a2, 60_000), (a3, 10_000)]);
    assert_eq!(
        (
            bw["pipeline_lo"].as_str().unwrap(),
            bw["pipeline_hi"].as_str().unwrap()
        ),
        (&*want.0, &*want.1)
    );
    let acme = row("Acme", None);
    assert_eq!(
        (&acme["pipeline_lo"], &acme["pipeline_hi"]),
        (&"0.00".into(), &"0.00".into())
    );

    // The CSV files: each figure beside its bounds.
    let trends = package_file(d.path(), "trends.csv");
    assert!(trends.starts_with(
        "dimension,value,period,pipeline,pipeline_lo,pipeline_hi,revenue,revenue_lo,revenue_hi\n"
    ));
    assert!(
        trends.contains(&format!(
            "\nchannel,webinar,2026-W11,1100.00,{},{},0.00,0.00,0.00\n",
            wlo[2], whi[2]
        )),
        "{trends}"
    );
    let contribution = package_file(d.path(), "contribution.csv");
    assert!(contribution.starts_with(
        "partner,channel,pipeline,pipeline_lo,pipeline_hi,pipeline_target,pipeline_pct_of_target,revenue,revenue_lo,revenue_hi,revenue_target,revenue_pct_of_target\n"
    ));
    assert!(
        contribution.contains(&format!(
            "\nBeta,webinar,1200.00,{},{},,,0.00,0.00,0.00,,\n",
            want.0, want.1
        )),
        "{contribution}"
    );

    // Without intervals the columns are there and empty, and report.json's bounds null.
    let n = tempfile::tempdir().unwrap();
    let file = asset_campaign(n.path());
    let (code, _, stderr) = run_campaign(
        n.path(),
        "track-source",
        &file,
        &["--no-intervals", "--detail", "full"],
    );
    assert_eq!(code, 0, "{stderr}");
    let rn: serde_json::Value =
        serde_json::from_str(&package_file(n.path(), "report.json")).unwrap();
    assert_eq!(rn["top_assets"][0]["pipeline_lo"], serde_json::Value::Null);
    assert_eq!(rn["trends"]["pipeline_lo"], serde_json::Value::Null);
    assert_eq!(
        rn["trends"]["channel"][0]["revenue_hi"],
        serde_json::Value::Null
    );
    assert_eq!(
        rn["contribution"][0]["pipeline_hi"],
        serde_json::Value::Null
    );
    assert!(
        package_file(n.path(), "trends.csv")
            .contains("\nchannel,webinar,2026-W11,1100.00,,,0.00,,\n")
    );
}
