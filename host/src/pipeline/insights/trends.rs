//! Trends: credit per partner and per channel, period by period over the window
//! (`--granularity week|month`; docs/insights.md). A conversion's credit falls in the period
//! of the date its measure counts it on — pipeline: the opportunity's creation; revenue: its
//! close (won) — as a UTC date, the way window membership is decided
//! (`attribute::Window::contains`). Every period the window touches is listed, in order,
//! with zeros where nothing was credited, and the figures are exact: per period the values
//! sum to that period's attributed total, and the periods of a value to its `credit` row.

use chrono::{Datelike, NaiveDate};

use rust_decimal::Decimal;

use super::intervals::Bounds;
use super::{Inputs, each_share, share_name};
use crate::data::FastMap;
use crate::data::Sym;
use crate::pipeline::attribute::{Attribution, Dimension, Kind, Window};
use crate::report::schema::{TrendRow, Trends};

/// The length of a trend's period.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Granularity {
    /// ISO weeks, Monday to Sunday, labelled `2026-W37` (the ISO week-numbering year).
    #[default]
    Week,
    /// Calendar months, labelled `2026-09`.
    Month,
}

impl Granularity {
    pub fn parse(s: &str) -> Result<Granularity, String> {
        match s.trim() {
            "week" => Ok(Granularity::Week),
            "month" => Ok(Granularity::Month),
            other => Err(format!("`{other}` is not a granularity: use week or month")),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Granularity::Week => "week",
            Granularity::Month => "month",
        }
    }
}

impl std::fmt::Display for Granularity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The periods of a window: which one a date falls in, and their labels.
#[derive(Clone, Copy, Debug)]
pub struct Periods {
    g: Granularity,
    /// The first day of the window's first period (a Monday, or the 1st of a month).
    first: NaiveDate,
    count: usize,
}

/// Months since year 0, so that months subtract.
fn month_number(d: NaiveDate) -> i64 {
    i64::from(d.year()) * 12 + i64::from(d.month0())
}

fn monday_of(d: NaiveDate) -> NaiveDate {
    d - chrono::Days::new(u64::from(d.weekday().num_days_from_monday()))
}

impl Periods {
    pub fn new(g: Granularity, window: Window) -> Periods {
        let first = match g {
            Granularity::Week => monday_of(window.from),
            Granularity::Month => window.from.with_day(1).unwrap_or(window.from),
        };
        let mut p = Periods { g, first, count: 0 };
        p.count = p.index_of_date(window.to) + 1;
        p
    }

    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The period of a date on or after the window's first period.
    fn index_of_date(&self, d: NaiveDate) -> usize {
        let i = match self.g {
            Granularity::Week => (monday_of(d) - self.first).num_days() / 7,
            Granularity::Month => month_number(d) - month_number(self.first),
        };
        i.max(0) as usize
    }

    /// The period of a UTC instant. Credits are only ever of conversions the window
    /// contains, so the index is always one of the window's; it is clamped all the same, so
    /// that no unit could leave the sums.
    pub fn index_of_ms(&self, ms: i64) -> usize {
        let d = chrono::DateTime::from_timestamp_millis(ms)
            .map(|t| t.date_naive())
            .unwrap_or(self.first);
        if d < self.first {
            return 0;
        }
        self.index_of_date(d).min(self.count.saturating_sub(1))
    }

    /// The label of the period a date falls in: `2026-W37` or `2026-09`.
    pub fn label_of(g: Granularity, d: NaiveDate) -> String {
        match g {
            Granularity::Week => {
                let w = d.iso_week();
                format!("{}-W{:02}", w.year(), w.week())
            }
            Granularity::Month => format!("{:04}-{:02}", d.year(), d.month()),
        }
    }

    /// Every period's label, in order.
    pub fn labels(&self) -> Vec<String> {
        (0..self.count)
            .map(|i| {
                let start = match self.g {
                    Granularity::Week => self.first + chrono::Days::new(7 * i as u64),
                    Granularity::Month => self.first + chrono::Months::new(i as u32),
                };
                Self::label_of(self.g, start)
            })
            .collect()
    }
}

/// The date a conversion's credit counts on under this measure: creation for pipeline,
/// the close for revenue (a revenue journey exists only for a won, closed deal).
pub(crate) fn counted_ms(inp: &Inputs, a: &Attribution, conversion: u32) -> i64 {
    let cv = &inp.ds.conversions[conversion as usize];
    match a.kind {
        Kind::Revenue => cv.closed_ms.unwrap_or(cv.created_ms),
        // Trends are of the two money measures; a count milestone never reaches here.
        _ => cv.created_ms,
    }
}

/// Units per value (by name, as `credit` groups them) and period, for one measure.
fn units_by(
    inp: &Inputs,
    a: &Attribution,
    dim: Dimension,
    periods: &Periods,
) -> std::collections::BTreeMap<String, Vec<i128>> {
    let n = periods.len();
    // The period of each conversion, looked up once: a journey's credits share it.
    let mut period_of: FastMap<u32, usize> = FastMap::default();
    let mut groups: FastMap<Sym, Vec<i128>> = FastMap::default();
    each_share(inp, a, dim, |key, units, cr| {
        let p = *period_of
            .entry(cr.conversion)
            .or_insert_with(|| periods.index_of_ms(counted_ms(inp, a, cr.conversion)));
        groups.entry(key).or_insert_with(|| vec![0; n])[p] += units;
    });
    let mut out: std::collections::BTreeMap<String, Vec<i128>> = Default::default();
    for (key, v) in groups {
        let e = out
            .entry(share_name(inp, dim, key))
            .or_insert_with(|| vec![0; n]);
        for (a, b) in e.iter_mut().zip(v) {
            *a += b;
        }
    }
    out
}

/// Attributed units per period of one measure: every credit, whatever its value.
fn totals(inp: &Inputs, a: &Attribution, periods: &Periods) -> Vec<i128> {
    let mut t = vec![0i128; periods.len()];
    for cr in &a.credits {
        t[periods.index_of_ms(counted_ms(inp, a, cr.conversion))] += cr.units as i128;
    }
    t
}

fn rows(inp: &Inputs, dim: Dimension, periods: &Periods) -> Vec<TrendRow> {
    let cur = inp.c.currency;
    let p = units_by(inp, inp.pipeline, dim, periods);
    let r = units_by(inp, inp.revenue, dim, periods);
    let zeros = vec![0i128; periods.len()];
    let values: std::collections::BTreeSet<&String> = p.keys().chain(r.keys()).collect();
    let mut rows: Vec<(i128, i128, TrendRow)> = values
        .into_iter()
        .map(|v| {
            let pu = p.get(v).unwrap_or(&zeros);
            let ru = r.get(v).unwrap_or(&zeros);
            let (pb, rb) = (
                bounds(inp, 0, periods, |b| b.periods(dim, v)),
                bounds(inp, 1, periods, |b| b.periods(dim, v)),
            );
            let row = TrendRow {
                value: v.clone(),
                pipeline: pu.iter().map(|&u| cur.units(u).decimal()).collect(),
                revenue: ru.iter().map(|&u| cur.units(u).decimal()).collect(),
                pipeline_lo: pb.clone().map(|b| b.0),
                pipeline_hi: pb.map(|b| b.1),
                revenue_lo: rb.clone().map(|b| b.0),
                revenue_hi: rb.map(|b| b.1),
            };
            (pu.iter().sum(), ru.iter().sum(), row)
        })
        .collect();
    // The order of `credit`: pipeline, then revenue, descending, then by value.
    rows.sort_by(|a, b| {
        b.0.cmp(&a.0)
            .then(b.1.cmp(&a.1))
            .then(a.2.value.cmp(&b.2.value))
    });
    rows.into_iter().map(|r| r.2).collect()
}

/// The per-period bounds `of` a measure's (0: pipeline, 1: revenue) draw gives, as
/// (lows, highs), when intervals were drawn: zeros for a period (or a figure) it has none
/// for.
fn bounds(
    inp: &Inputs,
    measure: usize,
    periods: &Periods,
    of: impl Fn(&Bounds) -> Option<&[(i128, i128)]>,
) -> Option<(Vec<Decimal>, Vec<Decimal>)> {
    let cur = inp.c.currency;
    let b = &inp.intervals?[measure];
    let got = of(b).unwrap_or_default();
    Some(
        (0..periods.len())
            .map(|i| {
                let (lo, hi) = got.get(i).copied().unwrap_or((0, 0));
                (cur.units(lo).decimal(), cur.units(hi).decimal())
            })
            .unzip(),
    )
}

pub fn trends(inp: &Inputs, g: Granularity) -> Trends {
    let cur = inp.c.currency;
    let periods = Periods::new(g, inp.window);
    let dec = |v: Vec<i128>| v.into_iter().map(|u| cur.units(u).decimal()).collect();
    let (pb, rb) = (
        bounds(inp, 0, &periods, Bounds::period_totals),
        bounds(inp, 1, &periods, Bounds::period_totals),
    );
    Trends {
        granularity: g.name().to_string(),
        periods: periods.labels(),
        pipeline: dec(totals(inp, inp.pipeline, &periods)),
        revenue: dec(totals(inp, inp.revenue, &periods)),
        pipeline_lo: pb.clone().map(|b| b.0),
        pipeline_hi: pb.map(|b| b.1),
        revenue_lo: rb.clone().map(|b| b.0),
        revenue_hi: rb.map(|b| b.1),
        partner: rows(inp, Dimension::Partner, &periods),
        channel: rows(inp, Dimension::Channel, &periods),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn ms(s: &str) -> i64 {
        chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S")
            .unwrap()
            .and_utc()
            .timestamp_millis()
    }

    fn window(from: &str, to: &str) -> Window {
        Window {
            from: d(from),
            to: d(to),
        }
    }

    #[test]
    fn iso_week_labels_across_a_year_boundary() {
        let w = |s: &str| Periods::label_of(Granularity::Week, d(s));
        assert_eq!(w("2026-09-07"), "2026-W37"); // a Monday
        assert_eq!(w("2026-09-13"), "2026-W37"); // its Sunday
        assert_eq!(w("2026-09-14"), "2026-W38");
        // 2026 has 53 ISO weeks (it starts on a Thursday): its last days are W53 …
        assert_eq!(w("2026-12-28"), "2026-W53");
        assert_eq!(w("2026-12-31"), "2026-W53");
        // … and so are 2027's first days, until its first Monday.
        assert_eq!(w("2027-01-01"), "2026-W53");
        assert_eq!(w("2027-01-03"), "2026-W53");
        assert_eq!(w("2027-01-04"), "2027-W01");
        // A week of the next ISO year that starts in December.
        assert_eq!(w("2024-12-30"), "2025-W01");
    }

    #[test]
    fn month_labels() {
        let m = |s: &str| Periods::label_of(Granularity::Month, d(s));
        assert_eq!(m("2026-09-01"), "2026-09");
        assert_eq!(m("2026-09-30"), "2026-09");
        assert_eq!(m("2026-12-31"), "2026-12");
        assert_eq!(m("2027-01-01"), "2027-01");
    }

    #[test]
    fn every_period_of_the_window_in_order() {
        // 2026-12-20 (a Sunday, W51) to 2027-01-12 (a Tuesday, W02).
        let p = Periods::new(Granularity::Week, window("2026-12-20", "2027-01-12"));
        assert_eq!(
            p.labels(),
            ["2026-W51", "2026-W52", "2026-W53", "2027-W01", "2027-W02"]
        );
        let p = Periods::new(Granularity::Month, window("2026-11-30", "2027-02-01"));
        assert_eq!(p.labels(), ["2026-11", "2026-12", "2027-01", "2027-02"]);
        // A one-day window has one period.
        let p = Periods::new(Granularity::Week, window("2026-09-09", "2026-09-09"));
        assert_eq!(p.labels(), ["2026-W37"]);
    }

    #[test]
    fn instants_fall_in_their_utc_day_s_period() {
        let p = Periods::new(Granularity::Week, window("2026-12-20", "2027-01-12"));
        assert_eq!(p.index_of_ms(ms("2026-12-20 23:59:59")), 0); // Sunday of W51
        assert_eq!(p.index_of_ms(ms("2026-12-21 00:00:00")), 1); // Monday of W52
        assert_eq!(p.index_of_ms(ms("2026-12-31 12:00:00")), 2); // W53
        assert_eq!(p.index_of_ms(ms("2027-01-03 23:59:59")), 2); // still W53
        assert_eq!(p.index_of_ms(ms("2027-01-04 00:00:00")), 3); // 2027-W01
        assert_eq!(p.index_of_ms(ms("2027-01-12 23:59:59")), 4);
        let p = Periods::new(Granularity::Month, window("2026-11-30", "2027-02-01"));
        assert_eq!(p.index_of_ms(ms("2026-11-30 00:00:00")), 0);
        assert_eq!(p.index_of_ms(ms("2026-12-31 23:59:59")), 1);
        assert_eq!(p.index_of_ms(ms("2027-01-01 00:00:00")), 2);
        assert_eq!(p.index_of_ms(ms("2027-02-01 10:00:00")), 3);
    }

    #[test]
    fn granularity_parses() {
        assert_eq!(Granularity::parse("week"), Ok(Granularity::Week));
        assert_eq!(Granularity::parse("month"), Ok(Granularity::Month));
        assert!(
            Granularity::parse("day")
                .unwrap_err()
                .contains("week or month")
        );
        assert_eq!(Granularity::default().to_string(), "week");
    }
}
