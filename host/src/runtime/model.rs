//! The model contract as the rest of the host sees it, independent of contract versions.

use serde::Serialize;

/// One parameter a plugin accepts, with its default.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ParamSpec {
    pub name: String,
    pub default_value: String,
    pub description: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ModelInfo {
    pub name: String,
    pub version: String,
    pub description: String,
    pub params: Vec<ParamSpec>,
    /// The columns the model reads. A `model@0.2.0` plugin receives only these; a
    /// `model@0.1.0` plugin receives every column, and declared only `times`,
    /// `milestones` and `nulls` (the others are set as it used them: keys and values).
    pub inputs: Inputs,
    pub key_scores: Vec<String>,
}

impl ModelInfo {
    pub fn needs_timestamps(&self) -> bool {
        self.inputs.times
    }

    pub fn needs_milestones(&self) -> bool {
        self.inputs.milestones
    }

    /// Journeys with identical paths may be merged into one, counts summed: the model
    /// reads nothing that differs between two journeys with the same keys in order.
    pub fn may_merge_paths(&self) -> bool {
        !self.inputs.times && !self.inputs.milestones && !self.inputs.partners
    }
}

/// The optional journey columns (`inputs` in `wit/model-0.2.0/model.wit`). `keys`,
/// `journey_offsets` and `conversions` are always sent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Inputs {
    pub touch_keys: bool,
    pub times: bool,
    pub milestones: bool,
    pub partners: bool,
    pub nulls: bool,
    pub values: bool,
}

impl Inputs {
    pub const ALL: Inputs = Inputs {
        touch_keys: true,
        times: true,
        milestones: true,
        partners: true,
        nulls: true,
        values: true,
    };

    /// The contract's names of the columns asked for, in the contract's order.
    pub fn names(self) -> Vec<&'static str> {
        [
            (self.touch_keys, "touch-keys"),
            (self.times, "times"),
            (self.milestones, "milestones"),
            (self.partners, "partners"),
            (self.nulls, "nulls"),
            (self.values, "values"),
        ]
        .into_iter()
        .filter_map(|(on, name)| on.then_some(name))
        .collect()
    }
}

/// Milestone bits in [`JourneyColumns::touch_flags`].
pub mod flags {
    pub const FIRST_TOUCH: u8 = 1;
    pub const LEAD_CREATION: u8 = 2;
    pub const OPPORTUNITY_CREATION: u8 = 4;
    pub const CLOSED_WON: u8 = 8;
}

/// Journeys as columns (see `wit/model-0.2.0/model.wit` for each column's meaning).
///
/// `keys`, `touch_key`, `journey_offsets` and `conversions` are always built. The other
/// columns are full length or empty: empty where the host has no such data (a path table
/// has no times, milestones or partners). The contract adapters send a column a model
/// asked for as zeros when it is empty here (`contracts::sent`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct JourneyColumns {
    pub keys: Vec<String>,
    pub partners: Vec<String>,
    pub touch_key: Vec<u32>,
    pub touch_time_ms: Vec<i64>,
    pub touch_flags: Vec<u8>,
    pub touch_partner: Vec<u32>,
    pub journey_offsets: Vec<u32>,
    pub conversions: Vec<f64>,
    pub nulls: Vec<f64>,
    pub value: Vec<f64>,
    pub conversion_time_ms: Vec<i64>,
}

impl JourneyColumns {
    pub fn journeys(&self) -> usize {
        self.journey_offsets.len().saturating_sub(1)
    }

    pub fn touches(&self) -> usize {
        self.touch_key.len()
    }

    /// The touch range of journey `i`.
    pub fn range(&self, i: usize) -> std::ops::Range<usize> {
        self.journey_offsets[i] as usize..self.journey_offsets[i + 1] as usize
    }

    /// Checks the invariants the contract promises the plugin. The host builds these
    /// columns itself, so a failure here is a host bug; checked before every call all the
    /// same, because a plugin indexing out of bounds would report the wrong culprit.
    pub fn check(&self) -> Result<(), String> {
        let t = self.touch_key.len();
        let full_or_empty = |len: usize, n: usize| len == n || len == 0;
        if !full_or_empty(self.touch_time_ms.len(), t)
            || !full_or_empty(self.touch_flags.len(), t)
            || !full_or_empty(self.touch_partner.len(), t)
        {
            return Err("touch columns differ in length".into());
        }
        let n = self.journeys();
        if self.journey_offsets.first() != Some(&0)
            || self.journey_offsets.last().map(|&x| x as usize) != Some(t)
        {
            return Err("journey offsets must start at 0 and end at the touch count".into());
        }
        // Counted, not searched: a branch-free pass the compiler vectorizes (these checks
        // run before every model call, over every touch).
        if self
            .journey_offsets
            .windows(2)
            .map(|w| (w[0] > w[1]) as usize)
            .sum::<usize>()
            > 0
        {
            return Err("journey offsets decrease".into());
        }
        if self.conversions.len() != n
            || [
                self.nulls.len(),
                self.value.len(),
                self.conversion_time_ms.len(),
            ]
            .iter()
            .any(|&l| !full_or_empty(l, n))
        {
            return Err("journey columns differ in length".into());
        }
        // A model is promised finite numbers (paths.rs refuses sums past f64::MAX; this
        // catches any other source). Values may be negative: a signed value column is
        // allowed.
        let counts_ok = |v: &[f64]| v.iter().all(|x| (0.0..f64::INFINITY).contains(x));
        if !counts_ok(&self.conversions) || !counts_ok(&self.nulls) {
            return Err("conversions and nulls must be finite and non-negative".into());
        }
        if !self.value.iter().all(|v| v.is_finite()) {
            return Err("a journey value is not finite".into());
        }
        let max = |v: &[u32]| v.iter().copied().fold(0u32, u32::max) as usize;
        if !self.touch_key.is_empty() && max(&self.touch_key) >= self.keys.len() {
            return Err("a touch key is out of range".into());
        }
        if !self.touch_partner.is_empty() && max(&self.touch_partner) >= self.partners.len() {
            return Err("a touch partner is out of range".into());
        }
        Ok(())
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct ModelOutput {
    pub weights: Vec<f64>,
    pub scores: Vec<(String, Vec<f64>)>,
    pub notes: Vec<String>,
}

/// Bounds on what a model may return beyond the weights, so a hostile plugin cannot make
/// the host store or print unbounded text.
pub const MAX_NOTES: usize = 64;
pub const MAX_NOTE_BYTES: usize = 2048;
pub const MAX_SCORE_COLUMNS: usize = 16;

/// Largest allowed |Σ weights − 1| for a converting journey. Models promise 1e-9; the host
/// accepts float noise up to 1e-6 and then allocates exactly with largest remainders.
pub const WEIGHT_SUM_TOLERANCE: f64 = 1e-6;

/// Checks a model's answer against the contract before anything uses it.
pub fn validate_output(
    input: &JourneyColumns,
    out: &ModelOutput,
    info: &ModelInfo,
) -> Result<(), String> {
    if out.weights.len() != input.touches() {
        return Err(format!(
            "{} weights for {} touches",
            out.weights.len(),
            input.touches()
        ));
    }
    // Counted over the whole column without a branch per weight, so it vectorizes
    // (the range excludes NaN, ∞ and negatives); the first bad one is looked up only
    // when there is one. Then the sums, for converting journeys only.
    let ok = |w: f64| (0.0..f64::INFINITY).contains(&w);
    let bad: usize = out.weights.iter().map(|&w| !ok(w) as usize).sum();
    if bad > 0 {
        let (i, w) = out
            .weights
            .iter()
            .enumerate()
            .find(|(_, w)| !ok(**w))
            .unwrap();
        return Err(format!(
            "weight {i} is {w}: weights must be finite and non-negative"
        ));
    }
    let offsets = &input.journey_offsets;
    for (j, &c) in input.conversions.iter().enumerate() {
        if c > 0.0 {
            let w = &out.weights[offsets[j] as usize..offsets[j + 1] as usize];
            let sum: f64 = w.iter().sum();
            if !w.is_empty() && (sum - 1.0).abs() > WEIGHT_SUM_TOLERANCE {
                return Err(format!(
                    "the weights of converting journey {j} sum to {sum}, not 1"
                ));
            }
        }
    }
    if out.scores.len() > MAX_SCORE_COLUMNS {
        return Err(format!(
            "{} score columns (at most {MAX_SCORE_COLUMNS})",
            out.scores.len()
        ));
    }
    for (name, values) in &out.scores {
        if !info.key_scores.iter().any(|k| k == name) {
            return Err(format!(
                "score column `{}` is not declared in its info",
                truncate(name, 64)
            ));
        }
        if values.len() != input.keys.len() {
            return Err(format!(
                "score column `{name}` has {} values for {} keys",
                values.len(),
                input.keys.len()
            ));
        }
        if values.iter().any(|v| !v.is_finite()) {
            return Err(format!(
                "score column `{name}` holds a value that is not finite"
            ));
        }
    }
    if out.notes.len() > MAX_NOTES || out.notes.iter().any(|n| n.len() > MAX_NOTE_BYTES) {
        return Err(format!(
            "notes exceed {MAX_NOTES} entries of {MAX_NOTE_BYTES} bytes"
        ));
    }
    Ok(())
}

pub fn truncate(s: &str, n: usize) -> String {
    if s.len() <= n {
        return s.to_string();
    }
    let mut end = n;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one_journey() -> JourneyColumns {
        JourneyColumns {
            keys: vec!["a".into()],
            partners: vec!["p".into()],
            touch_key: vec![0],
            touch_time_ms: vec![0],
            touch_flags: vec![0],
            touch_partner: vec![0],
            journey_offsets: vec![0, 1],
            conversions: vec![1.0],
            nulls: vec![0.0],
            value: vec![-5.0],
            conversion_time_ms: vec![0],
        }
    }

    #[test]
    fn journeys_with_numbers_a_model_cannot_use_are_refused() {
        assert_eq!(one_journey().check(), Ok(()), "a negative value is allowed");
        for (conversions, nulls, value, want) in [
            (
                f64::INFINITY,
                0.0,
                1.0,
                "conversions and nulls must be finite and non-negative",
            ),
            (
                1.0,
                f64::NAN,
                1.0,
                "conversions and nulls must be finite and non-negative",
            ),
            (
                -1.0,
                0.0,
                1.0,
                "conversions and nulls must be finite and non-negative",
            ),
            (1.0, 0.0, f64::NEG_INFINITY, "a journey value is not finite"),
        ] {
            let mut j = one_journey();
            (j.conversions[0], j.nulls[0], j.value[0]) = (conversions, nulls, value);
            assert_eq!(j.check(), Err(want.to_string()));
        }
    }
}
