//! Attribution models: implement [`Model`], export with [`crate::export_model!`].
//!
//! A data-driven model whose answer is a function of sums over journeys (markov, shapley)
//! can also implement [`Mergeable`] and export with `export_model!(T, mergeable)`: its
//! work then splits over partitions of the journeys (`statistics` per partition, `merge`,
//! `solve` once, `weights` per partition), with the same answer whatever the
//! partitioning. [`StatsBuilder`] and [`merge_sums`] do the exact, canonical part.

use crate::params::{ParamSpec, Params};

/// The raw contract bindings (`ascribe:model@0.4.0`). Plugin authors do not need them.
#[doc(hidden)]
pub mod bindings {
    wit_bindgen::generate!({
        path: "../../wit/model-0.4.0",
        world: "model-plugin",
        pub_export_macro: true,
        export_macro_name: "__ascribe_export_model_world",
        default_bindings_module: "ascribe_sdk::model::bindings",
    });
}

use bindings::exports::ascribe::model::attribution as wit;

/// Milestone bits in [`Journeys::touch_flags`].
pub const FIRST_TOUCH: u8 = 1;
pub const LEAD_CREATION: u8 = 2;
pub const OPPORTUNITY_CREATION: u8 = 4;
pub const CLOSED_WON: u8 = 8;

/// What `info` reports.
#[derive(Clone, Debug)]
pub struct Info {
    pub name: String,
    pub version: String,
    pub description: String,
    pub params: Vec<ParamSpec>,
    /// The columns the model reads; the host sends only these (and `keys`,
    /// `journey_offsets`, `conversions`, which always come).
    pub inputs: Inputs,
    pub key_scores: Vec<String>,
}

/// The optional journey columns a model reads, combined with `|`:
/// `Inputs::TOUCH_KEYS | Inputs::NULLS | Inputs::VALUES`.
///
/// Ask for what the model reads and nothing more: every column asked for is copied into
/// the sandbox on every call (17 bytes a touch and 24 a journey when all are asked for).
/// Without `TIMES`, `MILESTONES` and `PARTNERS` the host also merges journeys whose paths
/// are identical, so the model sees each path once with the counts summed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Inputs(u8);

impl Inputs {
    /// Journey lengths and conversions only (first-touch, linear…).
    pub const NONE: Inputs = Inputs(0);
    /// `touch_key`: which key each touch is.
    pub const TOUCH_KEYS: Inputs = Inputs(1);
    /// `touch_time_ms` and `conversion_time_ms`.
    pub const TIMES: Inputs = Inputs(2);
    /// `touch_flags`, the milestone bits.
    pub const MILESTONES: Inputs = Inputs(4);
    /// `touch_partner` and `partners`.
    pub const PARTNERS: Inputs = Inputs(8);
    /// `nulls`: the journeys that did not convert.
    pub const NULLS: Inputs = Inputs(16);
    /// `value`.
    pub const VALUES: Inputs = Inputs(32);
    pub const ALL: Inputs = Inputs(63);

    pub fn contains(self, other: Inputs) -> bool {
        self.0 & other.0 == other.0
    }
}

impl std::ops::BitOr for Inputs {
    type Output = Inputs;
    fn bitor(self, o: Inputs) -> Inputs {
        Inputs(self.0 | o.0)
    }
}

/// Journeys as columns; see the contract for the meaning of each.
///
/// A column the model did not ask for in [`Info::inputs`] is empty: its touch slices in a
/// [`Journey`] are empty and its journey values read 0.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Journeys {
    pub keys: Vec<String>,
    pub partners: Vec<String>,
    pub touch_key: Vec<u32>,
    pub touch_time_ms: Vec<i64>,
    pub touch_flags: Vec<u8>,
    pub touch_partner: Vec<u32>,
    pub journey_offsets: Vec<u32>,
    pub conversions: Vec<f64>,
    pub nulls: Vec<f64>,
    pub value: Vec<f64>,
    pub conversion_time_ms: Vec<i64>,
}

/// One journey, borrowed from the columns.
#[derive(Clone, Copy, Debug)]
pub struct Journey<'a> {
    pub index: usize,
    /// Index of this journey's first touch in the touch columns.
    pub start: usize,
    /// One past its last touch.
    pub end: usize,
    pub keys: &'a [u32],
    pub times_ms: &'a [i64],
    pub flags: &'a [u8],
    pub partners: &'a [u32],
    pub conversions: f64,
    pub nulls: f64,
    pub value: f64,
    pub conversion_time_ms: i64,
}

impl Journey<'_> {
    /// Its number of touches (known from the offsets, whatever columns were sent).
    #[inline]
    pub fn len(&self) -> usize {
        self.end - self.start
    }
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.end == self.start
    }
}

impl Journeys {
    #[inline]
    pub fn len(&self) -> usize {
        self.journey_offsets.len().saturating_sub(1)
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The number of touches (from the offsets: `touch_key` may not have been sent).
    #[inline]
    pub fn touches(&self) -> usize {
        self.journey_offsets.last().map_or(0, |&t| t as usize)
    }

    /// Journey `i`. The host validated the columns before the call, so indexing is safe.
    // Always inlined: out of line, the wasm build called it per journey and returned
    // the struct through memory (7% of a markov call, perf).
    #[inline(always)]
    pub fn journey(&self, i: usize) -> Journey<'_> {
        let (s, e) = (
            self.journey_offsets[i] as usize,
            self.journey_offsets[i + 1] as usize,
        );
        #[inline(always)]
        fn touch<T>(col: &[T], s: usize, e: usize) -> &[T] {
            col.get(s..e).unwrap_or(&[])
        }
        #[inline(always)]
        fn journey<T: Copy + Default>(col: &[T], i: usize) -> T {
            col.get(i).copied().unwrap_or_default()
        }
        Journey {
            index: i,
            start: s,
            end: e,
            keys: touch(&self.touch_key, s, e),
            times_ms: touch(&self.touch_time_ms, s, e),
            flags: touch(&self.touch_flags, s, e),
            partners: touch(&self.touch_partner, s, e),
            conversions: self.conversions[i],
            nulls: journey(&self.nulls, i),
            value: journey(&self.value, i),
            conversion_time_ms: journey(&self.conversion_time_ms, i),
        }
    }

    /// These journeys as the host sends them to a model reading `inputs`: every other
    /// column emptied. [`run`] uses it, so a model's tests fail if it reads a column it
    /// did not ask for.
    pub fn only(&self, inputs: Inputs) -> Journeys {
        fn keep<T: Clone>(col: &[T], on: bool) -> Vec<T> {
            if on { col.to_vec() } else { Vec::new() }
        }
        Journeys {
            keys: self.keys.clone(),
            partners: keep(&self.partners, inputs.contains(Inputs::PARTNERS)),
            touch_key: keep(&self.touch_key, inputs.contains(Inputs::TOUCH_KEYS)),
            touch_time_ms: keep(&self.touch_time_ms, inputs.contains(Inputs::TIMES)),
            touch_flags: keep(&self.touch_flags, inputs.contains(Inputs::MILESTONES)),
            touch_partner: keep(&self.touch_partner, inputs.contains(Inputs::PARTNERS)),
            journey_offsets: self.journey_offsets.clone(),
            conversions: self.conversions.clone(),
            nulls: keep(&self.nulls, inputs.contains(Inputs::NULLS)),
            value: keep(&self.value, inputs.contains(Inputs::VALUES)),
            conversion_time_ms: keep(&self.conversion_time_ms, inputs.contains(Inputs::TIMES)),
        }
    }

    /// The journeys `which`, in that order, as their own columns: the partition a cluster
    /// would hand a model. Its keys are only those its touches use, in the order first
    /// used (so a partition's dictionary differs from the whole's, as it would).
    pub fn select(&self, which: &[usize]) -> Journeys {
        let mut out = Journeys {
            journey_offsets: vec![0],
            ..Default::default()
        };
        let mut new_key = vec![u32::MAX; self.keys.len()];
        let has = |col: usize| col > 0;
        for &i in which {
            let (s, e) = (
                self.journey_offsets[i] as usize,
                self.journey_offsets[i + 1] as usize,
            );
            for &k in self.touch_key.get(s..e).unwrap_or(&[]) {
                if new_key[k as usize] == u32::MAX {
                    new_key[k as usize] = out.keys.len() as u32;
                    out.keys.push(self.keys[k as usize].clone());
                }
                out.touch_key.push(new_key[k as usize]);
            }
            if has(self.touch_time_ms.len()) {
                out.touch_time_ms
                    .extend_from_slice(&self.touch_time_ms[s..e]);
            }
            if has(self.touch_flags.len()) {
                out.touch_flags.extend_from_slice(&self.touch_flags[s..e]);
            }
            if has(self.touch_partner.len()) {
                out.touch_partner
                    .extend_from_slice(&self.touch_partner[s..e]);
            }
            out.journey_offsets
                .push(out.journey_offsets.last().unwrap() + (e - s) as u32);
            out.conversions.push(self.conversions[i]);
            for (from, to) in [(&self.nulls, &mut out.nulls), (&self.value, &mut out.value)] {
                if has(from.len()) {
                    to.push(from[i]);
                }
            }
            if has(self.conversion_time_ms.len()) {
                out.conversion_time_ms.push(self.conversion_time_ms[i]);
            }
        }
        out.partners = self.partners.clone();
        out
    }

    #[inline]
    pub fn iter(&self) -> impl Iterator<Item = Journey<'_>> + '_ {
        (0..self.len()).map(move |i| self.journey(i))
    }

    /// Checks the column invariants the host guarantees. Models call this only in tests;
    /// it is here so hand-built test inputs are held to the contract too.
    pub fn check(&self) -> Result<(), String> {
        let t = self.touches();
        let full_or_empty = |len: usize, n: usize| len == n || len == 0;
        if !full_or_empty(self.touch_key.len(), t)
            || !full_or_empty(self.touch_time_ms.len(), t)
            || !full_or_empty(self.touch_flags.len(), t)
            || !full_or_empty(self.touch_partner.len(), t)
        {
            return Err("touch columns differ in length".into());
        }
        let n = self.len();
        if self.journey_offsets.first() != Some(&0)
            || self.journey_offsets.last().map(|&x| x as usize) != Some(t)
        {
            return Err("journey offsets must start at 0 and end at the touch count".into());
        }
        if self.journey_offsets.windows(2).any(|w| w[0] > w[1]) {
            return Err("journey offsets decrease".into());
        }
        if self.conversions.len() != n
            || !full_or_empty(self.nulls.len(), n)
            || !full_or_empty(self.value.len(), n)
            || !full_or_empty(self.conversion_time_ms.len(), n)
        {
            return Err("journey columns differ in length".into());
        }
        if self
            .touch_key
            .iter()
            .any(|&k| k as usize >= self.keys.len())
        {
            return Err("touch key out of range".into());
        }
        Ok(())
    }
}

/// Builds [`Journeys`] from readable rows, for tests and examples.
#[derive(Default)]
pub struct JourneysBuilder {
    j: Journeys,
}

impl JourneysBuilder {
    pub fn new() -> Self {
        let mut b = JourneysBuilder::default();
        b.j.journey_offsets.push(0);
        b.j.partners.push("partner".into());
        b
    }

    fn key(&mut self, k: &str) -> u32 {
        match self.j.keys.iter().position(|x| x == k) {
            Some(i) => i as u32,
            None => {
                self.j.keys.push(k.to_string());
                (self.j.keys.len() - 1) as u32
            }
        }
    }

    /// A journey of `(key, time_ms, flags)` touches.
    pub fn journey(
        mut self,
        touches: &[(&str, i64, u8)],
        conversions: f64,
        nulls: f64,
        value: f64,
        conversion_time_ms: i64,
    ) -> Self {
        for &(k, t, f) in touches {
            let id = self.key(k);
            self.j.touch_key.push(id);
            self.j.touch_time_ms.push(t);
            self.j.touch_flags.push(f);
            self.j.touch_partner.push(0);
        }
        self.j.journey_offsets.push(self.j.touch_key.len() as u32);
        self.j.conversions.push(conversions);
        self.j.nulls.push(nulls);
        self.j.value.push(value);
        self.j.conversion_time_ms.push(conversion_time_ms);
        self
    }

    /// A path such as `"a > b > a"` with no timestamps or flags.
    pub fn path(self, path: &str, conversions: f64, nulls: f64, value: f64) -> Self {
        let items: Vec<(&str, i64, u8)> = path
            .split('>')
            .map(|s| (s.trim(), 0, 0))
            .filter(|(s, _, _)| !s.is_empty())
            .collect();
        self.journey(&items, conversions, nulls, value, 0)
    }

    /// Declare a key up front (so a key with no touches still has an index).
    pub fn with_key(mut self, k: &str) -> Self {
        self.key(k);
        self
    }

    pub fn build(self) -> Journeys {
        self.j
    }
}

/// What a model returns.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Output {
    pub weights: Vec<f64>,
    /// Per-key scores aligned with [`Journeys::keys`], by name.
    pub scores: Vec<(String, Vec<f64>)>,
    pub notes: Vec<String>,
    /// The model's internals, for people to read (`ascribe paths --explain`, report.json):
    /// what it computed on the way to the weights that is not one number per key. Optional.
    pub tables: Vec<Table>,
}

impl Output {
    pub fn weights(weights: Vec<f64>) -> Self {
        Output {
            weights,
            ..Default::default()
        }
    }

    /// This output with `table` added.
    pub fn table(mut self, table: Table) -> Self {
        self.tables.push(table);
        self
    }
}

/// One table of a model's internals: named columns of text or numbers, all of one length.
///
/// ```ignore
/// let t = Table::new("coalition-values", "v(S) of every coalition S of channels")
///     .text("coalition", vec!["a".into(), "a + b".into()])
///     .numbers("value", vec![0.25, 0.5]);
/// assert_eq!(t.check(), Ok(()));
/// ```
///
/// The host refuses an answer whose tables break a rule ([`Table::check`] checks one table;
/// [`TABLE_LIMITS`] are the bounds over all of them), so a model whose internals could
/// grow past the bounds leaves the table out and says so in a note.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Table {
    /// 1 to 64 lower-case letters, digits and `-`, starting with a letter; names files.
    pub name: String,
    /// What a row is.
    pub description: String,
    /// `(name, cells)`, names following the table name's rule.
    pub columns: Vec<(String, Column)>,
}

/// A column's cells.
#[derive(Clone, Debug, PartialEq)]
pub enum Column {
    Text(Vec<String>),
    /// Finite numbers only.
    Numbers(Vec<f64>),
}

impl Column {
    pub fn len(&self) -> usize {
        match self {
            Column::Text(v) => v.len(),
            Column::Numbers(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The host's bounds on one answer's tables (`internal-table` in the contract).
pub struct TableLimits {
    pub tables: usize,
    pub columns: usize,
    /// Cells over all tables.
    pub cells: usize,
    /// Bytes of one text cell.
    pub cell_bytes: usize,
    /// Bytes of all text cells.
    pub text_bytes: usize,
    pub name_bytes: usize,
    pub description_bytes: usize,
}

/// What the host accepts (the contract states the same numbers).
pub const TABLE_LIMITS: TableLimits = TableLimits {
    tables: 16,
    columns: 16,
    cells: 1_000_000,
    cell_bytes: 1024,
    text_bytes: 16 << 20,
    name_bytes: 64,
    description_bytes: 2048,
};

impl Table {
    pub fn new(name: &str, description: &str) -> Table {
        Table {
            name: name.into(),
            description: description.into(),
            columns: Vec::new(),
        }
    }

    /// This table with a text column added.
    pub fn text(mut self, name: &str, cells: Vec<String>) -> Table {
        self.columns.push((name.into(), Column::Text(cells)));
        self
    }

    /// This table with a column of numbers added.
    pub fn numbers(mut self, name: &str, cells: Vec<f64>) -> Table {
        self.columns.push((name.into(), Column::Numbers(cells)));
        self
    }

    /// Its number of rows (its first column's length).
    pub fn rows(&self) -> usize {
        self.columns.first().map_or(0, |c| c.1.len())
    }

    /// The column called `name`.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.0 == name).map(|c| &c.1)
    }

    /// The rules the host holds one table to: names, column count, equal lengths, finite
    /// numbers, cell and description sizes. (The bounds over all tables of an answer are
    /// the host's to check too: see [`TABLE_LIMITS`].)
    pub fn check(&self) -> Result<(), String> {
        let l = &TABLE_LIMITS;
        let name_ok = |n: &str| {
            !n.is_empty()
                && n.len() <= l.name_bytes
                && n.starts_with(|c: char| c.is_ascii_lowercase())
                && n.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        };
        if !name_ok(&self.name) {
            return Err(format!("table name {:?} breaks the naming rule", self.name));
        }
        if self.description.len() > l.description_bytes {
            return Err(format!("table `{}`: description too long", self.name));
        }
        if self.columns.is_empty() || self.columns.len() > l.columns {
            return Err(format!(
                "table `{}` has {} columns (1 to {})",
                self.name,
                self.columns.len(),
                l.columns
            ));
        }
        for (i, (n, c)) in self.columns.iter().enumerate() {
            if !name_ok(n) || self.columns[..i].iter().any(|d| d.0 == *n) {
                return Err(format!(
                    "table `{}`: column name {n:?} is not a unique name",
                    self.name
                ));
            }
            if c.len() != self.rows() {
                return Err(format!(
                    "table `{}`: column `{n}` has {} rows, not {}",
                    self.name,
                    c.len(),
                    self.rows()
                ));
            }
            match c {
                Column::Numbers(v) if v.iter().any(|x| !x.is_finite()) => {
                    return Err(format!("table `{}`: column `{n}` is not finite", self.name));
                }
                Column::Text(v) if v.iter().any(|s| s.len() > l.cell_bytes) => {
                    return Err(format!(
                        "table `{}`: column `{n}` has a cell over {} bytes",
                        self.name, l.cell_bytes
                    ));
                }
                _ => {}
            }
        }
        Ok(())
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum ModelError {
    InvalidParam(String),
    UnsupportedInput(String),
    Failed(String),
}

impl From<String> for ModelError {
    /// Parameter parsing errors from [`Params`] are the common case.
    fn from(s: String) -> Self {
        ModelError::InvalidParam(s)
    }
}

/// An attribution model.
pub trait Model {
    fn info() -> Info;
    /// `params` already has defaults applied and unknown names refused.
    fn attribute(input: &Journeys, params: &Params) -> Result<Output, ModelError>;
}

/// A data-driven model whose answer is a function of sums over journeys, split into calls
/// that run on partitions (`model@0.4.0`): [`statistics`](Mergeable::statistics) per
/// partition, [`merge`](Mergeable::merge) in any tree, [`solve`](Mergeable::solve) once,
/// [`weights`](Mergeable::weights) per partition. Export it with
/// `export_model!(T, mergeable)`.
///
/// The rules (the host checks the shape of every answer; the sums are the model's to get
/// right): statistics are integers, conversions, nulls and values in micro-units
/// ([`micro`], [`SCALE`]) summed with overflow checks; names sorted before they are
/// numbered; rows sorted by key. [`StatsBuilder`] and [`merge_sums`] do all three, so a
/// model only says which rows to add. Its `attribute` should be
/// `statistics → solve → weights` on the one partition ([`attribute_merged`]), so one
/// code path answers both ways.
pub trait Mergeable: Model {
    /// A partition's sufficient statistics.
    fn statistics(input: &Journeys, params: &Params) -> Result<Stats, ModelError>;
    /// Two partitions' statistics as one: associative and commutative, to the byte.
    fn merge(a: Stats, b: Stats) -> Result<Stats, ModelError>;
    /// The model solved from everything's statistics.
    fn solve(all: Stats, params: &Params) -> Result<Solution, ModelError>;
    /// A partition's answer from the solution: what `attribute` gives.
    fn weights(
        input: &Journeys,
        solution: &Solution,
        params: &Params,
    ) -> Result<Output, ModelError>;
}

/// `statistics → solve → weights` over one partition: what a [`Mergeable`] model's
/// `attribute` is.
pub fn attribute_merged<M: Mergeable>(
    input: &Journeys,
    params: &Params,
) -> Result<Output, ModelError> {
    let stats = M::statistics(input, params)?;
    let solution = M::solve(stats, params)?;
    M::weights(input, &solution, params)
}

/// Micro-units: 1 conversion (or 1 unit of value) is `SCALE`.
pub const SCALE: i64 = 1_000_000;

/// `x` in micro-units, `round(x × 10⁶)` (half away from zero): exact for conversions that
/// are integers and values with at most 6 decimals. Refused when `x` is not finite or
/// is past the `i64` range.
pub fn micro(x: f64) -> Result<i64, ModelError> {
    let m = (x * SCALE as f64).round();
    // 2⁶³ is exactly representable; anything at or past it does not fit.
    if !m.is_finite() || m.abs() >= 9_223_372_036_854_775_808.0 {
        return Err(ModelError::UnsupportedInput(format!(
            "{x} is past the range of the statistics (s64 micro-units, about ±9.2e12)"
        )));
    }
    Ok(m as i64)
}

/// `a + b` for statistics: an overflow is an error, never a wrap.
pub fn add(a: i64, b: i64) -> Result<i64, ModelError> {
    a.checked_add(b).ok_or_else(|| {
        ModelError::UnsupportedInput(
            "a sum of the statistics passes the s64 range of micro-units (about 9.2e12 units); \
             it cannot be exact"
                .into(),
        )
    })
}

/// A micro-unit sum as a float, rounded once: what `solve` reads.
pub fn unmicro(m: i64) -> f64 {
    m as f64 / SCALE as f64
}

/// A partition's sufficient statistics (`stats` in the contract).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Stats {
    /// What the tables are (`markov/1 order=2`): only equal layouts merge.
    pub layout: String,
    /// Sorted by bytes, unique: the dictionary every key cell indexes.
    pub names: Vec<String>,
    pub tables: Vec<StatTable>,
}

/// What `solve` returns (`solution` in the contract).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Solution {
    pub layout: String,
    /// Sorted by bytes, unique.
    pub names: Vec<String>,
    pub tables: Vec<StatTable>,
    /// Every partition's answer carries these notes.
    pub notes: Vec<String>,
    /// And these internal tables.
    pub internals: Vec<Table>,
}

/// A table of statistics or of a solution: `(name, cells)` columns of one length, rows
/// sorted and unique by their key columns.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StatTable {
    pub name: String,
    pub columns: Vec<(String, StatCells)>,
}

/// A column's cells (`stat-cells` in the contract).
#[derive(Clone, Debug, PartialEq)]
pub enum StatCells {
    /// Per row, an index into the names (a key column).
    Name(Vec<u32>),
    /// Per row, `items[offsets[i]..offsets[i + 1]]`, indices into the names (a key column).
    Names { offsets: Vec<u32>, items: Vec<u32> },
    /// Per row, a non-negative integer.
    Count(Vec<i64>),
    /// Per row, a signed integer.
    Amount(Vec<i64>),
    /// Per row, a finite float: solutions only.
    Number(Vec<f64>),
}

impl StatCells {
    pub fn rows(&self) -> usize {
        match self {
            StatCells::Name(v) => v.len(),
            StatCells::Names { offsets, .. } => offsets.len().saturating_sub(1),
            StatCells::Count(v) | StatCells::Amount(v) => v.len(),
            StatCells::Number(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.rows() == 0
    }

    fn is_key(&self) -> bool {
        matches!(self, StatCells::Name(_) | StatCells::Names { .. })
    }

    /// Row `r`'s key part: one index for `Name`, the sequence for `Names`, empty otherwise.
    pub fn key(&self, r: usize) -> &[u32] {
        match self {
            StatCells::Name(v) => std::slice::from_ref(&v[r]),
            StatCells::Names { offsets, items } => {
                &items[offsets[r] as usize..offsets[r + 1] as usize]
            }
            _ => &[],
        }
    }

    /// The integers of a `Count` or `Amount` column.
    pub fn ints(&self) -> Option<&[i64]> {
        match self {
            StatCells::Count(v) | StatCells::Amount(v) => Some(v),
            _ => None,
        }
    }

    /// The floats of a `Number` column.
    pub fn numbers(&self) -> Option<&[f64]> {
        match self {
            StatCells::Number(v) => Some(v),
            _ => None,
        }
    }
}

impl StatTable {
    pub fn rows(&self) -> usize {
        self.columns.first().map_or(0, |c| c.1.rows())
    }

    /// The column called `name`.
    pub fn column(&self, name: &str) -> Option<&StatCells> {
        self.columns.iter().find(|c| c.0 == name).map(|c| &c.1)
    }

    /// The column called `name`, or the error a model answers when it is missing.
    pub fn need(&self, name: &str) -> Result<&StatCells, ModelError> {
        self.column(name).ok_or_else(|| {
            ModelError::UnsupportedInput(format!(
                "statistics table `{}` has no column `{name}`",
                self.name
            ))
        })
    }
}

impl Stats {
    /// The table called `name`, or the error a model answers when it is missing.
    pub fn need(&self, name: &str) -> Result<&StatTable, ModelError> {
        self.tables.iter().find(|t| t.name == name).ok_or_else(|| {
            ModelError::UnsupportedInput(format!("the statistics have no table `{name}`"))
        })
    }

    /// The host's checks of statistics ([`check_stat_tables`]), for a model's tests.
    pub fn check(&self) -> Result<(), String> {
        check_stat_tables(&self.layout, &self.names, &self.tables, false)
    }
}

impl Solution {
    /// The table called `name`, or the error a model answers when it is missing.
    pub fn need(&self, name: &str) -> Result<&StatTable, ModelError> {
        self.tables.iter().find(|t| t.name == name).ok_or_else(|| {
            ModelError::UnsupportedInput(format!("the solution has no table `{name}`"))
        })
    }

    /// The host's checks of a solution's tables, for a model's tests.
    pub fn check(&self) -> Result<(), String> {
        check_stat_tables(&self.layout, &self.names, &self.tables, true)
    }
}

/// The shape rules the host holds statistics (and, with `floats`, solutions) to: a layout,
/// names sorted and unique, columns of one length, key indices in range, counts
/// non-negative, rows sorted and unique by key (at most one without a key column).
pub fn check_stat_tables(
    layout: &str,
    names: &[String],
    tables: &[StatTable],
    floats: bool,
) -> Result<(), String> {
    if layout.is_empty() || layout.len() > 256 {
        return Err("the layout is not 1 to 256 bytes".into());
    }
    if let Some(i) = (1..names.len()).find(|&i| names[i - 1].as_bytes() >= names[i].as_bytes()) {
        return Err(format!("the names are not sorted and unique at name {i}"));
    }
    for t in tables {
        let rows = t.rows();
        for (n, c) in &t.columns {
            if c.rows() != rows {
                return Err(format!(
                    "table `{}`: column `{n}` has {} rows, not {rows}",
                    t.name,
                    c.rows()
                ));
            }
            match c {
                StatCells::Name(v) | StatCells::Names { items: v, .. }
                    if v.iter().any(|&x| x as usize >= names.len()) =>
                {
                    return Err(format!(
                        "table `{}`: column `{n}` indexes past the names",
                        t.name
                    ));
                }
                StatCells::Count(v) if v.iter().any(|&x| x < 0) => {
                    return Err(format!(
                        "table `{}`: column `{n}` has a negative count",
                        t.name
                    ));
                }
                StatCells::Number(v) if !floats || v.iter().any(|x| !x.is_finite()) => {
                    return Err(format!(
                        "table `{}`: column `{n}` holds floats that are not allowed",
                        t.name
                    ));
                }
                _ => {}
            }
        }
        let keys: Vec<&StatCells> = t
            .columns
            .iter()
            .map(|c| &c.1)
            .filter(|c| c.is_key())
            .collect();
        let key = |r: usize| -> Vec<&[u32]> { keys.iter().map(|c| c.key(r)).collect() };
        if keys.is_empty() && rows > 1 {
            return Err(format!("table `{}` has {rows} rows and no key", t.name));
        }
        if !keys.is_empty() && (1..rows).any(|r| key(r - 1) >= key(r)) {
            return Err(format!(
                "table `{}`: rows are not sorted and unique by key",
                t.name
            ));
        }
    }
    Ok(())
}

/// The kind of a key column of a [`StatsBuilder`] table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyKind {
    /// One name per row.
    Name,
    /// A sequence of names per row.
    Names,
    /// A set of names per row: a sequence kept in name order (sorted and deduplicated
    /// when the names are renumbered), so the same set is the same key in every partition.
    Set,
}

/// The kind of a value column of a [`StatsBuilder`] table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SumKind {
    /// Non-negative sums.
    Count,
    /// Signed sums.
    Amount,
}

struct BuilderTable {
    name: String,
    keys: Vec<(String, KeyKind)>,
    values: Vec<(String, SumKind)>,
    /// Every row's key, one after the other: each key column's part as its length, then
    /// its indices. Row `r`'s is `flat[starts[r]..starts[r + 1]]`.
    flat: Vec<u32>,
    starts: Vec<usize>,
    /// Every row's sums, `values.len()` a row.
    sums: Vec<i64>,
}

/// Builds canonical statistics from rows keyed by indices into some dictionary of names:
/// at [`finish`](StatsBuilder::finish) the names the rows use are sorted and renumbered,
/// rows with the same key are summed (overflow checked), and rows are sorted by key. A
/// table without key columns always has exactly one row (its sums). Whatever order the
/// rows came in, and however they were split, the result is the same bytes.
pub struct StatsBuilder {
    layout: String,
    tables: Vec<BuilderTable>,
}

impl StatsBuilder {
    pub fn new(layout: &str) -> StatsBuilder {
        StatsBuilder {
            layout: layout.into(),
            tables: Vec::new(),
        }
    }

    /// Declares a table; rows are added to it by the index returned.
    pub fn table(
        &mut self,
        name: &str,
        keys: &[(&str, KeyKind)],
        values: &[(&str, SumKind)],
    ) -> usize {
        self.tables.push(BuilderTable {
            name: name.into(),
            keys: keys.iter().map(|(n, k)| (n.to_string(), *k)).collect(),
            values: values.iter().map(|(n, k)| (n.to_string(), *k)).collect(),
            flat: Vec::new(),
            starts: vec![0],
            sums: Vec::new(),
        });
        self.tables.len() - 1
    }

    /// Adds a row to `table`: one slice per key column (one index for a `Name` column),
    /// one sum per value column.
    pub fn row(&mut self, table: usize, key: &[&[u32]], sums: &[i64]) {
        let t = &mut self.tables[table];
        assert_eq!(
            (key.len(), sums.len()),
            (t.keys.len(), t.values.len()),
            "a row of table `{}` has a part per key column and a sum per value column",
            t.name
        );
        for part in key {
            t.flat.push(part.len() as u32);
            t.flat.extend_from_slice(part);
        }
        t.starts.push(t.flat.len());
        t.sums.extend_from_slice(sums);
    }

    /// The statistics, canonical, over `names` (any dictionary the rows index: it need not
    /// be sorted or unique; equal names are one name).
    pub fn finish(self, names: &[String]) -> Result<Stats, ModelError> {
        // The names the rows use, sorted; equal strings share one new index.
        let mut used = vec![false; names.len()];
        for t in &self.tables {
            for_each_part(&t.flat, |_, part| {
                for &x in part {
                    used[x as usize] = true;
                }
            });
        }
        let mut order: Vec<u32> = (0..names.len() as u32)
            .filter(|&i| used[i as usize])
            .collect();
        order.sort_by(|&a, &b| {
            names[a as usize]
                .as_bytes()
                .cmp(names[b as usize].as_bytes())
        });
        let mut new_index = vec![u32::MAX; names.len()];
        let mut sorted: Vec<String> = Vec::with_capacity(order.len());
        for &o in &order {
            if sorted.last().map(String::as_str) != Some(names[o as usize].as_str()) {
                sorted.push(names[o as usize].clone());
            }
            new_index[o as usize] = sorted.len() as u32 - 1;
        }
        let mut tables = Vec::with_capacity(self.tables.len());
        for t in self.tables {
            tables.push(finish_table(t, &new_index)?);
        }
        Ok(Stats {
            layout: self.layout,
            names: sorted,
            tables,
        })
    }
}

/// Calls `f(i, part)` for each part of a flattened key, `i` counting them.
fn for_each_part(flat: &[u32], mut f: impl FnMut(usize, &[u32])) {
    let (mut at, mut i) = (0, 0);
    while at < flat.len() {
        let n = flat[at] as usize;
        f(i, &flat[at + 1..at + 1 + n]);
        at += 1 + n;
        i += 1;
    }
}

/// A table's rows renumbered into the sorted names, sorted by key, equal keys summed.
fn finish_table(t: BuilderTable, new_index: &[u32]) -> Result<StatTable, ModelError> {
    let width = t.values.len();
    let rows = t.starts.len() - 1;
    let sets: Vec<bool> = t.keys.iter().map(|k| k.1 == KeyKind::Set).collect();
    // Each row's key renumbered, as an order key whose plain order is the key order: each
    // part's indices + 1, then a 0 (a shorter prefix first). A set's part in name order.
    let mut okey: Vec<u32> = Vec::with_capacity(t.flat.len());
    let mut ostart: Vec<usize> = Vec::with_capacity(rows + 1);
    ostart.push(0);
    let mut cell: Vec<u32> = Vec::new();
    for r in 0..rows {
        for_each_part(&t.flat[t.starts[r]..t.starts[r + 1]], |i, part| {
            cell.clear();
            cell.extend(part.iter().map(|&x| new_index[x as usize]));
            if sets[i] {
                cell.sort_unstable();
                cell.dedup();
            }
            okey.extend(cell.iter().map(|&x| x + 1));
            okey.push(0);
        });
        ostart.push(okey.len());
    }
    let key_of = |r: usize| &okey[ostart[r]..ostart[r + 1]];
    let mut sorted: Vec<usize> = (0..rows).collect();
    sorted.sort_by(|&a, &b| key_of(a).cmp(key_of(b)));
    // Equal keys summed: the distinct keys, in order, and their sums.
    let mut distinct: Vec<usize> = Vec::with_capacity(rows);
    let mut sums: Vec<i64> = Vec::with_capacity(t.sums.len());
    if t.keys.is_empty() {
        // One row: the sums of every row added (zeros when there are none).
        sums.resize(width, 0);
        for r in 0..rows {
            for (c, s) in sums.iter_mut().enumerate() {
                *s = add(*s, t.sums[r * width + c])?;
            }
        }
        distinct.push(usize::MAX);
    } else {
        for &r in &sorted {
            let row = &t.sums[r * width..(r + 1) * width];
            match distinct.last() {
                Some(&l) if key_of(l) == key_of(r) => {
                    let at = sums.len() - width;
                    for (s, &x) in sums[at..].iter_mut().zip(row) {
                        *s = add(*s, x)?;
                    }
                }
                _ => {
                    distinct.push(r);
                    sums.extend_from_slice(row);
                }
            }
        }
    }
    let mut columns: Vec<(String, StatCells)> = Vec::with_capacity(t.keys.len() + width);
    for (c, (name, kind)) in t.keys.iter().enumerate() {
        // Part `c` of an order key: its items minus 1, up to its 0.
        let part = |r: usize| {
            let k = key_of(r);
            let mut at = 0;
            for _ in 0..c {
                at += k[at..].iter().position(|&x| x == 0).unwrap() + 1;
            }
            k[at..].iter().take_while(|&&x| x != 0).map(|&x| x - 1)
        };
        let cells = match kind {
            KeyKind::Name => StatCells::Name(
                distinct
                    .iter()
                    .map(|&r| part(r).next().unwrap_or(0))
                    .collect(),
            ),
            KeyKind::Names | KeyKind::Set => {
                let mut offsets = Vec::with_capacity(distinct.len() + 1);
                offsets.push(0u32);
                let mut items = Vec::new();
                for &r in &distinct {
                    items.extend(part(r));
                    offsets.push(items.len() as u32);
                }
                StatCells::Names { offsets, items }
            }
        };
        columns.push((name.clone(), cells));
    }
    for (c, (name, kind)) in t.values.iter().enumerate() {
        let v: Vec<i64> = (0..distinct.len()).map(|d| sums[d * width + c]).collect();
        if *kind == SumKind::Count && v.iter().any(|&x| x < 0) {
            return Err(ModelError::Failed(format!(
                "statistics table `{}`: column `{name}` summed to a negative count",
                t.name
            )));
        }
        columns.push((
            name.clone(),
            match kind {
                SumKind::Count => StatCells::Count(v),
                SumKind::Amount => StatCells::Amount(v),
            },
        ));
    }
    Ok(StatTable {
        name: t.name,
        columns,
    })
}

/// Merges two statistics whose tables are sums keyed by their key columns (every table a
/// [`StatsBuilder`] makes): the names are united, every row re-keyed, and rows with the
/// same key summed. Associative and commutative to the byte. Refuses statistics of
/// different layouts or tables.
pub fn merge_sums(a: Stats, b: Stats) -> Result<Stats, ModelError> {
    let refuse = |why: String| Err(ModelError::UnsupportedInput(why));
    if a.layout != b.layout {
        return refuse(format!(
            "statistics of layout {:?} and {:?} cannot be merged",
            a.layout, b.layout
        ));
    }
    if a.tables.len() != b.tables.len() {
        return refuse("the statistics have different tables".into());
    }
    let offset = a.names.len() as u32;
    let mut names = a.names;
    names.extend(b.names);
    let mut builder = StatsBuilder::new(&a.layout);
    for (ta, tb) in a.tables.iter().zip(&b.tables) {
        let shape = |t: &StatTable| -> Vec<(String, &'static str)> {
            t.columns
                .iter()
                .map(|(n, c)| {
                    let kind = match c {
                        StatCells::Name(_) => "name",
                        StatCells::Names { .. } => "names",
                        StatCells::Count(_) => "count",
                        StatCells::Amount(_) => "amount",
                        StatCells::Number(_) => "number",
                    };
                    (n.clone(), kind)
                })
                .collect()
        };
        if ta.name != tb.name || shape(ta) != shape(tb) {
            return refuse(format!(
                "statistics tables `{}` and `{}` differ in their columns",
                ta.name, tb.name
            ));
        }
        let keys: Vec<(&str, KeyKind)> = ta
            .columns
            .iter()
            .filter_map(|(n, c)| match c {
                StatCells::Name(_) => Some((n.as_str(), KeyKind::Name)),
                StatCells::Names { .. } => Some((n.as_str(), KeyKind::Names)),
                _ => None,
            })
            .collect();
        let mut values: Vec<(&str, SumKind)> = Vec::new();
        for (n, c) in &ta.columns {
            match c {
                StatCells::Count(_) => values.push((n, SumKind::Count)),
                StatCells::Amount(_) => values.push((n, SumKind::Amount)),
                StatCells::Number(_) => {
                    return refuse(format!(
                        "statistics table `{}`: column `{n}` holds floats, which do not sum exactly",
                        ta.name
                    ));
                }
                _ => {}
            }
        }
        let id = builder.table(&ta.name, &keys, &values);
        for (t, shift) in [(ta, 0u32), (tb, offset)] {
            let key_cols: Vec<&StatCells> = t
                .columns
                .iter()
                .map(|c| &c.1)
                .filter(|c| c.is_key())
                .collect();
            let value_cols: Vec<&[i64]> = t.columns.iter().filter_map(|c| c.1.ints()).collect();
            let mut parts: Vec<Vec<u32>> = vec![Vec::new(); key_cols.len()];
            for r in 0..t.rows() {
                for (p, c) in parts.iter_mut().zip(&key_cols) {
                    p.clear();
                    p.extend(c.key(r).iter().map(|&x| x + shift));
                }
                let key: Vec<&[u32]> = parts.iter().map(Vec::as_slice).collect();
                let sums: Vec<i64> = value_cols.iter().map(|v| v[r]).collect();
                builder.row(id, &key, &sums);
            }
        }
    }
    builder.finish(&names)
}

/// Runs a model the way the host will: only the columns it asks for, params resolved
/// against its info. Use it in tests.
pub fn run<M: Model>(input: &Journeys, params: &[(&str, &str)]) -> Result<Output, ModelError> {
    let given: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let info = M::info();
    let p = Params::resolve(&info.params, &given).map_err(ModelError::InvalidParam)?;
    M::attribute(&input.only(info.inputs), &p)
}

/// The host's check of a model's weights: one per touch, finite, non-negative, and
/// summing to 1 (within 1e-6) for every converting journey with touches.
pub fn check_weights(input: &Journeys, out: &Output) -> Result<(), String> {
    if out.weights.len() != input.touches() {
        return Err(format!(
            "{} weights for {} touches",
            out.weights.len(),
            input.touches()
        ));
    }
    if let Some((i, w)) = out
        .weights
        .iter()
        .enumerate()
        .find(|(_, w)| !w.is_finite() || **w < 0.0)
    {
        return Err(format!("weight {i} is {w}"));
    }
    for j in input.iter() {
        if j.conversions > 0.0 && !j.is_empty() {
            let s: f64 = out.weights[j.start..j.start + j.len()].iter().sum();
            if (s - 1.0).abs() > 1e-6 {
                return Err(format!("journey {} weights sum to {s}", j.index));
            }
        }
    }
    Ok(())
}

#[doc(hidden)]
pub fn wit_info<M: Model>(mergeable: bool) -> wit::PluginInfo {
    let i = M::info();
    wit::PluginInfo {
        name: i.name,
        version: i.version,
        kind: "model".into(),
        description: i.description,
        params: i
            .params
            .into_iter()
            .map(|p| wit::ParamSpec {
                name: p.name,
                default_value: p.default_value,
                description: p.description,
            })
            .collect(),
        inputs: wit::Inputs::from_bits_truncate(i.inputs.0 as _),
        key_scores: i.key_scores,
        mergeable,
    }
}

fn journeys_in(input: wit::Journeys) -> Journeys {
    Journeys {
        keys: input.keys,
        partners: input.partners,
        touch_key: input.touch_key,
        touch_time_ms: input.touch_time_ms,
        touch_flags: input.touch_flags,
        touch_partner: input.touch_partner,
        journey_offsets: input.journey_offsets,
        conversions: input.conversions,
        nulls: input.nulls,
        value: input.value,
        conversion_time_ms: input.conversion_time_ms,
    }
}

fn error_out(e: ModelError) -> wit::ModelError {
    match e {
        ModelError::InvalidParam(s) => wit::ModelError::InvalidParam(s),
        ModelError::UnsupportedInput(s) => wit::ModelError::UnsupportedInput(s),
        ModelError::Failed(s) => wit::ModelError::Failed(s),
    }
}

fn internal_tables_out(tables: Vec<Table>) -> Vec<wit::InternalTable> {
    tables
        .into_iter()
        .map(|t| wit::InternalTable {
            name: t.name,
            description: t.description,
            columns: t
                .columns
                .into_iter()
                .map(|(name, c)| wit::InternalColumn {
                    name,
                    values: match c {
                        Column::Text(v) => wit::ColumnValues::Text(v),
                        Column::Numbers(v) => wit::ColumnValues::Numbers(v),
                    },
                })
                .collect(),
        })
        .collect()
}

fn internal_tables_in(tables: Vec<wit::InternalTable>) -> Vec<Table> {
    tables
        .into_iter()
        .map(|t| Table {
            name: t.name,
            description: t.description,
            columns: t
                .columns
                .into_iter()
                .map(|c| {
                    (
                        c.name,
                        match c.values {
                            wit::ColumnValues::Text(v) => Column::Text(v),
                            wit::ColumnValues::Numbers(v) => Column::Numbers(v),
                        },
                    )
                })
                .collect(),
        })
        .collect()
}

fn output_out(r: Result<Output, ModelError>) -> Result<wit::AttributionOutput, wit::ModelError> {
    r.map(|o| wit::AttributionOutput {
        weights: o.weights,
        scores: o
            .scores
            .into_iter()
            .map(|(name, values)| wit::ScoreColumn { name, values })
            .collect(),
        notes: o.notes,
        tables: internal_tables_out(o.tables),
    })
    .map_err(error_out)
}

#[doc(hidden)]
pub fn wit_attribute<M: Model>(
    input: wit::Journeys,
    params: Vec<(String, String)>,
) -> Result<wit::AttributionOutput, wit::ModelError> {
    let j = journeys_in(input);
    let p = Params::resolve(&M::info().params, &params).map_err(wit::ModelError::InvalidParam)?;
    output_out(M::attribute(&j, &p))
}

fn stat_tables_out(tables: Vec<StatTable>) -> Vec<wit::StatTable> {
    tables
        .into_iter()
        .map(|t| wit::StatTable {
            name: t.name,
            columns: t
                .columns
                .into_iter()
                .map(|(name, c)| wit::StatColumn {
                    name,
                    cells: match c {
                        StatCells::Name(v) => wit::StatCells::Name(v),
                        StatCells::Names { offsets, items } => {
                            wit::StatCells::Names(wit::NameLists { offsets, items })
                        }
                        StatCells::Count(v) => wit::StatCells::Count(v),
                        StatCells::Amount(v) => wit::StatCells::Amount(v),
                        StatCells::Number(v) => wit::StatCells::Number(v),
                    },
                })
                .collect(),
        })
        .collect()
}

fn stat_tables_in(tables: Vec<wit::StatTable>) -> Vec<StatTable> {
    tables
        .into_iter()
        .map(|t| StatTable {
            name: t.name,
            columns: t
                .columns
                .into_iter()
                .map(|c| {
                    (
                        c.name,
                        match c.cells {
                            wit::StatCells::Name(v) => StatCells::Name(v),
                            wit::StatCells::Names(l) => StatCells::Names {
                                offsets: l.offsets,
                                items: l.items,
                            },
                            wit::StatCells::Count(v) => StatCells::Count(v),
                            wit::StatCells::Amount(v) => StatCells::Amount(v),
                            wit::StatCells::Number(v) => StatCells::Number(v),
                        },
                    )
                })
                .collect(),
        })
        .collect()
}

fn stats_in(s: wit::Stats) -> Stats {
    Stats {
        layout: s.layout,
        names: s.names,
        tables: stat_tables_in(s.tables),
    }
}

fn stats_out(s: Stats) -> wit::Stats {
    wit::Stats {
        layout: s.layout,
        names: s.names,
        tables: stat_tables_out(s.tables),
    }
}

#[doc(hidden)]
pub fn wit_statistics<M: Mergeable>(
    input: wit::Journeys,
    params: Vec<(String, String)>,
) -> Result<wit::Stats, wit::ModelError> {
    let j = journeys_in(input);
    let p = Params::resolve(&M::info().params, &params).map_err(wit::ModelError::InvalidParam)?;
    M::statistics(&j, &p).map(stats_out).map_err(error_out)
}

#[doc(hidden)]
pub fn wit_merge<M: Mergeable>(
    a: wit::Stats,
    b: wit::Stats,
) -> Result<wit::Stats, wit::ModelError> {
    M::merge(stats_in(a), stats_in(b))
        .map(stats_out)
        .map_err(error_out)
}

#[doc(hidden)]
pub fn wit_solve<M: Mergeable>(
    all: wit::Stats,
    params: Vec<(String, String)>,
) -> Result<wit::Solution, wit::ModelError> {
    let p = Params::resolve(&M::info().params, &params).map_err(wit::ModelError::InvalidParam)?;
    M::solve(stats_in(all), &p)
        .map(|s| wit::Solution {
            layout: s.layout,
            names: s.names,
            tables: stat_tables_out(s.tables),
            notes: s.notes,
            internals: internal_tables_out(s.internals),
        })
        .map_err(error_out)
}

#[doc(hidden)]
pub fn wit_weights<M: Mergeable>(
    input: wit::Journeys,
    solved: wit::Solution,
    params: Vec<(String, String)>,
) -> Result<wit::AttributionOutput, wit::ModelError> {
    let j = journeys_in(input);
    let p = Params::resolve(&M::info().params, &params).map_err(wit::ModelError::InvalidParam)?;
    let solution = Solution {
        layout: solved.layout,
        names: solved.names,
        tables: stat_tables_in(solved.tables),
        notes: solved.notes,
        internals: internal_tables_in(solved.internals),
    };
    output_out(M::weights(&j, &solution, &p))
}

/// What a model that is not [`Mergeable`] answers to the four calls (the host never
/// makes them: its info says `mergeable: false`).
#[doc(hidden)]
pub fn not_mergeable<M: Model>(call: &str) -> wit::ModelError {
    wit::ModelError::UnsupportedInput(format!(
        "{}: this model does not offer `{call}` (it is not mergeable); call `attribute`",
        M::info().name
    ))
}

/// Exports a [`Model`] implementation as the plugin's `ascribe:model@0.4.0` world.
///
/// ```ignore
/// struct Linear;
/// impl ascribe_sdk::model::Model for Linear { /* … */ }
/// ascribe_sdk::export_model!(Linear);
/// ```
///
/// A model that also implements [`Mergeable`] is exported with its four calls, and its
/// info says `mergeable`:
///
/// ```ignore
/// ascribe_sdk::export_model!(Markov, mergeable);
/// ```
#[macro_export]
macro_rules! export_model {
    ($ty:ty) => {
        $crate::export_model!(@world $ty, false,
            statistics(_input, _params) => ::std::result::Result::Err($crate::model::not_mergeable::<$ty>("statistics")),
            merge(_a, _b) => ::std::result::Result::Err($crate::model::not_mergeable::<$ty>("merge")),
            solve(_all, _params) => ::std::result::Result::Err($crate::model::not_mergeable::<$ty>("solve")),
            weights(_input, _solved, _params) => ::std::result::Result::Err($crate::model::not_mergeable::<$ty>("weights"))
        );
    };
    ($ty:ty, mergeable) => {
        $crate::export_model!(@world $ty, true,
            statistics(input, params) => $crate::model::wit_statistics::<$ty>(input, params),
            merge(a, b) => $crate::model::wit_merge::<$ty>(a, b),
            solve(all, params) => $crate::model::wit_solve::<$ty>(all, params),
            weights(input, solved, params) => $crate::model::wit_weights::<$ty>(input, solved, params)
        );
    };
    (@world $ty:ty, $mergeable:expr,
        statistics($si:ident, $sp:ident) => $stats:expr,
        merge($ma:ident, $mb:ident) => $merge:expr,
        solve($va:ident, $vp:ident) => $solve:expr,
        weights($wi:ident, $ws:ident, $wp:ident) => $weights:expr
    ) => {
        #[doc(hidden)]
        pub struct __AscribeModelExport;
        impl $crate::model::bindings::exports::ascribe::model::attribution::Guest for __AscribeModelExport {
            fn info() -> $crate::model::bindings::exports::ascribe::model::attribution::PluginInfo {
                $crate::model::wit_info::<$ty>($mergeable)
            }
            fn attribute(
                input: $crate::model::bindings::exports::ascribe::model::attribution::Journeys,
                params: ::std::vec::Vec<(::std::string::String, ::std::string::String)>,
            ) -> ::std::result::Result<
                $crate::model::bindings::exports::ascribe::model::attribution::AttributionOutput,
                $crate::model::bindings::exports::ascribe::model::attribution::ModelError,
            > {
                $crate::model::wit_attribute::<$ty>(input, params)
            }
            fn statistics(
                $si: $crate::model::bindings::exports::ascribe::model::attribution::Journeys,
                $sp: ::std::vec::Vec<(::std::string::String, ::std::string::String)>,
            ) -> ::std::result::Result<
                $crate::model::bindings::exports::ascribe::model::attribution::Stats,
                $crate::model::bindings::exports::ascribe::model::attribution::ModelError,
            > {
                $stats
            }
            fn merge(
                $ma: $crate::model::bindings::exports::ascribe::model::attribution::Stats,
                $mb: $crate::model::bindings::exports::ascribe::model::attribution::Stats,
            ) -> ::std::result::Result<
                $crate::model::bindings::exports::ascribe::model::attribution::Stats,
                $crate::model::bindings::exports::ascribe::model::attribution::ModelError,
            > {
                $merge
            }
            fn solve(
                $va: $crate::model::bindings::exports::ascribe::model::attribution::Stats,
                $vp: ::std::vec::Vec<(::std::string::String, ::std::string::String)>,
            ) -> ::std::result::Result<
                $crate::model::bindings::exports::ascribe::model::attribution::Solution,
                $crate::model::bindings::exports::ascribe::model::attribution::ModelError,
            > {
                $solve
            }
            fn weights(
                $wi: $crate::model::bindings::exports::ascribe::model::attribution::Journeys,
                $ws: $crate::model::bindings::exports::ascribe::model::attribution::Solution,
                $wp: ::std::vec::Vec<(::std::string::String, ::std::string::String)>,
            ) -> ::std::result::Result<
                $crate::model::bindings::exports::ascribe::model::attribution::AttributionOutput,
                $crate::model::bindings::exports::ascribe::model::attribution::ModelError,
            > {
                $weights
            }
        }
        // Only the wasm build exports symbols: natively the crate is an ordinary library
        // (unit tests, and the host linking a model for native comparison).
        #[cfg(target_arch = "wasm32")]
        $crate::model::bindings::__ascribe_export_model_world!(__AscribeModelExport with_types_in $crate::model::bindings);
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_input_is_the_contract_flag_of_the_same_name() {
        for (ours, theirs) in [
            (Inputs::TOUCH_KEYS, wit::Inputs::TOUCH_KEYS),
            (Inputs::TIMES, wit::Inputs::TIMES),
            (Inputs::MILESTONES, wit::Inputs::MILESTONES),
            (Inputs::PARTNERS, wit::Inputs::PARTNERS),
            (Inputs::NULLS, wit::Inputs::NULLS),
            (Inputs::VALUES, wit::Inputs::VALUES),
        ] {
            assert_eq!(wit::Inputs::from_bits_truncate(ours.0 as _), theirs);
        }
        assert_eq!(
            wit::Inputs::from_bits_truncate(Inputs::ALL.0 as _),
            wit::Inputs::all()
        );
        assert!((Inputs::NULLS | Inputs::VALUES).contains(Inputs::VALUES));
        assert!(!(Inputs::NULLS | Inputs::VALUES).contains(Inputs::TOUCH_KEYS));
        assert!(Inputs::ALL.contains(Inputs::TIMES | Inputs::PARTNERS));
    }

    #[test]
    fn a_table_is_built_column_by_column_and_checked() {
        let t = Table::new("coalition-values", "v(S) of each coalition")
            .text("coalition", vec!["a".into(), "a + b".into()])
            .numbers("value", vec![0.25, 0.5]);
        assert_eq!((t.rows(), t.check()), (2, Ok(())));
        assert_eq!(t.column("value"), Some(&Column::Numbers(vec![0.25, 0.5])));
        let out = Output::weights(vec![]).table(t.clone());
        assert_eq!(out.tables, vec![t.clone()]);
        let ragged = t.clone().numbers("conversions", vec![1.0]);
        assert_eq!(
            ragged.check(),
            Err("table `coalition-values`: column `conversions` has 1 rows, not 2".into())
        );
        let nan = Table::new("t", "").numbers("x", vec![f64::NAN]);
        assert!(nan.check().is_err());
        assert!(
            Table::new("Bad Name", "")
                .numbers("x", vec![])
                .check()
                .is_err()
        );
        assert!(Table::new("t", "").check().is_err(), "no columns");
    }

    /// Statistics of a few rows over `names`, as a model would build them.
    fn sums(names: &[&str], rows: &[(&[u32], u32, i64, i64)]) -> Stats {
        let mut b = StatsBuilder::new("test/1");
        let t = b.table(
            "t",
            &[("seq", KeyKind::Names), ("last", KeyKind::Name)],
            &[("n", SumKind::Count), ("v", SumKind::Amount)],
        );
        let total = b.table("total", &[], &[("rows", SumKind::Count)]);
        for &(seq, last, n, v) in rows {
            b.row(t, &[seq, &[last]], &[n, v]);
            b.row(total, &[], &[1]);
        }
        let names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
        b.finish(&names).unwrap()
    }

    #[test]
    fn statistics_are_canonical_and_merge_in_any_order() {
        // The same rows, told over two dictionaries in different orders.
        let whole = sums(
            &["c", "a", "b", "unused"],
            &[
                (&[1, 2], 0, 5, -3),
                (&[2], 1, 1, 7),
                (&[1, 2], 0, 2, 1),
                (&[], 2, 4, 0),
            ],
        );
        assert_eq!(whole.check(), Ok(()));
        assert_eq!(whole.names, vec!["a", "b", "c"]);
        let t = &whole.tables[0];
        // Keys sorted: ([], b) < ([a, b], c) < ([b], a); equal keys summed.
        assert_eq!(
            t.column("seq"),
            Some(&StatCells::Names {
                offsets: vec![0, 0, 2, 3],
                items: vec![0, 1, 1]
            })
        );
        assert_eq!(t.column("last"), Some(&StatCells::Name(vec![1, 2, 0])));
        assert_eq!(t.column("n"), Some(&StatCells::Count(vec![4, 7, 1])));
        assert_eq!(t.column("v"), Some(&StatCells::Amount(vec![0, -2, 7])));
        assert_eq!(
            whole.tables[1].column("rows"),
            Some(&StatCells::Count(vec![4]))
        );
        let p1 = sums(&["b", "a", "c"], &[(&[1, 0], 2, 5, -3), (&[], 0, 4, 0)]);
        let p2 = sums(&["a", "b", "c"], &[(&[1], 0, 1, 7)]);
        let p3 = sums(&["a", "b", "c"], &[(&[0, 1], 2, 2, 1)]);
        let empty = sums(&["z"], &[]);
        let m = |a: &Stats, b: &Stats| merge_sums(a.clone(), b.clone()).unwrap();
        assert_eq!(m(&m(&p1, &p2), &p3), whole);
        assert_eq!(m(&p1, &m(&p2, &p3)), whole);
        assert_eq!(m(&p3, &m(&p1, &p2)), whole);
        assert_eq!(m(&m(&p3, &empty), &m(&p2, &p1)), whole);
        // An overflow is an error, never a wrap.
        let big = sums(&["a"], &[(&[0], 0, i64::MAX, 0)]);
        assert!(merge_sums(big.clone(), big).is_err());
        assert_eq!(micro(0.1), Ok(100_000));
        assert_eq!(micro(-12_500.5), Ok(-12_500_500_000));
        assert!(micro(f64::NAN).is_err() && micro(1e13).is_err());
        let mut other = p1.clone();
        other.layout = "test/2".into();
        assert!(merge_sums(other, p2).is_err());
    }

    #[test]
    fn a_partition_keeps_its_journeys_and_only_its_keys() {
        let j = JourneysBuilder::new()
            .path("a > b", 1.0, 0.0, 5.0)
            .path("c", 0.0, 2.0, 0.0)
            .path("b > c", 2.0, 1.0, 3.0)
            .build();
        let p = j.select(&[2, 0]);
        assert_eq!(p.check(), Ok(()));
        assert_eq!(p.keys, vec!["b", "c", "a"]);
        assert_eq!(p.touch_key, vec![0, 1, 2, 0]);
        assert_eq!(p.journey_offsets, vec![0, 2, 4]);
        assert_eq!(
            (p.conversions, p.nulls, p.value),
            (vec![2.0, 1.0], vec![1.0, 0.0], vec![3.0, 5.0])
        );
    }

    #[test]
    fn a_model_sees_only_the_columns_it_asked_for() {
        let j = JourneysBuilder::new()
            .journey(&[("a", 10, FIRST_TOUCH), ("b", 20, 0)], 1.0, 2.0, 30.0, 40)
            .path("c", 0.0, 1.0, 0.0)
            .build();
        let only = j.only(Inputs::NULLS);
        assert_eq!(only.check(), Ok(()));
        assert_eq!((only.len(), only.touches()), (2, 3));
        assert!(only.touch_key.is_empty() && only.touch_time_ms.is_empty());
        assert!(only.touch_flags.is_empty() && only.touch_partner.is_empty());
        assert!(only.partners.is_empty() && only.value.is_empty());
        assert_eq!(only.nulls, vec![2.0, 1.0]);
        let first = only.journey(0);
        // Its length comes from the offsets; unsent touch columns are empty slices, unsent
        // journey values read 0.
        assert_eq!((first.start, first.end, first.len()), (0, 2, 2));
        assert!(first.keys.is_empty() && first.times_ms.is_empty());
        assert_eq!(
            (first.conversions, first.nulls, first.value),
            (1.0, 2.0, 0.0)
        );
        assert_eq!(first.conversion_time_ms, 0);
        let all = j.only(Inputs::ALL);
        assert_eq!(all, j);
    }
}
