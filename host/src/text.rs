//! Untrusted text on its way out. Any string a partner's file or a plugin supplied (a cell,
//! a dimension value, a reject reason, a plugin's name, note or error) may carry an e-mail
//! address, a terminal escape sequence or a spreadsheet formula. It is made safe at the one
//! place it leaves for an output, and there are only three such places, each a type or a
//! macro that cannot be bypassed:
//!
//! - **documents** (`report.json`, the dashboard, the summary, the plan, `compare`'s page):
//!   a view takes a [`Sealed`] value, and the only way to get one is [`seal`], which runs
//!   [`clean`] over every string the value holds ([`Sanitize`] destructures every struct
//!   exhaustively, so a new field that is not cleaned does not compile);
//! - **CSV files**: [`CsvCells`] writes text only through [`clean`] plus the OWASP formula
//!   guard ([`csv_text`]);
//! - **the terminal**: `outln!`/`errln!` (and `out!`/`err!`) clean every line they print;
//!   `host/clippy.toml` forbids `println!` and friends in the host, so nothing prints around
//!   them.
//!
//! Cleaning is idempotent, so text cleaned twice (stored clean in the plan, then shown by
//! `plan show`) reads the same.

use std::borrow::Cow;

/// Replaces e-mail addresses with `<e-mail>` and escapes control and invisible formatting
/// characters (`\x1b`, `\u{200b}`), so the text shows what it is and does nothing to the
/// terminal or file that receives it. Line breaks are escaped too: use [`clean_lines`] for
/// text whose lines are its own (a multi-line error).
pub fn clean(text: &str) -> Cow<'_, str> {
    if text
        .chars()
        .all(|c| !needs_escape(c) && !may_start_address(c))
    {
        return Cow::Borrowed(text);
    }
    let scrubbed = scrub_addresses(text);
    let mut out = String::with_capacity(scrubbed.len() + 8);
    for c in scrubbed.chars() {
        escape_into(&mut out, c);
    }
    Cow::Owned(out)
}

/// [`clean`] line by line, keeping the line breaks (`\n`; a `\r` is escaped).
pub fn clean_lines(text: &str) -> Cow<'_, str> {
    if !text.contains('\n') {
        return clean(text);
    }
    let lines: Vec<Cow<str>> = text.split('\n').map(clean).collect();
    Cow::Owned(lines.join("\n"))
}

/// A CSV text cell: [`clean`], then a cell that a spreadsheet would run as a formula
/// (starting with `=`, `+`, `-`, `@`, a tab or a carriage return) gets a leading `'`, as
/// OWASP's "CSV injection" guidance says. Money and counts are written as numbers, never
/// through this.
pub fn csv_text(text: &str) -> Cow<'_, str> {
    let c = clean(text);
    match c.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r' | '＝' | '＋' | '－' | '＠') => {
            Cow::Owned(format!("'{c}"))
        }
        _ => c,
    }
}

fn needs_escape(c: char) -> bool {
    c.is_control() || is_invisible(c)
}

/// Characters that change how text displays without showing themselves: zero-width
/// spaces and joiners, the byte-order mark, soft hyphens and the bidirectional overrides
/// (the "Trojan source" characters), and the line and paragraph separators.
fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00ad}' | '\u{061c}' | '\u{180e}' | '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}'
        | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{206f}' | '\u{feff}' | '\u{fff9}'..='\u{fffb}'
        | '\u{e0000}'..='\u{e007f}')
}

fn escape_into(out: &mut String, c: char) {
    use std::fmt::Write;
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if (c as u32) < 0x100 && c.is_control() => {
            let _ = write!(out, "\\x{:02x}", c as u32);
        }
        c if needs_escape(c) => {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
        c => out.push(c),
    }
}

/// The at signs an address can hide behind: `@`, the full-width `＠`, the small `﹫`, and
/// `%40` (URL-encoded, as in a UTM parameter).
fn may_start_address(c: char) -> bool {
    matches!(c, '@' | '＠' | '﹫' | '%' | '&')
}

/// One character of the text as the address scanner sees it, with where it came from.
/// Full-width forms read as their ASCII twins, `%40` as one `@`, and invisible characters
/// not at all, so `ann\u{200b}@acme.io` and `ａｎｎ＠ａｃｍｅ．ｉｏ` are found.
struct Seen {
    c: char,
    from: usize,
    to: usize,
}

fn skeleton(text: &str) -> Vec<Seen> {
    let mut out = Vec::with_capacity(text.len());
    let mut it = text.char_indices().peekable();
    while let Some((i, c)) = it.next() {
        let end = i + c.len_utf8();
        if is_invisible(c) {
            continue;
        }
        // `%40`, twice-encoded `%2540`, and the HTML forms `&#64;`, `&#x40;`, `&commat;`
        // (which a Markdown or HTML reader would show as `@`).
        if let Some(len) = encoded_at(&text[i..]) {
            while it.peek().is_some_and(|&(j, _)| j < i + len) {
                it.next();
            }
            out.push(Seen {
                c: '@',
                from: i,
                to: i + len,
            });
            continue;
        }
        let c = match c {
            '\u{ff01}'..='\u{ff5e}' => char::from_u32(c as u32 - 0xfee0).unwrap_or(c),
            '﹫' => '@',
            '。' | '｡' => '.',
            c => c,
        };
        out.push(Seen {
            c,
            from: i,
            to: end,
        });
    }
    out
}

/// The length of an encoded at sign at the start of `s`, if there is one.
fn encoded_at(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    match b.first()? {
        b'%' if s.starts_with("%40") => Some(3),
        b'%' if s.starts_with("%2540") => Some(5),
        b'&' => ["&#64;", "&#064;", "&#x40;", "&#X40;", "&commat;"]
            .iter()
            .find(|e| b.len() >= e.len() && b[..e.len()].eq_ignore_ascii_case(e.as_bytes()))
            .map(|e| e.len()),
        _ => None,
    }
}

fn is_local(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '.' | '_' | '%' | '+' | '-' | '\'')
}

fn is_domain(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '.' | '-')
}

/// `1.0.0`, `0.0.1`, `1.2.0-beta`: a plugin's `name@version` label, not an address. Four
/// numeric labels are an IPv4 address, which is.
fn is_version(domain: &str) -> bool {
    let core = domain.split(['-', '+']).next().unwrap_or("");
    core.starts_with(|c: char| c.is_ascii_digit())
        && core.chars().all(|c| c.is_ascii_digit() || c == '.')
        && core.split('.').count() != 4
}

/// Replaces every address with `<e-mail>`: a local part (plain, or quoted as in
/// `"ann lee"@acme.io`) then `@` then a domain (any label, `localhost` too, or an `[ip]`
/// literal), except `name@1.2.3` plugin labels.
fn scrub_addresses(text: &str) -> Cow<'_, str> {
    let s = skeleton(text);
    let mut cuts: Vec<(usize, usize)> = vec![];
    let mut i = 0;
    while i < s.len() {
        if s[i].c != '@' {
            i += 1;
            continue;
        }
        let start = if i > 0 && s[i - 1].c == '"' {
            // A quoted local part: back to the opening quote, within RFC 5321's 64.
            (i.saturating_sub(66)..i - 1)
                .rev()
                .find(|&k| s[k].c == '"')
                .unwrap_or(i)
        } else {
            let mut k = i;
            while k > 0 && is_local(s[k - 1].c) {
                k -= 1;
            }
            k
        };
        let mut end = i + 1;
        let literal = s.get(end).is_some_and(|x| x.c == '[');
        if literal {
            match (end..s.len().min(end + 48)).find(|&k| s[k].c == ']') {
                Some(close) => end = close + 1,
                None => end = i + 1,
            }
        } else {
            while end < s.len() && is_domain(s[end].c) {
                end += 1;
            }
            // A sentence's full stop or a trailing hyphen is not part of the domain.
            while end > i + 1 && matches!(s[end - 1].c, '.' | '-') {
                end -= 1;
            }
        }
        let domain: String = s[i + 1..end].iter().map(|x| x.c).collect();
        let address = start < i && end > i + 1 && (literal || !is_version(&domain));
        if address {
            cuts.push((s[start].from, s[end - 1].to));
            i = end;
        } else {
            i += 1;
        }
    }
    if cuts.is_empty() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (from, to) in cuts {
        out.push_str(&text[at..from]);
        out.push_str("<e-mail>");
        at = to;
    }
    out.push_str(&text[at..]);
    Cow::Owned(out)
}

/// A value whose every string went through [`clean`]: what the document views accept.
#[derive(Debug, Clone)]
pub struct Sealed<T>(T);

impl<T> std::ops::Deref for Sealed<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: serde::Serialize> serde::Serialize for Sealed<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

/// Cleans every string in `value`: the one way to a [`Sealed`] value.
pub fn seal<T: Sanitize>(mut value: T) -> Sealed<T> {
    value.sanitize();
    Sealed(value)
}

/// Cleans every string a value holds, in place.
pub trait Sanitize {
    fn sanitize(&mut self);
}

impl Sanitize for String {
    fn sanitize(&mut self) {
        if let Cow::Owned(c) = clean(self) {
            *self = c;
        }
    }
}

impl<T: Sanitize> Sanitize for Option<T> {
    fn sanitize(&mut self) {
        if let Some(v) = self {
            v.sanitize();
        }
    }
}

impl<T: Sanitize> Sanitize for Vec<T> {
    fn sanitize(&mut self) {
        for v in self {
            v.sanitize();
        }
    }
}

impl<T: Sanitize, const N: usize> Sanitize for [T; N] {
    fn sanitize(&mut self) {
        for v in self {
            v.sanitize();
        }
    }
}

impl<A: Sanitize, B: Sanitize> Sanitize for (A, B) {
    fn sanitize(&mut self) {
        self.0.sanitize();
        self.1.sanitize();
    }
}

impl<K: Ord + Sanitize, V: Sanitize> Sanitize for std::collections::BTreeMap<K, V> {
    fn sanitize(&mut self) {
        let old = std::mem::take(self);
        for (mut k, mut v) in old {
            k.sanitize();
            v.sanitize();
            self.insert(k, v);
        }
    }
}

/// Types that hold no text.
macro_rules! no_text {
    ($($t:ty),* $(,)?) => { $(impl Sanitize for $t { fn sanitize(&mut self) {} })* };
}
no_text!(
    bool,
    u8,
    u16,
    u32,
    u64,
    usize,
    i32,
    i64,
    f64,
    rust_decimal::Decimal,
    serde_json::Number
);

impl Sanitize for serde_json::Value {
    fn sanitize(&mut self) {
        use serde_json::Value;
        match self {
            Value::String(s) => s.sanitize(),
            Value::Array(a) => a.sanitize(),
            Value::Object(m) => {
                let old = std::mem::take(m);
                for (mut k, mut v) in old {
                    k.sanitize();
                    v.sanitize();
                    m.insert(k, v);
                }
            }
            Value::Null | Value::Bool(_) | Value::Number(_) => {}
        }
    }
}

/// `impl Sanitize` for structs, destructuring every field: adding a field to the struct
/// without listing it here is a compile error, so no field can be left uncleaned.
#[macro_export]
macro_rules! sanitize_fields {
    ($($t:ident { $($f:ident),* $(,)? })*) => {$(
        impl $crate::text::Sanitize for $t {
            fn sanitize(&mut self) {
                let $t { $($f),* } = self;
                $( $crate::text::Sanitize::sanitize($f); )*
            }
        }
    )*};
}

/// Writes CSV with every text cell through [`csv_text`]; numbers go through `num`.
pub struct CsvCells {
    w: csv::Writer<Vec<u8>>,
    row: Vec<String>,
}

impl Default for CsvCells {
    fn default() -> Self {
        Self::new()
    }
}

impl CsvCells {
    pub fn new() -> CsvCells {
        Self::with_capacity(0)
    }

    /// A writer whose buffer holds `bytes` before it grows. For large files: growing a
    /// buffer past tens of MiB copies it into one twice its size, and both are resident
    /// while it does; capacity reserved and never written costs address space, not memory.
    pub fn with_capacity(bytes: usize) -> CsvCells {
        CsvCells {
            w: csv::WriterBuilder::new()
                .terminator(csv::Terminator::Any(b'\n'))
                .from_writer(Vec::with_capacity(bytes)),
            row: vec![],
        }
    }

    /// A header row: the host's own column names.
    pub fn header(&mut self, names: &[&str]) -> csv::Result<()> {
        self.w.write_record(names)
    }

    /// A text cell: untrusted, cleaned and guarded.
    pub fn text(&mut self, s: &str) -> &mut Self {
        self.row.push(csv_text(s).into_owned());
        self
    }

    /// A number (a count, an amount, a share): written as it prints.
    pub fn num(&mut self, n: impl std::fmt::Display) -> &mut Self {
        self.row.push(n.to_string());
        self
    }

    /// An empty cell.
    pub fn empty(&mut self) -> &mut Self {
        self.row.push(String::new());
        self
    }

    pub fn end_row(&mut self) -> csv::Result<()> {
        let r = std::mem::take(&mut self.row);
        self.w.write_record(&r)
    }

    pub fn into_bytes(self) -> anyhow::Result<Vec<u8>> {
        Ok(self.w.into_inner().map_err(|e| e.into_error())?)
    }
}

/// Prints a line to stdout, every line of it [`clean_lines`]d.
#[macro_export]
macro_rules! outln {
    () => { $crate::text::write_out(false, "\n") };
    ($($a:tt)*) => { $crate::text::write_out(false, &format!("{}\n", format_args!($($a)*))) };
}

/// Prints to stdout without a newline, [`clean_lines`]d.
#[macro_export]
macro_rules! out {
    ($($a:tt)*) => { $crate::text::write_out(false, &format!($($a)*)) };
}

/// Prints a line to stderr, every line of it [`clean_lines`]d.
#[macro_export]
macro_rules! errln {
    () => { $crate::text::write_out(true, "\n") };
    ($($a:tt)*) => { $crate::text::write_out(true, &format!("{}\n", format_args!($($a)*))) };
}

/// The one place the host writes text to the terminal.
pub fn write_out(to_stderr: bool, text: &str) {
    use std::io::Write;
    let text = clean_lines(text);
    // A closed pipe (`ascribe … | head`) is not an error worth a panic.
    let _ = if to_stderr {
        std::io::stderr().lock().write_all(text.as_bytes())
    } else {
        std::io::stdout().lock().write_all(text.as_bytes())
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_go_everything_else_stays() {
        assert_eq!(
            clean("row 4: `Ann.Lee+x@acme.io` is bad"),
            "row 4: `<e-mail>` is bad"
        );
        assert_eq!(clean("a@b.co and c@d.org"), "<e-mail> and <e-mail>");
        assert_eq!(clean("no at sign"), "no at sign");
        assert_eq!(clean("@handle alone"), "@handle alone");
        // Plugin labels are name@version: found by the hostile corpus, where every plugin
        // error in the plan and every reject naming a plugin read `plugin <e-mail>`.
        assert_eq!(
            clean("plugin drop-rows@0.0.1 (sha256:ab) and markov@1.2.0-beta"),
            "plugin drop-rows@0.0.1 (sha256:ab) and markov@1.2.0-beta"
        );
        assert_eq!(clean("write to ann@acme.io."), "write to <e-mail>.");
        assert_eq!(clean("bob@mail.example.co.uk"), "<e-mail>");
    }

    /// Each of these got past the old scrubber (issue 16).
    #[test]
    fn hidden_addresses_are_found() {
        assert_eq!(
            clean("utm_content=ann%40acme.io&x=1"),
            "utm_content=<e-mail>&x=1"
        );
        assert_eq!(clean("ANN%40ACME.IO"), "<e-mail>");
        assert_eq!(clean("\"ann lee\"@acme.io wrote"), "<e-mail> wrote");
        assert_eq!(clean("ann\u{200b}@acme.io"), "<e-mail>");
        assert_eq!(clean("ann@\u{200d}acme.io"), "<e-mail>");
        assert_eq!(clean("ann＠acme.io"), "<e-mail>");
        assert_eq!(clean("ａｎｎ＠ａｃｍｅ．ｉｏ!"), "<e-mail>!");
        assert_eq!(clean("ann﹫acme.io"), "<e-mail>");
        assert_eq!(clean("root@[10.0.0.1] x"), "<e-mail> x");
        assert_eq!(clean("root@[IPv6:::1]"), "<e-mail>");
        assert_eq!(clean("x@localhost"), "<e-mail>");
        assert_eq!(clean("ops@127.0.0.1"), "<e-mail>");
        assert_eq!(clean("jo@xn--bcher-kva.de"), "<e-mail>");
        assert_eq!(clean("jo@bücher.de"), "<e-mail>");
        // Found attacking the first version: forms a Markdown or HTML reader shows as `@`,
        // a twice-encoded `%40`, and Unicode tag characters hiding inside the address.
        assert_eq!(clean("ann&#64;acme.io"), "<e-mail>");
        assert_eq!(
            clean("ann&#x40;acme.io and bob&commat;acme.io"),
            "<e-mail> and <e-mail>"
        );
        assert_eq!(clean("ann%2540acme.io"), "<e-mail>");
        assert_eq!(clean("ann\u{e0041}@acme.io"), "<e-mail>");
        assert_eq!(clean("fish &amp; chips"), "fish &amp; chips");
        assert_eq!(clean("100% done"), "100% done");
    }

    #[test]
    fn control_and_invisible_characters_are_escaped() {
        assert_eq!(clean("a\x1b[2Jb"), "a\\x1b[2Jb");
        assert_eq!(clean("\x1b]52;c;cHduZWQ=\x07"), "\\x1b]52;c;cHduZWQ=\\x07");
        assert_eq!(clean("nul\0here"), "nul\\x00here");
        assert_eq!(clean("c1\u{9b}31m"), "c1\\x9b31m");
        assert_eq!(clean("del\x7f"), "del\\x7f");
        assert_eq!(clean("two\nlines\r"), "two\\nlines\\r");
        assert_eq!(clean("tab\tbed"), "tab\\tbed");
        assert_eq!(clean("abc\u{202e}fed"), "abc\\u{202e}fed");
        assert_eq!(clean("zero\u{200b}width"), "zero\\u{200b}width");
        assert_eq!(clean_lines("one\x1b\ntwo"), "one\\x1b\ntwo");
        assert_eq!(clean("naïve café ✓"), "naïve café ✓");
    }

    #[test]
    fn cleaning_twice_changes_nothing() {
        for s in [
            "a\x1b[2Jb ann@acme.io",
            "\"x y\"@z.io \u{202e}",
            "ann%40acme.io\t\r\n",
            "=cmd|' /C calc'!A0",
        ] {
            let once = clean(s).into_owned();
            assert_eq!(clean(&once), once, "{s:?}");
        }
    }

    #[test]
    fn formulas_are_neutralized_in_csv_cells_only() {
        assert_eq!(csv_text("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(csv_text("+1+2"), "'+1+2");
        assert_eq!(csv_text("-2+3"), "'-2+3");
        assert_eq!(csv_text("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_text("\t=1"), "\\t=1");
        assert_eq!(csv_text("＝1+1"), "'＝1+1");
        assert_eq!(csv_text("tour-berlin"), "tour-berlin");
        assert_eq!(clean("=1+1"), "=1+1");
        let mut w = CsvCells::new();
        w.header(&["a", "b"]).unwrap();
        w.text("=cmd").num(5).end_row().unwrap();
        assert_eq!(w.into_bytes().unwrap(), b"a,b\n'=cmd,5\n");
    }

    #[derive(Debug, PartialEq)]
    struct Doc {
        title: String,
        rows: Vec<(String, f64)>,
        note: Option<String>,
    }
    sanitize_fields!(Doc { title, rows, note });

    #[test]
    fn sealing_cleans_every_field() {
        let d = seal(Doc {
            title: "\x1b]0;pwned\x07".into(),
            rows: vec![("ann@acme.io".into(), 1.5)],
            note: Some("ok".into()),
        });
        assert_eq!(
            *d,
            Doc {
                title: "\\x1b]0;pwned\\x07".into(),
                rows: vec![("<e-mail>".into(), 1.5)],
                note: Some("ok".into()),
            }
        );
    }
}
