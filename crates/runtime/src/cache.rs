//! The on-disk cache of precompiled components.
//!
//! Compiling a plugin costs 35–70 ms (Rust) to 10 s (Python); loading a precompiled one
//! costs about a millisecond (reading and hashing a 0.5 MB entry). The key is the wasm's
//! sha256 plus the engine's compatibility hash plus our own engine flags and entry format,
//! so a different wasmtime or a fuel setting never loads stale code.
//!
//! Precompiled code is native code that runs outside the sandbox's checks, so an entry is
//! trusted only when all of this holds (else it is reported on stderr, recompiled and
//! replaced):
//!
//! - the directory is ours: owned by us or root, writable by no one else. A directory
//!   others can write is not used at all (plugins compile in memory) and said once: a
//!   checksum kept beside the code is no defence against someone who can rewrite both;
//! - the entry is a regular file, owned by us or root, writable by no one else;
//! - it starts with our header: magic, format, payload length, the sha256 of the wasm it
//!   was compiled from (which must be the wasm being loaded, so another plugin's entry
//!   copied under this key is caught), and a sha256 over the header and the compiled code
//!   (so a changed, truncated or extended entry is caught before wasmtime maps it).
//!
//! Entries are written to a temporary file and renamed, so a crash never leaves half an
//! entry and a loaded component's mapping never changes under it.

use std::fs;
use std::hash::{Hash, Hasher};
use std::io::{Read, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};

use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::Component;

use crate::fsx::{self, FileError};

/// Where a component came from, for tests and `plugin inspect`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// Compiled from the wasm by this load (a first load, a refused entry, no cache).
    Compiled,
    /// Loaded precompiled from a trusted cache entry.
    Cached,
}

/// The first bytes of every entry.
const MAGIC: &[u8; 8] = b"ascribe\x00";
/// The entry layout below; part of the key, so entries of another format are never read.
const FORMAT: u32 = 1;
/// magic (8) | format u32 LE (4) | payload length u64 LE (8) | sha256 of the source wasm
/// (32) | sha256 of everything before it plus the payload (32) | payload.
const HEADER: usize = 8 + 4 + 8 + 32 + 32;
/// No entry is read past this (a 64 MiB plugin compiles to well under it).
const ENTRY_MAX: u64 = 1 << 30;

/// The compile cache of one runtime: entries checked as the module doc says before any is
/// trusted, warnings said through the runtime's sink.
pub struct Cache {
    dir: Option<PathBuf>,
    engine_key: String,
    /// Whether `dir` may be used, decided (and a refusal said) at the first load.
    usable: OnceLock<bool>,
    /// Every warning said, for tests.
    warnings: Mutex<Vec<String>>,
    /// Where warnings are said: the runtime's sink ([`crate::Warnings`]).
    say: crate::Warnings,
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

/// What was wrong with an entry (the part of the warning after its path).
#[derive(Debug, PartialEq)]
enum Problem {
    Unreadable(String),
    WritableByOthers(u32),
    OtherOwner(u32),
    NoHeader,
    Format(u32),
    Length { have: u64, want: u64 },
    Checksum,
    OtherSource { found: String, want: String },
    Refused(String),
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Problem::Unreadable(e) => write!(f, "could not be read: {e}"),
            Problem::WritableByOthers(mode) => {
                write!(f, "is writable by others (mode {mode:04o})")
            }
            Problem::OtherOwner(uid) => write!(f, "belongs to another user (uid {uid})"),
            Problem::NoHeader => write!(f, "is not a cache entry ascribe wrote (no header)"),
            Problem::Format(v) => write!(f, "is in cache format {v}, not {FORMAT}"),
            Problem::Length { have, want } if have < want => write!(
                f,
                "is truncated ({have} of the {want} bytes of compiled code its header gives)"
            ),
            Problem::Length { have, want } => write!(
                f,
                "has {} bytes more than the {want} bytes of compiled code its header gives",
                have - want
            ),
            Problem::Checksum => write!(
                f,
                "did not match its checksum (the file was changed after ascribe wrote it)"
            ),
            Problem::OtherSource { found, want } => write!(
                f,
                "holds code compiled from another wasm (sha256:{found}), not from this one (sha256:{want}); the file was copied or renamed there"
            ),
            Problem::Refused(e) => write!(f, "was refused by wasmtime: {e}"),
        }
    }
}

impl Cache {
    /// `dir = None` disables the cache (every load compiles). `flags` are the engine
    /// choices that change generated code (fuel on or off): part of every key. Warnings
    /// (an entry refused, a directory not used) go to `say`.
    pub fn new(engine: &Engine, dir: Option<PathBuf>, flags: &str, say: crate::Warnings) -> Cache {
        let mut h = ShaHasher(Sha256::new());
        engine.precompile_compatibility_hash().hash(&mut h);
        h.write(flags.as_bytes());
        h.write(format!("entry-format-{FORMAT}").as_bytes());
        let engine_key = hex(&h.0.finalize())[..16].to_string();
        Cache {
            dir,
            engine_key,
            usable: OnceLock::new(),
            warnings: Mutex::new(vec![]),
            say,
        }
    }

    /// The file an entry for this wasm digest lives in.
    pub fn entry_path(&self, wasm_sha256: &str) -> Option<PathBuf> {
        self.dir
            .as_ref()
            .map(|d| d.join(format!("{wasm_sha256}-{}.cwasm", self.engine_key)))
    }

    /// The warnings this cache said, oldest first.
    pub fn warnings(&self) -> Vec<String> {
        self.warnings.lock().unwrap().clone()
    }

    fn warn(&self, text: String) {
        (self.say)(&text);
        self.warnings.lock().unwrap().push(text);
    }

    /// Creates the directory if needed and decides, once, whether it may be used.
    fn dir_usable(&self, dir: &Path) -> bool {
        *self.usable.get_or_init(|| {
            // 0755 whatever the umask says about group write (umask 002 is common).
            let _ = fs::DirBuilder::new().recursive(true).mode(0o755).create(dir);
            // A directory we cannot create or read holds nothing: compile, quietly, as
            // when a cache cannot be written.
            let Ok(m) = fs::metadata(dir) else {
                return false;
            };
            let shown = shown(dir);
            let why = if let Some(owner) = foreign_owner(&m) {
                format!("belongs to another user (uid {owner}); not using it, plugins are compiled in memory (use a directory of your own: --cache-dir or ASCRIBE_CACHE_DIR)")
            } else if m.mode() & 0o022 != 0 {
                format!(
                    "is writable by others (mode {:04o}), so they could plant code ascribe would run; not using it, plugins are compiled in memory (fix: chmod go-w {shown})",
                    m.mode() & 0o7777
                )
            } else {
                return true;
            };
            self.warn(format!("compile cache: {shown} {why}"));
            false
        })
    }

    /// The component for `wasm` (whose digest is `wasm_sha256`): from a trusted entry, or
    /// compiled and stored for next time. A bad entry is said, replaced, never used.
    pub fn load_or_compile(
        &self,
        engine: &Engine,
        wasm: &[u8],
        wasm_sha256: &str,
    ) -> anyhow::Result<(Component, Origin)> {
        let Some(path) = self.entry_path(wasm_sha256) else {
            return Ok((Component::new(engine, wasm)?, Origin::Compiled));
        };
        if !self.dir_usable(path.parent().expect("entries live in a directory")) {
            return Ok((Component::new(engine, wasm)?, Origin::Compiled));
        }
        let problem = match read_entry(&path, wasm_sha256) {
            Ok(None) => None,
            // SAFETY: the bytes are exactly what this cache wrote for this wasm and this
            // engine (owner, mode, source digest and checksum checked above); wasmtime
            // checks its own header and the engine's compatibility too.
            Ok(Some(entry)) => match unsafe { Component::deserialize(engine, &entry[HEADER..]) } {
                Ok(c) => return Ok((c, Origin::Cached)),
                Err(e) => Some(Problem::Refused(format!("{e:#}"))),
            },
            Err(p) => Some(p),
        };
        if let Some(p) = problem {
            self.warn(format!("compile cache: {} {p}; recompiled", shown(&path)));
        }
        let code = engine.precompile_component(wasm)?;
        // A cache we cannot write is not an error: the run goes on, just slower next time.
        // The new entry replaces a bad one (rename).
        let _ = store(&path, &entry_bytes(wasm_sha256, &code));
        // SAFETY: these bytes were produced by this engine a moment ago.
        let c = unsafe { Component::deserialize(engine, &code)? };
        Ok((c, Origin::Compiled))
    }
}

/// A path for a message: control characters escaped (`\x1b`), so a path crafted to move
/// the cursor or retitle the terminal shows what it is instead.
fn shown(p: &Path) -> String {
    crate::escape_controls(&p.display().to_string()).into_owned()
}

/// The owner, if it is neither us nor root.
fn foreign_owner(m: &fs::Metadata) -> Option<u32> {
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    (m.uid() != 0 && m.uid() != me).then_some(m.uid())
}

/// The sha256 that closes an entry: over the header before it, and the payload.
fn entry_digest(head: &[u8], payload: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(head);
    h.update(payload);
    h.finalize().into()
}

fn entry_bytes(wasm_sha256: &str, code: &[u8]) -> Vec<u8> {
    let mut e = Vec::with_capacity(HEADER + code.len());
    e.extend_from_slice(MAGIC);
    e.extend_from_slice(&FORMAT.to_le_bytes());
    e.extend_from_slice(&(code.len() as u64).to_le_bytes());
    e.extend_from_slice(&unhex(wasm_sha256));
    let digest = entry_digest(&e, code);
    e.extend_from_slice(&digest);
    e.extend_from_slice(code);
    e
}

fn unhex(s: &str) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (i, o) in out.iter_mut().enumerate() {
        *o = s
            .get(2 * i..2 * i + 2)
            .and_then(|b| u8::from_str_radix(b, 16).ok())
            .unwrap_or(0);
    }
    out
}

/// Reads and checks the entry at `path`: `None` when there is none, the whole entry when
/// it may be deserialized, what was wrong otherwise.
fn read_entry(path: &Path, wasm_sha256: &str) -> Result<Option<Vec<u8>>, Problem> {
    let (file, len) = match fsx::open_regular(path, "cache entries", Some(ENTRY_MAX)) {
        Ok(f) => f,
        Err(FileError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Problem::Unreadable(e.to_string())),
    };
    let m = file
        .metadata()
        .map_err(|e| Problem::Unreadable(e.to_string()))?;
    if let Some(uid) = foreign_owner(&m) {
        return Err(Problem::OtherOwner(uid));
    }
    if m.mode() & 0o022 != 0 {
        return Err(Problem::WritableByOthers(m.mode() & 0o7777));
    }
    let mut bytes = Vec::with_capacity(len as usize);
    file.take(ENTRY_MAX + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Problem::Unreadable(e.to_string()))?;
    check_entry(&bytes, wasm_sha256)?;
    Ok(Some(bytes))
}

fn check_entry(e: &[u8], wasm_sha256: &str) -> Result<(), Problem> {
    if e.len() < HEADER || &e[..8] != MAGIC {
        return Err(Problem::NoHeader);
    }
    let format = u32::from_le_bytes(e[8..12].try_into().unwrap());
    if format != FORMAT {
        return Err(Problem::Format(format));
    }
    let want = u64::from_le_bytes(e[12..20].try_into().unwrap());
    let have = (e.len() - HEADER) as u64;
    if have != want {
        return Err(Problem::Length { have, want });
    }
    if entry_digest(&e[..52], &e[HEADER..]) != e[52..84] {
        return Err(Problem::Checksum);
    }
    let source = hex(&e[20..52]);
    if source != wasm_sha256 {
        return Err(Problem::OtherSource {
            found: source,
            want: wasm_sha256.to_string(),
        });
    }
    Ok(())
}

static TMP_SEQ: AtomicU64 = AtomicU64::new(0);

fn store(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().expect("cache entries live in a directory");
    let tmp = dir.join(format!(
        ".tmp-{}-{}-{}",
        std::process::id(),
        TMP_SEQ.fetch_add(1, Ordering::Relaxed),
        path.file_name().unwrap().to_string_lossy()
    ));
    // 0644 whatever the umask says about group write: a group-writable entry is refused.
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o644)
        .open(&tmp)?;
    let written = f.write_all(bytes).and_then(|_| f.sync_all());
    drop(f);
    if let Err(e) = written.and_then(|_| fs::rename(&tmp, path)) {
        let _ = fs::remove_file(&tmp);
        return Err(e);
    }
    Ok(())
}

/// The lowercase hex sha256 of `bytes`: the form pins and cache keys use.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// `bytes` as lowercase hex.
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    /// The smallest components: an empty one, and one with a custom section named `name`.
    fn component(name: &str) -> Vec<u8> {
        let mut w = b"\0asm\x0d\x00\x01\x00".to_vec();
        if !name.is_empty() {
            w.extend_from_slice(&[0, name.len() as u8 + 1, name.len() as u8]);
            w.extend_from_slice(name.as_bytes());
        }
        w
    }

    struct Fixture {
        engine: Engine,
        cache: Cache,
        dir: PathBuf,
        _tmp: tempfile::TempDir,
    }

    fn fixture() -> Fixture {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("cache");
        let engine = Engine::default();
        let cache = Cache::new(
            &engine,
            Some(dir.clone()),
            "nofuel",
            crate::stderr_warnings(),
        );
        Fixture {
            engine,
            cache,
            dir,
            _tmp: tmp,
        }
    }

    impl Fixture {
        fn load(&self, wasm: &[u8]) -> Origin {
            self.cache
                .load_or_compile(&self.engine, wasm, &sha256_hex(wasm))
                .unwrap()
                .1
        }
        fn entry(&self, wasm: &[u8]) -> PathBuf {
            self.cache.entry_path(&sha256_hex(wasm)).unwrap()
        }
        /// Loads `wasm` after `damage` was done to its entry: the warning, then that it
        /// was recompiled and its entry replaced by a good one.
        fn damaged(&self, wasm: &[u8], damage: impl FnOnce(&Path)) -> String {
            assert_eq!(self.load(wasm), Origin::Cached);
            let before = self.cache.warnings().len();
            damage(&self.entry(wasm));
            assert_eq!(self.load(wasm), Origin::Compiled);
            let w = self.cache.warnings();
            assert_eq!(w.len(), before + 1, "{w:?}");
            assert_eq!(self.load(wasm), Origin::Cached, "the entry was replaced");
            assert_eq!(self.cache.warnings().len(), before + 1);
            w[before].clone()
        }
    }

    #[test]
    fn a_good_entry_is_used_and_written_privately() {
        let f = fixture();
        let a = component("a");
        assert_eq!(f.load(&a), Origin::Compiled);
        assert_eq!(f.load(&a), Origin::Cached);
        let m = fs::metadata(f.entry(&a)).unwrap();
        assert_eq!(m.mode() & 0o022, 0);
        assert_eq!(fs::metadata(&f.dir).unwrap().mode() & 0o777, 0o755);
        assert!(f.cache.warnings().is_empty());
    }

    #[test]
    fn another_wasms_entry_under_this_key_is_recompiled() {
        let f = fixture();
        let (a, b) = (component("a"), component("b"));
        f.load(&a);
        f.load(&b);
        let (sa, sb) = (sha256_hex(&a), sha256_hex(&b));
        let w = f.damaged(&a, |p| {
            fs::copy(f.entry(&b), p).unwrap();
        });
        assert_eq!(
            w,
            format!(
                "compile cache: {} holds code compiled from another wasm (sha256:{sb}), not from this one (sha256:{sa}); the file was copied or renamed there; recompiled",
                f.entry(&a).display()
            )
        );
    }

    #[test]
    fn changed_truncated_and_foreign_entries_are_recompiled() {
        let f = fixture();
        let a = component("a");
        f.load(&a);
        let shown = f.entry(&a).display().to_string();
        let edit = |e: fn(&mut Vec<u8>)| {
            move |p: &Path| {
                let mut b = fs::read(p).unwrap();
                e(&mut b);
                fs::write(p, b).unwrap();
            }
        };
        let last = |b: &mut Vec<u8>| *b.last_mut().unwrap() ^= 1;
        assert_eq!(
            f.damaged(&a, edit(last)),
            format!(
                "compile cache: {shown} did not match its checksum (the file was changed after ascribe wrote it); recompiled"
            )
        );
        // A byte of the recorded source digest: the checksum covers the header too.
        assert_eq!(
            f.damaged(&a, edit(|b| b[30] ^= 0x80)),
            format!(
                "compile cache: {shown} did not match its checksum (the file was changed after ascribe wrote it); recompiled"
            )
        );
        let len = fs::read(f.entry(&a)).unwrap().len() - HEADER;
        assert_eq!(
            f.damaged(&a, edit(|b| b.truncate(b.len() - 10))),
            format!(
                "compile cache: {shown} is truncated ({} of the {len} bytes of compiled code its header gives); recompiled",
                len - 10
            )
        );
        assert_eq!(
            f.damaged(&a, edit(|b| b.extend_from_slice(b"xyz"))),
            format!(
                "compile cache: {shown} has 3 bytes more than the {len} bytes of compiled code its header gives; recompiled"
            )
        );
        assert_eq!(
            f.damaged(&a, edit(|b| b.truncate(40))),
            format!(
                "compile cache: {shown} is not a cache entry ascribe wrote (no header); recompiled"
            )
        );
        // What `engine.precompile_component` writes, without our header: precompiled code
        // from anywhere but this cache is never run.
        let bare = f.engine.precompile_component(&a).unwrap();
        assert_eq!(
            f.damaged(&a, |p| fs::write(p, &bare).unwrap()),
            format!(
                "compile cache: {shown} is not a cache entry ascribe wrote (no header); recompiled"
            )
        );
        assert_eq!(
            f.damaged(&a, edit(|b| b[8] = 9)),
            format!("compile cache: {shown} is in cache format 9, not 1; recompiled")
        );
        assert_eq!(
            f.damaged(&a, |p| fs::set_permissions(
                p,
                fs::Permissions::from_mode(0o664)
            )
            .unwrap()),
            format!("compile cache: {shown} is writable by others (mode 0664); recompiled")
        );
        assert_eq!(
            f.damaged(&a, |p| {
                fs::remove_file(p).unwrap();
                let c = std::ffi::CString::new(p.to_str().unwrap()).unwrap();
                // SAFETY: a valid C string; mkfifo only creates a node.
                assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
            }),
            format!(
                "compile cache: {shown} could not be read: it is a FIFO (named pipe), not a regular file; recompiled"
            )
        );
    }

    #[test]
    fn a_directory_others_can_write_is_not_used() {
        let f = fixture();
        fs::create_dir_all(&f.dir).unwrap();
        fs::set_permissions(&f.dir, fs::Permissions::from_mode(0o775)).unwrap();
        let a = component("a");
        assert_eq!(f.load(&a), Origin::Compiled);
        assert_eq!(f.load(&a), Origin::Compiled);
        assert!(!f.entry(&a).exists(), "nothing is written there");
        assert_eq!(
            f.cache.warnings(),
            vec![format!(
                "compile cache: {0} is writable by others (mode 0775), so they could plant code ascribe would run; not using it, plugins are compiled in memory (fix: chmod go-w {0})",
                f.dir.display()
            )],
            "said once"
        );
    }

    #[test]
    fn control_characters_in_the_path_are_escaped() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("c\x1b[31m");
        fs::create_dir_all(&dir).unwrap();
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o777)).unwrap();
        let engine = Engine::default();
        let cache = Cache::new(&engine, Some(dir), "nofuel", crate::stderr_warnings());
        let a = component("a");
        cache.load_or_compile(&engine, &a, &sha256_hex(&a)).unwrap();
        let w = cache.warnings();
        assert!(!w[0].contains('\x1b'), "{w:?}");
        assert!(w[0].contains("c\\x1b[31m"), "{w:?}");
    }
}
