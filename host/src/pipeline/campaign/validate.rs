//! One validator per section of the campaign file, each from the raw section ([`super::raw`])
//! to its validated part of [`Campaign`](super::Campaign). [`super::parse`] calls them in a
//! fixed order and each stops at its first error, so which error a file with several gets
//! is the same as when `parse` was one function.
//!
//! Every error names the file, the line (from the value's span) and the key, through
//! [`Ctx`].

use std::collections::BTreeMap;
use std::path::Path;
use std::str::FromStr;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::raw::*;
use super::{
    CampaignError, ControlTotals, DEFAULT_LADDER, Dedupe, Escalation, FxTable, Guardrails,
    MissingFx, ModelEntry, OpportunityKey, Partner, Reconcile, Source, SourceKind, Spend, Stage,
    Target, slug,
};
use crate::money::Currency;
use crate::runtime::Limits;

/// What every validator needs to name a place in the file: its path and its text (for the
/// line of a span).
pub(super) struct Ctx<'a> {
    pub(super) file: &'a Path,
    pub(super) text: &'a str,
}

impl Ctx<'_> {
    pub(super) fn line_of(&self, span: std::ops::Range<usize>) -> usize {
        self.line(span)
    }

    fn line(&self, span: std::ops::Range<usize>) -> usize {
        self.text[..span.start.min(self.text.len())]
            .bytes()
            .filter(|&b| b == b'\n')
            .count()
            + 1
    }

    pub(super) fn err<T>(
        &self,
        span: std::ops::Range<usize>,
        key: &str,
        msg: impl Into<String>,
    ) -> Result<T, CampaignError> {
        Err(CampaignError {
            file: self.file.to_path_buf(),
            line: Some(self.line(span)),
            key: key.to_string(),
            message: msg.into(),
        })
    }

    /// An error about the file as a whole: no line.
    fn whole<T>(&self, key: &str, msg: impl Into<String>) -> Result<T, CampaignError> {
        Err(CampaignError {
            file: self.file.to_path_buf(),
            line: None,
            key: key.to_string(),
            message: msg.into(),
        })
    }

    fn date(&self, v: &S<String>, key: &str) -> Result<NaiveDate, CampaignError> {
        NaiveDate::parse_from_str(v.get_ref().trim(), "%Y-%m-%d").or_else(|_| {
            self.err(
                v.span(),
                key,
                format!("`{}` is not a date (use YYYY-MM-DD)", v.get_ref()),
            )
        })
    }

    fn decimal(&self, v: &S<String>, key: &str) -> Result<Decimal, CampaignError> {
        Decimal::from_str(v.get_ref().trim()).or_else(|_| {
            self.err(
                v.span(),
                key,
                format!(
                    "`{}` is not a decimal number (write it as a string, e.g. \"1250.50\")",
                    v.get_ref()
                ),
            )
        })
    }

    fn non_negative(&self, v: &S<String>, key: &str) -> Result<Decimal, CampaignError> {
        let d = self.decimal(v, key)?;
        if d.is_sign_negative() {
            return self.err(v.span(), key, format!("{d} is negative"));
        }
        Ok(d)
    }

    fn currency(&self, v: &S<String>, key: &str) -> Result<Currency, CampaignError> {
        let c = v.get_ref().trim().to_ascii_uppercase();
        match Currency::of(&c) {
            Some(c) => Ok(c),
            None => self.err(v.span(), key, format!("`{}` is not a currency this version knows (ISO 4217 code such as USD, EUR, JPY)", v.get_ref())),
        }
    }

    fn int_in(&self, v: &S<i64>, key: &str, lo: i64, hi: i64) -> Result<i64, CampaignError> {
        let x = *v.get_ref();
        if x < lo || x > hi {
            return self.err(v.span(), key, format!("{x} is outside {lo}..={hi}"));
        }
        Ok(x)
    }
}

/// The TOML itself: syntax, unknown keys and wrong types, as the `toml` crate reports them,
/// with the line and the key path.
pub(super) fn syntax(file: &Path, text: &str) -> Result<RawCampaign, CampaignError> {
    toml::from_str(text).map_err(|mut e| {
        let line = e.span().map(|s| {
            text[..s.start.min(text.len())]
                .bytes()
                .filter(|&b| b == b'\n')
                .count()
                + 1
        });
        let message = e.message().trim().to_string();
        // toml keeps the key path private but prints it when it has no input to quote.
        e.set_input(None);
        let key = e
            .to_string()
            .lines()
            .rev()
            .find_map(|l| {
                l.strip_prefix("in `")?
                    .strip_suffix('`')
                    .map(str::to_string)
            })
            .or_else(|| {
                // A repeated key is a syntax error, with no path: its span is the key.
                let span = e.span().filter(|_| message == "duplicate key")?;
                text.get(span).map(|k| k.trim().to_string())
            })
            .unwrap_or_default();
        CampaignError {
            file: file.to_path_buf(),
            line,
            key,
            message,
        }
    })
}

/// The top-level keys: who the campaign is and when and in what currency it counts.
pub(super) struct Identity {
    pub(super) id: String,
    pub(super) name: String,
    pub(super) start: NaiveDate,
    pub(super) end: NaiveDate,
    pub(super) currency: Currency,
    pub(super) lookback_days: i64,
}

/// `id`, `name`, `start`, `end`, `currency` and `lookback_days`.
pub(super) fn identity(cx: &Ctx, raw: &RawCampaign) -> Result<Identity, CampaignError> {
    let id = raw.id.get_ref().trim().to_string();
    if id.is_empty()
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return cx.err(
            raw.id.span(),
            "id",
            "use letters, digits, '-' and '_' only (it names files and directories)",
        );
    }
    let name = raw.name.get_ref().trim().to_string();
    if name.is_empty() {
        return cx.err(raw.name.span(), "name", "must not be empty");
    }
    let start = cx.date(&raw.start, "start")?;
    let end = cx.date(&raw.end, "end")?;
    if end < start {
        return cx.err(
            raw.end.span(),
            "end",
            format!("{end} is before start {start}"),
        );
    }
    let currency = cx.currency(&raw.currency, "currency")?;
    let lookback_days = match &raw.lookback_days {
        Some(v) => cx.int_in(v, "lookback_days", 1, 3650)?,
        None => 90,
    };
    Ok(Identity {
        id,
        name,
        start,
        end,
        currency,
        lookback_days,
    })
}

/// `[fx.CUR]`: dated rates per known currency, each positive, sorted by date.
pub(super) fn fx(
    cx: &Ctx,
    raw: &BTreeMap<String, BTreeMap<String, S<String>>>,
) -> Result<FxTable, CampaignError> {
    let mut fx = FxTable::default();
    for (cur, table) in raw {
        let key = format!("fx.{cur}");
        let code = cur.trim().to_ascii_uppercase();
        if Currency::of(&code).is_none() {
            let span = table.values().next().map(|v| v.span()).unwrap_or(0..0);
            return cx.err(
                span,
                &key,
                format!("`{cur}` is not a currency this version knows"),
            );
        }
        let mut rates = vec![];
        for (date, rate) in table {
            let k = format!("{key}.\"{date}\"");
            let d = NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d").or_else(|_| {
                cx.err(
                    rate.span(),
                    &k,
                    format!("`{date}` is not a date (use YYYY-MM-DD)"),
                )
            })?;
            let r = cx.decimal(rate, &k)?;
            if r <= Decimal::ZERO {
                return cx.err(rate.span(), &k, format!("rate {r} must be positive"));
            }
            rates.push((d, r));
        }
        rates.sort_by_key(|(d, _)| *d);
        fx.rates.insert(code, rates);
    }
    Ok(fx)
}

/// `[[partners]]` with their stages and sources: at least one partner, names unique, every
/// partner with a source; source ids unique across partners (file paths are anchored at
/// `dir`, the campaign file's folder).
pub(super) fn partners(
    cx: &Ctx,
    raw: S<Vec<RawPartner>>,
    dir: &Path,
) -> Result<(Vec<Partner>, Vec<Source>), CampaignError> {
    let mut partners = vec![];
    let mut sources: Vec<Source> = vec![];
    if raw.get_ref().is_empty() {
        return cx.err(
            raw.span(),
            "partners",
            "a campaign needs at least one partner",
        );
    }
    for (pi, p) in raw.into_inner().into_iter().enumerate() {
        let pname = p.name.get_ref().trim().to_string();
        let pkey = format!("partners[{pi}]");
        if pname.is_empty() {
            return cx.err(p.name.span(), &format!("{pkey}.name"), "must not be empty");
        }
        if partners.iter().any(|x: &Partner| x.name == pname) {
            return cx.err(
                p.name.span(),
                &format!("{pkey}.name"),
                format!("partner `{pname}` is listed twice"),
            );
        }
        let stages = stages(cx, &p.stages, &pkey)?;
        if p.sources.is_empty() {
            return cx.err(
                p.name.span(),
                &format!("{pkey}.sources"),
                format!("partner `{pname}` has no sources"),
            );
        }
        for (si, s) in p.sources.into_iter().enumerate() {
            let skey = format!("{pkey}.sources[{si}]");
            let source = source(cx, s, &skey, (pi, &pname), &sources, dir)?;
            sources.push(source);
        }
        partners.push(Partner {
            name: pname,
            role: p.role,
            owner: p.owner,
            fallback_owner: p.fallback_owner,
            owner_unavailable: p.owner_unavailable,
            stages,
        });
    }
    Ok((partners, sources))
}

/// `[partners.stages]`: the partner's stage names (lowercased) to canonical stages.
fn stages(
    cx: &Ctx,
    raw: &BTreeMap<String, S<String>>,
    pkey: &str,
) -> Result<BTreeMap<String, Stage>, CampaignError> {
    let mut stages = BTreeMap::new();
    for (rawname, st) in raw {
        let stage = Stage::parse(st.get_ref().trim()).map_or_else(
            || {
                cx.err(
                    st.span(),
                    &format!("{pkey}.stages.\"{rawname}\""),
                    format!("`{}` is not a canonical stage (lead, mql, sql, opportunity, closed_won, closed_lost)", st.get_ref()),
                )
            },
            Ok,
        )?;
        stages.insert(rawname.trim().to_lowercase(), stage);
    }
    Ok(stages)
}

/// One `[[partners.sources]]` of the partner `(index, name)`; `sources`: those validated
/// before it (for the default id and uniqueness).
fn source(
    cx: &Ctx,
    s: RawSource,
    skey: &str,
    (pi, pname): (usize, &str),
    sources: &[Source],
    dir: &Path,
) -> Result<Source, CampaignError> {
    let kind = match s.kind.get_ref().as_str() {
        "crm" => SourceKind::Crm,
        "map" => SourceKind::Map,
        "analytics" => SourceKind::Analytics,
        other => {
            return cx.err(
                s.kind.span(),
                &format!("{skey}.kind"),
                format!("`{other}` is not a source kind (crm, map, analytics)"),
            );
        }
    };
    let n_same = sources
        .iter()
        .filter(|x| x.partner == pi && x.kind == kind)
        .count();
    let id = match &s.id {
        Some(v) => v.get_ref().trim().to_string(),
        None => format!("{}-{}-{}", slug(pname), kind.name(), n_same + 1),
    };
    if sources.iter().any(|x| x.id == id) {
        let span = s.id.as_ref().map(|v| v.span()).unwrap_or(s.kind.span());
        return cx.err(
            span,
            &format!("{skey}.id"),
            format!("source id `{id}` is used twice"),
        );
    }
    let timezone = match &s.timezone {
        None => chrono_tz::UTC,
        Some(tz) => tz.get_ref().trim().parse::<chrono_tz::Tz>().or_else(|_| {
            cx.err(
                tz.span(),
                &format!("{skey}.timezone"),
                format!(
                    "`{}` is not an IANA time zone (e.g. Europe/Berlin, America/New_York, UTC)",
                    tz.get_ref()
                ),
            )
        })?,
    };
    let freshness_sla_hours = match &s.freshness_sla_hours {
        Some(v) => Some(cx.int_in(v, &format!("{skey}.freshness_sla_hours"), 1, 24 * 3650)? as u64),
        None => None,
    };
    let control_totals = match s.control_totals {
        None => None,
        Some(ct) => Some(control_totals(cx, &ct, skey)?),
    };
    let sha256 = s
        .sha256
        .as_ref()
        .map(|v| check_pin(cx, v, &format!("{skey}.sha256")))
        .transpose()?;
    let file_path = s.file.get_ref().trim();
    if file_path.is_empty() {
        return cx.err(s.file.span(), &format!("{skey}.file"), "must not be empty");
    }
    Ok(Source {
        id,
        partner: pi,
        kind,
        file: dir.join(file_path),
        plugin: s.plugin.get_ref().trim().to_string(),
        sha256,
        timezone,
        freshness_sla_hours,
        params: s
            .params
            .iter()
            .map(|(k, v)| (k.clone(), param_text(v.get_ref())))
            .collect(),
        control_totals,
        limits: limits(cx, s.limits, &format!("{skey}.limits"))?,
    })
}

/// A source's `control_totals`: rows, amount, and a tolerance that is not negative.
fn control_totals(
    cx: &Ctx,
    ct: &RawControlTotals,
    skey: &str,
) -> Result<ControlTotals, CampaignError> {
    Ok(ControlTotals {
        rows: match &ct.rows {
            Some(v) => {
                Some(cx.int_in(v, &format!("{skey}.control_totals.rows"), 0, i64::MAX)? as u64)
            }
            None => None,
        },
        amount: ct
            .amount
            .as_ref()
            .map(|v| cx.decimal(v, &format!("{skey}.control_totals.amount")))
            .transpose()?,
        tolerance: ct
            .tolerance
            .as_ref()
            .map(|v| cx.non_negative(v, &format!("{skey}.control_totals.tolerance")))
            .transpose()?
            .unwrap_or_default(),
    })
}

/// `[targets."PARTNER"]`: for a listed partner, pipeline and revenue targets (not negative),
/// in total and per channel.
pub(super) fn targets(
    cx: &Ctx,
    raw: &BTreeMap<String, S<RawTarget>>,
    partners: &[Partner],
) -> Result<BTreeMap<String, Target>, CampaignError> {
    let mut targets = BTreeMap::new();
    for (pname, t) in raw {
        let key = format!("targets.\"{pname}\"");
        if !partners.iter().any(|p| &p.name == pname) {
            return cx.err(
                t.span(),
                &key,
                format!(
                    "no partner is named `{pname}` (partners: {})",
                    partners
                        .iter()
                        .map(|p| p.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
        }
        let t = t.get_ref();
        let mut channels = BTreeMap::new();
        for (ch, ct) in &t.channels {
            let ck = format!("{key}.channels.{ch}");
            channels.insert(
                ch.clone(),
                (
                    ct.pipeline
                        .as_ref()
                        .map(|v| cx.non_negative(v, &format!("{ck}.pipeline")))
                        .transpose()?,
                    ct.revenue
                        .as_ref()
                        .map(|v| cx.non_negative(v, &format!("{ck}.revenue")))
                        .transpose()?,
                ),
            );
        }
        targets.insert(
            pname.clone(),
            Target {
                pipeline: t
                    .pipeline
                    .as_ref()
                    .map(|v| cx.non_negative(v, &format!("{key}.pipeline")))
                    .transpose()?,
                revenue: t
                    .revenue
                    .as_ref()
                    .map(|v| cx.non_negative(v, &format!("{key}.revenue")))
                    .transpose()?,
                channels,
            },
        );
    }
    Ok(targets)
}

/// `[[spend]]`: a listed partner, an amount that is not negative, in a known currency
/// (`currency`, the campaign's, when none is given).
pub(super) fn spend(
    cx: &Ctx,
    raw: &[RawSpend],
    partners: &[Partner],
    currency: Currency,
) -> Result<Vec<Spend>, CampaignError> {
    let mut spend = vec![];
    for (i, s) in raw.iter().enumerate() {
        let key = format!("spend[{i}]");
        if !partners.iter().any(|p| &p.name == s.partner.get_ref()) {
            return cx.err(
                s.partner.span(),
                &format!("{key}.partner"),
                format!("no partner is named `{}`", s.partner.get_ref()),
            );
        }
        let amount = cx.non_negative(&s.amount, &format!("{key}.amount"))?;
        let cur = match &s.currency {
            Some(c) => cx.currency(c, &format!("{key}.currency"))?.to_string(),
            None => currency.to_string(),
        };
        spend.push(Spend {
            partner: s.partner.get_ref().clone(),
            channel: s.channel.clone(),
            asset: s.asset.clone(),
            amount,
            currency: cur,
        });
    }
    Ok(spend)
}

/// `[[models]]`: names unique, pins well formed, at most one `default = true`.
pub(super) fn models(cx: &Ctx, raw: Vec<RawModel>) -> Result<Vec<ModelEntry>, CampaignError> {
    let mut models = vec![];
    for (i, m) in raw.into_iter().enumerate() {
        let key = format!("models[{i}]");
        let name = m.name.get_ref().trim().to_string();
        if models.iter().any(|x: &ModelEntry| x.name == name) {
            return cx.err(
                m.name.span(),
                &format!("{key}.name"),
                format!("model `{name}` is listed twice"),
            );
        }
        models.push(ModelEntry {
            plugin: m
                .plugin
                .as_ref()
                .map(|p| p.get_ref().trim().to_string())
                .unwrap_or_else(|| name.clone()),
            name,
            sha256: m
                .sha256
                .as_ref()
                .map(|v| check_pin(cx, v, &format!("{key}.sha256")))
                .transpose()?,
            default: m.default,
            agreed: m.agreed,
            params: m
                .params
                .iter()
                .map(|(k, v)| (k.clone(), param_text(v.get_ref())))
                .collect(),
            limits: limits(cx, m.limits, &format!("{key}.limits"))?,
        });
    }
    if models.iter().filter(|m| m.default).count() > 1 {
        return cx.whole(
            "models",
            "more than one model is marked `default = true`; mark exactly one",
        );
    }
    if models.iter().filter(|m| m.agreed).count() > 1 {
        return cx.whole(
            "models",
            "more than one model is marked `agreed = true`; the partners agree on one model: mark exactly one",
        );
    }
    if let (Some(a), Some(d)) = (
        models.iter().find(|m| m.agreed),
        models.iter().find(|m| m.default),
    ) && a.name != d.name
    {
        return cx.whole(
            "models",
            format!(
                "model `{}` is marked `agreed = true` and model `{}` `default = true`: the agreed model is the default, so remove `default = true` from `{}`",
                a.name, d.name, d.name
            ),
        );
    }
    Ok(models)
}

/// `[dedupe]`: the touch window, the opportunity matching rule and its tolerances.
pub(super) fn dedupe(cx: &Ctx, d: &RawDedupe) -> Result<Dedupe, CampaignError> {
    Ok(Dedupe {
        touch_window_minutes: d
            .touch_window_minutes
            .as_ref()
            .map(|v| cx.int_in(v, "dedupe.touch_window_minutes", 0, 7 * 24 * 60))
            .transpose()?
            .unwrap_or(30),
        opportunity_key: match &d.opportunity_key {
            None => OpportunityKey::DomainCloseAmount,
            Some(v) => match v.get_ref().as_str() {
                "id" => OpportunityKey::Id,
                "domain_close_amount" => OpportunityKey::DomainCloseAmount,
                other => {
                    return cx.err(
                        v.span(),
                        "dedupe.opportunity_key",
                        format!("`{other}` is not a matching rule (id, domain_close_amount)"),
                    );
                }
            },
        },
        close_within_days: d
            .close_within_days
            .as_ref()
            .map(|v| cx.int_in(v, "dedupe.close_within_days", 0, 365))
            .transpose()?
            .unwrap_or(7),
        amount_tolerance: d
            .amount_tolerance
            .as_ref()
            .map(|v| cx.non_negative(v, "dedupe.amount_tolerance"))
            .transpose()?
            .unwrap_or(Decimal::new(1, 2)),
    })
}

/// `[reconcile]`: what a deal without an FX rate does.
pub(super) fn reconcile(cx: &Ctx, r: &RawReconcile) -> Result<Reconcile, CampaignError> {
    Ok(Reconcile {
        missing_fx: match &r.missing_fx {
            None => MissingFx::Stop,
            Some(v) => match v.get_ref().as_str() {
                "stop" => MissingFx::Stop,
                "reject" => MissingFx::Reject,
                other => {
                    return cx.err(
                        v.span(),
                        "reconcile.missing_fx",
                        format!("`{other}` is not a policy for a missing FX rate (stop, reject)"),
                    );
                }
            },
        },
    })
}

/// `[guardrails]`: retry limit, minimum confidence (0..=1), the sourcing window.
pub(super) fn guardrails(cx: &Ctx, g: &RawGuardrails) -> Result<Guardrails, CampaignError> {
    Ok(Guardrails {
        retry_limit: g
            .retry_limit
            .as_ref()
            .map(|v| cx.int_in(v, "guardrails.retry_limit", 0, 10))
            .transpose()?
            .unwrap_or(2) as u32,
        min_confidence: match &g.min_confidence {
            Some(v) if !(0.0..=1.0).contains(v.get_ref()) => {
                return cx.err(
                    v.span(),
                    "guardrails.min_confidence",
                    format!("{} is outside 0..=1", v.get_ref()),
                );
            }
            Some(v) => *v.get_ref(),
            None => 0.6,
        },
        sourced_within_days: g
            .sourced_within_days
            .as_ref()
            .map(|v| cx.int_in(v, "guardrails.sourced_within_days", 0, 3650))
            .transpose()?
            .unwrap_or(30),
    })
}

/// `[escalation]`: the ladder (default [`DEFAULT_LADDER`]; never empty), fallbacks and who
/// is unavailable.
pub(super) fn escalation(cx: &Ctx, e: RawEscalation) -> Result<Escalation, CampaignError> {
    let ladder = e
        .ladder
        .unwrap_or_else(|| DEFAULT_LADDER.iter().map(|s| s.to_string()).collect());
    if ladder.is_empty() {
        return cx.whole("escalation.ladder", "the ladder needs at least one rung");
    }
    Ok(Escalation {
        ladder,
        fallbacks: e.fallbacks,
        unavailable: e.unavailable,
    })
}

/// `[privacy]`: the salt for person keys, by default derived from the campaign `id`.
pub(super) fn privacy(p: RawPrivacy, id: &str) -> String {
    p.salt.unwrap_or_else(|| format!("ascribe:{id}"))
}

/// A source's or model's `limits`: overrides of the sandbox defaults, within the caps (an
/// error has no line: the limits are checked together).
pub(super) fn limits(cx: &Ctx, l: Option<RawLimits>, key: &str) -> Result<Limits, CampaignError> {
    match l {
        None => Ok(Limits::default()),
        Some(l) => Limits::default()
            .with_overrides(l.memory_mib, l.time_ms, l.fuel)
            .and_then(|x| x.with_host_memory(l.host_memory_mib))
            .or_else(|m| cx.whole(key, m)),
    }
}

/// A `sha256` pin: `sha256:` and 64 hex digits, stored lowercase.
fn check_pin(cx: &Ctx, v: &S<String>, key: &str) -> Result<String, CampaignError> {
    let s = v.get_ref().trim();
    let hexpart = s.strip_prefix("sha256:").unwrap_or("");
    if hexpart.len() != 64 || !hexpart.bytes().all(|b| b.is_ascii_hexdigit()) {
        return cx.err(
            v.span(),
            key,
            format!("`{s}` is not a pin (write sha256: followed by 64 hex digits)"),
        );
    }
    Ok(format!("sha256:{}", hexpart.to_ascii_lowercase()))
}

/// A plugin parameter as the plugin gets it: strings as they are, other values as TOML.
fn param_text(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
