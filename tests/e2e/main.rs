//! End-to-end tests: one binary, one module per feature (wasmtime's layout). They need the
//! plugins built for wasm32-wasip2: `cargo xtask test` builds them first.

mod support;

mod bad_input;
mod compare;
mod contracts;
mod dashboard;
mod hostile;
mod locale;
mod paths;
mod plan;
mod plugin_kit;
mod runtime;
mod track_source;
