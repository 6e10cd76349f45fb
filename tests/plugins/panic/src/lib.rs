//! Panics with a known message: the error must carry it.
use ascribe_sdk::model::{Journeys, Model, ModelError, Output};
include!("../../common.rs");
pub struct Panic;
impl Model for Panic {
    fn info() -> ascribe_sdk::model::Info {
        info("panic")
    }
    fn attribute(input: &Journeys, _: &ascribe_sdk::Params) -> Result<Output, ModelError> {
        if std::hint::black_box(input.touches()) < usize::MAX {
            panic!("boom: the hostile plugin gave up");
        }
        Ok(Output::default())
    }
}
ascribe_sdk::export_model!(Panic);
