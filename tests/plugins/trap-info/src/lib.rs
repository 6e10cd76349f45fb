//! Panics inside `info`: the host must refuse to load it, naming the file (the plugin
//! never said who it is) and the operation.
use ascribe_sdk::model::{Journeys, Model, ModelError, Output};
include!("../../common.rs");

pub struct TrapInfo;
impl Model for TrapInfo {
    fn info() -> ascribe_sdk::model::Info {
        if std::hint::black_box(true) {
            panic!("hostile: trapped in info");
        }
        info("trap-info")
    }
    fn attribute(j: &Journeys, _: &ascribe_sdk::Params) -> Result<Output, ModelError> {
        Ok(Output::weights(first_touch_weights(j)))
    }
}
ascribe_sdk::export_model!(TrapInfo);
