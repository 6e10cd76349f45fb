//! End-to-end tests: one binary, one module per feature (wasmtime's layout). They need the
//! plugins built for wasm32-wasip2: `cargo xtask test` builds them first.

// Test output is ours, not partner text: host/clippy.toml's print ban is for the host.
#![allow(clippy::disallowed_macros)]

mod support;

mod atomic;
mod bad_input;
mod bounds;
mod cache;
mod compare;
mod contracts;
mod credits;
mod dashboard;
mod files;
mod hostile;
mod install;
mod intervals;
mod journey_filters;
mod json_schema;
mod locale;
mod merge;
mod order_auto;
mod params;
mod parquet_out;
mod path_analytics;
mod paths;
mod paths_explain;
mod pipeline;
mod plan;
mod plugin_kit;
mod report_facts;
mod runtime;
mod stages;
mod taxonomy;
mod times;
mod track_source;
mod trends;
mod untrusted_text;
