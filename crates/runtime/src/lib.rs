//! Runs untrusted plugin components, safely and fast. This crate has one job; it knows
//! nothing of campaigns or attribution, and depends on nothing of the host, so the `ascribe`
//! CLI, a Python package and a cluster job embed the same sandbox.
//!
//! - One [`Engine`] per process, with epoch interruption for wall-clock limits and
//!   (optionally) fuel for instruction budgets.
//! - Components are compiled once and cached on disk ([`cache`]).
//! - Every call runs in a fresh [`Store`] ([`sandbox`]): nothing granted, fixed clocks,
//!   seeded randomness, a summed memory limit. A trap poisons an instance
//!   (`CannotEnterComponent`), so no store is ever reused after a failure.
//! - Everything a plugin returns is validated before the host uses it.
//!
//! # Embedding
//!
//! Every embedder goes through the same four steps; only where the runtime lives and
//! where its warnings go differ.
//!
//! 1. **A [`Runtime`] per process.** [`Runtime::new`] (warnings to stderr) or
//!    [`Runtime::with_warnings`] (warnings to a sink of yours). It starts the engine and
//!    its epoch ticker thread, so make one and share it: it is cheap to clone and can be
//!    used from any thread. [`RuntimeOptions`] chooses fuel metering and the compile
//!    cache directory (`None` compiles in memory every time).
//! 2. **Load a plugin.** [`Runtime::load`] with the wasm's path, an optional pin
//!    (`sha256:…`, checked before anything is compiled) and the [`Limits`] every call runs
//!    under: [`Limits::default`], or [`Limits::with_overrides`] for a campaign's
//!    `memory_mib`, `time_ms` and `fuel`, refused past [`Limits::CAPS`]. The contract
//!    version is read from the exports, and the plugin's `info` is asked and checked. A
//!    [`Plugin`] is immutable and can be called from several threads at once.
//! 3. **Call a model.** [`Plugin::attribute`] with [`model::JourneyColumns`] and the
//!    parameters as `(name, value)` text pairs. Only the columns the model declared
//!    ([`model::ModelInfo::inputs`]) are sent; the others are lent back untouched. The
//!    answer ([`model::ModelOutput`]) is checked: one finite, non-negative weight per touch, a
//!    converting journey's weights summing to 1, bounded notes, scores and internal tables
//!    ([`model::table_limits`]).
//!    A data-driven model built against `model@0.4.0` whose info says
//!    [`model::ModelInfo::mergeable`] also splits over partitions of the journeys:
//!    [`Plugin::statistics`] per partition, [`Plugin::merge`] in any tree, [`Plugin::solve`]
//!    once, then [`Plugin::weights_with`] per partition, each answer checked
//!    ([`stats::validate_stats`], [`stats::validate_solution`]); the statistics are exact
//!    integers, so any partitioning gives the same bytes and the same weights;
//!    [`stats::bytes`] moves statistics and solutions between processes.
//! 4. **Or run a normalizer** over a file: [`Plugin::open`] with a
//!    [`normalizer::SourceInfo`], then [`Session::push`] each chunk as it is read and
//!    [`Session::finish`] at the end. Each returns a checked [`normalizer::Batch`] of
//!    columnar records; what the host keeps of them is budgeted by [`Limits`].
//!
//! Where each embedder stands:
//!
//! - **The host** (`ascribe`) builds its runtime in `cli::Global::runtime` with
//!   `--cache-dir`/`--no-cache` and a sink that prints through its one terminal exit
//!   (`text::clean`), and re-exports this crate as `ascribe::runtime`.
//! - **A Python package** wraps one `Runtime` in a module-level object (a PyO3 class),
//!   hands warnings to `warnings.warn`, and converts NumPy columns into
//!   [`model::JourneyColumns`] (moves, no per-row work). Calls block: release the GIL
//!   around them.
//! - **A cluster job** (Spark, Ray) makes one `Runtime` per executor process, with a cache
//!   directory on the node's local disk (each node compiles a plugin once, not each task),
//!   loads plugins by pin so every node runs the same bytes, and sends warnings to the
//!   job's log. Results do not depend on the node: clocks and randomness are fixed.
//!
//! What is guaranteed, to every embedder:
//!
//! - a pinned plugin runs only if its bytes match the pin;
//! - a plugin sees no file system, network, environment, arguments or real clock; its
//!   randomness is seeded, so the same input gives the same output;
//! - every call is bounded by its [`Limits`] (memory summed over all memories, wall time
//!   to within 10 ms, fuel when enabled), and fails as a [`PluginError`] that names the
//!   plugin, the operation and a [`Cause`] a user can act on; a trap or a limit never
//!   takes the embedder's process down;
//! - nothing a plugin returns reaches the embedder unchecked ([`model::validate_output`],
//!   [`normalizer::Batch::validate`]);
//! - a compile-cache entry is used only if this runtime wrote it and nobody else could
//!   have changed it ([`cache`]);
//! - the runtime writes nothing to the terminal itself: every line goes to the
//!   [`Warnings`] sink.
//!
//! Contract versions are this crate's business ([`contracts`]): an embedder sees one set
//! of types ([`model`], [`normalizer`]) whichever version a plugin was built against.

#![deny(missing_docs)]

pub mod cache;
pub mod contracts;
pub mod error;
pub mod fsx;
pub mod limits;
pub mod memory;
pub mod model;
pub mod normalizer;
pub mod sandbox;
pub mod stats;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use wasmtime::component::{Component, Linker, ResourceAny};
use wasmtime::{Config, Engine, Store};

pub use cache::Origin;
pub use contracts::Contract;
pub use error::{Cause, PluginError, PluginLabel};
pub use limits::Limits;
use model::{JourneyColumns, ModelInfo, ModelOutput};
use normalizer::{Batch, NormalizerInfo, SourceInfo};
use sandbox::StoreState;
use stats::{Solution, Stats};

/// How often the epoch ticks: the resolution of wall-clock limits. 10 ms costs nothing
/// measurable and lets a 10 s limit fire within 1%.
const EPOCH_TICK: Duration = Duration::from_millis(10);

/// Where the runtime says what a person should read: a compile-cache entry refused or a
/// cache directory not used, and with `ASCRIBE_TIMINGS=1` the phases of every model call.
/// One line per call, without its line break. The runtime never prints by itself: the
/// embedder decides where the lines go ([`Runtime::with_warnings`]). Paths in the lines
/// have their control characters escaped already; anything else an embedder shows on a
/// terminal is its own to clean (the host's `text::clean` is the full cleaner: invisible
/// formatting characters and e-mail addresses too).
pub type Warnings = Arc<dyn Fn(&str) + Send + Sync>;

/// The default sink: each line to stderr, control characters escaped, so a plugin path
/// crafted with escape sequences cannot drive the terminal. A closed stderr is ignored:
/// a warning is never worth a panic.
pub fn stderr_warnings() -> Warnings {
    Arc::new(|line: &str| {
        use std::io::Write;
        let _ = writeln!(std::io::stderr().lock(), "{}", escape_controls(line));
    })
}

/// Control characters as escapes (`\n`, `\t`, `\x1b`), everything else as it is. The
/// part of cleaning the runtime needs on its own; the host's `text::clean` is the full
/// cleaner, and escapes the same characters the same way.
pub(crate) fn escape_controls(text: &str) -> std::borrow::Cow<'_, str> {
    use std::fmt::Write;
    if !text.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Engine-wide choices; both change the generated code, so both are in the cache key.
#[derive(Clone, Debug)]
pub struct RuntimeOptions {
    /// Compile with fuel metering, so plugins can be given instruction budgets.
    pub fuel: bool,
    /// `None` compiles every time (tests that must not touch a shared cache).
    pub cache_dir: Option<PathBuf>,
}

impl Default for RuntimeOptions {
    fn default() -> Self {
        RuntimeOptions {
            fuel: false,
            cache_dir: cache::default_dir(),
        }
    }
}

struct Ticker {
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<()>>,
}

impl Drop for Ticker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

struct Inner {
    engine: Engine,
    linker: Linker<StoreState>,
    cache: cache::Cache,
    fuel: bool,
    say: Warnings,
    _ticker: Ticker,
}

/// The plugin runtime. Cheap to clone; share one per process.
#[derive(Clone)]
pub struct Runtime {
    inner: Arc<Inner>,
}

impl Runtime {
    /// A runtime whose warnings go to stderr, control characters escaped
    /// ([`stderr_warnings`]): enough for a script or a cluster job.
    pub fn new(opts: RuntimeOptions) -> anyhow::Result<Runtime> {
        Runtime::with_warnings(opts, stderr_warnings())
    }

    /// A runtime whose warnings go to `say`, one line per call: for an embedder with its
    /// own terminal discipline or log (the host prints through its cleaner, a Python
    /// package hands them to `warnings.warn`, a cluster job to its logger).
    pub fn with_warnings(opts: RuntimeOptions, say: Warnings) -> anyhow::Result<Runtime> {
        let mut config = Config::new();
        config.wasm_component_model(true);
        config.epoch_interruption(true);
        config.consume_fuel(opts.fuel);
        // Deep recursion must trap cleanly, well before the host thread's own stack ends.
        config.max_wasm_stack(1 << 20);
        // Fresh memory for every store, faulted in 2 MiB at a time (memory.rs). wasmtime's
        // copy-on-write images need its own memories, so data segments are copied in at
        // instantiation instead: tens of KiB for a Rust plugin.
        config.with_host_memory(memory::creator());
        config.memory_init_cow(false);
        // For profiling plugins: wasmtime writes /tmp/perf-<pid>.map, so `perf report`
        // names a plugin's own functions. It changes no generated code.
        if std::env::var_os("ASCRIBE_PERFMAP").is_some_and(|v| v == "1") {
            config.profiler(wasmtime::ProfilingStrategy::PerfMap);
        }
        let engine = Engine::new(&config)?;
        let mut linker = Linker::new(&engine);
        // Rust's std for wasm32-wasip2 imports WASI even when a plugin never uses it, so the
        // interfaces must be linked; the context behind them grants nothing (sandbox.rs).
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
        sandbox::freeze_waits(&mut linker)?;
        let cache = cache::Cache::new(
            &engine,
            opts.cache_dir.clone(),
            if opts.fuel { "fuel" } else { "nofuel" },
            say.clone(),
        );
        let stop = Arc::new(AtomicBool::new(false));
        let handle = {
            let engine = engine.clone();
            let stop = stop.clone();
            std::thread::Builder::new()
                .name("ascribe-epoch".into())
                .spawn(move || {
                    while !stop.load(Ordering::Relaxed) {
                        std::thread::sleep(EPOCH_TICK);
                        engine.increment_epoch();
                    }
                })?
        };
        Ok(Runtime {
            inner: Arc::new(Inner {
                engine,
                linker,
                cache,
                fuel: opts.fuel,
                say,
                _ticker: Ticker {
                    stop,
                    handle: Some(handle),
                },
            }),
        })
    }

    /// Whether plugins can be given instruction budgets ([`RuntimeOptions::fuel`]).
    pub fn fuel_enabled(&self) -> bool {
        self.inner.fuel
    }

    /// The cache file a wasm with this digest would use (for tests and `plugin inspect`).
    pub fn cache_entry(&self, sha256: &str) -> Option<PathBuf> {
        self.inner.cache.entry_path(sha256)
    }

    /// Loads a plugin from any path: checks the pin before compiling, compiles or loads it
    /// from the cache, reads its contract from the export names, and asks its `info`.
    pub fn load(
        &self,
        path: &Path,
        pin: Option<&str>,
        limits: Limits,
    ) -> Result<Plugin, PluginError> {
        let shown = path.display().to_string();
        let bytes = fsx::read_regular(path, "plugins", fsx::PLUGIN_MAX).map_err(|e| {
            PluginError::Unreadable {
                path: shown.clone(),
                reason: e.to_string(),
            }
        })?;
        let sha = cache::sha256_hex(&bytes);
        if let Some(pin) = pin {
            let want = pin
                .trim()
                .strip_prefix("sha256:")
                .unwrap_or(pin.trim())
                .to_ascii_lowercase();
            if want != sha {
                return Err(PluginError::DigestMismatch {
                    path: shown,
                    expected: format!("sha256:{want}"),
                    actual: format!("sha256:{sha}"),
                });
            }
        }
        if limits.fuel.is_some() && !self.inner.fuel {
            return Err(PluginError::Invalid {
                path: shown,
                sha,
                reason: "the campaign gives it an instruction budget (limits.fuel), but this runtime was started without fuel".into(),
            });
        }
        let invalid = |reason: String| PluginError::Invalid {
            path: shown.clone(),
            sha: sha.clone(),
            reason,
        };
        let (component, origin) = self
            .inner
            .cache
            .load_or_compile(&self.inner.engine, &bytes, &sha)
            .map_err(|e| invalid(error::not_compiled(&self.inner.engine, &bytes, &e)))?;
        // Every import must be one the sandbox links (the WASI interfaces `std` uses).
        if let Err(e) = self.inner.linker.instantiate_pre(&component) {
            let ty = component.component_type();
            let imports: Vec<&str> = ty.imports(&self.inner.engine).map(|(n, _)| n).collect();
            return Err(invalid(error::unlinked(imports, &e)));
        }
        let contract = contracts::detect(&self.inner.engine, &component).map_err(invalid)?;
        let file_label = PluginLabel {
            name: path
                .file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or(shown.clone()),
            sha256: sha.clone(),
        };
        let mut plugin = Plugin {
            rt: self.clone(),
            component,
            contract,
            path: path.to_path_buf(),
            sha256: sha.clone(),
            size: bytes.len() as u64,
            origin,
            limits,
            label: file_label,
            info: PluginInfo::Pending,
        };
        plugin.info = plugin.fetch_info()?;
        let (name, version) = match &plugin.info {
            PluginInfo::Model(i) => (i.name.clone(), i.version.clone()),
            PluginInfo::Normalizer(i) => (i.name.clone(), i.version.clone()),
            PluginInfo::Pending => unreachable!(),
        };
        error::check_label(&name, &version).map_err(invalid)?;
        plugin.label.name = format!("{name}@{version}");
        Ok(plugin)
    }
}

/// What a plugin said about itself at load, by kind.
#[derive(Clone, Debug)]
pub enum PluginInfo {
    /// Only while [`Runtime::load`] is asking; a loaded plugin never has it.
    Pending,
    /// A model's info.
    Model(ModelInfo),
    /// A normalizer's info.
    Normalizer(NormalizerInfo),
}

/// A loaded plugin. Each call instantiates it in a fresh store.
pub struct Plugin {
    rt: Runtime,
    component: Component,
    /// The contract version it targets, read from its export names.
    pub contract: Contract,
    /// Where it was loaded from.
    pub path: PathBuf,
    /// The wasm's sha256 in hex, checked against the pin before anything ran.
    pub sha256: String,
    /// The wasm's size in bytes.
    pub size: u64,
    /// Whether this load compiled it or found it in the cache.
    pub origin: Origin,
    /// The limits every call of it runs under.
    pub limits: Limits,
    label: PluginLabel,
    info: PluginInfo,
}

/// What one call used, for `plugin check` reports.
#[derive(Clone, Copy, Debug, Default)]
pub struct Usage {
    /// Wall-clock time of the call, store set-up and tear-down included.
    pub wall: Duration,
    /// The most linear memory the plugin held at once, in bytes.
    pub peak_memory: u64,
    /// Instructions used, when the runtime meters fuel.
    pub fuel_used: Option<u64>,
    /// Where a model call's time went (zero for normalizer calls).
    pub phases: CallPhases,
}

/// A model call, phase by phase: what the benches print and `ASCRIBE_TIMINGS=1` shows.
#[derive(Clone, Copy, Debug, Default)]
pub struct CallPhases {
    /// Checking the host's columns before they are sent.
    pub check: Duration,
    /// A fresh store and instance.
    pub instantiate: Duration,
    /// Lowering the columns, the model's own work, lifting its answer.
    pub call: Duration,
    /// Checking the answer.
    pub validate: Duration,
    /// Dropping the store: unmapping the plugin's memory.
    pub release: Duration,
}

impl std::fmt::Display for CallPhases {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        write!(
            f,
            "check {:.1} ms, instantiate {:.1} ms, call {:.1} ms (columns in, model, weights out), validate {:.1} ms, release {:.1} ms",
            ms(self.check),
            ms(self.instantiate),
            ms(self.call),
            ms(self.validate),
            ms(self.release)
        )
    }
}

impl Plugin {
    /// Who it is, for messages: `name@version` and its digest.
    pub fn label(&self) -> &PluginLabel {
        &self.label
    }

    /// What it said about itself at load.
    pub fn info(&self) -> &PluginInfo {
        &self.info
    }

    /// Its info if it is a model.
    pub fn model_info(&self) -> Option<&ModelInfo> {
        match &self.info {
            PluginInfo::Model(i) => Some(i),
            _ => None,
        }
    }

    /// Its info if it is a normalizer.
    pub fn normalizer_info(&self) -> Option<&NormalizerInfo> {
        match &self.info {
            PluginInfo::Normalizer(i) => Some(i),
            _ => None,
        }
    }

    fn new_store(&self) -> Store<StoreState> {
        self.new_store_with(&self.limits)
    }

    fn new_store_with(&self, limits: &Limits) -> Store<StoreState> {
        let mut store = Store::new(&self.rt.inner.engine, StoreState::new(limits));
        store.limiter(|s| &mut s.limiter);
        store.epoch_deadline_trap();
        arm(&mut store, limits, self.rt.inner.fuel);
        store
    }

    fn fail(&self, operation: &str, cause: Cause) -> PluginError {
        PluginError::Call {
            label: self.label.clone(),
            operation: operation.to_string(),
            cause,
        }
    }

    fn trap(
        &self,
        store: &Store<StoreState>,
        operation: &str,
        err: wasmtime::Error,
    ) -> PluginError {
        self.trap_with(store, &self.limits, operation, err)
    }

    fn trap_with(
        &self,
        store: &Store<StoreState>,
        limits: &Limits,
        operation: &str,
        err: wasmtime::Error,
    ) -> PluginError {
        let st = store.data();
        let cause = error::classify(
            &err,
            st.limiter.refused,
            limits,
            &st.stderr_text(),
            store.hostcall_fuel(),
        );
        self.fail(operation, cause)
    }

    /// An instantiation that failed at load: a trap (or exit) is the plugin's doing; any
    /// other error is the contract's typed bindings refusing its exports.
    fn instantiate_failed(&self, store: &Store<StoreState>, err: wasmtime::Error) -> PluginError {
        if err.downcast_ref::<wasmtime::Trap>().is_some()
            || err.downcast_ref::<wasmtime_wasi::I32Exit>().is_some()
            || store.data().limiter.refused
        {
            return self.trap(store, "instantiate", err);
        }
        PluginError::Invalid {
            path: self.path.display().to_string(),
            sha: self.sha256.clone(),
            reason: error::wrong_types(self.contract.package(), &err),
        }
    }

    fn fetch_info(&self) -> Result<PluginInfo, PluginError> {
        let mut store = self.new_store();
        // `info` is a few KiB of text: lifting 66 MB of it would cost the host 66 MB.
        store.set_hostcall_fuel(error::MAX_INFO_BYTES);
        let linker = &self.rt.inner.linker;
        let info = match self.contract {
            Contract::ModelV0_1
            | Contract::ModelV0_2
            | Contract::ModelV0_3
            | Contract::ModelV0_4 => {
                contracts::ModelInstance::new(self.contract, &mut store, &self.component, linker)
                    .map_err(|e| self.instantiate_failed(&store, e))?
                    .info(&mut store)
                    .map(PluginInfo::Model)
            }
            Contract::NormalizerV0_1 => {
                contracts::normalizer_v0_1::Instance::new(&mut store, &self.component, linker)
                    .map_err(|e| self.instantiate_failed(&store, e))?
                    .info(&mut store)
                    .map(PluginInfo::Normalizer)
            }
        };
        info.map_err(|e| self.trap(&store, "info", e))
    }

    /// Runs the model over `input` (left as it was after the call) and validates the answer.
    pub fn attribute(
        &self,
        input: &mut JourneyColumns,
        params: &[(String, String)],
    ) -> Result<(ModelOutput, Usage), PluginError> {
        let info = self.model_info().ok_or_else(|| {
            self.fail(
                "attribute",
                Cause::Reported {
                    kind: "wrong kind",
                    message: "this plugin is a normalizer, not a model".into(),
                },
            )
        })?;
        let started = std::time::Instant::now();
        let sent = self.contract.columns_sent(info.inputs);
        input.check_sent(sent).map_err(|e| {
            self.fail(
                "attribute",
                Cause::BadOutput(format!("host built invalid journeys: {e}")),
            )
        })?;
        let checked = started.elapsed();
        let limits = self.limits.for_input(input_bytes(input));
        let mut store = self.new_store_with(&limits);
        let inst = contracts::ModelInstance::new(
            self.contract,
            &mut store,
            &self.component,
            &self.rt.inner.linker,
        )
        .map_err(|e| self.trap_with(&store, &limits, "instantiate", e))?;
        arm(&mut store, &limits, self.rt.inner.fuel);
        let instantiated = started.elapsed();
        let answer = inst
            .attribute(&mut store, input, sent, params)
            .map_err(|e| self.trap_with(&store, &limits, "attribute", e))?;
        let called = started.elapsed();
        let out = answer.map_err(|(kind, message)| {
            self.fail(
                "attribute",
                Cause::Reported {
                    kind,
                    message: model::truncate(&message, 1024),
                },
            )
        })?;
        model::validate_output(input, &out, info)
            .map_err(|e| self.fail("attribute", Cause::BadOutput(e)))?;
        let validated = started.elapsed();
        let mut u = usage(&store, started, &limits, self.rt.inner.fuel);
        drop(store);
        u.wall = started.elapsed();
        u.phases = CallPhases {
            check: checked,
            instantiate: instantiated - checked,
            call: called - instantiated,
            validate: validated - called,
            release: u.wall - validated,
        };
        if timings_wanted() {
            (self.rt.inner.say)(&format!(
                "timing: model call {}: {}",
                self.label.name, u.phases
            ));
        }
        Ok((out, u))
    }

    /// Its model info if it offers the mergeable calls (`model@0.4.0`, `mergeable`), else
    /// the error `operation` fails with.
    fn mergeable(&self, operation: &str) -> Result<&ModelInfo, PluginError> {
        let refuse = |message: String| {
            self.fail(
                operation,
                Cause::Reported {
                    kind: "not offered",
                    message,
                },
            )
        };
        match self.model_info() {
            None => Err(refuse("this plugin is a normalizer, not a model".into())),
            Some(i) if !i.mergeable => Err(refuse(format!(
                "this model does not offer `{operation}` (its info does not say `mergeable`; contract {}): call `attribute`",
                self.contract.package()
            ))),
            Some(i) => Ok(i),
        }
    }

    /// One mergeable call in a fresh store under `limits`: instantiates, arms, calls `f`,
    /// turns a trap or a refusal into the error naming `operation`, and checks the answer
    /// with `check`.
    fn call_mergeable<T>(
        &self,
        operation: &str,
        limits: &Limits,
        f: impl FnOnce(
            &contracts::ModelInstance,
            &mut Store<StoreState>,
        ) -> wasmtime::Result<contracts::Answer<T>>,
        check: impl FnOnce(&T) -> Result<(), String>,
    ) -> Result<(T, Usage), PluginError> {
        let started = std::time::Instant::now();
        let mut store = self.new_store_with(limits);
        let inst = contracts::ModelInstance::new(
            self.contract,
            &mut store,
            &self.component,
            &self.rt.inner.linker,
        )
        .map_err(|e| self.trap_with(&store, limits, "instantiate", e))?;
        arm(&mut store, limits, self.rt.inner.fuel);
        let answer =
            f(&inst, &mut store).map_err(|e| self.trap_with(&store, limits, operation, e))?;
        let out = answer.map_err(|(kind, message)| {
            self.fail(
                operation,
                Cause::Reported {
                    kind,
                    message: model::truncate(&message, 1024),
                },
            )
        })?;
        check(&out).map_err(|e| self.fail(operation, Cause::BadOutput(e)))?;
        let mut u = usage(&store, started, limits, self.rt.inner.fuel);
        drop(store);
        u.wall = started.elapsed();
        Ok((out, u))
    }

    /// The columns a model reads, checked as before `attribute`.
    fn sent_checked(
        &self,
        operation: &str,
        info: &ModelInfo,
        input: &JourneyColumns,
    ) -> Result<model::Inputs, PluginError> {
        let sent = self.contract.columns_sent(info.inputs);
        input.check_sent(sent).map_err(|e| {
            self.fail(
                operation,
                Cause::BadOutput(format!("host built invalid journeys: {e}")),
            )
        })?;
        Ok(sent)
    }

    /// A partition's sufficient statistics (`model@0.4.0`, a mergeable model only): the
    /// columns the model declared are sent, as to [`Plugin::attribute`], and `input` is
    /// left as it was. The answer is checked ([`stats::validate_stats`]).
    pub fn statistics(
        &self,
        input: &mut JourneyColumns,
        params: &[(String, String)],
    ) -> Result<(Stats, Usage), PluginError> {
        let info = self.mergeable("statistics")?;
        let sent = self.sent_checked("statistics", info, input)?;
        let limits = self.limits.for_input(input_bytes(input));
        self.call_mergeable(
            "statistics",
            &limits,
            |inst, store| inst.statistics(store, input, sent, params),
            stats::validate_stats,
        )
    }

    /// The statistics of two disjoint sets of journeys as one (`model@0.4.0`). Both must
    /// have the same layout; the answer is checked like any statistics, and must keep it.
    pub fn merge(&self, a: &Stats, b: &Stats) -> Result<(Stats, Usage), PluginError> {
        self.mergeable("merge")?;
        stats::same_layout(&a.layout, &b.layout).map_err(|message| {
            self.fail(
                "merge",
                Cause::Reported {
                    kind: "wrong input",
                    message,
                },
            )
        })?;
        let limits = self
            .limits
            .for_input(stats_bytes(a).saturating_add(stats_bytes(b)));
        self.call_mergeable(
            "merge",
            &limits,
            |inst, store| inst.merge(store, a, b),
            |m: &Stats| {
                stats::validate_stats(m)?;
                if m.layout != a.layout {
                    return Err(format!(
                        "merged statistics of layout {:?} into layout {:?}",
                        model::truncate(&a.layout, 64),
                        model::truncate(&m.layout, 64)
                    ));
                }
                Ok(())
            },
        )
    }

    /// Solves the model once from every journey's statistics (`model@0.4.0`); the solution
    /// is checked ([`stats::validate_solution`]) and must keep the statistics' layout.
    pub fn solve(
        &self,
        all: &Stats,
        params: &[(String, String)],
    ) -> Result<(Solution, Usage), PluginError> {
        self.mergeable("solve")?;
        let limits = self.limits.for_input(stats_bytes(all));
        self.call_mergeable(
            "solve",
            &limits,
            |inst, store| inst.solve(store, all, params),
            |s: &Solution| {
                stats::validate_solution(s)?;
                if s.layout != all.layout {
                    return Err(format!(
                        "solved statistics of layout {:?} into a solution of layout {:?}",
                        model::truncate(&all.layout, 64),
                        model::truncate(&s.layout, 64)
                    ));
                }
                Ok(())
            },
        )
    }

    /// A partition's answer from a solution (`model@0.4.0`'s `weights`): the same output
    /// as [`Plugin::attribute`], checked the same way; `input` is left as it was.
    pub fn weights_with(
        &self,
        input: &mut JourneyColumns,
        solution: &Solution,
        params: &[(String, String)],
    ) -> Result<(ModelOutput, Usage), PluginError> {
        let info = self.mergeable("weights")?;
        let sent = self.sent_checked("weights", info, input)?;
        let limits = self
            .limits
            .for_input(input_bytes(input).saturating_add(solution_bytes(solution)));
        let (out, u) = self.call_mergeable(
            "weights",
            &limits,
            |inst, store| inst.weights(store, input, sent, solution, params),
            |_: &ModelOutput| Ok(()),
        )?;
        model::validate_output(input, &out, info)
            .map_err(|e| self.fail("weights", Cause::BadOutput(e)))?;
        Ok((out, u))
    }

    /// Opens a normalizer session for one file.
    pub fn open(
        &self,
        source: &SourceInfo,
        params: &[(String, String)],
    ) -> Result<Session<'_>, PluginError> {
        if self.normalizer_info().is_none() {
            return Err(self.fail(
                "open",
                Cause::Reported {
                    kind: "wrong kind",
                    message: "this plugin is a model, not a normalizer".into(),
                },
            ));
        }
        let started = std::time::Instant::now();
        let mut store = self.new_store();
        let inst = contracts::normalizer_v0_1::Instance::new(
            &mut store,
            &self.component,
            &self.rt.inner.linker,
        )
        .map_err(|e| self.trap(&store, "instantiate", e))?;
        arm(&mut store, &self.limits, self.rt.inner.fuel);
        let answer = inst
            .open(&mut store, source, params)
            .map_err(|e| self.trap(&store, "open", e))?;
        let handle = answer.map_err(|(kind, message)| {
            self.fail(
                "open",
                Cause::Reported {
                    kind,
                    message: model::truncate(&message, 1024),
                },
            )
        })?;
        Ok(Session {
            plugin: self,
            store,
            inst,
            handle,
            rows_read: 0,
            chunks: 0,
            bytes: 0,
            intake: normalizer::Intake::default(),
            started,
            dead: false,
        })
    }
}

/// Bytes of the journey columns as they land in the plugin's memory.
fn input_bytes(j: &JourneyColumns) -> u64 {
    let touches = j.touches() as u64 * (4 + 8 + 1 + 4 + 8);
    let journeys = j.journeys() as u64 * (4 + 8 + 8 + 8 + 8);
    let keys: u64 = j.keys.iter().map(|k| k.len() as u64 + 8).sum();
    touches + journeys + keys
}

/// Bytes of a statistics value as it lands in the plugin's memory.
fn stats_bytes(s: &Stats) -> u64 {
    tables_bytes(&s.names, &s.tables)
}

/// Bytes of a solution as it lands in the plugin's memory (its internal tables counted
/// by their cells).
fn solution_bytes(s: &Solution) -> u64 {
    let internals: u64 = s
        .internals
        .iter()
        .flat_map(|t| &t.columns)
        .map(|c| match &c.values {
            model::ColumnValues::Text(v) => v.iter().map(|x| x.len() as u64 + 8).sum(),
            model::ColumnValues::Numbers(v) => v.len() as u64 * 8,
        })
        .sum();
    tables_bytes(&s.names, &s.tables) + internals
}

fn tables_bytes(names: &[String], tables: &[stats::StatTable]) -> u64 {
    let names: u64 = names.iter().map(|n| n.len() as u64 + 8).sum();
    let cells: u64 = tables
        .iter()
        .flat_map(|t| &t.columns)
        .map(|c| match &c.cells {
            stats::StatCells::Name(v) => v.len() as u64 * 4,
            stats::StatCells::Names { offsets, items } => (offsets.len() + items.len()) as u64 * 4,
            stats::StatCells::Count(v) | stats::StatCells::Amount(v) => v.len() as u64 * 8,
            stats::StatCells::Number(v) => v.len() as u64 * 8,
        })
        .sum();
    names + cells
}

/// Sets the per-call budgets. Called before every call: the deadline is relative to the
/// current epoch, and fuel is per call.
fn arm(store: &mut Store<StoreState>, limits: &Limits, fuel_enabled: bool) {
    let ticks = limits
        .time_per_call
        .as_millis()
        .div_ceil(EPOCH_TICK.as_millis())
        .max(1) as u64;
    store.set_epoch_deadline(ticks);
    if fuel_enabled {
        // With fuel compiled in but no budget for this plugin, give it effectively unlimited fuel.
        let _ = store.set_fuel(limits.fuel.unwrap_or(u64::MAX));
    }
}

/// `ASCRIBE_TIMINGS=1`: every model call prints its phases to stderr.
fn timings_wanted() -> bool {
    static WANTED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *WANTED.get_or_init(|| {
        std::env::var_os("ASCRIBE_TIMINGS").is_some_and(|v| v != "0" && !v.is_empty())
    })
}

fn usage(
    store: &Store<StoreState>,
    started: std::time::Instant,
    limits: &Limits,
    fuel_enabled: bool,
) -> Usage {
    let fuel_used = if fuel_enabled {
        store
            .get_fuel()
            .ok()
            .map(|left| limits.fuel.unwrap_or(u64::MAX) - left)
    } else {
        None
    };
    Usage {
        wall: started.elapsed(),
        peak_memory: store.data().limiter.peak,
        fuel_used,
        phases: CallPhases::default(),
    }
}

/// One file going through a normalizer. After any failure the session is dead: the
/// instance may be half-way through a trap and must not be entered again.
pub struct Session<'p> {
    plugin: &'p Plugin,
    store: Store<StoreState>,
    inst: contracts::normalizer_v0_1::Instance,
    handle: ResourceAny,
    rows_read: u64,
    chunks: u64,
    /// Bytes pushed so far. A row is at least one byte of the file, so no plugin may report
    /// more rows read than this: the host keeps a verdict for every row, and a claim of
    /// 2^40 rows would otherwise be an allocation of 2^40 verdicts.
    bytes: u64,
    /// The checks that span calls: records a row, and what the host keeps of the records.
    intake: normalizer::Intake,
    started: std::time::Instant,
    dead: bool,
}

impl Session<'_> {
    /// Feeds the next chunk of the file (any size; the host reads 1 MiB at a time) and
    /// returns the records that became complete, checked.
    pub fn push(&mut self, chunk: &[u8]) -> Result<Batch, PluginError> {
        self.chunks += 1;
        self.bytes += chunk.len() as u64;
        let op = format!("push (chunk {})", self.chunks);
        self.call(&op, |inst, store, h| inst.push(store, h, chunk))
    }

    /// Ends the file: returns the records of its partial tail, checked.
    pub fn finish(&mut self) -> Result<Batch, PluginError> {
        self.call("finish", |inst, store, h| inst.finish(store, h))
    }

    /// Data rows the plugin has fully consumed so far.
    pub fn rows_read(&self) -> u64 {
        self.rows_read
    }

    /// What the records accepted so far cost the host, as its budget counts them.
    pub fn host_bytes(&self) -> u64 {
        self.intake.kept
    }

    /// What the session has used so far (wall time since `open`, peak memory, fuel).
    pub fn usage(&self) -> Usage {
        usage(
            &self.store,
            self.started,
            &self.plugin.limits,
            self.plugin.rt.inner.fuel,
        )
    }

    fn call(
        &mut self,
        op: &str,
        f: impl FnOnce(
            &contracts::normalizer_v0_1::Instance,
            &mut Store<StoreState>,
            ResourceAny,
        ) -> wasmtime::Result<contracts::normalizer_v0_1::Answer<Batch>>,
    ) -> Result<Batch, PluginError> {
        let p = self.plugin;
        if self.dead {
            return Err(p.fail(op, Cause::Crashed("the session already failed".into())));
        }
        arm(&mut self.store, &p.limits, p.rt.inner.fuel);
        let answer = match f(&self.inst, &mut self.store, self.handle) {
            Ok(a) => a,
            Err(e) => {
                self.dead = true;
                return Err(p.trap(&self.store, op, e));
            }
        };
        let mut batch = answer.map_err(|(kind, message)| {
            self.dead = true;
            p.fail(
                op,
                Cause::Reported {
                    kind,
                    message: model::truncate(&message, 1024),
                },
            )
        })?;
        if let Err(e) = batch.validate(self.rows_read) {
            self.dead = true;
            return Err(p.fail(op, Cause::BadOutput(e)));
        }
        if batch.rows_read > self.bytes {
            self.dead = true;
            return Err(p.fail(
                op,
                Cause::BadOutput(format!(
                    "it reports {} rows read from the {} bytes it has been given",
                    batch.rows_read, self.bytes
                )),
            ));
        }
        if let Err(cause) = self.intake.accept(&mut batch, self.bytes, &p.limits) {
            self.dead = true;
            return Err(p.fail(op, cause));
        }
        self.rows_read = batch.rows_read;
        Ok(batch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The embedding promise: one runtime and its plugins shared across threads.
    #[test]
    fn runtime_and_plugins_cross_threads() {
        fn shared<T: Send + Sync>() {}
        shared::<Runtime>();
        shared::<Plugin>();
        shared::<PluginError>();
    }

    /// Escaped as the host's `text::clean` escapes them, so a line reads the same whichever
    /// sink prints it.
    #[test]
    fn warnings_escape_control_characters() {
        assert_eq!(escape_controls("/tmp/a b"), "/tmp/a b");
        assert_eq!(
            escape_controls("/tmp/\x1b[2J\n\t\r\x07\u{9b}é"),
            "/tmp/\\x1b[2J\\n\\t\\r\\x07\\x9bé"
        );
    }
}
