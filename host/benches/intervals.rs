//! What the intervals on credit cost (issue #19 item 5): `track-source --detail full` on the
//! 1M-touch generated campaign with `--no-intervals` and with the default 200 replicates,
//! for the default rule-based model and for `--attribution-model markov` (order 1). Targets
//! on this 2-core machine: the replicates add at most 2 s for a rule-based model and at most
//! 10 s for Markov order 1.
//!
//! Run: `cargo xtask plugins && cargo bench -p ascribe --bench intervals [-- TOUCHES]`
//! (default 1000000). The campaign is the one the pipeline bench generates (seed 7, in
//! `target/bench-data/campaign-N/`), generated here if missing. Release binary as a
//! separate process, best of 3 after one run that warms the compile cache; the two runs of
//! a pair alternate, so load that comes and goes weighs on both alike.

// Bench output is ours, not partner text: host/clippy.toml's print ban is for the host.
#![allow(clippy::disallowed_macros)]

use std::path::Path;
use std::process::Command;
use std::time::Instant;

mod support;
use support::{campaign_for, load, target, write_json};

/// One `track-source --detail full` run's wall seconds; exit 3 (escalated) is a finished run.
fn run(file: &Path, scratch: &Path, extra: &[&str]) -> f64 {
    let t = Instant::now();
    let o = Command::new(env!("CARGO_BIN_EXE_ascribe"))
        .args(["track-source", "--campaign-file"])
        .arg(file)
        .args(["--detail", "full", "--out"])
        .arg(scratch.join("out"))
        .arg("--state-dir")
        .arg(scratch.join("state"))
        .arg("--cache-dir")
        .arg(scratch.join("cache"))
        .args(extra)
        .env("ASCRIBE_PLUGIN_PATH", target().join("plugins"))
        .output()
        .unwrap();
    let secs = t.elapsed().as_secs_f64();
    assert!(
        o.status.code() == Some(0) || o.status.code() == Some(3),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    secs
}

fn main() {
    let touches: u64 = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let file = campaign_for(touches);
    let scratch = tempfile::tempdir().unwrap();
    run(&file, scratch.path(), &["--no-intervals"]); // warm the compile cache
    println!("track-source --detail full, {touches} touches: without and with 200 replicates");
    println!(
        "  {:<16} {:>10} {:>10} {:>10} {:>8}",
        "model", "without s", "with s", "added s", "target"
    );
    let mut rows = vec![];
    for (model, label, target_s) in [
        (None, "position-based", 2.0),
        (Some("markov"), "markov (order 1)", 10.0),
    ] {
        let model_args: Vec<&str> = model
            .map(|m| vec!["--attribution-model", m])
            .unwrap_or_default();
        let with_flags = |extra: &[&'static str]| -> Vec<&str> {
            model_args
                .iter()
                .copied()
                .chain(extra.iter().copied())
                .collect()
        };
        let (mut without, mut with) = (f64::MAX, f64::MAX);
        for _ in 0..3 {
            without = without.min(run(&file, scratch.path(), &with_flags(&["--no-intervals"])));
            with = with.min(run(&file, scratch.path(), &with_flags(&[])));
        }
        let added = with - without;
        println!("  {label:<16} {without:>10.2} {with:>10.2} {added:>10.2} {target_s:>7} s");
        rows.push(serde_json::json!({
            "model": label,
            "without_s": without,
            "with_s": with,
            "added_s": added,
            "target_s": target_s,
        }));
    }
    write_json(
        "intervals",
        &serde_json::json!({
            "touches": touches,
            "replicates": 200,
            "load": load(),
            "runs": rows,
        }),
    );
}
