//! One module per contract version, each converting its generated bindings into the
//! host's own types (`runtime::model`, `runtime::normalizer`). Adding `model@0.2.0` means
//! a new module here and a new arm in [`detect`]; nothing else in the host changes.

pub mod model_v0_1;
pub mod normalizer_v0_1;

use wasmtime::Engine;
use wasmtime::component::Component;

/// The kinds of plugin and the contract versions this host runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Contract {
    ModelV0_1,
    NormalizerV0_1,
}

impl Contract {
    pub fn kind(self) -> &'static str {
        match self {
            Contract::ModelV0_1 => "model",
            Contract::NormalizerV0_1 => "normalizer",
        }
    }

    pub fn package(self) -> &'static str {
        match self {
            Contract::ModelV0_1 => "ascribe:model@0.1.0",
            Contract::NormalizerV0_1 => "ascribe:normalizer@0.1.0",
        }
    }
}

const SUPPORTED: &[(&str, Contract)] = &[
    ("ascribe:model/attribution@0.1.0", Contract::ModelV0_1),
    (
        "ascribe:normalizer/normalize@0.1.0",
        Contract::NormalizerV0_1,
    ),
];

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
    let supported = "ascribe:model@0.1.0, ascribe:normalizer@0.1.0";
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
