//! The GA4 BigQuery export as newline-delimited JSON (see `docs/normalizers/ga4.md`).
//!
//! Each non-blank line is one `events_*` row and one data row. Lines are parsed with
//! serde_json into borrowed structs that name only the fields this plugin reads; every
//! other field (device, items, user_properties, …) is skipped without being built.
//! A line is mapped whole or rejected whole: invalid JSON, an event that is neither a touch
//! nor a key event, no user, or a bad timestamp is a reject naming the JSON field.

use std::borrow::Cow;
use std::cell::Cell;
use std::fmt;
use std::marker::PhantomData;

use ascribe_sdk::csv::Decoder;
use ascribe_sdk::lines::{DEFAULT_MAX_LINE_BYTES, Line, LineReader};
use ascribe_sdk::normalizer::{
    Batch, Info, NormalizeError, Normalizer, SourceInfo, StageEvent, Subject, Touch,
};
use ascribe_sdk::time::from_epoch_micros;
use ascribe_sdk::{ParamSpec, Params};
use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};

/// A JSON string, borrowed from the line unless it holds escapes.
struct Str<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Str<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Str<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Str<'a>, E> {
                Ok(Str(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Str<'a>, E> {
                Ok(Str(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Str<'a>, E> {
                Ok(Str(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V(PhantomData))
    }
}

/// A JSON scalar: BigQuery writes INT64 as a string or a number depending on the tool.
enum Scalar<'a> {
    Str(Cow<'a, str>),
    Int(i64),
    UInt(u64),
    Float(f64),
    Bool(bool),
}

impl<'de: 'a, 'a> Deserialize<'de> for Scalar<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Scalar<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string or a number")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Scalar<'a>, E> {
                Ok(Scalar::Str(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar<'a>, E> {
                Ok(Scalar::Str(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Scalar<'a>, E> {
                Ok(Scalar::Str(Cow::Owned(v)))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar<'a>, E> {
                Ok(Scalar::Int(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar<'a>, E> {
                Ok(Scalar::UInt(v))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Scalar<'a>, E> {
                Ok(Scalar::Float(v))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Scalar<'a>, E> {
                Ok(Scalar::Bool(v))
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

impl<'a> Scalar<'a> {
    fn text(&self) -> Cow<'_, str> {
        match self {
            Scalar::Str(s) => Cow::Borrowed(s),
            Scalar::Int(v) => Cow::Owned(v.to_string()),
            Scalar::UInt(v) => Cow::Owned(v.to_string()),
            Scalar::Float(v) => Cow::Owned(v.to_string()),
            Scalar::Bool(v) => Cow::Borrowed(if *v { "true" } else { "false" }),
        }
    }

    /// Whole microseconds since the epoch.
    fn micros(&self) -> Result<i64, String> {
        let bad = || format!("`{}` is not a whole number of microseconds", self.text());
        match self {
            Scalar::Int(v) => Ok(*v),
            Scalar::UInt(v) => {
                i64::try_from(*v).map_err(|_| format!("timestamp {v} µs is out of range"))
            }
            Scalar::Float(v) if v.fract() == 0.0 && v.abs() < 9.0e18 => Ok(*v as i64),
            Scalar::Str(s) => s.trim().parse::<i64>().map_err(|_| bad()),
            _ => Err(bad()),
        }
    }
}

/// One `events_*` row: only the fields this plugin reads.
#[derive(Default)]
struct Event<'a> {
    event_name: Option<Str<'a>>,
    event_timestamp: Option<Scalar<'a>>,
    user_id: Option<Str<'a>>,
    user_pseudo_id: Option<Str<'a>>,
    event_params: Option<Vec<EventParam<'a>>>,
    session_traffic_source_last_click: Option<SessionLastClick<'a>>,
    collected_traffic_source: Option<CollectedTrafficSource<'a>>,
    traffic_source: Option<TrafficSource<'a>>,
    geo: Option<Geo<'a>>,
}

/// Reads an [`Event`] and notes in `field` which top-level field it is reading, so a
/// value of the wrong shape is rejected naming that field. Every other field is skipped.
struct EventSeed<'c> {
    field: &'c Cell<&'static str>,
}

impl<'de, 'c> DeserializeSeed<'de> for EventSeed<'c> {
    type Value = Event<'de>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Event<'de>, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, 'c> Visitor<'de> for EventSeed<'c> {
    type Value = Event<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object (one GA4 event)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Event<'de>, A::Error> {
        fn put<'de, A: MapAccess<'de>, T: Deserialize<'de>>(
            map: &mut A,
            field: &Cell<&'static str>,
            name: &'static str,
            slot: &mut Option<T>,
        ) -> Result<(), A::Error> {
            field.set(name);
            if slot.is_some() {
                return Err(de::Error::duplicate_field(name));
            }
            // `null` leaves the slot empty, like an absent field.
            *slot = map.next_value::<Option<T>>()?;
            field.set("");
            Ok(())
        }
        let mut ev = Event::default();
        let f = self.field;
        while let Some(key) = map.next_key::<Str<'de>>()? {
            match &*key.0 {
                "event_name" => put(&mut map, f, "event_name", &mut ev.event_name)?,
                "event_timestamp" => put(&mut map, f, "event_timestamp", &mut ev.event_timestamp)?,
                "user_id" => put(&mut map, f, "user_id", &mut ev.user_id)?,
                "user_pseudo_id" => put(&mut map, f, "user_pseudo_id", &mut ev.user_pseudo_id)?,
                "event_params" => put(&mut map, f, "event_params", &mut ev.event_params)?,
                "session_traffic_source_last_click" => put(
                    &mut map,
                    f,
                    "session_traffic_source_last_click",
                    &mut ev.session_traffic_source_last_click,
                )?,
                "collected_traffic_source" => put(
                    &mut map,
                    f,
                    "collected_traffic_source",
                    &mut ev.collected_traffic_source,
                )?,
                "traffic_source" => put(&mut map, f, "traffic_source", &mut ev.traffic_source)?,
                "geo" => put(&mut map, f, "geo", &mut ev.geo)?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(ev)
    }
}

/// Declares a JSON object read field by field: every field optional (absent and `null`
/// alike are `None`), unknown fields skipped unbuilt, and only an object accepted (serde's
/// derive would also take an array).
macro_rules! json_object {
    ($(#[$m:meta])* struct $name:ident<$lt:lifetime> { $($field:ident: $ty:ty,)* }) => {
        $(#[$m])*
        #[derive(Default)]
        struct $name<$lt> {
            $($field: Option<$ty>,)*
        }

        impl<'de: $lt, $lt> Deserialize<'de> for $name<$lt> {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V<$lt>(PhantomData<&$lt ()>);
                impl<'de: $lt, $lt> Visitor<'de> for V<$lt> {
                    type Value = $name<$lt>;
                    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                        f.write_str("an object")
                    }
                    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<$name<$lt>, A::Error> {
                        let mut v = $name::default();
                        while let Some(k) = map.next_key::<Str<'de>>()? {
                            match &*k.0 {
                                $(stringify!($field) => v.$field = map.next_value()?,)*
                                _ => {
                                    map.next_value::<IgnoredAny>()?;
                                }
                            }
                        }
                        Ok(v)
                    }
                }
                d.deserialize_map(V(PhantomData))
            }
        }
    };
}

json_object! {
    /// One of `event_params`.
    struct EventParam<'a> {
        key: Str<'a>,
        value: ParamValue<'a>,
    }
}

json_object! {
    /// An event parameter's value: one of the four is set.
    struct ParamValue<'a> {
        string_value: Scalar<'a>,
        int_value: Scalar<'a>,
        double_value: Scalar<'a>,
        float_value: Scalar<'a>,
    }
}

impl ParamValue<'_> {
    /// The value as text: `string_value`, else the first numeric value given.
    fn text(&self) -> Cow<'_, str> {
        [
            &self.string_value,
            &self.int_value,
            &self.double_value,
            &self.float_value,
        ]
        .into_iter()
        .flatten()
        .next()
        .map(Scalar::text)
        .unwrap_or(Cow::Borrowed(""))
    }
}

json_object! {
    /// The session's traffic source as Google attributes it (last click, session scope),
    /// written on every event of the session; in exports since 2024. Of its records
    /// (`google_ads_campaign`, `sa360_campaign`, … too) only these two are read.
    struct SessionLastClick<'a> {
        cross_channel_campaign: SessionCampaign<'a>,
        manual_campaign: SessionCampaign<'a>,
    }
}

json_object! {
    /// `cross_channel_campaign` or `manual_campaign` of the session record (the first has
    /// no `content`).
    struct SessionCampaign<'a> {
        source: Str<'a>,
        medium: Str<'a>,
        campaign_name: Str<'a>,
        content: Str<'a>,
    }
}

json_object! {
    /// The event's own UTM tags and click ids (absent or null on most events).
    struct CollectedTrafficSource<'a> {
        manual_source: Str<'a>,
        manual_medium: Str<'a>,
        manual_campaign_name: Str<'a>,
        manual_content: Str<'a>,
        gclid: Str<'a>,
    }
}

json_object! {
    /// The user's first acquisition (never the session's).
    struct TrafficSource<'a> {
        source: Str<'a>,
        medium: Str<'a>,
        name: Str<'a>,
    }
}

json_object! {
    struct Geo<'a> {
        country: Str<'a>,
    }
}

/// A field's text, trimmed; absent or null is "".
fn s<'x>(v: &'x Option<Str<'_>>) -> &'x str {
    v.as_ref().map_or("", |s| s.0.trim())
}

/// The default channel grouping of a source/medium pair (see `docs/normalizers/ga4.md`).
pub fn default_channel(source: &str, medium: &str) -> &'static str {
    let m = medium.trim();
    let is = |a: &str| m.eq_ignore_ascii_case(a);
    if is("cpc") || is("ppc") || is("paidsearch") {
        "paid_search"
    } else if is("paid_social") || is("paidsocial") {
        "paid_social"
    } else if is("email") {
        "email"
    } else if is("organic") {
        "organic_search"
    } else if is("social") {
        "organic_social"
    } else if is("referral") {
        "referral"
    } else if is("(none)") || source.trim().eq_ignore_ascii_case("(direct)") {
        "direct"
    } else {
        "other"
    }
}

/// The path of a page URL: no scheme, host, query or fragment (queries carry UTM tags and,
/// too often, e-mail addresses).
pub fn url_path(url: &str) -> &str {
    let url = url.trim();
    let url = &url[..url.find(['?', '#']).unwrap_or(url.len())];
    match url.find("://") {
        Some(i) => {
            let rest = &url[i + 3..];
            rest.find('/').map_or("/", |j| &rest[j..])
        }
        None => url,
    }
}

/// The session's settings, kept apart from the line reader so that a line borrowed from the
/// reader can be mapped while these are borrowed mutably.
struct Config {
    touch_events: Vec<String>,
    key_events: Vec<String>,
    key_event_stage: String,
    account_param: String,
    /// Reused for `ga4:` + user_pseudo_id.
    person: String,
}

/// Positions in the per-line parameter table.
const P_SOURCE: usize = 0;
const P_MEDIUM: usize = 1;
const P_CAMPAIGN: usize = 2;
const P_CONTENT: usize = 3;
const P_PAGE_LOCATION: usize = 4;
const P_FILE_NAME: usize = 5;
const P_ACCOUNT: usize = 6;

/// One pass over an event's `event_params` for every key this plugin reads: the first value
/// of each, by its `P_*` slot (`account_param` names the account's key, if any).
fn event_params<'x>(ev: &'x Event<'x>, account_param: &str) -> [Option<&'x ParamValue<'x>>; 7] {
    let mut p: [Option<&ParamValue>; 7] = [None; 7];
    for ep in ev.event_params.iter().flatten() {
        let (Some(k), Some(v)) = (&ep.key, &ep.value) else {
            continue;
        };
        let slot = match &*k.0 {
            "source" => P_SOURCE,
            "medium" => P_MEDIUM,
            "campaign" => P_CAMPAIGN,
            "content" => P_CONTENT,
            "page_location" => P_PAGE_LOCATION,
            "file_name" => P_FILE_NAME,
            k if k == account_param => P_ACCOUNT,
            _ => continue,
        };
        if p[slot].is_none() {
            p[slot] = Some(v);
        }
        // The account parameter may share a name with one read above.
        if *k.0 == *account_param && p[P_ACCOUNT].is_none() {
            p[P_ACCOUNT] = Some(v);
        }
    }
    p
}

impl Config {
    fn event(&mut self, row: u64, line: &[u8], out: &mut Batch) {
        let field = Cell::new("");
        let mut de = serde_json::Deserializer::from_slice(line);
        let parsed = EventSeed { field: &field }
            .deserialize(&mut de)
            .and_then(|ev| de.end().map(|()| ev));
        let ev = match parsed {
            Ok(ev) => ev,
            Err(e) => {
                let (column, reason) = json_error(&e, field.get());
                out.reject(row, column, reason);
                return;
            }
        };
        let name = s(&ev.event_name);
        if name.is_empty() {
            out.reject(row, "event_name", "no event_name");
            return;
        }
        let is_touch = self.touch_events.iter().any(|t| t == name);
        let is_key = self.key_events.iter().any(|k| k == name);
        if !is_touch && !is_key {
            out.reject(
                row,
                "event_name",
                format!("event `{name}` is not a touch or key event"),
            );
            return;
        }
        let user_id = s(&ev.user_id);
        let person = if !user_id.is_empty() {
            user_id
        } else {
            let pseudo = s(&ev.user_pseudo_id);
            if pseudo.is_empty() {
                out.reject(row, "user_pseudo_id", "no user_id or user_pseudo_id");
                return;
            }
            self.person.clear();
            self.person.push_str("ga4:");
            self.person.push_str(pseudo);
            self.person.as_str()
        };
        let time = match ev
            .event_timestamp
            .as_ref()
            .map(|t| t.micros().and_then(from_epoch_micros))
        {
            None => {
                out.reject(row, "event_timestamp", "no event_timestamp");
                return;
            }
            Some(Err(e)) => {
                out.reject(row, "event_timestamp", e);
                return;
            }
            Some(Ok(t)) => t,
        };

        let p = event_params(&ev, &self.account_param);
        let param = |i: usize| p[i].map_or(Cow::Borrowed(""), |v| v.text());
        let account = if self.account_param.is_empty() {
            Cow::Borrowed("")
        } else {
            param(P_ACCOUNT)
        };
        let account = account.trim();

        if is_touch {
            // Which field won is `t.origin`; the touch has no column for it.
            let t = traffic(&ev, &param);
            let file_name = param(P_FILE_NAME);
            let page = param(P_PAGE_LOCATION);
            let asset = if !file_name.trim().is_empty() {
                file_name.trim()
            } else {
                url_path(&page)
            };
            out.touch(
                row,
                &Touch {
                    person,
                    account,
                    time,
                    channel: default_channel(&t.source, &t.medium),
                    source: &t.source,
                    medium: &t.medium,
                    campaign: &t.campaign,
                    asset,
                    region: ev.geo.as_ref().map_or("", |g| s(&g.country)),
                    segment: "",
                    touch_type: name,
                },
            );
        }
        if is_key {
            let stage = if self.key_event_stage.is_empty() {
                name
            } else {
                &self.key_event_stage
            };
            out.stage_event(
                row,
                &StageEvent {
                    subject: Subject::Person,
                    key: person,
                    account,
                    stage,
                    time,
                },
            );
        }
    }
}

/// Which field of the row a touch's source, medium and campaign came from, in the order
/// they are tried (see `docs/normalizers/ga4.md`, "Source, medium and campaign"). The SDK's
/// touch has no provenance column, so this is not written out; the unit tests check it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// `session_traffic_source_last_click.cross_channel_campaign`: the session's source as
    /// Google attributes it across channels (UTM tags, Google Ads auto-tagging, search
    /// engines, referrers, direct).
    SessionCrossChannel,
    /// `session_traffic_source_last_click.manual_campaign`: the session's UTM-tagged source
    /// (for records without `cross_channel_campaign`, which Google added later).
    SessionManual,
    /// `collected_traffic_source.gclid`: a Google Ads click (auto-tagging), `google` /
    /// `cpc` with no campaign; it outranks the event's UTM tags as in Google's reports.
    CollectedGclid,
    /// `collected_traffic_source.manual_*`: the UTM tags collected with this event.
    Collected,
    /// The event's `source` / `medium` / `campaign` / `content` parameters (also the
    /// event's own tags; older exports and server-side tagging write them here).
    EventParams,
    /// `traffic_source`: the user's *first* acquisition, used only when the row says
    /// nothing about this session or event.
    FirstUser,
    /// None of them: source, medium and campaign are empty.
    Nothing,
}

/// A touch's source, medium and campaign, and where they came from.
pub struct Traffic<'x> {
    pub source: Cow<'x, str>,
    pub medium: Cow<'x, str>,
    pub campaign: Cow<'x, str>,
    pub origin: Origin,
}

/// A traffic value as Google defines it: empty, null and `(not set)` (Google's placeholder
/// when Analytics received no value for a dimension) are absent and become ""; every other value is kept, trimmed.
/// `(direct)` and `(none)` are values, not absences: they say the visit came straight to
/// the site, so a session recorded as direct is direct and does not fall through to the
/// user's first acquisition.
fn known<'x>(v: Cow<'x, str>) -> Cow<'x, str> {
    let absent = |t: &str| t.is_empty() || t.eq_ignore_ascii_case("(not set)");
    match v {
        Cow::Borrowed(b) => Cow::Borrowed(if absent(b.trim()) { "" } else { b.trim() }),
        Cow::Owned(o) => {
            let t = o.trim();
            if absent(t) {
                Cow::Borrowed("")
            } else if t.len() == o.len() {
                Cow::Owned(o)
            } else {
                Cow::Owned(t.to_owned())
            }
        }
    }
}

/// The place's source, medium and campaign when it has any known value among them and
/// `content` (which only decides whether the place speaks; the asset is the page or file).
fn place<'x>(
    origin: Origin,
    source: Cow<'x, str>,
    medium: Cow<'x, str>,
    campaign: Cow<'x, str>,
    content: Cow<'x, str>,
) -> Option<Traffic<'x>> {
    let t = Traffic {
        source: known(source),
        medium: known(medium),
        campaign: known(campaign),
        origin,
    };
    let any = !t.source.is_empty() || !t.medium.is_empty() || !t.campaign.is_empty();
    (any || !known(content).is_empty()).then_some(t)
}

/// Source, medium and campaign, all three from the first place that has any known value,
/// session first, then the event, then the user (Google's scopes: the session's source is
/// `session_traffic_source_last_click`, `traffic_source` is the user's first acquisition):
///
/// 1. `session_traffic_source_last_click.cross_channel_campaign` (`source`, `medium`,
///    `campaign_name`), else its `manual_campaign` (the same, and `content`);
/// 2. `collected_traffic_source`: its `gclid` as `google` / `cpc`, else `manual_source`,
///    `manual_medium`, `manual_campaign_name` (and `manual_content`);
/// 3. the event's `source` / `medium` / `campaign` / `content` parameters;
/// 4. `traffic_source` (`source`, `medium`, `name`).
///
/// Taken together, never field by field, so an event-level `linkedin` source is not paired
/// with a first-acquisition `organic` medium. What counts as known: see [`known`].
fn traffic<'x>(ev: &'x Event, param: &dyn Fn(usize) -> Cow<'x, str>) -> Traffic<'x> {
    let b = |v: &'x Option<Str<'_>>| Cow::Borrowed(s(v));
    let session = ev.session_traffic_source_last_click.as_ref();
    let sessions = [
        (
            Origin::SessionCrossChannel,
            session.and_then(|l| l.cross_channel_campaign.as_ref()),
        ),
        (
            Origin::SessionManual,
            session.and_then(|l| l.manual_campaign.as_ref()),
        ),
    ];
    for (origin, c) in sessions {
        if let Some(c) = c {
            let t = place(
                origin,
                b(&c.source),
                b(&c.medium),
                b(&c.campaign_name),
                b(&c.content),
            );
            if let Some(t) = t {
                return t;
            }
        }
    }
    if let Some(c) = &ev.collected_traffic_source {
        // Google: with both auto-tagging and UTM tags, source, medium and the other
        // classification dimensions take the auto-tagged values. The Google Ads campaign's
        // name is not in the event's record, so the campaign is left empty.
        if !known(b(&c.gclid)).is_empty() {
            return Traffic {
                source: Cow::Borrowed("google"),
                medium: Cow::Borrowed("cpc"),
                campaign: Cow::Borrowed(""),
                origin: Origin::CollectedGclid,
            };
        }
        let t = place(
            Origin::Collected,
            b(&c.manual_source),
            b(&c.manual_medium),
            b(&c.manual_campaign_name),
            b(&c.manual_content),
        );
        if let Some(t) = t {
            return t;
        }
    }
    let t = place(
        Origin::EventParams,
        param(P_SOURCE),
        param(P_MEDIUM),
        param(P_CAMPAIGN),
        param(P_CONTENT),
    );
    if let Some(t) = t {
        return t;
    }
    if let Some(ts) = &ev.traffic_source {
        let empty = Cow::Borrowed("");
        if let Some(t) = place(
            Origin::FirstUser,
            b(&ts.source),
            b(&ts.medium),
            b(&ts.name),
            empty,
        ) {
            return t;
        }
    }
    Traffic {
        source: Cow::Borrowed(""),
        medium: Cow::Borrowed(""),
        campaign: Cow::Borrowed(""),
        origin: Origin::Nothing,
    }
}

/// A reject for a line serde_json refused: the JSON field when the message names one, and
/// the column within the line instead of serde_json's "line 1".
fn json_error(e: &serde_json::Error, field: &'static str) -> (&'static str, String) {
    let msg = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    let msg = msg.strip_suffix(&suffix).unwrap_or(&msg);
    let col = e.column().max(1);
    if e.is_syntax() || e.is_eof() || e.is_io() {
        ("", format!("invalid JSON: {msg} at column {col}"))
    } else if field.is_empty() {
        ("", format!("not a GA4 event row: {msg} at column {col}"))
    } else {
        (field, format!("bad `{field}`: {msg} at column {col}"))
    }
}

/// The SDK's check of what the file is, with this format's name and remedy.
fn ndjson_decoder() -> Decoder {
    Decoder::new(
        "newline-delimited JSON",
        "export the events table from BigQuery as JSON (newline delimited), uncompressed, and point the campaign at that file",
    )
}

/// The GA4 normalizer's per-file state.
pub struct Ga4 {
    /// UTF-16 with a BOM is read; a workbook, a gzip file or other non-text is refused.
    decoder: Decoder,
    lines: LineReader,
    cfg: Config,
    at_start: bool,
}

impl Ga4 {
    fn drain(&mut self, eof: bool, out: &mut Batch) {
        while let Some(line) = self.lines.next(eof) {
            let first = std::mem::replace(&mut self.at_start, false);
            match line {
                Line::Text(mut t) => {
                    if first && t.starts_with(b"\xEF\xBB\xBF") {
                        t = &t[3..];
                    }
                    if t.iter().all(u8::is_ascii_whitespace) {
                        // Blank lines are not rows.
                        continue;
                    }
                    out.rows_read += 1;
                    self.cfg.event(out.rows_read, t, out);
                }
                Line::TooLong(n) => {
                    out.rows_read += 1;
                    out.reject(
                        out.rows_read,
                        "",
                        format!("line is {n} bytes, longer than the {DEFAULT_MAX_LINE_BYTES}-byte limit: skipped unread"),
                    );
                }
            }
        }
    }
}

impl Normalizer for Ga4 {
    fn info() -> Info {
        Info {
            name: "ga4".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: "GA4's BigQuery export (events_* rows as newline-delimited JSON): touch events become \
                          touches with a default channel grouping, key events become person stage events."
                .into(),
            params: vec![
                ParamSpec::new(
                    "touch_events",
                    "session_start,page_view,file_download,video_start,form_start",
                    "Comma-separated event names that are touches (one touch per event, touch type = event name).",
                ),
                ParamSpec::new(
                    "key_events",
                    "generate_lead,sign_up,form_submit",
                    "Comma-separated event names that are key events (one person stage event per event).",
                ),
                ParamSpec::new(
                    "key_event_stage",
                    "lead",
                    "The raw stage a key event records; empty means the event's own name (e.g. sign_up).",
                ),
                ParamSpec::new(
                    "account_param",
                    "company_domain",
                    "The event parameter that holds the visitor's company domain (the account); empty for none.",
                ),
            ],
            accepts: vec!["analytics:ga4-events".into()],
        }
    }

    fn open(_source: &SourceInfo, params: &Params) -> Result<Self, NormalizeError> {
        let cfg = Config {
            touch_events: params.list("touch_events"),
            key_events: params.list("key_events"),
            key_event_stage: params.str("key_event_stage").trim().to_string(),
            account_param: params.str("account_param").trim().to_string(),
            person: String::new(),
        };
        if cfg.touch_events.is_empty() && cfg.key_events.is_empty() {
            return Err(NormalizeError::InvalidParam(
                "parameters `touch_events` and `key_events` are both empty: every event would be rejected".into(),
            ));
        }
        Ok(Ga4 {
            decoder: ndjson_decoder(),
            lines: LineReader::default(),
            cfg,
            at_start: true,
        })
    }

    fn push(&mut self, chunk: &[u8], out: &mut Batch) -> Result<(), NormalizeError> {
        let text = self
            .decoder
            .decode(chunk, false)
            .map_err(NormalizeError::BadFile)?;
        self.lines.feed(text);
        self.drain(false, out);
        Ok(())
    }

    fn finish(&mut self, out: &mut Batch) -> Result<(), NormalizeError> {
        let text = self
            .decoder
            .decode(&[], true)
            .map_err(NormalizeError::BadFile)?;
        self.lines.feed(text);
        self.drain(true, out);
        Ok(())
    }
}

ascribe_sdk::export_normalizer!(Ga4);

#[cfg(test)]
mod tests;
