//! `credits.csv` explains each row: the model (name and version) that gave the credit and
//! the attribution key the touches were grouped by — on the three-partner campaign of
//! `report_facts.rs`, by hand.

use crate::report_facts::{package_file, three_partner_campaign};
use crate::support::run_in;

/// `model`, `key`, `partner` and `amount` of every row, in file order.
fn rows(csv: &str) -> Vec<[String; 4]> {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let at = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (m, k, p, a) = (at("model"), at("key"), at("partner"), at("amount"));
    lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            [f[m], f[k], f[p], f[a]].map(str::to_string)
        })
        .collect()
}

#[test]
fn each_credit_names_its_model_and_key() {
    let d = tempfile::tempdir().unwrap();
    let file = three_partner_campaign(d.path());
    let (code, _, stderr) = run_in(
        d.path(),
        &[
            "track-source",
            "--campaign-file",
            file.to_str().unwrap(),
            "--attribution-model",
            "linear",
            "--attribution-key",
            "channel:asset",
            "--detail",
            "full",
        ],
        &[],
    );
    assert_eq!(code, 0, "{stderr}");
    let csv = package_file(d.path(), "credits.csv");
    assert!(
        csv.lines()
            .next()
            .unwrap()
            .ends_with(",amount,currency,model,key"),
        "{csv}"
    );
    // By hand, linear: O1 (1,000.00) has Beta's 03-02 email and Gamma's 03-03 event, half
    // each; O2 (600.00) has Gamma's 03-04 event alone. The key is channel and asset, as given.
    let row = |p: &str, a: &str| ["linear@1.0.0", "channel:asset", p, a].map(str::to_string);
    assert_eq!(
        rows(&csv),
        vec![
            row("Beta", "500.00"),
            row("Gamma", "500.00"),
            row("Gamma", "600.00"),
        ]
    );
}
