//! The hostile model: one plugin, misbehaving as its `mode` parameter says (default
//! `panic`). Every mode is a way a model can go wrong that the host must survive and name:
//!
//! | mode | what it does |
//! | --- | --- |
//! | `panic` | panics |
//! | `spin` | loops for ever without a host call |
//! | `alloc` | allocates 16 MiB at a time for ever |
//! | `huge-output` | answers 20M weights (160 MB) |
//! | `skewed` | weights summing to 0.5 a journey |
//! | `forever`, `once` | sleeps a minute at a time for ever; sleeps an hour once |
//! | `chatty`, `chatty-panic` | writes 1 MiB to stderr, then answers (or panics) |
//! | `slow` | busy work (`iterations`), then answers |
//! | `wrong-length` … `leaky-refusal` | breaks one rule of the contract ([`BAD_WEIGHTS`]) |
//! | `wasm-stack`, `shadow-stack` | runaway recursion on either stack |
//! | `sandbox-probe` | tries every door out of the sandbox, notes what it got |
//! | `stateful` | first touch on its instance's first call, last touch after (`fail=1`: refuses) |
//! | `ragged-table`, `escaping-table` | first touch, with an internal table that breaks the contract: columns of different lengths; a name that is a path out of an export directory |
//! | `stats-unsorted`, `stats-ragged`, `stats-negative` | `statistics` (model@0.4.0) breaks one rule: names out of order; columns of different lengths; a negative count ([`BAD_STATS`]) |
//! | `merge-unsorted`, `merge-ragged`, `merge-negative`, `merge-layout` | `statistics` is sound, `merge` breaks the rule (or changes the layout); `merge` has no parameters, so the mode travels in the layout |
//! | `solve-nan` | `solve` returns a solution holding NaN |
//!
//! In every other mode `statistics`, `merge` and `solve` answer soundly (a count per key)
//! and `weights` is `attribute`, misbehaving as the mode says: the host runs a mergeable
//! model through those calls, so the model is `mergeable` whatever the mode.
//!
//! A model whose hostility is in `info` itself takes no parameters, so it is its own
//! plugin (`trap-info`); so are the contract-version plugins and `column-probe`, whose
//! point is the columns its `info` asks for.

use std::io::{Read, Write};
use std::sync::atomic::{AtomicU32, Ordering};

use ascribe_sdk::ParamSpec;
use ascribe_sdk::model::{
    Journeys, KeyKind, Mergeable, Model, ModelError, Output, Solution, StatCells, StatTable, Stats,
    StatsBuilder, SumKind, Table, merge_sums,
};
include!("../../common.rs");

/// The modes that break one rule of the contract in an answer.
pub const BAD_WEIGHTS: &[&str] = &[
    "wrong-length",
    "too-few",
    "nan",
    "inf",
    "negative",
    "sum",
    "invalid-utf8-note",
    "undeclared-score",
    "many-notes",
    "leaky-notes",
    "leaky-refusal",
];

/// Untrusted text a model may send back: addresses in every disguise and terminal escapes.
pub const LEAKS: &str = "write to zq.leak1@acme-corp.io, zq.leak2%40acme-corp.io, \"zq leak3\"@acme-corp.io, zq.leak4\u{200b}@acme-corp.io, zq.leak5＠acme-corp.io, zq.leak6@[10.1.2.3], zq.leak7@localhost \x1b[2J\x1b]0;pwned\x07\x1b]52;c;cHduZWQ=\x07\u{9b}31m";

static CALLS: AtomicU32 = AtomicU32::new(0);

pub struct HostileModel;
impl Model for HostileModel {
    fn info() -> ascribe_sdk::model::Info {
        let mut i = info("hostile-model");
        i.params = vec![
            ParamSpec::new("mode", "panic", "how to misbehave (see the crate's doc)"),
            ParamSpec::new(
                "iterations",
                "300000000",
                "slow: busy-loop iterations before answering",
            ),
            ParamSpec::new("fail", "0", "stateful: 1 refuses the call"),
        ];
        i
    }
    fn attribute(j: &Journeys, p: &ascribe_sdk::Params) -> Result<Output, ModelError> {
        let mode = p.str("mode");
        match mode {
            "panic" => {
                if std::hint::black_box(j.touches()) < usize::MAX {
                    panic!("boom: the hostile plugin gave up");
                }
                Ok(Output::default())
            }
            "spin" => {
                let mut x = j.touches() as u64;
                loop {
                    x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
                    if x == 42 {
                        break;
                    }
                }
                Ok(Output::weights(vec![x as f64; 0]))
            }
            "alloc" => {
                let mut hoard: Vec<Vec<u8>> = Vec::new();
                loop {
                    hoard.push(vec![1u8; 16 << 20]);
                    std::hint::black_box(&hoard);
                }
            }
            "huge-output" => Ok(Output::weights(vec![0.0; std::hint::black_box(20_000_000)])),
            "skewed" => {
                let mut w = vec![0.0; j.touches()];
                for x in j.iter() {
                    for i in 0..x.len() {
                        w[x.start + i] = 0.5 / x.len() as f64;
                    }
                }
                Ok(Output::weights(w))
            }
            "forever" => loop {
                std::thread::sleep(std::time::Duration::from_secs(60));
            },
            "once" => {
                std::thread::sleep(std::time::Duration::from_secs(3600));
                Ok(Output::weights(first_touch_weights(j)))
            }
            "chatty" | "chatty-panic" => chatty(j, mode == "chatty-panic"),
            "slow" => slow(j, p),
            "wasm-stack" | "shadow-stack" => {
                let n = j.touches() as u64;
                let d = if mode == "shadow-stack" {
                    shadow_dive(n)
                } else {
                    wasm_dive(n, 1, 2)
                };
                Ok(Output::weights(vec![d as f64; 0]))
            }
            "sandbox-probe" => {
                let mut out = Output::weights(first_touch_weights(j));
                out.notes = probe();
                Ok(out)
            }
            "stateful" => stateful(j, p),
            "ragged-table" => Ok(Output::weights(first_touch_weights(j)).table(
                Table::new("transition-probabilities", "ragged")
                    .text("from-state", vec!["(start)".into(), "a".into()])
                    .numbers("probability", vec![1.0]),
            )),
            "escaping-table" => Ok(Output::weights(first_touch_weights(j))
                .table(Table::new("../../escape", LEAKS).numbers("x", vec![1.0]))),
            m if BAD_WEIGHTS.contains(&m) => bad_weights(j, m),
            m if BAD_STATS.contains(&m) => Ok(Output::weights(first_touch_weights(j))),
            other => Err(ModelError::InvalidParam(format!("unknown mode `{other}`"))),
        }
    }
}
ascribe_sdk::export_model!(HostileModel, mergeable);

/// The mergeable modes that break one rule of the statistics or the solution.
pub const BAD_STATS: &[&str] = &[
    "stats-unsorted",
    "stats-ragged",
    "stats-negative",
    "merge-unsorted",
    "merge-ragged",
    "merge-negative",
    "merge-layout",
    "solve-nan",
];

/// Breaks statistics as `how` says (`unsorted`, `ragged`, `negative`, `layout`).
fn spoil(s: &mut Stats, how: &str) {
    let t = &mut s.tables[0];
    match how {
        "unsorted" => s.names.reverse(),
        "ragged" => {
            if let StatCells::Count(v) = &mut t.columns[1].1 {
                v.pop();
            }
        }
        "negative" => {
            if let StatCells::Count(v) = &mut t.columns[1].1 {
                v[0] = -1;
            }
        }
        "layout" => s.layout = "hostile/other".into(),
        _ => {}
    }
}

impl Mergeable for HostileModel {
    /// A touch count per key, keyed by the key's name; the mode rides in the layout.
    fn statistics(j: &Journeys, p: &ascribe_sdk::Params) -> Result<Stats, ModelError> {
        let mode = p.str("mode");
        let mut b = StatsBuilder::new(&format!("hostile/{mode}"));
        let t = b.table(
            "touches",
            &[("key", KeyKind::Name)],
            &[("count", SumKind::Count)],
        );
        for &k in &j.touch_key {
            b.row(t, &[&[k]], &[1]);
        }
        let mut s = b.finish(&j.keys)?;
        if let Some(how) = mode.strip_prefix("stats-") {
            spoil(&mut s, how);
        }
        Ok(s)
    }

    fn merge(a: Stats, b: Stats) -> Result<Stats, ModelError> {
        let how = a.layout.strip_prefix("hostile/merge-").map(str::to_string);
        let mut m = merge_sums(a, b)?;
        if let Some(how) = how {
            spoil(&mut m, &how);
        }
        Ok(m)
    }

    fn solve(all: Stats, p: &ascribe_sdk::Params) -> Result<Solution, ModelError> {
        let x = if p.str("mode") == "solve-nan" {
            f64::NAN
        } else {
            1.0
        };
        Ok(Solution {
            tables: vec![StatTable {
                name: "effects".into(),
                columns: vec![
                    (
                        "key".into(),
                        StatCells::Name((0..all.names.len() as u32).collect()),
                    ),
                    ("x".into(), StatCells::Number(vec![x; all.names.len()])),
                ],
            }],
            layout: all.layout,
            names: all.names,
            notes: vec![],
            internals: vec![],
        })
    }

    /// The host runs a mergeable model as statistics → solve → weights, so every mode that
    /// misbehaves in an answer misbehaves here too, exactly as in `attribute`.
    fn weights(j: &Journeys, _: &Solution, p: &ascribe_sdk::Params) -> Result<Output, ModelError> {
        <HostileModel as Model>::attribute(j, p)
    }
}

fn chatty(j: &Journeys, then_panic: bool) -> Result<Output, ModelError> {
    // 1 MiB on stderr, in lines: 16× what the host keeps of it.
    let line = [b'x'; 1023];
    let mut err = std::io::stderr().lock();
    for _ in 0..1024 {
        err.write_all(&line)
            .and_then(|_| err.write_all(b"\n"))
            .map_err(|e| ModelError::Failed(format!("stderr refused a write: {e}")))?;
    }
    drop(err);
    if then_panic {
        panic!("boom after the chatter");
    }
    Ok(Output::weights(first_touch_weights(j)))
}

fn slow(j: &Journeys, p: &ascribe_sdk::Params) -> Result<Output, ModelError> {
    let n: u64 = p
        .str("iterations")
        .parse()
        .map_err(|_| ModelError::InvalidParam("iterations: not a number".into()))?;
    let mut x = j.touches() as u64 | 1;
    for _ in 0..n {
        x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
    }
    let mut out = Output::weights(first_touch_weights(j));
    out.notes.push(format!("busy work done ({})", x % 2 + 1));
    Ok(out)
}

/// First touch on the instance's first call, last touch on any later one: the host must
/// give every call a fresh instance, so it only ever sees first touch.
fn stateful(input: &Journeys, p: &ascribe_sdk::Params) -> Result<Output, ModelError> {
    let earlier = CALLS.fetch_add(1, Ordering::Relaxed);
    if p.str("fail") == "1" {
        return Err(ModelError::InvalidParam(
            "fail=1: refused on purpose".into(),
        ));
    }
    let mut w = vec![0.0; input.touches()];
    for j in input.iter() {
        if !j.is_empty() {
            w[if earlier == 0 {
                j.start
            } else {
                j.start + j.len() - 1
            }] = 1.0;
        }
    }
    Ok(Output::weights(w))
}

fn bad_weights(j: &Journeys, mode: &str) -> Result<Output, ModelError> {
    let mut w = first_touch_weights(j);
    let mut out = Output::default();
    let first = j
        .iter()
        .find(|x| !x.is_empty())
        .map(|x| x.start)
        .unwrap_or(0);
    match mode {
        "wrong-length" => w.push(0.0),
        "too-few" => {
            w.pop();
        }
        "nan" => w[first] = f64::NAN,
        "inf" => w[first] = f64::INFINITY,
        "negative" => w[first] = -1.0,
        "sum" => w[first] = 0.5,
        "invalid-utf8-note" => {
            // SAFETY: deliberately not UTF-8; the host must refuse it.
            out.notes
                .push(unsafe { String::from_utf8_unchecked(vec![b'o', b'k', 0xff, 0xfe]) });
        }
        "undeclared-score" => out.scores.push(("secret".into(), vec![0.0; j.keys.len()])),
        "many-notes" => out.notes = (0..100_000).map(|i| format!("note {i}")).collect(),
        "leaky-notes" => out.notes = vec![LEAKS.to_string()],
        _ => return Err(ModelError::Failed(LEAKS.to_string())),
    }
    out.weights = w;
    Ok(out)
}

/// Recursion whose frames hold arrays: they live on the stack Rust keeps in linear memory.
#[inline(never)]
fn shadow_dive(depth: u64) -> u64 {
    let mut frame = [0u8; 256];
    frame[(depth % 256) as usize] = depth as u8;
    std::hint::black_box(&mut frame);
    if std::hint::black_box(depth) == u64::MAX {
        return 0;
    }
    shadow_dive(depth + 1) + frame[(depth % 7) as usize] as u64
}

/// Recursion in scalars: it runs off the engine's own (wasm) stack.
#[inline(never)]
fn wasm_dive(n: u64, a: u64, b: u64) -> u64 {
    if std::hint::black_box(n) == u64::MAX {
        return a;
    }
    wasm_dive(n + 1, b ^ n, a.rotate_left(3)).wrapping_mul(3) ^ b
}

unsafe extern "C" {
    fn getentropy(buf: *mut u8, len: usize) -> i32;
}

fn show<T: std::fmt::Debug>(r: std::io::Result<T>) -> String {
    match r {
        Ok(v) => format!("GOT {v:?}"),
        Err(e) => format!("denied ({:?})", e.kind()),
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Tries everything a plugin must not get (files, the environment, arguments, sockets,
/// name lookup, the real clock, real randomness) and reports what it saw, in order.
pub fn probe() -> Vec<String> {
    let mut notes = vec![];
    for path in [
        "/etc/passwd",
        "/proc/self/environ",
        "data/nimbus/opportunities.csv",
    ] {
        let r = std::fs::File::open(path).and_then(|mut f| {
            let mut s = String::new();
            f.read_to_string(&mut s).map(|n| n.min(16))
        });
        notes.push(format!("read {path}: {}", show(r)));
    }
    for dir in [".", "/", "/tmp"] {
        let r = std::fs::read_dir(dir).map(|d| d.count());
        notes.push(format!("list {dir}: {}", show(r)));
    }
    notes.push(format!(
        "write /tmp/ascribe-probe: {}",
        show(std::fs::write("/tmp/ascribe-probe", b"x"))
    ));
    notes.push(format!("cwd: {}", show(std::env::current_dir())));
    let vars: Vec<String> = std::env::vars().map(|(k, _)| k).collect();
    notes.push(format!("env: {} variables {vars:?}", vars.len()));
    notes.push(format!("HOME: {:?}", std::env::var("HOME").ok()));
    notes.push(format!("args: {:?}", std::env::args().collect::<Vec<_>>()));
    notes.push(format!(
        "tcp 127.0.0.1:22: {}",
        show(std::net::TcpStream::connect("127.0.0.1:22").map(|_| ()))
    ));
    notes.push(format!(
        "tcp listen: {}",
        show(std::net::TcpListener::bind("0.0.0.0:0").map(|_| ()))
    ));
    notes.push(format!(
        "udp bind: {}",
        show(std::net::UdpSocket::bind("0.0.0.0:0").map(|_| ()))
    ));
    notes.push(format!(
        "dns example.com: {}",
        show(std::net::ToSocketAddrs::to_socket_addrs(&("example.com", 80)).map(|a| a.count()))
    ));
    let wall = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64());
    notes.push(format!("wall clock: {wall:?}"));
    let t0 = std::time::Instant::now();
    let mut x = 1u64;
    for _ in 0..10_000_000 {
        x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(7));
    }
    notes.push(format!(
        "monotonic clock after busy work: {:?}",
        t0.elapsed()
    ));
    let mut buf = [0u8; 16];
    // SAFETY: buf is valid for 16 bytes.
    let rc = unsafe { getentropy(buf.as_mut_ptr(), buf.len()) };
    notes.push(format!("random: rc {rc} {}", hex(&buf)));
    notes
}
