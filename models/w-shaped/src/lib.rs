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

use ascribe_sdk::Params;
use ascribe_sdk::model::{
    FIRST_TOUCH, Info, Journeys, LEAD_CREATION, Model, ModelError, OPPORTUNITY_CREATION, Output,
};

#[path = "../../shared/milestones.rs"]
mod milestones;
use milestones::Milestone;

pub struct WShaped;

/// The milestones and their shares' parameters, in order.
const MILESTONES: [Milestone; 3] = [
    Milestone {
        bit: FIRST_TOUCH,
        param: "first",
        default: "0.3",
        touch: "first",
    },
    Milestone {
        bit: LEAD_CREATION,
        param: "lead",
        default: "0.3",
        touch: "lead-creation",
    },
    Milestone {
        bit: OPPORTUNITY_CREATION,
        param: "opportunity",
        default: "0.3",
        touch: "opportunity-creation",
    },
];

impl Model for WShaped {
    fn info() -> Info {
        milestones::info(
            "w-shaped",
            "First, lead-creation and opportunity-creation touches get fixed \
             shares, the other touches split the rest; absent milestones are \
             renormalized away.",
            &MILESTONES,
        )
    }

    fn attribute(input: &Journeys, params: &Params) -> Result<Output, ModelError> {
        milestones::attribute(input, params, &MILESTONES)
    }
}

ascribe_sdk::export_model!(WShaped);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::milestones::testing::*;
    use ascribe_sdk::model::{JourneysBuilder, run};
    use ascribe_sdk::testing::*;

    #[test]
    fn hand_computed_examples() {
        // F, x, L, x, O, C: milestones 0.3 each; the others (the two x and the closed-won
        // touch, a milestone only in full-path) share 0.1: 0.1/3 each. Sum 1, no rescaling.
        assert_weights(
            &weights::<WShaped>(&[F, 0, L, 0, O, C], &[]),
            &[0.3, 0.1 / 3.0, 0.3, 0.1 / 3.0, 0.3, 0.1 / 3.0],
        );
        // F, L, O with no other touch: 0.3 each, sum 0.9 -> 1/3 each.
        assert_weights(&weights::<WShaped>(&[F, L, O], &[]), &[1.0 / 3.0; 3]);
        // F|L on one touch, then x, then O: 0.6, 0.1, 0.3 (sum 1).
        assert_weights(&weights::<WShaped>(&[F | L, 0, O], &[]), &[0.6, 0.1, 0.3]);
        // No opportunity yet: F, x, L, x -> 0.3, 0.05, 0.3, 0.05, sum 0.7
        //   -> 3/7, 0.5/7, 3/7, 0.5/7.
        assert_weights(
            &weights::<WShaped>(&[F, 0, L, 0], &[]),
            &[3.0 / 7.0, 0.5 / 7.0, 3.0 / 7.0, 0.5 / 7.0],
        );
        // One touch that is all three milestones: 1.
        assert_weights(&weights::<WShaped>(&[F | L | O], &[]), &[1.0]);
        // No flags at all: first touch = first, last touch = opportunity creation:
        //   0.3, 0.1, 0.3 -> sum 0.7 -> 3/7, 1/7, 3/7.
        assert_weights(
            &weights::<WShaped>(&[0, 0, 0], &[]),
            &[3.0 / 7.0, 1.0 / 7.0, 3.0 / 7.0],
        );
        //   A single unflagged touch is both: 1. Two: 0.3 and 0.3 -> ½ each.
        assert_weights(&weights::<WShaped>(&[0], &[]), &[1.0]);
        assert_weights(&weights::<WShaped>(&[0, 0], &[]), &[0.5, 0.5]);
        // Custom shares 0.4 / 0.2 / 0.2, others 0.2: F, x, L, x, O -> 0.4, 0.1, 0.2, 0.1, 0.2.
        assert_weights(
            &weights::<WShaped>(
                &[F, 0, L, 0, O],
                &[("first", "0.4"), ("lead", "0.2"), ("opportunity", "0.2")],
            ),
            &[0.4, 0.1, 0.2, 0.1, 0.2],
        );
        // Everything on the lead (1, 0, 0, others 0) and no lead in the journey: all shares
        // present are 0 -> even split.
        assert_weights(
            &weights::<WShaped>(
                &[F, 0, O],
                &[("first", "0"), ("lead", "1"), ("opportunity", "0")],
            ),
            &[1.0 / 3.0; 3],
        );
    }

    #[test]
    fn random_journeys_keep_the_invariants() {
        check_random_rounds::<WShaped>(
            15,
            12,
            &[
                &[],
                &[("first", "0.5"), ("lead", "0.5"), ("opportunity", "0")],
            ],
        );
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
