//! A streaming CSV reader fed in chunks: records may span chunks, memory holds at most
//! one unfinished record plus the current chunk. Handles a UTF-8 BOM, Excel's `sep=;`
//! first line, CRLF and LF, quoted fields with delimiters, doubled quotes and newlines, and
//! bounds a record's size so one runaway line cannot exhaust the plugin's memory.
//! [`Decoder`], in front of it, reads UTF-16 and refuses workbooks and other non-text files;
//! [`Header`] refuses a column name that appears twice when the plugin reads it.

/// A record longer than this is rejected and skipped (to its end, as the parser would
/// find it). A record's length is its bytes in the file, quotes included, without its
/// line end; the verdict is the same however the file is cut into chunks.
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
    sep_checked: bool,
    sep_hint: Option<u8>,
    /// Inside a record refused as too long: where the skip to its end stands.
    skipping: Option<Skip>,
    record: Record,
}

/// Where a record being skipped stands. The skip follows the parser's rules, so it ends
/// where the parser would have ended the record (a line end inside quotes does not end
/// it), and what follows reads the same as when the whole record was in one chunk.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Skip {
    FieldStart,
    Unquoted,
    Quoted,
    /// A quote inside a quoted field: a second one is an escaped quote, anything else
    /// closes the field.
    QuoteSeen,
    /// A `\r` that ends the record; a `\n` right after it belongs to that line end.
    Cr,
}

/// Bytes up to and including the end of the record, or where the skip stands once `bytes`
/// run out.
fn skip_to_record_end(mut at: Skip, delimiter: u8, bytes: &[u8]) -> Result<usize, Skip> {
    for (i, &b) in bytes.iter().enumerate() {
        at = match at {
            Skip::Cr => return Ok(i + usize::from(b == b'\n')),
            Skip::Quoted if b == b'"' => Skip::QuoteSeen,
            Skip::Quoted => Skip::Quoted,
            Skip::QuoteSeen | Skip::FieldStart if b == b'"' => Skip::Quoted,
            // Text after a closing quote is read like an unquoted field's.
            Skip::FieldStart | Skip::Unquoted | Skip::QuoteSeen => match b {
                b'\n' => return Ok(i + 1),
                b'\r' => Skip::Cr,
                _ if b == delimiter => Skip::FieldStart,
                _ => Skip::Unquoted,
            },
        };
    }
    Err(at)
}

impl CsvReader {
    pub fn new(delimiter: u8) -> Self {
        CsvReader {
            delimiter,
            max_record: DEFAULT_MAX_RECORD_BYTES,
            buf: Vec::new(),
            pos: 0,
            bom_checked: false,
            sep_checked: false,
            sep_hint: None,
            skipping: None,
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
    }

    /// The delimiter a first line `sep=;` (Excel's hint) named; that line is not a record,
    /// and the hint wins over the delimiter the reader was made with: it is what the program
    /// that wrote the file used.
    pub fn sep_hint(&self) -> Option<u8> {
        self.sep_hint
    }

    /// The delimiter records are split on.
    pub fn delimiter(&self) -> u8 {
        self.delimiter
    }

    /// Skips a UTF-8 BOM and an Excel `sep=` line at the start of the file; false while the
    /// bytes so far cannot tell.
    fn prelude(&mut self, eof: bool) -> bool {
        const BOM: &[u8] = b"\xEF\xBB\xBF";
        if !self.bom_checked {
            let rest = &self.buf[self.pos..];
            if rest.len() < BOM.len() && !eof && BOM.starts_with(rest) {
                return false;
            }
            if rest.starts_with(BOM) {
                self.pos += BOM.len();
            }
            self.bom_checked = true;
        }
        if !self.sep_checked {
            let rest = &self.buf[self.pos..];
            let n = rest.len().min(4);
            if !rest[..n].eq_ignore_ascii_case(&b"sep="[..n]) {
                self.sep_checked = true;
                return true;
            }
            // `sep=` and one delimiter, then the line end: at most 7 bytes.
            let nl = memchr(b'\n', rest);
            if nl.is_none() && rest.len() < 7 && !eof {
                return false;
            }
            let end = nl.unwrap_or(rest.len());
            let line = &rest[..end];
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if let [_, _, _, _, d @ (b',' | b';' | b'\t' | b'|')] = *line {
                self.sep_hint = Some(d);
                self.delimiter = d;
                self.pos += (end + 1).min(rest.len());
            }
            self.sep_checked = true;
        }
        true
    }

    /// The next record, or `None` when more input is needed (or, with `eof`, the input is
    /// done). Call with `eof = true` after the last chunk to flush a final unterminated
    /// record.
    pub fn next(&mut self, eof: bool) -> Option<Event> {
        if !self.prelude(eof) {
            return None;
        }
        if let Some(at) = self.skipping {
            self.skip(at);
            if self.skipping.is_some() {
                return None;
            }
        }
        if self.pos >= self.buf.len() {
            return None;
        }
        match self.parse(eof) {
            Parse::Done { consumed, body } => {
                self.pos += consumed;
                Some(if body > self.max_record {
                    self.too_long()
                } else {
                    Event::Record
                })
            }
            Parse::NeedMore => {
                // What is certainly the record's so far: a `\r` at the end may turn out to
                // be its line end, so it counts once the next byte says.
                let rest = &self.buf[self.pos..];
                let known = rest.len() - usize::from(rest.last() == Some(&b'\r'));
                if known <= self.max_record {
                    return None;
                }
                self.skip(Skip::FieldStart);
                Some(self.too_long())
            }
            Parse::Unterminated => {
                let len = self.buf.len() - self.pos;
                self.pos = self.buf.len();
                Some(if len > self.max_record {
                    self.too_long()
                } else {
                    Event::Bad("unterminated quoted field: the file ends inside quotes".into())
                })
            }
        }
    }

    fn too_long(&self) -> Event {
        Event::Bad(format!(
            "record is longer than {} bytes (a missing closing quote, or not a CSV file)",
            self.max_record
        ))
    }

    /// Drops the buffered bytes of a refused record, up to its end when it is buffered.
    fn skip(&mut self, at: Skip) {
        match skip_to_record_end(at, self.delimiter, &self.buf[self.pos..]) {
            Ok(n) => {
                self.pos += n;
                self.skipping = None;
            }
            Err(at) => {
                self.pos = self.buf.len();
                self.skipping = Some(at);
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
                    return Parse::Done {
                        consumed: input.len(),
                        body: input.len(),
                    };
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
                    let body = i;
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
                    return Parse::Done { consumed: i, body };
                }
            }
        }
    }
}

/// What a file's first bytes say it is, before any record is read: [`Decoder`] passes
/// UTF-8 through (dropping its BOM), transcodes UTF-16 with a BOM (Excel's "Unicode text")
/// to UTF-8, and refuses, naming what it is, a file that is no text at all.
///
/// `what` names the format the plugin reads, for the messages (`CSV`, `newline-delimited
/// JSON`), and `remedy` says how to get it (`save it as CSV UTF-8`).
pub struct Decoder {
    what: &'static str,
    remedy: &'static str,
    state: Enc,
    /// The first bytes, until there are enough to tell.
    head: Vec<u8>,
    /// Transcoded output of the last call.
    out: Vec<u8>,
    /// UTF-16: an odd byte left from the last chunk, and a high surrogate waiting for its
    /// pair.
    odd: Option<u8>,
    high: Option<u16>,
}

#[derive(Clone, Debug, PartialEq)]
enum Enc {
    Sniffing,
    Utf8,
    Utf16 { big_endian: bool },
    Refused(String),
}

/// Bytes read before deciding what a file is.
const SNIFF_BYTES: usize = 8;

/// Stands in for a broken UTF-16 sequence: never valid in UTF-8, so the row it is in is
/// rejected as invalid text, like any other undecodable cell.
const BROKEN: u8 = 0xFF;

impl Decoder {
    pub fn new(what: &'static str, remedy: &'static str) -> Self {
        Decoder {
            what,
            remedy,
            state: Enc::Sniffing,
            head: Vec::new(),
            out: Vec::new(),
            odd: None,
            high: None,
        }
    }

    /// For CSV readers: "save it as CSV UTF-8".
    pub fn csv() -> Self {
        Decoder::new(
            "CSV",
            "save it as CSV UTF-8 (in Excel: Save As, CSV UTF-8 (Comma delimited)) and point the campaign at that file",
        )
    }

    /// The next chunk as UTF-8 (borrowed when nothing needs changing). Call once more with
    /// an empty chunk and `eof` at the end of the file. An error says what the file looks
    /// like instead and what to do; every later call repeats it.
    pub fn decode<'a>(&'a mut self, chunk: &'a [u8], eof: bool) -> Result<&'a [u8], String> {
        if self.state == Enc::Sniffing {
            if self.head.len() + chunk.len() < SNIFF_BYTES && !eof {
                self.head.extend_from_slice(chunk);
                return Ok(&[]);
            }
            let mut head = std::mem::take(&mut self.head);
            head.extend_from_slice(chunk);
            self.state = self.sniff(&head);
            let body = match self.state {
                Enc::Utf8 if head.starts_with(b"\xEF\xBB\xBF") => &head[3..],
                Enc::Utf16 { .. } => &head[2..],
                _ => &head[..],
            };
            self.out.clear();
            match self.state {
                Enc::Utf8 => self.out.extend_from_slice(body),
                Enc::Utf16 { big_endian } => {
                    let body = body.to_vec();
                    self.utf16(&body, big_endian, eof);
                }
                _ => {}
            }
        } else if let Enc::Utf16 { big_endian } = self.state {
            self.out.clear();
            self.utf16(chunk, big_endian, eof);
        } else if self.state == Enc::Utf8 {
            return Ok(chunk);
        }
        match &self.state {
            Enc::Refused(why) => Err(why.clone()),
            _ => Ok(&self.out),
        }
    }

    fn sniff(&self, head: &[u8]) -> Enc {
        let (what, remedy) = (self.what, self.remedy);
        if head.starts_with(b"\xFF\xFE") {
            return Enc::Utf16 { big_endian: false };
        }
        if head.starts_with(b"\xFE\xFF") {
            return Enc::Utf16 { big_endian: true };
        }
        let refuse =
            |looks: &str| Enc::Refused(format!("this looks like {looks}, not {what}: {remedy}"));
        if head.starts_with(b"PK\x03\x04") {
            return refuse("an Excel workbook (.xlsx) or another zip archive");
        }
        if head.starts_with(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1") {
            return refuse("a legacy Excel workbook (.xls)");
        }
        if head.starts_with(b"\x1F\x8B") {
            return Enc::Refused(format!(
                "this looks like a gzip-compressed file, not {what}: decompress it (gunzip) and point the campaign at the file inside"
            ));
        }
        // UTF-16 without a BOM: text whose every second byte is NUL. Only the first
        // SNIFF_BYTES count: the first chunk may be longer or shorter than that, and the
        // answer must not depend on how the file was cut (found by the normalize_hubspot
        // fuzz target: 1-byte chunks refused a file that 1 MiB chunks read).
        let head = &head[..head.len().min(SNIFF_BYTES)];
        let pairs = head.len() / 2;
        if pairs >= 2 {
            let nul_at = |k: usize| head.chunks_exact(2).all(|p| p[k] == 0);
            match (nul_at(1), nul_at(0)) {
                (true, true) => return refuse("a binary file (it starts with NUL bytes)"),
                (true, false) => {
                    return refuse(
                        "UTF-16LE text without a byte-order mark (every second byte is NUL)",
                    );
                }
                (false, true) => {
                    return refuse(
                        "UTF-16BE text without a byte-order mark (every second byte is NUL)",
                    );
                }
                (false, false) => {}
            }
        }
        Enc::Utf8
    }

    fn utf16(&mut self, mut bytes: &[u8], big_endian: bool, eof: bool) {
        let unit = |a: u8, b: u8| {
            if big_endian {
                u16::from_be_bytes([a, b])
            } else {
                u16::from_le_bytes([a, b])
            }
        };
        if let Some(a) = self.odd.take() {
            match bytes.split_first() {
                Some((&b, rest)) => {
                    self.unit(unit(a, b));
                    bytes = rest;
                }
                None => self.odd = Some(a),
            }
        }
        let mut pairs = bytes.chunks_exact(2);
        for p in &mut pairs {
            self.unit(unit(p[0], p[1]));
        }
        if let [b] = pairs.remainder() {
            self.odd = Some(*b);
        }
        // At the end, a high surrogate or a byte left without its pair (both cleared: `|`).
        if eof && (self.high.take().is_some() | self.odd.take().is_some()) {
            self.out.push(BROKEN);
        }
    }

    fn unit(&mut self, u: u16) {
        let c = match (self.high.take(), u) {
            (None, 0xD800..=0xDBFF) => {
                self.high = Some(u);
                return;
            }
            (Some(h), 0xDC00..=0xDFFF) => {
                char::from_u32(0x10000 + (((h as u32) - 0xD800) << 10) + ((u as u32) - 0xDC00))
            }
            (Some(_), _) => {
                // A high surrogate without its pair; `u` is read afresh.
                self.out.push(BROKEN);
                return self.unit(u);
            }
            (None, _) => char::from_u32(u as u32),
        };
        match c {
            Some(c) => {
                let mut b = [0; 4];
                self.out.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
            }
            None => self.out.push(BROKEN),
        }
    }
}

enum Parse {
    /// A record: `consumed` bytes with its line end, `body` without.
    Done {
        consumed: usize,
        body: usize,
    },
    NeedMore,
    Unterminated,
}

#[inline]
fn memchr(needle: u8, hay: &[u8]) -> Option<usize> {
    hay.iter().position(|&b| b == needle)
}

/// Header names mapped to positions, matched case-insensitively and ignoring surrounding
/// spaces, so `Amount`, `amount ` and `AMOUNT` are one column.
///
/// A name that appears twice is fine until the plugin reads it: then which column is meant
/// cannot be known, so [`Header::require`] refuses it and [`Header::check_duplicates`]
/// (which [`crate::normalizer::Csv`] calls after the plugin's `header`) reports any that
/// [`Header::index`] or [`Header::any`] looked up.
#[derive(Clone, Debug, Default)]
pub struct Header {
    names: Vec<String>,
    /// The names as the file spells them (trimmed), for messages.
    spelled: Vec<String>,
    /// Positions of duplicated names the plugin looked up.
    read_twice: std::cell::RefCell<Vec<usize>>,
}

impl Header {
    pub fn from_record(rec: &Record) -> Result<Header, String> {
        let mut names = Vec::with_capacity(rec.len());
        let mut spelled = Vec::with_capacity(rec.len());
        for i in 0..rec.len() {
            let s = rec
                .get(i)
                .map_err(|_| "the header row is not valid UTF-8".to_string())?
                .trim();
            names.push(s.to_ascii_lowercase());
            spelled.push(s.to_string());
        }
        Ok(Header {
            names,
            spelled,
            read_twice: Default::default(),
        })
    }

    pub fn index(&self, name: &str) -> Option<usize> {
        let n = name.trim().to_ascii_lowercase();
        let i = self.names.iter().position(|h| *h == n)?;
        if self.names[i + 1..].contains(&n) {
            let mut seen = self.read_twice.borrow_mut();
            if !seen.contains(&i) {
                seen.push(i);
            }
        }
        Some(i)
    }

    /// An error naming the first duplicated column the plugin looked up, with every
    /// position it has (from 1): ``column `Amount` appears twice in the header (columns 3
    /// and 7); rename one``.
    pub fn check_duplicates(&self) -> Result<(), String> {
        let Some(&i) = self.read_twice.borrow().iter().min() else {
            return Ok(());
        };
        let at: Vec<String> = (0..self.names.len())
            .filter(|&k| self.names[k] == self.names[i])
            .map(|k| (k + 1).to_string())
            .collect();
        let (last, rest) = at.split_last().unwrap();
        let (times, fix) = match at.len() {
            2 => ("twice".to_string(), "rename one"),
            n => (format!("{n} times"), "rename all but one"),
        };
        Err(format!(
            "column `{}` appears {times} in the header (columns {} and {last}); {fix}",
            self.spelled[i],
            rest.join(", ")
        ))
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
        let at = names.iter().map(|n| self.index(n).unwrap()).collect();
        self.check_duplicates()?;
        Ok(at)
    }

    pub fn names(&self) -> &[String] {
        &self.names
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(input: &[u8], chunk: usize) -> Vec<Result<Vec<String>, String>> {
        read_capped(input, chunk, DEFAULT_MAX_RECORD_BYTES)
    }

    fn read_capped(input: &[u8], chunk: usize, cap: usize) -> Vec<Result<Vec<String>, String>> {
        let mut r = CsvReader::new(b',').with_max_record_bytes(cap);
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

    /// Findings S1 and S2 (docs/security.md): the cap held only for records still
    /// unfinished after a chunk, and counted a `\r` waiting for its `\n`.
    #[test]
    fn the_record_cap_is_the_same_in_every_chunking() {
        // Lengths by hand, cap 7: `id,note` 7 (fits); `abcdefg` 7 (fits; its `\r\n` is
        // not counted, even when a chunk ends between the two); `"a⏎b",cdefgh` 12 (too
        // long, and skipped to its own end, not to the line end inside its quotes);
        // `12345678` 8 (too long, though finished in the chunk that holds it); `ok`;
        // `"q"` 3, with a `\r` ending the file.
        let input = b"id,note\r\nabcdefg\r\n\"a\nb\",cdefgh\n12345678\nok\n\"q\"\r";
        let long = Err(
            "record is longer than 7 bytes (a missing closing quote, or not a CSV file)"
                .to_string(),
        );
        let want = vec![
            Ok(vec!["id".to_string(), "note".to_string()]),
            Ok(vec!["abcdefg".to_string()]),
            long.clone(),
            long,
            Ok(vec!["ok".to_string()]),
            Ok(vec!["q".to_string()]),
        ];
        for chunk in (1..=input.len()).chain([1 << 20]) {
            assert_eq!(read_capped(input, chunk, 7), want, "chunk size {chunk}");
        }
    }

    #[test]
    fn at_the_default_cap_a_long_record_is_refused_however_it_arrives() {
        let cap = DEFAULT_MAX_RECORD_BYTES;
        for len in [cap, cap + 1, 1_500_000] {
            let mut input = vec![b'x'; len];
            input.extend(b"\r\nnext\n");
            let mut want = vec![Ok(vec!["next".to_string()])];
            if len > cap {
                want.insert(0, Err(format!("record is longer than {cap} bytes (a missing closing quote, or not a CSV file)")));
            } else {
                want.insert(0, Ok(vec!["x".repeat(len)]));
            }
            for chunk in [input.len(), cap, len - 1, 23_474] {
                assert_eq!(read_all(&input, chunk), want, "record {len}, chunk {chunk}");
            }
        }
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

    fn utf16(text: &str, big_endian: bool) -> Vec<u8> {
        let mut v = if big_endian {
            vec![0xFE, 0xFF]
        } else {
            vec![0xFF, 0xFE]
        };
        for u in text.encode_utf16() {
            v.extend(if big_endian {
                u.to_be_bytes()
            } else {
                u.to_le_bytes()
            });
        }
        v
    }

    /// Everything `Decoder::csv` makes of `input` fed in chunks of `chunk` bytes.
    fn decode_all(input: &[u8], chunk: usize) -> Result<Vec<u8>, String> {
        let mut d = Decoder::csv();
        let mut out = vec![];
        for c in input.chunks(chunk.max(1)) {
            out.extend_from_slice(d.decode(c, false)?);
        }
        out.extend_from_slice(d.decode(&[], true)?);
        Ok(out)
    }

    #[test]
    fn utf16_with_a_bom_is_read_as_utf8_in_every_chunking() {
        let text = "E-Mail\tBetrag\r\nzoë@kestrel.example\t1.234,50 €\r\n𝄞 clef\t5\r\n";
        for big_endian in [false, true] {
            let input = utf16(text, big_endian);
            for chunk in [1, 2, 3, 5, 7, 8, 9, 64, 1 << 16] {
                assert_eq!(
                    decode_all(&input, chunk).unwrap(),
                    text.as_bytes(),
                    "big endian {big_endian}, chunk {chunk}"
                );
            }
        }
        // Broken UTF-16 becomes bytes that are never UTF-8, so its row is a reject.
        let mut lone = utf16("a,", false);
        lone.extend([0x00, 0xDC, b'b', 0]); // a low surrogate alone, then `b`
        assert_eq!(decode_all(&lone, 1).unwrap(), b"a,\xFFb");
        let mut high = utf16("a", false);
        high.extend([0x3D, 0xD8, b'b', 0, 0x3D]); // a high surrogate, `b`, an odd byte
        assert_eq!(decode_all(&high, 3).unwrap(), b"a\xFFb\xFF");
    }

    #[test]
    fn utf8_passes_through_without_its_bom() {
        for chunk in [1, 2, 3, 8, 64] {
            assert_eq!(
                decode_all(b"\xEF\xBB\xBFid\n1\n", chunk).unwrap(),
                b"id\n1\n"
            );
            assert_eq!(decode_all(b"id\n1\n", chunk).unwrap(), b"id\n1\n");
            assert_eq!(decode_all(b"", chunk).unwrap(), b"");
        }
    }

    #[test]
    fn workbooks_and_other_non_text_files_are_refused_naming_what_they_are() {
        let save = "not CSV: save it as CSV UTF-8 (in Excel: Save As, CSV UTF-8 (Comma delimited)) and point the campaign at that file";
        let cases: [(&[u8], String); 6] = [
            (
                b"PK\x03\x04\x14\x00\x06\x00[Content_Types].xml",
                format!("this looks like an Excel workbook (.xlsx) or another zip archive, {save}"),
            ),
            (
                b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\x00\x00",
                format!("this looks like a legacy Excel workbook (.xls), {save}"),
            ),
            (
                b"i\0d\0,\0a\0\n\0",
                format!(
                    "this looks like UTF-16LE text without a byte-order mark (every second byte is NUL), {save}"
                ),
            ),
            (
                b"\0i\0d\0,\0a\0\n",
                format!(
                    "this looks like UTF-16BE text without a byte-order mark (every second byte is NUL), {save}"
                ),
            ),
            (
                b"\0\0\0\0\0\0\0\0\0",
                format!("this looks like a binary file (it starts with NUL bytes), {save}"),
            ),
            (
                b"\x1F\x8B\x08\x00\x00\x00\x00\x00",
                "this looks like a gzip-compressed file, not CSV: decompress it (gunzip) and point the campaign at the file inside".to_string(),
            ),
        ];
        for (input, want) in cases {
            for chunk in [1, 3, 64] {
                assert_eq!(decode_all(input, chunk), Err(want.clone()), "chunk {chunk}");
            }
        }
        // Only the first eight bytes decide, however the file is cut (the normalize_hubspot
        // fuzz target's finding: eight NUL bytes, then text, was refused in 1-byte chunks and
        // read in one chunk). Every chunking now refuses it, and a file whose NUL bytes
        // start after the eighth is text (its rows are rejected one by one).
        let late = b"\0\0\0\0\0\0\0\0id,x\n1,2\n";
        for chunk in [1, 3, 8, 9, 64] {
            assert_eq!(
                decode_all(late, chunk),
                Err(format!(
                    "this looks like a binary file (it starts with NUL bytes), {save}"
                )),
                "chunk {chunk}"
            );
        }
        for chunk in [1, 3, 8, 9, 64] {
            assert_eq!(
                decode_all(b"id,x\n1,\0\0\0\0\0\0\n", chunk).unwrap(),
                b"id,x\n1,\0\0\0\0\0\0\n"
            );
        }
        // The refusal sticks.
        let mut d = Decoder::csv();
        assert!(d.decode(b"PK\x03\x04\x14\x00\x06\x00", false).is_err());
        assert!(d.decode(b"id\n", false).is_err());
        assert!(d.decode(b"", true).is_err());
    }

    #[test]
    fn an_excel_sep_line_is_skipped_and_names_the_delimiter() {
        let want = rows(&[&["id", "name"], &["1", "x,y"]]);
        for (input, d) in [
            ("sep=;\nid;name\n1;x,y\n", b';'),
            ("\u{feff}sep=;\r\nid;name\r\n1;x,y\r\n", b';'),
            ("SEP=|\nid|name\n1|\"x,y\"\n", b'|'),
            ("sep=\t\nid\tname\n1\tx,y", b'\t'),
        ] {
            for chunk in [1, 2, 3, 5, 7, 64] {
                let mut r = CsvReader::new(b',');
                let mut got = vec![];
                let mut take = |r: &mut CsvReader, eof: bool| {
                    while let Some(ev) = r.next(eof) {
                        assert_eq!(ev, Event::Record);
                        let rec = r.record();
                        got.push(Ok((0..rec.len())
                            .map(|i| rec.get(i).unwrap().to_string())
                            .collect()));
                    }
                };
                for c in input.as_bytes().chunks(chunk) {
                    r.feed(c);
                    take(&mut r, false);
                }
                take(&mut r, true);
                assert_eq!(got, want, "{input:?} chunk {chunk}");
                assert_eq!(r.sep_hint(), Some(d));
                assert_eq!(r.delimiter(), d);
            }
        }
        // Only a line that is exactly `sep=` and one delimiter is a hint.
        assert_eq!(
            read_all(b"sep=,x\n1,2\n", 3),
            rows(&[&["sep=", "x"], &["1", "2"]])
        );
        assert_eq!(read_all(b"sep", 1), rows(&[&["sep"]]));
    }

    #[test]
    fn a_duplicate_column_is_refused_only_when_read() {
        let mut r = CsvReader::new(b',');
        r.feed(b"Id,Amount,Stage, amount ,Note,NOTE,note\n");
        assert_eq!(r.next(false), Some(Event::Record));
        let h = Header::from_record(r.record()).unwrap();
        // Nobody read a duplicate yet.
        assert_eq!(h.index("stage"), Some(2));
        assert_eq!(h.check_duplicates(), Ok(()));
        assert_eq!(h.index("AMOUNT"), Some(1));
        assert_eq!(
            h.check_duplicates().unwrap_err(),
            "column `Amount` appears twice in the header (columns 2 and 4); rename one"
        );
        assert_eq!(
            h.require(&["id", "note"]).unwrap_err(),
            "column `Amount` appears twice in the header (columns 2 and 4); rename one"
        );
        let h = Header::from_record(r.record()).unwrap();
        assert_eq!(
            h.require(&["id", "note"]).unwrap_err(),
            "column `Note` appears 3 times in the header (columns 5, 6 and 7); rename all but one"
        );
        assert_eq!(
            h.require(&["id", "missing"]).unwrap_err(),
            "missing required column(s): missing"
        );
    }
}
