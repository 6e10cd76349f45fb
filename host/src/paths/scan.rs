//! Byte scanning, eight bytes at a time (SWAR): the field and line ends of a line without
//! quotes, and the path separator inside a path.

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
