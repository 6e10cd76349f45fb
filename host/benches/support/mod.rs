//! What the benchmarks share: where the workspace and its build are, the median of a
//! sample, where their figures go, and the machine's load beside them. (A directory
//! module, so cargo does not take it for a benchmark of its own.)

#![allow(dead_code)]

use std::path::PathBuf;
use std::time::Duration;

/// The generated campaign of `n` touches the pipeline and intervals benches run on (seed 7,
/// in `target/bench-data/campaign-N/`), generated on first use.
#[allow(clippy::disallowed_macros)]
pub fn campaign_for(n: u64) -> PathBuf {
    let dir = target().join(format!("bench-data/campaign-{n}"));
    let file = dir.join(format!("bench-{n}.toml"));
    if !file.is_file() {
        eprintln!("generating a {n}-touch campaign in {}", dir.display());
        ascribe_gen::campaign::generate(&ascribe_gen::campaign::CampaignOpts {
            seed: 7,
            touches: n,
            out: dir.clone(),
            name: format!("Bench {n}"),
            id: format!("bench-{n}"),
            bad_rows: false,
        })
        .unwrap();
    }
    file
}

/// The workspace root (benchmarks run in `host/`).
pub fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The cargo target directory: `CARGO_TARGET_DIR` (a relative one from the workspace
/// root), else `target/` in the workspace.
pub fn target() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|p| {
            if p.is_relative() {
                workspace().join(p)
            } else {
                p
            }
        })
        .unwrap_or_else(|| workspace().join("target"))
}

/// The middle of a sample of times (the upper middle of an even one).
pub fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// The 1-minute load average: other work on the machine inflates wall times.
pub fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "?".into())
}

/// With `BENCH_JSON_DIR` set (`cargo xtask bench` sets it), the figures also go to
/// `$BENCH_JSON_DIR/NAME.json` for bench/report.py. A relative directory is taken from the
/// workspace root, not from `host/`, where cargo runs benchmarks.
pub fn write_json(name: &str, v: &serde_json::Value) {
    if let Some(dir) = std::env::var_os("BENCH_JSON_DIR") {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
        let path = root.join(dir).join(format!("{name}.json"));
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, serde_json::to_vec_pretty(v).unwrap()).unwrap();
        println!("figures written to {}", path.display());
    }
}
