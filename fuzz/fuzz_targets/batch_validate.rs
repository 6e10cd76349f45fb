//! A normalizer's batch, as a hostile plugin might build it: `Batch::validate` must never
//! panic, and whatever it accepts must be safe to use as the host does — every string of
//! every column readable as the exact UTF-8 it holds, every time valid, every row named
//! within the rows read.
#![no_main]

use arbitrary::{Arbitrary, Result, Unstructured};
use ascribe::runtime::normalizer::{
    Batch, ConversionCols, Reject, StageEventCols, Strings, Times, TouchCols,
};
use libfuzzer_sys::fuzz_target;

/// Mostly well-formed columns (so validation gets deep), sometimes raw garbage.
fn strings(u: &mut Unstructured, n: usize) -> Result<Strings> {
    if u.ratio(1, 4)? {
        return Ok(Strings {
            offsets: u.arbitrary()?,
            data: u.arbitrary()?,
        });
    }
    let mut s = Strings {
        offsets: vec![0],
        data: vec![],
    };
    for _ in 0..n {
        let v: &str = u.arbitrary()?;
        s.data.extend_from_slice(v.as_bytes());
        s.offsets.push(s.data.len() as u32);
    }
    // One small corruption now and then: a byte, an offset, a length.
    match u.int_in_range(0..=7)? {
        0 if !s.data.is_empty() => {
            let i = u.choose_index(s.data.len())?;
            s.data[i] = u.arbitrary()?;
        }
        1 => {
            let i = u.choose_index(s.offsets.len())?;
            s.offsets[i] = u.arbitrary()?;
        }
        2 => {
            s.offsets.pop();
        }
        3 => s.offsets.push(u.arbitrary()?),
        _ => {}
    }
    Ok(s)
}

fn times(u: &mut Unstructured, n: usize) -> Result<Times> {
    let mut t = Times::default();
    for _ in 0..n {
        t.wall_ms.push(u.arbitrary()?);
        t.offset_min.push(if u.ratio(1, 2)? {
            i32::MIN
        } else {
            u.int_in_range(-1200..=1200)?
        });
    }
    if u.ratio(1, 8)? {
        t.offset_min.push(u.arbitrary()?);
    }
    Ok(t)
}

fn rows(u: &mut Unstructured, n: usize, rows_read: u64) -> Result<Vec<u64>> {
    (0..n)
        .map(|_| {
            Ok(if u.ratio(1, 16)? {
                u.arbitrary()?
            } else {
                u.int_in_range(1..=rows_read.max(1))?
            })
        })
        .collect()
}

struct Case {
    prev: u64,
    batch: Batch,
}

impl<'a> Arbitrary<'a> for Case {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let prev = u.int_in_range(0..=64)?;
        let rows_read = if u.ratio(1, 16)? {
            u.arbitrary()?
        } else {
            prev + u.int_in_range(0..=64)?
        };
        let n = u.int_in_range(0..=16)?;
        let m = u.int_in_range(0..=8)?;
        let k = u.int_in_range(0..=8)?;
        let touches = TouchCols {
            row: rows(u, n, rows_read)?,
            person: strings(u, n)?,
            account: strings(u, n)?,
            time: times(u, n)?,
            channel: strings(u, n)?,
            source: strings(u, n)?,
            medium: strings(u, n)?,
            campaign: strings(u, n)?,
            asset: strings(u, n)?,
            region: strings(u, n)?,
            segment: strings(u, n)?,
            touch_type: strings(u, n)?,
        };
        let conversions = ConversionCols {
            row: rows(u, m, rows_read)?,
            id: strings(u, m)?,
            account: strings(u, m)?,
            account_domain: strings(u, m)?,
            stage: strings(u, m)?,
            amount: strings(u, m)?,
            currency: strings(u, m)?,
            created: times(u, m)?,
            closed: times(u, m)?,
            lead_source: strings(u, m)?,
            campaign: strings(u, m)?,
        };
        let stage_events = StageEventCols {
            row: rows(u, k, rows_read)?,
            subject_kind: (0..k)
                .map(|_| u.int_in_range(0..=2))
                .collect::<Result<_>>()?,
            subject: strings(u, k)?,
            account: strings(u, k)?,
            stage: strings(u, k)?,
            time: times(u, k)?,
        };
        let rejects = (0..u.int_in_range(0..=4)?)
            .map(|_| {
                Ok(Reject {
                    row: rows(u, 1, rows_read)?[0],
                    column: u.arbitrary()?,
                    reason: u.arbitrary()?,
                })
            })
            .collect::<Result<_>>()?;
        Ok(Case {
            prev,
            batch: Batch {
                rows_read,
                touches,
                conversions,
                stage_events,
                rejects,
            },
        })
    }
}

impl std::fmt::Debug for Case {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "prev {} {:?}", self.prev, self.batch)
    }
}

fn readable(s: &Strings, n: usize) {
    assert_eq!(s.len(), n);
    for i in 0..n {
        let (a, b) = (s.offsets[i] as usize, s.offsets[i + 1] as usize);
        let exact = std::str::from_utf8(&s.data[a..b]).expect("validated strings are UTF-8");
        assert_eq!(s.get(i), exact);
    }
}

fuzz_target!(|case: Case| {
    let b = &case.batch;
    if b.validate(case.prev).is_err() {
        return;
    }
    // Accepted: everything the host does next must be safe.
    assert!(b.rows_read >= case.prev);
    let t = &b.touches;
    let n = t.row.len();
    for (s, _) in t.texts() {
        readable(s, n);
    }
    assert_eq!((t.time.wall_ms.len(), t.time.offset_min.len()), (n, n));
    let c = &b.conversions;
    let m = c.row.len();
    for (s, _) in c.texts() {
        readable(s, m);
    }
    assert_eq!(c.created.wall_ms.len(), m);
    assert_eq!(c.closed.offset_min.len(), m);
    let e = &b.stage_events;
    let k = e.row.len();
    assert_eq!(e.subject_kind.len(), k);
    for (s, _) in e.texts() {
        readable(s, k);
    }
    for r in t.row.iter().chain(&c.row).chain(&e.row) {
        assert!((1..=b.rows_read).contains(r));
    }
    for r in &b.rejects {
        assert!((1..=b.rows_read).contains(&r.row));
    }
});
