//! `ascribe compare`: flags, progress and printing around `crate::commands::compare`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};

use crate::cli::Global;
use crate::commands::compare::Comparison;
use crate::commands::track::cli::{
    CampaignArgs, parse_dimension, parse_key, parse_param, parse_stage, parse_window,
};
use crate::pipeline::attribute::{Dimension, Key, Kind, WindowSpec};
use crate::report::schema::{money, pct};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Default)]
pub enum CompareFormat {
    #[default]
    Table,
    Csv,
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Default)]
pub enum Measure {
    /// Opportunities created in the window.
    #[default]
    Pipeline,
    /// Opportunities won in the window.
    Revenue,
}

#[derive(Args, Debug)]
pub struct CompareArgs {
    #[command(flatten)]
    pub campaign: CampaignArgs,
    /// Models to compare, comma-separated, in column order: bundled or campaign model names, first-touch, last-touch, multi-touch, or .wasm paths.
    #[arg(long, value_delimiter = ',', required = true, value_name = "MODEL,…")]
    pub models: Vec<String>,
    /// The dimension credit is grouped by: channel, partner, asset, region, segment, campaign, source, medium, touch_type, channel_group.
    #[arg(long, default_value = "channel", value_parser = parse_dimension)]
    pub dimension: Dimension,
    /// What is credited: pipeline (opportunities created in the window) or revenue (won in it).
    #[arg(long, value_enum, default_value_t, conflicts_with = "stage")]
    pub measure: Measure,
    /// The milestone whose journeys are credited: lead, mql, sql (counted: each person's
    /// first reaching of the stage), opportunity (= --measure pipeline) or closed_won
    /// (= --measure revenue). See docs/attribution.md, "Stage journeys".
    #[arg(long, value_parser = parse_stage)]
    pub stage: Option<Kind>,
    /// Analysis window: 7d, 30d, any Nd (ending at --as-of), campaign, or FROM..TO.
    #[arg(long, default_value = "campaign", value_parser = parse_window)]
    pub window: WindowSpec,
    /// The date the run is as of (default: the campaign's end).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub as_of: Option<chrono::NaiveDate>,
    /// A model parameter: --param order=2 for every model that declares `order`, or
    /// --param markov.order=2 for one (repeatable; overrides the campaign file).
    #[arg(long = "param", value_name = "[MODEL.]K=V", value_parser = parse_param)]
    pub params: Vec<(String, String)>,
    /// The Markov order: K is --param order=K; `auto` chooses 1–4 per model by 5-fold cross-validation over accounts (docs/attribution.md, "Choosing the Markov order").
    #[arg(long, value_name = "K|auto", value_parser = crate::commands::track::cli::parse_order)]
    pub order: Option<String>,
    #[command(flatten)]
    pub intervals: crate::commands::track::cli::IntervalArgs,
    #[command(flatten)]
    pub filters: crate::commands::track::cli::FilterArgs,
    /// What a Markov state or Shapley player is: channel, partner:channel, asset, campaign…
    #[arg(long, default_value = "channel", value_parser = parse_key)]
    pub attribution_key: Key,
    /// Models run at once [default: one per core].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=64))]
    pub jobs: Option<u16>,
    /// Where packages go: OUT/<campaign>/compare-<run-id>/.
    #[arg(long, value_name = "DIR", default_value = "out")]
    pub out: PathBuf,
    #[arg(long, value_enum, default_value_t)]
    pub format: CompareFormat,
}

pub fn run(a: CompareArgs, global: &Global) -> anyhow::Result<ExitCode> {
    let format = a.format;
    let outcome = execute(a, global)?;
    let cmp = &outcome.comparison;
    for m in cmp.models.iter().filter(|m| !m.ok()) {
        crate::errln!(
            "warning: model {} failed: {}",
            m.label,
            m.error.as_deref().unwrap_or("")
        );
    }
    match format {
        CompareFormat::Table => print_table(cmp, outcome.package.as_deref()),
        CompareFormat::Csv => {
            crate::out!(
                "{}",
                String::from_utf8_lossy(&crate::commands::compare::csv(cmp)?)
            )
        }
        CompareFormat::Json => crate::out!("{}", crate::commands::compare::json(cmp)?),
    }
    if outcome.all_failed() {
        crate::errln!("error: every model failed; nothing to compare");
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

/// `compare` without the terminal: runs the models and writes the package, exactly as the
/// command does (the Python package calls this).
pub fn execute(
    a: CompareArgs,
    global: &Global,
) -> anyhow::Result<crate::commands::compare::Outcome> {
    let c = a.campaign.load()?;
    let rt = global.runtime(
        c.models
            .iter()
            .any(|m| m.limits.fuel.is_some() && a.models.iter().any(|s| s == &m.name))
            || c.sources.iter().any(|s| s.limits.fuel.is_some()),
    )?;
    let opts = crate::commands::compare::Options {
        window: a.window.clone(),
        as_of: a.as_of,
        dimension: a.dimension,
        measure: match (a.stage, a.measure) {
            (Some(k), _) => k,
            (None, Measure::Pipeline) => Kind::Pipeline,
            (None, Measure::Revenue) => Kind::Revenue,
        },
        key: a.attribution_key.clone(),
        models: a.models.iter().map(|m| m.trim().to_string()).collect(),
        params: crate::commands::track::cli::with_order(&a.params, &a.order),
        intervals: a.intervals.spec(),
        filters: a.filters.filters(),
        out: Some(a.out.clone()),
        plugin_dirs: global.plugin_dir.clone(),
        jobs: a.jobs.map(usize::from),
    };
    let bar = crate::cli::progress::Progress::new();
    let outcome = crate::commands::compare::run(&c, &rt, &opts, &|msg| bar.step(msg));
    bar.finish();
    outcome
}

use crate::cli::table::{Left, Right, Table};
use crate::format::truncate as trunc;

/// Money without the currency code (the heading names it).
fn amount(d: rust_decimal::Decimal, cur: &str) -> String {
    let m = money(d, cur);
    m.strip_prefix(&format!("{cur} ")).unwrap_or(&m).to_string()
}

/// The validation block: per model, the held-out scores and the partner split's
/// stability, then the recommendation and why; then how `--order auto` chose.
fn print_validation(cmp: &Comparison) {
    let v = &cmp.validation;
    crate::outln!();
    let mut t = Table::new(2, &[Left, Right, Right, Right, Left]);
    t.header([
        "Validation".to_string(),
        format!("held-out AUC ({} folds)", v.folds),
        "log-lik/outcome".into(),
        "widest partner 90% interval".into(),
        "partner shares [90% interval]".into(),
    ]);
    for m in cmp.models.iter().filter(|m| m.ok()) {
        let (auc, ll) = match &m.held_out {
            Some(e) => (
                e.auc
                    .as_ref()
                    .map(|s| format!("{:.3} ± {:.3}", s.mean, s.sd))
                    .unwrap_or_else(|| "—".into()),
                e.log_likelihood
                    .as_ref()
                    .map(|s| format!("{:.4}", s.mean))
                    .unwrap_or_else(|| "—".into()),
            ),
            None => ("(rule-based)".into(), "—".into()),
        };
        let split = match (&m.partner_split, &m.partner_split_error) {
            (Some(ps), _) => ps
                .iter()
                .map(|p| {
                    format!(
                        "{} {:.1}% [{:.1}, {:.1}]",
                        trunc(&p.partner, 24),
                        p.share * 100.0,
                        p.lo * 100.0,
                        p.hi * 100.0
                    )
                })
                .collect::<Vec<_>>()
                .join("; "),
            (None, Some(e)) => format!("not drawn: {}", trunc(e, 80)),
            (None, None) => "—".into(),
        };
        t.row([
            m.label.clone(),
            auc,
            ll,
            m.widest_partner_interval
                .map(|w| format!("{:.1} pp", w * 100.0))
                .unwrap_or_else(|| "—".into()),
            split,
        ]);
    }
    t.print();
    crate::outln!();
    match &v.recommended {
        Some(m) => crate::outln!(
            "  Recommended{}: {m} — {}.",
            if v.provisional { " (provisional)" } else { "" },
            v.reason
        ),
        None => crate::outln!("  No recommendation: {}.", v.reason),
    }
    if let Some(a) = &v.agreed {
        if v.recommended.as_deref() == Some(a.as_str()) {
            crate::outln!("  Agreed (pinned in the campaign file): {a}, the model recommended.");
        } else {
            crate::outln!(
                "  Agreed (pinned in the campaign file): {a}; the evidence above would pick {}.",
                v.recommended.as_deref().unwrap_or("none")
            );
        }
    }
    crate::outln!("  Rule (docs/compare.md): {}.", v.rule);
    for m in &cmp.models {
        if let Some(c) = &m.order_selection {
            crate::outln!();
            for l in crate::cli::table::order_choice(&m.label, c) {
                crate::outln!("  {l}");
            }
        }
    }
}

/// The comparison on the terminal: the models side by side, agreement and disagreements.
/// Long because it is the whole screen in reading order; it only formats sealed fields.
fn print_table(cmp: &Comparison, package: Option<&std::path::Path>) {
    let cur = &cmp.unit;
    crate::outln!(
        "{} — {} to {} (as of {}): {} by {}, {} {} from {} conversions ({} unattributed)",
        cmp.campaign.name,
        cmp.window.from,
        cmp.window.to,
        cmp.window.as_of,
        cmp.measure,
        cmp.dimension,
        cur,
        amount(cmp.total, cur),
        cmp.conversions,
        amount(cmp.unattributed, cur)
    );
    crate::outln!();
    // Each model column: the amount and its share, e.g. `1,234,567.89  12.3%`; the spread,
    // and a star on the rows called out below.
    let mut aligns = vec![Left];
    aligns.extend(cmp.models.iter().map(|_| Right));
    aligns.extend([Right, Left]);
    let mut t = Table::new(2, &aligns);
    let mut head = vec![cmp.dimension.to_string()];
    head.extend(cmp.models.iter().map(|m| m.label.clone()));
    head.push("spread".into());
    t.header(head);
    for row in &cmp.rows {
        let mut line = vec![trunc(&row.value, 28)];
        line.extend(row.cells.iter().map(|cell| match cell {
            Some(c) => format!("{} {:>6}", amount(c.amount, cur), pct(c.share)),
            None => "FAILED".to_string(),
        }));
        line.push(format!("{:.1}pp", row.spread * 100.0));
        let hot = cmp.disagreements.iter().any(|d| d.value == row.value);
        line.push(if hot { "*" } else { "" }.into());
        t.row(line);
    }
    let mut total = vec!["credited".to_string()];
    total.extend(cmp.models.iter().map(|m| {
        m.credited
            .map(|d| format!("{} {:>6}", amount(d, cur), pct(1.0)))
            .unwrap_or_else(|| "FAILED".into())
    }));
    t.row(total);
    t.print();

    let failed: Vec<_> = cmp.models.iter().filter(|m| !m.ok()).collect();
    if !failed.is_empty() {
        crate::outln!();
        crate::outln!("  Failed:");
        for m in failed {
            crate::outln!("    {}: {}", m.label, m.error.as_deref().unwrap_or(""));
        }
    }

    crate::outln!();
    if cmp.disagreements.is_empty() {
        crate::outln!("  The models agree on every share.");
    } else {
        crate::outln!(
            "  Where the models disagree most (* above; spread = largest share − smallest):"
        );
        for d in &cmp.disagreements {
            crate::outln!(
                "    {}: {} ({}) to {} ({}), spread {:.1} pp",
                d.value,
                pct(d.low.share),
                d.low.model,
                pct(d.high.share),
                d.high.model,
                d.spread * 100.0
            );
        }
    }
    if !cmp.agreement.is_empty() {
        crate::outln!();
        let mut t = Table::new(2, &[Left, Right, Right, Left]);
        t.header(["Agreement", "Spearman ρ", "max share diff", "at"]);
        for p in &cmp.agreement {
            t.row([
                format!("{} ~ {}", p.a, p.b),
                p.spearman
                    .map(|r| format!("{r:.3}"))
                    .unwrap_or_else(|| "—".into()),
                format!("{:.1} pp", p.max_share_difference * 100.0),
                p.at.as_deref().unwrap_or("—").to_string(),
            ]);
        }
        t.print();
    }
    print_validation(cmp);
    crate::outln!();
    crate::outln!("  Parameters in force:");
    for m in &cmp.models {
        let params = if m.params.is_empty() {
            "none".to_string()
        } else {
            m.params
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        crate::outln!("    {} ({}): {params}", m.label, m.name);
    }
    if let Some(p) = package {
        crate::outln!();
        crate::outln!("  Comparison written to {}", p.display());
    }
}
