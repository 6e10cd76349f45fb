//! One parameter rule for every command (issue 22): `--param K=V` reaches every model that
//! declares `K`, `--param MODEL.K=V` that model only, and a bare parameter no model takes is
//! an error. Each command is checked to give the same answer for both spellings.

use crate::support::run_plain;

fn ok(dir: &std::path::Path, args: &[&str]) -> String {
    let (code, out, err) = run_plain(dir, args);
    assert_eq!(code, 0, "ascribe {args:?}: {err}");
    out
}

const TABLE: &str = "\
path,total_conversions,total_conversion_value,total_null
a > b,2,100,2
b,1,30,1
a > c > a,1,50,0
c,0,0,2
";

#[test]
fn paths_takes_both_spellings_and_the_order_shorthand() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("t.csv"), TABLE).unwrap();
    let base = [
        "paths",
        "t.csv",
        "--models",
        "first-touch,markov",
        "--format",
        "json",
    ];
    let with = |extra: &[&str]| {
        let mut a = base.to_vec();
        a.extend_from_slice(extra);
        ok(d.path(), &a)
    };
    let scoped = with(&["--param", "markov.order=2"]);
    let bare = with(&["--param", "order=2"]);
    let shorthand = with(&["--order", "2"]);
    assert_eq!(scoped, bare);
    assert_eq!(scoped, shorthand);
    let v: serde_json::Value = serde_json::from_str(&scoped).unwrap();
    assert_eq!(v["models"][0]["params"], serde_json::json!([]));
    assert_eq!(
        v["models"][1]["params"],
        serde_json::json!([{"name": "order", "value": "2"}])
    );
    // The parameter took effect: order 2 credits differently from order 1 on this table.
    let order1: serde_json::Value = serde_json::from_str(&with(&[])).unwrap();
    assert_ne!(v["models"][1]["channels"], order1["models"][1]["channels"]);
    // Scoped to a model that is not among them, it reads as a bare name nobody takes.
    let (code, _, err) = run_plain(
        d.path(),
        &[
            "paths",
            "t.csv",
            "--models",
            "first-touch,linear",
            "--param",
            "markov.order=2",
        ],
    );
    assert_eq!(code, 1);
    assert_eq!(
        err,
        "error: --param markov.order=…: no model given takes a parameter `markov.order` (first-touch takes none; linear takes none)\n"
    );
}

#[test]
fn compare_takes_a_bare_parameter_for_every_model_that_declares_it() {
    let d = tempfile::tempdir().unwrap();
    let file = crate::compare::hand_campaign(d.path());
    let file = file.to_str().unwrap();
    // markov and linear compared, with `extra`.
    let compare = |extra: &[&str]| {
        let mut args = vec![
            "compare",
            "--campaign-file",
            file,
            "--models",
            "markov,linear",
        ];
        args.extend_from_slice(extra);
        run_plain(d.path(), &args)
    };
    let go = |p: &str| {
        let (code, out, err) = compare(&["--param", p, "--format", "json"]);
        assert_eq!(code, 0, "{err}");
        out
    };
    let bare: serde_json::Value = serde_json::from_str(&go("order=2")).unwrap();
    let scoped: serde_json::Value = serde_json::from_str(&go("markov.order=2")).unwrap();
    // The same run: the same id, the same columns, the same credit.
    assert_eq!(bare, scoped);
    let markov = &bare["models"][0];
    assert!(
        markov["params"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p == &serde_json::json!(["order", "2"])),
        "{markov}"
    );
    let (code, _, err) = compare(&["--param", "half_life=7d"]);
    assert_eq!(code, 1);
    assert!(
        err.starts_with("error: --param half_life=…: no model given takes a parameter `half_life` (markov takes order"),
        "{err}"
    );
    assert!(err.ends_with("; linear takes none)\n"), "{err}");
}

#[test]
fn track_source_takes_the_scoped_spelling_and_refuses_what_its_model_lacks() {
    let d = tempfile::tempdir().unwrap();
    let campaign = crate::track_source::fixture_campaign();
    let campaign = campaign.to_str().unwrap();
    let args = |p: &'static str| {
        vec![
            "track-source",
            "--campaign-file",
            campaign,
            "--attribution-model",
            "time-decay",
            "--param",
            p,
            "--format",
            "json",
        ]
    };
    let bare: serde_json::Value =
        serde_json::from_str(&ok(d.path(), &args("half_life=14d"))).unwrap();
    let scoped: serde_json::Value =
        serde_json::from_str(&ok(d.path(), &args("time-decay.half_life=14d"))).unwrap();
    assert_eq!(bare["run_id"], scoped["run_id"]);
    assert_eq!(bare, scoped);
    assert!(
        bare["model"]["params"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!(["half_life", "14d"])),
        "{}",
        bare["model"]
    );
    let (code, _, err) = run_plain(d.path(), &args("order=2"));
    assert_eq!(code, 1);
    assert!(
        err.starts_with(
            "error: --param order=…: no model given takes a parameter `order` (time-decay takes "
        ),
        "{err}"
    );
}
