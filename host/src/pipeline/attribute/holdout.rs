//! Held-out evidence for the data-driven models (`shared/design/statistics.md`, "Choosing
//! the Markov order"; issue #19, items 2 and 3): the journeys go to [`FOLDS`] folds by a
//! keyed hash of their unit (an account, or a path of a path table), so a fold never
//! depends on reading order; each fold is predicted from the other folds' statistics and
//! scored by the log-likelihood of its outcomes and by the AUC of conversion.
//!
//! **What a model predicts.** Both data-driven models are functions of counts of outcomes,
//! and a held-out journey's probability of converting is read from the same counts:
//! - Markov, order k: a journey that walked its path's states and was absorbed after the
//!   last one, `s`, converts with probability `P(s → conv) / (P(s → conv) + P(s → null))`
//!   — every earlier transition is common to both outcomes and cancels. In the chain of
//!   `models.md` that is `C_s / (C_s + N_s)`, the conversions and nulls of training journeys
//!   whose last state is `s` (the window of the path's last k keys, or the whole path when
//!   it is shorter). A state unseen in training falls back to the state of order k − 1 (the
//!   last k − 1 keys), and so on down to order 1; a key unseen at order 1 takes the
//!   training journeys' overall rate.
//! - Shapley: the rate game of `models.md`, `v(T) = C(T) / (C(T) + N(T))` over training
//!   journeys whose key set is a subset of the journey's own set `T`; the overall rate when
//!   no training journey qualifies.
//!
//! Every probability is smoothed by half a count each way, `(C + ½) / (C + N + 1)` (the
//! Krichevsky–Trofimov estimate), so an outcome never seen in training costs a finite
//! log-likelihood. Journeys with no touch are not scored: no model credits them, and they
//! would score the same under every rule.
//!
//! Each state's counts are summed once per fold; a fold's training counts are the total
//! less its own, so K folds cost one pass, not K.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::bootstrap;
use crate::data::FastMap;
use crate::runtime::model::JourneyColumns;

/// Folds of the cross-validation.
pub const FOLDS: usize = 5;
/// The orders `--order auto` chooses among.
pub const MAX_ORDER: u32 = 4;
/// The seed of the fold hash: fixed, so that a fold is a property of the account alone.
const FOLD_SEED: u64 = 0x666f_6c64_7321;

/// The fold of a unit whose key is `key` ([`bootstrap::account_key`], or [`path_key`]).
pub fn fold_of(key: u64) -> usize {
    ((bootstrap::uniform(FOLD_SEED, 0, key) * FOLDS as f64) as usize).min(FOLDS - 1)
}

/// The key of journey `j` of a path table, where the unit is the path: sha256 of its keys'
/// names, so that the same path falls in the same fold in any table and any process.
pub fn path_key(cols: &JourneyColumns, j: usize) -> u64 {
    let mut h = Sha256::new();
    for &k in &cols.touch_key[cols.range(j)] {
        h.update(cols.keys[k as usize].as_bytes());
        h.update([0x1f]);
    }
    u64::from_le_bytes(h.finalize()[..8].try_into().expect("8 bytes"))
}

/// What the folds were made of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Accounts,
    Paths,
}

/// Which model's prediction is scored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Predictor {
    Markov { order: u32 },
    Shapley,
}

/// A score over the folds that had something to score: the mean, the standard deviation
/// (n − 1) and each fold's value, in fold order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Stat {
    pub mean: f64,
    pub sd: f64,
    pub folds: Vec<f64>,
}

impl Stat {
    fn of(folds: Vec<f64>) -> Option<Stat> {
        if folds.is_empty() {
            return None;
        }
        let n = folds.len() as f64;
        let mean = folds.iter().sum::<f64>() / n;
        let sd = if folds.len() > 1 {
            (folds.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
        } else {
            0.0
        };
        Some(Stat { mean, sd, folds })
    }
}

/// A predictor's held-out scores: the mean log-likelihood per outcome (higher is better,
/// 0 is perfect) and the AUC of conversion (None where a fold had only one outcome).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Evidence {
    pub log_likelihood: Option<Stat>,
    pub auc: Option<Stat>,
}

/// `--order auto`'s answer: the order chosen, and every order's scores.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct OrderChoice {
    pub chosen: u32,
    pub unit: Unit,
    pub folds: usize,
    pub rule: String,
    pub scores: Vec<OrderScore>,
}

/// One order's held-out scores.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct OrderScore {
    pub order: u32,
    pub log_likelihood: Option<Stat>,
    pub auc: Option<Stat>,
}
/// The rule, as the report and the plan state it.
pub const ORDER_RULE: &str = "5-fold cross-validation by a keyed hash of the unit; \
    score: mean held-out log-likelihood of each journey's outcome under its last state; \
    the best mean wins, and a tie goes to the smaller order: a higher order is taken only \
    when its mean gain over the order chosen so far exceeds the gain's standard error over \
    the folds";

/// Per fold: (conversions, nulls).
type Counts = [(f64, f64); FOLDS];

fn add(c: &mut Counts, f: usize, conv: f64, null: f64) {
    c[f].0 += conv;
    c[f].1 += null;
}

/// The training counts for fold `f`: everything but fold `f`'s own.
fn training(c: &Counts, f: usize) -> (f64, f64) {
    let (mut conv, mut null) = (0.0, 0.0);
    for (g, &(a, b)) in c.iter().enumerate() {
        if g != f {
            conv += a;
            null += b;
        }
    }
    (conv, null)
}

fn smoothed(conv: f64, null: f64) -> f64 {
    (conv + 0.5) / (conv + null + 1.0)
}

/// The journeys to score: those with a touch and an outcome, with their fold.
fn scored(cols: &JourneyColumns, keys: &[u64]) -> Vec<(usize, usize)> {
    (0..cols.journeys())
        .filter(|&j| !cols.range(j).is_empty() && cols.conversions[j] + cols.nulls[j] > 0.0)
        .map(|j| (j, fold_of(keys[j])))
        .collect()
}

/// The state of a path at order `k`: its last k keys, or the whole path when shorter.
fn state(path: &[u32], k: usize) -> &[u32] {
    &path[path.len().saturating_sub(k)..]
}

/// Each scored journey's held-out probability of converting, under Markov chains of every
/// order 1..=max (index `order - 1`).
fn markov_predictions(cols: &JourneyColumns, js: &[(usize, usize)], max: u32) -> Vec<Vec<f64>> {
    let max = max as usize;
    let path = |j: usize| &cols.touch_key[cols.range(j)];
    let mut overall: Counts = Default::default();
    // levels[k - 1]: state at order k → counts per fold.
    let mut levels: Vec<FastMap<&[u32], Counts>> = vec![FastMap::default(); max];
    for &(j, f) in js {
        let (c, u) = (cols.conversions[j], cols.nulls[j]);
        add(&mut overall, f, c, u);
        for (k, level) in levels.iter_mut().enumerate() {
            add(level.entry(state(path(j), k + 1)).or_default(), f, c, u);
        }
    }
    (1..=max)
        .map(|order| {
            js.iter()
                .map(|&(j, f)| {
                    for k in (1..=order).rev() {
                        if let Some(c) = levels[k - 1].get(state(path(j), k)) {
                            let (conv, null) = training(c, f);
                            if conv + null > 0.0 {
                                return smoothed(conv, null);
                            }
                        }
                    }
                    let (conv, null) = training(&overall, f);
                    smoothed(conv, null)
                })
                .collect()
        })
        .collect()
}

/// Each scored journey's held-out probability of converting under Shapley's rate game.
fn shapley_predictions(cols: &JourneyColumns, js: &[(usize, usize)]) -> Vec<f64> {
    // Distinct key sets (sorted, deduplicated) with their counts per fold.
    let mut sets: FastMap<Vec<u32>, Counts> = FastMap::default();
    let mut set_of: Vec<Vec<u32>> = Vec::with_capacity(js.len());
    let mut overall: Counts = Default::default();
    for &(j, f) in js {
        let mut s = cols.touch_key[cols.range(j)].to_vec();
        s.sort_unstable();
        s.dedup();
        let (c, u) = (cols.conversions[j], cols.nulls[j]);
        add(&mut overall, f, c, u);
        add(sets.entry(s.clone()).or_default(), f, c, u);
        set_of.push(s);
    }
    // A 128-bit summary of each set rejects most non-subsets in one instruction; the
    // sorted merge below decides the rest.
    let mask = |s: &[u32]| s.iter().fold(0u128, |m, &k| m | 1u128 << (k % 128));
    let subset = |a: &[u32], b: &[u32]| {
        let mut it = b.iter();
        a.iter().all(|x| it.any(|y| y == x))
    };
    let mut distinct: Vec<(&Vec<u32>, u128, &Counts)> =
        sets.iter().map(|(s, c)| (s, mask(s), c)).collect();
    distinct.sort_unstable_by(|a, b| a.0.cmp(b.0));
    // C(T), N(T) per fold for every distinct T: the sum over its subsets.
    let mut below: FastMap<&[u32], Counts> = FastMap::default();
    for &(t, tm, _) in &distinct {
        let mut sum: Counts = Default::default();
        for &(s, sm, c) in &distinct {
            if sm & !tm == 0 && s.len() <= t.len() && subset(s, t) {
                for (f, &(conv, null)) in c.iter().enumerate() {
                    add(&mut sum, f, conv, null);
                }
            }
        }
        below.insert(t.as_slice(), sum);
    }
    js.iter()
        .zip(&set_of)
        .map(|(&(_, f), s)| {
            let (conv, null) = training(&below[s.as_slice()], f);
            if conv + null > 0.0 {
                smoothed(conv, null)
            } else {
                let (conv, null) = training(&overall, f);
                smoothed(conv, null)
            }
        })
        .collect()
}

/// Mean log-likelihood per outcome of one fold's journeys, and their AUC of conversion
/// (each conversion and each null one observation, ties counted half).
fn score_fold(cols: &JourneyColumns, js: &[(usize, usize)], p: &[f64], f: usize) -> Fold {
    let mut ll = 0.0;
    let mut n = 0.0;
    let mut pts: Vec<(f64, f64, f64)> = vec![];
    for (&(j, g), &q) in js.iter().zip(p) {
        if g != f {
            continue;
        }
        let (c, u) = (cols.conversions[j], cols.nulls[j]);
        ll += c * q.ln() + u * (1.0 - q).ln();
        n += c + u;
        pts.push((q, c, u));
    }
    Fold {
        log_likelihood: (n > 0.0).then(|| ll / n),
        auc: auc(&mut pts),
    }
}

struct Fold {
    log_likelihood: Option<f64>,
    auc: Option<f64>,
}

/// The AUC of (score, positives, negatives) points: the probability that a random positive
/// scores above a random negative, a tie counting half. None without both outcomes.
pub fn auc(pts: &mut [(f64, f64, f64)]) -> Option<f64> {
    pts.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (pos, neg): (f64, f64) = pts.iter().fold((0.0, 0.0), |(p, n), t| (p + t.1, n + t.2));
    if pos <= 0.0 || neg <= 0.0 {
        return None;
    }
    let (mut neg_below, mut area, mut i) = (0.0, 0.0, 0);
    while i < pts.len() {
        let (mut gp, mut gn, s) = (0.0, 0.0, pts[i].0);
        while i < pts.len() && pts[i].0 == s {
            gp += pts[i].1;
            gn += pts[i].2;
            i += 1;
        }
        area += gp * (neg_below + 0.5 * gn);
        neg_below += gn;
    }
    Some(area / (pos * neg))
}

fn evidence(cols: &JourneyColumns, js: &[(usize, usize)], p: &[f64]) -> Evidence {
    let folds: Vec<Fold> = (0..FOLDS).map(|f| score_fold(cols, js, p, f)).collect();
    Evidence {
        log_likelihood: Stat::of(folds.iter().filter_map(|f| f.log_likelihood).collect()),
        auc: Stat::of(folds.iter().filter_map(|f| f.auc).collect()),
    }
}

/// The held-out scores of one predictor over `cols`, whose journey `j` belongs to the unit
/// `keys[j]`.
pub fn cross_validate(cols: &JourneyColumns, keys: &[u64], p: Predictor) -> Evidence {
    let js = scored(cols, keys);
    let pred = match p {
        Predictor::Markov { order } => markov_predictions(cols, &js, order)
            .pop()
            .expect("order ≥ 1"),
        Predictor::Shapley => shapley_predictions(cols, &js),
    };
    evidence(cols, &js, &pred)
}

/// The Markov order 1..=[`MAX_ORDER`] with the best mean held-out log-likelihood, where a
/// tie goes to the smaller order and a *tie* is a difference the folds cannot tell from
/// noise: going up from the order chosen so far to order k needs k's mean gain, fold by
/// fold, to exceed its standard error (the sd of the paired per-fold differences over
/// √folds). With the bare best mean, a chain of order 1 drawn from 60,000 journeys (the
/// test below, seed 2) picked order 2 by a gain of 4e-5 per outcome. No evidence at all
/// keeps order 1.
pub fn choose_order(cols: &JourneyColumns, keys: &[u64], unit: Unit) -> OrderChoice {
    let js = scored(cols, keys);
    let preds = markov_predictions(cols, &js, MAX_ORDER);
    // Per order, each fold's score (None: the fold had nothing to score).
    let per_fold: Vec<Vec<Option<f64>>> = preds
        .iter()
        .map(|p| {
            (0..FOLDS)
                .map(|f| score_fold(cols, &js, p, f).log_likelihood)
                .collect()
        })
        .collect();
    let scores: Vec<OrderScore> = preds
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let e = evidence(cols, &js, p);
            OrderScore {
                order: i as u32 + 1,
                log_likelihood: e.log_likelihood,
                auc: e.auc,
            }
        })
        .collect();
    let mut chosen = 1usize;
    for k in 2..=MAX_ORDER as usize {
        let diffs: Vec<f64> = per_fold[k - 1]
            .iter()
            .zip(&per_fold[chosen - 1])
            .filter_map(|(a, b)| Some((*a)? - (*b)?))
            .collect();
        if let Some(d) = Stat::of(diffs) {
            let se = d.sd / (d.folds.len() as f64).sqrt();
            if d.mean > se {
                chosen = k;
            }
        }
    }
    let chosen = chosen as u32;
    OrderChoice {
        chosen,
        unit,
        folds: FOLDS,
        rule: ORDER_RULE.to_string(),
        scores,
    }
}

/// Whether a model's parameters ask for the order to be chosen (`order=auto`).
pub fn wants_auto(params: &[(String, String)]) -> bool {
    params
        .iter()
        .rev()
        .find(|(k, _)| k == "order")
        .is_some_and(|(_, v)| v.eq_ignore_ascii_case("auto"))
}

/// Replaces `order=auto` in `params` by the chosen order, and returns the choice; leaves
/// `params` alone (and returns None) when they name an order or none. `keys` gives each
/// journey's unit key, and is called only when there is an order to choose.
pub fn resolve_auto<K: AsRef<[u64]>>(
    params: &mut Vec<(String, String)>,
    cols: &JourneyColumns,
    keys: impl FnOnce() -> K,
    unit: Unit,
) -> Option<OrderChoice> {
    if !wants_auto(params) {
        return None;
    }
    let choice = choose_order(cols, keys().as_ref(), unit);
    params.retain(|(k, _)| k != "order");
    params.push(("order".into(), choice.chosen.to_string()));
    Some(choice)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Journeys given as (path, conversions, nulls) over keys a, b, c.
    fn cols(rows: &[(&[u32], f64, f64)]) -> JourneyColumns {
        let mut c = JourneyColumns {
            keys: vec!["a".into(), "b".into(), "c".into()],
            journey_offsets: vec![0],
            ..Default::default()
        };
        for (path, conv, null) in rows {
            c.touch_key.extend_from_slice(path);
            c.journey_offsets.push(c.touch_key.len() as u32);
            c.conversions.push(*conv);
            c.nulls.push(*null);
            c.value.push(0.0);
        }
        let n = c.touch_key.len();
        c.touch_time_ms = vec![0; n];
        c.touch_flags = vec![0; n];
        c.touch_partner = vec![0; n];
        c.conversion_time_ms = vec![0; c.conversions.len()];
        c
    }

    #[test]
    fn auc_by_hand() {
        // Positives at 0.9 (2) and 0.5 (1); negatives at 0.5 (1) and 0.1 (3).
        // Pairs: 0.9 beats all 4 negatives twice = 8; 0.5 beats the three at 0.1 = 3 and
        // ties the one at 0.5 = ½. AUC = 11.5 / (3 × 4) = 0.958333…
        let mut pts = vec![(0.9, 2.0, 0.0), (0.5, 1.0, 1.0), (0.1, 0.0, 3.0)];
        assert!((auc(&mut pts).unwrap() - 11.5 / 12.0).abs() < 1e-15);
        assert_eq!(auc(&mut [(0.3, 1.0, 0.0)]), None);
    }

    #[test]
    fn folds_are_a_property_of_the_key() {
        let k = bootstrap::account_key("acme.example");
        assert_eq!(fold_of(k), fold_of(k));
        // 10,000 keys spread over the five folds within a few percent of 2,000 each.
        let mut n = [0usize; FOLDS];
        for i in 0..10_000 {
            n[fold_of(bootstrap::account_key(&format!("a{i}.example")))] += 1;
        }
        assert!(n.iter().all(|&x| (1850..=2150).contains(&x)), "{n:?}");
    }

    #[test]
    fn markov_prediction_falls_back_an_order_at_a_time() {
        // Training (fold 1): a>b converts 3 of 4, b converts 1 of 4, c>b converts 0 of 2.
        // Test (fold 0): x>a>b, whose order-2 state (a, b) was seen: (3 + ½)/(4 + 1) = 0.7;
        // at order 3 the state (c, a, b) is unseen and falls back to the same 0.7.
        // Test c>c>b: order 2 state (c, b): (0 + ½)/(2 + 1) = 1/6; order 1 state b, whose
        // counts are those of every path ending in b: (3 + 1 + 0 + ½)/(4 + 4 + 2 + 1).
        let c = cols(&[
            (&[0, 1], 3.0, 1.0),
            (&[1], 1.0, 3.0),
            (&[2, 1], 0.0, 2.0),
            (&[2, 0, 1], 1.0, 0.0),
            (&[2, 2, 1], 0.0, 1.0),
        ]);
        let js = vec![(0, 1), (1, 1), (2, 1), (3, 0), (4, 0)];
        let p = markov_predictions(&c, &js, 3);
        let close = |a: f64, b: f64| (a - b).abs() < 1e-12;
        assert!(close(p[0][3], 4.5 / 11.0), "{:?}", p[0]);
        assert!(close(p[0][4], 4.5 / 11.0));
        assert!(close(p[1][3], 0.7));
        assert!(close(p[2][3], 0.7));
        assert!(close(p[1][4], 0.5 / 3.0));
        assert!(close(p[2][4], 0.5 / 3.0), "{:?}", p[2]);
    }

    #[test]
    fn shapley_prediction_is_the_rate_game_of_the_training_folds() {
        // Training: {a} 1 of 3, {b} 0 of 1, {a, b} 2 of 2, {c} 5 of 5.
        // Test {a, b}: subsets {a}, {b}, {a, b} → C 3, N 3 → (3 + ½)/(6 + 1) = 0.5.
        // Test {b, c}: {b}, {c} → C 5, N 1 → 5.5/7.
        let c = cols(&[
            (&[0], 1.0, 2.0),
            (&[1], 0.0, 1.0),
            (&[0, 1, 0], 2.0, 0.0),
            (&[2], 5.0, 0.0),
            (&[1, 0], 1.0, 0.0),
            (&[2, 1], 0.0, 1.0),
        ]);
        let js: Vec<(usize, usize)> = (0..6).map(|j| (j, usize::from(j >= 4))).collect();
        let p = shapley_predictions(&c, &js);
        assert!((p[4] - 0.5).abs() < 1e-12, "{p:?}");
        assert!((p[5] - 5.5 / 7.0).abs() < 1e-12, "{p:?}");
    }

    /// A path table drawn from a chain of true order `k` over three channels: each journey
    /// starts on a uniform channel and, after each touch, stops with probability 0.3 or moves
    /// to a uniform channel; when it stops, it converts with a probability fixed per window
    /// of its last `k` touches (shorter journeys: their whole path), spread over 0.05–0.95
    /// by a hash of the window. So the outcome depends on exactly the last `k` touches.
    /// Identical paths are summed into one row, as a path table has them.
    pub(crate) fn chain_of_order(k: usize, journeys: usize, seed: u64) -> JourneyColumns {
        let mut s = seed;
        let mut next = || {
            s = s.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = s;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
        };
        let rate = |w: &[u32]| {
            let h = w
                .iter()
                .fold(17u64, |h, &c| h.wrapping_mul(31).wrapping_add(c as u64 + 1));
            0.05 + 0.9 * ((h.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 40) % 1000) as f64 / 999.0
        };
        let mut rows: std::collections::BTreeMap<Vec<u32>, (f64, f64)> = Default::default();
        for _ in 0..journeys {
            let mut path = vec![(next() * 3.0) as u32];
            while next() >= 0.3 && path.len() < 12 {
                path.push((next() * 3.0) as u32);
            }
            let p = rate(state(&path, k));
            let e = rows.entry(path).or_default();
            if next() < p {
                e.0 += 1.0;
            } else {
                e.1 += 1.0;
            }
        }
        let table: Vec<(&[u32], f64, f64)> = rows
            .iter()
            .map(|(p, &(c, u))| (p.as_slice(), c, u))
            .collect();
        cols(&table)
    }

    #[test]
    fn auto_finds_the_order_the_chain_was_drawn_with() {
        for k in 1..=3u32 {
            for seed in 1..=6u64 {
                let c = chain_of_order(k as usize, 60_000, seed * 1000 + u64::from(k));
                let keys: Vec<u64> = (0..c.journeys()).map(|j| path_key(&c, j)).collect();
                let choice = choose_order(&c, &keys, Unit::Paths);
                let means: Vec<f64> = choice
                    .scores
                    .iter()
                    .map(|s| s.log_likelihood.as_ref().unwrap().mean)
                    .collect();
                assert_eq!(choice.chosen, k, "seed {seed}: {means:?}");
            }
        }
    }

    #[test]
    fn auto_replaces_the_order_and_says_why() {
        let c = cols(&[(&[0, 1], 3.0, 1.0), (&[1], 1.0, 3.0)]);
        let keys = vec![1, 2];
        let mut p = vec![("order".into(), "auto".into())];
        let choice = resolve_auto(&mut p, &c, || &keys, Unit::Paths).unwrap();
        assert_eq!(p, vec![("order".to_string(), choice.chosen.to_string())]);
        assert_eq!(choice.scores.len(), MAX_ORDER as usize);
        let mut fixed = vec![("order".into(), "2".into())];
        assert!(
            resolve_auto(
                &mut fixed,
                &c,
                || -> Vec<u64> { unreachable!() },
                Unit::Paths
            )
            .is_none()
        );
    }
}

crate::sanitize_fields! {
    OrderChoice { chosen, unit, folds, rule, scores }
    OrderScore { order, log_likelihood, auc }
    Evidence { log_likelihood, auc }
    Stat { mean, sd, folds }
}

impl crate::text::Sanitize for Unit {
    fn sanitize(&mut self) {}
}
