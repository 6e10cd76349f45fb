//! Stage journeys (`--stage`, report.json's `stages`): each milestone gets its own
//! journeys, with hand-computed credit.

use std::path::{Path, PathBuf};

use crate::journey_filters::{v, write_acme_and_beta};
use crate::report_facts::package_file;
use crate::support::{find_by, run_campaign, string_pairs};

/// Two partners. Acme's HubSpot contacts give each person a touch at creation (the
/// `Original Source` channel: EMAIL_MARKETING is email, OFFLINE is event) and lifecycle
/// events; Beta's touches come from a plain CSV. Lookback 90 days (the default).
fn campaign(dir: &Path) -> PathBuf {
    let data = dir.join("data");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(
        data.join("contacts.csv"),
        "Record ID,Email,First Name,Last Name,Company Name,Company Domain Name,Create Date,Lifecycle Stage,\
Became a Lead Date,Became a Marketing Qualified Lead Date,Became a Sales Qualified Lead Date,\
Became an Opportunity Date,Became a Customer Date,Original Source,Original Source Drill-Down 1,\
Original Source Drill-Down 2,Country/Region,Industry\n\
1,ann@a1.example,Ann,A,A1,a1.example,2026-03-05 10:00,marketingqualifiedlead,2026-03-05 10:00,2026-03-08 12:00,,,,EMAIL_MARKETING,,,,\n\
2,bob@a2.example,Bob,B,A2,a2.example,2026-03-06 09:00,salesqualifiedlead,2026-03-06 09:00,,2026-03-20 09:00,,,OFFLINE,,,,\n\
3,cat@a3.example,Cat,C,A3,a3.example,2026-03-07 09:00,marketingqualifiedlead,2026-02-01 09:00,2026-03-09 09:00,,,,OFFLINE,,,,\n",
    )
    .unwrap();
    std::fs::write(
        data.join("beta-touches.csv"),
        "email,company,time,channel,asset\n\
         ann@a1.example,a1.example,2026-03-02 10:00,webinar,\n\
         dan@a1.example,a1.example,2026-03-04 10:00,email,\n\
         ann@a1.example,a1.example,2026-03-07 10:00,paid_search,\n\
         bob@a2.example,a2.example,2026-03-01 10:00,webinar,\n",
    )
    .unwrap();
    std::fs::write(
        data.join("deals.csv"),
        "id,company,stage,amount,Currency Code,created\n\
         O1,a1.example,open,1000.00,USD,2026-03-10\n",
    )
    .unwrap();
    let file = dir.join("stages.toml");
    write_acme_and_beta(
        &file,
        "Stage journeys",
        &format!(
            "\"lead\" = \"lead\"\n\"marketingqualifiedlead\" = \"mql\"\n\"salesqualifiedlead\" = \"sql\"\n{ACME_CONTACTS}"
        ),
        "data/beta-touches.csv",
        "",
    );
    file
}

/// Acme's HubSpot contacts export, read by the bundled normalizer as it finds it.
const ACME_CONTACTS: &str = "\n[[partners.sources]]\nid = \"acme-contacts\"\nkind = \"map\"\nfile = \"data/contacts.csv\"\nplugin = \"hubspot\"\n";

fn track(dir: &Path, file: &Path, extra: &[&str]) -> serde_json::Value {
    let (code, _, stderr) = run_campaign(dir, "track-source", file, extra);
    assert_eq!(code, 0, "{stderr}");
    serde_json::from_str(&package_file(dir, "report.json")).unwrap()
}

/// A stage's rows of one dimension as (value, credit), as report.json orders them.
fn rows(r: &serde_json::Value, stage: &str, by: &str) -> Vec<(String, String)> {
    string_pairs(
        &find_by(&r["stages"], "stage", stage)[by],
        "value",
        "credit",
    )
}

#[test]
fn every_stage_has_its_own_journeys_with_the_hand_computed_credit() {
    let d = tempfile::tempdir().unwrap();
    let file = campaign(d.path());
    let r = track(d.path(), &file, &["--detail", "full"]);
    let stages: Vec<&str> = r["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["stage"].as_str().unwrap())
        .collect();
    assert_eq!(stages, ["lead", "mql", "sql", "opportunity", "closed_won"]);

    // Lead, linear, a person's own touches in the 90 days up to their lead date:
    // ann (03-05 10:00): Beta's webinar 03-02 and her contact's email 03-05 10:00 (the
    //   milestone's own minute counts), ½ each. Dan's 03-04 email is his, not hers.
    // bob (03-06 09:00): Beta's webinar 03-01 and his contact's event 03-06, ½ each.
    // cat became a lead on 02-01, before the window: no lead milestone in it.
    let lead = &r["stages"][0];
    assert_eq!(lead["measure"], "count");
    assert_eq!(lead["milestones"], 2);
    assert_eq!(lead["total"], "2.000");
    assert_eq!(lead["credited"], "2.000");
    assert_eq!(
        rows(&r, "lead", "by_partner"),
        v(&[("Acme", "1.000"), ("Beta", "1.000")])
    );
    assert_eq!(
        rows(&r, "lead", "by_channel"),
        v(&[("webinar", "1.000"), ("email", "0.500"), ("event", "0.500")])
    );

    // MQL: ann (03-08 12:00): webinar 03-02, email 03-05, paid_search 03-07, ⅓ each; in
    //   thousandths 333 + 333 + 333 leaves 1, which goes to the first (ties to the earlier
    //   touch): 0.334, 0.333, 0.333.
    // cat (03-09): her contact's event 03-07 alone, 1.
    // Beta 0.334 + 0.333 = 0.667; Acme 0.333 + 1 = 1.333.
    assert_eq!(
        rows(&r, "mql", "by_partner"),
        v(&[("Acme", "1.333"), ("Beta", "0.667")])
    );
    assert_eq!(
        rows(&r, "mql", "by_channel"),
        v(&[
            ("event", "1.000"),
            ("webinar", "0.334"),
            ("email", "0.333"),
            ("paid_search", "0.333")
        ])
    );

    // SQL: bob (03-20): webinar 03-01 (Beta) and event 03-06 (Acme), ½ each.
    assert_eq!(
        rows(&r, "sql", "by_partner"),
        v(&[("Acme", "0.500"), ("Beta", "0.500")])
    );

    // Opportunity: O1 (1,000.00, a1.example, created 03-10) takes the account's touches,
    // everyone's: webinar 03-02, dan's email 03-04, ann's email 03-05, paid_search 03-07,
    // 250.00 each. Beta 750.00, Acme 250.00.
    let opp = &r["stages"][3];
    assert_eq!(opp["measure"], "money");
    assert_eq!(opp["total"], "1000.00");
    assert_eq!(
        rows(&r, "opportunity", "by_partner"),
        v(&[("Beta", "750.00"), ("Acme", "250.00")])
    );
    assert_eq!(
        rows(&r, "opportunity", "by_channel"),
        v(&[
            ("email", "500.00"),
            ("paid_search", "250.00"),
            ("webinar", "250.00")
        ])
    );
    // Each row's interval: Beta's 750.00 of pipeline all comes from a1.example, so its
    // bounds are a1's bootstrap weights times 750.00 (worked out as intervals.rs does).
    let beta = find_by(&r["stages"][3]["by_partner"], "value", "Beta");
    assert_eq!(
        (
            beta["lo"].as_str().unwrap().to_string(),
            beta["hi"].as_str().unwrap().to_string()
        ),
        crate::intervals::by_hand(20_261_204, 200, &[("a1.example", 75_000)])
    );
    for t in r["stages"].as_array().unwrap() {
        for row in t["by_channel"].as_array().unwrap() {
            let f = |k: &str| row[k].as_str().unwrap().parse::<f64>().unwrap();
            assert!(f("lo") <= f("hi"), "{row}");
        }
    }
    // Nothing was won.
    assert_eq!(r["stages"][4]["milestones"], 0);

    // The dashboard draws both stage charts and the table.
    let html = package_file(d.path(), "dashboard.html");
    assert!(html.contains("id=\"chart-stages-partner\""), "{html}");
    assert!(html.contains("id=\"chart-stages-channel\""));
    assert!(html.contains("<table class=\"stages\">"));
}

#[test]
fn stage_picks_the_milestones_and_summary_has_none_without_it() {
    let d = tempfile::tempdir().unwrap();
    let file = campaign(d.path());
    let r = track(d.path(), &file, &[]);
    assert_eq!(r["stages"], serde_json::json!([]));
    std::fs::remove_dir_all(d.path().join("out")).unwrap();
    // Funnel order whatever order the flag gives; `revenue` names closed_won.
    let r = track(
        d.path(),
        &file,
        &["--stage", "sql,lead", "--stage", "revenue"],
    );
    let stages: Vec<&str> = r["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["stage"].as_str().unwrap())
        .collect();
    assert_eq!(stages, ["lead", "sql", "closed_won"]);

    let (code, _, stderr) = run_campaign(d.path(), "track-source", &file, &["--stage", "signup"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains(
            "`signup` is not a stage; valid stages: lead, mql, sql, opportunity, closed_won"
        ),
        "{stderr}"
    );
}

#[test]
fn compare_credits_a_counted_stage() {
    let d = tempfile::tempdir().unwrap();
    let file = campaign(d.path());
    let (code, stdout, stderr) = run_campaign(
        d.path(),
        "compare",
        &file,
        &[
            "--models",
            "linear,first-touch",
            "--stage",
            "mql",
            "--format",
            "json",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let c: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(c["measure"], "mql");
    assert_eq!(c["unit"], "cnt");
    assert_eq!(c["total"], "2.000");
    // First touch: ann's first touch in her MQL journey is Beta's webinar, cat's is her
    // contact's event: 1 each. Linear as in the track-source test above.
    let cells = |value: &str| -> Vec<String> {
        let row = find_by(&c["rows"], "value", value);
        (0..2)
            .map(|i| row["cells"][i]["amount"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(cells("event"), ["1.000", "1.000"]);
    assert_eq!(cells("webinar"), ["0.334", "1.000"]);
    assert_eq!(cells("paid_search"), ["0.333", "0.000"]);
}
