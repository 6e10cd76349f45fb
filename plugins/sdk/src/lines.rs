//! A streaming line reader for newline-delimited formats (NDJSON): lines may span chunks,
//! a line longer than the bound is reported and skipped instead of buffered. A line's
//! length is its bytes without the `\n` or `\r\n` that ends it, and whether a line is too
//! long, and the length reported, are the same however the input is cut into chunks.

pub const DEFAULT_MAX_LINE_BYTES: usize = 1 << 20;

pub enum Line<'a> {
    Text(&'a [u8]),
    TooLong(usize),
}

pub struct LineReader {
    buf: Vec<u8>,
    pos: usize,
    max: usize,
    skipping: bool,
    skipped_len: usize,
    /// The last byte skipped was a `\r`: not the line's if a `\n` follows.
    skipped_cr: bool,
}

impl Default for LineReader {
    fn default() -> Self {
        LineReader {
            buf: Vec::new(),
            pos: 0,
            max: DEFAULT_MAX_LINE_BYTES,
            skipping: false,
            skipped_len: 0,
            skipped_cr: false,
        }
    }
}

impl LineReader {
    pub fn with_max_line_bytes(mut self, n: usize) -> Self {
        self.max = n;
        self
    }

    pub fn feed(&mut self, chunk: &[u8]) {
        if self.pos > 0 {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
        self.buf.extend_from_slice(chunk);
    }

    /// The next complete line without its `\n` or `\r\n`; with `eof`, also a final line
    /// without a line end (and without a `\r` that ends the input).
    pub fn next(&mut self, eof: bool) -> Option<Line<'_>> {
        loop {
            let rest = &self.buf[self.pos..];
            match rest.iter().position(|&b| b == b'\n') {
                Some(i) => {
                    let start = self.pos;
                    self.pos += i + 1;
                    if self.skipping {
                        let cr = if i > 0 {
                            rest[i - 1] == b'\r'
                        } else {
                            self.skipped_cr
                        };
                        return Some(Line::TooLong(self.end_skip(i, cr)));
                    }
                    let line = strip_cr(&self.buf[start..start + i]);
                    if line.len() > self.max {
                        return Some(Line::TooLong(line.len()));
                    }
                    return Some(Line::Text(line));
                }
                None => {
                    if self.skipping {
                        if let Some(&last) = rest.last() {
                            self.skipped_cr = last == b'\r';
                        }
                        self.skipped_len += rest.len();
                        self.pos = self.buf.len();
                        if eof {
                            let cr = self.skipped_cr;
                            return Some(Line::TooLong(self.end_skip(0, cr)));
                        }
                        return None;
                    }
                    // A `\r` at the end may be half of a `\r\n`: it counts once the next
                    // byte says.
                    if strip_cr(rest).len() > self.max {
                        self.skipping = true;
                        continue;
                    }
                    if eof && !rest.is_empty() {
                        let start = self.pos;
                        self.pos = self.buf.len();
                        return Some(Line::Text(strip_cr(&self.buf[start..])));
                    }
                    return None;
                }
            }
        }
    }

    /// The length of the line being skipped, `more` bytes after what was skipped so far,
    /// less a `\r` that is part of its line end.
    fn end_skip(&mut self, more: usize, cr: bool) -> usize {
        let n = self.skipped_len + more - usize::from(cr);
        self.skipping = false;
        self.skipped_len = 0;
        self.skipped_cr = false;
        n
    }
}

fn strip_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_across_chunks_and_long_ones() {
        let mut input = b"{\"a\":1}\r\n".to_vec();
        input.extend(std::iter::repeat_n(b'x', 300));
        input.extend(b"\n{\"b\":2}");
        for chunk in [1, 7, 64, 1000] {
            let mut r = LineReader::default().with_max_line_bytes(100);
            let mut got = vec![];
            for c in input.chunks(chunk) {
                r.feed(c);
                while let Some(l) = r.next(false) {
                    got.push(match l {
                        Line::Text(t) => String::from_utf8(t.to_vec()).unwrap(),
                        Line::TooLong(n) => format!("long {n}"),
                    });
                }
            }
            while let Some(l) = r.next(true) {
                got.push(match l {
                    Line::Text(t) => String::from_utf8(t.to_vec()).unwrap(),
                    Line::TooLong(n) => format!("long {n}"),
                });
            }
            assert_eq!(
                got,
                vec![
                    "{\"a\":1}".to_string(),
                    "long 300".into(),
                    "{\"b\":2}".into()
                ],
                "chunk {chunk}"
            );
        }
    }

    fn lines(input: &[u8], chunk: usize, max: usize) -> Vec<String> {
        let mut r = LineReader::default().with_max_line_bytes(max);
        let mut got = vec![];
        let mut take = |r: &mut LineReader, eof: bool| {
            while let Some(l) = r.next(eof) {
                got.push(match l {
                    Line::Text(t) => String::from_utf8(t.to_vec()).unwrap(),
                    Line::TooLong(n) => format!("long {n}"),
                });
            }
        };
        for c in input.chunks(chunk) {
            r.feed(c);
            take(&mut r, false);
        }
        take(&mut r, true);
        got
    }

    /// Finding S2 (docs/security.md) in the line reader: a `\r` waiting for its `\n` was
    /// counted, so a line that fits was too long when a chunk ended between the two, and a
    /// skipped line's length included its `\r`.
    #[test]
    fn a_line_end_is_never_counted_in_any_chunking() {
        // Max 3, lengths by hand: `abc` 3 fits; `abcd` 4 and `abcdefg` 7 do not; `\r` alone
        // is an empty line; `xy` ends the input with a `\r`, which is not the line's.
        let input = b"abc\r\nabcd\r\nabcdefg\r\n\r\nxy\r";
        let want = ["abc", "long 4", "long 7", "", "xy"];
        for chunk in 1..=input.len() {
            assert_eq!(lines(input, chunk, 3), want, "chunk {chunk}");
        }
        // A long line cut off by the end of the input, `\r` last: 5 bytes, not 6.
        for chunk in 1..=6 {
            assert_eq!(lines(b"abcde\r", chunk, 3), ["long 5"], "chunk {chunk}");
        }
    }
}
