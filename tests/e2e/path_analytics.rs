//! report.json's `paths`: the journeys' top paths, lengths, days to conversion and
//! transition matrix, on a campaign small enough to compute by hand.

use crate::taxonomy::{RULES, campaign_with, report_with};

#[test]
fn the_report_shows_the_journeys_paths_lengths_days_and_chain() {
    let d = tempfile::tempdir().unwrap();
    let file = campaign_with(d.path(), RULES);
    let r = report_with(d.path(), &file, &[]);
    let p = &r["paths"];
    assert_eq!(p["key"], "channel");
    // By hand. O1 (a1.example, created 03-10): Beta's 03-02 email (beta_email), Gamma's
    // 03-03 Event (field_events). O2 (a2.example, created 03-11): Gamma's 03-04 Event and
    // 03-05 Webinar (unassigned). No account has touches without an opportunity.
    let paths = |k: &str| -> Vec<(String, u64)> {
        p[k].as_array()
            .unwrap()
            .iter()
            .map(|x| {
                (
                    x["path"].as_str().unwrap().to_string(),
                    x["journeys"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    assert_eq!(
        paths("top_converting"),
        vec![
            ("beta_email > field_events".to_string(), 1),
            ("field_events > unassigned".to_string(), 1)
        ]
    );
    assert!(paths("top_non_converting").is_empty());
    assert_eq!(
        p["lengths"],
        serde_json::json!([{"touches": 2, "converting": 2, "non_converting": 0}])
    );
    // O1: 03-02 10:00 → 03-10, 7.6 days (7–14); O2: 03-04 11:00 → 03-11, 6.5 days (0–7).
    let days: Vec<u64> = p["days_to_conversion"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["journeys"].as_u64().unwrap())
        .collect();
    assert_eq!(days, vec![1, 1, 0, 0, 0, 0]);
    assert_eq!(
        p["days_to_conversion"][5]["to_days"],
        serde_json::Value::Null
    );
    // The chain, each journey weighing 1 (a conversion): (start) → beta_email and →
    // field_events ½ each; beta_email → field_events 1; field_events → (conversion) ½ (O1
    // ends there) and → unassigned ½; unassigned → (conversion) 1.
    let mut t: Vec<(String, String, f64)> = p["transitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["from"].as_str().unwrap().to_string(),
                x["to"].as_str().unwrap().to_string(),
                x["probability"].as_f64().unwrap(),
            )
        })
        .collect();
    t.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    let s = |a: &str, b: &str, x: f64| (a.to_string(), b.to_string(), x);
    assert_eq!(
        t,
        vec![
            s("(start)", "beta_email", 0.5),
            s("(start)", "field_events", 0.5),
            s("beta_email", "field_events", 1.0),
            s("field_events", "(conversion)", 0.5),
            s("field_events", "unassigned", 0.5),
            s("unassigned", "(conversion)", 1.0),
        ]
    );
}
