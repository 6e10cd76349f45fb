use std::collections::HashMap;

use ascribe_sdk::model::{Journeys, JourneysBuilder, Mergeable, ModelError, StatCells, run};

use super::*;
use ascribe_sdk::testing::*;

#[test]
fn hand_computed_order_1_with_a_cycle() {
    // Paths (c = conversions, n = nulls, v = value), weight w = c + n:
    //   1. a > b   c=1 n=1 v=100  w=2
    //   2. b       c=1 n=0 v=50   w=1
    //   3. a       c=0 n=2        w=2
    //   4. b > a   c=1 n=0 v=300  w=1
    // start → a: w1 + w3 = 4, start → b: w2 + w4 = 2          π_a = 2/3, π_b = 1/3
    // a: → b 2 (path 1), → conv 1 (path 4 ends at a), → null 2 (path 3); out 5
    //    P(a→b) = 2/5, P(a→conv) = 1/5, P(a→null) = 2/5
    // b: → a 1 (path 4), → conv 2 (paths 1, 2), → null 1 (path 1); out 4
    //    P(b→a) = 1/4, P(b→conv) = 1/2, P(b→null) = 1/4
    // Absorption: h_a = 1/5 + 2/5·h_b, h_b = 1/2 + 1/4·h_a
    //   h_a = 1/5 + 1/5 + 1/10·h_a -> h_a = 4/9; h_b = 1/2 + 1/9 = 11/18
    //   P = 2/3·4/9 + 1/3·11/18 = 16/54 + 11/54 = 1/2  (= 3 conversions / 6 journeys)
    // Remove a: h_b = 1/2 -> P = 1/3·1/2 = 1/6 -> RE(a) = 1 − (1/6)/(1/2) = 2/3
    // Remove b: h_a = 1/5 -> P = 2/3·1/5 = 2/15 -> RE(b) = 1 − 4/15 = 11/15
    // Value: μ_a = 300/1 (path 4), μ_b = (100 + 50)/2 = 75
    //   r'_a = 1/5·300 = 60, r'_b = 1/2·75 = 37.5
    //   g_a = 60 + 2/5·g_b, g_b = 37.5 + 1/4·g_a -> 0.9·g_a = 75 -> g_a = 250/3, g_b = 175/3
    //   V = 2/3·250/3 + 1/3·175/3 = 675/9 = 75  (= 450 of value / 6 journeys)
    // Remove a: V = 1/3·37.5 = 12.5 -> REV(a) = 1 − 12.5/75 = 5/6
    // Remove b: V = 2/3·60 = 40 -> REV(b) = 1 − 40/75 = 7/15
    // Weights ∝ RE: a > b -> 10/21, 11/21; b > a -> 11/21, 10/21; single touches 1.
    let j = JourneysBuilder::new()
        .path("a > b", 1.0, 1.0, 100.0)
        .path("b", 1.0, 0.0, 50.0)
        .path("a", 0.0, 2.0, 0.0)
        .path("b > a", 1.0, 0.0, 300.0)
        .build();
    j.check().unwrap();
    let out = run::<Markov>(&j, &[]).unwrap();
    close(by_key(&j, &out, "removal-effect", "a"), 2.0 / 3.0, 1e-15);
    close(by_key(&j, &out, "removal-effect", "b"), 11.0 / 15.0, 1e-15);
    close(
        by_key(&j, &out, "value-removal-effect", "a"),
        5.0 / 6.0,
        1e-15,
    );
    close(
        by_key(&j, &out, "value-removal-effect", "b"),
        7.0 / 15.0,
        1e-15,
    );
    let want = [10.0 / 21.0, 11.0 / 21.0, 1.0, 1.0, 11.0 / 21.0, 10.0 / 21.0];
    close_all(&out.weights, &want, 1e-15);
    let fx = removal_effects(&j, 1, DENSE_MAX).unwrap();
    close(fx.p_conv, 0.5, 1e-15);
    close(fx.value, 75.0, 1e-12);
    // Repeats collapse at order 1: a > a > b is a > b.
    let j2 = JourneysBuilder::new()
        .path("a > a > b", 1.0, 1.0, 100.0)
        .path("b > b", 1.0, 0.0, 50.0)
        .path("a > a > a", 0.0, 2.0, 0.0)
        .path("b > a > a", 1.0, 0.0, 300.0)
        .build();
    let out2 = run::<Markov>(&j2, &[]).unwrap();
    assert_eq!(out2.scores, out.scores);
}

#[test]
fn hand_computed_order_2() {
    // Order 2, states are pairs of consecutive keys; a path shorter than 2 is its own state.
    //   1. a > b > c  c=1 n=0 v=10  w=1  states (a,b) → (b,c)
    //   2. a > b      c=0 n=1       w=1  state  (a,b)
    //   3. c          c=1 n=1 v=20  w=2  state  (c)
    //   4. b > b > b > c  c=1 n=1 v=30  w=2  (b,b) → (b,b) → (b,c) collapses to (b,b) → (b,c)
    // start: (a,b) 2, (c) 2, (b,b) 2 of 6
    // (a,b): → (b,c) 1, → null 1 -> 1/2, 1/2
    // (b,b): → (b,c) 2 -> 1
    // (b,c): → conv 2 (paths 1, 4), → null 1 -> 2/3, 1/3
    // (c):   → conv 1, → null 1 -> 1/2, 1/2
    // h(b,c) = 2/3, h(a,b) = 1/3, h(b,b) = 2/3, h(c) = 1/2
    // P = (1/3 + 2/3 + 1/2)/3 = 1/2
    // Remove a (drops (a,b)): P = (2/3 + 1/2)/3 = 7/18 -> RE(a) = 1 − 7/9 = 2/9
    // Remove b (drops (a,b), (b,b), (b,c)): P = (1/2)/3 = 1/6 -> RE(b) = 2/3
    // Remove c (drops (b,c), (c)): P = 0 -> RE(c) = 1
    // Value: μ(b,c) = (10 + 30)/2 = 20, μ(c) = 20: the value rates are 20× the conversion
    // rates, so REV = RE: 2/9, 2/3, 1.
    // Weights of a > b > c: RE 2/9, 2/3, 1 -> sum 17/9 -> 2/17, 6/17, 9/17.
    let j = JourneysBuilder::new()
        .path("a > b > c", 1.0, 0.0, 10.0)
        .path("a > b", 0.0, 1.0, 0.0)
        .path("c", 1.0, 1.0, 20.0)
        .path("b > b > b > c", 1.0, 1.0, 30.0)
        .build();
    let out = run::<Markov>(&j, &[("order", "2")]).unwrap();
    for (k, re) in [("a", 2.0 / 9.0), ("b", 2.0 / 3.0), ("c", 1.0)] {
        close(by_key(&j, &out, "removal-effect", k), re, 1e-15);
        close(by_key(&j, &out, "value-removal-effect", k), re, 1e-15);
    }
    let want = [2.0 / 17.0, 6.0 / 17.0, 9.0 / 17.0];
    close_all(&out.weights[..3], &want, 1e-15);
    let fx = removal_effects(&j, 2, DENSE_MAX).unwrap();
    assert_eq!(fx.states, 4);
    close(fx.p_conv, 0.5, 1e-15);
    close(fx.value, 10.0, 1e-14);
}

#[test]
fn hand_computed_two_state_cycle() {
    //   1. a > b > a > b  c=1 n=1  w=2
    //   2. a              c=0 n=2  w=2
    //   3. b              c=1 n=0  w=1
    // start → a 4, → b 1: π_a = 4/5, π_b = 1/5
    // a: → b 4 (path 1 twice), → null 2 (path 2): P(a→b) = 2/3, P(a→null) = 1/3
    // b: → a 2, → conv 2 (paths 1, 3), → null 1: P(b→a) = 2/5, conv 2/5, null 1/5
    // A round trip b → a → b has probability 2/5·2/3 = 4/15; each visit to b converts with
    // probability 2/5, so as geometric series:
    //   h_b = Σ_j (4/15)^j · 2/5 = (2/5)/(11/15) = 6/11
    //   h_a = 2/3 · h_b = 4/11
    //   P = 4/5·4/11 + 1/5·6/11 = 22/55 = 2/5  (= 2 conversions / 5 journeys)
    // Remove a: h_b = 2/5 -> P = 1/5·2/5 = 2/25 -> RE(a) = 1 − (2/25)/(2/5) = 4/5
    // Remove b: P = 0 -> RE(b) = 1
    let j = JourneysBuilder::new()
        .path("a > b > a > b", 1.0, 1.0, 10.0)
        .path("a", 0.0, 2.0, 0.0)
        .path("b", 1.0, 0.0, 10.0)
        .build();
    for dense_max in [DENSE_MAX, 0] {
        let fx = removal_effects(&j, 1, dense_max).unwrap();
        close(fx.p_conv, 2.0 / 5.0, 1e-15);
        close(fx.removal[0], 4.0 / 5.0, 1e-14);
        close(fx.removal[1], 1.0, 1e-14);
    }
    let fx = removal_effects(&j, 1, 0).unwrap();
    // Only the full chain has the {a, b} cycle; each removal leaves a single state.
    assert_eq!(fx.stats.iterative_components, 1);
}

/// An independent computation of the chain for checks: states as key-name windows in a hash
/// map, probabilities straight from the rows.
struct Reference {
    start: HashMap<Vec<String>, f64>,
    next: HashMap<Vec<String>, HashMap<Vec<String>, f64>>,
    conv: HashMap<Vec<String>, f64>,
    value: HashMap<Vec<String>, f64>,
}

impl Reference {
    fn new(rows: &[Row], order: usize) -> Self {
        let mut start: HashMap<Vec<String>, f64> = HashMap::new();
        let mut trans: HashMap<Vec<String>, HashMap<Vec<String>, f64>> = HashMap::new();
        let mut out: HashMap<Vec<String>, f64> = HashMap::new();
        let mut conv: HashMap<Vec<String>, f64> = HashMap::new();
        let mut val: HashMap<Vec<String>, f64> = HashMap::new();
        let mut total = 0.0;
        for r in rows {
            let w = r.conversions + r.nulls;
            if r.touches.is_empty() || w == 0.0 {
                continue;
            }
            let keys: Vec<String> = r.touches.iter().map(|t| t.0.clone()).collect();
            let mut states: Vec<Vec<String>> = if keys.len() < order {
                vec![keys.clone()]
            } else {
                keys.windows(order).map(|w| w.to_vec()).collect()
            };
            states.dedup();
            total += w;
            *start.entry(states[0].clone()).or_default() += w;
            for p in states.windows(2) {
                *trans
                    .entry(p[0].clone())
                    .or_default()
                    .entry(p[1].clone())
                    .or_default() += w;
                *out.entry(p[0].clone()).or_default() += w;
            }
            let last = states.last().unwrap().clone();
            *out.entry(last.clone()).or_default() += w;
            *conv.entry(last.clone()).or_default() += r.conversions;
            if r.conversions > 0.0 {
                *val.entry(last).or_default() += r.value;
            }
        }
        for v in start.values_mut() {
            *v /= total;
        }
        for (s, m) in trans.iter_mut() {
            for v in m.values_mut() {
                *v /= out[s];
            }
        }
        let mut value = HashMap::new();
        for (s, c) in conv.iter_mut() {
            // P(s → conv) · Σv/Σc
            value.insert(s.clone(), if *c > 0.0 { val[s] / out[s] } else { 0.0 });
            *c /= out[s];
        }
        Reference {
            start,
            next: trans,
            conv,
            value,
        }
    }

    /// Sum over every walk from the start of its probability times what it absorbs, for an
    /// acyclic chain, skipping states that contain `removed`.
    fn walks(&self, removed: Option<&str>) -> (f64, f64) {
        fn walk(
            r: &Reference,
            s: &Vec<String>,
            p: f64,
            removed: Option<&str>,
            depth: usize,
        ) -> (f64, f64) {
            assert!(depth < 100, "the chain has a cycle");
            if removed.is_some_and(|x| s.iter().any(|k| k == x)) {
                return (0.0, 0.0);
            }
            let mut c = p * r.conv.get(s).copied().unwrap_or(0.0);
            let mut v = p * r.value.get(s).copied().unwrap_or(0.0);
            if let Some(m) = r.next.get(s) {
                for (t, q) in m {
                    let (c2, v2) = walk(r, t, p * q, removed, depth + 1);
                    c += c2;
                    v += v2;
                }
            }
            (c, v)
        }
        let (mut c, mut v) = (0.0, 0.0);
        for (s, p) in &self.start {
            let (c2, v2) = walk(self, s, *p, removed, 0);
            c += c2;
            v += v2;
        }
        (c, v)
    }

    /// For cyclic chains: push the distribution of walkers step by step until less than
    /// 1e-17 of it is still moving, collecting what is absorbed.
    fn propagate(&self, removed: Option<&str>) -> (f64, f64) {
        let alive = |s: &Vec<String>| !removed.is_some_and(|x| s.iter().any(|k| k == x));
        let mut d: HashMap<Vec<String>, f64> = self
            .start
            .iter()
            .filter(|(s, _)| alive(s))
            .map(|(s, p)| (s.clone(), *p))
            .collect();
        let (mut c, mut v) = (0.0, 0.0);
        for _ in 0..1_000_000 {
            let mass: f64 = d.values().sum();
            if mass < 1e-17 {
                break;
            }
            let mut nd: HashMap<Vec<String>, f64> = HashMap::new();
            for (s, p) in &d {
                c += p * self.conv.get(s).copied().unwrap_or(0.0);
                v += p * self.value.get(s).copied().unwrap_or(0.0);
                if let Some(m) = self.next.get(s) {
                    for (t, q) in m {
                        if alive(t) {
                            *nd.entry(t.clone()).or_default() += p * q;
                        }
                    }
                }
            }
            d = nd;
        }
        (c, v)
    }

    /// Removal effects per key name with the given absorption function.
    fn effects(&self, keys: usize, absorb: impl Fn(Option<&str>) -> (f64, f64)) -> Vec<(f64, f64)> {
        let (p, v) = absorb(None);
        (0..keys)
            .map(|k| {
                let (pk, vk) = absorb(Some(&key_name(k)));
                (
                    if p > 0.0 { 1.0 - pk / p } else { 0.0 },
                    if v > 0.0 { 1.0 - vk / v } else { 0.0 },
                )
            })
            .collect()
    }
}

#[test]
fn matches_walk_enumeration_on_acyclic_chains() {
    // Non-decreasing key sequences make every order's chain acyclic (windows only move up
    // in lexicographic order), so the absorption is a finite sum over walks.
    let mut rng = Rng::new(21);
    for round in 0..24 {
        let keys = 2 + rng.below(6);
        let order = 1 + round % 4;
        let mut rows = random_rows(&mut rng, 60, keys, 6);
        for r in &mut rows {
            r.touches
                .sort_by_key(|t| t.0[1..].parse::<usize>().unwrap());
        }
        let reference =
            Reference::new(&rows, order).effects(keys, |x| Reference::new(&rows, order).walks(x));
        let j = build(&rows, keys);
        let out = run::<Markov>(&j, &[("order", &order.to_string())]).unwrap();
        for (k, (re, rev)) in reference.iter().enumerate() {
            close(score(&out, "removal-effect")[k], *re, 1e-12);
            close(score(&out, "value-removal-effect")[k], *rev, 1e-12);
        }
    }
}

#[test]
fn matches_step_by_step_propagation_on_cyclic_chains() {
    let mut rng = Rng::new(22);
    for round in 0..12 {
        let keys = 2 + rng.below(4);
        let order = 1 + round % 3;
        let rows = random_rows(&mut rng, 40, keys, 6);
        let r = Reference::new(&rows, order);
        let reference = r.effects(keys, |x| r.propagate(x));
        let j = build(&rows, keys);
        for dense_max in [DENSE_MAX, 0] {
            let fx = removal_effects(&j, order, dense_max).unwrap();
            for (k, (re, rev)) in reference.iter().enumerate() {
                close(fx.removal[k], *re, 1e-12);
                close(fx.value_removal[k], *rev, 1e-12);
            }
        }
    }
}

#[test]
fn iterative_and_direct_solves_agree() {
    // Order 3 over 9 keys: one strongly connected component of several hundred states, so
    // the model's own setting solves it by Gauss–Seidel; compare with dense LU everywhere.
    let mut rng = Rng::new(23);
    let keys = 9;
    let rows = random_rows(&mut rng, 3000, keys, 10);
    let j = build(&rows, keys);
    let iterative = removal_effects(&j, 3, DENSE_MAX).unwrap();
    assert!(iterative.states > DENSE_MAX);
    assert!(iterative.stats.iterative_components > 0);
    assert!(iterative.stats.worst_residual < RESIDUAL);
    let direct = removal_effects(&j, 3, usize::MAX).unwrap();
    assert_eq!(direct.stats.iterative_components, 0);
    close(iterative.p_conv, direct.p_conv, 1e-13);
    close(iterative.value, direct.value, 1e-13 * direct.value);
    for k in 0..keys {
        close(iterative.removal[k], direct.removal[k], 1e-13);
        close(iterative.value_removal[k], direct.value_removal[k], 1e-13);
    }
    let out = run::<Markov>(&j, &[("order", "3")]).unwrap();
    assert!(
        out.notes.iter().any(|n| n.contains("Gauss-Seidel")),
        "{:?}",
        out.notes
    );
}

#[test]
fn random_journeys_keep_the_invariants() {
    let mut rng = Rng::new(24);
    for round in 0..24 {
        let keys = 1 + rng.below(8);
        let rows = random_rows(&mut rng, 300, keys, 1 + round % 10);
        let order = (1 + round % 4).to_string();
        let out = check_order_independent::<Markov>(&mut rng, &rows, keys, &[("order", &order)]);
        for re in score(&out, "removal-effect") {
            assert!((0.0..=1.0).contains(re));
        }
    }
}

#[test]
fn keys_without_touches_score_zero_and_empty_journeys_are_noted() {
    // a converts, z is declared but never touched, one journey has no touches.
    let j = JourneysBuilder::new()
        .with_key("z")
        .path("a", 1.0, 1.0, 5.0)
        .path("", 2.0, 0.0, 5.0)
        .path("b", 0.0, 0.0, 0.0)
        .build();
    let out = run::<Markov>(&j, &[]).unwrap();
    assert_eq!(score(&out, "removal-effect"), &[0.0, 1.0, 0.0]);
    assert_eq!(out.weights, vec![1.0, 1.0]);
    assert!(out
        .notes
        .iter()
        .any(|n| n == "markov: 1 journeys without touches (2 conversions) are not in the chain"));
    // No conversions at all: effects 0, weights even.
    let j = JourneysBuilder::new().path("a > b", 0.0, 3.0, 0.0).build();
    let out = run::<Markov>(&j, &[]).unwrap();
    assert_eq!(score(&out, "removal-effect"), &[0.0, 0.0]);
    assert_eq!(out.weights, vec![0.5, 0.5]);
}

#[test]
fn rejects_bad_params_and_counts() {
    let j = JourneysBuilder::new().path("a", 1.0, 0.0, 1.0).build();
    assert_eq!(
        run::<Markov>(&j, &[("order", "5")]).unwrap_err(),
        ModelError::InvalidParam("parameter `order`: 5 is outside [1, 4]".into())
    );
    assert_eq!(
        run::<Markov>(&j, &[("order", "two")]).unwrap_err(),
        ModelError::InvalidParam("parameter `order`: `two` is not a whole number".into())
    );
    let j = JourneysBuilder::new().path("a", -1.0, 0.0, 1.0).build();
    assert_eq!(
        run::<Markov>(&j, &[]).unwrap_err(),
        ModelError::UnsupportedInput(
            "markov: journey 0 has conversions -1, nulls 0, value 1; conversions and nulls \
             must be finite and non-negative, value finite"
                .into()
        )
    );
}

/// 1M paths over 12 channels, lengths 1–12 with short paths more common (like
/// `ascribe-gen paths`): `cargo test --release -p model-markov -- --ignored --nocapture`.
#[test]
#[ignore]
fn bench_one_million_paths() {
    let mut rng = Rng::new(2024);
    let channels = 12usize;
    let paths = 1_000_000usize;
    // Length l gets weight 0.6^l, capped by the 12^l distinct paths of that length.
    let mut per_len = [0usize; 12];
    let mut left = paths;
    let weights: Vec<f64> = (0..12).map(|l| 0.6f64.powi(l)).collect();
    while left > 0 {
        let active: Vec<usize> = (0..12)
            .filter(|&l| per_len[l] < channels.pow(l as u32 + 1))
            .collect();
        let total: f64 = active.iter().map(|&l| weights[l]).sum();
        let mut assigned = 0;
        for &l in &active {
            let cap = channels.pow(l as u32 + 1) - per_len[l];
            let share = ((left as f64 * weights[l] / total) as usize)
                .max(1)
                .min(cap)
                .min(left - assigned);
            per_len[l] += share;
            assigned += share;
        }
        left -= assigned;
    }
    let mut j = Journeys {
        keys: (0..channels).map(|i| format!("channel_{i}")).collect(),
        partners: vec!["p".into()],
        journey_offsets: vec![0],
        ..Default::default()
    };
    for (l, &count) in per_len.iter().enumerate() {
        for _ in 0..count {
            for _ in 0..=l {
                j.touch_key.push(rng.below(channels) as u32);
            }
            j.journey_offsets.push(j.touch_key.len() as u32);
            let conv = if rng.below(100) < 20 + 4 * (l + 1) {
                1.0 + rng.below(4) as f64
            } else {
                0.0
            };
            let mut null = rng.below(12) as f64;
            if conv == 0.0 && null == 0.0 {
                null = 1.0;
            }
            j.conversions.push(conv);
            j.nulls.push(null);
            j.value.push(conv * (50.0 + rng.below(2500) as f64));
            j.conversion_time_ms.push(0);
        }
    }
    let t = j.touch_key.len();
    j.touch_time_ms = vec![0; t];
    j.touch_flags = vec![0; t];
    j.touch_partner = vec![0; t];
    j.check().unwrap();
    println!("{} paths, {} touches, per length {:?}", j.len(), t, per_len);
    for order in 1..=4 {
        let started = std::time::Instant::now();
        let out = run::<Markov>(&j, &[("order", &order.to_string())]).unwrap();
        let took = started.elapsed();
        check_weights(&j, &out);
        let build = std::time::Instant::now();
        let _ = chain::Chain::build(&j, order).unwrap();
        println!(
            "order {order}: {took:.2?} (chain build alone {:.2?})\n  {}",
            build.elapsed(),
            out.notes.join("\n  ")
        );
    }
}

/// The rows of the `transition-probabilities` table, in its order.
fn matrix(out: &Output) -> Vec<(String, String, f64)> {
    let t = out
        .tables
        .iter()
        .find(|t| t.name == "transition-probabilities")
        .expect("a transition-probabilities table");
    assert_eq!(t.check(), Ok(()));
    let (Some(Column::Text(from)), Some(Column::Text(to)), Some(Column::Numbers(p))) = (
        t.column("from-state"),
        t.column("to-state"),
        t.column("probability"),
    ) else {
        panic!("from-state, to-state and probability columns")
    };
    (0..t.rows())
        .map(|i| (from[i].clone(), to[i].clone(), p[i]))
        .collect()
}

fn chain_row(out: &Output) -> Vec<(String, f64)> {
    let t = out.tables.iter().find(|t| t.name == "chain").unwrap();
    assert_eq!((t.rows(), t.check()), (1, Ok(())));
    t.columns
        .iter()
        .map(|(n, c)| match c {
            Column::Numbers(v) => (n.clone(), v[0]),
            Column::Text(_) => panic!("numbers only"),
        })
        .collect()
}

use ascribe_sdk::model::{Column, Output};

#[test]
fn the_transition_table_is_the_hand_computed_chain_of_two_channels() {
    // The chain of `hand_computed_order_1_with_a_cycle` (two channels):
    //   start → a 4/6 = 2/3, start → b 2/6 = 1/3
    //   a → b 2/5, a → conv 1/5, a → null 2/5
    //   b → a 1/4, b → conv 2/4 = 1/2, b → null 1/4
    // Rows: (start) first, then the states in key order, each's states before
    // (conversion) and (null). P(conversion) = 1/2 from that test's absorption.
    let j = JourneysBuilder::new()
        .path("a > b", 1.0, 1.0, 100.0)
        .path("b", 1.0, 0.0, 50.0)
        .path("a", 0.0, 2.0, 0.0)
        .path("b > a", 1.0, 0.0, 300.0)
        .build();
    let out = run::<Markov>(&j, &[]).unwrap();
    let s = |x: &str| x.to_string();
    let want = [
        (s("(start)"), s("a"), 2.0 / 3.0),
        (s("(start)"), s("b"), 1.0 / 3.0),
        (s("a"), s("b"), 2.0 / 5.0),
        (s("a"), s("(conversion)"), 1.0 / 5.0),
        (s("a"), s("(null)"), 2.0 / 5.0),
        (s("b"), s("a"), 1.0 / 4.0),
        (s("b"), s("(conversion)"), 1.0 / 2.0),
        (s("b"), s("(null)"), 1.0 / 4.0),
    ];
    let got = matrix(&out);
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(&want) {
        assert_eq!((&g.0, &g.1), (&w.0, &w.1));
        close(g.2, w.2, 1e-15);
    }
    // 2 states (a, b), 2 transitions between them (a → b, b → a), 4 journeys.
    let row = chain_row(&out);
    let names: Vec<&str> = row.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(
        names,
        [
            "order",
            "states",
            "transitions",
            "journeys",
            "conversion-probability"
        ]
    );
    assert_eq!(
        row[..4].iter().map(|r| r.1).collect::<Vec<_>>(),
        [1.0, 2.0, 2.0, 4.0]
    );
    close(row[4].1, 0.5, 1e-15);
    // The removal effects are still the scores.
    close(by_key(&j, &out, "removal-effect", "a"), 2.0 / 3.0, 1e-15);
}

#[test]
fn order_2_states_are_windows_named_oldest_first() {
    // Order 2 over two channels:
    //   1. b > a    c=1 n=0  w=1  state (b,a)
    //   2. a        c=0 n=1  w=1  state (a): shorter than the order, its own state
    //   3. a > b > a  c=1 n=1  w=2  (a,b) → (b,a)
    // start: (b,a) 1/4, (a) 1/4, (a,b) 2/4
    // (a,b) → (b,a) 1;  (b,a): → conv 2 of 3 (paths 1, 3), → null 1 of 3;  (a) → null 1
    // States in key order (a: 1, b: 2; codes a=1, a b=1·3+2=5, b a=2·3+1=7): a, a > b, b > a.
    let j = JourneysBuilder::new()
        .with_key("a")
        .with_key("b")
        .path("b > a", 1.0, 0.0, 0.0)
        .path("a", 0.0, 1.0, 0.0)
        .path("a > b > a", 1.0, 1.0, 0.0)
        .build();
    let out = run::<Markov>(&j, &[("order", "2")]).unwrap();
    let s = |x: &str| x.to_string();
    let want = [
        (s("(start)"), s("a"), 0.25),
        (s("(start)"), s("a > b"), 0.5),
        (s("(start)"), s("b > a"), 0.25),
        (s("a"), s("(null)"), 1.0),
        (s("a > b"), s("b > a"), 1.0),
        (s("b > a"), s("(conversion)"), 2.0 / 3.0),
        (s("b > a"), s("(null)"), 1.0 / 3.0),
    ];
    let got = matrix(&out);
    assert_eq!(got.len(), want.len(), "{got:?}");
    for (g, w) in got.iter().zip(&want) {
        assert_eq!((&g.0, &g.1), (&w.0, &w.1));
        close(g.2, w.2, 1e-15);
    }
    assert_eq!(chain_row(&out)[0], ("order".to_string(), 2.0));
}

#[test]
fn a_chain_past_the_table_bounds_is_left_out_with_a_note() {
    // A channel name of 1,100 bytes: its state's name is longer than a table cell may be,
    // so the host would refuse the answer; the model leaves the table out instead.
    let long = "x".repeat(1100);
    let j = JourneysBuilder::new()
        .path(&format!("a > {long}"), 1.0, 0.0, 0.0)
        .build();
    let out = run::<Markov>(&j, &[]).unwrap();
    assert!(
        out.tables
            .iter()
            .all(|t| t.name != "transition-probabilities")
    );
    assert_eq!(chain_row(&out)[1], ("states".to_string(), 2.0));
    assert!(
        out.notes.contains(
            &"markov: the transition probabilities are not returned: a state's name has 1100 \
              bytes, more than the 1024 of a table cell"
                .to_string()
        ),
        "{:?}",
        out.notes
    );
}

#[test]
fn any_partitioning_gives_the_same_statistics_and_weights() {
    // Random journeys of every order; 1, 2, 7 and 64 partitions, merged in random trees:
    // the statistics are the whole's to the byte and every weight is attribute's, bit for
    // bit (check_partitions). Conversions, nulls and values with decimals, so the
    // micro-unit sums are exercised.
    let mut rng = Rng::new(20);
    for round in 0..6 {
        let keys = 2 + rng.below(7);
        let mut rows = random_rows(&mut rng, 300, keys, 1 + round % 5);
        for r in rows.iter_mut().step_by(3) {
            r.conversions *= 1.5;
            r.nulls += 0.25;
            r.value = (r.value * 100.0).round() / 100.0 + 0.01;
        }
        let j = build(&rows, keys);
        for order in ["1", "2", "3", "4"] {
            for parts in [1, 2, 7, 64] {
                check_partitions::<Markov>(&mut rng, &j, parts, &[("order", order)]);
            }
        }
    }
}

#[test]
fn statistics_are_exact_sums_in_micro_units_over_sorted_names() {
    // Keys first seen as b, a: the statistics name them a, b. b > a: c=1.5, n=0.25, v=10.01.
    let j = JourneysBuilder::new()
        .path("b > a", 1.5, 0.25, 10.01)
        .path("a", 0.0, 2.0, 0.0)
        .build();
    let s = Markov::statistics(&j, &Params::resolve(&Markov::info().params, &[]).unwrap()).unwrap();
    assert_eq!(s.check(), Ok(()));
    assert_eq!(s.layout, "markov/1 order=1");
    assert_eq!(s.names, vec!["a", "b"]);
    let t = s.need("states").unwrap();
    // States [a] (index 0) and [b] (index 1).
    assert_eq!(
        t.column("state"),
        Some(&StatCells::Names {
            offsets: vec![0, 1, 2],
            items: vec![0, 1]
        })
    );
    assert_eq!(
        t.column("starts"),
        Some(&StatCells::Count(vec![2_000_000, 1_750_000]))
    );
    assert_eq!(
        t.column("conversions"),
        Some(&StatCells::Count(vec![1_500_000, 0]))
    );
    assert_eq!(
        t.column("nulls"),
        Some(&StatCells::Count(vec![2_250_000, 0]))
    );
    assert_eq!(
        t.column("value"),
        Some(&StatCells::Amount(vec![10_010_000, 0]))
    );
    let tr = s.need("transitions").unwrap();
    assert_eq!(
        tr.column("weight"),
        Some(&StatCells::Count(vec![1_750_000]))
    );
    let jt = s.need("journeys").unwrap();
    assert_eq!(jt.column("entered"), Some(&StatCells::Count(vec![2])));
    // A sum past the s64 range is an error, never a wrap.
    let huge = JourneysBuilder::new()
        .path("a", 5e12, 0.0, 0.0)
        .path("a", 5e12, 0.0, 0.0)
        .build();
    assert!(matches!(
        Markov::statistics(&huge, &Params::resolve(&Markov::info().params, &[]).unwrap()),
        Err(ModelError::UnsupportedInput(m)) if m.contains("s64")
    ));
}
