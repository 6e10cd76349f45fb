//! Money that knows its currency. A [`Currency`] is looked up once, where a campaign file
//! names it, and carries its minor-unit scale from there; a [`Money`] is an exact count of
//! minor units of one currency. No stage after the campaign looks a scale up again, and
//! amounts of two currencies cannot be added by mistake.
//!
//! Splitting is exact: an amount is split in its minor units by the largest-remainder
//! method: every touch gets the floor of its exact quota, and the units left over go one
//! each to the largest remainders, ties to the earlier touch. The parts always add up to
//! the amount, to the last unit.

use std::fmt;
use std::ops::{Add, AddAssign};

use rust_decimal::{Decimal, RoundingStrategy};

/// An ISO 4217 currency this version knows, with its minor-unit scale (2 for USD, 0 for
/// JPY, 3 for KWD).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency {
    code: [u8; 3],
    scale: u8,
}

impl Currency {
    /// Not a currency: milestones (leads, MQLs, SQLs) counted in thousandths, so that a
    /// lead split over three touches is 0.334 + 0.333 + 0.333 and sums to one exactly, by
    /// the same largest-remainder split as money. Its code is lower case, so it is never
    /// an ISO code a campaign could name.
    pub const MILESTONES: Currency = Currency {
        code: *b"cnt",
        scale: 3,
    };

    /// Whether this counts milestones rather than money.
    pub fn is_count(&self) -> bool {
        *self == Currency::MILESTONES
    }

    /// The currency of an ISO code (upper case, as campaign validation leaves it); `None`
    /// for a code this version does not know: guessing two decimals for JPY would misstate
    /// every yen amount a hundredfold.
    pub fn of(code: &str) -> Option<Currency> {
        let scale = minor_units(code)? as u8;
        let code: [u8; 3] = code.as_bytes().try_into().ok()?;
        Some(Currency { code, scale })
    }

    /// The ISO code, `USD`.
    pub fn code(&self) -> &str {
        // Only codes from the table (ASCII) are ever stored.
        std::str::from_utf8(&self.code).unwrap_or("???")
    }

    /// Decimals of its minor unit.
    pub fn scale(&self) -> u32 {
        self.scale as u32
    }

    /// `d` rounded to the minor unit, half away from zero.
    pub fn round(&self, d: Decimal) -> Decimal {
        d.round_dp_with_strategy(self.scale(), RoundingStrategy::MidpointAwayFromZero)
    }

    /// An amount already rounded to the minor unit, as money.
    pub fn amount(&self, d: Decimal) -> Money {
        let mut a = d;
        a.rescale(self.scale());
        self.units(a.mantissa())
    }

    /// `units` minor units of this currency.
    pub fn units(&self, units: i128) -> Money {
        Money {
            units,
            currency: *self,
        }
    }

    pub fn zero(&self) -> Money {
        self.units(0)
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl PartialEq<&str> for Currency {
    fn eq(&self, other: &&str) -> bool {
        self.code() == *other
    }
}

/// An exact amount: minor units of one currency.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Money {
    units: i128,
    currency: Currency,
}

impl Money {
    pub fn units(&self) -> i128 {
        self.units
    }

    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// The amount as a decimal with the currency's scale (`1234.50`).
    pub fn decimal(&self) -> Decimal {
        Decimal::from_i128_with_scale(self.units, self.currency.scale())
    }

    /// Parts in proportion to `weights` (finite, non-negative; all zero splits evenly),
    /// summing to this amount exactly.
    pub fn split(&self, weights: &[f64]) -> impl Iterator<Item = Money> + use<> {
        let currency = self.currency;
        split_units(self.units, weights)
            .into_iter()
            .map(move |u| currency.units(u))
    }
}

impl Add for Money {
    type Output = Money;
    /// Adding two currencies is a bug in the caller, not a data error: amounts are
    /// converted to the reporting currency before any stage adds them.
    fn add(self, other: Money) -> Money {
        assert_eq!(
            self.currency, other.currency,
            "adding amounts of two currencies"
        );
        self.currency.units(self.units + other.units)
    }
}

impl AddAssign for Money {
    fn add_assign(&mut self, other: Money) {
        *self = *self + other;
    }
}

/// As people read it: `USD 1,234.50`, `JPY 120,000` (see [`crate::format::money`]).
impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::format::money(self.decimal(), self.currency.code()))
    }
}

/// Minor units of a currency (ISO 4217 exponent); `None` for a code this version does not
/// know.
pub fn minor_units(code: &str) -> Option<u32> {
    if code == Currency::MILESTONES.code() {
        return Some(Currency::MILESTONES.scale());
    }
    const ZERO: &[&str] = &[
        "JPY", "KRW", "CLP", "ISK", "VND", "XAF", "XOF", "UGX", "PYG",
    ];
    const THREE: &[&str] = &["BHD", "KWD", "OMR", "JOD", "TND", "IQD", "LYD"];
    const TWO: &[&str] = &[
        "USD", "EUR", "GBP", "CHF", "CAD", "AUD", "NZD", "SEK", "NOK", "DKK", "PLN", "CZK", "HUF",
        "INR", "CNY", "HKD", "SGD", "BRL", "MXN", "ZAR", "ILS", "AED", "SAR", "TRY", "TWD", "THB",
        "MYR", "IDR", "PHP", "RON", "BGN", "COP", "ARS", "PEN", "EGP", "NGN", "KES", "UAH",
    ];
    if ZERO.contains(&code) {
        Some(0)
    } else if THREE.contains(&code) {
        Some(3)
    } else if TWO.contains(&code) {
        Some(2)
    } else {
        None
    }
}

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
        let usd = Currency::of("USD").unwrap();
        let a = Decimal::new(123456, 2);
        assert_eq!(usd.amount(a).units(), 123456);
        assert_eq!(usd.units(123456).decimal(), a);
        assert_eq!(usd.amount(Decimal::new(5, 0)).units(), 500);
        // ¥1,200 is 1200 units (no minor unit); 1.234 KWD is 1234 fils.
        let jpy = Currency::of("JPY").unwrap();
        assert_eq!(jpy.amount(Decimal::new(1200, 0)).units(), 1200);
        assert_eq!(
            Currency::of("KWD")
                .unwrap()
                .amount(Decimal::new(1234, 3))
                .units(),
            1234
        );
        assert_eq!(Currency::of("XYZ"), None);
    }

    #[test]
    fn money_splits_exactly_and_keeps_its_currency() {
        let eur = Currency::of("EUR").unwrap();
        let parts: Vec<Money> = eur.units(10000).split(&[1.0, 1.0, 1.0]).collect();
        assert_eq!(
            parts.iter().map(Money::units).collect::<Vec<_>>(),
            vec![3334, 3333, 3333]
        );
        assert!(parts.iter().all(|p| p.currency() == eur));
        let total = parts.into_iter().fold(eur.zero(), |a, b| a + b);
        assert_eq!(total, eur.units(10000));
    }

    #[test]
    #[should_panic(expected = "adding amounts of two currencies")]
    fn two_currencies_do_not_add() {
        let _ = Currency::of("EUR").unwrap().units(1) + Currency::of("USD").unwrap().units(1);
    }
}
