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
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use super::trends::{Granularity, Periods};
use super::{Inputs, share_name};
use crate::data::{FastMap, Sym, partners_of};
use crate::pipeline::attribute::{Attribution, Dimension, Window, bootstrap};
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

/// The figures one draw bounds: credit per value of each dimension, and optionally per
/// partner × channel (contribution's rows) and per period (trends' rows and totals).
#[derive(Clone, Debug, Default)]
pub struct Figures {
    pub dims: Vec<Dimension>,
    /// Credit per partner and channel, as contribution's partner × channel rows group it.
    pub pairs: bool,
    /// Credit per period of trends: in total, and per partner and per channel.
    pub periods: Option<Periods>,
}

impl Figures {
    /// Credit per value of `dims` and nothing else (the stage table's lead, MQL and SQL).
    pub fn dims(dims: &[Dimension]) -> Figures {
        Figures {
            dims: dims.to_vec(),
            ..Figures::default()
        }
    }

    /// Every figure a track-source report gives an interval: the credit rows of
    /// `dimensions`; partner and channel (the stage table's opportunity and closed-won rows,
    /// trends, contribution); asset and segment (the top assets and segments); partner ×
    /// channel (contribution); and trends' periods. One draw per measure bounds them all.
    pub fn report(dimensions: &[Dimension], g: Granularity, window: Window) -> Figures {
        let mut dims = dimensions.to_vec();
        for d in [
            Dimension::Partner,
            Dimension::Channel,
            Dimension::Asset,
            Dimension::Segment,
        ] {
            if !dims.contains(&d) {
                dims.push(d);
            }
        }
        Figures {
            dims,
            pairs: true,
            periods: Some(Periods::new(g, window)),
        }
    }
}

/// The (low, high) bounds of a measure's credit, in minor units: per dimension and value,
/// and as far as the draw's [`Figures`] asked, per partner × channel and per period.
#[derive(Clone, Debug, Default)]
pub struct Bounds {
    values: BTreeMap<(Dimension, String), (i128, i128)>,
    /// (partner, channel) by contribution's names: the partner's and the channel's own.
    pairs: BTreeMap<(String, String), (i128, i128)>,
    /// Per period: `None` the attributed total, else a value of partner or channel.
    periods: BTreeMap<PeriodFigure, Vec<(i128, i128)>>,
}

/// A figure of trends: `(None, "")`, the attributed total; `(Some(d), value)`, a value's.
type PeriodFigure = (Option<Dimension>, String);

impl Bounds {
    pub fn get(&self, dim: Dimension, value: &str) -> Option<(i128, i128)> {
        self.values.get(&(dim, value.to_string())).copied()
    }

    /// A partner × channel figure of contribution, when the draw bounded pairs.
    pub fn pair(&self, partner: &str, channel: &str) -> Option<(i128, i128)> {
        self.pairs
            .get(&(partner.to_string(), channel.to_string()))
            .copied()
    }

    /// The bounds of a value's credit per period (one per period), when the draw bounded
    /// periods.
    pub fn periods(&self, dim: Dimension, value: &str) -> Option<&[(i128, i128)]> {
        self.periods
            .get(&(Some(dim), value.to_string()))
            .map(Vec::as_slice)
    }

    /// The bounds of the attributed total per period, when the draw bounded periods.
    pub fn period_totals(&self) -> Option<&[(i128, i128)]> {
        self.periods.get(&(None, String::new())).map(Vec::as_slice)
    }
}

/// The kinds of figure a draw totals; each keys its figures by a u64 (below).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Tally {
    /// A value of a dimension: its symbol (a partner: its index).
    Value(Dimension),
    /// Partner index << 32 | channel symbol.
    Pair,
    /// Trends: `None`, the period; `Some(d)`, the value's symbol << 32 | the period.
    Period(Option<Dimension>),
}

/// `bounds` with `Figures::dims(dims)`: credit per value of `dims`.
pub fn bounds(
    inp: &Inputs,
    a: &Attribution,
    dims: &[Dimension],
    spec: Spec,
    resolve: Option<(&Plugin, &[(String, String)])>,
) -> Result<Bounds, IntervalsError> {
    draw(inp, a, &Figures::dims(dims), spec, resolve)
}

/// The bounds of `a`'s credit for every figure of `figures`. `resolve`: the model and its
/// parameters, when it reads `nulls` and must be solved again per replicate.
///
/// Each converting touch's credit goes to a set of figures (a value of each dimension — a
/// touch two partners reported: half to each —, a partner × channel, a period…), its
/// *spread*; touches with the same spread share one. A model that keeps each journey's
/// credit (rule-based) is then summed once per account and spread, and a replicate is
/// each account's sums times its weight; a re-solved model's replicate sums each spread's
/// units of that replicate, then spreads them.
pub fn draw(
    inp: &Inputs,
    a: &Attribution,
    figures: &Figures,
    spec: Spec,
    resolve: Option<(&Plugin, &[(String, String)])>,
) -> Result<Bounds, IntervalsError> {
    let js = &a.journeys;
    let n = spec.replicates as usize;
    let started = std::time::Instant::now();
    // The converting touches in `allocate`'s order: (journey, column touch), and the
    // credit's units.
    let mut touches: Vec<(usize, usize)> = Vec::with_capacity(a.credits.len());
    for (j, conv) in js.conversion_of.iter().enumerate() {
        if conv.is_some() {
            touches.extend(js.cols.range(j).map(|k| (j, k)));
        }
    }
    let fixed: Vec<f64> = a.credits.iter().map(|cr| cr.units as f64).collect();

    let mut tallies: Vec<Tally> = figures.dims.iter().map(|&d| Tally::Value(d)).collect();
    if figures.pairs {
        tallies.push(Tally::Pair);
    }
    if figures.periods.is_some() {
        tallies.push(Tally::Period(None));
        tallies.extend([Dimension::Partner, Dimension::Channel].map(|d| Tally::Period(Some(d))));
    }
    // Figure ids: (tally, key) → dense id.
    let mut figure_of: FastMap<(usize, u64), u32> = FastMap::default();
    let mut figure_keys: Vec<(usize, u64)> = vec![];
    // Spreads: each distinct list of (figure, fraction), and each touch's.
    let mut spread_of: FastMap<Vec<(u32, u64)>, u32> = FastMap::default();
    let mut spreads: Vec<Vec<(u32, f64)>> = vec![];
    let mut touch_spread: Vec<u32> = Vec::with_capacity(touches.len());
    let mut period_of: FastMap<usize, u64> = FastMap::default();
    let mut list: Vec<(u32, u64)> = vec![];
    for &(j, k) in &touches {
        let t = &inp.ds.touches[js.touch_index[k] as usize];
        let period = figures.periods.map(|p| {
            let ci = js.conversion_of[j].unwrap_or(0);
            *period_of.entry(ci).or_insert_with(|| {
                p.index_of_ms(super::trends::counted_ms(inp, a, ci as u32)) as u64
            })
        });
        let partners = t.partners.count_ones().max(1);
        let share = (1.0 / f64::from(partners)).to_bits();
        list.clear();
        let mut add = |tally: usize, key: u64, frac: u64, list: &mut Vec<(u32, u64)>| {
            let next = figure_keys.len() as u32;
            let id = *figure_of.entry((tally, key)).or_insert_with(|| {
                figure_keys.push((tally, key));
                next
            });
            list.push((id, frac));
        };
        let one = 1f64.to_bits();
        for (ti, tally) in tallies.iter().enumerate() {
            match *tally {
                Tally::Value(Dimension::Partner) | Tally::Period(Some(Dimension::Partner)) => {
                    for p in partners_of(t.partners) {
                        let key = match (*tally, period) {
                            (Tally::Period(_), Some(pi)) => (p as u64) << 32 | pi,
                            _ => p as u64,
                        };
                        add(ti, key, share, &mut list);
                    }
                }
                Tally::Value(d) => add(ti, u64::from(d.sym(t)), one, &mut list),
                Tally::Pair => {
                    for p in partners_of(t.partners) {
                        add(
                            ti,
                            (p as u64) << 32 | u64::from(t.channel),
                            share,
                            &mut list,
                        );
                    }
                }
                Tally::Period(None) => add(ti, period.unwrap_or(0), one, &mut list),
                Tally::Period(Some(d)) => add(
                    ti,
                    u64::from(d.sym(t)) << 32 | period.unwrap_or(0),
                    one,
                    &mut list,
                ),
            }
        }
        let next = spreads.len() as u32;
        let s = match spread_of.get(&list) {
            Some(&s) => s,
            None => {
                spread_of.insert(list.clone(), next);
                spreads.push(
                    list.iter()
                        .map(|&(id, f)| (id, f64::from_bits(f)))
                        .collect(),
                );
                next
            }
        };
        touch_spread.push(s);
    }
    drop(spread_of);

    // Each journey's account, as a dense index, and each account's weights: w[acc * n + b].
    let journeys = js.cols.journeys();
    let mut account_of: Vec<u32> = Vec::with_capacity(journeys);
    let mut keys: Vec<u64> = vec![];
    {
        let mut index: FastMap<Sym, u32> = FastMap::default();
        for j in 0..journeys {
            // A rule-based draw weighs converting journeys only.
            if resolve.is_none() && js.conversion_of[j].is_none() {
                account_of.push(u32::MAX);
                continue;
            }
            let acc = js.account(j, inp.ds);
            let next = keys.len() as u32;
            account_of.push(*index.entry(acc).or_insert_with(|| {
                keys.push(bootstrap::account_key(inp.ds.symbols.name(acc)));
                next
            }));
        }
    }
    let w = account_weights(&keys, spec);

    // totals[figure * n + b]
    let mut totals = vec![0.0f64; figure_keys.len() * n];
    match resolve {
        None => {
            // (account, spread, units) of each converting touch, by account, in their
            // order within one.
            let mut credits: Vec<(u32, u32, f64)> = touches
                .iter()
                .enumerate()
                .map(|(i, &(j, _))| (account_of[j], touch_spread[i], fixed[i]))
                .collect();
            credits.sort_by_key(|c| c.0);
            totals = rule_based_totals(&w, n, &credits, &spreads, figure_keys.len());
        }
        Some((plugin, params)) => {
            let amount: Vec<f64> = (0..journeys)
                .map(|j| js.amount(j, inp.c, inp.ds).units() as f64)
                .collect();
            // The re-solves are independent: workers (one per core) take the next
            // replicate from a shared counter, each with its own copy of the journeys and
            // its own totals, which hold its replicates' columns and zeros elsewhere. A
            // replicate's figures never depend on which worker solved it, so the sum of
            // the workers' totals is the same whatever the threads did.
            let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
            let next = AtomicU32::new(0);
            let done = AtomicU32::new(0);
            let stop = AtomicBool::new(false);
            let worker = || -> Result<Vec<f64>, IntervalsError> {
                let mut mine = vec![0.0f64; totals.len()];
                let mut rep = js.clone();
                let mut units = vec![0.0f64; spreads.len()];
                let limit = plugin.limits.time_per_call;
                loop {
                    let b = next.fetch_add(1, Ordering::Relaxed);
                    if b >= spec.replicates || stop.load(Ordering::Relaxed) {
                        return Ok(mine);
                    }
                    if started.elapsed() > limit {
                        stop.store(true, Ordering::Relaxed);
                        return Err(IntervalsError::Budget {
                            plugin: plugin.label().name.clone(),
                            limit_ms: limit.as_millis(),
                            done: done.load(Ordering::Relaxed),
                            replicates: spec.replicates,
                        });
                    }
                    let wj = |j: usize| f64::from(w[account_of[j] as usize * n + b as usize]);
                    for j in 0..journeys {
                        let x = wj(j);
                        rep.cols.conversions[j] = js.cols.conversions[j] * x;
                        rep.cols.nulls[j] = js.cols.nulls[j] * x;
                        rep.cols.value[j] = js.cols.value[j] * x;
                    }
                    let solved = crate::pipeline::attribute::weights(&mut rep, plugin, params);
                    let (weights, _, _) =
                        solved.inspect_err(|_| stop.store(true, Ordering::Relaxed))?;
                    units.iter_mut().for_each(|u| *u = 0.0);
                    for (i, &(j, k)) in touches.iter().enumerate() {
                        units[touch_spread[i] as usize] += amount[j] * weights[k] * wj(j);
                    }
                    for (s, &u) in units.iter().enumerate() {
                        if u == 0.0 {
                            continue;
                        }
                        for &(id, frac) in &spreads[s] {
                            mine[id as usize * n + b as usize] += u * frac;
                        }
                    }
                    done.fetch_add(1, Ordering::Relaxed);
                }
            };
            let workers = cores.min(n).max(1);
            let results: Vec<Result<Vec<f64>, IntervalsError>> = std::thread::scope(|scope| {
                let handles: Vec<_> = (0..workers).map(|_| scope.spawn(worker)).collect();
                handles
                    .into_iter()
                    .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                    .collect()
            });
            for r in results {
                for (t, x) in totals.iter_mut().zip(r?) {
                    *t += x;
                }
            }
        }
    }

    // Figures are shown by name, and several symbols may share one (cleaned) name: sum
    // them, then take each one's `interval`.
    let periods = figures.periods.map_or(0, |p| p.len());
    let mut values: BTreeMap<(Dimension, String), Vec<f64>> = BTreeMap::new();
    let mut pairs: BTreeMap<(String, String), Vec<f64>> = BTreeMap::new();
    let mut by_period: BTreeMap<PeriodFigure, Vec<f64>> = BTreeMap::new();
    let sum_into = |v: &mut Vec<f64>, at: usize, id: usize| {
        for (x, y) in v[at * n..(at + 1) * n]
            .iter_mut()
            .zip(&totals[id * n..(id + 1) * n])
        {
            *x += y;
        }
    };
    for (id, &(ti, key)) in figure_keys.iter().enumerate() {
        match tallies[ti] {
            Tally::Value(d) => {
                let e = values
                    .entry((d, share_name(inp, d, key as Sym)))
                    .or_insert_with(|| vec![0.0; n]);
                sum_into(e, 0, id);
            }
            Tally::Pair => {
                let (p, ch) = ((key >> 32) as usize, key as Sym);
                let e = pairs
                    .entry((
                        inp.c.partners[p].name.clone(),
                        Dimension::Channel.sym_value(ch, inp.ds),
                    ))
                    .or_insert_with(|| vec![0.0; n]);
                sum_into(e, 0, id);
            }
            Tally::Period(d) => {
                let (name, at) = match d {
                    None => (String::new(), key as usize),
                    Some(d) => (share_name(inp, d, (key >> 32) as Sym), key as u32 as usize),
                };
                let e = by_period
                    .entry((d, name))
                    .or_insert_with(|| vec![0.0; n * periods]);
                sum_into(e, at, id);
            }
        }
    }
    // Every period has its bounds, zeros where nothing was credited.
    if periods > 0 {
        by_period
            .entry((None, String::new()))
            .or_insert_with(|| vec![0.0; n * periods]);
    }
    let bound = |v: &[f64]| interval(v);
    Ok(Bounds {
        values: values.into_iter().map(|(k, v)| (k, bound(&v))).collect(),
        pairs: pairs.into_iter().map(|(k, v)| (k, bound(&v))).collect(),
        periods: by_period
            .into_iter()
            .map(|(k, v)| (k, v.chunks(n.max(1)).map(bound).collect()))
            .collect(),
    })
}

/// Each account's weight in every replicate, `w[account * n + b]` (`keys`: the accounts'
/// [`bootstrap::account_key`]s). Poisson(1) is capped at 32: a byte holds it.
fn account_weights(keys: &[u64], spec: Spec) -> Vec<u8> {
    let n = spec.replicates as usize;
    let mut w: Vec<u8> = vec![0; keys.len() * n];
    for (acc, &key) in keys.iter().enumerate() {
        for (b, wb) in w[acc * n..(acc + 1) * n].iter_mut().enumerate() {
            *wb = bootstrap::weight(spec.seed, b as u32, key) as u8;
        }
    }
    w
}

/// The replicates' totals of a rule-based credit, `totals[figure * n + b]`: `credits` are
/// each converting touch's (account, spread, units), sorted by account; a touch's units go
/// to the figures of its spread (`spreads`: (figure, fraction)), summed per account, and
/// replicate `b`'s total of a figure is Σ over accounts of `w[account * n + b]` × the
/// account's sum (`w` from [`account_weights`]).
fn rule_based_totals(
    w: &[u8],
    n: usize,
    credits: &[(u32, u32, f64)],
    spreads: &[Vec<(u32, f64)>],
    figures: usize,
) -> Vec<f64> {
    let mut totals = vec![0.0f64; figures * n];
    let mut sums = vec![0.0f64; figures];
    let mut seen: Vec<u32> = vec![];
    for one in credits.chunk_by(|x, y| x.0 == y.0) {
        let acc = one[0].0 as usize;
        for &(_, s, units) in one {
            for &(id, frac) in &spreads[s as usize] {
                if sums[id as usize] == 0.0 {
                    seen.push(id);
                }
                sums[id as usize] += units * frac;
            }
        }
        seen.sort_unstable();
        seen.dedup();
        let wa = &w[acc * n..(acc + 1) * n];
        for &id in &seen {
            let u = std::mem::take(&mut sums[id as usize]);
            if u == 0.0 {
                continue;
            }
            let t = &mut totals[id as usize * n..(id as usize + 1) * n];
            for (x, &wb) in t.iter_mut().zip(wa) {
                *x += f64::from(wb) * u;
            }
        }
        seen.clear();
    }
    totals
}

/// A figure's interval from its replicates' totals (in minor units, as floats): each total
/// rounded to the minor unit, half away from zero (`f64::round`), then the percentile rule
/// (`bootstrap::percentile`). (0, 0) without replicates.
fn interval(totals: &[f64]) -> (i128, i128) {
    let mut units: Vec<i128> = totals.iter().map(|x| x.round() as i128).collect();
    (
        bootstrap::percentile(&mut units, bootstrap::LOW).unwrap_or(0),
        bootstrap::percentile(&mut units, bootstrap::HIGH).unwrap_or(0),
    )
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

    use super::{Spec, account_weights, interval, partner_claim, rule_based_totals};
    use crate::pipeline::attribute::bootstrap;
    use crate::report::schema::{CreditRow, DimensionCredit};

    /// The test's own generator (SplitMix64), apart from the bootstrap's: a uniform in
    /// [0, 1) per call, the same sequence for the same seed.
    struct Rng(u64);

    impl Rng {
        fn uniform(&mut self) -> f64 {
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    /// Coverage (issue #19: "on a synthetic campaign with known true credit shares, the 90%
    /// intervals cover the truth in about 90% of 200 seeded repetitions").
    ///
    /// The campaign: accounts arrive as a Poisson process, λ = 400 expected per campaign
    /// (each of 400 slots brings Poisson(1) accounts — a sum of Poissons is Poisson), the
    /// sampling the Poisson bootstrap over accounts mimics. Each account has one deal of
    /// 100.00, 200.00, … or 1,000.00, equally likely (mean 550.00), and one journey: partner
    /// A's touch alone (probability 0.5), A's then B's (0.3), or B's alone (0.2). Under
    /// linear, A's true share of the credit is 0.5 + 0.3 / 2 = 0.65, so A's expected credit
    /// in a campaign is λ × 550.00 × 0.65 = 143,000.00, analytically.
    ///
    /// Each repetition draws a fresh campaign (fresh account names, so fresh bootstrap
    /// weights), sums each account's linear credit to A and B as the rule-based draw does
    /// (`rule_based_totals`, 200 replicates, the default seed) and takes A's 90% interval
    /// (`interval`), then checks whether it holds 143,000.00.
    ///
    /// Tolerance: if the intervals cover with probability 0.9, the coverings of 200
    /// repetitions are Binomial(200, 0.9): mean 180, sd √(200 × 0.9 × 0.1) ≈ 4.24. We
    /// accept 170..=190, about ±2.4 sd (a true 90% interval falls outside about 1.7% of
    /// the time). Everything is seeded, so the count is one fixed number: the test cannot
    /// flake; it fails only if the intervals' coverage is off (170 would be 85%, 190 95%).
    /// With this generator seed 172 cover; with seeds 1 to 10 instead, 176 to 181 (mean
    /// 178.4: the percentile interval runs a little short of 90%, as it does for a sum of
    /// skewed credits) — so 172 is the low side of chance, not a drift.
    #[test]
    fn ninety_percent_intervals_cover_a_known_credit_about_ninety_percent_of_the_time() {
        const LAMBDA_SLOTS: usize = 400;
        const TRUTH_CENTS: i128 = 400 * 55_000 * 65 / 100; // 143,000.00
        assert_eq!(TRUTH_CENTS, 14_300_000);
        let spec = Spec {
            replicates: bootstrap::REPLICATES,
            seed: Spec::DEFAULT_SEED,
        };
        let n = spec.replicates as usize;
        // Figure 0: partner A; figure 1: partner B. A touch of A or B credits one of them.
        let spreads = vec![vec![(0u32, 1.0)], vec![(1u32, 1.0)]];
        let mut rng = Rng(0x5eed_c0fe);
        let mut covered = 0;
        let mut widths = vec![];
        for rep in 0..200 {
            let mut keys = vec![];
            let mut credits: Vec<(u32, u32, f64)> = vec![];
            for _ in 0..LAMBDA_SLOTS {
                for _ in 0..bootstrap::poisson1(rng.uniform()) {
                    let acc = keys.len() as u32;
                    keys.push(bootstrap::account_key(&format!("r{rep}-a{acc}.example")));
                    let cents = 10_000.0 * (1.0 + (rng.uniform() * 10.0).floor());
                    let path = rng.uniform();
                    if path < 0.5 {
                        credits.push((acc, 0, cents));
                    } else if path < 0.8 {
                        credits.push((acc, 0, cents / 2.0));
                        credits.push((acc, 1, cents / 2.0));
                    } else {
                        credits.push((acc, 1, cents));
                    }
                }
            }
            let w = account_weights(&keys, spec);
            let totals = rule_based_totals(&w, n, &credits, &spreads, 2);
            let (lo, hi) = interval(&totals[..n]);
            if lo <= TRUTH_CENTS && TRUTH_CENTS <= hi {
                covered += 1;
            }
            widths.push(hi - lo);
        }
        assert!(
            (170..=190).contains(&covered),
            "{covered} of 200 intervals cover the truth"
        );
        // Not vacuous: A's credit per account has E[c²] = 0.5 × 385,000 + 0.3 × 96,250 =
        // 221,375 USD² (a deal's E[amount²] is 100² × 38.5), so the total's sd is
        // √(400 × 221,375) ≈ 9,410.00 and a 90% interval about 2 × 1.645 × 9,410 ≈ 30,960.00
        // wide.
        widths.sort_unstable();
        let median = widths[100];
        assert!(
            (2_700_000..3_500_000).contains(&median),
            "median width {median}"
        );
    }

    #[test]
    fn rule_based_totals_by_hand() {
        // Two accounts: x credits figure 0 with 10.00 and figure 1 with 4.00 (one touch
        // split half and half between them, 8.00 → 4.00 each, and a touch of 6.00 to
        // figure 0); y credits figure 1 with 3.00.
        let spec = Spec {
            replicates: 5,
            seed: 3,
        };
        let keys = [
            bootstrap::account_key("x.example"),
            bootstrap::account_key("y.example"),
        ];
        let w = account_weights(&keys, spec);
        let spreads = vec![
            vec![(0u32, 0.5), (1, 0.5)],
            vec![(0u32, 1.0)],
            vec![(1u32, 1.0)],
        ];
        let credits = [(0u32, 0u32, 800.0), (0, 1, 600.0), (1, 2, 300.0)];
        let totals = rule_based_totals(&w, 5, &credits, &spreads, 2);
        for b in 0..5 {
            let (wx, wy) = (
                f64::from(bootstrap::weight(3, b as u32, keys[0])),
                f64::from(bootstrap::weight(3, b as u32, keys[1])),
            );
            assert_eq!(w[b], wx as u8);
            assert_eq!(totals[b], wx * 1_000.0, "figure 0, replicate {b}");
            assert_eq!(
                totals[5 + b],
                wx * 400.0 + wy * 300.0,
                "figure 1, replicate {b}"
            );
        }
        // B = 5: the bounds are the sorted totals at ⌊0.05 × 4⌋ = 0 and ⌊0.95 × 4⌋ = 3.
        let mut sorted: Vec<f64> = totals[..5].to_vec();
        sorted.sort_by(f64::total_cmp);
        assert_eq!(
            interval(&totals[..5]),
            (sorted[0] as i128, sorted[3] as i128)
        );
        // Halves round away from zero.
        assert_eq!(interval(&[0.5, 1.5, 2.5]), (1, 2));
    }

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
