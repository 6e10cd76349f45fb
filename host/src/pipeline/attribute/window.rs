//! Analysis windows: `7d`, `30d`, any `Nd` (the N days ending at --as-of, inclusive),
//! `campaign` (the campaign's start to end) or `FROM..TO` (inclusive dates).

use chrono::NaiveDate;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WindowSpec {
    Days(u32),
    Campaign,
    Range(NaiveDate, NaiveDate),
}

impl WindowSpec {
    pub fn parse(s: &str) -> Result<WindowSpec, String> {
        let t = s.trim();
        if t == "campaign" {
            return Ok(WindowSpec::Campaign);
        }
        if let Some((a, b)) = t.split_once("..") {
            let d = |x: &str| {
                let date = NaiveDate::parse_from_str(x.trim(), "%Y-%m-%d")
                    .map_err(|_| format!("`{x}` is not a date (use YYYY-MM-DD)"))?;
                // The range every record's time is held to (normalize::reconcile::RANGE).
                if !(1970..=2200).contains(&chrono::Datelike::year(&date)) {
                    return Err(format!("`{x}` is outside the years 1970–2200"));
                }
                Ok(date)
            };
            let (from, to) = (d(a)?, d(b)?);
            if to < from {
                return Err(format!("window {t}: {to} is before {from}"));
            }
            return Ok(WindowSpec::Range(from, to));
        }
        if let Some(n) = t.strip_suffix('d')
            && let Ok(n) = n.parse::<u32>()
            && (1..=3650).contains(&n)
        {
            return Ok(WindowSpec::Days(n));
        }
        Err(format!(
            "`{t}` is not a window: use 7d, 30d, any Nd (1–3650), campaign, or FROM..TO with dates as YYYY-MM-DD"
        ))
    }
}

impl std::fmt::Display for WindowSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WindowSpec::Days(n) => write!(f, "{n}d"),
            WindowSpec::Campaign => write!(f, "campaign"),
            WindowSpec::Range(a, b) => write!(f, "{a}..{b}"),
        }
    }
}

/// A resolved window: whole UTC days, both ends inclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Window {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Window {
    pub fn resolve(
        spec: &WindowSpec,
        campaign_start: NaiveDate,
        campaign_end: NaiveDate,
        as_of: NaiveDate,
    ) -> Window {
        match spec {
            WindowSpec::Days(n) => Window {
                from: as_of
                    .checked_sub_days(chrono::Days::new(u64::from(n.saturating_sub(1))))
                    .unwrap_or(NaiveDate::MIN),
                to: as_of,
            },
            WindowSpec::Campaign => Window {
                from: campaign_start,
                to: campaign_end.min(as_of).max(campaign_start),
            },
            WindowSpec::Range(a, b) => Window {
                from: *a,
                to: (*b).min(as_of).max(*a),
            },
        }
    }

    pub fn start_ms(&self) -> i64 {
        self.from
            .and_hms_opt(0, 0, 0)
            .unwrap()
            .and_utc()
            .timestamp_millis()
    }

    /// Exclusive end: midnight after `to` (checked: the last date chrono knows has no
    /// midnight after it, and ends at i64::MAX instead of panicking).
    pub fn end_ms(&self) -> i64 {
        self.to
            .checked_add_days(chrono::Days::new(1))
            .map_or(i64::MAX, |d| {
                d.and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp_millis()
            })
    }

    pub fn contains(&self, ms: i64) -> bool {
        ms >= self.start_ms() && ms < self.end_ms()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn windows() {
        let (s, e) = (d("2026-09-01"), d("2026-10-31"));
        assert_eq!(
            Window::resolve(&WindowSpec::parse("7d").unwrap(), s, e, d("2026-10-31")),
            Window {
                from: d("2026-10-25"),
                to: d("2026-10-31")
            }
        );
        assert_eq!(
            Window::resolve(&WindowSpec::parse("30d").unwrap(), s, e, d("2026-10-31")).from,
            d("2026-10-02")
        );
        assert_eq!(
            Window::resolve(&WindowSpec::Campaign, s, e, d("2026-10-31")),
            Window { from: s, to: e }
        );
        // As-of inside the campaign cuts the window there: no peeking past --as-of.
        assert_eq!(
            Window::resolve(&WindowSpec::Campaign, s, e, d("2026-09-15")).to,
            d("2026-09-15")
        );
        assert_eq!(
            WindowSpec::parse("2026-09-01..2026-09-30").unwrap(),
            WindowSpec::Range(d("2026-09-01"), d("2026-09-30"))
        );
        assert_eq!(
            WindowSpec::parse("0d").unwrap_err(),
            "`0d` is not a window: use 7d, 30d, any Nd (1–3650), campaign, or FROM..TO with dates as YYYY-MM-DD"
        );
        assert_eq!(
            WindowSpec::parse("2026-09-30..2026-09-01").unwrap_err(),
            "window 2026-09-30..2026-09-01: 2026-09-01 is before 2026-09-30"
        );
        let w = Window {
            from: d("2026-09-01"),
            to: d("2026-09-01"),
        };
        assert!(w.contains(w.start_ms()) && w.contains(w.end_ms() - 1) && !w.contains(w.end_ms()));
        // Dates outside the range every time is held to; extremes neither wrap nor panic.
        assert_eq!(
            WindowSpec::parse("2026-09-01..9999-12-31").unwrap_err(),
            "`9999-12-31` is outside the years 1970–2200"
        );
        assert_eq!(
            WindowSpec::parse("1969-12-31..2026-09-01").unwrap_err(),
            "`1969-12-31` is outside the years 1970–2200"
        );
        let ends = Window::resolve(&WindowSpec::Days(3650), s, e, NaiveDate::MIN);
        assert_eq!(ends.from, NaiveDate::MIN);
        let last = Window {
            from: NaiveDate::MAX,
            to: NaiveDate::MAX,
        };
        assert_eq!(last.end_ms(), i64::MAX);
        assert!(last.contains(last.start_ms()));
    }
}
