//! normalize: each partner's exports through its normalizer plugin, in parallel (one
//! thread and one store per partner: the "diamond"), then one merge gate that resolves
//! identities, dedupes what both partners report, and settles the ledger.

pub mod dedupe;
pub mod freshness;
pub mod ledger;
pub mod memo;
pub mod reconcile;
pub mod source;
pub mod taxonomy;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;

use serde::Serialize;

use crate::data::{Conversion, Origin, PersonId, StageEvent, Subject, Sym, Symbols, Touch};
use crate::pipeline::attribute::Window;
use crate::pipeline::campaign::{Campaign, Stage};
use crate::runtime::{Plugin, PluginError, Runtime};
use ledger::{RowStatus, SourceLedger};
use source::{SourceError, SourceOutput};

/// The plugins a run used, for the plan and the report.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct PluginUse {
    pub role: String,
    pub name: String,
    pub sha256: String,
    pub path: String,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct IdentityStats {
    pub touches: u64,
    /// Touches whose account was given by the export itself.
    pub with_account: u64,
    /// Touches whose account came from the person's other records (or e-mail domain).
    pub resolved: u64,
    /// Touches no account could be found for: they cannot join an account journey.
    pub unresolved: u64,
}

impl IdentityStats {
    pub fn match_rate(&self) -> f64 {
        if self.touches == 0 {
            1.0
        } else {
            (self.with_account + self.resolved) as f64 / self.touches as f64
        }
    }
}

/// Everything normalized, merged and accounted for.
pub struct Dataset {
    pub symbols: Symbols,
    /// In time order.
    pub touches: Vec<Touch>,
    pub conversions: Vec<Conversion>,
    pub person_events: Vec<StageEvent>,
    pub ledgers: Vec<SourceLedger>,
    pub identity: IdentityStats,
    pub plugins: Vec<PluginUse>,
    pub retries_used: u32,
    /// Touches and conversions merged into another partner's report of the same thing.
    pub merged_touches: u64,
    pub merged_conversions: u64,
    /// What the campaign's channel and asset rules did.
    pub taxonomy: taxonomy::TaxonomyOutcome,
    /// What the touch filters left out ([`crate::pipeline::filter`]).
    pub filtered: taxonomy::FilterOutcome,
}

/// What a run is about, as far as normalizing needs to know: the analysis window (a deal
/// outside it can never be attributed, so it never stops the run) and the end of the
/// --as-of day (records after it are not counted as fresh).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Scope {
    pub window: Window,
    pub as_of_end_ms: i64,
}

impl Scope {
    pub fn new(window: Window, as_of: chrono::NaiveDate) -> Scope {
        Scope {
            window,
            as_of_end_ms: Window {
                from: as_of,
                to: as_of,
            }
            .end_ms(),
        }
    }

    /// The campaign's own window as of its end: `track-source`'s defaults.
    pub fn campaign(c: &Campaign) -> Scope {
        let spec = crate::pipeline::attribute::WindowSpec::Campaign;
        Scope::new(Window::resolve(&spec, c.start, c.end, c.end), c.end)
    }

    /// Whether a deal may be attributed in the window: created in it, or closed in it.
    pub fn may_attribute(&self, stage: Stage, created_ms: i64, closed_ms: Option<i64>) -> bool {
        self.window.contains(created_ms)
            || (matches!(stage, Stage::ClosedWon | Stage::ClosedLost)
                && closed_ms.is_some_and(|t| self.window.contains(t)))
    }
}

/// A source that failed: the run stops and the failure goes up the ladder.
#[derive(Debug, Clone)]
pub struct NormalizeFailure {
    pub source_id: String,
    pub error: SourceError,
    pub attempts: u32,
    pub retry_limit: u32,
    pub rung: String,
}

impl std::fmt::Display for NormalizeFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.attempts > self.retry_limit {
            write!(
                f,
                "{}\n  gave up after {} attempt(s) (retry limit {}); escalated to: {}",
                self.error, self.attempts, self.retry_limit, self.rung
            )
        } else {
            write!(
                f,
                "{}\n  not retried: the same file and plugin give the same result; escalated to: {}",
                self.error, self.rung
            )
        }
    }
}

impl std::error::Error for NormalizeFailure {}

#[derive(Debug, thiserror::Error)]
pub enum NormalizeError {
    #[error("source `{source_id}`: {error}")]
    Plugin {
        source_id: String,
        error: Box<PluginError>,
    },
    #[error("source `{source_id}`: {message}")]
    Resolve { source_id: String, message: String },
    #[error(transparent)]
    Failed(#[from] Box<NormalizeFailure>),
}

/// One source's result: its records and ledger, or why it kept failing.
type SourceResult = Result<(SourceOutput, SourceLedger), Box<NormalizeFailure>>;

/// Loads the normalizer of every source, in source order (a plugin serving several
/// sources compiles once; the cache makes the repeats cost well under a millisecond).
pub fn load_plugins(
    c: &Campaign,
    rt: &Runtime,
    plugin_dirs: &[PathBuf],
) -> Result<Vec<Plugin>, NormalizeError> {
    let mut by_source = vec![];
    for s in &c.sources {
        let path =
            crate::plugin_path::resolve(&s.plugin, Some(&c.dir), plugin_dirs).map_err(|m| {
                NormalizeError::Resolve {
                    source_id: s.id.clone(),
                    message: m,
                }
            })?;
        let p =
            rt.load(&path, s.sha256.as_deref(), s.limits)
                .map_err(|e| NormalizeError::Plugin {
                    source_id: s.id.clone(),
                    error: Box::new(e),
                })?;
        if p.normalizer_info().is_none() {
            return Err(NormalizeError::Resolve {
                source_id: s.id.clone(),
                message: format!(
                    "plugin {} is a {}, not a normalizer",
                    p.label(),
                    p.contract.kind()
                ),
            });
        }
        by_source.push(p);
    }
    Ok(by_source)
}

/// [`normalize_in`] for the campaign's own window as of its end.
pub fn normalize(
    c: &Campaign,
    plugins: &[Plugin],
    progress: &(dyn Fn(&str) + Sync),
) -> Result<Dataset, NormalizeError> {
    normalize_in(c, plugins, &Scope::campaign(c), progress)
}

/// Runs every source (partners in parallel), then the merge gate.
pub fn normalize_in(
    c: &Campaign,
    plugins: &[Plugin],
    within: &Scope,
    progress: &(dyn Fn(&str) + Sync),
) -> Result<Dataset, NormalizeError> {
    let mut results: Vec<Option<SourceResult>> = (0..c.sources.len()).map(|_| None).collect();
    let slots: Vec<Mutex<&mut Option<_>>> = results.iter_mut().map(Mutex::new).collect();
    std::thread::scope(|scope| {
        for partner in 0..c.partners.len() {
            let slots = &slots;
            scope.spawn(move || {
                for (si, s) in c
                    .sources
                    .iter()
                    .enumerate()
                    .filter(|(_, s)| s.partner == partner)
                {
                    progress(&format!(
                        "normalizing {} ({})",
                        s.id,
                        s.file
                            .file_name()
                            .map(|f| f.to_string_lossy().into_owned())
                            .unwrap_or_default()
                    ));
                    let r = with_retries(c, si, &plugins[si], within);
                    **slots[si].lock().unwrap() = Some(r);
                }
            });
        }
    });
    drop(slots);
    let mut outputs = vec![];
    let mut ledgers = vec![];
    let mut retries_used = 0;
    for r in results {
        let (out, ledger) = r.expect("every source ran")?;
        retries_used += ledger.attempts - 1;
        outputs.push(out);
        ledgers.push(ledger);
    }
    progress("merging partners");
    let plugins_used = c
        .sources
        .iter()
        .zip(plugins)
        .map(|(s, p)| PluginUse {
            role: format!("normalizer for {}", s.id),
            name: p.label().name.clone(),
            sha256: format!("sha256:{}", p.sha256),
            path: p.path.display().to_string(),
        })
        .collect();
    let mut ds = merge(c, outputs, ledgers);
    ds.plugins = plugins_used;
    ds.retries_used = retries_used;
    ds.taxonomy = taxonomy::apply(c, &mut ds);
    Ok(ds)
}

/// Runs a source, and again only when another try can give another result
/// (docs/guardrails.md): the file could not be read, the plugin ran out of wall-clock time,
/// or the file changed on disk during the try. Everything else — a missing FX rate, a
/// control-total mismatch, any other plugin failure — is what the same bytes and the same
/// plugin give every time.
fn with_retries(c: &Campaign, si: usize, plugin: &Plugin, scope: &Scope) -> SourceResult {
    let limit = c.guardrails.retry_limit;
    let file = &c.sources[si].file;
    let mut attempt = 0;
    loop {
        attempt += 1;
        let before = file_stamp(file);
        match source::run(c, si, plugin, scope) {
            Ok((out, mut ledger)) => {
                ledger.attempts = attempt;
                return Ok((out, ledger));
            }
            Err(e) if attempt > limit || !(e.transient() || file_stamp(file) != before) => {
                return Err(Box::new(NormalizeFailure {
                    source_id: c.sources[si].id.clone(),
                    error: e,
                    attempts: attempt,
                    retry_limit: limit,
                    rung: crate::guardrails::rung(c, 0),
                }));
            }
            Err(_) => continue,
        }
    }
}

/// What tells a changed file: its length and modification time.
fn file_stamp(path: &std::path::Path) -> Option<(u64, std::time::SystemTime)> {
    let m = std::fs::metadata(path).ok()?;
    Some((m.len(), m.modified().ok()?))
}

/// Renumbers every source's symbols into one table in sorted order, so ids depend
/// neither on which source interned a string first nor on thread timing: the same inputs
/// give the same bytes out.
fn canonical_symbols(outputs: &mut [SourceOutput]) -> Symbols {
    let mut names: Vec<&str> = outputs
        .iter()
        .flat_map(|o| (0..o.symbols.len() as Sym).map(|i| o.symbols.name(i)))
        .collect();
    names.sort_unstable();
    names.dedup();
    let mut new = Symbols::default();
    for name in names {
        new.intern(name);
    }
    for o in outputs.iter_mut() {
        let map: Vec<Sym> = (0..o.symbols.len() as Sym)
            .map(|i| new.get(o.symbols.name(i)).expect("interned above"))
            .collect();
        let m = |s: &mut Sym| *s = map[*s as usize];
        for t in &mut o.touches {
            for s in [
                &mut t.account,
                &mut t.channel,
                &mut t.source,
                &mut t.medium,
                &mut t.campaign,
                &mut t.asset,
                &mut t.region,
                &mut t.segment,
                &mut t.touch_type,
            ] {
                m(s);
            }
        }
        for cv in &mut o.conversions {
            m(&mut cv.account);
            m(&mut cv.lead_source);
            m(&mut cv.campaign);
        }
        for e in &mut o.person_events {
            m(&mut e.account);
        }
    }
    new
}

fn merge(c: &Campaign, mut outputs: Vec<SourceOutput>, mut ledgers: Vec<SourceLedger>) -> Dataset {
    let symbols = canonical_symbols(&mut outputs);
    // Reserved once: grown by doubling, the 10M touches of a large campaign (720 MB) were
    // copied again at every step, 2.6 s of the merge.
    let mut touches = Vec::with_capacity(outputs.iter().map(|o| o.touches.len()).sum());
    let mut conversions = Vec::with_capacity(outputs.iter().map(|o| o.conversions.len()).sum());
    let mut person_events = Vec::with_capacity(outputs.iter().map(|o| o.person_events.len()).sum());
    for o in outputs {
        let mut convs = o.conversions;
        // A partner's deal stage events fill in when its own deals reached each stage.
        let mut by_id: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, cv) in convs.iter().enumerate() {
            by_id.entry(cv.id.as_str()).or_default().push(i);
        }
        let mut updates = vec![];
        for (id, stage, t) in &o.deal_events {
            for &i in by_id.get(id.as_str()).into_iter().flatten() {
                updates.push((i, *stage, *t));
            }
        }
        for (i, stage, t) in updates {
            let s = &mut convs[i].stage_ms[stage.index()];
            *s = Some(s.map_or(t, |x| x.min(t)));
        }
        touches.extend(o.touches);
        conversions.extend(convs);
        person_events.extend(o.person_events);
    }
    // Identity: a person's account is the one their records name most often (ties: the
    // first in sorted order), from touches and stage events alike.
    // Counted by sorting (person, account) pairs: runs of equal pairs are the counts, and
    // within a person accounts come in symbol (= sorted name) order, so the first of the
    // largest runs is the tie rule's winner.
    let mut pairs: Vec<(PersonId, Sym)> = touches
        .iter()
        .filter(|t| t.person != 0 && t.account != 0)
        .map(|t| (t.person, t.account))
        .chain(person_events.iter().filter_map(|e| match e.subject {
            Subject::Person(p) if e.account != 0 => Some((p, e.account)),
            _ => None,
        }))
        .collect();
    pairs.sort_unstable();
    let mut best: Vec<(PersonId, Sym)> = vec![];
    let mut best_count = 0usize;
    for run in pairs.chunk_by(|a, b| a == b) {
        let (person, account) = run[0];
        match best.last_mut() {
            Some(b) if b.0 == person => {
                if run.len() > best_count {
                    *b = (person, account);
                    best_count = run.len();
                }
            }
            _ => {
                best.push((person, account));
                best_count = run.len();
            }
        }
    }
    let best_of = |p: PersonId| {
        best.binary_search_by_key(&p, |b| b.0)
            .ok()
            .map(|i| best[i].1)
    };
    let mut identity = IdentityStats {
        touches: touches.len() as u64,
        ..Default::default()
    };
    for t in &mut touches {
        if t.account != 0 {
            identity.with_account += 1;
        } else if let Some(a) = best_of(t.person) {
            t.account = a;
            identity.resolved += 1;
        } else {
            identity.unresolved += 1;
        }
    }
    for e in &mut person_events {
        if e.account == 0
            && let Subject::Person(p) = e.subject
            && let Some(a) = best_of(p)
        {
            e.account = a;
        }
    }

    let merged_touches = dedupe::touches(c, &mut touches);
    let merged_convs = dedupe::conversions(c, &mut conversions);

    // Verdicts: a row with a surviving record is normalized; one whose every record was
    // merged into another partner's is merged; rejected rows stay rejected.
    let mut surviving: Vec<Vec<bool>> = ledgers
        .iter()
        .map(|l| vec![false; l.status.len()])
        .collect();
    let mut mark = |o: &Origin| surviving[o.source as usize][(o.row - 1) as usize] = true;
    touches.iter().for_each(|t| mark(&t.origin));
    conversions.iter().for_each(|cv| mark(&cv.origin));
    person_events.iter().for_each(|e| mark(&e.origin));
    for o in merged_touches.iter().chain(&merged_convs) {
        let l = &mut ledgers[o.source as usize];
        let i = (o.row - 1) as usize;
        if !surviving[o.source as usize][i] && l.status[i] != RowStatus::Rejected {
            l.status[i] = RowStatus::Merged;
        }
    }
    for l in &mut ledgers {
        l.settle();
        debug_assert!(l.balanced());
    }
    conversions.sort_by(|a, b| {
        a.created_ms
            .cmp(&b.created_ms)
            .then(a.origin.cmp(&b.origin))
    });
    person_events.sort_by(|a, b| a.time_ms.cmp(&b.time_ms).then(a.origin.cmp(&b.origin)));
    Dataset {
        symbols,
        touches,
        conversions,
        person_events,
        ledgers,
        identity,
        plugins: vec![],
        retries_used: 0,
        merged_touches: merged_touches.len() as u64,
        merged_conversions: merged_convs.len() as u64,
        taxonomy: Default::default(),
        filtered: Default::default(),
    }
}
