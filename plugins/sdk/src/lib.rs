//! Guest SDK for ascribe plugins.
//!
//! A plugin author writes plain Rust against [`model::Model`] or [`normalizer::Normalizer`]
//! (or the CSV/line helpers built on it) and exports it with one macro:
//! [`export_model!`] or [`export_normalizer!`]. The SDK owns the wit-bindgen bindings,
//! packs columns, parses parameters with their declared defaults, and streams CSV records
//! across chunk boundaries, so authors never touch offsets or the contract's raw types.
//!
//! Everything here also compiles natively, so plugin logic is unit-tested with plain
//! `cargo test` before it is ever built for `wasm32-wasip2`.

pub mod cells;
pub mod csv;
pub mod lines;
pub mod model;
pub mod normalizer;
pub mod params;
#[cfg(feature = "testing")]
pub mod testing;
pub mod time;

pub use params::{ParamSpec, Params};
