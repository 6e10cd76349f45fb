//! `ascribe plugin …`: the plugin author's kit. `inspect` shows a component, `new`
//! scaffolds a project (`new.rs`), `check` runs one on a sample under production limits
//! (`check.rs`), `lock` pins a campaign's plugins (`lock.rs`).

mod check;
mod lock;
mod new;
mod sample;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;
use serde_json::json;

use super::{Format, Global};
use crate::runtime::{Limits, PluginInfo};

#[derive(Subcommand, Debug)]
pub enum PluginCommand {
    /// Show a plugin's kind, contract, name, version, parameters, size and sha256.
    Inspect {
        /// A .wasm file, or the name of a plugin on the search path.
        plugin: String,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Create a plugin project (Rust or Python) that builds a working component.
    New(new::NewArgs),
    /// Run a plugin on a sample under production limits; report usage and contract violations.
    Check(check::CheckArgs),
    /// Write the sha256 pin of every plugin a campaign names into its campaign file.
    Lock(lock::LockArgs),
}

pub fn run(cmd: PluginCommand, global: &Global) -> anyhow::Result<ExitCode> {
    match cmd {
        PluginCommand::Inspect { plugin, format } => inspect(&plugin, format, global),
        PluginCommand::New(a) => new::run(a),
        PluginCommand::Check(a) => check::run(a, global),
        PluginCommand::Lock(a) => lock::run(a, global),
    }
}

fn inspect(spec: &str, format: Format, global: &Global) -> anyhow::Result<ExitCode> {
    let path: PathBuf =
        crate::plugin_path::resolve(spec, None, &global.plugin_dir).map_err(anyhow::Error::msg)?;
    let rt = global.runtime(false)?;
    let p = rt
        .load(&path, None, Limits::default())
        .with_context(|| format!("inspecting {}", path.display()))?;
    let (name, version, description, params, extra) = match p.info() {
        PluginInfo::Model(i) => (
            &i.name,
            &i.version,
            &i.description,
            &i.params,
            json!({"inputs": i.inputs.names(), "merges_paths": i.may_merge_paths(), "key_scores": i.key_scores}),
        ),
        PluginInfo::Normalizer(i) => (
            &i.name,
            &i.version,
            &i.description,
            &i.params,
            json!({"accepts": i.accepts}),
        ),
        PluginInfo::Pending => unreachable!("load() fetches info"),
    };
    match format {
        Format::Json => {
            let v = json!({
                "kind": p.contract.kind(),
                "contract": p.contract.package(),
                "name": name,
                "version": version,
                "description": description,
                "params": params,
                "size_bytes": p.size,
                "sha256": format!("sha256:{}", p.sha256),
                "path": path.display().to_string(),
                "details": extra,
            });
            crate::outln!("{}", serde_json::to_string_pretty(&v)?);
        }
        Format::Table => {
            crate::outln!(
                "{name} {version}  ({} plugin, contract {})",
                p.contract.kind(),
                p.contract.package()
            );
            crate::outln!("  {description}");
            crate::outln!("  file    {}", path.display());
            crate::outln!("  size    {} bytes", p.size);
            crate::outln!("  sha256  sha256:{}", p.sha256);
            if let Some(obj) = extra.as_object() {
                for (k, v) in obj {
                    crate::outln!("  {k:<17} {v}");
                }
            }
            if params.is_empty() {
                crate::outln!("  parameters: none");
            } else {
                crate::outln!("  parameters:");
                for prm in params {
                    crate::outln!(
                        "    {:<16} default {:<10} {}",
                        prm.name,
                        format!("`{}`", prm.default_value),
                        prm.description
                    );
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
