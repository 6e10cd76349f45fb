//! The model contract as an embedder sees it, independent of contract versions: every
//! version's bindings convert into these types (`contracts`), so code above the runtime
//! never changes when a contract version is added.

use serde::Serialize;

/// One parameter a plugin accepts, with its default.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ParamSpec {
    /// The key a campaign or `--param` sets it by.
    pub name: String,
    /// What the model uses when nobody sets it, as text (the model parses its own).
    pub default_value: String,
    /// One line for `plugin inspect` and the scaffold's docs.
    pub description: String,
}

/// What a model says about itself at load: its name for reports and pins, what it reads
/// (which decides what is sent and whether paths may be merged), and what it accepts.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ModelInfo {
    /// The name reports credit the results to (`linear`).
    pub name: String,
    /// The model's own version, shown beside its name (`linear@1.2.0`).
    pub version: String,
    /// One line for `plugin inspect`.
    pub description: String,
    /// The parameters it accepts; any other is refused before a call.
    pub params: Vec<ParamSpec>,
    /// The columns the model reads. From `model@0.2.0` on a plugin receives only these; a
    /// `model@0.1.0` plugin receives every column, and declared only `times`,
    /// `milestones` and `nulls` (the others are set as it used them: keys and values).
    pub inputs: Inputs,
    /// Names of the per-key score columns it returns beside the weights (markov's
    /// removal effects), so reports can lay them out before the first call.
    pub key_scores: Vec<String>,
    /// It offers `statistics`, `merge`, `solve` and `weights` (`model@0.4.0` on; never
    /// before): its work splits over partitions of the journeys ([`crate::stats`]).
    pub mergeable: bool,
}

impl ModelInfo {
    /// Touch and conversion times must be real (the host cannot merge or zero them).
    pub fn needs_timestamps(&self) -> bool {
        self.inputs.times
    }

    /// The milestone bits ([`flags`]) must be set on the touches.
    pub fn needs_milestones(&self) -> bool {
        self.inputs.milestones
    }

    /// Journeys with identical paths may be merged into one, counts summed: the model
    /// reads nothing that differs between two journeys with the same keys in order.
    pub fn may_merge_paths(&self) -> bool {
        !self.inputs.times && !self.inputs.milestones && !self.inputs.partners
    }
}

/// The optional journey columns (`inputs` in `wit/model-0.4.0/model.wit`). `keys`,
/// `journey_offsets` and `conversions` are always sent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Inputs {
    /// `touch_key`: which key each touch is.
    pub touch_keys: bool,
    /// `touch_time_ms` and `conversion_time_ms`: rules out merging paths.
    pub times: bool,
    /// `touch_flags`: rules out merging paths.
    pub milestones: bool,
    /// `touch_partner` and `partners`: rules out merging paths.
    pub partners: bool,
    /// `nulls`: non-converting journeys carry information (markov, shapley).
    pub nulls: bool,
    /// `value`: the conversion value.
    pub values: bool,
}

impl Inputs {
    /// Every column: what a `model@0.1.0` plugin is always sent.
    pub const ALL: Inputs = Inputs {
        touch_keys: true,
        times: true,
        milestones: true,
        partners: true,
        nulls: true,
        values: true,
    };

    /// The contract's names of the columns asked for, in the contract's order.
    pub fn names(self) -> Vec<&'static str> {
        [
            (self.touch_keys, "touch-keys"),
            (self.times, "times"),
            (self.milestones, "milestones"),
            (self.partners, "partners"),
            (self.nulls, "nulls"),
            (self.values, "values"),
        ]
        .into_iter()
        .filter_map(|(on, name)| on.then_some(name))
        .collect()
    }
}

/// Milestone bits in [`JourneyColumns::touch_flags`].
pub mod flags {
    /// The journey's first touch (position-based and w-shaped give it a share).
    pub const FIRST_TOUCH: u8 = 1;
    /// The touch that created the lead.
    pub const LEAD_CREATION: u8 = 2;
    /// The touch that created the opportunity.
    pub const OPPORTUNITY_CREATION: u8 = 4;
    /// The touch at which the deal closed (full-path).
    pub const CLOSED_WON: u8 = 8;
}

/// Journeys as columns (see `wit/model-0.4.0/model.wit` for each column's meaning).
///
/// `keys`, `touch_key`, `journey_offsets` and `conversions` are always built. The other
/// columns are full length or empty: empty where the host has no such data (a path table
/// has no times, milestones or partners). The contract adapters send a column a model
/// asked for as zeros when it is empty here (`contracts::lend`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct JourneyColumns {
    /// The dictionary of attribution keys (channels, assets), each once.
    pub keys: Vec<String>,
    /// Partner names, indexed by `touch_partner`.
    pub partners: Vec<String>,
    /// Per touch: an index into `keys`.
    pub touch_key: Vec<u32>,
    /// Per touch: milliseconds since the Unix epoch, UTC.
    pub touch_time_ms: Vec<i64>,
    /// Per touch: milestone bits ([`flags`]).
    pub touch_flags: Vec<u8>,
    /// Per touch: an index into `partners`.
    pub touch_partner: Vec<u32>,
    /// Journeys + 1 entries: journey `i` is touches `offsets[i]..offsets[i + 1]`.
    pub journey_offsets: Vec<u32>,
    /// Per journey: conversions (of every journey merged into this path).
    pub conversions: Vec<f64>,
    /// Per journey: non-conversions, for models that learn from them.
    pub nulls: Vec<f64>,
    /// Per journey: the conversion value.
    pub value: Vec<f64>,
    /// Per journey: when it converted, milliseconds since the Unix epoch, UTC.
    pub conversion_time_ms: Vec<i64>,
}

impl JourneyColumns {
    /// How many journeys (paths) there are.
    pub fn journeys(&self) -> usize {
        self.journey_offsets.len().saturating_sub(1)
    }

    /// How many touches there are, over all journeys.
    pub fn touches(&self) -> usize {
        self.touch_key.len()
    }

    /// The touch range of journey `i`.
    pub fn range(&self, i: usize) -> std::ops::Range<usize> {
        self.journey_offsets[i] as usize..self.journey_offsets[i + 1] as usize
    }

    /// Checks the invariants the contract promises the plugin. The host builds these
    /// columns itself, so a failure here is a host bug; checked before every call all the
    /// same, because a plugin indexing out of bounds would report the wrong culprit.
    pub fn check(&self) -> Result<(), String> {
        self.check_sent(Inputs::ALL)
    }

    /// [`check`](Self::check), with the contents of only the columns that will be `sent`
    /// (a column not sent cannot mislead the model). Lengths and offsets are always
    /// checked.
    ///
    /// The checks read every sent column once, about 50 MB for a million paths: on a
    /// large input the touch columns are checked on a second thread while this one checks
    /// the offsets and the journey columns.
    pub fn check_sent(&self, sent: Inputs) -> Result<(), String> {
        if self.touch_key.len() < TWO_THREADS_FROM || !(sent.touch_keys || sent.partners) {
            return self
                .check_journey_columns(sent)
                .and_then(|()| self.check_touch_columns(sent));
        }
        std::thread::scope(|s| {
            let touches = s.spawn(|| self.check_touch_columns(sent));
            let journeys = self.check_journey_columns(sent);
            journeys.and(touches.join().expect("a pure check does not panic"))
        })
    }

    fn check_touch_columns(&self, sent: Inputs) -> Result<(), String> {
        #[cfg(target_arch = "x86_64")]
        if std::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2, checked just above.
            return unsafe { self.check_touch_columns_avx2(sent) };
        }
        self.check_touch_columns_portable(sent)
    }

    fn check_journey_columns(&self, sent: Inputs) -> Result<(), String> {
        #[cfg(target_arch = "x86_64")]
        if std::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2, checked just above.
            return unsafe { self.check_journey_columns_avx2(sent) };
        }
        self.check_journey_columns_portable(sent)
    }

    /// The same checks compiled for AVX2, where the u32 maxima and f64 compares vectorize.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn check_touch_columns_avx2(&self, sent: Inputs) -> Result<(), String> {
        self.check_touch_columns_portable(sent)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn check_journey_columns_avx2(&self, sent: Inputs) -> Result<(), String> {
        self.check_journey_columns_portable(sent)
    }

    #[inline(always)]
    fn check_touch_columns_portable(&self, sent: Inputs) -> Result<(), String> {
        let max = |v: &[u32]| v.iter().copied().fold(0u32, u32::max) as usize;
        if sent.touch_keys && !self.touch_key.is_empty() && max(&self.touch_key) >= self.keys.len()
        {
            return Err("a touch key is out of range".into());
        }
        if sent.partners
            && !self.touch_partner.is_empty()
            && max(&self.touch_partner) >= self.partners.len()
        {
            return Err("a touch partner is out of range".into());
        }
        Ok(())
    }

    #[inline(always)]
    fn check_journey_columns_portable(&self, sent: Inputs) -> Result<(), String> {
        let t = self.touch_key.len();
        let full_or_empty = |len: usize, n: usize| len == n || len == 0;
        if !full_or_empty(self.touch_time_ms.len(), t)
            || !full_or_empty(self.touch_flags.len(), t)
            || !full_or_empty(self.touch_partner.len(), t)
        {
            return Err("touch columns differ in length".into());
        }
        let n = self.journeys();
        if self.journey_offsets.first() != Some(&0)
            || self.journey_offsets.last().map(|&x| x as usize) != Some(t)
        {
            return Err("journey offsets must start at 0 and end at the touch count".into());
        }
        // Counted, not searched: branch-free passes the compiler vectorizes (these checks
        // run before every model call, over every touch).
        if self
            .journey_offsets
            .windows(2)
            .map(|w| (w[0] > w[1]) as usize)
            .sum::<usize>()
            > 0
        {
            return Err("journey offsets decrease".into());
        }
        if self.conversions.len() != n
            || [
                self.nulls.len(),
                self.value.len(),
                self.conversion_time_ms.len(),
            ]
            .iter()
            .any(|&l| !full_or_empty(l, n))
        {
            return Err("journey columns differ in length".into());
        }
        // A model is promised finite numbers (paths.rs refuses sums past f64::MAX; this
        // catches any other source). Values may be negative: a signed value column is
        // allowed.
        let bad_count = |v: &[f64]| {
            v.iter()
                .map(|x| !(0.0..f64::INFINITY).contains(x) as usize)
                .sum::<usize>()
        };
        if bad_count(&self.conversions) > 0 || (sent.nulls && bad_count(&self.nulls) > 0) {
            return Err("conversions and nulls must be finite and non-negative".into());
        }
        if sent.values
            && self
                .value
                .iter()
                .map(|v| !v.is_finite() as usize)
                .sum::<usize>()
                > 0
        {
            return Err("a journey value is not finite".into());
        }
        Ok(())
    }
}

/// A model's answer, already checked ([`validate_output`]): the runtime never hands an
/// embedder weights that do not add up or text without bounds.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ModelOutput {
    /// One weight per touch; a converting journey's weights sum to 1.
    pub weights: Vec<f64>,
    /// Per-key score columns, named as in [`ModelInfo::key_scores`], one value per key.
    pub scores: Vec<(String, Vec<f64>)>,
    /// Short remarks for the report (at most [`MAX_NOTES`] of [`MAX_NOTE_BYTES`]).
    pub notes: Vec<String>,
    /// The model's internals, for people to read (`model@0.3.0` on; empty before): markov's
    /// transition probabilities, shapley's coalition values. Checked against the
    /// [`table_limits`] bounds; they never change the credit.
    pub tables: Vec<InternalTable>,
}

/// One table of a model's internals (`internal-table` in `wit/model-0.4.0/model.wit`).
/// Once validated: its name and each column's name follow [`is_table_name`], every
/// column has [`InternalTable::rows`] cells, and every number is finite.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct InternalTable {
    /// `transition-probabilities`, `coalition-values`: it names exported files.
    pub name: String,
    /// What a row is, from the model.
    pub description: String,
    /// Its columns, in the model's order (the order they are shown and exported in).
    pub columns: Vec<InternalColumn>,
}

/// One named column of an [`InternalTable`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct InternalColumn {
    /// A CSV header and Parquet field name.
    pub name: String,
    /// Its cells, one per row.
    pub values: ColumnValues,
}

/// A column's cells: all text or all numbers.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ColumnValues {
    /// Text from the plugin: untrusted, shown only through an embedder's sanitizing exits.
    Text(Vec<String>),
    /// Finite numbers.
    Numbers(Vec<f64>),
}

impl ColumnValues {
    /// Its number of cells.
    pub fn len(&self) -> usize {
        match self {
            ColumnValues::Text(v) => v.len(),
            ColumnValues::Numbers(v) => v.len(),
        }
    }

    /// Whether it has no cells.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl InternalTable {
    /// Its number of rows: the length of its columns (equal once validated).
    pub fn rows(&self) -> usize {
        self.columns.first().map_or(0, |c| c.values.len())
    }

    /// The column called `name`.
    pub fn column(&self, name: &str) -> Option<&ColumnValues> {
        self.columns
            .iter()
            .find(|c| c.name == name)
            .map(|c| &c.values)
    }
}

/// Bounds on a model's internal tables: the host prints them, writes them to files and
/// keeps the pipeline model's in report.json, so a hostile model must not make any of that
/// unbounded. Generous for what they are for: shapley's 2¹⁶ − 1 coalitions of 16 keys are
/// 262,140 cells; a markov chain of order 1 over 50 channels is at most 2,652
/// transitions. A model past them should leave the table out and say so in a note.
pub mod table_limits {
    /// Tables in one answer.
    pub const TABLES: usize = 16;
    /// Columns in one table.
    pub const COLUMNS: usize = 16;
    /// Cells over all tables of one answer.
    pub const CELLS: usize = 1_000_000;
    /// Bytes of one text cell.
    pub const CELL_BYTES: usize = 1024;
    /// Bytes of all text cells of one answer together.
    pub const TEXT_BYTES: usize = 16 << 20;
    /// Bytes of a table's or a column's name.
    pub const NAME_BYTES: usize = 64;
    /// Bytes of a table's description.
    pub const DESCRIPTION_BYTES: usize = super::MAX_NOTE_BYTES;
}

/// A table or column name: 1 to 64 lower-case ASCII letters, digits and `-`, starting with
/// a letter. Names become file names, CSV headers and Parquet fields, so they carry no
/// path separator, space, quote or escape to clean.
pub fn is_table_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= table_limits::NAME_BYTES
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// What a table or column name is, as messages say it.
const NAME_RULE: &str = "1 to 64 lower-case letters, digits and '-', starting with a letter";

/// The naming rules of the `i`-th table crossing the contract (a model's internal tables;
/// `model@0.4.0`'s statistics and solutions), `earlier` being the names before it; `kind`
/// is what messages call it (`table`, `internal table`).
pub(crate) fn check_table_name<'a>(
    kind: &str,
    i: usize,
    name: &str,
    mut earlier: impl Iterator<Item = &'a str>,
) -> Result<(), String> {
    if !is_table_name(name) {
        return Err(format!(
            "{kind} {} is named {:?}: a table name is {NAME_RULE}",
            i + 1,
            truncate(name, 64)
        ));
    }
    if earlier.any(|e| e == name) {
        return Err(format!("two {kind}s are named `{name}`"));
    }
    Ok(())
}

/// The shape rules of table `name`'s columns, given as (name, rows): 1 to `max` of them,
/// each well named, once, and as long as the first. Returns the rows.
pub(crate) fn check_columns(
    kind: &str,
    name: &str,
    columns: &[(&str, usize)],
    max: usize,
) -> Result<usize, String> {
    if columns.is_empty() || columns.len() > max {
        return Err(format!(
            "{kind} `{name}` has {} columns (1 to {max})",
            columns.len()
        ));
    }
    let rows = columns[0].1;
    for (j, &(col, n)) in columns.iter().enumerate() {
        if !is_table_name(col) {
            return Err(format!(
                "column {} of {kind} `{name}` is named {:?}: a column name is {NAME_RULE}",
                j + 1,
                truncate(col, 64)
            ));
        }
        if columns[..j].iter().any(|d| d.0 == col) {
            return Err(format!("{kind} `{name}` has two columns named `{col}`"));
        }
        if n != rows {
            return Err(format!(
                "{kind} `{name}`: column `{col}` has {n} rows where column `{}` has {rows}",
                columns[0].0
            ));
        }
    }
    Ok(rows)
}

/// Checks a model's internal tables against the contract and [`table_limits`].
pub fn validate_tables(tables: &[InternalTable]) -> Result<(), String> {
    use table_limits as lim;
    if tables.len() > lim::TABLES {
        return Err(format!(
            "{} internal tables (at most {})",
            tables.len(),
            lim::TABLES
        ));
    }
    let (mut cells, mut text) = (0usize, 0usize);
    for (i, t) in tables.iter().enumerate() {
        let name = &t.name;
        check_table_name(
            "internal table",
            i,
            name,
            tables[..i].iter().map(|u| u.name.as_str()),
        )?;
        if t.description.len() > lim::DESCRIPTION_BYTES {
            return Err(format!(
                "the description of internal table `{name}` has {} bytes (at most {})",
                t.description.len(),
                lim::DESCRIPTION_BYTES
            ));
        }
        let shape: Vec<(&str, usize)> = t
            .columns
            .iter()
            .map(|c| (c.name.as_str(), c.values.len()))
            .collect();
        let rows = check_columns("internal table", name, &shape, lim::COLUMNS)?;
        for c in &t.columns {
            let col = &c.name;
            cells = cells.saturating_add(rows);
            if cells > lim::CELLS {
                return Err(format!(
                    "the internal tables hold more than {} cells",
                    lim::CELLS
                ));
            }
            match &c.values {
                ColumnValues::Numbers(v) => {
                    if let Some(r) = v.iter().position(|x| !x.is_finite()) {
                        return Err(format!(
                            "internal table `{name}`: column `{col}` row {} is {}; numbers must be finite",
                            r + 1,
                            v[r]
                        ));
                    }
                }
                ColumnValues::Text(v) => {
                    for (r, s) in v.iter().enumerate() {
                        if s.len() > lim::CELL_BYTES {
                            return Err(format!(
                                "internal table `{name}`: column `{col}` row {} has {} bytes (at most {} a cell)",
                                r + 1,
                                s.len(),
                                lim::CELL_BYTES
                            ));
                        }
                        text += s.len();
                    }
                    if text > lim::TEXT_BYTES {
                        return Err(format!(
                            "the internal tables' text cells take more than {} MiB",
                            lim::TEXT_BYTES >> 20
                        ));
                    }
                }
            }
        }
    }
    Ok(())
}

/// Bounds on what a model may return beyond the weights, so a hostile plugin cannot make
/// the host store or print unbounded text.
pub const MAX_NOTES: usize = 64;
/// The longest note, in bytes.
pub const MAX_NOTE_BYTES: usize = 2048;
/// The most score columns a model may return.
pub const MAX_SCORE_COLUMNS: usize = 16;

/// Largest allowed |Σ weights − 1| for a converting journey. Models promise 1e-9; the host
/// accepts float noise up to 1e-6 and then allocates exactly with largest remainders.
pub const WEIGHT_SUM_TOLERANCE: f64 = 1e-6;

/// From this many weights on, the checks of a model's answer run on two threads: below
/// it a thread costs more than it saves (spawning one is tens of microseconds; checking
/// a million weights takes about two milliseconds).
const TWO_THREADS_FROM: usize = 1 << 20;

const INF_BITS: u64 = 0x7FF0_0000_0000_0000;
const NEG_ZERO_BITS: u64 = 1 << 63;

fn sums_to_one(w: &[f64]) -> bool {
    (w.iter().sum::<f64>() - 1.0).abs() <= WEIGHT_SUM_TOLERANCE
}

/// The number of weights that are not finite and non-negative.
fn count_bad(w: &[f64]) -> usize {
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2, checked just above.
        return unsafe { count_bad_avx2(w) };
    }
    count_bad_portable(w)
}

#[inline(always)]
fn count_bad_portable(w: &[f64]) -> usize {
    w.iter()
        .map(|&x| {
            let b = x.to_bits();
            ((b >= INF_BITS) & (b != NEG_ZERO_BITS)) as usize
        })
        .sum()
}

/// The same count compiled for AVX2, where 64-bit compares vectorize (2.0 ms against
/// 5.3 ms for 6.6M weights on this machine; the portable build targets SSE2).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn count_bad_avx2(w: &[f64]) -> usize {
    count_bad_portable(w)
}

/// What one pass over some journeys' weights found.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Scan {
    /// Weights that are not finite and non-negative.
    bad_weights: usize,
    /// The first converting journey whose weights do not sum to 1.
    first_bad_sum: Option<usize>,
}

impl Scan {
    /// This scan and one of the journeys after it.
    fn and(self, later: Scan) -> Scan {
        Scan {
            bad_weights: self.bad_weights + later.bad_weights,
            first_bad_sum: self.first_bad_sum.or(later.first_bad_sum),
        }
    }
}

/// Journeys per block of [`scan`]: about 3,000 weights (24 KiB) at the lengths seen in path
/// tables and campaigns, so the sums re-read weights the bit count just brought into L1.
const SCAN_BLOCK: usize = 512;

/// Checks `journeys`' weights block by block: first the bits of the block's weights (a
/// contiguous run, counted with AVX2 where the CPU has it), then each journey's sum while
/// the block is still in cache. Two separate passes over the whole answer read it from
/// memory twice, and the answer is larger than the caches (53 MB for a million paths).
fn scan(
    weights: &[f64],
    offsets: &[u32],
    conversions: &[f64],
    journeys: std::ops::Range<usize>,
) -> Scan {
    let mut found = Scan {
        bad_weights: 0,
        first_bad_sum: None,
    };
    let mut j = journeys.start;
    while j < journeys.end {
        let end = (j + SCAN_BLOCK).min(journeys.end);
        found.bad_weights += count_bad(&weights[offsets[j] as usize..offsets[end] as usize]);
        if found.first_bad_sum.is_none() {
            found.first_bad_sum = (j..end).find(|&k| {
                let w = &weights[offsets[k] as usize..offsets[k + 1] as usize];
                conversions[k] > 0.0 && !w.is_empty() && !sums_to_one(w)
            });
        }
        j = end;
    }
    found
}

/// Checks a model's answer against the contract before anything uses it.
pub fn validate_output(
    input: &JourneyColumns,
    out: &ModelOutput,
    info: &ModelInfo,
) -> Result<(), String> {
    if out.weights.len() != input.touches() {
        return Err(format!(
            "{} weights for {} touches",
            out.weights.len(),
            input.touches()
        ));
    }
    // A weight is finite and non-negative exactly when its bits, read as an unsigned
    // integer, are below those of +∞ (or it is -0.0): one integer compare per weight,
    // counted without a branch so it vectorizes. The sums are checked for converting
    // journeys only. Both checks read the weights in one pass, block by block (see
    // `scan`), and a large answer is scanned on two threads, half the journeys each.
    let offsets = &input.journey_offsets;
    let n = input.conversions.len();
    let scan_all = |journeys: std::ops::Range<usize>| {
        scan(&out.weights, offsets, &input.conversions, journeys)
    };
    let found = if out.weights.len() >= TWO_THREADS_FROM {
        let mid = n / 2;
        std::thread::scope(|s| {
            let second = s.spawn(|| scan_all(mid..n));
            let first = scan_all(0..mid);
            first.and(second.join().expect("a pure scan does not panic"))
        })
    } else {
        scan_all(0..n)
    };
    if found.bad_weights > 0 {
        let ok = |w: f64| (0.0..f64::INFINITY).contains(&w);
        let (i, w) = out
            .weights
            .iter()
            .enumerate()
            .find(|(_, w)| !ok(**w))
            .unwrap();
        return Err(format!(
            "weight {i} is {w}: weights must be finite and non-negative"
        ));
    }
    if let Some(j) = found.first_bad_sum {
        let sum: f64 = out.weights[offsets[j] as usize..offsets[j + 1] as usize]
            .iter()
            .sum();
        return Err(format!(
            "the weights of converting journey {j} sum to {sum}, not 1"
        ));
    }
    if out.scores.len() > MAX_SCORE_COLUMNS {
        return Err(format!(
            "{} score columns (at most {MAX_SCORE_COLUMNS})",
            out.scores.len()
        ));
    }
    for (name, values) in &out.scores {
        if !info.key_scores.iter().any(|k| k == name) {
            return Err(format!(
                "score column `{}` is not declared in its info",
                truncate(name, 64)
            ));
        }
        if values.len() != input.keys.len() {
            return Err(format!(
                "score column `{name}` has {} values for {} keys",
                values.len(),
                input.keys.len()
            ));
        }
        if values.iter().any(|v| !v.is_finite()) {
            return Err(format!(
                "score column `{name}` holds a value that is not finite"
            ));
        }
    }
    if out.notes.len() > MAX_NOTES || out.notes.iter().any(|n| n.len() > MAX_NOTE_BYTES) {
        return Err(format!(
            "notes exceed {MAX_NOTES} entries of {MAX_NOTE_BYTES} bytes"
        ));
    }
    validate_tables(&out.tables)
}

/// `s` cut to at most `n` bytes at a character boundary, with `…` when cut: how a
/// plugin's own messages are bounded before they reach an error.
pub fn truncate(s: &str, n: usize) -> String {
    if s.len() <= n {
        return s.to_string();
    }
    let mut end = n;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one_journey() -> JourneyColumns {
        JourneyColumns {
            keys: vec!["a".into()],
            partners: vec!["p".into()],
            touch_key: vec![0],
            touch_time_ms: vec![0],
            touch_flags: vec![0],
            touch_partner: vec![0],
            journey_offsets: vec![0, 1],
            conversions: vec![1.0],
            nulls: vec![0.0],
            value: vec![-5.0],
            conversion_time_ms: vec![0],
        }
    }

    #[test]
    fn journeys_with_numbers_a_model_cannot_use_are_refused() {
        assert_eq!(one_journey().check(), Ok(()), "a negative value is allowed");
        for (conversions, nulls, value, want) in [
            (
                f64::INFINITY,
                0.0,
                1.0,
                "conversions and nulls must be finite and non-negative",
            ),
            (
                1.0,
                f64::NAN,
                1.0,
                "conversions and nulls must be finite and non-negative",
            ),
            (
                -1.0,
                0.0,
                1.0,
                "conversions and nulls must be finite and non-negative",
            ),
            (1.0, 0.0, f64::NEG_INFINITY, "a journey value is not finite"),
        ] {
            let mut j = one_journey();
            (j.conversions[0], j.nulls[0], j.value[0]) = (conversions, nulls, value);
            assert_eq!(j.check(), Err(want.to_string()));
        }
    }
}

#[cfg(test)]
mod weight_check_tests {
    use super::*;

    #[test]
    fn the_bit_test_accepts_exactly_the_finite_non_negative_weights() {
        let ok = |w: f64| (0.0..f64::INFINITY).contains(&w);
        let specials = [
            0.0,
            -0.0,
            f64::MIN_POSITIVE,
            f64::MIN_POSITIVE / 2.0, // subnormal
            1.0,
            f64::MAX,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            -f64::NAN,
            -1e-300,
            -1.0,
            f64::from_bits(INF_BITS + 1), // a signalling NaN
        ];
        for w in specials {
            assert_eq!(count_bad(&[w]) == 0, ok(w), "{w:?} ({:#x})", w.to_bits());
            assert_eq!(count_bad_portable(&[w]) == 0, ok(w), "{w:?}");
        }
        // Counted over a long answer of two-touch journeys: block by block, in either
        // half, and with the first bad weight named.
        let journeys = TWO_THREADS_FROM / 2 + 2;
        let offsets: Vec<u32> = (0..=journeys as u32).map(|j| 2 * j).collect();
        let conversions = vec![1.0; journeys];
        let mut w = vec![0.5; 2 * journeys];
        w[7] = f64::NAN;
        w[TWO_THREADS_FROM] = -2.0;
        w[TWO_THREADS_FROM + 2] = f64::INFINITY;
        assert_eq!(count_bad_portable(&w), 3);
        let whole = scan(&w, &offsets, &conversions, 0..journeys);
        assert_eq!(whole.bad_weights, 3);
        let mid = journeys / 2;
        assert_eq!(
            scan(&w, &offsets, &conversions, 0..mid).and(scan(
                &w,
                &offsets,
                &conversions,
                mid..journeys
            )),
            whole
        );
        let input = JourneyColumns {
            keys: vec!["a".into()],
            touch_key: vec![0; w.len()],
            journey_offsets: offsets,
            conversions,
            ..Default::default()
        };
        let out = ModelOutput {
            weights: w,
            ..Default::default()
        };
        assert_eq!(
            validate_output(&input, &out, &info()),
            Err("weight 7 is NaN: weights must be finite and non-negative".into())
        );
    }

    fn info() -> ModelInfo {
        ModelInfo {
            name: "t".into(),
            version: "0".into(),
            description: String::new(),
            params: vec![],
            inputs: Inputs::default(),
            key_scores: vec![],
            mergeable: false,
        }
    }

    #[test]
    fn a_bad_sum_is_found_in_either_half() {
        // 2^20 + 2 one-touch journeys, all converting: large enough for two threads.
        let n = TWO_THREADS_FROM + 2;
        let input = JourneyColumns {
            keys: vec!["a".into()],
            touch_key: vec![0; n],
            journey_offsets: (0..=n as u32).collect(),
            conversions: vec![1.0; n],
            ..Default::default()
        };
        let info = info();
        assert_eq!(input.check(), Ok(()));
        // The column checks of an input this large run on two threads; the journey
        // columns' failure is still the one named first.
        let mut bad = input.clone();
        bad.touch_key[n - 1] = 1;
        assert_eq!(bad.check(), Err("a touch key is out of range".into()));
        bad.conversions[0] = f64::NAN;
        assert_eq!(
            bad.check(),
            Err("conversions and nulls must be finite and non-negative".into())
        );
        let mut out = ModelOutput {
            weights: vec![1.0; n],
            ..Default::default()
        };
        assert_eq!(validate_output(&input, &out, &info), Ok(()));
        for j in [3, n - 1] {
            out.weights[j] = 0.5;
            assert_eq!(
                validate_output(&input, &out, &info),
                Err(format!(
                    "the weights of converting journey {j} sum to 0.5, not 1"
                ))
            );
            out.weights[j] = 1.0;
        }
        // Two bad ones: the first is named, whichever thread found it.
        out.weights[n - 1] = 0.25;
        out.weights[5] = 0.75;
        assert_eq!(
            validate_output(&input, &out, &info),
            Err("the weights of converting journey 5 sum to 0.75, not 1".into())
        );
    }
}

#[cfg(test)]
mod table_check_tests {
    use super::*;

    fn table(name: &str, columns: Vec<(&str, ColumnValues)>) -> InternalTable {
        InternalTable {
            name: name.into(),
            description: "what a row is".into(),
            columns: columns
                .into_iter()
                .map(|(n, values)| InternalColumn {
                    name: n.into(),
                    values,
                })
                .collect(),
        }
    }

    fn text(cells: &[&str]) -> ColumnValues {
        ColumnValues::Text(cells.iter().map(|s| s.to_string()).collect())
    }

    fn good() -> InternalTable {
        table(
            "transition-probabilities",
            vec![
                ("from-state", text(&["(start)", "a"])),
                ("to-state", text(&["a", "(conversion)"])),
                ("probability", ColumnValues::Numbers(vec![1.0, 0.5])),
            ],
        )
    }

    #[test]
    fn tables_within_the_contract_pass() {
        assert_eq!(validate_tables(&[]), Ok(()));
        assert_eq!(validate_tables(&[good()]), Ok(()));
        assert_eq!(good().rows(), 2);
        let empty = table("chain", vec![("order", ColumnValues::Numbers(vec![]))]);
        assert_eq!(validate_tables(&[good(), empty]), Ok(()), "no rows is fine");
        for ok in ["a", "coalition-values", "x9-2"] {
            assert!(is_table_name(ok), "{ok}");
        }
        for bad in [
            "",
            "A",
            "9a",
            "a b",
            "a_b",
            "../x",
            "a/b",
            "é",
            &"a".repeat(65),
        ] {
            assert!(!is_table_name(bad), "{bad}");
        }
    }

    #[test]
    fn each_broken_rule_is_named() {
        let mut ragged = good();
        ragged.columns[2].values = ColumnValues::Numbers(vec![1.0]);
        let mut nan = good();
        nan.columns[2].values = ColumnValues::Numbers(vec![0.5, f64::NAN]);
        let mut dup_col = good();
        dup_col.columns[1].name = "from-state".into();
        let mut long_cell = good();
        long_cell.columns[0].values = text(&["a", &"x".repeat(1025)]);
        let mut long_description = good();
        long_description.description = "d".repeat(2049);
        let cases: Vec<(Vec<InternalTable>, &str)> = vec![
            (
                vec![ragged],
                "internal table `transition-probabilities`: column `probability` has 1 rows where column `from-state` has 2",
            ),
            (
                vec![nan],
                "internal table `transition-probabilities`: column `probability` row 2 is NaN; numbers must be finite",
            ),
            (
                vec![dup_col],
                "internal table `transition-probabilities` has two columns named `from-state`",
            ),
            (
                vec![good(), good()],
                "two internal tables are named `transition-probabilities`",
            ),
            (
                vec![table("../../etc", vec![("a", text(&[]))])],
                "internal table 1 is named \"../../etc\": a table name is 1 to 64 lower-case letters, digits and '-', starting with a letter",
            ),
            (
                vec![table("t", vec![("From State", text(&[]))])],
                "column 1 of internal table `t` is named \"From State\": a column name is 1 to 64 lower-case letters, digits and '-', starting with a letter",
            ),
            (
                vec![table("t", vec![])],
                "internal table `t` has 0 columns (1 to 16)",
            ),
            (
                vec![long_cell],
                "internal table `transition-probabilities`: column `from-state` row 2 has 1025 bytes (at most 1024 a cell)",
            ),
            (
                vec![long_description],
                "the description of internal table `transition-probabilities` has 2049 bytes (at most 2048)",
            ),
            (
                (0..17)
                    .map(|i| table(&format!("t{i}"), vec![("a", text(&[]))]))
                    .collect(),
                "17 internal tables (at most 16)",
            ),
            (
                vec![table(
                    "big",
                    vec![
                        ("a", ColumnValues::Numbers(vec![0.0; 500_001])),
                        ("b", ColumnValues::Numbers(vec![0.0; 500_001])),
                    ],
                )],
                "the internal tables hold more than 1000000 cells",
            ),
        ];
        for (tables, want) in cases {
            assert_eq!(validate_tables(&tables), Err(want.to_string()));
        }
        // 16,384 cells of 1,024 bytes fill the 16 MiB of text; one byte more is refused.
        let mut cells = vec!["x".repeat(1024); 16 * 1024];
        let fits = table("t", vec![("a", ColumnValues::Text(cells.clone()))]);
        assert_eq!(validate_tables(&[fits]), Ok(()));
        cells.push("y".into());
        let over = table("t", vec![("a", ColumnValues::Text(cells))]);
        assert_eq!(
            validate_tables(&[over]),
            Err("the internal tables' text cells take more than 16 MiB".into())
        );
    }
}
