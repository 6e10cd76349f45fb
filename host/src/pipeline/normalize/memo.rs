//! One source's reconciliation of repeated text: raw field bytes → the symbol of their
//! cleaned form, and raw person keys → salted hash and e-mail domain. The rules are
//! `reconcile`'s; this only remembers their answers. Exports repeat the same few channels,
//! campaigns and regions on every row, and each person on several rows, so a table lookup
//! on the raw bytes replaces UTF-8 checks, lower-casing, allocation and SHA-256 for
//! nearly every record (measured: see the normalization section of docs/performance.md).
//!
//! Each source has its own [`Memo`] and its own [`Symbols`]: partners normalizing in
//! parallel share no lock, and the merge gate renumbers symbols into one sorted table.

use chrono::TimeZone;
use sha2::{Digest, Sha256};

use super::reconcile;
use crate::data::{FastMap, PersonId, Sym, Symbols};
use crate::pipeline::campaign::{Campaign, Stage};
use crate::runtime::normalizer::{NO_OFFSET, NO_TIME};

/// Entries one memo table may hold before it is cleared. A table only saves work, so
/// clearing it changes no result; the cap keeps a file of all-distinct values (a hostile
/// one, or a billion people) from growing memory beyond the records themselves. 4M: at
/// 10M touches a source has over 1M distinct people, and a 1M cap cleared the table
/// mid-file (members 95 → 127 MB/s, activities 87 → 112, GA4 96 → 129 with 4M; the
/// process's peak memory 676 → 681 MiB, the records dominate). A full people table is
/// about 90 bytes an entry, so at most ~360 MiB a source.
const MAX_ENTRIES: usize = if cfg!(test) { 1 << 10 } else { 1 << 22 };

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
    /// Raw stage text → canonical stage, for names the partner's map (or the canonical
    /// list) knows; unknown ones go through the rule each time, for its message.
    stages: FastMap<Box<[u8]>, Stage>,
    /// Local hour → its UTC offset in ms, for hours without a transition (see `to_utc_ms`).
    hours: FastMap<i64, Option<i64>>,
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
            stages: FastMap::default(),
            hours: FastMap::default(),
            salted,
        }
    }

    /// `reconcile::map_stage` for partner `partner`.
    pub fn stage(&mut self, c: &Campaign, partner: usize, raw: &[u8]) -> Result<Stage, String> {
        if let Some(&s) = self.stages.get(raw) {
            return Ok(s);
        }
        let s = reconcile::map_stage(c, partner, std::str::from_utf8(raw).unwrap_or(""))?;
        if self.stages.len() >= MAX_ENTRIES {
            self.stages.clear();
        }
        self.stages.insert(raw.into(), s);
        Ok(s)
    }

    /// `reconcile::to_utc_ms`, with the zone's offset remembered per local hour. An hour is
    /// remembered only when its first and last millisecond each exist exactly once in the
    /// zone, with the same offset: then no transition falls inside it (zones change offset
    /// at most once an hour), and every instant in it has that offset. Gaps, folds, and
    /// transitions at odd minutes (Lord Howe's half hour, historical local mean time) go
    /// through the rule itself.
    pub fn to_utc_ms(
        &mut self,
        wall_ms: i64,
        offset_min: i32,
        tz: chrono_tz::Tz,
    ) -> Result<Option<i64>, String> {
        if wall_ms == NO_TIME || offset_min != NO_OFFSET || tz == chrono_tz::UTC {
            return reconcile::to_utc_ms(wall_ms, offset_min, tz);
        }
        let hour = wall_ms.div_euclid(3_600_000);
        let offset = match self.hours.get(&hour) {
            Some(&o) => o,
            None => {
                let o = steady_offset(hour, tz);
                if self.hours.len() >= MAX_ENTRIES {
                    self.hours.clear();
                }
                self.hours.insert(hour, o);
                o
            }
        };
        match offset {
            Some(o) => reconcile::accept(wall_ms.checked_sub(o), wall_ms, offset_min),
            None => reconcile::to_utc_ms(wall_ms, offset_min, tz),
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

/// The offset (local − UTC, ms) shared by every instant of a local hour, if it has one.
fn steady_offset(hour: i64, tz: chrono_tz::Tz) -> Option<i64> {
    let offset_at = |wall_ms: i64| {
        let naive = chrono::DateTime::from_timestamp_millis(wall_ms)?.naive_utc();
        match tz.from_local_datetime(&naive) {
            chrono::LocalResult::Single(t) => Some(wall_ms - t.timestamp_millis()),
            _ => None,
        }
    };
    let start = offset_at(hour.checked_mul(3_600_000)?)?;
    let end = offset_at(hour.checked_mul(3_600_000)?.checked_add(3_599_999)?)?;
    (start == end).then_some(start)
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

    /// The hour cache against the rule itself, at every 7 minutes and 13 seconds across two
    /// years of zones with DST (both hemispheres), a 45-minute offset, a half-hour DST
    /// shift, and historical local mean time.
    #[test]
    fn times_match_the_rule_across_transitions() {
        let mut m = Memo::new("s");
        let zones = [
            chrono_tz::Europe::Berlin,
            chrono_tz::America::Los_Angeles,
            chrono_tz::Australia::Lord_Howe,
            chrono_tz::Asia::Kathmandu,
            chrono_tz::Pacific::Chatham,
            chrono_tz::America::Sao_Paulo,
        ];
        let from = chrono::NaiveDate::from_ymd_opt(2025, 1, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap()
            .and_utc()
            .timestamp_millis();
        let step = (7 * 60 + 13) * 1000;
        for tz in zones {
            let mut t = from;
            while t < from + 2 * 365 * 86_400_000 {
                assert_eq!(
                    m.to_utc_ms(t, NO_OFFSET, tz),
                    reconcile::to_utc_ms(t, NO_OFFSET, tz),
                    "{tz} at wall {t}"
                );
                t += step;
            }
        }
        // Local mean time: Berlin before 1893 was UTC+0:53:28.
        let lmt = chrono::NaiveDate::from_ymd_opt(1880, 6, 1)
            .unwrap()
            .and_hms_opt(12, 0, 0)
            .unwrap()
            .and_utc()
            .timestamp_millis();
        for k in 0..200 {
            let t = lmt + k * 997_000;
            assert_eq!(
                m.to_utc_ms(t, NO_OFFSET, chrono_tz::Europe::Berlin),
                reconcile::to_utc_ms(t, NO_OFFSET, chrono_tz::Europe::Berlin)
            );
        }
        assert_eq!(
            m.to_utc_ms(NO_TIME, NO_OFFSET, chrono_tz::Europe::Berlin),
            Ok(None)
        );
        assert_eq!(
            m.to_utc_ms(from, 60, chrono_tz::Europe::Berlin),
            Ok(Some(from - 3_600_000))
        );
        // Out of range on the cached path too: a hit on the hour of 2201-01-01 00:00 in
        // Berlin (UTC+1) is 2200-12-31 23:00 UTC, in; an hour later is out.
        let end = reconcile::END_MS;
        assert_eq!(
            m.to_utc_ms(end, NO_OFFSET, chrono_tz::Europe::Berlin),
            Ok(Some(end - 3_600_000))
        );
        assert_eq!(
            m.to_utc_ms(end + 3_600_000, NO_OFFSET, chrono_tz::Europe::Berlin),
            reconcile::to_utc_ms(end + 3_600_000, NO_OFFSET, chrono_tz::Europe::Berlin)
        );
        assert!(
            m.to_utc_ms(end + 3_600_000, NO_OFFSET, chrono_tz::Europe::Berlin)
                .is_err()
        );
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
