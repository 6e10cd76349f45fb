// Shared by the hostile test plugins (each includes this file): plain infos they can
// misbehave behind, and raw-contract builders for the normalizers that must bypass the
// SDK's column builders to return what the SDK would never let them.

/// A plain first-touch-like model info.
pub fn info(name: &str) -> ascribe_sdk::model::Info {
    ascribe_sdk::model::Info {
        name: name.into(),
        version: "0.0.1".into(),
        description: "hostile test plugin".into(),
        params: vec![],
        inputs: ascribe_sdk::model::Inputs::TOUCH_KEYS | ascribe_sdk::model::Inputs::NULLS | ascribe_sdk::model::Inputs::VALUES,
        key_scores: vec![],
    }
}

/// First touch of each journey gets everything: the valid answer a hostile model spoils.
pub fn first_touch_weights(j: &ascribe_sdk::model::Journeys) -> Vec<f64> {
    let mut w = vec![0.0; j.touches()];
    for x in j.iter() {
        if !x.is_empty() {
            w[x.start] = 1.0;
        }
    }
    w
}

/// The raw normalizer contract, for plugins that build their own (bad) columns.
pub mod raw {
    pub use ascribe_sdk::normalizer::bindings::exports::ascribe::normalizer::normalize::*;

    pub fn info(name: &str, params: &[(&str, &str)]) -> PluginInfo {
        PluginInfo {
            name: name.into(),
            version: "0.0.1".into(),
            kind: "normalizer".into(),
            description: "hostile test plugin".into(),
            params: params
                .iter()
                .map(|(n, d)| ParamSpec {
                    name: n.to_string(),
                    default_value: d.to_string(),
                    description: String::new(),
                })
                .collect(),
            accepts: vec!["map:any".into()],
        }
    }

    pub fn strings(items: &[&str]) -> Strings {
        let mut offsets = vec![0u32];
        let mut data = vec![];
        for s in items {
            data.extend_from_slice(s.as_bytes());
            offsets.push(data.len() as u32);
        }
        Strings { offsets, data }
    }

    pub fn times(n: usize, wall_ms: i64) -> Times {
        Times {
            wall_ms: vec![wall_ms; n],
            offset_min: vec![0; n],
        }
    }

    /// Valid touches, one per row: a person and an account no real export names, at
    /// 2026-09-15T12:00Z, channel `hostile`.
    pub fn touches(rows: &[u64]) -> Touches {
        let n = rows.len();
        let people: Vec<String> = rows
            .iter()
            .map(|r| format!("row{r}@hostile.invalid"))
            .collect();
        let people: Vec<&str> = people.iter().map(String::as_str).collect();
        let same = |s: &str| strings(&vec![s; n]);
        Touches {
            row: rows.to_vec(),
            person: strings(&people),
            account: same("hostile.invalid"),
            time: times(n, 1_789_473_600_000),
            channel: same("hostile"),
            source: same(""),
            medium: same(""),
            campaign: same(""),
            asset: same(""),
            region: same(""),
            segment: same(""),
            touch_type: same(""),
        }
    }

    /// A batch with nothing in it but the row count.
    pub fn empty_batch(rows_read: u64) -> Batch {
        let none = || strings(&[]);
        Batch {
            rows_read,
            touches: touches(&[]),
            conversions: Conversions {
                row: vec![],
                id: none(),
                account: none(),
                account_domain: none(),
                stage: none(),
                amount: none(),
                currency: none(),
                created: times(0, 0),
                closed: times(0, 0),
                lead_source: none(),
                campaign: none(),
            },
            stage_events: StageEvents {
                row: vec![],
                subject_kind: vec![],
                subject: none(),
                account: none(),
                stage: none(),
                time: times(0, 0),
            },
            rejects: vec![],
        }
    }

    /// Complete lines in `buf` (the tail stays for the next chunk), as a count.
    pub fn take_lines(buf: &mut Vec<u8>, chunk: &[u8], eof: bool) -> u64 {
        buf.extend_from_slice(chunk);
        let mut n = buf.iter().filter(|&&b| b == b'\n').count() as u64;
        if let Some(p) = buf.iter().rposition(|&b| b == b'\n') {
            buf.drain(..=p);
        }
        if eof && !buf.is_empty() {
            buf.clear();
            n += 1;
        }
        n
    }

    /// The value of a parameter, or its default.
    pub fn param<'a>(params: &'a [(String, String)], name: &str, default: &'a str) -> &'a str {
        params
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or(default)
    }
}
