//! Time decay: a touch's weight is proportional to 0.5^((T − tᵢ)/h), with T the journey's
//! conversion time, tᵢ the touch time and h the half-life (Google's spec: one week,
//! continuous decay). A touch stamped after T (it should not happen) counts as age 0.
//!
//! The weights are computed relative to the youngest touch, 0.5^((ageᵢ − min age)/h), which is
//! the same after normalization but never underflows to all-zero for very old journeys.

use ascribe_sdk::model::{Info, Inputs, Journeys, Model, ModelError, Output};
use ascribe_sdk::{ParamSpec, Params};

pub struct TimeDecay;

impl Model for TimeDecay {
    fn info() -> Info {
        Info {
            name: "time-decay".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: "Credit proportional to 0.5^(age / half-life), age measured from the \
                          touch to the conversion."
                .into(),
            params: vec![ParamSpec::new(
                "half_life",
                "7d",
                "Half-life of the decay, e.g. 7d, 36h, 90m, 3600s or 1w (a bare number means \
                 days); must be positive.",
            )],
            inputs: Inputs::TIMES,
            key_scores: vec![],
        }
    }

    fn attribute(input: &Journeys, params: &Params) -> Result<Output, ModelError> {
        let half_life_ms = params.duration_ms("half_life")?;
        let mut weights = vec![0.0; input.touches()];
        let mut ages: Vec<i128> = Vec::new();
        for j in input.iter() {
            if j.is_empty() {
                continue;
            }
            ages.clear();
            ages.extend(
                j.times_ms
                    .iter()
                    .map(|&t| (j.conversion_time_ms as i128 - t as i128).max(0)),
            );
            let youngest = *ages.iter().min().expect("non-empty journey");
            let w = &mut weights[j.start..j.start + j.len()];
            for (x, &age) in w.iter_mut().zip(&ages) {
                *x = (-((age - youngest) as f64) / half_life_ms).exp2();
            }
            // The youngest touch has weight 1, so the sum is at least 1.
            let sum: f64 = w.iter().sum();
            for x in w.iter_mut() {
                *x /= sum;
            }
        }
        Ok(Output::weights(weights))
    }
}

ascribe_sdk::export_model!(TimeDecay);

#[cfg(test)]
mod tests {
    use super::*;
    use ascribe_sdk::model::{JourneysBuilder, run};
    use ascribe_sdk::testing::*;

    const DAY: i64 = 86_400_000;

    #[test]
    fn hand_computed_example() {
        let t = 1_700_000_000_000;
        // Journey 1, conversion at T, half-life 7 days:
        //   a at T − 14d: 0.5^(14/7) = 0.25
        //   b at T −  7d: 0.5^(7/7)  = 0.5
        //   c at T      : 0.5^0      = 1
        //   sum 1.75 -> 0.25/1.75 = 1/7, 0.5/1.75 = 2/7, 1/1.75 = 4/7.
        // Journey 2: d at T − 3.5d, e at T + 1d (after the conversion: age 0):
        //   0.5^(3.5/7) = 1/√2 and 1 -> (1/√2)/(1 + 1/√2) = √2 − 1 and 1/(1 + 1/√2) = 2 − √2.
        let j = JourneysBuilder::new()
            .journey(
                &[("a", t - 14 * DAY, 0), ("b", t - 7 * DAY, 0), ("c", t, 0)],
                1.0,
                0.0,
                10.0,
                t,
            )
            .journey(
                &[("d", t - 7 * DAY / 2, 0), ("e", t + DAY, 0)],
                1.0,
                0.0,
                10.0,
                t,
            )
            .build();
        j.check().unwrap();
        let out = run::<TimeDecay>(&j, &[]).unwrap();
        let want = [
            1.0 / 7.0,
            2.0 / 7.0,
            4.0 / 7.0,
            2f64.sqrt() - 1.0,
            2.0 - 2f64.sqrt(),
        ];
        close_all(&out.weights, &want, 1e-15);
        // Half-life 1 week written another way gives the same; 14 days halves the decay rate:
        //   journey 1: 0.5^(14/14) = 0.5, 0.5^(7/14) = 1/√2, 1 -> divided by 1.5 + 1/√2.
        let same = run::<TimeDecay>(&j, &[("half_life", "1w")]).unwrap();
        assert_eq!(same.weights, out.weights);
        let slow = run::<TimeDecay>(&j, &[("half_life", "14")]).unwrap();
        let s = 1.5 + 0.5f64.sqrt();
        close(slow.weights[0], 0.5 / s, 1e-15);
        close(slow.weights[1], 0.5f64.sqrt() / s, 1e-15);
        close(slow.weights[2], 1.0 / s, 1e-15);
    }

    #[test]
    fn very_old_touches_do_not_underflow() {
        // 10,000 years of hourly half-lives: 0.5^(huge) underflows, but relative to the
        // youngest touch the weights are still (0, 1), and two equally old touches split.
        let t = 1_700_000_000_000;
        let j = JourneysBuilder::new()
            .journey(&[("a", 0, 0), ("b", 0, 0)], 1.0, 0.0, 1.0, t)
            .journey(&[("a", 0, 0), ("b", t, 0)], 1.0, 0.0, 1.0, t)
            .build();
        let out = run::<TimeDecay>(&j, &[("half_life", "1h")]).unwrap();
        assert_eq!(out.weights, vec![0.5, 0.5, 0.0, 1.0]);
    }

    #[test]
    fn random_journeys_keep_the_invariants() {
        check_random_rounds::<TimeDecay>(13, 12, &[&[], &[("half_life", "36h")]]);
    }

    #[test]
    fn rejects_bad_half_life() {
        let j = JourneysBuilder::new().path("a", 1.0, 0.0, 1.0).build();
        assert_eq!(
            run::<TimeDecay>(&j, &[("half_life", "0d")]).unwrap_err(),
            ModelError::InvalidParam(
                "parameter `half_life`: `0d` must be a positive duration".into()
            )
        );
        assert_eq!(
            run::<TimeDecay>(&j, &[("half_life", "soon")]).unwrap_err(),
            ModelError::InvalidParam(
                "parameter `half_life`: `soon` is not a duration (use e.g. 7d, 36h, 90m, 3600s)"
                    .into()
            )
        );
    }
}
