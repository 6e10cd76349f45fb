//! `ascribe paths`: attribution straight from a path table, for analysts who keep their
//! journeys aggregated in a warehouse (ChannelAttribution's input format).
//!
//! - [`read`] streams the table once: the delimiter (`,` `;` or tab) is detected from the
//!   header line unless given, path items are split on a one-character separator and
//!   trimmed, identical paths are summed, and every bad row is an error naming the file,
//!   the row and what is wrong.
//! - [`run_model`] runs a model plugin over the paths and credits each channel with
//!   conversions and value: by the touch weights for rule-based models (ChannelAttribution's
//!   `heuristic_models`, repeats counted), by removal effects for markov (`models.md` steps
//!   5–6), by the model's own `conversions` score when it returns one (shapley).
//!
//! Values are f64 here: a path table is an analyst's aggregate, not a ledger of deals, so the
//! exact minor-unit allocation of `crate::money` does not apply. Printing uses fixed
//! decimals so the output is stable.
//!
//! Reading is built for tables of millions of rows (docs/performance.md): lines without
//! quotes are split in place (one pass per line, no allocation per row); from the first
//! line with a quote (or a stray carriage return) on, the `csv` crate reads the rest, so
//! RFC 4180 quoting, including newlines inside quotes, is handled exactly. Identical paths
//! are found through a 64-bit hash of the path's channel ids, checked against the stored
//! path on every hit.

pub mod cli;
mod columnar;
mod credit;
mod dedup;
pub mod explain;
mod intern;
mod number;
mod read;
mod rows;
mod scan;

use std::path::PathBuf;

use crate::runtime::PluginError;
use crate::runtime::model::JourneyColumns;

pub use crate::pipeline::attribute::transitions::Transitions;
pub use columnar::{InputFormat, read_any, read_batches, read_ipc, read_parquet};
pub use credit::{
    ChannelCredit, CreditRule, ModelResult, check_model, credit, limits_for, run_model,
};
pub use explain::{Explain, explain};
pub use read::{delimiter_name, detect_delimiter, read, read_from};

/// Default column names (ChannelAttribution's).
pub const PATH_COL: &str = "path";
pub const CONVERSIONS_COL: &str = "total_conversions";
pub const VALUE_COL: &str = "total_conversion_value";
pub const NULLS_COL: &str = "total_null";

/// Score names a model may return that change how channels are credited.
pub const REMOVAL_EFFECT: &str = "removal-effect";
pub const VALUE_REMOVAL_EFFECT: &str = "value-removal-effect";
pub const CONVERSIONS_SCORE: &str = "conversions";

/// An error in the table or in running a model, ready to print.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Error(pub String);

impl From<PluginError> for Error {
    fn from(e: PluginError) -> Self {
        Error(e.to_string())
    }
}

/// How to read a table.
#[derive(Clone, Debug)]
pub struct ReadOptions {
    /// Separator of the items of a path (one character; not whitespace).
    pub sep: char,
    /// Field delimiter; `None` detects `,` `;` or tab from the header line.
    pub delimiter: Option<u8>,
    pub path_col: String,
    pub conversions_col: String,
    /// `None`: `total_conversion_value` if the header has it, else every value is 0.
    /// `Some(name)`: that column, which must exist.
    pub value_col: Option<String>,
    /// As `value_col`, for `total_null`.
    pub nulls_col: Option<String>,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            sep: '>',
            delimiter: None,
            path_col: PATH_COL.into(),
            conversions_col: CONVERSIONS_COL.into(),
            value_col: None,
            nulls_col: None,
        }
    }
}

/// What a table was read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TableFormat {
    Csv {
        delimiter: u8,
    },
    Parquet,
    ArrowIpc,
    /// Record batches handed over in memory (the Python package).
    Arrow,
}

impl TableFormat {
    pub fn name(self) -> &'static str {
        match self {
            TableFormat::Csv { .. } => "csv",
            TableFormat::Parquet => "parquet",
            TableFormat::ArrowIpc => "arrow-ipc",
            TableFormat::Arrow => "arrow",
        }
    }
}

/// A path table, read: distinct paths as journey columns (keys sorted by name, touch times
/// 0, identical paths summed), and what the file held.
#[derive(Clone, Debug)]
pub struct PathTable {
    pub file: PathBuf,
    pub cols: JourneyColumns,
    /// Data rows read (before identical paths were summed).
    pub rows: u64,
    pub format: TableFormat,
    /// Key ids in the order the channels first appear in the table (ChannelAttribution
    /// lists channels, and numbers its transition matrix's states, in this order).
    pub first_seen: Vec<u32>,
    /// The value and null columns used, if any.
    pub value_col: Option<String>,
    pub nulls_col: Option<String>,
    pub total_conversions: f64,
    pub total_value: f64,
    pub total_nulls: f64,
}

impl PathTable {
    pub fn paths(&self) -> usize {
        self.cols.journeys()
    }

    /// Bytes of the columns a model call copies into the plugin.
    pub fn column_bytes(&self) -> u64 {
        let t = self.cols.touches() as u64;
        let n = self.cols.journeys() as u64;
        let names: u64 = self.cols.keys.iter().map(|k| k.len() as u64 + 8).sum();
        t * (4 + 8 + 1 + 4) + (n + 1) * 4 + n * (8 * 4) + names
    }
}

/// The table's Markov transition matrix of order `order`, as ChannelAttribution names it.
pub fn transitions(t: &PathTable, order: usize) -> Transitions {
    use crate::pipeline::attribute::transitions as tr;
    tr::transitions(&t.cols, &t.first_seen, order, tr::Labels::Numbers)
}

/// Finds each model on the plugin search path (`plugin_dirs` first) and loads it.
pub fn load_models(
    rt: &crate::runtime::Runtime,
    specs: &[String],
    plugin_dirs: &[PathBuf],
) -> anyhow::Result<Vec<crate::runtime::Plugin>> {
    use anyhow::Context;
    specs
        .iter()
        .map(|s| {
            let p =
                crate::plugin_path::resolve(s, None, plugin_dirs).map_err(anyhow::Error::msg)?;
            rt.load(&p, None, crate::runtime::Limits::default())
                .with_context(|| format!("loading the model {}", p.display()))
        })
        .collect()
}

/// Runs each model over the table, with the parameters the one rule of every command gives
/// it (`pipeline::params`: `K=V` for every model that declares K, `MODEL.K=V` for one);
/// `flag` names a parameter as the caller's user gave it, for errors.
pub fn run_models(
    t: &mut PathTable,
    specs: &[String],
    plugins: &mut [crate::runtime::Plugin],
    given: &[(String, String)],
    flag: impl Fn(&str) -> String,
) -> anyhow::Result<Vec<ModelResult>> {
    use anyhow::Context;
    let mut declared = vec![];
    for (i, p) in plugins.iter().enumerate() {
        let info = p
            .model_info()
            .with_context(|| format!("{} is a normalizer plugin, not a model", specs[i]))?;
        declared.push(crate::pipeline::params::Declared {
            spec: &specs[i],
            params: Some(info.params.iter().map(|s| s.name.clone()).collect()),
        });
    }
    let per_model =
        crate::pipeline::params::assign(&declared, given, flag).map_err(anyhow::Error::msg)?;
    let limits = limits_for(t);
    let mut results = vec![];
    for ((p, spec), params) in plugins.iter_mut().zip(specs).zip(&per_model) {
        p.limits = limits;
        results.push(run_model(t, spec, p, params)?);
    }
    Ok(results)
}

fn threads() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

fn show(field: &[u8]) -> String {
    crate::runtime::model::truncate(&String::from_utf8_lossy(field), 40)
}

/// A Neumaier-compensated sum, so totals and credits do not depend on the row order.
#[derive(Clone, Copy, Default, Debug)]
struct Sum {
    s: f64,
    c: f64,
}

impl Sum {
    #[inline]
    fn add(&mut self, x: f64) {
        let t = self.s + x;
        if self.s.abs() >= x.abs() {
            self.c += (self.s - t) + x;
        } else {
            self.c += (x - t) + self.s;
        }
        self.s = t;
    }

    fn get(self) -> f64 {
        self.s + self.c + 0.0
    }
}

/// What the tests of the submodules share: a table from text, and its paths.
#[cfg(test)]
mod testing {
    use std::path::Path;

    use super::*;

    pub(super) fn parse(text: &str, opts: &ReadOptions) -> Result<PathTable, Error> {
        read_from(text.as_bytes(), Path::new("t.csv"), opts)
    }

    pub(super) fn paths_of(t: &PathTable) -> Vec<(String, f64, f64, f64)> {
        (0..t.paths())
            .map(|j| {
                let p: Vec<&str> = t.cols.touch_key[t.cols.range(j)]
                    .iter()
                    .map(|&k| t.cols.keys[k as usize].as_str())
                    .collect();
                (
                    p.join(">"),
                    t.cols.conversions[j],
                    t.cols.nulls[j],
                    t.cols.value[j],
                )
            })
            .collect()
    }

    pub(super) fn err(text: &str) -> String {
        parse(text, &ReadOptions::default()).unwrap_err().0
    }
}
