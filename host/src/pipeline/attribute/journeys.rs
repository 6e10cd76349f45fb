//! Journeys (docs/attribution.md): which touches lead to which conversion.
//!
//! - Pipeline: for each opportunity created in the window, its account's touches in the
//!   lookback before it was created (inclusive).
//! - Revenue: for each opportunity closed won in the window, its account's touches from
//!   the lookback before creation up to the close, so the closed-won milestone exists.
//! - Non-converting journeys: accounts touched in the window without such a conversion in
//!   it; their touches in the lookback before the window's end.
//!
//! Milestone flags: the first touch; the lead-creation touch (the last touch at or before
//! the account's first lead event); the opportunity-creation touch (the last touch at or
//! before creation); the closed-won touch (the last at or before the close).

use std::collections::BTreeMap;

use serde::Serialize;

use super::window::Window;
use crate::data::{FastMap, Subject, Sym, Touch, partners_of};
use crate::pipeline::campaign::{Campaign, Stage};
use crate::pipeline::normalize::Dataset;
use crate::runtime::model::{JourneyColumns, flags};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Hash, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Pipeline,
    Revenue,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Pipeline => "pipeline",
            Kind::Revenue => "revenue",
        }
    }
}

/// What a touch is, for grouping credit and for attribution keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    Partner,
    Channel,
    Asset,
    Campaign,
    Region,
    Segment,
    Source,
    Medium,
    TouchType,
    /// The group the campaign's channel rules gave the touch's channel.
    ChannelGroup,
}

impl Dimension {
    pub const ALL: [Dimension; 10] = [
        Dimension::Partner,
        Dimension::Channel,
        Dimension::Asset,
        Dimension::Campaign,
        Dimension::Region,
        Dimension::Segment,
        Dimension::Source,
        Dimension::Medium,
        Dimension::TouchType,
        Dimension::ChannelGroup,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Dimension::Partner => "partner",
            Dimension::Channel => "channel",
            Dimension::Asset => "asset",
            Dimension::Campaign => "campaign",
            Dimension::Region => "region",
            Dimension::Segment => "segment",
            Dimension::Source => "source",
            Dimension::Medium => "medium",
            Dimension::TouchType => "touch_type",
            Dimension::ChannelGroup => "channel_group",
        }
    }

    pub fn parse(s: &str) -> Result<Dimension, String> {
        let t = s.trim().replace('-', "_");
        Dimension::ALL
            .into_iter()
            .find(|d| d.name() == t)
            .ok_or_else(|| {
                format!(
                    "`{s}` is not a dimension; valid dimensions: {}",
                    Dimension::ALL
                        .iter()
                        .map(|d| d.name())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })
    }

    pub fn sym(self, t: &Touch) -> Sym {
        match self {
            Dimension::Partner => 0,
            Dimension::Channel => t.channel,
            Dimension::Asset => t.asset,
            Dimension::Campaign => t.campaign,
            Dimension::Region => t.region,
            Dimension::Segment => t.segment,
            Dimension::Source => t.source,
            Dimension::Medium => t.medium,
            Dimension::TouchType => t.touch_type,
            Dimension::ChannelGroup => t.channel_group,
        }
    }

    /// The touch's value in this dimension. A touch both partners reported is `A + B`.
    pub fn value(self, t: &Touch, ds: &Dataset, c: &Campaign) -> String {
        match self {
            Dimension::Partner => partners_of(t.partners)
                .map(|p| c.partners[p].name.as_str())
                .collect::<Vec<_>>()
                .join(" + "),
            d => d.sym_value(d.sym(t), ds),
        }
    }

    /// The value a symbol of this (non-partner) dimension shows as.
    pub fn sym_value(self, s: Sym, ds: &Dataset) -> String {
        let s = ds.symbols.name(s);
        if s.is_empty() {
            "(none)".to_string()
        } else {
            s.to_string()
        }
    }

    /// What decides this dimension's value for a touch: its symbol, or its partner set.
    fn raw(self, t: &Touch) -> u32 {
        match self {
            Dimension::Partner => t.partners as u32,
            d => d.sym(t),
        }
    }
}

/// The attribution key: one or more dimensions joined by `:` (`channel`, `partner:channel`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Key(pub Vec<Dimension>);

impl Key {
    pub fn parse(s: &str) -> Result<Key, String> {
        let dims = s
            .split(':')
            .map(Dimension::parse)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Key(dims))
    }

    pub fn value(&self, t: &Touch, ds: &Dataset, c: &Campaign) -> String {
        self.0
            .iter()
            .map(|d| d.value(t, ds, c))
            .collect::<Vec<_>>()
            .join(":")
    }

    /// What decides the key's value for a touch, one part per dimension: touches with the
    /// same parts have the same value, so callers group by these and name each group once.
    pub fn raw_into(&self, t: &Touch, out: &mut Vec<u32>) {
        out.clear();
        out.extend(self.0.iter().map(|d| d.raw(t)));
    }

    pub fn name(&self) -> String {
        self.0
            .iter()
            .map(|d| d.name())
            .collect::<Vec<_>>()
            .join(":")
    }
}

/// Journeys of one kind, as the model contract's columns, plus the way back to the data.
#[derive(Clone)]
pub struct JourneySet {
    pub kind: Kind,
    pub cols: JourneyColumns,
    /// Journey → index into `Dataset::conversions` (None: a non-converting journey).
    pub conversion_of: Vec<Option<usize>>,
    /// Column touch → index into `Dataset::touches`.
    pub touch_index: Vec<u32>,
    /// The attribution key the touches were grouped by (`channel`, `channel:asset`).
    pub key: String,
}

impl JourneySet {
    pub fn converting(&self) -> usize {
        self.conversion_of.iter().filter(|c| c.is_some()).count()
    }
}

/// Each account's touches, as indices into `Dataset::touches` in their (time) order: one
/// flat column and a start offset per symbol, filled by a counting pass and a placing
/// pass. A hash map of one `Vec` per account cost a probe into a table larger than the
/// caches for every touch, and a reallocation each time a list grew: at 10M touches
/// journey building took 17× its 1M time, most of it in those probes (perf).
struct ByAccount {
    /// `touches[start[a]..start[a + 1]]` are account `a`'s.
    start: Vec<u32>,
    touches: Vec<u32>,
}

impl ByAccount {
    fn new(ds: &Dataset) -> ByAccount {
        let n = ds.symbols.len();
        let mut start = vec![0u32; n + 1];
        for t in ds.touches.iter().filter(|t| t.account != 0) {
            start[t.account as usize + 1] += 1;
        }
        for a in 0..n {
            start[a + 1] += start[a];
        }
        let mut next = start.clone();
        let mut touches = vec![0u32; start[n] as usize];
        for (i, t) in ds.touches.iter().enumerate() {
            if t.account != 0 {
                let slot = &mut next[t.account as usize];
                touches[*slot as usize] = i as u32;
                *slot += 1;
            }
        }
        ByAccount { start, touches }
    }

    /// Account `a`'s touches (none for an account without any).
    fn of(&self, a: Sym) -> &[u32] {
        let a = a as usize;
        match (self.start.get(a), self.start.get(a + 1)) {
            (Some(&s), Some(&e)) => &self.touches[s as usize..e as usize],
            _ => &[],
        }
    }

    /// The accounts that have touches.
    fn accounts(&self) -> impl Iterator<Item = Sym> + '_ {
        self.start
            .windows(2)
            .enumerate()
            .filter(|(_, w)| w[0] != w[1])
            .map(|(a, _)| a as Sym)
    }
}

/// Builds the journey of every conversion of `kind` in `window`: the touches of its subject
/// in the lookback, in time order, with milestone flags. Long because it is two passes
/// over one flat column (count, then place; docs/performance.md, "journeys") whose
/// offsets must agree: split, the passes would each repeat the filtering rules.
pub fn build(c: &Campaign, ds: &Dataset, kind: Kind, window: Window, key: &Key) -> JourneySet {
    let lookback = c.lookback_days * 86_400_000;
    let by_account = ByAccount::new(ds);
    let mut lead_at: FastMap<Sym, i64> = FastMap::default();
    for e in &ds.person_events {
        if e.stage == Stage::Lead && e.account != 0 && matches!(e.subject, Subject::Person(_)) {
            let v = lead_at.entry(e.account).or_insert(e.time_ms);
            *v = (*v).min(e.time_ms);
        }
    }
    let mut keys: BTreeMap<String, u32> = BTreeMap::new();
    // The key's raw parts (a symbol or partner set per dimension) → key id: one small
    // lookup per touch, the key's text made once per distinct key.
    let mut key_cache: FastMap<Box<[u32]>, u32> = FastMap::default();
    let mut raw: Vec<u32> = Vec::with_capacity(key.0.len());
    let mut cols = JourneyColumns {
        partners: c.partners.iter().map(|p| p.name.clone()).collect(),
        journey_offsets: vec![0],
        ..Default::default()
    };
    let mut conversion_of = vec![];
    let mut touch_index = vec![];
    let mut key_names: Vec<String> = vec![];
    let mut key_id =
        |ti: u32, keys: &mut BTreeMap<String, u32>, key_names: &mut Vec<String>| -> u32 {
            let t = &ds.touches[ti as usize];
            key.raw_into(t, &mut raw);
            if let Some(&k) = key_cache.get(&raw[..]) {
                return k;
            }
            let v = key.value(t, ds, c);
            let k = match keys.get(&v) {
                Some(&k) => k,
                None => {
                    let k = key_names.len() as u32;
                    keys.insert(v.clone(), k);
                    key_names.push(v);
                    k
                }
            };
            key_cache.insert(raw[..].into(), k);
            k
        };

    let mut converted_accounts: std::collections::HashSet<Sym, foldhash::fast::RandomState> =
        Default::default();
    for (ci, cv) in ds.conversions.iter().enumerate() {
        let (at, end) = match kind {
            Kind::Pipeline => (cv.created_ms, cv.created_ms),
            Kind::Revenue => {
                if cv.stage != Stage::ClosedWon {
                    continue;
                }
                let Some(closed) = cv.closed_ms else { continue };
                (closed, closed)
            }
        };
        if !window.contains(at) {
            continue;
        }
        converted_accounts.insert(cv.account);
        let from = cv.created_ms.saturating_sub(lookback);
        let list = by_account.of(cv.account);
        let lo = list.partition_point(|&i| ds.touches[i as usize].time_ms < from);
        let hi = list.partition_point(|&i| ds.touches[i as usize].time_ms <= end);
        let sel = &list[lo..hi];
        let start = cols.touch_key.len();
        for &ti in sel {
            let t = &ds.touches[ti as usize];
            cols.touch_key.push(key_id(ti, &mut keys, &mut key_names));
            cols.touch_time_ms.push(t.time_ms);
            cols.touch_flags.push(0);
            cols.touch_partner
                .push(t.partners.trailing_zeros().min(c.partners.len() as u32 - 1));
            touch_index.push(ti);
        }
        let n = sel.len();
        if n > 0 {
            let times = &cols.touch_time_ms[start..start + n];
            cols.touch_flags[start] |= flags::FIRST_TOUCH;
            let last_at = |t: i64| times.partition_point(|&x| x <= t).checked_sub(1);
            if let Some(&lead) = lead_at.get(&cv.account)
                && let Some(i) = last_at(lead)
            {
                cols.touch_flags[start + i] |= flags::LEAD_CREATION;
            }
            if let Some(i) = last_at(cv.created_ms) {
                cols.touch_flags[start + i] |= flags::OPPORTUNITY_CREATION;
            }
            if kind == Kind::Revenue
                && let Some(i) = cv.closed_ms.and_then(last_at)
            {
                cols.touch_flags[start + i] |= flags::CLOSED_WON;
            }
        }
        cols.journey_offsets.push(cols.touch_key.len() as u32);
        cols.conversions.push(1.0);
        cols.nulls.push(0.0);
        cols.value.push(cv.amount.try_into().unwrap_or(0.0));
        cols.conversion_time_ms.push(at);
        conversion_of.push(Some(ci));
    }

    // Non-converting journeys, in account order for determinism.
    let mut accounts: Vec<(&str, Sym)> = by_account
        .accounts()
        .filter(|a| !converted_accounts.contains(a))
        .map(|a| (ds.symbols.name(a), a))
        .collect();
    accounts.sort();
    let (ws, we) = (window.start_ms(), window.end_ms());
    for (_, a) in accounts {
        let list = by_account.of(a);
        let in_window = list.iter().any(|&i| {
            let t = ds.touches[i as usize].time_ms;
            t >= ws && t < we
        });
        if !in_window {
            continue;
        }
        let lo =
            list.partition_point(|&i| ds.touches[i as usize].time_ms < we.saturating_sub(lookback));
        let hi = list.partition_point(|&i| ds.touches[i as usize].time_ms < we);
        for &ti in &list[lo..hi] {
            let t = &ds.touches[ti as usize];
            cols.touch_key.push(key_id(ti, &mut keys, &mut key_names));
            cols.touch_time_ms.push(t.time_ms);
            cols.touch_flags.push(0);
            cols.touch_partner
                .push(t.partners.trailing_zeros().min(c.partners.len() as u32 - 1));
            touch_index.push(ti);
        }
        if hi > lo {
            let first = cols.touch_key.len() - (hi - lo);
            cols.touch_flags[first] |= flags::FIRST_TOUCH;
        }
        cols.journey_offsets.push(cols.touch_key.len() as u32);
        cols.conversions.push(0.0);
        cols.nulls.push(1.0);
        cols.value.push(0.0);
        cols.conversion_time_ms.push(we.saturating_sub(1));
        conversion_of.push(None);
    }

    // Key ids in first-seen order depend on conversion order, which is fixed; but give the
    // model keys in sorted order so its scores line up the same way in every run.
    let mut order: Vec<u32> = (0..key_names.len() as u32).collect();
    order.sort_by(|&a, &b| key_names[a as usize].cmp(&key_names[b as usize]));
    let mut remap = vec![0u32; key_names.len()];
    for (new, &old) in order.iter().enumerate() {
        remap[old as usize] = new as u32;
    }
    for k in &mut cols.touch_key {
        *k = remap[*k as usize];
    }
    cols.keys = order
        .iter()
        .map(|&o| key_names[o as usize].clone())
        .collect();
    JourneySet {
        kind,
        cols,
        conversion_of,
        touch_index,
        key: key.name(),
    }
}

/// Identical paths merged, for models that need no timestamps or milestones: the model
/// sees each distinct path once with summed conversions, nulls and value.
pub struct Aggregated {
    pub cols: JourneyColumns,
    /// Journey of the full set → its path in `cols`.
    pub path_of: Vec<u32>,
}

pub fn aggregate(full: &JourneyColumns) -> Aggregated {
    let mut index: FastMap<&[u32], u32> = FastMap::default();
    let mut cols = JourneyColumns {
        keys: full.keys.clone(),
        partners: full.partners.clone(),
        journey_offsets: vec![0],
        ..Default::default()
    };
    let mut path_of = Vec::with_capacity(full.journeys());
    for j in 0..full.journeys() {
        let r = full.range(j);
        let path = &full.touch_key[r.clone()];
        let p = *index.entry(path).or_insert_with(|| {
            // Merged paths have no times or milestones (the columns stay empty, sent as
            // zeros to a model@0.1.0 plugin); partners are the first journey's, as a
            // model@0.1.0 plugin always had them.
            cols.touch_key.extend_from_slice(path);
            if let Some(p) = full.touch_partner.get(r.clone()) {
                cols.touch_partner.extend_from_slice(p);
            }
            cols.journey_offsets.push(cols.touch_key.len() as u32);
            cols.conversions.push(0.0);
            cols.nulls.push(0.0);
            cols.value.push(0.0);
            (cols.conversions.len() - 1) as u32
        });
        cols.conversions[p as usize] += full.conversions[j];
        cols.nulls[p as usize] += full.nulls[j];
        cols.value[p as usize] += full.value[j];
        path_of.push(p);
    }
    Aggregated { cols, path_of }
}
