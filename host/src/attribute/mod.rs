//! attribute: journeys in the analysis window, a model plugin's weights, and the host's
//! exact conversion of weights into money.

pub mod journeys;
pub mod money;
pub mod window;

use serde::Serialize;

use crate::campaign::{Campaign, minor_units};
use crate::normalize::Dataset;
use crate::runtime::{Plugin, PluginError, Usage};
pub use journeys::{Dimension, JourneySet, Key, Kind};
pub use window::{Window, WindowSpec};

/// Money credited to one touch for one conversion, in minor units of the reporting currency.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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
}

/// The attribution of one kind (pipeline or revenue).
pub struct Attribution {
    pub kind: Kind,
    pub journeys: JourneySet,
    pub credits: Vec<Credit>,
    /// Conversions in the window (indices into `Dataset::conversions`).
    pub conversions: Vec<u32>,
    pub total_units: i128,
    /// Conversions with no touch in the lookback: their money is not credited to anything.
    pub unattributed: Vec<u32>,
    pub unattributed_units: i128,
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

/// Runs `plugin` over the journeys and allocates every conversion's amount exactly.
pub fn attribute(
    c: &Campaign,
    ds: &Dataset,
    mut journeys: JourneySet,
    plugin: &Plugin,
    params: &[(String, String)],
) -> Result<Attribution, PluginError> {
    let info = plugin.model_info().cloned();
    let aggregate = info.as_ref().is_some_and(|i| i.may_merge_paths());
    let (weights, run_out, usage) = if aggregate {
        let mut agg = journeys::aggregate(&journeys.cols);
        let (out, usage) = plugin.attribute(&mut agg.cols, params)?;
        // Expand path weights back onto every journey that shares the path.
        let mut w = Vec::with_capacity(journeys.cols.touches());
        for (j, &p) in agg.path_of.iter().enumerate() {
            let r = agg.cols.range(p as usize);
            debug_assert_eq!(r.len(), journeys.cols.range(j).len());
            w.extend_from_slice(&out.weights[r]);
        }
        (w, out, usage)
    } else {
        let (out, usage) = plugin.attribute(&mut journeys.cols, params)?;
        (out.weights.clone(), out, usage)
    };

    let scale = minor_units(&c.currency).unwrap_or(2);
    let mut credits = vec![];
    let mut conversions = vec![];
    let mut unattributed = vec![];
    let (mut total, mut unattributed_units) = (0i128, 0i128);
    for (j, conv) in journeys.conversion_of.iter().enumerate() {
        let Some(ci) = *conv else { continue };
        let cv = &ds.conversions[ci];
        let units = money::to_units(cv.amount, scale);
        total += units;
        conversions.push(ci as u32);
        let r = journeys.cols.range(j);
        if r.is_empty() {
            unattributed.push(ci as u32);
            unattributed_units += units;
            continue;
        }
        let parts = money::split_units(units, &weights[r.clone()]);
        for (k, units) in r.zip(parts) {
            credits.push(Credit {
                conversion: ci as u32,
                touch: journeys.touch_index[k],
                units: units as i64,
            });
        }
    }
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
    };
    Ok(Attribution {
        kind: journeys.kind,
        journeys,
        credits,
        conversions,
        total_units: total,
        unattributed,
        unattributed_units,
        run,
        usage,
    })
}
