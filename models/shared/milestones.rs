//! Milestone-based attribution, the one source of w-shaped and full-path (each includes
//! this file with `#[path]`: a model crate cannot depend on another, whose wasm exports
//! would clash with its own). Each milestone flag has a share set by a parameter; the
//! touches with none of the flags share the rest evenly. See either model's docs for the
//! rules.

use ascribe_sdk::model::{
    FIRST_TOUCH, Info, Inputs, Journeys, ModelError, OPPORTUNITY_CREATION, Output,
};
use ascribe_sdk::{ParamSpec, Params};

/// One milestone of a model: its flag bit, the parameter that sets its share, the share's
/// default, and the touch's name in the parameter's description.
pub struct Milestone {
    pub bit: u8,
    pub param: &'static str,
    pub default: &'static str,
    pub touch: &'static str,
}

/// The model's info: one parameter a milestone, the last one's description stating that the
/// shares must not exceed 1.
pub fn info(name: &str, description: &str, milestones: &[Milestone]) -> Info {
    let sum: Vec<&str> = milestones.iter().map(|m| m.param).collect();
    let params = milestones
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let rule = if i + 1 == milestones.len() {
                format!(
                    "; {} must not exceed 1, the other touches share the rest.",
                    sum.join(" + ")
                )
            } else {
                ".".into()
            };
            let help = format!("Share of the {} touch, in [0, 1]{rule}", m.touch);
            ParamSpec::new(m.param, m.default, &help)
        })
        .collect();
    Info {
        name: name.into(),
        version: env!("CARGO_PKG_VERSION").into(),
        description: description.into(),
        params,
        inputs: Inputs::MILESTONES,
        key_scores: vec![],
    }
}

/// Slack for the shares' sum ≤ 1 check.
const TOLERANCE: f64 = 1e-12;

/// Reads each milestone's share from its parameter, checks they sum to at most 1, and
/// weights every journey.
pub fn attribute(
    input: &Journeys,
    params: &Params,
    milestones: &[Milestone],
) -> Result<Output, ModelError> {
    let mut shares = Vec::with_capacity(milestones.len());
    for m in milestones {
        shares.push((m.bit, params.f64_in(m.param, 0.0, 1.0)?));
    }
    let total = shares.iter().fold(0.0, |a, &(_, s)| a + s);
    if total > 1.0 + TOLERANCE {
        let names: Vec<String> = milestones
            .iter()
            .map(|m| format!("`{}`", m.param))
            .collect();
        let values: Vec<String> = shares.iter().map(|(_, s)| s.to_string()).collect();
        return Err(ModelError::InvalidParam(format!(
            "parameters {} must not exceed 1 (got {} = {total})",
            names.join(" + "),
            values.join(" + ")
        )));
    }
    let others = (1.0 - total).max(0.0);
    let mut weights = vec![0.0; input.touches()];
    for j in input.iter() {
        milestone_weights(
            j.flags,
            &shares,
            others,
            &mut weights[j.start..j.start + j.len()],
        );
    }
    Ok(Output::weights(weights))
}

/// Milestone-based weights for one journey: `milestones` pairs a flag bit with its share,
/// `others` is the share of the touches with none of those bits. Writes weights summing to 1
/// into `w` (which has one slot per touch; `flags` may be all zero, see the module docs).
fn milestone_weights(flags: &[u8], milestones: &[(u8, f64)], others: f64, w: &mut [f64]) {
    let n = w.len();
    if n == 0 {
        return;
    }
    // With no flags at all, index 0 is the first touch and the last touch the
    // opportunity-creation touch.
    let unflagged = flags.iter().all(|&f| f == 0);
    let flag = |i: usize| {
        if unflagged {
            (if i == 0 { FIRST_TOUCH } else { 0 })
                | (if i == n - 1 { OPPORTUNITY_CREATION } else { 0 })
        } else {
            flags[i]
        }
    };
    w.fill(0.0);
    let all_bits = milestones.iter().fold(0u8, |a, &(b, _)| a | b);
    for &(bit, share) in milestones {
        let holders = (0..n).filter(|&i| flag(i) & bit != 0).count();
        if holders > 0 {
            let each = share / holders as f64;
            for (i, x) in w.iter_mut().enumerate() {
                if flag(i) & bit != 0 {
                    *x += each;
                }
            }
        }
    }
    let rest = (0..n).filter(|&i| flag(i) & all_bits == 0).count();
    if rest > 0 {
        let each = others / rest as f64;
        for (i, x) in w.iter_mut().enumerate() {
            if flag(i) & all_bits == 0 {
                *x += each;
            }
        }
    }
    let sum: f64 = w.iter().sum();
    if sum > 0.0 {
        for x in w.iter_mut() {
            *x /= sum;
        }
    } else {
        w.fill(1.0 / n as f64);
    }
}

/// The two models' unit tests' shorthands.
#[cfg(test)]
pub mod testing {
    use ascribe_sdk::model::{
        CLOSED_WON, FIRST_TOUCH, LEAD_CREATION, Model, OPPORTUNITY_CREATION, run,
    };
    use ascribe_sdk::testing::{close_all, flagged_journey};

    pub const F: u8 = FIRST_TOUCH;
    pub const L: u8 = LEAD_CREATION;
    pub const O: u8 = OPPORTUNITY_CREATION;
    pub const C: u8 = CLOSED_WON;

    /// `M`'s weights for one converting journey whose touches carry `flags`.
    pub fn weights<M: Model>(flags: &[u8], params: &[(&str, &str)]) -> Vec<f64> {
        run::<M>(&flagged_journey(flags), params).unwrap().weights
    }

    #[track_caller]
    pub fn assert_weights(got: &[f64], want: &[f64]) {
        close_all(got, want, 1e-15);
    }
}
