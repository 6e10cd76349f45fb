//! Finds a plugin by name or path. A name (`linear`, `salesforce`) is looked up in the
//! plugin search path; anything with a `/` or ending in `.wasm` is a path, relative to the
//! campaign file when one is given. Adding a plugin never needs a rebuilt host.

use std::path::{Path, PathBuf};

/// Environment variable holding extra plugin directories (`:`-separated), searched first.
pub const PATH_ENV: &str = "ASCRIBE_PLUGIN_PATH";

/// The directories searched for a named plugin, in order: `extra` (from `--plugin-dir`),
/// `$ASCRIBE_PLUGIN_PATH`, the bundled plugins next to the binary (`<exe>/plugins` and
/// `<exe>/../plugins`, where `cargo xtask plugins` puts them, and
/// `<exe>/../share/ascribe/plugins`, where `cargo xtask install --prefix` does), then the installed ones
/// ([`installed_dir`], where `cargo xtask install` puts them, so a binary copied anywhere
/// or installed with `cargo install` still finds them).
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
            // `cargo xtask install --prefix P`: P/bin/ascribe beside P/share/ascribe/plugins.
            dirs.push(up.join("share/ascribe/plugins"));
        }
    }
    if let Some(d) = installed_dir()
        && !dirs.contains(&d)
    {
        dirs.push(d);
    }
    dirs
}

/// Where installed plugins live: `$XDG_DATA_HOME/ascribe/plugins`, by default
/// `~/.local/share/ascribe/plugins` (the XDG base directory rule).
pub fn installed_dir() -> Option<PathBuf> {
    let data = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))?;
    Some(data.join("ascribe/plugins"))
}

/// Every plugin on the search path: its name, the file that a lookup by name finds, and
/// the files of the same name further down the path that it shadows.
pub fn listing(extra: &[PathBuf]) -> Vec<(String, PathBuf, Vec<PathBuf>)> {
    let mut found: Vec<(String, PathBuf, Vec<PathBuf>)> = vec![];
    for d in search_path(extra) {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        let mut files: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "wasm"))
            .collect();
        files.sort();
        for p in files {
            let Some(name) = p.file_stem().map(|s| s.to_string_lossy().into_owned()) else {
                continue;
            };
            match found.iter_mut().find(|f| f.0 == name) {
                Some(f) => f.2.push(p),
                None => found.push((name, p, vec![])),
            }
        }
    }
    found.sort_by(|a, b| a.0.cmp(&b.0));
    found
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
