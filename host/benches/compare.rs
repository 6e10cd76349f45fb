//! `compare` against the slowest model run alone: all nine bundled models over the demo
//! campaign and over a generated 1M-touch campaign. Target (issue 7): compare's wall time
//! under 1.3× the slowest single model's on a 2-core machine.
//!
//! Run: `cargo xtask plugins && cargo bench -p ascribe --bench compare`.
//! The 1M-touch campaign is generated once into `target/bench-data/` (building
//! `ascribe-gen` in release first); set `COMPARE_BENCH_SMALL=1` to skip it.
//!
//! What is timed is the attribution stage, the part compare changes: for each model,
//! resolving and loading it (from a warm compile cache), copying the journeys, the model
//! call, the exact money split and the grouping by channel. Normalizing and building the
//! journeys happen once in both cases and are reported separately. Each figure is the
//! median of several runs.

// Bench output is ours, not partner text: host/clippy.toml's print ban is for the host.
#![allow(clippy::disallowed_macros)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use ascribe::commands::compare::{self, Grouping, ModelSpec};
use ascribe::pipeline::attribute::{self, Dimension, Key, Kind, Window, WindowSpec};
use ascribe::runtime::{Runtime, RuntimeOptions};

mod support;
use support::{median, target, workspace};

/// The nine bundled models.
const NINE: [&str; 9] = ascribe_gen::output::MODELS;

/// The 1M-touch campaign file, generated on first use.
fn generated_campaign() -> PathBuf {
    let dir = target().join("bench-data/compare-seed7-1m");
    let file = dir.join("ai-launch-tour.toml");
    if file.is_file() {
        return file;
    }
    eprintln!(
        "compare bench: building ascribe-gen and generating 1M touches into {}",
        dir.display()
    );
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let ok = Command::new(&cargo)
        .args(["build", "--release", "--quiet", "-p", "ascribe-gen"])
        .current_dir(workspace())
        .status()
        .expect("running cargo")
        .success();
    assert!(ok, "building ascribe-gen");
    // Generate beside the final directory and rename, so an interrupted run leaves nothing
    // that looks complete.
    let tmp = target().join("bench-data/.tmp-compare-seed7-1m");
    let _ = std::fs::remove_dir_all(&tmp);
    let ok = Command::new(target().join("release/ascribe-gen"))
        .args(["campaign", "--seed", "7", "--touches", "1000000", "--out"])
        .arg(&tmp)
        .status()
        .expect("running ascribe-gen")
        .success();
    assert!(ok, "ascribe-gen campaign");
    std::fs::rename(&tmp, &dir).unwrap();
    assert!(file.is_file(), "{} was not generated", file.display());
    file
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1e3)
}

fn bench(name: &str, file: &Path, reps: usize) {
    let c = ascribe::pipeline::campaign::load(file).unwrap();
    let cache = tempfile::tempdir().unwrap();
    let rt = Runtime::new(RuntimeOptions {
        fuel: false,
        cache_dir: Some(cache.path().to_path_buf()),
    })
    .unwrap();
    let dirs = vec![target().join("plugins")];
    let quiet = |_: &str| {};

    let t = Instant::now();
    let normalizers = ascribe::pipeline::normalize::load_plugins(&c, &rt, &dirs).unwrap();
    let ds = ascribe::pipeline::normalize::normalize(&c, &normalizers, &quiet).unwrap();
    let normalize = t.elapsed();
    let window = Window::resolve(&WindowSpec::Campaign, c.start, c.end, c.end);
    let key = Key(vec![Dimension::Channel]);
    let t = Instant::now();
    let journeys = attribute::journeys::build(&c, &ds, Kind::Pipeline, window, &key);
    let grouping = Grouping::new(&c, &ds, Dimension::Channel);
    let build = t.elapsed();

    let specs: Vec<ModelSpec> = NINE
        .iter()
        .map(|m| ModelSpec {
            spec: m.to_string(),
            params: vec![],
        })
        .collect();
    // Warm the compile cache: every timed load below comes from it, as in daily use.
    let t = Instant::now();
    for s in &specs {
        ascribe::commands::track::resolve_model(&c, &rt, Some(&s.spec), &dirs).unwrap();
    }
    let compile = t.elapsed();
    let run = |models: &[ModelSpec], jobs: usize| -> Duration {
        let t = Instant::now();
        let keys = journeys.account_keys(&ds);
        let shared = compare::Shared {
            c: &c,
            rt: &rt,
            ds: &ds,
            journeys: &journeys,
            grouping: &grouping,
            keys: &keys,
            window,
            // The bench times the models, not their bootstraps.
            intervals: None,
            plugin_dirs: &dirs,
        };
        let cols = compare::run_models(&shared, models, jobs, &quiet);
        let took = t.elapsed();
        for col in &cols {
            if let Err(e) = &col.result {
                panic!("{}: {e}", col.spec);
            }
        }
        took
    };

    println!(
        "compare bench, {name}: {} touches, {} journeys ({} converting) in the window; normalize {} (once), journeys + grouping {} (once), cold compile of nine models {}",
        journeys.cols.touches(),
        journeys.cols.journeys(),
        journeys.converting(),
        ms(normalize),
        ms(build),
        ms(compile)
    );
    // One untimed round: first calls fault in the compiled code and the allocator's pages.
    run(&specs, 2);
    let mut alone = vec![];
    for s in &specs {
        let m = median((0..reps).map(|_| run(std::slice::from_ref(s), 1)).collect());
        println!("  {:<16} alone {:>9}", s.spec, ms(m));
        alone.push((s.spec.clone(), m));
    }
    let sum: Duration = alone.iter().map(|a| a.1).sum();
    let (slowest, slow) = alone.iter().max_by_key(|a| a.1).cloned().unwrap();
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    // No schedule on `cores` cores can beat the larger of these two.
    let bound = slow.max(sum / cores as u32);
    println!(
        "  sum of the nine alone {} (a sequential compare); slowest alone: {slowest} {}; best possible on {cores} cores: {} = {:.2}×",
        ms(sum),
        ms(slow),
        ms(bound),
        bound.as_secs_f64() / slow.as_secs_f64()
    );
    let default_jobs = compare::default_jobs(specs.len());
    for jobs in [1, 2, 3] {
        let m = median((0..reps).map(|_| run(&specs, jobs)).collect());
        println!(
            "  attribution stage: nine models, {jobs} at a time{}: {:>9} = {:.2}× the slowest alone",
            if jobs == default_jobs {
                " (default)"
            } else {
                ""
            },
            ms(m),
            m.as_secs_f64() / slow.as_secs_f64()
        );
    }

    // End to end, as a user runs it: `compare` with nine models against the same command
    // with only the slowest model (normalize, journeys, models, tabulation; no files).
    let opts = |models: Vec<String>| compare::Options {
        window: WindowSpec::Campaign,
        as_of: None,
        dimension: Dimension::Channel,
        measure: Kind::Pipeline,
        key: key.clone(),
        models,
        params: vec![],
        // Without the validation's bootstrap, so the figure stays the models' (the bootstrap
        // is the intervals bench's).
        intervals: None,
        filters: vec![],
        out: None,
        plugin_dirs: dirs.clone(),
        jobs: None,
    };
    // (wall time, models' share of it)
    let e2e = |models: Vec<String>| -> (Duration, Duration) {
        let o = opts(models);
        let t = Instant::now();
        let out = compare::run(&c, &rt, &o, &quiet).unwrap();
        let wall = t.elapsed();
        assert!(out.comparison.models.iter().all(|m| m.ok()));
        (wall, out.attribute)
    };
    // Interleaved, so a neighbour's load on the machine falls on both alike.
    let (mut one, mut nine) = (vec![], vec![]);
    for _ in 0..reps {
        one.push(e2e(vec![slowest.clone()]));
        nine.push(e2e(NINE.iter().map(|s| s.to_string()).collect()));
    }
    let pick = |v: &[(Duration, Duration)], f: &dyn Fn(&(Duration, Duration)) -> Duration| {
        median(v.iter().map(f).collect())
    };
    let wall = |x: &(Duration, Duration)| x.0;
    let (w1, w9) = (pick(&one, &wall), pick(&nine, &wall));
    println!(
        "  end to end: compare with nine models {} vs the slowest ({slowest}) alone {} = {:.2}× (target < 1.30×)",
        ms(w9),
        ms(w1),
        w9.as_secs_f64() / w1.as_secs_f64()
    );
    println!(
        "    medians: everything but the models (normalize, journeys, tabulation) {} vs {}; the models {} vs {}",
        ms(pick(&nine, &|x| x.0 - x.1)),
        ms(pick(&one, &|x| x.0 - x.1)),
        ms(pick(&nine, &|x| x.1)),
        ms(pick(&one, &|x| x.1)),
    );
}

fn main() {
    for m in NINE {
        let p = target().join("plugins").join(format!("{m}.wasm"));
        assert!(
            p.is_file(),
            "{} missing: run `cargo xtask plugins`",
            p.display()
        );
    }
    println!(
        "cores: {}",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    );
    bench(
        "demo campaign (fixtures/campaigns/ai-launch-tour.toml)",
        &workspace().join("fixtures/campaigns/ai-launch-tour.toml"),
        7,
    );
    if std::env::var_os("COMPARE_BENCH_SMALL").is_none() {
        bench(
            "generated campaign (ascribe-gen --seed 7 --touches 1000000)",
            &generated_campaign(),
            3,
        );
    }
}
