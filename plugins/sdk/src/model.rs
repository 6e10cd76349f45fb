//! Attribution models: implement [`Model`], export with [`crate::export_model!`].

use crate::params::{ParamSpec, Params};

/// The raw contract bindings (`ascribe:model@0.3.0`). Plugin authors do not need them.
#[doc(hidden)]
pub mod bindings {
    wit_bindgen::generate!({
        path: "../../wit/model-0.3.0",
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
pub fn wit_info<M: Model>() -> wit::PluginInfo {
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
    }
}

#[doc(hidden)]
pub fn wit_attribute<M: Model>(
    input: wit::Journeys,
    params: Vec<(String, String)>,
) -> Result<wit::AttributionOutput, wit::ModelError> {
    let j = Journeys {
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
    };
    let p = Params::resolve(&M::info().params, &params).map_err(wit::ModelError::InvalidParam)?;
    match M::attribute(&j, &p) {
        Ok(o) => Ok(wit::AttributionOutput {
            weights: o.weights,
            scores: o
                .scores
                .into_iter()
                .map(|(name, values)| wit::ScoreColumn { name, values })
                .collect(),
            notes: o.notes,
            tables: o
                .tables
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
                .collect(),
        }),
        Err(ModelError::InvalidParam(s)) => Err(wit::ModelError::InvalidParam(s)),
        Err(ModelError::UnsupportedInput(s)) => Err(wit::ModelError::UnsupportedInput(s)),
        Err(ModelError::Failed(s)) => Err(wit::ModelError::Failed(s)),
    }
}

/// Exports a [`Model`] implementation as the plugin's `ascribe:model@0.3.0` world.
///
/// ```ignore
/// struct Linear;
/// impl ascribe_sdk::model::Model for Linear { /* … */ }
/// ascribe_sdk::export_model!(Linear);
/// ```
#[macro_export]
macro_rules! export_model {
    ($ty:ty) => {
        #[doc(hidden)]
        pub struct __AscribeModelExport;
        impl $crate::model::bindings::exports::ascribe::model::attribution::Guest for __AscribeModelExport {
            fn info() -> $crate::model::bindings::exports::ascribe::model::attribution::PluginInfo {
                $crate::model::wit_info::<$ty>()
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
