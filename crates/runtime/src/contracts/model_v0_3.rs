//! `ascribe:model@0.3.0`: a model names the columns it reads (as in 0.2.0) and may return
//! its internals as tables; it offers no statistics (never mergeable). Kept so models
//! built against it keep running (frozen; new models use 0.4.0).
//!
//! Nothing here converts into the runtime's types: 0.3.0's bindings convert into 0.4.0's
//! (the `From` impls below), and 0.4.0's one conversion does the rest. `model_v0_2`
//! converts into this version's bindings and calls `call` and `model_info` here, which
//! pass them on, so each version knows only the next one.

use wasmtime::Store;

use super::Answer;
use super::model_v0_4::{self as latest, wit as next};
use crate::model::{JourneyColumns, ModelInfo, ModelOutput};
use crate::sandbox::StoreState;

mod bindings {
    wasmtime::component::bindgen!({
        path: "../../wit/model-0.3.0",
        world: "model-plugin",
    });
}

/// This version's generated types, which 0.2.0's convert into.
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

/// A model's info in the runtime's terms, through 0.4.0's (not mergeable).
pub(super) fn model_info(i: wit::PluginInfo) -> ModelInfo {
    latest::model_info(i.into())
}

/// One `attribute` call of this version or an older one: the caller's types `J`, `O`, `E`
/// convert into this version's, which [`Via`] passes on to 0.4.0's `call`.
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
    latest::call(cols, |j: &Via<J>| {
        attribute(&j.0).map(|r| r.map(Via).map_err(Via))
    })
}

/// A caller's binding type on its way to 0.4.0's through this version's: each step is a
/// move of every column, so an 0.1.0 call costs no copy more than a 0.4.0 one.
pub(super) struct Via<T>(T);

impl<J: From<wit::Journeys>> From<next::Journeys> for Via<J> {
    fn from(j: next::Journeys) -> Self {
        Via(J::from(wit::Journeys::from(j)))
    }
}

impl<J> From<Via<J>> for next::Journeys
where
    wit::Journeys: From<J>,
{
    fn from(j: Via<J>) -> Self {
        next::Journeys::from(wit::Journeys::from(j.0))
    }
}

impl<O> From<Via<O>> for next::AttributionOutput
where
    wit::AttributionOutput: From<O>,
{
    fn from(o: Via<O>) -> Self {
        next::AttributionOutput::from(wit::AttributionOutput::from(o.0))
    }
}

impl<E> From<Via<E>> for next::ModelError
where
    wit::ModelError: From<E>,
{
    fn from(e: Via<E>) -> Self {
        next::ModelError::from(wit::ModelError::from(e.0))
    }
}

impl From<wit::PluginInfo> for next::PluginInfo {
    fn from(i: wit::PluginInfo) -> Self {
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
            inputs: [
                (wit::Inputs::TOUCH_KEYS, next::Inputs::TOUCH_KEYS),
                (wit::Inputs::TIMES, next::Inputs::TIMES),
                (wit::Inputs::MILESTONES, next::Inputs::MILESTONES),
                (wit::Inputs::PARTNERS, next::Inputs::PARTNERS),
                (wit::Inputs::NULLS, next::Inputs::NULLS),
                (wit::Inputs::VALUES, next::Inputs::VALUES),
            ]
            .into_iter()
            .filter(|(ours, _)| i.inputs.contains(*ours))
            .fold(next::Inputs::empty(), |all, (_, flag)| all | flag),
            key_scores: i.key_scores,
            mergeable: false,
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
            tables: o
                .tables
                .into_iter()
                .map(|t| next::InternalTable {
                    name: t.name,
                    description: t.description,
                    columns: t
                        .columns
                        .into_iter()
                        .map(|c| next::InternalColumn {
                            name: c.name,
                            values: match c.values {
                                wit::ColumnValues::Text(v) => next::ColumnValues::Text(v),
                                wit::ColumnValues::Numbers(v) => next::ColumnValues::Numbers(v),
                            },
                        })
                        .collect(),
                })
                .collect(),
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
