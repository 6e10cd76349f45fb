//! Finds a plugin by name or path. A name (`linear`, `salesforce`) is looked up in the
//! plugin search path; anything with a `/` or ending in `.wasm` is a path, relative to the
//! campaign file when one is given. Adding a plugin never needs a rebuilt host.

use std::path::{Path, PathBuf};

/// Environment variable holding extra plugin directories (`:`-separated), searched first.
pub const PATH_ENV: &str = "ASCRIBE_PLUGIN_PATH";

/// The directories searched for a named plugin, in order: `extra` (from `--plugin-dir`),
/// `$ASCRIBE_PLUGIN_PATH`, then the bundled plugins next to the binary (`<exe>/plugins`
/// and `<exe>/../plugins`, which is where `cargo xtask plugins` puts them).
pub fn search_path(extra: &[PathBuf]) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = extra.to_vec();
    if let Some(v) = std::env::var_os(PATH_ENV) {
        dirs.extend(std::env::split_paths(&v).filter(|p| !p.as_os_str().is_empty()));
    }
    if let Ok(exe) = std::env::current_exe()
        && let Some(dir) = exe.parent()
    {
        dirs.push(dir.join("plugins"));
        if let Some(up) = dir.parent() {
            dirs.push(up.join("plugins"));
        }
    }
    dirs
}

pub fn is_path(spec: &str) -> bool {
    spec.ends_with(".wasm") || spec.contains('/') || spec.contains('\\')
}

/// Resolves a plugin spec. Errors list where a name was looked for.
pub fn resolve(spec: &str, base: Option<&Path>, extra: &[PathBuf]) -> Result<PathBuf, String> {
    if is_path(spec) {
        let p = PathBuf::from(spec);
        return Ok(match base {
            Some(b) if p.is_relative() => b.join(p),
            _ => p,
        });
    }
    let dirs = search_path(extra);
    for d in &dirs {
        let candidate = d.join(format!("{spec}.wasm"));
        if candidate.is_file() {
            return Ok(candidate);
        }
    }
    let available = available(extra);
    Err(format!(
        "no plugin named `{spec}` in {}{}",
        if dirs.is_empty() {
            "the plugin search path (empty)".to_string()
        } else {
            dirs.iter()
                .map(|d| d.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        },
        if available.is_empty() {
            "; no plugins are installed there: build them with `cargo xtask plugins`, or point ascribe at them with --plugin-dir DIR or $ASCRIBE_PLUGIN_PATH".to_string()
        } else {
            format!("; available: {}", available.join(", "))
        }
    ))
}

/// Names of the plugins on the search path, sorted, first occurrence wins.
pub fn available(extra: &[PathBuf]) -> Vec<String> {
    let mut names: Vec<String> = vec![];
    for d in search_path(extra) {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.extension().is_some_and(|x| x == "wasm")
                && let Some(stem) = p.file_stem()
            {
                let s = stem.to_string_lossy().into_owned();
                if !names.contains(&s) {
                    names.push(s);
                }
            }
        }
    }
    names.sort();
    names
}
