//! A normalizer whose row accounting is a lie, by `mode`: `rows` claims 2^40 rows read
//! after the first chunk, `max` claims u64::MAX, `records` returns 100,000 touches for one
//! row, `backwards` reports fewer rows read than before. The host must refuse each without
//! trusting the number (allocating per claimed row would take it down).
use std::cell::RefCell;

include!("../../common.rs");

pub const MODES: &[&str] = &["rows", "max", "records", "backwards"];

pub struct State {
    mode: String,
    calls: u64,
}

pub struct Session(RefCell<State>);

impl Session {
    fn batch(&self) -> raw::Batch {
        let mut s = self.0.borrow_mut();
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
}

impl raw::GuestSession for Session {
    fn push(&self, _: Vec<u8>) -> Result<raw::Batch, raw::NormalizeError> {
        Ok(self.batch())
    }
    fn finish(&self) -> Result<raw::Batch, raw::NormalizeError> {
        Ok(self.batch())
    }
}

pub struct InflatedRows;
impl raw::Guest for InflatedRows {
    type Session = Session;
    fn info() -> raw::PluginInfo {
        raw::info("inflated-rows", &[("mode", "rows")])
    }
    fn open(
        _: raw::SourceInfo,
        params: Vec<(String, String)>,
    ) -> Result<raw::Session, raw::NormalizeError> {
        let mode = raw::param(&params, "mode", "rows").to_string();
        if !MODES.contains(&mode.as_str()) {
            return Err(raw::NormalizeError::InvalidParam(format!(
                "unknown mode `{mode}`"
            )));
        }
        Ok(raw::Session::new(Session(RefCell::new(State {
            mode,
            calls: 0,
        }))))
    }
}

#[cfg(target_arch = "wasm32")]
ascribe_sdk::normalizer::bindings::__ascribe_export_normalizer_world!(InflatedRows with_types_in ascribe_sdk::normalizer::bindings);
