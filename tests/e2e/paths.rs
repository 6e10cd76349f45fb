//! `ascribe paths`: a ChannelAttribution path table in, credit per channel out. Every
//! expected number below is computed by hand in the comments.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{bundled, workspace};

/// The example table. Four distinct paths over channels a, b, c:
///
/// | path      | conversions | value | nulls |
/// | --------- | ----------: | ----: | ----: |
/// | a > b     | 2           | 100   | 2     |
/// | b         | 1           | 30    | 1     |
/// | a > c > a | 1           | 50    | 0     |
/// | c         | 0           | 0     | 2     |
///
/// Totals: 4 conversions, value 180, 5 nulls (9 journeys).
pub(crate) const EXAMPLE: &str = "\
path,total_conversions,total_conversion_value,total_null
a > b,2,100,2
b,1,30,1
a > c > a,1,50,0
c,0,0,2
";

// first-touch: a > b → a (2 conv, 100); b → b (1, 30); a > c > a → a (1, 50); c converts 0.
//   a = 3 conversions, 150.00; b = 1, 30.00; c = 0, 0.00.
const FIRST: &str = "\
channel,conversions,value
a,3.000000,150.00
b,1.000000,30.00
c,0.000000,0.00
";

// last-touch: a > b → b (2, 100); b → b (1, 30); a > c > a → a (1, 50).
//   a = 1, 50.00; b = 3, 130.00; c = 0.
const LAST: &str = "\
channel,conversions,value
a,1.000000,50.00
b,3.000000,130.00
c,0.000000,0.00
";

// linear, repeats counted (ChannelAttribution's linear_touch):
//   a > b: ½ each → a 1, b 1 conversions; 50, 50 value.
//   b: b 1, 30.
//   a > c > a: ⅓ per touch, a has two touches → a ⅔, c ⅓ conversions; a 100/3, c 50/3 value.
//   a = 1 + 2/3 = 1.666667, value 50 + 33.333… = 83.33
//   b = 1 + 1 = 2, value 50 + 30 = 80.00
//   c = 1/3 = 0.333333, value 16.666… = 16.67           (sums: 4 and 180.00)
const LINEAR: &str = "\
channel,conversions,value
a,1.666667,83.33
b,2.000000,80.00
c,0.333333,16.67
";

// markov, order 1, exact. Each path adds its weight c + nulls to every step:
//   a > b (4): S→a 4, a→b 4, b→conv 2, b→null 2
//   b (2): S→b 2, b→conv 1, b→null 1
//   a > c > a (1): S→a 1, a→c 1, c→a 1, a→conv 1
//   c (2): S→c 2, c→null 2
// Rows normalized:
//   S: a 5/9, b 2/9, c 2/9
//   a: b 4/6, c 1/6, conv 1/6
//   b: conv 1/2, null 1/2
//   c: a 1/3, null 2/3
// Absorption into conversion, h = Q h + r:
//   h_b = 1/2;  h_c = h_a/3;  h_a = 2/3·h_b + 1/6·h_c + 1/6 = 1/2 + h_a/18 → h_a = 9/17, h_c = 3/17
//   P = 5/9·9/17 + 2/9·1/2 + 2/9·3/17 = (45 + 17 + 6)/153 = 4/9
// Remove a (a → null): h_b = 1/2, h_c = 0 → P = 2/9·1/2 = 1/9 → RE(a) = 1 − (1/9)/(4/9) = 3/4
// Remove b: h_a = 1/6 + h_c/6, h_c = h_a/3 → h_a = 3/17, h_c = 1/17
//   → P = 5/9·3/17 + 2/9·1/17 = 17/153 = 1/9 → RE(b) = 3/4
// Remove c: h_a = 2/3·1/2 + 1/6 = 1/2, h_b = 1/2 → P = 5/9·1/2 + 2/9·1/2 = 7/18
//   → RE(c) = 1 − (7/18)/(4/9) = 1/8
// ΣRE = 13/8; credited = RE/ΣRE × 4: a = b = 24/13 = 1.846154, c = 4/13 = 0.307692.
//
// Value (models.md step 6): μ_s = Σv/Σc of the paths ending at s: μ_b = 130/3, μ_a = 50/1;
// r_s = P(s→conv)·μ_s: r_a = 1/6·50 = 25/3, r_b = 1/2·130/3 = 65/3, r_c = 0.
//   g_b = 65/3; g_c = g_a/3; g_a = 2/3·65/3 + g_c/6 + 25/3 = 205/9 + g_a/18 → g_a = 410/17
//   V = 5/9·410/17 + 2/9·65/3 + 2/9·410/51 = 20 (= 180 value / 9 journeys)
// Remove a: V = 2/9·65/3 = 130/27 → REV(a) = 1 − 130/540 = 41/54 = 0.759259
// Remove b: g_a = 25/3 + g_a/18 → g_a = 150/17, g_c = 50/17
//   → V = 5/9·150/17 + 2/9·50/17 = 50/9 → REV(b) = 1 − 5/18 = 13/18 = 0.722222
// Remove c: g_a = 205/9 → V = 5/9·205/9 + 2/9·65/3 = 1415/81 → REV(c) = 205/1620 = 41/324
//   = 0.126543
// ΣREV = (246 + 234 + 41)/324 = 521/324; value credited = REV/ΣREV × 180:
//   a = 246·180/521 = 84.990403 → 84.99; b = 234·180/521 = 80.844530 → 80.84;
//   c = 41·180/521 = 14.165067 → 14.17 (sum 180.00)
const MARKOV: &str = "\
channel,conversions,value,removal_effect,value_removal_effect
a,1.846154,84.99,0.750000,0.759259
b,1.846154,80.84,0.750000,0.722222
c,0.307692,14.17,0.125000,0.126543
";

struct Run {
    ok: bool,
    stdout: String,
    stderr: String,
}

/// Runs `ascribe` with a private plugin cache and the bundled plugins.
fn ascribe(dir: &Path, args: &[&str]) -> Run {
    let plugins = bundled("linear").parent().unwrap().to_path_buf();
    let out = Command::new(env!("CARGO_BIN_EXE_ascribe"))
        .arg("--cache-dir")
        .arg(dir.join("cache"))
        .arg("--plugin-dir")
        .arg(&plugins)
        .args(args)
        .current_dir(dir)
        .env_remove("ASCRIBE_PLUGIN_PATH")
        .env_remove("ASCRIBE_CACHE_DIR")
        .output()
        .expect("running ascribe");
    Run {
        ok: out.status.success(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

pub(crate) fn ok(dir: &Path, args: &[&str]) -> String {
    let r = ascribe(dir, args);
    assert!(r.ok, "ascribe {args:?} failed:\n{}", r.stderr);
    r.stdout
}

/// Runs and expects failure; returns stderr.
pub(crate) fn fails(dir: &Path, args: &[&str]) -> String {
    let r = ascribe(dir, args);
    assert!(
        !r.ok,
        "ascribe {args:?} should fail; it printed:\n{}",
        r.stdout
    );
    r.stderr
}

fn table(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn csv_of(dir: &Path, file: &str, model: &str, extra: &[&str]) -> String {
    let mut args = vec!["paths", file, "--model", model, "--format", "csv"];
    args.extend_from_slice(extra);
    ok(dir, &args)
}

/// `actual` (what `paths --format csv` wrote) against `expected` (hand-computed, printed to
/// a few decimals): the same cells, each number within half a unit of the expected's last
/// printed digit, and each written as the shortest text that reads back as the same f64
/// (issue 16: machine outputs carry full precision; only the table rounds).
fn same_csv(actual: &str, expected: &str) {
    let (a, e): (Vec<&str>, Vec<&str>) = (actual.lines().collect(), expected.lines().collect());
    assert_eq!(a.len(), e.len(), "{actual}");
    for (la, le) in a.iter().zip(&e) {
        let (ca, ce): (Vec<&str>, Vec<&str>) = (la.split(',').collect(), le.split(',').collect());
        assert_eq!(ca.len(), ce.len(), "{la} vs {le}");
        for (x, y) in ca.iter().zip(&ce) {
            match y.parse::<f64>() {
                Ok(want) if !y.is_empty() => {
                    let got: f64 = x.parse().unwrap_or_else(|_| panic!("{x} in {la}"));
                    let digits = y.split('.').nth(1).map_or(0, str::len);
                    let half = 0.5 * 10f64.powi(-(digits as i32));
                    assert!((got - want).abs() <= half + 1e-12, "{x} vs {y} in {la}");
                    assert_eq!(got.to_string(), *x, "{x} is not the shortest round trip");
                }
                _ => assert_eq!(x, y, "{la} vs {le}"),
            }
        }
    }
}

#[test]
fn paths_heuristics_match_the_hand_computed_example() {
    let d = tempfile::tempdir().unwrap();
    table(d.path(), "t.csv", EXAMPLE);
    same_csv(&csv_of(d.path(), "t.csv", "first-touch", &[]), FIRST);
    same_csv(&csv_of(d.path(), "t.csv", "last-touch", &[]), LAST);
    same_csv(&csv_of(d.path(), "t.csv", "linear", &[]), LINEAR);
    // A model named by its .wasm path gives the same answer as by name.
    let wasm = bundled("linear");
    same_csv(
        &csv_of(d.path(), "t.csv", wasm.to_str().unwrap(), &[]),
        LINEAR,
    );
}

#[test]
fn paths_markov_order_1_matches_the_absorbing_chain_algebra() {
    let d = tempfile::tempdir().unwrap();
    table(d.path(), "t.csv", EXAMPLE);
    same_csv(&csv_of(d.path(), "t.csv", "markov", &[]), MARKOV);
    same_csv(
        &csv_of(d.path(), "t.csv", "markov", &["--order", "1"]),
        MARKOV,
    );
}

#[test]
fn paths_order_reaches_markov_and_nothing_else() {
    let d = tempfile::tempdir().unwrap();
    table(d.path(), "t.csv", EXAMPLE);
    // Order 2: every path here is at most 3 long, so the states differ from order 1.
    let json = ok(
        d.path(),
        &[
            "paths", "t.csv", "--model", "markov", "--order", "2", "--format", "json",
        ],
    );
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        v["models"][0]["params"],
        serde_json::json!([{"name": "order", "value": "2"}])
    );
    // Order 2 by hand. States are windows of two keys; a shorter path is one state:
    //   a > b (w 4) → [a,b]; b (w 2) → [b]; a > c > a (w 1) → [a,c] → [c,a]; c (w 2) → [c].
    //   start → [a,b] 4, [b] 2, [a,c] 1, [c] 2 (of 9); [a,b] → conv 2, null 2;
    //   [b] → conv 1, null 1; [a,c] → [c,a] 1; [c,a] → conv 1; [c] → null 2.
    //   P(conv) = 4/9·1/2 + 2/9·1/2 + 1/9·1 = 4/9.
    // Removing a key drops every state holding it:
    //   −a leaves [b], [c]: P = 1/9 → RE 3/4; −b leaves [a,c],[c,a],[c]: P = 1/9 → RE 3/4;
    //   −c leaves [a,b],[b]: P = 3/9 → RE 1/4. ΣRE = 7/4: a = b = 12/7, c = 4/7.
    // Value rates Σv/out: [a,b] 100/4, [b] 30/2, [c,a] 50/1; visits 4/9, 2/9, 1/9:
    //   V = (100 + 30 + 50)/9 = 20. −a: V = 30/9 → REV 5/6; −b: 50/9 → 13/18;
    //   −c: 130/9 → 5/18. ΣREV = 33/18: value a = 15/33·180, b = 13/33·180, c = 5/33·180.
    let want = [
        ("a", 12.0 / 7.0, 15.0 / 33.0 * 180.0, 0.75, 5.0 / 6.0),
        ("b", 12.0 / 7.0, 13.0 / 33.0 * 180.0, 0.75, 13.0 / 18.0),
        ("c", 4.0 / 7.0, 5.0 / 33.0 * 180.0, 0.25, 5.0 / 18.0),
    ];
    let channels = v["models"][0]["channels"].as_array().unwrap();
    assert_eq!(channels.len(), 3);
    for (got, (name, conv, value, re, rev)) in channels.iter().zip(want) {
        let close = |k: &str, x: f64| {
            let g = got[k].as_f64().unwrap();
            assert!((g - x).abs() < 1e-9, "{name} {k}: {g} against {x}");
        };
        assert_eq!(got["channel"], name);
        close("conversions", conv);
        close("value", value);
        close("removal_effect", re);
        close("value_removal_effect", rev);
    }
    assert_eq!(
        fails(
            d.path(),
            &["paths", "t.csv", "--model", "linear", "--order", "2"]
        ),
        "error: --order: no model given takes a parameter `order` (linear takes none)\n"
    );
    // The plugin checks the value itself.
    let e = fails(
        d.path(),
        &["paths", "t.csv", "--model", "markov", "--order", "9"],
    );
    assert!(e.contains("order"), "{e}");
}

#[test]
fn paths_shapley_credits_per_journey_shares() {
    // shapley 2.0.0 (per journey). Journeys by channel set: {a,b} c 2 n 2 (a > b, value 100);
    // {b} c 1 n 1 (30); {a,c} c 1 n 0 (a > c > a, 50); {c} c 0 n 2.
    // v(S) = C/(C+N) over the journeys whose set is within S:
    //   v(a) = 0 (no journey within {a}), v(b) = 1/2, v(c) = 0/2 = 0,
    //   v(ab) = (2+1)/(4+2) = 1/2, v(ac) = (1+0)/(1+2) = 1/3.
    // Each converting set T shares its journeys' conversions by the Shapley values of v
    // over T's subsets (two players: φ = ½·v(alone) + ½·(v(T) − v(other))):
    //   T={a,b}: φa = ½·0 + ½·(½ − ½) = 0,   φb = ½·½ + ½·(½ − 0) = ½   → a 0, b 1
    //   T={b}:   b 1
    //   T={a,c}: φa = ½·0 + ½·(⅓ − 0) = 1/6, φc = ½·0 + ½·(⅓ − 0) = 1/6 → a ½, c ½
    //            (a's ½ split over its two touches: ¼, ½, ¼)
    // Conversions: a = 1·½ = 0.5, b = 2·1 + 1·1 = 3, c = 1·½ = 0.5 (total 4).
    // Value by the same shares: a = 50·½ = 25, b = 100 + 30 = 130, c = 25.
    let d = tempfile::tempdir().unwrap();
    table(d.path(), "t.csv", EXAMPLE);
    same_csv(
        &csv_of(d.path(), "t.csv", "shapley", &[]),
        "channel,conversions,value\na,0.500000,25.00\nb,3.000000,130.00\nc,0.500000,25.00\n",
    );
}

/// shapley 2.0.0 against a reference written here, independent of the model's subset DP:
/// v(S) by scanning every path, each converting path's φ as the mean marginal contribution
/// over all orderings of its channel set, shares max(φ, 0) normalized, then Σ conversions
/// (and value) × share per channel.
fn shapley_reference(
    rows: &[(Vec<&str>, f64, f64, f64)],
) -> std::collections::BTreeMap<String, (f64, f64)> {
    use std::collections::{BTreeMap, BTreeSet};
    let v = |s: &BTreeSet<&str>| {
        let (mut c, mut n) = (0.0, 0.0);
        for (p, pc, pn, _) in rows {
            if p.iter().all(|k| s.contains(k)) {
                c += pc;
                n += pn;
            }
        }
        if c + n > 0.0 { c / (c + n) } else { 0.0 }
    };
    fn orderings<'a>(keys: &[&'a str]) -> Vec<Vec<&'a str>> {
        if keys.len() <= 1 {
            return vec![keys.to_vec()];
        }
        let mut out = vec![];
        for i in 0..keys.len() {
            let mut rest = keys.to_vec();
            let k = rest.remove(i);
            for mut o in orderings(&rest) {
                o.insert(0, k);
                out.push(o);
            }
        }
        out
    }
    let mut credit: BTreeMap<String, (f64, f64)> = BTreeMap::new();
    for (p, c, _, value) in rows {
        for k in p {
            credit.entry(k.to_string()).or_default();
        }
        if *c == 0.0 {
            continue;
        }
        let t: Vec<&str> = p
            .iter()
            .copied()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let all = orderings(&t);
        let mut phi = vec![0.0; t.len()];
        for o in &all {
            let mut s = BTreeSet::new();
            let mut before = 0.0;
            for k in o {
                s.insert(*k);
                let after = v(&s);
                phi[t.iter().position(|x| x == k).unwrap()] += (after - before) / all.len() as f64;
                before = after;
            }
        }
        let total: f64 = phi.iter().map(|x| x.max(0.0)).sum();
        for (k, f) in t.iter().zip(&phi) {
            let share = f.max(0.0) / total;
            let e = credit.get_mut(*k).unwrap();
            e.0 += c * share;
            e.1 += value * share;
        }
    }
    credit
}

#[test]
fn paths_shapley_matches_a_reference_on_generated_paths() {
    // 200 paths over 5 channels, 1 to 4 touches, repeats and nulls, from a fixed LCG.
    let names = ["email", "event", "form", "search", "webinar"];
    let mut x: u64 = 42;
    let mut next = |n: u64| {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (x >> 33) % n
    };
    let mut text = String::from("path,total_conversions,total_conversion_value,total_null\n");
    let mut seen = std::collections::BTreeSet::new();
    let mut rows = vec![];
    while rows.len() < 200 {
        let len = 1 + next(4) as usize;
        let p: Vec<&str> = (0..len).map(|_| names[next(5) as usize]).collect();
        if !seen.insert(p.join(" > ")) {
            continue;
        }
        let c = next(4) as f64;
        let n = next(6) as f64;
        let value = c * (10 + next(90)) as f64;
        text.push_str(&format!("{},{c},{value},{n}\n", p.join(" > ")));
        rows.push((p, c, n, value));
    }
    let d = tempfile::tempdir().unwrap();
    table(d.path(), "t.csv", &text);
    let want = shapley_reference(&rows);
    let got = csv_of(d.path(), "t.csv", "shapley", &[]);
    let mut lines = got.lines();
    assert_eq!(lines.next(), Some("channel,conversions,value"));
    let mut channels = vec![];
    for l in lines {
        let cells: Vec<&str> = l.split(',').collect();
        let (c, v): (f64, f64) = (cells[1].parse().unwrap(), cells[2].parse().unwrap());
        let (wc, wv) = want[cells[0]];
        assert!((c - wc).abs() < 1e-9, "{l}: conversions {wc}");
        assert!((v - wv).abs() < 1e-6, "{l}: value {wv}");
        channels.push(cells[0].to_string());
    }
    assert_eq!(channels, want.keys().cloned().collect::<Vec<_>>());
}

#[test]
fn paths_csv_header_is_exact() {
    let d = tempfile::tempdir().unwrap();
    table(d.path(), "t.csv", EXAMPLE);
    let out = csv_of(d.path(), "t.csv", "linear", &[]);
    assert_eq!(out.lines().next(), Some("channel,conversions,value"));
    let out = csv_of(d.path(), "t.csv", "markov", &[]);
    assert_eq!(
        out.lines().next(),
        Some("channel,conversions,value,removal_effect,value_removal_effect")
    );
}

#[test]
fn paths_models_side_by_side() {
    let d = tempfile::tempdir().unwrap();
    table(d.path(), "t.csv", EXAMPLE);
    let out = ok(
        d.path(),
        &[
            "paths",
            "t.csv",
            "--models",
            "first-touch,linear,markov",
            "--format",
            "csv",
        ],
    );
    let mut want =
        String::from("model,channel,conversions,value,removal_effect,value_removal_effect\n");
    for (model, body) in [("first-touch", FIRST), ("linear", LINEAR)] {
        for line in body.lines().skip(1) {
            want.push_str(&format!("{model},{line},,\n"));
        }
    }
    for line in MARKOV.lines().skip(1) {
        want.push_str(&format!("markov,{line}\n"));
    }
    same_csv(&out, &want);
    // Without markov there are no removal-effect columns.
    let out = ok(
        d.path(),
        &[
            "paths",
            "t.csv",
            "--models",
            "first-touch,last-touch",
            "--format",
            "csv",
        ],
    );
    assert_eq!(out.lines().next(), Some("model,channel,conversions,value"));
    assert_eq!(out.lines().count(), 7);
    // The table shows the models side by side, one row per channel.
    let out = ok(
        d.path(),
        &["paths", "t.csv", "--models", "first-touch,linear,markov"],
    );
    let row_a = out.lines().find(|l| l.starts_with("a ")).unwrap();
    let cells: Vec<&str> = row_a.split_whitespace().collect();
    assert_eq!(
        cells,
        vec![
            "a", "3.000000", "150.00", "1.666667", "83.33", "1.846154", "84.99", "0.750000",
            "0.759259"
        ]
    );
}

#[test]
fn paths_json_carries_totals_and_removal_effects() {
    let d = tempfile::tempdir().unwrap();
    table(d.path(), "t.csv", EXAMPLE);
    let json = ok(
        d.path(),
        &["paths", "t.csv", "--model", "markov", "--format", "json"],
    );
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["rows"], 4);
    assert_eq!(v["paths"], 4);
    assert_eq!(v["totals"]["conversions"], 4.0);
    assert_eq!(v["totals"]["value"], 180.0);
    assert_eq!(v["totals"]["nulls"], 5.0);
    let a = &v["models"][0]["channels"][0];
    assert_eq!(a["channel"], "a");
    // Machines get every digit: 24/13 and 41/54 to the last bit ChannelAttribution gives.
    let close = |x: &serde_json::Value, want: f64| (x.as_f64().unwrap() - want).abs() < 1e-12;
    assert!(close(&a["conversions"], 24.0 / 13.0), "{a}");
    assert_eq!(a["removal_effect"], 0.75);
    assert!(close(&a["value_removal_effect"], 41.0 / 54.0), "{a}");
}

#[test]
fn paths_detects_semicolon_and_tab_delimiters() {
    let d = tempfile::tempdir().unwrap();
    table(d.path(), "semi.csv", &EXAMPLE.replace(',', ";"));
    table(d.path(), "tab.tsv", &EXAMPLE.replace(',', "\t"));
    same_csv(&csv_of(d.path(), "semi.csv", "linear", &[]), LINEAR);
    same_csv(&csv_of(d.path(), "tab.tsv", "linear", &[]), LINEAR);
    same_csv(&csv_of(d.path(), "semi.csv", "markov", &[]), MARKOV);
    // Given explicitly, the delimiter is not guessed.
    same_csv(
        &csv_of(d.path(), "semi.csv", "linear", &["--delimiter", ";"]),
        LINEAR,
    );
    same_csv(
        &csv_of(d.path(), "tab.tsv", "linear", &["--delimiter", "tab"]),
        LINEAR,
    );
    // A quoted field holding a comma does not fool the detection or the split.
    table(
        d.path(),
        "quoted.csv",
        "\"path\";\"total_conversions\"\n\"x, inc > y\";2\n",
    );
    same_csv(
        &csv_of(d.path(), "quoted.csv", "first-touch", &[]),
        "channel,conversions,value\n\"x, inc\",2.000000,0.00\ny,0.000000,0.00\n",
    );
}

#[test]
fn paths_separator_and_spaces_are_trimmed() {
    let d = tempfile::tempdir().unwrap();
    let piped = "\
path,total_conversions,total_conversion_value,total_null
  a |b ,2,100,2
b,1,30,1
a| c  |  a,1,50,0
 c ,0,0,2
";
    table(d.path(), "pipe.csv", piped);
    same_csv(
        &csv_of(d.path(), "pipe.csv", "linear", &["--sep", "|"]),
        LINEAR,
    );
    same_csv(
        &csv_of(d.path(), "pipe.csv", "markov", &["--sep", "|"]),
        MARKOV,
    );
    // With the default separator `>` the same file has channels named `a |b`.
    let out = csv_of(d.path(), "pipe.csv", "first-touch", &[]);
    assert!(out.contains("a |b,2,100\n"), "{out}");
}

#[test]
fn paths_identical_paths_are_summed() {
    let d = tempfile::tempdir().unwrap();
    // The example with `a > b` split over three rows (written three ways) and `c` over two.
    let split = "\
path,total_conversions,total_conversion_value,total_null
a > b,1,60,0
c,0,0,1
b,1,30,1
a>b,1,40,1
a > c > a,1,50,0
 a >b ,0,0,1
c,0,0,1
";
    table(d.path(), "split.csv", split);
    same_csv(&csv_of(d.path(), "split.csv", "linear", &[]), LINEAR);
    same_csv(&csv_of(d.path(), "split.csv", "markov", &[]), MARKOV);
    let v: serde_json::Value = serde_json::from_str(&ok(
        d.path(),
        &[
            "paths",
            "split.csv",
            "--model",
            "linear",
            "--format",
            "json",
        ],
    ))
    .unwrap();
    assert_eq!(v["rows"], 7);
    assert_eq!(v["paths"], 4);
}

#[test]
fn paths_other_column_names_and_optional_columns() {
    let d = tempfile::tempdir().unwrap();
    let renamed = EXAMPLE.replace(
        "path,total_conversions,total_conversion_value,total_null",
        "journey,conv,revenue,lost",
    );
    table(d.path(), "renamed.csv", &renamed);
    let cols = [
        "--path-col",
        "journey",
        "--conversions-col",
        "conv",
        "--value-col",
        "revenue",
        "--nulls-col",
        "lost",
    ];
    same_csv(&csv_of(d.path(), "renamed.csv", "markov", &cols), MARKOV);
    // No value column: values are 0. No null column: nulls are 0.
    table(
        d.path(),
        "bare.csv",
        "path,total_conversions\na > b,1\nb,1\n",
    );
    same_csv(
        &csv_of(d.path(), "bare.csv", "last-touch", &[]),
        "channel,conversions,value\na,0.000000,0.00\nb,2.000000,0.00\n",
    );
}

#[test]
fn paths_errors_name_the_file_row_and_problem() {
    let d = tempfile::tempdir().unwrap();
    // (file, its text, extra flags, the whole of stderr)
    let cases: &[(&str, &str, &[&str], &str)] = &[
        (
            "empty.csv",
            "",
            &[],
            "the file is empty: a path table needs a header line with the columns `path` and `total_conversions`",
        ),
        (
            "header.csv",
            "path,total_conversions\n",
            &[],
            "no paths: the header is not followed by any row",
        ),
        (
            "nocol.csv",
            "path,conversions,total_null\na,1,0\n",
            &[],
            "no column `total_conversions` in the header (columns: path, conversions, total_null; delimiter `,`); name it with --conversions-col",
        ),
        (
            "novalue.csv",
            "path,total_conversions\na,1\n",
            &["--value-col", "revenue"],
            "no column `revenue` in the header (columns: path, total_conversions; delimiter `,`); name it with --value-col",
        ),
        (
            "bad.csv",
            "path,total_conversions\na,1\nb,2\nc,x1\n",
            &[],
            "row 3 (line 4): total_conversions `x1` is not a number",
        ),
        (
            "neg.csv",
            "path,total_conversions\na,1\nb,-2\n",
            &[],
            "row 2 (line 3): total_conversions is -2; it must be 0 or more",
        ),
        (
            "comma.csv",
            "path;total_conversions;total_conversion_value\na;1;12,5\n",
            &[],
            "row 1 (line 2): total_conversion_value `12,5` is not a number (write the decimal separator as `.`)",
        ),
        (
            "nulls.csv",
            "path,total_conversions,total_null\na,1,\n",
            &[],
            "row 1 (line 2): total_null is empty",
        ),
        (
            "nopath.csv",
            "path,total_conversions\na,1\n  ,2\n",
            &[],
            "row 2 (line 3): the path is empty",
        ),
        (
            "hole.csv",
            "path,total_conversions\na > > b,1\n",
            &[],
            "row 1 (line 2): the path `a > > b` has an empty channel at position 2",
        ),
        (
            "short.csv",
            "path,total_conversions,total_null\na,1,0\nb,1\n",
            &[],
            "row 2 (line 3): 2 fields, the header has 3",
        ),
        // An unquoted comma inside a path shifts the fields: refused, not guessed.
        (
            "shift.csv",
            "path,total_conversions\nx, inc > y,1\n",
            &[],
            "row 1 (line 2): 3 fields, the header has 2",
        ),
    ];
    for (name, text, extra, why) in cases {
        table(d.path(), name, text);
        let args = [&["paths", name, "--model", "linear"], *extra].concat();
        assert_eq!(fails(d.path(), &args), format!("error: {name}: {why}\n"));
    }
    assert_eq!(
        fails(d.path(), &["paths", "missing.csv", "--model", "linear"]),
        "error: missing.csv: No such file or directory (os error 2)\n"
    );
}

#[test]
fn paths_refuses_models_that_need_what_a_path_table_lacks() {
    let d = tempfile::tempdir().unwrap();
    table(d.path(), "t.csv", EXAMPLE);
    assert_eq!(
        fails(d.path(), &["paths", "t.csv", "--model", "time-decay"]),
        "error: time-decay needs touch timestamps, which a path table does not have\n"
    );
    assert_eq!(
        fails(d.path(), &["paths", "t.csv", "--model", "w-shaped"]),
        "error: w-shaped needs milestone flags (lead and opportunity creation), which a path table does not have\n"
    );
    let e = fails(d.path(), &["paths", "t.csv", "--model", "no-such-model"]);
    assert!(
        e.starts_with("error: no plugin named `no-such-model`"),
        "{e}"
    );
}

#[test]
fn paths_output_does_not_depend_on_row_order() {
    let d = tempfile::tempdir().unwrap();
    let mut lines: Vec<&str> = EXAMPLE.lines().collect();
    let header = lines.remove(0);
    lines.reverse();
    table(
        d.path(),
        "rev.csv",
        &format!("{header}\n{}\n", lines.join("\n")),
    );
    same_csv(&csv_of(d.path(), "rev.csv", "markov", &[]), MARKOV);
    same_csv(&csv_of(d.path(), "rev.csv", "linear", &[]), LINEAR);
}

#[test]
fn paths_params_reach_the_models_that_declare_them() {
    let d = tempfile::tempdir().unwrap();
    table(
        d.path(),
        "direct.csv",
        "path,total_conversions\nsearch > direct,1\ndirect,1\n",
    );
    // A path table has no journey filters: last-touch is the plain last touch, as
    // ChannelAttribution's (last non-direct is a campaign's default, tests/e2e/
    // journey_filters.rs).
    same_csv(
        &csv_of(d.path(), "direct.csv", "last-touch", &[]),
        "channel,conversions,value\ndirect,2.000000,0.00\nsearch,0.000000,0.00\n",
    );
    // A bare parameter reaches the models that declare it: position-based with first = 1
    // and last = 0 gives a two-touch path to its first touch (search) and a one-touch path
    // to it (direct). Linear, beside it, declares neither and is run as it is.
    let out = ok(
        d.path(),
        &[
            "paths",
            "direct.csv",
            "--models",
            "position-based,linear",
            "--param",
            "first=1",
            "--param",
            "last=0",
            "--format",
            "csv",
        ],
    );
    same_csv(
        &out,
        "model,channel,conversions,value\n\
         position-based,direct,1.000000,0.00\n\
         position-based,search,1.000000,0.00\n\
         linear,direct,1.500000,0.00\n\
         linear,search,0.500000,0.00\n",
    );
    // Version 1's `skip` is gone: refused like any parameter no model declares.
    assert_eq!(
        fails(
            d.path(),
            &[
                "paths",
                "direct.csv",
                "--model",
                "last-touch",
                "--param",
                "skip="
            ]
        ),
        "error: --param skip=…: no model given takes a parameter `skip` (last-touch takes none)\n"
    );
    assert_eq!(
        fails(
            d.path(),
            &[
                "paths",
                "direct.csv",
                "--model",
                "linear",
                "--param",
                "half_life=7d"
            ]
        ),
        "error: --param half_life=…: no model given takes a parameter `half_life` (linear takes none)\n"
    );
}

#[test]
fn paths_docs_show_what_the_binary_prints() {
    let doc = std::fs::read_to_string(workspace().join("docs/paths.md")).unwrap();
    assert!(
        doc.contains(&format!("```csv\n{EXAMPLE}```")),
        "docs/paths.md shows the example table"
    );
    let d = tempfile::tempdir().unwrap();
    table(d.path(), "paths.csv", EXAMPLE);
    let out = ok(
        d.path(),
        &[
            "paths",
            "paths.csv",
            "--models",
            "first-touch,linear,markov",
            "--format",
            "csv",
        ],
    );
    assert!(
        doc.contains(&format!("```csv\n{out}```")),
        "docs/paths.md should show:\n{out}"
    );
}

/// The example table as Parquet (the path a list column, counts integers, value a decimal)
/// and as an Arrow IPC file (the path joined text): the hand-computed credit of the CSV.
#[test]
fn paths_reads_parquet_and_arrow_tables_as_it_reads_csv() {
    use std::sync::Arc;

    use arrow_array::builder::{ListBuilder, StringBuilder};
    use arrow_array::{ArrayRef, Decimal128Array, Int64Array, RecordBatch, StringArray};

    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut list = ListBuilder::new(StringBuilder::new());
    for p in [&["a", "b"][..], &["b"], &["a", "c", "a"], &["c"]] {
        for item in p {
            list.values().append_value(item);
        }
        list.append(true);
    }
    let conv: ArrayRef = Arc::new(Int64Array::from(vec![2, 1, 1, 0]));
    let nulls: ArrayRef = Arc::new(Int64Array::from(vec![2, 1, 0, 2]));
    // 100.00, 30.00, 50.00, 0.00 as decimal(10, 2).
    let value: ArrayRef = Arc::new(
        Decimal128Array::from(vec![10000, 3000, 5000, 0])
            .with_precision_and_scale(10, 2)
            .unwrap(),
    );
    let batch = RecordBatch::try_from_iter(vec![
        ("path", Arc::new(list.finish()) as ArrayRef),
        ("total_conversions", conv.clone()),
        ("total_conversion_value", value.clone()),
        ("total_null", nulls.clone()),
    ])
    .unwrap();
    let mut w = parquet::arrow::ArrowWriter::try_new(
        std::fs::File::create(d.join("paths.parquet")).unwrap(),
        batch.schema(),
        None,
    )
    .unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
    let joined: ArrayRef = Arc::new(StringArray::from(vec!["a > b", "b", "a>c>a", "c"]));
    let batch = RecordBatch::try_from_iter(vec![
        ("path", joined),
        ("total_conversions", conv),
        ("total_conversion_value", value),
        ("total_null", nulls),
    ])
    .unwrap();
    let mut w = arrow_ipc::writer::FileWriter::try_new(
        std::fs::File::create(d.join("paths.feather")).unwrap(),
        &batch.schema(),
    )
    .unwrap();
    w.write(&batch).unwrap();
    w.finish().unwrap();
    for file in ["paths.parquet", "paths.feather"] {
        same_csv(&csv_of(d, file, "first-touch", &[]), FIRST);
        same_csv(&csv_of(d, file, "linear", &[]), LINEAR);
    }
    // The format flag overrides the extension, and a wrong guess says how to fix it.
    std::fs::copy(d.join("paths.parquet"), d.join("export.bin")).unwrap();
    same_csv(
        &csv_of(d, "export.bin", "linear", &["--input-format", "parquet"]),
        LINEAR,
    );
    let e = fails(d, &["paths", "export.bin", "--model", "linear"]);
    assert!(
        e.contains("export.bin: row 1 (line 1)") || e.contains("export.bin:"),
        "{e}"
    );
    let e = fails(
        d,
        &[
            "paths",
            "paths.feather",
            "--model",
            "linear",
            "--input-format",
            "parquet",
        ],
    );
    assert!(
        e.contains("paths.feather: not a Parquet file") && e.contains("--input-format"),
        "{e}"
    );
}
