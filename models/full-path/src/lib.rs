//! Full-path (Z-shaped, Marketo Measure): the first touch, the lead-creation touch, the
//! opportunity-creation touch and the closed-won touch get 22.5% each (parameters `first`,
//! `lead`, `opportunity`, `closed_won`), and the other touches share the rest,
//! 1 − `first` − `lead` − `opportunity` − `closed_won` (10% by default), evenly.
//!
//! - Milestones come from the touch flags ([`FIRST_TOUCH`], [`LEAD_CREATION`],
//!   [`OPPORTUNITY_CREATION`], [`CLOSED_WON`]). A touch that is several milestones takes all
//!   their shares.
//! - If several touches carry the same milestone (it should not happen), they split its share.
//! - A milestone absent from the journey, or "others" when every touch is a milestone: its
//!   share is dropped and the remaining shares are renormalized to sum to 1.
//! - A journey with no flags at all: as in w-shaped, its first touch is taken as the first
//!   touch and its last touch as the opportunity-creation touch (lead creation and closed won
//!   are then absent and renormalized away).
//! - If every share present is 0 (possible only with non-default parameters), the touches
//!   split evenly.

use ascribe_sdk::model::{
    CLOSED_WON, FIRST_TOUCH, Info, Inputs, Journeys, LEAD_CREATION, Model, ModelError,
    OPPORTUNITY_CREATION, Output,
};
use ascribe_sdk::{ParamSpec, Params};

pub struct FullPath;

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

impl Model for FullPath {
    fn info() -> Info {
        Info {
            name: "full-path".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: "First, lead-creation, opportunity-creation and closed-won touches get \
                          fixed shares, the other touches split the rest; absent milestones are \
                          renormalized away."
                .into(),
            params: vec![
                ParamSpec::new("first", "0.225", "Share of the first touch, in [0, 1]."),
                ParamSpec::new(
                    "lead",
                    "0.225",
                    "Share of the lead-creation touch, in [0, 1].",
                ),
                ParamSpec::new(
                    "opportunity",
                    "0.225",
                    "Share of the opportunity-creation touch, in [0, 1].",
                ),
                ParamSpec::new(
                    "closed_won",
                    "0.225",
                    "Share of the closed-won touch, in [0, 1]; first + lead + opportunity + \
                     closed_won must not exceed 1, the other touches share the rest.",
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
        let closed_won = params.f64_in("closed_won", 0.0, 1.0)?;
        let total = first + lead + opportunity + closed_won;
        if total > 1.0 + TOLERANCE {
            return Err(ModelError::InvalidParam(format!(
                "parameters `first` + `lead` + `opportunity` + `closed_won` must not exceed 1 \
                 (got {first} + {lead} + {opportunity} + {closed_won} = {total})"
            )));
        }
        let others = (1.0 - total).max(0.0);
        let milestones = [
            (FIRST_TOUCH, first),
            (LEAD_CREATION, lead),
            (OPPORTUNITY_CREATION, opportunity),
            (CLOSED_WON, closed_won),
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

ascribe_sdk::export_model!(FullPath);

#[cfg(test)]
mod tests {
    use super::*;
    use ascribe_sdk::model::{JourneysBuilder, run};
    use ascribe_sdk::testing::*;

    const F: u8 = FIRST_TOUCH;
    const L: u8 = LEAD_CREATION;
    const O: u8 = OPPORTUNITY_CREATION;
    const C: u8 = CLOSED_WON;

    fn weights(flags: &[u8], params: &[(&str, &str)]) -> Vec<f64> {
        let keys = ["a", "b", "c", "d", "e", "f", "g"];
        let t: Vec<(&str, i64, u8)> = flags
            .iter()
            .enumerate()
            .map(|(i, &f)| (keys[i], i as i64, f))
            .collect();
        let j = JourneysBuilder::new()
            .journey(&t, 1.0, 0.0, 1.0, 10)
            .build();
        j.check().unwrap();
        run::<FullPath>(&j, params).unwrap().weights
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
        // F, x, L, x, O, C: milestones 0.225 each; the two others share 0.1: 0.05 each.
        assert_weights(
            &weights(&[F, 0, L, 0, O, C], &[]),
            &[0.225, 0.05, 0.225, 0.05, 0.225, 0.225],
        );
        // F, L, O, C and nothing else: 0.225 each, sum 0.9 -> ¼ each.
        assert_weights(&weights(&[F, L, O, C], &[]), &[0.25; 4]);
        // F, x, L|O, C: 0.225, 0.1, 0.45, 0.225 (sum 1).
        assert_weights(&weights(&[F, 0, L | O, C], &[]), &[0.225, 0.1, 0.45, 0.225]);
        // Not closed yet: F, x, L, O -> 0.225, 0.1, 0.225, 0.225, sum 0.775
        //   -> 9/31, 4/31, 9/31, 9/31.
        assert_weights(
            &weights(&[F, 0, L, O], &[]),
            &[9.0 / 31.0, 4.0 / 31.0, 9.0 / 31.0, 9.0 / 31.0],
        );
        // No flags at all: first = first touch, opportunity creation = last touch:
        //   0.225, 0.05, 0.05, 0.225 -> sum 0.55 -> 9/22, 2/22, 2/22, 9/22.
        assert_weights(
            &weights(&[0, 0, 0, 0], &[]),
            &[9.0 / 22.0, 2.0 / 22.0, 2.0 / 22.0, 9.0 / 22.0],
        );
        assert_weights(&weights(&[0], &[]), &[1.0]);
        // Custom: 0.3 / 0.2 / 0.2 / 0.1, others 0.2 over two touches:
        //   F, x, L, x, O, C -> 0.3, 0.1, 0.2, 0.1, 0.2, 0.1.
        assert_weights(
            &weights(
                &[F, 0, L, 0, O, C],
                &[
                    ("first", "0.3"),
                    ("lead", "0.2"),
                    ("opportunity", "0.2"),
                    ("closed_won", "0.1"),
                ],
            ),
            &[0.3, 0.1, 0.2, 0.1, 0.2, 0.1],
        );
    }

    #[test]
    fn random_journeys_keep_the_invariants() {
        let mut rng = Rng::new(16);
        for round in 0..20 {
            let keys = 1 + rng.below(8);
            let rows = random_rows(&mut rng, 200, keys, 1 + round % 12);
            check_order_independent::<FullPath>(&mut rng, &rows, keys, &[]);
            check_order_independent::<FullPath>(
                &mut rng,
                &rows,
                keys,
                &[("closed_won", "0.55"), ("first", "0")],
            );
        }
    }

    #[test]
    fn rejects_bad_params() {
        let j = JourneysBuilder::new().path("a", 1.0, 0.0, 1.0).build();
        assert_eq!(
            run::<FullPath>(&j, &[("closed_won", "0.5")]).unwrap_err(),
            ModelError::InvalidParam(
                "parameters `first` + `lead` + `opportunity` + `closed_won` must not exceed 1 \
                 (got 0.225 + 0.225 + 0.225 + 0.5 = 1.175)"
                    .into()
            )
        );
        assert_eq!(
            run::<FullPath>(&j, &[("first", "-1")]).unwrap_err(),
            ModelError::InvalidParam("parameter `first`: -1 is outside [0, 1]".into())
        );
    }
}
