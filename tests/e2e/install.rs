//! An installed ascribe finds its plugins (issue 22): a binary copied away from the build
//! tree finds the plugins `cargo xtask install` puts in `$XDG_DATA_HOME/ascribe/plugins`,
//! and `ascribe plugin list` says where each plugin was found and what it shadows.

use std::path::Path;
use std::process::Command;

use crate::support::{bundled, find_by, target_dir};

fn run(
    bin: &Path,
    home: &Path,
    args: &[&str],
    plugin_path: Option<&Path>,
) -> (i32, String, String) {
    let mut cmd = Command::new(bin);
    cmd.args(args)
        .arg("--cache-dir")
        .arg(home.join("cache"))
        .env_remove("ASCRIBE_PLUGIN_PATH")
        .env_remove("XDG_DATA_HOME")
        .env("HOME", home)
        .current_dir(home);
    if let Some(p) = plugin_path {
        cmd.env("ASCRIBE_PLUGIN_PATH", p);
    }
    let o = cmd.output().unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into(),
        String::from_utf8_lossy(&o.stderr).into(),
    )
}

#[test]
fn a_copied_binary_finds_the_installed_plugins_and_list_says_where() {
    let d = tempfile::tempdir().unwrap();
    let home = d.path().join("home");
    let installed = home.join(".local/share/ascribe/plugins");
    std::fs::create_dir_all(&installed).unwrap();
    std::fs::copy(bundled("linear"), installed.join("linear.wasm")).unwrap();
    // The binary alone in a folder with no plugins beside it or above it.
    let bin_dir = d.path().join("opt/bin");
    std::fs::create_dir_all(&bin_dir).unwrap();
    let bin = bin_dir.join("ascribe");
    std::fs::copy(env!("CARGO_BIN_EXE_ascribe"), &bin).unwrap();

    let (code, out, err) = run(
        &bin,
        &home,
        &["plugin", "inspect", "linear", "--format", "json"],
        None,
    );
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["name"], "linear");

    let (code, out, err) = run(&bin, &home, &["plugin", "list", "--format", "json"], None);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v["plugins"],
        serde_json::json!([{
            "name": "linear",
            "kind": "model",
            "version": "1.0.0",
            "path": installed.join("linear.wasm").display().to_string(),
            "shadows": [],
        }])
    );
    assert_eq!(
        v["search_path"].as_array().unwrap().last().unwrap(),
        &serde_json::json!(installed.display().to_string())
    );

    // A plugin directory named first wins, and the installed copy is listed as shadowed.
    let plugins = target_dir().join("plugins");
    let (code, out, err) = run(
        &bin,
        &home,
        &["plugin", "list", "--format", "json"],
        Some(&plugins),
    );
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let linear = find_by(&v["plugins"], "name", "linear");
    assert_eq!(
        linear["path"],
        plugins.join("linear.wasm").display().to_string()
    );
    assert_eq!(
        linear["shadows"],
        serde_json::json!([installed.join("linear.wasm").display().to_string()])
    );
    let salesforce = find_by(&v["plugins"], "name", "salesforce");
    assert_eq!(salesforce["kind"], "normalizer");

    // With nothing installed and nothing beside it, the binary says how to get plugins.
    std::fs::remove_file(installed.join("linear.wasm")).unwrap();
    let (code, _, err) = run(&bin, &home, &["plugin", "inspect", "linear"], None);
    assert_eq!(code, 1);
    assert!(
        err.contains("no plugins are installed there: build them with `cargo xtask plugins`, or point ascribe at them with --plugin-dir DIR or $ASCRIBE_PLUGIN_PATH"),
        "{err}"
    );
}
