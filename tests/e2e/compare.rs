//! `ascribe compare` end to end: agreement figures against a campaign small enough to work
//! out by hand, a failing model among good ones, the demo campaign checked against
//! `track-source` and against a second computation of the agreement, and compare.html in
//! headless Chromium.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::str::FromStr;
use std::time::{Duration, Instant};

use ascribe::runtime::Limits;
use ascribe::runtime::model::JourneyColumns;
use rust_decimal::Decimal;
use serde_json::Value;

use crate::dashboard::check_in_browser;
use crate::support::*;

struct Run {
    status: i32,
    stdout: String,
    stderr: String,
    dir: tempfile::TempDir,
}

/// Runs the binary with a private cache, state directory and output directory (`out/` in
/// a fresh temporary directory, which is also the working directory).
fn ascribe(args: &[&str]) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let (status, stdout, stderr) = outcome(&mut ascribe_out(dir.path(), args));
    Run {
        status,
        stdout,
        stderr,
        dir,
    }
}

/// `compare --campaign-file FILE EXTRA…`, as [`ascribe`] runs it.
fn compare_run(file: &str, extra: &[&str]) -> Run {
    ascribe(&[&["compare", "--campaign-file", file], extra].concat())
}

/// The one comparison package the run wrote: `out/<campaign>/compare-<run-id>/`.
fn package(run: &Run, campaign: &str) -> PathBuf {
    let dir = only_package(&run.dir.path().join("out").join(campaign), &run.stderr);
    let name = dir.file_name().unwrap().to_string_lossy().into_owned();
    assert!(name.starts_with("compare-"), "{name}");
    for f in ["compare.html", "compare.csv", "compare.json"] {
        assert!(dir.join(f).is_file(), "{f} in {}", dir.display());
    }
    dir
}

fn json_of(dir: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(dir.join("compare.json")).unwrap()).unwrap()
}

fn dec(v: &Value) -> Decimal {
    Decimal::from_str(
        v.as_str()
            .unwrap_or_else(|| panic!("money is a string: {v}")),
    )
    .unwrap()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("a number: {v}"))
}

/// A campaign of three opportunities whose credit anyone can work out on paper:
///
/// ```text
/// O1  a1.example  USD 1,000.00   email (Mar 2) → webinar (Mar 3) → event (Mar 4)
/// O2  a2.example  USD   600.00   webinar (Mar 2) → event (Mar 5)
/// O3  a3.example  USD   400.00   email (Mar 6)
/// ```
///
/// One asset name is markup that throws if it ever reaches the page unescaped.
pub fn hand_campaign(dir: &Path) -> PathBuf {
    std::fs::write(
        dir.join("touches.csv"),
        "email,company,time,channel,asset\n\
         ann@a1.example,a1.example,2026-03-02 10:00,Email,invite\n\
         ann@a1.example,a1.example,2026-03-03 10:00,Webinar,demo\n\
         ann@a1.example,a1.example,2026-03-04 10:00,Event,\"<script>throw new Error(\"\"unescaped\"\")</script>\"\n\
         bob@a2.example,a2.example,2026-03-02 11:00,Webinar,demo\n\
         bob@a2.example,a2.example,2026-03-05 11:00,Event,roadshow\n\
         cat@a3.example,a3.example,2026-03-06 09:00,Email,invite\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("deals.csv"),
        "id,company,stage,amount,currency,created\n\
         O1,a1.example,open,1000.00,USD,2026-03-10\n\
         O2,a2.example,open,600.00,USD,2026-03-11\n\
         O3,a3.example,open,400.00,USD,2026-03-12\n",
    )
    .unwrap();
    let file = dir.join("hand.toml");
    std::fs::write(
        &file,
        format!(
            r#"{}"won" = "closed_won"

{}
{}"#,
            hand_campaign_head("hand", "Hand-computed campaign"),
            touch_source("acme-touches", "touches.csv"),
            deal_source("acme-deals", "deals.csv", "currency")
        ),
    )
    .unwrap();
    file
}

/// The hand-computed table, in the order compare.json lists rows (by mean share):
///
/// ```text
///             first-touch        last-touch         linear
/// email       1,400.00  .70        400.00  .20       733.34  .36667
/// event           0.00  0        1,600.00  .80       633.33  .316665
/// webinar       600.00  .30          0.00  0         633.33  .316665
/// ```
///
/// first-touch: O1 → email, O2 → webinar, O3 → email. last-touch: O1 → event, O2 → event,
/// O3 → email. linear: O1 is 100,000 cents in thirds, 33,333.33 each: floors 33,333 × 3,
/// the cent left over goes to the earliest touch (email), so 333.34 / 333.33 / 333.33;
/// O2 300 / 300; O3 400 to email. Mean shares: email (.7 + .2 + .36667) / 3 = .42222,
/// event (0 + .8 + .316665) / 3 = .37222, webinar (.3 + 0 + .316665) / 3 = .20556.
const HAND: [(&str, [&str; 3], [f64; 3]); 3] = [
    (
        "email",
        ["1400.00", "400.00", "733.34"],
        [0.7, 0.2, 0.36667],
    ),
    ("event", ["0.00", "1600.00", "633.33"], [0.0, 0.8, 0.316665]),
    (
        "webinar",
        ["600.00", "0.00", "633.33"],
        [0.3, 0.0, 0.316665],
    ),
];

fn check_hand_rows(j: &Value, models: usize) {
    let rows = j["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 3, "{rows:?}");
    for (row, (value, amounts, shares)) in rows.iter().zip(HAND) {
        assert_eq!(row["value"], value);
        let cells = row["cells"].as_array().unwrap();
        assert_eq!(cells.len(), models);
        for m in 0..3 {
            assert_eq!(
                dec(&cells[m]["amount"]),
                Decimal::from_str(amounts[m]).unwrap()
            );
            assert!(
                close(f(&cells[m]["share"]), shares[m]),
                "{value} {m}: {}",
                cells[m]
            );
        }
    }
}

/// Agreement worked out by hand over the rows email, event, webinar.
///
/// Ranks of the credits (1 = smallest, ties share the average):
///   first-touch (1400, 0, 600)     → (3, 1, 2)
///   last-touch  (400, 1600, 0)     → (2, 3, 1)
///   linear      (733.34, 633.33, 633.33) → (3, 1.5, 1.5)
/// Every rank vector has mean (3 + 1) / 2 = 2; deviations:
///   first (1, −1, 0), last (0, 1, −1), linear (1, −0.5, −0.5).
/// ρ(first, last)   = (0 − 1 + 0) / √(2 × 2)             = −0.5
/// ρ(first, linear) = (1 + 0.5 + 0) / √(2 × 1.5)          = 1.5 / √3 = 0.866025…
/// ρ(last, linear)  = (0 − 0.5 + 0.5) / √(2 × 1.5)        = 0
///
/// Largest share differences:
///   first~last:   |.7 − .2| = .5, |0 − .8| = .8, |.3 − 0| = .3            → .8 at event
///   first~linear: |.7 − .36667| = .33333, |0 − .316665| = .316665,
///                 |.3 − .316665| = .016665                               → .33333 at email
///   last~linear:  |.2 − .36667| = .16667, |.8 − .316665| = .483335,
///                 |0 − .316665| = .316665                                → .483335 at event
///
/// Spreads (max − min share over the models): event .8 − 0 = .8 (last-touch high,
/// first-touch low), email .7 − .2 = .5 (first-touch, last-touch), webinar .316665 − 0 =
/// .316665 (linear, last-touch; first-touch's .3 is in between).
fn check_hand_agreement(j: &Value) {
    let pairs = j["agreement"].as_array().unwrap();
    let want = [
        ("first-touch", "last-touch", Some(-0.5), 0.8, "event"),
        (
            "first-touch",
            "linear",
            Some(1.5 / 3f64.sqrt()),
            0.33333,
            "email",
        ),
        ("last-touch", "linear", Some(0.0), 0.483335, "event"),
    ];
    assert_eq!(pairs.len(), want.len(), "{pairs:?}");
    for (p, (a, b, rho, diff, at)) in pairs.iter().zip(want) {
        assert_eq!((p["a"].as_str(), p["b"].as_str()), (Some(a), Some(b)));
        let got = p["spearman"].as_f64();
        assert!(
            got.zip(rho).is_some_and(|(g, r)| close(g, r)),
            "{a}~{b}: ρ {got:?}, by hand {rho:?}"
        );
        assert!(close(f(&p["max_share_difference"]), diff), "{a}~{b}: {p}");
        assert_eq!(p["at"], at, "{a}~{b}");
    }
    let d = j["disagreements"].as_array().unwrap();
    let want = [
        ("event", 0.8, "last-touch", "first-touch"),
        ("email", 0.5, "first-touch", "last-touch"),
        ("webinar", 0.316665, "linear", "last-touch"),
    ];
    assert_eq!(d.len(), want.len(), "{d:?}");
    for (x, (value, spread, high, low)) in d.iter().zip(want) {
        assert_eq!(x["value"], value);
        assert!(close(f(&x["spread"]), spread), "{x}");
        assert_eq!(x["high"]["model"], high, "{x}");
        assert_eq!(x["low"]["model"], low, "{x}");
    }
}

#[test]
fn agreement_matches_the_hand_computed_campaign() {
    let src = tempfile::tempdir().unwrap();
    let file = hand_campaign(src.path());
    let run = compare_run(
        file.to_str().unwrap(),
        &[
            "--models",
            "first-touch,last-touch,linear",
            "--format",
            "json",
        ],
    );
    assert_eq!(run.status, 0, "stderr:\n{}", run.stderr);
    let dir = package(&run, "hand");
    let j = json_of(&dir);
    // --format json prints the same document the package holds.
    assert_eq!(
        run.stdout,
        std::fs::read_to_string(dir.join("compare.json")).unwrap()
    );
    assert_eq!(j["measure"], "pipeline");
    assert_eq!(j["dimension"], "channel");
    assert_eq!(dec(&j["total"]), Decimal::from_str("2000.00").unwrap());
    assert_eq!(j["conversions"], 3);
    let models = j["models"].as_array().unwrap();
    let labels: Vec<&str> = models
        .iter()
        .map(|m| m["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["first-touch", "last-touch", "linear"]);
    for m in models {
        assert_eq!(m["status"], "ok", "{m}");
        assert_eq!(dec(&m["credited"]), Decimal::from_str("2000.00").unwrap());
    }
    // Parameters in force: last-touch takes none (last non-direct is a journey filter).
    assert_eq!(models[1]["params"], serde_json::json!([]));
    check_hand_rows(&j, 3);
    check_hand_agreement(&j);

    // The CSV: one line per value and model, amounts exact.
    let csv = std::fs::read_to_string(dir.join("compare.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "dimension,value,model,measure,amount,currency,share,status,error"
    );
    assert_eq!(lines.len(), 1 + 3 * 3);
    assert_eq!(
        lines[3],
        "channel,email,linear,pipeline,733.34,USD,0.366670,ok,"
    );
    assert_eq!(
        lines[5],
        "channel,event,last-touch,pipeline,1600.00,USD,0.800000,ok,"
    );

    // The same inputs give the same run id and byte-identical files.
    let again = compare_run(
        file.to_str().unwrap(),
        &["--models", "first-touch,last-touch,linear"],
    );
    assert_eq!(again.status, 0, "stderr:\n{}", again.stderr);
    let dir2 = package(&again, "hand");
    assert_eq!(dir.file_name(), dir2.file_name());
    for f in ["compare.html", "compare.csv", "compare.json"] {
        assert_eq!(
            std::fs::read(dir.join(f)).unwrap(),
            std::fs::read(dir2.join(f)).unwrap(),
            "{f}"
        );
    }
    // The table on stdout: the figures and the agreement, readable.
    assert!(
        again
            .stdout
            .contains("first-touch ~ linear           0.866         33.3 pp  email"),
        "{}",
        again.stdout
    );
    assert!(
        again
            .stdout
            .contains("event: 0.0% (first-touch) to 80.0% (last-touch), spread 80.0 pp"),
        "{}",
        again.stdout
    );
}

/// The error the panicking plugin gives, from the runtime directly.
fn panic_error() -> String {
    let (rt, _d) = runtime();
    let p = rt
        .load(&hostile("hostile-model"), None, Limits::default())
        .unwrap();
    let mut j = JourneyColumns {
        keys: vec!["a".into()],
        partners: vec!["p".into()],
        touch_key: vec![0],
        touch_time_ms: vec![0],
        touch_flags: vec![1],
        touch_partner: vec![0],
        journey_offsets: vec![0, 1],
        conversions: vec![1.0],
        nulls: vec![0.0],
        value: vec![1.0],
        conversion_time_ms: vec![0],
    };
    // As the pipeline asks a model, statistics → solve → weights for a mergeable one.
    ascribe::pipeline::attribute::answer(&p, &mut j, &[])
        .unwrap_err()
        .to_string()
}

#[test]
fn a_failing_model_fails_in_its_column_and_the_others_complete() {
    let src = tempfile::tempdir().unwrap();
    let file = hand_campaign(src.path());
    let panic_wasm = hostile("hostile-model");
    let models = format!("first-touch,last-touch,{},linear", panic_wasm.display());
    let run = compare_run(file.to_str().unwrap(), &["--models", &models]);
    // Some models completed: success, with the failure on stderr and in its column.
    assert_eq!(run.status, 0, "stderr:\n{}", run.stderr);
    let error = panic_error();
    assert!(
        error.starts_with("plugin hostile-model@0.0.1 (sha256:")
            // A mergeable model runs as statistics → solve → weights; the panic is in weights.
            && error.contains("failed in `weights`: crashed: panicked at ")
            && error
                .ends_with(": boom: the hostile plugin gave up; report it to the plugin's author"),
        "{error}"
    );
    assert!(
        run.stderr
            .contains(&format!("warning: model hostile-model failed: {error}")),
        "stderr:\n{}",
        run.stderr
    );
    assert!(
        run.stdout.contains(&format!("    hostile-model: {error}")),
        "{}",
        run.stdout
    );
    let dir = package(&run, "hand");
    let j = json_of(&dir);
    let m = &j["models"][2];
    assert_eq!(m["label"], "hostile-model");
    assert_eq!(m["status"], "failed");
    assert_eq!(m["error"], error.as_str());
    assert_eq!(m["credited"], Value::Null);
    // Its cell in every row is empty; the three good models have the hand-computed figures
    // and agreement, as if the failing one had never been asked.
    let rows = j["rows"].as_array().unwrap();
    for row in rows {
        assert_eq!(row["cells"][2], Value::Null, "{row}");
    }
    let mut good = j.clone();
    for row in good["rows"].as_array_mut().unwrap() {
        row["cells"].as_array_mut().unwrap().remove(2);
    }
    check_hand_rows(&good, 3);
    check_hand_agreement(&j);
    // The CSV carries the error word for word on the failed model's lines.
    let mut r = csv::Reader::from_path(dir.join("compare.csv")).unwrap();
    let failed: Vec<csv::StringRecord> = r
        .records()
        .map(|x| x.unwrap())
        .filter(|x| &x[2] == "hostile-model")
        .collect();
    assert_eq!(failed.len(), 3);
    for x in &failed {
        assert_eq!(
            (&x[4], &x[6], &x[7], &x[8]),
            ("", "", "failed", error.as_str())
        );
    }
    // The page puts the error in the model's column and in the failure banner.
    let html = std::fs::read_to_string(dir.join("compare.html")).unwrap();
    let escaped = ascribe::report::dashboard::esc(&error);
    assert!(
        html.contains(&format!("<td class=\"err\" rowspan=\"3\">{escaped}</td>")),
        "error cell"
    );
    assert!(html.contains("1 of 4 models failed; the others completed"));

    // Every model failing is a failure of the command.
    let run = compare_run(
        file.to_str().unwrap(),
        &["--models", panic_wasm.to_str().unwrap()],
    );
    assert_ne!(run.status, 0, "stdout:\n{}", run.stdout);
    assert!(
        run.stderr
            .contains("error: every model failed; nothing to compare"),
        "{}",
        run.stderr
    );
}

#[test]
fn model_names_and_parameters_are_checked_before_any_work() {
    let src = tempfile::tempdir().unwrap();
    let file = hand_campaign(src.path());
    let file = file.to_str().unwrap();
    let run = compare_run(file, &["--models", "linear,nope"]);
    assert_ne!(run.status, 0);
    assert!(
        run.stderr.contains(
            "error: unknown model `nope`; valid models: first-touch, last-touch, multi-touch, "
        ),
        "{}",
        run.stderr
    );
    let run = compare_run(
        file,
        &["--models", "linear,last-touch", "--param", "half_life=7d"],
    );
    // One rule for every command (issue 22): a bare parameter goes to every model that
    // declares it, and one that no model declares is refused before any work.
    assert_ne!(run.status, 0);
    assert_eq!(
        run.stderr,
        "error: --param half_life=…: no model given takes a parameter `half_life` (linear takes none; last-touch takes none)\n"
    );
    // A scoped parameter reaches its model only: position-based with first = 1 and
    // last = 0 is first touch (two touches split first:last, 1:0), so O1 (1,000.00) goes
    // to its email, O2 (600.00) to its webinar, O3 (400.00) to its one email.
    let run = compare_run(
        file,
        &[
            "--models",
            "linear,position-based",
            "--param",
            "position-based.first=1",
            "--param",
            "position-based.last=0",
            "--format",
            "json",
        ],
    );
    assert_eq!(run.status, 0, "{}", run.stderr);
    let j: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        j["models"][1]["params"],
        serde_json::json!([["first", "1"], ["last", "0"]])
    );
    assert_eq!(j["models"][0]["params"], serde_json::json!([]));
    let webinar = find_by(&j["rows"], "value", "webinar");
    assert_eq!(dec(&webinar["cells"][1]["amount"]), Decimal::from(600));
    let email = find_by(&j["rows"], "value", "email");
    assert_eq!(dec(&email["cells"][1]["amount"]), Decimal::from(1400));
}

/// Spearman's ρ the slow, obvious way, to check the host's: the rank of x is the number
/// of values below it plus the average position among its equals.
fn naive_spearman(a: &[i128], b: &[i128]) -> Option<f64> {
    let rank = |v: &[i128]| -> Vec<f64> {
        v.iter()
            .map(|x| {
                let below = v.iter().filter(|y| *y < x).count() as f64;
                let equal = v.iter().filter(|y| *y == x).count() as f64;
                below + (equal + 1.0) / 2.0
            })
            .collect()
    };
    let (ra, rb) = (rank(a), rank(b));
    let n = a.len() as f64;
    let (ma, mb) = (ra.iter().sum::<f64>() / n, rb.iter().sum::<f64>() / n);
    let cov: f64 = ra.iter().zip(&rb).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let va: f64 = ra.iter().map(|x| (x - ma).powi(2)).sum();
    let vb: f64 = rb.iter().map(|y| (y - mb).powi(2)).sum();
    (va > 0.0 && vb > 0.0).then(|| cov / (va * vb).sqrt())
}

fn cents(d: Decimal) -> i128 {
    let mut d = d;
    d.rescale(2);
    d.mantissa()
}

const NINE: &str =
    "first-touch,last-touch,linear,time-decay,position-based,w-shaped,full-path,markov,shapley";

#[test]
fn demo_campaign_all_nine_models_agree_with_track_source_and_open_in_chromium() {
    let file = workspace().join("fixtures/campaigns/ai-launch-tour.toml");
    let file = file.to_str().unwrap();
    let started = Instant::now();
    let run = compare_run(file, &["--models", NINE]);
    assert_eq!(run.status, 0, "stderr:\n{}", run.stderr);
    let took = started.elapsed();
    let dir = package(&run, "ai-launch-tour");
    let j = json_of(&dir);
    let models = j["models"].as_array().unwrap();
    assert_eq!(models.len(), 9);
    let total = dec(&j["total"]) - dec(&j["unattributed"]);
    for m in models {
        assert_eq!(m["status"], "ok", "{m}");
        // Exact: every model credits the whole attributed total, to the cent.
        assert_eq!(dec(&m["credited"]), total, "{}", m["label"]);
    }
    let rows = j["rows"].as_array().unwrap();
    assert!(rows.len() >= 10, "channels: {}", rows.len());
    let units: Vec<Vec<i128>> = (0..9)
        .map(|m| {
            rows.iter()
                .map(|r| cents(dec(&r["cells"][m]["amount"])))
                .collect()
        })
        .collect();
    for (m, u) in units.iter().enumerate() {
        assert_eq!(u.iter().sum::<i128>(), cents(total), "column {m} adds up");
    }
    // Agreement recomputed from the amounts in the file, independently.
    let pairs = j["agreement"].as_array().unwrap();
    assert_eq!(pairs.len(), 9 * 8 / 2);
    let mut k = 0;
    for a in 0..9 {
        for b in a + 1..9 {
            let p = &pairs[k];
            k += 1;
            assert_eq!(p["a"], models[a]["label"]);
            assert_eq!(p["b"], models[b]["label"]);
            let want = naive_spearman(&units[a], &units[b]);
            let got = p["spearman"].as_f64();
            assert!(
                match (got, want) {
                    (Some(g), Some(w)) => (g - w).abs() < 1e-9,
                    (None, None) => true,
                    _ => false,
                },
                "{}~{}: {got:?} vs {want:?}",
                p["a"],
                p["b"]
            );
            let (ta, tb) = (cents(total) as f64, cents(total) as f64);
            let diff = units[a]
                .iter()
                .zip(&units[b])
                .map(|(x, y)| (*x as f64 / ta - *y as f64 / tb).abs())
                .fold(0.0, f64::max);
            assert!((f(&p["max_share_difference"]) - diff).abs() < 1e-12, "{p}");
        }
    }
    let d = j["disagreements"].as_array().unwrap();
    assert_eq!(d.len(), 3);
    let max_spread = rows.iter().map(|r| f(&r["spread"])).fold(0.0, f64::max);
    assert_eq!(f(&d[0]["spread"]), max_spread);

    // The position-based column is exactly what track-source credits each channel with.
    let out = tempfile::tempdir().unwrap();
    let o = ascribe_out(
        out.path(),
        &[
            "track-source",
            "--campaign-file",
            file,
            "--attribution-model",
            "position-based",
            "--dimensions",
            "channel",
            "--format",
            "json",
        ],
    )
    .output()
    .unwrap();
    assert!(
        o.status.success() || o.status.code() == Some(3),
        "track-source: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let report: Value = serde_json::from_slice(&o.stdout).unwrap();
    let credit = find_by(&report["credit"], "dimension", "channel")["rows"]
        .as_array()
        .unwrap();
    let pb = models
        .iter()
        .position(|m| m["label"] == "position-based")
        .unwrap();
    assert_eq!(
        models[pb]["params"],
        serde_json::json!([["first", "0.4"], ["last", "0.4"]])
    );
    for row in credit
        .iter()
        .filter(|r| dec(&r["pipeline"]) != Decimal::ZERO)
    {
        let mine = rows
            .iter()
            .find(|r| r["value"] == row["value"])
            .unwrap_or_else(|| panic!("{} missing", row["value"]));
        assert_eq!(
            dec(&mine["cells"][pb]["amount"]),
            dec(&row["pipeline"]),
            "{}",
            row["value"]
        );
    }

    // The page in a real browser; the screenshot is kept for people to look at.
    let shot = workspace().join("target/screenshots/compare.png");
    browser_check(&dir.join("compare.html"), &shot);
    eprintln!("compare of nine models on the demo campaign: {took:?} end to end (debug build)");
}

#[test]
fn compare_html_escapes_everything_and_renders_in_chromium() {
    let src = tempfile::tempdir().unwrap();
    let file = hand_campaign(src.path());
    let models = format!("first-touch,linear,{}", hostile("hostile-model").display());
    let run = compare_run(
        file.to_str().unwrap(),
        &["--models", &models, "--dimension", "asset"],
    );
    assert_eq!(run.status, 0, "stderr:\n{}", run.stderr);
    let dir = package(&run, "hand");
    let html = std::fs::read_to_string(dir.join("compare.html")).unwrap();
    assert!(!html.contains("<script"), "no markup from data");
    assert!(html.contains("&lt;script&gt;throw new Error(&quot;unescaped&quot;)&lt;/script&gt;"));
    browser_check(&dir.join("compare.html"), &dir.join("hostile.png"));
}

/// Ids the compare page must hold once rendered.
const COMPARE_IDS: [&str; 5] = [
    "chart-compare",
    "table-credit",
    "table-agreement",
    "table-models",
    "disagreement",
];

/// `check_in_browser` (dashboard.rs) takes the screenshot and fails on any console message;
/// it also asks for the dashboard's chart ids, which this page does not have, so only those
/// complaints are set aside — and this page's own ids are checked in the rendered DOM.
fn browser_check(html: &Path, screenshot: &Path) {
    if let Err(e) = check_in_browser(html, screenshot) {
        let rest: Vec<&str> = e
            .lines()
            .filter(|l| {
                !l.starts_with("the rendered DOM has no #chart-") || l.contains("chart-compare")
            })
            .collect();
        assert!(
            rest.is_empty(),
            "compare.html failed in the browser:\n{}",
            rest.join("\n")
        );
    }
    let dom = dump_dom(html);
    for id in COMPARE_IDS {
        assert!(
            dom.contains(&format!("id=\"{id}\"")),
            "the rendered DOM has no #{id}"
        );
    }
}

/// The DOM as Chromium built it (`--dump-dom`).
fn dump_dom(html: &Path) -> String {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("dom.html");
    let mut child = Command::new("/usr/bin/chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--dump-dom",
        ])
        .arg(format!(
            "--user-data-dir={}",
            dir.path().join("profile").display()
        ))
        .arg(format!("file://{}", html.canonicalize().unwrap().display()))
        .stdin(std::process::Stdio::null())
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("starting chromium");
    let started = Instant::now();
    loop {
        if let Some(s) = child.try_wait().unwrap() {
            assert!(s.success(), "chromium --dump-dom: {s}");
            break;
        }
        if started.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium --dump-dom did not finish within 120 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    std::fs::read_to_string(out).unwrap()
}
