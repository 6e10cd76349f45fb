//! The audit trail: `plans/plan-<campaign-slug>.json` under the state directory (default
//! `.ascribe/` beside the campaigns directory). It records the campaign, its sources and
//! plugins, the task graph, the policy, the success metrics, every run, a change log, and
//! partner disputes. Written atomically (temporary file, then rename) with a schema
//! version; a corrupt or newer file is an error that says so, never overwritten.

pub mod cli;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::{Deserialize, Serialize};

use crate::pipeline::campaign::{Campaign, slug};

pub const SCHEMA_VERSION: u32 = 1;

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Plan {
    pub schema_version: u32,
    pub campaign: CampaignEntry,
    /// `diamond` when partners are normalized in parallel and merged at one gate;
    /// `pipeline` for a single partner.
    pub pattern: String,
    pub tasks: Vec<Task>,
    pub sources: Vec<SourceEntry>,
    pub plugins: Vec<PluginEntry>,
    pub policy: Policy,
    pub metrics: Metrics,
    pub runs: Vec<RunEntry>,
    pub change_log: Vec<Change>,
    pub disputes: Vec<Dispute>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct CampaignEntry {
    pub id: String,
    pub name: String,
    pub file: String,
    pub start: String,
    pub end: String,
    pub reporting_cadence: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Task {
    pub id: String,
    pub needs: Vec<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct SourceEntry {
    pub id: String,
    pub partner: String,
    pub path: String,
    pub sha256: String,
    pub rows_read: u64,
    pub normalized: u64,
    pub merged: u64,
    pub rejected: u64,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct PluginEntry {
    pub role: String,
    pub name: String,
    pub sha256: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Policy {
    pub retry_limit: u32,
    pub escalation_ladder: Vec<String>,
    pub fallbacks: BTreeMap<String, String>,
    pub min_confidence: f64,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Default)]
pub struct Metrics {
    pub attribution_confidence: Option<f64>,
    pub confidence_parts: Vec<(String, f64)>,
    /// A part left out of the confidence or fixed by the data, and why (report.json's
    /// `guardrails.confidence_notes`). Absent in plans written before definition 2.
    #[serde(default)]
    pub confidence_notes: Vec<(String, String)>,
    pub sla: Vec<SlaEntry>,
    pub open_disputes: u64,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct SlaEntry {
    pub source: String,
    pub freshness_hours: Option<f64>,
    pub sla_hours: Option<u64>,
    pub within_sla: Option<bool>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct RunEntry {
    pub run_id: String,
    pub window: String,
    pub as_of: String,
    pub model: String,
    pub params: Vec<(String, String)>,
    pub confidence: Option<f64>,
    /// Which definition of the confidence the run used (docs/guardrails.md): absent in
    /// plans written before definition 2, which were all definition 1.
    #[serde(default = "definition_one")]
    pub confidence_definition: u32,
    pub below_min_confidence: bool,
    /// `ok`, `escalated to <rung>`, or `failed: <reason>`.
    pub outcome: String,
    pub retries_used: u32,
    /// The inputs that decide a change-log entry.
    pub source_digests: BTreeMap<String, String>,
    pub plugin_digests: BTreeMap<String, String>,
    pub reporting_cadence: Option<String>,
    /// The campaign's channel and asset rules in force, one line each (`campaign/rules.rs`):
    /// a change of rules changes the credit, so it is a change-log entry. Absent in plans
    /// written before the rules existed.
    #[serde(default)]
    pub channel_rules: Vec<String>,
    #[serde(default)]
    pub asset_rules: Vec<String>,
    /// The touch filters in force (the campaign's and the command's).
    #[serde(default)]
    pub filters: Vec<String>,
    /// How the intervals on credit were drawn (replicates and seed), or `none`. Absent in
    /// plans written before intervals existed.
    #[serde(default)]
    pub intervals: Option<String>,
    /// How `--order auto` chose the Markov order: every order's held-out scores and the
    /// choice (report.json's `model.order_selection`); absent when the order was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_selection: Option<crate::pipeline::attribute::holdout::OrderChoice>,
    /// The model the campaign file pins as agreed (`agreed = true`), when one is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agreed_model: Option<String>,
}

fn definition_one() -> u32 {
    1
}

/// What each definition of the confidence was, for the change log.
pub fn confidence_definition(n: u32) -> String {
    match n {
        1 => "1 (mean of coverage, identity match and agreement with linear)".into(),
        2 => "2 (coverage × identity match × split precision)".into(),
        n => n.to_string(),
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Change {
    pub run_id: String,
    /// `model`, `params`, `source <id>`, `plugin <role>`, `channel rules`, `asset rules`,
    /// `filters`, `intervals`, `confidence definition`, `agreed model`, `markov order
    /// (auto)`, `reporting_cadence`.
    pub what: String,
    pub from: String,
    pub to: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Dispute {
    pub id: u32,
    pub opportunity: String,
    pub partner: String,
    pub reason: String,
    /// `open` or `resolved`.
    pub status: String,
    pub resolution: Option<String>,
}

impl Plan {
    pub fn open_disputes(&self) -> u64 {
        self.disputes.iter().filter(|d| d.status == "open").count() as u64
    }

    /// Runs in a row, most recent first, that were below the minimum confidence.
    pub fn low_confidence_streak(&self) -> u32 {
        self.runs
            .iter()
            .rev()
            .filter(|r| !r.outcome.starts_with("failed"))
            .take_while(|r| r.below_min_confidence)
            .count() as u32
    }

    fn fresh(c: &Campaign) -> Plan {
        let mut tasks = vec![Task {
            id: "gather".into(),
            needs: vec![],
        }];
        for p in &c.partners {
            tasks.push(Task {
                id: format!("normalize:{}", slug(&p.name)),
                needs: vec!["gather".into()],
            });
        }
        tasks.push(Task {
            id: "merge".into(),
            needs: c
                .partners
                .iter()
                .map(|p| format!("normalize:{}", slug(&p.name)))
                .collect(),
        });
        tasks.push(Task {
            id: "attribute".into(),
            needs: vec!["merge".into()],
        });
        tasks.push(Task {
            id: "insights".into(),
            needs: vec!["attribute".into()],
        });
        tasks.push(Task {
            id: "report".into(),
            needs: vec!["insights".into()],
        });
        Plan {
            schema_version: SCHEMA_VERSION,
            campaign: CampaignEntry {
                id: c.id.clone(),
                name: c.name.clone(),
                file: c.file.display().to_string(),
                start: c.start.to_string(),
                end: c.end.to_string(),
                reporting_cadence: c.reporting_cadence.clone(),
            },
            pattern: if c.partners.len() > 1 {
                "diamond".into()
            } else {
                "pipeline".into()
            },
            tasks,
            sources: vec![],
            plugins: vec![],
            policy: Policy {
                retry_limit: c.guardrails.retry_limit,
                escalation_ladder: c.escalation.ladder.clone(),
                fallbacks: c.escalation.fallbacks.clone(),
                min_confidence: c.guardrails.min_confidence,
            },
            metrics: Metrics::default(),
            runs: vec![],
            change_log: vec![],
            disputes: vec![],
        }
    }
}

/// Where one campaign's plan lives, and the lock that keeps two runs apart.
pub struct State {
    pub dir: PathBuf,
    pub path: PathBuf,
    lock_path: PathBuf,
    campaign: String,
}

/// Held while a run writes; removed on drop.
pub struct Lock {
    path: PathBuf,
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

impl State {
    /// The state directory: `--state-dir`, else `.ascribe/` beside the directory that
    /// holds the campaign file.
    pub fn for_campaign(c: &Campaign, state_dir: Option<&Path>) -> anyhow::Result<State> {
        let dir = match state_dir {
            Some(d) => d.to_path_buf(),
            None => {
                let campaigns = c.file.parent().unwrap_or(Path::new("."));
                let base = campaigns
                    .parent()
                    .filter(|p| !p.as_os_str().is_empty())
                    .unwrap_or(Path::new("."));
                base.join(".ascribe")
            }
        };
        let plans = dir.join("plans");
        let s = slug(&c.id);
        Ok(State {
            path: plans.join(format!("plan-{s}.json")),
            lock_path: plans.join(format!("plan-{s}.lock")),
            dir,
            campaign: c.name.clone(),
        })
    }

    /// The plan, if one exists. A file that is not a plan, or from a newer ascribe, is an
    /// error: overwriting it would destroy the audit trail.
    pub fn read(&self) -> anyhow::Result<Option<Plan>> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(anyhow::anyhow!(
                    "cannot read the plan {}: {e}",
                    self.path.display()
                ));
            }
        };
        let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
            anyhow::anyhow!("the plan {} is corrupt ({e}); it was not changed. Restore it from backup, or move it aside to start a new audit trail", self.path.display())
        })?;
        let version = v
            .get("schema_version")
            .and_then(|x| x.as_u64())
            .unwrap_or(0);
        if version > SCHEMA_VERSION as u64 {
            anyhow::bail!(
                "the plan {} has schema version {version}, newer than this ascribe understands ({SCHEMA_VERSION}); upgrade ascribe. The file was not changed",
                self.path.display()
            );
        }
        let plan: Plan = serde_json::from_value(v).map_err(|e| anyhow::anyhow!("the plan {} is corrupt ({e}); it was not changed. Restore it from backup, or move it aside to start a new audit trail", self.path.display()))?;
        Ok(Some(plan))
    }

    /// Takes the campaign's lock. A second run of the same campaign gets a clear error;
    /// a lock left by a process that no longer exists is taken over.
    pub fn lock(&self) -> anyhow::Result<Lock> {
        std::fs::create_dir_all(self.lock_path.parent().unwrap())
            .with_context(|| format!("creating {}", self.dir.display()))?;
        for _ in 0..2 {
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&self.lock_path)
            {
                Ok(mut f) => {
                    let _ = writeln!(f, "{}", std::process::id());
                    return Ok(Lock {
                        path: self.lock_path.clone(),
                    });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let holder = std::fs::read_to_string(&self.lock_path)
                        .unwrap_or_default()
                        .trim()
                        .parse::<u32>()
                        .ok();
                    let alive =
                        holder.is_some_and(|pid| Path::new(&format!("/proc/{pid}")).exists());
                    // An empty lock may belong to a run that has not written its pid yet.
                    let just_made = holder.is_none()
                        && std::fs::metadata(&self.lock_path)
                            .and_then(|m| m.modified())
                            .ok()
                            .and_then(|t| t.elapsed().ok())
                            .is_some_and(|age| age.as_secs() < 10);
                    if alive || just_made {
                        anyhow::bail!(
                            "another run of campaign `{}` is in progress (lock {} held by process {}); wait for it to finish",
                            self.campaign,
                            self.lock_path.display(),
                            holder.map(|p| p.to_string()).unwrap_or_else(|| "?".into())
                        );
                    }
                    // Stale: its process is gone (or the file is empty from a crash mid-write).
                    let _ = std::fs::remove_file(&self.lock_path);
                }
                Err(e) => {
                    return Err(anyhow::anyhow!(
                        "cannot create the lock {}: {e}",
                        self.lock_path.display()
                    ));
                }
            }
        }
        anyhow::bail!("could not take the lock {}", self.lock_path.display())
    }

    pub fn write(&self, plan: &Plan) -> anyhow::Result<()> {
        let parent = self.path.parent().unwrap();
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
        let prefix = format!(".{}.tmp-", self.path.file_name().unwrap().to_string_lossy());
        // A copy a killed run was writing goes (its process is gone; a live one may be
        // writing it). The plan beside it is the last one renamed into place, whole.
        for e in std::fs::read_dir(parent).into_iter().flatten().flatten() {
            let n = e.file_name().to_string_lossy().into_owned();
            let pid = n.strip_prefix(&prefix).and_then(|p| p.parse::<u32>().ok());
            if pid.is_some_and(|pid| !Path::new(&format!("/proc/{pid}")).exists()) {
                let _ = std::fs::remove_file(e.path());
            }
        }
        let tmp = parent.join(format!("{prefix}{}", std::process::id()));
        let written = (|| {
            let mut f = std::fs::File::create(&tmp)
                .with_context(|| format!("writing {}", tmp.display()))?;
            f.write_all(
                serde_json::to_string_pretty(&crate::text::seal(plan.clone()))?.as_bytes(),
            )?;
            f.write_all(b"\n")?;
            f.sync_all()?;
            drop(f);
            crate::fail_point("plan:before-rename")?;
            std::fs::rename(&tmp, &self.path)
                .with_context(|| format!("renaming {} to {}", tmp.display(), self.path.display()))
        })();
        if written.is_err() {
            // The plan itself is untouched; the half-written copy must not linger beside it.
            let _ = std::fs::remove_file(&tmp);
            return written;
        }
        crate::fail_point("plan:after-rename")?;
        // The rename is durable once the directory holding it is.
        std::fs::File::open(parent)
            .and_then(|d| d.sync_all())
            .with_context(|| format!("syncing {}", parent.display()))
    }

    fn base(&self, c: &Campaign) -> anyhow::Result<Plan> {
        let mut p = self.read()?.unwrap_or_else(|| Plan::fresh(c));
        let fresh = Plan::fresh(c);
        p.campaign = fresh.campaign;
        p.pattern = fresh.pattern;
        p.tasks = fresh.tasks;
        p.policy = fresh.policy;
        Ok(p)
    }

    pub fn record_run(
        &self,
        c: &Campaign,
        opts: &crate::commands::track::Options,
        o: &crate::commands::track::Outcome,
    ) -> anyhow::Result<()> {
        let mut plan = self.base(c)?;
        let r = &o.report;
        let ds = &o.dataset;
        plan.sources = ds
            .ledgers
            .iter()
            .map(|l| SourceEntry {
                id: l.source.clone(),
                partner: l.partner.clone(),
                path: l.file.clone(),
                sha256: format!("sha256:{}", l.sha256),
                rows_read: l.rows_read,
                normalized: l.normalized,
                merged: l.merged,
                rejected: l.rejected,
            })
            .collect();
        plan.plugins = r
            .plugins
            .iter()
            .map(|p| PluginEntry {
                role: p.role.clone(),
                name: p.name.clone(),
                sha256: p.sha256.clone(),
            })
            .collect();
        plan.metrics = Metrics {
            attribution_confidence: Some(r.guardrails.confidence),
            confidence_parts: r.guardrails.confidence_parts.clone(),
            confidence_notes: r.guardrails.confidence_notes.clone(),
            sla: r
                .data
                .sources
                .iter()
                .map(|s| SlaEntry {
                    source: s.source.clone(),
                    freshness_hours: s.freshness_hours,
                    sla_hours: s.freshness_sla_hours,
                    within_sla: s.within_sla,
                })
                .collect(),
            open_disputes: plan.open_disputes(),
        };
        let entry = RunEntry {
            run_id: r.run_id.clone(),
            window: format!("{} ({}..{})", opts.window, r.window.from, r.window.to),
            as_of: r.window.as_of.clone(),
            model: r.model.name.clone(),
            params: r.model.params.clone(),
            confidence: Some(r.guardrails.confidence),
            confidence_definition: r.guardrails.confidence_definition,
            below_min_confidence: r.guardrails.confidence < c.guardrails.min_confidence,
            outcome: match &r.guardrails.escalation {
                Some(e) => format!("escalated to {}", e.rung),
                None => "ok".into(),
            },
            retries_used: ds.retries_used,
            source_digests: ds
                .ledgers
                .iter()
                .map(|l| (l.source.clone(), format!("sha256:{}", l.sha256)))
                .collect(),
            plugin_digests: r
                .plugins
                .iter()
                .map(|p| (p.role.clone(), format!("{} {}", p.name, p.sha256)))
                .collect(),
            reporting_cadence: c.reporting_cadence.clone(),
            channel_rules: rule_lines(&c.taxonomy.channels, "channel"),
            asset_rules: rule_lines(&c.taxonomy.assets, "asset"),
            filters: ds.filtered.filters.iter().map(|f| f.0.clone()).collect(),
            intervals: Some(match &r.intervals {
                Some(i) => format!(
                    "{} replicates, seed {}, percentiles {}–{}{}",
                    i.replicates,
                    i.seed,
                    i.low,
                    i.high,
                    if i.resolved {
                        ", the model solved again on each"
                    } else {
                        ""
                    }
                ),
                None => "none".into(),
            }),
            order_selection: r.model.order_selection.clone(),
            agreed_model: c.agreed_model().map(|m| m.name.clone()),
        };
        if let Some(prev) = plan
            .runs
            .iter()
            .rev()
            .find(|x| !x.outcome.starts_with("failed"))
        {
            plan.change_log.extend(changes(prev, &entry));
        }
        plan.runs.push(entry);
        self.write(&plan)
    }

    pub fn record_failure(
        &self,
        c: &Campaign,
        opts: &crate::commands::track::Options,
        err: &anyhow::Error,
    ) -> anyhow::Result<()> {
        let mut plan = self.base(c)?;
        let retries = err
            .downcast_ref::<crate::pipeline::normalize::NormalizeError>()
            .and_then(|e| match e {
                crate::pipeline::normalize::NormalizeError::Failed(f) => {
                    Some(f.attempts.saturating_sub(1))
                }
                _ => None,
            });
        plan.runs.push(RunEntry {
            run_id: "-".into(),
            window: opts.window.to_string(),
            as_of: opts
                .as_of
                .map(|d| d.to_string())
                .unwrap_or_else(|| c.end.to_string()),
            model: opts.model.clone().unwrap_or_else(|| {
                c.default_model()
                    .map(|m| m.name.clone())
                    .unwrap_or_default()
            }),
            params: opts.params.clone(),
            confidence: None,
            confidence_definition: crate::commands::track::CONFIDENCE_DEFINITION,
            below_min_confidence: false,
            outcome: format!(
                "failed: {}",
                format!("{err:#}").lines().next().unwrap_or_default()
            ),
            retries_used: retries.unwrap_or(0),
            source_digests: BTreeMap::new(),
            plugin_digests: BTreeMap::new(),
            reporting_cadence: c.reporting_cadence.clone(),
            channel_rules: rule_lines(&c.taxonomy.channels, "channel"),
            asset_rules: rule_lines(&c.taxonomy.assets, "asset"),
            filters: c
                .filters
                .iter()
                .chain(&opts.filters)
                .map(|f| f.describe())
                .collect(),
            intervals: None,
            order_selection: None,
            agreed_model: c.agreed_model().map(|m| m.name.clone()),
        });
        self.write(&plan)
    }

    /// Applies `f` to the plan (creating it if needed) under the lock, then writes it.
    pub fn update(
        &self,
        c: &Campaign,
        f: impl FnOnce(&mut Plan) -> anyhow::Result<()>,
    ) -> anyhow::Result<Plan> {
        let _lock = self.lock()?;
        let mut plan = self.base(c)?;
        f(&mut plan)?;
        plan.metrics.open_disputes = plan.open_disputes();
        self.write(&plan)?;
        Ok(plan)
    }
}

/// Each rule as the plan shows it: its line (or `default`) and what it does.
fn rule_lines(rules: &[crate::pipeline::campaign::rules::Rule], what: &str) -> Vec<String> {
    rules
        .iter()
        .map(|r| match r.line {
            0 => format!("default: {}", r.describe(what)),
            l => format!("line {l}: {}", r.describe(what)),
        })
        .collect()
}

fn changes(prev: &RunEntry, now: &RunEntry) -> Vec<Change> {
    let mut out = vec![];
    let mut push = |what: String, from: String, to: String| {
        if from != to {
            out.push(Change {
                run_id: now.run_id.clone(),
                what,
                from,
                to,
            });
        }
    };
    push("model".into(), prev.model.clone(), now.model.clone());
    let show = |p: &Vec<(String, String)>| {
        p.iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if prev.model == now.model {
        push("params".into(), show(&prev.params), show(&now.params));
    }
    for (map_prev, map_now, label) in [
        (&prev.source_digests, &now.source_digests, "source"),
        (&prev.plugin_digests, &now.plugin_digests, "plugin"),
    ] {
        let keys: std::collections::BTreeSet<&String> =
            map_prev.keys().chain(map_now.keys()).collect();
        for k in keys {
            // A different model is already logged as such; only the same model rebuilt
            // (same name, new digest) needs an entry of its own.
            if label == "plugin" && k == "model" && prev.model != now.model {
                continue;
            }
            push(
                format!("{label} {k}"),
                map_prev.get(k).cloned().unwrap_or_else(|| "(none)".into()),
                map_now.get(k).cloned().unwrap_or_else(|| "(none)".into()),
            );
        }
    }
    // A plan from before the rules has none recorded: nothing to compare with.
    for (what, from, to) in [
        ("channel rules", &prev.channel_rules, &now.channel_rules),
        ("asset rules", &prev.asset_rules, &now.asset_rules),
        ("filters", &prev.filters, &now.filters),
    ] {
        if !(from.is_empty() && what == "channel rules") {
            let show = |r: &Vec<String>| {
                if r.is_empty() {
                    "(none)".to_string()
                } else {
                    r.join("; ")
                }
            };
            push(what.into(), show(from), show(to));
        }
    }
    // A plan from before intervals has none recorded: nothing to compare with.
    if let (Some(from), Some(to)) = (&prev.intervals, &now.intervals) {
        push("intervals".into(), from.clone(), to.clone());
    }
    // The partners pinned another model, or pinned one for the first time, or unpinned it.
    if prev.agreed_model != now.agreed_model {
        push(
            "agreed model".into(),
            prev.agreed_model.clone().unwrap_or_else(|| "none".into()),
            now.agreed_model.clone().unwrap_or_else(|| "none".into()),
        );
    }
    // `order=auto` chose another order from the data: the model's answer changed with it.
    if let (Some(a), Some(b)) = (&prev.order_selection, &now.order_selection) {
        push(
            "markov order (auto)".into(),
            a.chosen.to_string(),
            b.chosen.to_string(),
        );
    }
    // The confidence (and so `below_min_confidence`) now means something else.
    push(
        "confidence definition".into(),
        confidence_definition(prev.confidence_definition),
        confidence_definition(now.confidence_definition),
    );
    push(
        "reporting_cadence".into(),
        prev.reporting_cadence
            .clone()
            .unwrap_or_else(|| "(none)".into()),
        now.reporting_cadence
            .clone()
            .unwrap_or_else(|| "(none)".into()),
    );
    out
}

// The plan is written sealed (`Store::write`): every string in it went through
// `text::clean`, so `plan show` replays no escape sequence and no address.
crate::sanitize_fields! {
    Plan { schema_version, campaign, pattern, tasks, sources, plugins, policy, metrics, runs, change_log, disputes }
    CampaignEntry { id, name, file, start, end, reporting_cadence }
    Task { id, needs }
    SourceEntry { id, partner, path, sha256, rows_read, normalized, merged, rejected }
    PluginEntry { role, name, sha256 }
    Policy { retry_limit, escalation_ladder, fallbacks, min_confidence }
    Metrics { attribution_confidence, confidence_parts, confidence_notes, sla, open_disputes }
    SlaEntry { source, freshness_hours, sla_hours, within_sla }
    RunEntry { run_id, window, as_of, model, params, confidence, confidence_definition, below_min_confidence, outcome, retries_used, source_digests, plugin_digests, reporting_cadence, channel_rules, asset_rules, filters, intervals, order_selection, agreed_model }
    Change { run_id, what, from, to }
    Dispute { id, opportunity, partner, reason, status, resolution }
}
