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

#[derive(Clone, Debug, PartialEq)]
pub enum Cause {
    TimeLimit(Duration),
    MemoryLimit {
        mib: u64,
    },
    Fuel(u64),
    StackOverflow,
    /// A trap or abort; the text is the panic message when the plugin left one on stderr.
    Crashed(String),
    /// The plugin answered, but its answer breaks the contract.
    BadOutput(String),
    /// The plugin refused the call with a typed error (a bad parameter, an unreadable file).
    Reported {
        kind: &'static str,
        message: String,
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
        }
    }
}

/// A plugin failed to load or to run. The run as a whole decides what else to do.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum PluginError {
    #[error("plugin {path}: cannot read it: {reason}")]
    Unreadable { path: String, reason: String },
    #[error(
        "plugin {path}: its sha256 is {actual}, but the campaign pins {expected}; refusing to run it (if the change is intended, update the pin, e.g. with `ascribe plugin lock`)"
    )]
    DigestMismatch {
        path: String,
        expected: String,
        actual: String,
    },
    #[error("plugin {path} (sha256:{sha}): {reason}")]
    Invalid {
        path: String,
        sha: String,
        reason: String,
    },
    #[error("plugin {label} failed in `{operation}`: {cause}")]
    Call {
        label: PluginLabel,
        operation: String,
        cause: Cause,
    },
}

impl PluginError {
    pub fn cause(&self) -> Option<&Cause> {
        match self {
            PluginError::Call { cause, .. } => Some(cause),
            _ => None,
        }
    }
}

/// Turns what wasmtime reported into a cause. `memory_refused` comes from the limiter:
/// a refused grow surfaces as an allocator abort (`unreachable`) in the guest.
pub fn classify(
    err: &wasmtime::Error,
    memory_refused: bool,
    limits: &super::Limits,
    stderr: &str,
) -> Cause {
    use wasmtime::Trap;
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
            "its answer is larger than the {} MiB the host accepts from one call",
            MAX_ANSWER_BYTES >> 20
        )),
        None if format!("{err:#}").contains("invalid utf-8") => Cause::BadOutput(format!(
            "a string in its answer is not valid UTF-8 ({err:#})"
        )),
        None => Cause::BadOutput(format!("{err:#}")),
    }
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
}
