//! The report: everything a run found, as data. `report.json` is this struct serialized
//! (documented in docs/report-schema.md); the dashboard, summary, actions and CSV files
//! are views of it. Money is a decimal string in the reporting currency, never a float.

use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::Serialize;

use super::json_schema::{
    CURRENCY_PATTERN, DIGEST_PATTERN, DateString, DecimalString, RUN_ID_PATTERN,
};

pub const SCHEMA_VERSION: u32 = 1;

#[derive(Clone, Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Report {
    #[schemars(extend("const" = SCHEMA_VERSION))]
    pub schema_version: u32,
    /// Derived from the inputs (campaign file, data digests, plugins, window, model,
    /// parameters): the same inputs give the same id and byte-identical files.
    #[schemars(pattern(RUN_ID_PATTERN))]
    pub run_id: String,
    pub campaign: CampaignRef,
    pub window: WindowRef,
    pub model: ModelRef,
    pub headline: Headline,
    /// Credit by each requested dimension.
    pub credit: Vec<DimensionCredit>,
    pub top_assets: Vec<TopRow>,
    pub top_segments: Vec<TopRow>,
    pub funnel: Vec<Funnel>,
    pub sourcing: Sourcing,
    pub contribution: Vec<ContributionRow>,
    /// Credit per partner and per channel, period by period over the window.
    pub trends: Trends,
    /// The journeys' paths (`--detail full`; null with `--detail summary`).
    pub paths: Option<PathsReport>,
    /// How the intervals on credit were drawn; null with `--no-intervals`.
    pub intervals: Option<IntervalsRef>,
    /// Credit per funnel milestone (`--stage`, or all five with `--detail full`; empty
    /// otherwise), each from its own journeys (docs/attribution.md, "Stage journeys").
    pub stages: Vec<StageTable>,
    /// The three most important findings, in order.
    pub insights: Vec<String>,
    pub actions: Vec<Action>,
    pub data: DataQuality,
    pub guardrails: Guardrails,
    pub plugins: Vec<PluginRef>,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct CampaignRef {
    pub id: String,
    pub name: String,
    #[schemars(with = "DateString")]
    pub start: String,
    #[schemars(with = "DateString")]
    pub end: String,
    #[schemars(pattern(CURRENCY_PATTERN))]
    pub currency: String,
    pub partners: Vec<String>,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct WindowRef {
    /// As given: `30d`, `campaign`, `2026-09-01..2026-09-30`.
    pub spec: String,
    #[schemars(with = "DateString")]
    pub from: String,
    #[schemars(with = "DateString")]
    pub to: String,
    #[schemars(with = "DateString")]
    pub as_of: String,
    pub lookback_days: i64,
}

impl CampaignRef {
    /// What a report says of the campaign it is about.
    pub fn of(c: &crate::pipeline::campaign::Campaign) -> CampaignRef {
        CampaignRef {
            id: c.id.clone(),
            name: c.name.clone(),
            start: c.start.to_string(),
            end: c.end.to_string(),
            currency: c.currency.to_string(),
            partners: c.partners.iter().map(|p| p.name.clone()).collect(),
        }
    }
}

impl WindowRef {
    /// The window `spec` resolved to, as every command reports it.
    pub fn of(
        spec: &crate::pipeline::attribute::WindowSpec,
        when: &crate::pipeline::When,
        lookback_days: i64,
    ) -> WindowRef {
        WindowRef {
            spec: spec.to_string(),
            from: when.window.from.to_string(),
            to: when.window.to.to_string(),
            as_of: when.as_of.to_string(),
            lookback_days,
        }
    }
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct ModelRef {
    /// `name@version`.
    pub name: String,
    #[schemars(pattern(DIGEST_PATTERN))]
    pub sha256: String,
    pub attribution_key: String,
    /// Every parameter in force.
    pub params: Vec<(String, String)>,
    pub notes: Vec<String>,
    /// The internals the model returned beside its weights (tables, since `ascribe:model@0.3.0`:
    /// markov's transition probabilities and chain, shapley's coalition values), as it
    /// returned them, text cleaned. Empty when the model returns none (every key is
    /// always written: docs/report-schema.md).
    pub internals: Vec<ModelTable>,
    /// How `--order auto` chose the Markov order (docs/attribution.md, "Choosing the Markov
    /// order"): every order's held-out scores and the one the run used; null when the order
    /// was given.
    pub order_selection: Option<crate::pipeline::attribute::holdout::OrderChoice>,
}

/// One table of a model's internals (`internal-table` in `wit/model-0.3.0/model.wit`):
/// named columns of one length, each text or numbers.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct ModelTable {
    /// `transition-probabilities`, `coalition-values`…
    #[schemars(pattern(r"^[a-z][a-z0-9-]{0,63}$"))]
    pub name: String,
    /// What a row is, in the model's words.
    pub description: String,
    pub rows: u64,
    pub columns: Vec<ModelColumn>,
}

/// A column of a [`ModelTable`]: `rows` cells of text or of finite numbers.
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[serde(tag = "type", rename_all = "lowercase")]
#[schemars(deny_unknown_fields)]
pub enum ModelColumn {
    Text {
        #[schemars(pattern(r"^[a-z][a-z0-9-]{0,63}$"))]
        name: String,
        values: Vec<String>,
    },
    Numbers {
        #[schemars(pattern(r"^[a-z][a-z0-9-]{0,63}$"))]
        name: String,
        values: Vec<f64>,
    },
}

impl From<&crate::runtime::model::InternalTable> for ModelTable {
    fn from(t: &crate::runtime::model::InternalTable) -> ModelTable {
        use crate::runtime::model::ColumnValues;
        ModelTable {
            name: t.name.clone(),
            description: t.description.clone(),
            rows: t.rows() as u64,
            columns: t
                .columns
                .iter()
                .map(|c| match &c.values {
                    ColumnValues::Text(v) => ModelColumn::Text {
                        name: c.name.clone(),
                        values: v.clone(),
                    },
                    ColumnValues::Numbers(v) => ModelColumn::Numbers {
                        name: c.name.clone(),
                        values: v.clone(),
                    },
                })
                .collect(),
        }
    }
}

impl crate::text::Sanitize for ModelColumn {
    fn sanitize(&mut self) {
        match self {
            ModelColumn::Text { name, values } => {
                name.sanitize();
                values.sanitize();
            }
            ModelColumn::Numbers { name, values: _ } => name.sanitize(),
        }
    }
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Headline {
    /// Pipeline created in the window: the sum of its opportunities' amounts.
    #[schemars(with = "DecimalString")]
    pub pipeline: Decimal,
    /// Revenue closed won in the window.
    #[schemars(with = "DecimalString")]
    pub revenue: Decimal,
    pub opportunities: u64,
    pub won: u64,
    /// Pipeline of opportunities with no touch in the lookback (credited to nothing).
    #[schemars(with = "DecimalString")]
    pub unattributed_pipeline: Decimal,
    #[schemars(with = "DecimalString")]
    pub unattributed_revenue: Decimal,
    pub touches: u64,
    pub accounts_touched: u64,
    pub non_converting_journeys: u64,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct DimensionCredit {
    /// `partner`, `channel`, `asset`, `region`, `segment`…
    pub dimension: String,
    /// Sorted by pipeline credit, descending, then by value.
    pub rows: Vec<CreditRow>,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct CreditRow {
    pub value: String,
    #[schemars(with = "DecimalString")]
    pub pipeline: Decimal,
    /// Share of attributed pipeline, 0–1.
    pub pipeline_share: f64,
    #[schemars(with = "DecimalString")]
    pub revenue: Decimal,
    pub revenue_share: f64,
    /// Opportunities with any credit to this value.
    pub opportunities: u64,
    pub won: u64,
    /// The 90% interval of `pipeline` and of `revenue` (report.json's `intervals` says how
    /// it was drawn); null with `--no-intervals`.
    #[schemars(with = "Option<DecimalString>")]
    pub pipeline_lo: Option<Decimal>,
    #[schemars(with = "Option<DecimalString>")]
    pub pipeline_hi: Option<Decimal>,
    #[schemars(with = "Option<DecimalString>")]
    pub revenue_lo: Option<Decimal>,
    #[schemars(with = "Option<DecimalString>")]
    pub revenue_hi: Option<Decimal>,
}

/// How the intervals on credit were drawn (docs/insights.md, "Intervals").
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct IntervalsRef {
    /// Poisson bootstrap replicates over accounts.
    pub replicates: u32,
    /// The seed of the replicates' weights: the same seed, the same intervals.
    pub seed: u64,
    /// The percentiles of the replicates' totals, 0.05 and 0.95.
    pub low: f64,
    pub high: f64,
    /// Whether the model was solved again on each replicate (a data-driven model, one
    /// that reads non-converting journeys), or each journey kept its credit.
    pub resolved: bool,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct TopRow {
    pub value: String,
    #[schemars(with = "DecimalString")]
    pub pipeline: Decimal,
    #[schemars(with = "DecimalString")]
    pub revenue: Decimal,
    pub opportunities: u64,
    /// Spend the campaign file gives for this asset or segment's channel, if any.
    #[schemars(with = "Option<DecimalString>")]
    pub spend: Option<Decimal>,
    /// Pipeline per unit of spend.
    pub pipeline_per_spend: Option<f64>,
    /// The 90% interval of `pipeline` and of `revenue`, as on the row of `credit`
    /// (docs/insights.md, "Intervals"); null with `--no-intervals`.
    #[schemars(with = "Option<DecimalString>")]
    pub pipeline_lo: Option<Decimal>,
    #[schemars(with = "Option<DecimalString>")]
    pub pipeline_hi: Option<Decimal>,
    #[schemars(with = "Option<DecimalString>")]
    pub revenue_lo: Option<Decimal>,
    #[schemars(with = "Option<DecimalString>")]
    pub revenue_hi: Option<Decimal>,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Funnel {
    /// `all` (every touched account), `partner` or `channel`.
    #[schemars(extend("enum" = ["all", "partner", "channel"]))]
    pub group_by: String,
    pub group: String,
    /// Accounts reaching lead, mql, sql, opportunity, closed_won (in that order).
    pub counts: [u64; 5],
    /// Stage-to-stage conversion rates (4), None where the earlier stage is 0.
    pub rates: [Option<f64>; 4],
    /// The stage transition with the lowest rate, e.g. `mql → sql`.
    pub biggest_drop: Option<String>,
}

pub const FUNNEL_STAGES: [&str; 5] = ["lead", "mql", "sql", "opportunity", "closed_won"];

#[derive(Clone, Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Sourcing {
    /// The rule, in words, with its parameter.
    pub rule: String,
    #[schemars(with = "DecimalString")]
    pub sourced: Decimal,
    #[schemars(with = "DecimalString")]
    pub influenced: Decimal,
    /// Pipeline with no partner touch at all in its cycle.
    #[schemars(with = "DecimalString")]
    pub neither: Decimal,
    pub by_partner: Vec<PartnerSourcing>,
    /// Mean days from creation to close for won opportunities with a partner touch in the
    /// cycle, and without.
    pub days_to_close_with_partner: Option<f64>,
    pub days_to_close_without_partner: Option<f64>,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct PartnerSourcing {
    pub partner: String,
    #[schemars(with = "DecimalString")]
    pub sourced: Decimal,
    pub sourced_opportunities: u64,
    #[schemars(with = "DecimalString")]
    pub influenced: Decimal,
    pub influenced_opportunities: u64,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct ContributionRow {
    pub partner: String,
    /// None for the partner's total row.
    pub channel: Option<String>,
    #[schemars(with = "DecimalString")]
    pub pipeline: Decimal,
    #[schemars(with = "DecimalString")]
    pub revenue: Decimal,
    #[schemars(with = "Option<DecimalString>")]
    pub pipeline_target: Option<Decimal>,
    #[schemars(with = "Option<DecimalString>")]
    pub revenue_target: Option<Decimal>,
    /// Percent of target, e.g. 87.5.
    pub pipeline_pct: Option<f64>,
    pub revenue_pct: Option<f64>,
    /// The 90% interval of `pipeline` and of `revenue` (docs/insights.md, "Intervals");
    /// null with `--no-intervals`.
    #[schemars(with = "Option<DecimalString>")]
    pub pipeline_lo: Option<Decimal>,
    #[schemars(with = "Option<DecimalString>")]
    pub pipeline_hi: Option<Decimal>,
    #[schemars(with = "Option<DecimalString>")]
    pub revenue_lo: Option<Decimal>,
    #[schemars(with = "Option<DecimalString>")]
    pub revenue_hi: Option<Decimal>,
}

/// Credit per period of the window (`--granularity`; docs/insights.md). A conversion's
/// credit falls in the period of the UTC date its measure counts it on: pipeline, the
/// opportunity's creation; revenue, its close. Per period, a dimension's values sum
/// exactly to `pipeline`/`revenue`; a value's periods sum to its row in `credit`.
#[derive(Clone, Debug, Default, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Trends {
    /// `week` (ISO weeks from Monday, `2026-W37`) or `month` (`2026-09`).
    #[schemars(extend("enum" = ["week", "month"]))]
    pub granularity: String,
    /// Every period the window touches, in order, including those with no credit.
    pub periods: Vec<String>,
    /// Attributed pipeline per period (one per label in `periods`).
    #[schemars(with = "Vec<DecimalString>")]
    pub pipeline: Vec<Decimal>,
    /// Attributed revenue per period.
    #[schemars(with = "Vec<DecimalString>")]
    pub revenue: Vec<Decimal>,
    /// The 90% interval of each period's `pipeline` and `revenue`, one per period
    /// (docs/insights.md, "Intervals"); null with `--no-intervals`.
    #[schemars(with = "Option<Vec<DecimalString>>")]
    pub pipeline_lo: Option<Vec<Decimal>>,
    #[schemars(with = "Option<Vec<DecimalString>>")]
    pub pipeline_hi: Option<Vec<Decimal>>,
    #[schemars(with = "Option<Vec<DecimalString>>")]
    pub revenue_lo: Option<Vec<Decimal>>,
    #[schemars(with = "Option<Vec<DecimalString>>")]
    pub revenue_hi: Option<Vec<Decimal>>,
    /// One row per partner, in the order of `credit`'s partner rows.
    pub partner: Vec<TrendRow>,
    /// One row per channel, in the order of `credit`'s channel rows.
    pub channel: Vec<TrendRow>,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct TrendRow {
    pub value: String,
    /// Pipeline credit per period, one per label in `periods`.
    #[schemars(with = "Vec<DecimalString>")]
    pub pipeline: Vec<Decimal>,
    /// Revenue credit per period.
    #[schemars(with = "Vec<DecimalString>")]
    pub revenue: Vec<Decimal>,
    /// The 90% interval of each period's `pipeline` and `revenue`, one per period
    /// (docs/insights.md, "Intervals"); null with `--no-intervals`.
    #[schemars(with = "Option<Vec<DecimalString>>")]
    pub pipeline_lo: Option<Vec<Decimal>>,
    #[schemars(with = "Option<Vec<DecimalString>>")]
    pub pipeline_hi: Option<Vec<Decimal>>,
    #[schemars(with = "Option<Vec<DecimalString>>")]
    pub revenue_lo: Option<Vec<Decimal>>,
    #[schemars(with = "Option<Vec<DecimalString>>")]
    pub revenue_hi: Option<Vec<Decimal>>,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Action {
    pub priority: u32,
    /// `asset`, `channel`, `segment` or `partner`.
    #[schemars(extend("enum" = ["asset", "channel", "segment", "partner"]))]
    pub subject_kind: String,
    pub subject: String,
    pub action: String,
    /// The numbers behind it.
    pub evidence: String,
    /// Who acts: the partner marketer (the partner's owner from the campaign file).
    pub owner: String,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct DataQuality {
    pub sources: Vec<SourceRow>,
    pub identity_match_rate: f64,
    pub touches_unresolved: u64,
    pub merged_touches: u64,
    pub merged_conversions: u64,
    /// What the campaign's channel and asset rules did.
    pub taxonomy: TaxonomyUse,
    /// The touches the filters left out of attribution.
    pub filters: FiltersUse,
}

/// The touch filters of a run: the campaign's `[filters]`, then `--exclude`/`--include`.
#[derive(Clone, Debug, Default, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct FiltersUse {
    /// Each filter, with the touches it left out (a touch counts for the first exclude that
    /// matched it).
    pub filters: Vec<FilterUse>,
    /// Touches no include filter matched (when there are include filters).
    pub not_included: u64,
    /// Touches left out in all.
    pub touches_removed: u64,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct FilterUse {
    pub filter: String,
    /// `dataset`: its touches are left out of every journey of every model; `journeys`: a
    /// journey filter (a model's, or one that keeps a journey with nothing else), applied
    /// to the journeys of the models it names.
    #[schemars(extend("enum" = ["dataset", "journeys"]))]
    pub scope: String,
    /// Touches it left out: of the dataset, or of the run model's pipeline journeys (0 when
    /// the filter is another model's).
    pub touches: u64,
    /// A journey filter that keeps a journey whose touches all matched: how many pipeline
    /// journeys it kept whole (null for a dataset filter).
    pub journeys_kept_whole: Option<u64>,
}

/// One funnel milestone's attribution: how many were reached in the window and the
/// credit per partner and per channel. Lead, MQL and SQL count (`measure` `count`: each
/// milestone is 1, split over its touches in thousandths); an opportunity and a won deal
/// carry their amount (`money`, in the campaign's currency).
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct StageTable {
    /// `lead`, `mql`, `sql`, `opportunity` or `closed_won`.
    #[schemars(extend("enum" = ["lead", "mql", "sql", "opportunity", "closed_won"]))]
    pub stage: String,
    #[schemars(extend("enum" = ["count", "money"]))]
    pub measure: String,
    /// Milestones reached in the window.
    pub milestones: u64,
    /// Of them, those with no touch in the lookback: credited to nothing.
    pub unattributed: u64,
    /// Every milestone's worth: their number, or their amount.
    #[schemars(with = "DecimalString")]
    pub total: Decimal,
    /// What the touches were credited: `total` less the unattributed milestones' worth.
    #[schemars(with = "DecimalString")]
    pub credited: Decimal,
    /// Sorted by credit, descending, then by value.
    pub by_partner: Vec<StageRow>,
    pub by_channel: Vec<StageRow>,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct StageRow {
    pub value: String,
    /// Milestones (in thousandths) or money credited to this value.
    #[schemars(with = "DecimalString")]
    pub credit: Decimal,
    /// Share of `credited`, 0–1.
    pub share: f64,
    /// Milestones with any credit to this value.
    pub milestones: u64,
    /// The 90% interval of `credit` (docs/insights.md, "Intervals"); null with
    /// `--no-intervals`.
    #[schemars(with = "Option<DecimalString>")]
    pub lo: Option<Decimal>,
    #[schemars(with = "Option<DecimalString>")]
    pub hi: Option<Decimal>,
}

/// Path analytics of the pipeline journeys (`pipeline/attribute/analytics.rs`).
#[derive(Clone, Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct PathsReport {
    /// The attribution key the paths are written in (`channel`, `channel:asset`…).
    pub key: String,
    /// The ten most walked paths of converting journeys, and of journeys that did not
    /// convert (most journeys first, ties by path).
    pub top_converting: Vec<PathRow>,
    pub top_non_converting: Vec<PathRow>,
    /// Journeys per number of touches (repeats counted).
    pub lengths: Vec<LengthRow>,
    /// Converting journeys by days from the first touch to the opportunity.
    pub days_to_conversion: Vec<DaysRow>,
    /// The order-1 Markov chain of the journeys (docs/models.md): each state's transitions,
    /// with `(start)`, `(conversion)` and `(null)`.
    pub transitions: Vec<TransitionRow>,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct PathRow {
    pub path: String,
    pub journeys: u64,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct LengthRow {
    pub touches: u64,
    pub converting: u64,
    pub non_converting: u64,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct DaysRow {
    pub from_days: u64,
    /// Null: and more.
    pub to_days: Option<u64>,
    pub journeys: u64,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct TransitionRow {
    pub from: String,
    pub to: String,
    pub probability: f64,
}

/// The shared taxonomy of a run (`[[channels]]`, `[[assets]]`; docs/campaign-file.md).
#[derive(Clone, Debug, Default, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct TaxonomyUse {
    /// `campaign` (the file's `[[channels]]`) or `default` (GA4's groups, then the
    /// normalizers' own channel).
    #[schemars(extend("enum" = ["campaign", "default"]))]
    pub channel_rules: String,
    /// Each channel rule, in order, with the touches it gave their channel.
    pub channels: Vec<RuleUse>,
    /// Touches no channel rule matched: their channel is `unassigned`.
    pub unassigned_touches: u64,
    /// Each asset rule, in order, with the touches it renamed.
    pub assets: Vec<RuleUse>,
    /// Asset spellings no asset rule matched (at most 50, most touches first), so that
    /// rules can be added for them; empty without asset rules.
    pub unmatched_assets: Vec<Spelling>,
    /// Each channel's group, from the first rule that gave it one.
    pub channel_groups: Vec<ChannelGroup>,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RuleUse {
    /// The rule's line in the campaign file; null for a built-in default.
    pub line: Option<u64>,
    pub rule: String,
    pub touches: u64,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Spelling {
    pub asset: String,
    pub touches: u64,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct ChannelGroup {
    pub channel: String,
    pub group: String,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct SourceRow {
    pub source: String,
    pub partner: String,
    pub file: String,
    #[schemars(pattern(DIGEST_PATTERN))]
    pub sha256: String,
    pub rows_read: u64,
    pub normalized: u64,
    pub merged: u64,
    pub rejected: u64,
    /// Conversions whose amount was empty, counted as 0 (kept, not rejected: an open
    /// opportunity often has no amount yet).
    pub empty_amounts: u64,
    /// Rows whose deal lies outside the window and has no FX rate: never attributable,
    /// so neither priced nor kept (rows read = normalized + merged + rejected + these).
    pub out_of_window: u64,
    /// The first few rejects, for the reader; all of them are in rejects.csv.
    pub first_rejects: Vec<String>,
    /// Hours from the newest record to --as-of, and the SLA.
    pub freshness_hours: Option<f64>,
    pub freshness_sla_hours: Option<u64>,
    pub within_sla: Option<bool>,
    /// Rows dated after --as-of: left out of freshness.
    pub future_dated: u64,
}

#[derive(Clone, Debug, Serialize, Default, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Guardrails {
    /// 0–1: the product of the parts measured (docs/guardrails.md).
    pub confidence: f64,
    /// Which definition `confidence` follows: 2, coverage × identity match × split
    /// precision (1, the mean of coverage, identity match and agreement with linear, is
    /// gone; plans log the change).
    pub confidence_definition: u32,
    /// The parts measured in this run, each 0–1.
    pub confidence_parts: Vec<(String, f64)>,
    /// A part left out of the product or fixed by the data, and why (`split_precision`
    /// with `--no-intervals`, or with one partner credited).
    pub confidence_notes: Vec<(String, String)>,
    pub min_confidence: f64,
    pub open_disputes: u64,
    /// Set when this run escalates: who it goes to and why.
    pub escalation: Option<Escalation>,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Escalation {
    pub rung: String,
    pub level: usize,
    pub reasons: Vec<String>,
}

#[derive(Clone, Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct PluginRef {
    pub role: String,
    pub name: String,
    #[schemars(pattern(DIGEST_PATTERN))]
    pub sha256: String,
}

pub use crate::format::{money, money_short, pct};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_formats() {
        assert_eq!(money(Decimal::new(123456789, 2), "USD"), "USD 1,234,567.89");
        assert_eq!(money(Decimal::new(5, 0), "JPY"), "JPY 5");
        assert_eq!(money(Decimal::new(-100050, 2), "EUR"), "EUR -1,000.50");
        assert_eq!(money_short(Decimal::new(1_250_000, 0), "USD"), "USD 1.2M");
        assert_eq!(pct(0.875), "87.5%");
    }
}

// Every view renders a `text::Sealed<Report>`: each string below has been through
// `text::clean` (addresses scrubbed, control characters escaped) before any view sees it.
crate::sanitize_fields! {
    Report { schema_version, run_id, campaign, window, model, headline, credit, top_assets, top_segments, funnel, sourcing, contribution, trends, paths, intervals, stages, insights, actions, data, guardrails, plugins }
    PathsReport { key, top_converting, top_non_converting, lengths, days_to_conversion, transitions }
    PathRow { path, journeys }
    LengthRow { touches, converting, non_converting }
    DaysRow { from_days, to_days, journeys }
    TransitionRow { from, to, probability }
    CampaignRef { id, name, start, end, currency, partners }
    WindowRef { spec, from, to, as_of, lookback_days }
    ModelRef { name, sha256, attribution_key, params, notes, internals, order_selection }
    ModelTable { name, description, rows, columns }
    Headline { pipeline, revenue, opportunities, won, unattributed_pipeline, unattributed_revenue, touches, accounts_touched, non_converting_journeys }
    DimensionCredit { dimension, rows }
    CreditRow { value, pipeline, pipeline_share, revenue, revenue_share, opportunities, won, pipeline_lo, pipeline_hi, revenue_lo, revenue_hi }
    IntervalsRef { replicates, seed, low, high, resolved }
    TopRow { value, pipeline, revenue, opportunities, spend, pipeline_per_spend, pipeline_lo, pipeline_hi, revenue_lo, revenue_hi }
    Funnel { group_by, group, counts, rates, biggest_drop }
    Sourcing { rule, sourced, influenced, neither, by_partner, days_to_close_with_partner, days_to_close_without_partner }
    PartnerSourcing { partner, sourced, sourced_opportunities, influenced, influenced_opportunities }
    ContributionRow { partner, channel, pipeline, revenue, pipeline_target, revenue_target, pipeline_pct, revenue_pct, pipeline_lo, pipeline_hi, revenue_lo, revenue_hi }
    Trends { granularity, periods, pipeline, revenue, pipeline_lo, pipeline_hi, revenue_lo, revenue_hi, partner, channel }
    TrendRow { value, pipeline, revenue, pipeline_lo, pipeline_hi, revenue_lo, revenue_hi }
    StageTable { stage, measure, milestones, unattributed, total, credited, by_partner, by_channel }
    StageRow { value, credit, share, milestones, lo, hi }
    Action { priority, subject_kind, subject, action, evidence, owner }
    DataQuality { sources, identity_match_rate, touches_unresolved, merged_touches, merged_conversions, taxonomy, filters }
    TaxonomyUse { channel_rules, channels, unassigned_touches, assets, unmatched_assets, channel_groups }
    RuleUse { line, rule, touches }
    Spelling { asset, touches }
    ChannelGroup { channel, group }
    FiltersUse { filters, not_included, touches_removed }
    FilterUse { filter, scope, touches, journeys_kept_whole }
    SourceRow { source, partner, file, sha256, rows_read, normalized, merged, rejected, empty_amounts, out_of_window, first_rejects, freshness_hours, freshness_sla_hours, within_sla, future_dated }
    Guardrails { confidence, confidence_definition, confidence_parts, confidence_notes, min_confidence, open_disputes, escalation }
    Escalation { rung, level, reasons }
    PluginRef { role, name, sha256 }
}
