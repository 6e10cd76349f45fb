//! insights: what the attribution means. Every figure here is an exact sum of credits;
//! shares and rates are the only floats. Rules are documented in docs/insights.md.

mod actions;
pub mod intervals;
pub mod stages;
pub mod trends;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use rust_decimal::Decimal;

use crate::data::{FastMap, Subject, Sym, Touch, partners_of};
use crate::money::split_units;
use crate::pipeline::attribute::{Attribution, Dimension, Window};
use crate::pipeline::campaign::{Campaign, Stage};
use crate::pipeline::normalize::Dataset;
use crate::report::schema::*;

pub struct Inputs<'a> {
    pub c: &'a Campaign,
    pub ds: &'a Dataset,
    pub pipeline: &'a Attribution,
    pub revenue: &'a Attribution,
    pub window: Window,
    pub dimensions: &'a [Dimension],
    /// The bounds of pipeline and revenue credit (`intervals::bounds`), when drawn.
    pub intervals: Option<&'a [intervals::Bounds; 2]>,
}

/// Calls `add(key, units, credit)` for each credit's share of a value of a dimension: the
/// touch's symbol, or for the partner, each partner of the touch with an even (and exact)
/// split of the credit between the partners a touch both reported. Every share of a credit
/// sums to its units, so groupings by this agree to the unit whatever else they key on.
#[inline]
pub(crate) fn each_share(
    inp: &Inputs,
    a: &Attribution,
    dim: Dimension,
    mut add: impl FnMut(Sym, i128, &crate::pipeline::attribute::Credit),
) {
    for cr in &a.credits {
        let t = &inp.ds.touches[cr.touch as usize];
        if dim == Dimension::Partner {
            if t.partners.count_ones() == 1 {
                add(t.partners.trailing_zeros(), cr.units as i128, cr);
            } else {
                let ps: Vec<usize> = partners_of(t.partners).collect();
                for (p, units) in ps
                    .iter()
                    .zip(split_units(cr.units as i128, &vec![1.0; ps.len()]))
                {
                    add(*p as Sym, units, cr);
                }
            }
        } else {
            add(dim.sym(t), cr.units as i128, cr);
        }
    }
}

/// The name a key of [`each_share`] is shown by, cleaned: three addresses are one
/// `<e-mail>` row, as in compare, not three rows of the same name.
pub(crate) fn share_name(inp: &Inputs, dim: Dimension, key: Sym) -> String {
    let name = if dim == Dimension::Partner {
        inp.c.partners[key as usize].name.clone()
    } else {
        dim.sym_value(key, inp.ds)
    };
    crate::text::clean(&name).into_owned()
}

/// Units credited per value of a dimension, split evenly (and exactly) between the
/// partners of a touch both reported, when the dimension is the partner.
pub(crate) fn credit_by(
    inp: &Inputs,
    a: &Attribution,
    dim: Dimension,
) -> BTreeMap<String, (i128, BTreeSet<u32>)> {
    // Sum per symbol (or per partner) first and name each group once at the end: a string
    // and an ordered-map lookup per credit were most of this stage at 1M touches.
    let mut groups: FastMap<Sym, (i128, Vec<u32>)> = FastMap::default();
    // A conversion counts for a value only where the value got some of its money: under
    // first- or last-touch, the other touches of a journey are in it with zero credit.
    each_share(inp, a, dim, |key, units, cr| {
        let e = groups.entry(key).or_default();
        e.0 += units;
        if units > 0 {
            e.1.push(cr.conversion);
        }
    });
    let mut out: BTreeMap<String, (i128, BTreeSet<u32>)> = BTreeMap::new();
    for (key, (units, mut conversions)) in groups {
        // Grouped as they will be shown.
        let name = share_name(inp, dim, key);
        conversions.sort_unstable();
        conversions.dedup();
        let e = out.entry(name).or_default();
        e.0 += units;
        e.1.extend(conversions);
    }
    out
}

fn share(part: i128, total: i128) -> f64 {
    if total == 0 {
        0.0
    } else {
        part as f64 / total as f64
    }
}

pub fn dimension_credit(inp: &Inputs, dim: Dimension) -> DimensionCredit {
    let cur = inp.c.currency;
    let p = credit_by(inp, inp.pipeline, dim);
    let r = credit_by(inp, inp.revenue, dim);
    let pt: i128 = p.values().map(|v| v.0).sum();
    let rt: i128 = r.values().map(|v| v.0).sum();
    let values: BTreeSet<&String> = p.keys().chain(r.keys()).collect();
    let mut rows: Vec<CreditRow> = values
        .into_iter()
        .map(|v| {
            let (pu, popps) = p.get(v).cloned().unwrap_or_default();
            let (ru, ropps) = r.get(v).cloned().unwrap_or_default();
            let bound = |i: usize| {
                inp.intervals
                    .map(|b| b[i].get(dim, v).unwrap_or((0, 0)))
                    .map(|(lo, hi)| (cur.units(lo).decimal(), cur.units(hi).decimal()))
            };
            let (pb, rb) = (bound(0), bound(1));
            CreditRow {
                value: v.clone(),
                pipeline: cur.units(pu).decimal(),
                pipeline_share: share(pu, pt),
                revenue: cur.units(ru).decimal(),
                revenue_share: share(ru, rt),
                opportunities: popps.len() as u64,
                won: ropps.len() as u64,
                pipeline_lo: pb.map(|b| b.0),
                pipeline_hi: pb.map(|b| b.1),
                revenue_lo: rb.map(|b| b.0),
                revenue_hi: rb.map(|b| b.1),
            }
        })
        .collect();
    rows.sort_by(|a, b| {
        b.pipeline
            .cmp(&a.pipeline)
            .then(b.revenue.cmp(&a.revenue))
            .then(a.value.cmp(&b.value))
    });
    DimensionCredit {
        dimension: dim.name().to_string(),
        rows,
    }
}

fn spend_in_reporting(c: &Campaign, amount: Decimal, currency: &str) -> Decimal {
    crate::pipeline::normalize::reconcile::to_reporting(c, amount, currency, c.end)
        .unwrap_or(amount)
}

pub fn top_rows(inp: &Inputs, dim: Dimension, n: usize) -> Vec<TopRow> {
    let dc = dimension_credit(inp, dim);
    dc.rows
        .into_iter()
        .filter(|r| r.value != "(none)")
        .take(n)
        .map(|r| {
            let spend: Decimal = inp
                .c
                .spend
                .iter()
                .filter(|s| match dim {
                    Dimension::Asset => s.asset.as_deref() == Some(r.value.as_str()),
                    Dimension::Channel => {
                        s.channel.as_deref() == Some(r.value.as_str()) && s.asset.is_none()
                    }
                    _ => false,
                })
                .map(|s| spend_in_reporting(inp.c, s.amount, &s.currency))
                .sum();
            let spend = (spend > Decimal::ZERO).then_some(spend);
            let per = spend.map(|s| {
                let p: f64 = r.pipeline.try_into().unwrap_or(0.0);
                let s: f64 = s.try_into().unwrap_or(1.0);
                p / s
            });
            TopRow {
                value: r.value,
                pipeline: r.pipeline,
                revenue: r.revenue,
                opportunities: r.opportunities,
                spend,
                pipeline_per_spend: per,
                pipeline_lo: r.pipeline_lo,
                pipeline_hi: r.pipeline_hi,
                revenue_lo: r.revenue_lo,
                revenue_hi: r.revenue_hi,
            }
        })
        .collect()
}

/// Funnel in accounts: an account counts at every stage up to the furthest it reached by
/// --as-of (reaching SQL means it passed lead and MQL). Accounts are those touched in the
/// window; by partner, the ones that partner touched; by channel, by the channel of the
/// account's first touch in the window.
pub fn funnels(inp: &Inputs) -> Vec<Funnel> {
    let (ws, we) = (inp.window.start_ms(), inp.window.end_ms());
    let as_of = we;
    let mut reached: HashMap<Sym, usize> = HashMap::new();
    let bump = |m: &mut HashMap<Sym, usize>, a: Sym, level: usize| {
        let e = m.entry(a).or_insert(0);
        *e = (*e).max(level);
    };
    for e in &inp.ds.person_events {
        if e.account == 0 || e.time_ms >= as_of || !matches!(e.subject, Subject::Person(_)) {
            continue;
        }
        let level = match e.stage {
            Stage::Lead => 1,
            Stage::Mql => 2,
            Stage::Sql => 3,
            Stage::Opportunity => 4,
            Stage::ClosedWon => 5,
            Stage::ClosedLost => 4,
        };
        bump(&mut reached, e.account, level);
    }
    for cv in &inp.ds.conversions {
        if cv.created_ms < as_of {
            bump(&mut reached, cv.account, 4);
        }
        if cv.stage == Stage::ClosedWon && cv.closed_ms.is_some_and(|t| t < as_of) {
            bump(&mut reached, cv.account, 5);
        }
    }
    let mut by_partner: BTreeMap<String, HashSet<Sym>> = BTreeMap::new();
    let mut first_channel: HashMap<Sym, &Touch> = HashMap::new();
    for t in &inp.ds.touches {
        if t.account == 0 || t.time_ms < ws || t.time_ms >= we {
            continue;
        }
        for p in partners_of(t.partners) {
            by_partner
                .entry(inp.c.partners[p].name.clone())
                .or_default()
                .insert(t.account);
        }
        first_channel.entry(t.account).or_insert(t);
    }
    let mut by_channel: BTreeMap<String, HashSet<Sym>> = BTreeMap::new();
    for (a, t) in &first_channel {
        by_channel
            .entry(Dimension::Channel.value(t, inp.ds, inp.c))
            .or_default()
            .insert(*a);
    }
    let mut out = vec![];
    let all: HashSet<Sym> = first_channel.keys().copied().collect();
    let mut groups: Vec<(&str, String, HashSet<Sym>)> = vec![("all", "all partners".into(), all)];
    groups.extend(by_partner.into_iter().map(|(k, v)| ("partner", k, v)));
    groups.extend(by_channel.into_iter().map(|(k, v)| ("channel", k, v)));
    for (kind, group, accounts) in groups {
        let mut counts = [0u64; 5];
        for a in &accounts {
            let lvl = reached.get(a).copied().unwrap_or(0);
            for (i, c) in counts.iter_mut().enumerate() {
                if lvl > i {
                    *c += 1;
                }
            }
        }
        let rates: [Option<f64>; 4] = std::array::from_fn(|i| {
            (counts[i] > 0).then(|| counts[i + 1] as f64 / counts[i] as f64)
        });
        let biggest_drop = (0..4)
            .filter_map(|i| rates[i].map(|r| (i, r)))
            .min_by(|a, b| a.1.partial_cmp(&b.1).unwrap().then(a.0.cmp(&b.0)))
            .map(|(i, _)| format!("{} → {}", FUNNEL_STAGES[i], FUNNEL_STAGES[i + 1]));
        out.push(Funnel {
            group_by: kind.to_string(),
            group,
            counts,
            rates,
            biggest_drop,
        });
    }
    out
}

/// Partner-sourced vs partner-influenced pipeline (docs/insights.md).
pub fn sourcing(inp: &Inputs) -> Sourcing {
    let c = inp.c;
    let cur = c.currency;
    let within = c.guardrails.sourced_within_days * 86_400_000;
    let n = c.partners.len();
    let mut sourced = vec![(0i128, 0u64); n];
    let mut influenced = vec![(0i128, 0u64); n];
    let (mut any_sourced, mut any_influenced, mut neither) = (0i128, 0i128, 0i128);
    let journeys = &inp.pipeline.journeys;
    let mut with_days = vec![];
    let mut without_days = vec![];
    let as_of = inp.window.end_ms();
    // Touches of each account, for the cycle after creation.
    let mut by_account: HashMap<Sym, Vec<&Touch>> = HashMap::new();
    for t in &inp.ds.touches {
        by_account.entry(t.account).or_default().push(t);
    }
    for (j, conv) in journeys.conversion_of.iter().enumerate() {
        let Some(ci) = *conv else { continue };
        let cv = &inp.ds.conversions[ci];
        let units = cur.amount(cv.amount).units();
        let r = journeys.cols.range(j);
        let touch_ids: Vec<usize> = journeys.touch_index[r]
            .iter()
            .map(|&t| t as usize)
            .collect();
        let cycle_end = cv.closed_ms.unwrap_or(as_of).min(as_of);
        let cycle_touches: Vec<&Touch> = by_account
            .get(&cv.account)
            .map(|v| {
                v.iter()
                    .copied()
                    .filter(|t| {
                        t.time_ms >= cv.created_ms - c.lookback_days * 86_400_000
                            && t.time_ms <= cycle_end
                    })
                    .collect()
            })
            .unwrap_or_default();
        // The first touch of the N days before creation decides who sourced it.
        let first = touch_ids
            .iter()
            .map(|&i| &inp.ds.touches[i])
            .find(|t| cv.created_ms - t.time_ms <= within);
        let lead_source = inp.ds.symbols.name(cv.lead_source).to_lowercase();
        let mut src_set = 0u16;
        for p in 0..n {
            let by_first = first.is_some_and(|t| t.partners & (1 << p) != 0);
            let by_lead_source =
                !lead_source.is_empty() && lead_source.contains(&c.partners[p].name.to_lowercase());
            if by_first || by_lead_source {
                src_set |= 1 << p;
            }
        }
        // A partner does not source or influence its own deal: what counts is the
        // co-marketing partner, one other than those whose CRM holds the opportunity.
        let src_set = src_set & !cv.partners;
        let touched_set: u16 =
            cycle_touches.iter().fold(0, |acc, t| acc | t.partners) & !cv.partners;
        for p in 0..n {
            if src_set & (1 << p) != 0 {
                sourced[p].0 += units;
                sourced[p].1 += 1;
            } else if touched_set & (1 << p) != 0 {
                influenced[p].0 += units;
                influenced[p].1 += 1;
            }
        }
        if src_set != 0 {
            any_sourced += units;
        } else if touched_set != 0 {
            any_influenced += units;
        } else {
            neither += units;
        }
        if cv.stage == Stage::ClosedWon
            && let Some(closed) = cv.closed_ms
            && closed < as_of
        {
            // "With a partner touch": touched in the cycle by a partner other than the one(s)
            // whose CRM holds the opportunity — the co-marketing partner.
            let days = (closed - cv.created_ms) as f64 / 86_400_000.0;
            if touched_set & !cv.partners != 0 {
                with_days.push(days);
            } else {
                without_days.push(days);
            }
        }
    }
    let mean = |v: &Vec<f64>| (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64);
    Sourcing {
        rule: format!(
            "Partner-sourced: the first touch in the {} days before the opportunity was created was a co-marketing partner's (one other than the partner whose CRM holds the opportunity), or its lead source names that partner. Partner-influenced: not partner-sourced, but a co-marketing partner touched the account between the start of the lookback and the close (or --as-of). A deal both partners hold (co-sold) has no co-marketing partner and counts as neither.",
            c.guardrails.sourced_within_days
        ),
        sourced: cur.units(any_sourced).decimal(),
        influenced: cur.units(any_influenced).decimal(),
        neither: cur.units(neither).decimal(),
        by_partner: (0..n)
            .map(|p| PartnerSourcing {
                partner: c.partners[p].name.clone(),
                sourced: cur.units(sourced[p].0).decimal(),
                sourced_opportunities: sourced[p].1,
                influenced: cur.units(influenced[p].0).decimal(),
                influenced_opportunities: influenced[p].1,
            })
            .collect(),
        days_to_close_with_partner: mean(&with_days),
        days_to_close_without_partner: mean(&without_days),
    }
}

/// Contribution against targets: per partner, and per partner and channel when the
/// channel dimension is requested or the campaign sets channel targets.
pub fn contribution(inp: &Inputs) -> Vec<ContributionRow> {
    let c = inp.c;
    let cur = c.currency;
    let by_partner_p = credit_by(inp, inp.pipeline, Dimension::Partner);
    let by_partner_r = credit_by(inp, inp.revenue, Dimension::Partner);
    let pct = |v: Decimal, t: Option<Decimal>| -> Option<f64> {
        t.filter(|t| !t.is_zero()).map(|t| {
            let x: f64 = (v / t).try_into().unwrap_or(0.0);
            (x * 1000.0).round() / 10.0
        })
    };
    let with_channels = inp.dimensions.contains(&Dimension::Channel)
        || c.targets.values().any(|t| !t.channels.is_empty());
    // partner → channel → units, splitting co-reported touches evenly between partners.
    // Summed by (partner, channel symbol), named once per group at the end.
    let mut pc: BTreeMap<(String, String), (i128, i128)> = BTreeMap::new();
    if with_channels {
        let mut by_sym: FastMap<(usize, Sym), (i128, i128)> = FastMap::default();
        for (a, is_rev) in [(inp.pipeline, false), (inp.revenue, true)] {
            for cr in &a.credits {
                let t = &inp.ds.touches[cr.touch as usize];
                let mut add = |p: usize, u: i128| {
                    let e = by_sym.entry((p, t.channel)).or_default();
                    if is_rev {
                        e.1 += u;
                    } else {
                        e.0 += u;
                    }
                };
                if t.partners.count_ones() == 1 {
                    add(t.partners.trailing_zeros() as usize, cr.units as i128);
                } else {
                    let ps: Vec<usize> = partners_of(t.partners).collect();
                    for (p, u) in ps
                        .iter()
                        .zip(split_units(cr.units as i128, &vec![1.0; ps.len()]))
                    {
                        add(*p, u);
                    }
                }
            }
        }
        for ((p, ch), (pu, ru)) in by_sym {
            let e = pc
                .entry((
                    c.partners[p].name.clone(),
                    Dimension::Channel.sym_value(ch, inp.ds),
                ))
                .or_default();
            e.0 += pu;
            e.1 += ru;
        }
    }
    // The bounds of a partner's credit (by its shown name, as `credit` rows), or of a
    // partner × channel (by the names here); (0, 0) for a figure the draw never met.
    let money = |b: (i128, i128)| (cur.units(b.0).decimal(), cur.units(b.1).decimal());
    let bounds = |i: usize, partner: &str, channel: Option<&str>| {
        inp.intervals.map(|b| {
            money(match channel {
                None => b[i]
                    .get(Dimension::Partner, &crate::text::clean(partner))
                    .unwrap_or((0, 0)),
                Some(ch) => b[i].pair(partner, ch).unwrap_or((0, 0)),
            })
        })
    };
    let mut rows = vec![];
    for p in &c.partners {
        let t = c.targets.get(&p.name);
        let pipeline = cur
            .units(by_partner_p.get(&p.name).map(|x| x.0).unwrap_or(0))
            .decimal();
        let revenue = cur
            .units(by_partner_r.get(&p.name).map(|x| x.0).unwrap_or(0))
            .decimal();
        let (pt, rt) = (t.and_then(|t| t.pipeline), t.and_then(|t| t.revenue));
        let (pb, rb) = (bounds(0, &p.name, None), bounds(1, &p.name, None));
        rows.push(ContributionRow {
            partner: p.name.clone(),
            channel: None,
            pipeline,
            revenue,
            pipeline_target: pt,
            revenue_target: rt,
            pipeline_pct: pct(pipeline, pt),
            revenue_pct: pct(revenue, rt),
            pipeline_lo: pb.map(|b| b.0),
            pipeline_hi: pb.map(|b| b.1),
            revenue_lo: rb.map(|b| b.0),
            revenue_hi: rb.map(|b| b.1),
        });
        if with_channels {
            let mut chans: BTreeSet<String> = pc
                .keys()
                .filter(|(pp, _)| pp == &p.name)
                .map(|(_, ch)| ch.clone())
                .collect();
            if let Some(t) = t {
                chans.extend(t.channels.keys().cloned());
            }
            for ch in chans {
                let (pu, ru) = pc
                    .get(&(p.name.clone(), ch.clone()))
                    .copied()
                    .unwrap_or_default();
                let (ptg, rtg) = t
                    .and_then(|t| t.channels.get(&ch))
                    .copied()
                    .unwrap_or((None, None));
                let (pv, rv) = (cur.units(pu).decimal(), cur.units(ru).decimal());
                let pb = bounds(0, &p.name, Some(&ch));
                let rb = bounds(1, &p.name, Some(&ch));
                rows.push(ContributionRow {
                    partner: p.name.clone(),
                    channel: Some(ch),
                    pipeline: pv,
                    revenue: rv,
                    pipeline_target: ptg,
                    revenue_target: rtg,
                    pipeline_pct: pct(pv, ptg),
                    revenue_pct: pct(rv, rtg),
                    pipeline_lo: pb.map(|b| b.0),
                    pipeline_hi: pb.map(|b| b.1),
                    revenue_lo: rb.map(|b| b.0),
                    revenue_hi: rb.map(|b| b.1),
                });
            }
        }
    }
    rows
}

pub struct Found {
    pub credit: Vec<DimensionCredit>,
    pub top_assets: Vec<TopRow>,
    pub top_segments: Vec<TopRow>,
    pub funnel: Vec<Funnel>,
    pub sourcing: Sourcing,
    pub contribution: Vec<ContributionRow>,
    pub insights: Vec<String>,
    pub actions: Vec<Action>,
    pub trends: Trends,
}

/// Every insight, trends by ISO week.
pub fn compute(inp: &Inputs) -> Found {
    compute_with(inp, trends::Granularity::Week)
}

/// Every insight, trends by `granularity`.
pub fn compute_with(inp: &Inputs, granularity: trends::Granularity) -> Found {
    let credit: Vec<DimensionCredit> = inp
        .dimensions
        .iter()
        .map(|d| dimension_credit(inp, *d))
        .collect();
    let top_assets = top_rows(inp, Dimension::Asset, 10);
    let top_segments = top_rows(inp, Dimension::Segment, 10);
    let funnel = funnels(inp);
    let sourcing = sourcing(inp);
    let contribution = contribution(inp);
    let (insights, actions) = actions::derive(
        inp,
        &credit,
        &top_assets,
        &top_segments,
        &funnel,
        &sourcing,
        &contribution,
    );
    let trends = trends::trends(inp, granularity);
    Found {
        trends,
        credit,
        top_assets,
        top_segments,
        funnel,
        sourcing,
        contribution,
        insights,
        actions,
    }
}
