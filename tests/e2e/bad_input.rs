//! The bad-input corpus: malformed partner files and campaign files, each run through the
//! binary on a copy of the demo campaign. Every one gets a clear error naming the file and
//! the row or key, never a panic, and whatever a run does read is accounted for: in each
//! source's ledger, rows read = normalized + merged + rejected.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use crate::hostile::{ledger_balances, sources};
use crate::support::*;

const OPPS: &str = "data/nimbus/opportunities.csv";
const MEMBERS: &str = "data/nimbus/campaign-members.csv";
const DEALS: &str = "data/quantia/deals.csv";
const GA4: &str = "data/quantia/ga4-events.ndjson";

/// What a run of the (edited) demo campaign gave.
struct Outcome {
    code: i32,
    stderr: String,
    dir: tempfile::TempDir,
}

impl Outcome {
    /// The sources of the run's report, each checked for the ledger identity.
    fn sources(&self) -> BTreeMap<String, Value> {
        assert_eq!(self.code, 0, "{}", self.stderr);
        let s = sources(self.dir.path());
        s.values().for_each(ledger_balances);
        s
    }

    /// `(row, column, reason)` of every reject of `source`, from rejects.csv.
    fn rejects(&self, source: &str) -> Vec<(u64, String, String)> {
        let base = self.dir.path().join("out/ai-launch-tour");
        let pkg = std::fs::read_dir(&base)
            .unwrap()
            .flatten()
            .next()
            .unwrap()
            .path();
        let mut r = csv::Reader::from_path(pkg.join("rejects.csv")).unwrap();
        r.records()
            .map(|x| x.unwrap())
            .filter(|x| &x[0] == source)
            .map(|x| (x[2].parse().unwrap(), x[3].to_string(), x[4].to_string()))
            .collect()
    }

    fn path(&self, rel: &str) -> String {
        self.dir.path().join(rel).display().to_string()
    }

    /// The one line of a failed run's error (`error: …`), with no panic anywhere.
    fn error(&self) -> String {
        assert_eq!(self.code, 1, "a failed run, not a crash: {}", self.stderr);
        assert!(!self.stderr.contains("panicked"), "{}", self.stderr);
        self.stderr.trim_end().to_string()
    }
}

/// Copies the demo campaign, lets `data` change its data files and `campaign` its text,
/// and runs it with `--detail full`.
fn run(data: impl Fn(&Path), campaign: impl Fn(String) -> String) -> Outcome {
    let (dir, file) = campaign_copy(campaign);
    data(dir.path());
    let (code, _, stderr) = track_in(dir.path(), &file, &[]);
    Outcome { code, stderr, dir }
}

fn same(t: String) -> String {
    t
}

/// Rewrites the data file `rel` (relative to the campaign) with `f`.
fn edit(dir: &Path, rel: &str, f: impl Fn(Vec<u8>) -> Vec<u8>) {
    let p = dir.join(rel);
    let b = std::fs::read(&p).unwrap();
    std::fs::write(&p, f(b)).unwrap();
}

/// The file's lines (split on `\n`, so CRLF lines keep their `\r`).
fn lines(b: &[u8]) -> Vec<Vec<u8>> {
    b.split(|&c| c == b'\n').map(<[u8]>::to_vec).collect()
}

fn join(l: Vec<Vec<u8>>) -> Vec<u8> {
    l.join(&b"\n"[..])
}

/// Deterministic garbage: a xorshift stream, every byte value about equally often.
fn garbage(n: usize) -> Vec<u8> {
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// The `i`-th field of a Salesforce report line (every field quoted, CRLF) set to `v`.
fn sf_field(line: &[u8], i: usize, v: &[u8]) -> Vec<u8> {
    let body = line.strip_suffix(b"\r").unwrap_or(line);
    let inner = &body[1..body.len() - 1];
    let mut f: Vec<Vec<u8>> = inner
        .split(|&c| c == b'"')
        .collect::<Vec<_>>()
        .chunks(2)
        .map(|c| c[0].to_vec())
        .collect();
    // Fields are `a","b","c`: splitting on `"` gives a, `,`, b, `,`, c.
    f[i] = v.to_vec();
    let mut out = b"\"".to_vec();
    out.extend(f.join(&b"\",\""[..]));
    out.extend(b"\"\r");
    out
}

fn salesforce_failed(o: &Outcome, source: &str, rel: &str, op: &str, cause: &str) -> String {
    format!(
        "error: source `{source}` ({}): plugin salesforce@1.0.0 (sha256:{}) failed in `{op}`: {cause}\n  not retried: the same file and plugin give the same result; escalated to: Co-marketing Analytics Lead",
        o.path(rel),
        sha12(&bundled("salesforce"))
    )
}

// ---------------------------------------------------------------------------------------
// Partner files

#[test]
fn a_file_of_binary_garbage_is_refused_naming_the_source_file_and_why() {
    let o = run(
        |d| std::fs::write(d.join(OPPS), garbage(50_000)).unwrap(),
        same,
    );
    assert_eq!(
        o.error(),
        salesforce_failed(
            &o,
            "nimbus-opportunities",
            OPPS,
            "push (chunk 1)",
            "refused the call (bad file): the header row is not valid UTF-8"
        )
    );
    // Nothing was written: the run stopped before any output.
    assert!(!o.dir.path().join("out").exists());
}

#[test]
fn garbage_lines_inside_files_are_rejected_row_by_row() {
    let junk = garbage(3_000);
    let o = run(
        |d| {
            for rel in [OPPS, GA4] {
                edit(d, rel, |b| {
                    let mut l = lines(&b);
                    l.insert(5, junk.clone());
                    join(l)
                })
            }
        },
        same,
    );
    let s = o.sources();
    // The garbage splits into lines of its own at its newline bytes: each is a row, each
    // is rejected, none is lost.
    let pieces = junk.split(|&c| c == b'\n').count() as u64;
    // The CSV reader also ends records at the garbage's CRs and honours its quotes: this
    // garbage reads as 24 rows there, every one rejected, every real row still kept.
    assert_eq!(s["nimbus-opportunities"]["rows_read"], 94 + 24);
    assert_eq!(s["nimbus-opportunities"]["rejected"], 3 + 24);
    assert_eq!(s["nimbus-opportunities"]["normalized"], 91);
    assert_eq!(s["quantia-ga4"]["rows_read"], 3603 + pieces);
    assert_eq!(s["quantia-ga4"]["normalized"], 3600);
    let r = o.rejects("quantia-ga4");
    assert_eq!(r.len() as u64, 3 + pieces);
    assert!(
        r.iter()
            .filter(|x| (5..5 + pieces).contains(&(x.0 - 1)))
            .all(|x| x.2.starts_with("invalid JSON") || x.2.contains("not valid UTF-8")),
        "{r:?}"
    );
}

#[test]
fn a_truncated_file_rejects_the_row_it_cuts() {
    let o = run(
        |d| {
            edit(d, DEALS, |b| {
                let cut = b
                    .windows(20)
                    .position(|w| w == b"Zenith Systems, Inc.")
                    .unwrap();
                b[..cut + 10].to_vec()
            })
        },
        same,
    );
    let s = o.sources();
    assert_eq!(s["quantia-deals"]["rows_read"], 2);
    assert_eq!(
        o.rejects("quantia-deals"),
        [(
            2,
            String::new(),
            "unterminated quoted field: the file ends inside quotes".to_string()
        )]
    );
}

#[test]
fn invalid_utf8_in_a_field_rejects_its_row_naming_the_column() {
    let o = run(
        |d| {
            edit(d, OPPS, |b| {
                let mut l = lines(&b);
                l[11] = sf_field(&l[11], 4, b"Closed \xff Won");
                join(l)
            })
        },
        same,
    );
    assert_eq!(o.sources()["nimbus-opportunities"]["rejected"], 4);
    assert!(o.rejects("nimbus-opportunities").contains(&(
        11,
        "Stage".into(),
        "invalid UTF-8".into()
    )));
}

#[test]
fn a_line_of_100_mb_is_skipped_with_a_reason() {
    // Generated here, never committed: one 100 MB field in a CSV, one 100 MB JSON line.
    let big = vec![b'x'; 100 << 20];
    let o = run(
        |d| {
            edit(d, MEMBERS, |b| {
                let mut l = lines(&b);
                let mut f: Vec<Vec<u8>> = l[5].split(|&c| c == b',').map(<[u8]>::to_vec).collect();
                f[5] = big.clone();
                l[5] = f.join(&b","[..]);
                join(l)
            });
            edit(d, GA4, |b| {
                let mut l = lines(&b);
                let mut line = b"{\"event_name\":\"".to_vec();
                line.extend(&big);
                line.extend(b"\"}");
                l[4] = line;
                join(l)
            });
        },
        same,
    );
    let s = o.sources();
    assert_eq!(s["nimbus-campaign-members"]["rows_read"], 12838);
    assert_eq!(s["quantia-ga4"]["rows_read"], 3603);
    assert!(o.rejects("nimbus-campaign-members").contains(&(
        5,
        String::new(),
        "record is longer than 1048576 bytes (a missing closing quote, or not a CSV file)".into()
    )));
    assert!(o.rejects("quantia-ga4").contains(&(
        5,
        String::new(),
        "line is 104857617 bytes, longer than the 1048576-byte limit: skipped unread".into()
    )));
}

#[test]
fn an_unbalanced_quote_swallows_lines_and_the_control_total_catches_it() {
    // Row 3 opens a quote it never closes: the field runs on to the next quote, four lines
    // later, so four lines read as one row. The reader cannot know; the ledger still
    // balances over the rows it saw, and a control total on the row count catches it.
    let unbalance = |d: &Path| {
        edit(d, DEALS, |b| {
            let mut l = lines(&b);
            let pos = l[3].iter().position(|&c| c == b',').unwrap();
            l[3].insert(pos + 1, b'"');
            join(l)
        })
    };
    let o = run(unbalance, same);
    let s = o.sources();
    assert_eq!(s["quantia-deals"]["rows_read"], 96);
    let r = o.rejects("quantia-deals");
    assert_eq!(r[0].0, 3);
    assert_eq!(r[0].1, "Amount");
    assert!(r[0].2.ends_with("` is not an amount"), "{r:?}");

    let o = run(unbalance, |t| {
        replace(
            &t,
            "[partners.sources.params]\nexport = \"deals\"\n",
            "[partners.sources.params]\nexport = \"deals\"\n[partners.sources.control_totals]\nrows = 99\n",
        )
    });
    assert_eq!(
        o.error(),
        format!(
            "error: source `quantia-deals` ({}): reconciliation mismatch: the data row count is 96, but the control total says 99\n  not retried: the same file and plugin give the same result; escalated to: Co-marketing Analytics Lead",
            o.path(DEALS)
        )
    );
}

#[test]
fn bad_amounts_dates_currencies_and_repeated_ids_are_rejected_row_by_row() {
    let o = run(
        |d| {
            edit(d, OPPS, |b| {
                let mut l = lines(&b);
                let id10 = l[10][1..19].to_vec();
                for (row, field, value) in [
                    (2, 5, &b"-5000.00"[..]),
                    (3, 5, b"99999999999999999999.00"),
                    (4, 5, b"1e20"),
                    (5, 6, b"XYZ"),
                    (6, 7, b"2/30/2026"),
                    (7, 8, b"1/1/99999"),
                    (8, 7, b"0/0/0"),
                    (9, 0, &id10),
                    (12, 5, b""),
                    (13, 5, b"-0"),
                    (14, 6, b"usd"),
                    (15, 7, b"12/31/1899"),
                    (16, 5, b"10000000000000000000000000000000000000000"),
                ] {
                    l[row] = sf_field(&l[row], field, value);
                }
                // Row 17 again, whole: an export that repeats a row. (Row 19 spans two
                // lines, so rows from 20 on are not line numbers here.)
                let again = l[17].clone();
                l.insert(18, again);
                join(l)
            })
        },
        same,
    );
    let s = o.sources();
    let r: Vec<(u64, String, String)> = o
        .rejects("nimbus-opportunities")
        .into_iter()
        .filter(|x| x.0 < 30)
        .collect();
    let id = |row: usize| {
        let t = std::fs::read(o.dir.path().join(OPPS)).unwrap();
        String::from_utf8(lines(&t)[row][1..19].to_vec()).unwrap()
    };
    let expected: Vec<(u64, &str, String)> = vec![
        (2, "amount", "amount -5000.00 is negative".into()),
        (
            3,
            "amount",
            "amount 99999999999999999999.00 exceeds 1000000000000: check the export's units".into(),
        ),
        (4, "Amount", "`1e20` is not an amount".into()),
        (
            5,
            "currency",
            "`XYZ` is not a currency this version knows".into(),
        ),
        (
            6,
            "Created Date",
            "day 30 is out of range for 2026-02".into(),
        ),
        (7, "Close Date", "`1/1/99999` is not a date".into()),
        (8, "Created Date", "`0/0/0` is not a date".into()),
        (
            10,
            "id",
            format!(
                "id `{}` is already on row 9 of this file; a repeated row would count its amount twice",
                id(9)
            ),
        ),
        (
            15,
            "Created Date",
            "year 1899 is out of range 1970–2200".into(),
        ),
        (
            16,
            "amount",
            format!("`1{}…` is not a decimal amount", "0".repeat(39)),
        ),
        (
            18,
            "id",
            format!(
                "id `{}` is already on row 17 of this file; a repeated row would count its amount twice",
                id(17)
            ),
        ),
    ];
    let expected: Vec<(u64, String, String)> = expected
        .into_iter()
        .map(|(a, b, c)| (a, b.to_string(), c))
        .collect();
    assert_eq!(r, expected);
    // An empty amount (zero, and counted as such), `-0` and a lower-case code are fine.
    assert_eq!(s["nimbus-opportunities"]["rows_read"], 95);
    assert_eq!(s["nimbus-opportunities"]["rejected"], 11 + 3);
}

// ---------------------------------------------------------------------------------------
// Campaign files

#[test]
fn campaign_file_errors_name_the_file_line_and_key() {
    // (old text, new text, what the error's line holds, the message after `file:line: `)
    let cases: &[(&str, &str, &str, &str)] = &[
        (
            "reporting_cadence = \"weekly\"\n",
            "reporting_cadence = \"weekly\"\ncolour = \"red\"\n",
            "colour",
            "unknown field `colour`, expected one of `id`, `name`, `start`, `end`, `currency`, `lookback_days`, `reporting_cadence`, `fx`, `partners`, `targets`, `spend`, `models`, `dedupe`, `guardrails`, `escalation`, `privacy`, `reconcile`, `channels`, `assets`, `filters`",
        ),
        (
            "file = \"data/nimbus/opportunities.csv\"\n",
            "file = \"data/nimbus/opportunities.csv\"\nplugn = \"x\"\n",
            "plugn",
            "`partners.sources`: unknown field `plugn`, expected one of `id`, `kind`, `file`, `plugin`, `sha256`, `timezone`, `freshness_sla_hours`, `params`, `control_totals`, `limits`",
        ),
        (
            "[dedupe]\n",
            "[dedupe]\nwindow = 3\n",
            "window = 3",
            "`dedupe`: unknown field `window`, expected one of `touch_window_minutes`, `opportunity_key`, `close_within_days`, `amount_tolerance`",
        ),
        (
            "lookback_days = 90",
            "lookback_days = \"ninety\"",
            "lookback_days",
            "`lookback_days`: invalid type: string \"ninety\", expected i64",
        ),
        (
            "retry_limit = 2",
            "retry_limit = 2.5",
            "retry_limit",
            "`guardrails.retry_limit`: invalid type: floating point `2.5`, expected i64",
        ),
        (
            "id = \"quantia-deals\"",
            "id = 5",
            "id = 5",
            "`partners.sources.id`: invalid type: integer `5`, expected a string",
        ),
        (
            "asset = \"ai-webinar-1\"\namount = \"12000\"",
            "asset = \"ai-webinar-1\"\namount = 12000",
            "amount = 12000",
            "`spend.amount`: invalid type: integer `12000`, expected a string",
        ),
        (
            "min_confidence = 0.6",
            "min_confidence = 0.6\nmin_confidence = 0.7",
            "min_confidence = 0.7",
            "`min_confidence`: duplicate key",
        ),
        (
            "name = \"AI Launch Tour\"\n",
            "",
            "# Generated",
            "missing field `name`",
        ),
        (
            "fallback_owner = \"Nimbus CMO office\"",
            "fallback_owner = \"Nimbus CMO office",
            "fallback_owner = \"Nimbus CMO office\n",
            "invalid basic string, expected `\"`",
        ),
        (
            "start = \"2026-09-01\"",
            "start = \"2026-02-30\"",
            "start",
            "`start`: `2026-02-30` is not a date (use YYYY-MM-DD)",
        ),
        (
            "currency = \"USD\"\nlookback",
            "currency = \"usd dollars\"\nlookback",
            "usd dollars",
            "`currency`: `usd dollars` is not a currency this version knows (ISO 4217 code such as USD, EUR, JPY)",
        ),
        (
            "timezone = \"Europe/Berlin\"",
            "timezone = \"Europe/Atlantis\"",
            "Europe/Atlantis",
            "`partners[1].sources[0].timezone`: `Europe/Atlantis` is not an IANA time zone (e.g. Europe/Berlin, America/New_York, UTC)",
        ),
    ];
    for (old, new, at, msg) in cases {
        let (dir, file) = campaign_copy(|t| {
            assert!(t.contains(old), "{old}");
            t.replacen(old, new, 1)
        });
        let text = std::fs::read_to_string(&file).unwrap();
        let line = 1 + text[..text.find(at).unwrap()].matches('\n').count();
        let (code, out, err) = track_in(dir.path(), &file, &[]);
        assert_eq!((code, out.as_str()), (1, ""), "{new}: {err}");
        assert_eq!(
            err.trim_end(),
            format!("error: {}:{line}: {msg}", file.display()),
            "{new}"
        );
        assert!(!dir.path().join("out").exists() && !dir.path().join("state").exists());
    }
}

#[test]
fn missing_and_unreadable_files_and_directories_are_named() {
    let campaign_err = |path: &Path, why: &str| {
        let dir = tempfile::tempdir().unwrap();
        let (code, _, err) = track_in(dir.path(), path, &[]);
        assert_eq!(code, 1, "{err}");
        assert_eq!(
            err.trim_end(),
            format!(
                "error: {}: cannot read the campaign file: {why}",
                path.display()
            )
        );
    };
    let d = tempfile::tempdir().unwrap();
    campaign_err(
        &d.path().join("none.toml"),
        "No such file or directory (os error 2)",
    );
    campaign_err(d.path(), "it is a directory, not a regular file");
    let latin1 = d.path().join("latin1.toml");
    std::fs::write(&latin1, b"name = \"Caf\xe9\"\n").unwrap();
    campaign_err(&latin1, "stream did not contain valid UTF-8");

    let ladder =
        "\n  gave up after 3 attempt(s) (retry limit 2); escalated to: Co-marketing Analytics Lead";
    // A data file that is missing, a directory, or behind a file.
    for (new, why) in [
        (
            "data/nimbus/missing.csv",
            "No such file or directory (os error 2)",
        ),
        ("data/nimbus", "it is a directory, not a regular file"),
        (
            "data/nimbus/opportunities.csv/x.csv",
            "Not a directory (os error 20)",
        ),
    ] {
        let o = run(|_| {}, |t| replace(&t, OPPS, new));
        assert_eq!(
            o.error(),
            format!(
                "error: source `nimbus-opportunities`: cannot read {}: {why}{ladder}",
                o.path(new)
            )
        );
    }
    // A data file its owner may not read (meaningless when the tests run as root).
    let o = run(
        |d| {
            use std::os::unix::fs::PermissionsExt;
            let p = d.join(OPPS);
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o000)).unwrap();
        },
        same,
    );
    if std::fs::read(o.dir.path().join(OPPS)).is_err() {
        assert_eq!(
            o.error(),
            format!(
                "error: source `nimbus-opportunities`: cannot read {}: Permission denied (os error 13){ladder}",
                o.path(OPPS)
            )
        );
    } else {
        o.sources();
    }

    // A plugin path that is a directory, for a source and for a model; one that is missing.
    let o = run(
        |_| {},
        |t| replace(&t, "plugin = \"ga4\"", "plugin = \"./data\""),
    );
    assert_eq!(
        o.error(),
        format!(
            "error: source `quantia-ga4`: plugin {}: cannot read it: it is a directory, not a regular file",
            o.path("./data")
        )
    );
    let o = run(
        |_| {},
        |t| replace(&t, "plugin = \"position-based\"", "plugin = \"data/\""),
    );
    assert_eq!(
        o.error(),
        format!(
            "error: plugin {}: cannot read it: it is a directory, not a regular file",
            o.path("data/")
        )
    );
    let o = run(
        |_| {},
        |t| replace(&t, "plugin = \"ga4\"", "plugin = \"plugins/ga4.wasm\""),
    );
    assert_eq!(
        o.error(),
        format!(
            "error: source `quantia-ga4`: plugin {}: cannot read it: No such file or directory (os error 2)",
            o.path("plugins/ga4.wasm")
        )
    );
}
