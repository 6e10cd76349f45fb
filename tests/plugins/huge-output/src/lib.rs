//! Answers with 20 million weights (160 MB): more than the host accepts from one call, yet
//! within the plugin's memory limit, so only the host's cap on returned data stops it.
use ascribe_sdk::model::{Journeys, Model, ModelError, Output};
include!("../../common.rs");

/// 20M f64 = 160 MB: above wasmtime's 128 MiB per-call cap, below the 256 MiB memory limit.
pub const WEIGHTS: usize = 20_000_000;

pub struct HugeOutput;
impl Model for HugeOutput {
    fn info() -> ascribe_sdk::model::Info {
        info("huge-output")
    }
    fn attribute(_: &Journeys, _: &ascribe_sdk::Params) -> Result<Output, ModelError> {
        Ok(Output::weights(vec![0.0; std::hint::black_box(WEIGHTS)]))
    }
}
ascribe_sdk::export_model!(HugeOutput);
