//! {{name}}: an ascribe attribution model (contract `ascribe:model@0.4.0`).
//!
//! As generated it is a linear model that can leave some keys out: every touch of a
//! converting journey gets an equal share, except touches on `ignore_keys` (say `direct`),
//! which get none unless the journey has nothing else. Change `info` and `attribute`;
//! the SDK in `vendor/ascribe-sdk/` handles the contract.

use ascribe_sdk::model::{Info, Inputs, Journeys, Model, ModelError, Output};
use ascribe_sdk::{ParamSpec, Params};

pub struct Plugin;

impl Model for Plugin {
    fn info() -> Info {
        Info {
            name: "{{name}}".into(),
            version: "0.1.0".into(),
            description: "Linear credit over the touches of each journey, leaving out the keys in `ignore_keys` unless a journey has no other".into(),
            params: vec![ParamSpec::new(
                "ignore_keys",
                "direct",
                "comma-separated keys that get no credit while the journey has other touches",
            )],
            // It reads each touch's key, nothing else: the host sends only that.
            inputs: Inputs::TOUCH_KEYS,
            key_scores: vec![],
        }
    }

    fn attribute(input: &Journeys, params: &Params) -> Result<Output, ModelError> {
        let ignore = params.list("ignore_keys");
        let ignored: Vec<bool> = input.keys.iter().map(|k| ignore.contains(k)).collect();
        let mut weights = vec![0.0; input.touches()];
        for j in input.iter() {
            let counted = j.keys.iter().filter(|&&k| !ignored[k as usize]).count();
            for (i, &k) in j.keys.iter().enumerate() {
                weights[j.start + i] = if counted == 0 {
                    1.0 / j.len() as f64
                } else if ignored[k as usize] {
                    0.0
                } else {
                    1.0 / counted as f64
                };
            }
        }
        Ok(Output {
            weights,
            scores: vec![],
            notes: vec![],
            tables: vec![],
        })
    }
}

ascribe_sdk::export_model!(Plugin);

#[cfg(test)]
mod tests {
    use super::*;
    use ascribe_sdk::model::{JourneysBuilder, check_weights, run};

    #[test]
    fn credit_skips_ignored_keys_unless_alone() {
        let j = JourneysBuilder::new()
            .path("webinar > direct > event", 1.0, 0.0, 100.0)
            .path("direct", 2.0, 0.0, 50.0)
            .path("email > email", 0.0, 3.0, 0.0)
            .build();
        let out = run::<Plugin>(&j, &[]).unwrap();
        assert_eq!(out.weights, vec![0.5, 0.0, 0.5, 1.0, 0.5, 0.5]);
        check_weights(&j, &out).unwrap();
        let plain = run::<Plugin>(&j, &[("ignore_keys", "")]).unwrap();
        assert_eq!(plain.weights[..3], [1.0 / 3.0; 3]);
        check_weights(&j, &plain).unwrap();
    }

    #[test]
    fn unknown_parameters_are_refused() {
        let j = JourneysBuilder::new().path("a", 1.0, 0.0, 1.0).build();
        assert_eq!(
            run::<Plugin>(&j, &[("ignore", "x")]).unwrap_err(),
            ModelError::InvalidParam(
                "unknown parameter `ignore`: accepted parameters are ignore_keys".into()
            )
        );
    }
}
