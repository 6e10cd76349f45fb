//! The commands: each one's engine (`mod.rs`, a composition of [`crate::pipeline`]) beside
//! its flags and terminal output (`cli.rs`). `plugin` is flags and output only: it checks,
//! scaffolds and locks plugins through [`crate::runtime`].

pub mod compare;
pub mod paths;
pub mod plan;
pub mod plugin;
pub mod track;
