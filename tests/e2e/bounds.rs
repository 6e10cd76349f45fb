//! Bounds the contract promises, enforced on hostile and foreign input (issue #16): what
//! the host keeps of a normalizer's records, records a row across calls, clean text, the
//! size of `info`, and errors that say what happened (an exit, a core module, an import
//! ascribe does not provide, exports of the wrong types).

use std::path::Path;

use ascribe::runtime::Limits;
use ascribe::runtime::limits::{HOST_BYTES_PER_RECORD, HOST_BYTES_PER_TEXT};
use ascribe::runtime::normalizer::SourceInfo;

use crate::support::*;

/// What the greedy plugin's `inflate` answer to one chunk costs the host, as counted:
/// 100,000 touches, each a 1,200-byte person, `greedy.invalid`, `greedy`.
const INFLATED: u64 = 100_000
    * (HOST_BYTES_PER_RECORD
        + (1_200 + HOST_BYTES_PER_TEXT)
        + (14 + HOST_BYTES_PER_TEXT)
        + (6 + HOST_BYTES_PER_TEXT));

#[test]
fn a_normalizer_inflating_its_records_is_refused_at_the_host_budget() {
    let (rt, _d) = runtime();
    let p = load(&rt, &hostile("hostile-normalizer"));
    let mut s = open_in_mode(&p, "inflate").unwrap();
    // 1 MiB of input: the budget is 16 MiB + 40 MiB; the answer is 138 MiB.
    let err = s.push(&vec![b'\n'; 1 << 20]).unwrap_err().to_string();
    assert_eq!(INFLATED.div_ceil(1 << 20), 138);
    assert_eq!(
        err,
        failed(
            &p,
            "push (chunk 1)",
            "its records take 138 MiB in the host, over this source's budget of 56 MiB (16× the 1 MiB read so far + 40 MiB); report it to the plugin's author, or raise `limits.host_memory_mib` for this source if the data really is this dense"
        )
    );
    // The same plugin within a budget set by hand: chunk 1 fits, chunk 2 does not.
    let roomy = rt
        .load(
            &hostile("hostile-normalizer"),
            None,
            Limits::default().with_host_memory(Some(200)).unwrap(),
        )
        .unwrap();
    let mut s = open_in_mode(&roomy, "inflate").unwrap();
    s.push(&vec![b'\n'; 1 << 20]).unwrap();
    assert_eq!(s.host_bytes(), INFLATED);
    assert_eq!(
        s.push(&vec![b'\n'; 1 << 20]).unwrap_err().to_string(),
        failed(
            &roomy,
            "push (chunk 2)",
            "its records take 276 MiB in the host, over this source's budget of 200 MiB (set by `limits.host_memory_mib = 200`); report it to the plugin's author, or raise `limits.host_memory_mib` for this source if the data really is this dense"
        )
    );
}

/// Runs the binary like `support::run_in`, with its data memory (heap, anonymous
/// mappings, plugin memory: everything but code and reserved address space) capped by the
/// kernel at `data_mib` (`RLIMIT_DATA`): a host that needs more fails to allocate and
/// aborts, so a run that ends with its expected error stayed under the bound. (The peak
/// RSS a parent can read, `ru_maxrss`, counts the test process's own pages copied into
/// the child before it `exec`s, so it cannot tell.)
fn run_bounded(dir: &Path, args: &[&str], data_mib: u64) -> (i32, String) {
    use std::os::unix::process::CommandExt;
    let mut cmd = ascribe_in(dir, args);
    if args[0] == "track-source" {
        cmd.arg("--out").arg(dir.join("out"));
    }
    cmd.env_remove("ASCRIBE_FAIL_AT");
    let limit = libc::rlimit {
        rlim_cur: data_mib << 20,
        rlim_max: data_mib << 20,
    };
    // SAFETY: setrlimit is async-signal-safe, and the closure allocates nothing.
    unsafe {
        cmd.pre_exec(move || {
            if libc::setrlimit(libc::RLIMIT_DATA, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let (code, _, err) = outcome(&mut cmd);
    (code, err)
}

const GA4_SOURCE: &str = "plugin = \"ga4\"\ntimezone = \"UTC\"\n[partners.sources.params]\nkey_events = \"generate_lead,sign_up,form_submit\"\nkey_event_stage = \"lead\"\naccount_param = \"company_domain\"\n";

/// The demo campaign with quantia-ga4's normalizer replaced by greedy in `mode`.
fn with_greedy(mode: &str, extra: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    campaign_copy(|t| {
        replace(
            &t,
            GA4_SOURCE,
            &format!(
                "plugin = {:?}\ntimezone = \"UTC\"\n[partners.sources.params]\nmode = \"{mode}\"\n{extra}",
                hostile("hostile-normalizer").display().to_string()
            ),
        )
    })
}

#[test]
fn an_inflating_normalizer_fails_the_run_at_its_first_chunk_and_the_host_stays_small() {
    // Before the budget: ~120 MiB kept per 1 MiB chunk, 5 GB on an 8 MiB export.
    let (dir, file) = with_greedy("inflate", "");
    // One refused answer (138 MiB lifted) and the plugin's own memory (its answer built
    // in its heap) at a time: the run fits in 1 GiB, whatever the file's size.
    let (code, err) = run_bounded(dir.path(), &args(&track(&file, &[])), 1024);
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        err.trim_end(),
        format!(
            "error: source `quantia-ga4` ({}): plugin hostile-normalizer@0.0.1 (sha256:{}) failed in `push (chunk 1)`: its records take 138 MiB in the host, over this source's budget of 56 MiB (16× the 1 MiB read so far + 40 MiB); report it to the plugin's author, or raise `limits.host_memory_mib` for this source if the data really is this dense\n  not retried: the same file and plugin give the same result; escalated to: Co-marketing Analytics Lead",
            dir.path().join("data/quantia/ga4-events.ndjson").display(),
            sha12(&hostile("hostile-normalizer"))
        )
    );
}

#[test]
fn a_campaign_sets_a_source_host_memory_budget_within_its_cap() {
    let (dir, file) = with_greedy(
        "inflate",
        "[partners.sources.limits]\nhost_memory_mib = 65537\n",
    );
    let (code, err) = run_bounded(dir.path(), &args(&track(&file, &[])), 4096);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("host_memory_mib = 65537 is outside 1..=65536"),
        "{err}"
    );
    let (dir, file) = with_greedy(
        "inflate",
        "[partners.sources.limits]\nhost_memory_mib = 100\n",
    );
    let (code, err) = run_bounded(dir.path(), &args(&track(&file, &[])), 4096);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("failed in `push (chunk 1)`: its records take 138 MiB in the host, over this source's budget of 100 MiB (set by `limits.host_memory_mib = 100`)"),
        "{err}"
    );
}

#[test]
fn the_bundled_normalizers_keep_far_inside_their_budget_on_the_demo() {
    let (rt, _d) = runtime();
    // `ASCRIBE_BOUNDS_CAMPAIGN=/tmp/big/….toml` measures a generated campaign instead.
    let file = std::env::var_os("ASCRIBE_BOUNDS_CAMPAIGN")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| workspace().join("fixtures/campaigns/ai-launch-tour.toml"));
    let c = ascribe::pipeline::campaign::load(&file).unwrap();
    let plugins =
        ascribe::pipeline::normalize::load_plugins(&c, &rt, &[target_dir().join("plugins")])
            .unwrap();
    let mut worst = 0.0f64;
    for (src, p) in c.sources.iter().zip(&plugins) {
        let info = SourceInfo {
            kind: src.kind.name().into(),
            file_name: src.file.file_name().unwrap().to_string_lossy().into(),
        };
        let mut s = p.open(&info, &src.params).unwrap();
        let data = std::fs::read(&src.file).unwrap();
        for chunk in data.chunks(ascribe::pipeline::normalize::source::CHUNK_BYTES) {
            s.push(chunk).unwrap();
        }
        s.finish().unwrap();
        let ratio = s.host_bytes() as f64 / data.len() as f64;
        eprintln!(
            "{}: {} bytes in, {} counted, {ratio:.2}×",
            src.id,
            data.len(),
            s.host_bytes()
        );
        worst = worst.max(ratio);
    }
    // The default budget is 16× the input + 40 MiB: the densest demo source takes a
    // fraction of the multiple alone.
    // (4.4× for HubSpot contacts, here and on a generated 1M-touch campaign.)
    assert!(worst < 6.0, "{worst:.2}×");
}

#[test]
fn records_a_row_are_counted_across_calls() {
    let (rt, _d) = runtime();
    let p = load(&rt, &hostile("hostile-normalizer"));
    let mut s = open_in_mode(&p, "rows-across-calls").unwrap();
    // 16 records for row 3 in the first call: allowed.
    s.push(b"a\nb\nc\n").unwrap();
    // 16 more in the next: before the fix each call was judged alone.
    assert_eq!(
        s.finish().unwrap_err().to_string(),
        failed(
            &p,
            "finish",
            "returned output that breaks the contract: row 3 has 32 records across calls (16 earlier; at most 16 a row); report it to the plugin's author"
        )
    );
}

#[test]
fn control_characters_from_a_normalizer_are_stored_clean() {
    let (rt, _d) = runtime();
    let p = load(&rt, &hostile("hostile-normalizer"));
    let mut s = open_in_mode(&p, "nul").unwrap();
    let b = s.push(b"a\nb\nc\n").unwrap();
    assert_eq!(b.touches.campaign.get(0), "spring\u{fffd}launch");
    assert_eq!(b.touches.segment.get(0), "\u{fffd}]0;pwned\u{fffd}");
    assert_eq!(b.touches.segment.get(1), "\u{fffd}[2Jwiped");
    assert_eq!(b.rejects[0].column, "col\u{fffd}umn");
    assert_eq!(
        b.rejects[0].reason,
        "bad\u{fffd}value \u{fffd}[31mred\u{fffd}[0m and  more"
    );

    // A whole run: nothing that reaches rejects.csv holds a control character.
    let (dir, file) = with_greedy("nul", "");
    let (code, err) = run_bounded(dir.path(), &args(&track(&file, &[])), 4096);
    assert_eq!(code, 0, "{err}");
    let package = std::fs::read_dir(dir.path().join("out/ai-launch-tour"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.join("rejects.csv").is_file())
        .expect("the run's package");
    let csv = std::fs::read_to_string(package.join("rejects.csv")).unwrap();
    let line = csv
        .lines()
        .find(|l| l.contains("[31mred"))
        .expect("the plugin's reject");
    assert!(line.contains("bad\u{fffd}value \u{fffd}[31mred"), "{line}");
    assert!(
        !csv.contains(['\0', '\x1b', '\x07']),
        "a control character reached rejects.csv"
    );
}

#[test]
fn a_plugin_that_exits_is_named_as_such_without_a_backtrace() {
    let (rt, _d) = runtime();
    let p = load(&rt, &hostile("hostile-normalizer"));
    let mut s = open_in_mode(&p, "exit").unwrap();
    assert_eq!(
        s.push(b"a\n").unwrap_err().to_string(),
        failed(
            &p,
            "push (chunk 1)",
            "exited with status 1 (a plugin must return its answer, not exit); report it to the plugin's author"
        )
    );
}

#[test]
fn an_info_answer_is_bounded_while_it_is_lifted() {
    let (rt, _d) = runtime();
    let path = hostile("fat-info");
    // 66 MB of description: stopped at 64 KiB, before the name (which holds a terminal
    // escape) is read, so the error names the file.
    let err = rt
        .load(&path, None, Limits::default())
        .err()
        .unwrap()
        .to_string();
    assert_eq!(
        err,
        format!(
            "plugin fat-info.wasm (sha256:{}) failed in `info`: returned output that breaks the contract: its answer is larger than the 64 KiB the host accepts from one call; report it to the plugin's author",
            sha12(&path)
        )
    );
    // `plugin inspect` says the same, and stays small (before: 66 MB lifted, then printed).
    let d = tempfile::tempdir().unwrap();
    // The plugin's own 66 MB and the host's few: 256 MiB of data memory is enough.
    let (code, err) = run_bounded(
        d.path(),
        &["plugin", "inspect", &path.display().to_string()],
        256,
    );
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("its answer is larger than the 64 KiB"),
        "{err}"
    );
    assert!(!err.contains("pwned"), "{err}");
}

#[test]
fn a_core_module_is_named_as_such() {
    let (rt, d) = runtime();
    let core = d.path().join("core.wasm");
    std::fs::write(&core, b"\0asm\x01\0\0\0").unwrap();
    assert_eq!(
        rt.load(&core, None, Limits::default())
            .err()
            .unwrap()
            .to_string(),
        format!(
            "plugin {} (sha256:{}): it is a core WebAssembly module, not a component: build it for wasm32-wasip2 (or wrap it with `wasm-tools component new`)",
            core.display(),
            sha256_of(&core)
        )
    );
}

/// A component of `sections` (each `(id, payload)`), written by hand.
fn component(sections: &[(u8, Vec<u8>)]) -> Vec<u8> {
    let mut out = b"\0asm\x0d\0\x01\0".to_vec();
    for (id, payload) in sections {
        assert!(payload.len() < 128);
        out.push(*id);
        out.push(payload.len() as u8);
        out.extend_from_slice(payload);
    }
    out
}

/// A name as the binary format writes it: `0x00`, its length, its bytes.
fn name(n: &str) -> Vec<u8> {
    let mut v = vec![0x00, n.len() as u8];
    v.extend_from_slice(n.as_bytes());
    v
}

#[test]
fn an_import_ascribe_does_not_provide_is_named() {
    let (rt, d) = runtime();
    let file = d.path().join("http.wasm");
    // (component (import "wasi:http/outgoing-handler@0.2.0"
    //   (instance (export "handle" (func)))))
    let instance_type = [
        &[0x01, 0x42, 0x02][..], // one type: an instance type of two declarations,
        &[0x01, 0x40, 0x00, 0x01, 0x00], // a type: func () with no result,
        &[0x04],                 // an export
        &name("handle"),
        &[0x01, 0x00], // of a func of that type
    ]
    .concat();
    let import = [
        &[0x01][..],
        &name("wasi:http/outgoing-handler@0.2.0"),
        &[0x05, 0x00],
    ]
    .concat();
    std::fs::write(&file, component(&[(0x07, instance_type), (0x0a, import)])).unwrap();
    assert_eq!(
        rt.load(&file, None, Limits::default())
            .err()
            .unwrap()
            .to_string(),
        format!(
            "plugin {} (sha256:{}): it imports `wasi:http/outgoing-handler@0.2.0`, which ascribe does not provide: plugins get no network, files or clock (see docs/security.md)",
            file.display(),
            sha256_of(&file)
        )
    );
}

#[test]
fn exports_of_the_wrong_types_are_named() {
    let (rt, d) = runtime();
    let file = d.path().join("empty-normalizer.wasm");
    // (component (instance $i) (export "ascribe:normalizer/normalize@0.1.0" (instance $i)))
    let export = [
        &[0x01][..],
        &name("ascribe:normalizer/normalize@0.1.0"),
        &[0x05, 0x00, 0x00],
    ]
    .concat();
    std::fs::write(
        &file,
        component(&[(0x05, vec![0x01, 0x01, 0x00]), (0x0b, export)]),
    )
    .unwrap();
    let err = rt
        .load(&file, None, Limits::default())
        .err()
        .unwrap()
        .to_string();
    let head = format!(
        "plugin {} (sha256:{}): it does not export `ascribe:normalizer/normalize@0.1.0` with the expected types: ",
        file.display(),
        sha256_of(&file)
    );
    assert!(err.starts_with(&head), "{err}");
    assert!(
        err.ends_with("; rebuild it against the contract's WIT"),
        "{err}"
    );
    assert!(!err.contains("backtrace"), "{err}");
}
