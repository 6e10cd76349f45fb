//! The on-disk cache of precompiled components.
//!
//! Compiling a plugin costs 35–70 ms (Rust) to 10 s (Python); loading a precompiled one
//! costs under 1 ms. The key is the wasm's sha256 plus the engine's compatibility hash
//! plus our own engine flags, so a different wasmtime or a fuel setting never loads
//! stale code. Entries are written to a temporary file and renamed, so a crash never
//! leaves half an entry; only files this cache wrote are ever deserialized (precompiled
//! code is trusted native code: accepting one from outside would bypass the sandbox).
//! A bad entry is deleted and recompiled.

use std::fs;
use std::hash::{Hash, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::Component;

/// Where a component came from, for tests and `plugin inspect`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    Compiled,
    Cached,
}

pub struct Cache {
    dir: Option<PathBuf>,
    engine_key: String,
}

/// A stable hasher over the engine's compatibility hash: std's DefaultHasher may change
/// between Rust releases, which would only cost cache misses, but sha256 costs nothing here.
struct ShaHasher(Sha256);
impl Hasher for ShaHasher {
    fn finish(&self) -> u64 {
        unreachable!("only finalize() is used")
    }
    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
}

impl Cache {
    /// `dir = None` disables the cache (every load compiles).
    pub fn new(engine: &Engine, dir: Option<PathBuf>, flags: &str) -> Cache {
        let mut h = ShaHasher(Sha256::new());
        engine.precompile_compatibility_hash().hash(&mut h);
        h.write(flags.as_bytes());
        let engine_key = hex(&h.0.finalize())[..16].to_string();
        Cache { dir, engine_key }
    }

    /// The file an entry for this wasm digest lives in.
    pub fn entry_path(&self, wasm_sha256: &str) -> Option<PathBuf> {
        self.dir
            .as_ref()
            .map(|d| d.join(format!("{wasm_sha256}-{}.cwasm", self.engine_key)))
    }

    pub fn load_or_compile(
        &self,
        engine: &Engine,
        wasm: &[u8],
        wasm_sha256: &str,
    ) -> anyhow::Result<(Component, Origin)> {
        if let Some(path) = self.entry_path(wasm_sha256) {
            if path.is_file() {
                // SAFETY: the file is in our cache directory under a name only `store` writes,
                // keyed by the engine's compatibility hash; wasmtime checks the header too.
                match unsafe { Component::deserialize_file(engine, &path) } {
                    Ok(c) => return Ok((c, Origin::Cached)),
                    Err(_) => {
                        let _ = fs::remove_file(&path);
                    }
                }
            }
            let bytes = engine.precompile_component(wasm)?;
            // A cache we cannot write is not an error: the run goes on, just slower next time.
            let _ = store(&path, &bytes);
            // SAFETY: these bytes were produced by this engine a moment ago.
            let c = unsafe { Component::deserialize(engine, &bytes)? };
            return Ok((c, Origin::Compiled));
        }
        Ok((Component::new(engine, wasm)?, Origin::Compiled))
    }
}

fn store(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().expect("cache entries live in a directory");
    fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(
        ".tmp-{}-{}",
        std::process::id(),
        path.file_name().unwrap().to_string_lossy()
    ));
    let mut f = fs::File::create(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    drop(f);
    fs::rename(&tmp, path)
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// The default cache directory: `$ASCRIBE_CACHE_DIR`, else `$XDG_CACHE_HOME/ascribe`, else
/// `~/.cache/ascribe`.
pub fn default_dir() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("ASCRIBE_CACHE_DIR") {
        return Some(PathBuf::from(d));
    }
    if let Some(d) = std::env::var_os("XDG_CACHE_HOME") {
        return Some(PathBuf::from(d).join("ascribe"));
    }
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache").join("ascribe"))
}
