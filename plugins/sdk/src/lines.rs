//! A streaming line reader for newline-delimited formats (NDJSON): lines may span chunks,
//! a line longer than the bound is reported and skipped instead of buffered.

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
}

impl Default for LineReader {
    fn default() -> Self {
        LineReader {
            buf: Vec::new(),
            pos: 0,
            max: DEFAULT_MAX_LINE_BYTES,
            skipping: false,
            skipped_len: 0,
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
    /// without a line end.
    pub fn next(&mut self, eof: bool) -> Option<Line<'_>> {
        loop {
            let rest = &self.buf[self.pos..];
            match rest.iter().position(|&b| b == b'\n') {
                Some(i) => {
                    let start = self.pos;
                    self.pos += i + 1;
                    if self.skipping {
                        self.skipping = false;
                        let n = self.skipped_len + i;
                        self.skipped_len = 0;
                        return Some(Line::TooLong(n));
                    }
                    let mut line = &self.buf[start..start + i];
                    if line.last() == Some(&b'\r') {
                        line = &line[..line.len() - 1];
                    }
                    if line.len() > self.max {
                        return Some(Line::TooLong(line.len()));
                    }
                    return Some(Line::Text(line));
                }
                None => {
                    if self.skipping {
                        self.skipped_len += rest.len();
                        self.pos = self.buf.len();
                        if eof {
                            self.skipping = false;
                            return Some(Line::TooLong(self.skipped_len));
                        }
                        return None;
                    }
                    if rest.len() > self.max {
                        self.skipping = true;
                        continue;
                    }
                    if eof && !rest.is_empty() {
                        let start = self.pos;
                        self.pos = self.buf.len();
                        return Some(Line::Text(&self.buf[start..]));
                    }
                    return None;
                }
            }
        }
    }
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
}
