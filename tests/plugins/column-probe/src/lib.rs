//! Asks for `nulls` and `partners` only, answers first-touch, and reports in a note the
//! length of every column it was sent, so a test can check that the host sends a
//! model@0.2.0 plugin exactly the columns it asked for.
use ascribe_sdk::model::{Inputs, Journeys, Model, ModelError, Output};

pub struct Probe;
impl Model for Probe {
    fn info() -> ascribe_sdk::model::Info {
        ascribe_sdk::model::Info {
            name: "column-probe".into(),
            version: "0.0.1".into(),
            description: "test plugin".into(),
            params: vec![],
            inputs: Inputs::NULLS | Inputs::PARTNERS,
            key_scores: vec![],
        }
    }
    fn attribute(j: &Journeys, _: &ascribe_sdk::Params) -> Result<Output, ModelError> {
        let mut w = vec![0.0; j.touches()];
        for x in j.iter() {
            if !x.is_empty() {
                w[x.start] = 1.0;
            }
        }
        let mut out = Output::weights(w);
        out.notes.push(format!(
            "keys {} partners {} touch-key {} touch-time-ms {} touch-flags {} touch-partner {} journey-offsets {} conversions {} nulls {} value {} conversion-time-ms {}",
            j.keys.len(),
            j.partners.len(),
            j.touch_key.len(),
            j.touch_time_ms.len(),
            j.touch_flags.len(),
            j.touch_partner.len(),
            j.journey_offsets.len(),
            j.conversions.len(),
            j.nulls.len(),
            j.value.len(),
            j.conversion_time_ms.len()
        ));
        Ok(out)
    }
}
ascribe_sdk::export_model!(Probe);
