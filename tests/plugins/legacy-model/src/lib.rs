//! A model built straight against `ascribe:model@0.1.0` (no SDK: the SDK follows the newest
//! contract). 0.1.0 promises every column full length, zeros where the host has no data;
//! this model refuses the call if one is missing, and otherwise answers first-touch; with
//! `report=1`, a note of what it was sent, so a test can check the zeros. (Without it the
//! model reads no column past the lengths: the call-path bench times the boundary with it.)

wit_bindgen::generate!({
    path: "../../../wit/model-0.1.0",
    world: "model-plugin",
});

use exports::ascribe::model::attribution::*;

#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
struct Legacy;

impl Guest for Legacy {
    fn info() -> PluginInfo {
        PluginInfo {
            name: "legacy".into(),
            version: "0.1.0".into(),
            kind: "model".into(),
            description: "first-touch, built against ascribe:model@0.1.0".into(),
            params: vec![ParamSpec {
                name: "report".into(),
                default_value: "0".into(),
                description: "1: note what the call was sent".into(),
            }],
            needs_timestamps: false,
            needs_milestones: false,
            needs_nulls: true,
            key_scores: vec![],
        }
    }

    fn attribute(
        j: Journeys,
        params: Vec<(String, String)>,
    ) -> Result<AttributionOutput, ModelError> {
        let t = j.touch_key.len();
        let n = j.journey_offsets.len().saturating_sub(1);
        for (name, len, want) in [
            ("touch-time-ms", j.touch_time_ms.len(), t),
            ("touch-flags", j.touch_flags.len(), t),
            ("touch-partner", j.touch_partner.len(), t),
            ("conversions", j.conversions.len(), n),
            ("nulls", j.nulls.len(), n),
            ("value", j.value.len(), n),
            ("conversion-time-ms", j.conversion_time_ms.len(), n),
        ] {
            if len != want {
                return Err(ModelError::UnsupportedInput(format!(
                    "{name} has {len} entries, not {want}"
                )));
            }
        }
        if t > 0
            && j.touch_partner
                .iter()
                .any(|&p| p as usize >= j.partners.len())
        {
            return Err(ModelError::UnsupportedInput(
                "a touch partner is out of range".into(),
            ));
        }
        let mut weights = vec![0.0; t];
        for w in j.journey_offsets.windows(2) {
            if w[0] < w[1] {
                weights[w[0] as usize] = 1.0;
            }
        }
        let report = params.iter().any(|(k, v)| k == "report" && v == "1");
        if !report {
            return Ok(AttributionOutput {
                weights,
                scores: vec![],
                notes: vec![],
            });
        }
        let nonzero = |v: &[i64]| v.iter().filter(|&&x| x != 0).count();
        Ok(AttributionOutput {
            weights,
            scores: vec![],
            notes: vec![format!(
                "partners {:?}; nonzero times {}, flags {}, conversion times {}; value sum {}",
                j.partners,
                nonzero(&j.touch_time_ms),
                j.touch_flags.iter().filter(|&&f| f != 0).count(),
                nonzero(&j.conversion_time_ms),
                j.value.iter().sum::<f64>()
            )],
        })
    }
}

// Only the wasm build exports symbols: natively (`cargo test --workspace`) the crate is
// an ordinary library, and the contract's export names are not valid native symbols.
#[cfg(target_arch = "wasm32")]
export!(Legacy);
