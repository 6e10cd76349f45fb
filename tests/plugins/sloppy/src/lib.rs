//! A normalizer with the mistakes `ascribe plugin check` must catch, one per `mode`:
//! `drop` loses every third row, `split` reads each chunk on its own (a record cut by a
//! chunk boundary comes out as two broken ones), `late` rejects a row it never read,
//! `flood` makes 20 records of one row. Any other mode reads the file correctly.
//! Input: a header line, then one `email,…` line per touch.

use ascribe_sdk::normalizer::{Batch, Info, NormalizeError, Normalizer, SourceInfo, Touch};
use ascribe_sdk::time::Time;
use ascribe_sdk::{ParamSpec, Params};

pub struct Sloppy {
    mode: String,
    buf: Vec<u8>,
    header_done: bool,
}

impl Sloppy {
    fn line(&mut self, line: &[u8], out: &mut Batch) {
        if !self.header_done {
            self.header_done = true;
            return;
        }
        if line.is_empty() {
            return;
        }
        out.rows_read += 1;
        let row = out.rows_read;
        let text = String::from_utf8_lossy(line);
        let person = text.split(',').next().unwrap_or("").trim().to_string();
        let touch = Touch {
            person: &person,
            time: Time::utc_ms(1_788_343_200_000),
            channel: "webinar",
            ..Default::default()
        };
        match self.mode.as_str() {
            "drop" if row.is_multiple_of(3) => {}
            "late" if row == 2 => {
                out.touch(row, &touch);
                out.reject(row + 100, "", "a row that was never read");
            }
            "flood" if row == 1 => {
                for _ in 0..20 {
                    out.touch(row, &touch);
                }
            }
            _ => out.touch(row, &touch),
        }
    }
}

impl Normalizer for Sloppy {
    fn info() -> Info {
        Info {
            name: "sloppy".into(),
            version: "0.0.1".into(),
            description: "hostile test plugin".into(),
            params: vec![ParamSpec::new(
                "mode",
                "drop",
                "drop, split, late, flood or fine",
            )],
            accepts: vec!["map:touches".into()],
        }
    }

    fn open(_: &SourceInfo, p: &Params) -> Result<Self, NormalizeError> {
        Ok(Sloppy {
            mode: p.str("mode").to_string(),
            buf: vec![],
            header_done: false,
        })
    }

    fn push(&mut self, chunk: &[u8], out: &mut Batch) -> Result<(), NormalizeError> {
        if self.mode == "split" {
            for piece in chunk.split(|&b| b == b'\n') {
                self.line(piece, out);
            }
            return Ok(());
        }
        self.buf.extend_from_slice(chunk);
        while let Some(i) = self.buf.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = self.buf.drain(..=i).take(i).collect();
            self.line(&line, out);
        }
        Ok(())
    }

    fn finish(&mut self, out: &mut Batch) -> Result<(), NormalizeError> {
        let rest = std::mem::take(&mut self.buf);
        self.line(&rest, out);
        Ok(())
    }
}

ascribe_sdk::export_normalizer!(Sloppy);
