//! Sleeps in a host call (`wasi:clocks` subscribe + poll), where epoch interruption cannot
//! reach: `mode = forever` sleeps a minute at a time for ever, `once` sleeps an hour then
//! answers. Neither may hold the host beyond the plugin's time limit.
use ascribe_sdk::ParamSpec;
use ascribe_sdk::model::{Journeys, Model, ModelError, Output};
include!("../../common.rs");

pub struct Sleeper;
impl Model for Sleeper {
    fn info() -> ascribe_sdk::model::Info {
        let mut i = info("sleeper");
        i.params = vec![ParamSpec::new("mode", "forever", "forever, once")];
        i
    }
    fn attribute(j: &Journeys, p: &ascribe_sdk::Params) -> Result<Output, ModelError> {
        match p.str("mode") {
            "forever" => loop {
                std::thread::sleep(std::time::Duration::from_secs(60));
            },
            _ => std::thread::sleep(std::time::Duration::from_secs(3600)),
        }
        Ok(Output::weights(first_touch_weights(j)))
    }
}
ascribe_sdk::export_model!(Sleeper);
