//! Partner normalizers: implement [`Normalizer`] (or [`CsvRows`] for CSV exports and let
//! [`Csv`] do the streaming), export with [`crate::export_normalizer!`].

use crate::csv::{CsvReader, Decoder, Event, Header, Record};
use crate::params::{ParamSpec, Params};
use crate::time::Time;

#[doc(hidden)]
pub mod bindings {
    wit_bindgen::generate!({
        path: "../../wit/normalizer-0.1.0",
        world: "normalizer-plugin",
        pub_export_macro: true,
        export_macro_name: "__ascribe_export_normalizer_world",
        default_bindings_module: "ascribe_sdk::normalizer::bindings",
    });
}

use bindings::exports::ascribe::normalizer::normalize as wit;

#[derive(Clone, Debug)]
pub struct Info {
    pub name: String,
    pub version: String,
    pub description: String,
    pub params: Vec<ParamSpec>,
    /// e.g. `crm:opportunities`, `map:campaign-members`.
    pub accepts: Vec<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SourceInfo {
    pub kind: String,
    pub file_name: String,
}

#[derive(Clone, Debug, PartialEq)]
pub enum NormalizeError {
    InvalidParam(String),
    BadFile(String),
    Failed(String),
}

impl From<String> for NormalizeError {
    fn from(s: String) -> Self {
        NormalizeError::InvalidParam(s)
    }
}

/// One canonical touchpoint. Empty strings mean "not given".
#[derive(Clone, Copy, Debug)]
pub struct Touch<'a> {
    pub person: &'a str,
    pub account: &'a str,
    pub time: Time,
    pub channel: &'a str,
    pub source: &'a str,
    pub medium: &'a str,
    pub campaign: &'a str,
    pub asset: &'a str,
    pub region: &'a str,
    pub segment: &'a str,
    pub touch_type: &'a str,
}

impl Default for Touch<'_> {
    fn default() -> Self {
        Touch {
            person: "",
            account: "",
            time: Time::NONE,
            channel: "",
            source: "",
            medium: "",
            campaign: "",
            asset: "",
            region: "",
            segment: "",
            touch_type: "",
        }
    }
}

/// One opportunity or deal. `amount` is decimal text as the export wrote it, cleaned of
/// currency symbols and thousands separators ([`clean_amount`]).
#[derive(Clone, Copy, Debug)]
pub struct Conversion<'a> {
    pub id: &'a str,
    pub account: &'a str,
    pub account_domain: &'a str,
    pub stage: &'a str,
    pub amount: &'a str,
    pub currency: &'a str,
    pub created: Time,
    pub closed: Time,
    pub lead_source: &'a str,
    pub campaign: &'a str,
}

impl Default for Conversion<'_> {
    fn default() -> Self {
        Conversion {
            id: "",
            account: "",
            account_domain: "",
            stage: "",
            amount: "",
            currency: "",
            created: Time::NONE,
            closed: Time::NONE,
            lead_source: "",
            campaign: "",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subject {
    Person,
    Deal,
}

#[derive(Clone, Copy, Debug)]
pub struct StageEvent<'a> {
    pub subject: Subject,
    /// The person's e-mail or id, or the deal id.
    pub key: &'a str,
    pub account: &'a str,
    /// Raw stage name as the export has it; the campaign's stage map translates it.
    pub stage: &'a str,
    pub time: Time,
}

#[derive(Default, Debug, Clone, PartialEq)]
pub struct StrCol {
    pub offsets: Vec<u32>,
    pub data: Vec<u8>,
}

impl StrCol {
    fn push(&mut self, s: &str) {
        if self.offsets.is_empty() {
            self.offsets.push(0);
        }
        self.data.extend_from_slice(s.as_bytes());
        self.offsets.push(self.data.len() as u32);
    }

    pub fn len(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn get(&self, i: usize) -> &str {
        let (s, e) = (self.offsets[i] as usize, self.offsets[i + 1] as usize);
        std::str::from_utf8(&self.data[s..e]).unwrap()
    }

    fn take(&mut self) -> wit::Strings {
        let mut c = std::mem::take(self);
        if c.offsets.is_empty() {
            c.offsets.push(0);
        }
        wit::Strings {
            offsets: c.offsets,
            data: c.data,
        }
    }
}

#[derive(Default, Debug, Clone, PartialEq)]
pub struct TimeCol {
    pub wall_ms: Vec<i64>,
    pub offset_min: Vec<i32>,
}

impl TimeCol {
    fn push(&mut self, t: Time) {
        self.wall_ms.push(t.wall_ms);
        self.offset_min.push(t.offset_min.unwrap_or(i32::MIN));
    }

    pub fn get(&self, i: usize) -> Time {
        let o = self.offset_min[i];
        Time {
            wall_ms: self.wall_ms[i],
            offset_min: (o != i32::MIN).then_some(o),
        }
    }

    fn take(&mut self) -> wit::Times {
        let c = std::mem::take(self);
        wit::Times {
            wall_ms: c.wall_ms,
            offset_min: c.offset_min,
        }
    }
}

/// The output of a `push` or `finish`, built row by row; columns stay aligned.
#[derive(Default, Debug, Clone)]
pub struct Batch {
    pub rows_read: u64,
    pub touch_row: Vec<u64>,
    pub touch: [StrCol; 10],
    pub touch_time: TimeCol,
    pub conv_row: Vec<u64>,
    pub conv: [StrCol; 8],
    pub conv_created: TimeCol,
    pub conv_closed: TimeCol,
    pub event_row: Vec<u64>,
    pub event_kind: Vec<u8>,
    pub event: [StrCol; 3],
    pub event_time: TimeCol,
    pub rejects: Vec<(u64, String, String)>,
}

/// Positions in [`Batch::touch`].
pub mod touch_col {
    pub const PERSON: usize = 0;
    pub const ACCOUNT: usize = 1;
    pub const CHANNEL: usize = 2;
    pub const SOURCE: usize = 3;
    pub const MEDIUM: usize = 4;
    pub const CAMPAIGN: usize = 5;
    pub const ASSET: usize = 6;
    pub const REGION: usize = 7;
    pub const SEGMENT: usize = 8;
    pub const TOUCH_TYPE: usize = 9;
}

/// Positions in [`Batch::conv`].
pub mod conv_col {
    pub const ID: usize = 0;
    pub const ACCOUNT: usize = 1;
    pub const ACCOUNT_DOMAIN: usize = 2;
    pub const STAGE: usize = 3;
    pub const AMOUNT: usize = 4;
    pub const CURRENCY: usize = 5;
    pub const LEAD_SOURCE: usize = 6;
    pub const CAMPAIGN: usize = 7;
}

impl Batch {
    pub fn touch(&mut self, row: u64, t: &Touch) {
        self.touch_row.push(row);
        for (i, s) in [
            t.person,
            t.account,
            t.channel,
            t.source,
            t.medium,
            t.campaign,
            t.asset,
            t.region,
            t.segment,
            t.touch_type,
        ]
        .into_iter()
        .enumerate()
        {
            self.touch[i].push(s);
        }
        self.touch_time.push(t.time);
    }

    pub fn conversion(&mut self, row: u64, c: &Conversion) {
        self.conv_row.push(row);
        for (i, s) in [
            c.id,
            c.account,
            c.account_domain,
            c.stage,
            c.amount,
            c.currency,
            c.lead_source,
            c.campaign,
        ]
        .into_iter()
        .enumerate()
        {
            self.conv[i].push(s);
        }
        self.conv_created.push(c.created);
        self.conv_closed.push(c.closed);
    }

    pub fn stage_event(&mut self, row: u64, e: &StageEvent) {
        self.event_row.push(row);
        self.event_kind.push(match e.subject {
            Subject::Person => 0,
            Subject::Deal => 1,
        });
        for (i, s) in [e.key, e.account, e.stage].into_iter().enumerate() {
            self.event[i].push(s);
        }
        self.event_time.push(e.time);
    }

    /// Rejects a row: `column` names the offending column (empty for the whole row).
    /// Records a row the plugin could not read. The column and the reason are cut to the
    /// host's limit of [`MAX_REJECT_TEXT`] bytes (at a character boundary, with `…`):
    /// a reason quoting a 100 KB cell must cost its row, never the whole batch, which the
    /// host refuses when any reject's text is longer (found by the normalizer fuzz targets).
    pub fn reject(&mut self, row: u64, column: &str, reason: impl Into<String>) {
        self.rejects
            .push((row, cut(column.to_string()), cut(reason.into())));
    }

    pub fn touches(&self) -> usize {
        self.touch_row.len()
    }

    pub fn conversions(&self) -> usize {
        self.conv_row.len()
    }

    pub fn stage_events(&self) -> usize {
        self.event_row.len()
    }

    /// Moves the columns out, keeping `rows_read` (it is cumulative).
    #[doc(hidden)]
    pub fn take_wit(&mut self) -> wit::Batch {
        let [t0, t1, t2, t3, t4, t5, t6, t7, t8, t9] = &mut self.touch;
        let [c0, c1, c2, c3, c4, c5, c6, c7] = &mut self.conv;
        let [e0, e1, e2] = &mut self.event;
        wit::Batch {
            rows_read: self.rows_read,
            touches: wit::Touches {
                row: std::mem::take(&mut self.touch_row),
                person: t0.take(),
                account: t1.take(),
                channel: t2.take(),
                source: t3.take(),
                medium: t4.take(),
                campaign: t5.take(),
                asset: t6.take(),
                region: t7.take(),
                segment: t8.take(),
                touch_type: t9.take(),
                time: self.touch_time.take(),
            },
            conversions: wit::Conversions {
                row: std::mem::take(&mut self.conv_row),
                id: c0.take(),
                account: c1.take(),
                account_domain: c2.take(),
                stage: c3.take(),
                amount: c4.take(),
                currency: c5.take(),
                lead_source: c6.take(),
                campaign: c7.take(),
                created: self.conv_created.take(),
                closed: self.conv_closed.take(),
            },
            stage_events: wit::StageEvents {
                row: std::mem::take(&mut self.event_row),
                subject_kind: std::mem::take(&mut self.event_kind),
                subject: e0.take(),
                account: e1.take(),
                stage: e2.take(),
                time: self.event_time.take(),
            },
            rejects: std::mem::take(&mut self.rejects)
                .into_iter()
                .map(|(row, column, reason)| wit::Reject {
                    row,
                    column,
                    reason,
                })
                .collect(),
        }
    }
}

/// Cleans an exported amount: strips spaces, currency symbols and codes, and thousands
/// separators, keeping an optional leading minus and one decimal point. `decimal_comma`
/// reads `1.234,50` as 1234.50. Returns `Ok("")` for an empty cell.
///
/// An amount is never reinterpreted: a thousands separator (`,`, or `.` with
/// `decimal_comma`; a space or `'` between digits) must stand between groups of exactly
/// three digits before the decimal mark, after a first group of one to three, so
/// `12500,50`, `1,23` and `1.234,56` are refused without `decimal_comma` (the reason names
/// the parameter), and `12.5` with it. The sign comes first (`-5`, `$-5`, `(5)`); letters
/// other than a currency code (`12.5k`, `n/a`) are refused.
pub fn clean_amount(raw: &str, decimal_comma: bool) -> Result<String, String> {
    let s = raw.trim();
    if s.is_empty() {
        return Ok(String::new());
    }
    // The cell as quoted in a reason, cut short: a reject's text is bounded.
    let shown: String = if s.chars().count() > 64 {
        s.chars().take(64).chain(std::iter::once('…')).collect()
    } else {
        s.to_string()
    };
    let bad = || format!("`{shown}` is not an amount");
    // A currency code may stand before or after the number (`USD 99`, `99 EUR`); any
    // other letter is a unit or a typo (`12.5k`, `n/a`) and must not be read as a number.
    let mut body = s;
    for _ in 0..2 {
        let t = body.trim();
        if t.len() > 3 && t.is_char_boundary(3) && t[..3].bytes().all(|b| b.is_ascii_uppercase()) {
            body = &t[3..];
        } else if t.len() > 3
            && t.is_char_boundary(t.len() - 3)
            && t[t.len() - 3..].bytes().all(|b| b.is_ascii_uppercase())
        {
            body = &t[..t.len() - 3];
        } else {
            body = t;
        }
    }
    let (dec, group) = if decimal_comma {
        (',', '.')
    } else {
        ('.', ',')
    };
    let is_symbol = |c: char| matches!(c, '$' | '€' | '£' | '¥');
    let is_space = |c: char| c == ' ' || c == '\u{a0}';
    // Phases: 0 before the number (currency symbols, the sign, spaces), 1 the number,
    // 2 after it (currency symbols, spaces, a closing parenthesis).
    let mut phase = 0;
    let (mut minus, mut plus, mut open, mut close) = (0, 0, 0, 0);
    let mut out = String::with_capacity(body.len());
    let mut digits = 0;
    let mut seen_dec = false;
    // Thousands grouping: digits since the last separator, the separator that opened the
    // current group, and the first separator found out of place.
    let mut group_len = 0;
    let mut last_sep: Option<char> = None;
    let mut misplaced: Option<char> = None;
    let mut prev_digit = false;
    let mut chars = body.chars().peekable();
    while let Some(ch) = chars.next() {
        let next_digit = chars.peek().is_some_and(|c| c.is_ascii_digit());
        let is_digit = ch.is_ascii_digit();
        if is_digit {
            if phase == 2 {
                return Err(bad());
            }
            phase = 1;
            out.push(ch);
            digits += 1;
            if !seen_dec {
                group_len += 1;
            }
        } else if ch == dec && phase < 2 {
            if seen_dec {
                return Err(bad());
            }
            if last_sep.is_some() && group_len != 3 {
                misplaced = misplaced.or(last_sep);
            }
            phase = 1;
            seen_dec = true;
            out.push('.');
        } else if phase < 2
            && (ch == group || ((is_space(ch) || ch == '\'') && prev_digit && next_digit))
        {
            // A thousands separator: it closes the group before it.
            let first = last_sep.is_none();
            if seen_dec || (first && !(1..=3).contains(&group_len)) || (!first && group_len != 3) {
                misplaced = misplaced.or(Some(last_sep.unwrap_or(ch)));
            }
            phase = 1;
            last_sep = Some(ch);
            group_len = 0;
        } else if is_space(ch) || is_symbol(ch) {
            if phase == 1 {
                phase = 2;
            }
        } else if ch == '-' && phase == 0 {
            minus += 1;
        } else if ch == '+' && phase == 0 {
            plus += 1;
        } else if ch == '(' && phase == 0 {
            open += 1;
        } else if ch == ')' && phase > 0 {
            phase = 2;
            close += 1;
        } else {
            return Err(bad());
        }
        prev_digit = is_digit;
    }
    if !seen_dec && last_sep.is_some() && group_len != 3 {
        misplaced = misplaced.or(last_sep);
    }
    match misplaced {
        Some(',') => {
            return Err(format!(
                "amount `{shown}` has a comma that is not a thousands separator; if this source \
                 writes decimal commas, set the normalizer parameter `decimal_comma = true`"
            ));
        }
        Some('.') => {
            return Err(format!(
                "amount `{shown}` has a point that is not a thousands separator; if this source \
                 writes decimal points, set the normalizer parameter `decimal_comma = false`"
            ));
        }
        Some(_) => return Err(bad()),
        None => {}
    }
    if digits == 0 || minus + plus + open > 1 || open != close {
        return Err(bad());
    }
    if minus + open == 1 {
        out.insert(0, '-');
    }
    Ok(out)
}

/// How [`clean_amount`] reads cells that real exports contain: (cell, `decimal_comma`, the
/// amount or the reason). The SDK's tests run them, and so does the test of every Rust
/// project `ascribe plugin new` writes, on the SDK sources it vendors.
pub const AMOUNT_CASES: &[(&str, bool, Result<&str, &str>)] = &[
    ("$1,234.50", false, Ok("1234.50")),
    ("1.234,50", true, Ok("1234.50")),
    ("1.234,50 €", true, Ok("1234.50")),
    (
        "1.234,50",
        false,
        Err(
            "amount `1.234,50` has a comma that is not a thousands separator; if this source \
             writes decimal commas, set the normalizer parameter `decimal_comma = true`",
        ),
    ),
    ("USD 99", false, Ok("99")),
    ("99 EUR", false, Ok("99")),
    ("(250.00)", false, Ok("-250.00")),
    ("  ", false, Ok("")),
    // A unit letter is not a currency: 12.5k must not become 12.5.
    ("12.5k", false, Err("`12.5k` is not an amount")),
    ("n/a", false, Err("`n/a` is not an amount")),
    ("#VALUE!", false, Err("`#VALUE!` is not an amount")),
];

/// The longest column or reason text the host accepts in a reject (bytes).
pub const MAX_REJECT_TEXT: usize = 1024;

/// `s` cut to [`MAX_REJECT_TEXT`] bytes at a character boundary, ending in `…` when cut.
fn cut(mut s: String) -> String {
    if s.len() <= MAX_REJECT_TEXT {
        return s;
    }
    let mut end = MAX_REJECT_TEXT - '…'.len_utf8();
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s.truncate(end);
    s.push('…');
    s
}

/// A normalizer: one session per file.
pub trait Normalizer: Sized + 'static {
    fn info() -> Info;
    fn open(source: &SourceInfo, params: &Params) -> Result<Self, NormalizeError>;
    /// Consume a chunk; put what became complete in `out` and keep `out.rows_read` current.
    fn push(&mut self, chunk: &[u8], out: &mut Batch) -> Result<(), NormalizeError>;
    /// End of file.
    fn finish(&mut self, out: &mut Batch) -> Result<(), NormalizeError>;
}

/// A CSV-based normalizer: the SDK streams records and numbers the rows; the plugin maps
/// one record at a time.
pub trait CsvRows: Sized + 'static {
    fn info() -> Info;
    fn open(source: &SourceInfo, params: &Params) -> Result<Self, NormalizeError>;
    /// The field delimiter (a parameter in most plugins).
    fn delimiter(&self) -> u8 {
        b','
    }
    /// Called once with the header row; check the required columns here.
    fn header(&mut self, header: &Header) -> Result<(), NormalizeError>;
    /// Map one data row (numbered from 1). Every row must produce output or a reject.
    fn row(&mut self, row: u64, record: &Record, out: &mut Batch);
}

/// Streams a [`CsvRows`] plugin: the file's encoding is checked first ([`Decoder`]: UTF-16
/// with a BOM is read, a workbook or other non-text file is a [`NormalizeError::BadFile`]
/// naming it), a column name the plugin reads that appears twice in the header is a
/// `BadFile` ([`Header::check_duplicates`]), blank lines are skipped and unreadable records
/// rejected with their reason.
pub struct Csv<T: CsvRows> {
    pub inner: T,
    decoder: Decoder,
    reader: CsvReader,
    header_seen: bool,
}

impl<T: CsvRows> Csv<T> {
    fn drain(&mut self, eof: bool, out: &mut Batch) -> Result<(), NormalizeError> {
        while let Some(ev) = self.reader.next(eof) {
            match ev {
                Event::Record if !self.header_seen => {
                    let h = Header::from_record(self.reader.record())
                        .map_err(NormalizeError::BadFile)?;
                    self.inner.header(&h)?;
                    h.check_duplicates().map_err(NormalizeError::BadFile)?;
                    self.header_seen = true;
                }
                Event::Bad(why) if !self.header_seen => {
                    return Err(NormalizeError::BadFile(format!(
                        "cannot read the header row: {why}"
                    )));
                }
                Event::Record => {
                    if self.reader.record().is_blank() {
                        // Blank lines are not rows: spreadsheets pad files with them.
                        continue;
                    }
                    out.rows_read += 1;
                    let row = out.rows_read;
                    self.inner.row(row, self.reader.record(), out);
                }
                Event::Bad(why) => {
                    out.rows_read += 1;
                    out.reject(out.rows_read, "", why);
                }
            }
        }
        Ok(())
    }
}

impl<T: CsvRows> Normalizer for Csv<T> {
    fn info() -> Info {
        T::info()
    }

    fn open(source: &SourceInfo, params: &Params) -> Result<Self, NormalizeError> {
        let inner = T::open(source, params)?;
        let reader = CsvReader::new(inner.delimiter());
        Ok(Csv {
            inner,
            decoder: Decoder::csv(),
            reader,
            header_seen: false,
        })
    }

    fn push(&mut self, chunk: &[u8], out: &mut Batch) -> Result<(), NormalizeError> {
        let text = self
            .decoder
            .decode(chunk, false)
            .map_err(NormalizeError::BadFile)?;
        self.reader.feed(text);
        self.drain(false, out)
    }

    fn finish(&mut self, out: &mut Batch) -> Result<(), NormalizeError> {
        let text = self
            .decoder
            .decode(&[], true)
            .map_err(NormalizeError::BadFile)?;
        self.reader.feed(text);
        self.drain(true, out)?;
        if !self.header_seen {
            return Err(NormalizeError::BadFile(
                "the file is empty: no header row".into(),
            ));
        }
        Ok(())
    }
}

/// Reads a whole file through a normalizer the way the host does (in chunks), for tests.
pub fn run_file<N: Normalizer>(
    kind: &str,
    file_name: &str,
    params: &[(&str, &str)],
    data: &[u8],
    chunk: usize,
) -> Result<Batch, NormalizeError> {
    let given: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let p = Params::resolve(&N::info().params, &given).map_err(NormalizeError::InvalidParam)?;
    let mut n = N::open(
        &SourceInfo {
            kind: kind.into(),
            file_name: file_name.into(),
        },
        &p,
    )?;
    let mut out = Batch::default();
    for c in data.chunks(chunk.max(1)) {
        n.push(c, &mut out)?;
    }
    n.finish(&mut out)?;
    Ok(out)
}

/// Every row in `1..=rows_read` is in some output or in the rejects: the host's rule.
/// Returns the rows that are in neither, for tests.
pub fn unaccounted_rows(b: &Batch) -> Vec<u64> {
    let mut seen = vec![false; b.rows_read as usize + 1];
    for &r in b
        .touch_row
        .iter()
        .chain(&b.conv_row)
        .chain(&b.event_row)
        .chain(b.rejects.iter().map(|(r, _, _)| r))
    {
        if let Some(s) = seen.get_mut(r as usize) {
            *s = true;
        }
    }
    (1..=b.rows_read).filter(|&r| !seen[r as usize]).collect()
}

fn to_wit_err(e: NormalizeError) -> wit::NormalizeError {
    match e {
        NormalizeError::InvalidParam(s) => wit::NormalizeError::InvalidParam(s),
        NormalizeError::BadFile(s) => wit::NormalizeError::BadFile(s),
        NormalizeError::Failed(s) => wit::NormalizeError::Failed(s),
    }
}

#[doc(hidden)]
pub struct Session<N: Normalizer> {
    state: std::cell::RefCell<(N, Batch)>,
}

impl<N: Normalizer> wit::GuestSession for Session<N> {
    fn push(&self, chunk: Vec<u8>) -> Result<wit::Batch, wit::NormalizeError> {
        let mut st = self.state.borrow_mut();
        let (n, out) = &mut *st;
        n.push(&chunk, out).map_err(to_wit_err)?;
        Ok(out.take_wit())
    }

    fn finish(&self) -> Result<wit::Batch, wit::NormalizeError> {
        let mut st = self.state.borrow_mut();
        let (n, out) = &mut *st;
        n.finish(out).map_err(to_wit_err)?;
        Ok(out.take_wit())
    }
}

#[doc(hidden)]
pub fn wit_info<N: Normalizer>() -> wit::PluginInfo {
    let i = N::info();
    wit::PluginInfo {
        name: i.name,
        version: i.version,
        kind: "normalizer".into(),
        description: i.description,
        params: i
            .params
            .into_iter()
            .map(|p| wit::ParamSpec {
                name: p.name,
                default_value: p.default_value,
                description: p.description,
            })
            .collect(),
        accepts: i.accepts,
    }
}

#[doc(hidden)]
pub fn wit_open<N: Normalizer>(
    source: wit::SourceInfo,
    params: Vec<(String, String)>,
) -> Result<wit::Session, wit::NormalizeError> {
    let p =
        Params::resolve(&N::info().params, &params).map_err(wit::NormalizeError::InvalidParam)?;
    let n = N::open(
        &SourceInfo {
            kind: source.kind,
            file_name: source.file_name,
        },
        &p,
    )
    .map_err(to_wit_err)?;
    Ok(wit::Session::new(Session {
        state: std::cell::RefCell::new((n, Batch::default())),
    }))
}

/// Exports a [`Normalizer`] (for CSV plugins: `Csv<MyRows>`) as the plugin's
/// `ascribe:normalizer@0.1.0` world.
#[macro_export]
macro_rules! export_normalizer {
    ($ty:ty) => {
        #[doc(hidden)]
        pub struct __AscribeNormalizerExport;
        impl $crate::normalizer::bindings::exports::ascribe::normalizer::normalize::Guest for __AscribeNormalizerExport {
            type Session = $crate::normalizer::Session<$ty>;
            fn info() -> $crate::normalizer::bindings::exports::ascribe::normalizer::normalize::PluginInfo {
                $crate::normalizer::wit_info::<$ty>()
            }
            fn open(
                source: $crate::normalizer::bindings::exports::ascribe::normalizer::normalize::SourceInfo,
                params: ::std::vec::Vec<(::std::string::String, ::std::string::String)>,
            ) -> ::std::result::Result<
                $crate::normalizer::bindings::exports::ascribe::normalizer::normalize::Session,
                $crate::normalizer::bindings::exports::ascribe::normalizer::normalize::NormalizeError,
            > {
                $crate::normalizer::wit_open::<$ty>(source, params)
            }
        }
        // Only the wasm build exports symbols: natively the crate is an ordinary library
        // (unit tests, and the host linking a model for native comparison).
        #[cfg(target_arch = "wasm32")]
        $crate::normalizer::bindings::__ascribe_export_normalizer_world!(__AscribeNormalizerExport with_types_in $crate::normalizer::bindings);
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The normalizer fuzz targets' finding N1: a reason quoting a long cell made the host
    /// refuse the whole batch. The SDK cuts it to the host's limit at a character boundary.
    #[test]
    fn a_reject_never_exceeds_the_hosts_limit() {
        let mut b = Batch::default();
        let long = "é".repeat(2000);
        b.reject(3, &long, format!("`{long}` is not a date"));
        let (row, column, reason) = &b.rejects[0];
        assert_eq!(*row, 3);
        for t in [column, reason] {
            assert!(t.len() <= MAX_REJECT_TEXT, "{}", t.len());
            assert!(t.ends_with('…'));
        }
        // 1,024 − 3 bytes for `…` leaves 1,021, and `é` is 2 bytes: 510 of them (1,020 bytes).
        assert_eq!(column.len(), 1_020 + 3);
        b.reject(4, "Close Date", "short");
        assert_eq!(b.rejects[1], (4, "Close Date".into(), "short".into()));
    }

    #[test]
    fn amounts() {
        for &(cell, decimal_comma, want) in AMOUNT_CASES {
            let got = clean_amount(cell, decimal_comma);
            assert_eq!(got.as_deref().map_err(String::as_str), want, "{cell}");
        }
        assert_eq!(clean_amount("$1,234.50", false).unwrap(), "1234.50");
        assert_eq!(clean_amount("1.234,50 €", true).unwrap(), "1234.50");
        assert_eq!(clean_amount("USD 99", false).unwrap(), "99");
        assert_eq!(clean_amount("(250.00)", false).unwrap(), "-250.00");
        assert_eq!(clean_amount("-7", false).unwrap(), "-7");
        assert_eq!(clean_amount("  ", false).unwrap(), "");
        assert_eq!(
            clean_amount("1.2.3", false).unwrap_err(),
            "`1.2.3` is not an amount"
        );
        assert!(clean_amount("n/a", false).is_err());
        assert_eq!(clean_amount("99 EUR", false).unwrap(), "99");
        // A unit letter is not a currency: 12.5k must not become 12.5.
        assert_eq!(
            clean_amount("12.5k", false).unwrap_err(),
            "`12.5k` is not an amount"
        );
        assert_eq!(
            clean_amount("#VALUE!", false).unwrap_err(),
            "`#VALUE!` is not an amount"
        );
    }

    const COMMA_HINT: &str = "has a comma that is not a thousands separator; if this source \
         writes decimal commas, set the normalizer parameter `decimal_comma = true`";
    const POINT_HINT: &str = "has a point that is not a thousands separator; if this source \
         writes decimal points, set the normalizer parameter `decimal_comma = false`";

    #[test]
    fn a_comma_that_does_not_group_thousands_is_refused_naming_the_parameter() {
        for raw in [
            "12500,50",
            "1,23",
            "1,2345",
            ",5",
            "1.234,56",
            "1234,567",
            "1,234,56",
            "5,",
            "1 234,56",
            "$12500,50",
            "EUR 12500,50",
        ] {
            assert_eq!(
                clean_amount(raw, false).unwrap_err(),
                format!("amount `{raw}` {COMMA_HINT}"),
                "{raw}"
            );
        }
        assert_eq!(
            clean_amount("12500,50", false).unwrap_err(),
            "amount `12500,50` has a comma that is not a thousands separator; if this source \
             writes decimal commas, set the normalizer parameter `decimal_comma = true`"
        );
        // Valid groupings, worked by hand.
        assert_eq!(clean_amount("1,234,567.89", false).unwrap(), "1234567.89");
        assert_eq!(clean_amount("999,999", false).unwrap(), "999999");
        assert_eq!(clean_amount("12,500", false).unwrap(), "12500");
        assert_eq!(clean_amount("-1,000.5", false).unwrap(), "-1000.5");
        assert_eq!(clean_amount("$ 1,234.50", false).unwrap(), "1234.50");
        assert_eq!(clean_amount("1 234 567", false).unwrap(), "1234567");
        assert_eq!(clean_amount("1\u{a0}234.5", false).unwrap(), "1234.5");
        assert_eq!(clean_amount("CHF 1'000", false).unwrap(), "1000");
        assert_eq!(clean_amount(".5", false).unwrap(), ".5");
        // A space or apostrophe out of place is not a separator either.
        assert_eq!(
            clean_amount("12 50", false).unwrap_err(),
            "`12 50` is not an amount"
        );
        assert_eq!(
            clean_amount("1'23", false).unwrap_err(),
            "`1'23` is not an amount"
        );
    }

    #[test]
    fn with_decimal_comma_a_point_must_group_thousands() {
        assert_eq!(clean_amount("1.234,56", true).unwrap(), "1234.56");
        assert_eq!(clean_amount("1.234.567,8", true).unwrap(), "1234567.8");
        assert_eq!(clean_amount("12500,50", true).unwrap(), "12500.50");
        assert_eq!(clean_amount("1.234", true).unwrap(), "1234");
        assert_eq!(clean_amount("1 234,56 €", true).unwrap(), "1234.56");
        assert_eq!(clean_amount("-0,5", true).unwrap(), "-0.5");
        for raw in ["12.5", "1.23", "1.2345", ".5", "1,234.56", "1.234.56"] {
            assert_eq!(
                clean_amount(raw, true).unwrap_err(),
                format!("amount `{raw}` {POINT_HINT}"),
                "{raw}"
            );
        }
        assert_eq!(
            clean_amount("12.5", true).unwrap_err(),
            "amount `12.5` has a point that is not a thousands separator; if this source \
             writes decimal points, set the normalizer parameter `decimal_comma = false`"
        );
        // Two decimal marks stay plain nonsense.
        assert_eq!(
            clean_amount("1,2,3", true).unwrap_err(),
            "`1,2,3` is not an amount"
        );
    }

    #[test]
    fn the_sign_comes_before_the_number() {
        assert_eq!(clean_amount("$-5", false).unwrap(), "-5");
        assert_eq!(clean_amount("+5", false).unwrap(), "5");
        assert_eq!(clean_amount("($1,234.50)", false).unwrap(), "-1234.50");
        for raw in ["5-", "--5", "1-2", "(5", "5)", "-(5)", "5$5"] {
            assert_eq!(
                clean_amount(raw, false).unwrap_err(),
                format!("`{raw}` is not an amount"),
                "{raw}"
            );
        }
    }

    #[test]
    fn a_long_cell_is_quoted_short() {
        let raw = "1".repeat(100) + "x";
        let want = format!("`{}…` is not an amount", "1".repeat(64));
        assert_eq!(clean_amount(&raw, false).unwrap_err(), want);
    }

    struct Echo {
        id: usize,
    }
    impl CsvRows for Echo {
        fn info() -> Info {
            Info {
                name: "echo".into(),
                version: "0.0.1".into(),
                description: String::new(),
                params: vec![],
                accepts: vec![],
            }
        }
        fn open(_: &SourceInfo, _: &Params) -> Result<Self, NormalizeError> {
            Ok(Echo { id: 0 })
        }
        fn header(&mut self, h: &Header) -> Result<(), NormalizeError> {
            self.id = h.require(&["id"]).map_err(NormalizeError::BadFile)?[0];
            Ok(())
        }
        fn row(&mut self, row: u64, r: &Record, out: &mut Batch) {
            match r.get(self.id) {
                Ok(id) if !id.is_empty() => out.conversion(
                    row,
                    &Conversion {
                        id,
                        ..Default::default()
                    },
                ),
                Ok(_) => out.reject(row, "id", "empty"),
                Err(e) => out.reject(row, "id", e),
            }
        }
    }

    #[test]
    fn csv_rows_are_numbered_and_every_row_accounted() {
        let b =
            run_file::<Csv<Echo>>("crm", "x.csv", &[], b"id\r\na\n\n\xff\n\"b\nc\"\n", 3).unwrap();
        assert_eq!(b.rows_read, 3);
        assert_eq!(b.conv_row, vec![1, 3]);
        assert_eq!(b.conv[conv_col::ID].get(1), "b\nc");
        assert_eq!(
            b.rejects,
            vec![(2, "id".to_string(), "invalid UTF-8".to_string())]
        );
        let e = run_file::<Csv<Echo>>("crm", "x.csv", &[], b"name\nx\n", 64).unwrap_err();
        assert_eq!(
            e,
            NormalizeError::BadFile("missing required column(s): id".into())
        );
        assert_eq!(
            run_file::<Csv<Echo>>("crm", "x.csv", &[], b"", 64).unwrap_err(),
            NormalizeError::BadFile("the file is empty: no header row".into())
        );
    }

    #[test]
    fn csv_reads_utf16_and_refuses_workbooks_before_any_row() {
        // Excel's "Unicode text": UTF-16LE with a BOM (here with commas, as Echo reads).
        let mut data = vec![0xFF, 0xFE];
        for u in "id,name\r\nzoë,1\r\n,2\r\n".encode_utf16() {
            data.extend(u.to_le_bytes());
        }
        for chunk in [1, 3, 7, 64] {
            let b = run_file::<Csv<Echo>>("crm", "x.txt", &[], &data, chunk).unwrap();
            assert_eq!(b.rows_read, 2);
            assert_eq!(b.conv[conv_col::ID].get(0), "zoë");
            assert_eq!(b.rejects, vec![(2, "id".to_string(), "empty".to_string())]);
        }
        for chunk in [1, 64] {
            assert_eq!(
                run_file::<Csv<Echo>>(
                    "crm",
                    "x.csv",
                    &[],
                    b"PK\x03\x04\x14\x00\x06\x00rest",
                    chunk
                )
                .unwrap_err(),
                NormalizeError::BadFile(
                    "this looks like an Excel workbook (.xlsx) or another zip archive, not CSV: \
                     save it as CSV UTF-8 (in Excel: Save As, CSV UTF-8 (Comma delimited)) and \
                     point the campaign at that file"
                        .into()
                )
            );
        }
        // Excel's `sep=` line is not the header.
        let b = run_file::<Csv<Echo>>("crm", "x.csv", &[], b"sep=;\nname;id\nx;a,b\n", 2).unwrap();
        assert_eq!(b.conv[conv_col::ID].get(0), "a,b");
    }

    #[test]
    fn csv_refuses_a_duplicate_of_a_column_the_plugin_reads() {
        let e = run_file::<Csv<Echo>>("crm", "x.csv", &[], b"name,id,note,ID\nx,1,,2\n", 64)
            .unwrap_err();
        assert_eq!(
            e,
            NormalizeError::BadFile(
                "column `id` appears twice in the header (columns 2 and 4); rename one".into()
            )
        );
        // A duplicate nobody reads is fine.
        let b = run_file::<Csv<Echo>>("crm", "x.csv", &[], b"note,id,note\nx,1,y\n", 64).unwrap();
        assert_eq!(b.conv[conv_col::ID].get(0), "1");
    }
}
