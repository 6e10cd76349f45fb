//! Writes 1 MiB to stderr (16× what the host keeps), then answers (`mode = ok`) or panics
//! (`mode = panic`). Logging must never fail a plugin, and the panic message, which comes
//! last, must survive the flood.
use std::io::Write;

use ascribe_sdk::ParamSpec;
use ascribe_sdk::model::{Journeys, Model, ModelError, Output};
include!("../../common.rs");

pub struct Chatty;
impl Model for Chatty {
    fn info() -> ascribe_sdk::model::Info {
        let mut i = info("chatty");
        i.params = vec![ParamSpec::new("mode", "ok", "ok, panic")];
        i
    }
    fn attribute(j: &Journeys, p: &ascribe_sdk::Params) -> Result<Output, ModelError> {
        let line = [b'x'; 1023];
        let mut err = std::io::stderr().lock();
        for _ in 0..1024 {
            err.write_all(&line)
                .and_then(|_| err.write_all(b"\n"))
                .map_err(|e| ModelError::Failed(format!("stderr refused a write: {e}")))?;
        }
        drop(err);
        if p.str("mode") == "panic" {
            panic!("boom after the chatter");
        }
        Ok(Output::weights(first_touch_weights(j)))
    }
}
ascribe_sdk::export_model!(Chatty);
