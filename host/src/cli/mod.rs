//! The command line. One clap definition drives both parsing and `--help`.

pub mod embed;
pub(crate) mod progress;
pub(crate) mod table;

// Each command's flags live beside its engine, in `commands/`.
use crate::commands::{
    compare::cli as compare, paths::cli as paths, plan::cli as plan, plugin, track::cli as track,
};

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Parser, Debug)]
#[command(
    name = "ascribe",
    version,
    about = "Attribution for partner co-marketing campaigns",
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    global: Global,
}

/// Options every command understands.
#[derive(clap::Args, Debug, Clone)]
pub struct Global {
    /// Extra directory to search for named plugins (before $ASCRIBE_PLUGIN_PATH and the bundled ones).
    #[arg(long, global = true, value_name = "DIR")]
    pub(crate) plugin_dir: Vec<PathBuf>,
    /// Where compiled plugins are cached [default: $ASCRIBE_CACHE_DIR, $XDG_CACHE_HOME/ascribe or ~/.cache/ascribe].
    #[arg(long, global = true, value_name = "DIR")]
    pub(crate) cache_dir: Option<PathBuf>,
    /// Compile every plugin afresh and cache nothing.
    #[arg(long, global = true)]
    pub(crate) no_cache: bool,
    /// Where plans and locks live [default: .ascribe/ beside the campaigns directory].
    #[arg(long, global = true, value_name = "DIR")]
    pub(crate) state_dir: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Default)]
pub enum Format {
    #[default]
    Table,
    Json,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Attribute a campaign's pipeline and revenue and write the reporting package.
    TrackSource(track::TrackArgs),
    /// Run several models over the same journeys and show where they agree and disagree.
    Compare(compare::CompareArgs),
    /// The campaign's audit trail.
    Plan {
        #[command(subcommand)]
        command: plan::PlanCommand,
    },
    /// Partner disputes of sourced pipeline.
    Dispute {
        #[command(subcommand)]
        command: plan::DisputeCommand,
    },
    /// Work with plugin components.
    Plugin {
        #[command(subcommand)]
        command: plugin::PluginCommand,
    },
    /// Attribute a ChannelAttribution-style path table (path, total_conversions, …) with model plugins.
    Paths(paths::PathsArgs),
}

impl Global {
    pub fn runtime(&self, fuel: bool) -> anyhow::Result<crate::runtime::Runtime> {
        let cache_dir = if self.no_cache {
            None
        } else {
            self.cache_dir
                .clone()
                .or_else(crate::runtime::cache::default_dir)
        };
        // The runtime's warnings and timings leave through the host's one terminal exit.
        crate::runtime::Runtime::with_warnings(
            crate::runtime::RuntimeOptions { fuel, cache_dir },
            std::sync::Arc::new(|line: &str| crate::errln!("{line}")),
        )
    }
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Plugin { command } => plugin::run(command, &cli.global),
        Command::TrackSource(a) => track::run(a, &cli.global),
        Command::Paths(a) => paths::run(a, &cli.global),
        Command::Compare(a) => compare::run(a, &cli.global),
        Command::Plan { command } => plan::run_plan(command, &cli.global),
        Command::Dispute { command } => plan::run_dispute(command, &cli.global),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            crate::errln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
