//! One module per contract version, each converting its generated bindings into the
//! host's own types (`runtime::model`, `runtime::normalizer`). Adding `model@0.2.0` means
//! a new module here and a new arm in [`detect`]; nothing else in the host changes.

pub mod model_v0_1;
pub mod model_v0_2;
pub mod normalizer_v0_1;

use wasmtime::component::{Component, Linker};
use wasmtime::{Engine, Store};

use crate::runtime::model::{Inputs, JourneyColumns, ModelInfo, ModelOutput};
use crate::runtime::sandbox::StoreState;

/// The kinds of plugin and the contract versions this host runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Contract {
    ModelV0_1,
    ModelV0_2,
    NormalizerV0_1,
}

impl Contract {
    pub fn kind(self) -> &'static str {
        match self {
            Contract::ModelV0_1 | Contract::ModelV0_2 => "model",
            Contract::NormalizerV0_1 => "normalizer",
        }
    }

    pub fn package(self) -> &'static str {
        match self {
            Contract::ModelV0_1 => "ascribe:model@0.1.0",
            Contract::ModelV0_2 => "ascribe:model@0.2.0",
            Contract::NormalizerV0_1 => "ascribe:normalizer@0.1.0",
        }
    }
}

const SUPPORTED: &[(&str, Contract)] = &[
    ("ascribe:model/attribution@0.2.0", Contract::ModelV0_2),
    ("ascribe:model/attribution@0.1.0", Contract::ModelV0_1),
    (
        "ascribe:normalizer/normalize@0.1.0",
        Contract::NormalizerV0_1,
    ),
];

/// A model instance of whichever contract version the plugin targets.
pub enum ModelInstance {
    V0_1(model_v0_1::Instance),
    V0_2(model_v0_2::Instance),
}

impl ModelInstance {
    pub fn new(
        contract: Contract,
        store: &mut Store<StoreState>,
        component: &Component,
        linker: &Linker<StoreState>,
    ) -> wasmtime::Result<ModelInstance> {
        Ok(match contract {
            Contract::ModelV0_1 => {
                ModelInstance::V0_1(model_v0_1::Instance::new(store, component, linker)?)
            }
            Contract::ModelV0_2 => {
                ModelInstance::V0_2(model_v0_2::Instance::new(store, component, linker)?)
            }
            Contract::NormalizerV0_1 => unreachable!("a normalizer is not a model"),
        })
    }

    pub fn info(&self, store: &mut Store<StoreState>) -> wasmtime::Result<ModelInfo> {
        match self {
            ModelInstance::V0_1(i) => i.info(store),
            ModelInstance::V0_2(i) => i.info(store),
        }
    }

    pub fn attribute(
        &self,
        store: &mut Store<StoreState>,
        input: &mut JourneyColumns,
        inputs: Inputs,
        params: &[(String, String)],
    ) -> wasmtime::Result<model_v0_1::Answer<ModelOutput>> {
        match self {
            ModelInstance::V0_1(i) => i.attribute(store, input, params),
            ModelInstance::V0_2(i) => i.attribute(store, input, inputs, params),
        }
    }
}

/// Reads which contract a component implements from its export names.
pub fn detect(engine: &Engine, component: &Component) -> Result<Contract, String> {
    let exports: Vec<String> = component
        .component_type()
        .exports(engine)
        .map(|(name, _)| name.to_string())
        .collect();
    for (name, contract) in SUPPORTED {
        if exports.iter().any(|e| e == name) {
            return Ok(*contract);
        }
    }
    let ours: Vec<&String> = exports
        .iter()
        .filter(|e| e.starts_with("ascribe:"))
        .collect();
    let supported = "ascribe:model@0.2.0, ascribe:model@0.1.0, ascribe:normalizer@0.1.0";
    Err(if ours.is_empty() {
        format!(
            "it exports no ascribe contract (exports: {}); this host supports {supported}",
            if exports.is_empty() {
                "none".to_string()
            } else {
                exports.join(", ")
            }
        )
    } else {
        format!(
            "it targets {}, which this host does not support; this host supports {supported} (upgrade ascribe, or rebuild the plugin against a supported contract)",
            ours.iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )
    })
}

/// One journey column lent to a call: the host's own (moved in, and back after the call,
/// so no host-side copy is made), zeros made for the call because the model asked for a
/// column the host does not have, or nothing because the model did not ask for it.
pub(crate) struct Lent<T> {
    pub column: Vec<T>,
    hosts: bool,
}

impl<T: Clone + Default> Lent<T> {
    pub fn new(column: &mut Vec<T>, asked: bool, len: usize) -> Lent<T> {
        if !asked {
            Lent {
                column: Vec::new(),
                hosts: false,
            }
        } else if column.len() == len {
            Lent {
                column: std::mem::take(column),
                hosts: true,
            }
        } else {
            Lent {
                column: vec![T::default(); len],
                hosts: false,
            }
        }
    }
}

/// Puts a lent column back where it came from after the call.
pub(crate) fn give_back<T>(hosts: bool, sent: Vec<T>, column: &mut Vec<T>) {
    if hosts {
        *column = sent;
    }
}

impl Lent<String> {
    /// The partner names: where the host has none, one unnamed partner, so the zeros
    /// made for `touch-partner` index a name.
    pub fn names(names: &mut Vec<String>, asked: bool, touches: usize) -> Lent<String> {
        if asked && names.is_empty() && touches > 0 {
            Lent {
                column: vec![String::new()],
                hosts: false,
            }
        } else {
            let len = names.len();
            Lent::new(names, asked, len)
        }
    }
}

impl<T> Lent<T> {
    pub fn hosts(&self) -> bool {
        self.hosts
    }
}
