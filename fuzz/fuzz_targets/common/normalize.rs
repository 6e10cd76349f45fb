//! What the four `normalize_*` targets share: one bundled normalizer driven end to end
//! through the runtime, on any bytes as the export it reads.
//!
//! Each input is read twice:
//!
//! 1. **Session, in chunks.** `Plugin::open` with parameters chosen by the first [`OPTS`]
//!    bytes, then the rest `push`ed in chunks whose sizes also come from those bytes, then
//!    `finish`. Every batch the runtime accepted must have `rows_read` never decreasing and
//!    every record and reject row within `1..=rows_read`; every error must be the typed
//!    `PluginError::Call` naming the plugin (`<name>@<version>`) whose cause is the
//!    plugin's own refusal (`Cause::Reported`, e.g. a missing column) — never a crash, a
//!    trap, a contract breach caught by the host's validation, or a memory limit.
//! 2. **The host's normalize stage.** The same bytes written to a file and run through
//!    `ascribe::pipeline::normalize::normalize` (what `ascribe run` calls: `source::run` streams the
//!    file through the plugin, reconciles every record — amounts, currencies, FX, stages,
//!    times, ids — then the merge gate settles the ledger) for a one-source campaign built
//!    with `ascribe::pipeline::campaign::parse`. Success must leave a balanced ledger (rows read =
//!    normalized + merged + rejected + out of window, one verdict per row, every reject
//!    row in range); failure must be a source error naming the plugin, of the same kinds
//!    as above. And the two reads must agree: the file either fails both ways (the plugin
//!    must not depend on where chunks end) or passes both with the same rows read.
//!
//! Findings N1, N2 and S3 (docs/security.md) were let pass here until they were fixed;
//! they are not any more, so a new bug with the same symptom stops the run.
//!
//! The runtime and the plugin are built once per process (a `OnceLock`), with a compile
//! cache in a temporary directory, so the component compiles once.

#![allow(dead_code)] // each target uses some of the option helpers

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use ascribe::pipeline::normalize::NormalizeError;
use ascribe::pipeline::normalize::source::SourceError;
use ascribe::runtime::normalizer::{Batch, SourceInfo};
use ascribe::runtime::{Cause, Limits, Plugin, PluginError, Runtime, RuntimeOptions};

/// Option bytes at the start of an input; the rest is the file. Plain bytes (each read
/// `% n`), so a seed is readable: `xxxxxxx` then the file is every default (120, `x`, is 0
/// modulo 2, 3, 4, 5, 6 and 8) read in chunks of 121 bytes.
pub const OPTS: usize = 7;

/// One input: options and the file.
pub struct Input<'a> {
    /// `o[0..5]`: parameters, read by each target's [`Spec::params`].
    pub o: [u8; OPTS],
    pub data: &'a [u8],
}

impl<'a> Input<'a> {
    pub fn new(raw: &'a [u8]) -> Option<Self> {
        let o: [u8; OPTS] = raw.get(..OPTS)?.try_into().ok()?;
        Some(Input {
            o,
            data: &raw[OPTS..],
        })
    }

    /// The source's time zone, `o[4] % 3`: UTC, and two with daylight-saving gaps.
    pub fn timezone(&self) -> &'static str {
        ["UTC", "America/Los_Angeles", "Europe/Berlin"][self.o[4] as usize % 3]
    }

    /// Chunk sizes: `o[5] + 1` and `o[6] + 1` bytes in turn; `o[5] == 255` pushes the file
    /// in one chunk, as the host does for any file under 1 MiB.
    fn chunks(&self) -> Vec<&'a [u8]> {
        if self.o[5] == 255 {
            return vec![self.data];
        }
        let sizes = [self.o[5] as usize + 1, self.o[6] as usize + 1];
        let mut out = vec![];
        let mut rest = self.data;
        let mut i = 0;
        while !rest.is_empty() {
            let n = sizes[i % 2].min(rest.len());
            out.push(&rest[..n]);
            rest = &rest[n..];
            i += 1;
        }
        out
    }
}

/// One bundled normalizer.
pub struct Spec {
    /// The plugin's name (`info().name`) and its file under target/plugins.
    pub name: &'static str,
    pub wasm: &'static str,
    /// The export's file name, as the plugin is told it.
    pub file_name: &'static str,
    /// The source kind (`crm`, `map`, `analytics`) and the parameters for these options.
    pub params: fn(&Input) -> (&'static str, Vec<(&'static str, String)>),
}

/// The fuzz target for the bundled normalizer `$name` (`target/plugins/$name.wasm`), told
/// the export is named `$file_name`, with `$params` as its [`Spec::params`].
macro_rules! target {
    ($name:literal, $file_name:literal, $params:expr) => {
        const SPEC: $crate::normalize::Spec = $crate::normalize::Spec {
            name: $name,
            wasm: concat!($name, ".wasm"),
            file_name: $file_name,
            params: $params,
        };

        libfuzzer_sys::fuzz_target!(|raw: &[u8]| $crate::normalize::run(&SPEC, raw));
    };
}
pub(crate) use target;

struct Loaded {
    plugin: Plugin,
    /// A directory of this process's own, for the export and the campaign file.
    dir: PathBuf,
}

/// The runtime and the plugin, once per process.
fn loaded(spec: &Spec) -> &'static Loaded {
    static LOADED: OnceLock<Loaded> = OnceLock::new();
    LOADED.get_or_init(|| {
        let wasm = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../target/plugins")
            .join(spec.wasm);
        if !wasm.is_file() {
            panic!(
                "{} is missing: run `cargo xtask plugins` first (from the repository root)",
                wasm.display()
            );
        }
        // The compile cache, shared by runs of this target (the component compiles once);
        // private to this user, since the cache refuses a directory others can write.
        let cache = std::env::temp_dir().join("ascribe-fuzz-cache");
        std::fs::create_dir_all(&cache).expect("create the compile cache directory");
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o700))
                .expect("make the compile cache private");
        }
        let rt = Runtime::new(RuntimeOptions {
            fuel: false,
            cache_dir: Some(cache),
        })
        .expect("start the runtime");
        let plugin = rt
            .load(&wasm, None, Limits::default())
            .unwrap_or_else(|e| panic!("load {}: {e}", wasm.display()));
        // In the log, so a run names exactly what it fuzzed (target/plugins is rebuilt by
        // `cargo xtask plugins` at any time).
        eprintln!(
            "fuzzing {} from {} (sha256:{})",
            plugin.label().name,
            wasm.display(),
            plugin.sha256
        );
        assert!(
            plugin.normalizer_info().is_some(),
            "{} is a normalizer",
            spec.wasm
        );
        let dir =
            std::env::temp_dir().join(format!("ascribe-fuzz-{}-{}", spec.name, std::process::id()));
        std::fs::create_dir_all(&dir).expect("create the work directory");
        Loaded { plugin, dir }
    })
}

/// Every stage name the bundled normalizers' sample exports use, mapped (as the demo
/// campaign does), so reconciliation gets past the stage check.
const STAGES: &str = r#"
"lead" = "lead"
"Prospecting" = "opportunity"
"Qualification" = "opportunity"
"Needs Analysis" = "opportunity"
"Proposal/Price Quote" = "opportunity"
"Negotiation/Review" = "opportunity"
"Closed Won" = "closed_won"
"Closed Lost" = "closed_lost"
"appointmentscheduled" = "opportunity"
"qualifiedtobuy" = "opportunity"
"presentationscheduled" = "opportunity"
"decisionmakerboughtin" = "opportunity"
"contractsent" = "opportunity"
"closedwon" = "closed_won"
"closedlost" = "closed_lost"
"marketingqualifiedlead" = "mql"
"salesqualifiedlead" = "sql"
"opportunity" = "opportunity"
"customer" = "closed_won"
"generate_lead" = "lead"
"form_submit" = "lead"
"sign_up" = "lead"
"Responded" = "lead"
"Won" = "closed_won"
"#;

/// A one-partner, one-source campaign reading `file` with `plugin`. A missing FX rate
/// rejects the row instead of stopping the run, so that policy is not a failure here.
fn campaign_text(
    kind: &str,
    file: &str,
    plugin: &Path,
    tz: &str,
    params: &[(&str, String)],
) -> String {
    let mut t = format!(
        "id = \"fuzz\"\nname = \"Fuzz\"\nstart = \"2026-01-01\"\nend = \"2026-12-31\"\n\
         currency = \"USD\"\n[fx.EUR]\n\"2025-01-01\" = \"1.10\"\n\"2026-09-01\" = \"1.20\"\n\
         [reconcile]\nmissing_fx = \"reject\"\n[[partners]]\nname = \"P\"\n\
         [partners.stages]{STAGES}[[partners.sources]]\nid = \"s\"\nkind = \"{kind}\"\n\
         file = \"{file}\"\nplugin = \"{}\"\ntimezone = \"{tz}\"\n[partners.sources.params]\n",
        plugin.display()
    );
    for (k, v) in params {
        t.push_str(&format!("{k} = {v:?}\n"));
    }
    t
}

/// The error property: a plugin error is the typed call error naming this plugin, caused
/// by the plugin's own refusal. A time limit (10 s per call) is let pass: on a shared
/// machine at `nice -n 19` a call can wait that long for a core (libFuzzer's own
/// `-timeout` would flag a real hang).
fn check_plugin_error(spec: &Spec, e: &PluginError, op: &str) {
    let msg = e.to_string();
    match e {
        PluginError::Call { label, cause, .. } => {
            assert!(
                label.name.starts_with(&format!("{}@", spec.name)),
                "{op}: the error names {}: {msg}",
                label.name
            );
            assert!(msg.contains(&label.name), "{op}: {msg}");
            match cause {
                Cause::Reported { message, .. } => {
                    assert!(!message.trim().is_empty(), "{op}: an empty refusal: {msg}")
                }
                Cause::TimeLimit(_) => {}
                _ => panic!("{op}: the plugin failed other than by refusing: {msg}"),
            }
        }
        _ => panic!("{op}: not a call error: {msg}"),
    }
}

fn timed_out(e: &PluginError) -> bool {
    matches!(e.cause(), Some(Cause::TimeLimit(_)))
}

fn check_batch(b: &Batch, prev: u64, op: &str) {
    assert!(
        b.rows_read >= prev,
        "{op}: rows read went from {prev} to {}",
        b.rows_read
    );
    let rows = b
        .touches
        .row
        .iter()
        .chain(&b.conversions.row)
        .chain(&b.stage_events.row)
        .chain(b.rejects.iter().map(|r| &r.row));
    for &r in rows {
        assert!(
            (1..=b.rows_read).contains(&r),
            "{op}: row {r} outside 1..={}",
            b.rows_read
        );
    }
}

/// The session read: `Ok(rows read)`, or the error (already checked).
fn session(
    spec: &Spec,
    l: &Loaded,
    input: &Input,
    kind: &str,
    params: &[(String, String)],
) -> Result<u64, PluginError> {
    let info = SourceInfo {
        kind: kind.into(),
        file_name: spec.file_name.into(),
    };
    let check = |e: PluginError, op: &str| {
        check_plugin_error(spec, &e, op);
        e
    };
    let mut s = l.plugin.open(&info, params).map_err(|e| check(e, "open"))?;
    let mut prev = 0;
    for (i, chunk) in input.chunks().into_iter().enumerate() {
        let op = format!("push {}", i + 1);
        let b = s.push(chunk).map_err(|e| check(e, &op))?;
        check_batch(&b, prev, &op);
        prev = b.rows_read;
        assert_eq!(s.rows_read(), prev);
    }
    let b = s.finish().map_err(|e| check(e, "finish"))?;
    check_batch(&b, prev, "finish");
    Ok(b.rows_read)
}

/// The pipeline read: `Ok(rows read)`, or the plugin error (checked), or `Err(None)` for a
/// time limit.
fn pipeline(
    spec: &Spec,
    l: &Loaded,
    input: &Input,
    kind: &str,
    params: &[(&str, String)],
) -> Result<u64, Option<PluginError>> {
    let file = l.dir.join(spec.file_name);
    std::fs::write(&file, input.data).expect("write the export");
    let campaign_file = l.dir.join("campaign.toml");
    let text = campaign_text(
        kind,
        spec.file_name,
        &l.plugin.path,
        input.timezone(),
        params,
    );
    let c = ascribe::pipeline::campaign::parse(&campaign_file, &text)
        .unwrap_or_else(|e| panic!("the fuzz campaign does not parse: {e}\n{text}"));
    match ascribe::pipeline::normalize::normalize(
        &c,
        std::slice::from_ref(&l.plugin),
        &|_: &str| {},
    ) {
        Ok(ds) => {
            assert_eq!(ds.ledgers.len(), 1);
            let g = &ds.ledgers[0];
            assert!(
                g.balanced(),
                "ledger: {} read != {} normalized + {} merged + {} rejected + {} out of window",
                g.rows_read,
                g.normalized,
                g.merged,
                g.rejected,
                g.out_of_window
            );
            assert_eq!(g.status.len() as u64, g.rows_read);
            for r in &g.rejects {
                assert!(
                    (1..=g.rows_read).contains(&r.row),
                    "ledger reject row {} outside 1..={}: {}",
                    r.row,
                    g.rows_read,
                    r.reason
                );
            }
            assert_eq!(g.bytes, input.data.len() as u64);
            assert!(
                g.plugin.starts_with(&format!("{}@", spec.name)),
                "{}",
                g.plugin
            );
            Ok(g.rows_read)
        }
        Err(NormalizeError::Failed(f)) => {
            let msg = f.to_string();
            match &f.error {
                SourceError::Plugin { error, .. } => {
                    check_plugin_error(spec, error, "normalize");
                    assert!(msg.contains(spec.name), "{msg}");
                    if timed_out(error) {
                        Err(None)
                    } else {
                        Err(Some((**error).clone()))
                    }
                }
                _ => panic!("normalize failed other than in the plugin: {msg}"),
            }
        }
        Err(e) => panic!("normalize: {e}"),
    }
}

/// Which reads each input gets: both (the default), or for measuring what each costs,
/// only one (`ASCRIBE_FUZZ_MODE=session` or `pipeline`; no comparison then).
#[derive(Clone, Copy)]
enum Mode {
    Both,
    Session,
    Pipeline,
}

fn mode() -> Mode {
    static MODE: OnceLock<Mode> = OnceLock::new();
    *MODE.get_or_init(|| match std::env::var("ASCRIBE_FUZZ_MODE").as_deref() {
        Ok("session") => Mode::Session,
        Ok("pipeline") => Mode::Pipeline,
        Ok("both") | Err(_) => Mode::Both,
        Ok(other) => panic!("ASCRIBE_FUZZ_MODE={other}: use both, session or pipeline"),
    })
}

/// The whole property for one input.
pub fn run(spec: &Spec, raw: &[u8]) {
    let Some(input) = Input::new(raw) else {
        return;
    };
    let l = loaded(spec);
    let (kind, params) = (spec.params)(&input);
    let owned: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    let (by_chunks, whole) = match mode() {
        Mode::Both => (
            session(spec, l, &input, kind, &owned),
            pipeline(spec, l, &input, kind, &params),
        ),
        Mode::Session => {
            let _ = session(spec, l, &input, kind, &owned);
            return;
        }
        Mode::Pipeline => {
            let _ = pipeline(spec, l, &input, kind, &params);
            return;
        }
    };
    match (&by_chunks, &whole) {
        (Ok(a), Ok(b)) => assert_eq!(
            a,
            b,
            "rows read: {a} in chunks of {}/{} bytes, {b} through the pipeline",
            input.o[5] as usize + 1,
            input.o[6] as usize + 1
        ),
        // A refusal must not depend on where chunks end, its words included.
        (Err(a), Err(Some(b))) => match (a.cause(), b.cause()) {
            (
                Some(Cause::Reported { message: x, .. }),
                Some(Cause::Reported { message: y, .. }),
            ) => {
                assert_eq!(
                    x,
                    y,
                    "the plugin refuses differently in chunks of {}/{} bytes and through the pipeline",
                    input.o[5] as usize + 1,
                    input.o[6] as usize + 1
                )
            }
            _ => {}
        },
        (Err(_), Err(None)) => {}
        (Err(e), _) if timed_out(e) => {}
        (_, Err(None)) => {}
        _ => panic!(
            "the file fails one way and not the other (chunks of {}/{} bytes): in chunks {:?}; through the pipeline {:?}",
            input.o[5] as usize + 1,
            input.o[6] as usize + 1,
            by_chunks.map_err(|e| e.to_string()),
            whole.map_err(|e| e.map(|e| e.to_string()))
        ),
    }
}

/// `,` `;` `tab` `|`, as the CSV normalizers' `delimiter` parameter spells them.
pub fn delimiter(b: u8) -> String {
    [",", ";", "tab", "|"][b as usize % 4].into()
}

pub fn flag(b: u8) -> String {
    ["false", "true"][b as usize % 2].into()
}
