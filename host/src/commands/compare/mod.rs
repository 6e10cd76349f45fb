//! `compare`: several models over the same journeys, side by side, and how far they agree.
//!
//! The data is normalized once and the journeys of the chosen measure (pipeline or
//! revenue) are built once; then every model runs over a copy of those journeys, at most
//! `jobs` at a time (each call has its own store already, so models share nothing but the
//! read-only data). A model that fails — it will not load, it traps, it exceeds a limit —
//! fails in its own column; the others complete.
//!
//! Credit is grouped by one dimension exactly, in minor units, the way
//! `insights::dimension_credit` groups it (a touch both partners reported is split evenly
//! between them when the dimension is the partner). Agreement (docs/compare.md):
//!
//! - for each pair of models, Spearman's rank correlation of their credits over the
//!   dimension values (ties get the average of the ranks they span; ρ is the Pearson
//!   correlation of those ranks) and the largest absolute difference of their shares;
//! - per value, the spread: the largest share any model gives it minus the smallest; the
//!   values with the largest spread are called out.

pub mod cli;
mod html;

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::data::partners_of;
use crate::money::split_units;
use crate::pipeline::attribute::holdout::{self, Evidence, OrderChoice};
use crate::pipeline::attribute::{
    self, Credit, Dimension, JourneySet, Key, Kind, Window, WindowSpec,
};
use crate::pipeline::campaign::Campaign;
use crate::pipeline::normalize::Dataset;
use crate::report::schema::{CampaignRef, WindowRef};
use crate::runtime::Runtime;
use crate::text::Sealed;

pub use html::render as render_html;

pub const SCHEMA_VERSION: u32 = 1;

/// How many values [`Comparison::disagreements`] calls out.
pub const CALLED_OUT: usize = 3;

pub struct Options {
    pub window: WindowSpec,
    pub as_of: Option<NaiveDate>,
    pub dimension: Dimension,
    /// Pipeline (opportunities created in the window) or revenue (won in the window).
    pub measure: Kind,
    /// What a Markov state or Shapley player is.
    pub key: Key,
    /// Model names (bundled, the campaign's `[[models]]`, `first-touch`, `last-touch`,
    /// `multi-touch`) or `.wasm` paths, in column order.
    pub models: Vec<String>,
    /// `MODEL.NAME` → value, from `--param MODEL.NAME=VALUE`; laid over the campaign's
    /// parameters for that model.
    pub params: Vec<(String, String)>,
    /// The bootstrap of each model's partner-share intervals (validation); None:
    /// `--no-intervals`.
    pub intervals: Option<crate::pipeline::insights::intervals::Spec>,
    /// Touch filters from the command line, beside the campaign's `[filters]`.
    pub filters: Vec<crate::pipeline::campaign::rules::Filter>,
    /// Where the package goes: `OUT/<campaign>/compare-<run-id>/`. None: write nothing.
    pub out: Option<PathBuf>,
    pub plugin_dirs: Vec<PathBuf>,
    /// Models running at once. None: one per core.
    pub jobs: Option<usize>,
}

/// One model to run: what the user named and the parameters they gave it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelSpec {
    pub spec: String,
    pub params: Vec<(String, String)>,
}

/// Column heading for a spec: a name as given, a path by its file stem.
pub use crate::pipeline::params::label_of;

/// Refuses a model named twice: its columns could not be told apart.
fn distinct(models: &[String]) -> Result<(), String> {
    match models
        .iter()
        .enumerate()
        .find(|(i, m)| models[..*i].contains(m))
    {
        Some((_, m)) => Err(format!("model `{m}` is listed twice in --models")),
        None => Ok(()),
    }
}

/// Each model with its parameters, by the rule every command follows
/// (`pipeline::params`): `MODEL.K=V` for one model, `K=V` for every model that declares
/// `K`. The plugins are read for what they declare only when a bare `K=V` needs it.
pub fn model_specs(
    c: &Campaign,
    rt: &Runtime,
    models: &[String],
    given: &[(String, String)],
    plugin_dirs: &[PathBuf],
) -> anyhow::Result<Vec<ModelSpec>> {
    use crate::pipeline::params::{Declared, assign, scope_of};
    distinct(models).map_err(anyhow::Error::msg)?;
    let bare = |declared: &[Declared]| given.iter().any(|(k, _)| scope_of(declared, k).is_none());
    let mut declared: Vec<Declared> = models
        .iter()
        .map(|m| Declared {
            spec: m,
            params: Some(vec![]),
        })
        .collect();
    if bare(&declared) {
        for d in &mut declared {
            d.params = crate::commands::track::resolve_model(c, rt, Some(d.spec), plugin_dirs)
                .ok()
                .and_then(|(p, _)| {
                    p.model_info()
                        .map(|i| i.params.iter().map(|s| s.name.clone()).collect())
                });
        }
    }
    let assigned =
        assign(&declared, given, |k| format!("--param {k}=…")).map_err(anyhow::Error::msg)?;
    Ok(models
        .iter()
        .zip(assigned)
        .map(|(m, params)| ModelSpec {
            spec: m.clone(),
            params,
        })
        .collect())
}

// ---------------------------------------------------------------------------------------
// Grouping credit by a dimension

/// Where each touch's credit goes in one dimension.
pub struct Grouping {
    pub dimension: Dimension,
    /// Value id → the value as shown (scrubbed of e-mail addresses).
    pub values: Vec<String>,
    /// Touch (index into `Dataset::touches`) → value id; unused for the partner dimension.
    of_touch: Vec<u32>,
    /// Partner index → value id, for the partner dimension.
    of_partner: Vec<u32>,
    /// Value id of `(none)`, for a touch no partner reported (partner dimension only).
    none: u32,
}

impl Grouping {
    pub fn new(c: &Campaign, ds: &Dataset, dimension: Dimension) -> Grouping {
        let mut values: Vec<String> = vec![];
        let mut ids: HashMap<String, u32> = HashMap::new();
        let mut id = |name: String, values: &mut Vec<String>| -> u32 {
            // Grouped as shown: two addresses are one `<e-mail>` row, never two.
            let name = crate::text::clean(&name).into_owned();
            *ids.entry(name.clone()).or_insert_with(|| {
                values.push(name);
                (values.len() - 1) as u32
            })
        };
        let (mut of_touch, mut of_partner) = (vec![], vec![]);
        if dimension == Dimension::Partner {
            of_partner = c
                .partners
                .iter()
                .map(|p| id(p.name.clone(), &mut values))
                .collect();
        } else {
            let mut by_sym: HashMap<crate::data::Sym, u32> = HashMap::new();
            of_touch = ds
                .touches
                .iter()
                .map(|t| {
                    *by_sym
                        .entry(dimension.sym(t))
                        .or_insert_with(|| id(dimension.value(t, ds, c), &mut values))
                })
                .collect();
        }
        let none = id("(none)".into(), &mut values);
        Grouping {
            dimension,
            values,
            of_touch,
            of_partner,
            none,
        }
    }

    /// Units credited per value id: exact sums, nothing lost to rounding.
    pub fn sum(&self, ds: &Dataset, credits: &[Credit]) -> Vec<i128> {
        let mut units = vec![0i128; self.values.len()];
        for cr in credits {
            if self.dimension == Dimension::Partner {
                let t = &ds.touches[cr.touch as usize];
                let ps: Vec<usize> = partners_of(t.partners).collect();
                if ps.is_empty() {
                    units[self.none as usize] += cr.units as i128;
                    continue;
                }
                for (p, u) in ps
                    .iter()
                    .zip(split_units(cr.units as i128, &vec![1.0; ps.len()]))
                {
                    units[self.of_partner[*p] as usize] += u;
                }
            } else {
                units[self.of_touch[cr.touch as usize] as usize] += cr.units as i128;
            }
        }
        units
    }
}

// ---------------------------------------------------------------------------------------
// Running the models

/// Time spent on one model, for progress lines and the benchmark (not written to files:
/// the same inputs must give byte-identical packages).
#[derive(Clone, Copy, Debug, Default)]
pub struct Timing {
    /// Resolving and loading the plugin (compiling it when the cache is cold).
    pub load: Duration,
    /// Copying the journeys, the model call, the exact money split and the grouping.
    pub run: Duration,
}

/// One model's column, before tabulation.
pub struct Column {
    pub spec: String,
    /// `name@version` once the plugin answered `info`; the spec before that.
    pub name: String,
    pub sha256: Option<String>,
    /// Every parameter in force: the model's defaults, the campaign's, then the user's.
    pub params: Vec<(String, String)>,
    pub notes: Vec<String>,
    /// Units per value id of the [`Grouping`], or the error, word for word.
    pub result: Result<Vec<i128>, String>,
    /// How `order=auto` was resolved for this model.
    pub order_choice: Option<OrderChoice>,
    /// Held-out scores, for the data-driven models whose statistics the host knows.
    pub held_out: Option<Evidence>,
    /// Each partner's credit with its 90% interval, or why it could not be drawn; None:
    /// no bootstrap asked for.
    pub partner_split: Option<Result<Vec<PartnerShare>, String>>,
    pub timing: Timing,
}

/// An error for the column, all of its chain (cleaned with the rest when sealed).
fn error_text(e: &anyhow::Error) -> String {
    format!("{e:#}")
}

/// What every model's run reads, shared by the workers.
pub struct Shared<'a> {
    pub c: &'a Campaign,
    pub rt: &'a Runtime,
    pub ds: &'a Dataset,
    pub journeys: &'a JourneySet,
    pub grouping: &'a Grouping,
    /// Each journey's account key: its bootstrap weights and its fold.
    pub keys: &'a [u64],
    pub window: Window,
    /// The bootstrap of each model's partner shares; None: none drawn.
    pub intervals: Option<crate::pipeline::insights::intervals::Spec>,
    pub plugin_dirs: &'a [PathBuf],
}

/// Loads and runs one model; every failure ends up in the column, none escapes.
fn run_one(sh: &Shared, m: &ModelSpec) -> Column {
    let mut col = Column {
        spec: m.spec.clone(),
        name: m.spec.clone(),
        sha256: None,
        params: m.params.clone(),
        notes: vec![],
        result: Err(String::new()),
        order_choice: None,
        held_out: None,
        partner_split: None,
        timing: Timing::default(),
    };
    let started = Instant::now();
    let (c, ds, journeys) = (sh.c, sh.ds, sh.journeys);
    let loaded = crate::commands::track::resolve_model(c, sh.rt, Some(&m.spec), sh.plugin_dirs);
    col.timing.load = started.elapsed();
    let (plugin, campaign_params) = match loaded {
        Ok(x) => x,
        Err(e) => {
            col.result = Err(error_text(&e));
            return col;
        }
    };
    col.name = plugin.label().name.clone();
    col.sha256 = Some(format!("sha256:{}", plugin.sha256));
    let mut params = campaign_params;
    params.extend(m.params.iter().cloned());
    let started = Instant::now();
    col.order_choice = holdout::resolve_auto(
        &mut params,
        &journeys.cols,
        || sh.keys,
        holdout::Unit::Accounts,
    );
    col.params = attribute::params_in_force(&plugin, &params);
    col.held_out = held_out(
        &plugin,
        &col.params,
        journeys,
        sh.keys,
        col.order_choice.as_ref(),
    );
    col.result = match attribute::attribute(
        c,
        ds,
        // `attribute` takes the journeys by value: a copy costs a few milliseconds per
        // million touches, building them again far more.
        journeys.clone(),
        &plugin,
        &params,
    ) {
        Ok(a) => {
            col.notes = a.run.notes.clone();
            col.partner_split = sh
                .intervals
                .map(|spec| partner_split(sh, &a, &plugin, &params, spec));
            Ok(sh.grouping.sum(ds, &a.credits))
        }
        Err(e) => Err(error_text(&e.into())),
    };
    col.timing.run = started.elapsed();
    col
}

/// The held-out scores of a bundled data-driven model (docs/compare.md, "Validation"):
/// Markov of the order in force, Shapley's rate game; None for every other model, whose
/// statistics the host does not know. An order chosen by `auto` has scored them already.
fn held_out(
    plugin: &crate::runtime::Plugin,
    params: &[(String, String)],
    journeys: &JourneySet,
    keys: &[u64],
    choice: Option<&OrderChoice>,
) -> Option<Evidence> {
    let name = plugin.model_info()?.name.as_str();
    let predictor = match name {
        "markov" => holdout::Predictor::Markov {
            order: params
                .iter()
                .find(|(k, _)| k == "order")
                .and_then(|(_, v)| v.parse().ok())
                .unwrap_or(1)
                .max(1),
        },
        "shapley" => holdout::Predictor::Shapley,
        _ => return None,
    };
    if let (Some(c), holdout::Predictor::Markov { order }) = (choice, predictor) {
        return c
            .scores
            .iter()
            .find(|s| s.order == order)
            .map(|s| Evidence {
                log_likelihood: s.log_likelihood.clone(),
                auc: s.auc.clone(),
            });
    }
    Some(holdout::cross_validate(&journeys.cols, keys, predictor))
}

/// A partner's credit from one model, with its 90% interval (a Poisson bootstrap over
/// accounts, re-solved per replicate for a model that reads non-converting journeys).
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct PartnerShare {
    pub partner: String,
    /// Of what the model credited.
    pub share: f64,
    /// The interval's bounds on the partner's credit, as shares of what the model credited
    /// (the measure of the confidence's split precision, docs/guardrails.md).
    pub lo: f64,
    pub hi: f64,
}

/// The partner split of one model's attribution and its intervals.
fn partner_split(
    sh: &Shared,
    a: &attribute::Attribution,
    plugin: &crate::runtime::Plugin,
    params: &[(String, String)],
    spec: crate::pipeline::insights::intervals::Spec,
) -> Result<Vec<PartnerShare>, String> {
    use crate::pipeline::insights;
    let inp = insights::Inputs {
        c: sh.c,
        ds: sh.ds,
        pipeline: a,
        revenue: a,
        window: sh.window,
        dimensions: &[Dimension::Partner],
        intervals: None,
    };
    let resolve = plugin
        .model_info()
        .is_some_and(|i| i.inputs.nulls)
        .then_some((plugin, params));
    let b = insights::intervals::bounds(&inp, a, &[Dimension::Partner], spec, resolve)
        .map_err(|e| e.to_string())?;
    let g = Grouping::new(sh.c, sh.ds, Dimension::Partner);
    let units = g.sum(sh.ds, &a.credits);
    let credited: i128 = units.iter().sum();
    let of = |u: i128| {
        if credited == 0 {
            0.0
        } else {
            u as f64 / credited as f64
        }
    };
    Ok(g.values
        .iter()
        .zip(&units)
        .filter(|(_, u)| **u != 0)
        .map(|(name, &u)| {
            let (lo, hi) = b.get(Dimension::Partner, name).unwrap_or((u, u));
            PartnerShare {
                partner: name.clone(),
                share: of(u),
                lo: of(lo),
                hi: of(hi),
            }
        })
        .collect())
}

/// Worker threads to use for `n` models when the caller did not say.
pub fn default_jobs(n: usize) -> usize {
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    cores.min(n).max(1)
}

/// Runs every model over the same journeys, at most `jobs` at once, and returns the
/// columns in the order of `models`. Workers take the next model from a shared queue, so
/// a slow model never holds up a free core.
pub fn run_models(
    sh: &Shared,
    models: &[ModelSpec],
    jobs: usize,
    progress: &(dyn Fn(&str) + Sync),
) -> Vec<Column> {
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let jobs = jobs.clamp(1, models.len().max(1));
    let mut slots: Vec<Option<Column>> = (0..models.len()).map(|_| None).collect();
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..jobs)
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = vec![];
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(m) = models.get(i) else { break };
                        // A bug in the host must not take the other columns with it.
                        let col = std::panic::catch_unwind(AssertUnwindSafe(|| {
                            run_one(sh, m)
                        }))
                        .unwrap_or_else(|p| {
                            let why = p
                                .downcast_ref::<String>()
                                .cloned()
                                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                                .unwrap_or_default();
                            Column {
                                spec: m.spec.clone(),
                                name: m.spec.clone(),
                                sha256: None,
                                params: m.params.clone(),
                                notes: vec![],
                                order_choice: None,
                                held_out: None,
                                partner_split: None,
                                result: Err(format!(
                                    "the host failed while running this model (a bug in ascribe, please report it): {why}"
                                )),
                                timing: Timing::default(),
                            }
                        });
                        let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                        progress(&format!(
                            "attributing: {n} of {} models done ({} {})",
                            models.len(),
                            label_of(&m.spec),
                            if col.result.is_ok() { "ok" } else { "failed" }
                        ));
                        mine.push((i, col));
                    }
                    mine
                })
            })
            .collect();
        for w in workers {
            // Workers catch every panic of a model run, so a join error is impossible.
            for (i, col) in w.join().expect("compare worker") {
                slots[i] = Some(col);
            }
        }
    });
    slots
        .into_iter()
        .map(|s| s.expect("every model ran"))
        .collect()
}

// ---------------------------------------------------------------------------------------
// Agreement: pure functions of credit tables

/// Shares of the total, 0 when the total is 0.
pub fn shares(units: &[i128]) -> Vec<f64> {
    let total: i128 = units.iter().sum();
    units
        .iter()
        .map(|&u| {
            if total == 0 {
                0.0
            } else {
                u as f64 / total as f64
            }
        })
        .collect()
}

/// Ranks from 1 (smallest) to n; tied values share the average of the ranks they span.
pub fn average_ranks(x: &[i128]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..x.len()).collect();
    order.sort_by_key(|&i| x[i]);
    let mut ranks = vec![0.0; x.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && x[order[j + 1]] == x[order[i]] {
            j += 1;
        }
        // Positions i..=j hold ranks i+1..=j+1: their average.
        let r = (i + j) as f64 / 2.0 + 1.0;
        for &k in &order[i..=j] {
            ranks[k] = r;
        }
        i = j + 1;
    }
    ranks
}

/// Spearman's ρ: the Pearson correlation of the average ranks. None when it is undefined:
/// fewer than two values, or one side ranks every value the same.
pub fn spearman(a: &[i128], b: &[i128]) -> Option<f64> {
    assert_eq!(a.len(), b.len(), "credit tables over the same values");
    let n = a.len();
    if n < 2 {
        return None;
    }
    let (ra, rb) = (average_ranks(a), average_ranks(b));
    // Both rank vectors have the mean (n+1)/2, whatever the ties.
    let mean = (n as f64 + 1.0) / 2.0;
    let (mut cov, mut va, mut vb) = (0.0, 0.0, 0.0);
    for i in 0..n {
        let (da, db) = (ra[i] - mean, rb[i] - mean);
        cov += da * db;
        va += da * da;
        vb += db * db;
    }
    if va == 0.0 || vb == 0.0 {
        return None;
    }
    Some((cov / (va * vb).sqrt()).clamp(-1.0, 1.0))
}

/// The largest |a − b| over the values, with the first value where it occurs.
pub fn max_share_difference(a: &[f64], b: &[f64]) -> Option<(usize, f64)> {
    assert_eq!(a.len(), b.len(), "shares over the same values");
    let mut best: Option<(usize, f64)> = None;
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        let d = (x - y).abs();
        if best.is_none_or(|(_, b)| d > b) {
            best = Some((i, d));
        }
    }
    best
}

/// Per value (row): the largest share any model gives it minus the smallest, and which
/// models give them (the first model in column order on a tie). `shares[m][v]`.
pub fn spreads(shares: &[&[f64]]) -> Vec<(f64, usize, usize)> {
    let Some(first) = shares.first() else {
        return vec![];
    };
    (0..first.len())
        .map(|v| {
            let (mut hi, mut lo) = (0, 0);
            for (m, s) in shares.iter().enumerate() {
                if s[v] > shares[hi][v] {
                    hi = m;
                }
                if s[v] < shares[lo][v] {
                    lo = m;
                }
            }
            (shares[hi][v] - shares[lo][v], hi, lo)
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// The comparison, as data

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Comparison {
    #[schemars(extend("const" = SCHEMA_VERSION))]
    pub schema_version: u32,
    /// Derived from the inputs: the same inputs give the same id and identical files.
    #[schemars(pattern(crate::report::json_schema::RUN_ID_PATTERN))]
    pub run_id: String,
    pub campaign: CampaignRef,
    pub window: WindowRef,
    pub dimension: String,
    /// `pipeline` or `revenue` (money), or the counted milestone `lead`, `mql`, `sql`
    /// (`--stage`).
    #[schemars(extend("enum" = ["pipeline", "revenue", "lead", "mql", "sql"]))]
    pub measure: String,
    /// What every amount is in: the campaign's currency, or `cnt` for milestones counted
    /// (three decimals: a lead split over three touches is 0.334 + 0.333 + 0.333).
    pub unit: String,
    pub attribution_key: String,
    /// The measure in the window: every conversion's amount.
    #[schemars(with = "crate::report::json_schema::DecimalString")]
    pub total: Decimal,
    /// Conversions with no touch in the lookback: credited to nothing by any model.
    #[schemars(with = "crate::report::json_schema::DecimalString")]
    pub unattributed: Decimal,
    pub conversions: u64,
    pub journeys: u64,
    pub touches: u64,
    /// One per requested model, in column order.
    pub models: Vec<ModelColumn>,
    /// Dimension values credited by at least one model, by mean share, largest first.
    pub rows: Vec<Row>,
    /// Every pair of models that completed, in column order.
    pub agreement: Vec<PairAgreement>,
    /// The values the models disagree on most (largest spread), at most [`CALLED_OUT`].
    pub disagreements: Vec<Disagreement>,
    /// The evidence for the model to agree on, and the model it recommends.
    pub validation: Validation,
}

/// The evidence for the model to agree on (docs/compare.md, "Validation").
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Validation {
    /// Folds of the held-out scores (accounts, by a keyed hash).
    pub folds: usize,
    /// The bootstrap behind the partner-share intervals; None: `--no-intervals`.
    pub replicates: Option<u32>,
    pub seed: Option<u64>,
    /// The model recommended by the rule, by its column label; None when no model
    /// qualifies.
    pub recommended: Option<String>,
    /// The pick stands on unstable splits: no model's partner intervals are all narrow
    /// enough.
    pub provisional: bool,
    /// Why, in a sentence.
    pub reason: String,
    /// The rule, as docs/compare.md states it.
    pub rule: String,
    /// The model the campaign file pins as agreed (`agreed = true`), by name.
    pub agreed: Option<String>,
}

/// A partner-share interval wider than this (hi − lo, of the credited total) is too loose
/// to settle a dispute over the split.
pub const STABLE_WIDTH: f64 = 0.10;
/// A held-out AUC a data-driven model must reach to count as predicting conversion.
pub const PREDICTIVE_AUC: f64 = 0.55;

pub const RECOMMENDATION_RULE: &str = "a model qualifies when every partner's 90% interval is at most 10 points wide (when none does, every completed model does and the pick is provisional); among those, the data-driven model with the best held-out AUC (at least 0.55) is recommended; if none predicts that well, the qualifying model that agrees most with the others (mean of 1 − the largest share difference, over pairs); ties go to the narrower widest interval, then to column order";

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct ModelColumn {
    /// The column heading: the model as named, or a path's file stem.
    pub label: String,
    /// As given in --models.
    pub spec: String,
    /// `name@version`.
    pub name: String,
    #[schemars(pattern(crate::report::json_schema::DIGEST_PATTERN))]
    pub sha256: Option<String>,
    pub params: Vec<(String, String)>,
    pub notes: Vec<String>,
    /// `ok` or `failed`.
    #[schemars(extend("enum" = ["ok", "failed"]))]
    pub status: String,
    pub error: Option<String>,
    /// What the model credited in all: the total less the unattributed.
    #[schemars(with = "Option<crate::report::json_schema::DecimalString>")]
    pub credited: Option<Decimal>,
    /// How `--order auto` chose this model's Markov order.
    pub order_selection: Option<OrderChoice>,
    /// Held-out scores (log-likelihood per outcome, AUC of conversion), for Markov and
    /// Shapley.
    pub held_out: Option<Evidence>,
    /// Each partner's share with its 90% interval; None without intervals.
    pub partner_split: Option<Vec<PartnerShare>>,
    /// Why the partner intervals could not be drawn (a data-driven model past its time).
    pub partner_split_error: Option<String>,
    /// The widest partner interval, hi − lo; 0 with one partner; None without intervals.
    pub widest_partner_interval: Option<f64>,
    /// Mean over the other completed models of 1 − the largest share difference.
    pub mean_agreement: Option<f64>,
}

impl ModelColumn {
    pub fn ok(&self) -> bool {
        self.error.is_none()
    }
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Row {
    pub value: String,
    /// One per model; None where the model failed.
    pub cells: Vec<Option<Cell>>,
    pub mean_share: f64,
    /// Largest share minus smallest, over the models that completed.
    pub spread: f64,
}

#[derive(Clone, Copy, Debug, Serialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Cell {
    /// Exact: a sum of minor units.
    #[schemars(with = "crate::report::json_schema::DecimalString")]
    pub amount: Decimal,
    /// Of what this model credited.
    pub share: f64,
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct PairAgreement {
    pub a: String,
    pub b: String,
    /// Spearman's ρ of the two models' credits over the rows; None when undefined.
    pub spearman: Option<f64>,
    /// Largest |share_a − share_b| over the rows.
    pub max_share_difference: f64,
    /// The row where it occurs.
    pub at: Option<String>,
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Disagreement {
    pub value: String,
    pub spread: f64,
    pub high: ModelShare,
    pub low: ModelShare,
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct ModelShare {
    pub model: String,
    pub share: f64,
}

/// Facts about the run the table does not derive from the columns.
pub struct Facts<'a> {
    pub c: &'a Campaign,
    pub run_id: String,
    pub window: WindowRef,
    pub dimension: Dimension,
    pub measure: Kind,
    pub key: &'a Key,
    pub total_units: i128,
    pub unattributed_units: i128,
    pub conversions: u64,
    pub journeys: u64,
    pub touches: u64,
    pub intervals: Option<crate::pipeline::insights::intervals::Spec>,
}

/// The recommendation by [`RECOMMENDATION_RULE`].
pub fn recommend(
    models: &[ModelColumn],
    spec: Option<crate::pipeline::insights::intervals::Spec>,
    agreed: Option<&str>,
) -> Validation {
    let mut v = Validation {
        folds: holdout::FOLDS,
        replicates: spec.map(|s| s.replicates),
        seed: spec.map(|s| s.seed),
        recommended: None,
        provisional: false,
        reason: String::new(),
        rule: RECOMMENDATION_RULE.to_string(),
        agreed: agreed.map(str::to_string),
    };
    let ok: Vec<&ModelColumn> = models.iter().filter(|m| m.ok()).collect();
    if ok.is_empty() {
        v.reason = "no model completed".into();
        return v;
    }
    if spec.is_none() {
        v.reason = "no recommendation without intervals: the rule needs each partner's interval (drop --no-intervals)".into();
        return v;
    }
    let width = |m: &ModelColumn| m.widest_partner_interval.unwrap_or(f64::INFINITY);
    let stable: Vec<&ModelColumn> = ok
        .iter()
        .copied()
        .filter(|m| width(m) <= STABLE_WIDTH)
        .collect();
    // With no stable model the rule still picks among all, and says the pick is
    // provisional: a recommendation the data cannot yet hold to.
    let provisional = stable.is_empty();
    let stable = if provisional { ok.clone() } else { stable };
    let caveat = if provisional {
        let best = ok.iter().map(|m| width(m)).fold(f64::INFINITY, f64::min);
        v.provisional = true;
        format!(
            "; provisional: no model pins the partner split down (the narrowest widest interval is {:.1} points, at most {:.0} needed), so a longer window or more matched accounts could change it",
            best * 100.0,
            STABLE_WIDTH * 100.0
        )
    } else {
        format!(
            " and every partner's interval is at most {:.0} points wide",
            STABLE_WIDTH * 100.0
        )
    };
    let auc = |m: &ModelColumn| m.held_out.as_ref()?.auc.as_ref().map(|s| s.mean);
    // The best score wins; equal scores (to 1e-9) go to the narrower widest interval, then
    // to the earlier column.
    fn pick<'m>(
        score: &dyn Fn(&ModelColumn) -> f64,
        width: &dyn Fn(&ModelColumn) -> f64,
        cands: &[&'m ModelColumn],
    ) -> Option<&'m ModelColumn> {
        let mut best: Option<&ModelColumn> = None;
        for &m in cands {
            let better = match best {
                None => true,
                Some(b) => {
                    let (sm, sb) = (score(m), score(b));
                    sm > sb + 1e-9 || ((sm - sb).abs() <= 1e-9 && width(m) < width(b))
                }
            };
            if better {
                best = Some(m);
            }
        }
        best
    }
    let predictive: Vec<&ModelColumn> = stable
        .iter()
        .copied()
        .filter(|m| auc(m).is_some_and(|a| a >= PREDICTIVE_AUC))
        .collect();
    if let Some(m) = pick(&|m| auc(m).unwrap_or(0.0), &width, &predictive) {
        v.reason = format!(
            "{} predicts conversion on held-out accounts best (AUC {:.3}){caveat}",
            m.label,
            auc(m).unwrap_or(0.0),
        );
        v.recommended = Some(m.label.clone());
        return v;
    }
    let m = pick(&|m| m.mean_agreement.unwrap_or(1.0), &width, &stable).expect("a completed model");
    v.reason = format!(
        "no data-driven model predicts conversion on held-out accounts (AUC at least {PREDICTIVE_AUC}); {} agrees most with the other models{caveat}",
        m.label
    );
    v.recommended = Some(m.label.clone());
    v
}

/// Unique column headings: a second `panic` (two paths, one stem) becomes `panic#2`.
fn labels(columns: &[Column]) -> Vec<String> {
    let mut out: Vec<String> = vec![];
    for col in columns {
        let base = label_of(&col.spec);
        let mut l = base.clone();
        let mut k = 2;
        while out.contains(&l) {
            l = format!("{base}#{k}");
            k += 1;
        }
        out.push(l);
    }
    out
}

/// The comparison of finished columns: rows, shares, agreement and disagreements.
pub fn tabulate(cx: &Facts, grouping: &Grouping, columns: &[Column]) -> Sealed<Comparison> {
    let cur = cx.measure.unit(cx.c);
    let labels = labels(columns);
    let ok: Vec<usize> = (0..columns.len())
        .filter(|&m| columns[m].result.is_ok())
        .collect();
    // Rows: values some completed model credits (a zero everywhere is not a row).
    let units = |m: usize| columns[m].result.as_ref().expect("a completed model");
    let mut rows: Vec<usize> = (0..grouping.values.len())
        .filter(|&v| ok.iter().any(|&m| units(m)[v] != 0))
        .collect();
    let share_of: Vec<Option<Vec<f64>>> = columns
        .iter()
        .map(|col| col.result.as_ref().ok().map(|u| shares(u)))
        .collect();
    let mean = |v: usize| {
        if ok.is_empty() {
            0.0
        } else {
            ok.iter()
                .map(|&m| share_of[m].as_ref().unwrap()[v])
                .sum::<f64>()
                / ok.len() as f64
        }
    };
    rows.sort_by(|&a, &b| {
        mean(b)
            .total_cmp(&mean(a))
            .then_with(|| grouping.values[a].cmp(&grouping.values[b]))
    });

    // Per model, over the rows in order.
    let row_units: Vec<Vec<i128>> = ok
        .iter()
        .map(|&m| rows.iter().map(|&v| units(m)[v]).collect())
        .collect();
    let row_shares: Vec<Vec<f64>> = ok
        .iter()
        .map(|&m| {
            let s = share_of[m].as_ref().unwrap();
            rows.iter().map(|&v| s[v]).collect()
        })
        .collect();
    let spread = spreads(&row_shares.iter().map(|s| s.as_slice()).collect::<Vec<_>>());

    let mut agreement = vec![];
    for i in 0..ok.len() {
        for j in i + 1..ok.len() {
            let d = max_share_difference(&row_shares[i], &row_shares[j]);
            agreement.push(PairAgreement {
                a: labels[ok[i]].clone(),
                b: labels[ok[j]].clone(),
                spearman: spearman(&row_units[i], &row_units[j]),
                max_share_difference: d.map(|x| x.1).unwrap_or(0.0),
                at: d.map(|(r, _)| grouping.values[rows[r]].clone()),
            });
        }
    }
    let mut by_spread: Vec<usize> = (0..rows.len()).filter(|&r| spread[r].0 > 0.0).collect();
    by_spread.sort_by(|&a, &b| spread[b].0.total_cmp(&spread[a].0).then(a.cmp(&b)));
    let disagreements = by_spread
        .into_iter()
        .take(CALLED_OUT)
        .map(|r| {
            let (s, hi, lo) = spread[r];
            Disagreement {
                value: grouping.values[rows[r]].clone(),
                spread: s,
                high: ModelShare {
                    model: labels[ok[hi]].clone(),
                    share: row_shares[hi][r],
                },
                low: ModelShare {
                    model: labels[ok[lo]].clone(),
                    share: row_shares[lo][r],
                },
            }
        })
        .collect();

    let models = columns
        .iter()
        .zip(&labels)
        .map(|(col, label)| ModelColumn {
            label: label.clone(),
            spec: col.spec.clone(),
            name: col.name.clone(),
            sha256: col.sha256.clone(),
            params: col.params.clone(),
            notes: col.notes.clone(),
            status: if col.result.is_ok() { "ok" } else { "failed" }.into(),
            error: col.result.as_ref().err().cloned(),
            credited: col
                .result
                .as_ref()
                .ok()
                .map(|u| cur.units(u.iter().sum()).decimal()),
            order_selection: col.order_choice.clone(),
            held_out: col.held_out.clone(),
            partner_split: col
                .partner_split
                .as_ref()
                .and_then(|r| r.as_ref().ok().cloned()),
            partner_split_error: col
                .partner_split
                .as_ref()
                .and_then(|r| r.as_ref().err().cloned()),
            widest_partner_interval: col
                .partner_split
                .as_ref()
                .and_then(|r| r.as_ref().ok())
                .map(|ps| ps.iter().map(|p| p.hi - p.lo).fold(0.0, f64::max)),
            mean_agreement: None,
        })
        .collect::<Vec<ModelColumn>>();
    let mut models = models;
    for m in models.iter_mut().filter(|m| m.ok()) {
        let diffs: Vec<f64> = agreement
            .iter()
            .filter(|p| p.a == m.label || p.b == m.label)
            .map(|p| 1.0 - p.max_share_difference)
            .collect();
        if !diffs.is_empty() {
            m.mean_agreement = Some(diffs.iter().sum::<f64>() / diffs.len() as f64);
        }
    }
    let validation = recommend(
        &models,
        cx.intervals,
        cx.c.agreed_model().map(|m| m.name.as_str()),
    );
    let rows = rows
        .iter()
        .enumerate()
        .map(|(r, &v)| Row {
            value: grouping.values[v].clone(),
            cells: columns
                .iter()
                .zip(&share_of)
                .map(|(col, s)| {
                    let (u, s) = (col.result.as_ref().ok()?, s.as_ref()?);
                    Some(Cell {
                        amount: cur.units(u[v]).decimal(),
                        share: s[v],
                    })
                })
                .collect(),
            mean_share: mean(v),
            spread: spread.get(r).map(|s| s.0).unwrap_or(0.0),
        })
        .collect();
    let c = cx.c;
    crate::text::seal(Comparison {
        schema_version: SCHEMA_VERSION,
        run_id: cx.run_id.clone(),
        campaign: CampaignRef::of(c),
        window: cx.window.clone(),
        dimension: cx.dimension.name().to_string(),
        measure: cx.measure.name().to_string(),
        unit: cur.code().to_string(),
        attribution_key: cx.key.name(),
        total: cur.units(cx.total_units).decimal(),
        unattributed: cur.units(cx.unattributed_units).decimal(),
        conversions: cx.conversions,
        journeys: cx.journeys,
        touches: cx.touches,
        models,
        rows,
        agreement,
        disagreements,
        validation,
    })
}

// ---------------------------------------------------------------------------------------
// Views: CSV and JSON (HTML in compare/html.rs)

/// One line per value and model, so a failed model's error sits in its own rows and a
/// pivot table gets every combination.
pub fn csv(cmp: &Sealed<Comparison>) -> anyhow::Result<Vec<u8>> {
    let mut w = crate::text::CsvCells::new();
    w.header(&[
        "dimension",
        "value",
        "model",
        "measure",
        "amount",
        "currency",
        "share",
        "status",
        "error",
    ])?;
    let mut line = |value: &str, m: &ModelColumn, cell: Option<Cell>| {
        w.text(&cmp.dimension)
            .text(value)
            .text(&m.label)
            .text(&cmp.measure)
            .num(cell.map(|c| c.amount.to_string()).unwrap_or_default())
            .text(&cmp.unit)
            .num(cell.map(|c| format!("{:.6}", c.share)).unwrap_or_default())
            .text(&m.status)
            .text(m.error.as_deref().unwrap_or(""))
            .end_row()
    };
    for row in &cmp.rows {
        for (m, cell) in cmp.models.iter().zip(&row.cells) {
            line(&row.value, m, *cell)?;
        }
    }
    // A failed model still gets a line when no model credited anything.
    if cmp.rows.is_empty() {
        for m in cmp.models.iter().filter(|m| !m.ok()) {
            line("", m, None)?;
        }
    }
    w.into_bytes()
}

pub fn json(cmp: &Sealed<Comparison>) -> anyhow::Result<String> {
    Ok(format!("{}\n", serde_json::to_string_pretty(cmp)?))
}

/// The package's files, name → bytes.
pub fn render(cmp: &Sealed<Comparison>) -> anyhow::Result<Vec<(&'static str, Vec<u8>)>> {
    Ok(vec![
        ("compare.html", render_html(cmp).into_bytes()),
        ("compare.csv", csv(cmp)?),
        ("compare.json", json(cmp)?.into_bytes()),
    ])
}

// ---------------------------------------------------------------------------------------
// The whole command

pub struct Outcome {
    pub comparison: Sealed<Comparison>,
    pub package: Option<PathBuf>,
    /// Per model, in column order.
    pub timings: Vec<Timing>,
    pub normalize: Duration,
    pub journeys: Duration,
    /// Wall time of running every model (loading included).
    pub attribute: Duration,
}

impl Outcome {
    pub fn all_failed(&self) -> bool {
        !self.comparison.models.iter().any(|m| m.ok())
    }
}

/// Refuses names that resolve to nothing before anything runs: a typo in --models must not
/// cost a whole normalization. A model that resolves but will not load or run fails later,
/// in its column.
fn check_names(c: &Campaign, models: &[String], plugin_dirs: &[PathBuf]) -> anyhow::Result<()> {
    for s in models {
        let s = s.as_str();
        if s == "multi-touch" || c.models.iter().any(|e| e.name == s) {
            continue;
        }
        if crate::plugin_path::is_path(s) {
            anyhow::ensure!(
                Path::new(s).is_file(),
                "model `{s}`: no such file (a path in --models names a .wasm file)"
            );
            continue;
        }
        if crate::plugin_path::resolve(s, None, plugin_dirs).is_err() {
            anyhow::bail!(
                "unknown model `{s}`; {}",
                crate::commands::track::where_models_are(c, plugin_dirs)
            );
        }
    }
    Ok(())
}

/// Identity of a comparison: everything that decides its output.
fn run_id(
    c: &Campaign,
    ds: &Dataset,
    window: &Window,
    opts: &Options,
    columns: &[Column],
) -> anyhow::Result<String> {
    let mut id = crate::pipeline::RunId::new(c, ds)?.with(format!(
        "compare|{window:?}|{}|{}|{}|{}",
        opts.window,
        opts.dimension.name(),
        opts.measure.name(),
        opts.key.name()
    ));
    for col in columns {
        id = id
            .with(format!(
                "|{}|{}",
                col.spec,
                col.sha256.as_deref().unwrap_or("-")
            ))
            .with_params(&col.params);
    }
    Ok(id.finish())
}

pub fn package_dir(out: &Path, c: &Campaign, run_id: &str) -> PathBuf {
    crate::report::package_dir(out, &c.id, &format!("compare-{run_id}"))
}

pub fn run(
    c: &Campaign,
    rt: &Runtime,
    opts: &Options,
    progress: &(dyn Fn(&str) + Sync),
) -> anyhow::Result<Outcome> {
    anyhow::ensure!(
        !opts.models.is_empty(),
        "name at least one model in --models"
    );
    distinct(&opts.models).map_err(anyhow::Error::msg)?;
    check_names(c, &opts.models, &opts.plugin_dirs)?;
    let models = model_specs(c, rt, &opts.models, &opts.params, &opts.plugin_dirs)?;

    let started = Instant::now();
    let when = crate::pipeline::when(c, &opts.window, opts.as_of);
    let window = when.window;
    let mut ds = crate::pipeline::dataset(c, rt, &opts.plugin_dirs, &when, progress)?;
    crate::pipeline::filter(c, &mut ds, &opts.filters);
    let normalize_time = started.elapsed();

    progress("building journeys");
    let started = Instant::now();
    let journeys = attribute::journeys::build(c, &ds, opts.measure, window, &opts.key);
    let grouping = Grouping::new(c, &ds, opts.dimension);
    let keys = journeys.account_keys(&ds);
    let journeys_time = started.elapsed();

    progress("attributing");
    let started = Instant::now();
    let jobs = opts.jobs.unwrap_or_else(|| default_jobs(models.len()));
    let shared = Shared {
        c,
        rt,
        ds: &ds,
        journeys: &journeys,
        grouping: &grouping,
        keys: &keys,
        window,
        intervals: opts.intervals,
        plugin_dirs: &opts.plugin_dirs,
    };
    let columns = run_models(&shared, &models, jobs, progress);
    let attribute_time = started.elapsed();

    let (mut total, mut unattributed, mut conversions) = (0i128, 0i128, 0u64);
    for (j, conv) in journeys.conversion_of.iter().enumerate() {
        if conv.is_none() {
            continue;
        }
        let u = journeys.amount(j, c, &ds).units();
        total += u;
        conversions += 1;
        if journeys.cols.range(j).is_empty() {
            unattributed += u;
        }
    }
    let id = run_id(c, &ds, &window, opts, &columns)?;
    let cx = Facts {
        c,
        run_id: id.clone(),
        window: WindowRef::of(&opts.window, &when, c.lookback_days),
        dimension: opts.dimension,
        measure: opts.measure,
        key: &opts.key,
        total_units: total,
        unattributed_units: unattributed,
        conversions,
        journeys: journeys.conversion_of.len() as u64,
        touches: journeys.cols.touches() as u64,
        intervals: opts.intervals,
    };
    let comparison = tabulate(&cx, &grouping, &columns);

    let package = match &opts.out {
        Some(out) => {
            progress("writing the comparison");
            let dir = package_dir(out, c, &id);
            crate::report::write_atomically(&dir, &render(&comparison)?)?;
            Some(dir)
        }
        None => None,
    };
    Ok(Outcome {
        comparison,
        package,
        timings: columns.iter().map(|c| c.timing).collect(),
        normalize: normalize_time,
        journeys: journeys_time,
        attribute: attribute_time,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn average_ranks_share_ties() {
        // 40 40 0 20 sorted: 0 (rank 1), 20 (rank 2), 40 40 (ranks 3 and 4 → 3.5 each).
        assert_eq!(average_ranks(&[40, 40, 0, 20]), vec![3.5, 3.5, 1.0, 2.0]);
        // All tied: every value gets (1+2+3)/3 = 2.
        assert_eq!(average_ranks(&[7, 7, 7]), vec![2.0, 2.0, 2.0]);
        assert_eq!(average_ranks(&[]), Vec::<f64>::new());
    }

    /// Four values a, b, c, d (units of two models, each crediting 100 in all):
    ///
    /// ```text
    ///            a    b    c    d
    /// model 1   50   30   20    0    shares .5 .3 .2 0
    /// model 2   40   40    0   20    shares .4 .4 0 .2
    /// ```
    ///
    /// Ranks (1 = smallest): model 1: d=1 c=2 b=3 a=4 → (4, 3, 2, 1); model 2: c=1 d=2 and
    /// a, b tie for 3 and 4 → 3.5 each → (3.5, 3.5, 1, 2). Mean rank (n+1)/2 = 2.5.
    /// Deviations: model 1 (1.5, 0.5, −0.5, −1.5), model 2 (1, 1, −1.5, −0.5).
    /// Σ products = 1.5 + 0.5 + 0.75 + 0.75 = 3.5; Σ squares 5 and 1+1+2.25+0.25 = 4.5.
    /// ρ = 3.5 / √(5 × 4.5) = 3.5 / √22.5 = 0.737864787…
    ///
    /// Share differences |.5−.4| = .1, |.3−.4| = .1, |.2−0| = .2, |0−.2| = .2: the largest
    /// is 0.2, first at c.
    #[test]
    fn hand_computed_pair() {
        let (m1, m2) = ([50i128, 30, 20, 0], [40i128, 40, 0, 20]);
        let rho = spearman(&m1, &m2).unwrap();
        assert!(close(rho, 3.5 / 22.5f64.sqrt()), "{rho}");
        assert!(close(rho, 0.737_864_787_372_622), "{rho}");
        let (s1, s2) = (shares(&m1), shares(&m2));
        assert_eq!(s1, vec![0.5, 0.3, 0.2, 0.0]);
        let (at, d) = max_share_difference(&s1, &s2).unwrap();
        assert_eq!(at, 2);
        assert!(close(d, 0.2), "{d}");
        // Symmetric.
        assert!(close(spearman(&m2, &m1).unwrap(), rho));
    }

    #[test]
    fn spearman_extremes_and_undefined() {
        // Same order → 1; reversed → −1 (ranks (1,2,3) against (3,2,1): Σd·d = −2, Σd² = 2).
        assert!(close(spearman(&[1, 2, 3], &[10, 20, 30]).unwrap(), 1.0));
        assert!(close(spearman(&[1, 2, 3], &[30, 20, 10]).unwrap(), -1.0));
        // A model that credits every value the same ranks nothing: ρ is undefined.
        assert_eq!(spearman(&[5, 5, 5], &[1, 2, 3]), None);
        assert_eq!(spearman(&[5], &[1]), None);
    }

    /// Three models over three values (shares): spread = max − min per value.
    ///
    /// ```text
    ///            x     y     z
    /// m0       0.7   0.0   0.3
    /// m1       0.2   0.8   0.0
    /// m2       0.4   0.3   0.3
    /// ```
    ///
    /// x: 0.7 (m0) − 0.2 (m1) = 0.5; y: 0.8 (m1) − 0.0 (m0) = 0.8; z: 0.3 (m0 first) − 0 (m1).
    #[test]
    fn spreads_name_the_extremes() {
        let m0 = [0.7, 0.0, 0.3];
        let m1 = [0.2, 0.8, 0.0];
        let m2 = [0.4, 0.3, 0.3];
        let s = spreads(&[&m0, &m1, &m2]);
        assert!(
            close(s[0].0, 0.5) && s[0].1 == 0 && s[0].2 == 1,
            "{:?}",
            s[0]
        );
        assert!(
            close(s[1].0, 0.8) && s[1].1 == 1 && s[1].2 == 0,
            "{:?}",
            s[1]
        );
        assert!(
            close(s[2].0, 0.3) && s[2].1 == 0 && s[2].2 == 1,
            "{:?}",
            s[2]
        );
    }

    #[test]
    fn a_model_named_twice_is_refused() {
        assert_eq!(
            distinct(&["linear".into(), "markov".into(), "linear".into()]).unwrap_err(),
            "model `linear` is listed twice in --models"
        );
        assert!(distinct(&["linear".into(), "markov".into()]).is_ok());
    }
}

crate::sanitize_fields! {
    Comparison { schema_version, run_id, campaign, window, dimension, measure, unit, attribution_key, total, unattributed, conversions, journeys, touches, models, rows, agreement, disagreements, validation }
    ModelColumn { label, spec, name, sha256, params, notes, status, error, credited, order_selection, held_out, partner_split, partner_split_error, widest_partner_interval, mean_agreement }
    Validation { folds, replicates, seed, recommended, provisional, reason, rule, agreed }
    PartnerShare { partner, share, lo, hi }
    Row { value, cells, mean_share, spread }
    PairAgreement { a, b, spearman, max_share_difference, at }
    Disagreement { value, spread, high, low }
    ModelShare { model, share }
}

impl crate::text::Sanitize for Cell {
    fn sanitize(&mut self) {}
}
