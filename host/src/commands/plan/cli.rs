//! `ascribe plan show` and `ascribe dispute add|list|resolve`: the audit trail.

use std::process::ExitCode;

use clap::{Args, Subcommand};

use crate::cli::table::{Left, Right, Table};
use crate::cli::{Format, Global};
use crate::commands::plan::{Dispute, Plan, State};
use crate::commands::track::cli::CampaignArgs;

#[derive(Subcommand, Debug)]
pub enum PlanCommand {
    /// Print the campaign's plan: sources, plugins, tasks, policy, metrics, runs, change log, disputes.
    Show {
        #[command(flatten)]
        campaign: CampaignArgs,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
}

#[derive(Subcommand, Debug)]
pub enum DisputeCommand {
    /// Record a partner's dispute of sourced pipeline (an open dispute escalates the next run).
    Add(DisputeAdd),
    /// List disputes.
    List {
        #[command(flatten)]
        campaign: CampaignArgs,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Resolve a dispute by its number, or by opportunity and partner.
    Resolve(DisputeResolve),
}

#[derive(Args, Debug)]
pub struct DisputeAdd {
    #[command(flatten)]
    campaign: CampaignArgs,
    #[arg(long)]
    opportunity: String,
    #[arg(long)]
    partner: String,
    #[arg(long)]
    reason: String,
}

#[derive(Args, Debug)]
pub struct DisputeResolve {
    #[command(flatten)]
    campaign: CampaignArgs,
    /// The dispute's number (from `dispute list`).
    #[arg(long, conflicts_with_all = ["opportunity", "partner"])]
    id: Option<u32>,
    #[arg(long, requires = "partner")]
    opportunity: Option<String>,
    #[arg(long, requires = "opportunity")]
    partner: Option<String>,
    /// How it was settled (recorded in the plan).
    #[arg(long)]
    reason: String,
}

pub fn run_plan(cmd: PlanCommand, global: &Global) -> anyhow::Result<ExitCode> {
    match cmd {
        PlanCommand::Show { campaign, format } => {
            let c = campaign.load()?;
            let state = State::for_campaign(&c, global.state_dir.as_deref())?;
            let Some(plan) = state.read()? else {
                anyhow::bail!(
                    "campaign `{}` has no plan yet at {}: run `ascribe track-source` first",
                    c.name,
                    state.path.display()
                );
            };
            match format {
                Format::Json => crate::outln!("{}", serde_json::to_string_pretty(&plan)?),
                Format::Table => print_plan(&plan, &state),
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

pub fn run_dispute(cmd: DisputeCommand, global: &Global) -> anyhow::Result<ExitCode> {
    match cmd {
        DisputeCommand::Add(a) => {
            let c = a.campaign.load()?;
            if c.partner_index(&a.partner).is_none() {
                anyhow::bail!(
                    "no partner is named `{}` in {}; partners: {}",
                    a.partner,
                    c.file.display(),
                    c.partners
                        .iter()
                        .map(|p| p.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
            let state = State::for_campaign(&c, global.state_dir.as_deref())?;
            let plan = state.update(&c, |p| {
                let id = p.disputes.iter().map(|d| d.id).max().unwrap_or(0) + 1;
                p.disputes.push(Dispute {
                    id,
                    opportunity: a.opportunity.clone(),
                    partner: a.partner.clone(),
                    reason: a.reason.clone(),
                    status: "open".into(),
                    resolution: None,
                });
                Ok(())
            })?;
            let d = plan.disputes.last().unwrap();
            crate::outln!(
                "dispute {} opened: {} disputes opportunity {} ({} open)",
                d.id,
                d.partner,
                d.opportunity,
                plan.open_disputes()
            );
            Ok(ExitCode::SUCCESS)
        }
        DisputeCommand::List { campaign, format } => {
            let c = campaign.load()?;
            let state = State::for_campaign(&c, global.state_dir.as_deref())?;
            let disputes = state.read()?.map(|p| p.disputes).unwrap_or_default();
            match format {
                Format::Json => crate::outln!("{}", serde_json::to_string_pretty(&disputes)?),
                Format::Table => {
                    if disputes.is_empty() {
                        crate::outln!("no disputes");
                    }
                    let mut t = Table::new(0, &[Right, Left, Left, Left, Left]);
                    for d in &disputes {
                        t.row([
                            d.id.to_string(),
                            d.status.clone(),
                            d.opportunity.clone(),
                            d.partner.clone(),
                            format!(
                                "{}{}",
                                d.reason,
                                d.resolution
                                    .as_ref()
                                    .map(|r| format!(" — resolved: {r}"))
                                    .unwrap_or_default()
                            ),
                        ]);
                    }
                    t.print();
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        DisputeCommand::Resolve(a) => {
            let c = a.campaign.load()?;
            let state = State::for_campaign(&c, global.state_dir.as_deref())?;
            let mut resolved = 0;
            state.update(&c, |p| {
                for d in p.disputes.iter_mut().filter(|d| d.status == "open") {
                    let hit = match (a.id, &a.opportunity, &a.partner) {
                        (Some(id), _, _) => d.id == id,
                        (None, Some(o), Some(pt)) => &d.opportunity == o && &d.partner == pt,
                        _ => false,
                    };
                    if hit {
                        d.status = "resolved".into();
                        d.resolution = Some(a.reason.clone());
                        resolved += 1;
                    }
                }
                if resolved == 0 {
                    anyhow::bail!("no open dispute matches (see `ascribe dispute list`)");
                }
                Ok(())
            })?;
            crate::outln!("resolved {resolved} dispute(s)");
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn print_plan(p: &Plan, state: &State) {
    crate::outln!(
        "Plan of {} ({}) — {}",
        p.campaign.name,
        p.campaign.id,
        state.path.display()
    );
    crate::outln!(
        "  pattern {}: {}",
        p.pattern,
        p.tasks
            .iter()
            .map(|t| if t.needs.is_empty() {
                t.id.clone()
            } else {
                format!("{} ← {}", t.id, t.needs.join(" + "))
            })
            .collect::<Vec<_>>()
            .join("; ")
    );
    crate::outln!(
        "  policy: retry limit {}, minimum confidence {:.0}%, ladder {}",
        p.policy.retry_limit,
        p.policy.min_confidence * 100.0,
        p.policy.escalation_ladder.join(" → ")
    );
    crate::outln!("  sources:");
    // Each count carries its unit, and right-aligned so do the counts.
    let mut t = Table::new(4, &[Left, Right, Right, Right, Right, Left]);
    for s in &p.sources {
        t.row([
            s.id.clone(),
            format!("{} rows", s.rows_read),
            format!("{} normalized", s.normalized),
            format!("{} merged", s.merged),
            format!("{} rejected", s.rejected),
            s.sha256[..s.sha256.len().min(19)].to_string(),
        ]);
    }
    t.print();
    crate::outln!("  plugins:");
    let mut t = Table::new(4, &[Left, Left, Left]);
    for pl in &p.plugins {
        t.row([
            pl.role.as_str(),
            pl.name.as_str(),
            &pl.sha256[..pl.sha256.len().min(19)],
        ]);
    }
    t.print();
    if let Some(c) = p.metrics.attribution_confidence {
        // The metrics are the last completed run's.
        let definition = p
            .runs
            .iter()
            .rev()
            .find(|r| r.confidence.is_some())
            .map(|r| r.confidence_definition)
            .unwrap_or(crate::commands::track::CONFIDENCE_DEFINITION);
        crate::outln!(
            "  confidence {:.1}% (definition {definition}: {}); open disputes {}",
            c * 100.0,
            p.metrics
                .confidence_parts
                .iter()
                .map(|(k, v)| format!("{k} {:.1}%", v * 100.0))
                .collect::<Vec<_>>()
                .join(if definition >= 2 { " × " } else { ", " }),
            p.metrics.open_disputes
        );
        for (part, note) in &p.metrics.confidence_notes {
            crate::outln!("    {part}: {note}");
        }
    }
    for s in p.metrics.sla.iter().filter(|s| s.sla_hours.is_some()) {
        crate::outln!(
            "  SLA {}: {:?} h old, SLA {:?} h, {}",
            s.source,
            s.freshness_hours,
            s.sla_hours,
            if s.within_sla == Some(true) {
                "met"
            } else {
                "MISSED"
            }
        );
    }
    crate::outln!("  runs:");
    let mut t = Table::new(4, &[Left, Left, Left, Right, Left]);
    for r in &p.runs {
        t.row([
            r.run_id.clone(),
            r.window.clone(),
            r.model.clone(),
            r.confidence
                .map(|c| format!("{:.1}%", c * 100.0))
                .unwrap_or_else(|| "—".into()),
            r.outcome.to_string(),
        ]);
    }
    t.print();
    if !p.change_log.is_empty() {
        crate::outln!("  change log:");
        for ch in &p.change_log {
            crate::outln!(
                "    run {}: {} changed from {} to {}",
                ch.run_id,
                ch.what,
                ch.from,
                ch.to
            );
        }
    }
    if !p.disputes.is_empty() {
        crate::outln!("  disputes:");
        for d in &p.disputes {
            crate::outln!(
                "    {} {} {} {}: {}",
                d.id,
                d.status,
                d.opportunity,
                d.partner,
                d.reason
            );
        }
    }
}
