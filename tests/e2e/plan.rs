//! The audit trail: the plan's change log, escalation, disputes, and its refusal to
//! overwrite what it cannot read.

use std::path::Path;

use serde_json::Value;

use crate::support::*;

fn plan(dir: &Path) -> Value {
    serde_json::from_str(
        &std::fs::read_to_string(dir.join("state/plans/plan-ai-launch-tour.json")).unwrap(),
    )
    .unwrap()
}

#[test]
fn each_change_is_logged_from_what_to_what() {
    let (dir, file) = campaign_copy(|t| t);
    let f = file.to_str().unwrap();
    let track = |extra: &[&str]| {
        let mut a = vec!["track-source", "--campaign-file", f, "--out", "out"];
        a.extend_from_slice(extra);
        let (code, _, err) = run_plain(dir.path(), &a);
        assert!(code == 0 || code == 3, "{err}");
    };
    track(&[]);
    assert_eq!(
        plan(dir.path())["change_log"].as_array().unwrap().len(),
        0,
        "the first run changes nothing"
    );
    let p = plan(dir.path());
    assert_eq!(p["pattern"], "diamond");
    assert_eq!(p["tasks"][0]["id"], "gather");
    assert_eq!(
        find_by(&p["tasks"], "id", "merge")["needs"],
        serde_json::json!(["normalize:nimbus-cloud", "normalize:quantia-ai"])
    );

    // 1. Same model, new parameter value.
    track(&["--param", "first=0.5", "--param", "last=0.3"]);
    let log = plan(dir.path())["change_log"].as_array().unwrap().clone();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["what"], "params");
    assert_eq!(log[0]["from"], "first=0.4, last=0.4");
    assert_eq!(log[0]["to"], "first=0.5, last=0.3");

    // 2. A different model.
    track(&["--attribution-model", "linear"]);
    let log = plan(dir.path())["change_log"].as_array().unwrap().clone();
    assert_eq!(log.len(), 2);
    assert_eq!(log[1]["what"], "model");
    assert_eq!(log[1]["from"], "position-based@1.0.0");
    assert_eq!(log[1]["to"], "linear@1.0.0");

    // 3. Changed data: one deal's amount edited in the file.
    let deals = dir.path().join("data/quantia/deals.csv");
    let text = std::fs::read_to_string(&deals).unwrap();
    let old_sha = format!(
        "sha256:{}",
        ascribe::runtime::cache::sha256_hex(text.as_bytes())
    );
    let edited = text.replacen("69867.84", "69867.85", 1);
    assert_ne!(edited, text);
    std::fs::write(&deals, &edited).unwrap();
    track(&["--attribution-model", "linear"]);
    let log = plan(dir.path())["change_log"].as_array().unwrap().clone();
    assert_eq!(log.len(), 3, "{log:#?}");
    assert_eq!(log[2]["what"], "source quantia-deals");
    assert_eq!(log[2]["from"], old_sha);
    assert_eq!(
        log[2]["to"],
        format!(
            "sha256:{}",
            ascribe::runtime::cache::sha256_hex(edited.as_bytes())
        )
    );

    // 4. The reporting cadence.
    let toml = std::fs::read_to_string(&file).unwrap().replace(
        "reporting_cadence = \"weekly\"",
        "reporting_cadence = \"daily\"",
    );
    std::fs::write(&file, toml).unwrap();
    track(&["--attribution-model", "linear"]);
    let log = plan(dir.path())["change_log"].as_array().unwrap().clone();
    assert_eq!(log.len(), 4);
    assert_eq!(
        (
            log[3]["what"].as_str(),
            log[3]["from"].as_str(),
            log[3]["to"].as_str()
        ),
        (Some("reporting_cadence"), Some("weekly"), Some("daily"))
    );
    assert_eq!(plan(dir.path())["runs"].as_array().unwrap().len(), 5);

    let (code, out, _) = run_plain(dir.path(), &["plan", "show", "--campaign-file", f]);
    assert_eq!(code, 0);
    assert!(
        out.contains("run ") && out.contains("reporting_cadence changed from weekly to daily"),
        "{out}"
    );
}

#[test]
fn two_low_confidence_runs_escalate_one_does_not() {
    // A minimum no real run reaches.
    let (dir, file) =
        campaign_copy(|t| t.replace("min_confidence = 0.6", "min_confidence = 0.999"));
    let f = file.to_str().unwrap();
    let args = ["track-source", "--campaign-file", f, "--out", "out"];
    let (code, out, err) = run_plain(dir.path(), &args);
    assert_eq!(code, 0, "one low run is not yet an escalation: {err}");
    assert!(!out.contains("ESCALATED"));
    let (code, out, _) = run_plain(dir.path(), &args);
    assert_eq!(code, 3, "exit 3: completed, escalated");
    assert!(
        out.contains("ESCALATED to Co-marketing Analytics Lead: attribution confidence"),
        "{out}"
    );
    let runs = plan(dir.path())["runs"].as_array().unwrap().clone();
    assert_eq!(
        runs[1]["outcome"],
        "escalated to Co-marketing Analytics Lead"
    );
    // A third low run goes one rung up.
    let (code, out, _) = run_plain(dir.path(), &args);
    assert_eq!(code, 3);
    assert!(
        out.contains("ESCALATED to RevOps/Finance partners"),
        "{out}"
    );
}

#[test]
fn an_open_dispute_escalates_until_resolved() {
    let (dir, file) = campaign_copy(|t| t);
    let f = file.to_str().unwrap();
    let (code, out, err) = run_plain(
        dir.path(),
        &[
            "dispute",
            "add",
            "--campaign-file",
            f,
            "--opportunity",
            "9100000000",
            "--partner",
            "Quantia AI",
            "--reason",
            "we sourced it at the Berlin stop",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out.trim(),
        "dispute 1 opened: Quantia AI disputes opportunity 9100000000 (1 open)"
    );
    let (code, _, err) = run_plain(
        dir.path(),
        &[
            "dispute",
            "add",
            "--campaign-file",
            f,
            "--opportunity",
            "x",
            "--partner",
            "Nobody",
            "--reason",
            "r",
        ],
    );
    assert_eq!(code, 1);
    assert_eq!(
        err.trim(),
        format!("error: no partner is named `Nobody` in {f}; partners: Nimbus Cloud, Quantia AI")
    );

    let args = ["track-source", "--campaign-file", f, "--out", "out"];
    let (code, out, _) = run_plain(dir.path(), &args);
    assert_eq!(code, 3);
    assert!(out.contains("ESCALATED to Co-marketing Analytics Lead: 1 open partner dispute(s) on sourced pipeline"), "{out}");
    let (code, out, _) = run_plain(
        dir.path(),
        &[
            "dispute",
            "resolve",
            "--campaign-file",
            f,
            "--id",
            "1",
            "--reason",
            "split 50/50",
        ],
    );
    assert_eq!((code, out.trim()), (0, "resolved 1 dispute(s)"));
    let (code, _, _) = run_plain(dir.path(), &args);
    assert_eq!(code, 0, "resolved: no escalation");
    let p = plan(dir.path());
    assert_eq!(p["disputes"][0]["status"], "resolved");
    assert_eq!(p["metrics"]["open_disputes"], 0);
}

#[test]
fn a_corrupt_or_newer_plan_is_refused_and_left_alone() {
    let (dir, file) = campaign_copy(|t| t);
    let f = file.to_str().unwrap();
    let path = dir.path().join("state/plans/plan-ai-launch-tour.json");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, "{ not json").unwrap();
    let (code, _, err) = run_plain(
        dir.path(),
        &["track-source", "--campaign-file", f, "--out", "out"],
    );
    assert_eq!(code, 1);
    assert!(
        err.starts_with(&format!("error: the plan {} is corrupt (", path.display())) && err.trim_end().ends_with("it was not changed. Restore it from backup, or move it aside to start a new audit trail"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "{ not json");
    std::fs::write(&path, r#"{"schema_version": 99}"#).unwrap();
    let (code, _, err) = run_plain(dir.path(), &["plan", "show", "--campaign-file", f]);
    assert_eq!(code, 1);
    assert_eq!(
        err.trim(),
        format!(
            "error: the plan {} has schema version 99, newer than this ascribe understands (1); upgrade ascribe. The file was not changed",
            path.display()
        )
    );
}

#[test]
fn a_crash_between_writing_and_renaming_leaves_the_previous_plan() {
    let (dir, file) = campaign_copy(|t| t);
    let f = file.to_str().unwrap();
    let args = ["track-source", "--campaign-file", f, "--out", "out"];
    assert_eq!(run_plain(dir.path(), &args).0, 0);
    let path = dir.path().join("state/plans/plan-ai-launch-tour.json");
    let before = std::fs::read(&path).unwrap();
    let (code, _, err) = outcome(
        ascribe_in(
            dir.path(),
            &[
                "track-source",
                "--campaign-file",
                f,
                "--out",
                "out",
                "--attribution-model",
                "linear",
            ],
        )
        .env("ASCRIBE_FAIL_AT", "plan:before-rename"),
    );
    assert_eq!(code, 1);
    assert!(
        err.contains("injected failure at plan:before-rename"),
        "{err}"
    );
    assert_eq!(
        std::fs::read(&path).unwrap(),
        before,
        "the previous plan is intact"
    );
}

#[test]
fn a_model_upgrade_is_logged_with_both_versions() {
    // #19: shapley 2.0.0 computes Shapley per journey, and a plan that used shapley 1.x
    // logs the change. The run before is made to read as 1.1.0's (the model it recorded,
    // `name@version` from the plugin's info, and that plugin's digest): what a plan written
    // by ascribe with shapley 1.1.0 holds. The next run logs model shapley@1.1.0 →
    // shapley@2.1.0 (the bundled version now), and no separate digest entry for the same change.
    let (dir, file) = campaign_copy(|t| t);
    let f = file.to_str().unwrap();
    let track = || {
        let a = [
            "track-source",
            "--campaign-file",
            f,
            "--out",
            "out",
            "--attribution-model",
            "shapley",
        ];
        let (code, _, err) = run_plain(dir.path(), &a);
        assert!(code == 0 || code == 3, "{err}");
    };
    track();
    let path = dir.path().join("state/plans/plan-ai-launch-tour.json");
    let mut p = plan(dir.path());
    let runs = p["runs"].as_array_mut().unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0]["model"], "shapley@2.1.0");
    runs[0]["model"] = "shapley@1.1.0".into();
    runs[0]["plugin_digests"]["model"] = "shapley@1.1.0 e2058b8ad6ef".into();
    std::fs::write(&path, serde_json::to_string_pretty(&p).unwrap()).unwrap();
    track();
    let log = plan(dir.path())["change_log"].as_array().unwrap().clone();
    assert_eq!(log.len(), 1, "{log:#?}");
    assert_eq!(log[0]["what"], "model");
    assert_eq!(log[0]["from"], "shapley@1.1.0");
    assert_eq!(log[0]["to"], "shapley@2.1.0");
    let (code, out, _) = run_plain(dir.path(), &["plan", "show", "--campaign-file", f]);
    assert_eq!(code, 0);
    assert!(
        out.contains("model changed from shapley@1.1.0 to shapley@2.1.0"),
        "{out}"
    );
}

/// A decimal string of report.json (`"9869927.13"`) in minor units (two decimals).
fn cents(v: &Value) -> i128 {
    let s = v.as_str().unwrap();
    let (whole, frac) = s.split_once('.').unwrap_or((s, "0"));
    let frac = format!("{frac:0<2}");
    let sign = if whole.starts_with('-') { -1 } else { 1 };
    whole.parse::<i128>().unwrap() * 100 + sign * frac[..2].parse::<i128>().unwrap()
}

#[test]
fn the_confidence_is_coverage_times_identity_times_split_precision() {
    // docs/guardrails.md, definition 2, worked again from report.json's own figures.
    // Each run in a fresh copy, so each writes the one package of its directory.
    let read = |extra: &[&str]| -> Value {
        let (dir, file) = campaign_copy(|t| t);
        let (code, _, err) = run_campaign(dir.path(), "track-source", &file, extra);
        assert_eq!(code, 0, "{err}");
        serde_json::from_str(&crate::report_facts::package_file(
            dir.path(),
            "report.json",
        ))
        .unwrap()
    };
    let r = read(&[]);
    let g = &r["guardrails"];
    assert_eq!(g["confidence_definition"], 2);
    let (pipeline, unattributed) = (
        cents(&r["headline"]["pipeline"]),
        cents(&r["headline"]["unattributed_pipeline"]),
    );
    let coverage = 1.0 - unattributed as f64 / pipeline as f64;
    let identity = r["data"]["identity_match_rate"].as_f64().unwrap();
    // The widest partner whisker, as a share of the credited pipeline.
    let partners = &find_by(&r["credit"], "dimension", "partner")["rows"];
    let widest = partners
        .as_array()
        .unwrap()
        .iter()
        .map(|p| cents(&p["pipeline_hi"]) - cents(&p["pipeline_lo"]))
        .max()
        .unwrap();
    assert_eq!(
        partners.as_array().unwrap().len(),
        2,
        "two partners split it"
    );
    let split = (1.0 - widest as f64 / (pipeline - unattributed) as f64).clamp(0.0, 1.0);
    assert_eq!(
        g["confidence_parts"],
        serde_json::json!([
            ["coverage", coverage],
            ["identity_match", identity],
            ["split_precision", split]
        ])
    );
    assert_eq!(g["confidence_notes"], serde_json::json!([]));
    let product = ((coverage * identity * split) * 1e6).round() / 1e6;
    assert_eq!(g["confidence"].as_f64().unwrap(), product);

    // --no-intervals: the split is not measured, left out and said so.
    let r = read(&["--no-intervals"]);
    let g = &r["guardrails"];
    assert_eq!(g["confidence_parts"].as_array().unwrap().len(), 2, "{g}");
    assert_eq!(g["confidence_notes"][0][0], "split_precision");
    assert!(
        g["confidence_notes"][0][1]
            .as_str()
            .unwrap()
            .contains("--no-intervals"),
        "{g}"
    );
    assert_eq!(
        g["confidence"].as_f64().unwrap(),
        ((coverage * identity) * 1e6).round() / 1e6
    );
}

#[test]
fn a_plan_from_confidence_definition_1_logs_the_change_once_and_its_low_run_still_counts() {
    // A minimum no real run reaches: every run is below it.
    let (dir, file) =
        campaign_copy(|t| t.replace("min_confidence = 0.6", "min_confidence = 0.999"));
    let f = file.to_str().unwrap();
    let args = ["track-source", "--campaign-file", f, "--out", "out"];
    let (code, _, err) = run_plain(dir.path(), &args);
    assert_eq!(code, 0, "one low run is not yet an escalation: {err}");

    // Make it the plan an ascribe before definition 2 wrote: no definition on its runs,
    // no notes in its metrics.
    let path = dir.path().join("state/plans/plan-ai-launch-tour.json");
    let mut p = plan(dir.path());
    assert_eq!(p["runs"][0]["confidence_definition"], 2);
    assert_eq!(p["runs"][0]["below_min_confidence"], true);
    p["runs"][0]
        .as_object_mut()
        .unwrap()
        .remove("confidence_definition");
    p["metrics"]
        .as_object_mut()
        .unwrap()
        .remove("confidence_notes");
    std::fs::write(&path, serde_json::to_string_pretty(&p).unwrap()).unwrap();

    // It loads; the next run logs the change of definition, and the run before, low by
    // its own definition, makes this one the second low run in a row.
    let (code, out, err) = run_plain(dir.path(), &args);
    assert_eq!(code, 3, "exit 3: completed, escalated: {err}");
    assert!(
        out.contains("ESCALATED to Co-marketing Analytics Lead: attribution confidence"),
        "{out}"
    );
    let p = plan(dir.path());
    assert_eq!(p["runs"][1]["confidence_definition"], 2);
    let log = p["change_log"].as_array().unwrap();
    assert_eq!(log.len(), 1, "{log:#?}");
    assert_eq!(log[0]["run_id"], p["runs"][1]["run_id"]);
    assert_eq!(log[0]["what"], "confidence definition");
    assert_eq!(
        log[0]["from"],
        "1 (mean of coverage, identity match and agreement with linear)"
    );
    assert_eq!(
        log[0]["to"],
        "2 (coverage × identity match × split precision)"
    );
    let (code, out, _) = run_plain(dir.path(), &["plan", "show", "--campaign-file", f]);
    assert_eq!(code, 0);
    assert!(
        out.contains("confidence definition changed from 1 (mean of coverage, identity match and agreement with linear) to 2 (coverage × identity match × split precision)")
            && out.contains("(definition 2: coverage "),
        "{out}"
    );

    // A third low run: one rung up, and the change is not logged again.
    let (code, out, _) = run_plain(dir.path(), &args);
    assert_eq!(code, 3);
    assert!(
        out.contains("ESCALATED to RevOps/Finance partners"),
        "{out}"
    );
    assert_eq!(plan(dir.path())["change_log"].as_array().unwrap().len(), 1);
}
