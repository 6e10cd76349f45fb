//! A normalizer whose `info` is 66 MB: a 66,000,000-byte description, under a name that
//! holds a terminal escape (`\x1b]0;pwned\x07` sets a terminal's title). The host bounds
//! what it lifts from `info` (64 KiB), so the description is never copied out of the
//! plugin and the name is never read: the size check comes first, and the error names the
//! file. (The name check itself is a unit test in the host.)
include!("../../common.rs");

pub struct FatInfo;
pub struct Session;

impl raw::GuestSession for Session {
    fn push(&self, _: Vec<u8>) -> Result<raw::Batch, raw::NormalizeError> {
        Ok(raw::empty_batch(0))
    }
    fn finish(&self) -> Result<raw::Batch, raw::NormalizeError> {
        Ok(raw::empty_batch(0))
    }
}

impl raw::Guest for FatInfo {
    type Session = Session;
    fn info() -> raw::PluginInfo {
        let mut i = raw::info("fat-info\x1b]0;pwned\x07", &[]);
        i.description = "x".repeat(66_000_000);
        i
    }
    fn open(
        _: raw::SourceInfo,
        _: Vec<(String, String)>,
    ) -> Result<raw::Session, raw::NormalizeError> {
        Ok(raw::Session::new(Session))
    }
}

#[cfg(target_arch = "wasm32")]
ascribe_sdk::normalizer::bindings::__ascribe_export_normalizer_world!(FatInfo with_types_in ascribe_sdk::normalizer::bindings);
