//! `ascribe:model@0.1.0`.

use wasmtime::Store;
use wasmtime::component::{Component, Linker};

use crate::runtime::model::{JourneyColumns, ModelInfo, ModelOutput, ParamSpec};
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
            needs_timestamps: i.needs_timestamps,
            needs_milestones: i.needs_milestones,
            needs_nulls: i.needs_nulls,
            key_scores: i.key_scores,
        })
    }

    /// Moves the columns into the call and back, so a caller running several models over
    /// the same journeys never copies them on the host side.
    pub fn attribute(
        &self,
        store: &mut Store<StoreState>,
        input: &mut JourneyColumns,
        params: &[(String, String)],
    ) -> wasmtime::Result<Answer<ModelOutput>> {
        let j = wit::Journeys {
            keys: std::mem::take(&mut input.keys),
            partners: std::mem::take(&mut input.partners),
            touch_key: std::mem::take(&mut input.touch_key),
            touch_time_ms: std::mem::take(&mut input.touch_time_ms),
            touch_flags: std::mem::take(&mut input.touch_flags),
            touch_partner: std::mem::take(&mut input.touch_partner),
            journey_offsets: std::mem::take(&mut input.journey_offsets),
            conversions: std::mem::take(&mut input.conversions),
            nulls: std::mem::take(&mut input.nulls),
            value: std::mem::take(&mut input.value),
            conversion_time_ms: std::mem::take(&mut input.conversion_time_ms),
        };
        let result =
            self.plugin
                .ascribe_model_attribution()
                .call_attribute(&mut *store, &j, params);
        *input = JourneyColumns {
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
        Ok(match result? {
            Ok(o) => Ok(ModelOutput {
                weights: o.weights,
                scores: o.scores.into_iter().map(|s| (s.name, s.values)).collect(),
                notes: o.notes,
            }),
            Err(wit::ModelError::InvalidParam(m)) => Err(("invalid parameter", m)),
            Err(wit::ModelError::UnsupportedInput(m)) => Err(("unsupported input", m)),
            Err(wit::ModelError::Failed(m)) => Err(("failed", m)),
        })
    }
}
