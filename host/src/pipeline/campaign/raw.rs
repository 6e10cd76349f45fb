//! The campaign file exactly as written: serde structs with `deny_unknown_fields`, so an
//! unknown key or a wrong type is refused by the TOML parser with its line. Values that
//! need checking beyond their TOML type keep their span (`Spanned`) so those errors can
//! name the line too. `validate.rs` turns this into the validated [`super::Campaign`].

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

pub type S<T> = Spanned<T>;

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RawCampaign {
    pub id: S<String>,
    pub name: S<String>,
    pub start: S<String>,
    pub end: S<String>,
    pub currency: S<String>,
    pub lookback_days: Option<S<i64>>,
    pub reporting_cadence: Option<String>,
    #[serde(default)]
    pub fx: BTreeMap<String, BTreeMap<String, S<String>>>,
    pub partners: S<Vec<RawPartner>>,
    #[serde(default)]
    pub targets: BTreeMap<String, S<RawTarget>>,
    #[serde(default)]
    pub spend: Vec<RawSpend>,
    #[serde(default)]
    pub models: Vec<RawModel>,
    #[serde(default)]
    pub dedupe: RawDedupe,
    #[serde(default)]
    pub guardrails: RawGuardrails,
    #[serde(default)]
    pub escalation: RawEscalation,
    #[serde(default)]
    pub privacy: RawPrivacy,
    #[serde(default)]
    pub reconcile: RawReconcile,
    #[serde(default)]
    pub channels: Vec<S<super::rules::RawRule>>,
    #[serde(default)]
    pub assets: Vec<S<super::rules::RawRule>>,
    #[serde(default)]
    pub filters: super::rules::RawFilters,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RawPartner {
    pub name: S<String>,
    #[serde(default)]
    pub role: String,
    pub owner: Option<String>,
    pub fallback_owner: Option<String>,
    #[serde(default)]
    pub owner_unavailable: bool,
    #[serde(default)]
    pub stages: BTreeMap<String, S<String>>,
    pub sources: Vec<RawSource>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RawSource {
    pub id: Option<S<String>>,
    pub kind: S<String>,
    pub file: S<String>,
    pub plugin: S<String>,
    pub sha256: Option<S<String>>,
    pub timezone: Option<S<String>>,
    pub freshness_sla_hours: Option<S<i64>>,
    #[serde(default)]
    pub params: BTreeMap<String, S<toml::Value>>,
    pub control_totals: Option<RawControlTotals>,
    pub limits: Option<RawLimits>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RawControlTotals {
    pub rows: Option<S<i64>>,
    pub amount: Option<S<String>>,
    pub tolerance: Option<S<String>>,
}

#[derive(Deserialize, Debug, Clone, Copy)]
#[serde(deny_unknown_fields)]
pub struct RawLimits {
    pub memory_mib: Option<u64>,
    pub time_ms: Option<u64>,
    pub fuel: Option<u64>,
    /// Sources only: what the host may keep of the source's records.
    pub host_memory_mib: Option<u64>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RawTarget {
    pub pipeline: Option<S<String>>,
    pub revenue: Option<S<String>>,
    #[serde(default)]
    pub channels: BTreeMap<String, RawChannelTarget>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RawChannelTarget {
    pub pipeline: Option<S<String>>,
    pub revenue: Option<S<String>>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RawSpend {
    pub partner: S<String>,
    pub channel: Option<String>,
    pub asset: Option<String>,
    pub amount: S<String>,
    pub currency: Option<S<String>>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RawModel {
    pub name: S<String>,
    pub plugin: Option<S<String>>,
    pub sha256: Option<S<String>>,
    #[serde(default)]
    pub default: bool,
    #[serde(default)]
    pub agreed: bool,
    #[serde(default)]
    pub params: BTreeMap<String, S<toml::Value>>,
    pub limits: Option<RawLimits>,
}

#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
pub struct RawDedupe {
    pub touch_window_minutes: Option<S<i64>>,
    pub opportunity_key: Option<S<String>>,
    pub close_within_days: Option<S<i64>>,
    pub amount_tolerance: Option<S<String>>,
}

#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
pub struct RawGuardrails {
    pub retry_limit: Option<S<i64>>,
    pub min_confidence: Option<S<f64>>,
    pub sourced_within_days: Option<S<i64>>,
}

#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
pub struct RawEscalation {
    pub ladder: Option<Vec<String>>,
    #[serde(default)]
    pub fallbacks: BTreeMap<String, String>,
    #[serde(default)]
    pub unavailable: Vec<String>,
}

#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
pub struct RawPrivacy {
    pub salt: Option<String>,
}

#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
pub struct RawReconcile {
    pub missing_fx: Option<S<String>>,
}
