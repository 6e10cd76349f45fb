//! Last touch: the journey's latest touch gets all the credit, skipping channels such as
//! `direct` unless nothing else is left (GA4's cross-channel last click ignores direct).
//!
//! A key is skipped when, compared without regard to ASCII case, it equals an entry of
//! `skip` or its part after the last `:` does (so `direct` also skips `acme:direct` when the
//! keys are `partner:channel`). When every touch of a journey is skipped, its last touch
//! gets the credit after all.

use ascribe_sdk::model::{Info, Inputs, Journeys, Model, ModelError, Output};
use ascribe_sdk::{ParamSpec, Params};

pub struct LastTouch;

/// Whether `key` matches one of the `skip` entries (already lower-cased).
fn skipped(key: &str, skip: &[String]) -> bool {
    let key = key.to_ascii_lowercase();
    let channel = key.rsplit(':').next().unwrap_or(&key);
    skip.iter().any(|s| *s == key || s == channel)
}

impl Model for LastTouch {
    fn info() -> Info {
        Info {
            name: "last-touch".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: "All credit to the last touch of each converting journey, skipping the \
                          listed channels unless they are the only ones."
                .into(),
            params: vec![ParamSpec::new(
                "skip",
                "direct",
                "Comma-separated keys to pass over unless a journey has nothing else (matched \
                 without regard to case, on the whole key or on its part after the last `:`); \
                 empty skips nothing.",
            )],
            inputs: Inputs::TOUCH_KEYS,
            key_scores: vec![],
        }
    }

    fn attribute(input: &Journeys, params: &Params) -> Result<Output, ModelError> {
        let skip: Vec<String> = params
            .list("skip")
            .into_iter()
            .map(|s| s.to_ascii_lowercase())
            .collect();
        let skip_key: Vec<bool> = input.keys.iter().map(|k| skipped(k, &skip)).collect();
        let mut weights = vec![0.0; input.touches()];
        for j in input.iter() {
            if j.is_empty() {
                continue;
            }
            let last = j
                .keys
                .iter()
                .rposition(|&k| !skip_key[k as usize])
                .unwrap_or(j.len() - 1);
            weights[j.start + last] = 1.0;
        }
        Ok(Output::weights(weights))
    }
}

ascribe_sdk::export_model!(LastTouch);

#[cfg(test)]
mod tests {
    use super::*;
    use ascribe_sdk::model::{JourneysBuilder, run};
    use ascribe_sdk::testing::*;

    #[test]
    fn hand_computed_example() {
        // Journey 1: a > direct        -> `direct` is skipped, a (touch 0) gets 1.
        // Journey 2: direct > direct   -> nothing but direct: the last touch (1) gets 1.
        // Journey 3: b > Acme:Direct > c -> c is last and not skipped: c gets 1.
        // Journey 4: b > acme:DIRECT   -> `acme:direct` ends in `direct`, skipped: b gets 1.
        // Journey 5: no touches        -> no weights.
        let j = JourneysBuilder::new()
            .path("a > direct", 1.0, 0.0, 10.0)
            .path("direct > direct", 1.0, 0.0, 10.0)
            .path("b > Acme:Direct > c", 2.0, 1.0, 10.0)
            .path("b > acme:DIRECT", 1.0, 0.0, 10.0)
            .path("", 1.0, 0.0, 10.0)
            .build();
        j.check().unwrap();
        let out = run::<LastTouch>(&j, &[]).unwrap();
        assert_eq!(
            out.weights,
            vec![1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 1.0, 1.0, 0.0]
        );
        // With `skip` empty, plain last touch: every journey's final touch.
        let out = run::<LastTouch>(&j, &[("skip", "")]).unwrap();
        assert_eq!(
            out.weights,
            vec![0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 1.0, 0.0, 1.0]
        );
        // Skipping c and direct: journey 3 falls back to b.
        let out = run::<LastTouch>(&j, &[("skip", "direct, C")]).unwrap();
        assert_eq!(
            out.weights,
            vec![1.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0, 0.0]
        );
    }

    #[test]
    fn random_journeys_keep_the_invariants() {
        check_random_rounds_then::<LastTouch>(11, 10, &[&[("skip", "k0")], &[]], |j, out| {
            // Exactly one touch of each non-empty journey carries weight 1.
            for jr in j.iter() {
                let w = &out.weights[jr.start..jr.start + jr.len()];
                if !w.is_empty() {
                    assert_eq!(w.iter().filter(|&&x| x == 1.0).count(), 1);
                }
            }
        });
    }

    #[test]
    fn rejects_unknown_params() {
        let j = JourneysBuilder::new().path("a", 1.0, 0.0, 1.0).build();
        assert_eq!(
            run::<LastTouch>(&j, &[("skips", "direct")]).unwrap_err(),
            ModelError::InvalidParam(
                "unknown parameter `skips`: accepted parameters are skip".into()
            )
        );
    }
}
