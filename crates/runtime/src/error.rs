//! Errors from running a plugin, and the mapping from wasmtime traps to causes a user can
//! act on. Every message names the plugin (`name@version (sha256:…)`), the operation, the
//! cause, and what to do.

use std::fmt;
use std::time::Duration;

use super::limits::show_duration;

/// Who the plugin is, as far as we know: before `info` answers we only have its file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PluginLabel {
    /// `name@version`, or the file name before `info` has answered.
    pub name: String,
    /// The wasm's sha256 in hex: what a campaign pins, shown short in messages.
    pub sha256: String,
}

impl fmt::Display for PluginLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} (sha256:{})",
            self.name,
            &self.sha256[..self.sha256.len().min(12)]
        )
    }
}

/// Why a call failed, in terms a user can act on (raise a limit, fix a parameter, report
/// the plugin), so an embedder can react to the kind without parsing messages.
#[derive(Clone, Debug, PartialEq)]
pub enum Cause {
    /// The call ran past its wall-clock limit (`limits.time_per_call`).
    TimeLimit(Duration),
    /// The plugin asked for more memory than its limit.
    MemoryLimit {
        /// The limit it hit, in MiB.
        mib: u64,
    },
    /// The call used up its instruction budget (`limits.fuel`).
    Fuel(u64),
    /// The plugin recursed past the sandbox's stack.
    StackOverflow,
    /// A trap or abort; the text is the panic message when the plugin left one on stderr.
    Crashed(String),
    /// The plugin answered, but its answer breaks the contract.
    BadOutput(String),
    /// The plugin refused the call with a typed error (a bad parameter, an unreadable file).
    Reported {
        /// The contract's name for the error (`invalid parameter`, `bad file`).
        kind: &'static str,
        /// The plugin's own message, truncated.
        message: String,
    },
    /// The plugin called `exit` (WASI's `exit`, Rust's `std::process::exit`) instead of
    /// returning.
    Exited(i32),
    /// The records a normalizer returned would take more of the host's memory than the
    /// source's budget allows (`Limits::host_budget`).
    HostMemory {
        /// Bytes the records would cost the host.
        kept: u64,
        /// Bytes the source may cost.
        budget: u64,
        /// How the budget was set: `16× the 8 MiB read so far + 40 MiB`.
        rule: String,
    },
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cause::TimeLimit(d) => write!(
                f,
                "exceeded its time limit of {} per call; if the input is legitimately large, raise `limits.time_ms` for this plugin in the campaign file",
                show_duration(*d)
            ),
            Cause::MemoryLimit { mib } => write!(
                f,
                "reached its memory limit of {mib} MiB; if the input is legitimately large, raise `limits.memory_mib` for this plugin in the campaign file"
            ),
            Cause::Fuel(n) => write!(
                f,
                "used up its instruction budget of {n}; raise `limits.fuel` or turn fuel off for this plugin"
            ),
            Cause::StackOverflow => write!(
                f,
                "overflowed its stack (runaway recursion); report it to the plugin's author"
            ),
            Cause::Crashed(msg) => write!(f, "crashed: {msg}; report it to the plugin's author"),
            Cause::BadOutput(msg) => write!(
                f,
                "returned output that breaks the contract: {msg}; report it to the plugin's author"
            ),
            Cause::Reported { kind, message } => write!(f, "refused the call ({kind}): {message}"),
            Cause::Exited(code) => write!(
                f,
                "exited with status {code} (a plugin must return its answer, not exit); report it to the plugin's author"
            ),
            Cause::HostMemory { kept, budget, rule } => write!(
                f,
                "its records take {} MiB in the host, over this source's budget of {} MiB ({rule}); report it to the plugin's author, or raise `limits.host_memory_mib` for this source if the data really is this dense",
                kept.div_ceil(1 << 20),
                budget >> 20
            ),
        }
    }
}

/// A plugin failed to load or to run. The run as a whole decides what else to do.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum PluginError {
    /// The file could not be opened or read (missing, not a regular file, too large).
    #[error("plugin {path}: cannot read it: {reason}")]
    Unreadable {
        /// The path as given.
        path: String,
        /// What the file system said, or which check refused it.
        reason: String,
    },
    /// The wasm is not the one the campaign pinned: nothing of it was compiled or run.
    #[error(
        "plugin {path}: its sha256 is {actual}, but the campaign pins {expected}; refusing to run it (if the change is intended, update the pin, e.g. with `ascribe plugin lock`)"
    )]
    DigestMismatch {
        /// The path as given.
        path: String,
        /// The pin, `sha256:…`.
        expected: String,
        /// The file's digest, `sha256:…`.
        actual: String,
    },
    /// The wasm is not a plugin this runtime can run: it does not compile, imports what
    /// the sandbox does not link, targets no supported contract, or gave a bad `info`.
    #[error("plugin {path} (sha256:{sha}): {reason}")]
    Invalid {
        /// The path as given.
        path: String,
        /// The wasm's sha256 in hex.
        sha: String,
        /// What is wrong and what to do.
        reason: String,
    },
    /// A call into a loaded plugin failed; the instance is not entered again.
    #[error("plugin {label} failed in `{operation}`: {cause}")]
    Call {
        /// Which plugin.
        label: PluginLabel,
        /// The call (`attribute`, `push (chunk 3)`).
        operation: String,
        /// Why.
        cause: Cause,
    },
}

impl PluginError {
    /// Why a call failed; `None` when the plugin never got as far as a call.
    pub fn cause(&self) -> Option<&Cause> {
        match self {
            PluginError::Call { cause, .. } => Some(cause),
            _ => None,
        }
    }
}

/// Turns what wasmtime reported into a cause. `memory_refused` comes from the limiter:
/// a refused grow surfaces as an allocator abort (`unreachable`) in the guest.
///
/// `answer_cap` is the store's hostcall fuel: the most the host lifts from one answer.
pub fn classify(
    err: &wasmtime::Error,
    memory_refused: bool,
    limits: &super::Limits,
    stderr: &str,
    answer_cap: usize,
) -> Cause {
    use wasmtime::Trap;
    if let Some(exit) = err.downcast_ref::<wasmtime_wasi::I32Exit>() {
        return Cause::Exited(exit.0);
    }
    match err.downcast_ref::<Trap>() {
        Some(Trap::Interrupt) => Cause::TimeLimit(limits.time_per_call),
        Some(Trap::OutOfFuel) => Cause::Fuel(limits.fuel.unwrap_or(0)),
        Some(Trap::StackOverflow) => Cause::StackOverflow,
        Some(_) if memory_refused => Cause::MemoryLimit {
            mib: limits.memory_mib(),
        },
        Some(trap) => Cause::Crashed(match panic_message(stderr) {
            Some(m) if m.starts_with("panicked at ") => m,
            Some(line) => format!("{}; its last stderr line: {line}", describe(trap)),
            None => describe(trap),
        }),
        // Not a trap: wasmtime refused to lift what the guest returned (bad UTF-8, a list
        // outside memory, an invalid enum), or a host-side limit on the call.
        None if memory_refused => Cause::MemoryLimit {
            mib: limits.memory_mib(),
        },
        None if format!("{err:#}").contains(HOSTCALL_FUEL_EXHAUSTED) => Cause::BadOutput(format!(
            "its answer is larger than the {} the host accepts from one call",
            super::limits::show_bytes(answer_cap as u64)
        )),
        None if format!("{err:#}").contains("invalid utf-8") => Cause::BadOutput(format!(
            "a string in its answer is not valid UTF-8 ({})",
            plain(err)
        )),
        None => Cause::BadOutput(plain(err)),
    }
}

/// An error's messages on one line, without the wasm backtrace wasmtime attaches to
/// everything that happened inside a call (six lines of frame numbers nobody can act on).
pub fn plain(err: &wasmtime::Error) -> String {
    let parts: Vec<String> = err
        .chain()
        .map(|e| e.to_string())
        .filter(|m| !m.contains("wasm backtrace:"))
        .collect();
    if parts.is_empty() {
        err.root_cause().to_string()
    } else {
        parts.join(": ")
    }
}

/// Why `Component::new` refused a file, in words: a core module (what `wasm32-wasip1` or
/// `wasm32-unknown-unknown` builds) is named as such, since it is the usual mistake.
pub fn not_compiled(engine: &wasmtime::Engine, bytes: &[u8], err: &dyn fmt::Display) -> String {
    if bytes.starts_with(b"\0asm\x01\0\0\0") && wasmtime::Module::validate(engine, bytes).is_ok() {
        return "it is a core WebAssembly module, not a component: build it for wasm32-wasip2 (or wrap it with `wasm-tools component new`)".into();
    }
    format!("not a WebAssembly component this host can compile: {err:#}")
}

/// Why the linker refused a component: an import ascribe does not provide, named.
/// `imports` are the component's import names.
pub fn unlinked<'a>(imports: impl IntoIterator<Item = &'a str>, err: &wasmtime::Error) -> String {
    let text = format!("{err:#}");
    match imports
        .into_iter()
        .find(|name| text.contains(&format!("`{name}`")))
    {
        Some(name) => format!(
            "it imports `{name}`, which ascribe does not provide: plugins get no network, files or clock (see docs/security.md)"
        ),
        None => format!("it cannot be linked: {}", plain(err)),
    }
}

/// Why the typed bindings of `package` refused a component that names its interface.
pub fn wrong_types(package: &str, err: &wasmtime::Error) -> String {
    let interface = match package {
        "ascribe:normalizer@0.1.0" => "ascribe:normalizer/normalize@0.1.0",
        "ascribe:model@0.1.0" => "ascribe:model/attribution@0.1.0",
        "ascribe:model@0.2.0" => "ascribe:model/attribution@0.2.0",
        "ascribe:model@0.3.0" => "ascribe:model/attribution@0.3.0",
        other => other,
    };
    format!(
        "it does not export `{interface}` with the expected types: {}; rebuild it against the contract's WIT",
        plain(err)
    )
}

/// The most a plugin's `info` answer may take as the host lifts it: text, plus the
/// host-side size of each list entry. Far above any real plugin's (the bundled ones
/// answer 1–3 KiB); a 66 MB description is stopped while it is lifted, never copied.
pub const MAX_INFO_BYTES: usize = 64 << 10;

/// A plugin's name and version as the host shows them everywhere (`name@version`): non-
/// empty, at most 64 bytes, and printable text without whitespace, so a label can neither
/// rewrite a terminal nor pass for another plugin. The name is shown escaped.
pub fn check_label(name: &str, version: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > 64 || version.len() > 64 {
        return Err("its info gives an empty or over-long name or version".into());
    }
    for (what, text) in [("name", name), ("version", version)] {
        if text.chars().any(unprintable) {
            return Err(format!(
                "its info gives the {what} `{}`, which holds a control character or whitespace; a name and a version are printable text without spaces",
                escaped(text)
            ));
        }
    }
    Ok(())
}

/// Controls, whitespace, and the invisible characters that change how text displays
/// (zero-width spaces and joiners, bidirectional overrides, the byte-order mark).
fn unprintable(c: char) -> bool {
    c.is_control()
        || c.is_whitespace()
        || matches!(c, '\u{00ad}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}'
            | '\u{2060}'..='\u{206f}' | '\u{feff}')
}

/// `text` with every unprintable character escaped: `\x1b`, `\u{200b}`; spaces stay.
fn escaped(text: &str) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            ' ' => out.push(' '),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x100 && unprintable(c) => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if unprintable(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// How much a plugin may hand the host in one call: wasmtime's default "hostcall fuel",
/// which every store here keeps.
pub const MAX_ANSWER_BYTES: usize = 128 << 20;
/// wasmtime's error when a call's answer exceeds [`MAX_ANSWER_BYTES`] (its type is private).
const HOSTCALL_FUEL_EXHAUSTED: &str = "fuel allocated for hostcalls has been exhausted";

/// A trap in words a plugin's author can act on (wasmtime's own reads `wasm trap: …`).
fn describe(trap: &wasmtime::Trap) -> String {
    use wasmtime::Trap;
    match trap {
        Trap::MemoryOutOfBounds => "it accessed memory out of bounds (often runaway recursion, \
            which overflows the stack a Rust or C plugin keeps in its own memory)"
            .into(),
        Trap::UnreachableCodeReached => "it aborted (WebAssembly `unreachable`)".into(),
        other => other
            .to_string()
            .trim_start_matches("wasm trap: ")
            .to_string(),
    }
}

/// The panic message a Rust guest printed: `panicked at src/lib.rs:9:5:\nboom` becomes
/// `panicked at src/lib.rs:9:5: boom`. Other languages' last stderr line is used as is.
pub fn panic_message(stderr: &str) -> Option<String> {
    // The last panic is the one that killed it.
    if let Some(pos) = stderr.rfind("panicked at ") {
        let tail = &stderr[pos..];
        let mut lines = tail.lines();
        let head = lines.next().unwrap_or("").trim_end_matches(':');
        let msg: Vec<&str> = lines.take_while(|l| !l.starts_with("note:")).collect();
        let msg = msg.join(" ");
        return Some(if msg.is_empty() {
            head.to_string()
        } else {
            format!("{head}: {}", msg.trim())
        });
    }
    stderr
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .map(|l| l.trim().chars().take(500).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panic_messages() {
        let s = "thread '<unnamed>' panicked at src/lib.rs:9:5:\nboom: the sky fell\nnote: run with `RUST_BACKTRACE=1`\n";
        assert_eq!(
            panic_message(s).unwrap(),
            "panicked at src/lib.rs:9:5: boom: the sky fell"
        );
        assert_eq!(
            panic_message("x\nTraceback: oops\n\n").unwrap(),
            "Traceback: oops"
        );
        assert_eq!(panic_message(""), None);
    }

    #[test]
    fn names_and_versions_are_printable_without_whitespace() {
        assert_eq!(check_label("salesforce", "1.2.0"), Ok(()));
        assert_eq!(check_label("ümlaut-plugin", "1.0.0-rc.1"), Ok(()));
        assert_eq!(
            check_label("fat-info\x1b]0;pwned\x07", "0.0.1").unwrap_err(),
            "its info gives the name `fat-info\\x1b]0;pwned\\x07`, which holds a control character or whitespace; a name and a version are printable text without spaces"
        );
        assert_eq!(
            check_label("two words", "0.0.1").unwrap_err(),
            "its info gives the name `two words`, which holds a control character or whitespace; a name and a version are printable text without spaces"
        );
        assert_eq!(
            check_label("x", "1.0\0").unwrap_err(),
            "its info gives the version `1.0\\x00`, which holds a control character or whitespace; a name and a version are printable text without spaces"
        );
        assert_eq!(
            check_label("", "1").unwrap_err(),
            "its info gives an empty or over-long name or version"
        );
    }
}
