//! Reconciliation of one record at a time: times to UTC, amounts to exact decimals in the
//! reporting currency, raw stages to canonical ones, people to salted hashes, accounts to
//! one spelling. Each function returns the reason a value cannot be used.

use std::str::FromStr;

use chrono::{NaiveDate, TimeZone};
use rust_decimal::Decimal;
use sha2::{Digest, Sha256};

use crate::data::PersonId;
use crate::pipeline::campaign::{Campaign, Stage};
use crate::runtime::normalizer::{NO_OFFSET, NO_TIME};

/// The first instant the host accepts: 1970-01-01T00:00Z. The bundled normalizers read
/// the years 1970–2200; the host holds every plugin to the same range, so no time can
/// wrap in arithmetic and none far in the future can pass for fresh data.
pub const MIN_MS: i64 = 0;
/// The first instant past the accepted range: 2201-01-01T00:00Z.
pub const END_MS: i64 = 7_289_654_400_000;
/// The accepted range as messages name it (inclusive UTC dates).
pub const RANGE: &str = "1970-01-01..2200-12-31 (UTC)";

/// A time a normalizer reported, as the export wrote it, when it falls outside [`RANGE`].
pub fn out_of_range(wall_ms: i64, offset_min: i32) -> String {
    let shown = match chrono::DateTime::from_timestamp_millis(wall_ms) {
        Some(d) => {
            let mut s = d.naive_utc().format("%Y-%m-%d %H:%M:%S").to_string();
            if offset_min != NO_OFFSET {
                let a = offset_min.unsigned_abs();
                let sign = if offset_min < 0 { '-' } else { '+' };
                s.push_str(&format!("{sign}{:02}:{:02}", a / 60, a % 60));
            }
            s
        }
        None => format!("{wall_ms} ms from 1970-01-01"),
    };
    format!("time {shown} is outside the range this version accepts, {RANGE}")
}

/// `utc` (None: the arithmetic that led to it overflowed) if it is inside [`RANGE`], else
/// the reason naming the time as written.
pub fn accept(utc: Option<i64>, wall_ms: i64, offset_min: i32) -> Result<Option<i64>, String> {
    match utc {
        Some(t) if (MIN_MS..END_MS).contains(&t) => Ok(Some(t)),
        _ => Err(out_of_range(wall_ms, offset_min)),
    }
}

/// A wall time plus optional offset, as a normalizer reports it, to UTC milliseconds.
/// Without an offset the source's time zone applies; a wall time that falls in a DST gap
/// is read as the instant after the gap, an ambiguous one as the earlier instant. A time
/// outside [`RANGE`] is refused (checked arithmetic: nothing wraps).
pub fn to_utc_ms(wall_ms: i64, offset_min: i32, tz: chrono_tz::Tz) -> Result<Option<i64>, String> {
    if wall_ms == NO_TIME {
        return Ok(None);
    }
    if offset_min != NO_OFFSET {
        let utc = (offset_min as i64)
            .checked_mul(60_000)
            .and_then(|o| wall_ms.checked_sub(o));
        return accept(utc, wall_ms, offset_min);
    }
    // A day either side covers every zone's offset: beyond that no zone brings the time
    // into range, and chrono's own range is never approached.
    const DAY: i64 = 86_400_000;
    if tz == chrono_tz::UTC || !(MIN_MS - DAY..END_MS + DAY).contains(&wall_ms) {
        return accept(Some(wall_ms), wall_ms, offset_min);
    }
    let naive = chrono::DateTime::from_timestamp_millis(wall_ms)
        .ok_or_else(|| out_of_range(wall_ms, offset_min))?
        .naive_utc();
    let local = match tz.from_local_datetime(&naive) {
        chrono::LocalResult::Single(t) => t,
        chrono::LocalResult::Ambiguous(a, _) => a,
        chrono::LocalResult::None => {
            // Spring-forward gap: an hour later exists.
            tz.from_local_datetime(&(naive + chrono::Duration::hours(1)))
                .earliest()
                .ok_or_else(|| format!("{naive} does not exist in {tz}"))?
        }
    };
    accept(Some(local.timestamp_millis()), wall_ms, offset_min)
}

pub fn date_of(ms: i64) -> NaiveDate {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|d| d.date_naive())
        .unwrap_or_default()
}

/// The largest amount accepted: beyond this an amount is a unit error, not a deal.
pub const MAX_AMOUNT: i64 = 1_000_000_000_000;

/// Parses a normalizer's amount text exactly. Empty is zero (reported by the caller).
pub fn parse_amount(text: &str) -> Result<Decimal, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(Decimal::ZERO);
    }
    if t.contains(['e', 'E']) {
        // `1.5E+06` is what a spreadsheet writes after rounding a number it displayed
        // in scientific notation: the digits it dropped are gone.
        return Err(format!(
            "`{}` is in scientific notation: the spreadsheet has rounded it; export the column as a plain number",
            crate::runtime::model::truncate(t, 40)
        ));
    }
    let d = Decimal::from_str(t).map_err(|_| {
        format!(
            "`{}` is not a decimal amount",
            crate::runtime::model::truncate(t, 40)
        )
    })?;
    if d.is_sign_negative() && !d.is_zero() {
        return Err(format!("amount {d} is negative"));
    }
    if d > Decimal::from(MAX_AMOUNT) {
        return Err(format!(
            "amount {d} exceeds {MAX_AMOUNT}: check the export's units"
        ));
    }
    Ok(d)
}

pub fn currency_code(text: &str) -> Result<String, String> {
    let c = text.trim().to_ascii_uppercase();
    if c.is_empty() {
        return Err("no currency given".into());
    }
    if crate::money::Currency::of(&c).is_none() {
        return Err(format!(
            "`{}` is not a currency this version knows",
            crate::runtime::model::truncate(text.trim(), 20)
        ));
    }
    Ok(c)
}

/// The campaign lacks the rate an amount needs: no amount in that currency on that date
/// can be trusted. What follows is the campaign's `[reconcile] missing_fx` policy.
#[derive(Debug, Clone, PartialEq)]
pub struct MissingRate {
    pub currency: String,
    pub date: NaiveDate,
    /// The first date of the currency's `[fx.CUR]` table, if it has one.
    pub first: Option<NaiveDate>,
}

impl std::fmt::Display for MissingRate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (cur, date) = (&self.currency, self.date);
        match self.first {
            Some(first) => write!(
                f,
                "no FX rate for {cur} on or before {date}: the campaign's [fx.{cur}] table starts on {first}"
            ),
            None => write!(
                f,
                "no FX rate for {cur} on or before {date}: the campaign has no [fx.{cur}] table"
            ),
        }
    }
}

/// Converts an amount to the reporting currency at the rate in force on `date`, rounded to
/// the reporting currency's minor units, half away from zero.
pub fn to_reporting(
    c: &Campaign,
    amount: Decimal,
    currency: &str,
    date: NaiveDate,
) -> Result<Decimal, MissingRate> {
    let cur = c.currency;
    if cur == currency {
        return Ok(cur.round(amount));
    }
    let rate = c.fx.rate(currency, date).ok_or_else(|| MissingRate {
        currency: currency.to_string(),
        date,
        first: c
            .fx
            .rates
            .get(currency)
            .and_then(|v| v.iter().map(|(d, _)| *d).min()),
    })?;
    Ok(cur.round(amount * rate))
}

/// Raw stage name to canonical, through the partner's map.
pub fn map_stage(c: &Campaign, partner: usize, raw: &str) -> Result<Stage, String> {
    let key = raw.trim().to_lowercase();
    if let Some(s) = c.partners[partner].stages.get(&key) {
        return Ok(*s);
    }
    // Canonical names map to themselves, so a partner already using them needs no map.
    if let Some(s) = Stage::parse(&key) {
        return Ok(s);
    }
    Err(format!(
        "stage `{}` is not in the stage map of partner `{}` (add it under [partners.stages] in the campaign file)",
        crate::runtime::model::truncate(raw.trim(), 60),
        c.partners[partner].name
    ))
}

/// Normalizes a person key (trimmed, lower case) and hashes it with the campaign's salt.
/// The empty key is person 0, "unknown".
pub fn person_id(salt: &str, raw: &str) -> PersonId {
    let key = raw.trim();
    if key.is_empty() {
        return 0;
    }
    let mut h = Sha256::new();
    h.update(salt.as_bytes());
    h.update([0u8]);
    for b in key.bytes() {
        h.update([b.to_ascii_lowercase()]);
    }
    let d = h.finalize();
    u64::from_be_bytes(d[..8].try_into().unwrap()).max(1)
}

/// Domains of free mail providers: an address there says nothing about the company.
const FREEMAIL: &[&str] = &[
    "gmail.com",
    "googlemail.com",
    "yahoo.com",
    "hotmail.com",
    "outlook.com",
    "live.com",
    "icloud.com",
    "me.com",
    "aol.com",
    "gmx.de",
    "gmx.net",
    "web.de",
    "proton.me",
    "protonmail.com",
    "mail.com",
    "yandex.ru",
    "qq.com",
    "163.com",
];

/// The company domain of an e-mail address, unless it is a free mail provider.
pub fn email_domain(raw: &str) -> Option<String> {
    let (_, dom) = raw.trim().rsplit_once('@')?;
    let dom = dom.trim().to_ascii_lowercase();
    if dom.is_empty() || !dom.contains('.') || FREEMAIL.contains(&dom.as_str()) {
        return None;
    }
    Some(dom)
}

/// One spelling per account: `https://www.Acme.io/` → `acme.io`; names are lower-cased
/// and trimmed.
pub fn account_key(raw: &str) -> String {
    let mut s = raw.trim().to_lowercase();
    for p in ["https://", "http://"] {
        if let Some(rest) = s.strip_prefix(p) {
            s = rest.to_string();
        }
    }
    if let Some(rest) = s.strip_prefix("www.") {
        s = rest.to_string();
    }
    while s.ends_with('/') {
        s.pop();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_to_utc() {
        // 2026-03-04 15:30 wall time.
        let wall = chrono::NaiveDate::from_ymd_opt(2026, 3, 4)
            .unwrap()
            .and_hms_opt(15, 30, 0)
            .unwrap()
            .and_utc()
            .timestamp_millis();
        assert_eq!(
            to_utc_ms(wall, 60, chrono_tz::UTC).unwrap(),
            Some(wall - 3_600_000)
        );
        // Berlin is UTC+1 in March (before the switch on the 29th).
        assert_eq!(
            to_utc_ms(wall, NO_OFFSET, chrono_tz::Europe::Berlin).unwrap(),
            Some(wall - 3_600_000)
        );
        // Los Angeles: PST (UTC-8) until 2026-03-08.
        assert_eq!(
            to_utc_ms(wall, NO_OFFSET, chrono_tz::America::Los_Angeles).unwrap(),
            Some(wall + 8 * 3_600_000)
        );
        assert_eq!(to_utc_ms(NO_TIME, 0, chrono_tz::UTC).unwrap(), None);
        // 2026-03-29 02:30 does not exist in Berlin: read as 03:30 CEST = 01:30 UTC.
        let gap = chrono::NaiveDate::from_ymd_opt(2026, 3, 29)
            .unwrap()
            .and_hms_opt(2, 30, 0)
            .unwrap()
            .and_utc()
            .timestamp_millis();
        assert_eq!(
            to_utc_ms(gap, NO_OFFSET, chrono_tz::Europe::Berlin).unwrap(),
            Some(gap - 3_600_000)
        );
    }

    /// Times outside 1970..=2200 are refused whatever the path (offset, zone, UTC), by
    /// checked arithmetic: the extremes of i64 neither wrap nor panic.
    #[test]
    fn times_outside_the_range_are_refused() {
        let at = |y, m, d| {
            chrono::NaiveDate::from_ymd_opt(y, m, d)
                .unwrap()
                .and_hms_opt(0, 0, 0)
                .unwrap()
                .and_utc()
                .timestamp_millis()
        };
        let berlin = chrono_tz::Europe::Berlin;
        let y9999 = at(9999, 1, 1);
        for (wall, off, tz, want) in [
            (y9999, 60, chrono_tz::UTC, "time 9999-01-01 00:00:00+01:00"),
            (y9999, NO_OFFSET, chrono_tz::UTC, "time 9999-01-01 00:00:00"),
            (y9999, NO_OFFSET, berlin, "time 9999-01-01 00:00:00"),
            (
                i64::MAX,
                -60,
                chrono_tz::UTC,
                "time 9223372036854775807 ms from 1970-01-01",
            ),
            (
                i64::MIN + 1,
                60,
                chrono_tz::UTC,
                "time -9223372036854775807 ms from 1970-01-01",
            ),
            (
                i64::MAX,
                NO_OFFSET,
                berlin,
                "time 9223372036854775807 ms from 1970-01-01",
            ),
            (
                at(1969, 12, 31),
                NO_OFFSET,
                chrono_tz::UTC,
                "time 1969-12-31 00:00:00",
            ),
            // 00:30 in Berlin is 23:30 UTC the day before: 1969.
            (
                at(1970, 1, 1) + 1_800_000,
                NO_OFFSET,
                berlin,
                "time 1970-01-01 00:30:00",
            ),
            (
                at(2201, 1, 1),
                -90,
                chrono_tz::UTC,
                "time 2201-01-01 00:00:00-01:30",
            ),
        ] {
            assert_eq!(
                to_utc_ms(wall, off, tz),
                Err(format!(
                    "{want} is outside the range this version accepts, 1970-01-01..2200-12-31 (UTC)"
                ))
            );
        }
        // The ends themselves are in.
        assert_eq!(to_utc_ms(0, NO_OFFSET, chrono_tz::UTC), Ok(Some(0)));
        assert_eq!(
            to_utc_ms(END_MS - 1, NO_OFFSET, chrono_tz::UTC),
            Ok(Some(END_MS - 1))
        );
        assert_eq!(END_MS, at(2201, 1, 1));
        // 2200-12-31 23:30 at UTC-01:00 is 2201-01-01 00:30 UTC: out.
        assert!(to_utc_ms(END_MS - 1_800_000, -60, chrono_tz::UTC).is_err());
    }

    #[test]
    fn amounts_and_currencies() {
        assert_eq!(parse_amount("1234.50").unwrap(), Decimal::new(123450, 2));
        assert_eq!(parse_amount("").unwrap(), Decimal::ZERO);
        assert_eq!(parse_amount("-5").unwrap_err(), "amount -5 is negative");
        assert_eq!(
            parse_amount("1.5E+06").unwrap_err(),
            "`1.5E+06` is in scientific notation: the spreadsheet has rounded it; export the column as a plain number"
        );
        assert_eq!(
            parse_amount("12,5").unwrap_err(),
            "`12,5` is not a decimal amount"
        );
        assert_eq!(
            parse_amount("2000000000000").unwrap_err(),
            "amount 2000000000000 exceeds 1000000000000: check the export's units"
        );
        assert_eq!(currency_code(" eur ").unwrap(), "EUR");
        assert_eq!(
            currency_code("XYZ").unwrap_err(),
            "`XYZ` is not a currency this version knows"
        );
    }

    #[test]
    fn identity() {
        assert_eq!(
            person_id("s", " Ann@Acme.io "),
            person_id("s", "ann@acme.io")
        );
        assert_ne!(person_id("s", "ann@acme.io"), person_id("t", "ann@acme.io"));
        assert_eq!(person_id("s", ""), 0);
        assert_eq!(email_domain("Ann@Acme.IO").as_deref(), Some("acme.io"));
        assert_eq!(email_domain("bob@gmail.com"), None);
        assert_eq!(account_key("https://www.Acme.io/"), "acme.io");
    }
}
