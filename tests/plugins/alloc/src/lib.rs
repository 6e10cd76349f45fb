//! Allocates without bound: the memory limit must stop it.
use ascribe_sdk::model::{Journeys, Model, ModelError, Output};
include!("../../common.rs");
pub struct Alloc;
impl Model for Alloc {
    fn info() -> ascribe_sdk::model::Info {
        info("alloc")
    }
    fn attribute(_: &Journeys, _: &ascribe_sdk::Params) -> Result<Output, ModelError> {
        let mut hoard: Vec<Vec<u8>> = Vec::new();
        loop {
            hoard.push(vec![1u8; 16 << 20]);
            std::hint::black_box(&hoard);
        }
    }
}
ascribe_sdk::export_model!(Alloc);
