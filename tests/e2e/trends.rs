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
    let mut want = vec!["dimension,value,period,pipeline,revenue".to_string()];
    for (p, amount) in [("Beta", "1000.00"), ("Gamma", "600.00")] {
        for w in WEEKS {
            let pipe = if w == "2026-W11" { amount } else { z };
            want.push(format!("partner,{p},{w},{pipe},0.00"));
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
        csv.contains("\npartner,Beta,2026-W13,0.00,1000.00\n"),
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
        "dimension,value,period,pipeline,revenue\n\
         partner,Beta,2026-03,1000.00,1000.00\n\
         partner,Gamma,2026-03,600.00,0.00\n"
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
