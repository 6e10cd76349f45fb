//! Targets `ascribe:model@9.0.0`, which no host knows yet: loading it must fail with a
//! message that names the version it targets and the versions the host supports.

wit_bindgen::generate!({
    path: "wit",
    world: "model-plugin",
});

#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
struct Future;

impl exports::ascribe::model::attribution::Guest for Future {
    fn info() -> String {
        "from the future".into()
    }
}

// Only the wasm build exports symbols: natively (`cargo test --workspace`) the crate is
// an ordinary library, and the contract's export names are not valid native symbols.
#[cfg(target_arch = "wasm32")]
export!(Future);
