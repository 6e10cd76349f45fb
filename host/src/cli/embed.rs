//! The command line, embedded: the Python package runs `track-source` and `compare` through
//! the same argument parsing and the same code as the `ascribe` binary, minus the terminal,
//! so a notebook gets the CLI's report, package, plan entry and error messages exactly.

use std::path::PathBuf;

use clap::Parser;

use super::{Cli, Command};

/// What an embedded command produced.
#[derive(Debug)]
pub struct Embedded {
    /// The command's JSON output (`--format json`): the report, or the comparison.
    pub json: String,
    /// The package directory, when the command wrote one.
    pub package: Option<PathBuf>,
    /// The run escalated past its guardrails (the CLI's exit code 3).
    pub escalated: bool,
}

/// Why an embedded command did not run.
#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    /// The arguments did not parse; the message is clap's, as the CLI prints it.
    #[error("{0}")]
    Usage(String),
    /// The command failed; the message is the CLI's `error:` line without the prefix.
    #[error("{0}")]
    Failed(String),
}

/// Runs `argv` (`["ascribe", "track-source", …]`) as the binary would, for the commands
/// that produce a report: `track-source` and `compare`.
pub fn run(argv: &[String]) -> Result<Embedded, EmbedError> {
    let cli = Cli::try_parse_from(argv).map_err(|e| EmbedError::Usage(e.render().to_string()))?;
    let failed = |e: anyhow::Error| EmbedError::Failed(format!("{e:#}"));
    match cli.command {
        Command::TrackSource(a) => {
            let (outcome, _) =
                crate::commands::track::cli::execute(a, &cli.global).map_err(failed)?;
            Ok(Embedded {
                json: serde_json::to_string_pretty(&outcome.report)
                    .map_err(|e| failed(e.into()))?,
                package: outcome.package.clone(),
                escalated: outcome.report.guardrails.escalation.is_some(),
            })
        }
        Command::Compare(a) => {
            let outcome = crate::commands::compare::cli::execute(a, &cli.global).map_err(failed)?;
            if outcome.all_failed() {
                let why: Vec<String> = outcome
                    .comparison
                    .models
                    .iter()
                    .map(|m| format!("{}: {}", m.label, m.error.as_deref().unwrap_or("")))
                    .collect();
                return Err(EmbedError::Failed(format!(
                    "every model failed; nothing to compare ({})",
                    why.join("; ")
                )));
            }
            Ok(Embedded {
                json: crate::commands::compare::json(&outcome.comparison).map_err(failed)?,
                package: outcome.package.clone(),
                escalated: false,
            })
        }
        _ => Err(EmbedError::Usage(
            "only track-source and compare can be embedded".into(),
        )),
    }
}
