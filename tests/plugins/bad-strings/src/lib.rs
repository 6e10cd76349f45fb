//! A normalizer that builds its own packed-string columns, bypassing the SDK's builders,
//! and spoils `touches.channel` (or a reject's text) the way `mode` says. Every line of the
//! file is a row; each row gets one otherwise valid touch.
use std::cell::RefCell;

include!("../../common.rs");

pub const MODES: &[&str] = &[
    "out-of-bounds",
    "decreasing",
    "not-from-zero",
    "invalid-utf8",
    "split-char",
    "offset-count",
    "no-offsets",
    "invalid-utf8-reject",
];

/// Corrupts a valid batch according to `mode`.
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

pub struct Lines {
    mode: String,
    tail: Vec<u8>,
    rows: u64,
}

impl Lines {
    fn batch(&mut self, chunk: &[u8], eof: bool) -> raw::Batch {
        let n = raw::take_lines(&mut self.tail, chunk, eof);
        let rows: Vec<u64> = (self.rows + 1..=self.rows + n).collect();
        self.rows += n;
        let mut b = raw::empty_batch(self.rows);
        b.touches = raw::touches(&rows);
        spoil(&self.mode, &mut b);
        b
    }
}

pub struct Session(RefCell<Lines>);

impl raw::GuestSession for Session {
    fn push(&self, chunk: Vec<u8>) -> Result<raw::Batch, raw::NormalizeError> {
        Ok(self.0.borrow_mut().batch(&chunk, false))
    }
    fn finish(&self) -> Result<raw::Batch, raw::NormalizeError> {
        Ok(self.0.borrow_mut().batch(&[], true))
    }
}

pub struct BadStrings;
impl raw::Guest for BadStrings {
    type Session = Session;
    fn info() -> raw::PluginInfo {
        raw::info("bad-strings", &[("mode", "out-of-bounds")])
    }
    fn open(
        _: raw::SourceInfo,
        params: Vec<(String, String)>,
    ) -> Result<raw::Session, raw::NormalizeError> {
        let mode = raw::param(&params, "mode", "out-of-bounds").to_string();
        if !MODES.contains(&mode.as_str()) {
            return Err(raw::NormalizeError::InvalidParam(format!(
                "unknown mode `{mode}`"
            )));
        }
        Ok(raw::Session::new(Session(RefCell::new(Lines {
            mode,
            tail: vec![],
            rows: 0,
        }))))
    }
}

#[cfg(target_arch = "wasm32")]
ascribe_sdk::normalizer::bindings::__ascribe_export_normalizer_world!(BadStrings with_types_in ascribe_sdk::normalizer::bindings);
