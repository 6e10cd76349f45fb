//! A normalizer that recurses without bound inside `push`, writing to stderr (a host call)
//! in every frame. Normalizers run on the host's per-partner threads, whose stacks are
//! smaller than the main thread's: the wasm stack limit must trap it, and the host code
//! it calls at the deepest point must still have room.
use std::cell::Cell;
use std::io::Write;

include!("../../common.rs");

#[inline(never)]
fn dive(n: u64, a: u64) -> u64 {
    let _ = writeln!(std::io::stderr(), "{n}");
    if std::hint::black_box(n) == u64::MAX {
        return a;
    }
    dive(n + 1, a.rotate_left(5) ^ n).wrapping_mul(7) ^ a
}

pub struct Session(Cell<u64>);

impl raw::GuestSession for Session {
    fn push(&self, chunk: Vec<u8>) -> Result<raw::Batch, raw::NormalizeError> {
        let d = dive(chunk.len() as u64, self.0.get());
        self.0.set(d);
        Ok(raw::empty_batch(0))
    }
    fn finish(&self) -> Result<raw::Batch, raw::NormalizeError> {
        Ok(raw::empty_batch(0))
    }
}

pub struct RecursiveNormalizer;
impl raw::Guest for RecursiveNormalizer {
    type Session = Session;
    fn info() -> raw::PluginInfo {
        raw::info("recursive-normalizer", &[])
    }
    fn open(
        _: raw::SourceInfo,
        _: Vec<(String, String)>,
    ) -> Result<raw::Session, raw::NormalizeError> {
        Ok(raw::Session::new(Session(Cell::new(1))))
    }
}

#[cfg(target_arch = "wasm32")]
ascribe_sdk::normalizer::bindings::__ascribe_export_normalizer_world!(RecursiveNormalizer with_types_in ascribe_sdk::normalizer::bindings);
