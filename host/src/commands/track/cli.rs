//! `ascribe track-source`: flags, progress and printing around `crate::commands::track`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, ValueEnum};

use crate::cli::{Format, Global};
use crate::pipeline::attribute::{Dimension, Key, Kind, WindowSpec};
use crate::report::Detail;
use crate::report::schema::*;

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum DetailArg {
    Summary,
    Full,
}

/// A format of the package's tables.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum TableFormat {
    Csv,
    Parquet,
}

/// The formats `--formats` names; none given: CSV alone.
pub fn formats(given: Option<&[TableFormat]>) -> crate::report::Formats {
    match given {
        None => crate::report::Formats::default(),
        Some(f) => crate::report::Formats {
            csv: f.contains(&TableFormat::Csv),
            parquet: f.contains(&TableFormat::Parquet),
        },
    }
}

/// Which campaign: `--campaign NAME` (searched by id or name in --campaigns-dir) or
/// `--campaign-file PATH`.
#[derive(Args, Debug, Clone)]
pub struct CampaignArgs {
    /// Campaign id or name, looked up among the *.toml files of --campaigns-dir.
    #[arg(
        long,
        value_name = "NAME",
        required_unless_present = "campaign_file",
        conflicts_with = "campaign_file"
    )]
    pub campaign: Option<String>,
    /// A campaign file, named directly.
    #[arg(long, value_name = "PATH")]
    pub campaign_file: Option<PathBuf>,
    /// Where campaign files live.
    #[arg(
        long,
        value_name = "DIR",
        default_value = "campaigns",
        env = "ASCRIBE_CAMPAIGNS_DIR"
    )]
    pub campaigns_dir: PathBuf,
}

impl CampaignArgs {
    pub fn load(&self) -> anyhow::Result<crate::pipeline::campaign::Campaign> {
        match (&self.campaign_file, &self.campaign) {
            (Some(f), _) => Ok(crate::pipeline::campaign::load(f)?),
            (None, Some(name)) => crate::pipeline::campaign::find(&self.campaigns_dir, name),
            (None, None) => {
                anyhow::bail!("name a campaign with --campaign NAME or --campaign-file PATH")
            }
        }
    }
}

#[derive(Args, Debug)]
pub struct TrackArgs {
    #[command(flatten)]
    pub campaign: CampaignArgs,
    /// Analysis window: 7d, 30d, any Nd (ending at --as-of), campaign, or FROM..TO.
    #[arg(long, default_value = "campaign", value_parser = parse_window)]
    pub window: WindowSpec,
    /// summary: the headline table and summary.md; full: every table and the whole package.
    #[arg(long, value_enum, default_value = "summary")]
    pub detail: DetailArg,
    /// Formats of --detail full's tables, comma-separated: csv, parquet (typed: decimal money, UTC times; adds dimension_credit.parquet). [default: csv]
    #[arg(long, value_enum, value_delimiter = ',', value_name = "FORMATS")]
    pub formats: Option<Vec<TableFormat>>,
    /// Dimensions to credit, comma-separated: partner, channel, asset, region, segment, campaign, source, medium, touch_type, channel_group.
    #[arg(long, value_delimiter = ',', default_value = "partner,channel", value_parser = parse_dimension)]
    pub dimensions: Vec<Dimension>,
    /// The period of the trends (report.json's `trends`, trends.csv, the dashboard's trend charts): week (ISO weeks from Monday) or month.
    #[arg(long, value_name = "week|month", default_value = "week", value_parser = crate::pipeline::insights::trends::Granularity::parse)]
    pub granularity: crate::pipeline::insights::trends::Granularity,
    /// Milestones of the stage table (report.json's `stages`), comma-separated: lead, mql, sql, opportunity, closed_won; each with its own journeys (docs/attribution.md, "Stage journeys"). Default: all five with --detail full, none with summary.
    #[arg(long = "stage", value_delimiter = ',', value_name = "STAGE,…", value_parser = parse_stage)]
    pub stages: Vec<Kind>,
    #[command(flatten)]
    pub intervals: IntervalArgs,
    /// first-touch, last-touch, multi-touch (the campaign's default multi-touch model), any model name, or a .wasm path.
    #[arg(long, value_name = "NAME|PATH")]
    pub attribution_model: Option<String>,
    /// A model parameter, e.g. --param half_life=14d, or --param time-decay.half_life=14d for
    /// that model only (repeatable; overrides the campaign file; one the model does not
    /// declare is an error).
    #[arg(long = "param", value_name = "K=V", value_parser = parse_param)]
    pub params: Vec<(String, String)>,
    /// The Markov order: K is --param order=K; `auto` chooses 1–4 by 5-fold cross-validation over accounts (docs/attribution.md, "Choosing the Markov order").
    #[arg(long, value_name = "K|auto", value_parser = parse_order)]
    pub order: Option<String>,
    #[command(flatten)]
    pub filters: FilterArgs,
    /// What a Markov state or Shapley player is: channel, partner:channel, asset, campaign…
    #[arg(long, default_value = "channel", value_parser = parse_key)]
    pub attribution_key: Key,
    /// The date the run is as of (default: the campaign's end): makes every run reproducible.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub as_of: Option<chrono::NaiveDate>,
    /// Where reporting packages go: OUT/<campaign>/<run-id>/.
    #[arg(long, value_name = "DIR", default_value = "out")]
    pub out: PathBuf,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

/// Touch filters on the command line, beside the campaign file's `[filters]`.
#[derive(Args, Debug, Clone, Default)]
pub struct FilterArgs {
    /// Leave out touches whose FIELD is VALUE (channel, partner, asset or touch_type; exact,
    /// ignoring case), e.g. --exclude channel=direct (repeatable).
    #[arg(long, value_name = "FIELD=VALUE", value_parser = parse_exclude)]
    pub exclude: Vec<crate::pipeline::campaign::rules::Filter>,
    /// Keep only touches whose FIELD is VALUE (repeatable: a touch any of them matches is kept).
    #[arg(long, value_name = "FIELD=VALUE", value_parser = parse_include)]
    pub include: Vec<crate::pipeline::campaign::rules::Filter>,
}

impl FilterArgs {
    pub fn filters(&self) -> Vec<crate::pipeline::campaign::rules::Filter> {
        self.exclude.iter().chain(&self.include).cloned().collect()
    }
}

fn parse_exclude(s: &str) -> Result<crate::pipeline::campaign::rules::Filter, String> {
    crate::pipeline::campaign::rules::Filter::from_flag(s, true)
}

fn parse_include(s: &str) -> Result<crate::pipeline::campaign::rules::Filter, String> {
    crate::pipeline::campaign::rules::Filter::from_flag(s, false)
}

pub fn parse_window(s: &str) -> Result<WindowSpec, String> {
    WindowSpec::parse(s)
}

pub fn parse_dimension(s: &str) -> Result<Dimension, String> {
    Dimension::parse(s)
}

pub fn parse_stage(s: &str) -> Result<Kind, String> {
    Kind::parse_stage(s)
}

pub fn parse_key(s: &str) -> Result<Key, String> {
    Key::parse(s)
}

/// The bootstrap behind the 90% intervals, shared by track-source and compare.
#[derive(Args, Debug, Clone)]
pub struct IntervalArgs {
    /// Bootstrap replicates of the 90% intervals on credit (a Poisson bootstrap over accounts; docs/insights.md, "Intervals").
    #[arg(long, value_name = "N", default_value_t = crate::pipeline::attribute::bootstrap::REPLICATES, value_parser = clap::value_parser!(u32).range(2..=100_000), conflicts_with = "no_intervals")]
    pub intervals: u32,
    /// No intervals: credit as bare numbers (report.json's bounds are null).
    #[arg(long)]
    pub no_intervals: bool,
    /// The seed of the intervals' replicate weights (recorded in the report and the plan).
    #[arg(long, value_name = "SEED", default_value_t = crate::pipeline::insights::intervals::Spec::DEFAULT_SEED)]
    pub interval_seed: u64,
}

impl IntervalArgs {
    /// The bootstrap asked for; None: `--no-intervals`.
    pub fn spec(&self) -> Option<crate::pipeline::insights::intervals::Spec> {
        (!self.no_intervals).then_some(crate::pipeline::insights::intervals::Spec {
            replicates: self.intervals,
            seed: self.interval_seed,
        })
    }
}

/// `--order K|auto` as the parameter it stands for, after the `--param`s (so it wins).
pub fn with_order(params: &[(String, String)], order: &Option<String>) -> Vec<(String, String)> {
    let mut p = params.to_vec();
    if let Some(k) = order {
        p.push(("order".into(), k.clone()));
    }
    p
}

/// `--order`: a Markov order of 1 or more, or `auto` (chosen from the data).
pub fn parse_order(s: &str) -> Result<String, String> {
    if s.eq_ignore_ascii_case("auto") {
        return Ok("auto".into());
    }
    match s.parse::<u32>() {
        Ok(k) if k >= 1 => Ok(k.to_string()),
        _ => Err(format!(
            "`{s}` is not an order: give a whole number of 1 or more, or `auto` to choose 1–4 from the data"
        )),
    }
}

pub fn parse_param(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.trim().to_string())),
        _ => Err(format!(
            "`{s}` is not a parameter: write NAME=VALUE, e.g. half_life=14d"
        )),
    }
}

/// Exit status when the run completed but escalated (docs/guardrails.md).
pub const EXIT_ESCALATED: u8 = 3;

pub fn run(a: TrackArgs, global: &Global) -> anyhow::Result<ExitCode> {
    let format = a.format;
    let (outcome, detail) = execute(a, global)?;
    let r = &outcome.report;
    match format {
        Format::Json => crate::outln!("{}", serde_json::to_string_pretty(r)?),
        Format::Table => print_tables(r, detail, outcome.package.as_deref()),
    }
    Ok(exit_code(&outcome))
}

/// The exit code of a finished run: escalated runs exit with [`EXIT_ESCALATED`].
pub fn exit_code(outcome: &crate::commands::track::Outcome) -> ExitCode {
    if outcome.report.guardrails.escalation.is_some() {
        ExitCode::from(EXIT_ESCALATED)
    } else {
        ExitCode::SUCCESS
    }
}

/// `track-source` without the terminal: runs, writes the package and records the run in
/// the plan, exactly as the command does (the Python package calls this).
pub fn execute(
    a: TrackArgs,
    global: &Global,
) -> anyhow::Result<(crate::commands::track::Outcome, Detail)> {
    if a.formats.is_some() && a.detail != DetailArg::Full {
        anyhow::bail!("--formats chooses the formats of --detail full's tables: add --detail full");
    }
    let c = a.campaign.load()?;
    let rt = global.runtime(
        c.sources.iter().any(|s| s.limits.fuel.is_some())
            || c.models.iter().any(|m| m.limits.fuel.is_some()),
    )?;
    let plan_state = crate::commands::plan::State::for_campaign(&c, global.state_dir.as_deref())?;
    let plan_before = plan_state.read()?;
    let opts = crate::commands::track::Options {
        window: a.window.clone(),
        as_of: a.as_of,
        detail: if a.detail == DetailArg::Full {
            Detail::Full
        } else {
            Detail::Summary
        },
        formats: formats(a.formats.as_deref()),
        dimensions: a.dimensions.clone(),
        granularity: a.granularity,
        stages: a.stages.clone(),
        intervals: a.intervals.spec(),
        model: a.attribution_model.clone(),
        params: with_order(&a.params, &a.order),
        filters: a.filters.filters(),
        key: a.attribution_key.clone(),
        out: Some(a.out.clone()),
        plugin_dirs: global.plugin_dir.clone(),
        open_disputes: plan_before.as_ref().map(|p| p.open_disputes()).unwrap_or(0),
        low_runs_before: plan_before
            .as_ref()
            .map(|p| p.low_confidence_streak())
            .unwrap_or(0),
    };
    let _lock = plan_state.lock()?;
    let bar = crate::cli::progress::Progress::new();
    let outcome = crate::commands::track::run(&c, &rt, &opts, &|msg| bar.step(msg));
    bar.finish();
    let outcome = match outcome {
        Ok(o) => o,
        Err(e) => {
            plan_state.record_failure(&c, &opts, &e)?;
            return Err(e);
        }
    };
    plan_state
        .record_run(&c, &opts, &outcome)
        .context("recording the run in the plan")?;
    Ok((outcome, opts.detail))
}

/// The terminal report: headline, credit per dimension, contribution, funnel, sourcing,
/// data, insights and actions, each a short block (a `cli::table::Table` or a few `outln!`).
/// Long because it is the whole screen in reading order; each block only formats fields of
/// the sealed report.
fn print_tables(r: &Report, detail: Detail, package: Option<&std::path::Path>) {
    let cur = &r.campaign.currency;
    let h = &r.headline;
    crate::outln!(
        "{} — {} to {} (as of {}), model {}",
        r.campaign.name,
        r.window.from,
        r.window.to,
        r.window.as_of,
        r.model.name
    );
    if let Some(c) = &r.model.order_selection {
        for l in crate::cli::table::order_choice("  markov", c) {
            crate::outln!("{l}");
        }
    }
    crate::outln!();
    let rows = [
        (
            "Pipeline",
            format!(
                "{} from {} opportunities",
                money(h.pipeline, cur),
                h.opportunities
            ),
        ),
        (
            "Revenue",
            format!("{} from {} won deals", money(h.revenue, cur), h.won),
        ),
        ("Unattributed pipeline", money(h.unattributed_pipeline, cur)),
        (
            "Touches in window",
            format!("{} on {} accounts", h.touches, h.accounts_touched),
        ),
        (
            "Attribution confidence",
            format!(
                "{} (minimum {})",
                pct(r.guardrails.confidence),
                pct(r.guardrails.min_confidence)
            ),
        ),
    ];
    let mut t = Table::new(2, &[Left, Left]);
    for (k, v) in rows {
        t.row([k.to_string(), v]);
    }
    t.print();
    crate::outln!();
    let mut t = Table::new(2, &[Left, Right, Right, Right, Right]);
    t.header(["Partner", "Pipeline", "% tgt", "Revenue", "% tgt"]);
    for c in r.contribution.iter().filter(|c| c.channel.is_none()) {
        let p = |x: Option<f64>| x.map(|v| format!("{v:.1}%")).unwrap_or_else(|| "—".into());
        t.row([
            c.partner.clone(),
            money(c.pipeline, cur),
            p(c.pipeline_pct),
            money(c.revenue, cur),
            p(c.revenue_pct),
        ]);
    }
    t.print();
    if let Some(e) = &r.guardrails.escalation {
        crate::outln!();
        crate::outln!("  ESCALATED to {}: {}", e.rung, e.reasons.join("; "));
    }
    if detail == Detail::Full {
        for d in &r.credit {
            crate::outln!();
            let mut t = Table::new(2, &[Left, Right, Right, Right, Right, Right]);
            t.header([
                format!("Credit by {}", d.dimension).as_str(),
                "pipeline",
                "share",
                "revenue",
                "share",
                "opps",
            ]);
            for row in &d.rows {
                t.row([
                    trunc(&row.value, 28),
                    money(row.pipeline, cur),
                    pct(row.pipeline_share),
                    money(row.revenue, cur),
                    pct(row.revenue_share),
                    row.opportunities.to_string(),
                ]);
            }
            t.print();
        }
        crate::outln!();
        let mut t = Table::new(2, &[Left, Right, Right, Right, Right]);
        t.header(["Top assets", "pipeline", "revenue", "opps", "per spend"]);
        for a in &r.top_assets {
            t.row([
                trunc(&a.value, 28),
                money(a.pipeline, cur),
                money(a.revenue, cur),
                a.opportunities.to_string(),
                a.pipeline_per_spend
                    .map(|x| format!("{x:.1}×"))
                    .unwrap_or_else(|| "—".into()),
            ]);
        }
        t.print();
        crate::outln!();
        let mut t = Table::new(2, &[Left, Right, Right, Right, Right, Right, Left]);
        t.header([
            "Funnel (accounts)",
            "lead",
            "mql",
            "sql",
            "opp",
            "won",
            "biggest drop",
        ]);
        for f in &r.funnel {
            let c = f.counts;
            let mut cells = vec![trunc(&format!("{}: {}", f.group_by, f.group), 28)];
            cells.extend(c.iter().map(u64::to_string));
            cells.push(f.biggest_drop.clone().unwrap_or_default());
            t.row(cells);
        }
        t.print();
        crate::outln!();
        let s = &r.sourcing;
        crate::outln!(
            "  Partner-sourced pipeline {}, influenced {}, neither {}",
            money(s.sourced, cur),
            money(s.influenced, cur),
            money(s.neither, cur)
        );
        let mut t = Table::new(4, &[Left, Left]);
        for p in &s.by_partner {
            t.row([
                p.partner.clone(),
                format!(
                    "sourced {} ({} opps), influenced {} ({} opps)",
                    money(p.sourced, cur),
                    p.sourced_opportunities,
                    money(p.influenced, cur),
                    p.influenced_opportunities
                ),
            ]);
        }
        t.print();
        if let (Some(w), Some(wo)) = (
            s.days_to_close_with_partner,
            s.days_to_close_without_partner,
        ) {
            crate::outln!(
                "    days to close: {w:.1} with a co-marketing partner touch, {wo:.1} without"
            );
        }
        crate::outln!();
        // The rows line up under `source`, each source's first rejects below its row.
        let mut t = Table::new(0, &[Left, Right, Right, Right, Right]);
        t.header(["source", "rows", "normalized", "merged", "rejected"]);
        for src in &r.data.sources {
            t.row([
                trunc(&src.source, 22),
                src.rows_read.to_string(),
                src.normalized.to_string(),
                src.merged.to_string(),
                src.rejected.to_string(),
            ]);
        }
        let mut lines = t.lines().into_iter();
        crate::outln!("  Data: {}", lines.next().unwrap_or_default());
        for (src, line) in r.data.sources.iter().zip(lines) {
            crate::outln!("        {line}");
            for rj in &src.first_rejects {
                crate::outln!("          {rj}");
            }
            if src.empty_amounts > 0 {
                crate::outln!(
                    "          warning: {} conversion(s) with an empty amount, counted as 0",
                    src.empty_amounts
                );
            }
        }
        crate::outln!();
        crate::outln!("  Insights:");
        for (i, s) in r.insights.iter().enumerate() {
            crate::outln!("    {}. {s}", i + 1);
        }
        crate::outln!("  Actions:");
        for a in &r.actions {
            crate::outln!(
                "    {}. [{} {}] {} ({}) → {}",
                a.priority,
                a.subject_kind,
                a.subject,
                a.action,
                a.evidence,
                a.owner
            );
        }
    }
    if let Some(p) = package {
        crate::outln!();
        crate::outln!("  Report written to {}", p.display());
    }
}

use crate::cli::table::{Left, Right, Table};
use crate::format::truncate as trunc;
