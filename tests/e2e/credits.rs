//! `credits.csv` explains each row: the model (name and version) that gave the credit, the
//! touch's weight within its conversion, and the attribution key the touches were grouped
//! by — on the three-partner campaign of `report_facts.rs`, by hand.

use crate::report_facts::{package_file, three_partner_campaign};
use crate::support::run_campaign;

/// `model`, `key`, `partner`, `amount` and `weight` of every row, in file order.
fn rows(csv: &str) -> Vec<[String; 5]> {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let at = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (m, k, p, a, w) = (
        at("model"),
        at("key"),
        at("partner"),
        at("amount"),
        at("weight"),
    );
    lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            [f[m], f[k], f[p], f[a], f[w]].map(str::to_string)
        })
        .collect()
}

/// `credits.csv` of a full run of `model` keyed by `key` on the three-partner campaign.
fn credits(model: &str, key: &str) -> String {
    let d = tempfile::tempdir().unwrap();
    let file = three_partner_campaign(d.path());
    let (code, _, stderr) = run_campaign(
        d.path(),
        "track-source",
        &file,
        &[
            "--attribution-model",
            model,
            "--attribution-key",
            key,
            "--detail",
            "full",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    package_file(d.path(), "credits.csv")
}

#[test]
fn each_credit_names_its_model_weight_and_key() {
    let csv = credits("linear", "channel:asset");
    assert!(
        csv.lines()
            .next()
            .unwrap()
            .ends_with(",amount,currency,model,key,weight"),
        "{csv}"
    );
    // By hand, linear: O1 (1,000.00) has Beta's 03-02 email and Gamma's 03-03 event, 1/2
    // each; O2 (600.00) has Gamma's 03-04 event alone, 1/1. The key is channel and asset,
    // as given.
    let row = |p: &str, a: &str, w: f64| {
        ["linear@1.0.0", "channel:asset", p, a, &w.to_string()].map(str::to_string)
    };
    assert_eq!(
        rows(&csv),
        vec![
            row("Beta", "500.00", 1.0 / 2.0),
            row("Gamma", "500.00", 1.0 / 2.0),
            row("Gamma", "600.00", 1.0 / 1.0),
        ]
    );
}

#[test]
fn a_touch_the_model_gives_nothing_has_weight_zero() {
    let csv = credits("first-touch", "channel");
    // By hand, first touch: all of O1 to Beta's email (the earlier touch), none to Gamma's
    // event in the same journey; all of O2 to Gamma's event, its only touch.
    let row =
        |p: &str, a: &str, w: &str| ["first-touch@1.0.0", "channel", p, a, w].map(str::to_string);
    assert_eq!(
        rows(&csv),
        vec![
            row("Beta", "1000.00", "1"),
            row("Gamma", "0.00", "0"),
            row("Gamma", "600.00", "1"),
        ]
    );
}
