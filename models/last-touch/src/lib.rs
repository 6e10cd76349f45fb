//! Last touch: the journey's latest touch gets all the credit.
//!
//! Version 2 has no `skip` parameter. "Last non-direct" (GA4's cross-channel last click,
//! which passes over direct unless a journey has nothing else) is the host's doing now: a
//! journey filter that is last touch's documented default (docs/campaign-file.md, "Touch
//! filters"), so any model can be given the same rule and the report shows what it did.

use ascribe_sdk::Params;
use ascribe_sdk::model::{Info, Inputs, Journeys, Model, ModelError, Output};

pub struct LastTouch;

impl Model for LastTouch {
    fn info() -> Info {
        Info {
            name: "last-touch".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: "All credit to the last touch of each converting journey (the host \
                          passes over direct touches by default: last non-direct)."
                .into(),
            params: vec![],
            inputs: Inputs::NONE,
            key_scores: vec![],
        }
    }

    fn attribute(input: &Journeys, _params: &Params) -> Result<Output, ModelError> {
        let mut weights = vec![0.0; input.touches()];
        for j in input.iter() {
            if !j.is_empty() {
                weights[j.start + j.len() - 1] = 1.0;
            }
        }
        Ok(Output::weights(weights))
    }
}

ascribe_sdk::export_model!(LastTouch);

#[cfg(test)]
mod tests {
    use super::*;
    use ascribe_sdk::model::{JourneysBuilder, run};

    #[test]
    fn last_touch_takes_all() {
        // a > direct converts: direct (touch 1) gets 1 — passing it over is a journey
        // filter's job, not the model's. d alone: d gets 1. e > f never converts: its last
        // touch is marked all the same (finite, non-negative; not used for money).
        let j = JourneysBuilder::new()
            .path("a > direct", 1.0, 0.0, 10.0)
            .path("d", 2.0, 0.0, 50.0)
            .path("e > f", 0.0, 3.0, 0.0)
            .path("", 1.0, 0.0, 10.0)
            .build();
        j.check().unwrap();
        let out = run::<LastTouch>(&j, &[]).unwrap();
        assert_eq!(out.weights, vec![0.0, 1.0, 1.0, 0.0, 1.0]);
    }

    #[test]
    fn rejects_unknown_params() {
        // `skip` was version 1's; version 2 refuses it like any other unknown name.
        let j = JourneysBuilder::new().path("a", 1.0, 0.0, 1.0).build();
        assert_eq!(
            run::<LastTouch>(&j, &[("skip", "direct")]).unwrap_err(),
            ModelError::InvalidParam(
                "unknown parameter `skip`: this plugin accepts no parameters".into()
            )
        );
    }
}
