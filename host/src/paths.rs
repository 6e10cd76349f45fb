//! `ascribe paths`: attribution straight from a path table, for analysts who keep their
//! journeys aggregated in a warehouse (ChannelAttribution's input format).
//!
//! - [`read`] streams the table once: the delimiter (`,` `;` or tab) is detected from the
//!   header line unless given, path items are split on a one-character separator and
//!   trimmed, identical paths are summed, and every bad row is an error naming the file,
//!   the row and what is wrong.
//! - [`run_model`] runs a model plugin over the paths and credits each channel with
//!   conversions and value: by the touch weights for rule-based models (ChannelAttribution's
//!   `heuristic_models`, repeats counted), by removal effects for markov (`models.md` steps
//!   5–6), by the model's own `conversions` score when it returns one (shapley).
//!
//! Values are f64 here: a path table is an analyst's aggregate, not a ledger of deals, so the
//! exact minor-unit allocation of `attribute::money` does not apply. Printing uses fixed
//! decimals so the output is stable.
//!
//! Reading is built for tables of millions of rows (docs/performance.md): lines without
//! quotes are split in place (one pass per line, no allocation per row); from the first
//! line with a quote (or a stray carriage return) on, the `csv` crate reads the rest, so
//! RFC 4180 quoting, including newlines inside quotes, is handled exactly. Identical paths
//! are found through a 64-bit hash of the path's channel ids, checked against the stored
//! path on every hit.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::runtime::model::{JourneyColumns, ModelInfo, ModelOutput};
use crate::runtime::{Limits, Plugin, PluginError, Usage};

/// Default column names (ChannelAttribution's).
pub const PATH_COL: &str = "path";
pub const CONVERSIONS_COL: &str = "total_conversions";
pub const VALUE_COL: &str = "total_conversion_value";
pub const NULLS_COL: &str = "total_null";

/// Score names a model may return that change how channels are credited.
pub const REMOVAL_EFFECT: &str = "removal-effect";
pub const VALUE_REMOVAL_EFFECT: &str = "value-removal-effect";
pub const CONVERSIONS_SCORE: &str = "conversions";

/// An error in the table or in running a model, ready to print.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Error(pub String);

impl From<PluginError> for Error {
    fn from(e: PluginError) -> Self {
        Error(e.to_string())
    }
}

/// How to read a table.
#[derive(Clone, Debug)]
pub struct ReadOptions {
    /// Separator of the items of a path (one character; not whitespace).
    pub sep: char,
    /// Field delimiter; `None` detects `,` `;` or tab from the header line.
    pub delimiter: Option<u8>,
    pub path_col: String,
    pub conversions_col: String,
    /// `None`: `total_conversion_value` if the header has it, else every value is 0.
    /// `Some(name)`: that column, which must exist.
    pub value_col: Option<String>,
    /// As `value_col`, for `total_null`.
    pub nulls_col: Option<String>,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            sep: '>',
            delimiter: None,
            path_col: PATH_COL.into(),
            conversions_col: CONVERSIONS_COL.into(),
            value_col: None,
            nulls_col: None,
        }
    }
}

/// A path table, read: distinct paths as journey columns (keys sorted by name, touch times
/// 0, identical paths summed), and what the file held.
#[derive(Clone, Debug)]
pub struct PathTable {
    pub file: PathBuf,
    pub cols: JourneyColumns,
    /// Data rows read (before identical paths were summed).
    pub rows: u64,
    pub delimiter: u8,
    /// The value and null columns used, if any.
    pub value_col: Option<String>,
    pub nulls_col: Option<String>,
    pub total_conversions: f64,
    pub total_value: f64,
    pub total_nulls: f64,
}

impl PathTable {
    pub fn paths(&self) -> usize {
        self.cols.journeys()
    }

    /// Bytes of the columns a model call copies into the plugin.
    pub fn column_bytes(&self) -> u64 {
        let t = self.cols.touches() as u64;
        let n = self.cols.journeys() as u64;
        let names: u64 = self.cols.keys.iter().map(|k| k.len() as u64 + 8).sum();
        t * (4 + 8 + 1 + 4) + (n + 1) * 4 + n * (8 * 4) + names
    }
}

/// Reads the table at `path`. A large file is read by two threads, one per half (split at a
/// line end); the result is the same as one thread reading it all.
pub fn read(path: &Path, opts: &ReadOptions) -> Result<PathTable, Error> {
    read_split(path, opts, SPLIT_MIN)
}

fn read_split(path: &Path, opts: &ReadOptions, split_min: u64) -> Result<PathTable, Error> {
    let shown = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|e| Error(format!("{shown}: {e}")))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    read_impl(file, path, opts, size, size >= split_min)
}

/// Reads a table from any reader; `name` is the file named in errors.
pub fn read_from<R: Read>(input: R, name: &Path, opts: &ReadOptions) -> Result<PathTable, Error> {
    read_impl(input, name, opts, 0, false)
}

/// Bytes read from the input at a time.
const CHUNK: usize = 1 << 20;
/// Files smaller than this are read by one thread.
const SPLIT_MIN: u64 = 4 << 20;

/// A bad row, numbered within the part of the file that found it.
#[derive(Debug)]
struct RowError {
    row: u64,
    line: u64,
    msg: String,
}

/// Why reading stopped with an error.
#[derive(Debug)]
enum Failure {
    Row(RowError),
    /// A problem with the file as a whole (header, I/O).
    File(String),
}

impl From<RowError> for Failure {
    fn from(e: RowError) -> Self {
        Failure::Row(e)
    }
}

fn read_impl<R: Read>(
    input: R,
    name: &Path,
    opts: &ReadOptions,
    size: u64,
    may_split: bool,
) -> Result<PathTable, Error> {
    let shown = name.display().to_string();
    read_parts(input, name, opts, size, may_split).map_err(|f| match f {
        Failure::File(msg) => Error(format!("{shown}: {msg}")),
        Failure::Row(e) => Error(format!(
            "{shown}: row {} (line {}): {}",
            e.row, e.line, e.msg
        )),
    })
}

fn read_parts<R: Read>(
    input: R,
    name: &Path,
    opts: &ReadOptions,
    size: u64,
    may_split: bool,
) -> Result<PathTable, Failure> {
    if opts.sep.is_whitespace() {
        return Err(Failure::File(format!(
            "the path separator cannot be whitespace ({:?}): items are trimmed of spaces",
            opts.sep
        )));
    }
    if matches!(opts.delimiter, Some(b'"' | b'\n' | b'\r')) {
        return Err(Failure::File(
            "the delimiter cannot be a quote or a line end".into(),
        ));
    }
    let empty = || {
        Failure::File(format!(
            "the file is empty: a path table needs a header line with the columns `{}` and `{}`",
            opts.path_col, opts.conversions_col
        ))
    };
    let io = |e: std::io::Error| Failure::File(e.to_string());
    let mut src = Source::new(input, 0);
    // The head of the file: at least the header line, to detect the delimiter.
    while !src.eof && !has_first_line(&src.buf) && src.buf.len() < 16 * CHUNK {
        src.more().map_err(io)?;
    }
    if src.buf.starts_with(b"\xEF\xBB\xBF") {
        src.pos = 3;
    }
    if src.eof && src.buf[src.pos..].iter().all(|b| b.is_ascii_whitespace()) {
        return Err(empty());
    }
    let delimiter = opts
        .delimiter
        .unwrap_or_else(|| detect_delimiter(&src.buf[src.pos..]));
    let mut b = Builder::new(opts, delimiter, size);
    let mut header = true;
    while header {
        let end = src.header_end();
        match fast_lines(&mut b, &mut src, &mut header, end, None)? {
            Stop::Special => return b.csv_rest(src, header, &empty).and_then(|b| b.finish(name)),
            Stop::End if header => return Err(empty()),
            Stop::End | Stop::Limit => {}
        }
    }
    // A second thread for the second half, when it pays.
    let mid = if may_split && threads() >= 2 {
        split_point(name, size, src.offset())
    } else {
        None
    };
    let Some(mid) = mid else {
        return match fast_lines(&mut b, &mut src, &mut header, u64::MAX, None)? {
            Stop::Special => b.csv_rest(src, false, &empty).and_then(|b| b.finish(name)),
            _ => b.finish(name),
        };
    };
    let cancel = std::sync::atomic::AtomicBool::new(false);
    let template = b.fork(size - mid);
    std::thread::scope(|s| {
        let second = s.spawn(|| -> Result<Option<Builder>, Failure> {
            let mut file = std::fs::File::open(name).map_err(io)?;
            std::io::Seek::seek(&mut file, std::io::SeekFrom::Start(mid)).map_err(io)?;
            let mut src2 = Source::new(file, mid);
            let mut b2 = template;
            let mut no_header = false;
            match fast_lines(&mut b2, &mut src2, &mut no_header, u64::MAX, Some(&cancel))? {
                Stop::End => Ok(Some(b2)),
                // Quotes (perhaps around a line end) or cancelled: the first thread reads on.
                Stop::Special | Stop::Limit => Ok(None),
            }
        });
        let first = fast_lines(&mut b, &mut src, &mut header, mid, None);
        let stop_second =
            |c: &std::sync::atomic::AtomicBool| c.store(true, std::sync::atomic::Ordering::Relaxed);
        match first {
            Err(e) => {
                stop_second(&cancel);
                Err(e)
            }
            Ok(Stop::Special) => {
                stop_second(&cancel);
                b.csv_rest(src, false, &empty).and_then(|b| b.finish(name))
            }
            Ok(Stop::End) | Ok(Stop::Limit) => {
                let lines_before = src.lines;
                match second.join().expect("the second reader panicked") {
                    Ok(Some(b2)) => {
                        b.absorb(b2);
                        b.finish(name)
                    }
                    Ok(None) => match fast_lines(&mut b, &mut src, &mut header, u64::MAX, None)? {
                        Stop::Special => {
                            b.csv_rest(src, false, &empty).and_then(|b| b.finish(name))
                        }
                        _ => b.finish(name),
                    },
                    Err(Failure::Row(mut e)) => {
                        e.row += b.rows;
                        e.line += lines_before;
                        Err(Failure::Row(e))
                    }
                    Err(f) => Err(f),
                }
            }
        }
    })
}

fn threads() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

/// The offset just after the first line end at or after the middle of the file, if the
/// header ends before it.
fn split_point(name: &Path, size: u64, header_end: u64) -> Option<u64> {
    let mut f = std::fs::File::open(name).ok()?;
    let half = size / 2;
    std::io::Seek::seek(&mut f, std::io::SeekFrom::Start(half)).ok()?;
    let mut buf = vec![0u8; 64 << 10];
    let n = f.read(&mut buf).ok()?;
    let i = buf[..n].iter().position(|&b| b == b'\n')?;
    let mid = half + i as u64 + 1;
    (mid > header_end && mid < size).then_some(mid)
}

/// Buffered input that keeps whole lines in view.
struct Source<R> {
    input: R,
    buf: Vec<u8>,
    /// Start of the unread part of `buf`.
    pos: usize,
    eof: bool,
    /// Offset in the file of `buf[0]`.
    base: u64,
    /// Lines consumed so far.
    lines: u64,
}

impl<R: Read> Source<R> {
    fn new(input: R, base: u64) -> Self {
        Source {
            input,
            buf: Vec::with_capacity(CHUNK + 4096),
            pos: 0,
            eof: false,
            base,
            lines: 0,
        }
    }

    fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }

    /// The offset just after the first line of what is buffered (the header line).
    fn header_end(&self) -> u64 {
        match self.buf[self.pos..].iter().position(|&b| b == b'\n') {
            Some(i) => self.offset() + i as u64 + 1,
            None => u64::MAX,
        }
    }

    /// Drops what was read and reads up to [`CHUNK`] more bytes.
    fn more(&mut self) -> std::io::Result<()> {
        if self.pos > 0 {
            self.buf.drain(..self.pos);
            self.base += self.pos as u64;
            self.pos = 0;
        }
        let len = self.buf.len();
        self.buf.resize(len + CHUNK, 0);
        let mut got = 0;
        while got < CHUNK {
            match self.input.read(&mut self.buf[len + got..]) {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.buf.truncate(len + got);
                    return Err(e);
                }
            }
        }
        self.buf.truncate(len + got);
        self.eof = got < CHUNK;
        Ok(())
    }
}

enum Stop {
    /// The end of the input.
    End,
    /// The offset limit (or cancelled).
    Limit,
    /// A line the fast path does not read (a quote, a lone carriage return): `src.pos` is
    /// at its start.
    Special,
}

enum Scan {
    /// A line: fields are in `Builder::fields`; the next line starts at `next`.
    Line {
        next: usize,
    },
    Incomplete,
    Special,
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// Bytes of `v` equal to `b` (the lowest flagged byte is exact; that is all we use).
#[inline(always)]
fn bytes_eq(v: u64, b: u8) -> u64 {
    let x = v ^ (ONES * b as u64);
    x.wrapping_sub(ONES) & !x & HIGHS
}

/// Scans the line starting at `from`: the field ranges (absolute in `buf`) and where the
/// next line starts; eight bytes at a time.
#[inline]
fn scan_line(
    buf: &[u8],
    from: usize,
    delim: u8,
    fields: &mut Vec<(usize, usize)>,
    at_eof: bool,
) -> Scan {
    fields.clear();
    let n = buf.len();
    let (mut start, mut i) = (from, from);
    loop {
        // The next byte that is a delimiter, quote, CR or LF.
        let p = loop {
            if i + 8 <= n {
                let v = u64::from_le_bytes(buf[i..i + 8].try_into().unwrap());
                let hit = bytes_eq(v, delim)
                    | bytes_eq(v, b'\n')
                    | bytes_eq(v, b'"')
                    | bytes_eq(v, b'\r');
                if hit != 0 {
                    break Some(i + (hit.trailing_zeros() / 8) as usize);
                }
                i += 8;
            } else {
                break buf[i..n]
                    .iter()
                    .position(|&x| x == delim || x == b'\n' || x == b'"' || x == b'\r')
                    .map(|k| i + k);
            }
        };
        let Some(p) = p else {
            if at_eof {
                fields.push((start, n));
                return Scan::Line { next: n };
            }
            return Scan::Incomplete;
        };
        match buf[p] {
            b'\n' => {
                fields.push((start, p));
                return Scan::Line { next: p + 1 };
            }
            b'\r' if p + 1 < n && buf[p + 1] == b'\n' => {
                fields.push((start, p));
                return Scan::Line { next: p + 2 };
            }
            b'\r' if p + 1 == n && !at_eof => return Scan::Incomplete,
            b'\r' if p + 1 == n => {
                fields.push((start, p));
                return Scan::Line { next: n };
            }
            x if x == delim => {
                fields.push((start, p));
                start = p + 1;
                i = p + 1;
            }
            _ => return Scan::Special,
        }
    }
}

/// Reads lines on the fast path until the end, the offset `limit`, or a line it does not
/// read. The header line is read first while `*header` is true.
fn fast_lines<R: Read>(
    b: &mut Builder,
    src: &mut Source<R>,
    header: &mut bool,
    limit: u64,
    cancel: Option<&std::sync::atomic::AtomicBool>,
) -> Result<Stop, Failure> {
    loop {
        if src.offset() >= limit {
            return Ok(Stop::Limit);
        }
        if src.pos == src.buf.len() {
            if src.eof {
                return Ok(Stop::End);
            }
            src.more().map_err(|e| Failure::File(e.to_string()))?;
            if cancel.is_some_and(|c| c.load(std::sync::atomic::Ordering::Relaxed)) {
                return Ok(Stop::Limit);
            }
            continue;
        }
        let next = match scan_line(&src.buf, src.pos, b.delimiter, &mut b.fields, src.eof) {
            Scan::Line { next } => next,
            Scan::Special => return Ok(Stop::Special),
            Scan::Incomplete => {
                src.more().map_err(|e| Failure::File(e.to_string()))?;
                if cancel.is_some_and(|c| c.load(std::sync::atomic::Ordering::Relaxed)) {
                    return Ok(Stop::Limit);
                }
                continue;
            }
        };
        src.lines += 1;
        let blank = b.fields.len() == 1 && b.fields[0].0 == b.fields[0].1;
        if !blank {
            if *header {
                b.header(&src.buf, None).map_err(Failure::File)?;
                *header = false;
            } else {
                b.row(&src.buf, None, src.lines)?;
            }
        }
        src.pos = next;
    }
}

/// Column positions found in the header.
#[derive(Clone)]
struct Cols {
    path: usize,
    conv: usize,
    value: Option<(usize, String)>,
    nulls: Option<(usize, String)>,
    fields: usize,
}

/// Turns rows into journey columns.
struct Builder<'a> {
    opts: &'a ReadOptions,
    delimiter: u8,
    cols_at: Option<Cols>,
    /// Field ranges of the current line in the read buffer (fast path).
    fields: Vec<(usize, usize)>,
    sep: Vec<u8>,
    keys: Interner,
    /// The hash of each row's path (of its channel names, so independent of id order).
    /// Identical paths are summed at the end, by sorting these ([`dedup`]).
    hashes: Vec<u64>,
    cols: JourneyColumns,
    scratch: Vec<u32>,
    rows: u64,
    totals: [Sum; 3],
}

impl<'a> Builder<'a> {
    fn new(opts: &'a ReadOptions, delimiter: u8, size_hint: u64) -> Self {
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
    fn fork(&self, size_hint: u64) -> Builder<'a> {
        let mut b = Builder::new(self.opts, self.delimiter, size_hint);
        b.cols_at = self.cols_at.clone();
        b
    }

    /// Appends the rows another builder read from the part of the file after ours.
    fn absorb(&mut self, other: Builder) {
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

    fn header(&mut self, buf: &[u8], rec: Option<&csv::ByteRecord>) -> Result<(), String> {
        let header: Vec<String> = (0..self.field_count(rec))
            .map(|i| {
                String::from_utf8_lossy(self.field(buf, rec, i))
                    .trim()
                    .to_string()
            })
            .collect();
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
                "no column `{col}` in the header (columns: {}; delimiter {}); name it with {flag}",
                header.join(", "),
                delimiter_name(self.delimiter)
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
    fn row(
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
        if self.cols.touch_key.len() + self.scratch.len() > u32::MAX as usize {
            return Err(at("more touches than a model call can carry (2^32)".into()));
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

    /// Reads the rest of `src` with the csv crate, from `src.pos` (a line start), row and
    /// line numbers continuing. `header`: the header is still to come.
    fn csv_rest<R: Read>(
        mut self,
        src: Source<R>,
        mut header: bool,
        empty: &dyn Fn() -> Failure,
    ) -> Result<Self, Failure> {
        let Source {
            input,
            mut buf,
            pos,
            lines: lines_before,
            ..
        } = src;
        let rest = std::io::Cursor::new(buf.split_off(pos)).chain(input);
        let mut rdr = csv::ReaderBuilder::new()
            .delimiter(self.delimiter)
            .has_headers(false)
            .flexible(true)
            .buffer_capacity(CHUNK)
            .from_reader(rest);
        let mut rec = csv::ByteRecord::new();
        loop {
            let more = rdr.read_byte_record(&mut rec).map_err(|e| {
                if header {
                    Failure::File(format!("reading the header: {e}"))
                } else {
                    Failure::File(format!("row {}: {e}", self.rows + 1))
                }
            })?;
            if !more {
                break;
            }
            let line = lines_before + rec.position().map(|p| p.line()).unwrap_or(1);
            if header {
                self.header(&[], Some(&rec)).map_err(Failure::File)?;
                header = false;
            } else {
                self.row(&[], Some(&rec), line)?;
            }
        }
        if header {
            return Err(empty());
        }
        Ok(self)
    }

    fn finish(self, name: &Path) -> Result<PathTable, Failure> {
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
        cols.keys = names;
        // A path table has no times, milestones or partners: those columns stay empty, and
        // a model@0.1.0 plugin, which must get them, is sent zeros (one unnamed partner).
        cols.partners = vec!["path-table".into()];
        debug_assert!(cols.check().is_ok());
        Ok(PathTable {
            file: name.to_path_buf(),
            cols,
            rows,
            delimiter,
            value_col: at.value.map(|(_, c)| c),
            nulls_col: at.nulls.map(|(_, c)| c),
            total_conversions: totals[0].get(),
            total_value: totals[1].get(),
            total_nulls: totals[2].get(),
        })
    }
}

/// Whether `buf` holds a whole line after any leading blank lines.
fn has_first_line(buf: &[u8]) -> bool {
    buf.iter()
        .position(|&b| b != b'\n' && b != b'\r')
        .is_some_and(|p| buf[p..].contains(&b'\n'))
}

/// The candidate (`,` `;` tab) found most often in the header line outside quotes; ties go
/// to tab, then `;`, then `,`; none at all means `,` (a one-column file).
pub fn detect_delimiter(head: &[u8]) -> u8 {
    let start = head
        .iter()
        .position(|&b| b != b'\n' && b != b'\r')
        .unwrap_or(head.len());
    let head = &head[start..];
    let line = match head.iter().position(|&b| b == b'\n') {
        Some(i) => &head[..i],
        None => head,
    };
    let (mut comma, mut semi, mut tab) = (0usize, 0usize, 0usize);
    let mut quoted = false;
    for &b in line {
        match b {
            b'"' => quoted = !quoted,
            b',' if !quoted => comma += 1,
            b';' if !quoted => semi += 1,
            b'\t' if !quoted => tab += 1,
            _ => {}
        }
    }
    if tab > 0 && tab >= semi && tab >= comma {
        b'\t'
    } else if semi > 0 && semi >= comma {
        b';'
    } else {
        b','
    }
}

pub fn delimiter_name(d: u8) -> String {
    match d {
        b'\t' => "tab".into(),
        d if d.is_ascii_graphic() => format!("`{}`", d as char),
        d => format!("byte {d:#04x}"),
    }
}

/// A count: finite and not negative.
fn number(field: &[u8], col: &str) -> Result<f64, String> {
    let x = signed_number(field, col)?;
    if x < 0.0 {
        return Err(format!(
            "{col} is {}; it must be 0 or more",
            show(field.trim_ascii())
        ));
    }
    Ok(x)
}

/// Powers of ten that f64 holds exactly.
const POW10: [f64; 16] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
];

/// Any finite number. Plain decimals of up to 15 digits (`12`, `-1601.35`) take a fast
/// path that is exact: the digits form an integer below 2^53 and the power of ten is exact,
/// so one IEEE division rounds correctly, exactly as the full parser would.
fn signed_number(field: &[u8], col: &str) -> Result<f64, String> {
    let f = field.trim_ascii();
    if f.is_empty() {
        return Err(format!("{col} is empty"));
    }
    if let Some(x) = fast_decimal(f) {
        return Ok(x);
    }
    let parsed = std::str::from_utf8(f)
        .ok()
        .filter(|s| !s.contains(|c: char| c.is_ascii_alphabetic() && c != 'e' && c != 'E'))
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|x| x.is_finite());
    match parsed {
        Some(x) => Ok(x + 0.0),
        None if f.contains(&b',') && !f.contains(&b'.') => Err(format!(
            "{col} `{}` is not a number (write the decimal separator as `.`)",
            show(f)
        )),
        None => Err(format!("{col} `{}` is not a number", show(f))),
    }
}

#[inline]
fn fast_decimal(f: &[u8]) -> Option<f64> {
    let (neg, digits) = match f.first() {
        Some(b'-') => (true, &f[1..]),
        _ => (false, f),
    };
    let (mut m, mut n, mut frac, mut dot) = (0u64, 0usize, 0usize, false);
    for &d in digits {
        match d {
            // A 16th digit leaves the fast path before it is added, so m stays below 10^15
            // (adding every digit first overflowed u64 from the 20th digit on).
            b'0'..=b'9' if n == 15 => return None,
            b'0'..=b'9' => {
                m = m * 10 + (d - b'0') as u64;
                n += 1;
                frac += dot as usize;
            }
            b'.' if !dot => dot = true,
            _ => return None,
        }
    }
    if n == 0 {
        return None;
    }
    let x = m as f64 / POW10[frac];
    Some(if neg { -x } else { x } + 0.0)
}

fn show(field: &[u8]) -> String {
    crate::runtime::model::truncate(&String::from_utf8_lossy(field), 40)
}

const MIX: u64 = 0x9E37_79B9_7F4A_7C15;

/// Splits one path into key ids; returns the hash of the id sequence.
#[inline]
fn split_path(
    field: &[u8],
    sep: &[u8],
    keys: &mut Interner,
    out: &mut Vec<u32>,
) -> Result<u64, String> {
    let mut rest = field.trim_ascii();
    if rest.is_empty() {
        return Err("the path is empty".into());
    }
    let mut h = 0u64;
    loop {
        let (item, next) = match find(rest, sep) {
            Some(i) => (&rest[..i], Some(&rest[i + sep.len()..])),
            None => (rest, None),
        };
        let item = item.trim_ascii();
        if item.is_empty() {
            return Err(format!(
                "the path `{}` has an empty channel at position {}",
                show(field.trim_ascii()),
                out.len() + 1
            ));
        }
        let id = keys.id(item)?;
        h = (h.rotate_left(23) ^ keys.hashes[id as usize]).wrapping_mul(MIX);
        out.push(id);
        match next {
            Some(n) => rest = n,
            None => return Ok(fmix64(h ^ out.len() as u64)),
        }
    }
}

/// murmur3's 64-bit finalizer: every input bit reaches every output bit.
#[inline]
fn fmix64(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

#[inline]
fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.len() == 1 {
        // Eight bytes at a time: channel names are typically 5–20 bytes.
        let (b, n) = (needle[0], hay.len());
        let mut i = 0;
        while i + 8 <= n {
            let hit = bytes_eq(u64::from_le_bytes(hay[i..i + 8].try_into().unwrap()), b);
            if hit != 0 {
                return Some(i + (hit.trailing_zeros() / 8) as usize);
            }
            i += 8;
        }
        hay[i..].iter().position(|&x| x == b).map(|k| i + k)
    } else {
        hay.windows(needle.len()).position(|w| w == needle)
    }
}

/// Channel names → ids in order of first appearance. A small open-addressed cache in front
/// of the map answers the usual dozens of channels from the first and last eight bytes of
/// the name (which for names of up to 16 bytes are the whole name).
struct Interner {
    ids: HashMap<Box<[u8]>, u32>,
    names: Vec<String>,
    /// A 64-bit hash of each name, for path hashes that do not depend on id order.
    hashes: Vec<u64>,
    cache: Box<[Slot; CACHE]>,
}

/// Cache slots, and how far a lookup probes from its home slot.
const CACHE: usize = 1024;
const PROBES: usize = 8;

#[derive(Clone, Copy)]
struct Slot {
    first: u64,
    last: u64,
    len: u32,
    id: u32,
}

impl Default for Interner {
    fn default() -> Self {
        Interner {
            ids: HashMap::new(),
            names: vec![],
            hashes: vec![],
            cache: Box::new(
                [Slot {
                    first: 0,
                    last: 0,
                    len: u32::MAX,
                    id: 0,
                }; CACHE],
            ),
        }
    }
}

impl Interner {
    #[inline]
    fn id(&mut self, name: &[u8]) -> Result<u32, String> {
        let n = name.len();
        // Two overlapping windows cover a name of up to twice their width exactly (the
        // length is compared too), without a copy for short names.
        let (first, last) = if n >= 8 {
            (
                u64::from_le_bytes(name[..8].try_into().unwrap()),
                u64::from_le_bytes(name[n - 8..].try_into().unwrap()),
            )
        } else if n >= 4 {
            let a = u32::from_le_bytes(name[..4].try_into().unwrap()) as u64;
            let b = u32::from_le_bytes(name[n - 4..].try_into().unwrap()) as u64;
            (a | b << 32, 0)
        } else if n >= 2 {
            let a = u16::from_le_bytes(name[..2].try_into().unwrap()) as u64;
            let b = u16::from_le_bytes(name[n - 2..].try_into().unwrap()) as u64;
            (a | b << 16, 0)
        } else {
            (name.first().copied().unwrap_or(0) as u64, 0)
        };
        let home = ((first ^ last.rotate_left(29) ^ n as u64).wrapping_mul(MIX) >> 54) as usize;
        let mut free = None;
        for k in 0..PROBES {
            let slot = (home + k) % CACHE;
            let e = self.cache[slot];
            if e.len == u32::MAX {
                free = Some(slot);
                break;
            }
            if e.len == n as u32
                && e.first == first
                && e.last == last
                && (n <= 16 || self.names[e.id as usize].as_bytes() == name)
            {
                return Ok(e.id);
            }
        }
        let id = match self.ids.get(name) {
            Some(&i) => i,
            None => {
                let s = std::str::from_utf8(name)
                    .map_err(|_| format!("the channel `{}` is not valid UTF-8", show(name)))?;
                let i = self.names.len() as u32;
                self.names.push(s.to_string());
                self.hashes.push(name_hash(name));
                self.ids.insert(name.into(), i);
                i
            }
        };
        // A full neighbourhood (hundreds of channels) just means the map answers.
        if let Some(slot) = free {
            self.cache[slot] = Slot {
                first,
                last,
                len: n as u32,
                id,
            };
        }
        Ok(id)
    }

    /// Names sorted, and old id → new id.
    fn sorted(self) -> (Vec<String>, Vec<u32>) {
        let mut order: Vec<u32> = (0..self.names.len() as u32).collect();
        order.sort_by(|&a, &b| self.names[a as usize].cmp(&self.names[b as usize]));
        let mut remap = vec![0u32; order.len()];
        for (new, &old) in order.iter().enumerate() {
            remap[old as usize] = new as u32;
        }
        let mut names = self.names;
        let sorted = order
            .iter()
            .map(|&o| std::mem::take(&mut names[o as usize]))
            .collect();
        (sorted, remap)
    }
}

fn name_hash(name: &[u8]) -> u64 {
    let mut h = name.len() as u64;
    for c in name.chunks(8) {
        let mut b = [0u8; 8];
        b[..c.len()].copy_from_slice(c);
        h = fmix64(h ^ u64::from_le_bytes(b)).wrapping_add(MIX);
    }
    fmix64(h)
}

/// Sums identical paths into the first row that has them, keeping first-appearance order.
/// Rows are sorted by path hash (a counting sort on the top bits, then small sorts); rows
/// with equal hashes are compared path by path, so a hash collision never merges two
/// different paths. A table of distinct paths (the usual warehouse GROUP BY) costs the sort
/// and one scan.
fn dedup(cols: &mut JourneyColumns, hashes: &[u64]) {
    let n = hashes.len();
    if n < 2 {
        return;
    }
    // About eight rows per bucket: the buckets' counts stay small next to the rows.
    let bits = (usize::BITS - n.leading_zeros())
        .saturating_sub(3)
        .clamp(1, 20);
    let shift = 64 - bits;
    let mut start = vec![0u32; (1usize << bits) + 1];
    for &h in hashes {
        start[(h >> shift) as usize + 1] += 1;
    }
    for i in 1..start.len() {
        start[i] += start[i - 1];
    }
    let mut sorted = vec![(0u64, 0u32); n];
    {
        let mut next = start.clone();
        for (i, &h) in hashes.iter().enumerate() {
            let b = (h >> shift) as usize;
            sorted[next[b] as usize] = (h, i as u32);
            next[b] += 1;
        }
    }
    for w in start.windows(2) {
        let bucket = &mut sorted[w[0] as usize..w[1] as usize];
        if bucket.len() > 1 {
            bucket.sort_unstable();
        }
    }
    // Representatives: rep[j] = the first row with j's path.
    let mut rep: Option<Vec<u32>> = None;
    let mut a = 0;
    while a < n {
        let mut b = a + 1;
        while b < n && sorted[b].0 == sorted[a].0 {
            b += 1;
        }
        if b - a > 1 {
            let rep = rep.get_or_insert_with(|| (0..n as u32).collect());
            for k in a + 1..b {
                let j = sorted[k].1;
                let path = &cols.touch_key[cols.range(j as usize)];
                if let Some(&(_, first)) = sorted[a..k].iter().find(|&&(_, m)| {
                    rep[m as usize] == m && cols.touch_key[cols.range(m as usize)] == *path
                }) {
                    rep[j as usize] = first;
                }
            }
        }
        a = b;
    }
    drop(sorted);
    let Some(rep) = rep else {
        return;
    };
    let mut out = JourneyColumns {
        journey_offsets: vec![0],
        ..Default::default()
    };
    let mut new_index = vec![u32::MAX; n];
    for j in 0..n {
        let r = rep[j] as usize;
        if r == j {
            new_index[j] = out.conversions.len() as u32;
            out.touch_key
                .extend_from_slice(&cols.touch_key[cols.range(j)]);
            out.journey_offsets.push(out.touch_key.len() as u32);
            out.conversions.push(cols.conversions[j]);
            out.nulls.push(cols.nulls[j]);
            out.value.push(cols.value[j]);
        } else {
            let t = new_index[r] as usize;
            out.conversions[t] += cols.conversions[j];
            out.nulls[t] += cols.nulls[j];
            out.value[t] += cols.value[j];
        }
    }
    cols.touch_key = out.touch_key;
    cols.journey_offsets = out.journey_offsets;
    cols.conversions = out.conversions;
    cols.nulls = out.nulls;
    cols.value = out.value;
}

/// A Neumaier-compensated sum, so totals and credits do not depend on the row order.
#[derive(Clone, Copy, Default, Debug)]
struct Sum {
    s: f64,
    c: f64,
}

impl Sum {
    #[inline]
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
        self.s + self.c + 0.0
    }
}

/// How a model's answer becomes credit per channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CreditRule {
    /// Σ over paths of conversions (value) × the weights of the channel's touches.
    Weights,
    /// removal effect / Σ removal effects × total conversions; value likewise with the value
    /// removal effect (markov).
    RemovalEffect,
    /// The model's own `conversions` score; value by the weights (shapley).
    ConversionsScore,
}

impl CreditRule {
    pub fn for_model(info: &ModelInfo) -> CreditRule {
        let has = |s: &str| info.key_scores.iter().any(|k| k == s);
        if has(REMOVAL_EFFECT) {
            CreditRule::RemovalEffect
        } else if has(CONVERSIONS_SCORE) {
            CreditRule::ConversionsScore
        } else {
            CreditRule::Weights
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            CreditRule::Weights => {
                "conversions and value credited by the touch weights of each path (repeats count)"
            }
            CreditRule::RemovalEffect => {
                "conversions credited = removal effect / sum of removal effects × total conversions; value likewise with the value removal effects"
            }
            CreditRule::ConversionsScore => {
                "conversions credited as the model's `conversions` score; value by the touch weights"
            }
        }
    }
}

/// One channel's credit from one model.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ChannelCredit {
    pub channel: String,
    pub conversions: f64,
    pub value: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub removal_effect: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_removal_effect: Option<f64>,
}

/// A model's result on a table.
#[derive(Clone, Debug)]
pub struct ModelResult {
    /// What the user called it (`markov`, `./my-model.wasm`).
    pub spec: String,
    /// `name@version` from the plugin's info.
    pub plugin: String,
    pub name: String,
    pub sha256: String,
    pub params: Vec<(String, String)>,
    pub rule: CreditRule,
    /// Sorted by channel name.
    pub channels: Vec<ChannelCredit>,
    /// Every score column the model returned, aligned with the table's keys.
    pub scores: Vec<(String, Vec<f64>)>,
    pub notes: Vec<String>,
    pub usage: Usage,
}

/// A model is usable on a path table only if it needs neither timestamps nor milestones:
/// a path table has neither.
pub fn check_model(info: &ModelInfo) -> Result<(), String> {
    if info.needs_timestamps() {
        return Err(format!(
            "{} needs touch timestamps, which a path table does not have",
            info.name
        ));
    }
    if info.needs_milestones() {
        return Err(format!(
            "{} needs milestone flags (lead and opportunity creation), which a path table does not have",
            info.name
        ));
    }
    Ok(())
}

/// Limits for a model call on this table: the defaults, with memory raised to hold the
/// columns a few times over (input, the model's weights, its own work) for large tables.
pub fn limits_for(table: &PathTable) -> Limits {
    let d = Limits::default();
    let want = table.column_bytes().saturating_mul(3) + (64 << 20);
    Limits {
        memory_bytes: want.clamp(d.memory_bytes, Limits::CAPS.memory_bytes),
        ..d
    }
}

/// Runs one model over the table and credits the channels.
pub fn run_model(
    table: &mut PathTable,
    spec: &str,
    plugin: &Plugin,
    params: &[(String, String)],
) -> Result<ModelResult, Error> {
    let info = plugin
        .model_info()
        .ok_or_else(|| Error(format!("{spec}: this plugin is a normalizer, not a model")))?
        .clone();
    check_model(&info).map_err(Error)?;
    let (out, usage) = plugin.attribute(&mut table.cols, params)?;
    let rule = CreditRule::for_model(&info);
    let channels = credit(table, &out, rule);
    let mut in_force: Vec<(String, String)> = info
        .params
        .iter()
        .map(|p| (p.name.clone(), p.default_value.clone()))
        .collect();
    for (k, v) in params {
        if let Some(slot) = in_force.iter_mut().find(|(n, _)| n == k) {
            slot.1 = v.clone();
        }
    }
    Ok(ModelResult {
        spec: spec.to_string(),
        plugin: plugin.label().name.clone(),
        name: info.name.clone(),
        sha256: format!("sha256:{}", plugin.sha256),
        params: in_force,
        rule,
        channels,
        scores: out.scores,
        notes: out.notes,
        usage,
    })
}

/// Credit per channel (sorted by name, as the table's keys are) from a model's answer.
pub fn credit(table: &PathTable, out: &ModelOutput, rule: CreditRule) -> Vec<ChannelCredit> {
    let cols = &table.cols;
    let k = cols.keys.len();
    let score = |name: &str| {
        out.scores
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_slice())
    };
    let mut conv = vec![Sum::default(); k];
    let mut value = vec![Sum::default(); k];
    let (mut re_col, mut rev_col) = (None, None);
    match rule {
        CreditRule::RemovalEffect => {
            let re = score(REMOVAL_EFFECT).unwrap_or(&[]);
            let rev = score(VALUE_REMOVAL_EFFECT).unwrap_or(re);
            share(&mut conv, re, table.total_conversions);
            share(&mut value, rev, table.total_value);
            re_col = Some(re);
            rev_col = Some(rev);
        }
        CreditRule::Weights | CreditRule::ConversionsScore => {
            by_weights(cols, &out.weights, &mut conv, &mut value);
            if rule == CreditRule::ConversionsScore
                && let Some(s) = score(CONVERSIONS_SCORE)
            {
                conv = s
                    .iter()
                    .map(|&x| {
                        let mut a = Sum::default();
                        a.add(x);
                        a
                    })
                    .collect();
            }
        }
    }
    (0..k)
        .map(|i| ChannelCredit {
            channel: cols.keys[i].clone(),
            conversions: conv[i].get(),
            value: value[i].get(),
            removal_effect: re_col.map(|c| c.get(i).copied().unwrap_or(0.0)),
            value_removal_effect: rev_col.map(|c| c.get(i).copied().unwrap_or(0.0)),
        })
        .collect()
}

/// `total × effect / Σ effects` per key; all zero when the effects sum to zero.
fn share(acc: &mut [Sum], effects: &[f64], total: f64) {
    let mut sum = Sum::default();
    for &e in effects {
        sum.add(e);
    }
    let sum = sum.get();
    if sum == 0.0 || !sum.is_finite() {
        return;
    }
    for (a, &e) in acc.iter_mut().zip(effects) {
        a.add(e / sum * total);
    }
}

/// Credit by touch weights; a large table in two halves on two threads, the halves' sums
/// then added (a fixed split, so the result is the same every run).
fn by_weights(cols: &JourneyColumns, weights: &[f64], conv: &mut [Sum], value: &mut [Sum]) {
    let n = cols.journeys();
    if n < 100_000 || threads() < 2 {
        return by_weights_in(cols, weights, 0..n, conv, value);
    }
    let k = conv.len();
    let (mut conv2, mut value2) = (vec![Sum::default(); k], vec![Sum::default(); k]);
    std::thread::scope(|s| {
        s.spawn(|| by_weights_in(cols, weights, n / 2..n, &mut conv2, &mut value2));
        by_weights_in(cols, weights, 0..n / 2, conv, value);
    });
    for (a, b) in conv
        .iter_mut()
        .zip(conv2)
        .chain(value.iter_mut().zip(value2))
    {
        a.add(b.s);
        a.add(b.c);
    }
}

fn by_weights_in(
    cols: &JourneyColumns,
    weights: &[f64],
    journeys: std::ops::Range<usize>,
    conv: &mut [Sum],
    value: &mut [Sum],
) {
    for j in journeys {
        let r = cols.range(j);
        let (c, v) = (cols.conversions[j], cols.value[j]);
        if c == 0.0 && v == 0.0 {
            continue;
        }
        let w = &weights[r.clone()];
        let keys = &cols.touch_key[r];
        // Converting paths have weights summing to 1 (validated); a path with value but no
        // conversions has no such promise, so its weights are normalized here.
        let norm = if c > 0.0 {
            1.0
        } else {
            let s: f64 = w.iter().sum();
            if s > 0.0 { s } else { f64::NAN }
        };
        for (&key, &wt) in keys.iter().zip(w) {
            let wt = if norm.is_nan() {
                1.0 / keys.len() as f64
            } else {
                wt / norm
            };
            if c != 0.0 {
                conv[key as usize].add(c * wt);
            }
            if v != 0.0 {
                value[key as usize].add(v * wt);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str, opts: &ReadOptions) -> Result<PathTable, Error> {
        read_from(text.as_bytes(), Path::new("t.csv"), opts)
    }

    fn paths_of(t: &PathTable) -> Vec<(String, f64, f64, f64)> {
        (0..t.paths())
            .map(|j| {
                let p: Vec<&str> = t.cols.touch_key[t.cols.range(j)]
                    .iter()
                    .map(|&k| t.cols.keys[k as usize].as_str())
                    .collect();
                (
                    p.join(">"),
                    t.cols.conversions[j],
                    t.cols.nulls[j],
                    t.cols.value[j],
                )
            })
            .collect()
    }

    #[test]
    fn reads_sums_and_sorts_keys() {
        let t = parse(
            "path,total_conversions,total_conversion_value,total_null\n\
             b > a,1,10.5,2\n\
             c,0,0,3\n\
             b>a ,2,4.5,0\n",
            &ReadOptions::default(),
        )
        .unwrap();
        assert_eq!(t.rows, 3);
        assert_eq!(t.cols.keys, vec!["a", "b", "c"]);
        assert_eq!(
            paths_of(&t),
            vec![("b>a".into(), 3.0, 2.0, 15.0), ("c".into(), 0.0, 3.0, 0.0)]
        );
        assert_eq!(t.total_conversions, 3.0);
        assert_eq!(t.total_nulls, 5.0);
        assert_eq!(t.total_value, 15.0);
        t.cols.check().unwrap();
    }

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

    #[test]
    fn detects_delimiters() {
        assert_eq!(detect_delimiter(b"path;total_conversions\na,1"), b';');
        assert_eq!(detect_delimiter(b"path\ttotal_conversions\n"), b'\t');
        assert_eq!(detect_delimiter(b"path,total_conversions"), b',');
        assert_eq!(detect_delimiter(b"\"a;b\",c\n"), b',');
        assert_eq!(detect_delimiter(b"path\n"), b',');
    }

    #[test]
    fn numbers() {
        assert_eq!(signed_number(b" 12 ", "x"), Ok(12.0));
        assert_eq!(signed_number(b"1.5e2", "x"), Ok(150.0));
        assert_eq!(signed_number(b"-3.25", "x"), Ok(-3.25));
        assert_eq!(
            signed_number(b"NaN", "x"),
            Err("x `NaN` is not a number".into())
        );
        assert_eq!(
            signed_number(b"inf", "x"),
            Err("x `inf` is not a number".into())
        );
        assert_eq!(
            signed_number(b"12,5", "x"),
            Err("x `12,5` is not a number (write the decimal separator as `.`)".into())
        );
        assert_eq!(
            number(b"-1", "x"),
            Err("x is -1; it must be 0 or more".into())
        );
        assert_eq!(number(b"", "x"), Err("x is empty".into()));
    }

    #[test]
    fn long_numbers_leave_the_fast_path_without_overflow() {
        // Found by the paths_read fuzz target: the fast path summed every digit into a u64
        // before checking for more than 15, so a number of 20 digits or more overflowed
        // (a panic with debug assertions; in release the wrapped value was discarded).
        // 2^64 = 18446744073709551616 has 20 digits; as f64 it is exact (a power of two).
        assert_eq!(
            signed_number(b"18446744073709551616", "x"),
            Ok(18446744073709551616.0)
        );
        assert_eq!(
            signed_number(b"-18446744073709551616.5", "x"),
            Ok(-18446744073709551616.0)
        );
        // 15 digits stay on the fast path; 2^53 + 1 (16 digits) is halfway between two
        // doubles and rounds to the even one, 2^53, exactly as the full parser does.
        assert_eq!(fast_decimal(b"999999999999.999"), Some(999999999999.999));
        assert_eq!(fast_decimal(b"9007199254740993"), None);
        assert_eq!(
            signed_number(b"9007199254740993", "x"),
            Ok(9007199254740992.0)
        );
        let t = parse(
            "path,total_conversions\na,18446744073709551616\na,1\n",
            &ReadOptions::default(),
        )
        .unwrap();
        assert_eq!(t.cols.conversions, vec![18446744073709551616.0]);
    }

    #[test]
    fn long_paths_and_many_keys_use_the_slow_key() {
        let mut text = String::from("path,total_conversions\n");
        let long: Vec<String> = (0..300).map(|i| format!("k{i}")).collect();
        text.push_str(&format!("{},1\n", long.join(">")));
        text.push_str(&format!("{},2\n", long.join(" > ")));
        let t = parse(&text, &ReadOptions::default()).unwrap();
        assert_eq!(t.paths(), 1);
        assert_eq!(t.cols.conversions, vec![3.0]);
        assert_eq!(t.cols.keys.len(), 300);
    }

    #[test]
    fn weights_rule_counts_repeats() {
        let mut t = parse(
            "path,total_conversions,total_conversion_value\na>b>a,2,30\n",
            &ReadOptions::default(),
        )
        .unwrap();
        let out = ModelOutput {
            weights: vec![1.0 / 3.0; 3],
            ..Default::default()
        };
        let c = credit(&t, &out, CreditRule::Weights);
        assert!((c[0].conversions - 4.0 / 3.0).abs() < 1e-12);
        assert!((c[1].value - 10.0).abs() < 1e-12);
        // A path with value and no conversions still credits its value in full.
        t.cols.conversions[0] = 0.0;
        let out = ModelOutput {
            weights: vec![0.0, 0.0, 0.0],
            ..Default::default()
        };
        let c = credit(&t, &out, CreditRule::Weights);
        assert!((c[0].value - 20.0).abs() < 1e-12);
        assert_eq!(c[0].conversions, 0.0);
    }

    fn err(text: &str) -> String {
        parse(text, &ReadOptions::default()).unwrap_err().0
    }

    #[test]
    fn quotes_switch_to_the_csv_reader_with_numbers_continuing() {
        // Line 4 starts quoting; its path holds a newline, so row 4 starts on line 5 and
        // row 5 (bad) on line 7.
        let text = "path,total_conversions\n\
                    a>b,1\n\
                    \n\
                    \"a > c\",2\n\
                    \"b\n> c\",1\n\
                    c,x\n";
        assert_eq!(
            err(text),
            "t.csv: row 4 (line 7): total_conversions `x` is not a number"
        );
        let t = parse(&text.replace(",x", ",3"), &ReadOptions::default()).unwrap();
        assert_eq!(
            paths_of(&t),
            vec![
                ("a>b".into(), 1.0, 0.0, 0.0),
                ("a>c".into(), 2.0, 0.0, 0.0),
                ("b>c".into(), 1.0, 0.0, 0.0),
                ("c".into(), 3.0, 0.0, 0.0),
            ]
        );
        // A quoted header: the csv crate reads it all.
        let t = parse(
            "\"path\";\"total_conversions\"\n\"x;y\";1\n",
            &Default::default(),
        )
        .unwrap();
        assert_eq!(t.cols.keys, vec!["x;y"]);
    }

    #[test]
    fn crlf_bom_and_blank_lines() {
        let text = "\u{feff}path,total_conversions\r\n\r\na>b,1\r\nb,x\r\n";
        assert_eq!(
            err(text),
            "t.csv: row 2 (line 4): total_conversions `x` is not a number"
        );
        let t = parse(&text.replace(",x", ",2"), &Default::default()).unwrap();
        assert_eq!(t.rows, 2);
        assert_eq!(t.cols.keys, vec!["a", "b"]);
        // No newline at the end, a lone CR inside a line (read by the csv crate).
        let t = parse("path,total_conversions\na,1\nb,2", &Default::default()).unwrap();
        assert_eq!(t.total_conversions, 3.0);
        let t = parse("path,total_conversions\na,1\rb,2\n", &Default::default()).unwrap();
        assert_eq!(t.total_conversions, 3.0);
        // Blank lines before the header are skipped, also when detecting the delimiter.
        let t = parse("\n\npath,total_conversions\na,1\n", &Default::default()).unwrap();
        assert_eq!(t.rows, 1);
        let t = parse("\r\n\npath;total_conversions\na;1\n", &Default::default()).unwrap();
        assert_eq!((t.rows, t.delimiter), (1, b';'));
    }

    #[test]
    fn hash_collisions_never_merge_different_paths() {
        let mut cols = JourneyColumns {
            journey_offsets: vec![0, 1, 3, 4, 6, 7],
            touch_key: vec![0, 0, 1, 2, 0, 1, 0],
            conversions: vec![1.0, 2.0, 4.0, 8.0, 16.0],
            nulls: vec![0.0; 5],
            value: vec![0.0; 5],
            ..Default::default()
        };
        // Every path has the same hash: a, a>b, c, a>b, a.
        dedup(&mut cols, &[7; 5]);
        assert_eq!(cols.journey_offsets, vec![0, 1, 3, 4]);
        assert_eq!(cols.touch_key, vec![0, 0, 1, 2]);
        assert_eq!(cols.conversions, vec![17.0, 10.0, 4.0]);
    }

    fn big_table(rows: usize, bad_row: Option<usize>, quote_row: Option<usize>) -> String {
        let names = [
            "webinar",
            "event",
            "paid_social",
            "email",
            "a_channel_name_longer_than_16",
        ];
        let mut s = String::from("path,total_conversions,total_conversion_value,total_null\n");
        let mut x = 12345u64;
        for r in 1..=rows {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let len = 1 + (x >> 60) as usize % 6;
            let path: Vec<&str> = (0..len)
                .map(|i| names[(x >> (i * 5)) as usize % 5])
                .collect();
            let path = path.join(" > ");
            let conv = if Some(r) == bad_row {
                "-1".to_string()
            } else {
                ((x >> 20) % 3).to_string()
            };
            if Some(r) == quote_row {
                s.push_str(&format!(
                    "\"{path}\",{conv},{}.25,{}\n",
                    (x >> 30) % 500,
                    (x >> 40) % 4
                ));
            } else {
                s.push_str(&format!(
                    "{path},{conv},{}.25,{}\n",
                    (x >> 30) % 500,
                    (x >> 40) % 4
                ));
            }
        }
        s
    }

    fn same(a: &PathTable, b: &PathTable) {
        assert_eq!(a.rows, b.rows);
        assert_eq!(a.cols, b.cols);
        assert_eq!(a.total_conversions, b.total_conversions);
        assert_eq!(a.total_nulls, b.total_nulls);
        assert!((a.total_value - b.total_value).abs() < 1e-6);
    }

    #[test]
    fn two_threads_read_what_one_reads() {
        let d = tempfile::tempdir().unwrap();
        let rows = 20_000;
        let text = big_table(rows, None, None);
        let read = |f: &Path, o: &ReadOptions| read_split(f, o, 0);
        let f = d.path().join("big.csv");
        std::fs::write(&f, &text).unwrap();
        let split = read(&f, &ReadOptions::default()).unwrap();
        let single = read_from(text.as_bytes(), &f, &ReadOptions::default()).unwrap();
        same(&split, &single);
        assert!(
            split.paths() < rows,
            "duplicates across the halves were summed"
        );

        // A bad row in the second half is numbered from the top of the file.
        let bad = rows * 3 / 4;
        std::fs::write(&f, big_table(rows, Some(bad), None)).unwrap();
        let e = read(&f, &ReadOptions::default()).unwrap_err().0;
        assert!(
            e.ends_with(&format!(
                "row {bad} (line {}): total_conversions is -1; it must be 0 or more",
                bad + 1
            )),
            "{e}"
        );

        // A quote in the second half: the first thread reads on with the csv crate.
        let text = big_table(rows, None, Some(rows * 3 / 4));
        std::fs::write(&f, &text).unwrap();
        let split = read(&f, &ReadOptions::default()).unwrap();
        let single = read_from(text.as_bytes(), &f, &ReadOptions::default()).unwrap();
        same(&split, &single);
        // And in the first half.
        let text = big_table(rows, None, Some(rows / 4));
        std::fs::write(&f, &text).unwrap();
        same(
            &read(&f, &ReadOptions::default()).unwrap(),
            &read_from(text.as_bytes(), &f, &ReadOptions::default()).unwrap(),
        );
    }

    #[test]
    fn credit_on_two_threads_matches_one() {
        let (n, k) = (150_000usize, 7u32);
        let mut cols = JourneyColumns {
            journey_offsets: vec![0],
            ..Default::default()
        };
        let mut weights = vec![];
        for j in 0..n {
            let len = 1 + j % 5;
            for t in 0..len {
                cols.touch_key.push(((j * 31 + t * 7) as u32) % k);
                weights.push(1.0 / len as f64);
            }
            cols.journey_offsets.push(cols.touch_key.len() as u32);
            cols.conversions.push((j % 3) as f64);
            cols.value.push((j % 11) as f64 * 10.25);
        }
        let (mut c1, mut v1) = (
            vec![Sum::default(); k as usize],
            vec![Sum::default(); k as usize],
        );
        by_weights(&cols, &weights, &mut c1, &mut v1);
        let (mut c2, mut v2) = (
            vec![Sum::default(); k as usize],
            vec![Sum::default(); k as usize],
        );
        by_weights_in(&cols, &weights, 0..n, &mut c2, &mut v2);
        for i in 0..k as usize {
            assert!((c1[i].get() - c2[i].get()).abs() <= 1e-9 * c2[i].get().abs());
            assert!((v1[i].get() - v2[i].get()).abs() <= 1e-9 * v2[i].get().abs());
        }
    }
}
