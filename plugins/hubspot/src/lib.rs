//! HubSpot CSV exports: contacts, deals and activities (see `docs/normalizers/hubspot.md`).
//!
//! The SDK's [`Csv`] streams the records (BOM, CRLF, quoted fields with commas and
//! newlines, rows spanning chunks); this crate maps one record at a time. Which export a
//! file is comes from the `export` parameter or, by default, from its header.
//!
//! A row is either mapped whole or rejected whole, naming the first column at fault: a
//! contact with a garbled "Became a Customer Date" is rejected rather than imported with a
//! stage missing. First Name, Last Name and Deal Name are never read.

use ascribe_sdk::csv::{Header, Record};
use ascribe_sdk::normalizer::{
    Batch, Conversion, Csv, CsvRows, Info, NormalizeError, SourceInfo, StageEvent, Subject, Touch,
    clean_amount,
};
use ascribe_sdk::time::{DateOrder, MAX_YEAR, MIN_YEAR, Time, days_from_civil, parse_datetime};
use ascribe_sdk::{ParamSpec, Params};

/// Which HubSpot export a file is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Export {
    Contacts,
    Deals,
    Activities,
}

impl Export {
    fn name(self) -> &'static str {
        match self {
            Export::Contacts => "contacts",
            Export::Deals => "deals",
            Export::Activities => "activities",
        }
    }
}

/// How dates are written. HubSpot writes `2026-03-04 15:30`; portals set to a US or
/// European date style may write `3/4/2026` or `04/03/2026`, which is only read when the
/// `date_format` parameter says which order it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DateFormat {
    Ymd,
    Numeric(DateOrder),
}

// Column names, exactly as `docs/normalizers/formats.md` gives them (matched ignoring case).
const RECORD_ID: &str = "Record ID";
const EMAIL: &str = "Email";
const CREATE_DATE: &str = "Create Date";
const ORIGINAL_SOURCE: &str = "Original Source";
const DRILL_DOWN_1: &str = "Original Source Drill-Down 1";
const DRILL_DOWN_2: &str = "Original Source Drill-Down 2";
const COMPANY_DOMAIN_NAME: &str = "Company Domain Name";
const COUNTRY_REGION: &str = "Country/Region";
const INDUSTRY: &str = "Industry";
const LIFECYCLE_STAGE: &str = "Lifecycle Stage";
/// "Became a …" date columns and the raw stage each one records.
const BECAME: [(&str, &str); 5] = [
    ("Became a Lead Date", "lead"),
    (
        "Became a Marketing Qualified Lead Date",
        "marketingqualifiedlead",
    ),
    ("Became a Sales Qualified Lead Date", "salesqualifiedlead"),
    ("Became an Opportunity Date", "opportunity"),
    ("Became a Customer Date", "customer"),
];

const DEAL_STAGE: &str = "Deal Stage";
const AMOUNT: &str = "Amount";
const DEAL_CURRENCY_CODE: &str = "Deal Currency Code";
const CLOSE_DATE: &str = "Close Date";
const ASSOCIATED_COMPANY_DOMAIN: &str = "Associated Company Domain";

const ACTIVITY_ID: &str = "Activity ID";
const ACTIVITY_TYPE: &str = "Activity Type";
const ACTIVITY_NAME: &str = "Activity Name";
const TIMESTAMP: &str = "Timestamp";
const UTM_SOURCE: &str = "UTM Source";
const UTM_MEDIUM: &str = "UTM Medium";
const UTM_CAMPAIGN: &str = "UTM Campaign";
const UTM_CONTENT: &str = "UTM Content";
const COMPANY_DOMAIN: &str = "Company Domain";

/// Columns a file must have, per export.
pub const CONTACTS_REQUIRED: [&str; 3] = [EMAIL, CREATE_DATE, ORIGINAL_SOURCE];
pub const DEALS_REQUIRED: [&str; 5] = [
    RECORD_ID,
    DEAL_STAGE,
    AMOUNT,
    DEAL_CURRENCY_CODE,
    CREATE_DATE,
];
pub const ACTIVITIES_REQUIRED: [&str; 3] = [EMAIL, ACTIVITY_TYPE, TIMESTAMP];

/// The header of the contacts export this plugin reads, as HubSpot writes it (one CSV line,
/// newline included).
pub const CONTACTS_HEADER: &str = "Record ID,Email,First Name,Last Name,Company Name,Company Domain Name,Create Date,\
Lifecycle Stage,Became a Lead Date,Became a Marketing Qualified Lead Date,Became a Sales Qualified Lead Date,\
Became an Opportunity Date,Became a Customer Date,Original Source,Original Source Drill-Down 1,\
Original Source Drill-Down 2,Country/Region,Industry\n";

/// The header of the deals export this plugin reads, as HubSpot writes it (one CSV line,
/// newline included).
pub const DEALS_HEADER: &str = "Record ID,Deal Name,Deal Stage,Amount,Deal Currency Code,Create Date,Close Date,\
Associated Company,Associated Company Domain,Original Source,Pipeline\n";

/// The header of the activities export this plugin reads, as HubSpot writes it (one CSV line,
/// newline included).
pub const ACTIVITIES_HEADER: &str = "Activity ID,Email,Activity Type,Activity Name,Timestamp,Page URL,UTM Source,\
UTM Medium,UTM Campaign,UTM Content,Company Domain\n";

struct ContactCols {
    email: usize,
    created: usize,
    source: usize,
    drill1: Option<usize>,
    drill2: Option<usize>,
    domain: Option<usize>,
    country: Option<usize>,
    industry: Option<usize>,
    /// (column name, position, raw stage) for each "Became a …" column present.
    became: Vec<(&'static str, usize, &'static str)>,
}

struct DealCols {
    id: usize,
    stage: usize,
    amount: usize,
    currency: usize,
    created: usize,
    closed: Option<usize>,
    domain: Option<usize>,
    source: Option<usize>,
}

struct ActivityCols {
    email: usize,
    kind: usize,
    time: usize,
    name: Option<usize>,
    utm_source: Option<usize>,
    utm_medium: Option<usize>,
    utm_campaign: Option<usize>,
    utm_content: Option<usize>,
    domain: Option<usize>,
}

enum Cols {
    /// Before the header row.
    Pending,
    Contacts(ContactCols),
    Deals(DealCols),
    Activities(ActivityCols),
}

/// The HubSpot normalizer's per-file state.
pub struct HubSpot {
    export: Option<Export>,
    dates: DateFormat,
    /// Amounts are written `1.234,56` (the `decimal_comma` parameter).
    decimal_comma: bool,
    cols: Cols,
    /// Reused for channel names that need lower-casing.
    scratch: String,
}

/// A row's fault: the column and why.
type Fault = (&'static str, String);

impl HubSpot {
    pub fn export(&self) -> Option<Export> {
        self.export
    }

    /// The date in field `i`: empty is `Time::NONE`, or a reject when `required`. HubSpot's
    /// own forms are read from the bytes by [`fast_date`]; anything else goes through
    /// `date_format` and the SDK's parser, which explains what is wrong.
    fn date(
        &self,
        r: &Record,
        i: Option<usize>,
        col: &'static str,
        required: bool,
    ) -> Result<Time, Fault> {
        let raw = i.and_then(|i| r.bytes(i)).unwrap_or(b"").trim_ascii();
        if raw.is_empty() {
            return if required {
                Err((col, "no date given".into()))
            } else {
                Ok(Time::NONE)
            };
        }
        if let Some(t) = fast_date(raw) {
            return Ok(t);
        }
        let s = std::str::from_utf8(raw).map_err(|_| (col, "invalid UTF-8".to_string()))?;
        if self.dates == DateFormat::Ymd {
            let day = s.split([' ', 'T']).next().unwrap_or("");
            if day.contains(['/', '.']) {
                return Err((
                    col,
                    format!(
                        "`{s}` is not a YYYY-MM-DD date (set date_format = mdy or dmy for dates like 3/4/2026)"
                    ),
                ));
            }
        }
        let order = match self.dates {
            DateFormat::Ymd => DateOrder::Mdy,
            DateFormat::Numeric(o) => o,
        };
        parse_datetime(s, order).map_err(|e| (col, e))
    }

    fn contact(&mut self, row: u64, r: &Record, out: &mut Batch) -> Result<(), Fault> {
        let Cols::Contacts(c) = &self.cols else {
            unreachable!()
        };
        let email = field(r, Some(c.email), EMAIL)?;
        if email.is_empty() {
            return Err((EMAIL, "no e-mail address".into()));
        }
        let time = self.date(r, Some(c.created), CREATE_DATE, true)?;
        let source_raw = field(r, Some(c.source), ORIGINAL_SOURCE)?;
        let source = field(r, c.drill1, DRILL_DOWN_1)?;
        let campaign = field(r, c.drill2, DRILL_DOWN_2)?;
        let account = field(r, c.domain, COMPANY_DOMAIN_NAME)?;
        let region = field(r, c.country, COUNTRY_REGION)?;
        let segment = field(r, c.industry, INDUSTRY)?;
        // Check every stage date before emitting anything: a row is mapped whole or not at all.
        let mut stages: [(&str, Time); 5] = [("", Time::NONE); 5];
        let mut n = 0;
        for &(col, i, stage) in &c.became {
            let t = self.date(r, Some(i), col, false)?;
            if !t.is_none() {
                stages[n] = (stage, t);
                n += 1;
            }
        }
        let channel = hubspot_channel(source_raw, &mut self.scratch);
        out.touch(
            row,
            &Touch {
                person: email,
                account,
                time,
                channel,
                source,
                medium: "",
                campaign,
                asset: "",
                region,
                segment,
                touch_type: "contact_created",
            },
        );
        for &(stage, time) in &stages[..n] {
            out.stage_event(
                row,
                &StageEvent {
                    subject: Subject::Person,
                    key: email,
                    account,
                    stage,
                    time,
                },
            );
        }
        Ok(())
    }

    fn deal(&self, row: u64, r: &Record, out: &mut Batch) -> Result<(), Fault> {
        let Cols::Deals(c) = &self.cols else {
            unreachable!()
        };
        let id = field(r, Some(c.id), RECORD_ID)?;
        if id.is_empty() {
            return Err((RECORD_ID, "no deal id".into()));
        }
        let stage = field(r, Some(c.stage), DEAL_STAGE)?;
        let amount = clean_amount(field(r, Some(c.amount), AMOUNT)?, self.decimal_comma)
            .map_err(|e| (AMOUNT, e))?;
        let currency = field(r, Some(c.currency), DEAL_CURRENCY_CODE)?;
        let created = self.date(r, Some(c.created), CREATE_DATE, true)?;
        let closed = self.date(r, c.closed, CLOSE_DATE, false)?;
        let domain = field(r, c.domain, ASSOCIATED_COMPANY_DOMAIN)?;
        let lead_source = field(r, c.source, ORIGINAL_SOURCE)?;
        out.conversion(
            row,
            &Conversion {
                id,
                account: domain,
                account_domain: domain,
                stage,
                amount: &amount,
                currency,
                created,
                closed,
                lead_source,
                campaign: "",
            },
        );
        Ok(())
    }

    fn activity(&self, row: u64, r: &Record, out: &mut Batch) -> Result<(), Fault> {
        let Cols::Activities(c) = &self.cols else {
            unreachable!()
        };
        let email = field(r, Some(c.email), EMAIL)?;
        if email.is_empty() {
            return Err((EMAIL, "no e-mail address".into()));
        }
        let kind = field(r, Some(c.kind), ACTIVITY_TYPE)?;
        let (channel, touch_type) = activity_kind(kind).ok_or_else(|| {
            let why = if kind.is_empty() {
                "no activity type".to_string()
            } else {
                format!("unknown activity type `{kind}` (expected FORM_SUBMISSION, MARKETING_EVENT or EMAIL_CLICK)")
            };
            (ACTIVITY_TYPE, why)
        })?;
        let time = self.date(r, Some(c.time), TIMESTAMP, true)?;
        let content = field(r, c.utm_content, UTM_CONTENT)?;
        let asset = if content.is_empty() {
            field(r, c.name, ACTIVITY_NAME)?
        } else {
            content
        };
        out.touch(
            row,
            &Touch {
                person: email,
                account: field(r, c.domain, COMPANY_DOMAIN)?,
                time,
                channel,
                source: field(r, c.utm_source, UTM_SOURCE)?,
                medium: field(r, c.utm_medium, UTM_MEDIUM)?,
                campaign: field(r, c.utm_campaign, UTM_CAMPAIGN)?,
                asset,
                region: "",
                segment: "",
                touch_type,
            },
        );
        Ok(())
    }
}

/// HubSpot's own forms read by position without allocating: `YYYY-MM-DD`, then optionally
/// ` HH:MM` or `THH:MM`, `:SS`, `.fff…` and `Z` or `±HH:MM`. A contacts row carries up to six
/// dates, and the SDK's general parser is several times slower. Anything else, including
/// every invalid date, returns `None` for [`parse_datetime`] to read or to explain; where
/// this returns a time, it is the time `parse_datetime` returns.
pub fn fast_date(s: &[u8]) -> Option<Time> {
    let d2 = |i: usize| {
        let (a, b) = (
            s.get(i)?.wrapping_sub(b'0'),
            s.get(i + 1)?.wrapping_sub(b'0'),
        );
        (a < 10 && b < 10).then_some(a as u32 * 10 + b as u32)
    };
    if s.len() < 10 || s[4] != b'-' || s[7] != b'-' {
        return None;
    }
    let y = (d2(0)? * 100 + d2(2)?) as i64;
    let (m, d) = (d2(5)?, d2(8)?);
    let month_days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        _ => return None,
    };
    if !(MIN_YEAR..=MAX_YEAR).contains(&y) || d < 1 || d > month_days {
        return None;
    }
    let day_ms = days_from_civil(y, m, d) * 86_400_000;
    if s.len() == 10 {
        return Some(Time {
            wall_ms: day_ms,
            offset_min: None,
        });
    }
    if s.len() < 16 || !matches!(s[10], b' ' | b'T') || s[13] != b':' {
        return None;
    }
    let (h, mi) = (d2(11)?, d2(14)?);
    let (mut sec, mut ms, mut p) = (0, 0, 16);
    if s.get(p) == Some(&b':') {
        sec = d2(17)?;
        p = 19;
        if s.get(p) == Some(&b'.') {
            p += 1;
            let start = p;
            while p < s.len() && s[p].is_ascii_digit() {
                if p - start < 3 {
                    ms += (s[p] - b'0') as u32 * [100, 10, 1][p - start];
                }
                p += 1;
            }
            if p == start {
                return None;
            }
        }
    }
    if h > 23 || mi > 59 || sec > 59 {
        return None;
    }
    let offset_min = match &s[p..] {
        [] => None,
        [b'Z'] => Some(0),
        [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
            let (oh, om) = (d2(p + 1)?, d2(p + 4)?);
            if oh > 14 || om > 59 {
                return None;
            }
            let o = (oh * 60 + om) as i32;
            Some(if *sign == b'-' { -o } else { o })
        }
        _ => return None,
    };
    let clock = ((h * 60 + mi) * 60 + sec) as i64 * 1000 + ms as i64;
    Some(Time {
        wall_ms: day_ms + clock,
        offset_min,
    })
}

/// Field `i` trimmed; a column the header lacks reads as empty.
#[inline]
fn field<'r>(r: &'r Record, i: Option<usize>, col: &'static str) -> Result<&'r str, Fault> {
    match i {
        None => Ok(""),
        Some(i) => r.get(i).map(str::trim_ascii).map_err(|e| (col, e)),
    }
}

/// `a` equals the enum-style token `b` (`ORGANIC_SEARCH`), ignoring ASCII case and reading
/// spaces as underscores, so HubSpot's labels (`Organic Search`) match their internal names.
fn token_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes().zip(b.bytes()).all(|(x, y)| {
            let x = if x == b' ' { b'_' } else { x };
            x.eq_ignore_ascii_case(&y)
        })
}

/// Original Source → channel; anything unknown is lower-cased (using `scratch` when needed).
pub fn hubspot_channel<'s>(raw: &'s str, scratch: &'s mut String) -> &'s str {
    const MAP: [(&str, &str); 10] = [
        ("ORGANIC_SEARCH", "organic_search"),
        ("PAID_SEARCH", "paid_search"),
        ("PAID_SOCIAL", "paid_social"),
        ("SOCIAL_MEDIA", "organic_social"),
        ("EMAIL_MARKETING", "email"),
        ("REFERRALS", "referral"),
        ("DIRECT_TRAFFIC", "direct"),
        ("OFFLINE", "event"),
        // HubSpot's label for OFFLINE.
        ("OFFLINE_SOURCES", "event"),
        ("OTHER_CAMPAIGNS", "other"),
    ];
    if let Some(&(_, ch)) = MAP.iter().find(|(k, _)| token_eq(raw, k)) {
        return ch;
    }
    if raw.bytes().any(|b| b.is_ascii_uppercase() || b >= 0x80) {
        scratch.clear();
        scratch.push_str(&raw.to_lowercase());
        return scratch;
    }
    raw
}

/// Activity Type → (channel, touch type).
pub fn activity_kind(raw: &str) -> Option<(&'static str, &'static str)> {
    const MAP: [(&str, &str, &str); 3] = [
        ("FORM_SUBMISSION", "form", "form_submission"),
        ("MARKETING_EVENT", "event", "event_attendance"),
        ("EMAIL_CLICK", "email", "email_click"),
    ];
    MAP.iter()
        .find(|(k, _, _)| token_eq(raw, k))
        .map(|&(_, ch, tt)| (ch, tt))
}

/// Which export a header belongs to: `Deal Stage` → deals, `Activity Type` → activities,
/// `Lifecycle Stage` or any "Became a …" date → contacts.
pub fn detect(h: &Header) -> Option<Export> {
    if h.index(DEAL_STAGE).is_some() {
        Some(Export::Deals)
    } else if h.index(ACTIVITY_TYPE).is_some() || h.index(ACTIVITY_ID).is_some() {
        Some(Export::Activities)
    } else if h.index(LIFECYCLE_STAGE).is_some() || BECAME.iter().any(|(c, _)| h.index(c).is_some())
    {
        Some(Export::Contacts)
    } else {
        None
    }
}

fn require(h: &Header, export: Export, names: &[&str]) -> Result<Vec<usize>, NormalizeError> {
    h.require(names)
        .map_err(|e| NormalizeError::BadFile(format!("HubSpot {} export: {e}", export.name())))
}

impl CsvRows for HubSpot {
    fn info() -> Info {
        Info {
            name: "hubspot".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: "HubSpot CSV exports: contacts (a touch at creation and lifecycle stage events), \
                          deals (conversions) and activities (form submissions, marketing events, e-mail clicks)."
                .into(),
            params: vec![
                ParamSpec::new(
                    "export",
                    "auto",
                    "Which HubSpot export the file is: contacts, deals or activities. auto detects it from \
                     the header: a Deal Stage column means deals, Activity Type means activities, Lifecycle \
                     Stage or a Became a … Date column means contacts.",
                ),
                ParamSpec::new(
                    "date_format",
                    "ymd",
                    "How the export writes dates: ymd reads 2026-03-04 15:30, 2026-03-04 and ISO 8601 with \
                     an offset (HubSpot's own format); mdy and dmy also read all-numeric dates such as \
                     3/4/2026 3:30 PM in that order. Times without an offset are in the portal's time zone \
                     (the source's timezone).",
                ),
                ParamSpec::new(
                    "decimal_comma",
                    "false",
                    "true when the portal writes amounts with a decimal comma (1.234,56, a European \
                     number format); false reads 1,234.56. An amount whose separators do not fit the \
                     setting (12500,50 without it, 12.5 with it) is rejected, never reinterpreted.",
                ),
            ],
            accepts: vec!["crm:contacts".into(), "crm:deals".into(), "map:contacts".into(), "map:activities".into()],
        }
    }

    fn open(_source: &SourceInfo, params: &Params) -> Result<Self, NormalizeError> {
        let export = match params.str("export").trim().to_ascii_lowercase().as_str() {
            "" | "auto" => None,
            "contacts" => Some(Export::Contacts),
            "deals" => Some(Export::Deals),
            "activities" => Some(Export::Activities),
            other => {
                return Err(NormalizeError::InvalidParam(format!(
                    "parameter `export`: `{other}` is not a HubSpot export (use contacts, deals, activities or auto)"
                )));
            }
        };
        let dates = match params
            .str("date_format")
            .trim()
            .to_ascii_lowercase()
            .as_str()
        {
            "ymd" | "iso" => DateFormat::Ymd,
            "mdy" => DateFormat::Numeric(DateOrder::Mdy),
            "dmy" => DateFormat::Numeric(DateOrder::Dmy),
            other => {
                return Err(NormalizeError::InvalidParam(format!(
                    "parameter `date_format`: `{other}` is not a date format (use ymd, mdy or dmy)"
                )));
            }
        };
        let decimal_comma = params.bool("decimal_comma")?;
        Ok(HubSpot {
            export,
            dates,
            decimal_comma,
            cols: Cols::Pending,
            scratch: String::new(),
        })
    }

    fn header(&mut self, h: &Header) -> Result<(), NormalizeError> {
        let export = match self.export.or_else(|| detect(h)) {
            Some(e) => e,
            None => {
                return Err(NormalizeError::BadFile(
                    "cannot tell which HubSpot export this is: the header has no Deal Stage (deals), \
                     Activity Type (activities) or Lifecycle Stage (contacts) column; set the `export` parameter"
                        .into(),
                ));
            }
        };
        self.export = Some(export);
        self.cols = match export {
            Export::Contacts => {
                let r = require(h, export, &CONTACTS_REQUIRED)?;
                Cols::Contacts(ContactCols {
                    email: r[0],
                    created: r[1],
                    source: r[2],
                    drill1: h.index(DRILL_DOWN_1),
                    drill2: h.index(DRILL_DOWN_2),
                    domain: h.index(COMPANY_DOMAIN_NAME),
                    country: h.index(COUNTRY_REGION),
                    industry: h.index(INDUSTRY),
                    became: BECAME
                        .iter()
                        .filter_map(|&(col, stage)| h.index(col).map(|i| (col, i, stage)))
                        .collect(),
                })
            }
            Export::Deals => {
                let r = require(h, export, &DEALS_REQUIRED)?;
                Cols::Deals(DealCols {
                    id: r[0],
                    stage: r[1],
                    amount: r[2],
                    currency: r[3],
                    created: r[4],
                    closed: h.index(CLOSE_DATE),
                    domain: h.index(ASSOCIATED_COMPANY_DOMAIN),
                    source: h.index(ORIGINAL_SOURCE),
                })
            }
            Export::Activities => {
                let r = require(h, export, &ACTIVITIES_REQUIRED)?;
                Cols::Activities(ActivityCols {
                    email: r[0],
                    kind: r[1],
                    time: r[2],
                    name: h.index(ACTIVITY_NAME),
                    utm_source: h.index(UTM_SOURCE),
                    utm_medium: h.index(UTM_MEDIUM),
                    utm_campaign: h.index(UTM_CAMPAIGN),
                    utm_content: h.index(UTM_CONTENT),
                    domain: h.index(COMPANY_DOMAIN),
                })
            }
        };
        Ok(())
    }

    fn row(&mut self, row: u64, record: &Record, out: &mut Batch) {
        let done = match self.cols {
            Cols::Contacts(_) => self.contact(row, record, out),
            Cols::Deals(_) => self.deal(row, record, out),
            Cols::Activities(_) => self.activity(row, record, out),
            Cols::Pending => Err(("", "row before the header".into())),
        };
        if let Err((col, why)) = done {
            out.reject(row, col, why);
        }
    }
}

/// The exported plugin: the SDK's CSV streaming around [`HubSpot`].
pub type Plugin = Csv<HubSpot>;

ascribe_sdk::export_normalizer!(Plugin);

#[cfg(test)]
mod tests;
