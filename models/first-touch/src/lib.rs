//! First touch: the journey's earliest touch gets all the credit (every tool's convention).

use ascribe_sdk::Params;
use ascribe_sdk::model::{Info, Inputs, Journeys, Model, ModelError, Output};

pub struct FirstTouch;

impl Model for FirstTouch {
    fn info() -> Info {
        Info {
            name: "first-touch".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: "All credit to the first touch of each converting journey.".into(),
            params: vec![],
            inputs: Inputs::NONE,
            key_scores: vec![],
        }
    }

    fn attribute(input: &Journeys, _params: &Params) -> Result<Output, ModelError> {
        let mut weights = vec![0.0; input.touches()];
        for j in input.iter() {
            if !j.is_empty() {
                weights[j.start] = 1.0;
            }
        }
        Ok(Output::weights(weights))
    }
}

ascribe_sdk::export_model!(FirstTouch);

#[cfg(test)]
mod tests {
    use super::*;
    use ascribe_sdk::model::{JourneysBuilder, run};

    #[test]
    fn first_touch_takes_all() {
        // a > b > c converts: a gets 1. d alone converts: d gets 1. e > f never converts:
        // first-touch still marks its first touch (weights of non-converting journeys are
        // not used for money, but must be finite and non-negative).
        let j = JourneysBuilder::new()
            .path("a > b > c", 1.0, 0.0, 100.0)
            .path("d", 2.0, 0.0, 50.0)
            .path("e > f", 0.0, 3.0, 0.0)
            .path("", 1.0, 0.0, 10.0)
            .build();
        j.check().unwrap();
        let out = run::<FirstTouch>(&j, &[]).unwrap();
        assert_eq!(out.weights, vec![1.0, 0.0, 0.0, 1.0, 1.0, 0.0]);
    }

    #[test]
    fn rejects_unknown_params() {
        let j = JourneysBuilder::new().path("a", 1.0, 0.0, 1.0).build();
        assert_eq!(
            run::<FirstTouch>(&j, &[("x", "1")]).unwrap_err(),
            ModelError::InvalidParam(
                "unknown parameter `x`: this plugin accepts no parameters".into()
            )
        );
    }
}
