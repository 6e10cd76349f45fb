//! Project tasks: `cargo xtask plugins | test | python | demo | bench | install`.
//!
//! Plugins are separate wasm32-wasip2 builds; cargo cannot build one crate for two targets
//! in one invocation, so this builds them all in one `cargo build`, then copies each
//! `.wasm` to `target/plugins/<name>.wasm` (bundled) or `target/test-plugins/` (the
//! hostile corpus), where the host finds them by name.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

const TARGET: &str = "wasm32-wasip2";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

/// (package, output name, bundled?) for every plugin crate in the workspace.
fn plugin_crates() -> Vec<(String, String, bool)> {
    let mut out = vec![];
    for (dir, prefix, bundled) in [
        ("models", "model-", true),
        ("plugins", "normalizer-", true),
        ("tests/plugins", "hostile-", false),
    ] {
        let Ok(entries) = std::fs::read_dir(root().join(dir)) else {
            continue;
        };
        let mut names: Vec<String> = entries
            .filter_map(|e| e.ok())
            .filter(|e| e.path().join("Cargo.toml").is_file())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n != "sdk")
            .collect();
        names.sort();
        for n in names {
            // `tests/plugins/hostile-model` is the package `hostile-model`, not
            // `hostile-hostile-model`.
            let pkg = if n.starts_with(prefix) {
                n.clone()
            } else {
                format!("{prefix}{n}")
            };
            out.push((pkg, n, bundled));
        }
    }
    out
}

fn ensure_target() -> Result<(), String> {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output();
    match installed {
        Ok(o)
            if String::from_utf8_lossy(&o.stdout)
                .lines()
                .any(|l| l.trim() == TARGET) =>
        {
            Ok(())
        }
        Ok(_) => {
            eprintln!("xtask: installing the {TARGET} target (plugins are built for it)");
            let ok = Command::new("rustup")
                .args(["target", "add", TARGET])
                .status()
                .map(|s| s.success())
                .unwrap_or(false);
            if ok {
                Ok(())
            } else {
                Err(format!(
                    "could not install the {TARGET} target: run `rustup target add {TARGET}` and check your network access to the Rust toolchain server"
                ))
            }
        }
        Err(_) => Err(format!(
            "rustup was not found: install Rust with rustup, then `rustup target add {TARGET}`"
        )),
    }
}

/// The Python example's kit, glue and contract are generated, not committed: the files
/// `plugin new` writes, from their single sources.
fn python_example_kit() -> Result<(), String> {
    let example = root().join("plugins/examples/python-normalizer");
    std::fs::create_dir_all(example.join("wit")).map_err(|e| e.to_string())?;
    for (from, to) in [
        ("host/templates/python/ascribe_kit.py", "ascribe_kit.py"),
        ("host/templates/python-normalizer/app.py", "app.py"),
        (
            "host/templates/python-normalizer/normalize.py",
            "normalize.py",
        ),
        ("wit/normalizer-0.1.0/normalizer.wit", "wit/normalizer.wit"),
    ] {
        let (from, to) = (root().join(from), example.join(to));
        std::fs::copy(&from, &to)
            .map_err(|e| format!("copy {} → {}: {e}", from.display(), to.display()))?;
    }
    Ok(())
}

fn build_plugins() -> Result<(), String> {
    ensure_target()?;
    python_example_kit()?;
    let crates = plugin_crates();
    let mut cmd = cargo();
    cmd.current_dir(root())
        .args(["build", "--target", TARGET, "--profile", "plugin"]);
    for (pkg, _, _) in &crates {
        cmd.args(["-p", pkg]);
    }
    let status = cmd.status().map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err("building the plugins failed (see cargo's output above)".into());
    }
    let target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"));
    let built = target_dir.join(TARGET).join("plugin");
    for (pkg, name, bundled) in &crates {
        let from = built.join(format!("{}.wasm", pkg.replace('-', "_")));
        let dir = target_dir.join(if *bundled { "plugins" } else { "test-plugins" });
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let to = dir.join(format!("{name}.wasm"));
        std::fs::copy(&from, &to)
            .map_err(|e| format!("copy {} → {}: {e}", from.display(), to.display()))?;
    }
    eprintln!(
        "xtask: {} plugins in {}",
        crates.len(),
        target_dir.join("plugins").display()
    );
    Ok(())
}

fn run(cmd: &mut Command) -> Result<(), String> {
    let status = cmd
        .current_dir(root())
        .status()
        .map_err(|e| format!("cannot run {cmd:?}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{cmd:?} failed"))
    }
}

/// The benchmark suite (docs/performance.md): the pipeline at each size (normalization
/// throughput, track-source end to end), what 200 bootstrap replicates of the intervals
/// add to track-source at 1M touches (rule-based and Markov), the model call path, `paths` with every model and
/// native against plugin, and ChannelAttribution on the same path tables; then the
/// generated section of docs/performance.md and its plot; the Python package against
/// ChannelAttribution in one process. Sizes default to 100k, 1M and 10M touches; `--no-ca`
/// skips both ChannelAttribution comparisons (its virtual env needs PyPI once).
fn bench(args: &[String]) -> Result<(), String> {
    demo_fixtures()?;
    build_plugins()?;
    run(cargo().args(["build", "--release", "-p", "ascribe", "-p", "ascribe-gen"]))?;
    let target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"));
    let json = target_dir.join("bench-data/json");
    let sizes: Vec<&str> = args
        .iter()
        .map(String::as_str)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let sizes = if sizes.is_empty() {
        vec!["100000", "1000000", "10000000"]
    } else {
        sizes
    };
    let bench = |name: &str, extra: &[&str]| {
        run(cargo()
            .args(["bench", "-p", "ascribe", "--bench", name, "--"])
            .args(extra)
            .env("BENCH_JSON_DIR", &json))
    };
    bench("pipeline", &sizes)?;
    // What the intervals on credit add at 1M touches (issue #19 item 5), on the pipeline
    // bench's 1M campaign.
    bench("intervals", &[])?;
    bench("call_path", &[])?;
    bench("paths", &[])?;
    let ca_json = target_dir.join("bench-data/ca/channelattribution.json");
    let mut report = Command::new("python3");
    report.arg("bench/report.py").arg(&json);
    if !args.iter().any(|a| a == "--no-ca") {
        run(Command::new("bash")
            .arg("bench/channelattribution.sh")
            .args(["--json"])
            .arg(&ca_json)
            .env("ASCRIBE", target_dir.join("release/ascribe"))
            .env("ASCRIBE_GEN", target_dir.join("release/ascribe-gen")))?;
        report.arg(&ca_json);
        python_bench(&target_dir)?;
    }
    run(&mut report)
}

/// The Python package against ChannelAttribution in one process (bench/python_markov.py):
/// the release wheel, installed into the virtual env channelattribution.sh set up.
fn python_bench(target_dir: &Path) -> Result<(), String> {
    let venv = std::env::var_os("BENCH_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| target_dir.join("bench-venv"));
    let py = venv.join("bin/python");
    // maturin builds the wheel; pyarrow is the package's one dependency that ChannelAttribution
    // does not bring (pandas it does).
    run(Command::new(&py).args([
        "-m",
        "pip",
        "install",
        "--quiet",
        "maturin>=1.5,<2",
        "pyarrow>=14",
    ]))?;
    install_wheel(&py, target_dir, "release")?;
    run(Command::new(&py)
        .arg("bench/python_markov.py")
        .arg(target_dir.join("release/ascribe-gen"))
        .arg(target_dir.join("bench-data/ca")))
}

/// Builds the package's wheel with cargo's `profile` (the bundled plugins from
/// `target/plugins`) into `target/wheels/<profile>` and installs it for `py`, replacing
/// any installed build of the same version.
fn install_wheel(py: &Path, target_dir: &Path, profile: &str) -> Result<(), String> {
    let wheels = target_dir.join("wheels").join(profile);
    let _ = std::fs::remove_dir_all(&wheels);
    let maturin = py.with_file_name("maturin");
    run(Command::new(&maturin)
        .args([
            "build",
            "--quiet",
            "-m",
            "python/Cargo.toml",
            "--profile",
            profile,
            "-o",
        ])
        .arg(&wheels)
        .arg("-i")
        .arg(py)
        .env("ASCRIBE_BUNDLE_PLUGINS", target_dir.join("plugins")))?;
    let wheel = std::fs::read_dir(&wheels)
        .map_err(|e| format!("reading {}: {e}", wheels.display()))?
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "whl"))
        .ok_or_else(|| format!("maturin wrote no wheel into {}", wheels.display()))?;
    run(pip_install(py)
        .args(["--force-reinstall", "--no-deps"])
        .arg(&wheel))
}

/// The demo's two large exports (3.2 and 2.3 MB) are not in git: the generator writes
/// them byte for byte from the command in fixtures/README.md, and
/// `fixtures/campaigns/generated.sha256` pins the reviewed bytes (the injected faults
/// listed there row by row). Generated into `target/demo-fixtures` and copied over when
/// missing or different; a fresh run that does not match the pins is an error, since the
/// generator then changed and the demo must be regenerated and reviewed on purpose.
fn demo_fixtures() -> Result<(), String> {
    let campaigns = root().join("fixtures/campaigns");
    let pins_file = campaigns.join("generated.sha256");
    let pins = std::fs::read_to_string(&pins_file)
        .map_err(|e| format!("reading {}: {e}", pins_file.display()))?;
    let pins: Vec<(&str, &str)> = pins.lines().filter_map(|l| l.split_once("  ")).collect();
    let matches = |dir: &Path, (sha, file): (&str, &str)| {
        std::fs::read(dir.join(file)).is_ok_and(|b| sha256_hex(&b) == sha)
    };
    if pins.iter().all(|&p| matches(&campaigns, p)) {
        return Ok(());
    }
    let out = root().join("target/demo-fixtures");
    run(cargo()
        .args([
            "run",
            "--quiet",
            "--package",
            "ascribe-gen",
            "--",
            "campaign",
        ])
        .args(["--seed", "2026", "--touches", "30000", "--bad-rows"])
        .args([
            "--name",
            "AI Launch Tour",
            "--id",
            "ai-launch-tour",
            "--out",
        ])
        .arg(&out))?;
    for &(sha, file) in &pins {
        if !matches(&out, (sha, file)) {
            return Err(format!(
                "the generator no longer writes the reviewed {file} (pinned in {}): \
                 regenerate the demo as fixtures/README.md says, review it, and update the pins",
                pins_file.display()
            ));
        }
        std::fs::copy(out.join(file), campaigns.join(file))
            .map_err(|e| format!("copying {file}: {e}"))?;
    }
    Ok(())
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `cargo xtask install [--prefix DIR]`: the release binary and the bundled plugins where an
/// installed ascribe looks for them (host/src/plugin_path.rs): by default the binary in
/// `~/.local/bin` and the plugins in `$XDG_DATA_HOME/ascribe/plugins`
/// (`~/.local/share/ascribe/plugins`); with a prefix, `PREFIX/bin/ascribe` and
/// `PREFIX/share/ascribe/plugins`, which the binary finds beside itself. Only the bundled
/// plugins are installed, never the hostile test corpus.
fn install(args: &[String]) -> Result<(), String> {
    let prefix = match args {
        [] => None,
        [flag, dir] if flag == "--prefix" => Some(PathBuf::from(dir)),
        _ => return Err("usage: cargo xtask install [--prefix DIR]".into()),
    };
    let home = || {
        std::env::var_os("HOME")
            .map(PathBuf::from)
            .ok_or("HOME is not set: pass --prefix DIR")
    };
    let (bin_dir, plugin_dir) = match &prefix {
        Some(p) => (p.join("bin"), p.join("share/ascribe/plugins")),
        None => {
            let data = std::env::var_os("XDG_DATA_HOME")
                .map(PathBuf::from)
                .filter(|p| p.is_absolute())
                .map(Ok)
                .unwrap_or_else(|| home().map(|h| h.join(".local/share")))?;
            (home()?.join(".local/bin"), data.join("ascribe/plugins"))
        }
    };
    build_plugins()?;
    run(cargo().args(["build", "--release", "-p", "ascribe"]))?;
    let target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"));
    for d in [&bin_dir, &plugin_dir] {
        std::fs::create_dir_all(d).map_err(|e| format!("creating {}: {e}", d.display()))?;
    }
    let copy = |from: &Path, to: &Path| {
        // Through a temporary name and a rename, so a running ascribe never sees half a file.
        let tmp = to.with_extension("installing");
        std::fs::copy(from, &tmp)
            .and_then(|_| std::fs::rename(&tmp, to))
            .map_err(|e| format!("copying {} to {}: {e}", from.display(), to.display()))
    };
    copy(
        &target_dir.join("release/ascribe"),
        &bin_dir.join("ascribe"),
    )?;
    let mut n = 0;
    for (_, name, bundled) in plugin_crates() {
        if bundled {
            let file = format!("{name}.wasm");
            copy(
                &target_dir.join("plugins").join(&file),
                &plugin_dir.join(&file),
            )?;
            n += 1;
        }
    }
    eprintln!(
        "xtask: installed {} and {n} plugins in {}",
        bin_dir.join("ascribe").display(),
        plugin_dir.display()
    );
    if prefix.is_none() {
        eprintln!("xtask: `ascribe plugin list` shows where each plugin is found");
    }
    Ok(())
}

/// What the Python tests need, installed into `target/py-venv` (recreated when this list
/// changes): maturin to build the wheel, the three table libraries the package accepts,
/// ChannelAttribution 2.2.5 (with matplotlib, which it imports) as the reference its API
/// is tested against, and jsonschema for the report's schema.
const PY_REQUIREMENTS: &[&str] = &[
    "maturin>=1.5,<2",
    "pytest",
    "pandas",
    "polars",
    "pyarrow>=14",
    "jsonschema",
    "ChannelAttribution==2.2.5",
    "matplotlib",
];

/// `pip install` into the environment of the interpreter `py`, quietly; the caller adds
/// what to install.
fn pip_install(py: &Path) -> Command {
    let mut cmd = Command::new(py);
    cmd.args([
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
    ]);
    cmd
}

/// The Python package's tests: the wheel built (dev profile, plugins from `target/plugins`,
/// built first), installed into `target/py-venv`, then pytest over `python/tests` with the
/// CLI binaries they compare against. Every step that fails fails the task: a missing
/// tool is never a skipped test.
fn python_tests(pytest_args: &[String]) -> Result<(), String> {
    let target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"));
    let venv = target_dir.join("py-venv");
    let py = venv.join("bin/python");
    let marker = venv.join(".ascribe-requirements");
    let wanted = PY_REQUIREMENTS.join("\n");
    if std::fs::read_to_string(&marker).ok().as_deref() != Some(wanted.as_str()) {
        if !py.is_file() {
            run(Command::new("python3").arg("-m").arg("venv").arg(&venv)).map_err(|e| {
                format!("{e}: python3 with venv is needed for the Python tests (on Debian: apt-get install python3-venv)")
            })?;
        }
        run(pip_install(&py).args(PY_REQUIREMENTS)).map_err(|e| {
            format!(
                "{e}: installing the Python test requirements into {} failed",
                venv.display()
            )
        })?;
        std::fs::write(&marker, &wanted).map_err(|e| e.to_string())?;
    }
    run(cargo().args(["build", "-p", "ascribe", "-p", "ascribe-gen"]))?;
    install_wheel(&py, &target_dir, "dev")?;
    run(Command::new(&py)
        .args(["-m", "pytest", "-q", "python/tests"])
        .args(pytest_args)
        .env("ASCRIBE_BIN", target_dir.join("debug/ascribe"))
        .env("ASCRIBE_GEN", target_dir.join("debug/ascribe-gen"))
        .env("ASCRIBE_PLUGINS", target_dir.join("plugins")))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("plugins") => build_plugins(),
        Some("test") => demo_fixtures()
            .and_then(|_| build_plugins())
            .and_then(|_| run(cargo().args(["test", "--workspace"]).args(&args[1..])))
            .and_then(|_| python_tests(&[])),
        Some("python") => demo_fixtures()
            .and_then(|_| build_plugins())
            .and_then(|_| python_tests(&args[1..])),
        Some("demo") => demo_fixtures().and_then(|_| build_plugins()).and_then(|_| {
            run(cargo()
                .args([
                    "run",
                    "--package",
                    "ascribe",
                    "--",
                    "track-source",
                    "--campaigns-dir",
                    "fixtures/campaigns",
                    "--campaign",
                    "AI Launch Tour",
                    "--window",
                    "campaign",
                    "--detail",
                    "full",
                    "--out",
                    "out",
                ])
                .args(&args[1..]))
        }),
        Some("bench") => bench(&args[1..]),
        Some("install") => install(&args[1..]),
        _ => Err(
            "usage: cargo xtask plugins | test [cargo test args] | python [pytest args] | demo [track-source args] | bench [SIZES…] [--no-ca] | install [--prefix DIR]".into(),
        ),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}
