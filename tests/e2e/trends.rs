//! Trends: credit per partner and per channel, week by week or month by month, in
//! report.json and trends.csv — on the three-partner campaign of `report_facts.rs`, by hand.
//!
//! The window is the campaign's, 2026-03-01 (a Sunday, ISO week 2026-W09) to 2026-03-31 (a
//! Tuesday, W14): six weeks, one month. First touch gives O1 (created 2026-03-10, W11)
//! 1,000.00 to Beta's email and O2 (created 03-11, W11) 600.00 to Gamma's event; Gamma's
//! event in O1's journey has zero credit. The won variant closes O1 on 2026-03-23 (W13):
//! its revenue, 1,000.00 to Beta's email, falls in W13, not in W11 where it was created.

use std::path::Path;

use crate::report_facts::{package_file, three_partner_campaign};
use crate::support::run_in;

/// report.json and trends.csv of a full run on the three-partner campaign with `extra`.
fn run(dir: &Path, won: bool, extra: &[&str]) -> (serde_json::Value, String) {
    let file = three_partner_campaign(dir);
    if won {
        // O1 won on 2026-03-23: the deals file gets a close date, the CRM a won stage.
        std::fs::write(
            dir.join("data/deals.csv"),
            "id,company,stage,amount,Currency Code,created,closed\n\
             O1,a1.example,won,1000.00,USD,2026-03-10,2026-03-23\n\
             O2,a2.example,open,600.00,USD,2026-03-11,\n\
             O3,a3.example,open,,USD,2026-03-12,\n\
             O4,a4.example,open,50.00,XYZ,2026-03-13,\n",
        )
        .unwrap();
        let toml = std::fs::read_to_string(&file)
            .unwrap()
            .replacen(
                "\"open\" = \"opportunity\"\n",
                "\"open\" = \"opportunity\"\n\"won\" = \"closed_won\"\n",
                1,
            )
            .replacen(
                "col_created = \"created\"\n",
                "col_created = \"created\"\ncol_closed = \"closed\"\n",
                1,
            );
        assert!(toml.contains("col_closed") && toml.contains("closed_won"));
        std::fs::write(&file, toml).unwrap();
    }
    let mut args = vec![
        "track-source",
        "--campaign-file",
        file.to_str().unwrap(),
        "--detail",
        "full",
        // The figures by hand; their bounds are tests/e2e/intervals.rs's: here the bounds'
        // cells of trends.csv are empty.
        "--no-intervals",
    ];
    args.extend_from_slice(extra);
    let (code, _, stderr) = run_in(dir, &args, &[]);
    assert_eq!(code, 0, "{stderr}");
    let report: serde_json::Value =
        serde_json::from_str(&package_file(dir, "report.json")).unwrap();
    (report, package_file(dir, "trends.csv"))
}

fn strings(v: &serde_json::Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().to_string())
        .collect()
}

/// `(value, pipeline per period, revenue per period)` of a dimension's rows.
fn rows(report: &serde_json::Value, dim: &str) -> Vec<(String, Vec<String>, Vec<String>)> {
    report["trends"][dim]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["value"].as_str().unwrap().to_string(),
                strings(&r["pipeline"]),
                strings(&r["revenue"]),
            )
        })
        .collect()
}

fn v(xs: &[&str]) -> Vec<String> {
    xs.iter().map(|s| s.to_string()).collect()
}

const WEEKS: [&str; 6] = [
    "2026-W09", "2026-W10", "2026-W11", "2026-W12", "2026-W13", "2026-W14",
];

#[test]
fn weekly_trends_by_hand() {
    let d = tempfile::tempdir().unwrap();
    let (r, csv) = run(d.path(), false, &[]);
    let t = &r["trends"];
    assert_eq!(t["granularity"], "week");
    // Every week of the window, in order, the empty ones too.
    assert_eq!(strings(&t["periods"]), v(&WEEKS));
    let z = "0.00";
    assert_eq!(
        strings(&t["pipeline"]),
        v(&[z, z, "1600.00", z, z, z]),
        "both opportunities were created in W11"
    );
    assert_eq!(strings(&t["revenue"]), v(&[z; 6]));
    // The order of `credit`: by pipeline, descending.
    assert_eq!(
        rows(&r, "partner"),
        vec![
            ("Beta".into(), v(&[z, z, "1000.00", z, z, z]), v(&[z; 6])),
            ("Gamma".into(), v(&[z, z, "600.00", z, z, z]), v(&[z; 6])),
        ]
    );
    let channels = rows(&r, "channel");
    assert_eq!(channels.len(), 2, "{channels:?}");
    assert_eq!(channels[0].1, v(&[z, z, "1000.00", z, z, z]));
    assert_eq!(channels[1].1, v(&[z, z, "600.00", z, z, z]));
    // Each value's periods sum to its row in `credit`.
    for dim in ["partner", "channel"] {
        let credit = r["credit"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["dimension"] == dim)
            .unwrap();
        let credited: Vec<(String, String)> = credit["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["value"].as_str().unwrap().into(),
                    c["pipeline"].as_str().unwrap().into(),
                )
            })
            .collect();
        let summed: Vec<(String, String)> = rows(&r, dim)
            .into_iter()
            .map(|(value, p, _)| {
                let s: rust_decimal::Decimal = p
                    .iter()
                    .map(|x| x.parse::<rust_decimal::Decimal>().unwrap())
                    .sum();
                (value, s.to_string())
            })
            .collect();
        assert_eq!(summed, credited, "{dim}");
    }
    // trends.csv: one line per value and week, partners first, zeros included.
    let mut want = vec![
        "dimension,value,period,pipeline,pipeline_lo,pipeline_hi,revenue,revenue_lo,revenue_hi"
            .to_string(),
    ];
    for (p, amount) in [("Beta", "1000.00"), ("Gamma", "600.00")] {
        for w in WEEKS {
            let pipe = if w == "2026-W11" { amount } else { z };
            want.push(format!("partner,{p},{w},{pipe},,,0.00,,"));
        }
    }
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[..13],
        want.iter().map(String::as_str).collect::<Vec<_>>()[..]
    );
    assert_eq!(lines.len(), 1 + 2 * 6 + 2 * 6, "{csv}");
    assert!(lines[13].starts_with(&format!("channel,{},2026-W09,", channels[0].0)));
}

#[test]
fn revenue_falls_in_the_week_it_was_won_and_months_are_one() {
    let d = tempfile::tempdir().unwrap();
    let (r, csv) = run(d.path(), true, &[]);
    let z = "0.00";
    let t = &r["trends"];
    assert_eq!(strings(&t["pipeline"]), v(&[z, z, "1600.00", z, z, z]));
    assert_eq!(strings(&t["revenue"]), v(&[z, z, z, z, "1000.00", z]));
    assert_eq!(
        rows(&r, "partner"),
        vec![
            (
                "Beta".into(),
                v(&[z, z, "1000.00", z, z, z]),
                v(&[z, z, z, z, "1000.00", z])
            ),
            ("Gamma".into(), v(&[z, z, "600.00", z, z, z]), v(&[z; 6])),
        ]
    );
    assert!(
        csv.contains("\npartner,Beta,2026-W13,0.00,,,1000.00,,\n"),
        "{csv}"
    );

    // By month: the whole window is March.
    let d = tempfile::tempdir().unwrap();
    let (r, csv) = run(d.path(), true, &["--granularity", "month"]);
    let t = &r["trends"];
    assert_eq!(t["granularity"], "month");
    assert_eq!(strings(&t["periods"]), v(&["2026-03"]));
    assert_eq!(strings(&t["pipeline"]), v(&["1600.00"]));
    assert_eq!(strings(&t["revenue"]), v(&["1000.00"]));
    assert_eq!(
        rows(&r, "partner"),
        vec![
            ("Beta".into(), v(&["1000.00"]), v(&["1000.00"])),
            ("Gamma".into(), v(&["600.00"]), v(&[z])),
        ]
    );
    assert!(csv.starts_with(
        "dimension,value,period,pipeline,pipeline_lo,pipeline_hi,revenue,revenue_lo,revenue_hi\n\
         partner,Beta,2026-03,1000.00,,,1000.00,,\n\
         partner,Gamma,2026-03,600.00,,,0.00,,\n"
    ));
}

#[test]
fn an_unknown_granularity_is_refused() {
    let d = tempfile::tempdir().unwrap();
    let file = three_partner_campaign(d.path());
    let (code, _, stderr) = run_in(
        d.path(),
        &[
            "track-source",
            "--campaign-file",
            file.to_str().unwrap(),
            "--granularity",
            "day",
        ],
        &[],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("use week or month"), "{stderr}");
}

/// Exact sums where a split makes cents: O1 is 1,000.01 and Beta's email is reported by
/// Gamma too (one touch, both partners), so under linear O1's money is split over two
/// touches and the email's share again between two partners. Per period, the partners
/// sum to the period's total to the cent, and each partner's periods to its credit.
#[test]
fn split_cents_sum_exactly() {
    let d = tempfile::tempdir().unwrap();
    let file = three_partner_campaign(d.path());
    let data = d.path().join("data");
    std::fs::write(
        data.join("gamma-touches.csv"),
        "email,company,time,channel,asset\n\
         ann@a1.example,a1.example,2026-03-02 10:00,Email,invite\n\
         ann@a1.example,a1.example,2026-03-03 10:00,Event,roadshow\n\
         bob@a2.example,a2.example,2026-03-04 11:00,Event,roadshow\n",
    )
    .unwrap();
    let deals = std::fs::read_to_string(data.join("deals.csv"))
        .unwrap()
        .replace("O1,a1.example,open,1000.00", "O1,a1.example,open,1000.01");
    std::fs::write(data.join("deals.csv"), deals).unwrap();
    let (code, _, stderr) = run_in(
        d.path(),
        &[
            "track-source",
            "--campaign-file",
            file.to_str().unwrap(),
            "--attribution-model",
            "linear",
            "--detail",
            "full",
        ],
        &[],
    );
    assert_eq!(code, 0, "{stderr}");
    let r: serde_json::Value =
        serde_json::from_str(&package_file(d.path(), "report.json")).unwrap();
    let dec = |s: &str| s.parse::<rust_decimal::Decimal>().unwrap();
    let totals: Vec<rust_decimal::Decimal> = strings(&r["trends"]["pipeline"])
        .iter()
        .map(|s| dec(s))
        .collect();
    assert_eq!(totals[2], dec("1600.01"), "W11 holds both opportunities");
    for dim in ["partner", "channel"] {
        let rows = rows(&r, dim);
        for (i, total) in totals.iter().enumerate() {
            let sum: rust_decimal::Decimal = rows.iter().map(|row| dec(&row.1[i])).sum();
            assert_eq!(sum, *total, "{dim}, period {i}");
        }
        let credit = r["credit"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["dimension"] == dim)
            .unwrap();
        for c in credit["rows"].as_array().unwrap() {
            let row = rows
                .iter()
                .find(|row| row.0 == c["value"].as_str().unwrap())
                .unwrap();
            let sum: rust_decimal::Decimal = row.1.iter().map(|s| dec(s)).sum();
            assert_eq!(sum, dec(c["pipeline"].as_str().unwrap()), "{dim} {}", row.0);
        }
    }
    // By hand: O1's 1,000.01 is about half the email's (split between Beta and Gamma) and
    // half Gamma's event; O2's 600.00 is Gamma's. Beta has a quarter of O1, give or take
    // the cent.
    let partners = rows(&r, "partner");
    assert_eq!(partners[0].0, "Gamma");
    let beta = dec(&partners[1].1[2]);
    assert!(beta == dec("250.00") || beta == dec("250.01"), "{beta}");
    assert_eq!(dec(&partners[0].1[2]) + beta, dec("1600.01"));
}
