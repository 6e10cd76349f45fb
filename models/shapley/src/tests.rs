use ascribe_sdk::model::{Column, JourneysBuilder, ModelError, run};

use super::*;
use ascribe_sdk::testing::*;

/// The hand example of docs/models.md: journeys by key set (c = conversions, n = nulls),
/// with repeated touches and a key whose journeys rarely convert.
fn hand() -> Journeys {
    JourneysBuilder::new()
        .path("a", 2.0, 2.0, 10.0)
        .path("b", 1.0, 3.0, 10.0)
        .path("c", 0.0, 4.0, 0.0)
        .path("a > b", 2.0, 1.0, 10.0)
        .path("b > a > b", 1.0, 0.0, 10.0)
        .path("a > c", 1.0, 3.0, 10.0)
        .build()
}

#[test]
fn hand_computed_with_nulls() {
    // Key sets: {a} c=2 n=2;  {b} c=1 n=3;  {c} c=0 n=4;
    //           {a,b}: a > b c=2 n=1 and b > a > b c=1 n=0 -> C=3 N=1;  {a,c} c=1 n=3.
    // The game, over the journeys whose key set lies within S:
    //   v(a)  = 2/(2+2)                 = 1/2
    //   v(b)  = 1/(1+3)                 = 1/4
    //   v(c)  = 0/(0+4)                 = 0
    //   v(ab) = (2+1+3)/(4+4+4)         = 6/12 = 1/2
    //   v(ac) = (2+0+1)/(4+4+4)         = 3/12 = 1/4
    // Converting key sets T ({c} does not convert):
    //   T={a}:   φa = v(a) = 1/2                 -> share a 1
    //   T={b}:   φb = v(b) = 1/4                 -> share b 1
    //   T={a,b}: φa = ½·(v(a) − 0) + ½·(v(ab) − v(b)) = ½·½ + ½·¼ = 3/8
    //            φb = ½·(v(b) − 0) + ½·(v(ab) − v(a)) = ½·¼ + ½·0 = 1/8
    //            Σ = 1/2 = v(ab);  shares a 3/4, b 1/4
    //   T={a,c}: φa = ½·(v(a) − 0) + ½·(v(ac) − v(c)) = ¼ + ⅛ = 3/8
    //            φc = ½·(v(c) − 0) + ½·(v(ac) − v(a)) = 0 − ⅛ = −1/8
    //            Σ = 1/4 = v(ac);  shares max(φ, 0) normalized: a 1, c 0
    // Conversions credited (Σ over T of C[T] × share):
    //   a = 2·1 + 3·¾ + 1·1 = 5.25;  b = 1·1 + 3·¼ = 1.75;  c = 0;  total 7 = all conversions.
    // Weights: a, b -> 1; c (no conversion) -> even over {c}: 1; a > b -> ¾, ¼;
    //   b > a > b -> b's ¼ split over its two touches: ⅛, ¾, ⅛;  a > c -> 1, 0.
    let j = hand();
    j.check().unwrap();
    let out = run::<Shapley>(&j, &[]).unwrap();
    close(by_key(&j, &out, "conversions", "a"), 5.25, 1e-15);
    close(by_key(&j, &out, "conversions", "b"), 1.75, 1e-15);
    close(by_key(&j, &out, "conversions", "c"), 0.0, 1e-15);
    let want = [1.0, 1.0, 1.0, 0.75, 0.25, 0.125, 0.75, 0.125, 1.0, 0.0];
    close_all(&out.weights, &want, 1e-15);
    assert_eq!(out.scores.len(), 1);
    assert_eq!(
        out.notes,
        vec![
            "shapley: per journey over 4 converting key sets (1 to 2 keys); 4 exact over their subsets"
        ]
    );

    // The internals: the coalitions by size, then key order, and the shares per key set.
    assert_eq!(out.tables.len(), 2);
    let t = &out.tables[0];
    assert_eq!(
        (t.name.as_str(), t.rows(), t.check()),
        ("coalition-values", 5, Ok(()))
    );
    assert_eq!(
        t.column("coalition"),
        Some(&Column::Text(
            ["a", "b", "c", "a + b", "a + c"].map(String::from).to_vec()
        ))
    );
    assert_eq!(
        t.column("conversions"),
        Some(&Column::Numbers(vec![2.0, 1.0, 0.0, 6.0, 3.0]))
    );
    assert_eq!(
        t.column("nulls"),
        Some(&Column::Numbers(vec![2.0, 3.0, 4.0, 6.0, 9.0]))
    );
    assert_eq!(
        t.column("value"),
        Some(&Column::Numbers(vec![0.5, 0.25, 0.0, 0.5, 0.25]))
    );
    let s = &out.tables[1];
    assert_eq!(
        (s.name.as_str(), s.rows(), s.check()),
        ("key-set-shares", 6, Ok(()))
    );
    let names: Vec<&str> = s.columns.iter().map(|c| c.0.as_str()).collect();
    assert_eq!(
        names,
        [
            "key-set",
            "key",
            "conversions",
            "shapley-value",
            "share",
            "credited"
        ]
    );
    assert_eq!(
        s.column("key-set"),
        Some(&Column::Text(
            ["a", "b", "a + b", "a + b", "a + c", "a + c"]
                .map(String::from)
                .to_vec()
        ))
    );
    assert_eq!(
        s.column("key"),
        Some(&Column::Text(
            ["a", "b", "a", "b", "a", "c"].map(String::from).to_vec()
        ))
    );
    let nums = |name: &str| match s.column(name) {
        Some(Column::Numbers(v)) => v.clone(),
        other => panic!("{name}: {other:?}"),
    };
    assert_eq!(nums("conversions"), [2.0, 1.0, 3.0, 3.0, 1.0, 1.0]);
    close_all(
        &nums("shapley-value"),
        &[0.5, 0.25, 0.375, 0.125, 0.375, -0.125],
        1e-15,
    );
    close_all(&nums("share"), &[1.0, 1.0, 0.75, 0.25, 1.0, 0.0], 1e-15);
    close_all(&nums("credited"), &[2.0, 1.0, 2.25, 0.75, 1.0, 0.0], 1e-15);
}

#[test]
fn hand_computed_three_keys() {
    // One converting key set of three keys, {a,b,c} c=1 n=1, beside {a} c=1 n=1 and
    // {b,c} c=0 n=2 (not converting, but in the game):
    //   v(a) = 1/2, v(b) = v(c) = 0 (no journey within), v(ab) = v(ac) = 1/2,
    //   v(bc) = 0/2 = 0, v(abc) = 2/6 = 1/3.
    // Weights of the subsets for m = 3: |S| = 0: 1/3, 1: 1/6, 2: 1/3.
    //   φa = 1/3·½ + 1/6·(½ − 0) + 1/6·(½ − 0) + 1/3·(⅓ − 0)   = 1/6 + 1/12 + 1/12 + 1/9 = 4/9
    //   φb = 1/3·0 + 1/6·(½ − ½) + 1/6·(0 − 0) + 1/3·(⅓ − ½)   = −1/18
    //   φc = −1/18 likewise;  Σ = 4/9 − 1/9 = 1/3 = v(abc).
    // Shares of {a,b,c}: a 1, b 0, c 0. Credits: a = 1 + 1 = 2, b = c = 0.
    // Weights: a -> 1; a > b > c -> 1, 0, 0; b > c (no conversion) -> ½, ½.
    let j = JourneysBuilder::new()
        .path("a", 1.0, 1.0, 1.0)
        .path("a > b > c", 1.0, 1.0, 1.0)
        .path("b > c", 0.0, 2.0, 0.0)
        .build();
    let game = per_journey(&j, EXACT_MAX, 1, false).unwrap();
    let t = (0..game.groups.len())
        .find(|&g| game.groups.set(g).len() == 3)
        .unwrap();
    let a = game.groups.start[t];
    close_all(
        &game.phi[a..a + 3],
        &[4.0 / 9.0, -1.0 / 18.0, -1.0 / 18.0],
        1e-15,
    );
    let out = run::<Shapley>(&j, &[]).unwrap();
    assert_eq!(score(&out, "conversions"), &[2.0, 0.0, 0.0]);
    assert_eq!(out.weights, vec![1.0, 1.0, 0.0, 0.0, 0.5, 0.5]);
}

#[test]
fn shares_of_positive_values_and_of_journeys_that_do_not_convert() {
    // {a,b} c=1 n=0, {a} c=0 n=5, {b} c=0 n=5: v(a) = v(b) = 0, v(ab) = 1/11.
    // T={a,b}: φa = ½·0 + ½·(1/11 − 0) = 1/22 = φb: shares ½, ½.
    // A converting key set always has a positive φ (Σφᵀ = v(T) ≥ C[T]/(C(T)+N(T)) > 0), so
    // "all zero → even" is for journeys that do not convert: their key set's shares when
    // it converts elsewhere (b > b > a: b's ½ over two touches: ¼, ¼, ½), else even.
    // Credits: a = b = 1 × ½.
    let j = JourneysBuilder::new()
        .path("a > b", 1.0, 0.0, 1.0)
        .path("a", 0.0, 5.0, 0.0)
        .path("b", 0.0, 5.0, 0.0)
        .path("b > b > a", 0.0, 1.0, 0.0)
        .build();
    let out = run::<Shapley>(&j, &[]).unwrap();
    close_all(&out.weights, &[0.5, 0.5, 1.0, 1.0, 0.25, 0.25, 0.5], 1e-15);
    close_all(score(&out, "conversions"), &[0.5, 0.5], 1e-15);
}

#[test]
fn a_rare_key_takes_no_more_than_its_journeys_conversions() {
    // The volume test: r appears in one journey, with a perfect rate, among thousands of
    // conversions of x and y. Its credit is at most that journey's conversion, and comes
    // only from it: T={x,r}: v(x) = 100/1000, v(r) = 0, v(xr) = 101/1001;
    // φr = ½·0 + ½·(101/1001 − 1/10) = ½·(1010 − 1001)/10010 = 9/20020,
    // φx = ½·(1/10) + ½·(101/1001 − 0) = 1/20 + 101/2002 = (1001 + 1010)/20020 = 2011/20020;
    // r's share = 9/2020, x's = 2011/2020.
    let j = JourneysBuilder::new()
        .path("x", 100.0, 900.0, 1.0)
        .path("y", 100.0, 900.0, 1.0)
        .path("x > r", 1.0, 0.0, 1.0)
        .build();
    let out = run::<Shapley>(&j, &[]).unwrap();
    close(by_key(&j, &out, "conversions", "r"), 9.0 / 2020.0, 1e-15);
    close(
        by_key(&j, &out, "conversions", "x"),
        100.0 + 2011.0 / 2020.0,
        1e-12,
    );
    close(by_key(&j, &out, "conversions", "y"), 100.0, 1e-12);

    // And on random journeys: no key is credited more than the conversions of the journeys
    // it is in, and the credits are the weights' (Σ conversions × the key's weights).
    let mut rng = Rng::new(35);
    for _ in 0..10 {
        let keys = 2 + rng.below(9);
        let rows = random_rows(&mut rng, 200, keys, 6);
        let j = build(&rows, keys);
        let out = run::<Shapley>(&j, &[]).unwrap();
        let (mut within, mut by_weights) = (vec![0.0; keys], vec![0.0; keys]);
        for jr in j.iter() {
            let mut seen = vec![false; keys];
            for (t, &k) in jr.keys.iter().enumerate() {
                by_weights[k as usize] += jr.conversions * out.weights[jr.start + t];
                if !seen[k as usize] {
                    seen[k as usize] = true;
                    within[k as usize] += jr.conversions;
                }
            }
        }
        for k in 0..keys {
            let credit = score(&out, "conversions")[k];
            assert!(
                credit <= within[k] + 1e-9,
                "key {k}: {credit} > {}",
                within[k]
            );
            close(credit, by_weights[k], 1e-9);
        }
    }
}

#[test]
fn random_journeys_keep_the_invariants() {
    let mut rng = Rng::new(33);
    for round in 0..20 {
        let keys = 1 + rng.below(10);
        let rows = random_rows(&mut rng, 300, keys, 1 + round % 8);
        // Weights finite, non-negative, summing to 1 per converting journey (1e-9); the
        // same weights and scores in any row order (1e-12).
        let out = check_order_independent::<Shapley>(&mut rng, &rows, keys, &[]);
        let j = build(&rows, keys);
        // Credits add up to the conversions of journeys with touches.
        let total: f64 = j
            .iter()
            .filter(|j| !j.is_empty())
            .map(|j| j.conversions)
            .sum();
        close(score(&out, "conversions").iter().sum(), total, 1e-9);
        // Efficiency per key set: Σ φᵀ = v(T).
        let game = per_journey(&j, EXACT_MAX, 1, true).unwrap();
        let map = game.coalitions.as_ref().unwrap();
        for g in (0..game.groups.len()).filter(|&g| game.converting[g]) {
            let set = game.groups.set(g).to_vec();
            let v = map[&(set.len(), set)][2];
            let (a, b) = (game.groups.start[g], game.groups.start[g + 1]);
            close(game.phi[a..b].iter().sum(), v, 1e-12);
        }
    }
}

#[test]
fn sampling_approximates_the_exact_values() {
    let mut rng = Rng::new(31);
    let keys = 7;
    let rows = random_rows(&mut rng, 400, keys, 7);
    let j = build(&rows, keys);
    let exact = per_journey(&j, EXACT_MAX, 1, false).unwrap();
    assert!(exact.sampled.is_empty());
    let sampled = per_journey(&j, 0, 20_000, false).unwrap();
    let converting = exact.converting.iter().filter(|&&c| c).count();
    assert_eq!(sampled.sampled.len(), converting);
    // Marginal contributions are rates in [−1, 1]; 20,000 permutations put the standard
    // error near 1e-3 at worst.
    for (a, b) in exact.phi.iter().zip(&sampled.phi) {
        close(*a, *b, 5e-3);
    }
    // Both are efficient per key set: the same Σφᵀ = v(T).
    for g in (0..exact.groups.len()).filter(|&g| exact.converting[g]) {
        let (a, b) = (exact.groups.start[g], exact.groups.start[g + 1]);
        close(
            exact.phi[a..b].iter().sum(),
            sampled.phi[a..b].iter().sum(),
            1e-12,
        );
    }
    // Same seed, same estimate.
    assert_eq!(per_journey(&j, 0, 20_000, false).unwrap().phi, sampled.phi);
}

#[test]
fn more_than_sixteen_keys_are_sampled_and_noted() {
    // One converting journey over 17 keys, beside single-key journeys.
    let mut b = JourneysBuilder::new();
    let all: Vec<String> = (0..17).map(key_name).collect();
    for k in &all {
        b = b.path(k, 1.0, 1.0, 0.0);
    }
    let j = b.path(&all.join(" > "), 1.0, 0.0, 0.0).build();
    let out = run::<Shapley>(&j, &[("samples", "500")]).unwrap();
    check_weights(&j, &out);
    assert_eq!(
        out.notes,
        vec![
            "shapley: per journey over 18 converting key sets (1 to 17 keys); 17 exact over \
             their subsets",
            "shapley: 1 key sets of more than 16 keys (the largest 17): estimated from 500 \
             sampled permutations each with seed 1 (splitmix64)"
        ]
    );
    // Symmetric keys: every key gets 1/17 of the big journey, in expectation; each its own
    // journey's conversion besides.
    for c in score(&out, "conversions") {
        close(*c, 1.0 + 1.0 / 17.0, 0.05);
    }
    close(score(&out, "conversions").iter().sum(), 18.0, 1e-12);
    // The coalitions of the sampled set are not in the table: only the 17 singletons.
    assert_eq!(out.tables[0].name, "coalition-values");
    assert_eq!(out.tables[0].rows(), 17);
    // Random journeys over 20 keys, some longer than 16 distinct keys: the invariants hold.
    let mut rng = Rng::new(32);
    let rows = random_rows(&mut rng, 300, 20, 30);
    check_order_independent::<Shapley>(&mut rng, &rows, 20, &[("samples", "200")]);
}

#[test]
fn no_conversions_split_evenly() {
    let j = JourneysBuilder::new()
        .path("a > b > a", 0.0, 3.0, 0.0)
        .path("a", 0.0, 1.0, 0.0)
        .build();
    let out = run::<Shapley>(&j, &[]).unwrap();
    assert_eq!(score(&out, "conversions"), &[0.0, 0.0]);
    assert_eq!(out.weights, vec![0.25, 0.5, 0.25, 1.0]);
    assert_eq!(
        out.notes,
        vec![
            "shapley: no journey with touches converts; each journey's weights are an even \
             split over its keys"
        ]
    );
}

#[test]
fn rejects_bad_params_and_counts() {
    let j = JourneysBuilder::new().path("a", 1.0, 0.0, 1.0).build();
    assert_eq!(
        run::<Shapley>(&j, &[("samples", "0")]).unwrap_err(),
        ModelError::InvalidParam("parameter `samples`: 0 is outside [1, 10000000]".into())
    );
    assert_eq!(
        run::<Shapley>(&j, &[("samples", "many")]).unwrap_err(),
        ModelError::InvalidParam("parameter `samples`: `many` is not a whole number".into())
    );
    let j = JourneysBuilder::new().path("a", 1.0, -1.0, 1.0).build();
    assert!(matches!(
        run::<Shapley>(&j, &[]).unwrap_err(),
        ModelError::UnsupportedInput(_)
    ));
}

#[test]
fn too_many_coalitions_are_left_out_with_a_note() {
    // Converting key sets of 14 keys each, every window of 14 consecutive keys of 40 (27
    // windows): their distinct subsets are the sets whose keys span at most 14, and those
    // whose smallest key is i < 27 already number 27 · 2¹³ = 221,184, more than
    // COALITION_ROWS (200,000), so the table is left out.
    let keys: Vec<String> = (0..40).map(key_name).collect();
    let mut b = JourneysBuilder::new();
    for s in 0..27 {
        b = b.path(&keys[s..s + 14].join(" > "), 1.0, 1.0, 0.0);
    }
    let out = run::<Shapley>(&b.build(), &[]).unwrap();
    assert_eq!(out.tables.len(), 1);
    assert_eq!(out.tables[0].name, "key-set-shares");
    assert!(
        out.notes.iter().any(|n| n
            == "shapley: the coalition values are not returned: the exact key sets have more \
                than 200000 subsets"),
        "{:?}",
        out.notes
    );
    // Many key sets over few keys share their subsets: 12 keys, every set of 1 to 12, is
    // 4,095 coalitions, returned.
    let mut b = JourneysBuilder::new();
    for m in 1..4096u32 {
        let path: Vec<String> = (0..12).filter(|k| m >> k & 1 == 1).map(key_name).collect();
        b = b.path(&path.join(" > "), 1.0, 1.0, 0.0);
    }
    let out = run::<Shapley>(&b.build(), &[]).unwrap();
    assert_eq!(out.tables[0].name, "coalition-values");
    assert_eq!(out.tables[0].rows(), 4095);
    assert_eq!(out.tables[1].rows(), 12 * 2048);
}

#[test]
fn every_lookup_of_the_key_sets_gives_the_same_values() {
    // Groups are found by mask in an array (≤ 22 keys), by mask in a map behind a bit
    // filter (≤ 26), by mask in a map (≤ 64), and by verified Zobrist hash beyond. Keys
    // that occur only in non-converting journeys of their own change no converting set's
    // game, so the same journeys beside 0, 18 (24 keys), 40 and 70 such keys must give the same φ.
    let mut rng = Rng::new(36);
    let rows = random_rows(&mut rng, 400, 6, 6);
    let base = build(&rows, 6);
    let reference = per_journey(&base, EXACT_MAX, 1, false).unwrap();
    for extra in [18usize, 40, 70] {
        let mut b = JourneysBuilder::new();
        for i in 0..6 {
            b = b.with_key(&key_name(i));
        }
        for r in &rows {
            let t: Vec<(&str, i64, u8)> = r
                .touches
                .iter()
                .map(|(k, t, f)| (k.as_str(), *t, *f))
                .collect();
            b = b.journey(&t, r.conversions, r.nulls, r.value, r.conversion_time_ms);
        }
        for i in 0..extra {
            b = b.path(&format!("x{i}"), 0.0, 1.0, 0.0);
        }
        let j = b.build();
        let game = per_journey(&j, EXACT_MAX, 1, false).unwrap();
        // The base groups come first in both (the extra ones are singletons of later keys,
        // and groups are ordered by size, then keys): compare group by group.
        for g in (0..reference.groups.len()).filter(|&g| reference.converting[g]) {
            let set = reference.groups.set(g);
            let h = (0..game.groups.len())
                .find(|&h| game.groups.set(h) == set)
                .unwrap();
            let (a, b) = (reference.groups.start[g], reference.groups.start[g + 1]);
            let c = game.groups.start[h];
            assert_eq!(
                &game.phi[c..c + (b - a)],
                &reference.phi[a..b],
                "{extra} keys"
            );
        }
    }
    // And more than 64 keys in the converting sets themselves, through the model.
    let rows = random_rows(&mut rng, 400, 70, 8);
    let out = check_order_independent::<Shapley>(&mut rng, &rows, 70, &[]);
    let total: f64 = rows
        .iter()
        .filter(|r| !r.touches.is_empty())
        .map(|r| r.conversions)
        .sum();
    close(score(&out, "conversions").iter().sum(), total, 1e-9);
}

#[test]
fn any_partitioning_gives_the_same_statistics_and_weights() {
    // 1, 2, 7 and 64 partitions merged in random trees: the statistics are the whole's to
    // the byte and every weight is attribute's, bit for bit (check_partitions). Some
    // conversions and nulls with decimals, and one round past 16 keys (sampled sets).
    let mut rng = Rng::new(21);
    for round in 0..6 {
        let keys = if round == 5 { 20 } else { 2 + rng.below(7) };
        let mut rows = random_rows(&mut rng, 300, keys, if round == 5 { 20 } else { 6 });
        for r in rows.iter_mut().step_by(4) {
            r.conversions *= 0.5;
            r.nulls += 0.125;
        }
        let j = build(&rows, keys);
        for parts in [1, 2, 7, 64] {
            let s = check_partitions::<Shapley>(&mut rng, &j, parts, &[("samples", "500")]);
            assert_eq!(s.layout, LAYOUT);
        }
    }
}

#[test]
fn statistics_are_key_sets_in_name_order_in_micro_units() {
    // Keys first seen as c, a: the set {a, c} whatever the touch order.
    let j = JourneysBuilder::new()
        .path("c > a > c", 1.5, 0.0, 0.0)
        .path("a > c", 0.0, 0.25, 0.0)
        .path("c", 1.0, 1.0, 0.0)
        .build();
    let s = statistics(&j).unwrap();
    assert_eq!(s.check(), Ok(()));
    assert_eq!(s.names, vec!["a", "c"]);
    let t = s.need("key-sets").unwrap();
    assert_eq!(
        t.column("set"),
        Some(&StatCells::Names {
            offsets: vec![0, 2, 3],
            items: vec![0, 1, 1]
        })
    );
    assert_eq!(
        t.column("conversions"),
        Some(&StatCells::Count(vec![1_500_000, 1_000_000]))
    );
    assert_eq!(
        t.column("nulls"),
        Some(&StatCells::Count(vec![250_000, 1_000_000]))
    );
}
