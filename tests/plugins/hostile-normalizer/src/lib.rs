//! The hostile normalizer: one plugin, misbehaving as its `mode` parameter says (default
//! `fine`). It speaks the raw contract, so it can send what the SDK's column builders
//! would never let it; the modes written against the SDK run behind the same session.
//!
//! | mode | what it does |
//! | --- | --- |
//! | `fine`, `drop`, `split`, `late`, `flood` | one touch a line; or drops every third row, splits records at chunk boundaries, rejects a row never read, or sends 20 records for row 1 |
//! | `drop-rows` | a touch for odd rows only, nothing (not even a reject) for even ones |
//! | `raw-times` | `person,wall_ms,offset_min` lines passed on as raw times, unchecked |
//! | `out-of-bounds` … `invalid-utf8-reject` | malformed packed strings ([`BAD_STRINGS`]) |
//! | `inflate`, `rows-across-calls`, `nul`, `exit` | valid answers that abuse the host ([`GREEDY`]) |
//! | `rows`, `max`, `records`, `backwards` | lies about the rows read ([`INFLATED`]) |
//! | `recursion` | runaway recursion in `push`, writing each depth to stderr |
//!
//! A normalizer whose hostility is in `info` itself takes no parameters, so it is its own
//! plugin (`fat-info`).

use std::cell::{Cell, RefCell};
use std::io::Write;

use ascribe_sdk::normalizer::{Batch, Touch};
use ascribe_sdk::time::Time;
include!("../../common.rs");

/// Malformed packed strings in the touches' `channel` column (or a reject's reason).
pub const BAD_STRINGS: &[&str] = &[
    "out-of-bounds",
    "decreasing",
    "not-from-zero",
    "invalid-utf8",
    "split-char",
    "offset-count",
    "no-offsets",
    "invalid-utf8-reject",
];

/// Answers that pass every per-call check but abuse the host:
///
/// - `inflate`: answers every chunk with one valid touch per byte-row it may claim (up to
///   100,000 a call), each with its own 1,200-byte person: ~120 MiB of distinct records for
///   a 1 MiB chunk. Before the host budgeted what it keeps per source, an 8 MiB export
///   drove the host to gigabytes while the plugin stayed far inside its own memory limit.
/// - `rows-across-calls`: 16 records for row 3 in `push`, 16 more for row 3 in `finish`:
///   the per-call check saw 16 each time.
/// - `nul`: valid touches whose campaign holds a NUL byte and whose segment a terminal
///   escape sequence, and a reject whose reason holds both.
/// - `exit`: calls `std::process::exit(1)` in `push`.
pub const GREEDY: &[&str] = &["inflate", "rows-across-calls", "nul", "exit"];

/// Lies about the rows read: 2^40 of them, u64::MAX, 100,000 records for one row, or a
/// count that goes back.
pub const INFLATED: &[&str] = &["rows", "max", "records", "backwards"];

/// The modes written against the SDK's column builders.
pub const SDK_MODES: &[&str] = &[
    "fine",
    "drop",
    "split",
    "late",
    "flood",
    "drop-rows",
    "raw-times",
];

pub const DEFAULT_MODE: &str = "fine";

pub struct HostileNormalizer;
impl raw::Guest for HostileNormalizer {
    type Session = Session;
    fn info() -> raw::PluginInfo {
        let mut i = raw::info("hostile-normalizer", &[("mode", DEFAULT_MODE)]);
        i.accepts = vec!["map:any".into(), "map:touches".into()];
        i
    }
    fn open(
        _: raw::SourceInfo,
        params: Vec<(String, String)>,
    ) -> Result<raw::Session, raw::NormalizeError> {
        // Parameters as the SDK resolves them: an unknown one is refused.
        let spec = [ascribe_sdk::ParamSpec::new(
            "mode",
            DEFAULT_MODE,
            "how to misbehave",
        )];
        let p = ascribe_sdk::Params::resolve(&spec, &params)
            .map_err(raw::NormalizeError::InvalidParam)?;
        let mode = p.str("mode").to_string();
        let m = mode.as_str();
        let session = if SDK_MODES.contains(&m) {
            Session::Sdk(Box::new(RefCell::new((Lines::new(mode), Batch::default()))))
        } else if BAD_STRINGS.contains(&m) {
            Session::BadStrings(RefCell::new(Lines::new(mode)))
        } else if GREEDY.contains(&m) {
            Session::Greedy(RefCell::new(State::new(mode)))
        } else if INFLATED.contains(&m) {
            Session::Inflated(RefCell::new(State::new(mode)))
        } else if m == "recursion" {
            Session::Recursion(Cell::new(1))
        } else {
            return Err(raw::NormalizeError::InvalidParam(format!(
                "unknown mode `{mode}`"
            )));
        };
        Ok(raw::Session::new(session))
    }
}

#[cfg(target_arch = "wasm32")]
ascribe_sdk::normalizer::bindings::__ascribe_export_normalizer_world!(HostileNormalizer with_types_in ascribe_sdk::normalizer::bindings);

pub enum Session {
    Sdk(Box<RefCell<(Lines, Batch)>>),
    BadStrings(RefCell<Lines>),
    Greedy(RefCell<State>),
    Inflated(RefCell<State>),
    Recursion(Cell<u64>),
}

impl Session {
    fn call(&self, chunk: Option<&[u8]>) -> raw::Batch {
        match self {
            Session::Sdk(s) => {
                let mut s = s.borrow_mut();
                let (lines, out) = &mut *s;
                lines.sdk(chunk, out);
                out.take_wit()
            }
            Session::BadStrings(l) => l.borrow_mut().bad_strings(chunk),
            Session::Greedy(s) => greedy(&mut s.borrow_mut(), chunk),
            Session::Inflated(s) => inflated_rows(&mut s.borrow_mut()),
            Session::Recursion(depth) => {
                if let Some(c) = chunk {
                    depth.set(dive(c.len() as u64, depth.get()));
                }
                raw::empty_batch(0)
            }
        }
    }
}

impl raw::GuestSession for Session {
    fn push(&self, chunk: Vec<u8>) -> Result<raw::Batch, raw::NormalizeError> {
        Ok(self.call(Some(&chunk)))
    }
    fn finish(&self) -> Result<raw::Batch, raw::NormalizeError> {
        Ok(self.call(None))
    }
}

/// A line reader: the modes that read their input a line at a time.
pub struct Lines {
    mode: String,
    tail: Vec<u8>,
    rows: u64,
    header_done: bool,
}

impl Lines {
    fn new(mode: String) -> Self {
        Lines {
            mode,
            tail: vec![],
            rows: 0,
            header_done: false,
        }
    }

    /// The SDK modes: every complete line (the last one at the end of the file).
    fn sdk(&mut self, chunk: Option<&[u8]>, out: &mut Batch) {
        if self.mode == "split" {
            // Splits records at chunk boundaries: a record across two chunks is two rows.
            for piece in chunk.unwrap_or_default().split(|&b| b == b'\n') {
                self.sloppy(piece, out);
            }
            return;
        }
        self.tail.extend_from_slice(chunk.unwrap_or_default());
        while let Some(i) = self.tail.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = self.tail.drain(..=i).take(i).collect();
            self.line(&line, out);
        }
        if chunk.is_none() && !self.tail.is_empty() {
            let rest = std::mem::take(&mut self.tail);
            self.line(&rest, out);
        }
    }

    fn line(&mut self, line: &[u8], out: &mut Batch) {
        match self.mode.as_str() {
            "drop-rows" => drop_rows(line, out),
            "raw-times" => raw_times(line, out),
            _ => self.sloppy(line, out),
        }
    }

    /// Skips the header, then one touch a line, spoiled by the mode.
    fn sloppy(&mut self, line: &[u8], out: &mut Batch) {
        if !self.header_done {
            self.header_done = true;
            return;
        }
        if line.is_empty() {
            return;
        }
        out.rows_read += 1;
        let row = out.rows_read;
        let text = String::from_utf8_lossy(line);
        let person = text.split(',').next().unwrap_or("").trim().to_string();
        let touch = Touch {
            person: &person,
            time: Time::utc_ms(1_788_343_200_000),
            channel: "webinar",
            ..Default::default()
        };
        match self.mode.as_str() {
            "drop" if row.is_multiple_of(3) => {}
            "late" if row == 2 => {
                out.touch(row, &touch);
                out.reject(row + 100, "", "a row that was never read");
            }
            "flood" if row == 1 => {
                for _ in 0..20 {
                    out.touch(row, &touch);
                }
            }
            _ => out.touch(row, &touch),
        }
    }

    /// One valid touch a line, then the mode spoils the packed `channel` column.
    fn bad_strings(&mut self, chunk: Option<&[u8]>) -> raw::Batch {
        let n = raw::take_lines(&mut self.tail, chunk.unwrap_or_default(), chunk.is_none());
        let rows: Vec<u64> = (self.rows + 1..=self.rows + n).collect();
        self.rows += n;
        let mut b = raw::empty_batch(self.rows);
        b.touches = raw::touches(&rows);
        spoil(&self.mode, &mut b);
        b
    }
}

/// A touch for odd rows only: even rows get no record and no reject.
fn drop_rows(_line: &[u8], out: &mut Batch) {
    out.rows_read += 1;
    let row = out.rows_read;
    if row % 2 == 1 {
        let person = format!("row{row}@drop-rows.invalid");
        out.touch(
            row,
            &Touch {
                person: &person,
                account: "drop-rows.invalid",
                time: Time::utc_ms(1_789_473_600_000),
                channel: "hostile",
                ..Default::default()
            },
        );
    }
}

/// `person,wall_ms,offset_min`: the times passed on as they are, unchecked.
fn raw_times(line: &[u8], out: &mut Batch) {
    let text = String::from_utf8_lossy(line);
    let text = text.trim_end_matches('\r');
    if text.is_empty() {
        return;
    }
    out.rows_read += 1;
    let row = out.rows_read;
    let mut f = text.split(',');
    let person = f.next().unwrap_or("").trim();
    let wall = f.next().unwrap_or("").trim().parse::<i64>();
    let offset = f.next().unwrap_or("").trim();
    let Ok(wall_ms) = wall else {
        out.reject(row, "wall_ms", "not a number");
        return;
    };
    let offset_min = if offset.is_empty() {
        None
    } else {
        match offset.parse::<i32>() {
            Ok(o) => Some(o),
            Err(_) => {
                out.reject(row, "offset_min", "not a number");
                return;
            }
        }
    };
    out.touch(
        row,
        &Touch {
            person,
            account: "raw-times.example",
            time: Time {
                wall_ms,
                offset_min,
            },
            channel: "webinar",
            ..Default::default()
        },
    );
}

pub fn spoil(mode: &str, b: &mut raw::Batch) {
    let n = b.touches.row.len();
    if n == 0 {
        return;
    }
    let ch = &mut b.touches.channel;
    match mode {
        // The last offset points past the data.
        "out-of-bounds" => *ch.offsets.last_mut().unwrap() += 1_000_000,
        "decreasing" => {
            // Rows 0 and 1 swap ends: offsets go 0, 14, 7, … (needs two rows).
            *ch = raw::strings(&vec!["hostile"; n]);
            if n >= 2 {
                ch.offsets[1] = 14;
                ch.offsets[2] = 7;
            }
        }
        "not-from-zero" => ch.offsets[0] = 1,
        "invalid-utf8" => {
            ch.data[0] = 0xff;
        }
        "split-char" => {
            // "é" is two bytes; an offset between them splits it.
            let mut items = vec!["é"; n];
            items[0] = "éé";
            *ch = raw::strings(&items);
            ch.offsets[1] = 1;
        }
        "offset-count" => {
            ch.offsets.pop();
        }
        "no-offsets" => ch.offsets.clear(),
        "invalid-utf8-reject" => {
            // A `string` in the contract itself (not packed bytes): wasmtime must refuse to
            // lift it. SAFETY: deliberately not UTF-8.
            b.rejects.push(raw::Reject {
                row: b.touches.row[0],
                column: "x".into(),
                reason: unsafe { String::from_utf8_unchecked(vec![0xc3, 0x28]) },
            });
        }
        _ => {}
    }
}

const INFLATE_ROWS: u64 = 100_000;
const PERSON_BYTES: usize = 1_200;

/// The state of the greedy and inflated-rows modes.
pub struct State {
    mode: String,
    /// Bytes pushed so far: the most rows the host lets a plugin claim.
    bytes: u64,
    rows_read: u64,
    calls: u64,
}

impl State {
    fn new(mode: String) -> Self {
        State {
            mode,
            bytes: 0,
            rows_read: 0,
            calls: 0,
        }
    }
}

fn inflated(first: u64, n: u64) -> raw::Touches {
    let mut people = raw::Strings {
        offsets: Vec::with_capacity(n as usize + 1),
        data: Vec::with_capacity(n as usize * PERSON_BYTES),
    };
    people.offsets.push(0);
    let pad = "x".repeat(PERSON_BYTES);
    for r in first..first + n {
        let head = format!("greedy{r}-");
        let tail = "@greedy.invalid";
        people.data.extend_from_slice(head.as_bytes());
        people
            .data
            .extend_from_slice(&pad.as_bytes()[..PERSON_BYTES - head.len() - tail.len()]);
        people.data.extend_from_slice(tail.as_bytes());
        people.offsets.push(people.data.len() as u32);
    }
    let mut t = raw::touches(&[]);
    t.row = (first..first + n).collect();
    let same = |s: &str| raw::Strings {
        offsets: (0..=n as u32).map(|i| i * s.len() as u32).collect(),
        data: s.repeat(n as usize).into_bytes(),
    };
    t.person = people;
    t.account = same("greedy.invalid");
    t.time = raw::times(n as usize, 1_789_473_600_000);
    t.channel = same("greedy");
    for c in [
        &mut t.source,
        &mut t.medium,
        &mut t.campaign,
        &mut t.asset,
        &mut t.region,
        &mut t.segment,
        &mut t.touch_type,
    ] {
        *c = same("");
    }
    t
}

fn greedy(s: &mut State, chunk: Option<&[u8]>) -> raw::Batch {
    if let Some(c) = chunk {
        s.bytes += c.len() as u64;
    }
    match s.mode.as_str() {
        "inflate" => {
            let first = s.rows_read + 1;
            let n = INFLATE_ROWS.min(s.bytes - s.rows_read);
            s.rows_read += n;
            let mut b = raw::empty_batch(s.rows_read);
            b.touches = inflated(first, n);
            b
        }
        "rows-across-calls" => {
            // Rows 1 and 2 get one touch each, row 3 sixteen; `finish` adds sixteen
            // more to row 3 (rows read stays 3).
            let mut b = raw::empty_batch(3);
            b.touches = raw::touches(&if chunk.is_some() {
                [&[1u64, 2][..], &[3; 16]].concat()
            } else {
                vec![3; 16]
            });
            b
        }
        "nul" => {
            // Everything in the first call; nothing after.
            if s.rows_read > 0 {
                return raw::empty_batch(s.rows_read);
            }
            s.rows_read = 3;
            let mut b = raw::empty_batch(3);
            let mut t = raw::touches(&[1, 2]);
            t.campaign = raw::strings(&["spring\0launch", "spring\0launch"]);
            t.segment = raw::strings(&["\x1b]0;pwned\x07", "\x1b[2Jwiped"]);
            b.touches = t;
            b.rejects = vec![raw::Reject {
                row: 3,
                column: "col\0umn".into(),
                reason: "bad\0value \x1b[31mred\x1b[0m\tand\r\nmore".into(),
            }];
            b
        }
        _ => {
            if std::hint::black_box(true) {
                std::process::exit(1);
            }
            raw::empty_batch(0)
        }
    }
}

fn inflated_rows(s: &mut State) -> raw::Batch {
    s.calls += 1;
    match s.mode.as_str() {
        "rows" => raw::empty_batch(1 << 40),
        "max" => raw::empty_batch(u64::MAX),
        "records" => {
            let mut b = raw::empty_batch(1);
            b.touches = raw::touches(&vec![1; 100_000]);
            b
        }
        // 2 rows, then 1.
        _ => {
            let rows = if s.calls == 1 { 2 } else { 1 };
            let mut b = raw::empty_batch(rows);
            b.touches = raw::touches(&(1..=rows).collect::<Vec<_>>());
            b
        }
    }
}

#[inline(never)]
fn dive(n: u64, a: u64) -> u64 {
    let _ = writeln!(std::io::stderr(), "{n}");
    if std::hint::black_box(n) == u64::MAX {
        return a;
    }
    dive(n + 1, a.rotate_left(5) ^ n).wrapping_mul(7) ^ a
}
