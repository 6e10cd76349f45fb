//! A streaming CSV reader fed in chunks: records may span chunks, memory holds at most
//! one unfinished record plus the current chunk. Handles a UTF-8 BOM, CRLF and LF, quoted
//! fields with delimiters, doubled quotes and newlines, and bounds a record's size so one
//! runaway line cannot exhaust the plugin's memory.

/// A record longer than this is rejected and skipped (to the next line end).
pub const DEFAULT_MAX_RECORD_BYTES: usize = 1 << 20;

/// One parsed record: fields are unescaped bytes, checked for UTF-8 on access.
#[derive(Default, Debug)]
pub struct Record {
    data: Vec<u8>,
    ends: Vec<usize>,
}

impl Record {
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    pub fn bytes(&self, i: usize) -> Option<&[u8]> {
        let end = *self.ends.get(i)?;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        Some(&self.data[start..end])
    }

    /// Field `i` as text; a missing field reads as empty (short rows are common in
    /// spreadsheet exports), invalid UTF-8 is an error the caller turns into a reject.
    pub fn get(&self, i: usize) -> Result<&str, String> {
        match self.bytes(i) {
            None => Ok(""),
            Some(b) => std::str::from_utf8(b).map_err(|_| "invalid UTF-8".to_string()),
        }
    }

    /// True when every field is empty (a blank line).
    pub fn is_blank(&self) -> bool {
        self.data.is_empty()
    }
}

/// What the reader produced.
#[derive(Debug, PartialEq)]
pub enum Event {
    /// A complete record is in the reader's record buffer.
    Record,
    /// A record that cannot be read; `reason` says why. Its row is consumed.
    Bad(String),
}

pub struct CsvReader {
    delimiter: u8,
    max_record: usize,
    buf: Vec<u8>,
    pos: usize,
    bom_checked: bool,
    skipping_long: bool,
    record: Record,
}

impl CsvReader {
    pub fn new(delimiter: u8) -> Self {
        CsvReader {
            delimiter,
            max_record: DEFAULT_MAX_RECORD_BYTES,
            buf: Vec::new(),
            pos: 0,
            bom_checked: false,
            skipping_long: false,
            record: Record::default(),
        }
    }

    pub fn with_max_record_bytes(mut self, n: usize) -> Self {
        self.max_record = n;
        self
    }

    pub fn record(&self) -> &Record {
        &self.record
    }

    /// Appends a chunk. Consumed bytes are dropped first so the buffer stays small.
    pub fn feed(&mut self, chunk: &[u8]) {
        if self.pos > 0 {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
        self.buf.extend_from_slice(chunk);
        if !self.bom_checked && self.buf.len() >= 3 {
            if self.buf.starts_with(&[0xEF, 0xBB, 0xBF]) {
                self.pos = 3;
            }
            self.bom_checked = true;
        }
    }

    /// The next record, or `None` when more input is needed (or, with `eof`, the input is
    /// done). Call with `eof = true` after the last chunk to flush a final unterminated
    /// record.
    pub fn next(&mut self, eof: bool) -> Option<Event> {
        if eof {
            self.bom_checked = true;
        }
        loop {
            if self.skipping_long {
                match memchr(b'\n', &self.buf[self.pos..]) {
                    Some(i) => {
                        self.pos += i + 1;
                        self.skipping_long = false;
                        continue;
                    }
                    None => {
                        self.pos = self.buf.len();
                        return None;
                    }
                }
            }
            if self.pos >= self.buf.len() {
                return None;
            }
            match self.parse(eof) {
                Parse::Done(consumed) => {
                    self.pos += consumed;
                    return Some(Event::Record);
                }
                Parse::NeedMore => {
                    if self.buf.len() - self.pos > self.max_record {
                        self.skipping_long = true;
                        return Some(Event::Bad(format!(
                            "record is longer than {} bytes (a missing closing quote, or not a CSV file)",
                            self.max_record
                        )));
                    }
                    return None;
                }
                Parse::Unterminated => {
                    self.pos = self.buf.len();
                    return Some(Event::Bad(
                        "unterminated quoted field: the file ends inside quotes".into(),
                    ));
                }
            }
        }
    }

    fn parse(&mut self, eof: bool) -> Parse {
        let rec = &mut self.record;
        rec.data.clear();
        rec.ends.clear();
        let input = &self.buf[self.pos..];
        let d = self.delimiter;
        let mut i = 0;
        loop {
            // Start of a field.
            if i < input.len() && input[i] == b'"' {
                i += 1;
                loop {
                    match memchr(b'"', &input[i..]) {
                        None => {
                            return if eof {
                                Parse::Unterminated
                            } else {
                                Parse::NeedMore
                            };
                        }
                        Some(q) => {
                            rec.data.extend_from_slice(&input[i..i + q]);
                            i += q + 1;
                            if i < input.len() && input[i] == b'"' {
                                rec.data.push(b'"');
                                i += 1;
                                continue;
                            }
                            if i >= input.len() && !eof {
                                return Parse::NeedMore;
                            }
                            break;
                        }
                    }
                }
                // Text after the closing quote up to the delimiter is kept, as spreadsheets do.
            }
            let rest = &input[i..];
            let stop = rest
                .iter()
                .position(|&b| b == d || b == b'\n' || b == b'\r');
            match stop {
                None => {
                    if !eof {
                        return Parse::NeedMore;
                    }
                    rec.data.extend_from_slice(rest);
                    rec.ends.push(rec.data.len());
                    return Parse::Done(input.len());
                }
                Some(s) => {
                    rec.data.extend_from_slice(&rest[..s]);
                    rec.ends.push(rec.data.len());
                    i += s;
                    let b = input[i];
                    if b == d {
                        i += 1;
                        continue;
                    }
                    // Line end: \n, \r\n, or a lone \r.
                    if b == b'\r' {
                        if i + 1 < input.len() {
                            if input[i + 1] == b'\n' {
                                i += 1;
                            }
                        } else if !eof {
                            return Parse::NeedMore;
                        }
                    }
                    i += 1;
                    if rec.ends.len() == 1 && rec.ends[0] == 0 {
                        rec.ends.clear();
                    }
                    return Parse::Done(i);
                }
            }
        }
    }
}

enum Parse {
    Done(usize),
    NeedMore,
    Unterminated,
}

#[inline]
fn memchr(needle: u8, hay: &[u8]) -> Option<usize> {
    hay.iter().position(|&b| b == needle)
}

/// Header names mapped to positions, matched case-insensitively and ignoring surrounding
/// spaces, so `Amount`, `amount ` and `AMOUNT` are one column.
#[derive(Clone, Debug, Default)]
pub struct Header {
    names: Vec<String>,
}

impl Header {
    pub fn from_record(rec: &Record) -> Result<Header, String> {
        let mut names = Vec::with_capacity(rec.len());
        for i in 0..rec.len() {
            names.push(
                rec.get(i)
                    .map_err(|_| "the header row is not valid UTF-8".to_string())?
                    .trim()
                    .to_ascii_lowercase(),
            );
        }
        Ok(Header { names })
    }

    pub fn index(&self, name: &str) -> Option<usize> {
        let n = name.trim().to_ascii_lowercase();
        self.names.iter().position(|h| *h == n)
    }

    /// The first of several accepted spellings present in the header.
    pub fn any(&self, names: &[&str]) -> Option<usize> {
        names.iter().find_map(|n| self.index(n))
    }

    /// Positions of required columns, or an error naming every missing one.
    pub fn require(&self, names: &[&str]) -> Result<Vec<usize>, String> {
        let missing: Vec<&str> = names
            .iter()
            .copied()
            .filter(|n| self.index(n).is_none())
            .collect();
        if !missing.is_empty() {
            return Err(format!(
                "missing required column(s): {}",
                missing.join(", ")
            ));
        }
        Ok(names.iter().map(|n| self.index(n).unwrap()).collect())
    }

    pub fn names(&self) -> &[String] {
        &self.names
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(input: &[u8], chunk: usize) -> Vec<Result<Vec<String>, String>> {
        let mut r = CsvReader::new(b',');
        let mut out = vec![];
        let take = |r: &mut CsvReader, eof: bool, out: &mut Vec<_>| {
            while let Some(ev) = r.next(eof) {
                match ev {
                    Event::Record => {
                        let rec = r.record();
                        out.push(Ok((0..rec.len())
                            .map(|i| rec.get(i).unwrap().to_string())
                            .collect()))
                    }
                    Event::Bad(why) => out.push(Err(why)),
                }
            }
        };
        for c in input.chunks(chunk.max(1)) {
            r.feed(c);
            take(&mut r, false, &mut out);
        }
        take(&mut r, true, &mut out);
        out
    }

    fn rows(v: &[&[&str]]) -> Vec<Result<Vec<String>, String>> {
        v.iter()
            .map(|r| Ok(r.iter().map(|s| s.to_string()).collect()))
            .collect()
    }

    #[test]
    fn quirks_in_every_chunking() {
        let input = "\u{feff}id,name,note\r\n1,\"Smith, Jo\",\"said \"\"hi\"\"\nthen left\"\r\n2,x,\n\n3,y,z";
        let want = rows(&[
            &["id", "name", "note"],
            &["1", "Smith, Jo", "said \"hi\"\nthen left"],
            &["2", "x", ""],
            &[],
            &["3", "y", "z"],
        ]);
        for chunk in [1, 2, 3, 5, 7, 64, 1 << 16] {
            assert_eq!(
                read_all(input.as_bytes(), chunk),
                want,
                "chunk size {chunk}"
            );
        }
    }

    #[test]
    fn unterminated_quote_is_one_bad_row() {
        let got = read_all(b"a,b\n1,\"open\n2,x\n", 4);
        assert_eq!(got[0], Ok(vec!["a".to_string(), "b".to_string()]));
        assert_eq!(
            got[1],
            Err("unterminated quoted field: the file ends inside quotes".to_string())
        );
        assert_eq!(got.len(), 2);
    }

    #[test]
    fn long_record_is_skipped_not_buffered() {
        let mut input = b"a\n".to_vec();
        input.extend(std::iter::repeat_n(b'x', 5000));
        input.extend(b"\nok\n");
        let mut r = CsvReader::new(b',').with_max_record_bytes(1000);
        let mut events = vec![];
        for c in input.chunks(100) {
            r.feed(c);
            while let Some(e) = r.next(false) {
                events.push(e);
            }
            assert!(r.buf.len() < 1200, "buffer grew to {}", r.buf.len());
        }
        while let Some(e) = r.next(true) {
            events.push(e);
        }
        assert_eq!(events.len(), 3);
        assert!(matches!(events[1], Event::Bad(_)));
    }

    #[test]
    fn header_lookup_is_forgiving_and_reports_missing() {
        let mut r = CsvReader::new(b';');
        r.feed(b" Amount ;Stage\n");
        assert_eq!(r.next(false), Some(Event::Record));
        let h = Header::from_record(r.record()).unwrap();
        assert_eq!(h.index("amount"), Some(0));
        assert_eq!(
            h.require(&["stage", "currency", "id"]).unwrap_err(),
            "missing required column(s): currency, id"
        );
    }
}
