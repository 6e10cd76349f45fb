//! Canonical data after normalization and reconciliation: what every later stage reads.
//! Strings of low cardinality are interned ([`Symbols`]); people are salted hashes only.

use rust_decimal::Decimal;

use crate::pipeline::campaign::Stage;

pub type Sym = u32;

/// A hash map on untrusted text keys: fast, and seeded per process (see Cargo.toml).
pub type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

/// Interned strings. Symbol 0 is the empty string ("not given").
#[derive(Clone, Debug)]
pub struct Symbols {
    names: Vec<String>,
    index: FastMap<String, Sym>,
}

impl Default for Symbols {
    fn default() -> Self {
        let mut s = Symbols {
            names: vec![],
            index: FastMap::default(),
        };
        s.intern("");
        s
    }
}

impl Symbols {
    pub fn intern(&mut self, s: &str) -> Sym {
        if let Some(&i) = self.index.get(s) {
            return i;
        }
        let i = self.names.len() as Sym;
        self.names.push(s.to_string());
        self.index.insert(s.to_string(), i);
        i
    }

    pub fn get(&self, s: &str) -> Option<Sym> {
        self.index.get(s).copied()
    }

    pub fn name(&self, i: Sym) -> &str {
        &self.names[i as usize]
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.len() <= 1
    }
}

/// Where a record came from: the source (index into `Campaign::sources`) and its row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Origin {
    pub source: u16,
    pub row: u64,
}

/// A set of partners (index into `Campaign::partners`), at most 16.
pub type PartnerSet = u16;

pub fn partners_of(set: PartnerSet) -> impl Iterator<Item = usize> {
    (0..16).filter(move |i| set & (1 << i) != 0)
}

/// A pseudonymous person: the first 8 bytes of sha256(salt ‖ normalized key).
pub type PersonId = u64;

pub fn person_label(p: PersonId) -> String {
    format!("p_{p:016x}")
}

#[derive(Clone, Debug)]
pub struct Touch {
    pub person: PersonId,
    pub account: Sym,
    pub time_ms: i64,
    pub partners: PartnerSet,
    pub channel: Sym,
    pub source: Sym,
    pub medium: Sym,
    pub campaign: Sym,
    pub asset: Sym,
    pub region: Sym,
    pub segment: Sym,
    pub touch_type: Sym,
    /// The channel group the campaign's channel rules gave (`pipeline/normalize/taxonomy.rs`);
    /// the empty symbol when none did. Fits in the struct's padding: no memory per touch.
    pub channel_group: Sym,
    pub origin: Origin,
}

#[derive(Clone, Debug)]
pub struct Conversion {
    /// The id as the first reporting partner has it; merged conversions list all in `ids`.
    pub id: String,
    pub ids: Vec<(usize, String)>,
    pub partners: PartnerSet,
    pub account: Sym,
    /// In the reporting currency, rounded to its minor units.
    pub amount: Decimal,
    pub original_amount: Decimal,
    pub original_currency: String,
    pub stage: Stage,
    pub created_ms: i64,
    pub closed_ms: Option<i64>,
    /// When the conversion reached each canonical stage (by `Stage::index`).
    pub stage_ms: [Option<i64>; 6],
    pub lead_source: Sym,
    pub campaign: Sym,
    pub origin: Origin,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subject {
    Person(PersonId),
    Deal,
}

#[derive(Clone, Debug)]
pub struct StageEvent {
    pub subject: Subject,
    pub account: Sym,
    pub stage: Stage,
    pub time_ms: i64,
    pub partner: usize,
    pub origin: Origin,
}

#[cfg(test)]
mod size_tests {
    /// A touch is 80 bytes: 10M of them are most of a large run's memory, so a field added
    /// to it must fit in its padding (as `channel_group` does) or be argued for.
    #[test]
    fn a_touch_stays_80_bytes() {
        assert_eq!(std::mem::size_of::<super::Touch>(), 80);
    }
}
