//! Rows into journey columns: the header's columns, each data row's numbers and path, and
//! the table at the end (sums checked, identical paths summed, keys sorted).

use std::path::Path;

use super::dedup::dedup;
use super::intern::{Interner, split_path};
use super::number::{number, signed_number};
use super::read::{Failure, RowError, delimiter_name};
use super::{NULLS_COL, PathTable, ReadOptions, Sum, VALUE_COL};
use crate::runtime::model::JourneyColumns;

/// Column positions found in the header.
#[derive(Clone)]
pub(super) struct Cols {
    pub(super) path: usize,
    pub(super) conv: usize,
    pub(super) value: Option<(usize, String)>,
    pub(super) nulls: Option<(usize, String)>,
    fields: usize,
}

/// Turns rows into journey columns.
pub(super) struct Builder<'a> {
    pub(super) opts: &'a ReadOptions,
    pub(super) delimiter: u8,
    pub(super) cols_at: Option<Cols>,
    /// Field ranges of the current line in the read buffer (fast path).
    pub(super) fields: Vec<(usize, usize)>,
    pub(super) sep: Vec<u8>,
    pub(super) keys: Interner,
    /// The hash of each row's path (of its channel names, so independent of id order).
    /// Identical paths are summed at the end, by sorting these ([`dedup`]).
    pub(super) hashes: Vec<u64>,
    pub(super) cols: JourneyColumns,
    pub(super) scratch: Vec<u32>,
    pub(super) rows: u64,
    pub(super) totals: [Sum; 3],
}

impl<'a> Builder<'a> {
    pub(super) fn new(opts: &'a ReadOptions, delimiter: u8, size_hint: u64) -> Self {
        let mut sep_buf = [0u8; 4];
        let sep = opts.sep.encode_utf8(&mut sep_buf).as_bytes().to_vec();
        // Room for the usual table (rows of ~90 bytes, ~7 items) without regrowing; unused
        // capacity is never touched, so it costs address space, not memory.
        let rows = (size_hint / 48).min(1 << 26) as usize;
        let mut cols = JourneyColumns {
            journey_offsets: Vec::with_capacity(rows + 1),
            touch_key: Vec::with_capacity((size_hint / 8).min(1 << 28) as usize),
            conversions: Vec::with_capacity(rows),
            nulls: Vec::with_capacity(rows),
            value: Vec::with_capacity(rows),
            ..Default::default()
        };
        cols.journey_offsets.push(0);
        Builder {
            opts,
            delimiter,
            cols_at: None,
            fields: Vec::with_capacity(8),
            sep,
            keys: Interner::default(),
            hashes: Vec::with_capacity(rows),
            cols,
            scratch: Vec::with_capacity(64),
            rows: 0,
            totals: [Sum::default(); 3],
        }
    }

    /// An empty builder for another part of the same file (the header already read).
    /// `size_hint`: the bytes it will read.
    pub(super) fn fork(&self, size_hint: u64) -> Builder<'a> {
        let mut b = Builder::new(self.opts, self.delimiter, size_hint);
        b.cols_at = self.cols_at.clone();
        b
    }

    /// Appends the rows another builder read from the part of the file after ours.
    pub(super) fn absorb(&mut self, other: Builder) {
        let remap: Vec<u32> = other
            .keys
            .names
            .iter()
            .map(|n| self.keys.id(n.as_bytes()).expect("names are UTF-8"))
            .collect();
        let base = self.cols.touch_key.len() as u32;
        self.cols
            .touch_key
            .extend(other.cols.touch_key.iter().map(|&k| remap[k as usize]));
        self.cols
            .journey_offsets
            .extend(other.cols.journey_offsets[1..].iter().map(|&o| o + base));
        self.cols.conversions.extend(other.cols.conversions);
        self.cols.nulls.extend(other.cols.nulls);
        self.cols.value.extend(other.cols.value);
        self.hashes.extend(other.hashes);
        self.rows += other.rows;
        for (t, o) in self.totals.iter_mut().zip(other.totals) {
            t.add(o.s);
            t.add(o.c);
        }
    }

    /// Field `i` of the current row: from `rec` when the csv crate read it, else the range
    /// in `buf` the fast path found.
    #[inline]
    fn field<'l>(&self, buf: &'l [u8], rec: Option<&'l csv::ByteRecord>, i: usize) -> &'l [u8] {
        match rec {
            Some(r) => &r[i],
            None => {
                let (s, e) = self.fields[i];
                &buf[s..e]
            }
        }
    }

    fn field_count(&self, rec: Option<&csv::ByteRecord>) -> usize {
        rec.map(|r| r.len()).unwrap_or(self.fields.len())
    }

    pub(super) fn header(
        &mut self,
        buf: &[u8],
        rec: Option<&csv::ByteRecord>,
    ) -> Result<(), String> {
        let header: Vec<String> = (0..self.field_count(rec))
            .map(|i| {
                String::from_utf8_lossy(self.field(buf, rec, i))
                    .trim()
                    .to_string()
            })
            .collect();
        let delimiter = format!("delimiter {}", delimiter_name(self.delimiter));
        self.columns(&header, &delimiter)
    }

    /// Finds the columns among a table's column names (a CSV header, or an Arrow schema);
    /// `context` is said after the names when one is missing.
    pub(super) fn columns(&mut self, header: &[String], context: &str) -> Result<(), String> {
        if let Some(dup) = header
            .iter()
            .enumerate()
            .find(|(i, h)| !h.is_empty() && header[..*i].contains(h))
        {
            return Err(format!("the header names the column `{}` twice", dup.1));
        }
        let find = |col: &str| header.iter().position(|h| h == col);
        let missing = |col: &str, flag: &str| {
            format!(
                "no column `{col}` in the header (columns: {}; {context}); name it with {flag}",
                header.join(", "),
            )
        };
        let o = self.opts;
        let path = find(&o.path_col).ok_or_else(|| missing(&o.path_col, "--path-col"))?;
        let conv = find(&o.conversions_col)
            .ok_or_else(|| missing(&o.conversions_col, "--conversions-col"))?;
        let optional = |given: &Option<String>, default: &str, flag: &str| match given {
            Some(c) => find(c)
                .map(|i| Some((i, c.clone())))
                .ok_or_else(|| missing(c, flag)),
            None => Ok(find(default).map(|i| (i, default.to_string()))),
        };
        let value = optional(&o.value_col, VALUE_COL, "--value-col")?;
        let nulls = optional(&o.nulls_col, NULLS_COL, "--nulls-col")?;
        self.cols_at = Some(Cols {
            path,
            conv,
            value,
            nulls,
            fields: header.len(),
        });
        Ok(())
    }

    /// One data row.
    #[inline]
    pub(super) fn row(
        &mut self,
        buf: &[u8],
        rec: Option<&csv::ByteRecord>,
        line: u64,
    ) -> Result<(), RowError> {
        self.rows += 1;
        let row = self.rows;
        let at = |msg: String| RowError { row, line, msg };
        let c = self.cols_at.as_ref().expect("the header comes first");
        let n_fields = self.field_count(rec);
        if n_fields != c.fields {
            // An unquoted delimiter inside a path, or a cut-off line: guessing which field
            // is which would credit garbage.
            return Err(at(format!(
                "{n_fields} field{}, the header has {}",
                if n_fields == 1 { "" } else { "s" },
                c.fields
            )));
        }
        let o = self.opts;
        let conv = number(self.field(buf, rec, c.conv), &o.conversions_col).map_err(at)?;
        let nulls = match &c.nulls {
            Some((i, name)) => number(self.field(buf, rec, *i), name).map_err(at)?,
            None => 0.0,
        };
        let value = match &c.value {
            Some((i, name)) => signed_number(self.field(buf, rec, *i), name).map_err(at)?,
            None => 0.0,
        };
        let path = self.field(buf, rec, c.path);
        self.scratch.clear();
        let hash = split_path(path, &self.sep, &mut self.keys, &mut self.scratch).map_err(at)?;
        self.push(hash, conv, nulls, value).map_err(at)
    }

    /// Where the columns a table must have are, once [`Self::columns`] found them.
    pub(super) fn found(&self) -> Option<&Cols> {
        self.cols_at.as_ref()
    }

    /// Appends a row whose path's key ids are in `scratch` (and `hash` is their hash).
    #[inline]
    pub(super) fn push(
        &mut self,
        hash: u64,
        conv: f64,
        nulls: f64,
        value: f64,
    ) -> Result<(), String> {
        if self.cols.touch_key.len() + self.scratch.len() > u32::MAX as usize {
            return Err("more touches than a model call can carry (2^32)".into());
        }
        self.cols.touch_key.extend_from_slice(&self.scratch);
        self.cols
            .journey_offsets
            .push(self.cols.touch_key.len() as u32);
        self.cols.conversions.push(conv);
        self.cols.nulls.push(nulls);
        self.cols.value.push(value);
        self.hashes.push(hash);
        self.totals[0].add(conv);
        self.totals[1].add(value);
        self.totals[2].add(nulls);
        Ok(())
    }

    pub(super) fn finish(self, name: &Path) -> Result<PathTable, Failure> {
        let Builder {
            mut cols,
            keys,
            rows,
            totals,
            cols_at,
            hashes,
            delimiter,
            opts,
            ..
        } = self;
        if rows == 0 {
            return Err(Failure::File(
                "no paths: the header is not followed by any row".into(),
            ));
        }
        let at = cols_at.expect("a row implies a header");
        // Every number read is finite, but a sum need not be: identical paths summed, or a
        // column's total, can pass f64::MAX, and a model must never be handed an infinity
        // (the totals are printed too). A column is refused when its rows' magnitudes add
        // up past it; that bounds every sum of its rows in any order, and it is summed here
        // in row order, so the answer depends neither on how rows group nor on how many
        // threads read the file.
        let mut magnitude = [0.0f64; 3];
        for ((c, v), u) in cols.conversions.iter().zip(&cols.value).zip(&cols.nulls) {
            magnitude[0] += c;
            magnitude[1] += v.abs();
            magnitude[2] += u;
        }
        let column = |c: &Option<(usize, String)>, default: &str| {
            c.as_ref().map_or(default.to_string(), |(_, n)| n.clone())
        };
        let names = [
            opts.conversions_col.clone(),
            column(&at.value, VALUE_COL),
            column(&at.nulls, NULLS_COL),
        ];
        if let Some(i) = magnitude.iter().position(|m| !m.is_finite()) {
            return Err(Failure::File(format!(
                "{} adds up past the largest number a table can hold (about 1.8e308{})",
                names[i],
                if i == 1 {
                    ", negative values counted as positive"
                } else {
                    ""
                }
            )));
        }
        dedup(&mut cols, &hashes);
        drop(hashes);
        debug_assert!(
            cols.conversions
                .iter()
                .chain(&cols.value)
                .chain(&cols.nulls)
                .all(|x| x.is_finite())
                && totals.iter().all(|t| t.get().is_finite())
        );
        // Keys in name order, so the output and the model's input do not depend on row order.
        let (names, remap) = keys.sorted();
        for k in &mut cols.touch_key {
            *k = remap[*k as usize];
        }
        // Old ids were given in order of first appearance.
        let first_seen = remap;
        cols.keys = names;
        // A path table has no times, milestones or partners: those columns stay empty, and
        // a model@0.1.0 plugin, which must get them, is sent zeros (one unnamed partner).
        cols.partners = vec!["path-table".into()];
        debug_assert!(cols.check().is_ok());
        Ok(PathTable {
            file: name.to_path_buf(),
            cols,
            rows,
            format: super::TableFormat::Csv { delimiter },
            first_seen,
            value_col: at.value.map(|(_, c)| c),
            nulls_col: at.nulls.map(|(_, c)| c),
            total_conversions: totals[0].get(),
            total_value: totals[1].get(),
            total_nulls: totals[2].get(),
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::commands::paths::ReadOptions;
    use crate::commands::paths::testing::{err, parse};

    #[test]
    fn sums_past_the_largest_f64_are_refused() {
        // f64::MAX is about 1.797e308: 1e308 is finite, 1e308 + 1e308 = 2e308 is not.
        // Found by review and confirmed with the paths_read fuzz target, which asserts that
        // an accepted table holds only finite numbers and totals: before, one path's two
        // rows summed to infinity, and two paths' total to NaN.
        let past = "adds up past the largest number a table can hold (about 1.8e308)";
        assert_eq!(
            err("path,total_conversions\na,1e308\na , 1e308\n"),
            format!("t.csv: total_conversions {past}")
        );
        assert_eq!(
            err("path,total_conversions,total_null\na>b,0,1e308\nb,0,1e308\n"),
            format!("t.csv: total_null {past}")
        );
        // A signed value column: 1e308 - 1e308 + 1e308 totals 1e308, but the path a > b
        // sums its two rows to 2e308; magnitudes add up to 3e308.
        assert_eq!(
            err("path,total_conversions,total_conversion_value\n\
                 a > b,1,1e308\nc,1,-1e308\na>b,1,1e308\n"),
            "t.csv: total_conversion_value adds up past the largest number a table can hold \
             (about 1.8e308, negative values counted as positive)"
        );
        // Just below: 8e307 + 8e307 = 1.6e308 (doubling is exact), accepted as is.
        let t = parse(
            "path,total_conversions,total_null\na,8e307,0\na,8e307,1\n",
            &ReadOptions::default(),
        )
        .unwrap();
        assert_eq!(t.cols.conversions, vec![1.6e308]);
        assert_eq!(t.total_conversions, 1.6e308);
        assert_eq!(t.total_nulls, 1.0);
    }
}
