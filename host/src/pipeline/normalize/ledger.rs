//! The ledger: for every source, what happened to every row. Rows read = normalized +
//! merged + rejected + out of window, always; each reject keeps its file, row and reason.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum RowStatus {
    /// Read, no verdict yet (only during normalization).
    Pending = 0,
    Normalized = 1,
    Merged = 2,
    Rejected = 3,
    /// Read and sound, but its deal lies outside the analysis window and has no FX rate:
    /// it could never be attributed, so it is neither priced nor kept.
    OutOfWindow = 4,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct RejectRow {
    pub row: u64,
    pub column: String,
    pub reason: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct ControlCheck {
    pub what: String,
    pub expected: String,
    pub actual: String,
    pub ok: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct SourceLedger {
    pub source: String,
    pub partner: String,
    pub file: String,
    pub sha256: String,
    pub bytes: u64,
    pub plugin: String,
    pub plugin_sha256: String,
    pub rows_read: u64,
    pub normalized: u64,
    pub merged: u64,
    pub rejected: u64,
    /// Rows whose deal lies outside the analysis window and could not be priced (no FX
    /// rate): not kept, never a reason to stop.
    pub out_of_window: u64,
    pub touches: u64,
    pub conversions: u64,
    pub stage_events: u64,
    pub empty_amounts: u64,
    /// Sum of amounts per original currency as read (before any conversion).
    pub amount_in: BTreeMap<String, Decimal>,
    /// The same sums over the conversions kept, before FX: equal to `amount_in` less the
    /// rejected rows' amounts, to the last digit.
    pub amount_kept: BTreeMap<String, Decimal>,
    /// The newest time at which a kept record was written (a touch, a person's stage
    /// event, a deal's creation or, once closed, its close), at or before --as-of.
    pub newest_record_ms: Option<i64>,
    /// Rows with a record written after --as-of: not counted for freshness.
    pub future_dated: u64,
    pub controls: Vec<ControlCheck>,
    pub attempts: u32,
    pub rejects: Vec<RejectRow>,
    #[serde(skip)]
    pub status: Vec<RowStatus>,
}

impl SourceLedger {
    /// Counts the verdicts. Rows a plugin never accounted for become rejects naming it.
    pub fn settle(&mut self) {
        for (i, st) in self.status.iter_mut().enumerate() {
            if *st == RowStatus::Pending {
                *st = RowStatus::Rejected;
                self.rejects.push(RejectRow {
                    row: i as u64 + 1,
                    column: String::new(),
                    reason: format!(
                        "plugin {} returned no record and no reason for this row",
                        self.plugin
                    ),
                });
            }
        }
        self.rejects
            .sort_by(|a, b| a.row.cmp(&b.row).then_with(|| a.column.cmp(&b.column)));
        self.normalized = self
            .status
            .iter()
            .filter(|s| **s == RowStatus::Normalized)
            .count() as u64;
        self.merged = self
            .status
            .iter()
            .filter(|s| **s == RowStatus::Merged)
            .count() as u64;
        self.rejected = self
            .status
            .iter()
            .filter(|s| **s == RowStatus::Rejected)
            .count() as u64;
        self.out_of_window = self
            .status
            .iter()
            .filter(|s| **s == RowStatus::OutOfWindow)
            .count() as u64;
    }

    pub fn balanced(&self) -> bool {
        self.rows_read == self.normalized + self.merged + self.rejected + self.out_of_window
    }

    /// Hours from the newest record to `as_of_end_ms` (the end of the --as-of day), to
    /// a tenth. Never negative: records after --as-of are left out (and counted in
    /// `future_dated`) when the source is read.
    pub fn freshness_hours(&self, as_of_end_ms: i64) -> Option<f64> {
        let n = self.newest_record_ms?;
        let ms = as_of_end_ms.checked_sub(n)?.max(0);
        Some((ms as f64 / 3_600_000.0 * 10.0).round() / 10.0)
    }
}
