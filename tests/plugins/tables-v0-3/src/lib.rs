//! A model built straight against the frozen `ascribe:model@0.3.0` (no SDK: the SDK follows
//! the newest contract): first touch, a score per key, a note and one internal table of
//! each column kind, so a test can check that the host converts a 0.3.0 answer into
//! 0.4.0's whole, and that such a model is never mergeable.

wit_bindgen::generate!({
    path: "../../../wit/model-0.3.0",
    world: "model-plugin",
});

use exports::ascribe::model::attribution::*;

#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
struct Tables;

impl Guest for Tables {
    fn info() -> PluginInfo {
        PluginInfo {
            name: "tables-v0-3".into(),
            version: "0.0.1".into(),
            kind: "model".into(),
            description: "test plugin".into(),
            params: vec![],
            inputs: Inputs::TOUCH_KEYS,
            key_scores: vec!["touches".into()],
        }
    }

    fn attribute(j: Journeys, _: Vec<(String, String)>) -> Result<AttributionOutput, ModelError> {
        let mut w = vec![0.0; j.touch_key.len()];
        for s in j.journey_offsets.windows(2) {
            if s[0] < s[1] {
                w[s[0] as usize] = 1.0;
            }
        }
        let mut touches = vec![0.0; j.keys.len()];
        for &k in &j.touch_key {
            touches[k as usize] += 1.0;
        }
        Ok(AttributionOutput {
            weights: w,
            scores: vec![ScoreColumn {
                name: "touches".into(),
                values: touches.clone(),
            }],
            notes: vec!["tables-v0-3: first touch".into()],
            tables: vec![InternalTable {
                name: "touches-per-key".into(),
                description: "how many touches each key has".into(),
                columns: vec![
                    InternalColumn {
                        name: "key".into(),
                        values: ColumnValues::Text(j.keys.clone()),
                    },
                    InternalColumn {
                        name: "touches".into(),
                        values: ColumnValues::Numbers(touches),
                    },
                ],
            }],
        })
    }
}

#[cfg(target_arch = "wasm32")]
export!(Tables);
