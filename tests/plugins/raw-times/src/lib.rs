//! A normalizer that passes times through unchecked: each line `person,wall_ms,offset_min`
//! (an empty offset: none given) becomes a touch at exactly that wall time. The host must
//! range-check every time itself: year 9999 and the extremes of i64 are refused row by
//! row, never wrapped, never a panic.
use ascribe_sdk::Params;
use ascribe_sdk::normalizer::{Batch, Info, NormalizeError, Normalizer, SourceInfo, Touch};
use ascribe_sdk::time::Time;

pub struct RawTimes {
    tail: Vec<u8>,
}

impl RawTimes {
    fn line(line: &[u8], out: &mut Batch) {
        let text = String::from_utf8_lossy(line);
        let text = text.trim_end_matches('\r');
        if text.is_empty() {
            return;
        }
        out.rows_read += 1;
        let row = out.rows_read;
        let mut f = text.split(',');
        let person = f.next().unwrap_or("").trim();
        let wall = f.next().unwrap_or("").trim().parse::<i64>();
        let offset = f.next().unwrap_or("").trim();
        let Ok(wall_ms) = wall else {
            out.reject(row, "wall_ms", "not a number");
            return;
        };
        let offset_min = if offset.is_empty() {
            None
        } else {
            match offset.parse::<i32>() {
                Ok(o) => Some(o),
                Err(_) => {
                    out.reject(row, "offset_min", "not a number");
                    return;
                }
            }
        };
        out.touch(
            row,
            &Touch {
                person,
                account: "raw-times.example",
                time: Time {
                    wall_ms,
                    offset_min,
                },
                channel: "webinar",
                ..Default::default()
            },
        );
    }

    fn rows(&mut self, chunk: &[u8], eof: bool, out: &mut Batch) {
        self.tail.extend_from_slice(chunk);
        let mut start = 0;
        while let Some(i) = self.tail[start..].iter().position(|&b| b == b'\n') {
            let line = self.tail[start..start + i].to_vec();
            Self::line(&line, out);
            start += i + 1;
        }
        self.tail.drain(..start);
        if eof && !self.tail.is_empty() {
            let line = std::mem::take(&mut self.tail);
            Self::line(&line, out);
        }
    }
}

impl Normalizer for RawTimes {
    fn info() -> Info {
        Info {
            name: "raw-times".into(),
            version: "0.0.1".into(),
            description: "hostile test plugin".into(),
            params: vec![],
            accepts: vec!["map:any".into()],
        }
    }
    fn open(_: &SourceInfo, _: &Params) -> Result<Self, NormalizeError> {
        Ok(RawTimes { tail: vec![] })
    }
    fn push(&mut self, chunk: &[u8], out: &mut Batch) -> Result<(), NormalizeError> {
        self.rows(chunk, false, out);
        Ok(())
    }
    fn finish(&mut self, out: &mut Batch) -> Result<(), NormalizeError> {
        self.rows(&[], true, out);
        Ok(())
    }
}
ascribe_sdk::export_normalizer!(RawTimes);
