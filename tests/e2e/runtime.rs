//! The sandboxed component runtime: loading from any path, the cache, pins, limits.

use std::time::{Duration, Instant};

use ascribe::runtime::model::JourneyColumns;
use ascribe::runtime::{Cause, Limits, Origin, PluginError, PluginInfo};

use crate::support::*;

#[test]
fn first_touch_runs_from_a_path_and_is_validated() {
    let (rt, _d) = runtime();
    let p = load(&rt, &bundled("first-touch"));
    let PluginInfo::Model(info) = p.info() else {
        panic!("first-touch is a model")
    };
    assert_eq!(info.name, "first-touch");
    assert_eq!(p.label().name, "first-touch@1.0.0");
    let mut j = journeys();
    let before = j.clone();
    let (out, _usage) = p.attribute(&mut j, &[]).unwrap();
    // By hand: each journey's first touch gets 1 — touches 0 (a), 3 (d), 4 (e).
    assert_eq!(out.weights, vec![1.0, 0.0, 0.0, 1.0, 1.0, 0.0]);
    assert_eq!(j, before, "the host's columns come back unchanged");
}

#[test]
fn second_load_comes_from_the_cache() {
    let (rt, _d) = runtime();
    let path = bundled("linear");
    let first = load(&rt, &path);
    assert_eq!(first.origin, Origin::Compiled);
    let entry = rt.cache_entry(&first.sha256).unwrap();
    assert!(entry.is_file(), "cache entry {} written", entry.display());
    let second = load(&rt, &path);
    assert_eq!(second.origin, Origin::Cached);
    // Loaded components map the entry; the cache only ever replaces files by rename, so a
    // live mapping never changes under a plugin. Drop them before damaging the file here.
    drop((first, second));
    // A corrupt entry is not trusted: it is deleted and the plugin recompiled.
    std::fs::write(&entry, b"not a precompiled component").unwrap();
    let third = load(&rt, &path);
    assert_eq!(third.origin, Origin::Compiled);
    assert_eq!(load(&rt, &path).origin, Origin::Cached);
}

#[test]
fn digest_mismatch_is_refused_before_compiling() {
    let (rt, _d) = runtime();
    let path = bundled("first-touch");
    let actual = ascribe::runtime::cache::sha256_hex(&std::fs::read(&path).unwrap());
    let pin = format!("sha256:{}", "0".repeat(64));
    let err = rt
        .load(&path, Some(&pin), Limits::default())
        .err()
        .expect("a wrong pin is refused");
    assert_eq!(
        err.to_string(),
        format!(
            "plugin {}: its sha256 is sha256:{actual}, but the campaign pins sha256:{}; refusing to run it (if the change is intended, update the pin, e.g. with `ascribe plugin lock`)",
            path.display(),
            "0".repeat(64)
        )
    );
    assert!(
        !rt.cache_entry(&actual).unwrap().exists(),
        "nothing was compiled"
    );
    // The right pin loads.
    assert!(
        rt.load(&path, Some(&format!("sha256:{actual}")), Limits::default())
            .is_ok()
    );
}

#[test]
fn hostile_plugins_fail_with_exact_errors_and_the_host_goes_on() {
    let (rt, _d) = runtime();
    let limits = Limits {
        time_per_call: Duration::from_secs(1),
        memory_bytes: 64 << 20,
        ..Limits::default()
    };

    let spin = rt.load(&hostile("hostile-model"), None, limits).unwrap();
    let started = Instant::now();
    let err = in_mode(&spin, "spin").unwrap_err();
    let took = started.elapsed();
    assert_eq!(
        err.to_string(),
        format!(
            "plugin hostile-model@0.0.1 (sha256:{}) failed in `attribute`: exceeded its time limit of 1 s per call; if the input is legitimately large, raise `limits.time_ms` for this plugin in the campaign file",
            short_sha(&spin)
        )
    );
    assert!(took < Duration::from_secs(5), "stopped promptly ({took:?})");

    let alloc = rt.load(&hostile("hostile-model"), None, limits).unwrap();
    let err = in_mode(&alloc, "alloc").unwrap_err();
    assert_eq!(err.cause(), Some(&Cause::MemoryLimit { mib: 64 }));
    assert_eq!(
        err.to_string(),
        format!(
            "plugin hostile-model@0.0.1 (sha256:{}) failed in `attribute`: reached its memory limit of 64 MiB; if the input is legitimately large, raise `limits.memory_mib` for this plugin in the campaign file",
            short_sha(&alloc)
        )
    );

    let panic = rt.load(&hostile("hostile-model"), None, limits).unwrap();
    let err = in_mode(&panic, "panic").unwrap_err();
    let PluginError::Call {
        cause: Cause::Crashed(msg),
        ..
    } = &err
    else {
        panic!("{err}")
    };
    assert!(
        msg.starts_with("panicked at ") && msg.ends_with(": boom: the hostile plugin gave up"),
        "{msg}"
    );
    assert_eq!(
        err.to_string(),
        format!(
            "plugin hostile-model@0.0.1 (sha256:{}) failed in `attribute`: crashed: {msg}; report it to the plugin's author",
            short_sha(&panic)
        )
    );

    // The same runtime, in the same process, still runs a good plugin — and the bad ones
    // fail the same way again (each call gets a fresh store).
    let good = load(&rt, &bundled("first-touch"));
    assert_eq!(
        good.attribute(&mut journeys(), &[]).unwrap().0.weights,
        vec![1.0, 0.0, 0.0, 1.0, 1.0, 0.0]
    );
    assert!(matches!(
        panic.attribute(&mut journeys(), &[]).unwrap_err().cause(),
        Some(Cause::Crashed(_))
    ));
}

#[test]
fn a_plugin_built_outside_the_workspace_loads_without_rebuilding_the_host() {
    // A brand-new model, written and built here in a temporary directory: "last gets all".
    let dir = tempfile::tempdir().unwrap();
    let sdk = workspace().join("plugins/sdk");
    std::fs::create_dir_all(dir.path().join("src")).unwrap();
    std::fs::write(
        dir.path().join("Cargo.toml"),
        format!(
            "[package]\nname = \"tmp-last\"\nversion = \"0.3.0\"\nedition = \"2024\"\n[lib]\ncrate-type = [\"cdylib\"]\n[dependencies]\nascribe-sdk = {{ path = {:?} }}\n[workspace]\n[profile.release]\nopt-level = 1\n",
            sdk.display().to_string()
        ),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("src/lib.rs"),
        r#"
use ascribe_sdk::model::*;
pub struct Last;
impl Model for Last {
    fn info() -> Info {
        Info { name: "tmp-last".into(), version: "0.3.0".into(), description: "test".into(), params: vec![],
               inputs: Inputs::NONE, key_scores: vec![] }
    }
    fn attribute(j: &Journeys, _: &ascribe_sdk::Params) -> Result<Output, ModelError> {
        let mut w = vec![0.0; j.touches()];
        for x in j.iter() { if !x.is_empty() { w[x.start + x.len() - 1] = 1.0; } }
        Ok(Output::weights(w))
    }
}
ascribe_sdk::export_model!(Last);
"#,
    )
    .unwrap();
    // Shared target dir: the SDK's dependencies compile once per machine, not per test run.
    let build_target = target_dir().join("tmp-plugin-build");
    let status =
        std::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args(["build", "--release", "--quiet", "--target", "wasm32-wasip2"])
            .current_dir(dir.path())
            .env("CARGO_TARGET_DIR", &build_target)
            .status()
            .unwrap();
    assert!(status.success(), "building the temporary plugin");
    let wasm = dir.path().join("tmp-last.wasm");
    std::fs::copy(
        build_target.join("wasm32-wasip2/release/tmp_last.wasm"),
        &wasm,
    )
    .unwrap();

    let (rt, _d) = runtime();
    let p = load(&rt, &wasm);
    assert_eq!(p.label().name, "tmp-last@0.3.0");
    assert_eq!(
        p.attribute(&mut journeys(), &[]).unwrap().0.weights,
        vec![0.0, 0.0, 1.0, 1.0, 0.0, 1.0]
    );
}

#[test]
fn unsupported_contract_and_non_components_are_refused_clearly() {
    let (rt, d) = runtime();
    let junk = d.path().join("junk.wasm");
    std::fs::write(&junk, b"\0asm\x01\0\0\0garbage").unwrap();
    let err = rt
        .load(&junk, None, Limits::default())
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.starts_with(&format!("plugin {} (sha256:", junk.display())),
        "{err}"
    );
    assert!(
        err.contains("not a WebAssembly component this host can compile"),
        "{err}"
    );
    let dir_err = rt
        .load(d.path(), None, Limits::default())
        .err()
        .unwrap()
        .to_string();
    assert_eq!(
        dir_err,
        format!(
            "plugin {}: cannot read it: it is a directory, not a regular file",
            d.path().display()
        )
    );
}

/// Every call runs in a fresh store, so nothing a model keeps survives into the next call:
/// `stateful` answers first-touch in a new instance and last-touch in a used one, and a
/// refused call in between changes nothing either.
#[test]
fn no_state_survives_from_one_call_to_the_next() {
    // journeys(): a > b > c, d, e > f. First-touch marks touches 0, 3 and 4.
    let first = vec![1.0, 0.0, 0.0, 1.0, 1.0, 0.0];
    let (rt, _d) = runtime();
    let p = load(&rt, &hostile("hostile-model"));
    let mut j = journeys();
    let call = |j: &mut JourneyColumns, fail: &str| {
        let params = [
            ("mode".to_string(), "stateful".to_string()),
            ("fail".to_string(), fail.to_string()),
        ];
        p.attribute(j, &params).map(|(o, _)| o.weights)
    };
    for _ in 0..3 {
        assert_eq!(call(&mut j, "0").unwrap(), first);
    }
    let err = call(&mut j, "1").unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "plugin hostile-model@0.0.1 (sha256:{}) failed in `attribute`: refused the call (invalid parameter): fail=1: refused on purpose",
            short_sha(&p)
        )
    );
    assert_eq!(call(&mut j, "0").unwrap(), first);
}
