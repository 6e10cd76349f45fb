//! `ascribe:model@0.2.0`: a model names the columns it reads, and only those are sent.

use wasmtime::Store;
use wasmtime::component::{Component, Linker};

use super::{Lent, give_back};
use crate::runtime::model::{Inputs, JourneyColumns, ModelInfo, ModelOutput, ParamSpec};
use crate::runtime::sandbox::StoreState;

mod bindings {
    wasmtime::component::bindgen!({
        path: "../wit/model-0.2.0",
        world: "model-plugin",
    });
}

use bindings::exports::ascribe::model::attribution as wit;

pub use super::model_v0_1::Answer;

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
        let f = i.inputs;
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
            inputs: Inputs {
                touch_keys: f.contains(wit::Inputs::TOUCH_KEYS),
                times: f.contains(wit::Inputs::TIMES),
                milestones: f.contains(wit::Inputs::MILESTONES),
                partners: f.contains(wit::Inputs::PARTNERS),
                nulls: f.contains(wit::Inputs::NULLS),
                values: f.contains(wit::Inputs::VALUES),
            },
            key_scores: i.key_scores,
        })
    }

    /// Lends the columns the model asked for to the call and takes them back after it;
    /// the others travel as empty lists.
    pub fn attribute(
        &self,
        store: &mut Store<StoreState>,
        input: &mut JourneyColumns,
        inputs: Inputs,
        params: &[(String, String)],
    ) -> wasmtime::Result<Answer<ModelOutput>> {
        let (t, n) = (input.touches(), input.journeys());
        let touch_key = Lent::new(&mut input.touch_key, inputs.touch_keys, t);
        let touch_time_ms = Lent::new(&mut input.touch_time_ms, inputs.times, t);
        let touch_flags = Lent::new(&mut input.touch_flags, inputs.milestones, t);
        let touch_partner = Lent::new(&mut input.touch_partner, inputs.partners, t);
        let nulls = Lent::new(&mut input.nulls, inputs.nulls, n);
        let value = Lent::new(&mut input.value, inputs.values, n);
        let conversion_time_ms = Lent::new(&mut input.conversion_time_ms, inputs.times, n);
        let hosts = [
            touch_key.hosts(),
            touch_time_ms.hosts(),
            touch_flags.hosts(),
            touch_partner.hosts(),
            nulls.hosts(),
            value.hosts(),
            conversion_time_ms.hosts(),
        ];
        let partners = Lent::names(&mut input.partners, inputs.partners, t);
        let partners_hosts = partners.hosts();
        let j = wit::Journeys {
            keys: std::mem::take(&mut input.keys),
            partners: partners.column,
            touch_key: touch_key.column,
            touch_time_ms: touch_time_ms.column,
            touch_flags: touch_flags.column,
            touch_partner: touch_partner.column,
            journey_offsets: std::mem::take(&mut input.journey_offsets),
            conversions: std::mem::take(&mut input.conversions),
            nulls: nulls.column,
            value: value.column,
            conversion_time_ms: conversion_time_ms.column,
        };
        let result =
            self.plugin
                .ascribe_model_attribution()
                .call_attribute(&mut *store, &j, params);
        input.keys = j.keys;
        give_back(partners_hosts, j.partners, &mut input.partners);
        input.journey_offsets = j.journey_offsets;
        input.conversions = j.conversions;
        give_back(hosts[0], j.touch_key, &mut input.touch_key);
        give_back(hosts[1], j.touch_time_ms, &mut input.touch_time_ms);
        give_back(hosts[2], j.touch_flags, &mut input.touch_flags);
        give_back(hosts[3], j.touch_partner, &mut input.touch_partner);
        give_back(hosts[4], j.nulls, &mut input.nulls);
        give_back(hosts[5], j.value, &mut input.value);
        give_back(
            hosts[6],
            j.conversion_time_ms,
            &mut input.conversion_time_ms,
        );
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
