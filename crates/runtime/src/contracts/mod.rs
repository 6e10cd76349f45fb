//! One module per contract version. The latest version of each contract converts its
//! generated bindings into the runtime's own types ([`crate::model`],
//! [`crate::normalizer`]); an older version converts its bindings into the latest's and
//! reuses that conversion, as Zed's extension host does (`model_v0_1` into `model_v0_2`,
//! `model_v0_2` into `model_v0_3`, `model_v0_3` into `model_v0_4`), so a rule about what a
//! model returns lives in one place. Adding `model@0.5.0` means a new module here that
//! becomes the one conversion, `model_v0_4` converting into it, and a new arm in
//! [`detect`]; nothing above the runtime changes.

/// Moves every column of one journeys record into another of the same shape: the
/// runtime's [`JourneyColumns`] and each model contract's generated `journeys` have the
/// same eleven fields, and listing them once keeps every conversion from repeating them.
/// Each column is moved, never copied.
macro_rules! journeys {
    ($j:expr => $to:path) => {{
        let j = $j;
        $to {
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
        }
    }};
}

/// The `Instance` of one contract version: its generated world, instantiated in a fresh
/// store. Instantiating checks the component's exports against the version's types; that
/// is the same few lines for every version, so they are written once.
macro_rules! instance {
    ($world:ty, $what:literal) => {
        #[doc = concat!("An instance of ", $what, ".")]
        pub struct Instance {
            plugin: $world,
        }

        impl Instance {
            /// Instantiates the component in `store`; fails if its exports do not have
            /// this version's types.
            pub fn new(
                store: &mut wasmtime::Store<crate::sandbox::StoreState>,
                component: &wasmtime::component::Component,
                linker: &wasmtime::component::Linker<crate::sandbox::StoreState>,
            ) -> wasmtime::Result<Instance> {
                Ok(Instance {
                    plugin: <$world>::instantiate(store, component, linker)?,
                })
            }
        }
    };
}

pub mod model_v0_1;
pub mod model_v0_2;
pub mod model_v0_3;
pub mod model_v0_4;
pub mod normalizer_v0_1;

/// What a call returned: the plugin's answer, or its typed refusal (the error's kind as
/// the contract names it, and the plugin's message).
pub type Answer<T> = Result<T, (&'static str, String)>;

use wasmtime::component::{Component, Linker};
use wasmtime::{Engine, Store};

use crate::model::{Inputs, JourneyColumns, ModelInfo, ModelOutput};
use crate::sandbox::StoreState;
use crate::stats::{Solution, Stats};

/// The kinds of plugin and the contract versions this host runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Contract {
    /// `ascribe:model@0.1.0`: frozen; every column is sent.
    ModelV0_1,
    /// `ascribe:model@0.2.0`: frozen; a model names the columns it reads.
    ModelV0_2,
    /// `ascribe:model@0.3.0`: as 0.2.0, and a model may return its internals as tables.
    ModelV0_3,
    /// `ascribe:model@0.4.0`: as 0.3.0, and a data-driven model may offer `statistics`,
    /// `merge`, `solve` and `weights`.
    ModelV0_4,
    /// `ascribe:normalizer@0.1.0`.
    NormalizerV0_1,
}

impl Contract {
    /// `model` or `normalizer`, for messages and `plugin list`.
    pub fn kind(self) -> &'static str {
        match self {
            Contract::ModelV0_1
            | Contract::ModelV0_2
            | Contract::ModelV0_3
            | Contract::ModelV0_4 => "model",
            Contract::NormalizerV0_1 => "normalizer",
        }
    }

    /// The columns a model plugin of this contract is sent, given what it declared:
    /// 0.1.0 promises every column; from 0.2.0 on, only those declared.
    pub fn columns_sent(self, declared: Inputs) -> Inputs {
        match self {
            Contract::ModelV0_1 => Inputs::ALL,
            _ => declared,
        }
    }

    /// The WIT package this contract is, with its version (`ascribe:model@0.3.0`).
    pub fn package(self) -> &'static str {
        match self {
            Contract::ModelV0_1 => "ascribe:model@0.1.0",
            Contract::ModelV0_2 => "ascribe:model@0.2.0",
            Contract::ModelV0_3 => "ascribe:model@0.3.0",
            Contract::ModelV0_4 => "ascribe:model@0.4.0",
            Contract::NormalizerV0_1 => "ascribe:normalizer@0.1.0",
        }
    }
}

const SUPPORTED: &[(&str, Contract)] = &[
    ("ascribe:model/attribution@0.4.0", Contract::ModelV0_4),
    ("ascribe:model/attribution@0.3.0", Contract::ModelV0_3),
    ("ascribe:model/attribution@0.2.0", Contract::ModelV0_2),
    ("ascribe:model/attribution@0.1.0", Contract::ModelV0_1),
    (
        "ascribe:normalizer/normalize@0.1.0",
        Contract::NormalizerV0_1,
    ),
];

/// A model instance of whichever contract version the plugin targets.
pub enum ModelInstance {
    /// A model built against 0.1.0.
    V0_1(model_v0_1::Instance),
    /// A model built against 0.2.0.
    V0_2(model_v0_2::Instance),
    /// A model built against 0.3.0.
    V0_3(model_v0_3::Instance),
    /// A model built against 0.4.0.
    V0_4(model_v0_4::Instance),
}

impl ModelInstance {
    /// Instantiates the component as `contract` says (which must be a model's).
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
            Contract::ModelV0_3 => {
                ModelInstance::V0_3(model_v0_3::Instance::new(store, component, linker)?)
            }
            Contract::ModelV0_4 => {
                ModelInstance::V0_4(model_v0_4::Instance::new(store, component, linker)?)
            }
            Contract::NormalizerV0_1 => unreachable!("a normalizer is not a model"),
        })
    }

    /// Asks the model what it is, in the runtime's terms whatever its version.
    pub fn info(&self, store: &mut Store<StoreState>) -> wasmtime::Result<ModelInfo> {
        match self {
            ModelInstance::V0_1(i) => i.info(store),
            ModelInstance::V0_2(i) => i.info(store),
            ModelInstance::V0_3(i) => i.info(store),
            ModelInstance::V0_4(i) => i.info(store),
        }
    }

    /// Runs the model over the columns in `sent` (see `lend`); `input` is left as it was.
    pub fn attribute(
        &self,
        store: &mut Store<StoreState>,
        input: &mut JourneyColumns,
        sent: Inputs,
        params: &[(String, String)],
    ) -> wasmtime::Result<Answer<ModelOutput>> {
        let (cols, loan) = lend(input, sent);
        let (cols, answer) = match self {
            ModelInstance::V0_1(i) => i.attribute(store, cols, params),
            ModelInstance::V0_2(i) => i.attribute(store, cols, params),
            ModelInstance::V0_3(i) => i.attribute(store, cols, params),
            ModelInstance::V0_4(i) => i.attribute(store, cols, params),
        };
        repay(loan, cols, input);
        answer
    }

    /// The 0.4.0 instance, the only version with the mergeable calls (the caller checked
    /// `ModelInfo::mergeable`, which older versions never set).
    fn mergeable(&self) -> &model_v0_4::Instance {
        match self {
            ModelInstance::V0_4(i) => i,
            _ => unreachable!("only a model@0.4.0 is mergeable"),
        }
    }

    /// A partition's statistics over the columns in `sent`; `input` is left as it was.
    pub fn statistics(
        &self,
        store: &mut Store<StoreState>,
        input: &mut JourneyColumns,
        sent: Inputs,
        params: &[(String, String)],
    ) -> wasmtime::Result<Answer<Stats>> {
        let (cols, loan) = lend(input, sent);
        let (cols, answer) = self.mergeable().statistics(store, cols, params);
        repay(loan, cols, input);
        answer
    }

    /// Two statistics merged into one.
    pub fn merge(
        &self,
        store: &mut Store<StoreState>,
        a: &Stats,
        b: &Stats,
    ) -> wasmtime::Result<Answer<Stats>> {
        self.mergeable().merge(store, a, b)
    }

    /// The model solved from every journey's statistics.
    pub fn solve(
        &self,
        store: &mut Store<StoreState>,
        all: &Stats,
        params: &[(String, String)],
    ) -> wasmtime::Result<Answer<Solution>> {
        self.mergeable().solve(store, all, params)
    }

    /// A partition's answer from a solution; `input` is left as it was.
    pub fn weights(
        &self,
        store: &mut Store<StoreState>,
        input: &mut JourneyColumns,
        sent: Inputs,
        solution: &Solution,
        params: &[(String, String)],
    ) -> wasmtime::Result<Answer<ModelOutput>> {
        let (cols, loan) = lend(input, sent);
        let (cols, answer) = self.mergeable().weights(store, cols, solution, params);
        repay(loan, cols, input);
        answer
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
    let supported = "ascribe:model@0.4.0, ascribe:model@0.3.0, ascribe:model@0.2.0, ascribe:model@0.1.0, ascribe:normalizer@0.1.0";
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

/// Which columns of a loan are the host's own, to be moved back after the call (the others
/// were made for the call, or not sent).
#[derive(Default)]
pub(crate) struct Loan {
    partners: bool,
    touch_key: bool,
    touch_time_ms: bool,
    touch_flags: bool,
    touch_partner: bool,
    nulls: bool,
    value: bool,
    conversion_time_ms: bool,
}

/// Lends the host's columns to one call, as the contract sends them: the columns in
/// `sent` (always the keys, offsets and conversions), moved out of `input` so no host-side
/// copy is made; zeros made for the call where `sent` asks for a column the host does not
/// have (with one unnamed partner for zero partner ids to index); every other column empty.
/// [`repay`] puts the host's own back.
pub(crate) fn lend(input: &mut JourneyColumns, sent: Inputs) -> (JourneyColumns, Loan) {
    fn take<T: Clone + Default>(
        col: &mut Vec<T>,
        asked: bool,
        len: usize,
        own: &mut bool,
    ) -> Vec<T> {
        if !asked {
            Vec::new()
        } else if col.len() == len {
            *own = true;
            std::mem::take(col)
        } else {
            vec![T::default(); len]
        }
    }
    let (t, n) = (input.touches(), input.journeys());
    let mut loan = Loan::default();
    let partners = if sent.partners && input.partners.is_empty() && t > 0 {
        vec![String::new()]
    } else {
        let len = input.partners.len();
        take(&mut input.partners, sent.partners, len, &mut loan.partners)
    };
    let cols = JourneyColumns {
        keys: std::mem::take(&mut input.keys),
        partners,
        touch_key: take(
            &mut input.touch_key,
            sent.touch_keys,
            t,
            &mut loan.touch_key,
        ),
        touch_time_ms: take(
            &mut input.touch_time_ms,
            sent.times,
            t,
            &mut loan.touch_time_ms,
        ),
        touch_flags: take(
            &mut input.touch_flags,
            sent.milestones,
            t,
            &mut loan.touch_flags,
        ),
        touch_partner: take(
            &mut input.touch_partner,
            sent.partners,
            t,
            &mut loan.touch_partner,
        ),
        journey_offsets: std::mem::take(&mut input.journey_offsets),
        conversions: std::mem::take(&mut input.conversions),
        nulls: take(&mut input.nulls, sent.nulls, n, &mut loan.nulls),
        value: take(&mut input.value, sent.values, n, &mut loan.value),
        conversion_time_ms: take(
            &mut input.conversion_time_ms,
            sent.times,
            n,
            &mut loan.conversion_time_ms,
        ),
    };
    (cols, loan)
}

/// Moves the columns a [`lend`] took from the host back into `input`.
pub(crate) fn repay(loan: Loan, cols: JourneyColumns, input: &mut JourneyColumns) {
    fn back<T>(own: bool, col: Vec<T>, to: &mut Vec<T>) {
        if own {
            *to = col;
        }
    }
    input.keys = cols.keys;
    input.journey_offsets = cols.journey_offsets;
    input.conversions = cols.conversions;
    back(loan.partners, cols.partners, &mut input.partners);
    back(loan.touch_key, cols.touch_key, &mut input.touch_key);
    back(
        loan.touch_time_ms,
        cols.touch_time_ms,
        &mut input.touch_time_ms,
    );
    back(loan.touch_flags, cols.touch_flags, &mut input.touch_flags);
    back(
        loan.touch_partner,
        cols.touch_partner,
        &mut input.touch_partner,
    );
    back(loan.nulls, cols.nulls, &mut input.nulls);
    back(loan.value, cols.value, &mut input.value);
    back(
        loan.conversion_time_ms,
        cols.conversion_time_ms,
        &mut input.conversion_time_ms,
    );
}
