//! The stage table: credit per partner and per channel for each funnel milestone, from
//! that milestone's own journeys (docs/attribution.md, "Stage journeys"). Every figure is
//! an exact sum of credits in the attribution's unit, as the credit tables are.

use std::collections::BTreeMap;

use super::{Inputs, credit_by, share};
use crate::pipeline::attribute::{Attribution, Dimension};
use crate::report::schema::{StageRow, StageTable};

/// The table of one milestone's attribution; `bounds`, the intervals of its partner and
/// channel credit, when drawn.
pub fn table(
    inp: &Inputs,
    a: &Attribution,
    bounds: Option<&super::intervals::Bounds>,
) -> StageTable {
    let unit = a.currency;
    let credited = a.total.units() - a.unattributed_total.units();
    let rows = |dim: Dimension| -> Vec<StageRow> {
        let by: BTreeMap<String, (i128, _)> = credit_by(inp, a, dim);
        let mut rows: Vec<StageRow> = by
            .into_iter()
            .filter(|(_, (units, _))| *units != 0)
            .map(|(value, (units, milestones))| {
                let b = bounds.map(|b| b.get(dim, &value).unwrap_or((0, 0)));
                StageRow {
                    credit: unit.units(units).decimal(),
                    share: share(units, credited),
                    milestones: milestones.len() as u64,
                    lo: b.map(|b| unit.units(b.0).decimal()),
                    hi: b.map(|b| unit.units(b.1).decimal()),
                    value,
                }
            })
            .collect();
        rows.sort_by(|a, b| b.credit.cmp(&a.credit).then(a.value.cmp(&b.value)));
        rows
    };
    StageTable {
        stage: a.kind.stage().name().to_string(),
        measure: if a.kind.has_money() { "money" } else { "count" }.to_string(),
        milestones: a.conversions.len() as u64,
        unattributed: a.unattributed.len() as u64,
        total: a.total.decimal(),
        credited: unit.units(credited).decimal(),
        by_partner: rows(Dimension::Partner),
        by_channel: rows(Dimension::Channel),
    }
}
