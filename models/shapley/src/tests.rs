use ascribe_sdk::model::{Column, JourneysBuilder, ModelError, run};

use super::*;
use ascribe_sdk::testing::*;

#[test]
fn hand_computed_two_keys() {
    // Journeys by key set (c = conversions, n = nulls):
    //   {a}:    a          c=1 n=3
    //   {b}:    b          c=2 n=2
    //   {a,b}:  a > b      c=3 n=1,  b > a > b  c=1 n=1  -> c=4 n=2
    // v({a}) = 1/4, v({b}) = 2/4 = 1/2, v({a,b}) = (1+2+4)/(4+4+6) = 7/14 = 1/2
    // φ_a = ½·(v(a) − 0) + ½·(v(ab) − v(b)) = ½·¼ + ½·0 = 1/8
    // φ_b = ½·(v(b) − 0) + ½·(v(ab) − v(a)) = ½·½ + ½·¼ = 3/8
    // Σφ = 1/2 = v(ab). Total conversions 7: a 7·(1/8)/(1/2) = 1.75, b 7·(3/8)/(1/2) = 5.25
    // Weights: a > b -> ¼, ¾; b > a > b -> b's ¾ split over its two touches:
    //   ⅜, ¼, ⅜; single-key journeys -> 1.
    let j = JourneysBuilder::new()
        .path("a", 1.0, 3.0, 10.0)
        .path("b", 2.0, 2.0, 10.0)
        .path("a > b", 3.0, 1.0, 10.0)
        .path("b > a > b", 1.0, 1.0, 10.0)
        .build();
    j.check().unwrap();
    let out = run::<Shapley>(&j, &[]).unwrap();
    close(by_key(&j, &out, "shapley-value", "a"), 1.0 / 8.0, 1e-15);
    close(by_key(&j, &out, "shapley-value", "b"), 3.0 / 8.0, 1e-15);
    close(by_key(&j, &out, "conversions", "a"), 1.75, 1e-14);
    close(by_key(&j, &out, "conversions", "b"), 5.25, 1e-14);
    let want = [1.0, 1.0, 0.25, 0.75, 0.375, 0.25, 0.375];
    close_all(&out.weights, &want, 1e-15);
    assert_eq!(
        out.notes,
        vec!["shapley: 2 keys, exact over all 4 coalitions"]
    );
}

#[test]
fn hand_computed_three_keys_with_a_negative_value() {
    //   a       c=2 n=2      b       c=1 n=3      c       c=0 n=4      a > c   c=1 n=3
    // v(a) = 2/4 = 1/2, v(b) = 1/4, v(c) = 0
    // v(ab) = 3/8, v(ac) = (2+0+1)/(4+4+4) = 1/4, v(bc) = 1/8, v(abc) = 4/16 = 1/4
    // Weights |S|!(n−|S|−1)!/n! for n = 3: |S| = 0: 1/3, 1: 1/6, 2: 1/3.
    // φ_a = 1/3·½ + 1/6·(3/8 − ¼) + 1/6·(¼ − 0) + 1/3·(¼ − ⅛)
    //     = 8/48 + 1/48 + 2/48 + 2/48 = 13/48
    // φ_b = 1/3·¼ + 1/6·(3/8 − ½) + 1/6·(⅛ − 0) + 1/3·(¼ − ¼) = 4/48 − 1/48 + 1/48 = 4/48
    // φ_c = 1/3·0 + 1/6·(¼ − ½) + 1/6·(⅛ − ¼) + 1/3·(¼ − 3/8) = −2/48 − 1/48 − 2/48 = −5/48
    // Σφ = 12/48 = ¼ = v(abc). Total conversions 4: credit = 16·φ: 13/3, 4/3, −5/3.
    // Weights: a > c -> max(φ, 0) = 13/48 and 0 -> 1, 0; c alone: all zero -> 1.
    let j = JourneysBuilder::new()
        .path("a", 2.0, 2.0, 10.0)
        .path("b", 1.0, 3.0, 10.0)
        .path("c", 0.0, 4.0, 0.0)
        .path("a > c", 1.0, 3.0, 10.0)
        .build();
    let out = run::<Shapley>(&j, &[]).unwrap();
    for (k, phi) in [("a", 13.0 / 48.0), ("b", 4.0 / 48.0), ("c", -5.0 / 48.0)] {
        close(by_key(&j, &out, "shapley-value", k), phi, 1e-15);
        close(by_key(&j, &out, "conversions", k), 16.0 * phi, 1e-14);
    }
    assert_eq!(out.weights, vec![1.0, 1.0, 1.0, 1.0, 0.0]);
}

#[test]
fn sampling_approximates_the_exact_values() {
    let mut rng = Rng::new(31);
    let keys = 7;
    let rows = random_rows(&mut rng, 400, keys, 5);
    let j = build(&rows, keys);
    let exact = shapley_values(&j, EXACT_MAX, 1).unwrap();
    assert_eq!(exact.sampled, None);
    let sampled = shapley_values(&j, 0, 20_000).unwrap();
    assert_eq!(sampled.sampled, Some(20_000));
    // Marginal contributions are rates in [−1, 1]; 20,000 permutations put the standard
    // error near 1e-3 at worst.
    for (a, b) in exact.phi.iter().zip(&sampled.phi) {
        close(*a, *b, 5e-3);
    }
    // Both are efficient: Σφ = v(all keys).
    let e: f64 = exact.phi.iter().sum();
    let s: f64 = sampled.phi.iter().sum();
    close(e, s, 1e-12);
    // Same seed, same estimate.
    assert_eq!(shapley_values(&j, 0, 20_000).unwrap().phi, sampled.phi);
}

#[test]
fn more_than_sixteen_keys_are_sampled_and_noted() {
    let mut rng = Rng::new(32);
    let keys = 20;
    let rows = random_rows(&mut rng, 300, keys, 6);
    let out = check_order_independent::<Shapley>(&mut rng, &rows, keys, &[("samples", "500")]);
    assert_eq!(
        out.notes,
        vec![
            "shapley: 20 keys (more than 16): estimated from 500 sampled permutations with seed \
             1 (splitmix64)"
        ]
    );
    let total: f64 = rows
        .iter()
        .filter(|r| !r.touches.is_empty())
        .map(|r| r.conversions)
        .sum();
    close(score(&out, "conversions").iter().sum(), total, 1e-9);
}

#[test]
fn random_journeys_keep_the_invariants() {
    let mut rng = Rng::new(33);
    for round in 0..20 {
        let keys = 1 + rng.below(10);
        let rows = random_rows(&mut rng, 300, keys, 1 + round % 8);
        let out = check_order_independent::<Shapley>(&mut rng, &rows, keys, &[]);
        let j = build(&rows, keys);
        // Credits add up to the conversions of journeys with touches.
        let total: f64 = j
            .iter()
            .filter(|j| !j.is_empty())
            .map(|j| j.conversions)
            .sum();
        close(score(&out, "conversions").iter().sum(), total, 1e-9);
    }
}

#[test]
fn no_conversions_fall_back_to_linear() {
    let j = JourneysBuilder::new()
        .path("a > b", 0.0, 3.0, 0.0)
        .path("a", 0.0, 1.0, 0.0)
        .build();
    let out = run::<Shapley>(&j, &[]).unwrap();
    assert_eq!(score(&out, "shapley-value"), &[0.0, 0.0]);
    assert_eq!(score(&out, "conversions"), &[0.0, 0.0]);
    assert_eq!(out.weights, vec![0.5, 0.5, 1.0]);
    assert!(out.notes.iter().any(|n| n.contains("linear split")));
}

#[test]
fn rejects_bad_params() {
    let j = JourneysBuilder::new().path("a", 1.0, 0.0, 1.0).build();
    assert_eq!(
        run::<Shapley>(&j, &[("samples", "0")]).unwrap_err(),
        ModelError::InvalidParam("parameter `samples`: 0 is outside [1, 10000000]".into())
    );
    assert_eq!(
        run::<Shapley>(&j, &[("samples", "many")]).unwrap_err(),
        ModelError::InvalidParam("parameter `samples`: `many` is not a whole number".into())
    );
}

#[test]
fn mask_and_list_samplers_agree() {
    // The sampler reads key sets as bit masks up to 64 keys and as member lists beyond; on
    // the same permutations both must give the same values.
    let mut rng = Rng::new(34);
    let keys = 20;
    let rows = random_rows(&mut rng, 500, keys, 8);
    let j = build(&rows, keys);
    let player_of: Vec<u32> = (0..keys as u32).collect();
    let (mut a, mut b) = (vec![0.0; keys], vec![0.0; keys]);
    sample_with(&j, &player_of, keys, 300, true, &mut a);
    sample_with(&j, &player_of, keys, 300, false, &mut b);
    for (x, y) in a.iter().zip(&b) {
        close(*x, *y, 1e-15);
    }
    // 70 keys: the list representation through the model, with the usual invariants.
    let keys = 70;
    let rows = random_rows(&mut rng, 400, keys, 8);
    let out = check_order_independent::<Shapley>(&mut rng, &rows, keys, &[("samples", "200")]);
    let (c, nl) = rows
        .iter()
        .filter(|r| !r.touches.is_empty())
        .fold((0.0, 0.0), |(c, n), r| (c + r.conversions, n + r.nulls));
    // Every permutation telescopes to v(all keys) = C / (C + N).
    close(
        score(&out, "shapley-value").iter().sum(),
        c / (c + nl),
        1e-12,
    );
}

#[test]
fn coalition_values_of_two_keys_by_hand() {
    // The journeys of `hand_computed_two_keys`:
    //   {a}: c=1 n=3;  {b}: c=2 n=2;  {a,b}: a > b c=3 n=1 and b > a > b c=1 n=1
    // C and N of a coalition count every journey whose keys lie in it:
    //   {a}:     C = 1, N = 3,                 v = 1/4
    //   {b}:     C = 2, N = 2,                 v = 1/2
    //   {a, b}:  C = 1 + 2 + 4 = 7, N = 3 + 2 + 2 = 7, v = 1/2
    // Rows by bit mask (a is bit 0, b bit 1): a, b, a + b; the empty coalition is left out.
    let j = JourneysBuilder::new()
        .path("a", 1.0, 3.0, 10.0)
        .path("b", 2.0, 2.0, 10.0)
        .path("a > b", 3.0, 1.0, 10.0)
        .path("b > a > b", 1.0, 1.0, 10.0)
        .build();
    let out = run::<Shapley>(&j, &[]).unwrap();
    assert_eq!(out.tables.len(), 1);
    let t = &out.tables[0];
    assert_eq!(
        (t.name.as_str(), t.rows(), t.check()),
        ("coalition-values", 3, Ok(()))
    );
    let names: Vec<&str> = t.columns.iter().map(|c| c.0.as_str()).collect();
    assert_eq!(names, ["coalition", "conversions", "nulls", "value"]);
    assert_eq!(
        t.column("coalition"),
        Some(&Column::Text(vec!["a".into(), "b".into(), "a + b".into()]))
    );
    assert_eq!(
        t.column("conversions"),
        Some(&Column::Numbers(vec![1.0, 2.0, 7.0]))
    );
    assert_eq!(
        t.column("nulls"),
        Some(&Column::Numbers(vec![3.0, 2.0, 7.0]))
    );
    assert_eq!(
        t.column("value"),
        Some(&Column::Numbers(vec![0.25, 0.5, 0.5]))
    );
}

#[test]
fn sampled_values_return_no_coalition_table() {
    // 17 keys, one journey each: more than EXACT_MAX, so φ is sampled.
    let mut b = JourneysBuilder::new();
    for i in 0..17 {
        b = b.path(&format!("k{i}"), 1.0, 1.0, 0.0);
    }
    let out = run::<Shapley>(&b.build(), &[("samples", "8")]).unwrap();
    assert!(out.tables.is_empty());
}
