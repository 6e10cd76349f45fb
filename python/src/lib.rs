//! `ascribe._native`: the runtime under the Python package. The public API is Python
//! (python/ascribe/); this module only moves tables and calls across, with the GIL
//! released while ascribe works:
//!
//! - [`read_paths`]: a path table from any Arrow stream (pyarrow, polars, pandas through
//!   pyarrow), read by the host's reader (`ascribe::commands::paths::read_batches`);
//! - [`PathTable::run`]: models over it, by the host's `run_models`, the CLI's code;
//! - [`PathTable::transitions`]: the Markov transition matrix as ChannelAttribution gives it;
//! - [`run_command`]: `track-source` and `compare`, parsed and run as the binary does;
//! - [`bundled`]: the plugins embedded in the wheel.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use pyo3_arrow::PyRecordBatchReader;

use ascribe::commands::paths::{self, ReadOptions, TableFormat};
use ascribe::runtime::Runtime;

create_exception!(
    _native,
    AscribeError,
    PyException,
    "ascribe could not do what was asked; the message is the one the CLI prints."
);

/// One runtime per process: engine, compile cache and epoch thread are shared by calls.
fn runtime() -> PyResult<&'static Runtime> {
    static RT: OnceLock<Result<Runtime, String>> = OnceLock::new();
    RT.get_or_init(|| {
        Runtime::new(ascribe::runtime::RuntimeOptions::default()).map_err(|e| format!("{e:#}"))
    })
    .as_ref()
    .map_err(|e| AscribeError::new_err(format!("starting the plugin runtime: {e}")))
}

/// A path table read into ascribe's columns.
#[pyclass(frozen, module = "ascribe._native")]
struct PathTable {
    table: Mutex<paths::PathTable>,
}

/// Reads a path table from an Arrow stream (`__arrow_c_stream__`). `name` names the table
/// in errors.
#[pyfunction]
#[pyo3(signature = (data, name, path_col, conversions_col, value_col=None, nulls_col=None, sep='>'))]
// The Python signature is the API: one argument per column option, as in the CLI.
#[allow(clippy::too_many_arguments)]
fn read_paths(
    py: Python<'_>,
    data: PyRecordBatchReader,
    name: String,
    path_col: String,
    conversions_col: String,
    value_col: Option<String>,
    nulls_col: Option<String>,
    sep: char,
) -> PyResult<PathTable> {
    let reader = data.into_reader()?;
    let schema = reader.schema();
    let opts = ReadOptions {
        sep,
        delimiter: None,
        path_col,
        conversions_col,
        value_col,
        nulls_col,
    };
    let table = py
        .detach(|| {
            paths::read_batches(&schema, reader, Path::new(&name), TableFormat::Arrow, &opts)
        })
        .map_err(|e| AscribeError::new_err(e.0))?;
    Ok(PathTable {
        table: Mutex::new(table),
    })
}

#[pymethods]
impl PathTable {
    /// Channel names, sorted.
    fn channels(&self) -> Vec<String> {
        self.lock().cols.keys.clone()
    }

    /// Indices into `channels()` in order of first appearance in the table.
    fn first_seen(&self) -> Vec<u32> {
        self.lock().first_seen.clone()
    }

    /// (rows, distinct paths, total conversions, total value, total nulls).
    fn totals(&self) -> (u64, usize, f64, f64, f64) {
        let t = self.lock();
        (
            t.rows,
            t.paths(),
            t.total_conversions,
            t.total_value,
            t.total_nulls,
        )
    }

    /// Runs `models` (bundled names or .wasm paths, found on `plugin_dirs` first) with
    /// `params` (`K=V` for every model declaring K, `MODEL.K=V` for one). One dict per model.
    #[pyo3(signature = (models, params, plugin_dirs))]
    fn run<'py>(
        &self,
        py: Python<'py>,
        models: Vec<String>,
        params: Vec<(String, String)>,
        plugin_dirs: Vec<PathBuf>,
    ) -> PyResult<Vec<Bound<'py, PyDict>>> {
        let rt = runtime()?;
        let results = py
            .detach(|| {
                let mut t = self.lock();
                let mut plugins = paths::load_models(rt, &models, &plugin_dirs)?;
                paths::run_models(&mut t, &models, &mut plugins, &params, |k| {
                    format!("params[{k:?}]")
                })
            })
            .map_err(|e| AscribeError::new_err(format!("{e:#}")))?;
        let keys = self.lock().cols.keys.clone();
        results
            .into_iter()
            .map(|r| {
                let d = PyDict::new(py);
                d.set_item("spec", &r.spec)?;
                d.set_item("plugin", &r.plugin)?;
                d.set_item("name", &r.name)?;
                d.set_item("sha256", &r.sha256)?;
                d.set_item("params", &r.params)?;
                // How `order=auto` chose, as the CLI's JSON has it (None: not asked).
                d.set_item(
                    "order_selection",
                    r.order_choice
                        .as_ref()
                        .and_then(|c| serde_json::to_string(c).ok()),
                )?;
                d.set_item(
                    "credit_rule",
                    serde_json::to_value(r.rule)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string)),
                )?;
                let col = |f: fn(&paths::ChannelCredit) -> f64| -> Vec<f64> {
                    r.channels.iter().map(f).collect()
                };
                d.set_item(
                    "channel",
                    r.channels
                        .iter()
                        .map(|c| c.channel.clone())
                        .collect::<Vec<_>>(),
                )?;
                d.set_item("conversions", col(|c| c.conversions))?;
                d.set_item("value", col(|c| c.value))?;
                let effects = r.channels.iter().any(|c| c.removal_effect.is_some());
                if effects {
                    d.set_item(
                        "removal_effect",
                        col(|c| c.removal_effect.unwrap_or(f64::NAN)),
                    )?;
                    d.set_item(
                        "value_removal_effect",
                        col(|c| c.value_removal_effect.unwrap_or(f64::NAN)),
                    )?;
                }
                let scores = PyDict::new(py);
                for (name, values) in &r.scores {
                    let per: Vec<(String, f64)> =
                        keys.iter().cloned().zip(values.iter().copied()).collect();
                    scores.set_item(name, per)?;
                }
                d.set_item("scores", scores)?;
                d.set_item("notes", &r.notes)?;
                Ok(d)
            })
            .collect()
    }

    /// The order-`order` Markov transition matrix as ChannelAttribution names it:
    /// (channel_from, channel_to, transition_probability).
    fn transitions(&self, py: Python<'_>, order: usize) -> (Vec<String>, Vec<String>, Vec<f64>) {
        let m = py.detach(|| paths::transitions(&self.lock(), order));
        (m.from, m.to, m.probability)
    }
}

impl PathTable {
    fn lock(&self) -> std::sync::MutexGuard<'_, paths::PathTable> {
        // A panic while holding it cannot leave the table half-changed in a way a reader
        // would see: models only read it.
        self.table.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Runs `argv` (`["ascribe", "track-source", …]`) as the binary would; returns the JSON
/// the command prints with `--format json`, the package directory, and whether the run
/// escalated. A usage error raises ValueError with clap's message; a failure raises
/// AscribeError with the CLI's.
#[pyfunction]
fn run_command(py: Python<'_>, argv: Vec<String>) -> PyResult<(String, Option<PathBuf>, bool)> {
    use ascribe::cli::embed::{EmbedError, run};
    match py.detach(|| run(&argv)) {
        Ok(e) => Ok((e.json, e.package, e.escalated)),
        Err(EmbedError::Usage(m)) => Err(PyValueError::new_err(m)),
        Err(EmbedError::Failed(m)) => Err(AscribeError::new_err(m)),
    }
}

#[cfg(feature = "bundle")]
mod bundle {
    include!(concat!(env!("OUT_DIR"), "/bundled.rs"));
}

/// The plugins embedded in this build: (name, wasm bytes). Empty without the `bundle`
/// feature (a plain `cargo build`); the Python layer then uses the plugin search path.
#[pyfunction]
fn bundled() -> Vec<(&'static str, &'static [u8])> {
    #[cfg(feature = "bundle")]
    {
        bundle::BUNDLED.to_vec()
    }
    #[cfg(not(feature = "bundle"))]
    {
        vec![]
    }
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("AscribeError", m.py().get_type::<AscribeError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<PathTable>()?;
    m.add_function(wrap_pyfunction!(read_paths, m)?)?;
    m.add_function(wrap_pyfunction!(run_command, m)?)?;
    m.add_function(wrap_pyfunction!(bundled, m)?)?;
    Ok(())
}
