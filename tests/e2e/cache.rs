//! The compile cache trusts only entries it wrote, for the wasm being loaded, unchanged,
//! in a directory no one else can write. Each bad entry is said on stderr, recompiled and
//! replaced; the run goes on with the right plugin. Runs are the binary as a child
//! process: before these checks, a changed entry killed the host with SIGILL or SIGTRAP,
//! which here fails the test instead of the test binary.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use ascribe::runtime::{Origin, Runtime, RuntimeOptions};
use serde_json::Value;

use crate::support::*;

/// `ascribe plugin inspect <plugin> --format json` over the cache `cache`: the plugin's
/// name and version, and stderr.
fn inspect(cache: &Path, plugin: &Path) -> (String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_ascribe"))
        .arg("--cache-dir")
        .arg(cache)
        .args(["plugin", "inspect", "--format", "json"])
        .arg(plugin)
        .env_remove("ASCRIBE_CACHE_DIR")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).trim_end().to_string();
    assert!(
        out.status.success(),
        "exit {:?} (a signal means the host ran bad code): {stderr}",
        out.status
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    (format!("{}@{}", v["name"], v["version"]), stderr)
}

/// The entry `plugin` uses in `cache` (a runtime as `plugin inspect` starts it).
fn entry(cache: &Path, plugin: &Path) -> PathBuf {
    let rt = Runtime::new(RuntimeOptions {
        fuel: false,
        cache_dir: Some(cache.to_path_buf()),
    })
    .unwrap();
    rt.cache_entry(&sha256_of(plugin)).unwrap()
}

struct Setup {
    _dir: tempfile::TempDir,
    cache: PathBuf,
    linear: PathBuf,
    /// `linear@…`, as inspect reports it from a clean compile.
    name: String,
    entry: PathBuf,
}

/// A cache holding good entries for linear and first-touch.
fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let linear = bundled("linear");
    let (name, e) = inspect(&cache, &linear);
    assert_eq!(e, "");
    assert!(name.starts_with("\"linear\"@"), "{name}");
    let (_, e) = inspect(&cache, &bundled("first-touch"));
    assert_eq!(e, "");
    let entry = entry(&cache, &linear);
    assert!(entry.is_file());
    Setup {
        _dir: dir,
        cache,
        linear,
        name,
        entry,
    }
}

impl Setup {
    /// After `damage` to linear's entry: inspect names linear and says `problem` about
    /// the entry once; the next run uses the rewritten entry in silence.
    fn damaged(&self, damage: impl FnOnce(&Path), problem: &str) {
        damage(&self.entry);
        let (name, e) = inspect(&self.cache, &self.linear);
        assert_eq!(name, self.name, "the run used the right plugin");
        assert_eq!(
            e,
            format!(
                "compile cache: {} {problem}; recompiled",
                self.entry.display()
            )
        );
        let (name, e) = inspect(&self.cache, &self.linear);
        assert_eq!((name, e), (self.name.clone(), String::new()), "replaced");
    }

    fn edit(&self, f: impl FnOnce(&mut Vec<u8>)) {
        let mut b = std::fs::read(&self.entry).unwrap();
        f(&mut b);
        std::fs::write(&self.entry, b).unwrap();
    }
}

#[test]
fn another_plugins_entry_under_this_key_is_recompiled_and_the_right_plugin_runs() {
    let s = setup();
    let other = entry(&s.cache, &bundled("first-touch"));
    s.damaged(
        |p| {
            std::fs::copy(&other, p).unwrap();
        },
        &format!(
            "holds code compiled from another wasm (sha256:{}), not from this one (sha256:{}); the file was copied or renamed there",
            sha256_of(&bundled("first-touch")),
            sha256_of(&s.linear)
        ),
    );
    // In process too: the plugin's own info, from its own code.
    let rt = Runtime::new(RuntimeOptions {
        fuel: false,
        cache_dir: Some(s.cache.clone()),
    })
    .unwrap();
    std::fs::copy(&other, &s.entry).unwrap();
    let p = load(&rt, &s.linear);
    assert_eq!(p.origin, Origin::Compiled);
    assert_eq!(p.model_info().unwrap().name, "linear");
    assert_eq!(load(&rt, &s.linear).origin, Origin::Cached);
}

#[test]
fn a_changed_byte_in_the_compiled_code_is_caught_before_it_runs() {
    let s = setup();
    let len = std::fs::metadata(&s.entry).unwrap().len() as usize;
    // Every byte of the middle of the code flipped: machine code that would trap or
    // execute garbage if it were mapped.
    s.damaged(
        |_| {
            s.edit(|b| {
                for x in &mut b[len / 3..len / 3 + 4096] {
                    *x ^= 0xff;
                }
            })
        },
        "did not match its checksum (the file was changed after ascribe wrote it)",
    );
    s.damaged(
        |_| s.edit(|b| b[len / 2] ^= 1),
        "did not match its checksum (the file was changed after ascribe wrote it)",
    );
}

#[test]
fn a_truncated_entry_is_recompiled() {
    let s = setup();
    let len = std::fs::metadata(&s.entry).unwrap().len();
    let code = len - 84;
    s.damaged(
        |_| s.edit(|b| b.truncate(b.len() / 2)),
        &format!(
            "is truncated ({} of the {code} bytes of compiled code its header gives)",
            len / 2 - 84
        ),
    );
    s.damaged(
        |_| s.edit(|b| b.clear()),
        "is not a cache entry ascribe wrote (no header)",
    );
}

#[test]
fn a_cache_directory_others_can_write_is_not_used() {
    let s = setup();
    std::fs::set_permissions(&s.cache, std::fs::Permissions::from_mode(0o775)).unwrap();
    let before = std::fs::read(&s.entry).unwrap();
    // Even a planted entry is never read: the directory is not used at all.
    std::fs::write(&s.entry, b"planted").unwrap();
    let warning = format!(
        "compile cache: {0} is writable by others (mode 0775), so they could plant code ascribe would run; not using it, plugins are compiled in memory (fix: chmod go-w {0})",
        s.cache.display()
    );
    let (name, e) = inspect(&s.cache, &s.linear);
    assert_eq!((name, e), (s.name.clone(), warning));
    assert_eq!(
        std::fs::read(&s.entry).unwrap(),
        b"planted",
        "nothing written"
    );
    // The fix the warning gives.
    std::fs::set_permissions(&s.cache, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::write(&s.entry, before).unwrap();
    let (name, e) = inspect(&s.cache, &s.linear);
    assert_eq!((name, e), (s.name.clone(), String::new()));
}
