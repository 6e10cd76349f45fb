//! With the `bundle` feature (maturin builds, pyproject.toml), embeds the bundled plugins —
//! every model and normalizer, built for wasm32-wasip2 — in the extension, so that the
//! wheel is the only thing to install. They come from `$ASCRIBE_BUNDLE_PLUGINS` when set
//! (`cargo xtask python` points it at the `target/plugins` it just built), else this script
//! builds them with `cargo xtask plugins` into its own target directory: the one recipe
//! for plugins, so the wheel and the CLI carry the same bytes.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=ASCRIBE_BUNDLE_PLUGINS");
    if std::env::var_os("CARGO_FEATURE_BUNDLE").is_none() {
        return;
    }
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("python/ sits in the workspace")
        .to_path_buf();
    let dir = match std::env::var_os("ASCRIBE_BUNDLE_PLUGINS") {
        Some(d) => PathBuf::from(d),
        None => build_plugins(&root, &out),
    };
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("reading the bundled plugins in {}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "wasm"))
        .collect();
    files.sort();
    assert!(
        !files.is_empty(),
        "no .wasm files in {}: build them with `cargo xtask plugins`",
        dir.display()
    );
    let copies = out.join("plugins");
    std::fs::create_dir_all(&copies).unwrap();
    let mut code = String::from("pub const BUNDLED: &[(&str, &[u8])] = &[\n");
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
        let name = f.file_stem().unwrap().to_string_lossy().into_owned();
        let copy = copies.join(f.file_name().unwrap());
        std::fs::copy(f, &copy).unwrap_or_else(|e| panic!("copying {}: {e}", f.display()));
        code.push_str(&format!(
            "    ({name:?}, include_bytes!({:?})),\n",
            copy.display().to_string()
        ));
    }
    code.push_str("];\n");
    std::fs::write(out.join("bundled.rs"), code).unwrap();
}

/// `cargo xtask plugins` into a target directory of its own (the outer build holds the
/// workspace's), with the outer build's per-crate settings removed from the environment.
fn build_plugins(root: &Path, out: &Path) -> PathBuf {
    for dir in ["models", "plugins", "wit", "xtask"] {
        println!("cargo:rerun-if-changed={}", root.join(dir).display());
    }
    let target = out.join("plugin-build");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(root)
        .args(["run", "--quiet", "-p", "xtask", "--", "plugins"])
        .env("CARGO_TARGET_DIR", &target);
    for (k, _) in std::env::vars_os() {
        let k = k.to_string_lossy();
        if (k.starts_with("CARGO_") && k != "CARGO_HOME" && k != "CARGO_TARGET_DIR")
            || k == "RUSTFLAGS"
            || k == "RUSTC_WRAPPER"
            || k == "RUSTC_WORKSPACE_WRAPPER"
        {
            cmd.env_remove(k.as_ref());
        }
    }
    let status = cmd.status().expect("running cargo xtask plugins");
    assert!(
        status.success(),
        "building the bundled plugins failed (`cargo xtask plugins`, see above); the wasm32-wasip2 target is needed: `rustup target add wasm32-wasip2`"
    );
    target.join("plugins")
}
