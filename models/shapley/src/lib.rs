//! Shapley values per journey, of a conversion-rate game over key sets (models.md,
//! design/models.md "Shapley value, per journey").
//!
//! 1. The rate game: for a key set S, C(S) and N(S) are the conversions and nulls of the
//!    journeys whose set of distinct keys is a subset of S, and
//!
//!    ```text
//!    v(S) = C(S) / (C(S) + N(S))      (v(S) = 0 when C(S) + N(S) = 0)
//!    ```
//!
//! 2. For each distinct key set T of converting journeys, the Shapley values φᵀ of v
//!    restricted to the subsets of T (players: T's keys):
//!
//!    ```text
//!    φᵀᵢ = Σ_{S ⊆ T∖{i}} |S|! (m − |S| − 1)! / m! · (v(S ∪ {i}) − v(S)),   m = |T|
//!    ```
//!
//!    Efficiency gives Σᵢ φᵀᵢ = v(T).
//! 3. The journey's shares: max(φᵀᵢ, 0) normalized over T; all zero → even over T. A key's
//!    share is split evenly among its repeated touches: those are the touch weights.
//! 4. Every output comes from these shares: the `conversions` score of key i is
//!    Σ over converting key sets T of C[T] × i's share in T (C[T]: the conversions of the
//!    journeys whose key set is exactly T), and the host credits value and money by the
//!    weights. A key can therefore never take more than the conversions of the journeys it
//!    is in, and conversions and value follow one rule.
//!
//! Non-converting journeys matter through v: a key whose journeys rarely convert lowers the
//! rate of the coalitions it joins, so a φᵀ can be negative (its share is then 0).
//!
//! - A key set of up to [`EXACT_MAX`] keys: exact. C and N of every subset of T are looked
//!   up per exact key set (journeys are grouped by key set, and a subset is found by its
//!   Zobrist hash, verified against the group's members), summed over subsets by a zeta
//!   transform (O(m·2ᵐ)), and φᵀ accumulated subset by subset in a fixed order. Each
//!   distinct T is computed once, however many journeys have it.
//! - A larger key set: φᵀ is estimated from `samples` random permutations of T (Fisher–Yates
//!   driven by splitmix64 with the fixed seed [`SEED`], the same for every T), averaging each
//!   key's marginal contribution; a note says so. Every permutation telescopes to v(T), so
//!   the estimate is efficient too.
//!
//! The model is mergeable (`model@0.4.0`): C[T] and N[T] per distinct key set T are its
//! sufficient statistics ([`statistics`]: exact integers in micro-units, keys in name
//! order), merged by summing; `solve` computes every key set's shares from them alone, and
//! `weights` looks each journey's set up, per partition. `attribute` is those three calls
//! on the one partition.
//!
//! Internals (`model@0.3.0` tables):
//! - `coalition-values`: every coalition S the exact values were computed from (the
//!   non-empty subsets of the exact converting key sets, each once), ordered by size and
//!   then by key order, with C(S), N(S) and v(S). Left out, with a note, when there would be
//!   more than [`COALITION_ROWS`] of them or their names break the host's bounds.
//! - `key-set-shares`: one row per key of each converting key set T (T's ordered as the
//!   coalitions): T's conversions C[T], φᵀ, the share, and the conversions credited to the
//!   key from T (C[T] × share). Left out, with a note, when over the bounds.

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasherDefault, Hasher};

use ascribe_sdk::model::{
    Info, Inputs, Journeys, KeyKind, Mergeable, Model, ModelError, Output, Solution, StatCells,
    StatTable, Stats, StatsBuilder, SumKind, TABLE_LIMITS, Table, add, attribute_merged,
    merge_sums, micro, unmicro,
};
use ascribe_sdk::{ParamSpec, Params};

pub struct Shapley;

/// Exact computation for key sets up to this many keys (2¹⁶ subsets).
pub const EXACT_MAX: usize = 16;
/// Seed of the permutation sampler.
pub const SEED: u64 = 1;
/// At most this many rows of `coalition-values` are returned.
pub const COALITION_ROWS: usize = 200_000;

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

/// A small multiplicative hasher for the maps keyed by key sets and their hashes
/// (deterministic; nothing is read back in map order).
#[derive(Default)]
struct Fx(u64);

impl Fx {
    #[inline]
    fn add(&mut self, x: u64) {
        self.0 = (self.0.rotate_left(5) ^ x).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for Fx {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes(c.try_into().unwrap()));
        }
        for &b in chunks.remainder() {
            self.add(b as u64);
        }
    }
    fn write_u32(&mut self, x: u32) {
        self.add(x as u64)
    }
    fn write_u64(&mut self, x: u64) {
        self.add(x)
    }
    fn write_usize(&mut self, x: usize) {
        self.add(x as u64)
    }
    fn finish(&self) -> u64 {
        // A final mix: masks of high keys have many low zero bits, which the product keeps.
        let x = (self.0 ^ (self.0 >> 31)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        x ^ (x >> 29)
    }
}

type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<Fx>>;

/// Journeys with touches grouped by their set of distinct keys, in canonical order (by
/// size, then by key order), whatever the order of the journeys.
pub struct Groups {
    /// Group g's keys are `members[start[g]..start[g + 1]]`, in key order.
    pub start: Vec<usize>,
    pub members: Vec<u32>,
    /// C and N of the journeys whose key set is exactly the group's.
    pub conv: Vec<f64>,
    pub nulls: Vec<f64>,
}

/// The layout of the model's statistics.
pub const LAYOUT: &str = "shapley/1";

/// The model's sufficient statistics (`model@0.4.0`): one table, `key-sets`, a row per
/// distinct set of keys of journeys with touches: the set (in name order), and the
/// conversions and nulls of the journeys whose keys are exactly that set, in micro-units.
pub fn statistics(input: &Journeys) -> Result<Stats, ModelError> {
    let mut ids: FxMap<Vec<u32>, u32> = FxMap::default();
    let mut sets: Vec<Vec<u32>> = Vec::new();
    let mut sums: Vec<[i64; 2]> = Vec::new();
    let mut set = Vec::new();
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
        set.clear();
        set.extend_from_slice(j.keys);
        set.sort_unstable();
        set.dedup();
        let id = match ids.get(set.as_slice()) {
            Some(&id) => id,
            None => {
                let id = sets.len() as u32;
                ids.insert(set.clone(), id);
                sets.push(set.clone());
                sums.push([0; 2]);
                id
            }
        };
        let s = &mut sums[id as usize];
        s[0] = add(s[0], micro(c)?)?;
        s[1] = add(s[1], micro(nulls)?)?;
    }
    let mut b = StatsBuilder::new(LAYOUT);
    let t = b.table(
        "key-sets",
        &[("set", KeyKind::Set)],
        &[("conversions", SumKind::Count), ("nulls", SumKind::Count)],
    );
    for (set, s) in sets.iter().zip(&sums) {
        b.row(t, &[set], s);
    }
    b.finish(&input.keys)
}

impl Groups {
    pub fn len(&self) -> usize {
        self.conv.len()
    }

    pub fn is_empty(&self) -> bool {
        self.conv.is_empty()
    }

    pub fn set(&self, g: usize) -> &[u32] {
        &self.members[self.start[g]..self.start[g + 1]]
    }

    /// The groups of some statistics, in canonical order (by size, then by key order); keys
    /// are indices into `stats.names`.
    pub fn from_stats(stats: &Stats) -> Result<Groups, ModelError> {
        if stats.layout != LAYOUT {
            return Err(ModelError::UnsupportedInput(format!(
                "shapley: the statistics are of layout {:?}, not {LAYOUT:?}",
                stats.layout
            )));
        }
        let t = stats.need("key-sets")?;
        let set = t.need("set")?;
        let ints = |c: &str| -> Result<&[i64], ModelError> {
            t.need(c)?.ints().ok_or_else(|| {
                ModelError::UnsupportedInput(format!("shapley: column `{c}` is not integers"))
            })
        };
        let (conv, nulls) = (ints("conversions")?, ints("nulls")?);
        if !matches!(set, StatCells::Names { .. }) {
            return Err(ModelError::UnsupportedInput(
                "shapley: column `set` is not a names column".into(),
            ));
        }
        let mut order: Vec<usize> = (0..t.rows()).filter(|&r| !set.key(r).is_empty()).collect();
        order.sort_unstable_by(|&a, &b| {
            let (a, b) = (set.key(a), set.key(b));
            a.len().cmp(&b.len()).then_with(|| a.cmp(b))
        });
        let mut g = Groups {
            start: Vec::with_capacity(order.len() + 1),
            members: Vec::new(),
            conv: Vec::with_capacity(order.len()),
            nulls: Vec::with_capacity(order.len()),
        };
        g.start.push(0);
        for &r in &order {
            let keys = set.key(r);
            if keys.windows(2).any(|w| w[0] >= w[1]) {
                return Err(ModelError::UnsupportedInput(format!(
                    "shapley: key set {} is not in name order",
                    r + 1
                )));
            }
            g.members.extend_from_slice(keys);
            g.start.push(g.members.len());
            g.conv.push(unmicro(conv[r]));
            g.nulls.push(unmicro(nulls[r]));
        }
        Ok(g)
    }
}

/// Finds a group by a word of its key set: the XOR of one word per key. Up to 64 keys
/// occur in the groups, a key's word is its own bit, so the word is the set's mask (exact);
/// beyond, a random word (a Zobrist hash, verified against the group's members). Up to
/// [`DENSE_MAX`] keys, the mask indexes an array; up to [`FILTER_MAX`], a bit per mask says
/// whether to look in the map at all.
struct Index {
    z: Vec<u64>,
    masks: bool,
    dense: Vec<u32>,
    filter: Vec<u64>,
    head: FxMap<u64, u32>,
    /// The next group with the same hash (chains are verified, so collisions are exact).
    next: Vec<u32>,
}

/// Keys up to which groups are found in an array indexed by mask (2²² entries, 16 MiB).
const DENSE_MAX: usize = 22;
/// Keys up to which a bit per mask filters the lookups (2²⁶ bits, 8 MiB).
const FILTER_MAX: usize = 26;

impl Index {
    fn new(keys: usize, groups: &Groups) -> Index {
        let mut bit = vec![NONE; keys];
        let mut n = 0u32;
        for &k in &groups.members {
            if bit[k as usize] == NONE {
                bit[k as usize] = 0;
            }
        }
        for b in bit.iter_mut().filter(|b| **b != NONE) {
            *b = n;
            n += 1;
        }
        let n = n as usize;
        let masks = n <= 64;
        let mut rng = SplitMix(0x5EED_0F2A_B157);
        let z: Vec<u64> = bit
            .iter()
            .map(|&b| {
                let r = rng.next();
                match b {
                    NONE => 0,
                    b if masks => 1 << b,
                    _ => r,
                }
            })
            .collect();
        let word = |g: usize| groups.set(g).iter().fold(0, |h, &k| h ^ z[k as usize]);
        let mut index = Index {
            z: Vec::new(),
            masks,
            dense: Vec::new(),
            filter: Vec::new(),
            head: FxMap::default(),
            next: Vec::new(),
        };
        if n <= DENSE_MAX {
            index.dense = vec![NONE; 1 << n];
            for g in 0..groups.len() {
                index.dense[word(g) as usize] = g as u32;
            }
        } else {
            if n <= FILTER_MAX {
                index.filter = vec![0; (1usize << n).div_ceil(64)];
            }
            index.head.reserve(groups.len());
            index.next = vec![NONE; groups.len()];
            for g in 0..groups.len() {
                let h = word(g);
                if let Some(f) = index.filter.get_mut((h >> 6) as usize) {
                    *f |= 1 << (h & 63);
                }
                if let Some(prev) = index.head.insert(h, g as u32) {
                    index.next[g] = prev;
                }
            }
        }
        index.z = z;
        index
    }

    /// The group whose key set is the subset `sub` of T (bit l: T's l-th key; `local_of`
    /// maps T's keys to their bit, every other key to `NONE`), given its word `h`.
    #[inline]
    fn find(&self, groups: &Groups, h: u64, sub: usize, local_of: &[u32]) -> Option<usize> {
        if !self.dense.is_empty() {
            let g = self.dense[h as usize];
            return (g != NONE).then_some(g as usize);
        }
        if let Some(f) = self.filter.get((h >> 6) as usize)
            && (f >> (h & 63)) & 1 == 0
        {
            return None;
        }
        let mut g = *self.head.get(&h)?;
        if self.masks {
            return Some(g as usize);
        }
        let size = sub.count_ones() as usize;
        loop {
            let set = groups.set(g as usize);
            if set.len() == size
                && set.iter().all(|&k| {
                    let l = local_of[k as usize];
                    l != NONE && (sub >> l) & 1 == 1
                })
            {
                return Some(g as usize);
            }
            g = self.next[g as usize];
            if g == NONE {
                return None;
            }
        }
    }
}

/// C(S), N(S), v(S) of one coalition.
pub type Coalition = [f64; 3];

/// Coalitions by (size, keys): the order of the `coalition-values` rows.
pub type Coalitions = BTreeMap<(usize, Vec<u32>), Coalition>;

/// The result of the per-journey game.
pub struct Game {
    pub groups: Groups,
    /// φᵀ per member of each converting group, aligned with `groups.members` (0 for the
    /// members of a group that does not convert).
    pub phi: Vec<f64>,
    /// The shares, aligned with `groups.members` (a group that does not convert: even).
    pub share: Vec<f64>,
    /// Whether each group converts (C[T] > 0), i.e. its values were computed.
    pub converting: Vec<bool>,
    /// The converting groups whose values were sampled (more than `exact_max` keys).
    pub sampled: Vec<u32>,
    /// The coalitions of the exact key sets by (size, keys), when collected and there are
    /// at most [`COALITION_ROWS`].
    pub coalitions: Option<Coalitions>,
    /// There were more than [`COALITION_ROWS`] (so none are kept).
    pub too_many_coalitions: bool,
}

/// Collects the coalitions of the exact key sets, each once (the first key set's numbers,
/// in canonical order), until there are more than [`COALITION_ROWS`].
struct Collector {
    /// Up to 64 keys: by key mask; more: by key list.
    masks: FxMap<u64, Coalition>,
    lists: FxMap<Vec<u32>, Coalition>,
    wide: bool,
    mask: Vec<u64>,
    too_many: bool,
}

impl Collector {
    fn new(keys: usize) -> Collector {
        Collector {
            masks: FxMap::default(),
            lists: FxMap::default(),
            wide: keys > 64,
            mask: Vec::new(),
            too_many: false,
        }
    }

    fn add(&mut self, t: &[u32], s: &Scratch) {
        if self.too_many {
            return;
        }
        let size = 1usize << t.len();
        if self.wide {
            for sub in 1..size {
                let keys: Vec<u32> = (0..t.len())
                    .filter(|&l| sub & (1 << l) != 0)
                    .map(|l| t[l])
                    .collect();
                self.lists
                    .entry(keys)
                    .or_insert([s.c[sub], s.n[sub], s.v[sub]]);
            }
        } else {
            self.mask.clear();
            self.mask.resize(size, 0);
            for sub in 1..size {
                let low = sub.trailing_zeros() as usize;
                let m = self.mask[sub & (sub - 1)] | 1 << t[low];
                self.mask[sub] = m;
                self.masks
                    .entry(m)
                    .or_insert([s.c[sub], s.n[sub], s.v[sub]]);
            }
        }
        if self.masks.len() + self.lists.len() > COALITION_ROWS {
            self.too_many = true;
            self.masks = FxMap::default();
            self.lists = FxMap::default();
        }
    }

    fn finish(self) -> (Option<Coalitions>, bool) {
        if self.too_many {
            return (None, true);
        }
        let from_mask = |m: u64| -> Vec<u32> { (0..64).filter(|&k| m >> k & 1 == 1).collect() };
        let map = self
            .masks
            .into_iter()
            .map(|(m, c)| (from_mask(m), c))
            .chain(self.lists)
            .map(|(keys, c)| ((keys.len(), keys), c))
            .collect();
        (Some(map), false)
    }
}

/// Reused buffers of the exact computation.
#[derive(Default)]
struct Scratch {
    h: Vec<u64>,
    c: Vec<f64>,
    n: Vec<f64>,
    v: Vec<f64>,
}

/// Exact φᵀ of the key set `t` (m ≤ 30 keys) into `phi`; the coalitions of T are added to
/// `collect` when given.
fn exact_set(
    groups: &Groups,
    index: &Index,
    t: &[u32],
    local_of: &[u32],
    s: &mut Scratch,
    phi: &mut [f64],
    collect: Option<&mut Collector>,
) {
    let m = t.len();
    let size = 1usize << m;
    s.h.clear();
    s.h.resize(size, 0);
    s.c.clear();
    s.c.resize(size, 0.0);
    s.n.clear();
    s.n.resize(size, 0.0);
    for sub in 1..size {
        let low = sub.trailing_zeros() as usize;
        let h = s.h[sub & (sub - 1)] ^ index.z[t[low] as usize];
        s.h[sub] = h;
        if let Some(g) = index.find(groups, h, sub, local_of) {
            s.c[sub] = groups.conv[g];
            s.n[sub] = groups.nulls[g];
        }
    }
    // Zeta transform: C(S) = Σ_{R ⊆ S} C[R], and N likewise.
    for i in 0..m {
        let bit = 1 << i;
        for sub in 0..size {
            if sub & bit != 0 {
                s.c[sub] += s.c[sub ^ bit];
                s.n[sub] += s.n[sub ^ bit];
            }
        }
    }
    s.v.clear();
    s.v.extend(s.c.iter().zip(&s.n).map(|(&c, &n)| {
        let all = c + n;
        if all > 0.0 { c / all } else { 0.0 }
    }));
    // |S|!(m−|S|−1)!/m! = 1 / (m · binom(m−1, |S|)).
    let mut binom = vec![1.0f64; m];
    for k in 1..m {
        binom[k] = binom[k - 1] * (m - k) as f64 / k as f64;
    }
    let weight: Vec<f64> = binom.iter().map(|b| 1.0 / (m as f64 * b)).collect();
    phi.fill(0.0);
    for sub in 0..size - 1 {
        let w = weight[sub.count_ones() as usize];
        let v = s.v[sub];
        for (i, p) in phi.iter_mut().enumerate() {
            if sub & (1 << i) == 0 {
                *p += w * (s.v[sub | 1 << i] - v);
            }
        }
    }
    if let Some(c) = collect {
        c.add(t, s);
    }
}

/// φᵀ of the key set `t` estimated from `samples` permutations (seed [`SEED`]).
///
/// In a permutation, a group within T counts for every prefix from the position of its
/// last key on, so one pass over T's groups gives C and N of all m prefixes.
fn sample_set(groups: &Groups, t: &[u32], local_of: &[u32], samples: u32, phi: &mut [f64]) {
    let m = t.len();
    // The groups within T, as lists of T's bits.
    let mut start = vec![0usize];
    let mut local = Vec::new();
    let (mut gc, mut gn) = (Vec::new(), Vec::new());
    for g in 0..groups.len() {
        let set = groups.set(g);
        if set.len() <= m && set.iter().all(|&k| local_of[k as usize] != NONE) {
            local.extend(set.iter().map(|&k| local_of[k as usize]));
            start.push(local.len());
            gc.push(groups.conv[g]);
            gn.push(groups.nulls[g]);
        }
    }
    // Permutations go BATCH at a time through one pass over T's groups: independent sums
    // for the processor to overlap. Each is the previous one shuffled again, and each sums
    // its groups in the same order, as one at a time would.
    const BATCH: usize = 8;
    let mut rng = SplitMix(SEED);
    let mut cur: Vec<u32> = (0..m as u32).collect();
    let mut perms = vec![0u32; BATCH * m];
    // pos[l · BATCH + b]: where T's key l stands in permutation b.
    let mut pos = vec![0u32; m * BATCH];
    let mut done = vec![[0.0f64; 2]; BATCH * m];
    let mut sum = vec![0.0f64; m];
    let mut left = samples as usize;
    while left > 0 {
        let batch = left.min(BATCH);
        left -= batch;
        for b in 0..batch {
            for i in (1..m).rev() {
                cur.swap(i, rng.below(i + 1));
            }
            perms[b * m..(b + 1) * m].copy_from_slice(&cur);
            for (p, &l) in cur.iter().enumerate() {
                pos[l as usize * BATCH + b] = p as u32;
            }
        }
        done.fill([0.0; 2]);
        for (g, w) in start.windows(2).enumerate() {
            let mut last = [0u32; BATCH];
            for &l in &local[w[0]..w[1]] {
                let p = &pos[l as usize * BATCH..(l as usize + 1) * BATCH];
                for (x, &y) in last.iter_mut().zip(p) {
                    *x = (*x).max(y);
                }
            }
            // Lanes past `batch` hold stale positions (< m): summed, never read.
            for (b, &at) in last.iter().enumerate() {
                let d = &mut done[b * m + at as usize];
                d[0] += gc[g];
                d[1] += gn[g];
            }
        }
        for b in 0..batch {
            let (mut c, mut n, mut v) = (0.0, 0.0, 0.0);
            for (p, &l) in perms[b * m..(b + 1) * m].iter().enumerate() {
                let d = done[b * m + p];
                c += d[0];
                n += d[1];
                let nv = if c + n > 0.0 { c / (c + n) } else { 0.0 };
                sum[l as usize] += nv - v;
                v = nv;
            }
        }
    }
    for (p, s) in phi.iter_mut().zip(sum) {
        *p = s / samples as f64;
    }
}

/// The shares of a key set from its φᵀ: max(φ, 0) normalized; all zero → even.
fn shares(phi: &[f64], out: &mut [f64]) {
    let total: f64 = phi.iter().map(|p| p.max(0.0)).sum();
    if total > 0.0 {
        for (o, p) in out.iter_mut().zip(phi) {
            *o = p.max(0.0) / total;
        }
    } else {
        out.fill(1.0 / phi.len() as f64);
    }
}

/// The per-journey game: exact for key sets up to `exact_max` keys, sampled with `samples`
/// permutations beyond (the model uses [`EXACT_MAX`]; tests vary it). The coalitions are
/// collected when `coalitions`.
pub fn per_journey(
    input: &Journeys,
    exact_max: usize,
    samples: u32,
    coalitions: bool,
) -> Result<Game, ModelError> {
    let stats = statistics(input)?;
    game(
        Groups::from_stats(&stats)?,
        stats.names.len(),
        exact_max,
        samples,
        coalitions,
    )
}

/// The per-journey game of `groups` over `keys` keys (the statistics' names).
pub fn game(
    groups: Groups,
    keys: usize,
    exact_max: usize,
    samples: u32,
    coalitions: bool,
) -> Result<Game, ModelError> {
    // 2³⁰ subsets is already far beyond any use; it keeps the shifts in range.
    let exact_max = exact_max.min(30);
    let converting: Vec<bool> = groups.conv.iter().map(|&c| c > 0.0).collect();
    let mut collect = coalitions.then(|| Collector::new(keys));
    let index = Index::new(keys, &groups);
    let mut local_of = vec![NONE; keys];
    let mut scratch = Scratch::default();
    let mut phi = vec![0.0; groups.members.len()];
    let mut share = vec![0.0; groups.members.len()];
    let mut sampled = Vec::new();
    for (g, &converts) in converting.iter().enumerate() {
        let (a, b) = (groups.start[g], groups.start[g + 1]);
        let t = &groups.members[a..b];
        if converts {
            for (l, &k) in t.iter().enumerate() {
                local_of[k as usize] = l as u32;
            }
            if t.len() <= exact_max {
                exact_set(
                    &groups,
                    &index,
                    t,
                    &local_of,
                    &mut scratch,
                    &mut phi[a..b],
                    collect.as_mut(),
                );
            } else {
                sample_set(&groups, t, &local_of, samples, &mut phi[a..b]);
                sampled.push(g as u32);
            }
            for &k in t {
                local_of[k as usize] = NONE;
            }
        }
        shares(&phi[a..b], &mut share[a..b]);
    }
    let (coalitions, too_many_coalitions) = match collect {
        Some(c) => c.finish(),
        None => (None, false),
    };
    Ok(Game {
        groups,
        phi,
        share,
        converting,
        sampled,
        coalitions,
        too_many_coalitions,
    })
}

impl Game {
    /// The conversions credited to each key: Σ over converting key sets of C[T] × share.
    pub fn credits(&self, keys: usize) -> Vec<f64> {
        let mut credit = vec![Sum::default(); keys];
        for g in (0..self.groups.len()).filter(|&g| self.converting[g]) {
            let (a, b) = (self.groups.start[g], self.groups.start[g + 1]);
            for (&k, &s) in self.groups.members[a..b].iter().zip(&self.share[a..b]) {
                credit[k as usize].add(self.groups.conv[g] * s);
            }
        }
        credit.into_iter().map(Sum::get).collect()
    }
}

/// Keys joined by ` + `, for a table cell.
fn name_of(keys: &[String], set: &[u32]) -> String {
    let names: Vec<&str> = set.iter().map(|&k| keys[k as usize].as_str()).collect();
    names.join(" + ")
}

/// What the tables of one answer may still take (`TABLE_LIMITS`).
struct Budget {
    cells: usize,
    text: usize,
}

impl Budget {
    fn new() -> Budget {
        Budget {
            cells: TABLE_LIMITS.cells,
            text: TABLE_LIMITS.text_bytes,
        }
    }

    /// Takes `cells` and the bytes of `texts` when they fit, else says why not.
    fn take(&mut self, cells: usize, texts: &[&[String]]) -> Result<(), String> {
        if cells > self.cells {
            return Err(format!(
                "it would have {cells} cells, more than the {} a model may still return \
                 (of {})",
                self.cells, TABLE_LIMITS.cells
            ));
        }
        let mut bytes = 0usize;
        for cell in texts.iter().flat_map(|t| t.iter()) {
            if cell.len() > TABLE_LIMITS.cell_bytes {
                return Err(format!(
                    "a key set's name has {} bytes, more than the {} of a table cell",
                    cell.len(),
                    TABLE_LIMITS.cell_bytes
                ));
            }
            bytes += cell.len();
        }
        if bytes > self.text {
            return Err(format!(
                "its text takes {bytes} bytes, more than the {} a model may still return \
                 (of {})",
                self.text, TABLE_LIMITS.text_bytes
            ));
        }
        self.cells -= cells;
        self.text -= bytes;
        Ok(())
    }
}

/// The columns of `key-set-shares`.
const SHARES_COLUMNS: usize = 6;

/// The `key-set-shares` table: one row per key of each converting key set.
pub fn shares_table(keys: &[String], game: &Game) -> Table {
    let g = &game.groups;
    let mut set_names = Vec::new();
    let mut key_names = Vec::new();
    let (mut conv, mut phi, mut share, mut credited) = (vec![], vec![], vec![], vec![]);
    for t in (0..g.len()).filter(|&t| game.converting[t]) {
        let name = name_of(keys, g.set(t));
        for l in g.start[t]..g.start[t + 1] {
            set_names.push(name.clone());
            key_names.push(keys[g.members[l] as usize].clone());
            conv.push(g.conv[t]);
            phi.push(game.phi[l]);
            share.push(game.share[l]);
            credited.push(g.conv[t] * game.share[l]);
        }
    }
    Table::new(
        "key-set-shares",
        "Where the credit comes from: for each key set T of converting journeys and each key \
         in it, the conversions of the journeys whose keys are exactly T, the key's Shapley \
         value in the game restricted to T's subsets, its share (max(value, 0) normalized \
         over T; all zero: even) and the conversions it is credited from T (conversions × \
         share).",
    )
    .text("key-set", set_names)
    .text("key", key_names)
    .numbers("conversions", conv)
    .numbers("shapley-value", phi)
    .numbers("share", share)
    .numbers("credited", credited)
}

/// The `coalition-values` table of the coalitions collected.
pub fn coalition_table(keys: &[String], map: &Coalitions) -> Table {
    let names = map.keys().map(|(_, s)| name_of(keys, s)).collect();
    let col = |i: usize| map.values().map(|x| x[i]).collect::<Vec<f64>>();
    Table::new(
        "coalition-values",
        "The game the Shapley values are computed from: for each coalition S of keys within \
         a converting journey's key set, the conversions C(S) and nulls N(S) of the journeys \
         whose keys all lie in S, and v(S) = C(S) / (C(S) + N(S)) (0 when both are 0).",
    )
    .text("coalition", names)
    .numbers("conversions", col(0))
    .numbers("nulls", col(1))
    .numbers("value", col(2))
}

/// The tables of an answer within the host's bounds, and notes for those left out.
fn tables(keys: &[String], game: &Game, notes: &mut Vec<String>) -> Vec<Table> {
    let mut budget = Budget::new();
    // Its size first: past the bounds, it is not built at all.
    let rows: usize = (0..game.groups.len())
        .filter(|&g| game.converting[g])
        .map(|g| game.groups.set(g).len())
        .sum();
    let shares = if rows * SHARES_COLUMNS > budget.cells {
        Err(format!(
            "it would have {} cells, more than the {} a model may return",
            rows * SHARES_COLUMNS,
            budget.cells
        ))
    } else {
        let t = shares_table(keys, game);
        budget
            .take(t.rows() * t.columns.len(), &text_columns(&t))
            .map(|()| t)
    };
    let shares = match shares {
        Ok(t) => Some(t),
        Err(why) => {
            notes.push(format!(
                "shapley: the key-set shares are not returned: {why}"
            ));
            None
        }
    };
    let coalitions = match &game.coalitions {
        Some(map) => {
            let t = coalition_table(keys, map);
            match budget.take(t.rows() * t.columns.len(), &text_columns(&t)) {
                Ok(()) => Some(t),
                Err(why) => {
                    notes.push(format!(
                        "shapley: the coalition values are not returned: {why}"
                    ));
                    None
                }
            }
        }
        None if game.too_many_coalitions => {
            notes.push(format!(
                "shapley: the coalition values are not returned: the exact key sets have \
                 more than {COALITION_ROWS} subsets"
            ));
            None
        }
        None => None,
    };
    coalitions.into_iter().chain(shares).collect()
}

fn text_columns(t: &Table) -> Vec<&[String]> {
    t.columns
        .iter()
        .filter_map(|(_, c)| match c {
            ascribe_sdk::model::Column::Text(v) => Some(v.as_slice()),
            _ => None,
        })
        .collect()
}

impl Model for Shapley {
    fn info() -> Info {
        Info {
            name: "shapley".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: "Shapley values per journey: each converting journey's conversions are \
                          shared among its distinct keys T by their Shapley values in the \
                          conversion-rate game v(S) = C(S)/(C(S)+N(S)) over T's subsets \
                          (non-converting journeys count); exact up to 16 keys in T, sampled \
                          beyond. Conversions, value and money all follow from these shares."
                .into(),
            params: vec![ParamSpec::new(
                "samples",
                "20000",
                "Permutations sampled (with a fixed seed) for a converting journey's key set \
                 of more than 16 keys; 1 to 10000000.",
            )],
            inputs: Inputs::TOUCH_KEYS | Inputs::NULLS,
            key_scores: vec!["conversions".into()],
        }
    }

    fn attribute(input: &Journeys, params: &Params) -> Result<Output, ModelError> {
        attribute_merged::<Shapley>(input, params)
    }
}

/// The solution's tables: every key set's shares, and every key's credited conversions.
const SHARES: &str = "shares";
const CREDITS: &str = "credits";

impl Mergeable for Shapley {
    fn statistics(input: &Journeys, _params: &Params) -> Result<Stats, ModelError> {
        statistics(input)
    }

    fn merge(a: Stats, b: Stats) -> Result<Stats, ModelError> {
        merge_sums(a, b)
    }

    fn solve(all: Stats, params: &Params) -> Result<Solution, ModelError> {
        let samples = params.u32_in("samples", 1, 10_000_000)?;
        let keys = all.names.len();
        let game = game(Groups::from_stats(&all)?, keys, EXACT_MAX, samples, true)?;
        let g = &game.groups;
        let converting: Vec<usize> = (0..g.len()).filter(|&t| game.converting[t]).collect();
        let mut notes = Vec::new();
        if converting.is_empty() {
            notes.push(
                "shapley: no journey with touches converts; each journey's weights are an \
                 even split over its keys"
                    .to_string(),
            );
        } else {
            let sizes = converting.iter().map(|&t| g.set(t).len());
            let (lo, hi) = (sizes.clone().min().unwrap(), sizes.max().unwrap());
            let span = if lo == hi {
                format!("{lo}")
            } else {
                format!("{lo} to {hi}")
            };
            let exact = converting.len() - game.sampled.len();
            notes.push(format!(
                "shapley: per journey over {} converting key sets ({span} keys); {exact} \
                 exact over their subsets",
                converting.len()
            ));
            if !game.sampled.is_empty() {
                notes.push(format!(
                    "shapley: {} key sets of more than {EXACT_MAX} keys (the largest {hi}): \
                     estimated from {samples} sampled permutations each with seed {SEED} \
                     (splitmix64)",
                    game.sampled.len()
                ));
            }
        }
        let internals = tables(&all.names, &game, &mut notes);
        // Every key set's shares, rows in key order (by set, then key).
        let mut sets: Vec<usize> = (0..g.len()).collect();
        sets.sort_unstable_by(|&a, &b| g.set(a).cmp(g.set(b)));
        let (mut offsets, mut items, mut key, mut share) = (vec![0u32], vec![], vec![], vec![]);
        for &t in &sets {
            for l in g.start[t]..g.start[t + 1] {
                items.extend_from_slice(g.set(t));
                offsets.push(items.len() as u32);
                key.push(g.members[l]);
                share.push(game.share[l]);
            }
        }
        let credits = game.credits(keys);
        Ok(Solution {
            tables: vec![
                StatTable {
                    name: SHARES.into(),
                    columns: vec![
                        ("set".into(), StatCells::Names { offsets, items }),
                        ("key".into(), StatCells::Name(key)),
                        ("share".into(), StatCells::Number(share)),
                    ],
                },
                StatTable {
                    name: CREDITS.into(),
                    columns: vec![
                        ("key".into(), StatCells::Name((0..keys as u32).collect())),
                        ("conversions".into(), StatCells::Number(credits)),
                    ],
                },
            ],
            layout: all.layout,
            names: all.names,
            notes,
            internals,
        })
    }

    fn weights(
        input: &Journeys,
        solution: &Solution,
        _params: &Params,
    ) -> Result<Output, ModelError> {
        let bad = |why: &str| ModelError::UnsupportedInput(format!("shapley: {why}"));
        let t = solution.need(SHARES)?;
        let (set, key) = (t.need("set")?, t.need("key")?);
        let share = t
            .need("share")?
            .numbers()
            .ok_or_else(|| bad("the solution's shares are not numbers"))?;
        // The distinct sets and their first row (rows are sorted by set, then key).
        let mut firsts: Vec<usize> = Vec::new();
        for r in 0..t.rows() {
            if r == 0 || set.key(r) != set.key(r - 1) {
                firsts.push(r);
            }
        }
        let credits = solution.need(CREDITS)?;
        let credited = credits
            .need("conversions")?
            .numbers()
            .ok_or_else(|| bad("the solution's credits are not numbers"))?;
        // This partition's keys in the solution's numbering.
        let id: Vec<Option<u32>> = input
            .keys
            .iter()
            .map(|k| solution.names.binary_search(k).ok().map(|i| i as u32))
            .collect();
        let mut weights = vec![0.0; input.touches()];
        let mut count = vec![0u32; input.keys.len()];
        let mut local = Vec::new();
        for j in input.iter().filter(|j| !j.is_empty()) {
            local.clear();
            for &k in j.keys {
                local.push(id[k as usize].ok_or_else(|| {
                    bad("a journey's key is not in the solution (were its statistics merged?)")
                })?);
                count[k as usize] += 1;
            }
            local.sort_unstable();
            local.dedup();
            let f = firsts
                .binary_search_by(|&r| set.key(r).cmp(local.as_slice()))
                .map_err(|_| {
                    bad("a journey's key set is not in the solution (were its statistics merged?)")
                })?;
            let first = firsts[f];
            for (w, &k) in weights[j.start..j.end].iter_mut().zip(j.keys) {
                let l = local
                    .binary_search(&id[k as usize].unwrap())
                    .expect("a journey's key is in its set");
                debug_assert_eq!(key.key(first + l), &[local[l]]);
                *w = share[first + l] / count[k as usize] as f64;
            }
            for &k in j.keys {
                count[k as usize] = 0;
            }
        }
        let scores = id
            .iter()
            .map(|i| i.map_or(0.0, |i| credited[i as usize]))
            .collect();
        Ok(Output {
            weights,
            scores: vec![("conversions".into(), scores)],
            notes: solution.notes.clone(),
            tables: solution.internals.clone(),
        })
    }
}

ascribe_sdk::export_model!(Shapley, mergeable);

#[cfg(test)]
mod tests;
