//! The campaign's shared taxonomy applied once, after every partner is normalized and
//! merged: each touch's channel from the first `[[channels]]` rule it matches (or the
//! built-in GA4 defaults), `unassigned` when none does; its asset from the first
//! `[[assets]]` rule, kept as spelled when none does (and that spelling counted, so users
//! see which to add). Rules are in `pipeline/campaign/rules.rs`.
//!
//! Touches repeat a few thousand combinations of the fields rules read, so each distinct
//! combination is judged once (a memo keyed by the fields the rules use at all).

use std::collections::HashMap;

use super::Dataset;
use crate::data::{Sym, partners_of};
use crate::pipeline::campaign::Campaign;
use crate::pipeline::campaign::rules::{Field, Filter, FilterField, Rule, Target, UNASSIGNED};

/// What the taxonomy did, for the report and the plan.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TaxonomyOutcome {
    /// The channel rules were the built-in defaults.
    pub default_channels: bool,
    /// Touches each channel rule gave its channel, in rule order.
    pub channel_rule_touches: Vec<u64>,
    /// Touches no channel rule matched.
    pub unassigned_touches: u64,
    /// Touches each asset rule renamed, in rule order.
    pub asset_rule_touches: Vec<u64>,
    /// Asset spellings no asset rule matched, with their touches, most touches first (only
    /// when the campaign has asset rules).
    pub unmatched_assets: Vec<(String, u64)>,
    /// Each channel's group, from the first rule that gave the channel one.
    pub channel_groups: Vec<(String, String)>,
}

/// The fields of a touch the rules read; fields no rule reads are left 0 so that more
/// touches share a key.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct Key {
    source: Sym,
    medium: Sym,
    campaign: Sym,
    channel: Sym,
    asset: Sym,
    partners: crate::data::PartnerSet,
}

/// The rule indices a key matched, and how many touches had it.
#[derive(Clone, Copy)]
struct Judged {
    channel: Option<usize>,
    asset: Option<usize>,
    touches: u64,
}

pub fn apply(c: &Campaign, ds: &mut Dataset) -> TaxonomyOutcome {
    let tx = &c.taxonomy;
    let mut used = [false; 6];
    for r in tx.channels.iter().chain(&tx.assets) {
        for (f, _) in &r.when {
            used[Field::ALL.iter().position(|g| g == f).expect("a field")] = true;
        }
    }
    // Unmatched spellings are counted by the key's asset.
    used[5] |= !tx.assets.is_empty();
    let sym_of = |ds: &mut Dataset, rules: &[Rule]| -> Vec<Option<Sym>> {
        rules
            .iter()
            .map(|r| match &r.set {
                Target::Name(n) => Some(ds.symbols.intern(n)),
                Target::Raw => None,
            })
            .collect()
    };
    let channel_syms = sym_of(ds, &tx.channels);
    let empty = ds.symbols.intern("");
    let group_syms: Vec<Sym> = tx
        .channels
        .iter()
        .map(|r| r.group.as_deref().map_or(empty, |g| ds.symbols.intern(g)))
        .collect();
    let asset_syms = sym_of(ds, &tx.assets);
    let unassigned = ds.symbols.intern(UNASSIGNED);
    let Dataset {
        symbols, touches, ..
    } = ds;
    let mut memo: HashMap<Key, Judged, foldhash::fast::RandomState> = HashMap::default();
    for t in touches.iter_mut() {
        let pick = |on: bool, v: Sym| if on { v } else { 0 };
        let key = Key {
            source: pick(used[0], t.source),
            medium: pick(used[1], t.medium),
            campaign: pick(used[2], t.campaign),
            partners: if used[3] { t.partners } else { 0 },
            channel: pick(used[4], t.channel),
            asset: pick(used[5], t.asset),
        };
        let judged = memo.entry(key).or_insert_with(|| {
            let get = |f: Field| -> Vec<&str> {
                match f {
                    Field::Source => vec![symbols.name(t.source)],
                    Field::Medium => vec![symbols.name(t.medium)],
                    Field::Campaign => vec![symbols.name(t.campaign)],
                    Field::Partner => partners_of(t.partners)
                        .map(|p| c.partners[p].name.as_str())
                        .collect(),
                    Field::RawChannel => vec![symbols.name(t.channel)],
                    Field::RawAsset => vec![symbols.name(t.asset)],
                }
            };
            Judged {
                channel: tx.channels.iter().position(|r| r.matches(&get)),
                asset: tx.assets.iter().position(|r| r.matches(&get)),
                touches: 0,
            }
        });
        judged.touches += 1;
        t.channel = match judged.channel {
            Some(i) => channel_syms[i].unwrap_or(t.channel),
            None => unassigned,
        };
        t.channel_group = judged.channel.map_or(empty, |i| group_syms[i]);
        if let Some(i) = judged.asset {
            t.asset = asset_syms[i].unwrap_or(t.asset);
        }
    }
    let mut out = TaxonomyOutcome {
        default_channels: tx.default_channels,
        channel_rule_touches: vec![0; tx.channels.len()],
        asset_rule_touches: vec![0; tx.assets.len()],
        ..Default::default()
    };
    let mut unmatched: HashMap<Sym, u64> = HashMap::new();
    for (k, j) in &memo {
        match j.channel {
            Some(i) => out.channel_rule_touches[i] += j.touches,
            None => out.unassigned_touches += j.touches,
        }
        match j.asset {
            Some(i) => out.asset_rule_touches[i] += j.touches,
            // The key's asset is the raw spelling when asset rules read it; rules that
            // never read the asset match all spellings or none.
            // A touch without an asset has no spelling to map.
            None if !tx.assets.is_empty() && !symbols.name(k.asset).is_empty() => {
                *unmatched.entry(k.asset).or_default() += j.touches
            }
            None => {}
        }
    }
    let mut unmatched: Vec<(String, u64)> = unmatched
        .into_iter()
        .map(|(s, n)| (symbols.name(s).to_string(), n))
        .collect();
    unmatched.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    out.unmatched_assets = unmatched;
    for (r, &n) in tx.channels.iter().zip(&out.channel_rule_touches) {
        if let (Some(g), Target::Name(ch), true) = (&r.group, &r.set, n > 0)
            && !out.channel_groups.iter().any(|(c, _)| c == ch)
        {
            out.channel_groups.push((ch.clone(), g.clone()));
        }
    }
    out.channel_groups.sort();
    out
}

/// The report's account of the taxonomy.
pub fn report(c: &Campaign, o: &TaxonomyOutcome) -> crate::report::schema::TaxonomyUse {
    use crate::report::schema::{ChannelGroup, RuleUse, Spelling, TaxonomyUse};
    let uses = |rules: &[Rule], touches: &[u64], what: &str| -> Vec<RuleUse> {
        rules
            .iter()
            .zip(touches)
            .map(|(r, &n)| RuleUse {
                line: (r.line > 0).then_some(r.line as u64),
                rule: r.describe(what),
                touches: n,
            })
            .collect()
    };
    TaxonomyUse {
        channel_rules: if o.default_channels {
            "default"
        } else {
            "campaign"
        }
        .into(),
        channels: uses(&c.taxonomy.channels, &o.channel_rule_touches, "channel"),
        unassigned_touches: o.unassigned_touches,
        assets: uses(&c.taxonomy.assets, &o.asset_rule_touches, "asset"),
        unmatched_assets: o
            .unmatched_assets
            .iter()
            .take(50)
            .map(|(a, n)| Spelling {
                asset: a.clone(),
                touches: *n,
            })
            .collect(),
        channel_groups: o
            .channel_groups
            .iter()
            .map(|(c, g)| ChannelGroup {
                channel: c.clone(),
                group: g.clone(),
            })
            .collect(),
    }
}

/// What the touch filters did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FilterOutcome {
    /// Each filter in force (the campaign's, then the flags'), described, with the touches
    /// it left out: a touch is counted by the first exclude that matched it.
    pub filters: Vec<(String, u64)>,
    /// Touches that no `include` filter matched, when there are include filters.
    pub not_included: u64,
    /// Touches left out in all.
    pub removed: u64,
    /// The filters given by flags (they are not in the campaign file's bytes, so the run id
    /// takes them from here).
    pub from_flags: Vec<String>,
}

/// Leaves out of the dataset the touches the campaign's `[filters]` and `flags` exclude
/// (or, with include filters, do not include). Matched on the touch after the taxonomy.
pub fn filter(c: &Campaign, ds: &mut Dataset, flags: &[Filter]) -> FilterOutcome {
    let mut out = FilterOutcome {
        filters: c
            .filters
            .iter()
            .chain(flags)
            .map(|f| (f.describe(), 0))
            .collect(),
        from_flags: flags.iter().map(Filter::describe).collect(),
        ..Default::default()
    };
    // Journey filters (a model's, or `unless_alone`) are the attribution's to apply, per
    // model (pipeline/attribute/pass_over.rs); they are listed here, in order, all the same.
    let (positions, all): (Vec<usize>, Vec<&Filter>) = c
        .filters
        .iter()
        .chain(flags)
        .enumerate()
        .filter(|(_, f)| f.is_dataset_wide())
        .unzip();
    if all.is_empty() {
        return out;
    }
    let any_include = all.iter().any(|f| !f.exclude);
    #[derive(Clone, Copy, PartialEq, Eq, Hash)]
    struct Key(Sym, Sym, Sym, crate::data::PartnerSet);
    // Which filter left a key out (its index), `usize::MAX` for "not included", or None.
    let mut memo: HashMap<Key, Option<usize>, foldhash::fast::RandomState> = HashMap::default();
    let Dataset {
        symbols, touches, ..
    } = ds;
    let mut counts = vec![0u64; all.len()];
    touches.retain(|t| {
        let key = Key(t.channel, t.asset, t.touch_type, t.partners);
        let verdict = *memo.entry(key).or_insert_with(|| {
            let get = |f: FilterField| fields(c, symbols, t, f);
            if let Some(i) = all.iter().position(|f| f.exclude && f.matches(&get)) {
                Some(i)
            } else if any_include && !all.iter().any(|f| !f.exclude && f.matches(&get)) {
                Some(usize::MAX)
            } else {
                None
            }
        });
        match verdict {
            Some(usize::MAX) => {
                out.not_included += 1;
                false
            }
            Some(i) => {
                counts[i] += 1;
                false
            }
            None => true,
        }
    });
    for (i, n) in positions.into_iter().zip(counts) {
        out.filters[i].1 = n;
    }
    out.removed = out.not_included + out.filters.iter().map(|f| f.1).sum::<u64>();
    out
}

/// The values of `field` a filter matches on a touch: one, or each partner that reported it.
pub fn fields<'a>(
    c: &'a Campaign,
    symbols: &'a crate::data::Symbols,
    t: &crate::data::Touch,
    field: FilterField,
) -> Vec<&'a str> {
    match field {
        FilterField::Channel => vec![symbols.name(t.channel)],
        FilterField::Asset => vec![symbols.name(t.asset)],
        FilterField::TouchType => vec![symbols.name(t.touch_type)],
        FilterField::Partner => partners_of(t.partners)
            .map(|p| c.partners[p].name.as_str())
            .collect(),
    }
}

/// The report's account of the filters.
/// `passed_over`: what the journey filters did to the run model's pipeline journeys.
pub fn report_filters(
    c: &Campaign,
    o: &FilterOutcome,
    passed_over: &[crate::pipeline::attribute::pass_over::PassedOver],
) -> crate::report::schema::FiltersUse {
    use crate::report::schema::{FilterUse, FiltersUse};
    FiltersUse {
        filters: o
            .filters
            .iter()
            .enumerate()
            .map(|(i, (f, n))| {
                let journeys = c.filters.get(i).is_some_and(|f| !f.is_dataset_wide());
                let p = passed_over.iter().find(|p| p.filter == i);
                FilterUse {
                    filter: f.clone(),
                    scope: if journeys { "journeys" } else { "dataset" }.into(),
                    touches: if journeys {
                        p.map(|p| p.touches).unwrap_or(0)
                    } else {
                        *n
                    },
                    journeys_kept_whole: journeys.then(|| p.map(|p| p.kept_whole).unwrap_or(0)),
                }
            })
            .collect(),
        not_included: o.not_included,
        touches_removed: o.removed,
    }
}
