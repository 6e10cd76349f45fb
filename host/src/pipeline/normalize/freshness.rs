//! Freshness: how old a source's newest record is at --as-of. A record counts at the time
//! it was written — a touch or a stage event at its time, a deal at its creation or, once
//! closed, at its close — never at a date it merely names (an open deal's expected close).
//! Records dated after --as-of cannot be fresh data: they are left out and their rows
//! counted (`future_dated`), so one future-dated row cannot make a stale source look
//! current, and freshness is never negative.

use super::ledger::SourceLedger;
use crate::data::Conversion;
use crate::pipeline::campaign::Stage;

/// When a deal record was last written, as far as its fields tell.
pub fn written_ms(c: &Conversion) -> i64 {
    match (c.stage, c.closed_ms) {
        (Stage::ClosedWon | Stage::ClosedLost, Some(closed)) => closed,
        _ => c.created_ms,
    }
}

/// Adds one batch's `(row, written time)` pairs to the ledger: the newest time before
/// `as_of_end_ms` (exclusive), and the rows with a time at or after it.
pub fn note(
    ledger: &mut SourceLedger,
    written: impl Iterator<Item = (u64, i64)>,
    as_of_end_ms: i64,
) {
    let mut future: Vec<u64> = vec![];
    for (row, t) in written {
        if t >= as_of_end_ms {
            future.push(row);
        } else if ledger.newest_record_ms.is_none_or(|n| t > n) {
            ledger.newest_record_ms = Some(t);
        }
    }
    // A row's records arrive in one batch: distinct rows here are distinct in the file.
    future.sort_unstable();
    future.dedup();
    ledger.future_dated += future.len() as u64;
}
