//! Per-row cell access for CSV normalizers: trimmed `&str` cells borrowed from the record
//! (no allocation per field), and every problem turned into a reject that names the
//! column. The Salesforce and generic-CSV normalizers read their rows with it.

use std::borrow::Cow;

use crate::csv::{Header, Record};
use crate::normalizer::{Batch, NormalizeError, clean_amount};
use crate::time::{
    DateOrder, MAX_YEAR, MIN_YEAR, Time, days_from_civil, days_in_month, parse_datetime,
};

/// Reads the cells of one row. The first cell that cannot be read or parsed adds a reject
/// naming its column and clears `ok`; the caller emits the row only when `ok` is still
/// true. One reject per row, so the host's count of rejects is a count of rows.
pub struct Cells<'r, 'o> {
    pub rec: &'r Record,
    pub row: u64,
    pub out: &'o mut Batch,
    pub ok: bool,
}

impl<'r, 'o> Cells<'r, 'o> {
    pub fn new(rec: &'r Record, row: u64, out: &'o mut Batch) -> Self {
        Cells {
            rec,
            row,
            out,
            ok: true,
        }
    }

    pub fn fail(&mut self, column: &str, reason: impl Into<String>) {
        if self.ok {
            self.out.reject(self.row, column, reason);
            self.ok = false;
        }
    }

    /// The trimmed cell, `Some("")` for an absent column or a short row, `None` when the
    /// cell is not UTF-8 (the reject is already added).
    pub fn get(&mut self, idx: Option<usize>, column: &str) -> Option<&'r str> {
        let Some(i) = idx else { return Some("") };
        match self.rec.get(i) {
            Ok(s) => Some(trim(s)),
            Err(e) => {
                self.fail(column, e);
                None
            }
        }
    }

    /// The trimmed cell, empty when it cannot be read.
    pub fn text(&mut self, idx: Option<usize>, column: &str) -> &'r str {
        self.get(idx, column).unwrap_or("")
    }

    /// A required cell: empty → reject with `why`.
    pub fn required(&mut self, idx: Option<usize>, column: &str, why: &str) -> &'r str {
        match self.get(idx, column) {
            Some("") => {
                self.fail(column, why);
                ""
            }
            Some(s) => s,
            None => "",
        }
    }

    /// A date cell. Empty is [`Time::NONE`] when `optional`, else a reject (`empty date`);
    /// a bad date is a reject with the parser's reason.
    pub fn date(
        &mut self,
        idx: Option<usize>,
        column: &str,
        order: DateOrder,
        optional: bool,
    ) -> Time {
        let Some(s) = self.get(idx, column) else {
            return Time::NONE;
        };
        if s.is_empty() && optional {
            return Time::NONE;
        }
        if let Some(t) = parse_common_date(s, order) {
            return t;
        }
        match parse_datetime(s, order) {
            Ok(t) => t,
            Err(e) => {
                self.fail(column, e);
                Time::NONE
            }
        }
    }

    /// An amount cell as decimal text (`""` when empty). Plain numbers are borrowed; only
    /// formatted ones (`$12,500.00`) are cleaned into a new string.
    pub fn amount(
        &mut self,
        idx: Option<usize>,
        column: &str,
        decimal_comma: bool,
    ) -> Cow<'r, str> {
        let Some(s) = self.get(idx, column) else {
            return Cow::Borrowed("");
        };
        if is_plain_amount(s, decimal_comma) {
            return Cow::Borrowed(s);
        }
        match check_amount_letters(s).and_then(|()| clean_amount(s, decimal_comma)) {
            Ok(a) => Cow::Owned(a),
            Err(e) => {
                self.fail(column, e);
                Cow::Borrowed("")
            }
        }
    }
}

/// `str::trim` without its Unicode machinery for the usual cell that has nothing to trim.
#[inline]
pub fn trim(s: &str) -> &str {
    match (s.as_bytes().first(), s.as_bytes().last()) {
        (Some(&a), Some(&z)) if a > b' ' && a < 0x80 && z > b' ' && z < 0x80 => s,
        _ => s.trim(),
    }
}

/// A fast path for the date shapes exports write most (`9/3/2026`, `9/3/2026 3:05 PM`,
/// `2026-09-03`, `2026-09-03 15:05[:SS]`): the same result as
/// [`parse_datetime`] for those, `None` for anything else (other shapes, and every invalid
/// date, so that error messages always come from the SDK).
pub fn parse_common_date(s: &str, order: DateOrder) -> Option<Time> {
    let b = s.as_bytes();
    let mut i = 0;
    // Up to `max` digits starting at `i`: (value, count).
    let digits = |i: &mut usize, max: usize| -> Option<(u32, usize)> {
        let start = *i;
        let mut v = 0u32;
        while *i < b.len() && *i - start < max && b[*i].is_ascii_digit() {
            v = v * 10 + u32::from(b[*i] - b'0');
            *i += 1;
        }
        (*i > start).then_some((v, *i - start))
    };
    let (a, na) = digits(&mut i, 4)?;
    let (y, m, d) = match b.get(i) {
        Some(b'/') if na <= 2 => {
            i += 1;
            let (x, _) = digits(&mut i, 2)?;
            if b.get(i) != Some(&b'/') {
                return None;
            }
            i += 1;
            let (y, ny) = digits(&mut i, 4)?;
            if ny != 4 {
                return None;
            }
            match order {
                DateOrder::Mdy => (y, a, x),
                DateOrder::Dmy => (y, x, a),
            }
        }
        Some(b'-') if na == 4 => {
            i += 1;
            let (m, nm) = digits(&mut i, 2)?;
            if nm != 2 || b.get(i) != Some(&b'-') {
                return None;
            }
            i += 1;
            let (d, nd) = digits(&mut i, 2)?;
            if nd != 2 {
                return None;
            }
            (a, m, d)
        }
        _ => return None,
    };
    let y = i64::from(y);
    if !(MIN_YEAR..=MAX_YEAR).contains(&y)
        || !(1..=12).contains(&m)
        || d < 1
        || d > days_in_month(y, m)
    {
        return None;
    }
    let day_ms = days_from_civil(y, m, d) * 86_400_000;
    if i == b.len() {
        return Some(Time {
            wall_ms: day_ms,
            offset_min: None,
        });
    }
    if b[i] != b' ' {
        return None;
    }
    i += 1;
    let (h, _) = digits(&mut i, 2)?;
    if b.get(i) != Some(&b':') {
        return None;
    }
    i += 1;
    let (mi, nmi) = digits(&mut i, 2)?;
    let mut sec = 0;
    if b.get(i) == Some(&b':') {
        i += 1;
        let (s, ns) = digits(&mut i, 2)?;
        if ns != 2 {
            return None;
        }
        sec = s;
    }
    let h = match &b[i..] {
        [] if h <= 23 => h,
        b" AM" | b" PM" if (1..=12).contains(&h) => h % 12 + if b[i + 1] == b'P' { 12 } else { 0 },
        _ => return None,
    };
    if nmi != 2 || mi > 59 || sec > 59 {
        return None;
    }
    let clock_ms = i64::from((h * 60 + mi) * 60 + sec) * 1000;
    Some(Time {
        wall_ms: day_ms + clock_ms,
        offset_min: None,
    })
}

/// True when [`clean_amount`] would return `s` unchanged: empty, or an optional leading
/// `-`, digits and at most one `.` (not with `decimal_comma`, where `.` groups thousands).
pub fn is_plain_amount(s: &str, decimal_comma: bool) -> bool {
    let b = s.as_bytes();
    let digits = b.strip_prefix(b"-").unwrap_or(b);
    let mut dots = 0;
    let mut seen_digit = false;
    for &c in digits {
        match c {
            b'0'..=b'9' => seen_digit = true,
            b'.' if !decimal_comma => dots += 1,
            _ => return false,
        }
    }
    s.is_empty() || (seen_digit && dots <= 1)
}

/// Words that look like a currency code but multiply the number (`5 MIO` is five million).
const MULTIPLIERS: [&str; 5] = ["mio", "mln", "bln", "mrd", "tsd"];

/// [`clean_amount`] drops a 3-letter code in capitals before or after the number as a
/// currency (`USD 12,500`) and refuses every other letter (`50k`, `#VALUE!`). This refuses
/// what it would still misread: a multiplier written like a code (`5 MIO`, `2,5 Mrd`).
/// (Before the SDK refused letters, this check was the plugin's only guard against `50k`.)
pub fn check_amount_letters(raw: &str) -> Result<(), String> {
    let multiplier = raw
        .split(|c: char| !c.is_alphabetic())
        .any(|w| w.len() == 3 && MULTIPLIERS.iter().any(|m| w.eq_ignore_ascii_case(m)));
    if multiplier {
        return Err(format!("`{raw}` is not an amount"));
    }
    Ok(())
}

/// The field delimiter parameter: `,`, `;`, `tab` (or a tab character) or `|`.
pub fn parse_delimiter(raw: &str) -> Result<u8, String> {
    match raw {
        "," => Ok(b','),
        ";" => Ok(b';'),
        "|" => Ok(b'|'),
        "\t" => Ok(b'\t'),
        _ if raw.trim().eq_ignore_ascii_case("tab") || raw.trim() == "\\t" => Ok(b'\t'),
        _ => Err(format!(
            "parameter `delimiter`: `{raw}` is not a delimiter (use `,`, `;`, `tab` or `|`)"
        )),
    }
}

/// The SDK takes the first line as the header even when it is blank; say so plainly
/// instead of listing every column as missing.
pub fn check_header_not_blank(header: &Header) -> Result<(), NormalizeError> {
    if header.names().iter().all(|n| n.is_empty()) {
        return Err(NormalizeError::BadFile(
            "the first line is empty: the header row must be the first line of the file".into(),
        ));
    }
    Ok(())
}

/// A hint for a header read with the wrong delimiter: one column that contains another
/// delimiter. Empty when there is nothing to say.
pub fn delimiter_hint(header: &Header, delimiter: u8) -> String {
    let [only] = header.names() else {
        return String::new();
    };
    for (d, name) in [(b',', ","), (b';', ";"), (b'\t', "tab"), (b'|', "|")] {
        if d != delimiter && only.as_bytes().contains(&d) {
            return format!(
                " (the header is a single column containing `{name}`: set the `delimiter` parameter to `{name}`)"
            );
        }
    }
    String::new()
}

/// The company domain in a website or domain cell: `https://www.Acme.io/about` → `Acme.io`
/// (the host lower-cases). Strips the scheme, a leading `www.`, a path, query, fragment or
/// port and a trailing dot.
pub fn domain_of(s: &str) -> &str {
    let s = s.trim();
    let s = strip_prefix_ci(s, "https://")
        .or_else(|| strip_prefix_ci(s, "http://"))
        .unwrap_or(s);
    let s = strip_prefix_ci(s, "www.").unwrap_or(s);
    let end = s
        .bytes()
        .position(|b| matches!(b, b'/' | b'?' | b'#' | b':'))
        .unwrap_or(s.len());
    s[..end].trim_end_matches('.')
}

/// An account cell: a URL (`https://…`, `http://…`, `www.…`) is reduced to its domain,
/// anything else (a company name, a bare domain) is kept as written.
#[allow(dead_code)] // used by generic-csv; salesforce's account columns are domains or names
pub fn account_of(s: &str) -> &str {
    let s = s.trim();
    let url = ["https://", "http://", "www."]
        .iter()
        .any(|p| strip_prefix_ci(s, p).is_some());
    if url { domain_of(s) } else { s }
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

/// Writes `raw` lower-cased into `buf`; with `underscores`, each run of white space becomes
/// one `_` (`Paid Social` → `paid_social`). Reuses `buf`, so no allocation per row.
pub fn lower_into<'b>(buf: &'b mut String, raw: &str, underscores: bool) -> &'b str {
    buf.clear();
    let mut gap = false;
    for ch in raw.trim().chars() {
        if underscores && ch.is_whitespace() {
            gap = true;
            continue;
        }
        if gap {
            buf.push('_');
            gap = false;
        }
        if ch.is_ascii() {
            buf.push(ch.to_ascii_lowercase());
        } else {
            buf.extend(ch.to_lowercase());
        }
    }
    buf
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_amounts_match_clean_amount() {
        for s in [
            "", "0", "12500", "12500.50", "-7", ".5", "5.", "1.2.3", "-", "1,000", "$5", "5-",
            "--5", "1 000",
        ] {
            for dc in [false, true] {
                if is_plain_amount(s, dc) {
                    assert_eq!(
                        clean_amount(s, dc).as_deref(),
                        Ok(s),
                        "{s:?} decimal_comma={dc}"
                    );
                }
            }
        }
        assert!(is_plain_amount("12500.50", false));
        assert!(!is_plain_amount("12500.50", true));
        assert!(!is_plain_amount("-", false));
    }

    #[test]
    fn letters_in_amounts_are_only_currency_codes() {
        for ok in ["USD 12,500.00", "12.500,00 EUR", "EUR12.000", "CHF 1'000"] {
            assert_eq!(check_amount_letters(ok), Ok(()), "{ok}");
            assert!(clean_amount(ok, ok.contains(",00")).is_ok(), "{ok}");
        }
        for bad in ["5 MIO", "5 Mio", "2,5 Mrd", "USD 3 MLN"] {
            assert_eq!(
                check_amount_letters(bad),
                Err(format!("`{bad}` is not an amount")),
                "{bad}"
            );
        }
        // What the SDK refuses by itself.
        for bad in [
            "50k",
            "$50K",
            "about 5",
            "1a2",
            "n/a",
            "1O5,000.00",
            "#VALUE!",
            "1.5bn",
        ] {
            assert_eq!(
                clean_amount(bad, false),
                Err(format!("`{bad}` is not an amount")),
                "{bad}"
            );
        }
    }

    #[test]
    fn trim_matches_str_trim() {
        for s in [
            "",
            " ",
            "a",
            " a",
            "a ",
            "\u{a0}a",
            "a\u{3000}",
            "\ta\r",
            "ab cd",
            "é",
            " é ",
        ] {
            assert_eq!(trim(s), s.trim(), "{s:?}");
        }
    }

    /// The fast path agrees with the SDK wherever it answers, and answers for the usual
    /// shapes.
    #[test]
    fn common_dates_match_parse_datetime() {
        let mut inputs = vec![];
        for y in [1969, 1970, 2000, 2024, 2025, 2026, 2100, 2200, 2201] {
            for m in 0..=13 {
                for d in [0, 1, 9, 10, 28, 29, 30, 31, 32] {
                    inputs.push(format!("{m}/{d}/{y}"));
                    inputs.push(format!("{m:02}/{d:02}/{y}"));
                    inputs.push(format!("{y}-{m:02}-{d:02}"));
                    inputs.push(format!("{y}-{m}-{d}"));
                }
            }
        }
        for h in 0..=25 {
            for (mi, sec) in [
                (0, None),
                (5, None),
                (59, Some(59)),
                (60, None),
                (7, Some(60)),
                (30, Some(5)),
            ] {
                let clock = match sec {
                    None => format!("{h}:{mi:02}"),
                    Some(s) => format!("{h}:{mi:02}:{s:02}"),
                };
                for suffix in ["", " AM", " PM", "AM", " pm", " XM", "Z", "+01:00", ".5"] {
                    inputs.push(format!("9/3/2026 {clock}{suffix}"));
                    inputs.push(format!("2026-09-03 {clock}{suffix}"));
                    inputs.push(format!("2026-09-03T{clock}{suffix}"));
                    inputs.push(format!("2/29/2028 {h:02}:{mi}{suffix}"));
                }
            }
        }
        for odd in [
            "",
            "9/3",
            "9/3/26",
            "9//2026",
            "9/3/2026 ",
            "9/3/2026  3:05 PM",
            "03.09.2026",
            "2026/09/03",
            "12345/1/2026",
            "1/2/20260",
            "9/3/2026 3:5 PM",
            "9/3/2026 3:05 PM x",
        ] {
            inputs.push(odd.to_string());
        }
        let mut answered = 0;
        for s in &inputs {
            for order in [DateOrder::Mdy, DateOrder::Dmy] {
                if let Some(t) = parse_common_date(s, order) {
                    answered += 1;
                    assert_eq!(parse_datetime(s, order), Ok(t), "{s:?} {order:?}");
                }
            }
        }
        assert!(
            answered > 3000,
            "the fast path answers for the usual shapes ({answered})"
        );
        for s in [
            "9/3/2026",
            "09/03/2026",
            "9/3/2026 3:05 PM",
            "9/3/2026 12:00 AM",
            "2026-09-03",
            "2026-09-03 15:05:09",
        ] {
            assert!(parse_common_date(s, DateOrder::Mdy).is_some(), "{s}");
        }
    }

    #[test]
    fn domains() {
        assert_eq!(
            domain_of("https://www.Northwind.example/about?x=1"),
            "Northwind.example"
        );
        assert_eq!(
            domain_of(" http://lumen-labs.example:8080 "),
            "lumen-labs.example"
        );
        assert_eq!(domain_of("WWW.acme.example."), "acme.example");
        assert_eq!(domain_of("acme.example"), "acme.example");
        assert_eq!(domain_of("https://"), "");
        assert_eq!(domain_of(""), "");
        assert_eq!(account_of(" HTTPS://www.vela.example/x "), "vela.example");
        assert_eq!(account_of("www.vela.example"), "vela.example");
        assert_eq!(account_of("Harbor & Finch / EMEA"), "Harbor & Finch / EMEA");
        assert_eq!(account_of("vela.example"), "vela.example");
    }

    #[test]
    fn lowering() {
        let mut b = String::new();
        assert_eq!(lower_into(&mut b, " Paid  Social ", true), "paid_social");
        assert_eq!(lower_into(&mut b, "Webinar", true), "webinar");
        assert_eq!(
            lower_into(&mut b, "Événement Partenaire", true),
            "événement_partenaire"
        );
        assert_eq!(lower_into(&mut b, "No Show", false), "no show");
    }

    #[test]
    fn delimiters() {
        assert_eq!(parse_delimiter(","), Ok(b','));
        assert_eq!(parse_delimiter("tab"), Ok(b'\t'));
        assert_eq!(parse_delimiter("TAB"), Ok(b'\t'));
        assert_eq!(parse_delimiter("\t"), Ok(b'\t'));
        assert_eq!(parse_delimiter(";"), Ok(b';'));
        assert_eq!(parse_delimiter("|"), Ok(b'|'));
        assert_eq!(
            parse_delimiter("::").unwrap_err(),
            "parameter `delimiter`: `::` is not a delimiter (use `,`, `;`, `tab` or `|`)"
        );
    }
}
