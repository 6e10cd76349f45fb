//! `ascribe:model@0.4.0`, the latest model contract: as 0.3.0 (a model names the columns it
//! reads, and may return its internals as tables), and a data-driven model may offer
//! `statistics`, `merge`, `solve` and `weights`, so its work splits over partitions.
//!
//! This module holds the one conversion between a model contract's bindings and the
//! runtime's own types ([`ModelInfo`], [`JourneyColumns`], [`ModelOutput`], [`Stats`],
//! [`Solution`]). Older versions convert their bindings into this version's and call
//! `call` and `model_info`, as Zed's extension host does (`model_v0_3` directly,
//! `model_v0_2` through `model_v0_3`, `model_v0_1` through both); a newer version takes
//! this place, and this module then converts into it. Only this version has the four
//! calls: an older model is never mergeable.

use wasmtime::Store;

use super::Answer;
use crate::model::{
    ColumnValues, Inputs, InternalColumn, InternalTable, JourneyColumns, ModelInfo, ModelOutput,
    ParamSpec,
};
use crate::sandbox::StoreState;
use crate::stats::{Solution, StatCells, StatColumn, StatTable, Stats};

mod bindings {
    wasmtime::component::bindgen!({
        path: "../../wit/model-0.4.0",
        world: "model-plugin",
    });
}

/// This version's generated types, which older versions convert into.
pub(super) use bindings::exports::ascribe::model::attribution as wit;

instance!(bindings::ModelPlugin, "a model built against 0.4.0");

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

    /// `statistics` over the columns `lend` prepared, handed back with the answer.
    pub fn statistics(
        &self,
        store: &mut Store<StoreState>,
        cols: JourneyColumns,
        params: &[(String, String)],
    ) -> (JourneyColumns, wasmtime::Result<Answer<Stats>>) {
        let j = journeys!(cols => wit::Journeys);
        let result =
            self.plugin
                .ascribe_model_attribution()
                .call_statistics(&mut *store, &j, params);
        (
            journeys!(j => JourneyColumns),
            result.map(|r| r.map(stats_in).map_err(refusal)),
        )
    }

    /// `merge` of two statistics.
    pub fn merge(
        &self,
        store: &mut Store<StoreState>,
        a: &Stats,
        b: &Stats,
    ) -> wasmtime::Result<Answer<Stats>> {
        let (a, b) = (stats_out(a), stats_out(b));
        let r = self
            .plugin
            .ascribe_model_attribution()
            .call_merge(store, &a, &b)?;
        Ok(r.map(stats_in).map_err(refusal))
    }

    /// `solve` over merged statistics.
    pub fn solve(
        &self,
        store: &mut Store<StoreState>,
        all: &Stats,
        params: &[(String, String)],
    ) -> wasmtime::Result<Answer<Solution>> {
        let all = stats_out(all);
        let r = self
            .plugin
            .ascribe_model_attribution()
            .call_solve(store, &all, params)?;
        Ok(r.map(solution_in).map_err(refusal))
    }

    /// `weights` of the columns `lend` prepared, from a solution; handed back with the
    /// answer.
    pub fn weights(
        &self,
        store: &mut Store<StoreState>,
        cols: JourneyColumns,
        solution: &Solution,
        params: &[(String, String)],
    ) -> (JourneyColumns, wasmtime::Result<Answer<ModelOutput>>) {
        let solved = solution_out(solution);
        call(cols, |j: &wit::Journeys| {
            self.plugin
                .ascribe_model_attribution()
                .call_weights(&mut *store, j, &solved, params)
        })
    }
}

/// A model's typed refusal in the runtime's terms.
fn refusal(e: wit::ModelError) -> (&'static str, String) {
    match e {
        wit::ModelError::InvalidParam(m) => ("invalid parameter", m),
        wit::ModelError::UnsupportedInput(m) => ("unsupported input", m),
        wit::ModelError::Failed(m) => ("failed", m),
    }
}

fn tables_in(tables: Vec<wit::StatTable>) -> Vec<StatTable> {
    tables
        .into_iter()
        .map(|t| StatTable {
            name: t.name,
            columns: t
                .columns
                .into_iter()
                .map(|c| StatColumn {
                    name: c.name,
                    cells: match c.cells {
                        wit::StatCells::Name(v) => StatCells::Name(v),
                        wit::StatCells::Names(l) => StatCells::Names {
                            offsets: l.offsets,
                            items: l.items,
                        },
                        wit::StatCells::Count(v) => StatCells::Count(v),
                        wit::StatCells::Amount(v) => StatCells::Amount(v),
                        wit::StatCells::Number(v) => StatCells::Number(v),
                    },
                })
                .collect(),
        })
        .collect()
}

fn tables_out(tables: &[StatTable]) -> Vec<wit::StatTable> {
    tables
        .iter()
        .map(|t| wit::StatTable {
            name: t.name.clone(),
            columns: t
                .columns
                .iter()
                .map(|c| wit::StatColumn {
                    name: c.name.clone(),
                    cells: match &c.cells {
                        StatCells::Name(v) => wit::StatCells::Name(v.clone()),
                        StatCells::Names { offsets, items } => {
                            wit::StatCells::Names(wit::NameLists {
                                offsets: offsets.clone(),
                                items: items.clone(),
                            })
                        }
                        StatCells::Count(v) => wit::StatCells::Count(v.clone()),
                        StatCells::Amount(v) => wit::StatCells::Amount(v.clone()),
                        StatCells::Number(v) => wit::StatCells::Number(v.clone()),
                    },
                })
                .collect(),
        })
        .collect()
}

/// Statistics in the runtime's terms (checked afterwards by `stats::validate_stats`).
fn stats_in(s: wit::Stats) -> Stats {
    Stats {
        layout: s.layout,
        names: s.names,
        tables: tables_in(s.tables),
    }
}

/// Statistics as this version sends them.
fn stats_out(s: &Stats) -> wit::Stats {
    wit::Stats {
        layout: s.layout.clone(),
        names: s.names.clone(),
        tables: tables_out(&s.tables),
    }
}

/// A solution in the runtime's terms (checked afterwards by `stats::validate_solution`).
fn solution_in(s: wit::Solution) -> Solution {
    Solution {
        layout: s.layout,
        names: s.names,
        tables: tables_in(s.tables),
        notes: s.notes,
        internals: s.internals.into_iter().map(table).collect(),
    }
}

/// A solution as this version sends it.
fn solution_out(s: &Solution) -> wit::Solution {
    wit::Solution {
        layout: s.layout.clone(),
        names: s.names.clone(),
        tables: tables_out(&s.tables),
        notes: s.notes.clone(),
        internals: s
            .internals
            .iter()
            .map(|t| wit::InternalTable {
                name: t.name.clone(),
                description: t.description.clone(),
                columns: t
                    .columns
                    .iter()
                    .map(|c| wit::InternalColumn {
                        name: c.name.clone(),
                        values: match &c.values {
                            ColumnValues::Text(v) => wit::ColumnValues::Text(v.clone()),
                            ColumnValues::Numbers(v) => wit::ColumnValues::Numbers(v.clone()),
                        },
                    })
                    .collect(),
            })
            .collect(),
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
        mergeable: i.mergeable,
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
        Err(e) => Err(refusal(wit::ModelError::from(e))),
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
