//! Recurses without bound, by `mode`: `wasm-stack` keeps its frames on WebAssembly's own
//! stack (wasmtime's stack limit must trap it), `shadow-stack` puts a 256-byte array in
//! each frame, which a Rust plugin keeps in its linear memory (the stack runs off the
//! bottom of memory). Neither may reach the host's own stack.
use ascribe_sdk::ParamSpec;
use ascribe_sdk::model::{Journeys, Model, ModelError, Output};
include!("../../common.rs");

#[inline(never)]
fn shadow_dive(depth: u64) -> u64 {
    let mut frame = [0u8; 256];
    frame[(depth % 256) as usize] = depth as u8;
    std::hint::black_box(&mut frame);
    if std::hint::black_box(depth) == u64::MAX {
        return 0;
    }
    shadow_dive(depth + 1) + frame[(depth % 7) as usize] as u64
}

#[inline(never)]
fn wasm_dive(n: u64, a: u64, b: u64) -> u64 {
    if std::hint::black_box(n) == u64::MAX {
        return a;
    }
    wasm_dive(n + 1, b ^ n, a.rotate_left(3)).wrapping_mul(3) ^ b
}

pub struct DeepRecursion;
impl Model for DeepRecursion {
    fn info() -> ascribe_sdk::model::Info {
        let mut i = info("deep-recursion");
        i.params = vec![ParamSpec::new(
            "mode",
            "wasm-stack",
            "wasm-stack, shadow-stack",
        )];
        i
    }
    fn attribute(j: &Journeys, p: &ascribe_sdk::Params) -> Result<Output, ModelError> {
        let n = j.touches() as u64;
        let d = match p.str("mode") {
            "shadow-stack" => shadow_dive(n),
            _ => wasm_dive(n, 1, 2),
        };
        Ok(Output::weights(vec![d as f64; 0]))
    }
}
ascribe_sdk::export_model!(DeepRecursion);
