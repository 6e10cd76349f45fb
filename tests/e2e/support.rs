//! Shared helpers: where the built plugins are, a runtime with a private cache, a small
//! set of journeys, and the binary run with its cache, state and output kept private.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use ascribe::runtime::model::{JourneyColumns, ModelOutput};
use ascribe::runtime::normalizer::SourceInfo;
use ascribe::runtime::{Limits, Plugin, PluginError, Runtime, RuntimeOptions, Session, Usage};

pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

pub fn target_dir() -> PathBuf {
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

fn find(dir: &str, name: &str) -> PathBuf {
    let p = target_dir().join(dir).join(format!("{name}.wasm"));
    assert!(
        p.is_file(),
        "{} is missing: build the plugins first with `cargo xtask plugins` (or run the tests with `cargo xtask test`)",
        p.display()
    );
    p
}

/// A bundled plugin (models/, plugins/).
pub fn bundled(name: &str) -> PathBuf {
    find("plugins", name)
}

/// A hostile test plugin (tests/plugins/).
pub fn hostile(name: &str) -> PathBuf {
    find("test-plugins", name)
}

/// A runtime whose cache lives in a fresh temporary directory.
pub fn runtime() -> (Runtime, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let rt = Runtime::new(RuntimeOptions {
        fuel: false,
        cache_dir: Some(dir.path().join("cache")),
    })
    .unwrap();
    (rt, dir)
}

pub fn load(rt: &Runtime, path: &Path) -> Plugin {
    rt.load(path, None, Limits::default())
        .unwrap_or_else(|e| panic!("{e}"))
}

pub fn short_sha(p: &Plugin) -> String {
    p.sha256[..12].to_string()
}

/// The sha256 of a file, hex, computed here (not by the host) for expected messages.
pub fn sha256_of(path: &Path) -> String {
    use sha2::{Digest, Sha256};
    let d = Sha256::digest(std::fs::read(path).unwrap());
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// The one directory in `base`, asserted to be the only one: the package a run wrote.
/// `stderr`, the run's, goes into the panic when `base` cannot be read.
pub fn only_package(base: &Path, stderr: &str) -> PathBuf {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(base)
        .unwrap_or_else(|e| panic!("{}: {e}\nstderr:\n{stderr}", base.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    assert_eq!(dirs.len(), 1, "one package: {dirs:?}");
    dirs.pop().unwrap()
}

/// Three journeys over `keys`, touched as `touch_key` (six touches): touches 0-2 convert
/// once for 100, touch 3 twice for 50, touches 4-5 do not convert (3 nulls).
pub fn three_journeys(keys: &[&str], touch_key: [u32; 6]) -> JourneyColumns {
    JourneyColumns {
        keys: keys.iter().map(|s| s.to_string()).collect(),
        partners: vec!["p".into()],
        touch_key: touch_key.to_vec(),
        touch_time_ms: vec![0; 6],
        touch_flags: vec![0; 6],
        touch_partner: vec![0; 6],
        journey_offsets: vec![0, 3, 4, 6],
        conversions: vec![1.0, 2.0, 0.0],
        nulls: vec![0.0, 0.0, 3.0],
        value: vec![100.0, 50.0, 0.0],
        conversion_time_ms: vec![0; 3],
    }
}

/// Three journeys: a > b > c (converts), d (converts twice), e > f (does not convert).
pub fn journeys() -> JourneyColumns {
    three_journeys(&["a", "b", "c", "d", "e", "f"], [0, 1, 2, 3, 4, 5])
}

/// A `map` source reading `file_name`, as a normalizer is opened on one.
pub fn map_source(file_name: &str) -> SourceInfo {
    SourceInfo {
        kind: "map".into(),
        file_name: file_name.into(),
    }
}

/// Plugin parameters from `(name, value)` pairs.
pub fn params(p: &[(&str, &str)]) -> Vec<(String, String)> {
    p.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// A model's answer to [`journeys`] with its `mode` parameter set (the hostile model's switch).
pub fn in_mode(p: &Plugin, mode: &str) -> Result<(ModelOutput, Usage), PluginError> {
    p.attribute(&mut journeys(), &params(&[("mode", mode)]))
}

/// A normalizer's session on a map source `x.csv` with its `mode` parameter set (the
/// hostile normalizer's switch).
pub fn open_in_mode<'p>(p: &'p Plugin, mode: &str) -> Result<Session<'p>, PluginError> {
    p.open(&map_source("x.csv"), &params(&[("mode", mode)]))
}

/// `plugin NAME@0.0.1 (sha256:…) failed in `OP`: CAUSE` for a loaded test plugin (every
/// plugin in tests/plugins/ is version 0.0.1).
pub fn failed(p: &Plugin, op: &str, cause: &str) -> String {
    format!(
        "plugin {}@0.0.1 (sha256:{}) failed in `{op}`: {cause}",
        p.label().name.trim_end_matches("@0.0.1"),
        short_sha(p)
    )
}

/// The binary with `args`, then its cache and state under `dir` and the bundled plugins on
/// its plugin path, run in `dir`.
pub fn ascribe_in(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ascribe"));
    cmd.args(args)
        .arg("--cache-dir")
        .arg(dir.join("cache"))
        .arg("--state-dir")
        .arg(dir.join("state"))
        .env("ASCRIBE_PLUGIN_PATH", target_dir().join("plugins"))
        .current_dir(dir);
    cmd
}

/// As [`ascribe_in`], for a command that writes packages: they go to `dir/out`, and no
/// failure is injected.
pub fn ascribe_out(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = ascribe_in(dir, args);
    cmd.arg("--out")
        .arg(dir.join("out"))
        .env_remove("ASCRIBE_FAIL_AT");
    cmd
}

/// Runs `cmd` to the end: exit code (-1 for a signal), stdout, stderr.
pub fn outcome(cmd: &mut Command) -> (i32, String, String) {
    let started = std::time::SystemTime::now();
    let o: Output = cmd.output().unwrap();
    check_reports(cmd, started);
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into(),
        String::from_utf8_lossy(&o.stderr).into(),
    )
}

/// Runs the binary in `dir` with its cache and state under it, and nothing more: for the
/// commands that take no `--out`.
pub fn run_plain(dir: &Path, args: &[&str]) -> (i32, String, String) {
    outcome(&mut ascribe_in(dir, args))
}

/// Runs the binary in `dir` (state, cache and output under it), with `env` set.
pub fn run_in(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    outcome(ascribe_out(dir, args).envs(env.iter().copied()))
}

/// `track-source` on `file` with the full detail, then `extra`.
pub fn track(file: &Path, extra: &[&str]) -> Vec<String> {
    let mut a = vec![
        "track-source".to_string(),
        "--campaign-file".into(),
        file.display().to_string(),
        "--detail".into(),
        "full".into(),
    ];
    a.extend(extra.iter().map(|s| s.to_string()));
    a
}

/// `v` as the `&str`s a command takes.
pub fn args(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// `text` with its one `old` (asserted to be there once) replaced by `new`.
pub fn replace(text: &str, old: &str, new: &str) -> String {
    assert_eq!(text.matches(old).count(), 1, "{old}");
    text.replace(old, new)
}

/// The first 12 hex digits of a file's sha256, as errors name a plugin.
pub fn sha12(path: &Path) -> String {
    ascribe::runtime::cache::sha256_hex(&std::fs::read(path).unwrap())[..12].to_string()
}

/// A copy of the demo campaign in a temporary directory, with `edit` applied to its text.
pub fn campaign_copy(edit: impl Fn(String) -> String) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let src = workspace().join("fixtures/campaigns");
    copy_dir(&src.join("data"), &dir.path().join("data"));
    let text = edit(std::fs::read_to_string(src.join("ai-launch-tour.toml")).unwrap());
    let file = dir.path().join("ai-launch-tour.toml");
    std::fs::write(&file, text).unwrap();
    (dir, file)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

/// `command` on the campaign in `file`, then `extra`, in `dir` as [`run_in`] runs it.
pub fn run_campaign(
    dir: &Path,
    command: &str,
    file: impl AsRef<Path>,
    extra: &[&str],
) -> (i32, String, String) {
    let file = file.as_ref().to_str().unwrap();
    let mut all = vec![command, "--campaign-file", file];
    all.extend_from_slice(extra);
    run_in(dir, &all, &[])
}

/// `track-source` on `file` (with `extra`) in `dir`, as [`run_in`] runs it.
pub fn track_in(dir: &Path, file: &Path, extra: &[&str]) -> (i32, String, String) {
    run_in(dir, &args(&track(file, extra)), &[])
}

/// Every `report.json` and `compare.json` written since `since` under the directory `cmd`
/// writes packages to (its `--out`, else `out` in its working directory) is valid against
/// its schema: `outcome` calls this after each run, so every report any test reads has
/// been checked. Older files are not this run's (a test may have altered them on purpose,
/// as atomic.rs marks a previous package), nor are staging directories (`.tmp-…`,
/// `.old-…`), where a killed run leaves what it had not finished.
pub fn check_reports(cmd: &Command, since: std::time::SystemTime) {
    let mut stack = vec![out_dir_of(cmd)];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for p in entries.flatten().map(|e| e.path()) {
            let name = p.file_name().unwrap().to_string_lossy();
            if p.is_dir() && !name.starts_with('.') {
                stack.push(p);
            } else if (name == "report.json" || name == "compare.json")
                && p.metadata()
                    .and_then(|m| m.modified())
                    .is_ok_and(|t| t >= since)
            {
                assert_valid_file(&p);
            }
        }
    }
}

/// Where `cmd` writes its packages, as the binary resolves `--out`.
fn out_dir_of(cmd: &Command) -> PathBuf {
    let cwd = cmd.get_current_dir().unwrap_or(Path::new("."));
    let args: Vec<&std::ffi::OsStr> = cmd.get_args().collect();
    let given = args.iter().enumerate().find_map(|(i, a)| {
        let a = a.to_string_lossy();
        match a.strip_prefix("--out=") {
            Some(v) => Some(PathBuf::from(v)),
            None if a == "--out" => args.get(i + 1).map(PathBuf::from),
            None => None,
        }
    });
    cwd.join(given.unwrap_or_else(|| PathBuf::from("out")))
}

/// `path` (a `report.json` or `compare.json`) parsed and validated against its schema.
pub fn assert_valid_file(path: &Path) {
    let text = std::fs::read_to_string(path).unwrap();
    let value: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: not JSON: {e}", path.display()));
    let errors = if path.file_name().is_some_and(|n| n == "compare.json") {
        comparison_errors(&value)
    } else {
        report_errors(&value)
    };
    assert!(
        errors.is_empty(),
        "{} does not match its schema:\n{}",
        path.display(),
        errors.join("\n")
    );
}

/// Where `report` breaks docs/report.schema.json, one line per error (none: valid). The
/// schema is the generated one, which json_schema.rs holds the committed file equal to: a
/// stale file then fails that one test, with how to regenerate it, and no other.
pub fn report_errors(report: &serde_json::Value) -> Vec<String> {
    static V: std::sync::OnceLock<jsonschema::Validator> = std::sync::OnceLock::new();
    schema_errors(
        V.get_or_init(|| validator(&ascribe::report::json_schema::report_schema())),
        report,
    )
}

/// Where `comparison` breaks compare.json's schema (`compare_schema()`), one line per error.
pub fn comparison_errors(comparison: &serde_json::Value) -> Vec<String> {
    static V: std::sync::OnceLock<jsonschema::Validator> = std::sync::OnceLock::new();
    schema_errors(
        V.get_or_init(|| validator(&ascribe::report::json_schema::compare_schema())),
        comparison,
    )
}

/// A 2020-12 validator that checks formats too (`date`), not only structure.
fn validator(schema: &serde_json::Value) -> jsonschema::Validator {
    jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(schema)
        .unwrap_or_else(|e| panic!("the schema does not compile: {e}"))
}

fn schema_errors(v: &jsonschema::Validator, instance: &serde_json::Value) -> Vec<String> {
    v.iter_errors(instance)
        .map(|e| format!("at {}: {e}", e.instance_path()))
        .collect()
}

/// The element of the JSON array `list` whose `key` is `value`: reports, manifests and
/// listings are searched by a name, never by position.
pub fn find_by<'a>(list: &'a serde_json::Value, key: &str, value: &str) -> &'a serde_json::Value {
    list.as_array()
        .unwrap_or_else(|| panic!("not an array: {list}"))
        .iter()
        .find(|x| x[key] == value)
        .unwrap_or_else(|| panic!("no element with {key} = {value:?} in {list}"))
}

/// The strings `a` and `b` of each element of the JSON array `list`, in order: a credit
/// table's (value, pipeline), a check's (kind, message).
pub fn string_pairs(list: &serde_json::Value, a: &str, b: &str) -> Vec<(String, String)> {
    let text = |x: &serde_json::Value, k: &str| {
        x[k].as_str()
            .unwrap_or_else(|| panic!("no string {k} in {x}"))
            .to_string()
    };
    list.as_array()
        .unwrap_or_else(|| panic!("not an array: {list}"))
        .iter()
        .map(|x| (text(x, a), text(x, b)))
        .collect()
}

/// The start of a hand-computed campaign file: March 2026 in USD, with Acme the host, whose
/// CRM stage `open` is an opportunity. The caller adds more stages, sources and partners.
pub fn hand_campaign_head(id: &str, name: &str) -> String {
    format!(
        r#"id = "{id}"
name = "{name}"
start = "2026-03-01"
end = "2026-03-31"
currency = "USD"

# A handful of hand-made accounts: the bootstrap's partner intervals are wide, so the
# confidence (coverage × identity × split precision, docs/guardrails.md) is low by design;
# these campaigns check credit, not escalation, which plan.rs tests on the demo.
[guardrails]
min_confidence = 0.0

[[partners]]
name = "Acme"
role = "host"
owner = "Acme marketing"

[partners.stages]
"open" = "opportunity"
"#
    )
}

/// A campaign file's `[[partners.sources]]` reading, through generic-csv, touches from the
/// export `file` with the columns `email`, `company`, `time`, `channel` and `asset`: the
/// hand-computed campaigns' touch exports.
pub fn touch_source(id: &str, file: &str) -> String {
    format!(
        r#"[[partners.sources]]
id = "{id}"
kind = "map"
file = "{file}"
plugin = "generic-csv"
[partners.sources.params]
record = "touch"
col_person = "email"
col_account = "company"
col_time = "time"
col_channel = "channel"
col_asset = "asset"
"#
    )
}

/// As [`touch_source`], for deals from the export `file` with the columns `id`, `company`,
/// `stage`, `amount`, `currency` (the currency's column) and `created`.
pub fn deal_source(id: &str, file: &str, currency: &str) -> String {
    format!(
        r#"[[partners.sources]]
id = "{id}"
kind = "crm"
file = "{file}"
plugin = "generic-csv"
[partners.sources.params]
record = "conversion"
col_id = "id"
col_account_domain = "company"
col_stage = "stage"
col_amount = "amount"
col_currency = "{currency}"
col_created = "created"
"#
    )
}
