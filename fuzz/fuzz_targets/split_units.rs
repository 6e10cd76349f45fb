//! Money allocation: for any amount and any weights the contract allows (finite,
//! non-negative), the parts are non-negative and add up to the amount exactly; while f64
//! holds the amount exactly, each part is within one unit of its exact quota.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
struct Input {
    units: u64,
    weights: Vec<f64>,
}

/// The largest amount in minor units the host can produce: 10^12 (its cap on one
/// amount) × 10^3 (three decimals) × an FX rate of up to 10^3.
const MAX_UNITS: u64 = 1_000_000_000_000_000_000;

fuzz_target!(|input: Input| {
    let units = (input.units % (MAX_UNITS + 1)) as i128;
    let weights: Vec<f64> = input
        .weights
        .into_iter()
        .take(4096)
        .filter(|w| w.is_finite())
        .map(f64::abs)
        .collect();
    let parts = ascribe::money::split_units(units, &weights);
    assert_eq!(parts.len(), weights.len());
    if weights.is_empty() {
        return;
    }
    assert_eq!(parts.iter().sum::<i128>(), units, "{weights:?}");
    assert!(parts.iter().all(|&p| p >= 0), "{parts:?}");
    let total: f64 = weights.iter().sum();
    if units < (1 << 50) && total > 0.0 && total.is_finite() {
        for (p, w) in parts.iter().zip(&weights) {
            let quota = units as f64 * (w / total);
            assert!((*p as f64 - quota).abs() < 2.0, "part {p} for quota {quota}");
        }
    }
});
