//! Gives each journey's touches half the credit they should get: converting journeys'
//! weights sum to 0.5, not 1, which the host must refuse.
use ascribe_sdk::model::{Journeys, Model, ModelError, Output};
pub struct Skewed;
impl Model for Skewed {
    fn info() -> ascribe_sdk::model::Info {
        ascribe_sdk::model::Info {
            name: "skewed".into(),
            version: "0.0.1".into(),
            description: "hostile test plugin".into(),
            params: vec![],
            inputs: ascribe_sdk::model::Inputs::TOUCH_KEYS
                | ascribe_sdk::model::Inputs::NULLS
                | ascribe_sdk::model::Inputs::VALUES,
            key_scores: vec![],
        }
    }
    fn attribute(input: &Journeys, _: &ascribe_sdk::Params) -> Result<Output, ModelError> {
        let mut w = vec![0.0; input.touches()];
        for j in input.iter() {
            for i in 0..j.len() {
                w[j.start + i] = 0.5 / j.len() as f64;
            }
        }
        Ok(Output::weights(w))
    }
}
ascribe_sdk::export_model!(Skewed);
