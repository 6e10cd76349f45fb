//! One source through its normalizer: the file streamed in chunks (memory does not grow
//! with the file), every batch validated by the runtime, then reconciled record by record.
//! A row is atomic: if any of its records is refused, none of them is kept.

use std::collections::{BTreeMap, HashSet};
use std::io::Read;
use std::sync::mpsc::SyncSender;

use rust_decimal::Decimal;
use sha2::{Digest, Sha256};

use super::ledger::{ControlCheck, RejectRow, RowStatus, SourceLedger};
use super::memo::{Clean, Memo};
use super::reconcile::{self, MissingRate};
use crate::data::{Conversion, Origin, StageEvent, Subject, Symbols, Touch};
use crate::pipeline::campaign::{Campaign, MissingFx, Stage};
use crate::runtime::normalizer::{Batch, SourceInfo};
use crate::runtime::{Plugin, PluginError, Session};

/// Bytes handed to the plugin per call: large enough that call overhead vanishes, small
/// enough that a plugin's working set stays a few MiB.
pub const CHUNK_BYTES: usize = 1 << 20;

#[derive(Debug, Clone, thiserror::Error)]
pub enum SourceError {
    #[error("source `{source_id}`: cannot read {file}: {reason}")]
    Read {
        source_id: String,
        file: String,
        reason: String,
    },
    #[error("source `{source_id}` ({file}): {error}")]
    Plugin {
        source_id: String,
        file: String,
        error: Box<PluginError>,
    },
    #[error("source `{source_id}` ({file}) row {row}: {missing}; add a rate dated on or before {} under [fx.{}] in the campaign file, or set `missing_fx = \"reject\"` under [reconcile] to reject such rows", .missing.date, .missing.currency)]
    MissingRate {
        source_id: String,
        file: String,
        row: u64,
        missing: MissingRate,
    },
    #[error(
        "source `{source_id}` ({file}): reconciliation mismatch: {what} is {actual}, but the control total says {expected}"
    )]
    Control {
        source_id: String,
        file: String,
        what: String,
        expected: String,
        actual: String,
    },
}

impl SourceError {
    /// Whether another try could end otherwise with the same file and plugin: a read that
    /// failed, or a plugin stopped by the wall clock (a busy machine). The rest is
    /// deterministic.
    pub fn transient(&self) -> bool {
        match self {
            SourceError::Read { .. } => true,
            SourceError::Plugin { error, .. } => {
                matches!(error.cause(), Some(crate::runtime::Cause::TimeLimit(_)))
            }
            SourceError::MissingRate { .. } | SourceError::Control { .. } => false,
        }
    }
}

/// What one source contributed, before the partners are merged.
#[derive(Default)]
pub struct SourceOutput {
    pub touches: Vec<Touch>,
    pub conversions: Vec<Conversion>,
    /// Deal stage events: (deal id, stage, time), applied to the partner's conversions.
    pub deal_events: Vec<(String, Stage, i64)>,
    pub person_events: Vec<StageEvent>,
    /// The symbols this source's records use; the merge gate renumbers them into one table.
    pub symbols: Symbols,
}

pub fn run(
    c: &Campaign,
    source_index: usize,
    plugin: &Plugin,
    scope: &super::Scope,
) -> Result<(SourceOutput, SourceLedger), SourceError> {
    let src = &c.sources[source_index];
    let file_shown = src.file.display().to_string();
    let read_err = |reason: String| SourceError::Read {
        source_id: src.id.clone(),
        file: file_shown.clone(),
        reason,
    };
    let (f, _) = crate::fsx::open_regular(&src.file, "source files", None)
        .map_err(|e| read_err(e.to_string()))?;
    let plugin_err = |error: PluginError| SourceError::Plugin {
        source_id: src.id.clone(),
        file: file_shown.clone(),
        error: Box::new(error),
    };
    let info = SourceInfo {
        kind: src.kind.name().into(),
        file_name: src
            .file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
    };
    let session = plugin.open(&info, &src.params).map_err(plugin_err)?;

    let mut ledger = SourceLedger {
        source: src.id.clone(),
        partner: c.partners[src.partner].name.clone(),
        file: c.relative(&src.file),
        sha256: String::new(),
        bytes: 0,
        plugin: plugin.label().name.clone(),
        plugin_sha256: plugin.sha256.clone(),
        rows_read: 0,
        normalized: 0,
        merged: 0,
        rejected: 0,
        out_of_window: 0,
        touches: 0,
        conversions: 0,
        stage_events: 0,
        empty_amounts: 0,
        amount_in: BTreeMap::new(),
        amount_kept: BTreeMap::new(),
        newest_record_ms: None,
        future_dated: 0,
        controls: vec![],
        attempts: 1,
        rejects: vec![],
        status: vec![],
    };
    let mut out = SourceOutput::default();
    let mut cx = Cx {
        c,
        source_index,
        partner: src.partner,
        tz: src.timezone,
        ids: Default::default(),
        memo: Memo::new(&c.salt),
        columns: export_columns(src, plugin),
        scope: *scope,
    };
    // The plugin parses the next chunk while this thread reconciles the last batch: on
    // two cores a source takes max(plugin, host) instead of their sum. At most
    // `IN_FLIGHT` batches wait between the two, so memory stays independent of the file.
    const IN_FLIGHT: usize = 2;
    let (tx, rx) = std::sync::mpsc::sync_channel::<Result<Feed, SourceError>>(IN_FLIGHT);
    std::thread::scope(|scope| {
        scope.spawn(move || {
            if let Err(e) = produce(f, session, &tx, &read_err, &plugin_err) {
                let _ = tx.send(Err(e));
            }
        });
        // Returning early drops `rx`: the producer's next send fails and it stops.
        for msg in rx {
            match msg? {
                Feed::Batch(batch) => cx.absorb(*batch, &mut out, &mut ledger)?,
                Feed::Done { sha256, bytes } => {
                    ledger.sha256 = sha256;
                    ledger.bytes = bytes;
                }
            }
        }
        Ok::<(), SourceError>(())
    })?;
    out.symbols = cx.memo.symbols;
    ledger
        .status
        .resize(ledger.rows_read as usize, RowStatus::Pending);

    if let Some(ct) = &src.control_totals {
        if let Some(rows) = ct.rows {
            let ok = rows == ledger.rows_read;
            ledger.controls.push(ControlCheck {
                what: "rows".into(),
                expected: rows.to_string(),
                actual: ledger.rows_read.to_string(),
                ok,
            });
            if !ok {
                return Err(SourceError::Control {
                    source_id: src.id.clone(),
                    file: file_shown,
                    what: "the data row count".into(),
                    expected: rows.to_string(),
                    actual: ledger.rows_read.to_string(),
                });
            }
        }
        if let Some(amount) = ct.amount {
            let actual: Decimal = ledger.amount_in.values().copied().sum();
            let ok = (actual - amount).abs() <= ct.tolerance;
            ledger.controls.push(ControlCheck {
                what: "amount".into(),
                expected: amount.to_string(),
                actual: actual.to_string(),
                ok,
            });
            if !ok {
                return Err(SourceError::Control {
                    source_id: src.id.clone(),
                    file: file_shown,
                    what: "the sum of amounts".into(),
                    expected: format!("{amount} (± {})", ct.tolerance),
                    actual: actual.to_string(),
                });
            }
        }
    }
    Ok((out, ledger))
}

/// What the producer thread hands the reconciling one.
enum Feed {
    Batch(Box<Batch>),
    /// The file is read to its end and the plugin has finished.
    Done {
        sha256: String,
        bytes: u64,
    },
}

/// Streams the file through the plugin in chunks. Stops quietly when the receiving side
/// has gone (it failed, and reports its own error).
fn produce(
    mut f: std::fs::File,
    mut session: Session<'_>,
    tx: &SyncSender<Result<Feed, SourceError>>,
    read_err: &dyn Fn(String) -> SourceError,
    plugin_err: &dyn Fn(PluginError) -> SourceError,
) -> Result<(), SourceError> {
    let mut hasher = Sha256::new();
    let mut bytes = 0u64;
    let mut buf = vec![0u8; CHUNK_BYTES];
    loop {
        let n = read_full(&mut f, &mut buf).map_err(|e| read_err(e.to_string()))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        bytes += n as u64;
        let batch = session.push(&buf[..n]).map_err(plugin_err)?;
        if tx.send(Ok(Feed::Batch(Box::new(batch)))).is_err() {
            return Ok(());
        }
    }
    let batch = session.finish().map_err(plugin_err)?;
    if tx.send(Ok(Feed::Batch(Box::new(batch)))).is_ok() {
        let _ = tx.send(Ok(Feed::Done {
            sha256: crate::runtime::cache::hex(&hasher.finalize()),
            bytes,
        }));
    }
    Ok(())
}

/// Reads until the buffer is full or the file ends, so chunks are full-sized.
fn read_full(f: &mut std::fs::File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match f.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

struct Cx<'a> {
    c: &'a Campaign,
    source_index: usize,
    partner: usize,
    tz: chrono_tz::Tz,
    /// Conversion ids kept so far in this file, with their row.
    ids: std::collections::HashMap<String, u64>,
    memo: Memo,
    /// The export's column for each field the host checks, for reject reasons: a user
    /// fixes `Opportunity Currency` in their file, not ascribe's `currency`.
    columns: [(&'static str, String); 6],
    /// The analysis window and --as-of: what may stop a run, and what counts as fresh.
    scope: super::Scope,
}

/// The fields the host itself refuses values of.
const CHECKED_FIELDS: [&str; 6] = ["time", "amount", "currency", "stage", "created", "closed"];

/// The export column a field is read from: the source's `col_<field>` parameter, else the
/// plugin's declared default for it (a normalizer with fixed columns declares them so), else
/// the field's own name (generic-csv reads a column of that name).
fn export_columns(
    src: &crate::pipeline::campaign::Source,
    plugin: &Plugin,
) -> [(&'static str, String); 6] {
    CHECKED_FIELDS.map(|f| {
        let key = format!("col_{f}");
        let set = src
            .params
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.clone());
        let declared = plugin.normalizer_info().and_then(|i| {
            i.params
                .iter()
                .find(|p| p.name == key && !p.default_value.is_empty())
                .map(|p| p.default_value.clone())
        });
        (
            f,
            set.filter(|v| !v.is_empty())
                .or(declared)
                .unwrap_or_else(|| f.to_string()),
        )
    })
}

impl Cx<'_> {
    fn origin(&self, row: u64) -> Origin {
        Origin {
            source: self.source_index as u16,
            row,
        }
    }

    /// Reconciles one batch into the source's output and ledger: every touch, conversion,
    /// stage event and reject, row by row. Long (about 400 lines) on purpose: it is the
    /// per-record hot loop of normalization (docs/performance.md, "normalization"), and the
    /// three record kinds share the row accounting, the memo and the reject closure; split
    /// into functions, each would take the same eight borrows back and forth.
    fn absorb(
        &mut self,
        b: Batch,
        out: &mut SourceOutput,
        ledger: &mut SourceLedger,
    ) -> Result<(), SourceError> {
        let src = &self.c.sources[self.source_index];
        ledger.rows_read = b.rows_read;
        if ledger.status.len() < b.rows_read as usize {
            ledger
                .status
                .resize(b.rows_read as usize, RowStatus::Pending);
        }
        let mut refused: HashSet<u64> = HashSet::new();
        // Rows whose deal has no FX rate but lies outside the window: never priced.
        let mut unpriced: Vec<u64> = vec![];
        let reject = |ledger: &mut SourceLedger,
                      refused: &mut HashSet<u64>,
                      row: u64,
                      column: &str,
                      reason: String| {
            refused.insert(row);
            ledger.rejects.push(RejectRow {
                row,
                column: column.to_string(),
                reason,
            });
        };
        for r in &b.rejects {
            reject(ledger, &mut refused, r.row, &r.column, r.reason.clone());
        }
        let columns = &self.columns;
        let col = |field: &'static str| -> &str {
            columns
                .iter()
                .find(|(f, _)| *f == field)
                .map_or(field, |(_, c)| c.as_str())
        };
        let mark = out.touches.len();
        let cmark = out.conversions.len();
        let emark = out.person_events.len();

        let t = &b.touches;
        let memo = &mut self.memo;
        for i in 0..t.row.len() {
            let row = t.row[i];
            let person = memo.person(t.person.bytes(i));
            let mut account = memo.sym(t.account.bytes(i), Clean::Account);
            if account == 0 {
                account = person.domain;
            }
            if person.id == 0 && account == 0 {
                reject(
                    ledger,
                    &mut refused,
                    row,
                    "person",
                    "no person and no account: the touch cannot join any journey".into(),
                );
                continue;
            }
            let time = match memo.to_utc_ms(t.time.wall_ms[i], t.time.offset_min[i], self.tz) {
                Ok(Some(ms)) => ms,
                Ok(None) => {
                    reject(
                        ledger,
                        &mut refused,
                        row,
                        col("time"),
                        "no time given".into(),
                    );
                    continue;
                }
                Err(e) => {
                    reject(ledger, &mut refused, row, col("time"), e);
                    continue;
                }
            };
            out.touches.push(Touch {
                person: person.id,
                account,
                time_ms: time,
                partners: 1 << self.partner,
                channel: memo.sym(t.channel.bytes(i), Clean::Lower),
                source: memo.sym(t.source.bytes(i), Clean::Lower),
                medium: memo.sym(t.medium.bytes(i), Clean::Lower),
                campaign: memo.sym(t.campaign.bytes(i), Clean::Trim),
                asset: memo.sym(t.asset.bytes(i), Clean::Trim),
                region: memo.sym(t.region.bytes(i), Clean::Trim),
                segment: memo.sym(t.segment.bytes(i), Clean::Trim),
                touch_type: memo.sym(t.touch_type.bytes(i), Clean::Lower),
                channel_group: 0,
                origin: Origin {
                    source: self.source_index as u16,
                    row,
                },
            });
        }

        let cv = &b.conversions;
        for i in 0..cv.row.len() {
            let row = cv.row[i];
            let id = cv.id.get(i).trim();
            if id.is_empty() {
                reject(
                    ledger,
                    &mut refused,
                    row,
                    "id",
                    "no opportunity or deal id".into(),
                );
                continue;
            }
            let amount_text = cv.amount.get(i);
            let amount = match reconcile::parse_amount(amount_text) {
                Ok(a) => a,
                Err(e) => {
                    reject(ledger, &mut refused, row, col("amount"), e);
                    continue;
                }
            };
            let currency = match reconcile::currency_code(cv.currency.get(i)) {
                Ok(c) => c,
                Err(e) => {
                    reject(ledger, &mut refused, row, col("currency"), e);
                    continue;
                }
            };
            *ledger.amount_in.entry(currency.clone()).or_default() += amount;
            if amount_text.trim().is_empty() {
                ledger.empty_amounts += 1;
            }
            let stage = match reconcile::map_stage(self.c, self.partner, cv.stage.get(i)) {
                Ok(s) => s,
                Err(e) => {
                    reject(ledger, &mut refused, row, col("stage"), e);
                    continue;
                }
            };
            let created = match reconcile::to_utc_ms(
                cv.created.wall_ms[i],
                cv.created.offset_min[i],
                self.tz,
            ) {
                Ok(Some(ms)) => ms,
                Ok(None) => {
                    reject(
                        ledger,
                        &mut refused,
                        row,
                        "created",
                        "no created date".into(),
                    );
                    continue;
                }
                Err(e) => {
                    reject(ledger, &mut refused, row, col("created"), e);
                    continue;
                }
            };
            let closed = match reconcile::to_utc_ms(
                cv.closed.wall_ms[i],
                cv.closed.offset_min[i],
                self.tz,
            ) {
                Ok(t) => t,
                Err(e) => {
                    reject(ledger, &mut refused, row, col("closed"), e);
                    continue;
                }
            };
            if matches!(stage, Stage::ClosedWon | Stage::ClosedLost) && closed.is_none() {
                reject(
                    ledger,
                    &mut refused,
                    row,
                    "closed",
                    format!("stage {} needs a close date", stage.name()),
                );
                continue;
            }
            if let Some(cl) = closed
                && cl < created
            {
                reject(
                    ledger,
                    &mut refused,
                    row,
                    "closed",
                    "the close date is before the created date".into(),
                );
                continue;
            }
            // Closed deals convert at their close date, open ones at creation (docs/data-model.md).
            let fx_date =
                reconcile::date_of(if matches!(stage, Stage::ClosedWon | Stage::ClosedLost) {
                    closed.unwrap_or(created)
                } else {
                    created
                });
            let reporting = match reconcile::to_reporting(self.c, amount, &currency, fx_date) {
                Ok(r) => r,
                // A deal that can never be attributed in this window never stops a run
                // (docs/data-model.md); one that can follows the campaign's policy.
                Err(_) if !self.scope.may_attribute(stage, created, closed) => {
                    unpriced.push(row);
                    continue;
                }
                Err(missing) => match self.c.reconcile.missing_fx {
                    MissingFx::Reject => {
                        reject(
                            ledger,
                            &mut refused,
                            row,
                            col("currency"),
                            missing.to_string(),
                        );
                        continue;
                    }
                    MissingFx::Stop => {
                        return Err(SourceError::MissingRate {
                            source_id: src.id.clone(),
                            file: ledger.file.clone(),
                            row,
                            missing,
                        });
                    }
                },
            };
            let mut stage_ms = [None; 6];
            stage_ms[Stage::Opportunity.index()] = Some(created);
            if matches!(stage, Stage::ClosedWon | Stage::ClosedLost) {
                stage_ms[stage.index()] = closed;
            }
            let mut account = reconcile::account_key(cv.account_domain.get(i));
            if account.is_empty() {
                account = reconcile::account_key(cv.account.get(i));
            }
            // Found by the bad-input corpus: an export listing one opportunity twice
            // counted its amount twice (partners' duplicates merge; one file's did not).
            if let Some(first) = self.ids.get(id) {
                reject(
                    ledger,
                    &mut refused,
                    row,
                    "id",
                    format!(
                        "id `{}` is already on row {first} of this file; a repeated row would count its amount twice",
                        crate::runtime::model::truncate(id, 64)
                    ),
                );
                continue;
            }
            self.ids.insert(id.to_string(), row);
            out.conversions.push(Conversion {
                id: id.to_string(),
                ids: vec![(self.partner, id.to_string())],
                partners: 1 << self.partner,
                account: self.memo.symbols.intern(&account),
                amount: reporting,
                original_amount: amount,
                original_currency: currency,
                stage,
                created_ms: created,
                closed_ms: closed,
                stage_ms,
                lead_source: self.memo.sym(cv.lead_source.bytes(i), Clean::Trim),
                campaign: self.memo.sym(cv.campaign.bytes(i), Clean::Trim),
                origin: self.origin(row),
            });
        }

        let e = &b.stage_events;
        for i in 0..e.row.len() {
            let row = e.row[i];
            let stage = match self.memo.stage(self.c, self.partner, e.stage.bytes(i)) {
                Ok(s) => s,
                Err(msg) => {
                    reject(ledger, &mut refused, row, col("stage"), msg);
                    continue;
                }
            };
            let time = match self
                .memo
                .to_utc_ms(e.time.wall_ms[i], e.time.offset_min[i], self.tz)
            {
                Ok(Some(ms)) => ms,
                Ok(None) => {
                    reject(
                        ledger,
                        &mut refused,
                        row,
                        "time",
                        "no time given for the stage".into(),
                    );
                    continue;
                }
                Err(msg) => {
                    reject(ledger, &mut refused, row, col("time"), msg);
                    continue;
                }
            };
            let key = e.subject.get(i);
            if e.subject_kind[i] == 1 {
                out.deal_events.push((key.trim().to_string(), stage, time));
                // The deal's own row carries the verdict; this event rides along with it.
                continue;
            }
            let person = self.memo.person(key.as_bytes());
            let mut account = self.memo.sym(e.account.bytes(i), Clean::Account);
            if account == 0 {
                account = person.domain;
            }
            if person.id == 0 && account == 0 {
                reject(
                    ledger,
                    &mut refused,
                    row,
                    "subject",
                    "a stage event with no person and no account".into(),
                );
                continue;
            }
            let person = person.id;
            out.person_events.push(StageEvent {
                subject: if person == 0 {
                    Subject::Deal
                } else {
                    Subject::Person(person)
                },
                account,
                stage,
                time_ms: time,
                partner: self.partner,
                origin: self.origin(row),
            });
        }

        // Rows are atomic: drop every record of a refused row.
        if !refused.is_empty() {
            out.touches
                .truncate_retain(mark, |t| !refused.contains(&t.origin.row));
            out.conversions
                .truncate_retain(cmark, |cv| !refused.contains(&cv.origin.row));
            out.person_events
                .truncate_retain(emark, |ev| !refused.contains(&ev.origin.row));
            // Deal events stay: they only ever apply to a conversion that was kept.
        }
        for cv in &out.conversions[cmark.min(out.conversions.len())..] {
            *ledger
                .amount_kept
                .entry(cv.original_currency.clone())
                .or_default() += cv.original_amount;
        }
        let rows = out.touches[mark.min(out.touches.len())..]
            .iter()
            .map(|t| t.origin.row)
            .chain(
                out.conversions[cmark.min(out.conversions.len())..]
                    .iter()
                    .map(|c| c.origin.row),
            )
            .chain(
                out.person_events[emark.min(out.person_events.len())..]
                    .iter()
                    .map(|e| e.origin.row),
            );
        // Freshness: when each kept record was written (docs/data-model.md).
        let written = out.touches[mark.min(out.touches.len())..]
            .iter()
            .map(|t| (t.origin.row, t.time_ms))
            .chain(
                out.conversions[cmark.min(out.conversions.len())..]
                    .iter()
                    .map(|c| (c.origin.row, super::freshness::written_ms(c))),
            )
            .chain(
                out.person_events[emark.min(out.person_events.len())..]
                    .iter()
                    .map(|e| (e.origin.row, e.time_ms)),
            );
        super::freshness::note(ledger, written, self.scope.as_of_end_ms);
        for row in rows {
            let st = &mut ledger.status[(row - 1) as usize];
            if *st == RowStatus::Pending {
                *st = RowStatus::Normalized;
            }
        }
        for row in refused {
            ledger.status[(row - 1) as usize] = RowStatus::Rejected;
        }
        for row in unpriced {
            let st = &mut ledger.status[(row - 1) as usize];
            if *st == RowStatus::Pending {
                *st = RowStatus::OutOfWindow;
            }
        }
        ledger.touches = out.touches.len() as u64;
        ledger.conversions = out.conversions.len() as u64;
        ledger.stage_events = out.person_events.len() as u64;
        Ok(())
    }
}

trait TruncateRetain<T> {
    /// `retain` over the elements from `from` on, leaving earlier ones alone.
    fn truncate_retain(&mut self, from: usize, f: impl FnMut(&T) -> bool);
}

impl<T> TruncateRetain<T> for Vec<T> {
    fn truncate_retain(&mut self, from: usize, mut f: impl FnMut(&T) -> bool) {
        let tail: Vec<T> = self.drain(from..).collect();
        self.extend(tail.into_iter().filter(|x| f(x)));
    }
}
