//! A normalizer whose every answer passes the per-call checks, but which abuses the host,
//! by `mode`:
//!
//! - `inflate`: answers every chunk with one valid touch per byte-row it may claim (up to
//!   100,000 a call), each with its own 1,200-byte person: ~120 MiB of distinct records for
//!   a 1 MiB chunk. Before the host budgeted what it keeps per source, an 8 MiB export
//!   drove the host to gigabytes while the plugin stayed far inside its own memory limit.
//! - `rows-across-calls`: 16 records for row 3 in `push`, 16 more for row 3 in `finish`:
//!   the per-call check saw 16 each time.
//! - `nul`: valid touches whose campaign holds a NUL byte and whose segment a terminal
//!   escape sequence, and a reject whose reason holds both.
//! - `exit`: calls `std::process::exit(1)` in `push`.
use std::cell::RefCell;

include!("../../common.rs");

pub const MODES: &[&str] = &["inflate", "rows-across-calls", "nul", "exit"];

/// Touches per call in `inflate`, and the length of each one's person.
const INFLATE_ROWS: u64 = 100_000;
const PERSON_BYTES: usize = 1_200;

pub struct State {
    mode: String,
    /// Bytes pushed so far: the most rows the host lets a plugin claim.
    bytes: u64,
    rows_read: u64,
}

pub struct Session(RefCell<State>);

/// `n` valid touches for rows `first..first + n`, each with a distinct long person.
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

impl Session {
    fn batch(&self, chunk: Option<&[u8]>) -> raw::Batch {
        let mut s = self.0.borrow_mut();
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
}

impl raw::GuestSession for Session {
    fn push(&self, chunk: Vec<u8>) -> Result<raw::Batch, raw::NormalizeError> {
        Ok(self.batch(Some(&chunk)))
    }
    fn finish(&self) -> Result<raw::Batch, raw::NormalizeError> {
        Ok(self.batch(None))
    }
}

pub struct Greedy;
impl raw::Guest for Greedy {
    type Session = Session;
    fn info() -> raw::PluginInfo {
        raw::info("greedy", &[("mode", "inflate")])
    }
    fn open(
        _: raw::SourceInfo,
        params: Vec<(String, String)>,
    ) -> Result<raw::Session, raw::NormalizeError> {
        let mode = raw::param(&params, "mode", "inflate").to_string();
        if !MODES.contains(&mode.as_str()) {
            return Err(raw::NormalizeError::InvalidParam(format!(
                "unknown mode `{mode}`"
            )));
        }
        Ok(raw::Session::new(Session(RefCell::new(State {
            mode,
            bytes: 0,
            rows_read: 0,
        }))))
    }
}

#[cfg(target_arch = "wasm32")]
ascribe_sdk::normalizer::bindings::__ascribe_export_normalizer_world!(Greedy with_types_in ascribe_sdk::normalizer::bindings);
