//! Building the order-k chain from the journeys (models.md steps 1–2).
//!
//! A state is a window of k consecutive keys of a path, or the whole path when it is shorter
//! than k. It is encoded as an integer with one base-B digit per key (B = number of keys + 1,
//! digit = key id + 1, most significant first), so codes of different lengths never collide
//! and a transition `(w₁…w_k) → (w₂…w_k x)` is identified by the k + 1 digit code
//! `w₁…w_k x`. Counts are accumulated per code, in dense tables when the code space is small
//! (the usual case: 12 keys, order 3 is 13⁴ = 28,561 transition codes) and in hash maps
//! otherwise, as exact integers (s64 micro-units, overflow checked), so the totals do not
//! depend on the order of the journeys or on how they were partitioned.
//!
//! The counts leave as the model's sufficient statistics ([`statistics`], `model@0.4.0`),
//! keyed by the keys' names sorted, and the chain is built from statistics alone
//! ([`Chain::from_stats`]): with the keys numbered in name order, states are numbered in
//! increasing code order, which makes everything downstream canonical.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use ascribe_sdk::model::{
    Journeys, KeyKind, ModelError, StatCells, Stats, StatsBuilder, SumKind, add, micro, unmicro,
};

/// Largest dense transition table (entries of 16 bytes).
const DENSE_TRANSITIONS: u64 = 1 << 20;
/// Largest dense state table (entries of 64 bytes).
const DENSE_STATES: u64 = 1 << 18;

/// A multiplicative hasher for integer keys (the default SipHash is several times slower).
#[derive(Default)]
struct IntHasher(u64);

impl Hasher for IntHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(b as u64);
        }
    }
    #[inline]
    fn write_u64(&mut self, x: u64) {
        self.0 = (self.0.rotate_left(5) ^ x).wrapping_mul(0x517C_C1B7_2722_0A95);
    }
    fn finish(&self) -> u64 {
        self.0 ^ (self.0 >> 29)
    }
}

type IntMap<V> = HashMap<u64, V, BuildHasherDefault<IntHasher>>;

/// Sums per code, dense or hashed.
enum Table<T> {
    Dense(Vec<T>),
    Sparse(IntMap<T>),
}

/// Where the per-touch loop adds: one slot per code. The loop is compiled once per kind
/// of table, so the dense case is a plain indexed add with no dispatch.
trait Slots<T> {
    fn at(&mut self, code: u64) -> &mut T;
}

impl<T> Slots<T> for [T] {
    #[inline(always)]
    fn at(&mut self, code: u64) -> &mut T {
        &mut self[code as usize]
    }
}

impl<T: Default> Slots<T> for IntMap<T> {
    #[inline(always)]
    fn at(&mut self, code: u64) -> &mut T {
        self.entry(code).or_default()
    }
}

impl<T: Default + Clone> Table<T> {
    fn new(codes: u64, dense_limit: u64) -> Self {
        if codes <= dense_limit {
            Table::Dense(vec![T::default(); codes as usize])
        } else {
            Table::Sparse(IntMap::default())
        }
    }

    /// The entries `keep` accepts, in increasing code order.
    fn into_sorted(self, keep: impl Fn(&T) -> bool) -> Vec<(u64, T)> {
        match self {
            Table::Dense(v) => v
                .into_iter()
                .enumerate()
                .filter(|(_, t)| keep(t))
                .map(|(c, t)| (c as u64, t))
                .collect(),
            Table::Sparse(m) => {
                let mut v: Vec<(u64, T)> = m.into_iter().filter(|(_, t)| keep(t)).collect();
                v.sort_unstable_by_key(|e| e.0);
                v
            }
        }
    }
}

/// What the counting pass reports besides the tables (conversions in micro-units).
#[derive(Default)]
struct Counted {
    used: i64,
    empty: i64,
    empty_conv: i64,
}

/// The state codes of the chain being counted: B = keys + 1, and B^(k-1), the weight of
/// a window's oldest digit.
#[derive(Clone, Copy)]
struct Codes {
    order: usize,
    b: u64,
    lead_unit: u64,
}

/// Step 2's counting, every journey's walk added to the tables. Kept out of line and
/// generic over the tables: inside the whole of [`Chain::build`], the sandbox's compiler
/// (Cranelift allocates registers per function) kept this loop's values on the stack,
/// reloading the memory base and each counter at every touch; the loop ran at 1.8× its
/// native time (perf, docs/performance.md). On its own it stays in registers.
#[inline(never)]
fn count<E, T>(
    input: &Journeys,
    codes: Codes,
    ends: &mut E,
    trans: &mut T,
) -> Result<Counted, ModelError>
where
    E: Slots<Ends> + ?Sized,
    T: Slots<i64> + ?Sized,
{
    let Codes {
        order,
        b,
        lead_unit,
    } = codes;
    let mut n = Counted::default();
    for j in input.iter() {
        let (c, nulls, v) = (j.conversions, j.nulls, j.value);
        if !(c.is_finite() && c >= 0.0 && nulls.is_finite() && nulls >= 0.0 && v.is_finite()) {
            return Err(ModelError::UnsupportedInput(format!(
                "markov: journey {} has conversions {c}, nulls {nulls}, value {v}; \
                 conversions and nulls must be finite and non-negative, value finite",
                j.index
            )));
        }
        let (c, nulls, v) = (micro(c)?, micro(nulls)?, micro(v)?);
        if j.is_empty() {
            n.empty += 1;
            n.empty_conv = add(n.empty_conv, c)?;
            continue;
        }
        let w = add(c, nulls)?;
        if w <= 0 {
            continue;
        }
        n.used += 1;
        let keys = j.keys;
        let head = &keys[..keys.len().min(order)];
        let mut cur = head.iter().fold(0u64, |acc, &x| acc * b + x as u64 + 1);
        let e = ends.at(cur);
        e[START] = add(e[START], w)?;
        for (i, &x) in keys.iter().enumerate().skip(order) {
            let x = x as u64 + 1;
            let lead = keys[i - order] as u64 + 1;
            // Drop the oldest key of the window, append x.
            let next = (cur - lead * lead_unit) * b + x;
            if next == cur {
                continue; // consecutive identical states collapse
            }
            let t = trans.at(cur * b + x);
            *t = add(*t, w)?;
            cur = next;
        }
        let e = ends.at(cur);
        e[CONV] = add(e[CONV], c)?;
        e[NULL] = add(e[NULL], nulls)?;
        if c > 0 {
            e[VALUE] = add(e[VALUE], v)?;
        }
    }
    Ok(n)
}

/// Per state code: [start, conversions, nulls, value] of the paths starting / ending there,
/// in micro-units.
type Ends = [i64; 4];
const START: usize = 0;
const CONV: usize = 1;
const NULL: usize = 2;
const VALUE: usize = 3;

/// The chain, states in canonical (code) order, transitions as probabilities in CSR form.
pub struct Chain {
    pub order: usize,
    /// Key ids in each state (deduplicated, sorted).
    pub state_keys: Vec<Vec<u32>>,
    /// P(start → s).
    pub start: Vec<f64>,
    /// P(s → conversion).
    pub conv: Vec<f64>,
    /// P(s → null).
    pub null: Vec<f64>,
    /// Each state's code (one base-`base` digit per key, oldest first): its window of keys
    /// in order, which `state_keys` (sorted, deduplicated) no longer says.
    pub codes: Vec<u64>,
    pub base: u64,
    /// P(s → conversion) · μ_s, μ_s the mean value per conversion of paths ending at s.
    pub value: Vec<f64>,
    /// Outgoing transitions of state s: `col[row[s]..row[s + 1]]`, probabilities in `prob`.
    pub row: Vec<usize>,
    pub col: Vec<u32>,
    pub prob: Vec<f64>,
    /// Journeys that entered the chain (at least one touch, conversions + nulls > 0).
    pub journeys_used: i64,
    /// Journeys with no touches, and their conversions (left out).
    pub empty_journeys: i64,
    pub empty_conversions: f64,
}

/// The layout of order `order`'s statistics: statistics of different orders never merge.
pub fn layout(order: usize) -> String {
    format!("markov/1 order={order}")
}

/// The window of keys a state code stands for, oldest first (digits base `b`, key + 1).
fn decode(mut code: u64, b: u64, out: &mut Vec<u32>) {
    out.clear();
    while code > 0 {
        out.push((code % b - 1) as u32);
        code /= b;
    }
    out.reverse();
}

/// Step 2's counts as the model's sufficient statistics (`model@0.4.0`): tables `states`
/// (state: its window of keys; `starts`, the weight of the paths starting there;
/// `conversions`, `nulls` and `value` of the paths ending there), `transitions` (from, to,
/// weight) and `journeys` (one row: `entered`, `empty`, `empty-conversions`). Weights,
/// conversions, nulls and value are micro-units; the keys are numbered in name order.
pub fn statistics(input: &Journeys, order: usize) -> Result<Stats, ModelError> {
    let b = input.keys.len() as u64 + 1;
    let too_many = || {
        ModelError::UnsupportedInput(format!(
            "markov: {} keys are too many for order {order} (state codes must fit in 64 bits)",
            input.keys.len()
        ))
    };
    // Codes of states are below B^k, codes of transitions below B^(k+1).
    let state_codes = b.checked_pow(order as u32).ok_or_else(too_many)?;
    let trans_codes = state_codes.checked_mul(b).ok_or_else(too_many)?;
    let codes = Codes {
        order,
        b,
        lead_unit: b.pow(order as u32 - 1),
    };
    let mut ends: Table<Ends> = Table::new(state_codes, DENSE_STATES);
    let mut trans: Table<i64> = Table::new(trans_codes, DENSE_TRANSITIONS);
    let counted = match (&mut ends, &mut trans) {
        (Table::Dense(e), Table::Dense(t)) => count(input, codes, &mut e[..], &mut t[..]),
        (Table::Dense(e), Table::Sparse(t)) => count(input, codes, &mut e[..], t),
        (Table::Sparse(e), Table::Dense(t)) => count(input, codes, e, &mut t[..]),
        (Table::Sparse(e), Table::Sparse(t)) => count(input, codes, e, t),
    }?;
    let mut out = StatsBuilder::new(&layout(order));
    let states = out.table(
        "states",
        &[("state", KeyKind::Names)],
        &[
            ("starts", SumKind::Count),
            ("conversions", SumKind::Count),
            ("nulls", SumKind::Count),
            ("value", SumKind::Amount),
        ],
    );
    let transitions = out.table(
        "transitions",
        &[("from", KeyKind::Names), ("to", KeyKind::Names)],
        &[("weight", SumKind::Count)],
    );
    let journeys = out.table(
        "journeys",
        &[],
        &[
            ("entered", SumKind::Count),
            ("empty", SumKind::Count),
            ("empty-conversions", SumKind::Count),
        ],
    );
    let (mut from, mut to) = (Vec::with_capacity(order), Vec::with_capacity(order));
    for (code, e) in ends.into_sorted(|e| e[START] != 0 || e[CONV] != 0 || e[NULL] != 0) {
        decode(code, b, &mut from);
        out.row(states, &[&from], &e);
    }
    for (code, w) in trans.into_sorted(|&w| w != 0) {
        decode(code / b, b, &mut from);
        decode(code % state_codes, b, &mut to);
        out.row(transitions, &[&from, &to], &[w]);
    }
    out.row(
        journeys,
        &[],
        &[counted.used, counted.empty, counted.empty_conv],
    );
    out.finish(&input.keys)
}

impl Chain {
    pub fn states(&self) -> usize {
        self.start.len()
    }

    /// The keys of state `s`'s window, oldest first.
    pub fn window(&self, s: usize) -> Vec<u32> {
        let mut keys = Vec::with_capacity(self.order);
        let mut c = self.codes[s];
        while c > 0 {
            keys.push((c % self.base - 1) as u32);
            c /= self.base;
        }
        keys.reverse();
        keys
    }

    pub fn transitions(&self) -> usize {
        self.col.len()
    }

    /// The chain of some journeys: [`statistics`], then [`Chain::from_stats`] (whose keys
    /// are the statistics' names, sorted).
    pub fn build(input: &Journeys, order: usize) -> Result<Chain, ModelError> {
        Chain::from_stats(&statistics(input, order)?, order)
    }

    /// The chain of order `order` from its statistics alone: the one place counts become
    /// floats (each sum rounded once), whatever partitions they were summed from. Keys are
    /// indices into `stats.names`.
    pub fn from_stats(stats: &Stats, order: usize) -> Result<Chain, ModelError> {
        let bad = |why: &str| {
            Err(ModelError::UnsupportedInput(format!(
                "markov: the statistics are not those of order {order}: {why}"
            )))
        };
        if stats.layout != layout(order) {
            return bad(&format!("their layout is {:?}", stats.layout));
        }
        let b = stats.names.len() as u64 + 1;
        b.checked_pow(order as u32).ok_or_else(|| {
            ModelError::UnsupportedInput(format!(
                "markov: {} keys are too many for order {order} (state codes must fit in 64 bits)",
                stats.names.len()
            ))
        })?;
        let code = |window: &[u32]| -> Result<u64, ModelError> {
            if window.is_empty() || window.len() > order {
                return Err(ModelError::UnsupportedInput(format!(
                    "markov: the statistics are not those of order {order}: a state of {} keys",
                    window.len()
                )));
            }
            Ok(window.iter().fold(0u64, |acc, &x| acc * b + x as u64 + 1))
        };
        let ints = |t: &ascribe_sdk::model::StatTable, c: &str| -> Result<Vec<i64>, ModelError> {
            t.need(c)?.ints().map(<[i64]>::to_vec).ok_or_else(|| {
                ModelError::UnsupportedInput(format!(
                    "markov: statistics column `{c}` is not integers"
                ))
            })
        };
        let keyed = |t: &ascribe_sdk::model::StatTable, c: &str| -> Result<Vec<u64>, ModelError> {
            let cells = t.need(c)?;
            if !matches!(cells, StatCells::Names { .. }) {
                return Err(ModelError::UnsupportedInput(format!(
                    "markov: statistics column `{c}` is not a names column"
                )));
            }
            (0..cells.rows()).map(|r| code(cells.key(r))).collect()
        };
        let st = stats.need("states")?;
        let state_code = keyed(st, "state")?;
        let (starts, convs, nulls_, values) = (
            ints(st, "starts")?,
            ints(st, "conversions")?,
            ints(st, "nulls")?,
            ints(st, "value")?,
        );
        let tr = stats.need("transitions")?;
        let (tfrom, tto, tweight) = (keyed(tr, "from")?, keyed(tr, "to")?, ints(tr, "weight")?);
        let jt = stats.need("journeys")?;
        let one =
            |c: &str| -> Result<i64, ModelError> { Ok(ints(jt, c)?.first().copied().unwrap_or(0)) };
        let counted = Counted {
            used: one("entered")?,
            empty: one("empty")?,
            empty_conv: one("empty-conversions")?,
        };
        // Transitions by code, sorted: by source state (the leading k digits), then target.
        let mut trans: Vec<(u64, u64, i64)> = tfrom
            .iter()
            .zip(&tto)
            .zip(&tweight)
            .filter(|(_, w)| **w != 0)
            .map(|((&f, &t), &w)| (f, t, w))
            .collect();
        trans.sort_unstable();

        // Every state is a path's first state, last state, or an end of a transition.
        let mut codes: Vec<u64> = state_code.clone();
        for &(f, t, _) in &trans {
            codes.push(f);
            codes.push(t);
        }
        codes.sort_unstable();
        codes.dedup();
        let n = codes.len();
        let index = |code: u64| codes.binary_search(&code).expect("state code") as u32;
        let mut start = vec![0.0; n];
        let mut conv = vec![0.0; n];
        let mut null = vec![0.0; n];
        let mut value = vec![0.0; n];
        for (r, &code) in state_code.iter().enumerate() {
            let s = index(code) as usize;
            start[s] = unmicro(starts[r]);
            conv[s] = unmicro(convs[r]);
            null[s] = unmicro(nulls_[r]);
            value[s] = unmicro(values[r]);
        }
        // Transitions sorted by source state, then target.
        let mut row = vec![0usize; n + 1];
        let mut col = Vec::with_capacity(trans.len());
        let mut weight = Vec::with_capacity(trans.len());
        for &(f, t, w) in &trans {
            row[index(f) as usize + 1] += 1;
            col.push(index(t));
            weight.push(unmicro(w));
        }
        for s in 0..n {
            row[s + 1] += row[s];
        }
        // Normalize rows: out(s) = Σ transitions + conversions + nulls.
        let mut prob = weight;
        let start_total: f64 = start.iter().sum();
        for s in 0..n {
            let out: f64 = prob[row[s]..row[s + 1]].iter().sum::<f64>() + conv[s] + null[s];
            for p in &mut prob[row[s]..row[s + 1]] {
                *p /= out;
            }
            // r_s = P(s → conv); the value rate P(s → conv) · Σv/Σc simplifies to Σv / out.
            value[s] = if conv[s] > 0.0 { value[s] / out } else { 0.0 };
            conv[s] /= out;
            null[s] /= out;
            start[s] /= start_total;
        }

        let state_keys = codes
            .iter()
            .map(|&code| {
                let mut keys = Vec::with_capacity(order);
                let mut c = code;
                while c > 0 {
                    keys.push((c % b - 1) as u32);
                    c /= b;
                }
                keys.sort_unstable();
                keys.dedup();
                keys
            })
            .collect();

        Ok(Chain {
            order,
            state_keys,
            start,
            conv,
            null,
            codes,
            base: b,
            value,
            row,
            col,
            prob,
            journeys_used: counted.used,
            empty_journeys: counted.empty,
            empty_conversions: unmicro(counted.empty_conv),
        })
    }
}
