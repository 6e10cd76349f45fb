//! `ascribe:model@0.3.0`, the latest model contract: a model names the columns it reads
//! (as in 0.2.0), and may return its internals as tables.
//!
//! This module holds the one conversion between a model contract's bindings and the
//! runtime's own types ([`ModelInfo`], [`JourneyColumns`], [`ModelOutput`]). Older
//! versions convert their bindings into this version's and call `call` and
//! `model_info`, as Zed's extension host does (`model_v0_2` directly, `model_v0_1`
//! through `model_v0_2`); a newer version takes this place, and this module then
//! converts into it.

use wasmtime::Store;

use super::Answer;
use crate::model::{
    ColumnValues, Inputs, InternalColumn, InternalTable, JourneyColumns, ModelInfo, ModelOutput,
    ParamSpec,
};
use crate::sandbox::StoreState;

mod bindings {
    wasmtime::component::bindgen!({
        path: "../../wit/model-0.3.0",
        world: "model-plugin",
    });
}

/// This version's generated types, which older versions convert into.
pub(super) use bindings::exports::ascribe::model::attribution as wit;

instance!(bindings::ModelPlugin, "a model built against 0.3.0");

impl Instance {
    /// Asks the model what it is and what it reads.
    pub fn info(&self, store: &mut Store<StoreState>) -> wasmtime::Result<ModelInfo> {
        let i = self.plugin.ascribe_model_attribution().call_info(store)?;
        Ok(model_info(i))
    }

    /// Calls the model with the columns `lend` prepared, and hands them back with its
    /// answer, so the caller can return the host's own to it.
    pub fn attribute(
        &self,
        store: &mut Store<StoreState>,
        cols: JourneyColumns,
        params: &[(String, String)],
    ) -> (JourneyColumns, wasmtime::Result<Answer<ModelOutput>>) {
        call(cols, |j: &wit::Journeys| {
            self.plugin
                .ascribe_model_attribution()
                .call_attribute(&mut *store, j, params)
        })
    }
}

/// A model's info in the runtime's terms.
pub(super) fn model_info(i: wit::PluginInfo) -> ModelInfo {
    let f = i.inputs;
    ModelInfo {
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
        inputs: Inputs {
            touch_keys: f.contains(wit::Inputs::TOUCH_KEYS),
            times: f.contains(wit::Inputs::TIMES),
            milestones: f.contains(wit::Inputs::MILESTONES),
            partners: f.contains(wit::Inputs::PARTNERS),
            nulls: f.contains(wit::Inputs::NULLS),
            values: f.contains(wit::Inputs::VALUES),
        },
        key_scores: i.key_scores,
    }
}

/// One `attribute` call of any model version: `cols` go out as this version's
/// `journeys`, converted into the caller's `J` (a move of each column, no copy); they come
/// back the same way, with the answer converted into this version's types and then the
/// runtime's. `attribute` is the call itself, on the version's own bindings.
pub(super) fn call<J, O, E>(
    cols: JourneyColumns,
    attribute: impl FnOnce(&J) -> wasmtime::Result<Result<O, E>>,
) -> (JourneyColumns, wasmtime::Result<Answer<ModelOutput>>)
where
    J: From<wit::Journeys>,
    wit::Journeys: From<J>,
    wit::AttributionOutput: From<O>,
    wit::ModelError: From<E>,
{
    let j = J::from(journeys!(cols => wit::Journeys));
    let result = attribute(&j);
    let j = wit::Journeys::from(j);
    let cols = journeys!(j => JourneyColumns);
    let answer = |r: Result<O, E>| match r.map(wit::AttributionOutput::from) {
        Ok(o) => Ok(ModelOutput {
            weights: o.weights,
            scores: o.scores.into_iter().map(|s| (s.name, s.values)).collect(),
            notes: o.notes,
            tables: o.tables.into_iter().map(table).collect(),
        }),
        Err(e) => Err(match wit::ModelError::from(e) {
            wit::ModelError::InvalidParam(m) => ("invalid parameter", m),
            wit::ModelError::UnsupportedInput(m) => ("unsupported input", m),
            wit::ModelError::Failed(m) => ("failed", m),
        }),
    };
    (cols, result.map(answer))
}

/// An internal table in the runtime's terms (moved, not copied; checked afterwards by
/// `model::validate_output` with the rest of the answer).
fn table(t: wit::InternalTable) -> InternalTable {
    InternalTable {
        name: t.name,
        description: t.description,
        columns: t
            .columns
            .into_iter()
            .map(|c| InternalColumn {
                name: c.name,
                values: match c.values {
                    wit::ColumnValues::Text(v) => ColumnValues::Text(v),
                    wit::ColumnValues::Numbers(v) => ColumnValues::Numbers(v),
                },
            })
            .collect(),
    }
}
