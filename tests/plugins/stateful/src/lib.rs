//! Remembers how often it was called: the first call in an instance gives first-touch
//! weights, every later one last-touch. The host runs every call in a fresh store, so it
//! must only ever answer first-touch. `fail=1` makes a call refuse its parameters after
//! counting it.
use std::sync::atomic::{AtomicU32, Ordering};

use ascribe_sdk::ParamSpec;
use ascribe_sdk::model::{Journeys, Model, ModelError, Output};

static CALLS: AtomicU32 = AtomicU32::new(0);

pub struct Stateful;
impl Model for Stateful {
    fn info() -> ascribe_sdk::model::Info {
        ascribe_sdk::model::Info {
            name: "stateful".into(),
            version: "0.0.1".into(),
            description: "hostile test plugin".into(),
            params: vec![ParamSpec::new("fail", "0", "1: refuse this call")],
            inputs: ascribe_sdk::model::Inputs::NONE,
            key_scores: vec![],
        }
    }
    fn attribute(input: &Journeys, p: &ascribe_sdk::Params) -> Result<Output, ModelError> {
        let earlier = CALLS.fetch_add(1, Ordering::Relaxed);
        if p.str("fail") == "1" {
            return Err(ModelError::InvalidParam(
                "fail=1: refused on purpose".into(),
            ));
        }
        let mut w = vec![0.0; input.touches()];
        for j in input.iter() {
            if !j.is_empty() {
                w[if earlier == 0 {
                    j.start
                } else {
                    j.start + j.len() - 1
                }] = 1.0;
            }
        }
        Ok(Output::weights(w))
    }
}
ascribe_sdk::export_model!(Stateful);
