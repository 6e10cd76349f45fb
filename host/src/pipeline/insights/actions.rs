//! From figures to findings and actions. Each action names its subject, the numbers behind
//! it, and who acts (the partner's owner from the campaign file, the partner marketer).

use super::Inputs;
use crate::report::schema::*;

fn owner(inp: &Inputs, partner: &str) -> String {
    inp.c
        .partners
        .iter()
        .find(|p| p.name == partner)
        .map(|p| {
            let base = p
                .owner
                .clone()
                .unwrap_or_else(|| format!("{} partner marketer", p.name));
            match (&p.fallback_owner, p.owner_unavailable) {
                (Some(f), true) => format!("{f} (standing in for {base})"),
                _ => base,
            }
        })
        .unwrap_or_else(|| "Co-marketing Analytics Lead".into())
}

/// The partner that reported most of the credited touches of a dimension value.
fn main_partner(
    inp: &Inputs,
    dim: crate::pipeline::attribute::Dimension,
    value: &str,
) -> Option<String> {
    let mut units = vec![0i128; inp.c.partners.len()];
    for cr in &inp.pipeline.credits {
        let t = &inp.ds.touches[cr.touch as usize];
        if dim.value(t, inp.ds, inp.c) == value {
            for p in crate::data::partners_of(t.partners) {
                units[p] += cr.units as i128;
            }
        }
    }
    let (i, u) = units
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(&a.0)))?;
    (*u > 0).then(|| inp.c.partners[i].name.clone())
}

/// Who answers for an asset: the partner whose `[[spend]]` funds it (the largest spend when
/// several do), else the partner that reported most of its credited touches. Found on a
/// three-partner campaign, where the asset's action went to a partner that never paid for it.
fn asset_partner(inp: &Inputs, asset: &str) -> Option<String> {
    let mut funded: Vec<(rust_decimal::Decimal, &str)> = inp
        .c
        .spend
        .iter()
        .filter(|s| s.asset.as_deref() == Some(asset))
        .map(|s| {
            (
                super::spend_in_reporting(inp.c, s.amount, &s.currency),
                s.partner.as_str(),
            )
        })
        .collect();
    funded.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
    match funded.first() {
        Some((_, p)) => Some(p.to_string()),
        None => main_partner(inp, crate::pipeline::attribute::Dimension::Asset, asset),
    }
}

/// "both partners'" for two, "all 3 partners'" for more, "the partner's" for one.
fn every_partners(n: usize) -> String {
    match n {
        0 | 1 => "the partner's".into(),
        2 => "both partners'".into(),
        n => format!("all {n} partners'"),
    }
}

/// The findings and actions, in the order docs/insights.md gives: each block is one rule
/// (a partner's target gap, the top asset, the least efficient funded asset, the strongest
/// segment, each partner's worst funnel step, the whole funnel, sourcing, data quality).
/// Long because it is that list read top to bottom, each rule a few lines of text around
/// figures already computed; the ranking at the end needs them all in one place.
pub fn derive(
    inp: &Inputs,
    credit: &[DimensionCredit],
    top_assets: &[TopRow],
    top_segments: &[TopRow],
    funnel: &[Funnel],
    sourcing: &Sourcing,
    contribution: &[ContributionRow],
) -> (Vec<String>, Vec<Action>) {
    let cur = inp.c.currency.code();
    let mut insights: Vec<(u32, String)> = vec![];
    let mut actions: Vec<Action> = vec![];
    let total_pipeline = inp.pipeline.total.decimal();
    if let Some(claim) = super::intervals::partner_claim(credit, cur) {
        insights.push((12, claim));
    }

    // Partners against target: the largest shortfall first.
    let mut gaps: Vec<&ContributionRow> = contribution
        .iter()
        .filter(|r| r.channel.is_none() && r.pipeline_pct.is_some())
        .collect();
    gaps.sort_by(|a, b| {
        a.pipeline_pct
            .partial_cmp(&b.pipeline_pct)
            .unwrap()
            .then(a.partner.cmp(&b.partner))
    });
    if let Some(r) = gaps.first() {
        let pctv = r.pipeline_pct.unwrap();
        let target = r.pipeline_target.unwrap_or_default();
        if pctv < 100.0 {
            insights.push((
                10,
                format!(
                    "{} is at {pctv:.1}% of its pipeline target ({} of {}).",
                    r.partner,
                    money(r.pipeline, cur),
                    money(target, cur)
                ),
            ));
            actions.push(Action {
                priority: 0,
                subject_kind: "partner".into(),
                subject: r.partner.clone(),
                action: format!("Close the pipeline gap of {}: shift budget to the channels that convert best for this partner.", money(target - r.pipeline, cur)),
                evidence: format!("{} attributed pipeline against a target of {} ({pctv:.1}%).", money(r.pipeline, cur), money(target, cur)),
                owner: owner(inp, &r.partner),
            });
        } else {
            insights.push((
                30,
                format!(
                    "{} has reached {pctv:.1}% of its pipeline target ({}).",
                    r.partner,
                    money(r.pipeline, cur)
                ),
            ));
        }
    }

    if let Some(a) = top_assets.first() {
        let share = if total_pipeline.is_zero() {
            0.0
        } else {
            (a.pipeline / total_pipeline).try_into().unwrap_or(0.0)
        };
        insights.push((
            20,
            format!(
                "The top asset, {}, earned {} of pipeline credit ({}) across {} opportunities.",
                a.value,
                money(a.pipeline, cur),
                pct(share),
                a.opportunities
            ),
        ));
        let partner = asset_partner(inp, &a.value).unwrap_or_default();
        actions.push(Action {
            priority: 0,
            subject_kind: "asset".into(),
            subject: a.value.clone(),
            action: format!(
                "Scale it: repeat the format in the next wave and promote it across {} channels.",
                every_partners(inp.c.partners.len())
            ),
            evidence: format!(
                "{} pipeline and {} revenue credited ({} of all pipeline){}.",
                money(a.pipeline, cur),
                money(a.revenue, cur),
                pct(share),
                a.pipeline_per_spend
                    .map(|x| format!("; {x:.1}× its spend in pipeline"))
                    .unwrap_or_default()
            ),
            owner: owner(inp, &partner),
        });
    }

    // The least efficient asset with spend: rework or cut.
    let mut spent: Vec<&TopRow> = top_assets
        .iter()
        .filter(|a| a.pipeline_per_spend.is_some())
        .collect();
    spent.sort_by(|a, b| {
        a.pipeline_per_spend
            .partial_cmp(&b.pipeline_per_spend)
            .unwrap()
            .then(a.value.cmp(&b.value))
    });
    if spent.len() > 1
        && let Some(a) = spent.first()
    {
        let partner = asset_partner(inp, &a.value).unwrap_or_default();
        actions.push(Action {
            priority: 0,
            subject_kind: "asset".into(),
            subject: a.value.clone(),
            action: "Rework or cut: it returns the least pipeline per unit of spend of the funded assets.".into(),
            evidence: format!("{} pipeline on {} spend ({:.1}×).", money(a.pipeline, cur), money(a.spend.unwrap_or_default(), cur), a.pipeline_per_spend.unwrap()),
            owner: owner(inp, &partner),
        });
    }

    if let Some(s) = top_segments.first() {
        insights.push((
            40,
            format!(
                "{} is the strongest segment: {} of pipeline credit.",
                s.value,
                money(s.pipeline, cur)
            ),
        ));
    }

    // The worst funnel step per partner.
    for f in funnel.iter().filter(|f| f.group_by == "partner") {
        if let Some(drop) = &f.biggest_drop {
            let i = FUNNEL_STAGES
                .iter()
                .position(|s| drop.starts_with(s))
                .unwrap_or(0);
            let rate = f.rates[i].unwrap_or(0.0);
            actions.push(Action {
                priority: 0,
                subject_kind: "partner".into(),
                subject: f.group.clone(),
                action: format!(
                    "Fix the {drop} step: it loses the most accounts in this partner's funnel."
                ),
                evidence: format!(
                    "{} of {} accounts move on ({}).",
                    f.counts[i + 1],
                    f.counts[i],
                    pct(rate)
                ),
                owner: owner(inp, &f.group),
            });
        }
    }
    if let Some(all) = funnel.iter().find(|f| f.group_by == "all")
        && let Some(drop) = &all.biggest_drop
    {
        let i = FUNNEL_STAGES
            .iter()
            .position(|s| drop.starts_with(s))
            .unwrap_or(0);
        insights.push((
            25,
            format!(
                "The biggest funnel drop is {drop}: {} of {} accounts ({}).",
                all.counts[i + 1],
                all.counts[i],
                pct(all.rates[i].unwrap_or(0.0))
            ),
        ));
    }

    let total_src = sourcing.sourced + sourcing.influenced + sourcing.neither;
    if !total_src.is_zero() {
        let s: f64 = (sourcing.sourced / total_src).try_into().unwrap_or(0.0);
        let speed = match (
            sourcing.days_to_close_with_partner,
            sourcing.days_to_close_without_partner,
        ) {
            (Some(w), Some(wo)) => format!(
                " Won deals the co-marketing partner touched closed in {w:.0} days on average, against {wo:.0} without."
            ),
            _ => String::new(),
        };
        insights.push((
            15,
            format!(
                "{} of pipeline is partner-sourced and {} partner-influenced.{speed}",
                pct(s),
                money(sourcing.influenced, cur)
            ),
        ));
    }

    let rejected: u64 = inp.ds.ledgers.iter().map(|l| l.rejected).sum();
    let read: u64 = inp.ds.ledgers.iter().map(|l| l.rows_read).sum();
    if read > 0 && rejected as f64 / read as f64 > 0.01 {
        insights.push((
            5,
            format!(
                "{} of {} input rows were rejected: see rejects.csv before trusting the figures.",
                rejected, read
            ),
        ));
    }

    insights.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
    let insights = insights.into_iter().take(3).map(|(_, s)| s).collect();
    for (i, a) in actions.iter_mut().enumerate() {
        a.priority = i as u32 + 1;
    }
    (insights, actions)
}
