//! The plugin author's kit, end to end, as a partner's engineer uses it with nothing but the
//! `ascribe` binary and a package registry: `plugin new` for each kind and language in a
//! temporary directory, the project's own tests, its build, `plugin check`, and the host
//! loading the result; `plugin check` failing with each kind of violation; `plugin lock`
//! pinning a campaign, then refusing a changed plugin; the Python example normalizer.
//!
//! Rust projects build into one shared target directory (`target/plugin-kit`), so their
//! dependencies compile once. Python projects need componentize-py (`.ci/run` installs it):
//! when it is missing the tests install it with pip, and fail, saying why, when they cannot.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use ascribe::runtime::normalizer::Batch;
use ascribe::runtime::{Limits, Plugin, PluginError, Runtime, RuntimeOptions};
use serde_json::Value;

use crate::support::*;

/// Shared by every build and check here: the Rust target dir and the compile cache.
fn kit_dir() -> PathBuf {
    target_dir().join("plugin-kit")
}

fn cache_dir() -> PathBuf {
    kit_dir().join("cache")
}

fn ascribe(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ascribe"))
        .args(args)
        .arg("--cache-dir")
        .arg(cache_dir())
        .current_dir(dir)
        .output()
        .expect("running ascribe")
}

/// `plugin new` of a `kind` plugin in `lang`, with `rest` (its name, then maybe a
/// directory), run in `dir`.
fn plugin_new(kind: &str, lang: &str, rest: &[&str], dir: &Path) -> Output {
    let mut args = vec!["plugin", "new", "--kind", kind, "--lang", lang];
    args.extend_from_slice(rest);
    ascribe(&args, dir)
}

fn text(o: &Output) -> String {
    format!(
        "status {}\n--- stdout\n{}\n--- stderr\n{}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn ok(o: Output, what: &str) -> Output {
    assert!(o.status.success(), "{what} failed: {}", text(&o));
    o
}

fn run(cmd: &mut Command, what: &str) -> Output {
    ok(cmd.output().unwrap_or_else(|e| panic!("{what}: {e}")), what)
}

/// A runtime as `plugin check` starts it (fuel on) over the same cache, so loading a
/// plugin `plugin check` just compiled costs nothing.
fn fuel_runtime() -> Runtime {
    Runtime::new(RuntimeOptions {
        fuel: true,
        cache_dir: Some(cache_dir()),
    })
    .unwrap()
}

fn sha(path: &Path) -> String {
    ascribe::runtime::cache::sha256_hex(&std::fs::read(path).unwrap())
}

// ------------------------------------------------------------------------------------------
// componentize-py

/// componentize-py, installed with pip when missing. A test that needs it and cannot get
/// it fails, saying why: a Python test that builds nothing must not pass. (`.ci/run`
/// installs it, and fails when it cannot.)
fn componentize_py() -> PathBuf {
    static TOOL: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    TOOL.get_or_init(|| {
        let works = |p: &Path| {
            Command::new(p)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        };
        let on_path = PathBuf::from("componentize-py");
        if works(&on_path) {
            return Ok(on_path);
        }
        let python = python3();
        let pip = Command::new(&python)
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "componentize-py",
            ])
            .output()
            .expect("running pip");
        if !pip.status.success() {
            return Err(format!(
                "componentize-py is missing and `pip install componentize-py` failed, so the Python plugin tests cannot build anything: install it (`pip install componentize-py`; `.ci/run` does) and run them again.\npip said:\n{}",
                String::from_utf8_lossy(&pip.stderr)
            ));
        }
        // Where pip put the script: the interpreter's scripts directory.
        let scripts = Command::new(&python)
            .args(["-c", "import sysconfig; print(sysconfig.get_path('scripts'))"])
            .output()
            .unwrap();
        let tool = PathBuf::from(String::from_utf8_lossy(&scripts.stdout).trim())
            .join("componentize-py");
        if works(&tool) {
            Ok(tool)
        } else {
            Err(format!(
                "pip installed componentize-py, but {} does not run",
                tool.display()
            ))
        }
    })
    .clone()
    .unwrap_or_else(|e| panic!("{e}"))
}

fn python3() -> PathBuf {
    for p in ["python3", "python"] {
        if Command::new(p)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
        {
            return PathBuf::from(p);
        }
    }
    panic!("no python3 on PATH: the Python plugin tests need it (and componentize-py)");
}

// ------------------------------------------------------------------------------------------
// Templates: new → the project's tests → build → plugin check, once per kind and language.

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Kind {
    Normalizer,
    Model,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Lang {
    Rust,
    Python,
}

#[derive(Clone, Debug)]
struct Built {
    dir: PathBuf,
    wasm: PathBuf,
    sample: PathBuf,
    /// From `plugin new` to a passing `plugin check`.
    total: Duration,
}

type Slot = std::sync::Arc<OnceLock<Built>>;

/// Builds each template once per test run, whichever test asks first.
fn built(kind: Kind, lang: Lang) -> Built {
    static SLOTS: OnceLock<Mutex<HashMap<(Kind, Lang), Slot>>> = OnceLock::new();
    let slot = SLOTS
        .get_or_init(Default::default)
        .lock()
        .unwrap()
        .entry((kind, lang))
        .or_default()
        .clone();
    slot.get_or_init(|| build_template(kind, lang)).clone()
}

/// Where template projects are generated: temporary directories that must outlive the
/// test that builds them (other tests load their plugins), kept under target/ and removed
/// by the first run more than an hour later.
fn projects_dir() -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = kit_dir().join("projects");
        std::fs::create_dir_all(&dir).unwrap();
        let hour_ago = std::time::SystemTime::now() - Duration::from_secs(3600);
        for e in std::fs::read_dir(&dir).unwrap().flatten() {
            if e.metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|t| t < hour_ago)
            {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
        dir
    })
    .clone()
}

fn build_template(kind: Kind, lang: Lang) -> Built {
    let tool = match lang {
        Lang::Python => Some(componentize_py()),
        Lang::Rust => None,
    };
    let (k, l) = (
        match kind {
            Kind::Normalizer => "normalizer",
            Kind::Model => "model",
        },
        match lang {
            Lang::Rust => "rust",
            Lang::Python => "python",
        },
    );
    let name = format!("acme-{l}-{k}");
    // Other tests use the built plugin, so the project outlives this function.
    let parent = tempfile::Builder::new()
        .prefix(&format!("{name}-"))
        .tempdir_in(projects_dir())
        .unwrap()
        .keep();
    let dir = parent.join(&name);
    let mut steps = vec![];
    let started = Instant::now();
    let mut step = |what: &'static str, t: Instant| steps.push((what, t.elapsed()));

    let t = Instant::now();
    let out = ok(plugin_new(k, l, &[name.as_str()], &parent), "plugin new");
    step("plugin new", t);
    let printed = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        printed.starts_with(&format!(
            "created {k} plugin `{name}` ({}) in {name} (",
            if lang == Lang::Rust { "Rust" } else { "Python" }
        )),
        "{printed}"
    );
    let sample = dir.join(match kind {
        Kind::Normalizer => "sample/touches.csv",
        Kind::Model => "sample/paths.csv",
    });
    assert!(sample.is_file() && dir.join("README.md").is_file());

    let wasm = match lang {
        Lang::Rust => {
            let cargo = || {
                let mut c = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
                c.current_dir(&dir).env("CARGO_TARGET_DIR", kit_dir());
                c
            };
            // The target dir is shared between runs (the SDK's dependencies build once),
            // and every run's project has the same name in a new directory: cargo's
            // fingerprint would find the previous run's sources unchanged and keep the
            // previous run's plugin. Clean this one package first.
            run(
                cargo().args(["clean", "--quiet", "-p", &name]),
                "cargo clean -p (the previous run's build of this template)",
            );
            run(
                cargo().args([
                    "clean",
                    "--quiet",
                    "-p",
                    &name,
                    "--release",
                    "--target",
                    "wasm32-wasip2",
                ]),
                "cargo clean -p --release --target wasm32-wasip2",
            );
            let t = Instant::now();
            let tested = run(
                cargo().args(["test"]),
                "cargo test (the project's own tests)",
            );
            // The scaffold reads amounts with the SDK's own cases (`12.5k`, `n/a`,
            // `USD 99`, `1.234,50` with a decimal comma), on the SDK sources it vendors.
            if kind == Kind::Normalizer {
                let out = String::from_utf8_lossy(&tested.stdout);
                assert!(
                    out.contains("test tests::amounts_are_read_as_the_sdk_reads_them ... ok"),
                    "{out}"
                );
            }
            step("cargo test", t);
            let t = Instant::now();
            run(
                cargo().args(["build", "--release", "--quiet", "--target", "wasm32-wasip2"]),
                "cargo build --release --target wasm32-wasip2",
            );
            step("build", t);
            kit_dir()
                .join("wasm32-wasip2/release")
                .join(format!("{}.wasm", name.replace('-', "_")))
        }
        Lang::Python => {
            let t = Instant::now();
            run(
                Command::new(python3())
                    .args(["-m", "unittest", "--quiet"])
                    .current_dir(&dir),
                "python3 -m unittest (the project's own tests)",
            );
            step("python tests", t);
            let world = match kind {
                Kind::Normalizer => "normalizer-plugin",
                Kind::Model => "model-plugin",
            };
            let t = Instant::now();
            let wasm = format!("{name}.wasm");
            run(
                Command::new(tool.unwrap())
                    .args(["-q", "-d", "wit", "-w", world, "componentize", "app", "-o"])
                    .arg(&wasm)
                    .arg("--stub-wasi")
                    .current_dir(&dir),
                "componentize-py … --stub-wasi",
            );
            step("build", t);
            dir.join(wasm)
        }
    };
    // The README's two commands are the ones just run.
    let readme = std::fs::read_to_string(dir.join("README.md")).unwrap();
    assert!(
        !readme.contains("{{"),
        "unsubstituted placeholder in README"
    );
    match lang {
        Lang::Rust => assert!(readme.contains("\ncargo build --release --target wasm32-wasip2\n")),
        Lang::Python => assert!(readme.contains(&format!(
            "\ncomponentize-py -d wit -w {} componentize app -o {name}.wasm --stub-wasi\n",
            if kind == Kind::Normalizer {
                "normalizer-plugin"
            } else {
                "model-plugin"
            }
        ))),
    }
    assert!(readme.contains("\nascribe plugin check "));

    let t = Instant::now();
    let check = ascribe(
        &[
            "plugin",
            "check",
            wasm.to_str().unwrap(),
            "--sample",
            sample.to_str().unwrap(),
        ],
        &dir,
    );
    step("plugin check", t);
    let report = text(&check);
    assert!(check.status.success(), "plugin check failed: {report}");
    assert!(report.contains("\nPASS: no violations\n"), "{report}");
    let total = started.elapsed();
    eprintln!(
        "plugin-kit timing: {l} {k}: plugin new → passing plugin check in {:.1} s ({})",
        total.as_secs_f64(),
        steps
            .iter()
            .map(|(w, d)| format!("{w} {:.1} s", d.as_secs_f64()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    Built {
        dir,
        wasm,
        sample,
        total,
    }
}

/// Reads a whole file through a normalizer the way the host does, in 1 MiB chunks: one
/// batch per call.
fn normalize_all(
    p: &Plugin,
    data: &[u8],
    params: &[(String, String)],
) -> Result<Vec<Batch>, PluginError> {
    let mut s = p.open(&map_source("sample.csv"), params)?;
    let mut batches = vec![];
    for c in data.chunks(1 << 20) {
        batches.push(s.push(c)?);
    }
    batches.push(s.finish()?);
    Ok(batches)
}

fn assert_template_normalizer_runs_in_the_host(b: &Built) {
    let rt = fuel_runtime();
    let p = rt.load(&b.wasm, None, Limits::default()).unwrap();
    let info = p.normalizer_info().expect("a normalizer");
    assert_eq!(info.accepts, vec!["map:touches".to_string()]);
    let batches = normalize_all(&p, &std::fs::read(&b.sample).unwrap(), &[]).unwrap();
    // The sample is one chunk: its records come back from the push, nothing from finish.
    let (out, tail) = (&batches[0], &batches[1]);
    assert_eq!(tail.rows_read, 6);
    assert!(tail.touches.row.is_empty() && tail.rejects.is_empty());
    assert_eq!(out.rows_read, 6);
    assert_eq!(out.touches.row, vec![1, 2, 3, 6]);
    let rejected: Vec<(u64, &str)> = out
        .rejects
        .iter()
        .map(|r| (r.row, r.column.as_str()))
        .collect();
    assert_eq!(rejected, vec![(4, "Touched At"), (5, "Email")]);
    assert_eq!(out.touches.channel.get(2), "paid_social");
    assert_eq!(out.touches.asset.get(3), "carousel \"v2\", square");
    // A bad parameter is refused as the contract says.
    let err = p
        .open(&map_source("x.csv"), &[("delimiter".into(), "#".into())])
        .err()
        .unwrap();
    assert!(
        err.to_string().ends_with(
            "failed in `open`: refused the call (invalid parameter): parameter `delimiter`: `#` is not one of `,`, `;`, `tab`, `|`"
        ),
        "{err}"
    );
}

fn assert_template_model_runs_in_the_host(b: &Built, contract: &str) {
    let rt = fuel_runtime();
    let p = rt.load(&b.wasm, None, Limits::default()).unwrap();
    assert!(p.model_info().is_some());
    // The Rust template is on the current contract and asks for the touch keys only; the
    // Python one is still on 0.1.0, which is sent every column.
    assert_eq!(p.contract.package(), contract);
    if contract == "ascribe:model@0.4.0" {
        assert_eq!(p.model_info().unwrap().inputs.names(), vec!["touch-keys"]);
    }
    // webinar > direct > event (converts), direct (converts), email > email (does not).
    let mut j = three_journeys(&["webinar", "direct", "event", "email"], [0, 1, 2, 1, 3, 3]);
    let (out, _) = p.attribute(&mut j, &[]).unwrap();
    assert_eq!(out.weights, vec![0.5, 0.0, 0.5, 1.0, 0.5, 0.5]);
    let (out, _) = p
        .attribute(&mut j, &[("ignore_keys".into(), String::new())])
        .unwrap();
    assert_eq!(out.weights[..3], [1.0 / 3.0; 3]);
}

/// One test per template, each built once and then run in the host by its kind's check.
macro_rules! template_tests {
    ($($test:ident: $kind:ident $lang:ident => $check:ident($($arg:expr)?);)+) => {$(
        #[test]
        fn $test() {
            $check(&built(Kind::$kind, Lang::$lang) $(, $arg)?);
        }
    )+};
}

template_tests! {
    rust_normalizer_template_builds_checks_and_loads: Normalizer Rust
        => assert_template_normalizer_runs_in_the_host();
    rust_model_template_builds_checks_and_loads: Model Rust
        => assert_template_model_runs_in_the_host("ascribe:model@0.4.0");
    python_normalizer_template_builds_checks_and_loads: Normalizer Python
        => assert_template_normalizer_runs_in_the_host();
    python_model_template_builds_checks_and_loads: Model Python
        => assert_template_model_runs_in_the_host("ascribe:model@0.1.0");
}

#[test]
fn python_exceptions_reach_the_host_with_their_place() {
    let b = built(Kind::Normalizer, Lang::Python);
    // The template's project with a bug in `row`: a component cannot print a traceback,
    // so the glue must report the exception, and where it happened, as `failed`.
    let dir = tempfile::tempdir().unwrap();
    let proj = dir.path().join("buggy");
    std::fs::create_dir_all(proj.join("wit")).unwrap();
    for f in [
        "app.py",
        "normalize.py",
        "ascribe_kit.py",
        "wit/normalizer.wit",
    ] {
        std::fs::copy(b.dir.join(f), proj.join(f)).unwrap();
    }
    let plugin = std::fs::read_to_string(b.dir.join("plugin.py")).unwrap();
    let anchor = "        email, domain = cell(self.email), cell(self.domain)\n";
    assert!(plugin.contains(anchor));
    let plugin = plugin.replace(
        anchor,
        &format!("{anchor}        if row == 3:\n            1 / 0\n"),
    );
    let line = plugin
        .lines()
        .position(|l| l == "            1 / 0")
        .unwrap()
        + 1;
    std::fs::write(proj.join("plugin.py"), plugin).unwrap();
    run(
        Command::new(componentize_py())
            .args([
                "-q",
                "-d",
                "wit",
                "-w",
                "normalizer-plugin",
                "componentize",
                "app",
            ])
            .args(["-o", "buggy.wasm", "--stub-wasi"])
            .current_dir(&proj),
        "componentize-py (buggy)",
    );
    let wasm = proj.join("buggy.wasm");
    let (passed, v, _) = violations(
        &[
            wasm.to_str().unwrap(),
            "--sample",
            b.sample.to_str().unwrap(),
        ],
        &proj,
    );
    assert!(!passed);
    assert_eq!(
        v,
        one(
            "refused",
            format!(
                "plugin acme-python-normalizer@0.1.0 (sha256:{}) failed in `push (chunk 1)`: refused the call (failed): ZeroDivisionError: division by zero (at plugin.py:{line} in row)",
                &sha(&wasm)[..12]
            )
        )
    );
}

/// The touches sample, repeated to `rows` data rows with distinct people.
fn big_touches_sample(rows: usize) -> Vec<u8> {
    let base =
        std::fs::read_to_string(workspace().join("host/templates/samples/touches.csv")).unwrap();
    let mut lines = base.lines();
    let header = lines.next().unwrap();
    let body: Vec<&str> = lines.collect();
    let mut out = format!("{header}\n");
    for i in 0..rows {
        let l = body[i % body.len()];
        out.push_str(&l.replacen(".example", &format!("{i}.example"), 1));
        out.push('\n');
    }
    out.into_bytes()
}

#[test]
fn python_and_rust_normalizer_templates_agree_and_their_throughput() {
    let rust = built(Kind::Normalizer, Lang::Rust);
    let python = built(Kind::Normalizer, Lang::Python);
    let dir = tempfile::tempdir().unwrap();
    let sample = dir.path().join("touches-30000.csv");
    std::fs::write(&sample, big_touches_sample(30_000)).unwrap();
    let mut speeds = vec![];
    let mut outputs = vec![];
    for (lang, b) in [("rust", &rust), ("python", &python)] {
        // What `plugin check` measures (fuel on)…
        let check = ascribe(
            &[
                "plugin",
                "check",
                b.wasm.to_str().unwrap(),
                "--sample",
                sample.to_str().unwrap(),
                "--format",
                "json",
            ],
            dir.path(),
        );
        let v: Value =
            serde_json::from_slice(&check.stdout).unwrap_or_else(|_| panic!("{}", text(&check)));
        assert_eq!(v["passed"], true, "{}", text(&check));
        assert_eq!(v["sample"]["rows_read"], 30_000);
        let checked = v["throughput"]["per_second"].as_f64().unwrap();
        // …and production: no fuel, the host's 1 MiB chunks.
        let rt = Runtime::new(RuntimeOptions {
            fuel: false,
            cache_dir: Some(cache_dir()),
        })
        .unwrap();
        let p = rt.load(&b.wasm, None, Limits::default()).unwrap();
        let data = std::fs::read(&sample).unwrap();
        normalize_all(&p, &data, &[]).unwrap(); // warm: compiled and cached
        let t = Instant::now();
        let out = normalize_all(&p, &data, &[]).unwrap();
        let secs = t.elapsed().as_secs_f64();
        speeds.push((
            lang,
            checked,
            30_000.0 / secs,
            data.len() as f64 / 1e6 / secs,
        ));
        outputs.push(out);
    }
    // Same sample, same logic, two languages: the same records, call by call.
    assert_eq!(outputs[0].len(), outputs[1].len());
    for (i, (r, p)) in outputs[0].iter().zip(&outputs[1]).enumerate() {
        assert_eq!(r.rows_read, p.rows_read, "call {i}");
        assert_eq!(r.touches, p.touches, "call {i}");
        assert_eq!(r.rejects, p.rejects, "call {i}");
    }
    assert_eq!(outputs[0].last().unwrap().rows_read, 30_000);
    for (lang, checked, rows_s, mb_s) in &speeds {
        eprintln!(
            "plugin-kit throughput: {lang} normalizer template on 30,000 rows: {:.0} rows/s ({mb_s:.2} MB/s) in production, {checked:.0} rows/s under plugin check (fuel on)",
            rows_s
        );
    }
    eprintln!(
        "plugin-kit throughput: python is {:.1}× slower than rust (production)",
        speeds[0].2 / speeds[1].2
    );
    eprintln!(
        "plugin-kit timing: plugin new → passing check: rust normalizer {:.1} s, python normalizer {:.1} s",
        rust.total.as_secs_f64(),
        python.total.as_secs_f64()
    );
}

// ------------------------------------------------------------------------------------------
// plugin new: refusals, and what it embeds.

#[test]
fn plugin_new_refuses_bad_names_and_occupied_directories_and_vendors_the_sdk() {
    let dir = tempfile::tempdir().unwrap();
    let o = plugin_new("model", "rust", &["Acme_Model"], dir.path());
    assert!(!o.status.success());
    assert_eq!(
        String::from_utf8_lossy(&o.stderr),
        "error: `Acme_Model` is not a plugin name: use 1 to 64 lower-case letters, digits and single '-', starting with a letter (e.g. `acme-events`)\n"
    );
    std::fs::create_dir(dir.path().join("taken")).unwrap();
    std::fs::write(dir.path().join("taken/x"), "").unwrap();
    let o = plugin_new("model", "python", &["acme", "taken"], dir.path());
    assert_eq!(
        String::from_utf8_lossy(&o.stderr),
        "error: taken already exists and is not an empty directory; choose another place for the project\n"
    );
    // The Rust template vendors the SDK itself: its sources byte for byte (so the kit
    // cannot drift from the SDK: `clean_amount` once read `12.5k` as 12.5 in a fork), the
    // wit-bindgen this workspace builds its plugins with, and the contracts byte for byte.
    ok(
        plugin_new("normalizer", "rust", &["acme"], dir.path()),
        "plugin new",
    );
    let root = std::fs::read_to_string(workspace().join("Cargo.toml")).unwrap();
    let want = root
        .lines()
        .find_map(|l| l.strip_prefix("wit-bindgen = "))
        .unwrap();
    let acme = dir.path().join("acme");
    let cargo = std::fs::read_to_string(acme.join("vendor/ascribe-sdk/Cargo.toml")).unwrap();
    assert!(
        cargo.contains(&format!("\nwit-bindgen = {want}\n")) && !cargo.contains("workspace"),
        "{cargo}"
    );
    let project = std::fs::read_to_string(acme.join("Cargo.toml")).unwrap();
    assert!(
        project.contains("\nascribe-sdk = { path = \"vendor/ascribe-sdk\" }\n"),
        "{project}"
    );
    let sdk_src = workspace().join("plugins/sdk/src");
    let mut sources: Vec<String> = std::fs::read_dir(&sdk_src)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    sources.sort();
    let mut vendored: Vec<String> = std::fs::read_dir(acme.join("vendor/ascribe-sdk/src"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    vendored.sort();
    assert_eq!(vendored, sources, "every SDK source is vendored");
    for f in &sources {
        assert_eq!(
            std::fs::read(acme.join("vendor/ascribe-sdk/src").join(f)).unwrap(),
            std::fs::read(sdk_src.join(f)).unwrap(),
            "vendor/ascribe-sdk/src/{f} differs from plugins/sdk/src/{f}"
        );
    }
    for wit in ["normalizer-0.1.0/normalizer.wit", "model-0.4.0/model.wit"] {
        assert_eq!(
            std::fs::read(acme.join("wit").join(wit)).unwrap(),
            std::fs::read(workspace().join("wit").join(wit)).unwrap(),
            "wit/{wit}"
        );
    }
}

// ------------------------------------------------------------------------------------------
// plugin check: each kind of violation, with its exact message.

/// `plugin check --format json`: its exit status and its violations as (kind, message).
fn violations(args: &[&str], dir: &Path) -> (bool, Vec<(String, String)>, Value) {
    let mut all = vec!["plugin", "check"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--format", "json"]);
    let o = ascribe(&all, dir);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|_| panic!("{}", text(&o)));
    let list = string_pairs(&v["violations"], "kind", "message");
    assert_eq!(o.status.success(), v["passed"] == true);
    (o.status.success(), list, v)
}

fn one(kind: &str, message: String) -> Vec<(String, String)> {
    vec![(kind.to_string(), message)]
}

#[test]
fn plugin_check_reports_each_violation_with_its_exact_message() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("paths.csv"),
        "path,total_conversions,total_conversion_value,total_null\na > b,1,100,2\nc,0,0,3\n",
    )
    .unwrap();
    std::fs::write(
        d.join("people.csv"),
        "email,note\nann@a.example,1\nbo@b.example,2\ncy@c.example,3\ndi@d.example,4\ned@e.example,5\nflo@f.example,6\n",
    )
    .unwrap();
    let s = |p: &Path| p.to_str().unwrap().to_string();
    let label = |name: &str, p: &Path| format!("{name}@0.0.1 (sha256:{})", &sha(p)[..12]);

    // The hostile model, by mode.
    let model = hostile("hostile-model");
    // The plugin `path` on `sample` with `--param param`, then `flags`.
    let check = |path: &Path, sample: &str, param: &str, flags: &[&str]| {
        let path = s(path);
        let mut args = vec![path.as_str(), "--sample", sample, "--param", param];
        args.extend_from_slice(flags);
        violations(&args, d)
    };
    // The hostile model in `mode` on the path table, with `flags`.
    let model_in =
        |mode: &str, flags: &[&str]| check(&model, "paths.csv", &format!("mode={mode}"), flags);
    // What the hostile model's `attribute` failing because of `cause` is, as a violation.
    let model_failed = |kind: &str, cause: &str| {
        one(
            kind,
            format!(
                "plugin {} failed in `attribute`: {cause}",
                label("hostile-model", &model)
            ),
        )
    };
    let (passed, v, _) = model_in("spin", &["--time-ms", "500"]);
    assert!(!passed);
    assert_eq!(
        v,
        model_failed(
            "time-limit",
            "exceeded its time limit of 500 ms per call; if the input is legitimately large, raise `limits.time_ms` for this plugin in the campaign file"
        )
    );
    let (_, v, _) = model_in("spin", &["--fuel", "1000000"]);
    assert_eq!(
        v,
        model_failed(
            "instruction-limit",
            "used up its instruction budget of 1000000; raise `limits.fuel` or turn fuel off for this plugin"
        )
    );

    let (_, v, _) = model_in("alloc", &["--memory-mib", "64"]);
    assert_eq!(
        v,
        model_failed(
            "memory-limit",
            "reached its memory limit of 64 MiB; if the input is legitimately large, raise `limits.memory_mib` for this plugin in the campaign file"
        )
    );

    let (_, v, _) = model_in("panic", &[]);
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].0, "crash");
    let prefix = format!(
        "plugin {} failed in `attribute`: crashed: panicked at ",
        label("hostile-model", &model)
    );
    assert!(
        v[0].1.starts_with(&prefix)
            && v[0]
                .1
                .ends_with(": boom: the hostile plugin gave up; report it to the plugin's author"),
        "{}",
        v[0].1
    );

    let (_, v, _) = model_in("skewed", &[]);
    assert_eq!(
        v,
        model_failed(
            "contract",
            "returned output that breaks the contract: the weights of converting journey 0 sum to 0.5, not 1; report it to the plugin's author"
        )
    );

    // A good plugin with the wrong pin.
    let linear = bundled("linear");
    let zeros = format!("sha256:{}", "0".repeat(64));
    let (_, v, r) = violations(&[&s(&linear), "--sample", "paths.csv", "--pin", &zeros], d);
    assert_eq!(
        v,
        one(
            "pin",
            format!(
                "pin: the plugin's sha256 is sha256:{}, but --pin expects {zeros}",
                sha(&linear)
            )
        )
    );
    assert_eq!(r["checks"][1]["status"], "ok", "the run itself passed: {r}");

    // Normalizers that break the row rules.
    let sloppy = hostile("hostile-normalizer");
    let sloppy_in = |param: &str| check(&sloppy, "people.csv", param, &[]);
    let mode = |m: &str| format!("mode={m}");
    let (_, v, _) = sloppy_in(&mode("drop"));
    assert_eq!(
        v,
        one(
            "row-accounting",
            "row accounting: 2 of 6 rows read are neither normalized nor rejected (rows 3, 6); every row must come out as a record or a reject".into()
        )
    );
    let (_, v, _) = sloppy_in(&mode("split"));
    assert_eq!(v.len(), 1, "{v:?}");
    assert_eq!(v[0].0, "chunking");
    assert!(
        v[0].1.starts_with(
            "chunk boundaries: fed in chunks of 1 to 64 bytes, the output differs from one read of the whole sample: it read "
        ) && v[0].1.ends_with(" rows instead of 6"),
        "{}",
        v[0].1
    );
    let (_, v, _) = sloppy_in(&mode("late"));
    assert_eq!(
        v,
        one(
            "contract",
            format!(
                "plugin {} failed in `push (chunk 1)`: returned output that breaks the contract: a reject names row 102, outside 1..=6; report it to the plugin's author",
                label("hostile-normalizer", &sloppy)
            )
        )
    );
    let (_, v, _) = sloppy_in(&mode("flood"));
    assert_eq!(
        v,
        // The runtime counts a row's records across calls now (issue 16), so the session
        // refuses the answer before `plugin check`'s own count sees it.
        one(
            "contract",
            format!(
                "plugin {} failed in `push (chunk 1)`: returned output that breaks the contract: row 1 has 20 records (at most 16 a row); report it to the plugin's author",
                label("hostile-normalizer", &sloppy)
            )
        )
    );
    let (_, v, _) = sloppy_in("bogus=1");
    assert_eq!(
        v,
        one(
            "refused",
            format!(
                "plugin {} failed in `open`: refused the call (invalid parameter): unknown parameter `bogus`: accepted parameters are mode",
                label("hostile-normalizer", &sloppy)
            )
        )
    );
    let (passed, v, r) = sloppy_in(&mode("fine"));
    assert!(passed, "{v:?}");
    assert_eq!(r["sample"]["rows_read"], 6);

    // The table form says the same, and exits 1.
    let o = ascribe(
        &[
            "plugin",
            "check",
            &s(&sloppy),
            "--sample",
            "people.csv",
            "--param",
            "mode=drop",
        ],
        d,
    );
    assert_eq!(o.status.code(), Some(1));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.ends_with(
            "FAIL: 1 violation\n  [row-accounting] row accounting: 2 of 6 rows read are neither normalized nor rejected (rows 3, 6); every row must come out as a record or a reject\n"
        ),
        "{out}"
    );
    // A model that needs times and milestones takes a journeys sample.
    std::fs::write(
        d.join("journeys.json"),
        r#"{"journeys": [
            {"touches": [{"key": "webinar", "time": "2026-09-01T10:00:00Z", "flags": ["first", "lead"]},
                         {"key": "event", "time": 1788343200000, "flags": 4, "partner": "Quantia AI"}],
             "conversions": 1, "value": 48000, "converted_at": "2026-10-20T00:00:00Z"},
            {"touches": ["email"], "conversions": 0, "nulls": 2}]}"#,
    )
    .unwrap();
    let w_shaped = bundled("w-shaped");
    let (passed, v, r) = violations(&[&s(&w_shaped), "--sample", "journeys.json"], d);
    assert!(passed, "{v:?}");
    assert_eq!(r["sample"]["form"], "journeys");
    assert_eq!(r["sample"]["touches"], 3);
    let o = ascribe(
        &["plugin", "check", &s(&w_shaped), "--sample", "paths.csv"],
        d,
    );
    assert_eq!(
        String::from_utf8_lossy(&o.stderr),
        "error: w-shaped@1.0.0 needs milestone flags (inputs: milestones), but the sample paths.csv has none: give a journeys sample (.json) with touch flags (see --help)\n"
    );
    // As production runs it: no instruction counting.
    let (passed, _, r) = violations(&[&s(&linear), "--sample", "paths.csv", "--no-fuel"], d);
    assert!(passed);
    let instructions = find_by(&r["usage"], "what", "instructions");
    assert_eq!(instructions["used"], "not counted (--no-fuel)");
    // A model given a sample it cannot read is a usage error, not a verdict.
    let o = ascribe(
        &["plugin", "check", &s(&linear), "--sample", "people.csv"],
        d,
    );
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&o.stderr),
        "error: sample people.csv: a path table needs the columns `path` and `total_conversions` (its header is `email,note`); a journeys sample is a .json file\n"
    );
}

// ------------------------------------------------------------------------------------------
// plugin lock

const CAMPAIGN: &str = r#"# Lock test campaign: comments and layout must survive `plugin lock`.
id = "lock-test"
name = "Lock Test"
start = "2026-09-01"
end = "2026-10-31"
currency = "USD"

[[partners]]
name = "Nimbus Cloud"   # the host

[[partners.sources]]
id = "nimbus-touches"
kind = "map"
file = "data/touches.csv"
plugin = "plugins/partner.wasm"     # built by the partner
timezone = "UTC"
[partners.sources.params]
mode = "fine"

[[partners.sources]]
id = "nimbus-generic"
kind = "crm"
file = "data/opps.csv"
    plugin = "generic-csv"
    # pinned before, to an old build
    sha256 = "sha256:1111111111111111111111111111111111111111111111111111111111111111" # old

[[models]]
name = "house"
plugin = "plugins/house.wasm"
default = true

[[models]]
name = "linear"
"#;

#[test]
fn plugin_lock_pins_every_plugin_and_a_changed_plugin_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("campaigns/plugins")).unwrap();
    let partner = d.join("campaigns/plugins/partner.wasm");
    let house = d.join("campaigns/plugins/house.wasm");
    std::fs::copy(hostile("hostile-normalizer"), &partner).unwrap();
    std::fs::copy(bundled("first-touch"), &house).unwrap();
    let file = d.join("campaigns/lock-test.toml");
    std::fs::write(&file, CAMPAIGN).unwrap();
    // `plugin lock` on the campaign file, with `flags`.
    let lock = |flags: &[&str]| {
        let mut args = vec!["plugin", "lock"];
        args.extend_from_slice(flags);
        args.extend(["--campaign-file", file.to_str().unwrap()]);
        ascribe(&args, d)
    };
    let pin = |p: &Path| format!("sha256:{}", sha(p));
    let (p_partner, p_generic, p_house, p_linear) = (
        pin(&partner),
        pin(&bundled("generic-csv")),
        pin(&house),
        pin(&bundled("linear")),
    );

    let o = ok(
        ascribe(
            &[
                "plugin",
                "lock",
                "--campaigns-dir",
                "campaigns",
                "--campaign",
                "Lock Test",
            ],
            d,
        ),
        "plugin lock",
    );
    let printed = String::from_utf8_lossy(&o.stdout);
    assert!(
        printed.ends_with(&format!(
            "wrote 4 pins to {} (3 added, 1 updated, 0 unchanged)\n",
            Path::new("campaigns").join("lock-test.toml").display()
        )),
        "{printed}"
    );
    // Only the pins changed: each new one right under its `plugin` line, with its
    // indentation; the old one replaced in place, keeping its comment.
    let want = CAMPAIGN
        .replace(
            "plugin = \"plugins/partner.wasm\"     # built by the partner\n",
            &format!("plugin = \"plugins/partner.wasm\"     # built by the partner\nsha256 = \"{p_partner}\"\n"),
        )
        .replace(
            &format!("sha256 = \"sha256:{}\" # old", "1".repeat(64)),
            &format!("sha256 = \"{p_generic}\" # old"),
        )
        .replace(
            "plugin = \"plugins/house.wasm\"\n",
            &format!("plugin = \"plugins/house.wasm\"\nsha256 = \"{p_house}\"\n"),
        )
        .replace(
            "name = \"linear\"\n",
            &format!("name = \"linear\"\nsha256 = \"{p_linear}\"\n"),
        );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), want);

    // Locking again changes nothing; --check agrees.
    let o = ok(lock(&[]), "plugin lock (again)");
    assert!(
        String::from_utf8_lossy(&o.stdout).ends_with("all 4 pins already match; nothing written\n")
    );
    ok(lock(&["--check"]), "plugin lock --check");

    // The partner sends a changed build: the pinned campaign refuses it before compiling.
    std::fs::copy(bundled("last-touch"), &house).unwrap();
    let c = ascribe::pipeline::campaign::load(&file).unwrap();
    let (rt, _cache) = runtime();
    let err = match ascribe::commands::track::resolve_model(&c, &rt, Some("house"), &[]) {
        Ok(_) => panic!("a changed model must be refused"),
        Err(e) => e.to_string(),
    };
    assert_eq!(
        err,
        format!(
            "plugin {}: its sha256 is {}, but the campaign pins {p_house}; refusing to run it (if the change is intended, update the pin, e.g. with `ascribe plugin lock`)",
            house.display(),
            pin(&house)
        )
    );
    std::fs::copy(hostile("hostile-model"), &partner).unwrap();
    let err = ascribe::pipeline::normalize::load_plugins(&c, &rt, &[])
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains(&format!(
            "its sha256 is {}, but the campaign pins {p_partner}; refusing to run it",
            pin(&partner)
        )),
        "{err}"
    );
    // --check says what is stale and fails; a source's plugin must be a normalizer.
    let o = lock(&["--check"]);
    assert_eq!(o.status.code(), Some(1));
    let e = String::from_utf8_lossy(&o.stderr);
    assert_eq!(
        e,
        format!(
            "error: source `nimbus-touches`: hostile-model@0.0.1 (sha256:{}) ({}) is a model plugin, not a normalizer\n",
            &sha(&partner)[..12],
            partner.display()
        )
    );
    std::fs::copy(hostile("hostile-normalizer"), &partner).unwrap();
    let o = lock(&["--check"]);
    assert_eq!(o.status.code(), Some(1));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("  updated   model `house`")
            && out
                .ends_with("0 pins missing and 1 stale: run `ascribe plugin lock` to write them\n"),
        "{out}"
    );
    // Re-locking accepts the new build.
    ok(lock(&[]), "plugin lock (new build)");
    let c = ascribe::pipeline::campaign::load(&file).unwrap();
    assert!(ascribe::commands::track::resolve_model(&c, &rt, Some("house"), &[]).is_ok());
}

// ------------------------------------------------------------------------------------------
// The Python example normalizer.

#[test]
fn python_example_normalizer_builds_and_runs_in_the_host() {
    let example = workspace().join("plugins/examples/python-normalizer");
    // What `plugin new` writes today, to compare with what the example's build generates.
    let dir = tempfile::tempdir().unwrap();
    ok(
        plugin_new("normalizer", "python", &["fresh"], dir.path()),
        "plugin new",
    );
    let wasm = kit_dir().join("examples/webinar-attendees.wasm");
    let mut build = Command::new("bash");
    build.arg(example.join("build.sh")).arg(&wasm);
    let tool = componentize_py();
    if tool.is_absolute() {
        let path = std::env::var_os("PATH").unwrap_or_default();
        let mut dirs = vec![tool.parent().unwrap().to_path_buf()];
        dirs.extend(std::env::split_paths(&path));
        build.env("PATH", std::env::join_paths(dirs).unwrap());
    }
    run(&mut build, "plugins/examples/python-normalizer/build.sh");
    // The example's kit, glue and contract are not committed: build.sh (and `cargo xtask
    // plugins`) writes what `plugin new` writes.
    for f in [
        "ascribe_kit.py",
        "app.py",
        "normalize.py",
        "wit/normalizer.wit",
    ] {
        assert_eq!(
            std::fs::read_to_string(example.join(f)).unwrap(),
            std::fs::read_to_string(dir.path().join("fresh").join(f)).unwrap(),
            "{f} differs from what `plugin new` writes"
        );
    }

    // The production runtime, unchanged: no fuel, default limits.
    let (rt, _cache) = runtime();
    let p = rt.load(&wasm, None, Limits::default()).unwrap();
    assert_eq!(p.label().name, "webinar-attendees@1.0.0");
    let data = std::fs::read(example.join("sample/attendees.csv")).unwrap();
    let mut s = p
        .open(
            &map_source("agents-in-production.csv"),
            &[("min_minutes".into(), "5".into())],
        )
        .unwrap();
    let mut b = s.push(&data).unwrap();
    let tail = s.finish().unwrap();
    assert_eq!(tail.rows_read, 6);
    assert!(tail.touches.row.is_empty() && tail.rejects.is_empty());
    b.rows_read = tail.rows_read;
    assert_eq!(b.touches.row, vec![1, 2, 3]);
    let types: Vec<&str> = (0..3).map(|i| b.touches.touch_type.get(i)).collect();
    assert_eq!(types, vec!["attended", "registered", "registered"]);
    assert_eq!(b.touches.asset.get(0), "agents-in-production");
    assert_eq!(b.touches.person.get(0), "avery.quill@acme-robotics.example");
    // Sep 9, 2026 09:00 AM as wall time, no offset (the host applies the source's zone).
    assert_eq!(b.touches.time.wall_ms[0], 1_788_944_400_000);
    assert_eq!(b.touches.time.offset_min[0], i32::MIN);
    assert_eq!(b.stage_events.row, vec![1, 2, 3]);
    assert_eq!(b.stage_events.stage.get(2), "registered");
    let rejects: Vec<(u64, &str, &str)> = b
        .rejects
        .iter()
        .map(|r| (r.row, r.column.as_str(), r.reason.as_str()))
        .collect();
    assert_eq!(
        rejects,
        vec![
            (
                4,
                "Email",
                "no e-mail: a registrant without one cannot be attributed"
            ),
            (5, "Attended", "`Maybe` is neither Yes nor No"),
            (6, "Join Time", "day 31 is out of range for 2026-09"),
        ]
    );
    // A parameter the Python code refuses reaches the host as the contract's error.
    let err = p
        .open(
            &map_source("x.csv"),
            &[("min_minutes".into(), "soon".into())],
        )
        .err()
        .unwrap();
    assert_eq!(
        err.to_string(),
        format!(
            "plugin webinar-attendees@1.0.0 (sha256:{}) failed in `open`: refused the call (invalid parameter): parameter `min_minutes`: `soon` is not a number",
            &p.sha256[..12]
        )
    );
}
