//! `ascribe:model@0.1.0`: every column is sent, zeros where the host has no data. Kept
//! so models built against it keep running (frozen; new models use 0.3.0).
//!
//! Nothing here converts into the runtime's types: 0.1.0's bindings convert into 0.2.0's
//! (the `From` impls below), 0.2.0's into 0.3.0's, and 0.3.0's one conversion does the
//! rest. The columns sent
//! are [`Contract::columns_sent`](super::Contract::columns_sent)'s business: every one.

use wasmtime::Store;

use super::Answer;
use super::model_v0_2::{self as v0_2, wit as next};
use crate::model::{JourneyColumns, ModelInfo, ModelOutput};
use crate::sandbox::StoreState;

mod bindings {
    wasmtime::component::bindgen!({
        path: "../../wit/model-0.1.0",
        world: "model-plugin",
    });
}

use bindings::exports::ascribe::model::attribution as wit;

instance!(bindings::ModelPlugin, "a model built against 0.1.0");

impl Instance {
    /// Asks the model what it is; its three `needs-*` answers become 0.2.0's inputs.
    pub fn info(&self, store: &mut Store<StoreState>) -> wasmtime::Result<ModelInfo> {
        let i = self.plugin.ascribe_model_attribution().call_info(store)?;
        Ok(v0_2::model_info(i.into()))
    }

    /// Calls the model with the columns `lend` prepared, and hands them back with its
    /// answer, so the caller can return the host's own to it.
    pub fn attribute(
        &self,
        store: &mut Store<StoreState>,
        cols: JourneyColumns,
        params: &[(String, String)],
    ) -> (JourneyColumns, wasmtime::Result<Answer<ModelOutput>>) {
        v0_2::call(cols, |j: &wit::Journeys| {
            self.plugin
                .ascribe_model_attribution()
                .call_attribute(&mut *store, j, params)
        })
    }
}

impl From<wit::PluginInfo> for next::PluginInfo {
    fn from(i: wit::PluginInfo) -> Self {
        // 0.1.0 declares three of the inputs; it reads keys and values as it likes, and
        // partners without a say in merging (as 0.1.0 hosts always merged).
        let mut inputs = next::Inputs::TOUCH_KEYS | next::Inputs::VALUES;
        for (needed, flag) in [
            (i.needs_timestamps, next::Inputs::TIMES),
            (i.needs_milestones, next::Inputs::MILESTONES),
            (i.needs_nulls, next::Inputs::NULLS),
        ] {
            if needed {
                inputs |= flag;
            }
        }
        next::PluginInfo {
            name: i.name,
            version: i.version,
            kind: i.kind,
            description: i.description,
            params: i
                .params
                .into_iter()
                .map(|p| next::ParamSpec {
                    name: p.name,
                    default_value: p.default_value,
                    description: p.description,
                })
                .collect(),
            inputs,
            key_scores: i.key_scores,
        }
    }
}

impl From<next::Journeys> for wit::Journeys {
    fn from(j: next::Journeys) -> Self {
        journeys!(j => wit::Journeys)
    }
}

impl From<wit::Journeys> for next::Journeys {
    fn from(j: wit::Journeys) -> Self {
        journeys!(j => next::Journeys)
    }
}

impl From<wit::AttributionOutput> for next::AttributionOutput {
    fn from(o: wit::AttributionOutput) -> Self {
        next::AttributionOutput {
            weights: o.weights,
            scores: o
                .scores
                .into_iter()
                .map(|s| next::ScoreColumn {
                    name: s.name,
                    values: s.values,
                })
                .collect(),
            notes: o.notes,
        }
    }
}

impl From<wit::ModelError> for next::ModelError {
    fn from(e: wit::ModelError) -> Self {
        match e {
            wit::ModelError::InvalidParam(m) => next::ModelError::InvalidParam(m),
            wit::ModelError::UnsupportedInput(m) => next::ModelError::UnsupportedInput(m),
            wit::ModelError::Failed(m) => next::ModelError::Failed(m),
        }
    }
}
