//! Running a model over a table and crediting the channels by the model's credit rule.

use super::{
    CONVERSIONS_SCORE, Error, PathTable, REMOVAL_EFFECT, Sum, VALUE_REMOVAL_EFFECT, threads,
};
use crate::pipeline::attribute::holdout::{self, OrderChoice};
use crate::runtime::model::{InternalTable, JourneyColumns, ModelInfo, ModelOutput};
use crate::runtime::{Limits, Plugin, Usage};

/// How a model's answer becomes credit per channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CreditRule {
    /// Σ over paths of conversions (value) × the weights of the channel's touches.
    Weights,
    /// removal effect / Σ removal effects × total conversions; value likewise with the value
    /// removal effect (markov).
    RemovalEffect,
    /// The model's own `conversions` score; value by the weights (shapley).
    ConversionsScore,
}

impl CreditRule {
    pub fn for_model(info: &ModelInfo) -> CreditRule {
        let has = |s: &str| info.key_scores.iter().any(|k| k == s);
        if has(REMOVAL_EFFECT) {
            CreditRule::RemovalEffect
        } else if has(CONVERSIONS_SCORE) {
            CreditRule::ConversionsScore
        } else {
            CreditRule::Weights
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            CreditRule::Weights => {
                "conversions and value credited by the touch weights of each path (repeats count)"
            }
            CreditRule::RemovalEffect => {
                "conversions credited = removal effect / sum of removal effects × total conversions; value likewise with the value removal effects"
            }
            CreditRule::ConversionsScore => {
                "conversions credited as the model's `conversions` score; value by the touch weights"
            }
        }
    }
}

/// One channel's credit from one model.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ChannelCredit {
    pub channel: String,
    pub conversions: f64,
    pub value: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub removal_effect: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_removal_effect: Option<f64>,
}

/// A model's result on a table.
#[derive(Clone, Debug)]
pub struct ModelResult {
    /// What the user called it (`markov`, `./my-model.wasm`).
    pub spec: String,
    /// `name@version` from the plugin's info.
    pub plugin: String,
    pub name: String,
    pub sha256: String,
    pub params: Vec<(String, String)>,
    pub rule: CreditRule,
    /// Sorted by channel name.
    pub channels: Vec<ChannelCredit>,
    /// Every score column the model returned, aligned with the table's keys.
    pub scores: Vec<(String, Vec<f64>)>,
    pub notes: Vec<String>,
    /// The model's internals as it returned them (validated by the runtime; its text is
    /// the plugin's, shown only through `text.rs`'s exits).
    pub tables: Vec<InternalTable>,
    pub usage: Usage,
    /// How `order=auto` was resolved: every order's held-out scores and the one chosen.
    pub order_choice: Option<OrderChoice>,
}

/// A model is usable on a path table only if it needs neither timestamps nor milestones:
/// a path table has neither.
pub fn check_model(info: &ModelInfo) -> Result<(), String> {
    if info.needs_timestamps() {
        return Err(format!(
            "{} needs touch timestamps, which a path table does not have",
            info.name
        ));
    }
    if info.needs_milestones() {
        return Err(format!(
            "{} needs milestone flags (lead and opportunity creation), which a path table does not have",
            info.name
        ));
    }
    Ok(())
}

/// Limits for a model call on this table: the defaults, with memory raised to hold the
/// columns a few times over (input, the model's weights, its own work) for large tables.
pub fn limits_for(table: &PathTable) -> Limits {
    let d = Limits::default();
    let want = table.column_bytes().saturating_mul(3) + (64 << 20);
    Limits {
        memory_bytes: want.clamp(d.memory_bytes, Limits::CAPS.memory_bytes),
        ..d
    }
}

/// Runs one model over the table and credits the channels.
pub fn run_model(
    table: &mut PathTable,
    spec: &str,
    plugin: &Plugin,
    params: &[(String, String)],
) -> Result<ModelResult, Error> {
    let info = plugin
        .model_info()
        .ok_or_else(|| Error(format!("{spec}: this plugin is a normalizer, not a model")))?
        .clone();
    check_model(&info).map_err(Error)?;
    let mut params = params.to_vec();
    let cols = &table.cols;
    let keys = || -> Vec<u64> {
        (0..cols.journeys())
            .map(|j| holdout::path_key(cols, j))
            .collect()
    };
    let order_choice = holdout::resolve_auto(&mut params, cols, keys, holdout::Unit::Paths);
    let (out, usage) = crate::pipeline::attribute::answer(plugin, &mut table.cols, &params)?;
    let rule = CreditRule::for_model(&info);
    let channels = credit(table, &out, rule);
    let mut in_force: Vec<(String, String)> = info
        .params
        .iter()
        .map(|p| (p.name.clone(), p.default_value.clone()))
        .collect();
    for (k, v) in &params {
        if let Some(slot) = in_force.iter_mut().find(|(n, _)| n == k) {
            slot.1 = v.clone();
        }
    }
    Ok(ModelResult {
        spec: spec.to_string(),
        plugin: plugin.label().name.clone(),
        name: info.name.clone(),
        sha256: format!("sha256:{}", plugin.sha256),
        params: in_force,
        rule,
        channels,
        scores: out.scores,
        notes: out.notes,
        tables: out.tables,
        usage,
        order_choice,
    })
}

/// Credit per channel (sorted by name, as the table's keys are) from a model's answer.
pub fn credit(table: &PathTable, out: &ModelOutput, rule: CreditRule) -> Vec<ChannelCredit> {
    let cols = &table.cols;
    let k = cols.keys.len();
    let score = |name: &str| {
        out.scores
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_slice())
    };
    let mut conv = vec![Sum::default(); k];
    let mut value = vec![Sum::default(); k];
    let (mut re_col, mut rev_col) = (None, None);
    match rule {
        CreditRule::RemovalEffect => {
            let re = score(REMOVAL_EFFECT).unwrap_or(&[]);
            let rev = score(VALUE_REMOVAL_EFFECT).unwrap_or(re);
            share(&mut conv, re, table.total_conversions);
            share(&mut value, rev, table.total_value);
            re_col = Some(re);
            rev_col = Some(rev);
        }
        CreditRule::Weights | CreditRule::ConversionsScore => {
            by_weights(cols, &out.weights, &mut conv, &mut value);
            if rule == CreditRule::ConversionsScore
                && let Some(s) = score(CONVERSIONS_SCORE)
            {
                conv = s
                    .iter()
                    .map(|&x| {
                        let mut a = Sum::default();
                        a.add(x);
                        a
                    })
                    .collect();
            }
        }
    }
    (0..k)
        .map(|i| ChannelCredit {
            channel: cols.keys[i].clone(),
            conversions: conv[i].get(),
            value: value[i].get(),
            removal_effect: re_col.map(|c| c.get(i).copied().unwrap_or(0.0)),
            value_removal_effect: rev_col.map(|c| c.get(i).copied().unwrap_or(0.0)),
        })
        .collect()
}

/// `total × effect / Σ effects` per key; all zero when the effects sum to zero.
fn share(acc: &mut [Sum], effects: &[f64], total: f64) {
    let mut sum = Sum::default();
    for &e in effects {
        sum.add(e);
    }
    let sum = sum.get();
    if sum == 0.0 || !sum.is_finite() {
        return;
    }
    for (a, &e) in acc.iter_mut().zip(effects) {
        a.add(e / sum * total);
    }
}

/// Credit by touch weights; a large table in two halves on two threads, the halves' sums
/// then added (a fixed split, so the result is the same every run).
fn by_weights(cols: &JourneyColumns, weights: &[f64], conv: &mut [Sum], value: &mut [Sum]) {
    let n = cols.journeys();
    if n < 100_000 || threads() < 2 {
        return by_weights_in(cols, weights, 0..n, conv, value);
    }
    let k = conv.len();
    let (mut conv2, mut value2) = (vec![Sum::default(); k], vec![Sum::default(); k]);
    std::thread::scope(|s| {
        s.spawn(|| by_weights_in(cols, weights, n / 2..n, &mut conv2, &mut value2));
        by_weights_in(cols, weights, 0..n / 2, conv, value);
    });
    for (a, b) in conv
        .iter_mut()
        .zip(conv2)
        .chain(value.iter_mut().zip(value2))
    {
        a.add(b.s);
        a.add(b.c);
    }
}

fn by_weights_in(
    cols: &JourneyColumns,
    weights: &[f64],
    journeys: std::ops::Range<usize>,
    conv: &mut [Sum],
    value: &mut [Sum],
) {
    for j in journeys {
        let r = cols.range(j);
        let (c, v) = (cols.conversions[j], cols.value[j]);
        if c == 0.0 && v == 0.0 {
            continue;
        }
        let w = &weights[r.clone()];
        let keys = &cols.touch_key[r];
        // Converting paths have weights summing to 1 (validated); a path with value but no
        // conversions has no such promise, so its weights are normalized here.
        let norm = if c > 0.0 {
            1.0
        } else {
            let s: f64 = w.iter().sum();
            if s > 0.0 { s } else { f64::NAN }
        };
        for (&key, &wt) in keys.iter().zip(w) {
            let wt = if norm.is_nan() {
                1.0 / keys.len() as f64
            } else {
                wt / norm
            };
            if c != 0.0 {
                conv[key as usize].add(c * wt);
            }
            if v != 0.0 {
                value[key as usize].add(v * wt);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::paths::ReadOptions;
    use crate::commands::paths::testing::parse;

    #[test]
    fn weights_rule_counts_repeats() {
        let mut t = parse(
            "path,total_conversions,total_conversion_value\na>b>a,2,30\n",
            &ReadOptions::default(),
        )
        .unwrap();
        let out = ModelOutput {
            weights: vec![1.0 / 3.0; 3],
            ..Default::default()
        };
        let c = credit(&t, &out, CreditRule::Weights);
        assert!((c[0].conversions - 4.0 / 3.0).abs() < 1e-12);
        assert!((c[1].value - 10.0).abs() < 1e-12);
        // A path with value and no conversions still credits its value in full.
        t.cols.conversions[0] = 0.0;
        let out = ModelOutput {
            weights: vec![0.0, 0.0, 0.0],
            ..Default::default()
        };
        let c = credit(&t, &out, CreditRule::Weights);
        assert!((c[0].value - 20.0).abs() < 1e-12);
        assert_eq!(c[0].conversions, 0.0);
    }

    #[test]
    fn credit_on_two_threads_matches_one() {
        let (n, k) = (150_000usize, 7u32);
        let mut cols = JourneyColumns {
            journey_offsets: vec![0],
            ..Default::default()
        };
        let mut weights = vec![];
        for j in 0..n {
            let len = 1 + j % 5;
            for t in 0..len {
                cols.touch_key.push(((j * 31 + t * 7) as u32) % k);
                weights.push(1.0 / len as f64);
            }
            cols.journey_offsets.push(cols.touch_key.len() as u32);
            cols.conversions.push((j % 3) as f64);
            cols.value.push((j % 11) as f64 * 10.25);
        }
        let (mut c1, mut v1) = (
            vec![Sum::default(); k as usize],
            vec![Sum::default(); k as usize],
        );
        by_weights(&cols, &weights, &mut c1, &mut v1);
        let (mut c2, mut v2) = (
            vec![Sum::default(); k as usize],
            vec![Sum::default(); k as usize],
        );
        by_weights_in(&cols, &weights, 0..n, &mut c2, &mut v2);
        for i in 0..k as usize {
            assert!((c1[i].get() - c2[i].get()).abs() <= 1e-9 * c2[i].get().abs());
            assert!((v1[i].get() - v2[i].get()).abs() <= 1e-9 * v2[i].get().abs());
        }
    }
}
