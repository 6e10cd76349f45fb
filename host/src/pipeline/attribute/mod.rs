//! attribute: journeys in the analysis window, a model plugin's weights, and the host's
//! exact conversion of weights into money.

pub mod analytics;
pub mod bootstrap;
pub mod holdout;
pub mod journeys;
pub mod pass_over;
pub mod transitions;
pub mod window;

use serde::Serialize;

use crate::money::{Currency, Money};
use crate::pipeline::campaign::Campaign;
use crate::pipeline::normalize::Dataset;
use crate::runtime::model::ModelOutput;
use crate::runtime::{Plugin, PluginError, Usage};
pub use journeys::{Dimension, JourneySet, Key, Kind};
pub use window::{Window, WindowSpec};

/// Money credited to one touch for one conversion, in minor units of the reporting currency
/// (the attribution's `currency`): a bare count, because there is one per touch of every
/// journey and the currency is the same for all of them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Credit {
    /// Index into `Dataset::conversions`.
    pub conversion: u32,
    /// Index into `Dataset::touches`.
    pub touch: u32,
    pub units: i64,
}

#[derive(Clone, Debug, Serialize)]
pub struct ModelRun {
    pub model: String,
    pub sha256: String,
    /// Every parameter in force: the model's defaults overlaid with what the user set.
    pub params: Vec<(String, String)>,
    pub notes: Vec<String>,
    /// Per-key scores the model returned (e.g. removal effects), by score name.
    pub scores: Vec<(String, Vec<(String, f64)>)>,
    /// The internals the model returned (tables, since `model@0.3.0`), for report.json's
    /// `model.internals`.
    pub tables: Vec<crate::runtime::model::InternalTable>,
}

/// The attribution of one kind (pipeline or revenue).
pub struct Attribution {
    pub kind: Kind,
    pub journeys: JourneySet,
    pub credits: Vec<Credit>,
    /// The model's weight of each credit's touch within its conversion, `credits[i]`'s at
    /// `weights[i]`: what the plugin returned, before money was split by it. Beside the
    /// credits rather than in them: a 24-byte `Credit` made every pass of insights over
    /// the credits slower (+4.5% wall time at 1M touches), where this column is read only
    /// by the writers of credits.csv and credits.parquet, and reuses the buffer the
    /// plugin's answer already filled.
    pub weights: Vec<f64>,
    /// Conversions in the window (indices into `Dataset::conversions`).
    pub conversions: Vec<u32>,
    /// The currency of every amount here, the campaign's reporting currency.
    pub currency: Currency,
    pub total: Money,
    /// Conversions with no touch in the lookback: their money is not credited to anything.
    pub unattributed: Vec<u32>,
    pub unattributed_total: Money,
    /// What the campaign's journey filters for this model left out of its journeys.
    pub passed_over: Vec<pass_over::PassedOver>,
    pub run: ModelRun,
    pub usage: Usage,
}

/// Parameters in force: declared defaults, overridden by the user's values in order.
pub fn params_in_force(plugin: &Plugin, given: &[(String, String)]) -> Vec<(String, String)> {
    let Some(info) = plugin.model_info() else {
        return given.to_vec();
    };
    let mut out: Vec<(String, String)> = info
        .params
        .iter()
        .map(|p| (p.name.clone(), p.default_value.clone()))
        .collect();
    for (k, v) in given {
        match out.iter_mut().find(|(n, _)| n == k) {
            Some(slot) => slot.1 = v.clone(),
            None => out.push((k.clone(), v.clone())),
        }
    }
    out
}

/// The money of every conversion in the window, split over its journey's touches.
pub struct Allocation {
    pub credits: Vec<Credit>,
    /// Conversions in the window (indices into `Dataset::conversions`).
    pub conversions: Vec<u32>,
    pub total: Money,
    /// Conversions with no touch in the lookback.
    pub unattributed: Vec<u32>,
    pub unattributed_total: Money,
}

/// A model's answer over `cols`. A mergeable model (`ascribe:model@0.4.0`) is asked for
/// its statistics, solved once from them and asked for its weights: the path a cluster job
/// takes partition by partition, so every single-machine run exercises, and the runtime
/// validates, each piece of it. Any other model answers in one `attribute` call.
pub fn answer(
    plugin: &Plugin,
    cols: &mut crate::runtime::model::JourneyColumns,
    params: &[(String, String)],
) -> Result<(ModelOutput, Usage), PluginError> {
    if !plugin.model_info().is_some_and(|i| i.mergeable) {
        return plugin.attribute(cols, params);
    }
    let (stats, a) = plugin.statistics(cols, params)?;
    let (solution, b) = plugin.solve(&stats, params)?;
    let (out, c) = plugin.weights_with(cols, &solution, params)?;
    Ok((out, usage_of([a, b, c])))
}

/// Several calls' usage as one: their times summed, the largest memory.
fn usage_of(calls: [Usage; 3]) -> Usage {
    let mut u = Usage::default();
    for c in calls {
        u.wall += c.wall;
        u.peak_memory = u.peak_memory.max(c.peak_memory);
        u.fuel_used = match (u.fuel_used, c.fuel_used) {
            (None, None) => None,
            (x, y) => Some(x.unwrap_or(0) + y.unwrap_or(0)),
        };
        u.phases.check += c.phases.check;
        u.phases.instantiate += c.phases.instantiate;
        u.phases.call += c.phases.call;
        u.phases.validate += c.phases.validate;
        u.phases.release += c.phases.release;
    }
    u
}

/// The model's weight for every touch of `journeys`, and the rest of its answer. A model
/// that reads no times, milestones or partners is called once per distinct path, and the
/// path's weights are copied back onto every journey that has it.
pub fn weights(
    journeys: &mut JourneySet,
    plugin: &Plugin,
    params: &[(String, String)],
) -> Result<(Vec<f64>, ModelOutput, Usage), PluginError> {
    let aggregate = plugin.model_info().is_some_and(|i| i.may_merge_paths());
    if aggregate {
        let mut agg = journeys::aggregate(&journeys.cols);
        let (out, usage) = answer(plugin, &mut agg.cols, params)?;
        let mut w = Vec::with_capacity(journeys.cols.touches());
        for (j, &p) in agg.path_of.iter().enumerate() {
            let r = agg.cols.range(p as usize);
            debug_assert_eq!(r.len(), journeys.cols.range(j).len());
            w.extend_from_slice(&out.weights[r]);
        }
        Ok((w, out, usage))
    } else {
        let (mut out, usage) = answer(plugin, &mut journeys.cols, params)?;
        Ok((std::mem::take(&mut out.weights), out, usage))
    }
}

/// Turns `weights` into money: each conversion's amount in minor units, split over its
/// journey's touches by largest remainder, so a conversion's credits sum to its amount
/// exactly.
pub fn allocate(c: &Campaign, ds: &Dataset, journeys: &JourneySet, weights: &[f64]) -> Allocation {
    let cur = journeys.kind.unit(c);
    let mut a = Allocation {
        credits: vec![],
        conversions: vec![],
        total: cur.zero(),
        unattributed: vec![],
        unattributed_total: cur.zero(),
    };
    for (j, conv) in journeys.conversion_of.iter().enumerate() {
        let Some(ci) = *conv else { continue };
        let amount = journeys.amount(j, c, ds);
        a.total += amount;
        a.conversions.push(ci as u32);
        let r = journeys.cols.range(j);
        if r.is_empty() {
            a.unattributed.push(ci as u32);
            a.unattributed_total += amount;
            continue;
        }
        for (k, part) in r.clone().zip(amount.split(&weights[r])) {
            a.credits.push(Credit {
                conversion: ci as u32,
                touch: journeys.touch_index[k],
                units: part.units() as i64,
            });
        }
    }
    a
}

/// The weights of the touches [`allocate`] credits, in its order (converting journeys'
/// touches, journey by journey), compacted in place in the plugin's own buffer: no second
/// buffer is allocated, and the tail of non-converting journeys' weights is given back.
fn credited_weights(journeys: &JourneySet, mut weights: Vec<f64>) -> Vec<f64> {
    let mut kept = 0;
    for (j, conv) in journeys.conversion_of.iter().enumerate() {
        if conv.is_none() {
            continue;
        }
        let r = journeys.cols.range(j);
        let n = r.len();
        weights.copy_within(r, kept);
        kept += n;
    }
    weights.truncate(kept);
    weights.shrink_to_fit();
    weights
}

/// Runs `plugin` over the journeys and allocates every conversion's amount exactly.
pub fn attribute(
    c: &Campaign,
    ds: &Dataset,
    mut journeys: JourneySet,
    plugin: &Plugin,
    params: &[(String, String)],
) -> Result<Attribution, PluginError> {
    let model = plugin.model_info().map(|i| i.name.as_str()).unwrap_or("");
    let passed_over = pass_over::apply(c, ds, &mut journeys, &pass_over::applying(c, model));
    let (weights, run_out, usage) = weights(&mut journeys, plugin, params)?;
    let a = allocate(c, ds, &journeys, &weights);
    let weights = credited_weights(&journeys, weights);
    debug_assert_eq!(weights.len(), a.credits.len());
    let keys = &journeys.cols.keys;
    let run = ModelRun {
        model: plugin.label().name.clone(),
        sha256: format!("sha256:{}", plugin.sha256),
        params: params_in_force(plugin, params),
        notes: run_out.notes,
        scores: run_out
            .scores
            .into_iter()
            .map(|(name, v)| (name, keys.iter().cloned().zip(v).collect()))
            .collect(),
        tables: run_out.tables,
    };
    Ok(Attribution {
        kind: journeys.kind,
        journeys,
        credits: a.credits,
        weights,
        conversions: a.conversions,
        currency: a.total.currency(),
        total: a.total,
        unattributed: a.unattributed,
        unattributed_total: a.unattributed_total,
        passed_over,
        run,
        usage,
    })
}
