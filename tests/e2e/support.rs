//! Shared helpers: where the built plugins are, a runtime with a private cache.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use ascribe::runtime::{Limits, Plugin, Runtime, RuntimeOptions};

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
