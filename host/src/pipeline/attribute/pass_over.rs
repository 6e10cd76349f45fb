//! Journey filters: the campaign's exclude filters scoped to a model (`model =
//! "last-touch"`) or that keep a journey's touches when nothing else is left of it
//! (`unless_alone`). Last touch's default, last non-direct, is one
//! (`rules::Filter::last_non_direct`): a model special case once, a filter now, so any
//! model can be given the same kind of rule and the report and the plan show it.
//!
//! Applied to a model's journeys after they are built, before the model is called: the
//! dataset keeps every touch, for the other models of a comparison and the other stages.

use super::journeys::JourneySet;
use crate::data::{FastMap, PartnerSet, Sym};
use crate::pipeline::campaign::Campaign;
use crate::pipeline::campaign::rules::Filter;
use crate::pipeline::normalize::Dataset;
use crate::pipeline::normalize::taxonomy::fields;
use crate::runtime::model::flags;

/// What one journey filter did to one model's journeys.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PassedOver {
    /// Index into `Campaign::filters`.
    pub filter: usize,
    /// Touches left out of the journeys.
    pub touches: u64,
    /// Journeys whose touches all matched, kept whole (`unless_alone`).
    pub kept_whole: u64,
}

/// The campaign's journey filters that apply to the model named `model`.
pub fn applying(c: &Campaign, model: &str) -> Vec<usize> {
    c.filters
        .iter()
        .enumerate()
        .filter(|(_, f)| !f.is_dataset_wide() && f.model.as_deref().is_none_or(|m| m == model))
        .map(|(i, _)| i)
        .collect()
}

/// Leaves out of `js` the touches the filters `which` (indices into `Campaign::filters`)
/// match. A touch counts for the first filter that matched it. A journey keeps its
/// touches when every one matched and a matching filter is `unless_alone`. Milestone flags
/// of a touch left out move to the kept touch before it (the last touch at or before the
/// milestone is still the one flagged); the first kept touch is the first touch.
pub fn apply(c: &Campaign, ds: &Dataset, js: &mut JourneySet, which: &[usize]) -> Vec<PassedOver> {
    let mut out: Vec<PassedOver> = which
        .iter()
        .map(|&filter| PassedOver {
            filter,
            ..Default::default()
        })
        .collect();
    if which.is_empty() {
        return out;
    }
    let filters: Vec<&Filter> = which.iter().map(|&i| &c.filters[i]).collect();
    // Which filter (position in `which`) matches a touch depends only on the fields filters
    // read: decided once per combination of them, as the dataset's filters are.
    let mut memo: FastMap<(Sym, Sym, Sym, PartnerSet), Option<usize>> = FastMap::default();
    let mut verdict = |ti: u32| -> Option<usize> {
        let t = &ds.touches[ti as usize];
        *memo
            .entry((t.channel, t.asset, t.touch_type, t.partners))
            .or_insert_with(|| {
                filters
                    .iter()
                    .position(|f| f.matches(&|field| fields(c, &ds.symbols, t, field)))
            })
    };
    let cols = &mut js.cols;
    let n = cols.touches();
    let mut keep = vec![true; n];
    let mut matched: Vec<Option<usize>> = vec![None; n];
    for j in 0..cols.journeys() {
        let r = cols.range(j);
        for k in r.clone() {
            matched[k] = verdict(js.touch_index[k]);
        }
        let all = r.clone().all(|k| matched[k].is_some());
        if all && !r.is_empty() && r.clone().any(|k| filters[matched[k].unwrap()].unless_alone) {
            out[matched[r.start].unwrap()].kept_whole += 1;
            continue;
        }
        for k in r {
            if let Some(f) = matched[k] {
                keep[k] = false;
                out[f].touches += 1;
            }
        }
    }
    if keep.iter().all(|&k| k) {
        return out;
    }
    // Compact every touch column in place, journey by journey.
    let mut w = 0;
    let mut offsets = Vec::with_capacity(cols.journey_offsets.len());
    offsets.push(0u32);
    for j in 0..cols.journeys() {
        let r = cols.range(j);
        let start = w;
        for k in r {
            let f = cols.touch_flags[k] & !flags::FIRST_TOUCH;
            if !keep[k] {
                // A milestone on a touch left out belongs to the kept touch before it; with
                // none before it, no touch is at or before the milestone any more.
                if w > start {
                    cols.touch_flags[w - 1] |= f;
                }
                continue;
            }
            cols.touch_key[w] = cols.touch_key[k];
            cols.touch_time_ms[w] = cols.touch_time_ms[k];
            cols.touch_flags[w] = f;
            cols.touch_partner[w] = cols.touch_partner[k];
            js.touch_index[w] = js.touch_index[k];
            w += 1;
        }
        if w > start {
            cols.touch_flags[start] |= flags::FIRST_TOUCH;
        }
        offsets.push(w as u32);
    }
    cols.touch_key.truncate(w);
    cols.touch_time_ms.truncate(w);
    cols.touch_flags.truncate(w);
    cols.touch_partner.truncate(w);
    js.touch_index.truncate(w);
    cols.journey_offsets = offsets;
    out
}
