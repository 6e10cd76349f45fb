//! Path analytics of a run's journeys (`--detail full`): the most common converting and
//! non-converting paths, how long paths are, how long conversions take from the first
//! touch, and the journeys' Markov transition matrix (order 1, `models.md`), with states
//! named by the attribution key.

use std::collections::HashMap;

use super::journeys::JourneySet;
use super::transitions::{Labels, first_seen, transitions};
use crate::pipeline::normalize::Dataset;

/// One path and how often it was walked.
#[derive(Clone, Debug, PartialEq)]
pub struct PathCount {
    /// The keys in time order, consecutive repeats collapsed, joined by ` > `.
    pub path: String,
    pub journeys: u64,
}

/// Journeys of one length (touches, repeats counted).
#[derive(Clone, Debug, PartialEq)]
pub struct LengthCount {
    pub touches: usize,
    pub converting: u64,
    pub non_converting: u64,
}

/// Converting journeys whose first touch came `from_days..to_days` before the conversion
/// (`to_days` None: and more).
#[derive(Clone, Debug, PartialEq)]
pub struct DaysBucket {
    pub from_days: u32,
    pub to_days: Option<u32>,
    pub journeys: u64,
}

#[derive(Clone, Debug, PartialEq, Default)]
pub struct PathAnalytics {
    pub top_converting: Vec<PathCount>,
    pub top_non_converting: Vec<PathCount>,
    pub lengths: Vec<LengthCount>,
    pub days_to_conversion: Vec<DaysBucket>,
    /// (from, to, probability) of the order-1 chain.
    pub transitions: Vec<(String, String, f64)>,
}

/// Bucket edges in days: a week, two, a month, two months, a quarter, and more.
const DAY_EDGES: [u32; 6] = [0, 7, 14, 30, 60, 90];

pub fn analyse(ds: &Dataset, js: &JourneySet, top: usize) -> PathAnalytics {
    let cols = &js.cols;
    let mut converting: HashMap<Vec<u32>, u64> = HashMap::new();
    let mut non_converting: HashMap<Vec<u32>, u64> = HashMap::new();
    let mut lengths: HashMap<usize, (u64, u64)> = HashMap::new();
    let mut days = [0u64; DAY_EDGES.len()];
    for j in 0..cols.journeys() {
        let range = cols.range(j);
        let path = &cols.touch_key[range.clone()];
        if path.is_empty() {
            continue;
        }
        let len = lengths.entry(path.len()).or_default();
        // Paths are compared with consecutive repeats collapsed (a > a > b is a > b), as
        // the Markov chain sees them: an account's fifth e-mail in a row is not a new step.
        let mut steps: Vec<u32> = path.to_vec();
        steps.dedup();
        match js.conversion_of[j] {
            Some(cv) => {
                *converting.entry(steps).or_default() += 1;
                len.0 += 1;
                let first = ds.touches[js.touch_index[range.start] as usize].time_ms;
                let took = (ds.conversions[cv].created_ms - first).max(0) / 86_400_000;
                let bucket = DAY_EDGES
                    .iter()
                    .rposition(|&e| took >= e as i64)
                    .unwrap_or(0);
                days[bucket] += 1;
            }
            None => {
                *non_converting.entry(steps).or_default() += 1;
                len.1 += 1;
            }
        }
    }
    let name = |p: &[u32]| -> String {
        p.iter()
            .map(|&k| cols.keys[k as usize].as_str())
            .collect::<Vec<_>>()
            .join(" > ")
    };
    // Most journeys first; ties by the path's text, so the order never depends on hashing.
    let ranked = |m: HashMap<Vec<u32>, u64>| -> Vec<PathCount> {
        let mut v: Vec<PathCount> = m
            .into_iter()
            .map(|(p, n)| PathCount {
                path: name(&p),
                journeys: n,
            })
            .collect();
        v.sort_by(|a, b| {
            b.journeys
                .cmp(&a.journeys)
                .then_with(|| a.path.cmp(&b.path))
        });
        v.truncate(top);
        v
    };
    let mut lengths: Vec<LengthCount> = lengths
        .into_iter()
        .map(|(touches, (c, n))| LengthCount {
            touches,
            converting: c,
            non_converting: n,
        })
        .collect();
    lengths.sort_by_key(|l| l.touches);
    let m = transitions(cols, &first_seen(cols), 1, Labels::Names);
    PathAnalytics {
        top_converting: ranked(converting),
        top_non_converting: ranked(non_converting),
        lengths,
        days_to_conversion: DAY_EDGES
            .iter()
            .enumerate()
            .map(|(i, &from)| DaysBucket {
                from_days: from,
                to_days: DAY_EDGES.get(i + 1).copied(),
                journeys: days[i],
            })
            .collect(),
        transitions: m
            .from
            .into_iter()
            .zip(m.to)
            .zip(m.probability)
            .map(|((f, t), p)| (f, t, p))
            .collect(),
    }
}
