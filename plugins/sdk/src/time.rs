//! Date and time parsing for the formats partner tools write, without a time-zone
//! database: the plugin reports wall time plus the offset when the export gives one, and
//! the host applies the source's time zone otherwise.

/// A time as the export wrote it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Time {
    /// Milliseconds since 1970-01-01T00:00 of the export's own wall clock.
    pub wall_ms: i64,
    /// Minutes east of UTC, when the export said.
    pub offset_min: Option<i32>,
}

impl Time {
    /// "No time given" (optional dates).
    pub const NONE: Time = Time {
        wall_ms: i64::MIN,
        offset_min: None,
    };

    /// An instant already in UTC.
    pub fn utc_ms(ms: i64) -> Time {
        Time {
            wall_ms: ms,
            offset_min: Some(0),
        }
    }

    pub fn is_none(&self) -> bool {
        self.wall_ms == i64::MIN
    }
}

/// How to read an all-numeric date such as `03/04/2026`: the export's locale decides.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DateOrder {
    /// 03/04/2026 is March 4th (US).
    Mdy,
    /// 03/04/2026 is 3 April (most of Europe).
    Dmy,
}

impl DateOrder {
    pub fn parse(s: &str) -> Result<DateOrder, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "mdy" | "us" | "en_us" | "en-us" => Ok(DateOrder::Mdy),
            "dmy" | "eu" | "en_gb" | "en-gb" | "de" | "fr" => Ok(DateOrder::Dmy),
            other => Err(format!("`{other}` is not a date order (use mdy or dmy)")),
        }
    }
}

/// Days from 1970-01-01 to the given civil date (proleptic Gregorian).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Days in month `m` of year `y` (proleptic Gregorian).
pub(crate) fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

/// Years outside this range are almost certainly bad data, not history.
pub const MIN_YEAR: i64 = 1970;
pub const MAX_YEAR: i64 = 2200;

fn ymd_ms(y: i64, m: u32, d: u32) -> Result<i64, String> {
    if !(MIN_YEAR..=MAX_YEAR).contains(&y) {
        return Err(format!("year {y} is out of range {MIN_YEAR}–{MAX_YEAR}"));
    }
    if !(1..=12).contains(&m) {
        return Err(format!("month {m} is out of range"));
    }
    if d < 1 || d > days_in_month(y, m) {
        return Err(format!("day {d} is out of range for {y}-{m:02}"));
    }
    Ok(days_from_civil(y, m, d) * 86_400_000)
}

fn num(s: &str) -> Option<u32> {
    if s.is_empty() || s.len() > 4 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Parses `HH:MM[:SS[.fff]]` with an optional ` AM`/` PM`; returns ms since midnight.
fn parse_clock(s: &str) -> Result<i64, String> {
    let s = s.trim();
    // `checked_split_at`: two bytes from the end may fall inside a character (`09:㈀1`,
    // found by the normalizer fuzz targets), which is then simply not a clock with AM/PM.
    let (clock, ampm) = match s.len().checked_sub(2).and_then(|i| s.split_at_checked(i)) {
        Some((c, suf)) if suf.eq_ignore_ascii_case("am") => (c.trim_end(), Some(false)),
        Some((c, suf)) if suf.eq_ignore_ascii_case("pm") => (c.trim_end(), Some(true)),
        _ => (s, None),
    };
    let mut parts = clock.split(':');
    let bad = || format!("`{s}` is not a time of day");
    let h = parts.next().and_then(num).ok_or_else(bad)?;
    let mi = parts.next().and_then(num).ok_or_else(bad)?;
    let (sec, ms) = match parts.next() {
        None => (0, 0),
        Some(sec) => {
            let (whole, frac) = sec.split_once('.').unwrap_or((sec, ""));
            let sec = num(whole).ok_or_else(bad)?;
            let mut ms = 0u32;
            for (i, b) in frac.bytes().take(3).enumerate() {
                if !b.is_ascii_digit() {
                    return Err(bad());
                }
                ms += (b - b'0') as u32 * [100, 10, 1][i];
            }
            if !frac.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            (sec, ms)
        }
    };
    if parts.next().is_some() {
        return Err(bad());
    }
    let h = match ampm {
        Some(pm) => {
            if !(1..=12).contains(&h) {
                return Err(bad());
            }
            (h % 12) + if pm { 12 } else { 0 }
        }
        None => h,
    };
    if h > 23 || mi > 59 || sec > 60 {
        return Err(bad());
    }
    Ok(((h as i64 * 60 + mi as i64) * 60 + sec.min(59) as i64) * 1000 + ms as i64)
}

/// Splits a trailing `Z`, `+HH:MM`, `-HHMM` or `+HH` zone designator off a time.
fn split_offset(s: &str) -> Result<(&str, Option<i32>), String> {
    if let Some(rest) = s.strip_suffix('Z').or_else(|| s.strip_suffix('z')) {
        return Ok((rest, Some(0)));
    }
    if let Some(rest) = s.strip_suffix(" UTC").or_else(|| s.strip_suffix(" GMT")) {
        return Ok((rest, Some(0)));
    }
    // The sign must come after the clock's digits: look for the last + or - past position 5.
    if let Some(pos) = s.rfind(['+', '-']).filter(|&p| p >= 5) {
        let (clock, zone) = s.split_at(pos);
        let sign = if zone.starts_with('-') { -1 } else { 1 };
        let z = zone[1..].replace(':', "");
        // Only digits are sliced: `+1é1` is four bytes, and byte 2 is inside the `é`.
        let digits = z.bytes().all(|b| b.is_ascii_digit());
        let (hh, mm) = match z.len() {
            _ if !digits => (None, None),
            2 => (num(&z), Some(0)),
            4 => (num(&z[..2]), num(&z[2..])),
            _ => (None, None),
        };
        return match (hh, mm) {
            (Some(h), Some(m)) if h <= 14 && m < 60 => {
                Ok((clock.trim_end(), Some(sign * (h as i32 * 60 + m as i32))))
            }
            _ => Err(format!("`{zone}` is not a UTC offset")),
        };
    }
    Ok((s, None))
}

/// Parses the date and date-time formats CRM and marketing tools export:
/// `2026-03-04`, `2026-03-04T15:30:00Z`, `2026-03-04 15:30:00+01:00`, `2026-03-04T15:30`,
/// `03/04/2026`, `3/4/2026 3:30 PM`, `04.03.2026 15:30` (the order of all-numeric dates
/// with `/` or `.` from `order`; `.` is always day first).
pub fn parse_datetime(s: &str, order: DateOrder) -> Result<Time, String> {
    let s = s.trim();
    if s.is_empty() {
        return Err("empty date".into());
    }
    let (date, clock) = match s.find(['T', ' ']) {
        Some(i) => (&s[..i], Some(s[i + 1..].trim())),
        None => (s, None),
    };
    let day_ms = if date.contains('-') {
        let mut p = date.split('-');
        let (y, m, d) = (
            p.next().and_then(num),
            p.next().and_then(num),
            p.next().and_then(num),
        );
        match (y, m, d, p.next()) {
            (Some(y), Some(m), Some(d), None) if date.len() >= 8 => ymd_ms(y as i64, m, d)?,
            _ => return Err(format!("`{s}` is not a date")),
        }
    } else if date.contains('/') || date.contains('.') {
        let sep = if date.contains('/') { '/' } else { '.' };
        let mut p = date.split(sep);
        let (a, b, y) = (
            p.next().and_then(num),
            p.next().and_then(num),
            p.next().and_then(num),
        );
        match (a, b, y, p.next()) {
            (Some(a), Some(b), Some(y), None) if y >= 1000 => {
                let (m, d) = if sep == '.' || order == DateOrder::Dmy {
                    (b, a)
                } else {
                    (a, b)
                };
                ymd_ms(y as i64, m, d)?
            }
            _ => return Err(format!("`{s}` is not a date")),
        }
    } else {
        return Err(format!("`{s}` is not a date"));
    };
    match clock {
        None => Ok(Time {
            wall_ms: day_ms,
            offset_min: None,
        }),
        Some(c) => {
            let (c, off) = split_offset(c)?;
            Ok(Time {
                wall_ms: day_ms + parse_clock(c)?,
                offset_min: off,
            })
        }
    }
}

/// GA4's `event_timestamp`: microseconds since the epoch, UTC.
pub fn from_epoch_micros(us: i64) -> Result<Time, String> {
    let ms = us.div_euclid(1000);
    let max = days_from_civil(MAX_YEAR, 12, 31) * 86_400_000;
    if !(0..=max).contains(&ms) {
        return Err(format!("timestamp {us} µs is out of range"));
    }
    Ok(Time::utc_ms(ms))
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: i64 = 86_400_000;

    /// The normalizer fuzz targets' finding N2: slicing inside a character panicked (a trap
    /// in the plugin, which failed the whole source). Each is now a plain refusal.
    #[test]
    fn a_character_where_a_clock_or_zone_is_cut_is_refused_not_a_panic() {
        assert_eq!(
            parse_clock("09:㈀1"),
            Err("`09:㈀1` is not a time of day".to_string())
        );
        assert!(parse_datetime("2026-03-04 09:㈀1", DateOrder::Mdy).is_err());
        assert_eq!(
            split_offset("2026-03-04T10:00+1é1"),
            Err("`+1é1` is not a UTC offset".to_string())
        );
        assert!(parse_datetime("2026-03-04T10:00+1é1", DateOrder::Mdy).is_err());
    }

    #[test]
    fn civil_days_match_known_dates() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        // 2000-03-01 is day 11017 (published: date -d 2000-03-01 +%s = 951868800).
        assert_eq!(days_from_civil(2000, 3, 1) * 86_400, 951_868_800);
        assert_eq!(days_from_civil(2026, 11, 25) * 86_400, 1_795_564_800);
    }

    #[test]
    fn iso_forms() {
        let base = days_from_civil(2026, 3, 4) * D;
        assert_eq!(
            parse_datetime("2026-03-04", DateOrder::Mdy).unwrap(),
            Time {
                wall_ms: base,
                offset_min: None
            }
        );
        assert_eq!(
            parse_datetime("2026-03-04T15:30:00Z", DateOrder::Mdy).unwrap(),
            Time {
                wall_ms: base + 15 * 3_600_000 + 30 * 60_000,
                offset_min: Some(0)
            }
        );
        assert_eq!(
            parse_datetime("2026-03-04 15:30:00.250+01:00", DateOrder::Mdy).unwrap(),
            Time {
                wall_ms: base + 15 * 3_600_000 + 30 * 60_000 + 250,
                offset_min: Some(60)
            }
        );
        assert_eq!(
            parse_datetime("2026-03-04T15:30-0530", DateOrder::Mdy)
                .unwrap()
                .offset_min,
            Some(-330)
        );
    }

    #[test]
    fn locale_forms() {
        let mar4 = days_from_civil(2026, 3, 4) * D;
        assert_eq!(
            parse_datetime("03/04/2026", DateOrder::Mdy)
                .unwrap()
                .wall_ms,
            mar4
        );
        assert_eq!(
            parse_datetime("04/03/2026", DateOrder::Dmy)
                .unwrap()
                .wall_ms,
            mar4
        );
        assert_eq!(
            parse_datetime("04.03.2026 15:30", DateOrder::Mdy)
                .unwrap()
                .wall_ms,
            mar4 + 15 * 3_600_000 + 30 * 60_000
        );
        assert_eq!(
            parse_datetime("3/4/2026 3:05 PM", DateOrder::Mdy)
                .unwrap()
                .wall_ms,
            mar4 + 15 * 3_600_000 + 5 * 60_000
        );
        assert_eq!(
            parse_datetime("3/4/2026 12:05 AM", DateOrder::Mdy)
                .unwrap()
                .wall_ms,
            mar4 + 5 * 60_000
        );
    }

    #[test]
    fn bad_dates_say_why() {
        assert_eq!(
            parse_datetime("2026-02-30", DateOrder::Mdy).unwrap_err(),
            "day 30 is out of range for 2026-02"
        );
        assert_eq!(
            parse_datetime("1900-01-01", DateOrder::Mdy).unwrap_err(),
            "year 1900 is out of range 1970–2200"
        );
        assert!(parse_datetime("13/01/2026", DateOrder::Mdy).is_err());
        assert!(parse_datetime("yesterday", DateOrder::Mdy).is_err());
        assert!(parse_datetime("2026-03-04T25:00", DateOrder::Mdy).is_err());
        assert!(from_epoch_micros(-5).is_err());
    }
}
