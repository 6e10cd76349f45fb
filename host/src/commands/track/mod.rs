//! `track-source`: the whole pipeline for one campaign — gather → normalize → attribute →
//! insights → report. The CLI (`cli.rs` beside this file) only parses flags and prints; everything a
//! test needs to check is returned here.

pub mod cli;

use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use crate::pipeline::attribute::{self, Attribution, Dimension, Key, Kind, Window, WindowSpec};
use crate::pipeline::campaign::Campaign;
use crate::pipeline::insights;
use crate::pipeline::normalize::Dataset;
use crate::report::schema::*;
use crate::report::{self, Detail};
use crate::runtime::{Limits, Plugin, Runtime};

pub struct Options {
    pub window: WindowSpec,
    pub as_of: Option<NaiveDate>,
    pub detail: Detail,
    /// The formats of a full package's tables.
    pub formats: report::Formats,
    pub dimensions: Vec<Dimension>,
    /// The period of `trends`: ISO weeks or calendar months (`--granularity`).
    pub granularity: insights::trends::Granularity,
    /// The milestones of the stage table (`--stage`); empty: all of them with --detail
    /// full, none with summary.
    pub stages: Vec<Kind>,
    /// The bootstrap of the intervals on credit (`--intervals`, `--interval-seed`); None:
    /// `--no-intervals`.
    pub intervals: Option<insights::intervals::Spec>,
    /// `first-touch`, `last-touch`, `multi-touch`, a model the campaign lists, a bundled
    /// model's name, or a `.wasm` path. None: the campaign's default model.
    pub model: Option<String>,
    pub params: Vec<(String, String)>,
    /// Touch filters from the command line (`--exclude`, `--include`), beside the
    /// campaign's `[filters]`.
    pub filters: Vec<crate::pipeline::campaign::rules::Filter>,
    pub key: Key,
    /// Where packages go: `OUT/<campaign>/<run-id>/`. None: write nothing.
    pub out: Option<PathBuf>,
    pub plugin_dirs: Vec<PathBuf>,
    /// Open partner disputes, from the plan (they lower nothing but force escalation).
    pub open_disputes: u64,
    /// How many runs before this one in a row were below the minimum confidence.
    pub low_runs_before: u32,
}

pub struct Outcome {
    /// Every string in it cleaned (`text::seal`): what the views and the terminal show.
    pub report: crate::text::Sealed<Report>,
    pub package: Option<PathBuf>,
    pub dataset: Dataset,
    pub pipeline: Attribution,
    pub revenue: Attribution,
}

/// The models a user may name, for error messages.
pub fn model_choices(c: &Campaign, plugin_dirs: &[PathBuf]) -> Vec<String> {
    choices_with(c, &installed_models(plugin_dirs))
}

/// The model plugins on the search path, by name (each file read once).
fn installed_models(plugin_dirs: &[PathBuf]) -> Vec<String> {
    crate::plugin_path::available(plugin_dirs)
        .into_iter()
        .filter(|a| is_model_file(a, plugin_dirs))
        .collect()
}

/// The aliases, the campaign's models, then the installed ones, each once.
fn choices_with(c: &Campaign, installed: &[String]) -> Vec<String> {
    let mut v: Vec<String> = vec![
        "first-touch".into(),
        "last-touch".into(),
        "multi-touch".into(),
    ];
    for m in &c.models {
        if !v.contains(&m.name) {
            v.push(m.name.clone());
        }
    }
    for a in installed {
        if !v.contains(a) {
            v.push(a.clone());
        }
    }
    v
}

/// Whether the named plugin on the search path is a model, by the contract its component
/// exports (the interface name is in the binary), without compiling it: an error message
/// must not list normalizers as models.
fn is_model_file(name: &str, plugin_dirs: &[PathBuf]) -> bool {
    let Ok(path) = crate::plugin_path::resolve(name, None, plugin_dirs) else {
        return false;
    };
    let Ok(bytes) = crate::fsx::read_regular(&path, "plugins", crate::fsx::PLUGIN_MAX) else {
        return false;
    };
    let has = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
    has(b"ascribe:model/") && !has(b"ascribe:normalizer/")
}

/// The tail of an error naming a model that is not there: the valid ones, or how to find
/// them when there are none (a copied binary that left its plugins behind).
pub fn where_models_are(c: &Campaign, plugin_dirs: &[PathBuf]) -> String {
    let dirs: Vec<String> = crate::plugin_path::search_path(plugin_dirs)
        .iter()
        .map(|d| d.display().to_string())
        .collect();
    let found = installed_models(plugin_dirs);
    let choices = choices_with(c, &found);
    let installed = !found.is_empty();
    format!(
        "valid models: {}{}; looked in: {}",
        choices.join(", "),
        if installed {
            ""
        } else {
            " (no model plugins were found: build them with `cargo xtask plugins`, or point ascribe at them with --plugin-dir DIR or $ASCRIBE_PLUGIN_PATH)"
        },
        if dirs.is_empty() {
            "nowhere (the search path is empty)".to_string()
        } else {
            dirs.join(", ")
        }
    )
}

/// Resolves `--attribution-model` to a loaded plugin and the campaign's parameters for it.
pub fn resolve_model(
    c: &Campaign,
    rt: &Runtime,
    spec: Option<&str>,
    plugin_dirs: &[PathBuf],
) -> anyhow::Result<(Plugin, Vec<(String, String)>)> {
    let default = c.default_model();
    let spec = match spec {
        None | Some("multi-touch") => match default {
            Some(m) => m.name.clone(),
            None => anyhow::bail!(
                "{}: no model is marked `default = true` under [[models]]; mark one, or pass --attribution-model (valid: {})",
                c.file.display(),
                model_choices(c, plugin_dirs).join(", ")
            ),
        },
        Some(s) => s.to_string(),
    };
    let (plugin_spec, pin, params, limits, base) = match c.models.iter().find(|m| m.name == spec) {
        Some(m) => (
            m.plugin.clone(),
            m.sha256.clone(),
            m.params.clone(),
            m.limits,
            Some(c.dir.as_path()),
        ),
        None => (spec.clone(), None, vec![], Limits::default(), None),
    };
    let path = crate::plugin_path::resolve(&plugin_spec, base, plugin_dirs).map_err(|e| {
        if crate::plugin_path::is_path(&plugin_spec) {
            anyhow::anyhow!("model `{spec}`: {e}")
        } else {
            anyhow::anyhow!(
                "unknown model `{spec}`; {}",
                where_models_are(c, plugin_dirs)
            )
        }
    })?;
    let p = rt.load(&path, pin.as_deref(), limits)?;
    if p.model_info().is_none() {
        anyhow::bail!(
            "`{spec}` ({}) is a {} plugin, not a model; valid models: {}",
            path.display(),
            p.contract.kind(),
            model_choices(c, plugin_dirs).join(", ")
        );
    }
    Ok((p, params))
}

/// Identity of a run: everything that decides its output. Same inputs → same id.
fn run_id(
    c: &Campaign,
    ds: &Dataset,
    window: &Window,
    opts: &Options,
    model: &Plugin,
    params: &[(String, String)],
) -> anyhow::Result<String> {
    Ok(crate::pipeline::RunId::new(c, ds)?
        .with(format!(
            "{window:?}|{}|{:?}|{}|{}",
            opts.window,
            opts.dimensions,
            opts.key.name(),
            model.sha256
        ))
        .with_params(params)
        // Only a granularity other than the default is part of the id, so that the ids
        // of runs from before `--granularity` existed stay what they were.
        .with(match opts.granularity {
            insights::trends::Granularity::Week => String::new(),
            g => format!("granularity={g}"),
        })
        // The intervals: the default draw changes nothing in the id.
        .with(match opts.intervals {
            Some(s)
                if s.replicates == crate::pipeline::attribute::bootstrap::REPLICATES
                    && s.seed == insights::intervals::Spec::DEFAULT_SEED =>
            {
                String::new()
            }
            Some(s) => format!("intervals={},{}", s.replicates, s.seed),
            None => "no-intervals".into(),
        })
        // Likewise `--stage`, only when given.
        .with(if opts.stages.is_empty() {
            String::new()
        } else {
            format!("stages={:?}", opts.stages)
        })
        .finish())
}

/// Which definition of the attribution confidence [`confidence`] computes
/// (docs/guardrails.md); the plan records it per run and logs a change of it.
pub const CONFIDENCE_DEFINITION: u32 = 2;

/// What the run measured of the partner split, for [`confidence`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Split {
    /// No pipeline credit, or all of it to one partner: nothing is split.
    Whole,
    /// No bootstrap was drawn (`--no-intervals`): the split's precision is not measured.
    NotDrawn,
    /// The widest 90% interval on a partner's credited pipeline, hi − lo, in minor units.
    Widest(i128),
}

impl Split {
    /// The partner split of the run's pipeline: `bounds`, its intervals (None:
    /// `--no-intervals`).
    pub fn of(inp: &insights::Inputs, bounds: Option<&insights::intervals::Bounds>) -> Split {
        let partners = inp
            .pipeline
            .credits
            .iter()
            .filter(|cr| cr.units != 0)
            .fold(0, |m, cr| m | inp.ds.touches[cr.touch as usize].partners);
        if partners.count_ones() < 2 {
            return Split::Whole;
        }
        let Some(b) = bounds else {
            return Split::NotDrawn;
        };
        Split::Widest(
            crate::data::partners_of(partners)
                .filter_map(|p| {
                    let name = insights::share_name(inp, Dimension::Partner, p as crate::data::Sym);
                    b.get(Dimension::Partner, &name)
                })
                .map(|(lo, hi)| hi - lo)
                .max()
                .unwrap_or(0),
        )
    }
}

/// The confidence, its parts (name, share) and the notes on them (part, why).
pub type Confidence = (f64, Vec<(String, f64)>, Vec<(String, String)>);

/// Attribution confidence, definition 2 (docs/guardrails.md): the product of the parts
/// measured in this run —
/// - coverage: the share of the pipeline with at least one touch in the lookback;
/// - identity match: the share of touches whose account is known;
/// - split precision: 1 − the widest 90% interval on a partner's credited pipeline, as a
///   share of the credited pipeline, clamped to 0..1 (1 with nothing to split; left out,
///   with a note, when no bootstrap was drawn).
///
/// Rounded to 1e-6. Returns the confidence, the parts, and the notes on the parts.
pub fn confidence(
    total_units: i128,
    unattributed_units: i128,
    identity_match: f64,
    split: Split,
) -> Confidence {
    let coverage = if total_units == 0 {
        1.0
    } else {
        1.0 - unattributed_units as f64 / total_units as f64
    };
    let mut parts = vec![
        ("coverage".to_string(), coverage),
        ("identity_match".to_string(), identity_match),
    ];
    let mut notes = vec![];
    let credited = total_units - unattributed_units;
    match split {
        Split::Widest(w) if credited > 0 => {
            let p = (1.0 - w as f64 / credited as f64).clamp(0.0, 1.0);
            parts.push(("split_precision".to_string(), p));
        }
        Split::NotDrawn => notes.push((
            "split_precision".to_string(),
            "not measured: no bootstrap was drawn (--no-intervals), so the confidence is coverage × identity match alone".to_string(),
        )),
        Split::Whole | Split::Widest(_) => {
            parts.push(("split_precision".to_string(), 1.0));
            notes.push((
                "split_precision".to_string(),
                "1: the credited pipeline went to one partner or none, so there is no split to pin down".to_string(),
            ));
        }
    }
    let c = parts.iter().map(|p| p.1).product::<f64>();
    ((c * 1e6).round() / 1e6, parts, notes)
}

/// The headline figures of the window: pipeline, revenue, what no touch explains, reach.
fn headline(
    ds: &Dataset,
    window: Window,
    pipeline: &Attribution,
    revenue: &Attribution,
) -> Headline {
    let touched: std::collections::HashSet<u32> = ds
        .touches
        .iter()
        .filter(|t| window.contains(t.time_ms) && t.account != 0)
        .map(|t| t.account)
        .collect();
    Headline {
        pipeline: pipeline.total.decimal(),
        revenue: revenue.total.decimal(),
        opportunities: pipeline.conversions.len() as u64,
        won: revenue.conversions.len() as u64,
        unattributed_pipeline: pipeline.unattributed_total.decimal(),
        unattributed_revenue: revenue.unattributed_total.decimal(),
        touches: ds
            .touches
            .iter()
            .filter(|t| window.contains(t.time_ms))
            .count() as u64,
        accounts_touched: touched.len() as u64,
        non_converting_journeys: (pipeline.journeys.conversion_of.len()
            - pipeline.journeys.converting()) as u64,
    }
}

/// The model `--attribution-model` names (or the campaign's default) and its parameters:
/// the campaign file's, then the command line's by the rule every command follows.
fn model_and_params(
    c: &Campaign,
    rt: &Runtime,
    opts: &Options,
) -> anyhow::Result<(Plugin, Vec<(String, String)>)> {
    let (model, campaign_params) = resolve_model(c, rt, opts.model.as_deref(), &opts.plugin_dirs)?;
    let named = match opts.model.as_deref() {
        None | Some("multi-touch") => c.default_model().map(|m| m.name.clone()),
        Some(s) => Some(s.to_string()),
    }
    .unwrap_or_else(|| model.label().name.clone());
    let declared = [crate::pipeline::params::Declared {
        spec: &named,
        params: model
            .model_info()
            .map(|i| i.params.iter().map(|p| p.name.clone()).collect()),
    }];
    let given =
        crate::pipeline::params::assign(&declared, &opts.params, |k| format!("--param {k}=…"))
            .map_err(anyhow::Error::msg)?;
    let mut params = campaign_params;
    params.extend(given.into_iter().flatten());
    Ok((model, params))
}

/// Whether this run escalates, to whom and why (docs/guardrails.md): a second run in a row
/// below the minimum confidence, or an open partner dispute.
fn escalation(c: &Campaign, opts: &Options, conf: f64) -> Option<Escalation> {
    let mut reasons = vec![];
    if conf < c.guardrails.min_confidence && opts.low_runs_before >= 1 {
        reasons.push(format!(
            "attribution confidence {} is below the minimum {} for the second run in a row",
            pct(conf),
            pct(c.guardrails.min_confidence)
        ));
    }
    if opts.open_disputes > 0 {
        reasons.push(format!(
            "{} open partner dispute(s) on sourced pipeline",
            opts.open_disputes
        ));
    }
    (!reasons.is_empty()).then(|| {
        let level = if opts.low_runs_before >= 2 && conf < c.guardrails.min_confidence {
            (opts.low_runs_before - 1) as usize
        } else {
            0
        };
        Escalation {
            rung: crate::guardrails::rung(c, level),
            level: level.min(c.escalation.ladder.len() - 1),
            reasons,
        }
    })
}

/// Each source's row of the data-quality table: its ledger, freshness at --as-of against
/// its SLA, and the first rejects.
fn source_rows(c: &Campaign, ds: &Dataset, as_of_end_ms: i64) -> Vec<SourceRow> {
    ds.ledgers
        .iter()
        .zip(&c.sources)
        .map(|(l, s)| {
            let fresh = l.freshness_hours(as_of_end_ms);
            SourceRow {
                source: l.source.clone(),
                partner: l.partner.clone(),
                file: l.file.clone(),
                sha256: format!("sha256:{}", l.sha256),
                rows_read: l.rows_read,
                normalized: l.normalized,
                merged: l.merged,
                rejected: l.rejected,
                empty_amounts: l.empty_amounts,
                out_of_window: l.out_of_window,
                first_rejects: l
                    .rejects
                    .iter()
                    .take(3)
                    .map(|r| {
                        format!(
                            "row {}{}: {}",
                            r.row,
                            if r.column.is_empty() {
                                String::new()
                            } else {
                                format!(" ({})", r.column)
                            },
                            r.reason
                        )
                    })
                    .collect(),
                freshness_hours: fresh,
                freshness_sla_hours: s.freshness_sla_hours,
                within_sla: s
                    .freshness_sla_hours
                    .zip(fresh)
                    .map(|(sla, f)| f <= sla as f64),
                future_dated: l.future_dated,
            }
        })
        .collect()
}

pub fn run(
    c: &Campaign,
    rt: &Runtime,
    opts: &Options,
    progress: &(dyn Fn(&str) + Sync),
) -> anyhow::Result<Outcome> {
    let (model, given) = model_and_params(c, rt, opts)?;

    let when = crate::pipeline::when(c, &opts.window, opts.as_of);
    let window = when.window;
    let mut ds = crate::pipeline::dataset(c, rt, &opts.plugin_dirs, &when, progress)?;
    crate::pipeline::filter(c, &mut ds, &opts.filters);
    crate::fail_point("track:after-normalize")?;

    progress("building journeys");
    let index = attribute::journeys::Index::new(&ds);
    let pj = index.build(c, Kind::Pipeline, window, &opts.key, true);
    let rj = index.build(c, Kind::Revenue, window, &opts.key, true);
    // `order=auto`: the order chosen on the pipeline's journeys, used for every measure
    // and stage of the run (docs/attribution.md, "Choosing the Markov order").
    let mut params = given.clone();
    let keys = || {
        progress("choosing the Markov order");
        pj.account_keys(&ds)
    };
    let order_selection = attribute::holdout::resolve_auto(
        &mut params,
        &pj.cols,
        keys,
        attribute::holdout::Unit::Accounts,
    );
    progress("attributing pipeline");
    let pipeline = attribute::attribute(c, &ds, pj, &model, &params)?;
    progress("attributing revenue");
    let revenue = attribute::attribute(c, &ds, rj, &model, &params)?;
    crate::fail_point("track:after-attribute")?;

    let (bounds, intervals) = match opts.intervals {
        Some(spec) => {
            progress(&format!("intervals ({} replicates)", spec.replicates));
            let resolve = model
                .model_info()
                .is_some_and(|i| i.inputs.nulls)
                .then_some((&model, params.as_slice()));
            let inp = insights::Inputs {
                c,
                ds: &ds,
                pipeline: &pipeline,
                revenue: &revenue,
                window,
                dimensions: &opts.dimensions,
                intervals: None,
            };
            // Every bounded figure of the report (credit rows, the stage table's partner and
            // channel rows, top assets and segments, contribution, trends) reads the same
            // bounds: one draw (for a data-driven model, one set of re-solves) per measure.
            let figures =
                insights::intervals::Figures::report(&opts.dimensions, opts.granularity, window);
            let b = |a: &Attribution| insights::intervals::draw(&inp, a, &figures, spec, resolve);
            (
                Some([b(&pipeline)?, b(&revenue)?]),
                Some(IntervalsRef {
                    replicates: spec.replicates,
                    seed: spec.seed,
                    low: crate::pipeline::attribute::bootstrap::LOW,
                    high: crate::pipeline::attribute::bootstrap::HIGH,
                    resolved: resolve.is_some(),
                }),
            )
        }
        None => (None, None),
    };
    let stages = stage_tables(
        c,
        &ds,
        &index,
        window,
        opts,
        (&model, &params),
        (&pipeline, &revenue),
        bounds.as_ref(),
        progress,
    )?;
    drop(index);

    progress("computing insights");
    let inp = insights::Inputs {
        c,
        ds: &ds,
        pipeline: &pipeline,
        revenue: &revenue,
        window,
        dimensions: &opts.dimensions,
        intervals: bounds.as_ref(),
    };
    let found = insights::compute_with(&inp, opts.granularity);
    // The confidence reads the pipeline's partner intervals (docs/guardrails.md).
    let (conf, parts, notes) = confidence(
        pipeline.total.units(),
        pipeline.unattributed_total.units(),
        ds.identity.match_rate(),
        Split::of(&inp, bounds.as_ref().map(|b| &b[0])),
    );

    let escalation = escalation(c, opts, conf);

    let headline = headline(&ds, window, &pipeline, &revenue);
    let sources = source_rows(c, &ds, when.scope.as_of_end_ms);
    let mut plugins: Vec<PluginRef> = ds
        .plugins
        .iter()
        .map(|p| PluginRef {
            role: p.role.clone(),
            name: p.name.clone(),
            sha256: p.sha256.clone(),
        })
        .collect();
    plugins.push(PluginRef {
        role: "model".into(),
        name: model.label().name.clone(),
        sha256: format!("sha256:{}", model.sha256),
    });
    // The parameters as given: `order=auto` names the run, the order it chose does not.
    let id = run_id(c, &ds, &window, opts, &model, &given)?;
    let report = Report {
        schema_version: SCHEMA_VERSION,
        run_id: id.clone(),
        campaign: CampaignRef::of(c),
        window: WindowRef::of(&opts.window, &when, c.lookback_days),
        model: ModelRef {
            name: pipeline.run.model.clone(),
            sha256: pipeline.run.sha256.clone(),
            attribution_key: opts.key.name(),
            params: pipeline.run.params.clone(),
            notes: pipeline.run.notes.clone(),
            internals: pipeline.run.tables.iter().map(Into::into).collect(),
            order_selection,
        },
        headline,
        credit: found.credit,
        top_assets: found.top_assets,
        top_segments: found.top_segments,
        funnel: found.funnel,
        sourcing: found.sourcing,
        contribution: found.contribution,
        trends: found.trends,
        paths: (opts.detail == Detail::Full).then(|| paths_report(&ds, &pipeline.journeys)),
        intervals,
        stages,
        insights: found.insights,
        actions: found.actions,
        data: DataQuality {
            sources,
            identity_match_rate: ds.identity.match_rate(),
            touches_unresolved: ds.identity.unresolved,
            merged_touches: ds.merged_touches,
            merged_conversions: ds.merged_conversions,
            taxonomy: crate::pipeline::normalize::taxonomy::report(c, &ds.taxonomy),
            filters: crate::pipeline::normalize::taxonomy::report_filters(
                c,
                &ds.filtered,
                &pipeline.passed_over,
            ),
        },
        guardrails: Guardrails {
            confidence: conf,
            confidence_definition: CONFIDENCE_DEFINITION,
            confidence_parts: parts,
            confidence_notes: notes,
            min_confidence: c.guardrails.min_confidence,
            open_disputes: opts.open_disputes,
            escalation,
        },
        plugins,
    };
    // From here on, text from partners and plugins is clean: the views take only this.
    let report = crate::text::seal(report);

    let package = match &opts.out {
        Some(out) => {
            progress("writing the report");
            let dir = report::package_dir(out, &c.id, &id);
            let files = report::render(
                &report,
                c,
                &ds,
                &[&pipeline, &revenue],
                opts.detail,
                opts.formats,
            )?;
            report::write_atomically(&dir, &files)?;
            Some(dir)
        }
        None => None,
    };
    Ok(Outcome {
        report,
        package,
        dataset: ds,
        pipeline,
        revenue,
    })
}

pub fn is_escalated(o: &Outcome) -> bool {
    o.report.guardrails.escalation.is_some()
}

pub fn package_path(out: &Path, c: &Campaign, run_id: &str) -> PathBuf {
    report::package_dir(out, &c.id, run_id)
}

/// The stage table (`--stage`, or every milestone with --detail full): opportunity and
/// closed won are the run's pipeline and revenue attributions; lead, MQL and SQL each get
/// their own journeys and a call of the same model.
#[allow(clippy::too_many_arguments)]
fn stage_tables(
    c: &Campaign,
    ds: &Dataset,
    index: &attribute::journeys::Index,
    window: Window,
    opts: &Options,
    (model, params): (&Plugin, &[(String, String)]),
    (pipeline, revenue): (&Attribution, &Attribution),
    measure_bounds: Option<&[insights::intervals::Bounds; 2]>,
    progress: &(dyn Fn(&str) + Sync),
) -> anyhow::Result<Vec<StageTable>> {
    let mut kinds: Vec<Kind> = match (opts.stages.is_empty(), opts.detail) {
        (true, Detail::Full) => Kind::STAGES.to_vec(),
        _ => opts.stages.clone(),
    };
    // In funnel order, each once, whatever order the flag gave.
    kinds.sort_by_key(|k| k.stage().index());
    kinds.dedup();
    let nulls = model.model_info().is_some_and(|i| i.inputs.nulls);
    let inputs = insights::Inputs {
        c,
        ds,
        pipeline,
        revenue,
        window,
        dimensions: &opts.dimensions,
        intervals: None,
    };
    let mut out = vec![];
    for k in kinds {
        out.push(match k {
            // The run's own measures, with the bounds it already drew for them.
            Kind::Pipeline => {
                insights::stages::table(&inputs, pipeline, measure_bounds.map(|b| &b[0]))
            }
            Kind::Revenue => {
                insights::stages::table(&inputs, revenue, measure_bounds.map(|b| &b[1]))
            }
            k => {
                progress(&format!("attributing {}", k.stage().name()));
                let js = index.build(c, k, window, &opts.key, nulls);
                let a = attribute::attribute(c, ds, js, model, params)?;
                let bounds = match opts.intervals {
                    Some(spec) => Some(insights::intervals::bounds(
                        &inputs,
                        &a,
                        &[Dimension::Partner, Dimension::Channel],
                        spec,
                        nulls.then_some((model, params)),
                    )?),
                    None => None,
                };
                insights::stages::table(&inputs, &a, bounds.as_ref())
            }
        });
    }
    Ok(out)
}

/// The report's path analytics of the pipeline journeys.
fn paths_report(ds: &Dataset, js: &attribute::journeys::JourneySet) -> PathsReport {
    let a = attribute::analytics::analyse(ds, js, 10);
    let rows = |v: Vec<attribute::analytics::PathCount>| -> Vec<PathRow> {
        v.into_iter()
            .map(|p| PathRow {
                path: p.path,
                journeys: p.journeys,
            })
            .collect()
    };
    PathsReport {
        key: js.key.clone(),
        top_converting: rows(a.top_converting),
        top_non_converting: rows(a.top_non_converting),
        lengths: a
            .lengths
            .into_iter()
            .map(|l| LengthRow {
                touches: l.touches as u64,
                converting: l.converting,
                non_converting: l.non_converting,
            })
            .collect(),
        days_to_conversion: a
            .days_to_conversion
            .into_iter()
            .map(|d| DaysRow {
                from_days: d.from_days as u64,
                to_days: d.to_days.map(u64::from),
                journeys: d.journeys,
            })
            .collect(),
        transitions: a
            .transitions
            .into_iter()
            .map(|(from, to, probability)| TransitionRow {
                from,
                to,
                probability,
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn confidence_by_hand() {
        use super::Split;
        // Pipeline 10,000.00 (1,000,000 minor units), of which 2,500.00 has no touch in
        // the lookback: coverage = 1 − 2,500 / 10,000 = 0.75. Identity match 0.9.
        // Credited pipeline 10,000.00 − 2,500.00 = 7,500.00. Partner A's 90% interval is
        // 3,000.00–4,500.00 (width 1,500.00), B's 3,300.00–4,200.00 (900.00): the widest
        // is 1,500.00 = 0.2 of the credited pipeline, so split precision = 1 − 0.2 = 0.8.
        // Confidence = 0.75 × 0.9 × 0.8 = 0.675 × 0.8 = 0.54.
        let widest = [450_000 - 300_000, 420_000 - 330_000]
            .into_iter()
            .max()
            .unwrap();
        let (c, parts, notes) = super::confidence(1_000_000, 250_000, 0.9, Split::Widest(widest));
        assert_eq!(c, 0.54);
        assert_eq!(
            parts,
            vec![
                ("coverage".to_string(), 0.75),
                ("identity_match".to_string(), 0.9),
                ("split_precision".to_string(), 0.8)
            ]
        );
        assert!(notes.is_empty());

        // --no-intervals: the split is not measured, left out of the product and noted:
        // 0.75 × 0.9 = 0.675.
        let (c, parts, notes) = super::confidence(1_000_000, 250_000, 0.9, Split::NotDrawn);
        assert_eq!(c, 0.675);
        assert_eq!(parts.len(), 2);
        assert_eq!(notes[0].0, "split_precision");
        assert!(notes[0].1.contains("--no-intervals"), "{notes:?}");

        // One partner: no split, precision 1, noted: 0.75 × 0.9 × 1 = 0.675.
        let (c, parts, notes) = super::confidence(1_000_000, 250_000, 0.9, Split::Whole);
        assert_eq!(c, 0.675);
        assert_eq!(parts[2], ("split_precision".to_string(), 1.0));
        assert!(notes[0].1.contains("one partner"), "{notes:?}");

        // An interval wider than the credited pipeline: 1 − 9,000 / 7,500 < 0, clamped to
        // 0, and so is the confidence.
        let (c, parts, _) = super::confidence(1_000_000, 250_000, 0.9, Split::Widest(900_000));
        assert_eq!((c, parts[2].1), (0.0, 0.0));

        // Nothing converted: nothing is uncovered and nothing split; identity 0.8 alone.
        assert_eq!(super::confidence(0, 0, 0.8, Split::Whole).0, 0.8);
        // All of it unattributed: coverage 0, whatever the intervals say.
        assert_eq!(
            super::confidence(1_000_000, 1_000_000, 0.9, Split::Widest(0)).0,
            0.0
        );
    }
}
