//! W-shaped (Marketo Measure): the first touch, the lead-creation touch and the
//! opportunity-creation touch get 30% each (parameters `first`, `lead`, `opportunity`), and
//! the other touches share the rest, 1 − `first` − `lead` − `opportunity` (10% by default),
//! evenly.
//!
//! - Milestones come from the touch flags ([`FIRST_TOUCH`], [`LEAD_CREATION`],
//!   [`OPPORTUNITY_CREATION`]). A touch that is several milestones takes all their shares.
//!   A closed-won flag alone makes a touch an "other" touch here.
//! - If several touches carry the same milestone (it should not happen), they split its share.
//! - A milestone absent from the journey, or "others" when every touch is a milestone: its
//!   share is dropped and the remaining shares are renormalized to sum to 1.
//! - A journey with no flags at all: its first touch is taken as the first touch and its last
//!   touch as the opportunity-creation touch (so, with the defaults, a three-touch journey
//!   gets 0.3/0.4, 0.1/0.4 and 0.3/0.4 after renormalizing).
//! - If every share present is 0 (possible only with non-default parameters), the touches
//!   split evenly.

use ascribe_sdk::model::{
    FIRST_TOUCH, Info, Inputs, Journeys, LEAD_CREATION, Model, ModelError, OPPORTUNITY_CREATION,
    Output,
};
use ascribe_sdk::{ParamSpec, Params};

pub struct WShaped;

/// Slack for the shares' sum ≤ 1 check.
const TOLERANCE: f64 = 1e-12;

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

impl Model for WShaped {
    fn info() -> Info {
        Info {
            name: "w-shaped".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: "First, lead-creation and opportunity-creation touches get fixed \
                          shares, the other touches split the rest; absent milestones are \
                          renormalized away."
                .into(),
            params: vec![
                ParamSpec::new("first", "0.3", "Share of the first touch, in [0, 1]."),
                ParamSpec::new(
                    "lead",
                    "0.3",
                    "Share of the lead-creation touch, in [0, 1].",
                ),
                ParamSpec::new(
                    "opportunity",
                    "0.3",
                    "Share of the opportunity-creation touch, in [0, 1]; first + lead + \
                     opportunity must not exceed 1, the other touches share the rest.",
                ),
            ],
            inputs: Inputs::MILESTONES,
            key_scores: vec![],
        }
    }

    fn attribute(input: &Journeys, params: &Params) -> Result<Output, ModelError> {
        let first = params.f64_in("first", 0.0, 1.0)?;
        let lead = params.f64_in("lead", 0.0, 1.0)?;
        let opportunity = params.f64_in("opportunity", 0.0, 1.0)?;
        let total = first + lead + opportunity;
        if total > 1.0 + TOLERANCE {
            return Err(ModelError::InvalidParam(format!(
                "parameters `first` + `lead` + `opportunity` must not exceed 1 (got {first} + \
                 {lead} + {opportunity} = {total})"
            )));
        }
        let others = (1.0 - total).max(0.0);
        let milestones = [
            (FIRST_TOUCH, first),
            (LEAD_CREATION, lead),
            (OPPORTUNITY_CREATION, opportunity),
        ];
        let mut weights = vec![0.0; input.touches()];
        for j in input.iter() {
            milestone_weights(
                j.flags,
                &milestones,
                others,
                &mut weights[j.start..j.start + j.len()],
            );
        }
        Ok(Output::weights(weights))
    }
}

ascribe_sdk::export_model!(WShaped);

#[cfg(test)]
mod tests {
    use super::*;
    use ascribe_sdk::model::{CLOSED_WON, JourneysBuilder, run};
    use ascribe_sdk::testing::*;

    const F: u8 = FIRST_TOUCH;
    const L: u8 = LEAD_CREATION;
    const O: u8 = OPPORTUNITY_CREATION;
    const C: u8 = CLOSED_WON;

    fn journey(flags: &[u8]) -> JourneysBuilder {
        let keys = ["a", "b", "c", "d", "e", "f"];
        let t: Vec<(&str, i64, u8)> = flags
            .iter()
            .enumerate()
            .map(|(i, &f)| (keys[i], i as i64, f))
            .collect();
        JourneysBuilder::new().journey(&t, 1.0, 0.0, 1.0, 10)
    }

    fn weights(flags: &[u8], params: &[(&str, &str)]) -> Vec<f64> {
        let j = journey(flags).build();
        j.check().unwrap();
        run::<WShaped>(&j, params).unwrap().weights
    }

    #[track_caller]
    fn assert_weights(got: &[f64], want: &[f64]) {
        assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(want) {
            close(*g, *w, 1e-15);
        }
    }

    #[test]
    fn hand_computed_examples() {
        // F, x, L, x, O, C: milestones 0.3 each; the others (the two x and the closed-won
        // touch, a milestone only in full-path) share 0.1: 0.1/3 each. Sum 1, no rescaling.
        assert_weights(
            &weights(&[F, 0, L, 0, O, C], &[]),
            &[0.3, 0.1 / 3.0, 0.3, 0.1 / 3.0, 0.3, 0.1 / 3.0],
        );
        // F, L, O with no other touch: 0.3 each, sum 0.9 -> 1/3 each.
        assert_weights(&weights(&[F, L, O], &[]), &[1.0 / 3.0; 3]);
        // F|L on one touch, then x, then O: 0.6, 0.1, 0.3 (sum 1).
        assert_weights(&weights(&[F | L, 0, O], &[]), &[0.6, 0.1, 0.3]);
        // No opportunity yet: F, x, L, x -> 0.3, 0.05, 0.3, 0.05, sum 0.7
        //   -> 3/7, 0.5/7, 3/7, 0.5/7.
        assert_weights(
            &weights(&[F, 0, L, 0], &[]),
            &[3.0 / 7.0, 0.5 / 7.0, 3.0 / 7.0, 0.5 / 7.0],
        );
        // One touch that is all three milestones: 1.
        assert_weights(&weights(&[F | L | O], &[]), &[1.0]);
        // No flags at all: first touch = first, last touch = opportunity creation:
        //   0.3, 0.1, 0.3 -> sum 0.7 -> 3/7, 1/7, 3/7.
        assert_weights(
            &weights(&[0, 0, 0], &[]),
            &[3.0 / 7.0, 1.0 / 7.0, 3.0 / 7.0],
        );
        //   A single unflagged touch is both: 1. Two: 0.3 and 0.3 -> ½ each.
        assert_weights(&weights(&[0], &[]), &[1.0]);
        assert_weights(&weights(&[0, 0], &[]), &[0.5, 0.5]);
        // Custom shares 0.4 / 0.2 / 0.2, others 0.2: F, x, L, x, O -> 0.4, 0.1, 0.2, 0.1, 0.2.
        assert_weights(
            &weights(
                &[F, 0, L, 0, O],
                &[("first", "0.4"), ("lead", "0.2"), ("opportunity", "0.2")],
            ),
            &[0.4, 0.1, 0.2, 0.1, 0.2],
        );
        // Everything on the lead (1, 0, 0, others 0) and no lead in the journey: all shares
        // present are 0 -> even split.
        assert_weights(
            &weights(
                &[F, 0, O],
                &[("first", "0"), ("lead", "1"), ("opportunity", "0")],
            ),
            &[1.0 / 3.0; 3],
        );
    }

    #[test]
    fn random_journeys_keep_the_invariants() {
        let mut rng = Rng::new(15);
        for round in 0..20 {
            let keys = 1 + rng.below(8);
            let rows = random_rows(&mut rng, 200, keys, 1 + round % 12);
            check_order_independent::<WShaped>(&mut rng, &rows, keys, &[]);
            check_order_independent::<WShaped>(
                &mut rng,
                &rows,
                keys,
                &[("first", "0.5"), ("lead", "0.5"), ("opportunity", "0")],
            );
        }
    }

    #[test]
    fn rejects_bad_params() {
        let j = JourneysBuilder::new().path("a", 1.0, 0.0, 1.0).build();
        assert_eq!(
            run::<WShaped>(&j, &[("lead", "0.5")]).unwrap_err(),
            ModelError::InvalidParam(
                "parameters `first` + `lead` + `opportunity` must not exceed 1 (got 0.3 + 0.5 + \
                 0.3 = 1.1)"
                    .into()
            )
        );
        assert_eq!(
            run::<WShaped>(&j, &[("opportunity", "1.5")]).unwrap_err(),
            ModelError::InvalidParam("parameter `opportunity`: 1.5 is outside [0, 1]".into())
        );
    }
}
