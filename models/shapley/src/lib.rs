//! Shapley values of a conversion-rate game over channel sets (models.md).
//!
//! Players are the keys that occur in journeys with touches and conversions + nulls > 0.
//! For a coalition S, let C(S) and N(S) be the conversions and nulls of the journeys whose
//! set of distinct keys is a subset of S. The characteristic function is the conversion rate
//!
//! ```text
//! v(S) = C(S) / (C(S) + N(S))      (v(S) = 0 when C(S) + N(S) = 0)
//! ```
//!
//! and the Shapley value of key i among n players is
//!
//! ```text
//! φᵢ = Σ_{S ⊆ P∖{i}} |S|! (n − |S| − 1)! / n! · (v(S ∪ {i}) − v(S))
//! ```
//!
//! Non-converting journeys matter: a key whose journeys rarely convert lowers the rate of
//! every coalition it joins, so φ can be negative. (The coverage game v(S) = C(S) that some
//! libraries ship as "Shapley" is just a linear split over each journey's distinct keys.)
//!
//! - Up to [`EXACT_MAX`] players: exact over all 2ⁿ coalitions. C and N are summed per
//!   exact key set, then over subsets by a zeta transform (O(n·2ⁿ)), and φ is accumulated
//!   coalition by coalition in a fixed order.
//! - More players: φ is estimated from `samples` random permutations (Fisher–Yates driven
//!   by splitmix64 with the fixed seed [`SEED`]), averaging each key's marginal contribution;
//!   a note says so.
//!
//! Efficiency gives Σφ = v(P), the overall conversion rate; credits are scaled to the total
//! conversions of the journeys with touches: creditᵢ = φᵢ / Σφ × total. When Σφ ≤ 0 (no
//! conversions) credits fall back to a linear split. Scores: `shapley-value` (raw φ) and
//! `conversions` (credits; negative for a negative φ).
//!
//! Touch weights: each distinct key of a journey gets max(φ, 0), normalized over the
//! journey's distinct keys, and a key's share is split evenly among its repeated touches;
//! all zero → an even split over the touches.
//!
//! Internals (`model@0.3.0` tables): when exact, `coalition-values`, one row per non-empty
//! coalition S (its keys joined by ` + ` in key order; rows in the order of S's bit mask,
//! bit i being the i-th player in key order) with C(S), N(S) and v(S): what every φ above
//! is a weighted sum of differences of. Sampled values come from no coalition table, so
//! none is returned then (the sampling note says how they were computed).

use std::collections::HashMap;

use ascribe_sdk::model::{Info, Inputs, Journeys, Model, ModelError, Output, TABLE_LIMITS, Table};
use ascribe_sdk::{ParamSpec, Params};

pub struct Shapley;

/// Exact computation up to this many players (2¹⁶ coalitions).
pub const EXACT_MAX: usize = 16;
/// Seed of the permutation sampler.
pub const SEED: u64 = 1;

const NONE: u32 = u32::MAX;

/// A Neumaier-compensated sum, so totals do not depend on the order of the journeys.
#[derive(Clone, Copy, Default, Debug)]
struct Sum {
    s: f64,
    c: f64,
}

impl Sum {
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
        self.s + self.c
    }
}

/// splitmix64.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (Lemire's multiply-shift; the bias is below 2⁻³² for n < 2³²).
    fn below(&mut self, n: usize) -> usize {
        ((self.next() as u128 * n as u128) >> 64) as usize
    }
}

/// The game's result per key (aligned with `input.keys`).
pub struct Values {
    /// φ per key; 0 for keys that are not players.
    pub phi: Vec<f64>,
    pub players: usize,
    /// Permutations sampled, or `None` when exact.
    pub sampled: Option<u32>,
    /// Conversions of journeys with touches (what the credits add up to).
    pub total_conversions: f64,
    /// When exact: C(S), N(S) and v(S) of every coalition, indexed by bit mask.
    pub coalitions: Option<Coalitions>,
    /// Key ids of the players, in player order (bit i of a mask is `player_keys[i]`).
    pub player_keys: Vec<u32>,
}

/// The characteristic function over all 2ⁿ coalitions, indexed by bit mask.
pub struct Coalitions {
    pub conversions: Vec<f64>,
    pub nulls: Vec<f64>,
    pub value: Vec<f64>,
}

/// The `coalition-values` table of an exact game: every non-empty coalition by mask, or
/// why it is left out (its text would break the host's bounds on a model's tables).
pub fn coalition_table(
    keys: &[String],
    player_keys: &[u32],
    game: &Coalitions,
) -> Result<Table, String> {
    let l = &TABLE_LIMITS;
    let size = game.value.len();
    let mut names = Vec::with_capacity(size.saturating_sub(1));
    let mut bytes = 0usize;
    for s in 1..size {
        let members: Vec<&str> = (0..player_keys.len())
            .filter(|i| s & (1 << i) != 0)
            .map(|i| keys[player_keys[i] as usize].as_str())
            .collect();
        let name = members.join(" + ");
        if name.len() > l.cell_bytes {
            return Err(format!(
                "a coalition's name has {} bytes, more than the {} of a table cell",
                name.len(),
                l.cell_bytes
            ));
        }
        bytes += name.len();
        if bytes > l.text_bytes {
            return Err(format!(
                "the coalitions' names take more than the {} bytes a model may return",
                l.text_bytes
            ));
        }
        names.push(name);
    }
    Ok(Table::new(
        "coalition-values",
        "The game the Shapley values are computed from: for each coalition S of channels, \
         the conversions C(S) and nulls N(S) of the journeys whose channels all lie in S, and \
         v(S) = C(S) / (C(S) + N(S)) (0 when both are 0).",
    )
    .text("coalition", names)
    .numbers("conversions", game.conversions[1..].to_vec())
    .numbers("nulls", game.nulls[1..].to_vec())
    .numbers("value", game.value[1..].to_vec()))
}

/// Shapley values, exact up to `exact_max` players and sampled with `samples` permutations
/// beyond (the model uses [`EXACT_MAX`]; tests vary it).
pub fn shapley_values(
    input: &Journeys,
    exact_max: usize,
    samples: u32,
) -> Result<Values, ModelError> {
    let mut player_of = vec![NONE; input.keys.len()];
    let mut players = 0usize;
    let mut total = Sum::default();
    for j in input.iter() {
        let (c, nulls) = (j.conversions, j.nulls);
        if !(c.is_finite() && c >= 0.0 && nulls.is_finite() && nulls >= 0.0) {
            return Err(ModelError::UnsupportedInput(format!(
                "shapley: journey {} has conversions {c} and nulls {nulls}; both must be \
                 finite and non-negative",
                j.index
            )));
        }
        if j.is_empty() {
            continue;
        }
        total.add(c);
        if c + nulls > 0.0 {
            for &k in j.keys {
                player_of[k as usize] = 0;
            }
        }
    }
    // Players numbered in key order, independent of the journeys' order.
    for p in player_of.iter_mut().filter(|p| **p != NONE) {
        *p = players as u32;
        players += 1;
    }
    let mut phi_players = vec![0.0; players];
    let (sampled, coalitions) = if players <= exact_max {
        let game = exact(input, &player_of, players, &mut phi_players);
        (None, Some(game))
    } else {
        sample(input, &player_of, players, samples, &mut phi_players);
        (Some(samples), None)
    };
    let player_keys = (0..player_of.len() as u32)
        .filter(|&k| player_of[k as usize] != NONE)
        .collect();
    let phi = player_of
        .iter()
        .map(|&p| {
            if p == NONE {
                0.0
            } else {
                phi_players[p as usize]
            }
        })
        .collect();
    Ok(Values {
        phi,
        players,
        sampled,
        total_conversions: total.get(),
        coalitions,
        player_keys,
    })
}

/// Exact Shapley values over all coalitions of `n` ≤ 31 players; returns the game.
fn exact(input: &Journeys, player_of: &[u32], n: usize, phi: &mut [f64]) -> Coalitions {
    let size = 1usize << n;
    let mut cn = vec![[Sum::default(); 2]; size];
    for j in input.iter() {
        if j.is_empty() || j.conversions + j.nulls <= 0.0 {
            continue;
        }
        let mask = j
            .keys
            .iter()
            .fold(0usize, |m, &k| m | 1 << player_of[k as usize]);
        cn[mask][0].add(j.conversions);
        cn[mask][1].add(j.nulls);
    }
    let mut c: Vec<f64> = cn.iter().map(|x| x[0].get()).collect();
    let mut nl: Vec<f64> = cn.iter().map(|x| x[1].get()).collect();
    drop(cn);
    // Zeta transform: C(S) = Σ_{T ⊆ S} C[T].
    for i in 0..n {
        let bit = 1 << i;
        for s in 0..size {
            if s & bit != 0 {
                c[s] += c[s ^ bit];
                nl[s] += nl[s ^ bit];
            }
        }
    }
    let v: Vec<f64> = c
        .iter()
        .zip(&nl)
        .map(|(&c, &nl)| if c + nl > 0.0 { c / (c + nl) } else { 0.0 })
        .collect();
    // |S|!(n−|S|−1)!/n! = 1 / (n · binom(n−1, |S|)).
    let mut binom = vec![1.0f64; n];
    for s in 1..n {
        binom[s] = binom[s - 1] * (n - s) as f64 / s as f64;
    }
    let weight: Vec<f64> = binom.iter().map(|b| 1.0 / (n as f64 * b)).collect();
    for s in 0..size {
        let w = weight.get(s.count_ones() as usize).copied().unwrap_or(0.0);
        for (i, p) in phi.iter_mut().enumerate() {
            if s & (1 << i) == 0 {
                *p += w * (v[s | 1 << i] - v[s]);
            }
        }
    }
    Coalitions {
        conversions: c,
        nulls: nl,
        value: v,
    }
}

/// Journeys grouped by their set of distinct players (sets in sorted order, whatever the
/// order of the journeys), with the conversions and nulls of each group.
struct Groups {
    /// Up to 64 players: each set as a bit mask; otherwise empty.
    masks: Vec<u64>,
    /// More than 64 players: each set as a sorted member list (CSR); otherwise empty.
    start: Vec<usize>,
    members: Vec<u32>,
    conv: Vec<f64>,
    nulls: Vec<f64>,
}

impl Groups {
    /// Masks when `masks` (requires n ≤ 64), member lists otherwise.
    fn new(input: &Journeys, player_of: &[u32], masks: bool) -> Groups {
        let mut g = Groups {
            masks: Vec::new(),
            start: vec![0],
            members: Vec::new(),
            conv: Vec::new(),
            nulls: Vec::new(),
        };
        let counted = input
            .iter()
            .filter(|j| !j.is_empty() && j.conversions + j.nulls > 0.0);
        if masks {
            // Sort (mask, c, n) rows completely, so equal masks sum in a canonical order.
            let mut rows: Vec<(u64, f64, f64)> = counted
                .map(|j| {
                    let m = j
                        .keys
                        .iter()
                        .fold(0u64, |m, &k| m | 1 << player_of[k as usize]);
                    (m, j.conversions, j.nulls)
                })
                .collect();
            rows.sort_unstable_by(|a, b| {
                a.0.cmp(&b.0)
                    .then(a.1.total_cmp(&b.1))
                    .then(a.2.total_cmp(&b.2))
            });
            let mut i = 0;
            while i < rows.len() {
                let (mut c, mut nl) = (Sum::default(), Sum::default());
                let m = rows[i].0;
                while i < rows.len() && rows[i].0 == m {
                    c.add(rows[i].1);
                    nl.add(rows[i].2);
                    i += 1;
                }
                g.masks.push(m);
                g.conv.push(c.get());
                g.nulls.push(nl.get());
            }
        } else {
            let mut by_set: HashMap<Vec<u32>, [Sum; 2]> = HashMap::new();
            let mut set = Vec::new();
            for j in counted {
                set.clear();
                set.extend(j.keys.iter().map(|&k| player_of[k as usize]));
                set.sort_unstable();
                set.dedup();
                let e = match by_set.get_mut(&set) {
                    Some(e) => e,
                    None => by_set.entry(set.clone()).or_default(),
                };
                e[0].add(j.conversions);
                e[1].add(j.nulls);
            }
            let mut sorted: Vec<(Vec<u32>, [Sum; 2])> = by_set.into_iter().collect();
            sorted.sort_unstable_by(|a, b| a.0.cmp(&b.0));
            for (set, [c, nl]) in sorted {
                g.members.extend_from_slice(&set);
                g.start.push(g.members.len());
                g.conv.push(c.get());
                g.nulls.push(nl.get());
            }
        }
        g
    }
}

/// Permutations evaluated per pass over the groups.
const BATCH: usize = 8;

/// For each group and each permutation b of the batch, adds the group's conversions and
/// nulls at the position where its last member joins: `done[b][t]`. `tables[b][k][x]` is the
/// last position, in permutation b, among the players of byte k of a mask set in x.
fn scan_masks<const K: usize>(g: &Groups, tables: &[[[u8; 256]; 8]], done: &mut [[[f64; 2]; 64]]) {
    for ((&m, &c), &nl) in g.masks.iter().zip(&g.conv).zip(&g.nulls) {
        let bytes = m.to_le_bytes();
        for (t, d) in tables.iter().zip(done.iter_mut()) {
            let mut last = 0u8;
            for k in 0..K {
                last = last.max(t[k][bytes[k] as usize]);
            }
            let slot = &mut d[(last & 63) as usize];
            slot[0] += c;
            slot[1] += nl;
        }
    }
}

/// Monte Carlo Shapley values from `samples` permutations with the fixed seed.
///
/// In a permutation, a group of journeys counts for every prefix coalition from the position
/// of its last member on, so one pass over the groups gives C and N of all n prefixes: the
/// cost is O(samples × distinct key sets). With at most 64 players a pass reads one 64-bit
/// mask per group and finds its last position byte by byte in 256-entry tables, for a batch
/// of permutations at once.
fn sample(input: &Journeys, player_of: &[u32], n: usize, samples: u32, phi: &mut [f64]) {
    sample_with(input, player_of, n, samples, n <= 64, phi)
}

/// [`sample`], choosing the mask or the member-list representation (tests compare them).
fn sample_with(
    input: &Journeys,
    player_of: &[u32],
    n: usize,
    samples: u32,
    masks: bool,
    phi: &mut [f64],
) {
    let g = Groups::new(input, player_of, masks);
    let chunks = n.div_ceil(8);
    let mut tables = vec![[[0u8; 256]; 8]; BATCH];
    let mut done = vec![[[0.0f64; 2]; 64]; BATCH];
    let mut done_lists = vec![[0.0f64; 2]; if masks { 0 } else { BATCH * n }];
    let mut rng = SplitMix(SEED);
    let mut perms: Vec<Vec<u32>> = vec![(0..n as u32).collect(); BATCH];
    let mut pos = vec![0u32; BATCH * n];
    let mut sum = vec![0.0; n];
    let mut left = samples as usize;
    while left > 0 {
        let batch = left.min(BATCH);
        left -= batch;
        for (b, perm) in perms.iter_mut().enumerate().take(batch) {
            for i in (1..n).rev() {
                perm.swap(i, rng.below(i + 1));
            }
            for (t, &p) in perm.iter().enumerate() {
                pos[b * n + p as usize] = t as u32;
            }
        }
        if masks {
            for (b, t) in tables.iter_mut().enumerate().take(batch) {
                for (k, tk) in t.iter_mut().enumerate().take(chunks) {
                    for x in 1..256usize {
                        let p = 8 * k + x.trailing_zeros() as usize;
                        let at = if p < n { pos[b * n + p] as u8 } else { 0 };
                        tk[x] = tk[x & (x - 1)].max(at);
                    }
                }
            }
            let (t, d) = (&tables[..batch], &mut done[..batch]);
            for x in d.iter_mut() {
                x.fill([0.0; 2]);
            }
            match chunks {
                1 => scan_masks::<1>(&g, t, d),
                2 => scan_masks::<2>(&g, t, d),
                3 => scan_masks::<3>(&g, t, d),
                4 => scan_masks::<4>(&g, t, d),
                5 => scan_masks::<5>(&g, t, d),
                6 => scan_masks::<6>(&g, t, d),
                7 => scan_masks::<7>(&g, t, d),
                _ => scan_masks::<8>(&g, t, d),
            }
        } else {
            done_lists.fill([0.0; 2]);
            for (gi, w) in g.start.windows(2).enumerate() {
                let set = &g.members[w[0]..w[1]];
                for b in 0..batch {
                    let pos = &pos[b * n..(b + 1) * n];
                    let last = set.iter().fold(0u32, |m, &p| m.max(pos[p as usize]));
                    let slot = &mut done_lists[b * n + last as usize];
                    slot[0] += g.conv[gi];
                    slot[1] += g.nulls[gi];
                }
            }
        }
        for (b, perm) in perms.iter().enumerate().take(batch) {
            let (mut c, mut nl, mut v) = (0.0, 0.0, 0.0);
            for (t, &p) in perm.iter().enumerate() {
                let d = if masks {
                    done[b][t]
                } else {
                    done_lists[b * n + t]
                };
                c += d[0];
                nl += d[1];
                let nv = if c + nl > 0.0 { c / (c + nl) } else { 0.0 };
                sum[p as usize] += nv - v;
                v = nv;
            }
        }
    }
    for (p, s) in phi.iter_mut().zip(sum) {
        *p = s / samples as f64;
    }
}

impl Model for Shapley {
    fn info() -> Info {
        Info {
            name: "shapley".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: "Shapley values of the conversion-rate game v(S) = C(S)/(C(S)+N(S)) \
                          over channel sets (non-converting journeys count), exact up to 16 \
                          keys, sampled beyond."
                .into(),
            params: vec![ParamSpec::new(
                "samples",
                "20000",
                "Permutations sampled (with a fixed seed) when there are more than 16 keys; \
                 1 to 10000000.",
            )],
            inputs: Inputs::TOUCH_KEYS | Inputs::NULLS,
            key_scores: vec!["shapley-value".into(), "conversions".into()],
        }
    }

    fn attribute(input: &Journeys, params: &Params) -> Result<Output, ModelError> {
        let samples = params.u32_in("samples", 1, 10_000_000)?;
        let values = shapley_values(input, EXACT_MAX, samples)?;
        let phi = &values.phi;
        let mut notes = Vec::new();
        match values.sampled {
            None => notes.push(format!(
                "shapley: {} keys, exact over all {} coalitions",
                values.players,
                1u64 << values.players
            )),
            Some(s) => notes.push(format!(
                "shapley: {} keys (more than {EXACT_MAX}): estimated from {s} sampled \
                 permutations with seed {SEED} (splitmix64)",
                values.players
            )),
        }

        let mut tables = Vec::new();
        // Sampled values come from no table of coalitions: the sampling note says how
        // they were computed instead.
        if let Some(game) = &values.coalitions {
            match coalition_table(&input.keys, &values.player_keys, game) {
                Ok(t) => tables.push(t),
                Err(why) => notes.push(format!(
                    "shapley: the coalition values are not returned: {why}"
                )),
            }
        }

        // Credits: φ scaled to the total conversions, or a linear split.
        let phi_sum: f64 = phi.iter().sum();
        let credits: Vec<f64> = if phi_sum > 0.0 {
            phi.iter()
                .map(|p| p / phi_sum * values.total_conversions)
                .collect()
        } else {
            notes.push(format!(
                "shapley: the Shapley values sum to {phi_sum} (no conversions); conversions \
                 are credited by a linear split instead"
            ));
            let mut credit = vec![Sum::default(); input.keys.len()];
            for j in input.iter().filter(|j| !j.is_empty()) {
                let each = j.conversions / j.len() as f64;
                for &k in j.keys {
                    credit[k as usize].add(each);
                }
            }
            credit.into_iter().map(Sum::get).collect()
        };

        // Touch weights: max(φ, 0) per distinct key, split among that key's touches.
        let mut weights = vec![0.0; input.touches()];
        let mut count = vec![0u32; input.keys.len()];
        for j in input.iter() {
            let w = &mut weights[j.start..j.start + j.len()];
            let mut total = 0.0;
            for &k in j.keys {
                let c = &mut count[k as usize];
                if *c == 0 {
                    total += phi[k as usize].max(0.0);
                }
                *c += 1;
            }
            if total > 0.0 {
                for (x, &k) in w.iter_mut().zip(j.keys) {
                    *x = phi[k as usize].max(0.0) / total / count[k as usize] as f64;
                }
            } else {
                let even = 1.0 / w.len() as f64;
                w.fill(even);
            }
            for &k in j.keys {
                count[k as usize] = 0;
            }
        }

        Ok(Output {
            weights,
            scores: vec![
                ("shapley-value".into(), values.phi),
                ("conversions".into(), credits),
            ],
            notes,
            tables,
        })
    }
}

ascribe_sdk::export_model!(Shapley);

#[cfg(test)]
mod tests;
