//! Intervals on credit (docs/insights.md, "Intervals"): a seeded Poisson bootstrap over
//! accounts (`pipeline/attribute/bootstrap.rs`). Replicate `b` weighs every conversion of
//! account `a` by `w_ab`:
//! - a model whose journeys are independent of each other (one that does not read
//!   `nulls`: first-touch, linear, time-decay…) keeps each journey's credit, so the
//!   replicate's credit of a value is Σ over conversions of `w_ab` × the conversion's
//!   credit to it;
//! - a data-driven model (it reads `nulls`: markov, shapley) is solved again on the
//!   replicate: every journey's conversions, nulls and value times its account's weight,
//!   and the new weights split each conversion's amount.
//!
//! The interval of a figure is the pair of percentiles of its replicate totals
//! (`bootstrap::percentile`), each rounded to the minor unit, half away from zero.

use std::collections::BTreeMap;

use super::{Inputs, share_name};
use crate::data::{FastMap, Sym, partners_of};
use crate::pipeline::attribute::{Attribution, Dimension, bootstrap};
use crate::runtime::{Plugin, PluginError};

/// `--intervals N` and the seed of the replicates' weights.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Spec {
    pub replicates: u32,
    pub seed: u64,
}

impl Spec {
    /// The seed when none is given: fixed, so the same inputs give the same intervals.
    pub const DEFAULT_SEED: u64 = 20_261_204;
}

/// Why intervals could not be drawn.
#[derive(Debug, thiserror::Error)]
pub enum IntervalsError {
    #[error(transparent)]
    Plugin(#[from] PluginError),
    /// The replicates' calls of a data-driven model share one budget, the model's own time
    /// limit per call: without it, a model that takes its whole limit on each call would
    /// hold a run for as many limits as there are replicates.
    #[error(
        "model {plugin}: solving it again on the bootstrap replicates took longer than its time limit of {limit_ms} ms, after {done} of {replicates}; draw fewer with --intervals N, none with --no-intervals, or raise the model's limits.time_ms in the campaign file"
    )]
    Budget {
        plugin: String,
        limit_ms: u128,
        done: u32,
        replicates: u32,
    },
}

/// The (low, high) bounds of a measure's credit per dimension and value, in minor units.
#[derive(Clone, Debug, Default)]
pub struct Bounds(pub BTreeMap<(Dimension, String), (i128, i128)>);

impl Bounds {
    pub fn get(&self, dim: Dimension, value: &str) -> Option<(i128, i128)> {
        self.0.get(&(dim, value.to_string())).copied()
    }
}

/// The account whose weight journey `j` takes: its conversion's, or for a journey that did
/// not convert, its first touch's.
fn journey_account(inp: &Inputs, a: &Attribution, j: usize) -> Sym {
    match a.journeys.conversion_of[j] {
        Some(ci) if a.kind.has_money() => inp.ds.conversions[ci].account,
        Some(ci) => inp.ds.person_events[ci].account,
        None => {
            let r = a.journeys.cols.range(j);
            r.clone()
                .next()
                .map(|k| inp.ds.touches[a.journeys.touch_index[k] as usize].account)
                .unwrap_or(0)
        }
    }
}

/// The bounds of `a`'s credit for every value of `dims`. `resolve`: the model and its
/// parameters, when it reads `nulls` and must be solved again per replicate.
///
/// Every converting touch's credit is spread once over dense value ids per dimension (a
/// touch two partners reported: half to each); a replicate is then one pass over those
/// touches, its units times its account's weight, into a dense total per value.
pub fn bounds(
    inp: &Inputs,
    a: &Attribution,
    dims: &[Dimension],
    spec: Spec,
    resolve: Option<(&Plugin, &[(String, String)])>,
) -> Result<Bounds, IntervalsError> {
    let js = &a.journeys;
    let n = spec.replicates as usize;
    let started = std::time::Instant::now();
    // The converting touches in `allocate`'s order: (journey, column touch), with the
    // credit's units.
    let mut touches: Vec<(usize, usize, f64)> = Vec::with_capacity(a.credits.len());
    for (j, conv) in js.conversion_of.iter().enumerate() {
        if conv.is_some() {
            touches.extend(js.cols.range(j).map(|k| (j, k, 0.0)));
        }
    }
    for (t, cr) in touches.iter_mut().zip(&a.credits) {
        t.2 = cr.units as f64;
    }
    // Per dimension: value symbol → dense id, and each converting touch's (id, fraction).
    let mut ids: Vec<Vec<Sym>> = vec![vec![]; dims.len()];
    let mut spread: Vec<Vec<(u32, f64)>> = vec![Vec::with_capacity(touches.len()); dims.len()];
    let mut starts: Vec<Vec<u32>> = vec![Vec::with_capacity(touches.len() + 1); dims.len()];
    for (d, dim) in dims.iter().enumerate() {
        let mut id_of: FastMap<Sym, u32> = FastMap::default();
        let mut id = |s: Sym, ids: &mut Vec<Sym>| -> u32 {
            *id_of.entry(s).or_insert_with(|| {
                ids.push(s);
                (ids.len() - 1) as u32
            })
        };
        for &(_, k, _) in &touches {
            starts[d].push(spread[d].len() as u32);
            let t = &inp.ds.touches[js.touch_index[k] as usize];
            if *dim == Dimension::Partner {
                let share = 1.0 / f64::from(t.partners.count_ones().max(1));
                for p in partners_of(t.partners) {
                    spread[d].push((id(p as Sym, &mut ids[d]), share));
                }
            } else {
                spread[d].push((id(dim.sym(t), &mut ids[d]), 1.0));
            }
        }
        starts[d].push(spread[d].len() as u32);
    }
    // Each journey's account key (journeys that converted; all of them for a re-solve).
    let key: Vec<u64> = {
        let mut memo: FastMap<Sym, u64> = FastMap::default();
        (0..js.cols.journeys())
            .map(|j| {
                let acc = journey_account(inp, a, j);
                *memo
                    .entry(acc)
                    .or_insert_with(|| bootstrap::account_key(inp.ds.symbols.name(acc)))
            })
            .collect()
    };
    let amount: Vec<f64> = (0..js.cols.journeys())
        .map(|j| js.amount(j, inp.c, inp.ds).units() as f64)
        .collect();
    // totals[d][id * n + b]
    let mut totals: Vec<Vec<f64>> = ids.iter().map(|v| vec![0.0; v.len() * n]).collect();
    let mut rep = resolve.map(|_| js.clone());
    let mut w = vec![0.0f64; js.cols.journeys()];
    for b in 0..spec.replicates {
        for (j, wj) in w.iter_mut().enumerate() {
            *wj = f64::from(bootstrap::weight(spec.seed, b, key[j]));
        }
        // The touches' units in this replicate, before their account's weight.
        let units: Vec<f64> = match (resolve, rep.as_mut()) {
            (Some((plugin, params)), Some(r)) => {
                let limit = plugin.limits.time_per_call;
                if started.elapsed() > limit {
                    return Err(IntervalsError::Budget {
                        plugin: plugin.label().name.clone(),
                        limit_ms: limit.as_millis(),
                        done: b,
                        replicates: spec.replicates,
                    });
                }
                for (j, &wj) in w.iter().enumerate() {
                    r.cols.conversions[j] = js.cols.conversions[j] * wj;
                    r.cols.nulls[j] = js.cols.nulls[j] * wj;
                    r.cols.value[j] = js.cols.value[j] * wj;
                }
                let (weights, _, _) = crate::pipeline::attribute::weights(r, plugin, params)?;
                touches
                    .iter()
                    .map(|&(j, k, _)| amount[j] * weights[k])
                    .collect()
            }
            _ => touches.iter().map(|t| t.2).collect(),
        };
        for (d, tot) in totals.iter_mut().enumerate() {
            for (i, &(j, _, _)) in touches.iter().enumerate() {
                let u = units[i] * w[j];
                if u == 0.0 {
                    continue;
                }
                let (s, e) = (starts[d][i] as usize, starts[d][i + 1] as usize);
                for &(id, frac) in &spread[d][s..e] {
                    tot[id as usize * n + b as usize] += u * frac;
                }
            }
        }
    }
    let mut out = Bounds::default();
    for (d, dim) in dims.iter().enumerate() {
        // Values are shown by name, and several symbols may share one (cleaned) name.
        let mut by_name: BTreeMap<String, Vec<f64>> = BTreeMap::new();
        for (id, &s) in ids[d].iter().enumerate() {
            let e = by_name
                .entry(share_name(inp, *dim, s))
                .or_insert_with(|| vec![0.0; n]);
            for (x, y) in e.iter_mut().zip(&totals[d][id * n..(id + 1) * n]) {
                *x += y;
            }
        }
        for (name, v) in by_name {
            // Half away from zero to the minor unit (f64::round), then the percentile rule.
            let mut units: Vec<i128> = v.iter().map(|x| x.round() as i128).collect();
            if let (Some(lo), Some(hi)) = (
                bootstrap::percentile(&mut units, bootstrap::LOW),
                bootstrap::percentile(&mut units, bootstrap::HIGH),
            ) {
                out.0.insert((*dim, name), (lo, hi));
            }
        }
    }
    Ok(out)
}

/// The one comparison the summary makes between the two partners with the most pipeline
/// credit, and only as far as the intervals allow: "A earned more than B" when A's interval
/// lies wholly above B's, otherwise that the difference is within the noise. None without
/// intervals or without two partners.
pub fn partner_claim(
    credit: &[crate::report::schema::DimensionCredit],
    cur: &str,
) -> Option<String> {
    use crate::report::schema::money;
    let rows = &credit.iter().find(|d| d.dimension == "partner")?.rows;
    let (a, b) = (rows.first()?, rows.get(1)?);
    let (alo, ahi, blo, bhi) = (
        a.pipeline_lo?,
        a.pipeline_hi?,
        b.pipeline_lo?,
        b.pipeline_hi?,
    );
    let span = |lo, hi| format!("90% interval {} to {}", money(lo, cur), money(hi, cur));
    Some(if alo > bhi {
        format!(
            "{} earned more pipeline credit than {}: {} ({}) against {} ({}).",
            a.value,
            b.value,
            money(a.pipeline, cur),
            span(alo, ahi),
            money(b.pipeline, cur),
            span(blo, bhi)
        )
    } else {
        format!(
            "{} and {} earned {} and {} of pipeline credit: the difference is within the noise (their 90% intervals, {} to {} and {} to {}, overlap).",
            a.value,
            b.value,
            money(a.pipeline, cur),
            money(b.pipeline, cur),
            money(alo, cur),
            money(ahi, cur),
            money(blo, cur),
            money(bhi, cur)
        )
    })
}

#[cfg(test)]
mod tests {
    use rust_decimal::Decimal;

    use super::partner_claim;
    use crate::report::schema::{CreditRow, DimensionCredit};

    fn row(value: &str, pipeline: i64, lo: i64, hi: i64) -> CreditRow {
        let d = |x: i64| Decimal::new(x, 0);
        CreditRow {
            value: value.into(),
            pipeline: d(pipeline),
            pipeline_share: 0.0,
            revenue: Decimal::ZERO,
            revenue_share: 0.0,
            opportunities: 1,
            won: 0,
            pipeline_lo: Some(d(lo)),
            pipeline_hi: Some(d(hi)),
            revenue_lo: Some(Decimal::ZERO),
            revenue_hi: Some(Decimal::ZERO),
        }
    }

    fn partners(rows: Vec<CreditRow>) -> Vec<DimensionCredit> {
        vec![DimensionCredit {
            dimension: "partner".into(),
            rows,
        }]
    }

    #[test]
    fn a_partner_earned_more_only_where_the_intervals_separate() {
        // A's interval 500–700 lies above B's 200–400: a claim.
        let c = partners(vec![row("A", 600, 500, 700), row("B", 300, 200, 400)]);
        assert_eq!(
            partner_claim(&c, "USD").unwrap(),
            "A earned more pipeline credit than B: USD 600.00 (90% interval USD 500.00 to USD 700.00) against USD 300.00 (90% interval USD 200.00 to USD 400.00)."
        );
        // 350–700 and 200–400 overlap: within the noise, though A's figure is twice B's.
        let c = partners(vec![row("A", 600, 350, 700), row("B", 300, 200, 400)]);
        assert!(
            partner_claim(&c, "USD")
                .unwrap()
                .contains("the difference is within the noise")
        );
        // No intervals, or one partner: no claim.
        let mut bare = row("A", 600, 500, 700);
        bare.pipeline_lo = None;
        assert_eq!(
            partner_claim(&partners(vec![bare, row("B", 1, 1, 1)]), "USD"),
            None
        );
        assert_eq!(
            partner_claim(&partners(vec![row("A", 1, 1, 1)]), "USD"),
            None
        );
    }
}
