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
use crate::data::{FastMap, PersonId, Subject, Sym, Touch, partners_of};
use crate::pipeline::campaign::{Campaign, Stage};
use crate::pipeline::normalize::Dataset;
use crate::runtime::model::{JourneyColumns, flags};

/// What a journey leads to: a funnel milestone. `Pipeline` (an opportunity created) and
/// `Revenue` (closed won) carry the opportunity's money; `Lead`, `Mql` and `Sql` are a
/// person reaching that lifecycle stage, and carry a count (one milestone each).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Hash, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Pipeline,
    Revenue,
    Lead,
    Mql,
    Sql,
}

impl Kind {
    /// The milestones in funnel order, as `--stage` names them.
    pub const STAGES: [Kind; 5] = [
        Kind::Lead,
        Kind::Mql,
        Kind::Sql,
        Kind::Pipeline,
        Kind::Revenue,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Pipeline => "pipeline",
            Kind::Revenue => "revenue",
            Kind::Lead => "lead",
            Kind::Mql => "mql",
            Kind::Sql => "sql",
        }
    }

    /// The milestone's funnel stage: `opportunity` for pipeline, `closed_won` for revenue.
    pub fn stage(self) -> Stage {
        match self {
            Kind::Pipeline => Stage::Opportunity,
            Kind::Revenue => Stage::ClosedWon,
            Kind::Lead => Stage::Lead,
            Kind::Mql => Stage::Mql,
            Kind::Sql => Stage::Sql,
        }
    }

    /// `--stage`: a funnel stage (`lead`, `mql`, `sql`, `opportunity`, `closed_won`), or
    /// the measure it is the milestone of (`pipeline`, `revenue`).
    pub fn parse_stage(s: &str) -> Result<Kind, String> {
        let t = s.trim().to_ascii_lowercase().replace('-', "_");
        Kind::STAGES
            .into_iter()
            .find(|k| k.stage().name() == t || k.name() == t)
            .ok_or_else(|| {
                format!(
                    "`{s}` is not a stage; valid stages: {}",
                    Kind::STAGES.map(|k| k.stage().name()).join(", ")
                )
            })
    }

    /// Whether the milestone carries money (an opportunity's amount); the others count.
    pub fn has_money(self) -> bool {
        matches!(self, Kind::Pipeline | Kind::Revenue)
    }

    /// The unit credit is split in: the campaign's currency, or milestones counted in
    /// thousandths ([`crate::money::Currency::MILESTONES`]).
    pub fn unit(self, c: &Campaign) -> crate::money::Currency {
        if self.has_money() {
            c.currency
        } else {
            crate::money::Currency::MILESTONES
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
    /// Journey → its milestone: an index into `Dataset::conversions` for pipeline and
    /// revenue, into `Dataset::person_events` for lead, MQL and SQL (None: a journey that
    /// reached no milestone).
    pub conversion_of: Vec<Option<usize>>,
    /// Column touch → index into `Dataset::touches`.
    pub touch_index: Vec<u32>,
    /// The attribution key the touches were grouped by (`channel`, `channel:asset`).
    pub key: String,
}

impl JourneySet {
    /// What journey `j`'s milestone is worth, in [`Kind::unit`]: its opportunity's amount,
    /// or one milestone; zero for a journey that reached none.
    pub fn amount(&self, j: usize, c: &Campaign, ds: &Dataset) -> crate::money::Money {
        let unit = self.kind.unit(c);
        match self.conversion_of[j] {
            None => unit.zero(),
            Some(ci) if self.kind.has_money() => unit.amount(ds.conversions[ci].amount),
            Some(_) => unit.units(10i128.pow(unit.scale())),
        }
    }

    pub fn converting(&self) -> usize {
        self.conversion_of.iter().filter(|c| c.is_some()).count()
    }

    /// The account journey `j` belongs to: its milestone's account, or for a journey that
    /// reached none, its touches' (0 when it has none).
    pub fn account(&self, j: usize, ds: &Dataset) -> Sym {
        match self.conversion_of[j] {
            Some(ci) if self.kind.has_money() => ds.conversions[ci].account,
            Some(ci) => ds.person_events[ci].account,
            None => self
                .cols
                .range(j)
                .next()
                .map(|k| ds.touches[self.touch_index[k] as usize].account)
                .unwrap_or(0),
        }
    }

    /// Every journey's account key ([`super::bootstrap::account_key`]): what its bootstrap
    /// weights and its cross-validation fold are drawn by.
    pub fn account_keys(&self, ds: &Dataset) -> Vec<u64> {
        let mut memo: FastMap<Sym, u64> = FastMap::default();
        (0..self.cols.journeys())
            .map(|j| {
                let acc = self.account(j, ds);
                *memo
                    .entry(acc)
                    .or_insert_with(|| super::bootstrap::account_key(ds.symbols.name(acc)))
            })
            .collect()
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

/// Each known person's touches, as indices into `Dataset::touches` in time order: only
/// the people a milestone names, so the index is as large as the stage's journeys.
struct ByPerson(FastMap<PersonId, Vec<u32>>);

impl ByPerson {
    fn new(ds: &Dataset, people: impl Iterator<Item = PersonId>) -> ByPerson {
        let mut m: FastMap<PersonId, Vec<u32>> = people.map(|p| (p, vec![])).collect();
        if !m.is_empty() {
            for (i, t) in ds.touches.iter().enumerate() {
                if t.person != 0
                    && let Some(v) = m.get_mut(&t.person)
                {
                    v.push(i as u32);
                }
            }
        }
        ByPerson(m)
    }

    fn of(&self, p: PersonId) -> &[u32] {
        self.0.get(&p).map(Vec::as_slice).unwrap_or(&[])
    }
}

/// One milestone a journey leads to.
struct Milestone {
    /// Index into `Dataset::conversions` (pipeline, revenue) or `Dataset::person_events`
    /// (lead, MQL, SQL).
    index: usize,
    /// Whose touches make the journey: a person's own, or the account's.
    person: Option<PersonId>,
    account: Sym,
    /// The lookback is counted back from here (an opportunity's creation, also for its
    /// close).
    from_ms: i64,
    /// The milestone itself: the journey takes touches up to it, inclusive.
    at_ms: i64,
    /// When the opportunity closed won (revenue journeys' closed-won flag).
    closed_ms: Option<i64>,
    value: f64,
}

/// The milestones of `kind` in `window`, in a fixed order, and the accounts they leave
/// out of the non-converting journeys.
fn milestones(ds: &Dataset, kind: Kind, window: Window) -> Vec<Milestone> {
    let mut out = vec![];
    if kind.has_money() {
        for (index, cv) in ds.conversions.iter().enumerate() {
            let at = match kind {
                Kind::Revenue => {
                    if cv.stage != Stage::ClosedWon {
                        continue;
                    }
                    let Some(closed) = cv.closed_ms else { continue };
                    closed
                }
                _ => cv.created_ms,
            };
            if window.contains(at) {
                out.push(Milestone {
                    index,
                    person: None,
                    account: cv.account,
                    from_ms: cv.created_ms,
                    at_ms: at,
                    closed_ms: (kind == Kind::Revenue).then_some(at),
                    value: cv.amount.try_into().unwrap_or(0.0),
                });
            }
        }
        return out;
    }
    // A person reaches a stage once: at its first event of that stage (events are in time
    // order). An event with no person is its account's milestone.
    let mut seen: std::collections::HashSet<(PersonId, Sym), foldhash::fast::RandomState> =
        Default::default();
    for (index, e) in ds.person_events.iter().enumerate() {
        if e.stage != kind.stage() {
            continue;
        }
        let person = match e.subject {
            Subject::Person(p) => Some(p),
            Subject::Deal => None,
        };
        if !seen.insert((
            person.unwrap_or(0),
            if person.is_some() { 0 } else { e.account },
        )) {
            continue;
        }
        if window.contains(e.time_ms) {
            out.push(Milestone {
                index,
                person,
                account: e.account,
                from_ms: e.time_ms,
                at_ms: e.time_ms,
                closed_ms: None,
                value: 0.0,
            });
        }
    }
    out
}

/// The journeys' columns as they are filled, with each touch's key interned once.
struct Builder<'a> {
    c: &'a Campaign,
    ds: &'a Dataset,
    key: &'a Key,
    cols: JourneyColumns,
    conversion_of: Vec<Option<usize>>,
    touch_index: Vec<u32>,
    keys: BTreeMap<String, u32>,
    key_names: Vec<String>,
    // The key's raw parts (a symbol or partner set per dimension) → key id: one small
    // lookup per touch, the key's text made once per distinct key.
    key_cache: FastMap<Box<[u32]>, u32>,
    raw: Vec<u32>,
}

impl<'a> Builder<'a> {
    fn new(c: &'a Campaign, ds: &'a Dataset, key: &'a Key) -> Builder<'a> {
        Builder {
            c,
            ds,
            key,
            cols: JourneyColumns {
                partners: c.partners.iter().map(|p| p.name.clone()).collect(),
                journey_offsets: vec![0],
                ..Default::default()
            },
            conversion_of: vec![],
            touch_index: vec![],
            keys: BTreeMap::new(),
            key_names: vec![],
            key_cache: FastMap::default(),
            raw: Vec::with_capacity(key.0.len()),
        }
    }

    fn key_id(&mut self, ti: u32) -> u32 {
        let t = &self.ds.touches[ti as usize];
        self.key.raw_into(t, &mut self.raw);
        if let Some(&k) = self.key_cache.get(&self.raw[..]) {
            return k;
        }
        let v = self.key.value(t, self.ds, self.c);
        let k = match self.keys.get(&v) {
            Some(&k) => k,
            None => {
                let k = self.key_names.len() as u32;
                self.keys.insert(v.clone(), k);
                self.key_names.push(v);
                k
            }
        };
        self.key_cache.insert(self.raw[..].into(), k);
        k
    }

    /// Appends the touches of one journey (time order) and flags its first; returns where
    /// the journey starts in the touch columns, for the milestone flags.
    fn touches(&mut self, sel: &[u32]) -> usize {
        let start = self.cols.touch_key.len();
        let last_partner = self.c.partners.len() as u32 - 1;
        for &ti in sel {
            let k = self.key_id(ti);
            let t = &self.ds.touches[ti as usize];
            self.cols.touch_key.push(k);
            self.cols.touch_time_ms.push(t.time_ms);
            self.cols.touch_flags.push(0);
            self.cols
                .touch_partner
                .push(t.partners.trailing_zeros().min(last_partner));
            self.touch_index.push(ti);
        }
        if !sel.is_empty() {
            self.cols.touch_flags[start] |= flags::FIRST_TOUCH;
        }
        start
    }

    /// Sets `flag` on the journey's last touch at or before `at` (from `start`).
    fn flag_last_at(&mut self, start: usize, at: i64, flag: u8) {
        let times = &self.cols.touch_time_ms[start..];
        if let Some(i) = times.partition_point(|&x| x <= at).checked_sub(1) {
            self.cols.touch_flags[start + i] |= flag;
        }
    }

    fn end(&mut self, milestone: Option<usize>, value: f64, at: i64) {
        let converted = milestone.is_some() as u8 as f64;
        self.cols
            .journey_offsets
            .push(self.cols.touch_key.len() as u32);
        self.cols.conversions.push(converted);
        self.cols.nulls.push(1.0 - converted);
        self.cols.value.push(value);
        self.cols.conversion_time_ms.push(at);
        self.conversion_of.push(milestone);
    }

    fn finish(mut self, kind: Kind) -> JourneySet {
        // Key ids in first-seen order depend on conversion order, which is fixed; but give
        // the model keys in sorted order so its scores line up the same way in every run.
        let mut order: Vec<u32> = (0..self.key_names.len() as u32).collect();
        order.sort_by(|&a, &b| self.key_names[a as usize].cmp(&self.key_names[b as usize]));
        let mut remap = vec![0u32; self.key_names.len()];
        for (new, &old) in order.iter().enumerate() {
            remap[old as usize] = new as u32;
        }
        for k in &mut self.cols.touch_key {
            *k = remap[*k as usize];
        }
        self.cols.keys = order
            .iter()
            .map(|&o| std::mem::take(&mut self.key_names[o as usize]))
            .collect();
        JourneySet {
            kind,
            cols: self.cols,
            conversion_of: self.conversion_of,
            touch_index: self.touch_index,
            key: self.key.name(),
        }
    }
}

/// Builds the journey of every milestone of `kind` in `window` (docs/attribution.md,
/// "Journeys"): the touches of its person or account in the lookback, in time order, with
/// milestone flags; then the journeys of accounts touched in the window that reached no
/// such milestone in it. Touches are read from one flat column per subject (count, then
/// place; docs/performance.md, "journeys").
pub fn build(c: &Campaign, ds: &Dataset, kind: Kind, window: Window, key: &Key) -> JourneySet {
    Index::new(ds).build(c, kind, window, key, true)
}

/// What every build of journeys over one dataset looks up: each account's touches, each
/// person's (made once, on the first person milestone's build), and when each account and
/// person first became a lead. A run builds journeys for up to five milestones: one index
/// spares four passes over every touch.
pub struct Index<'a> {
    ds: &'a Dataset,
    by_account: ByAccount,
    by_person: std::cell::OnceCell<ByPerson>,
    account_lead: FastMap<Sym, i64>,
    person_lead: FastMap<PersonId, i64>,
}

impl<'a> Index<'a> {
    pub fn new(ds: &'a Dataset) -> Index<'a> {
        // Lead creation, for the lead-creation flag: an account's first lead (of any
        // person), and each person's own.
        let mut account_lead: FastMap<Sym, i64> = FastMap::default();
        let mut person_lead: FastMap<PersonId, i64> = FastMap::default();
        for e in &ds.person_events {
            if let (Stage::Lead, Subject::Person(p)) = (e.stage, e.subject) {
                if e.account != 0 {
                    account_lead.entry(e.account).or_insert(e.time_ms);
                }
                person_lead.entry(p).or_insert(e.time_ms);
            }
        }
        Index {
            ds,
            by_account: ByAccount::new(ds),
            by_person: std::cell::OnceCell::new(),
            account_lead,
            person_lead,
        }
    }

    /// The touches of every person a lead, MQL or SQL event names.
    fn people(&self) -> &ByPerson {
        self.by_person.get_or_init(|| {
            ByPerson::new(
                self.ds,
                self.ds
                    .person_events
                    .iter()
                    .filter_map(|e| match e.subject {
                        Subject::Person(p)
                            if matches!(e.stage, Stage::Lead | Stage::Mql | Stage::Sql) =>
                        {
                            Some(p)
                        }
                        _ => None,
                    }),
            )
        })
    }

    /// [`build`], with the non-converting journeys only when `nulls`: for a model that
    /// does not read `nulls` they carry nothing (that is what the input declares), and at
    /// 1M touches they are most of the touches, so a stage table's lead, MQL and SQL
    /// journeys for such a model skip them.
    pub fn build(
        &self,
        c: &Campaign,
        kind: Kind,
        window: Window,
        key: &Key,
        nulls: bool,
    ) -> JourneySet {
        build_from(self, c, kind, window, key, nulls)
    }
}

fn build_from(
    ix: &Index,
    c: &Campaign,
    kind: Kind,
    window: Window,
    key: &Key,
    nulls: bool,
) -> JourneySet {
    let ds = ix.ds;
    let lookback = c.lookback_days * 86_400_000;
    let by_account = &ix.by_account;
    let found = milestones(ds, kind, window);
    let (account_lead, person_lead) = (&ix.account_lead, &ix.person_lead);
    let mut b = Builder::new(c, ds, key);
    let mut reached: std::collections::HashSet<Sym, foldhash::fast::RandomState> =
        Default::default();
    for m in &found {
        reached.insert(m.account);
        let list = match m.person {
            Some(p) => ix.people().of(p),
            None => by_account.of(m.account),
        };
        let from = m.from_ms.saturating_sub(lookback);
        let lo = list.partition_point(|&i| ds.touches[i as usize].time_ms < from);
        let hi = list.partition_point(|&i| ds.touches[i as usize].time_ms <= m.at_ms);
        let start = b.touches(&list[lo..hi]);
        let lead = match m.person {
            Some(p) => person_lead.get(&p),
            None => account_lead.get(&m.account),
        };
        if let Some(&lead) = lead {
            b.flag_last_at(start, lead, flags::LEAD_CREATION);
        }
        if kind.has_money() {
            b.flag_last_at(start, m.from_ms, flags::OPPORTUNITY_CREATION);
        }
        if let Some(closed) = m.closed_ms {
            b.flag_last_at(start, closed, flags::CLOSED_WON);
        }
        b.end(Some(m.index), m.value, m.at_ms);
    }

    if !nulls {
        return b.finish(kind);
    }
    // Non-converting journeys, in account order for determinism.
    let mut accounts: Vec<(&str, Sym)> = by_account
        .accounts()
        .filter(|a| !reached.contains(a))
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
        b.touches(&list[lo..hi]);
        b.end(None, 0.0, we.saturating_sub(1));
    }
    b.finish(kind)
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
