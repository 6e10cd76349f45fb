//! `ascribe paths --explain`: the top paths, the path lengths, the transition matrix with
//! its legend, and the removal effects, on the example table of `paths.rs`. Every expected
//! number is computed by hand in the comments (the Markov algebra is `paths.rs`'s).

use std::path::Path;

use serde_json::Value;

use crate::paths::{EXAMPLE, fails, ok};

fn example() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("t.csv"), EXAMPLE).unwrap();
    d
}

fn json(dir: &Path, extra: &[&str]) -> Value {
    let mut args = vec!["paths", "t.csv", "--explain", "--format", "json"];
    args.extend_from_slice(extra);
    serde_json::from_str(&ok(dir, &args)).unwrap()
}

/// The lines of one section of the table output: from the line starting with `title` to
/// the next blank line.
fn section<'a>(out: &'a str, title: &str) -> Vec<&'a str> {
    let mut lines = out.lines().skip_while(|l| !l.starts_with(title));
    assert!(lines.next().is_some(), "no section {title:?} in\n{out}");
    lines.take_while(|l| !l.is_empty()).collect()
}

fn cells(line: &str) -> Vec<&str> {
    line.split("  ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect()
}

fn close(got: &Value, want: f64, what: &str) {
    let g = got
        .as_f64()
        .unwrap_or_else(|| panic!("{what}: {got} is not a number"));
    assert!((g - want).abs() < 1e-9, "{what}: {g} against {want}");
}

// Markov order 1 (paths.rs): weights c + nulls: a > b 4, b 2, a > c > a 1, c 2.
//   (start): a 5/9, b 2/9, c 2/9; a: b 4/6, c 1/6, conv 1/6; b: conv 1/2, null 1/2;
//   c: a 1/3, null 2/3. Channels by first appearance: a = 1, b = 2, c = 3.
//   RE a = b = 3/4, c = 1/8; REV a = 41/54, b = 13/18, c = 41/324.
const ORDER1: [(&str, &str, f64); 10] = [
    ("(start)", "1", 5.0 / 9.0),
    ("(start)", "2", 2.0 / 9.0),
    ("(start)", "3", 2.0 / 9.0),
    ("1", "2", 4.0 / 6.0),
    ("1", "3", 1.0 / 6.0),
    ("1", "(conversion)", 1.0 / 6.0),
    ("2", "(conversion)", 1.0 / 2.0),
    ("2", "(null)", 1.0 / 2.0),
    ("3", "1", 1.0 / 3.0),
    ("3", "(null)", 2.0 / 3.0),
];

#[test]
fn paths_explain_json_has_the_matrix_and_removal_effects_of_the_exact_solve() {
    let d = example();
    let v = json(d.path(), &["--model", "markov"]);
    let e = &v["explain"];
    assert_eq!(
        e["channels"],
        serde_json::json!([
            {"number": 1, "channel": "a"},
            {"number": 2, "channel": "b"},
            {"number": 3, "channel": "c"},
        ])
    );
    let m = &e["transition_matrices"];
    assert_eq!(m.as_array().unwrap().len(), 1);
    assert_eq!(m[0]["order"], 1);
    assert_eq!(m[0]["models"], serde_json::json!(["markov"]));
    let rows = m[0]["transitions"].as_array().unwrap();
    assert_eq!(rows.len(), ORDER1.len());
    // ChannelAttribution's order: grouped by from-state ((start) first), then by first
    // appearance of the transition.
    for (r, (from, to, p)) in rows.iter().zip(ORDER1) {
        assert_eq!(
            (r["from"].as_str(), r["to"].as_str()),
            (Some(from), Some(to))
        );
        close(&r["probability"], p, &format!("{from} → {to}"));
    }
    // Names beside the numbers.
    assert_eq!(rows[0]["from_channels"], Value::Null);
    assert_eq!(rows[0]["to_channels"], serde_json::json!(["a"]));
    assert_eq!(rows[8]["from_channels"], serde_json::json!(["c"]));
    assert_eq!(rows[9]["to_channels"], Value::Null);

    let model = &e["models"][0];
    assert_eq!(model["model"], "markov");
    assert_eq!(model["order"], 1);
    let re = model["removal_effects"].as_array().unwrap();
    let want = [
        ("a", 0.75, 41.0 / 54.0),
        ("b", 0.75, 13.0 / 18.0),
        ("c", 0.125, 41.0 / 324.0),
    ];
    assert_eq!(re.len(), 3);
    for (i, (r, (name, conv, value))) in re.iter().zip(want).enumerate() {
        assert_eq!(r["number"], i + 1);
        assert_eq!(r["channel"], name);
        close(&r["removal_effect"], conv, name);
        close(&r["value_removal_effect"], value, name);
    }
    // The credit is unchanged by --explain: the same removal effects as `channels`.
    assert_eq!(
        v["models"][0]["channels"][2]["removal_effect"],
        re[2]["removal_effect"]
    );

    // Top paths. Converting, by conversions (ties by value): a > b 2; a > c > a 1 (50);
    // b 1 (30). Non-converting, by nulls (ties by path): a > b 2, c 2 (a < c); b 1.
    let paths = |k: &str| -> Vec<Value> {
        e[k].as_array()
            .unwrap()
            .iter()
            .map(|p| p["path"].clone())
            .collect()
    };
    assert_eq!(
        paths("top_converting"),
        [
            serde_json::json!(["a", "b"]),
            serde_json::json!(["a", "c", "a"]),
            serde_json::json!(["b"])
        ]
    );
    assert_eq!(
        paths("top_non_converting"),
        [
            serde_json::json!(["a", "b"]),
            serde_json::json!(["c"]),
            serde_json::json!(["b"])
        ]
    );
    assert_eq!(
        e["top_converting"][1],
        serde_json::json!({"path": ["a", "c", "a"], "length": 3, "conversions": 1.0, "value": 50.0, "nulls": 0.0})
    );
    assert_eq!(
        (
            e["converting_paths"].as_u64(),
            e["non_converting_paths"].as_u64()
        ),
        (Some(3), Some(3))
    );
    // Lengths: 1: b, c (1 conversion, 30, 3 nulls); 2: a > b; 3: a > c > a.
    assert_eq!(
        e["path_length"],
        serde_json::json!([
            {"length": 1, "paths": 2, "conversions": 1.0, "value": 30.0, "nulls": 3.0},
            {"length": 2, "paths": 1, "conversions": 2.0, "value": 100.0, "nulls": 2.0},
            {"length": 3, "paths": 1, "conversions": 1.0, "value": 50.0, "nulls": 0.0},
        ])
    );
    // No times in a path table.
    assert_eq!(e["time_to_conversion"], Value::Null);
    assert!(e["notes"][0].as_str().unwrap().contains("no touch times"));
}

#[test]
fn paths_explain_order_2_uses_the_models_order() {
    // Order 2 (paths.rs): states [a,b] = `1 2`, [b] = `2`, [a,c] = `1 3`, [c,a] = `3 1`,
    // [c] = `3`. (start) → `1 2` 4/9, `2` 2/9, `1 3` 1/9, `3` 2/9; `1 2` → conv, null 1/2;
    // `1 3` → `3 1` 1; `3 1` → conv 1. RE a = b = 3/4, c = 1/4; REV 5/6, 13/18, 5/18.
    let d = example();
    let v = json(d.path(), &["--model", "markov", "--order", "2"]);
    let e = &v["explain"];
    let m = &e["transition_matrices"][0];
    assert_eq!(m["order"], 2);
    let rows = m["transitions"].as_array().unwrap();
    let p = |from: &str, to: &str| {
        let r = rows
            .iter()
            .find(|r| r["from"] == from && r["to"] == to)
            .unwrap_or_else(|| panic!("no {from} → {to}"));
        r["probability"].as_f64().unwrap()
    };
    assert!((p("(start)", "1 2") - 4.0 / 9.0).abs() < 1e-12);
    assert!((p("(start)", "1 3") - 1.0 / 9.0).abs() < 1e-12);
    assert_eq!(p("1 3", "3 1"), 1.0);
    assert_eq!(p("3 1", "(conversion)"), 1.0);
    assert_eq!(p("1 2", "(null)"), 0.5);
    let r = rows.iter().find(|r| r["from"] == "1 3").unwrap();
    assert_eq!(r["from_channels"], serde_json::json!(["a", "c"]));
    assert_eq!(r["to_channels"], serde_json::json!(["c", "a"]));
    assert_eq!(e["models"][0]["order"], 2);
    let re = e["models"][0]["removal_effects"].as_array().unwrap();
    for (r, (conv, value)) in
        re.iter()
            .zip([(0.75, 5.0 / 6.0), (0.75, 13.0 / 18.0), (0.25, 5.0 / 18.0)])
    {
        close(&r["removal_effect"], conv, "order 2");
        close(&r["value_removal_effect"], value, "order 2");
    }
}

#[test]
fn paths_explain_table_prints_the_sections() {
    let d = example();
    let out = ok(
        d.path(),
        &[
            "paths",
            "t.csv",
            "--models",
            "linear,markov,shapley",
            "--explain",
        ],
    );
    assert!(out.contains("no touch times"), "{out}");
    let conv = section(&out, "top 10 converting paths");
    assert_eq!(
        cells(conv[0]),
        ["path", "length", "conversions", "value", "nulls"]
    );
    assert_eq!(cells(conv[1]), ["a > b", "2", "2", "100.00", "2"]);
    assert_eq!(cells(conv[2]), ["a > c > a", "3", "1", "50.00", "0"]);
    assert_eq!(conv.len(), 4);
    let nulls = section(&out, "top 10 non-converting paths");
    assert_eq!(cells(nulls[2]), ["c", "1", "0", "0.00", "2"]);
    let lengths = section(&out, "path length");
    assert_eq!(cells(lengths[1]), ["1", "2", "1", "30.00", "3"]);
    assert_eq!(lengths.len(), 4);
    let legend = section(&out, "channels, numbered");
    assert_eq!(
        legend.iter().map(|l| cells(l)).collect::<Vec<_>>(),
        [["1", "a"], ["2", "b"], ["3", "c"]]
    );
    // The matrix: numbers, probability to 6 decimals, names beside.
    let matrix = section(&out, "transition matrix, order 1 (markov)");
    assert_eq!(matrix.len(), 1 + ORDER1.len());
    assert_eq!(
        cells(matrix[1]),
        ["(start)", "1", "0.555556", "(start)", "a"]
    );
    assert_eq!(cells(matrix[9]), ["3", "1", "0.333333", "c", "a"]);
    assert_eq!(
        cells(matrix[10]),
        ["3", "(null)", "0.666667", "c", "(null)"]
    );
    let re = section(&out, "markov: removal effects, order 1");
    assert_eq!(cells(re[1]), ["1", "a", "0.750000", "0.759259"]);
    assert_eq!(cells(re[2]), ["2", "b", "0.750000", "0.722222"]);
    assert_eq!(cells(re[3]), ["3", "c", "0.125000", "0.126543"]);
    assert!(
        out.contains("linear: returns no per-channel scores"),
        "{out}"
    );
    // shapley's own scores (paths.rs: φ = 26/216, 71/216, −1/216; conversions 26/24 …).
    let sh = section(&out, "shapley: the scores");
    assert_eq!(
        cells(sh[0]),
        ["#", "channel", "shapley-value", "conversions"]
    );
    assert_eq!(cells(sh[1]), ["1", "a", "0.120370", "1.083333"]);
    assert_eq!(cells(sh[3]), ["3", "c", "-0.004630", "-0.041667"]);
    // --top cuts the lists and says how many there were.
    let out = ok(
        d.path(),
        &[
            "paths",
            "t.csv",
            "--model",
            "linear",
            "--explain",
            "--top",
            "1",
        ],
    );
    let conv = section(&out, "top 1 converting paths");
    assert_eq!(conv.len(), 2);
    assert!(out.contains("(1 of 3 paths with conversions)"), "{out}");
    // Without a markov model the matrix is the chain of order 1, credited to no model.
    assert_eq!(
        section(&out, "transition matrix, order 1;").len(),
        1 + ORDER1.len()
    );
}

#[test]
fn paths_explain_refuses_csv_and_top_needs_explain() {
    let d = example();
    let e = fails(
        d.path(),
        &[
            "paths",
            "t.csv",
            "--model",
            "markov",
            "--explain",
            "--format",
            "csv",
        ],
    );
    assert!(e.contains("--format json"), "{e}");
    let e = fails(
        d.path(),
        &["paths", "t.csv", "--model", "markov", "--top", "3"],
    );
    assert!(e.contains("--explain"), "{e}");
    let e = fails(
        d.path(),
        &[
            "paths",
            "t.csv",
            "--model",
            "markov",
            "--explain",
            "--top",
            "0",
        ],
    );
    assert!(e.contains("1 or more"), "{e}");
}

#[test]
fn paths_explain_cleans_partner_channel_names() {
    // A channel named with an address and an escape sequence: neither reaches the output.
    let d = tempfile::tempdir().unwrap();
    std::fs::write(
        d.path().join("t.csv"),
        "path,total_conversions,total_null\nbob@example.com > x\u{1b}[31m,1,1\n",
    )
    .unwrap();
    for format in ["table", "json"] {
        let out = ok(
            d.path(),
            &[
                "paths",
                "t.csv",
                "--model",
                "markov",
                "--explain",
                "--format",
                format,
            ],
        );
        assert!(!out.contains("bob@example.com"), "{format}:\n{out}");
        assert!(!out.contains('\u{1b}'), "{format}:\n{out}");
        assert!(out.contains("<e-mail>"), "{format}:\n{out}");
    }
}
