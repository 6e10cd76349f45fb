//! Paths that name something other than a file: `/dev/zero` (reads for ever), a FIFO (an
//! open blocks until a writer comes), a directory, or a plugin too large to load. Each is
//! refused at once, naming what it is. Every run here is the binary as a child process
//! with a deadline, so a regression fails the test instead of hanging it.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::support::*;

const OPPS: &str = "data/nimbus/opportunities.csv";
const LADDER: &str =
    "\n  gave up after 3 attempt(s) (retry limit 2); escalated to: Co-marketing Analytics Lead";

/// Runs the binary in `dir` (state, cache and output under it), killing it after a minute:
/// `(exit code, stderr)`.
pub fn run_with_deadline(dir: &Path, args: &[&str]) -> (i32, String) {
    let out = dir.join("stderr.txt");
    let mut child = ascribe_out(dir, args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&out).unwrap())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("ascribe {args:?} still running after 60 s: it hangs");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stderr = std::fs::read_to_string(&out).unwrap();
    assert!(!stderr.contains("panicked"), "{stderr}");
    (status.code().unwrap_or(-1), stderr.trim_end().to_string())
}

pub fn mkfifo(path: &Path) {
    let _ = std::fs::remove_file(path);
    let c = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
    // SAFETY: a valid C string; mkfifo only creates a node.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
}

/// The demo campaign with `edit` applied to its text and `setup` to its directory: the
/// error of its run.
fn error(setup: impl Fn(&Path), edit: impl Fn(String) -> String) -> (String, tempfile::TempDir) {
    let (dir, file) = campaign_copy(edit);
    setup(dir.path());
    let (code, stderr) = run_with_deadline(dir.path(), &args(&track(&file, &[])));
    assert_eq!(code, 1, "a failed run, not a crash: {stderr}");
    (stderr, dir)
}

fn nothing(_: &Path) {}

#[test]
fn a_plugin_that_is_not_a_regular_file_is_refused_naming_what_it_is() {
    // A character device, as a source's normalizer: read for ever before.
    let (e, _d) = error(nothing, |t| {
        replace(&t, "plugin = \"ga4\"", "plugin = \"/dev/zero\"")
    });
    assert_eq!(
        e,
        "error: source `quantia-ga4`: plugin /dev/zero: cannot read it: it is a character device, not a regular file"
    );
    // A FIFO as the model: blocked for ever before, waiting for a writer.
    let (e, d) = error(
        |d| mkfifo(&d.join("pipe.wasm")),
        |t| replace(&t, "plugin = \"position-based\"", "plugin = \"pipe.wasm\""),
    );
    assert_eq!(
        e,
        format!(
            "error: plugin {}: cannot read it: it is a FIFO (named pipe), not a regular file",
            d.path().join("pipe.wasm").display()
        )
    );
    // A link to a FIFO is followed, and refused the same.
    let (e, d) = error(
        |d| {
            mkfifo(&d.join("pipe"));
            std::os::unix::fs::symlink(d.join("pipe"), d.join("link.wasm")).unwrap();
        },
        |t| replace(&t, "plugin = \"ga4\"", "plugin = \"link.wasm\""),
    );
    assert_eq!(
        e,
        format!(
            "error: source `quantia-ga4`: plugin {}: cannot read it: it is a FIFO (named pipe), not a regular file",
            d.path().join("link.wasm").display()
        )
    );
    // A directory.
    let (e, d) = error(nothing, |t| {
        replace(&t, "plugin = \"position-based\"", "plugin = \"data/\"")
    });
    assert_eq!(
        e,
        format!(
            "error: plugin {}: cannot read it: it is a directory, not a regular file",
            d.path().join("data/").display()
        )
    );
    // 300 MiB, sparse: refused from its size, before a byte is read.
    let (e, d) = error(
        |d| {
            std::fs::File::create(d.join("big.wasm"))
                .unwrap()
                .set_len(300 << 20)
                .unwrap()
        },
        |t| replace(&t, "plugin = \"ga4\"", "plugin = \"big.wasm\""),
    );
    assert_eq!(
        e,
        format!(
            "error: source `quantia-ga4`: plugin {}: cannot read it: it is 300 MiB; the host reads plugins of at most 64 MiB",
            d.path().join("big.wasm").display()
        )
    );
}

#[test]
fn a_source_file_that_is_not_a_regular_file_is_refused_at_once() {
    let (e, d) = error(|d| mkfifo(&d.join(OPPS)), |t| t);
    assert_eq!(
        e,
        format!(
            "error: source `nimbus-opportunities`: cannot read {}: it is a FIFO (named pipe), not a regular file{LADDER}",
            d.path().join(OPPS).display()
        )
    );
    let (e, _d) = error(nothing, |t| replace(&t, OPPS, "/dev/zero"));
    assert_eq!(
        e,
        format!(
            "error: source `nimbus-opportunities`: cannot read /dev/zero: it is a character device, not a regular file{LADDER}"
        )
    );
}

#[test]
fn a_campaign_file_that_is_not_a_regular_file_is_refused_at_once() {
    let d = tempfile::tempdir().unwrap();
    let fifo = d.path().join("c.toml");
    mkfifo(&fifo);
    for (file, what) in [
        (fifo.as_path(), "a FIFO (named pipe)"),
        (Path::new("/dev/zero"), "a character device"),
    ] {
        let (code, e) = run_with_deadline(d.path(), &args(&track(file, &[])));
        assert_eq!(code, 1, "{e}");
        assert_eq!(
            e,
            format!(
                "error: {}: cannot read the campaign file: it is {what}, not a regular file",
                file.display()
            )
        );
    }
}
