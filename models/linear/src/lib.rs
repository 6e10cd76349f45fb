//! Linear: every touch of a journey gets 1/n, repeats counted (ChannelAttribution's
//! `linear_touch`, DP6 MAM).

use ascribe_sdk::Params;
use ascribe_sdk::model::{Info, Inputs, Journeys, Model, ModelError, Output};

pub struct Linear;

impl Model for Linear {
    fn info() -> Info {
        Info {
            name: "linear".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: "Equal credit to every touch of a journey (1/n each, repeated touches \
                          count)."
                .into(),
            params: vec![],
            inputs: Inputs::NONE,
            key_scores: vec![],
        }
    }

    fn attribute(input: &Journeys, _params: &Params) -> Result<Output, ModelError> {
        // Journeys cover the touches in order, so the weights are written in one pass,
        // never zero-filled first (in a sandbox that is a memset of fresh memory).
        let mut weights = Vec::with_capacity(input.touches());
        for j in input.iter() {
            weights.extend(std::iter::repeat_n(1.0 / j.len() as f64, j.len()));
        }
        Ok(Output::weights(weights))
    }
}

ascribe_sdk::export_model!(Linear);

#[cfg(test)]
mod tests {
    use super::*;
    use ascribe_sdk::model::{JourneysBuilder, run};
    use ascribe_sdk::testing::*;

    #[test]
    fn hand_computed_example() {
        // a > b > a > c: n = 4 touches, the repeat of a counts: 1/4 each (a holds 2/4 in all).
        // d: n = 1, d gets 1.
        // e > f (not converting): 1/2 each (not used for money, still well formed).
        // no touches: no weights.
        let j = JourneysBuilder::new()
            .path("a > b > a > c", 1.0, 0.0, 100.0)
            .path("d", 2.0, 0.0, 50.0)
            .path("e > f", 0.0, 3.0, 0.0)
            .path("", 1.0, 0.0, 10.0)
            .build();
        j.check().unwrap();
        let out = run::<Linear>(&j, &[]).unwrap();
        assert_eq!(out.weights, vec![0.25, 0.25, 0.25, 0.25, 1.0, 0.5, 0.5]);
        assert!(out.scores.is_empty());
    }

    #[test]
    fn random_journeys_keep_the_invariants() {
        check_random_rounds_then::<Linear>(12, 12, &[&[]], |j, out| {
            for jr in j.iter() {
                for &w in &out.weights[jr.start..jr.start + jr.len()] {
                    assert_eq!(w, 1.0 / jr.len() as f64);
                }
            }
        });
    }

    #[test]
    fn rejects_unknown_params() {
        let j = JourneysBuilder::new().path("a", 1.0, 0.0, 1.0).build();
        assert_eq!(
            run::<Linear>(&j, &[("half_life", "7d")]).unwrap_err(),
            ModelError::InvalidParam(
                "unknown parameter `half_life`: this plugin accepts no parameters".into()
            )
        );
    }
}
