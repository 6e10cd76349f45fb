//! Merging what two partners both report (docs/data-model.md, "Dedupe").
//!
//! Touches: the same person and the same asset (or, without an asset, the same campaign),
//! reported by different partners within `touch_window_minutes`, are one touch. The
//! earliest report is kept and records every partner; the others are merged duplicates.
//!
//! Conversions: with `opportunity_key = "id"`, equal ids from different partners are one
//! conversion; with `domain_close_amount`, the same account domain, close dates (created
//! dates while open) within `close_within_days`, and amounts in the reporting currency
//! within `amount_tolerance` (relative to the larger). The first partner's record (in
//! campaign order) is kept with its amount; the partner set and ids are combined.

use rust_decimal::Decimal;

use crate::data::{Conversion, Origin, Touch};
use crate::pipeline::campaign::{Campaign, OpportunityKey};

/// Returns the origins of the merged (dropped) touches; `touches` keeps the survivors in
/// time order.
pub fn touches(c: &Campaign, touches: &mut Vec<Touch>) -> Vec<Origin> {
    let window = c.dedupe.touch_window_minutes * 60_000;
    // Group key: person, then asset or campaign; within a group, time order.
    let key = |t: &Touch| {
        (
            t.person,
            if t.asset != 0 {
                (0u8, t.asset)
            } else {
                (1u8, t.campaign)
            },
        )
    };
    touches.sort_by(|a, b| {
        key(a)
            .cmp(&key(b))
            .then(a.time_ms.cmp(&b.time_ms))
            .then(a.origin.cmp(&b.origin))
    });
    let mut merged = vec![];
    let mut keep = vec![true; touches.len()];
    let mut i = 0;
    while i < touches.len() {
        let mut j = i + 1;
        while j < touches.len() && key(&touches[j]) == key(&touches[i]) {
            j += 1;
        }
        // Within group [i, j): each touch joins the earliest kept touch of another partner
        // within the window, unless that touch already has this partner.
        // The group is in time order, so the touches within the window of `b` start at
        // `lo`, which only moves forward: the search stays within the window instead of
        // going back to the group's start (quadratic for a person with many touches of
        // one asset, as a large export has).
        if touches[i].person != 0 && !(touches[i].asset == 0 && touches[i].campaign == 0) {
            let mut lo = i;
            for b in i + 1..j {
                let tb = touches[b].clone();
                while lo < b && tb.time_ms - touches[lo].time_ms > window {
                    lo += 1;
                }
                if let Some(a) =
                    (lo..b).find(|&a| keep[a] && touches[a].partners & tb.partners == 0)
                {
                    touches[a].partners |= tb.partners;
                    keep[b] = false;
                    merged.push(tb.origin);
                }
            }
        }
        i = j;
    }
    let mut k = 0;
    touches.retain(|_| {
        k += 1;
        keep[k - 1]
    });
    touches.sort_by(|a, b| a.time_ms.cmp(&b.time_ms).then(a.origin.cmp(&b.origin)));
    merged
}

fn within(a: Decimal, b: Decimal, rel: Decimal) -> bool {
    let big = a.max(b);
    (a - b).abs() <= big * rel
}

/// Returns the origins of merged conversions; `convs` keeps the survivors.
pub fn conversions(c: &Campaign, convs: &mut Vec<Conversion>) -> Vec<Origin> {
    convs.sort_by_key(|c| c.origin);
    let day = 86_400_000i64;
    let mut keep = vec![true; convs.len()];
    let mut merged = vec![];
    // Candidates share the match key's exact part (the id, or the account), so only those
    // are compared: linear in the number of conversions, not quadratic.
    let mut by_key: std::collections::HashMap<String, Vec<usize>> =
        std::collections::HashMap::new();
    for b in 0..convs.len() {
        let cb = convs[b].clone();
        let exact = match c.dedupe.opportunity_key {
            OpportunityKey::Id => cb.id.clone(),
            OpportunityKey::DomainCloseAmount => cb.account.to_string(),
        };
        let candidates = by_key.entry(exact).or_default();
        let matched = candidates.iter().copied().find(|&a| {
            let ca = &convs[a];
            if !keep[a] || ca.partners & cb.partners != 0 {
                return false;
            }
            match c.dedupe.opportunity_key {
                OpportunityKey::Id => true,
                OpportunityKey::DomainCloseAmount => {
                    let da = ca.closed_ms.unwrap_or(ca.created_ms);
                    let db = cb.closed_ms.unwrap_or(cb.created_ms);
                    ca.account != 0
                        && (da - db).abs() <= c.dedupe.close_within_days * day
                        && within(ca.amount, cb.amount, c.dedupe.amount_tolerance)
                }
            }
        });
        if matched.is_none() {
            candidates.push(b);
        }
        if let Some(a) = matched {
            let ca = &mut convs[a];
            ca.partners |= cb.partners;
            ca.ids.extend(cb.ids.iter().cloned());
            for (s, t) in ca.stage_ms.iter_mut().zip(cb.stage_ms) {
                *s = match (*s, t) {
                    (Some(x), Some(y)) => Some(x.min(y)),
                    (x, y) => x.or(y),
                };
            }
            keep[b] = false;
            merged.push(cb.origin);
        }
    }
    let mut k = 0;
    convs.retain(|_| {
        k += 1;
        keep[k - 1]
    });
    merged
}
