//! The Poisson bootstrap over accounts (`shared/design/statistics.md`, "Poisson
//! bootstrap"): replicate `b` gives account `a` the weight `w_ab ~ Poisson(1)`, drawn from a
//! counter-based generator keyed by (seed, b, the account's key hash), so a weight never
//! depends on reading order, thread or partition — a cluster job draws the same weights as
//! one machine. A rule-based model's credit in replicate `b` is Σ over conversions of
//! `w_ab` × the conversion's credit (`insights/intervals.rs` sums them); an interval is the
//! pair of percentiles of the replicates' totals by the rule of [`percentile`].
//!
//! This module is the arithmetic only (issue #19, item 1): which figures get intervals,
//! and the re-solve of data-driven models per replicate, are the callers'.

use sha2::{Digest, Sha256};

/// The defaults of `--intervals`: 200 replicates, a 90% interval.
pub const REPLICATES: u32 = 200;
pub const LOW: f64 = 0.05;
pub const HIGH: f64 = 0.95;

/// The key an account's weights are drawn by: the first 8 bytes of sha256 of its canonical
/// name (the company domain). A digest, not the process's seeded hasher: the same account
/// must draw the same weights in every process, on every executor.
pub fn account_key(account: &str) -> u64 {
    let d = Sha256::digest(account.as_bytes());
    u64::from_le_bytes(d[..8].try_into().expect("8 bytes"))
}

/// SplitMix64's finalizer: a bijection of 64-bit words whose output bits each depend on
/// every input bit (Steele, Lea and Flood, 2014).
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A uniform number in [0, 1) for (seed, replicate, account): the counter (replicate,
/// account) is mixed with the seed, then the top 53 bits make the fraction.
pub fn uniform(seed: u64, replicate: u32, key: u64) -> f64 {
    let z = mix(mix(seed ^ mix(u64::from(replicate).wrapping_add(0x9e37_79b9_7f4a_7c15))) ^ key);
    (z >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// Poisson(1) by inversion: the smallest k with P(X ≤ k) > u. P(X = k) = e⁻¹/k!, so the
/// cumulative is 0.3679, 0.7358, 0.9197, 0.9810, 0.9963, … Capped at 32, where the tail
/// is below 1e-35: no f64 in [0, 1) gets there.
pub fn poisson1(u: f64) -> u32 {
    let mut p = (-1f64).exp();
    let mut cdf = p;
    let mut k = 0;
    while u >= cdf && k < 32 {
        k += 1;
        p /= f64::from(k);
        cdf += p;
    }
    k
}

/// Account `key`'s weight in replicate `replicate`.
pub fn weight(seed: u64, replicate: u32, key: u64) -> u32 {
    poisson1(uniform(seed, replicate, key))
}

/// The `q` percentile of `values` by the rule "sort, take the value at index ⌊q·(B−1)⌋"
/// (B = the number of values): no interpolation, so a bound is always one replicate's
/// figure. `None` for no values.
pub fn percentile(values: &mut [i128], q: f64) -> Option<i128> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let i = (q * (values.len() - 1) as f64).floor() as usize;
    Some(values[i.min(values.len() - 1)])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each replicate's total of a rule-based credit, the rule `intervals::bounds` follows:
    /// `credits` are (account key, units credited by one conversion); replicate `b`'s total
    /// is Σ `w_ab` × units, exact in integers.
    fn replicate_totals(seed: u64, replicates: u32, credits: &[(u64, i128)]) -> Vec<i128> {
        (0..replicates)
            .map(|b| {
                credits
                    .iter()
                    .map(|&(key, units)| i128::from(weight(seed, b, key)) * units)
                    .sum()
            })
            .collect()
    }

    #[test]
    fn poisson_inversion_by_hand() {
        // e⁻¹ = 0.367879…; the cumulative: P(0) = 0.367879, P(≤1) = 0.735759,
        // P(≤2) = 0.919699, P(≤3) = 0.981012, P(≤4) = 0.996340, P(≤5) = 0.999406.
        for (u, k) in [
            (0.0, 0),
            (0.3678, 0),
            (0.3679, 1),
            (0.7357, 1),
            (0.7358, 2),
            (0.9196, 2),
            (0.9197, 3),
            (0.9810, 3),
            (0.9811, 4),
            (0.9963, 4),
            (0.9964, 5),
            (0.9995, 6),
        ] {
            assert_eq!(poisson1(u), k, "u = {u}");
        }
        assert!(poisson1(1.0 - f64::EPSILON) < 32);
    }

    #[test]
    fn a_replicate_total_by_hand() {
        // Three accounts whose conversions credit a channel 100.00, 50.00 and 30.00 (in
        // cents). Find their weights in replicate 0, then the total by hand.
        let keys = [
            account_key("a.example"),
            account_key("b.example"),
            account_key("c.example"),
        ];
        let w: Vec<i128> = keys.iter().map(|&k| i128::from(weight(7, 0, k))).collect();
        let credits = [(keys[0], 10_000), (keys[1], 5_000), (keys[2], 3_000)];
        let by_hand = w[0] * 10_000 + w[1] * 5_000 + w[2] * 3_000;
        assert_eq!(replicate_totals(7, 1, &credits), vec![by_hand]);
        // Any order of the credits, the same totals: weights are keyed, not drawn in turn.
        let mut reversed = credits;
        reversed.reverse();
        assert_eq!(
            replicate_totals(7, 50, &credits),
            replicate_totals(7, 50, &reversed)
        );
        // A conversion's account draws one weight per replicate: two conversions of one
        // account move together.
        let two = [(keys[0], 1), (keys[0], 1)];
        for t in replicate_totals(7, 50, &two) {
            assert_eq!(t % 2, 0);
        }
    }

    #[test]
    fn the_percentile_rule() {
        // B = 5: q = 0.05 → index ⌊0.05 × 4⌋ = 0; q = 0.95 → ⌊3.8⌋ = 3.
        let mut v = [50, 10, 40, 20, 30];
        assert_eq!(percentile(&mut v, 0.05), Some(10));
        assert_eq!(percentile(&mut v, 0.95), Some(40));
        // B = 200: ⌊0.05 × 199⌋ = 9 and ⌊0.95 × 199⌋ = 189 (the 10th and 190th smallest).
        let mut v: Vec<i128> = (0..200).rev().collect();
        assert_eq!(percentile(&mut v, LOW), Some(9));
        assert_eq!(percentile(&mut v, HIGH), Some(189));
        assert_eq!(percentile(&mut [], 0.5), None);
    }

    #[test]
    fn weights_are_poisson_one() {
        // 200,000 draws: mean and variance 1 (standard error 0.0022 for the mean, about
        // 0.0045 for the variance), P(0) = e⁻¹ (standard error 0.0011). Bounds of five
        // standard errors: a fixed seed, so this either always passes or never does.
        let n = 200_000u64;
        let draws: Vec<f64> = (0..n)
            .map(|i| f64::from(weight(1, (i % 200) as u32, mix(i / 200))))
            .collect();
        let mean = draws.iter().sum::<f64>() / n as f64;
        let var = draws.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        let zeros = draws.iter().filter(|&&x| x == 0.0).count() as f64 / n as f64;
        assert!((mean - 1.0).abs() < 0.011, "mean {mean}");
        assert!((var - 1.0).abs() < 0.023, "variance {var}");
        assert!((zeros - (-1f64).exp()).abs() < 0.0055, "P(0) {zeros}");
        // Another seed draws other weights.
        let other: Vec<u32> = (0..100).map(|b| weight(2, b, 42)).collect();
        let same: Vec<u32> = (0..100).map(|b| weight(1, b, 42)).collect();
        assert_ne!(other, same);
    }

    #[test]
    fn an_interval_covers_the_point_estimate_of_a_steady_credit() {
        // 400 accounts each crediting 1.00: the total is 400.00, and the replicates' totals
        // are 100 × (a Poisson(400) count), so the 90% interval is about 400 ± 1.645 × 20.
        let credits: Vec<(u64, i128)> = (0..400)
            .map(|a| (account_key(&format!("a{a}.example")), 100))
            .collect();
        let mut totals = replicate_totals(11, REPLICATES, &credits);
        let (lo, hi) = (
            percentile(&mut totals, LOW).unwrap(),
            percentile(&mut totals, HIGH).unwrap(),
        );
        assert!(lo < 40_000 && 40_000 < hi, "{lo}..{hi}");
        assert!(
            (33_000..38_000).contains(&lo) && (42_000..47_000).contains(&hi),
            "{lo}..{hi}"
        );
    }
}
