//! Sufficient statistics and solutions (`model@0.4.0`): what a data-driven model computes
//! per partition of the journeys ([`Stats`]), merges, and solves once ([`Solution`]),
//! in the runtime's terms whatever the contract version, and the checks every one of them
//! passes before an embedder sees it ([`validate_stats`], [`validate_solution`]).
//!
//! Statistics are exact: integers (micro-units, [`SCALE`]) summed as `i64`, names sorted
//! before they are numbered and rows sorted by their key, so one set of journeys has one
//! statistics value whatever the partitioning (`shared/design/statistics.md`). The checks
//! here hold a model to the shape of that rule; the model holds itself to the sums.

use crate::model::{
    InternalTable, MAX_NOTE_BYTES, MAX_NOTES, check_columns, check_table_name, truncate,
    validate_tables,
};

/// Micro-units: conversions, nulls and values are counted as `round(x × SCALE)` of each
/// journey's f64 and summed as `i64`. 1 conversion is 1,000,000; the largest sum is
/// `i64::MAX` micro-units, about 9.2 × 10¹² units.
pub const SCALE: i64 = 1_000_000;

/// Bounds on one statistics or solution value. The host moves statistics between
/// partitions and merges them, so a hostile model must not make them unbounded.
pub mod stat_limits {
    /// Tables in one value.
    pub const TABLES: usize = 16;
    /// Columns in one table.
    pub const COLUMNS: usize = 16;
    /// Cells over all tables (a `names` cell counts its items and one more): 128 MiB of
    /// integers.
    pub const CELLS: usize = 1 << 24;
    /// Bytes of one name.
    pub const NAME_BYTES: usize = 64 << 10;
    /// Bytes of all names together.
    pub const NAMES_BYTES: usize = 64 << 20;
    /// Bytes of the layout.
    pub const LAYOUT_BYTES: usize = 256;
}

/// A partition's sufficient statistics (`stats` in `wit/model-0.4.0/model.wit`). Once
/// validated: `names` sorted and unique, every table within [`stat_limits`], its columns of
/// one length, rows sorted and unique by their key, counts non-negative, no floats.
/// Equal statistics are equal bytes: `==` is what "the same statistics" means.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Stats {
    /// What the tables are (`markov/1 order=2`); only equal layouts merge.
    pub layout: String,
    /// The dictionary every `Name`/`Names` cell indexes, sorted by bytes, unique.
    pub names: Vec<String>,
    /// The tables, in the model's order.
    pub tables: Vec<StatTable>,
}

/// One table of statistics or of a solution.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StatTable {
    /// A table name ([`is_table_name`](crate::model::is_table_name)).
    pub name: String,
    /// Its columns; the `Name`/`Names` ones are the row's key.
    pub columns: Vec<StatColumn>,
}

/// One named column.
#[derive(Clone, Debug, PartialEq)]
pub struct StatColumn {
    /// A column name ([`is_table_name`](crate::model::is_table_name)).
    pub name: String,
    /// Its cells.
    pub cells: StatCells,
}

/// A column's cells (`stat-cells` in the contract).
#[derive(Clone, Debug, PartialEq)]
pub enum StatCells {
    /// Per row, an index into the names.
    Name(Vec<u32>),
    /// Per row, a sequence of indices into the names: row `i` is
    /// `items[offsets[i]..offsets[i + 1]]`.
    Names {
        /// Rows + 1 entries, from 0 to `items.len()`, never decreasing.
        offsets: Vec<u32>,
        /// Every row's indices, one after the other.
        items: Vec<u32>,
    },
    /// Per row, a non-negative integer (micro-units or a plain count).
    Count(Vec<i64>),
    /// Per row, a signed integer in micro-units.
    Amount(Vec<i64>),
    /// Per row, a finite float: solutions only.
    Number(Vec<f64>),
}

impl StatCells {
    /// Its number of rows.
    pub fn rows(&self) -> usize {
        match self {
            StatCells::Name(v) => v.len(),
            StatCells::Names { offsets, .. } => offsets.len().saturating_sub(1),
            StatCells::Count(v) | StatCells::Amount(v) => v.len(),
            StatCells::Number(v) => v.len(),
        }
    }

    /// The contract's name of its kind, for messages.
    pub fn kind(&self) -> &'static str {
        match self {
            StatCells::Name(_) => "name",
            StatCells::Names { .. } => "names",
            StatCells::Count(_) => "count",
            StatCells::Amount(_) => "amount",
            StatCells::Number(_) => "number",
        }
    }

    fn is_key(&self) -> bool {
        matches!(self, StatCells::Name(_) | StatCells::Names { .. })
    }
}

impl StatTable {
    /// Its number of rows (equal for every column once validated).
    pub fn rows(&self) -> usize {
        self.columns.first().map_or(0, |c| c.cells.rows())
    }

    /// The column called `name`.
    pub fn column(&self, name: &str) -> Option<&StatCells> {
        self.columns
            .iter()
            .find(|c| c.name == name)
            .map(|c| &c.cells)
    }
}

impl Stats {
    /// The table called `name`.
    pub fn table(&self, name: &str) -> Option<&StatTable> {
        self.tables.iter().find(|t| t.name == name)
    }
}

/// What `solve` returns (`solution` in the contract): tables like [`Stats`]' (floats
/// allowed), and the notes and internal tables every partition's answer carries.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Solution {
    /// The layout of the statistics it was solved from.
    pub layout: String,
    /// Sorted and unique, as in [`Stats`].
    pub names: Vec<String>,
    /// What `weights` reads.
    pub tables: Vec<StatTable>,
    /// As [`crate::model::ModelOutput::notes`].
    pub notes: Vec<String>,
    /// As [`crate::model::ModelOutput::tables`].
    pub internals: Vec<InternalTable>,
}

/// Checks statistics (from `statistics` or `merge`) against the contract.
pub fn validate_stats(s: &Stats) -> Result<(), String> {
    check_layout(&s.layout)?;
    check_names(&s.names)?;
    check_tables(&s.names, &s.tables, false)
}

/// Checks a solution against the contract: its tables as statistics' (floats allowed),
/// its notes and internal tables as an answer's.
pub fn validate_solution(s: &Solution) -> Result<(), String> {
    check_layout(&s.layout)?;
    check_names(&s.names)?;
    check_tables(&s.names, &s.tables, true)?;
    if s.notes.len() > MAX_NOTES || s.notes.iter().any(|n| n.len() > MAX_NOTE_BYTES) {
        return Err(format!(
            "notes exceed {MAX_NOTES} entries of {MAX_NOTE_BYTES} bytes"
        ));
    }
    validate_tables(&s.internals)
}

fn check_layout(layout: &str) -> Result<(), String> {
    if layout.is_empty()
        || layout.len() > stat_limits::LAYOUT_BYTES
        || !layout.bytes().all(|b| (b' '..=b'~').contains(&b))
    {
        return Err(format!(
            "the layout {:?} is not 1 to {} bytes of printable ASCII",
            truncate(layout, 64),
            stat_limits::LAYOUT_BYTES
        ));
    }
    Ok(())
}

fn check_names(names: &[String]) -> Result<(), String> {
    let mut bytes = 0usize;
    for (i, n) in names.iter().enumerate() {
        if n.len() > stat_limits::NAME_BYTES {
            return Err(format!(
                "name {i} has {} bytes (at most {})",
                n.len(),
                stat_limits::NAME_BYTES
            ));
        }
        bytes += n.len();
        if i > 0 && names[i - 1].as_bytes() >= n.as_bytes() {
            return Err(format!(
                "the names are not sorted and unique: name {} is {:?}, name {i} is {:?}",
                i - 1,
                truncate(&names[i - 1], 64),
                truncate(n, 64)
            ));
        }
    }
    if bytes > stat_limits::NAMES_BYTES {
        return Err(format!(
            "the names take {bytes} bytes (at most {})",
            stat_limits::NAMES_BYTES
        ));
    }
    Ok(())
}

/// The key of row `r`, compared column by column.
fn cmp_keys(keys: &[&StatCells], a: usize, b: usize) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    for k in keys {
        let o = match k {
            StatCells::Name(v) => v[a].cmp(&v[b]),
            StatCells::Names { offsets, items } => {
                let row = |r: usize| &items[offsets[r] as usize..offsets[r + 1] as usize];
                row(a).cmp(row(b))
            }
            _ => Ordering::Equal,
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    Ordering::Equal
}

fn check_tables(names: &[String], tables: &[StatTable], floats: bool) -> Result<(), String> {
    use stat_limits as lim;
    if tables.len() > lim::TABLES {
        return Err(format!("{} tables (at most {})", tables.len(), lim::TABLES));
    }
    let n = names.len();
    let mut cells = 0usize;
    for (i, t) in tables.iter().enumerate() {
        let name = &t.name;
        check_table_name(
            "table",
            i,
            name,
            tables[..i].iter().map(|u| u.name.as_str()),
        )?;
        let shape: Vec<(&str, usize)> = t
            .columns
            .iter()
            .map(|c| (c.name.as_str(), c.cells.rows()))
            .collect();
        let rows = check_columns("table", name, &shape, lim::COLUMNS)?;
        for c in &t.columns {
            let col = &c.name;
            let size = match &c.cells {
                StatCells::Names { items, .. } => rows + items.len(),
                _ => rows,
            };
            cells = cells.saturating_add(size);
            if cells > lim::CELLS {
                return Err(format!("the tables hold more than {} cells", lim::CELLS));
            }
            let out_of_range = |v: &[u32]| v.iter().position(|&x| x as usize >= n);
            match &c.cells {
                StatCells::Name(v) => {
                    if let Some(r) = out_of_range(v) {
                        return Err(format!(
                            "table `{name}`: column `{col}` row {} names index {}, but there are {n} names",
                            r + 1,
                            v[r]
                        ));
                    }
                }
                StatCells::Names { offsets, items } => {
                    if offsets.first() != Some(&0)
                        || offsets.last().map(|&e| e as usize) != Some(items.len())
                        || offsets.windows(2).any(|w| w[0] > w[1])
                    {
                        return Err(format!(
                            "table `{name}`: column `{col}`'s offsets do not run from 0 to its {} items without decreasing",
                            items.len()
                        ));
                    }
                    if let Some(p) = out_of_range(items) {
                        let r = offsets.partition_point(|&o| o as usize <= p);
                        return Err(format!(
                            "table `{name}`: column `{col}` row {r} names index {}, but there are {n} names",
                            items[p]
                        ));
                    }
                }
                StatCells::Count(v) => {
                    if let Some(r) = v.iter().position(|&x| x < 0) {
                        return Err(format!(
                            "table `{name}`: column `{col}` row {} is {}; a count is never negative",
                            r + 1,
                            v[r]
                        ));
                    }
                }
                StatCells::Amount(_) => {}
                StatCells::Number(v) => {
                    if !floats {
                        return Err(format!(
                            "table `{name}`: column `{col}` holds floats; statistics are integers, so that sums are exact"
                        ));
                    }
                    if let Some(r) = v.iter().position(|x| !x.is_finite()) {
                        return Err(format!(
                            "table `{name}`: column `{col}` row {} is {}; numbers must be finite",
                            r + 1,
                            v[r]
                        ));
                    }
                }
            }
        }
        let keys: Vec<&StatCells> = t
            .columns
            .iter()
            .map(|c| &c.cells)
            .filter(|c| c.is_key())
            .collect();
        if keys.is_empty() {
            if rows > 1 {
                return Err(format!(
                    "table `{name}` has {rows} rows and no key column (name or names); at most one"
                ));
            }
        } else if let Some(r) = (1..rows).find(|&r| cmp_keys(&keys, r - 1, r).is_ge()) {
            return Err(format!(
                "table `{name}`: row {} does not come after row {r} in key order (rows are sorted by their key, each key once)",
                r + 1
            ));
        }
    }
    Ok(())
}

/// Why two statistics cannot be merged or solved together, if they cannot: their layouts
/// differ.
pub fn same_layout(a: &str, b: &str) -> Result<(), String> {
    if a == b {
        Ok(())
    } else {
        Err(format!(
            "statistics of layout {:?} and {:?} cannot be merged",
            truncate(a, 64),
            truncate(b, 64)
        ))
    }
}

/// Statistics and solutions as bytes, to move them between processes (a cluster's
/// executors and driver): a canonical, versioned, little-endian encoding, so equal values
/// are equal bytes and "byte-identical statistics" is literal. Decoding checks the bytes
/// and then the contract's rules, like an answer from a plugin.
pub mod bytes {
    use super::{Solution, StatCells, StatColumn, StatTable, Stats};
    use crate::model::{ColumnValues, InternalColumn, InternalTable};

    const STATS: &[u8; 8] = b"ASTATS\x01\n";
    const SOLUTION: &[u8; 8] = b"ASOLVE\x01\n";

    struct W(Vec<u8>);

    impl W {
        fn n(&mut self, x: usize) {
            self.0.extend_from_slice(&(x as u64).to_le_bytes());
        }
        fn s(&mut self, x: &str) {
            self.n(x.len());
            self.0.extend_from_slice(x.as_bytes());
        }
        fn strs(&mut self, v: &[String]) {
            self.n(v.len());
            v.iter().for_each(|x| self.s(x));
        }
        fn u32s(&mut self, v: &[u32]) {
            self.n(v.len());
            v.iter()
                .for_each(|x| self.0.extend_from_slice(&x.to_le_bytes()));
        }
        fn i64s(&mut self, v: &[i64]) {
            self.n(v.len());
            v.iter()
                .for_each(|x| self.0.extend_from_slice(&x.to_le_bytes()));
        }
        fn f64s(&mut self, v: &[f64]) {
            self.n(v.len());
            v.iter()
                .for_each(|x| self.0.extend_from_slice(&x.to_bits().to_le_bytes()));
        }
        fn tables(&mut self, tables: &[StatTable]) {
            self.n(tables.len());
            for t in tables {
                self.s(&t.name);
                self.n(t.columns.len());
                for c in &t.columns {
                    self.s(&c.name);
                    match &c.cells {
                        StatCells::Name(v) => {
                            self.0.push(0);
                            self.u32s(v);
                        }
                        StatCells::Names { offsets, items } => {
                            self.0.push(1);
                            self.u32s(offsets);
                            self.u32s(items);
                        }
                        StatCells::Count(v) => {
                            self.0.push(2);
                            self.i64s(v);
                        }
                        StatCells::Amount(v) => {
                            self.0.push(3);
                            self.i64s(v);
                        }
                        StatCells::Number(v) => {
                            self.0.push(4);
                            self.f64s(v);
                        }
                    }
                }
            }
        }
    }

    struct R<'a>(&'a [u8]);

    impl R<'_> {
        fn take(&mut self, n: usize) -> Result<&[u8], String> {
            if n > self.0.len() {
                return Err("the bytes end early".into());
            }
            let (a, b) = self.0.split_at(n);
            self.0 = b;
            Ok(a)
        }
        fn byte(&mut self) -> Result<u8, String> {
            Ok(self.take(1)?[0])
        }
        /// A count, bounded by the bytes left (each item takes at least `each` bytes).
        fn n(&mut self, each: usize) -> Result<usize, String> {
            let x = u64::from_le_bytes(self.take(8)?.try_into().unwrap());
            if x > (self.0.len() / each.max(1)) as u64 {
                return Err(format!("a length of {x} is more than the bytes hold"));
            }
            Ok(x as usize)
        }
        fn s(&mut self) -> Result<String, String> {
            let n = self.n(1)?;
            String::from_utf8(self.take(n)?.to_vec()).map_err(|_| "a name is not UTF-8".into())
        }
        fn strs(&mut self) -> Result<Vec<String>, String> {
            let n = self.n(8)?;
            (0..n).map(|_| self.s()).collect()
        }
        fn u32s(&mut self) -> Result<Vec<u32>, String> {
            let n = self.n(4)?;
            Ok(self
                .take(n * 4)?
                .chunks_exact(4)
                .map(|c| u32::from_le_bytes(c.try_into().unwrap()))
                .collect())
        }
        fn i64s(&mut self) -> Result<Vec<i64>, String> {
            let n = self.n(8)?;
            Ok(self
                .take(n * 8)?
                .chunks_exact(8)
                .map(|c| i64::from_le_bytes(c.try_into().unwrap()))
                .collect())
        }
        fn f64s(&mut self) -> Result<Vec<f64>, String> {
            Ok(self
                .i64s()?
                .into_iter()
                .map(|x| f64::from_bits(x as u64))
                .collect())
        }
        fn tables(&mut self) -> Result<Vec<StatTable>, String> {
            let n = self.n(16)?;
            let mut tables = Vec::with_capacity(n);
            for _ in 0..n {
                let name = self.s()?;
                let m = self.n(17)?;
                let mut columns = Vec::with_capacity(m);
                for _ in 0..m {
                    let name = self.s()?;
                    let cells = match self.byte()? {
                        0 => StatCells::Name(self.u32s()?),
                        1 => StatCells::Names {
                            offsets: self.u32s()?,
                            items: self.u32s()?,
                        },
                        2 => StatCells::Count(self.i64s()?),
                        3 => StatCells::Amount(self.i64s()?),
                        4 => StatCells::Number(self.f64s()?),
                        k => return Err(format!("column kind {k} is unknown")),
                    };
                    columns.push(StatColumn { name, cells });
                }
                tables.push(StatTable { name, columns });
            }
            Ok(tables)
        }
        fn magic(&mut self, want: &[u8; 8], what: &str) -> Result<(), String> {
            if self.take(8).ok() != Some(&want[..]) {
                return Err(format!("these bytes are not ascribe {what} (version 1)"));
            }
            Ok(())
        }
        fn end(&self) -> Result<(), String> {
            if self.0.is_empty() {
                Ok(())
            } else {
                Err(format!("{} bytes follow the end", self.0.len()))
            }
        }
    }

    /// Statistics as bytes.
    pub fn encode_stats(s: &Stats) -> Vec<u8> {
        let mut w = W(STATS.to_vec());
        w.s(&s.layout);
        w.strs(&s.names);
        w.tables(&s.tables);
        w.0
    }

    /// Statistics from [`encode_stats`]'s bytes, checked ([`super::validate_stats`]).
    pub fn decode_stats(b: &[u8]) -> Result<Stats, String> {
        let mut r = R(b);
        r.magic(STATS, "statistics")?;
        let s = Stats {
            layout: r.s()?,
            names: r.strs()?,
            tables: r.tables()?,
        };
        r.end()?;
        super::validate_stats(&s)?;
        Ok(s)
    }

    /// A solution as bytes.
    pub fn encode_solution(s: &Solution) -> Vec<u8> {
        let mut w = W(SOLUTION.to_vec());
        w.s(&s.layout);
        w.strs(&s.names);
        w.tables(&s.tables);
        w.strs(&s.notes);
        w.n(s.internals.len());
        for t in &s.internals {
            w.s(&t.name);
            w.s(&t.description);
            w.n(t.columns.len());
            for c in &t.columns {
                w.s(&c.name);
                match &c.values {
                    ColumnValues::Text(v) => {
                        w.0.push(0);
                        w.strs(v);
                    }
                    ColumnValues::Numbers(v) => {
                        w.0.push(1);
                        w.f64s(v);
                    }
                }
            }
        }
        w.0
    }

    /// A solution from [`encode_solution`]'s bytes, checked ([`super::validate_solution`]).
    pub fn decode_solution(b: &[u8]) -> Result<Solution, String> {
        let mut r = R(b);
        r.magic(SOLUTION, "solution")?;
        let (layout, names, tables, notes) = (r.s()?, r.strs()?, r.tables()?, r.strs()?);
        let n = r.n(24)?;
        let mut internals = Vec::with_capacity(n);
        for _ in 0..n {
            let (name, description) = (r.s()?, r.s()?);
            let m = r.n(17)?;
            let mut columns = Vec::with_capacity(m);
            for _ in 0..m {
                let name = r.s()?;
                let values = match r.byte()? {
                    0 => ColumnValues::Text(r.strs()?),
                    1 => ColumnValues::Numbers(r.f64s()?),
                    k => return Err(format!("column kind {k} is unknown")),
                };
                columns.push(InternalColumn { name, values });
            }
            internals.push(InternalTable {
                name,
                description,
                columns,
            });
        }
        r.end()?;
        let s = Solution {
            layout,
            names,
            tables,
            notes,
            internals,
        };
        super::validate_solution(&s)?;
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> Stats {
        Stats {
            layout: "test/1".into(),
            names: vec!["a".into(), "b".into(), "c".into()],
            tables: vec![StatTable {
                name: "transitions".into(),
                columns: vec![
                    StatColumn {
                        name: "from".into(),
                        cells: StatCells::Names {
                            offsets: vec![0, 0, 1, 3],
                            items: vec![0, 1, 2],
                        },
                    },
                    StatColumn {
                        name: "to".into(),
                        cells: StatCells::Name(vec![2, 0, 1]),
                    },
                    StatColumn {
                        name: "weight".into(),
                        cells: StatCells::Count(vec![1, 2, 3]),
                    },
                    StatColumn {
                        name: "value".into(),
                        cells: StatCells::Amount(vec![-1, 0, 5]),
                    },
                ],
            }],
        }
    }

    #[test]
    fn statistics_within_the_contract_pass() {
        assert_eq!(validate_stats(&good()), Ok(()));
        let mut one = good();
        one.tables.push(StatTable {
            name: "journeys".into(),
            columns: vec![StatColumn {
                name: "used".into(),
                cells: StatCells::Count(vec![7]),
            }],
        });
        assert_eq!(validate_stats(&one), Ok(()));
    }

    fn col(s: &mut Stats, c: usize) -> &mut StatCells {
        &mut s.tables[0].columns[c].cells
    }

    #[test]
    fn each_broken_rule_is_named() {
        let mut cases: Vec<(Stats, &str)> = Vec::new();
        let mut s = good();
        s.names.swap(0, 1);
        cases.push((
            s,
            "the names are not sorted and unique: name 0 is \"b\", name 1 is \"a\"",
        ));
        let mut s = good();
        s.names[2] = "b".into();
        cases.push((
            s,
            "the names are not sorted and unique: name 1 is \"b\", name 2 is \"b\"",
        ));
        let mut s = good();
        *col(&mut s, 2) = StatCells::Count(vec![1, 2]);
        cases.push((
            s,
            "table `transitions`: column `weight` has 2 rows where column `from` has 3",
        ));
        let mut s = good();
        *col(&mut s, 2) = StatCells::Count(vec![1, -2, 3]);
        cases.push((
            s,
            "table `transitions`: column `weight` row 2 is -2; a count is never negative",
        ));
        let mut s = good();
        *col(&mut s, 1) = StatCells::Name(vec![2, 3, 1]);
        cases.push((
            s,
            "table `transitions`: column `to` row 2 names index 3, but there are 3 names",
        ));
        let mut s = good();
        *col(&mut s, 0) = StatCells::Names {
            offsets: vec![0, 0, 1, 3],
            items: vec![0, 1, 9],
        };
        cases.push((
            s,
            "table `transitions`: column `from` row 3 names index 9, but there are 3 names",
        ));
        let mut s = good();
        *col(&mut s, 0) = StatCells::Names {
            offsets: vec![0, 2, 1, 3],
            items: vec![0, 1, 2],
        };
        cases.push((s, "table `transitions`: column `from`'s offsets do not run from 0 to its 3 items without decreasing"));
        let mut s = good();
        *col(&mut s, 0) = StatCells::Names {
            offsets: vec![0, 1, 1, 3],
            items: vec![0, 1, 2],
        };
        cases.push((s, "table `transitions`: row 2 does not come after row 1 in key order (rows are sorted by their key, each key once)"));
        let mut s = good();
        *col(&mut s, 3) = StatCells::Number(vec![0.5, 0.0, 1.0]);
        cases.push((s, "table `transitions`: column `value` holds floats; statistics are integers, so that sums are exact"));
        let mut s = good();
        s.layout = String::new();
        cases.push((
            s,
            "the layout \"\" is not 1 to 256 bytes of printable ASCII",
        ));
        let mut s = good();
        s.tables[0].name = "../x".into();
        cases.push((s, "table 1 is named \"../x\": a table name is 1 to 64 lower-case letters, digits and '-', starting with a letter"));
        let mut s = good();
        s.tables.push(s.tables[0].clone());
        cases.push((s, "two tables are named `transitions`"));
        let mut s = good();
        s.tables[0].columns.truncate(0);
        cases.push((s, "table `transitions` has 0 columns (1 to 16)"));
        let mut s = good();
        s.tables[0].columns.retain(|c| !c.cells.is_key());
        cases.push((
            s,
            "table `transitions` has 3 rows and no key column (name or names); at most one",
        ));
        for (s, want) in cases {
            assert_eq!(validate_stats(&s), Err(want.to_string()));
        }
    }

    #[test]
    fn statistics_and_solutions_round_trip_through_bytes() {
        let s = good();
        let b = bytes::encode_stats(&s);
        assert_eq!(bytes::decode_stats(&b), Ok(s.clone()));
        assert_eq!(bytes::encode_stats(&bytes::decode_stats(&b).unwrap()), b);
        assert_eq!(
            bytes::decode_stats(&b[..b.len() - 1]),
            Err("a length of 3 is more than the bytes hold".into())
        );
        assert_eq!(
            bytes::decode_stats(&b[..12]),
            Err("the bytes end early".into())
        );
        let mut extra = b.clone();
        extra.push(0);
        assert_eq!(
            bytes::decode_stats(&extra),
            Err("1 bytes follow the end".into())
        );
        assert_eq!(
            bytes::decode_solution(&b),
            Err("these bytes are not ascribe solution (version 1)".into())
        );
        // Decoded bytes are held to the contract like an answer.
        let mut bad = s.clone();
        bad.names.swap(0, 1);
        assert_eq!(
            bytes::decode_stats(&bytes::encode_stats(&bad)),
            Err("the names are not sorted and unique: name 0 is \"b\", name 1 is \"a\"".into())
        );
        let sol = Solution {
            layout: "test/1".into(),
            names: vec!["a".into()],
            tables: vec![StatTable {
                name: "effects".into(),
                columns: vec![
                    StatColumn {
                        name: "key".into(),
                        cells: StatCells::Name(vec![0]),
                    },
                    StatColumn {
                        name: "x".into(),
                        cells: StatCells::Number(vec![0.1]),
                    },
                ],
            }],
            notes: vec!["a note".into()],
            internals: vec![InternalTable {
                name: "t".into(),
                description: "d".into(),
                columns: vec![
                    crate::model::InternalColumn {
                        name: "a".into(),
                        values: crate::model::ColumnValues::Text(vec!["x".into()]),
                    },
                    crate::model::InternalColumn {
                        name: "b".into(),
                        values: crate::model::ColumnValues::Numbers(vec![2.5]),
                    },
                ],
            }],
        };
        let b = bytes::encode_solution(&sol);
        assert_eq!(bytes::decode_solution(&b), Ok(sol));
    }

    #[test]
    fn a_solution_may_hold_finite_floats() {
        let mut s = Solution {
            layout: "test/1".into(),
            names: vec!["a".into()],
            tables: vec![StatTable {
                name: "effects".into(),
                columns: vec![
                    StatColumn {
                        name: "key".into(),
                        cells: StatCells::Name(vec![0]),
                    },
                    StatColumn {
                        name: "removal".into(),
                        cells: StatCells::Number(vec![0.5]),
                    },
                ],
            }],
            notes: vec![],
            internals: vec![],
        };
        assert_eq!(validate_solution(&s), Ok(()));
        s.tables[0].columns[1].cells = StatCells::Number(vec![f64::NAN]);
        assert_eq!(
            validate_solution(&s),
            Err("table `effects`: column `removal` row 1 is NaN; numbers must be finite".into())
        );
    }
}
