//! The normalizer contract as an embedder sees it, and the checks applied to
//! every batch a normalizer returns.

use std::borrow::Cow;

use serde::Serialize;

use super::error::Cause;
use super::limits::{HOST_BYTES_PER_RECORD, HOST_BYTES_PER_TEXT, Limits};
use super::model::ParamSpec;

/// What a normalizer says about itself at load: its name for reports and pins, and which
/// exports it reads, so a campaign's source can be matched to it before any file is read.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NormalizerInfo {
    /// The name campaigns refer to it by.
    pub name: String,
    /// The normalizer's own version, shown beside its name.
    pub version: String,
    /// One line for `plugin inspect`.
    pub description: String,
    /// The parameters it accepts; any other is refused before a call.
    pub params: Vec<ParamSpec>,
    /// The exports it reads (`crm:opportunities`, `map:campaign-members`).
    pub accepts: Vec<String>,
}

/// What the plugin is told about the file it is about to read, and nothing more (no path:
/// a plugin sees no file system).
#[derive(Clone, Debug, PartialEq)]
pub struct SourceInfo {
    /// `crm`, `map` or `analytics`.
    pub kind: String,
    /// The file's name without its directory, for the plugin's messages.
    pub file_name: String,
}

/// Packed UTF-8 strings; validated on arrival, so `get` never fails.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Strings {
    /// One more entry than there are strings: string `i` is `data[offsets[i]..offsets[i + 1]]`.
    pub offsets: Vec<u32>,
    /// Every string's UTF-8 bytes, end to end.
    pub data: Vec<u8>,
}

impl Strings {
    /// How many strings there are.
    pub fn len(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// No strings at all.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The raw bytes of string `i` (valid UTF-8 once `check` has passed).
    pub fn bytes(&self, i: usize) -> &[u8] {
        &self.data[self.offsets[i] as usize..self.offsets[i + 1] as usize]
    }

    /// String `i` (empty means "not given" in the contract).
    pub fn get(&self, i: usize) -> &str {
        let (s, e) = (self.offsets[i] as usize, self.offsets[i + 1] as usize);
        // Validated as a whole and at every boundary by `check`.
        std::str::from_utf8(&self.data[s..e]).unwrap_or("")
    }

    /// What these strings cost the host: their bytes, plus [`HOST_BYTES_PER_TEXT`] for
    /// each non-empty one.
    fn host_bytes(&self) -> u64 {
        let non_empty = self.offsets.windows(2).filter(|w| w[0] != w[1]).count() as u64;
        self.data.len() as u64 + non_empty * HOST_BYTES_PER_TEXT
    }

    /// Replaces control characters (see [`clean_text`]) in place of the checked strings;
    /// a column without any (nearly all of them) is scanned once and left alone.
    fn clean(&mut self) {
        if !maybe_unclean(&self.data) {
            return;
        }
        let Ok(text) = std::str::from_utf8(&self.data) else {
            return; // `check` refused it already
        };
        if !text.chars().any(char::is_control) {
            return;
        }
        let mut data = Vec::with_capacity(self.data.len() + 16);
        let mut offsets = Vec::with_capacity(self.offsets.len());
        offsets.push(0u32);
        for w in self.offsets.windows(2) {
            data.extend_from_slice(clean_text(&text[w[0] as usize..w[1] as usize]).as_bytes());
            // At most 3× a checked column, itself at most the 128 MiB a call may answer.
            offsets.push(data.len() as u32);
        }
        self.data = data;
        self.offsets = offsets;
    }

    fn check(&self, n: usize, what: &str) -> Result<(), String> {
        if self.offsets.len() != n + 1 {
            return Err(format!(
                "column `{what}` has {} offsets for {n} rows (want {})",
                self.offsets.len(),
                n + 1
            ));
        }
        if self.offsets[0] != 0 {
            return Err(format!("column `{what}`: offsets must start at 0"));
        }
        if let Some(i) = self.offsets.windows(2).position(|w| w[0] > w[1]) {
            return Err(format!("column `{what}`: offsets decrease at row {i}"));
        }
        if *self.offsets.last().unwrap() as usize != self.data.len() {
            return Err(format!(
                "column `{what}`: the last offset is {} but the data holds {} bytes",
                self.offsets.last().unwrap(),
                self.data.len()
            ));
        }
        let text = std::str::from_utf8(&self.data)
            .map_err(|e| format!("column `{what}` is not valid UTF-8 ({e})"))?;
        if let Some(i) = self
            .offsets
            .iter()
            .position(|&o| !text.is_char_boundary(o as usize))
        {
            return Err(format!(
                "column `{what}`: offset {i} splits a UTF-8 character"
            ));
        }
        if let Some(i) =
            (0..n).find(|&i| (self.offsets[i + 1] - self.offsets[i]) as usize > MAX_FIELD_BYTES)
        {
            return Err(format!(
                "column `{what}`: value at index {i} is longer than {MAX_FIELD_BYTES} bytes"
            ));
        }
        Ok(())
    }
}

/// True when `bytes` may hold a control character: a C0 byte, DEL, or the lead byte of
/// U+0080..U+00BF (where the C1 controls are). A quick scan that clean text passes.
fn maybe_unclean(bytes: &[u8]) -> bool {
    bytes.iter().any(|&b| b < 0x20 || b == 0x7f || b == 0xc2)
}

/// Text as the host stores it: tab, line feed and carriage return become a space (a CSV
/// field may hold a line break; no canonical field needs one), every other control
/// character (C0, DEL, C1: a NUL, the ESC that starts a terminal sequence) becomes U+FFFD,
/// so nothing downstream (keys, symbols, `rejects.csv`, the terminal) ever sees one.
pub fn clean_text(text: &str) -> Cow<'_, str> {
    if !maybe_unclean(text.as_bytes()) || !text.chars().any(char::is_control) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| match c {
                '\t' | '\n' | '\r' => ' ',
                c if c.is_control() => '\u{fffd}',
                c => c,
            })
            .collect(),
    )
}

/// No field of a canonical record needs more; a longer one is a runaway plugin.
pub const MAX_FIELD_BYTES: usize = 64 << 10;
/// Records (touches, conversions, stage events and rejects) allowed per input row, counted
/// across calls (a row may give a touch and a stage event, HubSpot contacts up to six):
/// more means the plugin is inventing rows.
pub const MAX_RECORDS_PER_ROW: u64 = 16;
/// The longest reject column name or reason kept, in bytes: a reject explains a row, it
/// does not carry it.
pub const MAX_REJECT_TEXT: usize = 1024;

/// The contract's `times` sentinel for "no UTC offset given": the host applies the
/// source's time zone.
pub const NO_OFFSET: i32 = i32::MIN;
/// The contract's `times` sentinel for "no time" (an optional date left empty).
pub const NO_TIME: i64 = i64::MIN;

/// Times as the export wrote them: the host, not the plugin, resolves time zones.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Times {
    /// Wall-clock milliseconds since 1970-01-01T00:00 in the export's own time, or [`NO_TIME`].
    pub wall_ms: Vec<i64>,
    /// The UTC offset in minutes when the export gave one, or [`NO_OFFSET`].
    pub offset_min: Vec<i32>,
}

impl Times {
    fn check(&self, n: usize, what: &str) -> Result<(), String> {
        if self.wall_ms.len() != n || self.offset_min.len() != n {
            return Err(format!(
                "column `{what}` has {}/{} entries for {n} rows",
                self.wall_ms.len(),
                self.offset_min.len()
            ));
        }
        if let Some(o) = self
            .offset_min
            .iter()
            .find(|&&o| o != NO_OFFSET && !(-18 * 60..=18 * 60).contains(&o))
        {
            return Err(format!(
                "column `{what}`: UTC offset {o} minutes is impossible"
            ));
        }
        Ok(())
    }
}

/// Lists a record kind's text columns once, for the checks, sizing and cleaning that walk
/// them all: `texts` with each column's name in the contract, `texts_mut` to change them.
macro_rules! text_columns {
    ($kind:ty, $prefix:literal: $($field:ident = $name:literal),+ $(,)?) => {
        impl $kind {
            /// Every text column, in the contract's order, with its name there
            /// (`touches.touch-type`).
            pub fn texts(&self) -> impl Iterator<Item = (&Strings, &'static str)> {
                [$((&self.$field, concat!($prefix, ".", $name))),+].into_iter()
            }

            fn texts_mut(&mut self) -> impl Iterator<Item = &mut Strings> {
                [$(&mut self.$field),+].into_iter()
            }
        }
    };
}

text_columns!(TouchCols, "touches":
    person = "person",
    account = "account",
    channel = "channel",
    source = "source",
    medium = "medium",
    campaign = "campaign",
    asset = "asset",
    region = "region",
    segment = "segment",
    touch_type = "touch-type",
);
text_columns!(ConversionCols, "conversions":
    id = "id",
    account = "account",
    account_domain = "account-domain",
    stage = "stage",
    amount = "amount",
    currency = "currency",
    lead_source = "lead-source",
    campaign = "campaign",
);
text_columns!(StageEventCols, "stage-events":
    subject = "subject",
    account = "account",
    stage = "stage",
);

/// One row per touchpoint, as columns (the contract's `touches`; every column has one
/// entry per touch). Text is as the export has it: the host normalizes and hashes people
/// and accounts before anything else sees them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TouchCols {
    /// The data row of the file each touch came from, for rejects and audits.
    pub row: Vec<u64>,
    /// An e-mail address or a pseudonymous id.
    pub person: Strings,
    /// The account (company) the person belongs to, if the export says.
    pub account: Strings,
    /// When the touch happened.
    pub time: Times,
    /// The channel (`email`, `paid-social`).
    pub channel: Strings,
    /// UTM source.
    pub source: Strings,
    /// UTM medium.
    pub medium: Strings,
    /// The campaign the touch belongs to.
    pub campaign: Strings,
    /// The asset touched (a webinar, a white paper).
    pub asset: Strings,
    /// The person's region.
    pub region: Strings,
    /// The person's segment.
    pub segment: Strings,
    /// The kind of touch (`click`, `attend`).
    pub touch_type: Strings,
}

/// One row per opportunity or deal, as columns (the contract's `conversions`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ConversionCols {
    /// The data row of the file each conversion came from.
    pub row: Vec<u64>,
    /// The CRM's id of the deal.
    pub id: Strings,
    /// The account that bought.
    pub account: Strings,
    /// The account's web domain, for matching accounts across sources.
    pub account_domain: Strings,
    /// The raw stage name, mapped by the host.
    pub stage: Strings,
    /// Decimal text (`12500.50`), never a float: the host parses money.
    pub amount: Strings,
    /// ISO 4217 code, or empty for the campaign's currency.
    pub currency: Strings,
    /// When the deal was created.
    pub created: Times,
    /// When it closed ([`NO_TIME`] while open).
    pub closed: Times,
    /// The CRM's lead source field.
    pub lead_source: Strings,
    /// The campaign the CRM credits.
    pub campaign: Strings,
}

/// A person or deal reaching a funnel stage, as columns (the contract's `stage-events`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StageEventCols {
    /// The data row of the file each event came from.
    pub row: Vec<u64>,
    /// 0 for a person, 1 for a deal.
    pub subject_kind: Vec<u8>,
    /// The person or deal.
    pub subject: Strings,
    /// Its account.
    pub account: Strings,
    /// The raw stage name, mapped by the host.
    pub stage: Strings,
    /// When the stage was reached.
    pub time: Times,
}

/// A row the plugin could not use, with why: the host counts and reports rejects, so data
/// is never dropped silently.
#[derive(Clone, Debug, PartialEq)]
pub struct Reject {
    /// The data row of the file.
    pub row: u64,
    /// The column at fault (at most [`MAX_REJECT_TEXT`] bytes).
    pub column: String,
    /// Why (at most [`MAX_REJECT_TEXT`] bytes).
    pub reason: String,
}

/// What one `push` or `finish` returned, checked ([`Batch::validate`] and the session's
/// budgets) before the embedder sees it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Batch {
    /// Data rows fully consumed so far in this session (cumulative).
    pub rows_read: u64,
    /// Touches completed by this call.
    pub touches: TouchCols,
    /// Conversions completed by this call.
    pub conversions: ConversionCols,
    /// Stage events completed by this call.
    pub stage_events: StageEventCols,
    /// Rows rejected by this call.
    pub rejects: Vec<Reject>,
}

impl Batch {
    /// Every text column of every record kind, with its contract name.
    fn texts(&self) -> impl Iterator<Item = (&Strings, &'static str)> {
        let (t, c, e) = (&self.touches, &self.conversions, &self.stage_events);
        t.texts().chain(c.texts()).chain(e.texts())
    }

    /// Every text column of every record kind, to change in place.
    fn texts_mut(&mut self) -> impl Iterator<Item = &mut Strings> {
        let (t, c, e) = (
            &mut self.touches,
            &mut self.conversions,
            &mut self.stage_events,
        );
        t.texts_mut().chain(c.texts_mut()).chain(e.texts_mut())
    }

    /// What this batch's records cost the host if it keeps them all: every text's bytes,
    /// [`HOST_BYTES_PER_TEXT`] for each non-empty one, and [`HOST_BYTES_PER_RECORD`] for
    /// each record and reject. An estimate from above for real data (the host interns
    /// repeated text), and close for the distinct text a hostile plugin invents.
    pub fn host_bytes(&self) -> u64 {
        let t = &self.touches;
        let c = &self.conversions;
        let e = &self.stage_events;
        let text: u64 = self.texts().map(|(s, _)| s.host_bytes()).sum();
        let rejects: u64 = self
            .rejects
            .iter()
            .map(|r| (r.column.len() + r.reason.len()) as u64 + 2 * HOST_BYTES_PER_TEXT)
            .sum();
        let records = (t.row.len() + c.row.len() + e.row.len() + self.rejects.len()) as u64;
        text + rejects + records * HOST_BYTES_PER_RECORD
    }

    /// Stores every text clean ([`clean_text`]). Run after [`Batch::validate`].
    pub fn clean(&mut self) {
        for s in self.texts_mut() {
            s.clean();
        }
        for r in &mut self.rejects {
            for text in [&mut r.column, &mut r.reason] {
                if let Cow::Owned(clean) = clean_text(text) {
                    *text = clean;
                }
            }
        }
    }

    /// Checks a batch against the contract. `prev_rows_read` is what the session had
    /// reported before this call.
    pub fn validate(&self, prev_rows_read: u64) -> Result<(), String> {
        if self.rows_read < prev_rows_read {
            return Err(format!(
                "rows-read went back from {prev_rows_read} to {}",
                self.rows_read
            ));
        }
        let t = &self.touches;
        let n = t.row.len();
        for (s, name) in t.texts() {
            s.check(n, name)?;
        }
        t.time.check(n, "touches.time")?;
        let c = &self.conversions;
        let m = c.row.len();
        for (s, name) in c.texts() {
            s.check(m, name)?;
        }
        c.created.check(m, "conversions.created")?;
        c.closed.check(m, "conversions.closed")?;
        let e = &self.stage_events;
        let k = e.row.len();
        if e.subject_kind.len() != k {
            return Err(format!(
                "column `stage-events.subject-kind` has {} entries for {k} rows",
                e.subject_kind.len()
            ));
        }
        if let Some(v) = e.subject_kind.iter().find(|&&v| v > 1) {
            return Err(format!(
                "stage-events.subject-kind {v} is neither 0 (person) nor 1 (deal)"
            ));
        }
        for (s, name) in e.texts() {
            s.check(k, name)?;
        }
        e.time.check(k, "stage-events.time")?;
        let new_rows = self.rows_read - prev_rows_read;
        let records = (n + m + k + self.rejects.len()) as u64;
        // Saturating: a plugin may claim any row count (u64::MAX included).
        if records
            > MAX_RECORDS_PER_ROW
                .saturating_mul(new_rows)
                .saturating_add(MAX_RECORDS_PER_ROW)
        {
            return Err(format!(
                "{records} records for {new_rows} rows read (at most {MAX_RECORDS_PER_ROW} a row)"
            ));
        }
        for (rows, what) in [
            (&t.row, "touches"),
            (&c.row, "conversions"),
            (&e.row, "stage-events"),
        ] {
            if let Some(r) = rows.iter().find(|&&r| r == 0 || r > self.rows_read) {
                return Err(format!(
                    "{what} names row {r}, outside 1..={}",
                    self.rows_read
                ));
            }
        }
        for rj in &self.rejects {
            if rj.row == 0 || rj.row > self.rows_read {
                return Err(format!(
                    "a reject names row {}, outside 1..={}",
                    rj.row, self.rows_read
                ));
            }
            if rj.reason.len() > MAX_REJECT_TEXT || rj.column.len() > MAX_REJECT_TEXT {
                return Err(format!(
                    "a reject's text is longer than {MAX_REJECT_TEXT} bytes"
                ));
            }
        }
        Ok(())
    }
}

/// What one normalizer session has handed the host so far: the checks that span calls,
/// in constant memory.
#[derive(Clone, Debug, Default)]
pub struct Intake {
    /// The highest row any record has named, and how many records named it. Rows named
    /// never go back from one call to the next (a row's records come when the row is
    /// read), so this is all the state the per-row limit needs across calls.
    last_row: u64,
    last_count: u64,
    /// What the records accepted so far cost the host ([`Batch::host_bytes`]).
    pub kept: u64,
}

impl Intake {
    /// Takes a batch that passed [`Batch::validate`]: at most [`MAX_RECORDS_PER_ROW`]
    /// records a row across calls, rows named never going back, what the host keeps
    /// within the source's budget for the `given` bytes the plugin has had; then its text
    /// is stored clean.
    pub fn accept(&mut self, b: &mut Batch, given: u64, limits: &Limits) -> Result<(), Cause> {
        self.count_rows(b).map_err(Cause::BadOutput)?;
        let kept = self.kept.saturating_add(b.host_bytes());
        let (budget, rule) = limits.host_budget(given);
        if kept > budget {
            return Err(Cause::HostMemory { kept, budget, rule });
        }
        self.kept = kept;
        b.clean();
        Ok(())
    }

    fn count_rows(&mut self, b: &Batch) -> Result<(), String> {
        let mut rows: Vec<u64> = Vec::with_capacity(
            b.touches.row.len()
                + b.conversions.row.len()
                + b.stage_events.row.len()
                + b.rejects.len(),
        );
        rows.extend_from_slice(&b.touches.row);
        rows.extend_from_slice(&b.conversions.row);
        rows.extend_from_slice(&b.stage_events.row);
        rows.extend(b.rejects.iter().map(|r| r.row));
        // Each column is in row order in practice: a stable sort merges those few runs
        // in linear time.
        rows.sort();
        let Some(&first) = rows.first() else {
            return Ok(());
        };
        if first < self.last_row {
            return Err(format!(
                "it names row {first} after an earlier call named row {}; a row's records must come in the call that reads it",
                self.last_row
            ));
        }
        for run in rows.chunk_by(|a, b| a == b) {
            let row = run[0];
            let earlier = if row == self.last_row {
                self.last_count
            } else {
                0
            };
            let n = run.len() as u64 + earlier;
            if n > MAX_RECORDS_PER_ROW {
                return Err(if earlier > 0 {
                    format!(
                        "row {row} has {n} records across calls ({earlier} earlier; at most {MAX_RECORDS_PER_ROW} a row)"
                    )
                } else {
                    format!("row {row} has {n} records (at most {MAX_RECORDS_PER_ROW} a row)")
                });
            }
            self.last_count = n;
            self.last_row = row;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn empty(rows_read: u64) -> Batch {
        let s = || Strings {
            offsets: vec![0],
            data: vec![],
        };
        let mut b = Batch {
            rows_read,
            ..Default::default()
        };
        for x in b.texts_mut() {
            *x = s();
        }
        b
    }

    /// `empty(rows_read)` with one valid touch per entry of `rows`.
    fn touches(rows_read: u64, rows: &[u64]) -> Batch {
        let mut b = empty(rows_read);
        let t = &mut b.touches;
        t.row = rows.to_vec();
        t.time = Times {
            wall_ms: vec![0; rows.len()],
            offset_min: vec![0; rows.len()],
        };
        for c in t.texts_mut() {
            *c = Strings {
                offsets: (0..=rows.len() as u32).map(|i| i * 2).collect(),
                data: b"ab".repeat(rows.len()),
            };
        }
        b
    }

    fn accept(i: &mut Intake, mut b: Batch) -> Result<Batch, Cause> {
        b.validate(0).map_err(Cause::BadOutput)?;
        i.accept(&mut b, 1 << 20, &Limits::default())?;
        Ok(b)
    }

    #[test]
    fn records_a_row_are_counted_across_calls() {
        let mut i = Intake::default();
        // Touches and rejects of one row, in any order within a call.
        let mut b = touches(3, &[1, 2, 3, 3, 3]);
        b.rejects = vec![Reject {
            row: 2,
            column: "x".into(),
            reason: "y".into(),
        }];
        accept(&mut i, b).unwrap();
        // Row 3 again: 3 earlier + 13 now is 16, allowed.
        accept(&mut i, touches(3, &[3; 13])).unwrap();
        assert_eq!(
            accept(&mut i, touches(4, &[3, 4])).unwrap_err(),
            Cause::BadOutput(
                "row 3 has 17 records across calls (16 earlier; at most 16 a row)".into()
            )
        );
        let mut i = Intake::default();
        accept(&mut i, touches(5, &[5])).unwrap();
        assert_eq!(
            accept(&mut i, touches(5, &[4])).unwrap_err(),
            Cause::BadOutput(
                "it names row 4 after an earlier call named row 5; a row's records must come in the call that reads it".into()
            )
        );
        let mut i = Intake::default();
        let mut rows = vec![2u64; 17];
        rows.insert(0, 1);
        assert_eq!(
            accept(&mut i, touches(2, &rows)).unwrap_err(),
            Cause::BadOutput("row 2 has 17 records (at most 16 a row)".into())
        );
    }

    #[test]
    fn what_the_host_keeps_is_counted_against_the_budget() {
        let b = touches(2, &[1, 2]);
        // 2 records, 10 non-empty 2-byte texts each.
        assert_eq!(
            b.host_bytes(),
            2 * HOST_BYTES_PER_RECORD + 20 * (2 + HOST_BYTES_PER_TEXT)
        );
        let mut i = Intake::default();
        let tight = Limits::default().with_host_memory(Some(1)).unwrap();
        let mut big = touches(4000, &(1..=4000).collect::<Vec<_>>());
        assert_eq!(
            i.accept(&mut big, 1 << 20, &tight).unwrap_err(),
            Cause::HostMemory {
                kept: 4000 * (HOST_BYTES_PER_RECORD + 10 * (2 + HOST_BYTES_PER_TEXT)),
                budget: 1 << 20,
                rule: "set by `limits.host_memory_mib = 1`".into(),
            }
        );
        assert_eq!(
            Cause::HostMemory {
                kept: 120 << 20,
                budget: 56 << 20,
                rule: "16× the 1 MiB read so far + 40 MiB".into(),
            }
            .to_string(),
            "its records take 120 MiB in the host, over this source's budget of 56 MiB (16× the 1 MiB read so far + 40 MiB); report it to the plugin's author, or raise `limits.host_memory_mib` for this source if the data really is this dense"
        );
    }

    #[test]
    fn text_is_stored_without_control_characters() {
        assert_eq!(clean_text("plain £5 ©"), "plain £5 ©");
        assert!(matches!(clean_text("plain £5"), Cow::Borrowed(_)));
        assert_eq!(
            clean_text("a\0b\x1b[2J\tc\r\nd\u{9b}e\u{7f}"),
            "a\u{fffd}b\u{fffd}[2J c  d\u{fffd}e\u{fffd}"
        );
        let mut b = touches(2, &[1, 2]);
        b.touches.campaign = Strings {
            offsets: vec![0, 3, 6],
            data: b"a\0bc\x1bd".to_vec(),
        };
        b.rejects = vec![Reject {
            row: 1,
            column: "c\0".into(),
            reason: "r\x07".into(),
        }];
        let b = accept(&mut Intake::default(), b).unwrap();
        assert_eq!(b.touches.campaign.get(0), "a\u{fffd}b");
        assert_eq!(b.touches.campaign.get(1), "c\u{fffd}d");
        assert_eq!(b.touches.channel.get(1), "ab");
        assert_eq!(
            (b.rejects[0].column.as_str(), b.rejects[0].reason.as_str()),
            ("c\u{fffd}", "r\u{fffd}")
        );
    }

    #[test]
    fn any_claimed_row_count_is_judged_without_overflow() {
        // Found by the hostile corpus: 16 × u64::MAX overflowed (a panic in debug builds).
        assert_eq!(empty(u64::MAX).validate(0), Ok(()));
        assert_eq!(empty(u64::MAX).validate(u64::MAX - 1), Ok(()));
        assert_eq!(
            empty(1).validate(2),
            Err("rows-read went back from 2 to 1".into())
        );
    }
}
