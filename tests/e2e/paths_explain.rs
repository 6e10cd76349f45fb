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
    // shapley's own score, the conversions of its per-journey shares (paths.rs,
    // paths_shapley_credits_per_journey_shares: a ½, b 3, c ½).
    let sh = section(&out, "shapley: the scores");
    assert_eq!(cells(sh[0]), ["#", "channel", "conversions"]);
    assert_eq!(cells(sh[1]), ["1", "a", "0.500000"]);
    assert_eq!(cells(sh[2]), ["2", "b", "3.000000"]);
    assert_eq!(cells(sh[3]), ["3", "c", "0.500000"]);
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

/// The rows of a model's table in the `explain` object, as (text cells, number cells).
fn model_table<'a>(e: &'a Value, model: usize, name: &str) -> &'a Value {
    e["models"][model]["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name)
        .unwrap_or_else(|| panic!("no table {name} in {}", e["models"][model]))
}

fn column<'a>(t: &'a Value, name: &str) -> &'a Vec<Value> {
    t["columns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no column {name} in {t}"))["values"]
        .as_array()
        .unwrap()
}

#[test]
fn markovs_own_transition_probabilities_are_the_hosts_matrix_of_its_order() {
    use ascribe::commands::paths::{ReadOptions, read};
    use ascribe::pipeline::attribute::transitions::{Labels, transitions};
    let d = example();
    let t = read(&d.path().join("t.csv"), &ReadOptions::default()).unwrap();
    for order in 1..=3usize {
        let v = json(
            d.path(),
            &["--model", "markov", "--order", &order.to_string()],
        );
        let e = &v["explain"];
        let tp = model_table(e, 0, "transition-probabilities");
        let (from, to, p) = (
            column(tp, "from-state"),
            column(tp, "to-state"),
            column(tp, "probability"),
        );
        let mut model: Vec<(String, String, f64)> = (0..from.len())
            .map(|i| {
                (
                    from[i].as_str().unwrap().to_string(),
                    to[i].as_str().unwrap().to_string(),
                    p[i].as_f64().unwrap(),
                )
            })
            .collect();
        // The host's own matrix of the same table and order, states named by channel.
        let m = transitions(&t.cols, &t.first_seen, order, Labels::Names);
        let mut host: Vec<(String, String, f64)> = (0..m.from.len())
            .map(|i| (m.from[i].clone(), m.to[i].clone(), m.probability[i]))
            .collect();
        model.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
        host.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
        assert_eq!(model.len(), host.len(), "order {order}: {model:?}");
        for (g, w) in model.iter().zip(&host) {
            assert_eq!((&g.0, &g.1), (&w.0, &w.1), "order {order}");
            assert!((g.2 - w.2).abs() < 1e-12, "order {order}: {g:?} {w:?}");
        }
        // The one-row chain table says the order the model used, and the matrix the host
        // prints beside it is of that order.
        assert_eq!(column(model_table(e, 0, "chain"), "order")[0], order as f64);
        assert_eq!(e["transition_matrices"][0]["order"], order);
        if order == 1 {
            // And the hand-computed chain of order 1 (ORDER1, channels 1 = a, 2 = b, 3 = c).
            let name = |s: &str| match s {
                "1" => "a".to_string(),
                "2" => "b".to_string(),
                "3" => "c".to_string(),
                other => other.to_string(),
            };
            let mut hand: Vec<(String, String, f64)> = ORDER1
                .iter()
                .map(|&(f, t, p)| (name(f), name(t), p))
                .collect();
            hand.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
            for (g, w) in model.iter().zip(&hand) {
                assert_eq!((&g.0, &g.1), (&w.0, &w.1));
                assert!((g.2 - w.2).abs() < 1e-15, "{g:?} {w:?}");
            }
        }
    }
}

/// Two channels, by coalition (c = conversions, n = nulls):
///   {a}: a c=1 n=3;  {b}: b c=2 n=2;  {a,b}: a > b c=3 n=1, b > a > b c=1 n=1
/// C(S) and N(S) count every path whose channels lie in S:
///   a: 1, 3, v = 1/4;  b: 2, 2, v = 1/2;  a + b: 1 + 2 + 4 = 7, 3 + 2 + 2 = 7, v = 1/2.
const TWO: &str = "path,total_conversions,total_null\na,1,3\nb,2,2\na > b,3,1\nb > a > b,1,1\n";

#[test]
fn shapley_coalition_values_on_a_hand_computed_table() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("t.csv"), TWO).unwrap();
    let v = json(d.path(), &["--model", "shapley"]);
    let t = model_table(&v["explain"], 0, "coalition-values");
    assert_eq!(t["rows"], 3);
    assert_eq!(column(t, "coalition"), &vec!["a", "b", "a + b"]);
    assert_eq!(column(t, "conversions"), &vec![1.0, 2.0, 7.0]);
    assert_eq!(column(t, "nulls"), &vec![3.0, 2.0, 7.0]);
    assert_eq!(column(t, "value"), &vec![0.25, 0.5, 0.5]);
    // Per converting channel set T, the Shapley values of v over T's subsets and the shares
    // (shapley 2.0.0): {a}: φa = v(a) = ¼, share 1; {b}: φb = ½, share 1;
    // {a,b} (C = 3 + 1 = 4): φa = ½·v(a) + ½·(v(ab) − v(b)) = ⅛ + 0 = ⅛,
    //   φb = ½·v(b) + ½·(v(ab) − v(a)) = ¼ + ⅛ = ⅜; shares ¼, ¾; credited 1 and 3.
    let s = model_table(&v["explain"], 0, "key-set-shares");
    assert_eq!(s["rows"], 4);
    assert_eq!(column(s, "key-set"), &vec!["a", "b", "a + b", "a + b"]);
    assert_eq!(column(s, "key"), &vec!["a", "b", "a", "b"]);
    assert_eq!(column(s, "conversions"), &vec![1.0, 2.0, 4.0, 4.0]);
    assert_eq!(column(s, "shapley-value"), &vec![0.25, 0.5, 0.125, 0.375]);
    assert_eq!(column(s, "share"), &vec![1.0, 1.0, 0.25, 0.75]);
    assert_eq!(column(s, "credited"), &vec![1.0, 2.0, 1.0, 3.0]);
    // The table output prints it after the scores.
    let out = ok(
        d.path(),
        &["paths", "t.csv", "--model", "shapley", "--explain"],
    );
    let rows = section(&out, "shapley: coalition-values (3 rows): ");
    assert_eq!(
        cells(rows[0]),
        ["coalition", "conversions", "nulls", "value"]
    );
    assert_eq!(cells(rows[3]), ["a + b", "7", "7", "0.5"]);
}

#[test]
fn explain_out_writes_every_table_as_csv_json_and_parquet_the_same_each_run() {
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("t.csv"), TWO).unwrap();
    let run = |out: &str| {
        ok(
            d.path(),
            &[
                "paths",
                "t.csv",
                "--models",
                "markov,shapley",
                "--format",
                "csv",
                "--explain-out",
                out,
            ],
        )
    };
    run("one");
    run("two");
    let mut names: Vec<String> = std::fs::read_dir(d.path().join("one"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let stems = [
        "channels",
        "markov.chain",
        "markov.removal-effects",
        "markov.transition-probabilities",
        "path-lengths",
        "paths-converting",
        "paths-non-converting",
        "shapley.coalition-values",
        "shapley.key-set-shares",
        "shapley.scores",
        "transitions-order-1",
    ];
    let want: Vec<String> = stems
        .iter()
        .flat_map(|s| ["csv", "json", "parquet"].map(|x| format!("{s}.{x}")))
        .collect();
    assert_eq!(names, want);
    for n in &names {
        assert_eq!(
            std::fs::read(d.path().join("one").join(n)).unwrap(),
            std::fs::read(d.path().join("two").join(n)).unwrap(),
            "{n} differs between two runs"
        );
    }
    let file = |n: &str| d.path().join("one").join(n);
    assert_eq!(
        std::fs::read_to_string(file("shapley.coalition-values.csv")).unwrap(),
        "coalition,conversions,nulls,value\na,1,3,0.25\nb,2,2,0.5\na + b,7,7,0.5\n"
    );
    let j: Value =
        serde_json::from_slice(&std::fs::read(file("shapley.coalition-values.json")).unwrap())
            .unwrap();
    assert_eq!(j["table"], "coalition-values");
    assert_eq!(
        j["rows"][2],
        serde_json::json!({"coalition": "a + b", "conversions": 7.0, "nulls": 7.0, "value": 0.5})
    );
    let f = std::fs::File::open(file("shapley.coalition-values.parquet")).unwrap();
    let batches: Vec<_> = ParquetRecordBatchReaderBuilder::try_new(f)
        .unwrap()
        .build()
        .unwrap()
        .map(|b| b.unwrap())
        .collect();
    let b = &batches[0];
    assert_eq!(b.num_rows(), 3);
    let schema = b.schema();
    let fields: Vec<(&str, String)> = schema
        .fields()
        .iter()
        .map(|f| (f.name().as_str(), f.data_type().to_string()))
        .collect();
    assert_eq!(
        fields,
        [
            ("coalition", "Utf8".to_string()),
            ("conversions", "Float64".to_string()),
            ("nulls", "Float64".to_string()),
            ("value", "Float64".to_string())
        ]
    );
    let value = b
        .column(3)
        .as_any()
        .downcast_ref::<arrow_array::Float64Array>()
        .unwrap();
    assert_eq!(value.values().to_vec(), vec![0.25, 0.5, 0.5]);
    // Markov's chain of order 1 over TWO, weights c + n: a 4, b 4, a > b 4, b > a > b 2:
    // (start) → a 8/14 = 4/7 (paths a, a > b), → b 6/14 = 3/7 (b, b > a > b).
    let csv = std::fs::read_to_string(file("markov.transition-probabilities.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("from-state,to-state,probability"));
    assert_eq!(
        lines.next(),
        Some(format!("(start),a,{}", 4.0 / 7.0).as_str())
    );
    assert_eq!(
        lines.next(),
        Some(format!("(start),b,{}", 3.0 / 7.0).as_str())
    );
}

#[test]
fn the_pipeline_models_internals_are_in_report_json() {
    use crate::taxonomy::{RULES, campaign_with};
    let d = tempfile::tempdir().unwrap();
    let file = campaign_with(d.path(), RULES);
    // track-source with `model`, and the report.json of the package whose model it is.
    let report_with = |model: &str| -> Value {
        let (code, _, stderr) = crate::support::run_in(
            d.path(),
            &[
                "track-source",
                "--campaign-file",
                file.to_str().unwrap(),
                "--attribution-model",
                model,
                "--dimensions",
                "channel",
                "--detail",
                "full",
            ],
            &[],
        );
        assert_eq!(code, 0, "{stderr}");
        let campaign = crate::support::only_package(&d.path().join("out"), &stderr);
        std::fs::read_dir(campaign)
            .unwrap()
            .flatten()
            .filter_map(|e| std::fs::read(e.path().join("report.json")).ok())
            .map(|b| serde_json::from_slice::<Value>(&b).unwrap())
            .find(|r| {
                r["model"]["name"]
                    .as_str()
                    .is_some_and(|n| n.starts_with(&format!("{model}@")))
            })
            .unwrap_or_else(|| panic!("no {model} report"))
    };
    let r = report_with("markov");
    let internals = &r["model"]["internals"];
    let table = |name: &str| {
        internals
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == name)
            .unwrap_or_else(|| panic!("no {name} in {internals}"))
    };
    let tp = table("transition-probabilities");
    let (from, to, p) = (
        column(tp, "from-state"),
        column(tp, "to-state"),
        column(tp, "probability"),
    );
    assert_eq!(tp["rows"], from.len());
    let mut model: Vec<(String, String, f64)> = (0..from.len())
        .map(|i| {
            (
                from[i].as_str().unwrap().to_string(),
                to[i].as_str().unwrap().to_string(),
                p[i].as_f64().unwrap(),
            )
        })
        .collect();
    model.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    // The chain path_analytics.rs computes by hand for these journeys, each weighing 1:
    // (start) → beta_email and → field_events ½ each; beta_email → field_events 1;
    // field_events → (conversion) ½ and → unassigned ½; unassigned → (conversion) 1. It is
    // also the host's own matrix in the same report (`paths.transitions`).
    let s = |a: &str, b: &str, x: f64| (a.to_string(), b.to_string(), x);
    assert_eq!(
        model,
        vec![
            s("(start)", "beta_email", 0.5),
            s("(start)", "field_events", 0.5),
            s("beta_email", "field_events", 1.0),
            s("field_events", "(conversion)", 0.5),
            s("field_events", "unassigned", 0.5),
            s("unassigned", "(conversion)", 1.0),
        ]
    );
    assert_eq!(
        r["paths"]["transitions"].as_array().unwrap().len(),
        model.len()
    );
    // Order 1 (markov's default), 3 states, 2 transitions between them, 2 journeys, and
    // both convert.
    let chain = table("chain");
    let one = |c: &str| column(chain, c)[0].as_f64().unwrap();
    assert_eq!(
        [
            one("order"),
            one("states"),
            one("transitions"),
            one("journeys")
        ],
        [1.0, 3.0, 2.0, 2.0]
    );
    assert_eq!(one("conversion-probability"), 1.0);
    // A model that returns no internals has none (every key is written).
    let r = report_with("linear");
    assert_eq!(
        r["model"]["internals"],
        serde_json::json!([]),
        "{}",
        r["model"]
    );
}
