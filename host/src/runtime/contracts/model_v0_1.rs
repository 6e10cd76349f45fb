//! `ascribe:model@0.1.0`: every column is sent, zeros where the host has no data. Kept
//! so models built against it keep running (frozen; new models use 0.2.0).

use wasmtime::Store;
use wasmtime::component::{Component, Linker};

use crate::runtime::model::{Inputs, JourneyColumns, ModelInfo, ModelOutput, ParamSpec};
use crate::runtime::sandbox::StoreState;

mod bindings {
    wasmtime::component::bindgen!({
        path: "../wit/model-0.1.0",
        world: "model-plugin",
    });
}

use bindings::exports::ascribe::model::attribution as wit;

/// What a call returned: the plugin's answer, or its typed refusal.
pub type Answer<T> = Result<T, (&'static str, String)>;

pub struct Instance {
    plugin: bindings::ModelPlugin,
}

impl Instance {
    pub fn new(
        store: &mut Store<StoreState>,
        component: &Component,
        linker: &Linker<StoreState>,
    ) -> wasmtime::Result<Instance> {
        Ok(Instance {
            plugin: bindings::ModelPlugin::instantiate(store, component, linker)?,
        })
    }

    pub fn info(&self, store: &mut Store<StoreState>) -> wasmtime::Result<ModelInfo> {
        let i = self.plugin.ascribe_model_attribution().call_info(store)?;
        Ok(ModelInfo {
            name: i.name,
            version: i.version,
            description: i.description,
            params: i
                .params
                .into_iter()
                .map(|p| ParamSpec {
                    name: p.name,
                    default_value: p.default_value,
                    description: p.description,
                })
                .collect(),
            // 0.1.0 declares three of the inputs; it reads keys and values as it likes,
            // and partners without a say in merging (as 0.1.0 hosts always merged).
            inputs: Inputs {
                touch_keys: true,
                times: i.needs_timestamps,
                milestones: i.needs_milestones,
                partners: false,
                nulls: i.needs_nulls,
                values: true,
            },
            key_scores: i.key_scores,
        })
    }

    /// Calls the model with the columns `lend` prepared, and hands them back with its
    /// answer, so the caller can return the host's own to it.
    pub fn attribute(
        &self,
        store: &mut Store<StoreState>,
        cols: JourneyColumns,
        params: &[(String, String)],
    ) -> (JourneyColumns, wasmtime::Result<Answer<ModelOutput>>) {
        let j = wit::Journeys {
            keys: cols.keys,
            partners: cols.partners,
            touch_key: cols.touch_key,
            touch_time_ms: cols.touch_time_ms,
            touch_flags: cols.touch_flags,
            touch_partner: cols.touch_partner,
            journey_offsets: cols.journey_offsets,
            conversions: cols.conversions,
            nulls: cols.nulls,
            value: cols.value,
            conversion_time_ms: cols.conversion_time_ms,
        };
        let result =
            self.plugin
                .ascribe_model_attribution()
                .call_attribute(&mut *store, &j, params);
        let cols = JourneyColumns {
            keys: j.keys,
            partners: j.partners,
            touch_key: j.touch_key,
            touch_time_ms: j.touch_time_ms,
            touch_flags: j.touch_flags,
            touch_partner: j.touch_partner,
            journey_offsets: j.journey_offsets,
            conversions: j.conversions,
            nulls: j.nulls,
            value: j.value,
            conversion_time_ms: j.conversion_time_ms,
        };
        (cols, result.map(convert_answer))
    }
}

fn convert_answer(answer: Result<wit::AttributionOutput, wit::ModelError>) -> Answer<ModelOutput> {
    match answer {
        Ok(o) => Ok(ModelOutput {
            weights: o.weights,
            scores: o.scores.into_iter().map(|s| (s.name, s.values)).collect(),
            notes: o.notes,
        }),
        Err(wit::ModelError::InvalidParam(m)) => Err(("invalid parameter", m)),
        Err(wit::ModelError::UnsupportedInput(m)) => Err(("unsupported input", m)),
        Err(wit::ModelError::Failed(m)) => Err(("failed", m)),
    }
}
