//! ascribe: attribution for partner co-marketing campaigns.
//!
//! The pipeline is gather → normalize → attribute → insights → report; see
//! `docs/architecture.md` for the map of modules.

pub mod alloc;
pub mod cli;
pub mod commands;
pub mod data;
pub mod format;
pub use ascribe_runtime::fsx;
pub mod guardrails;
pub mod money;
pub mod pipeline;
pub mod plugin_path;
pub mod report;
pub use ascribe_runtime as runtime;
pub mod text;

/// Large blocks on huge pages for every binary linking this library (the `ascribe`
/// binary, the benches, the tests), so native and sandboxed work are measured alike.
#[global_allocator]
static GLOBAL: alloc::HugePageAlloc = alloc::HugePageAlloc;

/// Test hook for crash-safety tests: when `ASCRIBE_FAIL_AT` names this point, fail here as
/// an error between two steps would; when it names the point followed by `:abort`
/// (`report:after-exchange:abort`), end the process here as a kill would, with no
/// unwinding and no clean-up. Costs one environment lookup per point.
pub fn fail_point(name: &str) -> anyhow::Result<()> {
    let Ok(at) = std::env::var("ASCRIBE_FAIL_AT") else {
        return Ok(());
    };
    if at.strip_suffix(":abort") == Some(name) {
        std::process::abort();
    }
    if at == name {
        anyhow::bail!("injected failure at {name} (ASCRIBE_FAIL_AT)");
    }
    Ok(())
}
