//! ascribe: attribution for partner co-marketing campaigns.
//!
//! The pipeline is gather → normalize → attribute → insights → report; see
//! `docs/architecture.md` for the map of modules.

pub mod alloc;
pub mod attribute;
pub mod campaign;
pub mod cli;
pub mod compare;
pub mod data;
pub mod guardrails;
pub mod insights;
pub mod normalize;
pub mod paths;
pub mod plugin_path;
pub mod privacy;
pub mod report;
pub mod runtime;

/// Large blocks on huge pages for every binary linking this library (the `ascribe`
/// binary, the benches, the tests), so native and sandboxed work are measured alike.
#[global_allocator]
static GLOBAL: alloc::HugePageAlloc = alloc::HugePageAlloc;

/// Test hook for crash-safety tests: when `ASCRIBE_FAIL_AT` names this point, fail here as
/// a crash between two steps would. Costs one environment lookup per point.
pub fn fail_point(name: &str) -> anyhow::Result<()> {
    if std::env::var("ASCRIBE_FAIL_AT").is_ok_and(|v| v == name) {
        anyhow::bail!("injected failure at {name} (ASCRIBE_FAIL_AT)");
    }
    Ok(())
}
pub mod plan;
pub mod track;
