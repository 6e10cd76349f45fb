//! Returns first-touch weights spoiled the way `mode` says: each mode breaks one rule of
//! the model contract that the host must catch before using the answer.
use ascribe_sdk::ParamSpec;
use ascribe_sdk::model::{Journeys, Model, ModelError, Output};
include!("../../common.rs");

pub const MODES: &[&str] = &[
    "wrong-length",
    "too-few",
    "nan",
    "inf",
    "negative",
    "sum",
    "invalid-utf8-note",
    "undeclared-score",
    "many-notes",
    "leaky-notes",
    "leaky-refusal",
];

/// What a plugin could slip into a note or an error: addresses in every disguise the old
/// scrubber missed, and terminal sequences (clear screen, window title, clipboard write).
pub const LEAKS: &str = "write to zq.leak1@acme-corp.io, zq.leak2%40acme-corp.io, \"zq leak3\"@acme-corp.io, zq.leak4\u{200b}@acme-corp.io, zq.leak5＠acme-corp.io, zq.leak6@[10.1.2.3], zq.leak7@localhost \x1b[2J\x1b]0;pwned\x07\x1b]52;c;cHduZWQ=\x07\u{9b}31m";

pub struct BadWeights;
impl Model for BadWeights {
    fn info() -> ascribe_sdk::model::Info {
        let mut i = info("bad-weights");
        i.params = vec![ParamSpec::new("mode", "nan", &MODES.join(", "))];
        i
    }
    fn attribute(j: &Journeys, p: &ascribe_sdk::Params) -> Result<Output, ModelError> {
        let mut w = first_touch_weights(j);
        let mut out = Output::default();
        // The first touch of the first journey (the tests' journeys all start with one).
        let first = j
            .iter()
            .find(|x| !x.is_empty())
            .map(|x| x.start)
            .unwrap_or(0);
        match p.str("mode") {
            "wrong-length" => w.push(0.0),
            "too-few" => {
                w.pop();
            }
            "nan" => w[first] = f64::NAN,
            "inf" => w[first] = f64::INFINITY,
            "negative" => w[first] = -1.0,
            "sum" => w[first] = 0.5,
            "invalid-utf8-note" => {
                // SAFETY: deliberately not UTF-8; the host must refuse it, not trust it.
                out.notes
                    .push(unsafe { String::from_utf8_unchecked(vec![b'o', b'k', 0xff, 0xfe]) });
            }
            "undeclared-score" => out.scores.push(("secret".into(), vec![0.0; j.keys.len()])),
            "many-notes" => out.notes = (0..100_000).map(|i| format!("note {i}")).collect(),
            "leaky-notes" => out.notes = vec![LEAKS.to_string()],
            "leaky-refusal" => return Err(ModelError::Failed(LEAKS.to_string())),
            other => return Err(ModelError::InvalidParam(format!("unknown mode `{other}`"))),
        }
        out.weights = w;
        Ok(out)
    }
}
ascribe_sdk::export_model!(BadWeights);
