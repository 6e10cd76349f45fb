//! Never returns: the time limit must stop it.
use ascribe_sdk::model::{Journeys, Model, ModelError, Output};
include!("../../common.rs");
pub struct Spin;
impl Model for Spin {
    fn info() -> ascribe_sdk::model::Info {
        info("spin")
    }
    fn attribute(input: &Journeys, _: &ascribe_sdk::Params) -> Result<Output, ModelError> {
        let mut x = input.touches() as u64;
        loop {
            x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
            if x == 42 {
                break;
            }
        }
        Ok(Output::weights(vec![x as f64; 0]))
    }
}
ascribe_sdk::export_model!(Spin);
