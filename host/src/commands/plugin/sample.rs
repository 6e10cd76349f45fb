//! Model samples for `plugin check`: a path table (CSV) or journeys (JSON), turned into
//! the columns the host sends a model.
//!
//! Path table, as ChannelAttribution and `ascribe-gen paths` write it:
//!
//! ```text
//! path,total_conversions,total_conversion_value,total_null
//! webinar > event > paid_social,3,144000.00,5
//! ```
//!
//! (`conversions`, `value` and `nulls` are accepted as header names too; value and nulls
//! may be left out.) Journeys, for models that need timestamps or milestones:
//!
//! ```json
//! {"journeys": [
//!   {"touches": ["webinar", "event"], "conversions": 1, "value": 48000},
//!   {"touches": [{"key": "webinar", "time": "2026-09-01T10:00:00Z", "flags": ["first", "lead"]},
//!                {"key": "event", "time": 1788343200000, "flags": 12, "partner": "Quantia AI"}],
//!    "conversions": 1, "nulls": 0, "value": 22500.5, "converted_at": "2026-10-20T00:00:00Z"}
//! ]}
//! ```
//!
//! Times are RFC 3339 text or milliseconds since the epoch; flags are names (`first`,
//! `lead`, `opportunity`, `closed_won`) or the contract's bit mask.

use std::path::Path;

use serde_json::Value;

use crate::runtime::model::{JourneyColumns, flags};

/// A model sample as columns, and what it carries beyond paths.
pub struct ModelSample {
    pub columns: JourneyColumns,
    pub has_timestamps: bool,
    pub has_milestones: bool,
    pub form: &'static str,
}

pub fn read(path: &Path, data: &[u8]) -> Result<ModelSample, String> {
    let shown = path.display();
    let is_json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        || data.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
        || data.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[');
    let r = if is_json {
        journeys_json(data)
    } else {
        path_table(data)
    };
    r.map_err(|e| format!("sample {shown}: {e}"))
}

struct Builder {
    c: JourneyColumns,
}

impl Builder {
    fn new() -> Self {
        Builder {
            c: JourneyColumns {
                journey_offsets: vec![0],
                ..Default::default()
            },
        }
    }

    fn intern(list: &mut Vec<String>, s: &str) -> u32 {
        match list.iter().position(|x| x == s) {
            Some(i) => i as u32,
            None => {
                list.push(s.to_string());
                (list.len() - 1) as u32
            }
        }
    }

    fn touch(&mut self, key: &str, time_ms: i64, flags: u8, partner: &str) {
        let k = Self::intern(&mut self.c.keys, key);
        let p = Self::intern(&mut self.c.partners, partner);
        self.c.touch_key.push(k);
        self.c.touch_time_ms.push(time_ms);
        self.c.touch_flags.push(flags);
        self.c.touch_partner.push(p);
    }

    fn end(&mut self, conversions: f64, nulls: f64, value: f64, at_ms: i64) {
        self.c.journey_offsets.push(self.c.touch_key.len() as u32);
        self.c.conversions.push(conversions);
        self.c.nulls.push(nulls);
        self.c.value.push(value);
        self.c.conversion_time_ms.push(at_ms);
    }
}

fn number(text: &str, what: &str, line: usize) -> Result<f64, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(0.0);
    }
    match t.parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => Ok(v),
        _ => Err(format!(
            "line {line}: {what} `{t}` is not a non-negative number"
        )),
    }
}

fn path_table(data: &[u8]) -> Result<ModelSample, String> {
    let mut rd = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(data);
    let header = rd
        .headers()
        .map_err(|e| format!("cannot read the header: {e}"))?
        .clone();
    let find = |names: &[&str]| {
        header.iter().position(|h| {
            let h = h.trim_start_matches('\u{feff}').to_ascii_lowercase();
            names.contains(&h.as_str())
        })
    };
    let (Some(path_i), Some(conv_i)) =
        (find(&["path"]), find(&["total_conversions", "conversions"]))
    else {
        return Err(format!(
            "a path table needs the columns `path` and `total_conversions` (its header is `{}`); a journeys sample is a .json file",
            header.iter().collect::<Vec<_>>().join(",")
        ));
    };
    let value_i = find(&["total_conversion_value", "value"]);
    let null_i = find(&["total_null", "nulls", "null"]);
    let mut b = Builder::new();
    for (i, rec) in rd.records().enumerate() {
        let line = i + 2;
        let rec = rec.map_err(|e| format!("line {line}: {e}"))?;
        let path = rec.get(path_i).unwrap_or("");
        let keys: Vec<&str> = path
            .split('>')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        if keys.is_empty() {
            return Err(format!("line {line}: the path is empty"));
        }
        for k in keys {
            b.touch(k, 0, 0, "sample");
        }
        let conv = number(rec.get(conv_i).unwrap_or(""), "total_conversions", line)?;
        let value = match value_i {
            Some(v) => number(rec.get(v).unwrap_or(""), "total_conversion_value", line)?,
            None => 0.0,
        };
        let nulls = match null_i {
            Some(v) => number(rec.get(v).unwrap_or(""), "total_null", line)?,
            None => 0.0,
        };
        b.end(conv, nulls, value, 0);
    }
    if b.c.journeys() == 0 {
        return Err("the path table has no paths".into());
    }
    Ok(ModelSample {
        columns: b.c,
        has_timestamps: false,
        has_milestones: false,
        form: "path table",
    })
}

fn time_ms(v: &Value, what: &str) -> Result<i64, String> {
    match v {
        Value::Number(n) => n
            .as_i64()
            .ok_or_else(|| format!("{what} `{n}` is not whole milliseconds")),
        Value::String(s) => chrono::DateTime::parse_from_rfc3339(s.trim())
            .map(|t| t.timestamp_millis())
            .map_err(|_| {
                format!("{what} `{s}` is not an RFC 3339 time (e.g. 2026-09-01T10:00:00Z)")
            }),
        Value::Null => Ok(0),
        other => Err(format!("{what} `{other}` is not a time")),
    }
}

fn flag_bits(v: &Value, what: &str) -> Result<u8, String> {
    match v {
        Value::Null => Ok(0),
        Value::Number(n) => n
            .as_u64()
            .filter(|&b| b < 16)
            .map(|b| b as u8)
            .ok_or_else(|| format!("{what} `{n}` is not a bit mask of 1, 2, 4 and 8")),
        Value::Array(items) => {
            let mut bits = 0;
            for it in items {
                bits |= match it.as_str() {
                    Some("first") | Some("first_touch") => flags::FIRST_TOUCH,
                    Some("lead") | Some("lead_creation") => flags::LEAD_CREATION,
                    Some("opportunity") | Some("opportunity_creation") => {
                        flags::OPPORTUNITY_CREATION
                    }
                    Some("closed_won") => flags::CLOSED_WON,
                    _ => {
                        return Err(format!(
                            "{what}: `{it}` is not a milestone (first, lead, opportunity, closed_won)"
                        ));
                    }
                };
            }
            Ok(bits)
        }
        other => Err(format!("{what} `{other}` is not a list of milestones")),
    }
}

fn num_field(j: &Value, name: &str, what: &str) -> Result<f64, String> {
    match j.get(name) {
        None | Some(Value::Null) => Ok(0.0),
        Some(v) => v
            .as_f64()
            .filter(|x| x.is_finite() && *x >= 0.0)
            .ok_or_else(|| format!("{what}: `{name}` {v} is not a non-negative number")),
    }
}

fn journeys_json(data: &[u8]) -> Result<ModelSample, String> {
    let v: Value = serde_json::from_slice(data).map_err(|e| format!("not valid JSON ({e})"))?;
    let list = match &v {
        Value::Array(a) => a,
        Value::Object(o) => match o.get("journeys") {
            Some(Value::Array(a)) => a,
            _ => return Err("a journeys sample is {\"journeys\": [ … ]}".into()),
        },
        _ => return Err("a journeys sample is {\"journeys\": [ … ]}".into()),
    };
    let mut b = Builder::new();
    let (mut has_t, mut has_f) = (false, false);
    for (ji, j) in list.iter().enumerate() {
        let what = format!("journey {}", ji + 1);
        let Some(touches) = j.get("touches").and_then(Value::as_array) else {
            return Err(format!("{what}: `touches` must be a list"));
        };
        for (ti, t) in touches.iter().enumerate() {
            let tw = format!("{what}, touch {}", ti + 1);
            match t {
                Value::String(k) => b.touch(k, 0, 0, "sample"),
                Value::Object(o) => {
                    let Some(key) = o.get("key").and_then(Value::as_str) else {
                        return Err(format!("{tw}: `key` must be text"));
                    };
                    let ms = time_ms(
                        o.get("time").unwrap_or(&Value::Null),
                        &format!("{tw}: time"),
                    )?;
                    let fl = flag_bits(
                        o.get("flags").unwrap_or(&Value::Null),
                        &format!("{tw}: flags"),
                    )?;
                    let partner = o.get("partner").and_then(Value::as_str).unwrap_or("sample");
                    has_t |= ms != 0;
                    has_f |= fl != 0;
                    b.touch(key, ms, fl, partner);
                }
                other => return Err(format!("{tw}: `{other}` is neither a key nor an object")),
            }
        }
        let at = time_ms(
            j.get("converted_at").unwrap_or(&Value::Null),
            &format!("{what}: converted_at"),
        )?;
        b.end(
            num_field(j, "conversions", &what)?,
            num_field(j, "nulls", &what)?,
            num_field(j, "value", &what)?,
            at,
        );
    }
    if b.c.journeys() == 0 {
        return Err("the sample has no journeys".into());
    }
    if b.c.partners.is_empty() {
        b.c.partners.push("sample".into());
    }
    Ok(ModelSample {
        columns: b.c,
        has_timestamps: has_t,
        has_milestones: has_f,
        form: "journeys",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_tables_and_journeys() {
        let s = read(
            Path::new("p.csv"),
            b"path,total_conversions,total_conversion_value,total_null\na > b > a,2,10.5,1\nc,0,0,4\n",
        )
        .unwrap();
        assert_eq!(s.columns.keys, vec!["a", "b", "c"]);
        assert_eq!(s.columns.touch_key, vec![0, 1, 0, 2]);
        assert_eq!(s.columns.journey_offsets, vec![0, 3, 4]);
        assert_eq!(s.columns.conversions, vec![2.0, 0.0]);
        assert_eq!(s.columns.nulls, vec![1.0, 4.0]);
        s.columns.check().unwrap();
        assert!(!s.has_timestamps);

        let j = read(
            Path::new("j.json"),
            br#"{"journeys":[{"touches":["a",{"key":"b","time":"1970-01-01T00:00:01Z","flags":["first","closed_won"],"partner":"P"}],"conversions":1,"value":5}]}"#,
        )
        .unwrap();
        assert_eq!(j.columns.touch_time_ms, vec![0, 1000]);
        assert_eq!(j.columns.touch_flags, vec![0, 9]);
        assert_eq!(j.columns.partners, vec!["sample", "P"]);
        assert!(j.has_timestamps && j.has_milestones);
        j.columns.check().unwrap();

        assert_eq!(
            read(Path::new("x.csv"), b"channel,count\na,1\n")
                .err()
                .unwrap(),
            "sample x.csv: a path table needs the columns `path` and `total_conversions` (its header is `channel,count`); a journeys sample is a .json file"
        );
        assert_eq!(
            read(Path::new("x.csv"), b"path,total_conversions\na,-1\n")
                .err()
                .unwrap(),
            "sample x.csv: line 2: total_conversions `-1` is not a non-negative number"
        );
    }
}
