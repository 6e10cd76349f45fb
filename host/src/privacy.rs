//! The last line of defence for "no raw e-mail address reaches an output file": any text
//! that came from data or from a plugin (reject reasons, dimension values) passes through
//! [`scrub`] before it is written.

/// Replaces every e-mail-like token (`local@domain.tld`) with `<e-mail>`.
pub fn scrub(text: &str) -> String {
    if !text.contains('@') {
        return text.to_string();
    }
    let is_part = |c: char| c.is_alphanumeric() || matches!(c, '.' | '_' | '%' | '+' | '-' | '\'');
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '@' {
            let mut s = i;
            while s > 0 && is_part(chars[s - 1]) {
                s -= 1;
            }
            let mut e = i + 1;
            while e < chars.len() && (chars[e].is_alphanumeric() || matches!(chars[e], '.' | '-')) {
                e += 1;
            }
            let domain: String = chars[i + 1..e].iter().collect();
            // A top-level domain starts with a letter: `linear@1.0.0` (a plugin and its
            // version, in every plugin error) is not an address.
            let tld = domain.trim_end_matches(['.', '-']).rsplit('.').next();
            let tld_ok = tld
                .and_then(|t| t.chars().next())
                .is_some_and(char::is_alphabetic);
            if s < i && domain.contains('.') && tld_ok {
                // Drop the local part already copied, then the address.
                let local_len: usize = chars[s..i].iter().map(|c| c.len_utf8()).sum();
                out.truncate(out.len() - local_len);
                out.push_str("<e-mail>");
                i = e;
                continue;
            }
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::scrub;

    #[test]
    fn addresses_go_everything_else_stays() {
        assert_eq!(
            scrub("row 4: `Ann.Lee+x@acme.io` is bad"),
            "row 4: `<e-mail>` is bad"
        );
        assert_eq!(scrub("a@b.co and c@d.org"), "<e-mail> and <e-mail>");
        assert_eq!(scrub("@handle and x@localhost"), "@handle and x@localhost");
        assert_eq!(scrub("no at sign"), "no at sign");
        // Plugin labels are name@version: found by the hostile corpus, where every plugin
        // error in the plan and every reject naming a plugin read `plugin <e-mail>`.
        assert_eq!(
            scrub("plugin drop-rows@0.0.1 (sha256:ab) and markov@1.2.0-beta"),
            "plugin drop-rows@0.0.1 (sha256:ab) and markov@1.2.0-beta"
        );
        assert_eq!(scrub("write to ann@acme.io."), "write to <e-mail>");
        assert_eq!(scrub("bob@mail.example.co.uk"), "<e-mail>");
    }
}
