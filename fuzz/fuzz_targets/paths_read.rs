//! The path-table reader (`ascribe paths`) on any bytes and options: no panic; an accepted
//! table is valid model input (counts finite and non-negative, values and totals finite);
//! an error names the file; and the answer does not depend on where the reader's 1 MiB
//! buffer boundary falls.
//!
//! The reader fills its buffer a whole chunk at a time, however few bytes each `read`
//! returns (so feeding the input in short reads changes nothing), and an input of fuzzer
//! size (a few KiB) never reaches the boundary. To reach it, a second read sees the same
//! table with its first row padded by leading spaces (fields are trimmed, so the table is
//! the same) until the rest straddles the boundary at a point the fuzzer chooses.
#![no_main]

use std::path::Path;

use ascribe::commands::paths::{ReadOptions, read_from};
use libfuzzer_sys::fuzz_target;

/// The reader's chunk (`paths::CHUNK`, private there).
const CHUNK: usize = 1 << 20;

/// Option bytes at the start of an input; the rest is the file. They are plain bytes, not
/// `Arbitrary` (whose collections interleave a continue flag with every element), so that
/// a seed is readable (`xxxxxx`, then a table, is the default options) and the
/// dictionary's tokens land whole in the file.
const OPTS: usize = 6;

struct Input<'a> {
    /// `% 6`: `>` `|` `,` `;` space `→`.
    sep: u8,
    /// `% 5`: detect, `,` `;` tab `"`.
    delimiter: u8,
    /// Odd: name the value column (`--value-col`).
    named_value: bool,
    /// `% 16 == 9` (`y`, not `x`): also read the padded input (a megabyte).
    pad: bool,
    /// Where the chunk boundary falls in the rest of the input, when it is padded.
    shift: u16,
    data: &'a [u8],
}

impl<'a> Input<'a> {
    fn new(raw: &'a [u8]) -> Option<Self> {
        let (o, data) = (raw.get(..OPTS)?, &raw[OPTS..]);
        Some(Input {
            sep: o[0],
            delimiter: o[1],
            named_value: o[2] & 1 == 1,
            pad: o[3] % 16 == 9,
            shift: u16::from_le_bytes([o[4], o[5]]),
            data,
        })
    }
}

/// The input with spaces at the start of its second line, so that the rest (from that
/// line's first byte on) straddles the chunk boundary `shift` bytes before its end. Every
/// field is trimmed of ASCII spaces and no field count changes, so the table is the same.
/// `None` when the spaces could change it: the first line (the header) is blank, the
/// second is blank (spaces would make it a row), or either holds a quote or a carriage
/// return (the csv crate reads a quote after a space as text).
fn padded(data: &[u8], shift: u16) -> Option<Vec<u8>> {
    let end = data.iter().position(|&b| b == b'\n')?;
    let header = &data[..end];
    let rest = &data[end + 1..];
    let second = &rest[..rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len())];
    let body = header.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(header);
    let plain = |l: &[u8]| !l.is_empty() && !l.contains(&b'"') && !l.contains(&b'\r');
    if !plain(body) || !plain(second) {
        return None;
    }
    let before = CHUNK - (shift as usize % rest.len());
    let mut out = Vec::with_capacity(CHUNK + data.len());
    out.extend_from_slice(&data[..=end]);
    out.resize(before.max(end + 1), b' ');
    out.extend_from_slice(rest);
    Some(out)
}

fuzz_target!(|raw: &[u8]| {
    let Some(input) = Input::new(raw) else {
        return;
    };
    let opts = ReadOptions {
        sep: ['>', '|', ',', ';', ' ', '\u{2192}'][input.sep as usize % 6],
        delimiter: [None, Some(b','), Some(b';'), Some(b'\t'), Some(b'"')]
            [input.delimiter as usize % 5],
        value_col: input
            .named_value
            .then(|| "total_conversion_value".to_string()),
        ..ReadOptions::default()
    };
    let name = Path::new("/fuzz/paths.csv");
    let whole = read_from(input.data, name, &opts);
    match &whole {
        Ok(a) => {
            let c = &a.cols;
            assert_eq!(c.check(), Ok(()));
            assert!(a.paths() >= 1 && a.rows >= a.paths() as u64);
            for v in c.conversions.iter().chain(&c.nulls) {
                assert!(v.is_finite() && *v >= 0.0, "{v}");
            }
            assert!(c.value.iter().all(|v| v.is_finite()), "{:?}", c.value);
            for t in [a.total_conversions, a.total_value, a.total_nulls] {
                assert!(t.is_finite(), "total {t}");
            }
        }
        Err(e) => assert!(e.to_string().starts_with("/fuzz/paths.csv: "), "{e}"),
    }
    if !input.pad {
        return;
    }
    let Some(big) = padded(input.data, input.shift) else {
        return;
    };
    // The same reader type as above, so the padded read's only new coverage is the
    // boundary's (a `Read` of its own would make every padded input look new).
    let shifted = read_from(&big[..], name, &opts);
    match (&whole, &shifted) {
        (Ok(a), Ok(b)) => {
            assert_eq!(a.cols, b.cols);
            assert_eq!(a.rows, b.rows);
            assert_eq!(a.format, b.format);
        }
        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
        _ => panic!(
            "unpadded: {:?}\npadded: {:?}",
            whole.as_ref().map(|t| t.rows).map_err(|e| e.to_string()),
            shifted.as_ref().map(|t| t.rows).map_err(|e| e.to_string())
        ),
    }
});
