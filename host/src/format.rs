//! One place for how numbers and text are shown to people: money, shares, thousands, bytes,
//! durations and truncation. Machine outputs (JSON, CSV) write numbers exactly instead.

use std::time::Duration;

use rust_decimal::Decimal;

pub use crate::runtime::model::truncate;

/// `1234567` → `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut o = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            o.push(',');
        }
        o.push(ch);
    }
    o
}

/// `512 bytes`, `1.5 KiB`, `256 MiB`.
pub fn bytes(n: u64) -> String {
    let trim = |s: String| s.strip_suffix(".0").map(str::to_string).unwrap_or(s);
    if n < 1024 {
        format!("{n} bytes")
    } else if n < 1 << 20 {
        trim(format!("{:.1}", n as f64 / 1024.0)) + " KiB"
    } else {
        trim(format!("{:.1}", n as f64 / (1 << 20) as f64)) + " MiB"
    }
}

/// A measured time: `850 µs`, `12.3 ms`, `1.25 s`.
pub fn duration(d: Duration) -> String {
    if d < Duration::from_millis(1) {
        format!("{} µs", d.as_micros())
    } else if d < Duration::from_secs(1) {
        format!("{:.1} ms", d.as_secs_f64() * 1e3)
    } else {
        format!("{:.2} s", d.as_secs_f64())
    }
}

/// Money for people: `$1,234,567.89`-style grouping with the currency code, e.g.
/// `USD 1,234,567.89`.
pub fn money(d: Decimal, currency: &str) -> String {
    let scale = crate::money::minor_units(currency).unwrap_or(2);
    let d = d.round_dp(scale);
    let s = format!("{:.*}", scale as usize, d);
    let (neg, s) = match s.strip_prefix('-') {
        Some(r) => (true, r.to_string()),
        None => (false, s),
    };
    let (int, frac) = s
        .split_once('.')
        .map(|(a, b)| (a.to_string(), Some(b.to_string())))
        .unwrap_or((s.clone(), None));
    let mut grouped = String::new();
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    let number = format!(
        "{}{grouped}{}",
        if neg { "-" } else { "" },
        frac.map(|f| format!(".{f}")).unwrap_or_default()
    );
    // Milestone counts (`Currency::MILESTONES`) are plain numbers.
    if currency == crate::money::Currency::MILESTONES.code() {
        number
    } else {
        format!("{currency} {number}")
    }
}

/// Short money for chart labels: `USD 1.2M`, `USD 350k`.
pub fn money_short(d: Decimal, currency: &str) -> String {
    let v: f64 = d.try_into().unwrap_or(0.0);
    let (x, suffix) = if v.abs() >= 1e6 {
        (v / 1e6, "M")
    } else if v.abs() >= 1e3 {
        (v / 1e3, "k")
    } else {
        (v, "")
    };
    if suffix.is_empty() {
        format!("{currency} {x:.0}")
    } else {
        format!("{currency} {x:.1}{suffix}")
    }
}

pub fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

/// An SVG coordinate: one decimal at most, never `NaN` or `-0`, so a chart's bytes are
/// stable.
pub fn svg_number(x: f64) -> String {
    if !x.is_finite() {
        return "0".into();
    }
    let r = (x * 10.0).round() / 10.0;
    if r == 0.0 {
        "0".into()
    } else if r.fract() == 0.0 {
        format!("{r:.0}")
    } else {
        format!("{r:.1}")
    }
}

/// A 0–1 share as a percentage, or `—` when it is no number (a share of a zero total).
pub fn share(x: f64) -> String {
    if x.is_finite() { pct(x) } else { "—".into() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_form_by_hand() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(bytes(512), "512 bytes");
        assert_eq!(bytes(1536), "1.5 KiB");
        assert_eq!(bytes(256 << 20), "256 MiB");
        assert_eq!(duration(Duration::from_micros(850)), "850 µs");
        assert_eq!(duration(Duration::from_micros(12_340)), "12.3 ms");
        assert_eq!(duration(Duration::from_millis(1_250)), "1.25 s");
        assert_eq!(truncate("héllo", 2), "h…");
    }
}
