//! Impossible times, faked freshness and missing FX rates (issue #16): every time a
//! normalizer reports is range-checked by the host; freshness counts when records were
//! written, never after --as-of; a deal that cannot be attributed in the window never stops
//! a run, and one that can follows the campaign's `[reconcile] missing_fx` policy.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::*;

const HEAD: &str = r#"id = "times"
name = "Times"
start = "2026-09-01"
end = "2026-10-31"
currency = "USD"
[fx.EUR]
"2026-09-10" = "1.10"

[[models]]
name = "linear"
plugin = "linear"
default = true

[[partners]]
name = "Nimbus"
"#;

const TOUCHES: &str = r#"
[[partners.sources]]
id = "touches"
kind = "map"
file = "touches.csv"
plugin = "generic-csv"
freshness_sla_hours = 48
[partners.sources.params]
record = "touch"
col_person = "email"
col_account = "account"
col_time = "time"
fixed_channel = "webinar"
"#;

const DEALS: &str = r#"
[[partners.sources]]
id = "deals"
kind = "crm"
file = "deals.csv"
plugin = "generic-csv"
freshness_sla_hours = 48
[partners.sources.params]
record = "conversion"
col_id = "id"
col_account_domain = "account"
col_stage = "stage"
col_amount = "amount"
col_currency = "Cur"
col_created = "created"
col_closed = "closed"
"#;

/// A campaign in a temporary directory: `text` and its data files.
fn campaign(text: &str, files: &[(&str, &str)]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    for (name, body) in files {
        std::fs::write(dir.path().join(name), body).unwrap();
    }
    let file = dir.path().join("times.toml");
    std::fs::write(&file, text).unwrap();
    (dir, file)
}

/// Runs `track-source` on the campaign: exit code, stderr.
fn run(dir: &Path, file: &Path) -> (i32, String) {
    let (code, _, err) = track_in(dir, file, &[]);
    assert!(!err.contains("panicked"), "{err}");
    (code, err)
}

/// The package the (only) run wrote.
fn package(dir: &Path) -> PathBuf {
    let mut p: Vec<PathBuf> = std::fs::read_dir(dir.join("out/times"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    assert_eq!(p.len(), 1, "{p:?}");
    p.pop().unwrap()
}

fn source(dir: &Path, id: &str) -> Value {
    let r: Value =
        serde_json::from_slice(&std::fs::read(package(dir).join("report.json")).unwrap()).unwrap();
    let s = find_by(&r["data"]["sources"], "source", id).clone();
    let n = |k: &str| s[k].as_u64().unwrap();
    assert_eq!(
        n("rows_read"),
        n("normalized") + n("merged") + n("rejected") + n("out_of_window"),
        "{s}"
    );
    s
}

/// `(row, column, reason)` of every reject of `id`.
fn rejects(dir: &Path, id: &str) -> Vec<(u64, String, String)> {
    let mut r = csv::Reader::from_path(package(dir).join("rejects.csv")).unwrap();
    r.records()
        .map(|x| x.unwrap())
        .filter(|x| &x[0] == id)
        .map(|x| (x[2].parse().unwrap(), x[3].to_string(), x[4].to_string()))
        .collect()
}

const RANGE: &str = "is outside the range this version accepts, 1970-01-01..2200-12-31 (UTC)";

#[test]
fn times_out_of_range_are_rejected_row_by_row_never_wrapped() {
    // 2026-09-10 00:00 UTC, then year 9999 at +01:00, then both ends of i64: with an
    // offset the subtraction would overflow, without one the zone rules would panic.
    let raw = hostile("hostile-normalizer");
    let text = format!(
        "{HEAD}\n[[partners.sources]]\nid = \"raw\"\nkind = \"map\"\nfile = \"raw.csv\"\nplugin = {:?}\ntimezone = \"Europe/Berlin\"\n[partners.sources.params]\nmode = \"raw-times\"\n",
        raw.display().to_string()
    );
    let (dir, file) = campaign(
        &text,
        &[(
            "raw.csv",
            "a@acme.example,1788998400000,\n\
             b@acme.example,253370764800000,60\n\
             c@acme.example,9223372036854775807,-60\n\
             d@acme.example,-9223372036854775807,\n\
             e@acme.example,9223372036854775807,\n",
        )],
    );
    let (code, err) = run(dir.path(), &file);
    assert_eq!(code, 0, "{err}");
    let s = source(dir.path(), "raw");
    assert_eq!(
        (s["rows_read"].as_u64(), s["rejected"].as_u64()),
        (Some(5), Some(4))
    );
    let why = |t: &str| format!("time {t} {RANGE}");
    assert_eq!(
        rejects(dir.path(), "raw"),
        vec![
            (2, "time".into(), why("9999-01-01 00:00:00+01:00")),
            (
                3,
                "time".into(),
                why("9223372036854775807 ms from 1970-01-01")
            ),
            (
                4,
                "time".into(),
                why("-9223372036854775807 ms from 1970-01-01")
            ),
            (
                5,
                "time".into(),
                why("9223372036854775807 ms from 1970-01-01")
            ),
        ]
    );
}

#[test]
fn a_future_dated_row_does_not_make_a_stale_source_fresh_and_is_counted() {
    let text = format!("{HEAD}{TOUCHES}{DEALS}");
    let (dir, file) = campaign(
        &text,
        &[
            (
                "touches.csv",
                // The newest real touch is 2026-10-25 12:00 UTC; one row says 2027.
                "email,account,time\n\
                 ann@acme.example,acme.example,2026-09-12 10:00\n\
                 bob@acme.example,acme.example,2026-10-25 12:00\n\
                 cy@acme.example,acme.example,2027-03-01 09:00\n",
            ),
            (
                "deals.csv",
                // An open deal created 2026-10-30 expects to close 2026-12-31 (a plan, not
                // a write); a won deal closes 2026-11-15, after --as-of.
                "id,account,stage,amount,Cur,created,closed\n\
                 D1,acme.example,closed_won,1000,USD,2026-09-15,2026-10-01\n\
                 D2,acme.example,opportunity,500,USD,2026-10-30,2026-12-31\n\
                 D3,acme.example,closed_won,700,USD,2026-09-20,2026-11-15\n",
            ),
        ],
    );
    let (code, err) = run(dir.path(), &file);
    assert_eq!(code, 0, "{err}");
    // --as-of is the campaign's end, 2026-10-31: its end is 2026-11-01 00:00 UTC.
    // Touches: 2026-10-25 12:00 → 6 days 12 hours = 156 h, over the 48 h SLA.
    let t = source(dir.path(), "touches");
    assert_eq!(t["freshness_hours"], 156.0);
    assert_eq!(t["within_sla"], false);
    assert_eq!(t["future_dated"], 1);
    // Deals: written at D2's creation, 2026-10-30 00:00 → 48 h; D3's close is counted.
    let d = source(dir.path(), "deals");
    assert_eq!(d["freshness_hours"], 48.0);
    assert_eq!(d["within_sla"], true);
    assert_eq!(d["future_dated"], 1);
    let summary = std::fs::read_to_string(package(dir.path()).join("summary.md")).unwrap();
    assert!(
        summary.contains("- `touches`: 1 row(s) dated after 2026-10-31, left out of freshness.\n"),
        "{summary}"
    );
    assert!(
        summary.contains("- `deals`: 1 row(s) dated after 2026-10-31, left out of freshness.\n"),
        "{summary}"
    );
}

#[test]
fn crm_freshness_is_never_negative() {
    // Every record is after --as-of: nothing is fresh, and nothing is negative.
    let text = format!("{HEAD}{DEALS}");
    let (dir, file) = campaign(
        &text,
        &[(
            "deals.csv",
            "id,account,stage,amount,Cur,created,closed\n\
             D1,acme.example,opportunity,100,USD,2026-09-15,2027-06-30\n",
        )],
    );
    let (code, err) = run(dir.path(), &file);
    assert_eq!(code, 0, "{err}");
    let d = source(dir.path(), "deals");
    // Created 2026-09-15 00:00, 47 days before 2026-11-01: 1128 h (not 2027's −5808 h).
    assert_eq!(d["freshness_hours"], 1128.0);
    assert_eq!(d["future_dated"], 0);
    let text = format!("{HEAD}{DEALS}");
    let (dir, file) = campaign(
        &text,
        &[(
            "deals.csv",
            "id,account,stage,amount,Cur,created,closed\n\
             D1,acme.example,opportunity,100,USD,2026-12-15,\n",
        )],
    );
    let (code, err) = run(dir.path(), &file);
    assert_eq!(code, 0, "{err}");
    let d = source(dir.path(), "deals");
    assert_eq!(d["freshness_hours"], Value::Null);
    assert_eq!(d["within_sla"], Value::Null);
    assert_eq!(d["future_dated"], 1);
}

/// Deals: row 1 in EUR years before the window and the first rate, row 2 in EUR inside
/// the window but before the first rate (2026-09-10), row 3 in USD.
const FX_DEALS: &str = "id,account,stage,amount,Cur,created,closed\n\
    OLD,acme.example,closed_won,900,EUR,2019-03-01,2019-04-01\n\
    NEW,acme.example,opportunity,1000,EUR,2026-09-05,\n\
    USD1,acme.example,opportunity,250,USD,2026-09-12,\n";

#[test]
fn a_deal_outside_the_window_without_a_rate_never_stops_the_run() {
    let text = format!("{HEAD}{DEALS}");
    let (dir, file) = campaign(
        &text,
        &[("deals.csv", &FX_DEALS.replace("2026-09-05", "2026-09-11"))],
    );
    let (code, err) = run(dir.path(), &file);
    assert_eq!(code, 0, "{err}");
    let d = source(dir.path(), "deals");
    assert_eq!(d["rows_read"], 3);
    assert_eq!(d["normalized"], 2);
    assert_eq!(d["rejected"], 0);
    assert_eq!(d["out_of_window"], 1);
    let summary = std::fs::read_to_string(package(dir.path()).join("summary.md")).unwrap();
    assert!(
        summary
            .contains("- `deals`: 1 row(s) outside the window without an FX rate, not priced.\n"),
        "{summary}"
    );
    // 1000 EUR at 1.10 + 250 USD.
    let r: Value =
        serde_json::from_slice(&std::fs::read(package(dir.path()).join("report.json")).unwrap())
            .unwrap();
    assert_eq!(r["headline"]["pipeline"], "1350.00");
}

#[test]
fn a_deal_in_the_window_without_a_rate_stops_the_run_once_by_default() {
    let text = format!("{HEAD}{DEALS}");
    let (dir, file) = campaign(&text, &[("deals.csv", FX_DEALS)]);
    let (code, err) = run(dir.path(), &file);
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        err.trim_end(),
        "error: source `deals` (deals.csv) row 2: no FX rate for EUR on or before 2026-09-05: \
         the campaign's [fx.EUR] table starts on 2026-09-10; add a rate dated on or before \
         2026-09-05 under [fx.EUR] in the campaign file, or set `missing_fx = \"reject\"` under \
         [reconcile] to reject such rows\n  \
         not retried: the same file and plugin give the same result; escalated to: \
         Co-marketing Analytics Lead"
    );
    // Tried once: the plan's failed run used no retries.
    let plan: Value = serde_json::from_slice(
        &std::fs::read(dir.path().join("state/plans/plan-times.json")).unwrap(),
    )
    .unwrap();
    let runs = plan["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    assert!(runs[0]["outcome"].as_str().unwrap().starts_with("failed"));
    assert_eq!(runs[0]["retries_used"], 0);
}

#[test]
fn with_the_reject_policy_it_is_a_reject_and_the_run_completes() {
    let text = format!("{HEAD}[reconcile]\nmissing_fx = \"reject\"\n{DEALS}");
    // Row 4: a currency with no table at all.
    let data = format!("{FX_DEALS}GBP1,acme.example,opportunity,80,GBP,2026-09-20,\n");
    let (dir, file) = campaign(&text, &[("deals.csv", &data)]);
    let (code, err) = run(dir.path(), &file);
    assert_eq!(code, 0, "{err}");
    let d = source(dir.path(), "deals");
    assert_eq!(
        (
            d["normalized"].as_u64(),
            d["rejected"].as_u64(),
            d["out_of_window"].as_u64()
        ),
        (Some(1), Some(2), Some(1))
    );
    assert_eq!(
        rejects(dir.path(), "deals"),
        vec![
            (
                2,
                "Cur".into(),
                "no FX rate for EUR on or before 2026-09-05: the campaign's [fx.EUR] table starts on 2026-09-10".into()
            ),
            (
                4,
                "Cur".into(),
                "no FX rate for GBP on or before 2026-09-20: the campaign has no [fx.GBP] table".into()
            ),
        ]
    );
    let r: Value =
        serde_json::from_slice(&std::fs::read(package(dir.path()).join("report.json")).unwrap())
            .unwrap();
    assert_eq!(r["headline"]["pipeline"], "250.00");
}
