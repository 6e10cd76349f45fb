//! Burns a fixed amount of CPU (the `iterations` parameter), then answers correctly: a
//! plugin that is slow but within its limits must succeed.
use ascribe_sdk::ParamSpec;
use ascribe_sdk::model::{Journeys, Model, ModelError, Output};
include!("../../common.rs");

pub struct Slow;
impl Model for Slow {
    fn info() -> ascribe_sdk::model::Info {
        let mut i = info("slow");
        i.params = vec![ParamSpec::new(
            "iterations",
            "300000000",
            "busy-loop iterations before answering",
        )];
        i
    }
    fn attribute(j: &Journeys, p: &ascribe_sdk::Params) -> Result<Output, ModelError> {
        let n: u64 = p
            .str("iterations")
            .parse()
            .map_err(|_| ModelError::InvalidParam("iterations: not a number".into()))?;
        let mut x = j.touches() as u64 | 1;
        for _ in 0..n {
            x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
        }
        let mut out = Output::weights(first_touch_weights(j));
        out.notes.push(format!("busy work done ({})", x % 2 + 1));
        Ok(out)
    }
}
ascribe_sdk::export_model!(Slow);
