//! Position-based (U-shaped): with n touches,
//! - n = 1: the touch gets 1;
//! - n = 2: the two touches get `first`/(`first` + `last`) and `last`/(`first` + `last`),
//!   i.e. ½ each with the defaults (½ each as well when both are 0);
//! - n ≥ 3: the first touch gets `first`, the last `last`, and the n − 2 middle touches
//!   share 1 − `first` − `last` evenly.
//!
//! Defaults 0.4 / 0.4 (Google's spec, DP6 MAM, mta). Vendors differ: Adobe documents
//! U-shaped both as 50/50 and 40/40/20; HubSpot anchors its U on the lead-conversion touch
//! rather than the last touch (use w-shaped with milestones for that).

use ascribe_sdk::model::{Info, Inputs, Journeys, Model, ModelError, Output};
use ascribe_sdk::{ParamSpec, Params};

pub struct PositionBased;

/// Slack for `first + last ≤ 1` (e.g. 0.7 + 0.3 in binary floating point).
const TOLERANCE: f64 = 1e-12;

impl Model for PositionBased {
    fn info() -> Info {
        Info {
            name: "position-based".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: "U-shaped: the first and last touches get fixed shares, the middle \
                          touches split the rest; two touches split first:last, one takes all."
                .into(),
            params: vec![
                ParamSpec::new(
                    "first",
                    "0.4",
                    "Share of the first touch when there are 3 or more touches, in [0, 1].",
                ),
                ParamSpec::new(
                    "last",
                    "0.4",
                    "Share of the last touch when there are 3 or more touches, in [0, 1]; \
                     first + last must not exceed 1, the middle touches share the rest.",
                ),
            ],
            inputs: Inputs::NONE,
            key_scores: vec![],
        }
    }

    fn attribute(input: &Journeys, params: &Params) -> Result<Output, ModelError> {
        let first = params.f64_in("first", 0.0, 1.0)?;
        let last = params.f64_in("last", 0.0, 1.0)?;
        if first + last > 1.0 + TOLERANCE {
            return Err(ModelError::InvalidParam(format!(
                "parameters `first` + `last` must not exceed 1 (got {first} + {last} = {})",
                first + last
            )));
        }
        let middle = (1.0 - first - last).max(0.0);
        let (two_first, two_last) = if first + last > 0.0 {
            (first / (first + last), last / (first + last))
        } else {
            (0.5, 0.5)
        };
        let mut weights = vec![0.0; input.touches()];
        for j in input.iter() {
            let w = &mut weights[j.start..j.start + j.len()];
            match w.len() {
                0 => {}
                1 => w[0] = 1.0,
                2 => {
                    w[0] = two_first;
                    w[1] = two_last;
                }
                n => {
                    let each = middle / (n - 2) as f64;
                    w.fill(each);
                    w[0] = first;
                    w[n - 1] = last;
                    // first + last + middle is 1 up to rounding; make the sum exact enough.
                    let sum: f64 = w.iter().sum();
                    if sum > 0.0 {
                        for x in w.iter_mut() {
                            *x /= sum;
                        }
                    }
                }
            }
        }
        Ok(Output::weights(weights))
    }
}

ascribe_sdk::export_model!(PositionBased);

#[cfg(test)]
mod tests {
    use super::*;
    use ascribe_sdk::model::{JourneysBuilder, run};
    use ascribe_sdk::testing::*;

    #[test]
    fn hand_computed_example() {
        // Defaults first = last = 0.4, middle share 1 − 0.8 = 0.2.
        // a > b > c > d (n = 4): a 0.4, b and c 0.2 / 2 = 0.1 each, d 0.4.
        // a > b > c (n = 3): a 0.4, b 0.2, c 0.4.
        // a > b (n = 2): rescaled 0.4 / 0.8 = ½ each.
        // a (n = 1): 1.
        let j = JourneysBuilder::new()
            .path("a > b > c > d", 1.0, 0.0, 10.0)
            .path("a > b > c", 1.0, 0.0, 10.0)
            .path("a > b", 1.0, 0.0, 10.0)
            .path("a", 1.0, 0.0, 10.0)
            .build();
        j.check().unwrap();
        let out = run::<PositionBased>(&j, &[]).unwrap();
        let want = [0.4, 0.1, 0.1, 0.4, 0.4, 0.2, 0.4, 0.5, 0.5, 1.0];
        close_all(&out.weights, &want, 1e-15);
        // first = 0.5, last = 0.3: middle 0.2.
        // n = 4: 0.5, 0.1, 0.1, 0.3; n = 3: 0.5, 0.2, 0.3;
        // n = 2: 0.5 / 0.8 = 0.625 and 0.3 / 0.8 = 0.375; n = 1: 1.
        let out = run::<PositionBased>(&j, &[("first", "0.5"), ("last", "0.3")]).unwrap();
        let want = [0.5, 0.1, 0.1, 0.3, 0.5, 0.2, 0.3, 0.625, 0.375, 1.0];
        close_all(&out.weights, &want, 1e-15);
        // first = last = 0: everything to the middle; two touches split evenly.
        let out = run::<PositionBased>(&j, &[("first", "0"), ("last", "0")]).unwrap();
        let want = [0.0, 0.5, 0.5, 0.0, 0.0, 1.0, 0.0, 0.5, 0.5, 1.0];
        close_all(&out.weights, &want, 1e-15);
    }

    #[test]
    fn random_journeys_keep_the_invariants() {
        check_random_rounds::<PositionBased>(14, 12, &[&[], &[("first", "0.7"), ("last", "0.3")]]);
    }

    #[test]
    fn rejects_bad_params() {
        let j = JourneysBuilder::new().path("a", 1.0, 0.0, 1.0).build();
        assert_eq!(
            run::<PositionBased>(&j, &[("first", "0.6"), ("last", "0.5")]).unwrap_err(),
            ModelError::InvalidParam(
                "parameters `first` + `last` must not exceed 1 (got 0.6 + 0.5 = 1.1)".into()
            )
        );
        assert_eq!(
            run::<PositionBased>(&j, &[("last", "-0.1")]).unwrap_err(),
            ModelError::InvalidParam("parameter `last`: -0.1 is outside [0, 1]".into())
        );
        assert_eq!(
            run::<PositionBased>(&j, &[("first", "forty")]).unwrap_err(),
            ModelError::InvalidParam("parameter `first`: `forty` is not a finite number".into())
        );
    }
}
