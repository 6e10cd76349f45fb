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

use ascribe_sdk::Params;
use ascribe_sdk::model::{
    CLOSED_WON, FIRST_TOUCH, Info, Journeys, LEAD_CREATION, Model, ModelError,
    OPPORTUNITY_CREATION, Output,
};

#[path = "../../shared/milestones.rs"]
mod milestones;
use milestones::Milestone;

pub struct FullPath;

/// The milestones and their shares' parameters, in order.
const MILESTONES: [Milestone; 4] = [
    Milestone {
        bit: FIRST_TOUCH,
        param: "first",
        default: "0.225",
        touch: "first",
    },
    Milestone {
        bit: LEAD_CREATION,
        param: "lead",
        default: "0.225",
        touch: "lead-creation",
    },
    Milestone {
        bit: OPPORTUNITY_CREATION,
        param: "opportunity",
        default: "0.225",
        touch: "opportunity-creation",
    },
    Milestone {
        bit: CLOSED_WON,
        param: "closed_won",
        default: "0.225",
        touch: "closed-won",
    },
];

impl Model for FullPath {
    fn info() -> Info {
        milestones::info(
            "full-path",
            "First, lead-creation, opportunity-creation and closed-won touches get \
             fixed shares, the other touches split the rest; absent milestones are \
             renormalized away.",
            &MILESTONES,
        )
    }

    fn attribute(input: &Journeys, params: &Params) -> Result<Output, ModelError> {
        milestones::attribute(input, params, &MILESTONES)
    }
}

ascribe_sdk::export_model!(FullPath);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::milestones::testing::*;
    use ascribe_sdk::model::{JourneysBuilder, run};
    use ascribe_sdk::testing::*;

    #[test]
    fn hand_computed_examples() {
        // F, x, L, x, O, C: milestones 0.225 each; the two others share 0.1: 0.05 each.
        assert_weights(
            &weights::<FullPath>(&[F, 0, L, 0, O, C], &[]),
            &[0.225, 0.05, 0.225, 0.05, 0.225, 0.225],
        );
        // F, L, O, C and nothing else: 0.225 each, sum 0.9 -> ¼ each.
        assert_weights(&weights::<FullPath>(&[F, L, O, C], &[]), &[0.25; 4]);
        // F, x, L|O, C: 0.225, 0.1, 0.45, 0.225 (sum 1).
        assert_weights(
            &weights::<FullPath>(&[F, 0, L | O, C], &[]),
            &[0.225, 0.1, 0.45, 0.225],
        );
        // Not closed yet: F, x, L, O -> 0.225, 0.1, 0.225, 0.225, sum 0.775
        //   -> 9/31, 4/31, 9/31, 9/31.
        assert_weights(
            &weights::<FullPath>(&[F, 0, L, O], &[]),
            &[9.0 / 31.0, 4.0 / 31.0, 9.0 / 31.0, 9.0 / 31.0],
        );
        // No flags at all: first = first touch, opportunity creation = last touch:
        //   0.225, 0.05, 0.05, 0.225 -> sum 0.55 -> 9/22, 2/22, 2/22, 9/22.
        assert_weights(
            &weights::<FullPath>(&[0, 0, 0, 0], &[]),
            &[9.0 / 22.0, 2.0 / 22.0, 2.0 / 22.0, 9.0 / 22.0],
        );
        assert_weights(&weights::<FullPath>(&[0], &[]), &[1.0]);
        // Custom: 0.3 / 0.2 / 0.2 / 0.1, others 0.2 over two touches:
        //   F, x, L, x, O, C -> 0.3, 0.1, 0.2, 0.1, 0.2, 0.1.
        assert_weights(
            &weights::<FullPath>(
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
        check_random_rounds::<FullPath>(16, 12, &[&[], &[("closed_won", "0.55"), ("first", "0")]]);
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
