//! The pipeline every command composes: **campaign → window → dataset → journeys →
//! attribution → insights → package**. The stages are the folders beside this file
//! (`campaign`, `normalize`, `attribute`, `insights`); `track-source`, `compare` and
//! `paths` are thin compositions of them (`crate::commands`), and so can any embedder:
//! each step is a function of the one before, with one window resolution, one run id and
//! one parameter rule for every command.
//!
//! | step | function | gives |
//! | --- | --- | --- |
//! | window | [`when`] | the analysis window, `--as-of`, and what normalizing needs of them |
//! | dataset | [`dataset`] | every partner's rows, normalized, reconciled and deduped, in the campaign's taxonomy |
//! | filter | [`filter`] | the touches the campaign's and the command's filters leave out, removed |
//! | journeys | [`attribute::journeys::build`] | each conversion's touches in its lookback |
//! | attribution | [`attribute::attribute`] | a model's weights, turned into money exactly |
//! | insights | [`insights::compute`] | the findings of a run |
//! | package | [`crate::report::render`] + [`crate::report::write_atomically`] | the files |
//!
//! [`params::assign`] gives each model its parameters; [`RunId`] names a run.

pub mod attribute;
pub mod campaign;
pub mod insights;
pub mod normalize;
pub mod params;

use anyhow::Context;
use chrono::NaiveDate;
use sha2::{Digest, Sha256};

use crate::runtime::Runtime;
use attribute::{Window, WindowSpec};
use campaign::Campaign;
use normalize::Dataset;

/// When a run looks: the window, the day it is as of, and the scope normalizing needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct When {
    pub window: Window,
    pub as_of: NaiveDate,
    pub scope: normalize::Scope,
}

/// The one window resolution: `spec` against the campaign's dates, as of `as_of` (default:
/// the campaign's last day, so a run is reproducible).
pub fn when(c: &Campaign, spec: &WindowSpec, as_of: Option<NaiveDate>) -> When {
    let as_of = as_of.unwrap_or(c.end);
    let window = Window::resolve(spec, c.start, c.end, as_of);
    When {
        window,
        as_of,
        scope: normalize::Scope::new(window, as_of),
    }
}

/// Gather and normalize: every source through its partner's normalizer plugin, then
/// reconciled and deduped into one dataset.
pub fn dataset(
    c: &Campaign,
    rt: &Runtime,
    plugin_dirs: &[std::path::PathBuf],
    when: &When,
    progress: &(dyn Fn(&str) + Sync),
) -> anyhow::Result<Dataset> {
    progress("loading plugins");
    let normalizers = normalize::load_plugins(c, rt, plugin_dirs)?;
    Ok(normalize::normalize_in(
        c,
        &normalizers,
        &when.scope,
        progress,
    )?)
}

/// Leaves out the touches the campaign's `[filters]` and the command's `--exclude` /
/// `--include` flags filter out, before any journey is built; what was left out is in
/// `ds.filtered` (and so in the report, the plan and the run id).
pub fn filter(c: &Campaign, ds: &mut Dataset, flags: &[campaign::rules::Filter]) {
    ds.filtered = normalize::taxonomy::filter(c, ds, flags);
}

/// The identity of a run: the campaign file's bytes, each source's data and normalizer
/// digests, then what the command adds (window, model, parameters…). The same inputs give
/// the same id, and so byte-identical packages.
pub struct RunId(Sha256);

impl RunId {
    pub fn new(c: &Campaign, ds: &Dataset) -> anyhow::Result<RunId> {
        let mut h = Sha256::new();
        h.update(
            crate::fsx::read_regular(&c.file, "campaign files", crate::fsx::CAMPAIGN_MAX)
                .with_context(|| format!("reading {}", c.file.display()))?,
        );
        for l in &ds.ledgers {
            h.update(l.sha256.as_bytes());
            h.update(l.plugin_sha256.as_bytes());
        }
        // Filters from flags change the output; the campaign's are in its bytes above.
        for f in &ds.filtered.from_flags {
            h.update(format!("|filter={f}"));
        }
        Ok(RunId(h))
    }

    /// Adds what else decides the output.
    pub fn with(mut self, part: impl AsRef<[u8]>) -> RunId {
        self.0.update(part);
        self
    }

    /// Adds parameters, each as `|k=v`.
    pub fn with_params(mut self, params: &[(String, String)]) -> RunId {
        for (k, v) in params {
            self.0.update(format!("|{k}={v}"));
        }
        self
    }

    /// The first 12 hex digits of the digest.
    pub fn finish(self) -> String {
        crate::runtime::cache::hex(&self.0.finalize())[..12].to_string()
    }
}
