//! Any CSV of touches or conversions, mapped column by column by parameters: `col_<field>`
//! names the source column of a canonical field, `fixed_<field>` gives a constant. The
//! rules are fixed by `docs/normalizers/formats.md` (section `generic-csv`);
//! `docs/normalizers/generic-csv.md` documents this plugin.
//!
//! Only mapped columns are read: anything else in the file (names, notes) never leaves it.

use std::borrow::Cow;

use ascribe_sdk::csv::{Header, Record};
use ascribe_sdk::normalizer::{
    Batch, Conversion, CsvRows, Info, NormalizeError, SourceInfo, Touch, clean_amount,
};
use ascribe_sdk::time::{DateOrder, Time, parse_datetime};
use ascribe_sdk::{ParamSpec, Params};

use ascribe_sdk::cells::{
    Cells, account_of, check_amount_letters, check_header_not_blank, delimiter_hint, domain_of,
    lower_into, parse_delimiter,
};

/// What a row becomes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordKind {
    Touch,
    Conversion,
}

impl RecordKind {
    fn name(self) -> &'static str {
        match self {
            RecordKind::Touch => "touch",
            RecordKind::Conversion => "conversion",
        }
    }
}

/// How a field's text is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// Trimmed as is.
    Text,
    /// A date or date-time.
    Time,
    /// Decimal text, cleaned of currency symbols and thousands separators.
    Amount,
    /// Lower-cased, white space as `_`.
    Channel,
    /// Reduced to the company domain.
    Domain,
    /// A URL is reduced to its domain, anything else kept.
    Account,
}

/// One canonical field.
pub struct Field {
    pub name: &'static str,
    touch: bool,
    conversion: bool,
    kind: Kind,
    what: &'static str,
}

impl Field {
    fn applies(&self, r: RecordKind) -> bool {
        match r {
            RecordKind::Touch => self.touch,
            RecordKind::Conversion => self.conversion,
        }
    }
}

const fn f(
    name: &'static str,
    touch: bool,
    conversion: bool,
    kind: Kind,
    what: &'static str,
) -> Field {
    Field {
        name,
        touch,
        conversion,
        kind,
        what,
    }
}

/// The canonical fields, in parameter order. Positions are the `F_*` constants.
pub const FIELDS: [Field; 19] = [
    f(
        "person",
        true,
        false,
        Kind::Text,
        "the person: an e-mail address or a pseudonymous id",
    ),
    f(
        "account",
        true,
        true,
        Kind::Account,
        "the account, ideally its company domain (a URL is reduced to its domain)",
    ),
    f("time", true, false, Kind::Time, "when the touch happened"),
    f(
        "channel",
        true,
        false,
        Kind::Channel,
        "the channel, lower-cased with spaces as `_` (`Paid Social` → `paid_social`)",
    ),
    f("source", true, false, Kind::Text, "the source (UTM source)"),
    f("medium", true, false, Kind::Text, "the medium (UTM medium)"),
    f("campaign", true, true, Kind::Text, "the campaign"),
    f(
        "asset",
        true,
        false,
        Kind::Text,
        "the asset (UTM content, page, file, session)",
    ),
    f("region", true, false, Kind::Text, "the region or country"),
    f("segment", true, false, Kind::Text, "the segment"),
    f(
        "touch_type",
        true,
        false,
        Kind::Text,
        "the touch type (`attended`, `form_submission`…)",
    ),
    f("id", false, true, Kind::Text, "the opportunity or deal id"),
    f(
        "account_domain",
        false,
        true,
        Kind::Domain,
        "the account's company domain (a URL is reduced to its domain)",
    ),
    f(
        "stage",
        false,
        true,
        Kind::Text,
        "the raw stage name, mapped by the campaign's stage map",
    ),
    f(
        "amount",
        false,
        true,
        Kind::Amount,
        "the amount (currency symbols and thousands separators are removed)",
    ),
    f(
        "currency",
        false,
        true,
        Kind::Text,
        "the ISO 4217 currency code",
    ),
    f(
        "created",
        false,
        true,
        Kind::Time,
        "when the opportunity was created",
    ),
    f(
        "closed",
        false,
        true,
        Kind::Time,
        "when the opportunity closed (optional)",
    ),
    f("lead_source", false, true, Kind::Text, "the lead source"),
];

const F_PERSON: usize = 0;
const F_ACCOUNT: usize = 1;
const F_TIME: usize = 2;
const F_CHANNEL: usize = 3;
const F_SOURCE: usize = 4;
const F_MEDIUM: usize = 5;
const F_CAMPAIGN: usize = 6;
const F_ASSET: usize = 7;
const F_REGION: usize = 8;
const F_SEGMENT: usize = 9;
const F_TOUCH_TYPE: usize = 10;
const F_ID: usize = 11;
const F_ACCOUNT_DOMAIN: usize = 12;
const F_STAGE: usize = 13;
const F_AMOUNT: usize = 14;
const F_CURRENCY: usize = 15;
const F_CREATED: usize = 16;
const F_CLOSED: usize = 17;
const F_LEAD_SOURCE: usize = 18;

/// Fields a record kind cannot do without (a column or a constant).
const TOUCH_REQUIRED: [usize; 3] = [F_PERSON, F_TIME, F_CHANNEL];
const CONVERSION_REQUIRED: [usize; 4] = [F_ID, F_AMOUNT, F_CURRENCY, F_CREATED];

/// The header of an export this plugin reads: an event platform's attendee export (one CSV
/// line, newline included), mapped as touches by [`TOUCH_PARAMS`].
pub const TOUCH_HEADER: &str = "E-Mail,First Name,Last Name,Company,Company Domain,Date,Channel,Source,Campaign,Session,Country\n";
/// The parameters mapping [`TOUCH_HEADER`]'s export as touches.
pub const TOUCH_PARAMS: [(&str, &str); 9] = [
    ("col_person", "E-Mail"),
    ("col_time", "Date"),
    ("col_channel", "Channel"),
    ("col_account", "Company Domain"),
    ("col_source", "Source"),
    ("col_campaign", "Campaign"),
    ("col_asset", "Session"),
    ("col_region", "Country"),
    ("fixed_touch_type", "attended"),
];

/// The header of an export this plugin reads: a partner's deal sheet (one CSV line, newline
/// included), mapped as conversions by [`CONV_PARAMS`].
pub const CONV_HEADER: &str =
    "Deal,Deal Name,Customer,Customer Website,Phase,Deal Value,Cur,Opened,Won On,Origin,Program\n";
/// The parameters mapping [`CONV_HEADER`]'s export as conversions.
pub const CONV_PARAMS: [(&str, &str); 11] = [
    ("record", "conversion"),
    ("col_id", "Deal"),
    ("col_account", "Customer"),
    ("col_account_domain", "Customer Website"),
    ("col_stage", "Phase"),
    ("col_amount", "Deal Value"),
    ("col_currency", "Cur"),
    ("col_created", "Opened"),
    ("col_closed", "Won On"),
    ("col_lead_source", "Origin"),
    ("col_campaign", "Program"),
];

/// The parameters `docs/normalizers/generic-csv.md` shows for its sample
/// (`fixtures/samples/generic-csv/touches.csv`, an event platform's check-ins).
pub const SAMPLE_PARAMS: [(&str, &str); 10] = [
    ("record", "touch"),
    ("col_person", "Attendee Email"),
    ("col_account", "Company Website"),
    ("col_time", "Checked In"),
    ("col_asset", "Session"),
    ("col_segment", "Ticket Type"),
    ("col_region", "Country"),
    ("fixed_channel", "event"),
    ("fixed_campaign", "ai-launch-tour-berlin"),
    ("fixed_touch_type", "attended"),
];

/// Reject reasons (exact texts, also in the docs).
pub mod reason {
    pub const NO_PERSON: &str = "empty: a touch needs a person";
    pub const NO_CHANNEL: &str = "empty: a touch needs a channel";
    pub const NO_ID: &str = "empty: a conversion needs an id";
}

/// Where a field's value comes from.
#[derive(Clone, Debug, Default)]
enum Src {
    #[default]
    Unset,
    /// A column: its name as the user wrote it, its position once the header is read.
    Column { name: String, idx: Option<usize> },
    /// A constant, already cleaned for its kind (a time is in `Slot::time`).
    Fixed(String),
}

#[derive(Clone, Debug)]
struct Slot {
    src: Src,
    /// The parsed constant of a fixed time field.
    time: Time,
}

/// The mapping and how cells are read: fixed after `open` and `header`.
struct Mapping {
    record: RecordKind,
    order: DateOrder,
    decimal_comma: bool,
    slots: Vec<Slot>,
}

pub struct GenericCsv {
    map: Mapping,
    delimiter: u8,
    /// Reused buffer for the lower-cased channel.
    channel: String,
}

fn param_error(msg: String) -> NormalizeError {
    NormalizeError::InvalidParam(msg)
}

impl Mapping {
    fn from_params(p: &Params) -> Result<Mapping, NormalizeError> {
        let record = match p.str("record").trim().to_ascii_lowercase().as_str() {
            "touch" | "touches" => RecordKind::Touch,
            "conversion" | "conversions" => RecordKind::Conversion,
            other => {
                return Err(param_error(format!(
                    "parameter `record`: `{other}` is not a record kind (use `touch` or `conversion`)"
                )));
            }
        };
        let order = DateOrder::parse(p.str("date_order"))
            .map_err(|e| param_error(format!("parameter `date_order`: {e}")))?;
        let decimal_comma = p.bool("decimal_comma")?;
        let mut slots = Vec::with_capacity(FIELDS.len());
        for field in &FIELDS {
            let (col_name, fixed_name) = (
                format!("col_{}", field.name),
                format!("fixed_{}", field.name),
            );
            let col = p.str(&col_name).trim();
            let fixed = p.str(&fixed_name).trim();
            let mut slot = Slot {
                src: Src::Unset,
                time: Time::NONE,
            };
            for (name, v) in [(&col_name, col), (&fixed_name, fixed)] {
                if !v.is_empty() && !field.applies(record) {
                    return Err(param_error(format!(
                        "parameter `{name}`: {} records have no `{}` field (set `record` = `{}`, or remove it)",
                        record.name(),
                        field.name,
                        if record == RecordKind::Touch {
                            "conversion"
                        } else {
                            "touch"
                        }
                    )));
                }
            }
            if !col.is_empty() && !fixed.is_empty() {
                return Err(param_error(format!(
                    "set `{col_name}` or `{fixed_name}`, not both"
                )));
            }
            if !col.is_empty() {
                slot.src = Src::Column {
                    name: col.to_string(),
                    idx: None,
                };
            } else if !fixed.is_empty() {
                let bad = |e: String| param_error(format!("parameter `{fixed_name}`: {e}"));
                let value = match field.kind {
                    Kind::Text => fixed.to_string(),
                    Kind::Time => {
                        slot.time = parse_datetime(fixed, order).map_err(bad)?;
                        fixed.to_string()
                    }
                    Kind::Amount => check_amount_letters(fixed)
                        .and_then(|()| clean_amount(fixed, decimal_comma))
                        .map_err(bad)?,
                    Kind::Channel => lower_into(&mut String::new(), fixed, true).to_string(),
                    Kind::Domain => domain_of(fixed).to_string(),
                    Kind::Account => account_of(fixed).to_string(),
                };
                slot.src = Src::Fixed(value);
            }
            slots.push(slot);
        }
        let required: &[usize] = match record {
            RecordKind::Touch => &TOUCH_REQUIRED,
            RecordKind::Conversion => &CONVERSION_REQUIRED,
        };
        let unset: Vec<&str> = required
            .iter()
            .filter(|&&i| matches!(slots[i].src, Src::Unset))
            .map(|&i| FIELDS[i].name)
            .collect();
        if !unset.is_empty() {
            let all: Vec<&str> = required.iter().map(|&i| FIELDS[i].name).collect();
            return Err(param_error(format!(
                "{} records need {}: set `col_<field>` (a column) or `fixed_<field>` (a constant) for {}",
                record.name(),
                all.join(", "),
                unset.join(", ")
            )));
        }
        Ok(Mapping {
            record,
            order,
            decimal_comma,
            slots,
        })
    }

    /// A text field: the trimmed cell, the constant, or empty when unmapped.
    fn text<'a>(&'a self, i: usize, cells: &mut Cells<'a, '_>) -> &'a str {
        match &self.slots[i].src {
            Src::Column { name, idx } => cells.text(*idx, name),
            Src::Fixed(v) => v,
            Src::Unset => "",
        }
    }

    /// A field that must not be empty.
    fn required<'a>(&'a self, i: usize, cells: &mut Cells<'a, '_>, why: &str) -> &'a str {
        match &self.slots[i].src {
            Src::Column { name, idx } => cells.required(*idx, name, why),
            Src::Fixed(v) => v,
            Src::Unset => "",
        }
    }

    fn time(&self, i: usize, cells: &mut Cells<'_, '_>, optional: bool) -> Time {
        let slot = &self.slots[i];
        match &slot.src {
            Src::Column { name, idx } => cells.date(*idx, name, self.order, optional),
            Src::Fixed(_) | Src::Unset => slot.time,
        }
    }

    fn touch(&self, channel_buf: &mut String, rec: &Record, row: u64, out: &mut Batch) {
        let mut cells = Cells::new(rec, row, out);
        let person = self.required(F_PERSON, &mut cells, reason::NO_PERSON);
        let time = self.time(F_TIME, &mut cells, false);
        let channel = match &self.slots[F_CHANNEL].src {
            Src::Column { name, idx } => {
                let raw = cells.required(*idx, name, reason::NO_CHANNEL);
                lower_into(channel_buf, raw, true)
            }
            Src::Fixed(v) => v.as_str(),
            Src::Unset => "",
        };
        let t = Touch {
            person,
            account: account_of(self.text(F_ACCOUNT, &mut cells)),
            time,
            channel,
            source: self.text(F_SOURCE, &mut cells),
            medium: self.text(F_MEDIUM, &mut cells),
            campaign: self.text(F_CAMPAIGN, &mut cells),
            asset: self.text(F_ASSET, &mut cells),
            region: self.text(F_REGION, &mut cells),
            segment: self.text(F_SEGMENT, &mut cells),
            touch_type: self.text(F_TOUCH_TYPE, &mut cells),
        };
        if cells.ok {
            cells.out.touch(row, &t);
        }
    }

    fn conversion(&self, rec: &Record, row: u64, out: &mut Batch) {
        let mut cells = Cells::new(rec, row, out);
        let id = self.required(F_ID, &mut cells, reason::NO_ID);
        let amount: Cow<str> = match &self.slots[F_AMOUNT].src {
            Src::Column { name, idx } => cells.amount(*idx, name, self.decimal_comma),
            Src::Fixed(v) => Cow::Borrowed(v.as_str()),
            Src::Unset => Cow::Borrowed(""),
        };
        let account_domain = match &self.slots[F_ACCOUNT_DOMAIN].src {
            Src::Column { name, idx } => domain_of(cells.text(*idx, name)),
            Src::Fixed(v) => v.as_str(),
            Src::Unset => "",
        };
        let c = Conversion {
            id,
            account: account_of(self.text(F_ACCOUNT, &mut cells)),
            account_domain,
            stage: self.text(F_STAGE, &mut cells),
            amount: &amount,
            currency: self.text(F_CURRENCY, &mut cells),
            created: self.time(F_CREATED, &mut cells, false),
            closed: self.time(F_CLOSED, &mut cells, true),
            lead_source: self.text(F_LEAD_SOURCE, &mut cells),
            campaign: self.text(F_CAMPAIGN, &mut cells),
        };
        if cells.ok {
            cells.out.conversion(row, &c);
        }
    }
}

impl CsvRows for GenericCsv {
    fn info() -> Info {
        let mut params = vec![
            ParamSpec::new(
                "record",
                "touch",
                "what each row is: `touch` or `conversion`",
            ),
            ParamSpec::new("delimiter", ",", "field delimiter: `,`, `;`, `tab` or `|`"),
            ParamSpec::new(
                "date_order",
                "mdy",
                "how to read all-numeric dates such as 03/04/2026: `mdy` (March 4) or `dmy` (3 April)",
            ),
            ParamSpec::new(
                "decimal_comma",
                "false",
                "`true` when amounts use a comma as the decimal mark (1.234,50)",
            ),
        ];
        for field in &FIELDS {
            let records = match (field.touch, field.conversion) {
                (true, true) => "touch and conversion records",
                (true, false) => "touch records",
                _ => "conversion records",
            };
            params.push(ParamSpec::new(
                &format!("col_{}", field.name),
                "",
                &format!("the column holding {} ({records})", field.what),
            ));
            params.push(ParamSpec::new(
                &format!("fixed_{}", field.name),
                "",
                &format!(
                    "a constant `{}` for every row, instead of a column ({records})",
                    field.name
                ),
            ));
        }
        Info {
            name: "generic-csv".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: "Any CSV of touches or conversions: parameters name the column (or give a constant) \
                          for each canonical field."
                .into(),
            params,
            accepts: vec!["crm:*".into(), "map:*".into(), "analytics:*".into()],
        }
    }

    fn open(_source: &SourceInfo, params: &Params) -> Result<Self, NormalizeError> {
        Ok(GenericCsv {
            map: Mapping::from_params(params)?,
            delimiter: parse_delimiter(params.str("delimiter"))?,
            channel: String::new(),
        })
    }

    fn delimiter(&self) -> u8 {
        self.delimiter
    }

    fn header(&mut self, h: &Header) -> Result<(), NormalizeError> {
        check_header_not_blank(h)?;
        let mut missing = vec![];
        for (field, slot) in FIELDS.iter().zip(&mut self.map.slots) {
            if let Src::Column { name, idx } = &mut slot.src {
                *idx = h.index(name);
                if idx.is_none() {
                    missing.push(format!("{name} (col_{})", field.name));
                }
            }
        }
        if !missing.is_empty() {
            return Err(NormalizeError::BadFile(format!(
                "missing required column(s): {}{}",
                missing.join(", "),
                delimiter_hint(h, self.delimiter)
            )));
        }
        Ok(())
    }

    fn row(&mut self, row: u64, rec: &Record, out: &mut Batch) {
        match self.map.record {
            RecordKind::Touch => self.map.touch(&mut self.channel, rec, row, out),
            RecordKind::Conversion => self.map.conversion(rec, row, out),
        }
    }
}

ascribe_sdk::export_normalizer!(ascribe_sdk::normalizer::Csv<GenericCsv>);

#[cfg(test)]
mod tests;
