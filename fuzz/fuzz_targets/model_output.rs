//! A model's answer, as a hostile plugin might give it: `validate_output` must never
//! panic, and an answer it accepts must be safe for the host to spend money with: one
//! finite, non-negative weight per touch, and each converting journey's amount split by
//! those weights adds up exactly.
#![no_main]

use arbitrary::{Arbitrary, Result, Unstructured};
use ascribe::money::split_units;
use ascribe::runtime::model::{Inputs, JourneyColumns, ModelInfo, ModelOutput, validate_output};
use libfuzzer_sys::fuzz_target;

struct Case {
    input: JourneyColumns,
    out: ModelOutput,
    info: ModelInfo,
}

impl std::fmt::Debug for Case {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}\n{:?}", self.input, self.out)
    }
}

/// A weight: usually a plain share, sometimes anything an f64 can be.
fn weight(u: &mut Unstructured) -> Result<f64> {
    Ok(match u.int_in_range(0..=5)? {
        0 => u.arbitrary()?,
        1 => f64::NAN,
        _ => u.int_in_range(0..=1000)? as f64 / 1000.0,
    })
}

impl<'a> Arbitrary<'a> for Case {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let keys: Vec<String> = (0..u.int_in_range(1..=6)?)
            .map(|i| format!("k{i}"))
            .collect();
        let mut j = JourneyColumns {
            keys: keys.clone(),
            partners: vec!["p".into()],
            journey_offsets: vec![0],
            ..Default::default()
        };
        for _ in 0..u.int_in_range(0..=8)? {
            for _ in 0..u.int_in_range(0..=6)? {
                j.touch_key.push(u.int_in_range(0..=keys.len() as u32 - 1)?);
                j.touch_time_ms.push(u.arbitrary()?);
                j.touch_flags.push(u.arbitrary()?);
                j.touch_partner.push(0);
            }
            j.journey_offsets.push(j.touch_key.len() as u32);
            j.conversions.push(u.int_in_range(0..=3)? as f64);
            j.nulls.push(u.int_in_range(0..=3)? as f64);
            j.value.push(u.int_in_range(0..=1_000_000)? as f64);
            j.conversion_time_ms.push(u.arbitrary()?);
        }
        assert_eq!(j.check(), Ok(()));
        let t = j.touches();
        // Mostly a valid answer (each journey's weights normalised), then spoiled a little.
        let mut weights = vec![];
        for i in 0..j.journeys() {
            let r = j.range(i);
            let raw: Vec<f64> = r.clone().map(|_| weight(u)).collect::<Result<_>>()?;
            let s: f64 = raw.iter().sum();
            if u.ratio(3, 4)? && s > 0.0 && s.is_finite() {
                weights.extend(raw.iter().map(|w| w / s));
            } else {
                weights.extend(raw);
            }
        }
        match u.int_in_range(0..=9)? {
            0 => weights.push(u.arbitrary()?),
            1 => {
                weights.pop();
            }
            2 if t > 0 => {
                let i = u.choose_index(t)?;
                weights[i] = u.arbitrary()?;
            }
            _ => {}
        }
        let declared: Vec<String> = vec!["removal".into()];
        let scores = (0..u.int_in_range(0..=2)?)
            .map(|_| {
                let name = if u.ratio(3, 4)? {
                    "removal".to_string()
                } else {
                    u.arbitrary()?
                };
                let len = if u.ratio(3, 4)? {
                    keys.len()
                } else {
                    u.int_in_range(0..=8)?
                };
                Ok((name, (0..len).map(|_| weight(u)).collect::<Result<_>>()?))
            })
            .collect::<Result<_>>()?;
        let notes = (0..u.int_in_range(0..=70)?)
            .map(|_| u.arbitrary())
            .collect::<Result<_>>()?;
        Ok(Case {
            input: j,
            out: ModelOutput {
                weights,
                scores,
                notes,
                // The internals tables (model@0.3.0) are not fuzzed here.
                tables: vec![],
            },
            info: ModelInfo {
                name: "fuzz".into(),
                version: "0".into(),
                description: String::new(),
                params: vec![],
                inputs: Inputs::ALL,
                key_scores: declared,
                mergeable: false,
            },
        })
    }
}

fuzz_target!(|case: Case| {
    let (j, out) = (&case.input, &case.out);
    if validate_output(j, out, &case.info).is_err() {
        return;
    }
    assert_eq!(out.weights.len(), j.touches());
    assert!(out.weights.iter().all(|w| w.is_finite() && *w >= 0.0));
    for (name, values) in &out.scores {
        assert!(case.info.key_scores.contains(name));
        assert_eq!(values.len(), j.keys.len());
    }
    for i in 0..j.journeys() {
        let r = j.range(i);
        if j.conversions[i] > 0.0 && !r.is_empty() {
            let w = &out.weights[r];
            let s: f64 = w.iter().sum();
            assert!((s - 1.0).abs() <= 1e-6);
            // $12,345,678.91 in cents, split by the accepted weights: exact.
            let parts = split_units(1_234_567_891, w);
            assert_eq!(parts.iter().sum::<i128>(), 1_234_567_891);
        }
    }
});
