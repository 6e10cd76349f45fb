//! Byte scanning, eight bytes at a time (SWAR): the field and line ends of a line without
//! quotes, and the path separator inside a path.
//!
//! A fast path standing in for a library: on lines without quotes it replaces the `csv`
//! crate, which still reads every line from the first quote on (`read.rs`). The benchmark
//! that shows what it pays is `cargo bench -p ascribe --bench paths -- --read` (reading
//! alone, the 1M-path table of 92.5 MB, one thread and two). Figures, by date:
//! - 2026-11-25 (docs/performance.md, section `paths`, session 1): the reader's fast paths
//!   together (this scanner, the name cache, the hash dedup, `fast_decimal`, two threads)
//!   took reading from 1.2 s to 0.34–0.41 s; no figure for the scanner alone.
//! - 2026-12-04, an A/B in one throwaway build (every line sent to the `csv` crate
//!   instead), 4 interleaved runs on 2 shared cores at load 6–9: one thread best 0.453 s
//!   with the scanner, 0.495 s without (medians 0.498 / 0.648 s); two threads best 0.519
//!   / 0.538 s (medians 0.549 / 0.678 s; without the scanner the `csv` crate reads it all
//!   on one thread). The medians favour the scanner, the best runs
//!   barely: on an idle machine this needs measuring again before it is called a gain.

pub(super) enum Scan {
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
pub(super) fn scan_line(
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

#[inline]
pub(super) fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
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
