//! `ascribe:model@0.4.0`'s mergeable calls through the runtime, as a cluster would make
//! them: a path table split by journey into 1, 2, 7 and 64 partitions (shuffled, each with
//! its own key dictionary), `statistics` per partition, `merge` in several tree shapes,
//! `solve` once and `weights` per partition give the whole table's statistics to the byte
//! (in `stats::bytes`, the encoding a cluster moves them in) and `attribute`'s weights bit
//! for bit, for markov (every order) and shapley. And each
//! way a model can break the statistics' rules, refused with its exact message.

use ascribe::runtime::model::JourneyColumns;
use ascribe::runtime::stats::{Solution, Stats, bytes};
use ascribe::runtime::{Plugin, PluginInfo};

use crate::support::*;

/// splitmix64, for the table and the shuffles.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// A path table of `n` journeys over eight keys whose names sort differently from the
/// order they are first seen in: 1 to 6 touches, repeats included; conversions mostly
/// whole, some fractional (1.5); nulls; values with cents (a refund among them).
fn table(n: usize, rng: &mut Rng) -> JourneyColumns {
    let keys: Vec<String> = [
        "webinar",
        "Email",
        "paid_social",
        "événement",
        "direct",
        "a > b",
        "organic",
        "Partner:Quantia",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let mut j = JourneyColumns {
        keys,
        journey_offsets: vec![0],
        ..Default::default()
    };
    for i in 0..n {
        let len = 1 + rng.below(6);
        for _ in 0..len {
            // Lower keys more often, so paths repeat and some keys are rare.
            let k = rng.below(8).min(rng.below(8));
            j.touch_key.push(k as u32);
        }
        j.journey_offsets.push(j.touch_key.len() as u32);
        let conversions = match rng.below(10) {
            0..=5 => 0.0,
            6 | 7 => 1.0,
            8 => 2.0,
            _ => 1.5,
        };
        let nulls = rng.below(4) as f64 + if i % 11 == 0 { 0.5 } else { 0.0 };
        let value = if conversions > 0.0 {
            (rng.below(500_000) as f64 - 20_000.0) / 100.0
        } else {
            0.0
        };
        j.conversions.push(conversions);
        j.nulls.push(nulls);
        j.value.push(value);
    }
    j
}

/// The journeys `which`, in that order, with only the keys they use, numbered in the order
/// first used: a partition as a cluster task would build it.
fn select(j: &JourneyColumns, which: &[usize]) -> JourneyColumns {
    let mut out = JourneyColumns {
        journey_offsets: vec![0],
        ..Default::default()
    };
    let mut new_key = vec![u32::MAX; j.keys.len()];
    for &i in which {
        for &k in &j.touch_key[j.range(i)] {
            if new_key[k as usize] == u32::MAX {
                new_key[k as usize] = out.keys.len() as u32;
                out.keys.push(j.keys[k as usize].clone());
            }
            out.touch_key.push(new_key[k as usize]);
        }
        out.journey_offsets.push(out.touch_key.len() as u32);
        out.conversions.push(j.conversions[i]);
        out.nulls.push(j.nulls[i]);
        out.value.push(j.value[i]);
    }
    out
}

/// How partitions' statistics are merged.
#[derive(Clone, Copy, Debug)]
enum Tree {
    /// ((((p0 + p1) + p2) + p3) …), in partition order.
    Chain,
    /// Pairs, then pairs of pairs, from the last partition backwards.
    Balanced,
    /// Two random ones at a time.
    Random,
}

fn merge_all(p: &Plugin, mut pool: Vec<Stats>, tree: Tree, rng: &mut Rng) -> Stats {
    let m = |a: &Stats, b: &Stats| p.merge(a, b).unwrap_or_else(|e| panic!("{e}")).0;
    match tree {
        Tree::Chain => {
            let mut acc = pool.remove(0);
            for s in &pool {
                acc = m(&acc, s);
            }
            acc
        }
        Tree::Balanced => {
            while pool.len() > 1 {
                let mut next = Vec::new();
                while pool.len() >= 2 {
                    let b = pool.pop().unwrap();
                    let a = pool.pop().unwrap();
                    // b first: the other operand order from Chain's.
                    next.push(m(&b, &a));
                }
                next.append(&mut pool);
                pool = next;
            }
            pool.pop().unwrap()
        }
        Tree::Random => {
            while pool.len() > 1 {
                let a = pool.swap_remove(rng.below(pool.len()));
                let b = pool.swap_remove(rng.below(pool.len()));
                pool.push(m(&a, &b));
            }
            pool.pop().unwrap()
        }
    }
}

#[test]
fn any_partitioning_merges_to_the_whole_statistics_and_the_same_weights() {
    let (rt, _d) = runtime();
    let mut rng = Rng(2020);
    let whole = table(3_000, &mut rng);
    let cases: Vec<(&str, Vec<(String, String)>)> = vec![
        ("markov", vec![("order".into(), "1".into())]),
        ("markov", vec![("order".into(), "2".into())]),
        ("markov", vec![("order".into(), "3".into())]),
        ("markov", vec![("order".into(), "4".into())]),
        ("shapley", vec![]),
    ];
    for (model, params) in &cases {
        let p = load(&rt, &bundled(model));
        let PluginInfo::Model(info) = p.info() else {
            panic!("{model} is a model")
        };
        assert!(info.mergeable, "{model} offers statistics");
        let what = format!("{model} {params:?}");
        let mut w = whole.clone();
        let (want, _) = p.attribute(&mut w, params).unwrap();
        let (whole_stats, _) = p.statistics(&mut w, params).unwrap();
        let whole_bytes = bytes::encode_stats(&whole_stats);
        assert_eq!(w, whole, "the host's columns are lent back as they were");
        // The statistics name the keys sorted, whatever the dictionary's order.
        let mut sorted = whole.keys.clone();
        sorted.sort();
        assert_eq!(whole_stats.names, sorted, "{what}");
        for parts in [1usize, 2, 7, 64] {
            let mut order: Vec<usize> = (0..whole.journeys()).collect();
            for i in (1..order.len()).rev() {
                order.swap(i, rng.below(i + 1));
            }
            let mut members: Vec<Vec<usize>> = vec![Vec::new(); parts];
            for &i in &order {
                members[rng.below(parts)].push(i);
            }
            let mut partitions: Vec<JourneyColumns> =
                members.iter().map(|m| select(&whole, m)).collect();
            let stats: Vec<Stats> = partitions
                .iter_mut()
                .map(|part| p.statistics(part, params).unwrap().0)
                .collect();
            let mut solution: Option<Solution> = None;
            for tree in [Tree::Chain, Tree::Balanced, Tree::Random] {
                let merged = merge_all(&p, stats.clone(), tree, &mut rng);
                // The same statistics, to the byte: equal values, and equal bytes in the
                // encoding a cluster moves them in.
                assert_eq!(merged, whole_stats, "{what}: {parts} partitions, {tree:?}");
                assert_eq!(bytes::encode_stats(&merged), whole_bytes, "{what}");
                // As a driver would get it from an executor.
                let merged = bytes::decode_stats(&bytes::encode_stats(&merged)).unwrap();
                let (solved, _) = p.solve(&merged, params).unwrap();
                let solved = bytes::decode_solution(&bytes::encode_solution(&solved)).unwrap();
                if let Some(s) = &solution {
                    assert_eq!(&solved, s, "{what}: one solution whatever the tree");
                }
                solution = Some(solved);
            }
            let solution = solution.unwrap();
            for (m, part) in members.iter().zip(partitions.iter_mut()) {
                let (got, _) = p.weights_with(part, &solution, params).unwrap();
                assert_eq!(got.notes, want.notes, "{what}");
                assert_eq!(got.tables, want.tables, "{what}");
                for (pos, &i) in m.iter().enumerate() {
                    let (a, b) = (whole.range(i), part.range(pos));
                    for (t, (x, y)) in got.weights[b].iter().zip(&want.weights[a]).enumerate() {
                        assert_eq!(
                            x.to_bits(),
                            y.to_bits(),
                            "{what}: {parts} partitions, journey {i} touch {t}: {x} vs {y}"
                        );
                    }
                }
                // Scores follow the partition's own keys.
                for (name, values) in &got.scores {
                    let whole_values = &want.scores.iter().find(|s| &s.0 == name).unwrap().1;
                    for (k, v) in part.keys.iter().zip(values) {
                        let at = whole.keys.iter().position(|x| x == k).unwrap();
                        assert_eq!(v.to_bits(), whole_values[at].to_bits(), "{what}: {name}");
                    }
                }
            }
        }
    }
}

/// Two converting journeys: a (one touch), b (one touch).
fn two_keys() -> JourneyColumns {
    JourneyColumns {
        keys: vec!["a".into(), "b".into()],
        touch_key: vec![0, 1],
        journey_offsets: vec![0, 1, 2],
        conversions: vec![1.0, 1.0],
        nulls: vec![0.0, 1.0],
        value: vec![10.0, 20.0],
        ..Default::default()
    }
}

/// One converting journey of one touch, on key `k`.
fn one_key(k: &str) -> JourneyColumns {
    JourneyColumns {
        keys: vec![k.into()],
        touch_key: vec![0],
        journey_offsets: vec![0, 1],
        conversions: vec![1.0],
        nulls: vec![0.0],
        value: vec![10.0],
        ..Default::default()
    }
}

#[test]
fn statistics_that_break_the_rules_are_refused_by_name() {
    let (rt, _d) = runtime();
    let p = load(&rt, &hostile("hostile-model"));
    assert!(p.model_info().unwrap().mergeable);
    let label = p.label().to_string();
    let mode = |m: &str| vec![("mode".to_string(), m.to_string())];
    let breaks = |op: &str, why: &str| {
        format!(
            "plugin {label} failed in `{op}`: returned output that breaks the contract: {why}; report it to the plugin's author"
        )
    };
    let unsorted = r#"the names are not sorted and unique: name 0 is "b", name 1 is "a""#;
    let ragged = "table `touches`: column `count` has 1 rows where column `key` has 2";
    let negative = "table `touches`: column `count` row 1 is -1; a count is never negative";
    for (m, why) in [
        ("stats-unsorted", unsorted),
        ("stats-ragged", ragged),
        ("stats-negative", negative),
    ] {
        let err = p.statistics(&mut two_keys(), &mode(m)).unwrap_err();
        assert_eq!(err.to_string(), breaks("statistics", why), "{m}");
    }
    // merge has no parameters: the mode rides in the layout of sound statistics.
    let layout =
        r#"merged statistics of layout "hostile/merge-layout" into layout "hostile/other""#;
    for (m, why) in [
        ("merge-unsorted", unsorted),
        ("merge-ragged", ragged),
        ("merge-negative", negative),
        ("merge-layout", layout),
    ] {
        let (sa, _) = p.statistics(&mut one_key("a"), &mode(m)).unwrap();
        let (sb, _) = p.statistics(&mut one_key("b"), &mode(m)).unwrap();
        assert_eq!((sa.names.len(), sb.names.len()), (1, 1));
        let err = p.merge(&sa, &sb).unwrap_err();
        assert_eq!(err.to_string(), breaks("merge", why), "{m}");
    }
    let (s, _) = p.statistics(&mut two_keys(), &mode("solve-nan")).unwrap();
    let err = p.solve(&s, &mode("solve-nan")).unwrap_err();
    assert_eq!(
        err.to_string(),
        breaks(
            "solve",
            "table `effects`: column `x` row 1 is NaN; numbers must be finite"
        )
    );

    // Statistics of different layouts are never merged: the host refuses before the call.
    let markov = load(&rt, &bundled("markov"));
    let order = |k: &str| vec![("order".to_string(), k.to_string())];
    let (one, _) = markov.statistics(&mut two_keys(), &order("1")).unwrap();
    let (two, _) = markov.statistics(&mut two_keys(), &order("2")).unwrap();
    assert_eq!(
        markov.merge(&one, &two).unwrap_err().to_string(),
        format!(
            r#"plugin {} failed in `merge`: refused the call (wrong input): statistics of layout "markov/1 order=1" and "markov/1 order=2" cannot be merged"#,
            markov.label()
        )
    );
    // Solving order-1 statistics as order 2 is the model's to refuse.
    let err = markov.solve(&one, &order("2")).unwrap_err().to_string();
    assert!(
        err.ends_with(r#"refused the call (unsupported input): markov: the statistics are not those of order 2: their layout is "markov/1 order=1""#),
        "{err}"
    );

    // A model that does not offer the calls is never asked.
    let linear = load(&rt, &bundled("linear"));
    assert!(!linear.model_info().unwrap().mergeable);
    assert_eq!(
        linear
            .statistics(&mut two_keys(), &[])
            .unwrap_err()
            .to_string(),
        format!(
            "plugin {} failed in `statistics`: refused the call (not offered): this model does not offer `statistics` (its info does not say `mergeable`; contract ascribe:model@0.4.0): call `attribute`",
            linear.label()
        )
    );
    assert!(linear.merge(&one, &one).is_err() && linear.solve(&one, &[]).is_err());
}
