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

use crate::cli::{Format, Global};
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
    /// List the plugins a name finds: each one's kind, version and the file it was found in,
    /// in search-path order (--plugin-dir, $ASCRIBE_PLUGIN_PATH, beside the binary, installed).
    List {
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
}

pub fn run(cmd: PluginCommand, global: &Global) -> anyhow::Result<ExitCode> {
    match cmd {
        PluginCommand::Inspect { plugin, format } => inspect(&plugin, format, global),
        PluginCommand::New(a) => new::run(a),
        PluginCommand::Check(a) => check::run(a, global),
        PluginCommand::Lock(a) => lock::run(a, global),
        PluginCommand::List { format } => list(format, global),
    }
}

fn list(format: Format, global: &Global) -> anyhow::Result<ExitCode> {
    let rt = global.runtime(false)?;
    let dirs = crate::plugin_path::search_path(&global.plugin_dir);
    let mut rows = vec![];
    for (name, path, shadowed) in crate::plugin_path::listing(&global.plugin_dir) {
        // A file that does not load is listed with its error: it is what a lookup finds.
        let (kind, version) = match rt.load(&path, None, Limits::default()) {
            Ok(p) => {
                let v = match p.info() {
                    PluginInfo::Model(i) => i.version.clone(),
                    PluginInfo::Normalizer(i) => i.version.clone(),
                    PluginInfo::Pending => String::new(),
                };
                (p.contract.kind().to_string(), v)
            }
            Err(e) => ("unloadable".to_string(), format!("{e:#}")),
        };
        rows.push((name, kind, version, path, shadowed));
    }
    match format {
        Format::Json => {
            let v = json!({
                "search_path": dirs.iter().map(|d| d.display().to_string()).collect::<Vec<_>>(),
                "plugins": rows.iter().map(|(n, k, v, p, s)| json!({
                    "name": n, "kind": k, "version": v, "path": p.display().to_string(),
                    "shadows": s.iter().map(|x| x.display().to_string()).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
            });
            crate::outln!("{}", serde_json::to_string_pretty(&v)?);
        }
        Format::Table => {
            crate::outln!("search path (first match wins):");
            for d in &dirs {
                crate::outln!("  {}", d.display());
            }
            if rows.is_empty() {
                crate::outln!(
                    "no plugins found: build them with `cargo xtask plugins`, install them with `cargo xtask install`, or point ascribe at them with --plugin-dir DIR or $ASCRIBE_PLUGIN_PATH"
                );
            }
            for (n, k, v, p, s) in &rows {
                crate::outln!("{n:<16} {k:<11} {v:<10} {}", p.display());
                for x in s {
                    crate::outln!("{:<39} (shadows {})", "", x.display());
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
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
