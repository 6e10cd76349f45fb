//! The campaign file: parsed strictly (every error names the file, the line and the key),
//! then validated into [`Campaign`], which the rest of the pipeline reads.

mod raw;
pub mod rules;
mod validate;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::money::Currency;
use crate::runtime::Limits;
use validate::Ctx;

/// A campaign file error: where, which key, what is wrong.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct CampaignError {
    pub file: PathBuf,
    pub line: Option<usize>,
    pub key: String,
    pub message: String,
}

impl fmt::Display for CampaignError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(l) = self.line {
            write!(f, ":{l}")?;
        }
        if self.key.is_empty() {
            write!(f, ": {}", self.message)
        } else {
            write!(f, ": `{}`: {}", self.key, self.message)
        }
    }
}

/// Canonical funnel stages, in funnel order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Lead,
    Mql,
    Sql,
    Opportunity,
    ClosedWon,
    ClosedLost,
}

impl Stage {
    pub const ALL: [Stage; 6] = [
        Stage::Lead,
        Stage::Mql,
        Stage::Sql,
        Stage::Opportunity,
        Stage::ClosedWon,
        Stage::ClosedLost,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Stage::Lead => "lead",
            Stage::Mql => "mql",
            Stage::Sql => "sql",
            Stage::Opportunity => "opportunity",
            Stage::ClosedWon => "closed_won",
            Stage::ClosedLost => "closed_lost",
        }
    }

    pub fn parse(s: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|st| st.name() == s)
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    Crm,
    Map,
    Analytics,
}

impl SourceKind {
    pub fn name(self) -> &'static str {
        match self {
            SourceKind::Crm => "crm",
            SourceKind::Map => "map",
            SourceKind::Analytics => "analytics",
        }
    }
}

#[derive(Clone, Debug)]
pub struct ControlTotals {
    pub rows: Option<u64>,
    pub amount: Option<Decimal>,
    pub tolerance: Decimal,
}

#[derive(Clone, Debug)]
pub struct Source {
    pub id: String,
    pub partner: usize,
    pub kind: SourceKind,
    pub file: PathBuf,
    /// As written (a name or a path), for messages and the plan.
    pub plugin: String,
    pub sha256: Option<String>,
    pub timezone: chrono_tz::Tz,
    pub freshness_sla_hours: Option<u64>,
    pub params: Vec<(String, String)>,
    pub control_totals: Option<ControlTotals>,
    pub limits: Limits,
}

#[derive(Clone, Debug)]
pub struct Partner {
    pub name: String,
    pub role: String,
    pub owner: Option<String>,
    pub fallback_owner: Option<String>,
    pub owner_unavailable: bool,
    /// Lower-cased, trimmed raw stage → canonical stage.
    pub stages: BTreeMap<String, Stage>,
}

#[derive(Clone, Debug, Default)]
pub struct Target {
    pub pipeline: Option<Decimal>,
    pub revenue: Option<Decimal>,
    pub channels: BTreeMap<String, (Option<Decimal>, Option<Decimal>)>,
}

#[derive(Clone, Debug)]
pub struct Spend {
    pub partner: String,
    pub channel: Option<String>,
    pub asset: Option<String>,
    /// In the reporting currency.
    pub amount: Decimal,
    pub currency: String,
}

#[derive(Clone, Debug)]
pub struct ModelEntry {
    pub name: String,
    pub plugin: String,
    pub sha256: Option<String>,
    pub default: bool,
    /// The model the partners agreed on (`agreed = true`): the default, whatever else is
    /// marked, and what compare shows beside its recommendation.
    pub agreed: bool,
    pub params: Vec<(String, String)>,
    pub limits: Limits,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OpportunityKey {
    Id,
    DomainCloseAmount,
}

#[derive(Clone, Debug)]
pub struct Dedupe {
    pub touch_window_minutes: i64,
    pub opportunity_key: OpportunityKey,
    pub close_within_days: i64,
    /// Relative tolerance on amounts (0.01 = 1%).
    pub amount_tolerance: Decimal,
}

/// What a deal in the analysis window without an FX rate does (`[reconcile] missing_fx`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MissingFx {
    /// The run stops with an error naming the source, the row and the rate to add.
    Stop,
    /// The row becomes a reject naming the currency, the date and the FX table.
    Reject,
}

#[derive(Clone, Debug)]
pub struct Reconcile {
    pub missing_fx: MissingFx,
}

#[derive(Clone, Debug)]
pub struct Guardrails {
    pub retry_limit: u32,
    pub min_confidence: f64,
    /// A partner touch this close before the opportunity was created makes it partner-sourced.
    pub sourced_within_days: i64,
}

#[derive(Clone, Debug)]
pub struct Escalation {
    pub ladder: Vec<String>,
    pub fallbacks: BTreeMap<String, String>,
    pub unavailable: Vec<String>,
}

pub const DEFAULT_LADDER: [&str; 3] = [
    "Co-marketing Analytics Lead",
    "RevOps/Finance partners",
    "Exec sponsors",
];

/// FX rates: units of the reporting currency per unit of a currency, each valid from its
/// date until the next.
#[derive(Clone, Debug, Default)]
pub struct FxTable {
    pub rates: BTreeMap<String, Vec<(NaiveDate, Decimal)>>,
}

impl FxTable {
    /// The rate in force on `date`: the latest dated on or before it.
    pub fn rate(&self, currency: &str, date: NaiveDate) -> Option<Decimal> {
        let v = self.rates.get(currency)?;
        v.iter().rev().find(|(d, _)| *d <= date).map(|(_, r)| *r)
    }
}

#[derive(Clone, Debug)]
pub struct Campaign {
    pub file: PathBuf,
    pub dir: PathBuf,
    pub id: String,
    pub name: String,
    pub start: NaiveDate,
    pub end: NaiveDate,
    /// The reporting currency: every amount is converted to it, and carries it.
    pub currency: Currency,
    pub lookback_days: i64,
    pub reporting_cadence: Option<String>,
    pub fx: FxTable,
    pub partners: Vec<Partner>,
    pub sources: Vec<Source>,
    pub targets: BTreeMap<String, Target>,
    pub spend: Vec<Spend>,
    pub models: Vec<ModelEntry>,
    pub dedupe: Dedupe,
    pub reconcile: Reconcile,
    pub guardrails: Guardrails,
    pub escalation: Escalation,
    /// The shared channel and asset rules (`[[channels]]`, `[[assets]]`), applied once after
    /// normalizing.
    pub taxonomy: rules::Taxonomy,
    /// `[filters]`: touches left out of attribution (after the taxonomy).
    pub filters: Vec<rules::Filter>,
    /// Salt for hashing person keys. Default: derived from the campaign id, so hashes are
    /// stable across runs (set `privacy.salt` to make them unguessable outside).
    pub salt: String,
}

impl Campaign {
    /// A path as outputs show it: relative to the campaign file's folder (`data/crm.csv`,
    /// `../shared/fx.csv`), so a package's bytes do not depend on where the checkout
    /// lives and two files of one name in different folders stay apart.
    pub fn relative(&self, path: &Path) -> String {
        relative_to(&self.dir, path)
    }

    /// The model a run uses when none is named: the agreed one, else the one marked
    /// `default`.
    pub fn default_model(&self) -> Option<&ModelEntry> {
        self.agreed_model()
            .or_else(|| self.models.iter().find(|m| m.default))
    }

    /// The model pinned as agreed by the partners (`agreed = true`).
    pub fn agreed_model(&self) -> Option<&ModelEntry> {
        self.models.iter().find(|m| m.agreed)
    }

    pub fn partner_index(&self, name: &str) -> Option<usize> {
        self.partners.iter().position(|p| p.name == name)
    }
}

/// Reads and validates a campaign file.
pub fn load(file: &Path) -> Result<Campaign, CampaignError> {
    let text =
        crate::fsx::read_text(file, "campaign files", crate::fsx::CAMPAIGN_MAX).map_err(|e| {
            CampaignError {
                file: file.to_path_buf(),
                line: None,
                key: String::new(),
                message: format!("cannot read the campaign file: {e}"),
            }
        })?;
    parse(file, &text)
}

/// Validates campaign text; `file` names it in errors and anchors relative paths.
///
/// Each section has its own validator (`validate.rs`); they run in a fixed order and the
/// first error stops the parse, so a file with several errors always gets the same one.
pub fn parse(file: &Path, text: &str) -> Result<Campaign, CampaignError> {
    let raw = validate::syntax(file, text)?;
    let cx = Ctx { file, text };
    let dir = file.parent().map(Path::to_path_buf).unwrap_or_default();
    let who = validate::identity(&cx, &raw)?;
    let fx = validate::fx(&cx, &raw.fx)?;
    let (partners, sources) = validate::partners(&cx, raw.partners, &dir)?;
    let targets = validate::targets(&cx, &raw.targets, &partners)?;
    let spend = validate::spend(&cx, &raw.spend, &partners, who.currency)?;
    let models = validate::models(&cx, raw.models)?;
    let dedupe = validate::dedupe(&cx, &raw.dedupe)?;
    let reconcile = validate::reconcile(&cx, &raw.reconcile)?;
    let guardrails = validate::guardrails(&cx, &raw.guardrails)?;
    let escalation = validate::escalation(&cx, raw.escalation)?;
    let taxonomy = rules::taxonomy(&cx, &raw.channels, &raw.assets)?;
    let filters = rules::filters(&cx, &raw.filters)?;
    Ok(Campaign {
        file: file.to_path_buf(),
        dir,
        salt: validate::privacy(raw.privacy, &who.id),
        id: who.id,
        name: who.name,
        start: who.start,
        end: who.end,
        currency: who.currency,
        lookback_days: who.lookback_days,
        reporting_cadence: raw.reporting_cadence,
        fx,
        partners,
        sources,
        targets,
        spend,
        models,
        dedupe,
        reconcile,
        guardrails,
        escalation,
        taxonomy,
        filters,
    })
}

/// A file-system-safe form of a name: `AI Launch Tour` → `ai-launch-tour`.
pub fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

/// Finds a campaign by id or name among the `*.toml` files of `dir`.
pub fn find(dir: &Path, wanted: &str) -> Result<Campaign, anyhow::Error> {
    let entries = std::fs::read_dir(dir).map_err(|e| anyhow::anyhow!("cannot read the campaigns directory {}: {e} (set it with --campaigns-dir, or name a file with --campaign-file)", dir.display()))?;
    let mut files: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    let mut seen = vec![];
    let mut broken = vec![];
    for f in &files {
        match load(f) {
            Ok(c) => {
                if c.id == wanted || c.name == wanted || c.name.eq_ignore_ascii_case(wanted) {
                    return Ok(c);
                }
                seen.push(format!("{} ({})", c.name, c.id));
            }
            Err(e) => broken.push(e),
        }
    }
    // A broken file might be the one asked for: say so rather than "not found".
    if let Some(e) = broken.iter().find(|e| {
        crate::fsx::read_text(&e.file, "campaign files", crate::fsx::CAMPAIGN_MAX)
            .is_ok_and(|t| t.contains(wanted))
    }) {
        return Err(anyhow::anyhow!("{e}"));
    }
    let mut msg = format!(
        "no campaign with id or name `{wanted}` in {}",
        dir.display()
    );
    if seen.is_empty() {
        msg.push_str("; it holds no readable campaign files");
    } else {
        msg.push_str(&format!("; campaigns there: {}", seen.join(", ")));
    }
    for e in broken {
        msg.push_str(&format!("\n  (skipped {e})"));
    }
    Err(anyhow::anyhow!(msg))
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"id = "t"
name = "Test"
start = "2026-09-01"
end = "2026-10-31"
currency = "USD"
[fx.EUR]
"2026-01-01" = "1.10"
"2026-09-01" = "1.20"
[[partners]]
name = "A"
[partners.stages]
"Won" = "closed_won"
[[partners.sources]]
kind = "crm"
file = "a.csv"
plugin = "salesforce"
timezone = "Europe/Berlin"
"#;

    fn err(text: &str) -> String {
        parse(Path::new("c.toml"), text).unwrap_err().to_string()
    }

    #[test]
    fn a_good_file_with_defaults() {
        let c = parse(Path::new("dir/c.toml"), GOOD).unwrap();
        assert_eq!(c.lookback_days, 90);
        assert_eq!(c.guardrails.retry_limit, 2);
        assert_eq!(
            c.escalation.ladder,
            DEFAULT_LADDER.map(String::from).to_vec()
        );
        assert_eq!(c.sources[0].id, "a-crm-1");
        assert_eq!(c.sources[0].file, Path::new("dir/a.csv"));
        assert_eq!(c.partners[0].stages.get("won"), Some(&Stage::ClosedWon));
        // The rate in force on a date is the latest dated on or before it.
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(
            c.fx.rate("EUR", d("2026-08-31")),
            Some(Decimal::new(110, 2))
        );
        assert_eq!(
            c.fx.rate("EUR", d("2026-09-01")),
            Some(Decimal::new(120, 2))
        );
        assert_eq!(c.fx.rate("EUR", d("2025-12-31")), None);
    }

    #[test]
    fn errors_name_the_file_line_and_key() {
        assert_eq!(
            err(&GOOD.replace(
                "currency = \"USD\"",
                "currency = \"USD\"\ncolour = \"blue\""
            )),
            "c.toml:6: unknown field `colour`, expected one of `id`, `name`, `start`, `end`, `currency`, `lookback_days`, `reporting_cadence`, `fx`, `partners`, `targets`, `spend`, `models`, `dedupe`, `guardrails`, `escalation`, `privacy`, `reconcile`, `channels`, `assets`, `filters`"
        );
        // The policy for a deal in the window without an FX rate: stop (default) or reject.
        assert_eq!(
            parse(Path::new("c.toml"), GOOD)
                .unwrap()
                .reconcile
                .missing_fx,
            MissingFx::Stop
        );
        assert_eq!(
            parse(
                Path::new("c.toml"),
                &format!("{GOOD}[reconcile]\nmissing_fx = \"reject\"\n")
            )
            .unwrap()
            .reconcile
            .missing_fx,
            MissingFx::Reject
        );
        assert_eq!(
            err(&format!("{GOOD}[reconcile]\nmissing_fx = \"skip\"\n")),
            "c.toml:19: `reconcile.missing_fx`: `skip` is not a policy for a missing FX rate (stop, reject)"
        );
        assert_eq!(
            err(&format!("{GOOD}[reconcile]\nmissing_rate = \"stop\"\n")),
            "c.toml:19: `reconcile`: unknown field `missing_rate`, expected `missing_fx`"
        );
        assert_eq!(
            err(&GOOD.replace("start = \"2026-09-01\"", "start = 20260901")),
            "c.toml:3: `start`: invalid type: integer `20260901`, expected a string"
        );
        // Found by the bad-input corpus: type errors and repeated keys named no key.
        assert_eq!(
            err(&GOOD.replace("kind = \"crm\"", "kind = 7")),
            "c.toml:14: `partners.sources.kind`: invalid type: integer `7`, expected a string"
        );
        assert_eq!(
            err(&GOOD.replace("currency = \"USD\"", "currency = \"USD\"\nstart = \"x\"")),
            "c.toml:6: `start`: duplicate key"
        );
        assert_eq!(
            err(&GOOD.replace("\"2026-10-31\"", "\"31/10/2026\"")),
            "c.toml:4: `end`: `31/10/2026` is not a date (use YYYY-MM-DD)"
        );
        assert_eq!(
            err(&GOOD.replace("\"Won\" = \"closed_won\"", "\"Won\" = \"won\"")),
            "c.toml:12: `partners[0].stages.\"Won\"`: `won` is not a canonical stage (lead, mql, sql, opportunity, closed_won, closed_lost)"
        );
        assert_eq!(
            err(&GOOD.replace("Europe/Berlin", "Mars/Olympus")),
            "c.toml:17: `partners[0].sources[0].timezone`: `Mars/Olympus` is not an IANA time zone (e.g. Europe/Berlin, America/New_York, UTC)"
        );
        assert_eq!(
            err(&GOOD.replace("\"1.20\"", "\"-1\"")),
            "c.toml:8: `fx.EUR.\"2026-09-01\"`: rate -1 must be positive"
        );
        assert_eq!(
            err(&GOOD.replace("kind = \"crm\"", "kind = \"erp\"")),
            "c.toml:14: `partners[0].sources[0].kind`: `erp` is not a source kind (crm, map, analytics)"
        );
        assert_eq!(
            err(&GOOD.replace("currency = \"USD\"", "currency = \"XYZ\"")),
            "c.toml:5: `currency`: `XYZ` is not a currency this version knows (ISO 4217 code such as USD, EUR, JPY)"
        );
        assert_eq!(
            err(&format!("{GOOD}sha256 = \"abc\"\n")),
            "c.toml:18: `partners[0].sources[0].sha256`: `abc` is not a pin (write sha256: followed by 64 hex digits)"
        );
        assert_eq!(
            err(&format!("{GOOD}[targets.\"B\"]\npipeline = \"5\"\n")),
            "c.toml:18: `targets.\"B\"`: no partner is named `B` (partners: A)"
        );
        assert_eq!(
            err(&format!(
                "{GOOD}[[models]]\nname = \"a\"\ndefault = true\n[[models]]\nname = \"b\"\ndefault = true\n"
            )),
            "c.toml: `models`: more than one model is marked `default = true`; mark exactly one"
        );
        assert_eq!(
            err(&format!(
                "{GOOD}[[models]]\nname = \"a\"\nagreed = true\n[[models]]\nname = \"b\"\nagreed = true\n"
            )),
            "c.toml: `models`: more than one model is marked `agreed = true`; the partners agree on one model: mark exactly one"
        );
        assert_eq!(
            err(&format!(
                "{GOOD}[[models]]\nname = \"a\"\nagreed = true\n[[models]]\nname = \"b\"\ndefault = true\n"
            )),
            "c.toml: `models`: model `a` is marked `agreed = true` and model `b` `default = true`: the agreed model is the default, so remove `default = true` from `b`"
        );
        assert_eq!(
            load(Path::new("/nonexistent/c.toml"))
                .unwrap_err()
                .to_string(),
            "/nonexistent/c.toml: cannot read the campaign file: No such file or directory (os error 2)"
        );
    }

    #[test]
    fn slugs() {
        assert_eq!(slug("AI Launch Tour"), "ai-launch-tour");
        assert_eq!(slug("  Q3 / EMEA -- Webinars! "), "q3-emea-webinars");
    }
}

/// `path` relative to `base`, lexically (no file system access): `..` for each of `base`'s
/// components past the common prefix. A path on another root stays as it is.
pub fn relative_to(base: &Path, path: &Path) -> String {
    use std::path::Component;
    fn clean(p: &Path) -> Vec<Component<'_>> {
        let mut v: Vec<Component> = vec![];
        for c in p.components() {
            match c {
                Component::CurDir => {}
                Component::ParentDir if matches!(v.last(), Some(Component::Normal(_))) => {
                    v.pop();
                }
                c => v.push(c),
            }
        }
        v
    }
    let (b, p) = (clean(base), clean(path));
    if b.first().map(|c| matches!(c, Component::RootDir))
        != p.first().map(|c| matches!(c, Component::RootDir))
    {
        return path.display().to_string();
    }
    let common = b.iter().zip(&p).take_while(|(x, y)| x == y).count();
    let mut out = std::path::PathBuf::new();
    for _ in common..b.len() {
        out.push("..");
    }
    for c in &p[common..] {
        out.push(c.as_os_str());
    }
    out.display().to_string()
}

#[cfg(test)]
mod relative_tests {
    use super::relative_to;
    use std::path::Path;

    #[test]
    fn paths_relative_to_the_campaign_folder() {
        let r = |b: &str, p: &str| relative_to(Path::new(b), Path::new(p));
        assert_eq!(
            r("/w/campaigns", "/w/campaigns/data/crm.csv"),
            "data/crm.csv"
        );
        assert_eq!(r("/w/campaigns", "/w/shared/fx.csv"), "../shared/fx.csv");
        assert_eq!(
            r("campaigns", "campaigns/./data/../data/a.csv"),
            "data/a.csv"
        );
        assert_eq!(r("", "data/a.csv"), "data/a.csv");
        assert_eq!(r("/w", "rel/a.csv"), "rel/a.csv");
    }
}
