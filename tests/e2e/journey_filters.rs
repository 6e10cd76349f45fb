//! Journey filters: a model's own exclude filters (`model = …`), ones that keep a journey
//! with nothing else (`unless_alone`), and last touch's default, last non-direct, which is
//! one of them — with hand-computed credit.

use std::path::{Path, PathBuf};

use crate::report_facts::package_file;
use crate::support::{
    deal_source, find_by, hand_campaign_head, run_campaign, string_pairs, touch_source,
};

/// Acme's deals, Beta's touches (channels as given: no web medium, so the default channel
/// rules keep them). `filters`: the `[filters]` table, or nothing.
fn campaign(dir: &Path, filters: &str) -> PathBuf {
    write_three_deals(
        dir,
        [
            "email",
            "direct",
            "direct",
            "webinar",
            "direct",
            "paid_search",
        ],
    );
    let file = dir.join("filters.toml");
    write_acme_and_beta(&file, "Journey filters", "", "data/touches.csv", filters);
    file
}

/// Acme's three deals (O1 1,000.00 at a1.example on 03-10, O2 600.00 at a2.example on
/// 03-11, O3 300.00 at a3.example on 03-12) and Beta's six touches before them, with these
/// channels: ann at a1 on 03-02 and 03-05, bob at a2 on 03-03, cat at a3 on 03-01, 03-04
/// and 03-06.
pub(crate) fn write_three_deals(dir: &Path, channels: [&str; 6]) {
    let data = dir.join("data");
    std::fs::create_dir_all(&data).unwrap();
    let who = [
        "ann@a1.example,a1.example,2026-03-02 10:00",
        "ann@a1.example,a1.example,2026-03-05 10:00",
        "bob@a2.example,a2.example,2026-03-03 10:00",
        "cat@a3.example,a3.example,2026-03-01 10:00",
        "cat@a3.example,a3.example,2026-03-04 10:00",
        "cat@a3.example,a3.example,2026-03-06 10:00",
    ];
    let mut touches = String::from("email,company,time,channel,asset\n");
    for (w, ch) in who.iter().zip(channels) {
        touches.push_str(&format!("{w},{ch},\n"));
    }
    std::fs::write(data.join("touches.csv"), touches).unwrap();
    std::fs::write(
        data.join("deals.csv"),
        "id,company,stage,amount,Currency Code,created\n\
         O1,a1.example,open,1000.00,USD,2026-03-10\n\
         O2,a2.example,open,600.00,USD,2026-03-11\n\
         O3,a3.example,open,300.00,USD,2026-03-12\n",
    )
    .unwrap();
}

/// A hand-computed campaign file: Acme (the host: `acme` after its `open` stage, then its
/// deals from `data/deals.csv`), then Beta's touches from `beta_touches`, linear the
/// default model, then `tail`.
pub(crate) fn write_acme_and_beta(
    file: &Path,
    name: &str,
    acme: &str,
    beta_touches: &str,
    tail: &str,
) {
    let stem = file.file_stem().unwrap().to_str().unwrap();
    let text = format!(
        "{}{acme}\n{}\n[[partners]]\nname = \"Beta\"\nrole = \"co-host\"\nowner = \"Beta marketing\"\n\n{}{LINEAR}{tail}",
        hand_campaign_head(stem, name),
        deal_source("acme-deals", "data/deals.csv", "Currency Code"),
        touch_source("beta-touches", beta_touches),
    );
    std::fs::write(file, text).unwrap();
}

/// The campaign's default model.
pub(crate) const LINEAR: &str =
    "\n[[models]]\nname = \"linear\"\nplugin = \"linear\"\ndefault = true\n";

/// report.json of a track-source run with `model`, and its channel credit (value,
/// pipeline), sorted by value.
fn track(filters: &str, model: &str) -> (serde_json::Value, Vec<(String, String)>) {
    let d = tempfile::tempdir().unwrap();
    let file = campaign(d.path(), filters);
    let (code, _, stderr) = run_campaign(
        d.path(),
        "track-source",
        &file,
        &["--attribution-model", model],
    );
    assert_eq!(code, 0, "{stderr}");
    let r: serde_json::Value =
        serde_json::from_str(&package_file(d.path(), "report.json")).unwrap();
    let mut rows = string_pairs(
        &find_by(&r["credit"], "dimension", "channel")["rows"],
        "value",
        "pipeline",
    );
    rows.sort();
    (r, rows)
}

pub(crate) fn v(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn last_touch_is_last_non_direct_by_default() {
    let (r, credit) = track("", "last-touch");
    // O1 (1,000.00): email 03-02, direct 03-05: direct is passed over, email is last.
    // O2 (600.00): direct alone: kept whole, direct takes it.
    // O3 (300.00): webinar, direct, paid_search: paid_search is last anyway.
    assert_eq!(
        credit,
        v(&[
            ("direct", "600.00"),
            ("email", "1000.00"),
            ("paid_search", "300.00"),
            ("webinar", "0.00")
        ])
    );
    let f = &r["data"]["filters"]["filters"][0];
    assert_eq!(
        f["filter"],
        "exclude channel \"direct\" from last-touch's journeys, unless the journey has nothing else (last-touch's default: last non-direct)"
    );
    assert_eq!(f["scope"], "journeys");
    // O1's and O3's direct touches; O2's journey kept whole.
    assert_eq!(f["touches"], 2);
    assert_eq!(f["journeys_kept_whole"], 1);
    // The dataset lost nothing.
    assert_eq!(r["data"]["filters"]["touches_removed"], 0);
}

#[test]
fn model_defaults_off_is_classic_last_click() {
    let (r, credit) = track("\n[filters]\nmodel_defaults = false\n", "last-touch");
    // Every journey's last touch: O1's and O2's are direct.
    assert_eq!(
        credit,
        v(&[
            ("direct", "1600.00"),
            ("email", "0.00"),
            ("paid_search", "300.00"),
            ("webinar", "0.00")
        ])
    );
    assert_eq!(r["data"]["filters"]["filters"], serde_json::json!([]));
}

#[test]
fn a_journey_filter_reaches_only_the_models_it_names() {
    // Linear with last touch's default in force: not linear's, so nothing is passed over.
    // O1: email and direct, 500.00 each; O2: direct 600.00; O3: 100.00 each of three.
    let (r, credit) = track("", "linear");
    assert_eq!(
        credit,
        v(&[
            ("direct", "1200.00"),
            ("email", "500.00"),
            ("paid_search", "100.00"),
            ("webinar", "100.00")
        ])
    );
    let f = &r["data"]["filters"]["filters"][0];
    assert_eq!(
        (f["touches"].as_u64(), f["journeys_kept_whole"].as_u64()),
        (Some(0), Some(0))
    );

    // A filter without a model reaches every model: linear over the touches left.
    // O1: email 1,000.00; O2: direct alone, kept: 600.00; O3: webinar and paid_search, 150.00
    // each.
    let (r, credit) = track(
        "\n[filters]\nexclude = [{ channel = \"direct\", unless_alone = true }]\n",
        "linear",
    );
    assert_eq!(
        credit,
        v(&[
            ("direct", "600.00"),
            ("email", "1000.00"),
            ("paid_search", "150.00"),
            ("webinar", "150.00")
        ])
    );
    let filters = r["data"]["filters"]["filters"].as_array().unwrap();
    // The file's filter (line 59), then last touch's default (still in force for it).
    assert_eq!(filters.len(), 2);
    assert_eq!(filters[0]["touches"], 2);
    assert_eq!(filters[0]["journeys_kept_whole"], 1);
}

#[test]
fn compare_applies_each_models_journey_filters_to_its_column_only() {
    let d = tempfile::tempdir().unwrap();
    let file = campaign(d.path(), "");
    let (code, stdout, stderr) = run_campaign(
        d.path(),
        "compare",
        &file,
        &["--models", "last-touch,linear", "--format", "json"],
    );
    assert_eq!(code, 0, "{stderr}");
    let c: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let cells = |value: &str| -> Vec<String> {
        let row = find_by(&c["rows"], "value", value);
        (0..2)
            .map(|i| row["cells"][i]["amount"].as_str().unwrap().to_string())
            .collect()
    };
    // As the track-source runs above: last non-direct for last-touch, every touch for
    // linear.
    assert_eq!(cells("direct"), ["600.00", "1200.00"]);
    assert_eq!(cells("email"), ["1000.00", "500.00"]);
}

#[test]
fn a_bad_journey_filter_names_its_line() {
    let d = tempfile::tempdir().unwrap();
    let file = campaign(
        d.path(),
        "\n[filters]\ninclude = [{ channel = \"email\", unless_alone = true }]\n",
    );
    let (code, _, stderr) = run_campaign(d.path(), "track-source", &file, &[]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("filters.toml:59: `filters.include.unless_alone`: only an exclude filter can pass over touches unless a journey has nothing else; move it to `exclude`"),
        "{stderr}"
    );
}
