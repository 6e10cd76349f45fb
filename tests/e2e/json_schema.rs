//! report.json against docs/report.schema.json: the committed schema is the one the types
//! generate, the demo's reports (track-source and compare) match their schemas, and the
//! check can fail. Every other test's reports are validated as they are written
//! (`support::check_reports`, from `outcome`).

use std::path::Path;

use ascribe::report::json_schema::report_schema;
use serde_json::Value;

use crate::support::*;

const SCHEMA_FILE: &str = "docs/report.schema.json";

/// The file's bytes: pretty-printed, keys in serde_json's (sorted) order, one trailing
/// newline, so a regeneration diffs cleanly.
fn generated() -> String {
    format!(
        "{}\n",
        serde_json::to_string_pretty(&report_schema()).unwrap()
    )
}

#[test]
fn the_committed_schema_is_the_generated_one() {
    let path = workspace().join(SCHEMA_FILE);
    if std::env::var_os("ASCRIBE_BLESS_SCHEMA").is_some_and(|v| v == "1") {
        std::fs::write(&path, generated()).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated(),
        "{SCHEMA_FILE} is not what the report types generate (a field of \
         host/src/report/schema.rs changed?). Regenerate it with\n    \
         ASCRIBE_BLESS_SCHEMA=1 cargo test -p ascribe --test e2e json_schema\n\
         and commit the result; never edit it by hand."
    );
}

/// A run on a private copy of the demo campaign, its one package.
fn demo_package(dir: &Path, args: &[&str]) -> std::path::PathBuf {
    let (code, _, err) = run_in(dir, args, &[]);
    assert_eq!(code, 0, "{err}");
    only_package(&dir.join("out/ai-launch-tour"), &err)
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn the_demo_reports_of_track_source_and_compare_match_their_schemas() {
    let (dir, file) = campaign_copy(|t| t);
    let track = tempfile::tempdir_in(dir.path()).unwrap();
    let pkg = demo_package(track.path(), &args(&track_args(&file)));
    let report = json(&pkg.join("report.json"));
    assert_eq!(report_errors(&report), Vec::<String>::new());
    // Not vacuous: the demo fills the lists the schema constrains.
    for list in ["credit", "funnel", "contribution", "actions", "plugins"] {
        assert!(!report[list].as_array().unwrap().is_empty(), "{list}");
    }

    let compare = tempfile::tempdir_in(dir.path()).unwrap();
    let f = file.to_str().unwrap();
    let models = "first-touch,linear,markov";
    let pkg = demo_package(
        compare.path(),
        &["compare", "--campaign-file", f, "--models", models],
    );
    let comparison = json(&pkg.join("compare.json"));
    assert_eq!(comparison_errors(&comparison), Vec::<String>::new());
    assert!(!comparison["rows"].as_array().unwrap().is_empty());
}

fn track_args(file: &Path) -> Vec<String> {
    track(file, &["--window", "campaign"])
}

#[test]
fn a_report_missing_a_field_or_with_a_wrong_type_is_refused() {
    let (dir, file) = campaign_copy(|t| t);
    let pkg = demo_package(dir.path(), &args(&track_args(&file)));
    let report = json(&pkg.join("report.json"));
    assert_eq!(report_errors(&report), Vec::<String>::new());

    let broken = |edit: &dyn Fn(&mut Value), at: &str| {
        let mut r = report.clone();
        edit(&mut r);
        let errors = report_errors(&r);
        assert!(
            errors.iter().any(|e| e.contains(at)),
            "no error at {at}: {errors:?}"
        );
    };
    // A field removed.
    broken(
        &|r| drop(r["headline"].as_object_mut().unwrap().remove("won")),
        "/headline",
    );
    // Money as a float, not a decimal string.
    broken(
        &|r| r["headline"]["pipeline"] = 12.5.into(),
        "/headline/pipeline",
    );
    // A count as a string.
    broken(
        &|r| r["headline"]["touches"] = "3".into(),
        "/headline/touches",
    );
    // A field no version of the report has.
    broken(&|r| r["window"]["timezone"] = "UTC".into(), "/window");
    // A value outside an enum, a date that is not one, a funnel of the wrong length.
    broken(
        &|r| r["funnel"][0]["group_by"] = "region".into(),
        "/funnel/0/group_by",
    );
    broken(&|r| r["window"]["from"] = "1 Sept".into(), "/window/from");
    broken(
        &|r| drop(r["funnel"][0]["counts"].as_array_mut().unwrap().pop()),
        "/funnel/0/counts",
    );
    broken(&|r| r["schema_version"] = 2.into(), "/schema_version");

    // And the check every run gets finds a broken report where the run wrote it.
    let mut r = report.clone();
    r["headline"]["won"] = (-1).into();
    std::fs::write(pkg.join("report.json"), r.to_string()).unwrap();
    let checked = std::panic::catch_unwind(|| {
        check_reports(&ascribe_out(dir.path(), &[]), std::time::UNIX_EPOCH)
    });
    assert!(checked.is_err(), "a broken report.json went unnoticed");
}
