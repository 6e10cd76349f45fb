//! `ascribe compare`: flags, progress and printing around `crate::commands::compare`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};

use crate::cli::Global;
use crate::commands::compare::Comparison;
use crate::commands::track::cli::{
    CampaignArgs, parse_dimension, parse_key, parse_param, parse_window,
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
    /// The dimension credit is grouped by: channel, partner, asset, region, segment, campaign, source, medium, touch_type.
    #[arg(long, default_value = "channel", value_parser = parse_dimension)]
    pub dimension: Dimension,
    /// What is credited: pipeline (opportunities created in the window) or revenue (won in it).
    #[arg(long, value_enum, default_value_t)]
    pub measure: Measure,
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
        measure: match a.measure {
            Measure::Pipeline => Kind::Pipeline,
            Measure::Revenue => Kind::Revenue,
        },
        key: a.attribution_key.clone(),
        models: a.models.iter().map(|m| m.trim().to_string()).collect(),
        params: a.params.clone(),
        out: Some(a.out.clone()),
        plugin_dirs: global.plugin_dir.clone(),
        jobs: a.jobs.map(usize::from),
    };
    let bar = crate::cli::progress::Progress::new();
    let outcome = crate::commands::compare::run(&c, &rt, &opts, &|msg| bar.step(msg));
    bar.finish();
    let outcome = outcome?;
    let cmp = &outcome.comparison;
    for m in cmp.models.iter().filter(|m| !m.ok()) {
        crate::errln!(
            "warning: model {} failed: {}",
            m.label,
            m.error.as_deref().unwrap_or("")
        );
    }
    match a.format {
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

use crate::format::truncate as trunc;

/// Money without the currency code (the heading names it).
fn amount(d: rust_decimal::Decimal, cur: &str) -> String {
    let m = money(d, cur);
    m.strip_prefix(&format!("{cur} ")).unwrap_or(&m).to_string()
}

/// The comparison on the terminal: the models side by side, agreement and disagreements.
/// Long because it is one table laid out column by column; it only formats sealed fields.
fn print_table(cmp: &Comparison, package: Option<&std::path::Path>) {
    let cur = &cmp.campaign.currency;
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
    // Each model column: the amount and its share, e.g. `1,234,567.89  12.3%`.
    let widths: Vec<usize> = (0..cmp.models.len())
        .map(|m| {
            let cells = cmp
                .rows
                .iter()
                .filter_map(|r| r.cells[m])
                .map(|c| amount(c.amount, cur).len() + 7)
                .max()
                .unwrap_or(0);
            let credited = cmp.models[m]
                .credited
                .map(|d| amount(d, cur).len() + 7)
                .unwrap_or(0);
            cells
                .max(credited)
                .max(cmp.models[m].label.chars().count())
                .max(8)
        })
        .collect();
    let first_w = cmp
        .rows
        .iter()
        .map(|r| r.value.chars().count())
        .chain([cmp.dimension.len(), 8])
        .max()
        .unwrap_or(8)
        .min(28);
    let mut head = format!("  {:<first_w$}", cmp.dimension);
    for (m, w) in cmp.models.iter().zip(&widths) {
        head.push_str(&format!("  {:>w$}", trunc(&m.label, *w)));
    }
    head.push_str("   spread");
    crate::outln!("{head}");
    for row in &cmp.rows {
        let mut line = format!("  {:<first_w$}", trunc(&row.value, first_w));
        for (cell, w) in row.cells.iter().zip(&widths) {
            let s = match cell {
                Some(c) => format!("{} {:>6}", amount(c.amount, cur), pct(c.share)),
                None => "FAILED".to_string(),
            };
            line.push_str(&format!("  {s:>w$}"));
        }
        let hot = cmp.disagreements.iter().any(|d| d.value == row.value);
        line.push_str(&format!(
            "  {:>5.1}pp{}",
            row.spread * 100.0,
            if hot { " *" } else { "" }
        ));
        crate::outln!("{line}");
    }
    let mut total = format!("  {:<first_w$}", "credited");
    for (m, w) in cmp.models.iter().zip(&widths) {
        let s = m
            .credited
            .map(|d| format!("{} {:>6}", amount(d, cur), pct(1.0)))
            .unwrap_or_else(|| "FAILED".into());
        total.push_str(&format!("  {s:>w$}"));
    }
    crate::outln!("{total}");

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
        let lw = cmp
            .agreement
            .iter()
            .map(|p| p.a.chars().count() + p.b.chars().count() + 3)
            .max()
            .unwrap_or(10)
            .max(10);
        crate::outln!(
            "  {:<lw$} {:>11} {:>17}  at",
            "Agreement",
            "Spearman ρ",
            "max share diff"
        );
        for p in &cmp.agreement {
            crate::outln!(
                "  {:<lw$} {:>11} {:>14.1} pp  {}",
                format!("{} ~ {}", p.a, p.b),
                p.spearman
                    .map(|r| format!("{r:.3}"))
                    .unwrap_or_else(|| "—".into()),
                p.max_share_difference * 100.0,
                p.at.as_deref().unwrap_or("—")
            );
        }
    }
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
