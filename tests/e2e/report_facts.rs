//! What the report says about credit, rows and owners (issue 16, items 13–16), on a
//! three-partner campaign small enough to compute by hand.

use std::path::{Path, PathBuf};

use crate::support::{deal_source, find_by, hand_campaign_head, run_campaign, touch_source};

/// Three partners. Acme holds the deals; Beta and Gamma report touches; Gamma paid for the
/// `invite` asset although Beta ran it.
///
/// ```text
/// a1.example: Beta  email invite    03-02   Gamma event roadshow 03-03   → O1 1,000.00 (03-10)
/// a2.example: Gamma event roadshow  03-04                                → O2   600.00 (03-11)
/// a3.example: no touch                                                   → O3  (empty amount)
/// row 5 of the deals: currency `XYZ` → a reject naming the export's `Currency Code`
/// ```
///
/// First touch: O1 → Beta/invite (1,000.00; roadshow is in O1's journey with zero credit),
/// O2 → Gamma/roadshow (600.00). Pipeline 1,600.00; O3 counts with 0.
pub(crate) fn three_partner_campaign(dir: &Path) -> PathBuf {
    let data = dir.join("data");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(
        data.join("beta-touches.csv"),
        "email,company,time,channel,asset\n\
         ann@a1.example,a1.example,2026-03-02 10:00,Email,invite\n",
    )
    .unwrap();
    std::fs::write(
        data.join("gamma-touches.csv"),
        "email,company,time,channel,asset\n\
         ann@a1.example,a1.example,2026-03-03 10:00,Event,roadshow\n\
         bob@a2.example,a2.example,2026-03-04 11:00,Event,roadshow\n",
    )
    .unwrap();
    std::fs::write(
        data.join("deals.csv"),
        "id,company,stage,amount,Currency Code,created\n\
         O1,a1.example,open,1000.00,USD,2026-03-10\n\
         O2,a2.example,open,600.00,USD,2026-03-11\n\
         O3,a3.example,open,,USD,2026-03-12\n\
         O4,a4.example,open,50.00,XYZ,2026-03-13\n",
    )
    .unwrap();
    let file = dir.join("three.toml");
    std::fs::write(
        &file,
        format!(
            r#"{}
{}
[[partners]]
name = "Beta"
role = "co-host"
owner = "Beta marketing"
{}
[[partners]]
name = "Gamma"
role = "sponsor"
owner = "Gamma marketing"
{}
[targets."Beta"]
pipeline = "2000"

[[spend]]
partner = "Gamma"
channel = "email"
asset = "invite"
amount = "500"
currency = "USD"

[[models]]
name = "first-touch"
plugin = "first-touch"
default = true
"#,
            hand_campaign_head("three", "Three partners"),
            deal_source("acme-deals", "data/deals.csv", "Currency Code"),
            touch_source("beta-touches", "data/beta-touches.csv"),
            touch_source("gamma-touches", "data/gamma-touches.csv")
        ),
    )
    .unwrap();
    file
}

pub(crate) fn package_file(dir: &Path, name: &str) -> String {
    let mut stack = vec![dir.join("out")];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.file_name().is_some_and(|n| n == name) {
                return std::fs::read_to_string(p).unwrap();
            }
        }
    }
    panic!("no {name} in the package")
}

fn rows<'a>(report: &'a serde_json::Value, dim: &str) -> Vec<(&'a str, &'a str, u64)> {
    find_by(&report["credit"], "dimension", dim)["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["value"].as_str().unwrap(),
                r["pipeline"].as_str().unwrap(),
                r["opportunities"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn counts_owners_rows_and_paths_on_a_three_partner_campaign() {
    let d = tempfile::tempdir().unwrap();
    let file = three_partner_campaign(d.path());
    let (code, stdout, stderr) = run_campaign(
        d.path(),
        "track-source",
        &file,
        &["--detail", "full", "--dimensions", "partner,channel,asset"],
    );
    assert_eq!(code, 0, "{stderr}");
    let report: serde_json::Value =
        serde_json::from_str(&package_file(d.path(), "report.json")).unwrap();

    // 13: an opportunity counts for a value only where the value got some of its money.
    // roadshow is in O1's journey with zero credit: one opportunity (O2), not two.
    assert_eq!(
        rows(&report, "asset"),
        vec![("invite", "1000.00", 1), ("roadshow", "600.00", 1)]
    );
    assert_eq!(
        rows(&report, "partner"),
        vec![("Beta", "1000.00", 1), ("Gamma", "600.00", 1)]
    );
    // The top asset counts one opportunity, not two.
    assert_eq!(report["top_assets"][0]["value"], "invite");
    assert_eq!(report["top_assets"][0]["opportunities"], 1);
    assert_eq!(report["top_assets"][1]["opportunities"], 1);
    // The three findings, in their order: 1 of the 7 rows (1 + 2 + 4) was rejected, over
    // the 1% that makes data quality a finding; Beta against its target; and Beta's
    // 1,000.00 (all from a1.example) against Gamma's 600.00 (all from a2.example), whose
    // 90% intervals — each account's credit times its bootstrap weights, worked out by
    // `intervals::by_hand` — overlap: within the noise.
    let (blo, bhi) = crate::intervals::by_hand(20_261_204, 200, &[("a1.example", 100_000)]);
    let (glo, ghi) = crate::intervals::by_hand(20_261_204, 200, &[("a2.example", 60_000)]);
    let usd = |s: &str| {
        let (int, cents) = s.split_once('.').unwrap();
        let n: u64 = int.parse().unwrap();
        let grouped = if n >= 1000 {
            format!("{},{:03}", n / 1000, n % 1000)
        } else {
            n.to_string()
        };
        format!("USD {grouped}.{cents}")
    };
    assert_eq!(
        report["insights"],
        serde_json::json!([
            "1 of 7 input rows were rejected: see rejects.csv before trusting the figures.",
            "Beta is at 50.0% of its pipeline target (USD 1,000.00 of USD 2,000.00).",
            format!(
                "Beta and Gamma earned USD 1,000.00 and USD 600.00 of pipeline credit: the difference is within the noise (their 90% intervals, {} to {} and {} to {}, overlap).",
                usd(&blo),
                usd(&bhi),
                usd(&glo),
                usd(&ghi)
            )
        ])
    );

    // 15: the asset's action goes to the partner whose [[spend]] paid for it (Gamma), not
    // the one that reported its touches (Beta), and speaks of all three partners.
    let action = find_by(&report["actions"], "subject", "invite");
    assert_eq!(action["owner"], "Gamma marketing");
    assert_eq!(
        action["action"],
        "Scale it: repeat the format in the next wave and promote it across all 3 partners' channels."
    );

    // 14: the empty amount is counted and said, in report.json, summary.md and on stdout.
    let deals = find_by(&report["data"]["sources"], "source", "acme-deals");
    assert_eq!(deals["empty_amounts"], 1);
    assert!(
        stdout.contains("warning: 1 conversion(s) with an empty amount, counted as 0"),
        "{stdout}"
    );
    assert!(
        package_file(d.path(), "summary.md")
            .contains("- `acme-deals`: 1 conversion(s) with an empty amount, counted as 0."),
    );
    // 14: files as the campaign names them, relative to it, in report.json and rejects.csv.
    assert_eq!(deals["file"], "data/deals.csv");
    // Funnel, in accounts touched in the window (a3 has no touch, so it is in no group).
    // a1 and a2 reached opportunity and nothing closed: [2, 2, 2, 2, 0] for all, rates 1,
    // 1, 1, 0, the biggest drop opportunity → closed_won. Beta touched a1 only; Gamma a1
    // and a2. By the channel of each account's first touch: a1 email, a2 event.
    let funnels: Vec<(String, String, Vec<u64>, String)> = report["funnel"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["group_by"].as_str().unwrap().to_string(),
                f["group"].as_str().unwrap().to_string(),
                serde_json::from_value(f["counts"].clone()).unwrap(),
                f["biggest_drop"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let f = |by: &str, g: &str, c: [u64; 5]| {
        (
            by.to_string(),
            g.to_string(),
            c.to_vec(),
            "opportunity → closed_won".to_string(),
        )
    };
    assert_eq!(
        funnels,
        vec![
            f("all", "all partners", [2, 2, 2, 2, 0]),
            f("partner", "Beta", [1, 1, 1, 1, 0]),
            f("partner", "Gamma", [2, 2, 2, 2, 0]),
            f("channel", "email", [1, 1, 1, 1, 0]),
            f("channel", "event", [1, 1, 1, 1, 0]),
        ]
    );
    assert_eq!(
        report["funnel"][0]["rates"],
        serde_json::json!([1.0, 1.0, 1.0, 0.0])
    );
    // Sourcing: Acme holds every deal, so Beta and Gamma are its co-marketing partners.
    // O1: the first touch in the 30 days before 03-10 is Beta's (03-02) → Beta sourced
    // 1,000.00; Gamma touched a1 in the cycle without sourcing it → Gamma influenced
    // 1,000.00. O2: Gamma's 03-04 touch → Gamma sourced 600.00. O3: no touch, amount 0.
    // Totals count each deal once: sourced 1,600.00, influenced 0, neither 0.
    let s = &report["sourcing"];
    assert_eq!(
        (&s["sourced"], &s["influenced"], &s["neither"]),
        (
            &serde_json::json!("1600.00"),
            &serde_json::json!("0.00"),
            &serde_json::json!("0.00")
        )
    );
    assert_eq!(
        s["by_partner"],
        serde_json::json!([
            {"partner": "Acme", "sourced": "0.00", "sourced_opportunities": 0, "influenced": "0.00", "influenced_opportunities": 0},
            {"partner": "Beta", "sourced": "1000.00", "sourced_opportunities": 1, "influenced": "0.00", "influenced_opportunities": 0},
            {"partner": "Gamma", "sourced": "600.00", "sourced_opportunities": 1, "influenced": "1000.00", "influenced_opportunities": 1},
        ])
    );
    // Contribution: Beta's 1,000.00 against its 2,000.00 target is 50.0%; the gap is the
    // first insight and an action for Beta's owner.
    let beta = report["contribution"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["partner"] == "Beta" && r["channel"].is_null())
        .unwrap();
    assert_eq!(beta["pipeline"], "1000.00");
    assert_eq!(beta["pipeline_target"], "2000");
    assert_eq!(beta["pipeline_pct"], 50.0);
    let gap = report["actions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| {
            a["subject_kind"] == "partner" && a["action"].as_str().unwrap().starts_with("Close")
        })
        .unwrap();
    assert_eq!(
        gap,
        &serde_json::json!({
            "priority": gap["priority"],
            "subject_kind": "partner",
            "subject": "Beta",
            "action": "Close the pipeline gap of USD 1,000.00: shift budget to the channels that convert best for this partner.",
            "evidence": "USD 1,000.00 attributed pipeline against a target of USD 2,000.00 (50.0%).",
            "owner": "Beta marketing",
        })
    );
    // Each partner's worst funnel step: nothing closed, so opportunity → closed_won.
    let steps: Vec<(&str, &str, &str)> = report["actions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["action"].as_str().unwrap().starts_with("Fix the"))
        .map(|a| {
            (
                a["subject"].as_str().unwrap(),
                a["evidence"].as_str().unwrap(),
                a["owner"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        steps,
        vec![
            ("Beta", "0 of 1 accounts move on (0.0%).", "Beta marketing"),
            (
                "Gamma",
                "0 of 2 accounts move on (0.0%).",
                "Gamma marketing"
            ),
        ]
    );

    // 16: the reject names the export's column (`Currency Code`), not ascribe's field.
    assert_eq!(
        package_file(d.path(), "rejects.csv"),
        "source,file,row,column,reason\n\
         acme-deals,data/deals.csv,4,Currency Code,`XYZ` is not a currency this version knows\n"
    );
}
