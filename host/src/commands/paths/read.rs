//! Reading a path table: the driver that streams the file in [`CHUNK`]s, splits a large
//! file between two threads, and hands the rest of the file to the `csv` crate from the
//! first line the fast path does not read.

use std::io::Read;
use std::path::Path;

use super::rows::Builder;
use super::scan::{Scan, scan_line};
use super::{Error, PathTable, ReadOptions, threads};

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
pub(super) const CHUNK: usize = 1 << 20;
/// Files smaller than this are read by one thread.
const SPLIT_MIN: u64 = 4 << 20;

/// A bad row, numbered within the part of the file that found it.
#[derive(Debug)]
pub(super) struct RowError {
    pub(super) row: u64,
    pub(super) line: u64,
    pub(super) msg: String,
}

/// Why reading stopped with an error.
#[derive(Debug)]
pub(super) enum Failure {
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

impl Builder<'_> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::paths::testing::{err, parse, paths_of};

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
    fn detects_delimiters() {
        assert_eq!(detect_delimiter(b"path;total_conversions\na,1"), b';');
        assert_eq!(detect_delimiter(b"path\ttotal_conversions\n"), b'\t');
        assert_eq!(detect_delimiter(b"path,total_conversions"), b',');
        assert_eq!(detect_delimiter(b"\"a;b\",c\n"), b',');
        assert_eq!(detect_delimiter(b"path\n"), b',');
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
        assert_eq!(
            (t.rows, t.format),
            (
                1,
                crate::commands::paths::TableFormat::Csv { delimiter: b';' }
            )
        );
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
}
