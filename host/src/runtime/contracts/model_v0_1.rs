//! `ascribe:model@0.1.0`: every column is sent, zeros where the host has no data. Kept
//! so models built against it keep running (frozen; new models use 0.2.0).

use wasmtime::Store;
use wasmtime::component::{Component, Linker};

use super::{Lent, give_back};
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

    /// Moves the columns into the call and back, so a caller running several models over
    /// the same journeys never copies them on the host side.
    pub fn attribute(
        &self,
        store: &mut Store<StoreState>,
        input: &mut JourneyColumns,
        params: &[(String, String)],
    ) -> wasmtime::Result<Answer<ModelOutput>> {
        // Every column, full length: 0.1.0 promises them all.
        let (t, n) = (input.touches(), input.journeys());
        let touch_time_ms = Lent::new(&mut input.touch_time_ms, true, t);
        let touch_flags = Lent::new(&mut input.touch_flags, true, t);
        let touch_partner = Lent::new(&mut input.touch_partner, true, t);
        let nulls = Lent::new(&mut input.nulls, true, n);
        let value = Lent::new(&mut input.value, true, n);
        let conversion_time_ms = Lent::new(&mut input.conversion_time_ms, true, n);
        let hosts = [
            touch_time_ms.hosts(),
            touch_flags.hosts(),
            touch_partner.hosts(),
            nulls.hosts(),
            value.hosts(),
            conversion_time_ms.hosts(),
        ];
        let partners = Lent::names(&mut input.partners, true, t);
        let partners_hosts = partners.hosts();
        let j = wit::Journeys {
            keys: std::mem::take(&mut input.keys),
            partners: partners.column,
            touch_key: std::mem::take(&mut input.touch_key),
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
        input.touch_key = j.touch_key;
        input.journey_offsets = j.journey_offsets;
        input.conversions = j.conversions;
        give_back(hosts[0], j.touch_time_ms, &mut input.touch_time_ms);
        give_back(hosts[1], j.touch_flags, &mut input.touch_flags);
        give_back(hosts[2], j.touch_partner, &mut input.touch_partner);
        give_back(hosts[3], j.nulls, &mut input.nulls);
        give_back(hosts[4], j.value, &mut input.value);
        give_back(
            hosts[5],
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
