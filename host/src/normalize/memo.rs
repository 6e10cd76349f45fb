//! One source's reconciliation of repeated text: raw field bytes → the symbol of their
//! cleaned form, and raw person keys → salted hash and e-mail domain. The rules are
//! `reconcile`'s; this only remembers their answers. Exports repeat the same few channels,
//! campaigns and regions on every row, and each person on several rows, so a table lookup
//! on the raw bytes replaces UTF-8 checks, lower-casing, allocation and SHA-256 for
//! nearly every record (measured: see the normalization section of docs/performance.md).
//!
//! Each source has its own [`Memo`] and its own [`Symbols`]: partners normalizing in
//! parallel share no lock, and the merge gate renumbers symbols into one sorted table.

use sha2::{Digest, Sha256};

use super::reconcile;
use crate::data::{FastMap, PersonId, Sym, Symbols};

/// Entries one memo table may hold before it is cleared. A table only saves work, so
/// clearing it changes no result; the cap keeps a file of all-distinct values (a hostile
/// one, or a billion people) from growing memory beyond the records themselves.
const MAX_ENTRIES: usize = if cfg!(test) { 1 << 10 } else { 1 << 20 };

/// How a raw field is cleaned before interning.
#[derive(Clone, Copy)]
pub enum Clean {
    /// Trimmed and lower-cased (`channel`, `source`, `medium`, `touch type`).
    Lower,
    /// Trimmed (names shown as given: `campaign`, `asset`, `region`, `segment`).
    Trim,
    /// `reconcile::account_key`: one spelling per account.
    Account,
}

/// What a raw person key reconciles to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Person {
    /// 0 for an empty key.
    pub id: PersonId,
    /// The interned company domain of an e-mail key, or 0 (none, or a free-mail domain).
    pub domain: Sym,
}

pub struct Memo {
    pub symbols: Symbols,
    tables: [FastMap<Box<[u8]>, Sym>; 3],
    people: FastMap<Box<[u8]>, Person>,
    /// The hash state after the salt and its separator, cloned per person.
    salted: Sha256,
}

impl Memo {
    pub fn new(salt: &str) -> Memo {
        let mut salted = Sha256::new();
        salted.update(salt.as_bytes());
        salted.update([0u8]);
        Memo {
            symbols: Symbols::default(),
            tables: Default::default(),
            people: FastMap::default(),
            salted,
        }
    }

    /// The symbol of `raw` cleaned by `how`. Invalid UTF-8 cannot arrive (batches are
    /// validated); it would intern as the empty string.
    pub fn sym(&mut self, raw: &[u8], how: Clean) -> Sym {
        let table = &mut self.tables[how as usize];
        if let Some(&s) = table.get(raw) {
            return s;
        }
        let text = std::str::from_utf8(raw).unwrap_or("");
        let s = match how {
            Clean::Lower => {
                let t = text.trim();
                if t.bytes().any(|b| b.is_ascii_uppercase() || b >= 0x80) {
                    self.symbols.intern(&t.to_lowercase())
                } else {
                    self.symbols.intern(t)
                }
            }
            Clean::Trim => self.symbols.intern(text.trim()),
            Clean::Account => self.symbols.intern(&reconcile::account_key(text)),
        };
        if table.len() >= MAX_ENTRIES {
            table.clear();
        }
        table.insert(raw.into(), s);
        s
    }

    /// The person a raw key names: `reconcile::person_id` and `reconcile::email_domain`.
    pub fn person(&mut self, raw: &[u8]) -> Person {
        if let Some(&p) = self.people.get(raw) {
            return p;
        }
        let text = std::str::from_utf8(raw).unwrap_or("");
        let p = Person {
            id: person_id_from(&self.salted, text),
            domain: match reconcile::email_domain(text) {
                Some(d) => self.symbols.intern(&d),
                None => 0,
            },
        };
        if self.people.len() >= MAX_ENTRIES {
            self.people.clear();
        }
        self.people.insert(raw.into(), p);
        p
    }
}

/// `reconcile::person_id` from a state that has absorbed the salt: the key is trimmed and
/// ASCII-lower-cased a block at a time, so the digest sees the same bytes in one pass.
pub fn person_id_from(salted: &Sha256, raw: &str) -> PersonId {
    let key = raw.trim();
    if key.is_empty() {
        return 0;
    }
    let mut h = salted.clone();
    let mut buf = [0u8; 128];
    for chunk in key.as_bytes().chunks(buf.len()) {
        let b = &mut buf[..chunk.len()];
        b.copy_from_slice(chunk);
        b.make_ascii_lowercase();
        h.update(&*b);
    }
    let d = h.finalize();
    u64::from_be_bytes(d[..8].try_into().unwrap()).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The memo must give exactly what the reference rules give, on a hit and on a miss.
    #[test]
    fn same_answers_as_the_rules() {
        let mut m = Memo::new("salt");
        for raw in [
            " Ann@Acme.IO ",
            "ann@acme.io",
            "bob@gmail.com",
            "",
            "  ",
            "ÅSA@Exämple.se",
            &"x".repeat(300),
        ] {
            for _ in 0..2 {
                let p = m.person(raw.as_bytes());
                assert_eq!(p.id, reconcile::person_id("salt", raw), "{raw:?}");
                let want = reconcile::email_domain(raw);
                assert_eq!(
                    (p.domain != 0).then(|| m.symbols.name(p.domain).to_string()),
                    want,
                    "{raw:?}"
                );
            }
        }
        for (raw, how, want) in [
            (" Paid Social ", Clean::Lower, "paid social"),
            ("paid social", Clean::Lower, "paid social"),
            ("ÉVÉNEMENT", Clean::Lower, "événement"),
            (" EMEA ", Clean::Trim, "EMEA"),
            ("https://www.Acme.io/", Clean::Account, "acme.io"),
            ("", Clean::Account, ""),
        ] {
            for _ in 0..2 {
                let s = m.sym(raw.as_bytes(), how);
                assert_eq!(m.symbols.name(s), want, "{raw:?}");
            }
        }
        // One cleaned value, one symbol, whatever the raw spelling.
        assert_eq!(
            m.sym(b"Webinar", Clean::Lower),
            m.sym(b" webinar", Clean::Lower)
        );
        assert_eq!(m.sym(b"", Clean::Trim), 0);
    }

    /// A full table is cleared, not grown, and answers stay the same after.
    #[test]
    fn a_full_table_is_cleared() {
        let mut m = Memo::new("s");
        for i in 0..MAX_ENTRIES + 10 {
            m.sym(format!("v{i}").as_bytes(), Clean::Trim);
        }
        assert!(m.tables[Clean::Trim as usize].len() <= MAX_ENTRIES);
        let s = m.sym(b"v3", Clean::Trim);
        assert_eq!(m.symbols.name(s), "v3");
    }
}
