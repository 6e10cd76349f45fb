//! The normalizer contract as the rest of the host sees it, and the checks applied to
//! every batch a normalizer returns.

use serde::Serialize;

use super::model::ParamSpec;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NormalizerInfo {
    pub name: String,
    pub version: String,
    pub description: String,
    pub params: Vec<ParamSpec>,
    pub accepts: Vec<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SourceInfo {
    pub kind: String,
    pub file_name: String,
}

/// Packed UTF-8 strings; validated on arrival, so `get` never fails.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Strings {
    pub offsets: Vec<u32>,
    pub data: Vec<u8>,
}

impl Strings {
    pub fn len(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The raw bytes of string `i` (valid UTF-8 once `check` has passed).
    pub fn bytes(&self, i: usize) -> &[u8] {
        &self.data[self.offsets[i] as usize..self.offsets[i + 1] as usize]
    }

    pub fn get(&self, i: usize) -> &str {
        let (s, e) = (self.offsets[i] as usize, self.offsets[i + 1] as usize);
        // Validated as a whole and at every boundary by `check`.
        std::str::from_utf8(&self.data[s..e]).unwrap_or("")
    }

    fn check(&self, n: usize, what: &str) -> Result<(), String> {
        if self.offsets.len() != n + 1 {
            return Err(format!(
                "column `{what}` has {} offsets for {n} rows (want {})",
                self.offsets.len(),
                n + 1
            ));
        }
        if self.offsets[0] != 0 {
            return Err(format!("column `{what}`: offsets must start at 0"));
        }
        if let Some(i) = self.offsets.windows(2).position(|w| w[0] > w[1]) {
            return Err(format!("column `{what}`: offsets decrease at row {i}"));
        }
        if *self.offsets.last().unwrap() as usize != self.data.len() {
            return Err(format!(
                "column `{what}`: the last offset is {} but the data holds {} bytes",
                self.offsets.last().unwrap(),
                self.data.len()
            ));
        }
        let text = std::str::from_utf8(&self.data)
            .map_err(|e| format!("column `{what}` is not valid UTF-8 ({e})"))?;
        if let Some(i) = self
            .offsets
            .iter()
            .position(|&o| !text.is_char_boundary(o as usize))
        {
            return Err(format!(
                "column `{what}`: offset {i} splits a UTF-8 character"
            ));
        }
        if let Some(i) =
            (0..n).find(|&i| (self.offsets[i + 1] - self.offsets[i]) as usize > MAX_FIELD_BYTES)
        {
            return Err(format!(
                "column `{what}`: value at index {i} is longer than {MAX_FIELD_BYTES} bytes"
            ));
        }
        Ok(())
    }
}

/// No field of a canonical record needs more; a longer one is a runaway plugin.
pub const MAX_FIELD_BYTES: usize = 64 << 10;
/// Output records allowed per input row read in the same call (a row may give a touch and
/// a stage event, HubSpot contacts up to six): more means the plugin is inventing rows.
pub const MAX_RECORDS_PER_ROW: u64 = 16;
pub const MAX_REJECT_TEXT: usize = 1024;

/// Sentinel values of the contract's `times` record.
pub const NO_OFFSET: i32 = i32::MIN;
pub const NO_TIME: i64 = i64::MIN;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Times {
    pub wall_ms: Vec<i64>,
    pub offset_min: Vec<i32>,
}

impl Times {
    fn check(&self, n: usize, what: &str) -> Result<(), String> {
        if self.wall_ms.len() != n || self.offset_min.len() != n {
            return Err(format!(
                "column `{what}` has {}/{} entries for {n} rows",
                self.wall_ms.len(),
                self.offset_min.len()
            ));
        }
        if let Some(o) = self
            .offset_min
            .iter()
            .find(|&&o| o != NO_OFFSET && !(-18 * 60..=18 * 60).contains(&o))
        {
            return Err(format!(
                "column `{what}`: UTC offset {o} minutes is impossible"
            ));
        }
        Ok(())
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct TouchCols {
    pub row: Vec<u64>,
    pub person: Strings,
    pub account: Strings,
    pub time: Times,
    pub channel: Strings,
    pub source: Strings,
    pub medium: Strings,
    pub campaign: Strings,
    pub asset: Strings,
    pub region: Strings,
    pub segment: Strings,
    pub touch_type: Strings,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct ConversionCols {
    pub row: Vec<u64>,
    pub id: Strings,
    pub account: Strings,
    pub account_domain: Strings,
    pub stage: Strings,
    pub amount: Strings,
    pub currency: Strings,
    pub created: Times,
    pub closed: Times,
    pub lead_source: Strings,
    pub campaign: Strings,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct StageEventCols {
    pub row: Vec<u64>,
    pub subject_kind: Vec<u8>,
    pub subject: Strings,
    pub account: Strings,
    pub stage: Strings,
    pub time: Times,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Reject {
    pub row: u64,
    pub column: String,
    pub reason: String,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Batch {
    pub rows_read: u64,
    pub touches: TouchCols,
    pub conversions: ConversionCols,
    pub stage_events: StageEventCols,
    pub rejects: Vec<Reject>,
}

impl Batch {
    /// Checks a batch against the contract. `prev_rows_read` is what the session had
    /// reported before this call.
    pub fn validate(&self, prev_rows_read: u64) -> Result<(), String> {
        if self.rows_read < prev_rows_read {
            return Err(format!(
                "rows-read went back from {prev_rows_read} to {}",
                self.rows_read
            ));
        }
        let t = &self.touches;
        let n = t.row.len();
        for (c, name) in [
            (&t.person, "touches.person"),
            (&t.account, "touches.account"),
            (&t.channel, "touches.channel"),
            (&t.source, "touches.source"),
            (&t.medium, "touches.medium"),
            (&t.campaign, "touches.campaign"),
            (&t.asset, "touches.asset"),
            (&t.region, "touches.region"),
            (&t.segment, "touches.segment"),
            (&t.touch_type, "touches.touch-type"),
        ] {
            c.check(n, name)?;
        }
        t.time.check(n, "touches.time")?;
        let c = &self.conversions;
        let m = c.row.len();
        for (s, name) in [
            (&c.id, "conversions.id"),
            (&c.account, "conversions.account"),
            (&c.account_domain, "conversions.account-domain"),
            (&c.stage, "conversions.stage"),
            (&c.amount, "conversions.amount"),
            (&c.currency, "conversions.currency"),
            (&c.lead_source, "conversions.lead-source"),
            (&c.campaign, "conversions.campaign"),
        ] {
            s.check(m, name)?;
        }
        c.created.check(m, "conversions.created")?;
        c.closed.check(m, "conversions.closed")?;
        let e = &self.stage_events;
        let k = e.row.len();
        if e.subject_kind.len() != k {
            return Err(format!(
                "column `stage-events.subject-kind` has {} entries for {k} rows",
                e.subject_kind.len()
            ));
        }
        if let Some(v) = e.subject_kind.iter().find(|&&v| v > 1) {
            return Err(format!(
                "stage-events.subject-kind {v} is neither 0 (person) nor 1 (deal)"
            ));
        }
        e.subject.check(k, "stage-events.subject")?;
        e.account.check(k, "stage-events.account")?;
        e.stage.check(k, "stage-events.stage")?;
        e.time.check(k, "stage-events.time")?;
        let new_rows = self.rows_read - prev_rows_read;
        let records = (n + m + k + self.rejects.len()) as u64;
        // Saturating: a plugin may claim any row count (u64::MAX included).
        if records
            > MAX_RECORDS_PER_ROW
                .saturating_mul(new_rows)
                .saturating_add(MAX_RECORDS_PER_ROW)
        {
            return Err(format!(
                "{records} records for {new_rows} rows read (at most {MAX_RECORDS_PER_ROW} a row)"
            ));
        }
        for (rows, what) in [
            (&t.row, "touches"),
            (&c.row, "conversions"),
            (&e.row, "stage-events"),
        ] {
            if let Some(r) = rows.iter().find(|&&r| r == 0 || r > self.rows_read) {
                return Err(format!(
                    "{what} names row {r}, outside 1..={}",
                    self.rows_read
                ));
            }
        }
        for rj in &self.rejects {
            if rj.row == 0 || rj.row > self.rows_read {
                return Err(format!(
                    "a reject names row {}, outside 1..={}",
                    rj.row, self.rows_read
                ));
            }
            if rj.reason.len() > MAX_REJECT_TEXT || rj.column.len() > MAX_REJECT_TEXT {
                return Err(format!(
                    "a reject's text is longer than {MAX_REJECT_TEXT} bytes"
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn empty(rows_read: u64) -> Batch {
        let s = || Strings {
            offsets: vec![0],
            data: vec![],
        };
        let mut b = Batch {
            rows_read,
            ..Default::default()
        };
        let t = &mut b.touches;
        for c in [
            &mut t.person,
            &mut t.account,
            &mut t.channel,
            &mut t.source,
            &mut t.medium,
            &mut t.campaign,
            &mut t.asset,
            &mut t.region,
            &mut t.segment,
            &mut t.touch_type,
        ] {
            *c = s();
        }
        let c = &mut b.conversions;
        for x in [
            &mut c.id,
            &mut c.account,
            &mut c.account_domain,
            &mut c.stage,
            &mut c.amount,
            &mut c.currency,
            &mut c.lead_source,
            &mut c.campaign,
        ] {
            *x = s();
        }
        let e = &mut b.stage_events;
        for x in [&mut e.subject, &mut e.account, &mut e.stage] {
            *x = s();
        }
        b
    }

    #[test]
    fn any_claimed_row_count_is_judged_without_overflow() {
        // Found by the hostile corpus: 16 × u64::MAX overflowed (a panic in debug builds).
        assert_eq!(empty(u64::MAX).validate(0), Ok(()));
        assert_eq!(empty(u64::MAX).validate(u64::MAX - 1), Ok(()));
        assert_eq!(
            empty(1).validate(2),
            Err("rows-read went back from 2 to 1".into())
        );
    }
}
