//! Turning weights into money exactly. An amount is split in its currency's minor units
//! by the largest-remainder method: every touch gets the floor of its exact quota, and the
//! units left over go one each to the largest remainders, ties to the earlier touch. The
//! parts always add up to the amount, to the last unit.

use rust_decimal::Decimal;

/// Splits `units` (an amount in minor units, ≥ 0) in proportion to `weights`
/// (finite, non-negative, not all zero).
pub fn split_units(units: i128, weights: &[f64]) -> Vec<i128> {
    let n = weights.len();
    if n == 0 {
        return vec![];
    }
    let total: f64 = weights.iter().sum();
    if total <= 0.0 || !total.is_finite() {
        // No information: an even split, still exact.
        return split_units(units, &vec![1.0; n]);
    }
    let mut base = Vec::with_capacity(n);
    let mut rem = Vec::with_capacity(n);
    for &w in weights {
        // Exact quota is units·w/total. f64 carries 53 bits: amounts up to 10^12 in cents
        // (2^47) keep the floor exact to within the remainder ordering.
        let q = units as f64 * (w / total);
        let f = q.floor();
        base.push(f as i128);
        rem.push(q - f);
    }
    let mut left = units - base.iter().sum::<i128>();
    let mut order: Vec<usize> = (0..n).collect();
    if left > 0 {
        order.sort_by(|&a, &b| rem[b].partial_cmp(&rem[a]).unwrap().then(a.cmp(&b)));
        let mut k = 0;
        while left > 0 {
            base[order[k % n]] += 1;
            left -= 1;
            k += 1;
        }
    } else if left < 0 {
        // Float quotas overshot by a unit: take back from the smallest remainders with a
        // positive base, latest touch first.
        order.sort_by(|&a, &b| rem[a].partial_cmp(&rem[b]).unwrap().then(b.cmp(&a)));
        let mut k = 0;
        while left < 0 {
            let i = order[k % n];
            if base[i] > 0 {
                base[i] -= 1;
                left += 1;
            }
            k += 1;
        }
    }
    base
}

/// An amount to minor units of a currency with `scale` decimals (the amount is already
/// rounded to them).
pub fn to_units(amount: Decimal, scale: u32) -> i128 {
    let mut a = amount;
    a.rescale(scale);
    a.mantissa()
}

pub fn from_units(units: i128, scale: u32) -> Decimal {
    Decimal::from_i128_with_scale(units, scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thirds_of_a_hundred_dollars() {
        // $100.00 = 10000 cents in thirds: quotas 3333.33 each, floors 3333 ×3 = 9999,
        // one cent left goes to the largest remainder; all equal, so the earliest touch.
        assert_eq!(split_units(10000, &[1.0, 1.0, 1.0]), vec![3334, 3333, 3333]);
    }

    #[test]
    fn position_based_on_a_prime_amount() {
        // 1001 cents at 0.4/0.2/0.4: quotas 400.4, 200.2, 400.4 → floors 400+200+400 = 1000;
        // one cent left: remainders .4, .2, .4 → the first of the two largest (touch 0).
        assert_eq!(split_units(1001, &[0.4, 0.2, 0.4]), vec![401, 200, 400]);
    }

    #[test]
    fn sums_are_exact_for_awkward_weights() {
        let mut seed = 7u64;
        for _ in 0..2000 {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let n = (seed >> 60) as usize + 1;
            let units = (seed >> 20) as i128 % 100_000_000_000_000;
            let w: Vec<f64> = (0..n)
                .map(|i| ((seed >> (i * 3)) & 0xff) as f64 / 7.0)
                .collect();
            let parts = split_units(units, &w);
            assert_eq!(
                parts.iter().sum::<i128>(),
                units,
                "units {units} weights {w:?}"
            );
            assert!(parts.iter().all(|&p| p >= 0));
        }
    }

    #[test]
    fn units_round_trip() {
        let a = Decimal::new(123456, 2);
        assert_eq!(to_units(a, 2), 123456);
        assert_eq!(from_units(123456, 2), a);
        assert_eq!(to_units(Decimal::new(5, 0), 2), 500);
    }
}
