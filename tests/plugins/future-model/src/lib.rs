//! Targets `ascribe:model@9.0.0`, which no host knows yet: loading it must fail with a
//! message that names the version it targets and the versions the host supports.

wit_bindgen::generate!({
    path: "wit",
    world: "model-plugin",
});

struct Future;

impl exports::ascribe::model::attribution::Guest for Future {
    fn info() -> String {
        "from the future".into()
    }
}

export!(Future);
