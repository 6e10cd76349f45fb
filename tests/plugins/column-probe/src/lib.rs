//! Asks for `nulls` and `partners` only, answers first-touch, and reports in a note the
//! length of every column it was sent, so a test can check that the host sends a
//! model@0.2.0 plugin exactly the columns it asked for. Built straight against the frozen
//! `ascribe:model@0.2.0` (no SDK: the SDK follows the newest contract), so the host's
//! conversion of 0.2.0 answers into 0.3.0's is run too.

wit_bindgen::generate!({
    path: "../../../wit/model-0.2.0",
    world: "model-plugin",
});

use exports::ascribe::model::attribution::*;

#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
struct Probe;

impl Guest for Probe {
    fn info() -> PluginInfo {
        PluginInfo {
            name: "column-probe".into(),
            version: "0.0.1".into(),
            kind: "model".into(),
            description: "test plugin".into(),
            params: vec![],
            inputs: Inputs::NULLS | Inputs::PARTNERS,
            key_scores: vec![],
        }
    }

    fn attribute(j: Journeys, _: Vec<(String, String)>) -> Result<AttributionOutput, ModelError> {
        // Touch counts come from the offsets: `touch-key` was not asked for.
        let mut w = vec![0.0; *j.journey_offsets.last().unwrap_or(&0) as usize];
        for s in j.journey_offsets.windows(2) {
            if s[0] < s[1] {
                w[s[0] as usize] = 1.0;
            }
        }
        Ok(AttributionOutput {
            weights: w,
            scores: vec![],
            notes: vec![format!(
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
            )],
        })
    }
}

#[cfg(target_arch = "wasm32")]
export!(Probe);
