//! The guest SDK's streaming readers, natively, on any bytes fed in any chunk sizes: the
//! CSV reader (`csv::CsvReader`) and the line reader (`lines::LineReader`), each read raw
//! and behind the SDK's `csv::Decoder` (UTF-16 and non-text sniffing), as the bundled
//! normalizers use them (generic-csv, salesforce and hubspot: decoder then CSV; ga4:
//! decoder then lines).
//!
//! Properties, for every input: no panic; no record or line handed out is longer than the
//! reader's cap (a record's field bytes are at most its length in the file), and a line
//! called too long is longer than the cap. Differentially, at the documented 1 MiB default
//! cap and at small caps (1 to 64 bytes, the same code with another constant, where the
//! cap is reached): the same bytes fed in one chunk and in many chunks give the same
//! events (records, bad records with their reasons, lines, too-long lines with their
//! lengths, the decoder's refusal and its words, the `sep=` hint). A plugin's output must
//! not depend on where the host's chunks end.
//!
//! Findings S1, S2 and S3 (docs/security.md) were let pass here until they were fixed;
//! they are not any more.
#![no_main]

use ascribe_sdk::csv::{CsvReader, DEFAULT_MAX_RECORD_BYTES, Decoder, Event};
use ascribe_sdk::lines::{DEFAULT_MAX_LINE_BYTES, Line, LineReader};
use libfuzzer_sys::fuzz_target;

/// Option bytes, then the file: `o[0] % 4` the CSV delimiter (`,` `;` tab `|`); `o[1]` the
/// cap: `% 4 == 0` (as `x` is) the 1 MiB default, else `o[1] / 4 + 1` bytes (1..=64);
/// `o[2] + 1` and `o[3] + 1` the sizes of the chunks, in turn (scaled up together so
/// that there are at most about 64).
const OPTS: usize = 4;

#[derive(Debug, PartialEq)]
enum Out {
    Record(Vec<Vec<u8>>),
    Bad(String),
    Text(Vec<u8>),
    TooLong(usize),
    /// The decoder refused the file (every later call repeats it).
    Refused(String),
}

/// Feeds `chunks` through an optional decoder into `feed`, draining with `drain` after
/// each chunk (`eof` false) and once at the end (`eof` true), as the SDK's `Csv` and the
/// ga4 plugin do.
fn read(
    chunks: &[&[u8]],
    decode: bool,
    mut feed: impl FnMut(&[u8]),
    mut drain: impl FnMut(bool, &mut Vec<Out>),
) -> Vec<Out> {
    let mut dec = Decoder::csv();
    let mut out = vec![];
    for c in chunks {
        if decode {
            match dec.decode(c, false) {
                Ok(t) => feed(t),
                Err(e) => {
                    out.push(Out::Refused(e));
                    return out;
                }
            }
        } else {
            feed(c);
        }
        drain(false, &mut out);
    }
    if decode {
        match dec.decode(&[], true) {
            Ok(t) => feed(t),
            Err(e) => {
                out.push(Out::Refused(e));
                return out;
            }
        }
    }
    drain(true, &mut out);
    out
}

fn csv(chunks: &[&[u8]], decode: bool, delimiter: u8, cap: usize) -> (Vec<Out>, Option<u8>) {
    let r = std::cell::RefCell::new(CsvReader::new(delimiter).with_max_record_bytes(cap));
    let out = read(
        chunks,
        decode,
        |t| r.borrow_mut().feed(t),
        |eof, out| {
            let mut r = r.borrow_mut();
            while let Some(ev) = r.next(eof) {
                out.push(match ev {
                    Event::Record => {
                        let rec = r.record();
                        let fields: Vec<Vec<u8>> = (0..rec.len())
                            .map(|i| rec.bytes(i).expect("a field within len").to_vec())
                            .collect();
                        let bytes: usize = fields.iter().map(Vec::len).sum();
                        assert!(bytes <= cap, "a record of {bytes} field bytes (cap {cap})");
                        Out::Record(fields)
                    }
                    Event::Bad(why) => Out::Bad(why),
                });
            }
        },
    );
    let hint = r.borrow().sep_hint();
    (out, hint)
}

fn lines(chunks: &[&[u8]], decode: bool, cap: usize) -> Vec<Out> {
    let r = std::cell::RefCell::new(LineReader::default().with_max_line_bytes(cap));
    read(
        chunks,
        decode,
        |t| r.borrow_mut().feed(t),
        |eof, out| {
            let mut r = r.borrow_mut();
            while let Some(l) = r.next(eof) {
                out.push(match l {
                    Line::Text(t) => {
                        assert!(t.len() <= cap, "a line of {} bytes (cap {cap})", t.len());
                        Out::Text(t.to_vec())
                    }
                    Line::TooLong(n) => {
                        assert!(n > cap, "a line of {n} bytes called too long (cap {cap})");
                        Out::TooLong(n)
                    }
                });
            }
        },
    )
}

fuzz_target!(|raw: &[u8]| {
    let Some((o, data)) = raw.split_first_chunk::<OPTS>() else {
        return;
    };
    let delimiter = [b',', b';', b'\t', b'|'][o[0] as usize % 4];
    let default_cap = o[1] % 4 == 0;
    let (csv_cap, line_cap) = if default_cap {
        (DEFAULT_MAX_RECORD_BYTES, DEFAULT_MAX_LINE_BYTES)
    } else {
        let n = o[1] as usize / 4 + 1;
        (n, n)
    };
    // At most about 64 chunks: the readers parse an unfinished record again from its
    // start after every chunk, so a long record in 1-byte chunks costs its length squared
    // (harmless in the host, which feeds 1 MiB chunks; here it made runs 10× slower).
    let pair = o[2] as usize + o[3] as usize + 2;
    let k = data.len().div_ceil(32 * pair).max(1);
    let sizes = [(o[2] as usize + 1) * k, (o[3] as usize + 1) * k];
    let mut many: Vec<&[u8]> = vec![];
    let mut rest = data;
    while !rest.is_empty() {
        let n = sizes[many.len() % 2].min(rest.len());
        many.push(&rest[..n]);
        rest = &rest[n..];
    }
    let one = [data];
    for decode in [false, true] {
        let whole = csv(&one, decode, delimiter, csv_cap);
        let split = csv(&many, decode, delimiter, csv_cap);
        assert_eq!(
            whole, split,
            "CSV (decoded: {decode}): one chunk, then chunks of {sizes:?}"
        );
        let whole = lines(&one, decode, line_cap);
        let split = lines(&many, decode, line_cap);
        assert_eq!(
            whole, split,
            "lines (decoded: {decode}): one chunk, then chunks of {sizes:?}"
        );
    }
});
