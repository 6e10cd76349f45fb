//! `ascribe plugin new`: writes a standalone plugin project that builds a working
//! component. Everything it writes is embedded in this binary (`host/templates/`, the WIT
//! contracts, and the SDK's sources), because the partner engineer who runs it has the
//! binary and a package registry, not this repository.
//!
//! A Rust project gets the SDK itself, vendored: `vendor/ascribe-sdk/` holds
//! `plugins/sdk/src/*.rs` byte for byte (embedded here with `include_str!`, so there is one
//! copy of the kit and it cannot drift), and the contracts sit in `wit/<contract>/` where
//! the SDK's `wit_bindgen::generate!` finds them (`../../wit/…` from the SDK's directory,
//! as in this repository). The project depends on it by path, so it builds anywhere with
//! crates.io alone, and its code reads like the bundled plugins' (`ascribe_sdk::…`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, ValueEnum};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Kind {
    Normalizer,
    Model,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Lang {
    Rust,
    Python,
}

#[derive(Args, Debug)]
pub struct NewArgs {
    /// What the plugin does: read a partner's export (normalizer) or attribute credit (model).
    #[arg(long, value_enum)]
    pub kind: Kind,
    /// The language of the project.
    #[arg(long, value_enum)]
    pub lang: Lang,
    /// The plugin's name: lower-case letters, digits and '-', starting with a letter.
    pub name: String,
    /// Where to create the project (must not exist, or be empty) [default: ./NAME].
    pub dir: Option<PathBuf>,
}

/// The wit-bindgen the Rust templates use: the version this workspace builds its own
/// plugins with (a test keeps the two equal).
pub const WIT_BINDGEN_VERSION: &str = "0.61.1";

/// componentize-py's release line the Python templates were tested with.
pub const COMPONENTIZE_PY_VERSION: &str = "0.25";

const WIT_NORMALIZER: &str = include_str!("../../../../wit/normalizer-0.1.0/normalizer.wit");
const WIT_MODEL: &str = include_str!("../../../../wit/model-0.4.0/model.wit");
/// The Python model template still targets the frozen 0.1.0 contract (every column sent);
/// the host runs both.
const WIT_MODEL_V0_1: &str = include_str!("../../../../wit/model-0.1.0/model.wit");

/// The SDK's sources, vendored into every Rust project: (file under `src/`, text).
const SDK_SOURCES: &[(&str, &str)] = &[
    ("lib.rs", include_str!("../../../../plugins/sdk/src/lib.rs")),
    (
        "cells.rs",
        include_str!("../../../../plugins/sdk/src/cells.rs"),
    ),
    ("csv.rs", include_str!("../../../../plugins/sdk/src/csv.rs")),
    (
        "lines.rs",
        include_str!("../../../../plugins/sdk/src/lines.rs"),
    ),
    (
        "model.rs",
        include_str!("../../../../plugins/sdk/src/model.rs"),
    ),
    (
        "normalizer.rs",
        include_str!("../../../../plugins/sdk/src/normalizer.rs"),
    ),
    (
        "params.rs",
        include_str!("../../../../plugins/sdk/src/params.rs"),
    ),
    (
        "testing.rs",
        include_str!("../../../../plugins/sdk/src/testing.rs"),
    ),
    (
        "time.rs",
        include_str!("../../../../plugins/sdk/src/time.rs"),
    ),
];
const SDK_CARGO: &str = include_str!("../../../../plugins/sdk/Cargo.toml");

const T_CARGO: &str = include_str!("../../../templates/rust/Cargo.toml.tmpl");
const T_RUST_GITIGNORE: &str = include_str!("../../../templates/rust/gitignore");
const T_RN_LIB: &str = include_str!("../../../templates/rust-normalizer/src/lib.rs");
const T_RN_README: &str = include_str!("../../../templates/rust-normalizer/README.md");
const T_RM_LIB: &str = include_str!("../../../templates/rust-model/src/lib.rs");
const T_RM_README: &str = include_str!("../../../templates/rust-model/README.md");
const T_PY_KIT: &str = include_str!("../../../templates/python/ascribe_kit.py");
const T_PY_GITIGNORE: &str = include_str!("../../../templates/python/gitignore");
const T_PN_APP: &str = include_str!("../../../templates/python-normalizer/app.py");
const T_PN_SESSION: &str = include_str!("../../../templates/python-normalizer/normalize.py");
const T_PN_PLUGIN: &str = include_str!("../../../templates/python-normalizer/plugin.py");
const T_PN_TEST: &str = include_str!("../../../templates/python-normalizer/test_plugin.py");
const T_PN_README: &str = include_str!("../../../templates/python-normalizer/README.md");
const T_PM_APP: &str = include_str!("../../../templates/python-model/app.py");
const T_PM_PLUGIN: &str = include_str!("../../../templates/python-model/plugin.py");
const T_PM_TEST: &str = include_str!("../../../templates/python-model/test_plugin.py");
const T_PM_README: &str = include_str!("../../../templates/python-model/README.md");
const SAMPLE_TOUCHES: &str = include_str!("../../../templates/samples/touches.csv");
const SAMPLE_PATHS: &str = include_str!("../../../templates/samples/paths.csv");

/// A file of a generated project: where it goes, and its text before substitution.
pub struct TemplateFile {
    pub path: String,
    pub text: String,
}

/// The SDK's manifest as a standalone crate: the workspace's shared fields written out.
fn sdk_manifest() -> String {
    let text = SDK_CARGO
        .replace(
            "version.workspace = true",
            &format!("version = \"{}\"", env!("CARGO_PKG_VERSION")),
        )
        .replace("edition.workspace = true", "edition = \"2024\"")
        .replace("license.workspace = true", "license = \"Apache-2.0\"")
        .replace(
            "wit-bindgen = { workspace = true }",
            &format!("wit-bindgen = \"{WIT_BINDGEN_VERSION}\""),
        );
    format!(
        "# ascribe's Rust SDK {}, vendored by `ascribe plugin new`: the same sources ascribe's\n# own plugins build with. Yours to change; a newer ascribe vendors a newer one.\n{text}",
        env!("CARGO_PKG_VERSION")
    )
}

/// The vendored SDK and the contracts its bindings are generated from.
fn sdk_files() -> Vec<TemplateFile> {
    let mut files: Vec<TemplateFile> = SDK_SOURCES
        .iter()
        .map(|(name, text)| TemplateFile {
            path: format!("vendor/ascribe-sdk/src/{name}"),
            text: text.to_string(),
        })
        .collect();
    files.push(TemplateFile {
        path: "vendor/ascribe-sdk/Cargo.toml".into(),
        text: sdk_manifest(),
    });
    for (path, text) in [
        ("wit/normalizer-0.1.0/normalizer.wit", WIT_NORMALIZER),
        ("wit/model-0.4.0/model.wit", WIT_MODEL),
    ] {
        files.push(TemplateFile {
            path: path.into(),
            text: text.to_string(),
        });
    }
    files
}

/// The files of a project of this kind and language, before `{{…}}` substitution.
pub fn files(kind: Kind, lang: Lang) -> Vec<TemplateFile> {
    let f = |path: &str, text: &str| TemplateFile {
        path: path.to_string(),
        text: text.to_string(),
    };
    match (kind, lang) {
        (Kind::Normalizer, Lang::Rust) => vec![
            f("Cargo.toml", T_CARGO),
            f(".gitignore", T_RUST_GITIGNORE),
            f("README.md", T_RN_README),
            f("src/lib.rs", T_RN_LIB),
            f("sample/touches.csv", SAMPLE_TOUCHES),
        ]
        .into_iter()
        .chain(sdk_files())
        .collect(),
        (Kind::Model, Lang::Rust) => vec![
            f("Cargo.toml", T_CARGO),
            f(".gitignore", T_RUST_GITIGNORE),
            f("README.md", T_RM_README),
            f("src/lib.rs", T_RM_LIB),
            f("sample/paths.csv", SAMPLE_PATHS),
        ]
        .into_iter()
        .chain(sdk_files())
        .collect(),
        (Kind::Normalizer, Lang::Python) => vec![
            f(".gitignore", T_PY_GITIGNORE),
            f("README.md", T_PN_README),
            f("wit/normalizer.wit", WIT_NORMALIZER),
            f("app.py", T_PN_APP),
            f("normalize.py", T_PN_SESSION),
            f("plugin.py", T_PN_PLUGIN),
            f("ascribe_kit.py", T_PY_KIT),
            f("test_plugin.py", T_PN_TEST),
            f("sample/touches.csv", SAMPLE_TOUCHES),
        ],
        (Kind::Model, Lang::Python) => vec![
            f(".gitignore", T_PY_GITIGNORE),
            f("README.md", T_PM_README),
            f("wit/model.wit", WIT_MODEL_V0_1),
            f("app.py", T_PM_APP),
            f("plugin.py", T_PM_PLUGIN),
            f("ascribe_kit.py", T_PY_KIT),
            f("test_plugin.py", T_PM_TEST),
            f("sample/paths.csv", SAMPLE_PATHS),
        ],
    }
}

/// A plugin name: also a crate name, a file name and the name the host shows.
pub fn check_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.ends_with('-')
        && !name.contains("--");
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{name}` is not a plugin name: use 1 to 64 lower-case letters, digits and single '-', starting with a letter (e.g. `acme-events`)"
        ))
    }
}

/// The two commands a project's README gives: build it, then check the result.
pub fn commands(kind: Kind, lang: Lang, name: &str) -> (String, String) {
    let sample = match kind {
        Kind::Normalizer => "sample/touches.csv",
        Kind::Model => "sample/paths.csv",
    };
    let (build, wasm) = match lang {
        Lang::Rust => (
            "cargo build --release --target wasm32-wasip2".to_string(),
            format!(
                "target/wasm32-wasip2/release/{}.wasm",
                name.replace('-', "_")
            ),
        ),
        Lang::Python => (
            format!(
                "componentize-py -d wit -w {} componentize app -o {name}.wasm --stub-wasi",
                world(kind)
            ),
            format!("{name}.wasm"),
        ),
    };
    (
        build,
        format!("ascribe plugin check {wasm} --sample {sample}"),
    )
}

fn world(kind: Kind) -> &'static str {
    match kind {
        Kind::Normalizer => "normalizer-plugin",
        Kind::Model => "model-plugin",
    }
}

/// Writes the project; returns the files written, relative to `dir`.
pub fn generate(kind: Kind, lang: Lang, name: &str, dir: &Path) -> anyhow::Result<Vec<String>> {
    check_name(name).map_err(anyhow::Error::msg)?;
    if dir.exists() {
        let empty = dir
            .read_dir()
            .with_context(|| format!("reading {}", dir.display()))?
            .next()
            .is_none();
        if !dir.is_dir() || !empty {
            anyhow::bail!(
                "{} already exists and is not an empty directory; choose another place for the project",
                dir.display()
            );
        }
    }
    let (build, check) = commands(kind, lang, name);
    let subst = |text: &str| {
        text.replace("{{name}}", name)
            .replace("{{crate}}", &name.replace('-', "_"))
            .replace("{{ascribe_version}}", env!("CARGO_PKG_VERSION"))
            .replace("{{wit_bindgen_version}}", WIT_BINDGEN_VERSION)
            .replace("{{componentize_py_version}}", COMPONENTIZE_PY_VERSION)
            .replace("{{build_command}}", &build)
            .replace("{{check_command}}", &check)
    };
    let mut written = vec![];
    for f in files(kind, lang) {
        let path = dir.join(&f.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating {}", parent.display()))?;
        }
        // The vendored SDK is written byte for byte: it is the SDK, not a template.
        let text = if f.path.starts_with("vendor/") {
            f.text
        } else {
            subst(&f.text)
        };
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
        written.push(f.path);
    }
    Ok(written)
}

pub fn run(a: NewArgs) -> anyhow::Result<ExitCode> {
    let dir = a.dir.clone().unwrap_or_else(|| PathBuf::from(&a.name));
    let files = generate(a.kind, a.lang, &a.name, &dir)?;
    let (build, check) = commands(a.kind, a.lang, &a.name);
    let kind = match a.kind {
        Kind::Normalizer => "normalizer",
        Kind::Model => "model",
    };
    let lang = match a.lang {
        Lang::Rust => "Rust",
        Lang::Python => "Python",
    };
    crate::outln!(
        "created {kind} plugin `{}` ({lang}) in {} ({} files)",
        a.name,
        dir.display(),
        files.len()
    );
    match a.lang {
        Lang::Rust => crate::outln!("  needs   rustup target add wasm32-wasip2"),
        Lang::Python => crate::outln!("  needs   pip install componentize-py"),
    }
    crate::outln!(
        "  test    {}",
        match a.lang {
            Lang::Rust => "cargo test",
            Lang::Python => "python3 -m unittest",
        }
    );
    crate::outln!("  build   {build}");
    crate::outln!("  check   {check}");
    crate::outln!("  (run them in {}; README.md says more)", dir.display());
    Ok(ExitCode::SUCCESS)
}
