//! The campaign's shared taxonomy: ordered `[[channels]]` rules that give every touch its
//! channel (and channel group) across partners, and `[[assets]]` rules that give one name
//! to the spellings of an asset. The first rule that matches wins.
//!
//! ```toml
//! [[channels]]
//! channel = "paid_search"
//! group = "paid"
//! medium = { regex = "^(cpc|ppc|paid.*)$" }
//!
//! [[assets]]
//! asset = "tour-berlin"
//! raw_asset = { regex = "^/?tour-berlin/?$" }
//! ```
//!
//! A rule matches when every field it names matches (a field it does not name matches
//! anything; a rule naming none matches every touch). A field is the touch's `source`,
//! `medium`, `campaign`, `partner` (any of the partners that reported it), `raw_channel`
//! (the channel its normalizer gave) or `raw_asset`; its matcher is a string (exact), or
//! `{ exact = "…" }`, `{ prefix = "…" }` (both ignore ASCII case) or `{ regex = "…" }` (as
//! written; `(?i)` for case-insensitive). The value `"{raw_channel}"` (`"{raw_asset}"`)
//! keeps the touch's own. Rules are checked when the campaign is read: an invalid regex, an
//! unknown key, or a rule an earlier rule shadows (it matches every touch the later one
//! would) is an error naming its line.
//!
//! Without `[[channels]]`, [`DEFAULT_CHANNELS`] applies: GA4's default channel groups over
//! source and medium, then the normalizer's own channel. Touches no rule matches get the
//! channel `unassigned`; without `[[assets]]`, assets are kept as the normalizers give them.

use serde::Deserialize;

use super::CampaignError;
use super::raw::S;
use super::validate::Ctx;

/// The touch fields a rule can match.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Source,
    Medium,
    Campaign,
    Partner,
    RawChannel,
    RawAsset,
}

impl Field {
    pub const ALL: [Field; 6] = [
        Field::Source,
        Field::Medium,
        Field::Campaign,
        Field::Partner,
        Field::RawChannel,
        Field::RawAsset,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Field::Source => "source",
            Field::Medium => "medium",
            Field::Campaign => "campaign",
            Field::Partner => "partner",
            Field::RawChannel => "raw_channel",
            Field::RawAsset => "raw_asset",
        }
    }
}

/// How a field's value is matched.
#[derive(Clone, Debug)]
pub enum Matcher {
    /// Equal, ignoring ASCII case.
    Exact(String),
    /// Starts with, ignoring ASCII case.
    Prefix(String),
    Regex(regex::Regex),
}

impl Matcher {
    pub fn matches(&self, value: &str) -> bool {
        match self {
            Matcher::Exact(e) => value.eq_ignore_ascii_case(e),
            Matcher::Prefix(p) => {
                value.len() >= p.len()
                    && value.as_bytes()[..p.len()].eq_ignore_ascii_case(p.as_bytes())
            }
            Matcher::Regex(r) => r.is_match(value),
        }
    }

    /// Whether every value `other` matches, this one matches too (when that can be
    /// decided: a regex is only compared with an exact value).
    fn covers(&self, other: &Matcher) -> bool {
        match (self, other) {
            (_, Matcher::Exact(e)) => self.matches(e),
            (Matcher::Prefix(_), Matcher::Prefix(q)) => self.matches(q),
            (Matcher::Regex(a), Matcher::Regex(b)) => a.as_str() == b.as_str(),
            _ => false,
        }
    }

    /// As written in the campaign file, for the plan and the docs.
    pub fn describe(&self) -> String {
        match self {
            Matcher::Exact(e) => format!("{e:?}"),
            Matcher::Prefix(p) => format!("prefix {p:?}"),
            Matcher::Regex(r) => format!("regex {:?}", r.as_str()),
        }
    }
}

/// What a rule gives the touch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// This name.
    Name(String),
    /// The touch's own value (`"{raw_channel}"`, `"{raw_asset}"`).
    Raw,
}

/// One rule: where it is written, what it matches, what it sets.
#[derive(Clone, Debug)]
pub struct Rule {
    /// Its line in the campaign file (0 for a built-in default).
    pub line: usize,
    pub when: Vec<(Field, Matcher)>,
    pub set: Target,
    /// The channel group (channel rules only).
    pub group: Option<String>,
}

impl Rule {
    /// `get` gives a field's values for the touch (several for `partner`).
    pub fn matches<'a>(&self, get: &impl Fn(Field) -> Vec<&'a str>) -> bool {
        self.when
            .iter()
            .all(|(f, m)| get(*f).iter().any(|v| m.matches(v)))
    }

    /// Whether this rule matches every touch `later` matches.
    fn shadows(&self, later: &Rule) -> bool {
        self.when
            .iter()
            .all(|(f, m)| later.when.iter().any(|(g, n)| g == f && m.covers(n)))
    }

    /// The rule as one line, for the plan and `plugin`-style listings.
    pub fn describe(&self, what: &str) -> String {
        let set = match &self.set {
            Target::Name(n) => format!("{n:?}"),
            Target::Raw => format!("the {what} as the normalizer gives it"),
        };
        let when: Vec<String> = self
            .when
            .iter()
            .map(|(f, m)| format!("{} {}", f.name(), m.describe()))
            .collect();
        let group = self
            .group
            .as_ref()
            .map(|g| format!(" (group {g:?})"))
            .unwrap_or_default();
        if when.is_empty() {
            format!("every touch → {what} {set}{group}")
        } else {
            format!("{} → {what} {set}{group}", when.join(" and "))
        }
    }
}

/// The validated taxonomy of a campaign.
#[derive(Clone, Debug)]
pub struct Taxonomy {
    pub channels: Vec<Rule>,
    /// The channel rules are [`DEFAULT_CHANNELS`] (the file gives none).
    pub default_channels: bool,
    pub assets: Vec<Rule>,
}

/// The channel of touches no rule matches.
pub const UNASSIGNED: &str = "unassigned";

/// The channel rules when a campaign gives none: GA4's default channel groups
/// (support.google.com/analytics/answer/9756891) over a touch's source and medium, named
/// as the GA4 normalizer names them, then the normalizer's own channel for the touches that
/// carry no web source and medium (CRM and marketing-automation touches).
pub const DEFAULT_CHANNELS: &str = include_str!("default_channels.toml");

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RawRule {
    pub channel: Option<S<String>>,
    pub group: Option<S<String>>,
    pub asset: Option<S<String>>,
    pub source: Option<S<RawMatch>>,
    pub medium: Option<S<RawMatch>>,
    pub campaign: Option<S<RawMatch>>,
    pub partner: Option<S<RawMatch>>,
    pub raw_channel: Option<S<RawMatch>>,
    pub raw_asset: Option<S<RawMatch>>,
}

#[derive(Deserialize, Debug)]
#[serde(untagged)]
pub enum RawMatch {
    Exact(String),
    Op(RawOp),
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RawOp {
    pub exact: Option<String>,
    pub prefix: Option<String>,
    pub regex: Option<String>,
}

/// What a touch filter can match: the touch after the taxonomy (its final channel and
/// asset).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FilterField {
    Channel,
    Partner,
    Asset,
    TouchType,
}

impl FilterField {
    pub const ALL: [FilterField; 4] = [
        FilterField::Channel,
        FilterField::Partner,
        FilterField::Asset,
        FilterField::TouchType,
    ];

    pub fn name(self) -> &'static str {
        match self {
            FilterField::Channel => "channel",
            FilterField::Partner => "partner",
            FilterField::Asset => "asset",
            FilterField::TouchType => "touch_type",
        }
    }

    pub fn parse(s: &str) -> Option<FilterField> {
        FilterField::ALL.into_iter().find(|f| f.name() == s)
    }
}

/// One touch filter: `[filters] exclude = [{ channel = "direct" }]` in the campaign file, or
/// `--exclude channel=direct` on the command line. Touches an `exclude` matches are left out
/// of attribution; when there are `include` filters, so is every touch none of them matches.
///
/// An exclude filter may be a *journey* filter instead: scoped to one model (`model =
/// "last-touch"`) or passing over its touches only where the journey has something else
/// (`unless_alone = true`). Those are applied to each model's journeys as they are built for
/// it (`pipeline/attribute/pass_over.rs`), not to the dataset. Last touch's documented
/// default, "last non-direct", is one: [`Filter::last_non_direct`].
#[derive(Clone, Debug)]
pub struct Filter {
    pub exclude: bool,
    /// Where it was given: `line N` of the campaign file, or the flag.
    pub origin: String,
    pub when: Vec<(FilterField, Matcher)>,
    /// Only the journeys of the model with this name (its plugin's `info` name).
    pub model: Option<String>,
    /// Keep a journey's matched touches when nothing else is left of it.
    pub unless_alone: bool,
}

impl Filter {
    pub fn matches<'a>(&self, get: &impl Fn(FilterField) -> Vec<&'a str>) -> bool {
        self.when
            .iter()
            .all(|(f, m)| get(*f).iter().any(|v| m.matches(v)))
    }

    /// `exclude channel "direct" (--exclude)`, for the report and the plan.
    pub fn describe(&self) -> String {
        let when: Vec<String> = self
            .when
            .iter()
            .map(|(f, m)| format!("{} {}", f.name(), m.describe()))
            .collect();
        format!(
            "{} {}{}{} ({})",
            if self.exclude { "exclude" } else { "include" },
            when.join(" and "),
            match &self.model {
                Some(m) => format!(" from {m}'s journeys"),
                None => String::new(),
            },
            if self.unless_alone {
                ", unless the journey has nothing else"
            } else {
                ""
            },
            self.origin
        )
    }

    /// Whether the filter leaves touches out of the dataset (every model, every journey),
    /// rather than out of some journeys.
    pub fn is_dataset_wide(&self) -> bool {
        self.model.is_none() && !self.unless_alone
    }

    /// Last touch's default, "last non-direct" (GA4's cross-channel last click): its
    /// journeys pass over `direct` touches unless a journey has nothing else. A campaign
    /// that scopes any filter to `last-touch` replaces it; `[filters] model_defaults =
    /// false` drops it.
    pub fn last_non_direct() -> Filter {
        Filter {
            exclude: true,
            origin: "last-touch's default: last non-direct".into(),
            when: vec![(FilterField::Channel, Matcher::Exact("direct".into()))],
            model: Some("last-touch".into()),
            unless_alone: true,
        }
    }

    /// A filter from a flag: `channel=direct` (exact, ignoring ASCII case).
    pub fn from_flag(text: &str, exclude: bool) -> Result<Filter, String> {
        let flag = if exclude { "--exclude" } else { "--include" };
        let (k, v) = text.split_once('=').ok_or_else(|| {
            format!("{flag} takes FIELD=VALUE (fields: channel, partner, asset, touch_type), not `{text}`")
        })?;
        let field = FilterField::parse(k.trim()).ok_or_else(|| {
            format!("{flag}: `{}` is not a field a filter can match: channel, partner, asset or touch_type", k.trim())
        })?;
        if v.trim().is_empty() {
            return Err(format!("{flag} {k}=: the value is empty"));
        }
        Ok(Filter {
            exclude,
            origin: flag.to_string(),
            when: vec![(field, Matcher::Exact(v.trim().to_string()))],
            model: None,
            unless_alone: false,
        })
    }
}

#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
pub struct RawFilters {
    #[serde(default)]
    pub exclude: Vec<S<RawFilter>>,
    #[serde(default)]
    pub include: Vec<S<RawFilter>>,
    /// Whether the models' default journey filters apply (last touch's last non-direct).
    pub model_defaults: Option<bool>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct RawFilter {
    pub channel: Option<S<RawMatch>>,
    pub partner: Option<S<RawMatch>>,
    pub asset: Option<S<RawMatch>>,
    pub touch_type: Option<S<RawMatch>>,
    pub model: Option<S<String>>,
    pub unless_alone: Option<S<bool>>,
}

/// Validates `[filters]`: each filter names at least one field.
pub(super) fn filters(cx: &Ctx, raw: &RawFilters) -> Result<Vec<Filter>, CampaignError> {
    let mut out = vec![];
    for (list, exclude) in [(&raw.exclude, true), (&raw.include, false)] {
        for f in list {
            let r = f.get_ref();
            let mut when = vec![];
            for field in FilterField::ALL {
                let m = match field {
                    FilterField::Channel => &r.channel,
                    FilterField::Partner => &r.partner,
                    FilterField::Asset => &r.asset,
                    FilterField::TouchType => &r.touch_type,
                };
                if let Some(m) = m {
                    when.push((field, matcher(cx, m, field.name())?));
                }
            }
            let key = if exclude {
                "filters.exclude"
            } else {
                "filters.include"
            };
            if when.is_empty() {
                return cx.err(
                    f.span(),
                    key,
                    "the filter names no field: give channel, partner, asset or touch_type",
                );
            }
            if !exclude && let Some(u) = &r.unless_alone {
                return cx.err(
                    u.span(),
                    "filters.include.unless_alone",
                    "only an exclude filter can pass over touches unless a journey has nothing else; move it to `exclude`",
                );
            }
            let model = match &r.model {
                Some(m) if m.get_ref().trim().is_empty() => {
                    return cx.err(m.span(), &format!("{key}.model"), "the model name is empty");
                }
                Some(m) if !exclude => {
                    return cx.err(
                        m.span(),
                        "filters.include.model",
                        "an include filter applies to every model; scope an exclude filter to a model instead",
                    );
                }
                Some(m) => Some(m.get_ref().trim().to_string()),
                None => None,
            };
            out.push(Filter {
                exclude,
                origin: format!("line {}", cx.line_of(f.span())),
                when,
                model,
                unless_alone: r.unless_alone.as_ref().is_some_and(|u| *u.get_ref()),
            });
        }
    }
    // Last touch's default, unless the file gives last-touch filters of its own or turns
    // the models' defaults off.
    if raw.model_defaults != Some(false)
        && !out.iter().any(|f| f.model.as_deref() == Some("last-touch"))
    {
        out.push(Filter::last_non_direct());
    }
    Ok(out)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Defaults {
    channels: Vec<S<RawRule>>,
}

/// The longest regex accepted, and the size its compiled form may take: a campaign file is
/// a partner's input too, and a rule must not cost the run its memory.
const REGEX_MAX_LEN: usize = 1000;
const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// Validates the `[[channels]]` and `[[assets]]` rules of a campaign file.
pub(super) fn taxonomy(
    cx: &Ctx,
    channels: &[S<RawRule>],
    assets: &[S<RawRule>],
) -> Result<Taxonomy, CampaignError> {
    let (channels, default_channels) = if channels.is_empty() {
        let text = DEFAULT_CHANNELS;
        let d: Defaults = toml::from_str(text).expect("the built-in channel rules parse");
        let builtin = Ctx {
            file: std::path::Path::new("<built-in channel rules>"),
            text,
        };
        let mut rules = rule_list(&builtin, &d.channels, Kind::Channel)
            .expect("the built-in channel rules are valid");
        for r in &mut rules {
            r.line = 0;
        }
        (rules, true)
    } else {
        (rule_list(cx, channels, Kind::Channel)?, false)
    };
    Ok(Taxonomy {
        channels,
        default_channels,
        assets: rule_list(cx, assets, Kind::Asset)?,
    })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Channel,
    Asset,
}

fn rule_list(cx: &Ctx, raw: &[S<RawRule>], kind: Kind) -> Result<Vec<Rule>, CampaignError> {
    let mut rules: Vec<Rule> = vec![];
    for r in raw {
        let rule = one_rule(cx, r, kind)?;
        if let Some(earlier) = rules.iter().find(|e| e.shadows(&rule)) {
            let table = if kind == Kind::Channel {
                "channels"
            } else {
                "assets"
            };
            return cx.err(
                r.span(),
                table,
                format!(
                    "this rule can never match: the rule at line {} matches every touch it would ({}); move it above that rule or narrow that rule",
                    earlier.line,
                    earlier.describe(if kind == Kind::Channel { "channel" } else { "asset" })
                ),
            );
        }
        rules.push(rule);
    }
    Ok(rules)
}

fn one_rule(cx: &Ctx, r: &S<RawRule>, kind: Kind) -> Result<Rule, CampaignError> {
    let span = r.span();
    let line = cx.line_of(span.clone());
    let rule = r.get_ref();
    let (table, out, raw_key) = match kind {
        Kind::Channel => ("channels", &rule.channel, "{raw_channel}"),
        Kind::Asset => ("assets", &rule.asset, "{raw_asset}"),
    };
    let (wrong, wrong_key) = match kind {
        Kind::Channel => (&rule.asset, "asset"),
        Kind::Asset => (&rule.channel, "channel"),
    };
    if let Some(w) = wrong {
        return cx.err(
            w.span(),
            table,
            format!("a [[{table}]] rule sets no `{wrong_key}`; give it in a [[{wrong_key}s]] rule"),
        );
    }
    if kind == Kind::Asset
        && let Some(g) = &rule.group
    {
        return cx.err(
            g.span(),
            table,
            "`group` is for [[channels]] rules (a channel group)",
        );
    }
    let what = if kind == Kind::Channel {
        "channel"
    } else {
        "asset"
    };
    let Some(out) = out else {
        return cx.err(
            span,
            table,
            format!("the rule sets no `{what}`: add `{what} = \"…\"`"),
        );
    };
    let set = match out.get_ref().trim() {
        "" => return cx.err(out.span(), what, "is empty"),
        v if v == raw_key => Target::Raw,
        v if v.starts_with('{') => {
            return cx.err(
                out.span(),
                what,
                format!(
                    "`{v}` is not a known placeholder: `{raw_key}` keeps the touch's own {what}"
                ),
            );
        }
        v => Target::Name(v.to_string()),
    };
    let group = match &rule.group {
        Some(g) if g.get_ref().trim().is_empty() => return cx.err(g.span(), "group", "is empty"),
        Some(g) => Some(g.get_ref().trim().to_string()),
        None => None,
    };
    let mut when = vec![];
    for f in Field::ALL {
        let m = match f {
            Field::Source => &rule.source,
            Field::Medium => &rule.medium,
            Field::Campaign => &rule.campaign,
            Field::Partner => &rule.partner,
            Field::RawChannel => &rule.raw_channel,
            Field::RawAsset => &rule.raw_asset,
        };
        if let Some(m) = m {
            when.push((f, matcher(cx, m, f.name())?));
        }
    }
    Ok(Rule {
        line,
        when,
        set,
        group,
    })
}

fn matcher(cx: &Ctx, m: &S<RawMatch>, key: &str) -> Result<Matcher, CampaignError> {
    match m.get_ref() {
        RawMatch::Exact(s) => Ok(Matcher::Exact(s.clone())),
        RawMatch::Op(op) => match (&op.exact, &op.prefix, &op.regex) {
            (Some(e), None, None) => Ok(Matcher::Exact(e.clone())),
            (None, Some(p), None) if !p.is_empty() => Ok(Matcher::Prefix(p.clone())),
            (None, Some(_), None) => cx.err(
                m.span(),
                key,
                "an empty prefix matches everything: leave the field out",
            ),
            (None, None, Some(r)) => {
                if r.len() > REGEX_MAX_LEN {
                    return cx.err(
                        m.span(),
                        key,
                        format!("the regex is longer than {REGEX_MAX_LEN} characters"),
                    );
                }
                regex::RegexBuilder::new(r)
                    .size_limit(REGEX_SIZE_LIMIT)
                    .build()
                    .map(Matcher::Regex)
                    .or_else(|e| {
                        let why = e
                            .to_string()
                            .lines()
                            .last()
                            .unwrap_or_default()
                            .trim()
                            .to_string();
                        cx.err(m.span(), key, format!("invalid regex {r:?}: {why}"))
                    })
            }
            _ => cx.err(
                m.span(),
                key,
                "give one of `exact`, `prefix` or `regex`, e.g. { regex = \"^cpc$\" }",
            ),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Taxonomy, String> {
        let full = format!(
            "id = \"t\"\nname = \"T\"\nstart = \"2026-01-01\"\nend = \"2026-01-31\"\ncurrency = \"USD\"\n\
             [[partners]]\nname = \"A\"\n[[partners.sources]]\nid = \"s\"\nkind = \"crm\"\nfile = \"x.csv\"\nplugin = \"salesforce\"\n{text}"
        );
        super::super::parse(std::path::Path::new("c.toml"), &full)
            .map(|c| c.taxonomy)
            .map_err(|e| e.to_string())
    }

    fn get<'a>(fields: &'a [(Field, &'a str)]) -> impl Fn(Field) -> Vec<&'a str> {
        move |f| {
            fields
                .iter()
                .filter(|(g, _)| *g == f)
                .map(|(_, v)| *v)
                .collect()
        }
    }

    fn first<'r>(rules: &'r [Rule], fields: &[(Field, &str)]) -> Option<&'r Rule> {
        let g = get(fields);
        rules.iter().find(|r| r.matches(&g))
    }

    #[test]
    fn the_first_matching_rule_wins_and_each_matcher_matches_as_documented() {
        let t = parse(
            "[[channels]]\nchannel = \"paid_search\"\ngroup = \"paid\"\nmedium = { regex = \"^(cpc|ppc)$\" }\n\
             [[channels]]\nchannel = \"events\"\nraw_channel = { prefix = \"EVENT\" }\n\
             [[channels]]\nchannel = \"partner-a\"\npartner = \"a\"\n\
             [[channels]]\nchannel = \"{raw_channel}\"\n",
        )
        .unwrap();
        assert!(!t.default_channels);
        let set = |f: &[(Field, &str)]| first(&t.channels, f).map(|r| (r.set.clone(), r.line));
        let name = |n: &str, l| Some((Target::Name(n.into()), l));
        // Lines: the rules start at lines 13, 17, 20, 23 of the full text (12 lines before).
        assert_eq!(
            set(&[(Field::Medium, "cpc"), (Field::RawChannel, "event")]),
            name("paid_search", 13)
        );
        // Regexes are as written: `CPC` is not `cpc`.
        assert_eq!(
            set(&[(Field::Medium, "CPC"), (Field::RawChannel, "events-emea")]),
            name("events", 17)
        );
        // Exact ignores ASCII case; a touch of two partners matches either.
        assert_eq!(
            set(&[(Field::Partner, "B"), (Field::Partner, "A")]),
            name("partner-a", 20)
        );
        assert_eq!(
            set(&[(Field::RawChannel, "webinar")]),
            Some((Target::Raw, 23))
        );
        assert_eq!(t.channels[0].group.as_deref(), Some("paid"));
        assert!(t.assets.is_empty());
    }

    #[test]
    fn bad_rules_name_their_line() {
        let e =
            parse("[[channels]]\nchannel = \"x\"\nmedium = { regex = \"(cpc\" }\n").unwrap_err();
        assert!(
            e.starts_with("c.toml:15: `medium`: invalid regex \"(cpc\""),
            "{e}"
        );
        let e = parse("[[channels]]\nchannel = \"x\"\nreferrer = \"a\"\n").unwrap_err();
        assert!(
            e.contains("c.toml:") && e.contains("unknown field `referrer`"),
            "{e}"
        );
        let e =
            parse("[[channels]]\nchannel = \"x\"\nmedium = { prefix = \"c\", regex = \"d\" }\n")
                .unwrap_err();
        assert!(
            e.contains("give one of `exact`, `prefix` or `regex`"),
            "{e}"
        );
        // Shadowed: the first rule (prefix "paid") matches every medium "paid_social".
        let e = parse(
            "[[channels]]\nchannel = \"paid\"\nmedium = { prefix = \"paid\" }\n\
             [[channels]]\nchannel = \"paid_social\"\nmedium = \"paid_social\"\nsource = \"linkedin\"\n",
        )
        .unwrap_err();
        assert!(
            e.starts_with("c.toml:16: `channels`: this rule can never match: the rule at line 13 matches every touch it would"),
            "{e}"
        );
        // A catch-all shadows everything after it.
        let e = parse("[[channels]]\nchannel = \"{raw_channel}\"\n[[channels]]\nchannel = \"x\"\nmedium = \"y\"\n").unwrap_err();
        assert!(e.contains("c.toml:15") && e.contains("line 13"), "{e}");
        let e = parse("[[assets]]\nchannel = \"x\"\n").unwrap_err();
        assert!(e.contains("a [[assets]] rule sets no `channel`"), "{e}");
        let e = parse("[[channels]]\nmedium = \"x\"\n").unwrap_err();
        assert!(e.contains("the rule sets no `channel`"), "{e}");
        let e = parse("[[channels]]\nchannel = \"{raw}\"\n").unwrap_err();
        assert!(e.contains("`{raw}` is not a known placeholder"), "{e}");
        // A regex that only looks the same is not judged: it may match what the other does not.
        parse("[[channels]]\nchannel = \"a\"\nmedium = { regex = \"^c\" }\n[[channels]]\nchannel = \"b\"\nmedium = { prefix = \"c\" }\n").unwrap();
    }

    #[test]
    fn without_channel_rules_the_ga4_defaults_apply_then_the_raw_channel() {
        let t = parse("").unwrap();
        assert!(t.default_channels);
        let set = |f: &[(Field, &str)]| first(&t.channels, f).map(|r| r.set.clone());
        let n = |s: &str| Some(Target::Name(s.into()));
        assert_eq!(
            set(&[(Field::Source, "google"), (Field::Medium, "cpc")]),
            n("paid_search")
        );
        assert_eq!(
            set(&[(Field::Source, "(direct)"), (Field::Medium, "(none)")]),
            n("direct")
        );
        assert_eq!(
            set(&[(Field::Source, "google"), (Field::Medium, "organic")]),
            n("organic_search")
        );
        assert_eq!(
            set(&[(Field::Source, "newsletter"), (Field::Medium, "email")]),
            n("email")
        );
        assert_eq!(
            set(&[
                (Field::Source, "partner.example"),
                (Field::Medium, "referral")
            ]),
            n("referral")
        );
        assert_eq!(
            set(&[(Field::Source, "linkedin"), (Field::Medium, "social")]),
            n("organic_social")
        );
        // A CRM touch with no web source or medium keeps its normalizer's channel.
        assert_eq!(
            set(&[
                (Field::Source, ""),
                (Field::Medium, ""),
                (Field::RawChannel, "webinar")
            ]),
            Some(Target::Raw)
        );
    }
}
