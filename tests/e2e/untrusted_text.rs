//! Partner and plugin text on its way out (issue 16, classes 2, 4 and 5): e-mail addresses
//! in every disguise, terminal escape sequences and spreadsheet formulas put into the demo's
//! exports and into a model's notes and errors must reach no file, no stream and no plan as
//! they were. Each test runs the whole CLI and reads every byte it left behind.

use std::path::{Path, PathBuf};

use crate::support::*;

/// The hostile texts, each marked so a leak is found wherever it lands.
const LEAKY_ASSETS: [(&str, &str); 4] = [
    // An address as a UTM Content value, read by the bundled HubSpot normalizer.
    ("tour-san-francisco", "zq.leak1@acme-corp.io"),
    // URL-encoded and full-width, as UTM parameters and pasted text bring them.
    ("ai-webinar-2", "mail-zq.leak2%40acme-corp.io"),
    ("tour-london", "ｚｑ．ｌｅａｋ5＠ａｃｍｅ－ｃｏｒｐ．ｉｏ"),
    // Clear screen, window title, a clipboard write (OSC 52).
    (
        "tour-berlin",
        "tour\u{1b}[2J\u{1b}]0;pwned\u{7}\u{1b}]52;c;cHduZWQ=\u{7}-berlin",
    ),
];

/// A formula for whoever opens the other partner's `credits.csv` in a spreadsheet.
const FORMULA: &str = "=cmd|'/C calc'!A0";

/// Every file under `dir` (packages, plans, anything else a run wrote), path → bytes.
fn files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = vec![];
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push((p.clone(), std::fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

/// What no output may hold: the marked local parts, the hostile domain, the raw control
/// bytes of the escape sequences (ESC, BEL and the C1 CSI).
fn assert_clean(what: &str, text: &str) {
    for needle in [
        "zq.leak",
        "zq leak",
        "leak3",
        "leak4",
        "leak5",
        "leak6",
        "leak7",
        "ｌｅａｋ",
        "acme-corp",
        "ａｃｍｅ",
        "10.1.2.3",
    ] {
        assert!(!text.contains(needle), "{what} holds `{needle}`:\n{text}");
    }
    for c in ['\u{1b}', '\u{7}', '\u{9b}', '\u{200b}', '\0'] {
        assert!(
            !text.contains(c),
            "{what} holds the control character {:?}",
            c
        );
    }
}

/// A copy of the demo campaign with [`LEAKY_ASSETS`] and [`FORMULA`] planted in its
/// HubSpot activities and Salesforce campaign members; with `model`, its default model is
/// that hostile plugin with those parameters.
pub(crate) fn leaky_campaign(model: Option<(&str, &str)>) -> (tempfile::TempDir, PathBuf) {
    let (dir, file) = campaign_copy(|text| match model {
        Some((plugin, params)) => replace(
            &text,
            "plugin = \"position-based\"\ndefault = true\n[models.params]\nfirst = \"0.4\"\nlast = \"0.4\"\n",
            &format!(
                "plugin = {:?}\ndefault = true\n{params}",
                hostile(plugin).display().to_string()
            ),
        ),
        None => text,
    });
    let data = dir.path().join("data");
    for f in ["quantia/activities.csv", "nimbus/campaign-members.csv"] {
        let p = data.join(f);
        let mut text = std::fs::read_to_string(&p).unwrap();
        for (from, to) in LEAKY_ASSETS {
            text = text.replace(&format!(",{from},"), &format!(",{to},"));
        }
        text = text.replace(",ai-webinar-1,", &format!(",{FORMULA},"));
        std::fs::write(&p, text).unwrap();
    }
    (dir, file)
}

#[test]
fn no_address_escape_or_formula_leaves_through_any_output() {
    let (dir, file) = leaky_campaign(Some((
        "hostile-model",
        "[models.params]\nmode = \"leaky-notes\"\n",
    )));
    let (code, stdout, stderr) = track_in(
        dir.path(),
        &file,
        &["--dimensions", "partner,channel,asset"],
    );
    assert_eq!(code, 0, "{stderr}");
    assert_clean("stdout", &stdout);
    assert_clean("stderr", &stderr);
    // The hostile values did flow through: scrubbed and escaped, not dropped.
    assert!(stdout.contains("<e-mail>"), "{stdout}");
    let mut seen = vec![];
    for (path, bytes) in files(&dir.path().join("out"))
        .into_iter()
        .chain(files(&dir.path().join("state")))
    {
        let text = String::from_utf8_lossy(&bytes);
        assert_clean(&path.display().to_string(), &text);
        seen.push(path.file_name().unwrap().to_string_lossy().into_owned());
    }
    for f in [
        "report.json",
        "dashboard.html",
        "summary.md",
        "actions.md",
        "credits.csv",
        "rejects.csv",
    ] {
        assert!(seen.iter().any(|s| s == f), "{f} was written: {seen:?}");
    }
    let out = files(&dir.path().join("out"));
    let get = |name: &str| {
        out.iter()
            .find(|(p, _)| p.ends_with(name))
            .map(|(_, b)| String::from_utf8_lossy(b).into_owned())
            .unwrap()
    };
    let report: serde_json::Value = serde_json::from_str(&get("report.json")).unwrap();
    // The model's note, every disguise of an address replaced and every sequence shown.
    assert_eq!(
        report["model"]["notes"][0],
        "write to <e-mail>, <e-mail>, <e-mail>, <e-mail>, <e-mail>, <e-mail>, <e-mail> \\x1b[2J\\x1b]0;pwned\\x07\\x1b]52;c;cHduZWQ=\\x07\\x9b31m"
    );
    let top = serde_json::json!({"rows": report["top_assets"]});
    let assets: Vec<&str> = report["credit"]
        .as_array()
        .unwrap()
        .iter()
        .chain(std::iter::once(&top))
        .flat_map(|d| d["rows"].as_array().unwrap().iter())
        .filter_map(|r| r["value"].as_str())
        .collect();
    // The escape sequences arrive defused (the host stores normalizer text without control
    // characters), the rest of the value intact.
    assert!(
        assets
            .iter()
            .any(|a| a.starts_with("tour") && a.contains("]0;pwned") && a.ends_with("-berlin")),
        "{assets:?}"
    );
    // leak1, leak2 (`%40`) and leak5 (full-width): three assets, all shown as `<e-mail>`,
    // and so one row of the asset table (and one of the top assets), not three of one name.
    let asset_rows: Vec<&str> = find_by(&report["credit"], "dimension", "asset")["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["value"].as_str())
        .collect();
    assert_eq!(
        asset_rows.iter().filter(|a| **a == "<e-mail>").count(),
        1,
        "{asset_rows:?}"
    );
    // JSON keeps the formula as text; the CSV guards it with a leading apostrophe.
    assert!(assets.contains(&FORMULA), "{assets:?}");
    let credits = get("credits.csv");
    assert!(
        credits.contains(",'=cmd|'/C calc'!A0,"),
        "the formula is guarded"
    );
    for line in credits.lines() {
        for cell in line.split(',') {
            assert!(
                !cell.starts_with(['=', '+', '@']) && !cell.starts_with("-"),
                "a cell a spreadsheet would run: {cell:?} in {line}"
            );
        }
    }
}

#[test]
fn a_model_refusal_reaches_the_terminal_and_the_plan_clean() {
    let (dir, file) = leaky_campaign(Some((
        "hostile-model",
        "[models.params]\nmode = \"leaky-refusal\"\n",
    )));
    let (code, stdout, stderr) = track_in(dir.path(), &file, &[]);
    assert_eq!(code, 1, "{stdout}");
    assert_clean("stderr", &stderr);
    assert!(
        stderr.contains("write to <e-mail>, <e-mail>, <e-mail>, <e-mail>, <e-mail>, <e-mail>, <e-mail> \\x1b[2J\\x1b]0;pwned\\x07\\x1b]52;c;cHduZWQ=\\x07\\x9b31m"),
        "{stderr}"
    );
    for (path, bytes) in files(&dir.path().join("state")) {
        assert_clean(
            &path.display().to_string(),
            &String::from_utf8_lossy(&bytes),
        );
    }
    // `plan show` replays what was stored, and that was stored clean.
    let shown = std::process::Command::new(env!("CARGO_BIN_EXE_ascribe"))
        .args(["plan", "show", "--campaign-file"])
        .arg(&file)
        .arg("--state-dir")
        .arg(dir.path().join("state"))
        .output()
        .unwrap();
    assert!(shown.status.success(), "{shown:?}");
    let shown = String::from_utf8_lossy(&shown.stdout);
    assert_clean("plan show", &shown);
    assert!(shown.contains("failed: "), "{shown}");
}
