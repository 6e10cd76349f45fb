//! The Markov chain's transition matrix of a set of journeys (a path table's, or a run's),
//! as ChannelAttribution reports it (`markov_model(..., out_more=True)["transition_matrix"]`):
//! states named by channel numbers in order of first appearance (`1`, `2`; `1 2` for a state
//! of order 2) or by the channels' names (`email`, `email > event`), plus `(start)`,
//! `(conversion)` and `(null)`, each row normalized.
//!
//! The chain is the one of `models.md` (Markov, steps 1–2): windows of `order` channels,
//! consecutive identical states collapsed; start → first state and each step weighted by
//! the path's conversions + nulls, the last state → conversion by its conversions and →
//! null by its nulls. The model plugin solves this chain; the matrix is computed here from
//! the same table so that it can be shown whatever model produced the credit.

use std::collections::HashMap;

use crate::runtime::model::JourneyColumns;

/// One matrix, as three columns.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Transitions {
    pub from: Vec<String>,
    pub to: Vec<String>,
    pub probability: Vec<f64>,
}

const START: &str = "(start)";
const CONVERSION: &str = "(conversion)";
const NULL: &str = "(null)";

/// How states are named.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Labels {
    /// ChannelAttribution's: channel numbers by first appearance, joined by a space.
    Numbers,
    /// The keys' names, joined by ` > `.
    Names,
}

/// The key ids of `cols` in order of first appearance.
pub fn first_seen(cols: &JourneyColumns) -> Vec<u32> {
    let mut seen = vec![false; cols.keys.len()];
    let mut out = vec![];
    for &k in &cols.touch_key {
        if !std::mem::replace(&mut seen[k as usize], true) {
            out.push(k);
        }
    }
    out
}

/// The transition matrix of the order-`order` chain (order ≥ 1) of `cols`, whose keys
/// first appear in the order `first_seen`. Rows are grouped by their from-state, `(start)`
/// first and the others in order of first appearance; within a group, in order of first
/// appearance of the transition.
pub fn transitions(
    cols: &JourneyColumns,
    first_seen: &[u32],
    order: usize,
    labels: Labels,
) -> Transitions {
    let order = order.max(1);
    // Channel numbers as ChannelAttribution gives them: 1, 2, … by first appearance.
    let mut number = vec![0usize; cols.keys.len()];
    for (i, &k) in first_seen.iter().enumerate() {
        number[k as usize] = i + 1;
    }
    let label = |k: u32| match labels {
        Labels::Numbers => number[k as usize].to_string(),
        Labels::Names => cols.keys[k as usize].clone(),
    };
    let joiner = match labels {
        Labels::Numbers => " ",
        Labels::Names => " > ",
    };
    let mut names: Vec<String> = vec![START.into(), CONVERSION.into(), NULL.into()];
    let mut ids: HashMap<Vec<u32>, usize> = HashMap::new();
    // (from, to) → (weight, first seen); from-state → first seen as a from-state.
    let mut edges: HashMap<(usize, usize), (f64, usize)> = HashMap::new();
    let mut from_seen: HashMap<usize, usize> = HashMap::new();
    let mut add = |from: usize, to: usize, w: f64| {
        let n = edges.len();
        edges.entry((from, to)).or_insert((0.0, n)).0 += w;
        let m = from_seen.len();
        from_seen.entry(from).or_insert(m);
    };
    let mut states: Vec<usize> = vec![];
    for j in 0..cols.journeys() {
        let (c, u) = (cols.conversions[j], cols.nulls[j]);
        if c + u <= 0.0 {
            continue;
        }
        let path = &cols.touch_key[cols.range(j)];
        // A conversion with no touch in its lookback walks no chain.
        if path.is_empty() {
            continue;
        }
        states.clear();
        let windows: Box<dyn Iterator<Item = &[u32]>> = if path.len() < order {
            Box::new(std::iter::once(path))
        } else {
            Box::new(path.windows(order))
        };
        for w in windows {
            let id = match ids.get(w) {
                Some(&id) => id,
                None => {
                    let id = names.len();
                    let parts: Vec<String> = w.iter().map(|&k| label(k)).collect();
                    names.push(parts.join(joiner));
                    ids.insert(w.to_vec(), id);
                    id
                }
            };
            if states.last() != Some(&id) {
                states.push(id);
            }
        }
        let mut prev = 0;
        for &s in &states {
            add(prev, s, c + u);
            prev = s;
        }
        if c > 0.0 {
            add(prev, 1, c);
        }
        if u > 0.0 {
            add(prev, 2, u);
        }
    }
    let mut rows: Vec<((usize, usize), (f64, usize))> = edges.into_iter().collect();
    rows.sort_by_key(|&((from, _), (_, seen))| (from_seen[&from], seen));
    let mut totals: HashMap<usize, f64> = HashMap::new();
    for &((from, _), (w, _)) in &rows {
        *totals.entry(from).or_default() += w;
    }
    let mut out = Transitions::default();
    for ((from, to), (w, _)) in rows {
        out.from.push(names[from].clone());
        out.to.push(names[to].clone());
        out.probability.push(w / totals[&from]);
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::commands::paths::{ReadOptions, read_from};

    fn matrix(text: &str, order: usize) -> Vec<(String, String, f64)> {
        let t = read_from(
            text.as_bytes(),
            std::path::Path::new("t.csv"),
            &ReadOptions::default(),
        )
        .unwrap();
        let m = crate::commands::paths::transitions(&t, order);
        let mut rows: Vec<_> = (0..m.from.len())
            .map(|i| (m.from[i].clone(), m.to[i].clone(), m.probability[i]))
            .collect();
        rows.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
        rows
    }

    #[test]
    fn the_matrix_chain_attribution_prints_for_a_small_table() {
        // ChannelAttribution 2.2.5's transition_matrix for this table (order 1), printed
        // with its probabilities: (start)→1 7/11, →2 2/11, →3 2/11; 1→2 4/7, 1→(null) 3/7;
        // 2→3 4/6, 2→(conversion) 2/6; 3→(conversion) 2/6, 3→(null) 4/6. By hand: the
        // weights c + n are a>b>c 2, a>a>b 2 (a>b once collapsed), c 2, b>c 2, a 3.
        let text = "path,total_conversions,total_null\n\
                    a > b > c,1,1\na > a > b,2,0\nc,0,2\nb > c,1,1\na,0,3\n";
        let s = |x: &str| x.to_string();
        let want = vec![
            (s("(start)"), s("1"), 7.0 / 11.0),
            (s("(start)"), s("2"), 2.0 / 11.0),
            (s("(start)"), s("3"), 2.0 / 11.0),
            (s("1"), s("(null)"), 3.0 / 7.0),
            (s("1"), s("2"), 4.0 / 7.0),
            (s("2"), s("(conversion)"), 2.0 / 6.0),
            (s("2"), s("3"), 4.0 / 6.0),
            (s("3"), s("(conversion)"), 2.0 / 6.0),
            (s("3"), s("(null)"), 4.0 / 6.0),
        ];
        let got = matrix(text, 1);
        assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(&want) {
            assert_eq!((&g.0, &g.1), (&w.0, &w.1));
            assert!((g.2 - w.2).abs() < 1e-15, "{g:?} {w:?}");
        }
        // Order 2 (ChannelAttribution: `1 1` → `1 2` 1.0; `1 2` → `2 3` and →
        // (conversion) 0.5 each; (start) → five states 2/11 or 3/11).
        let got = matrix(text, 2);
        let p = |f: &str, t: &str| got.iter().find(|r| r.0 == f && r.1 == t).map(|r| r.2);
        assert_eq!(p("1 1", "1 2"), Some(1.0));
        assert_eq!(p("1 2", "2 3"), Some(0.5));
        assert_eq!(p("1 2", "(conversion)"), Some(0.5));
        assert_eq!(p("(start)", "1"), Some(3.0 / 11.0));
        assert_eq!(got.len(), 12);
    }
}
