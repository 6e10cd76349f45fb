//! A normalizer that reads every line as a row but returns a touch for odd rows only:
//! even rows get neither a record nor a reject. The host must record each dropped row as
//! a reject that names this plugin.
use ascribe_sdk::Params;
use ascribe_sdk::normalizer::{Batch, Info, NormalizeError, Normalizer, SourceInfo, Touch};
use ascribe_sdk::time::Time;
include!("../../common.rs");

pub struct DropRows {
    tail: Vec<u8>,
}

impl DropRows {
    fn rows(&mut self, chunk: &[u8], eof: bool, out: &mut Batch) {
        let n = raw::take_lines(&mut self.tail, chunk, eof);
        for _ in 0..n {
            out.rows_read += 1;
            let row = out.rows_read;
            if row % 2 == 1 {
                let person = format!("row{row}@drop-rows.invalid");
                out.touch(
                    row,
                    &Touch {
                        person: &person,
                        account: "drop-rows.invalid",
                        time: Time::utc_ms(1_789_473_600_000),
                        channel: "hostile",
                        ..Default::default()
                    },
                );
            }
        }
    }
}

impl Normalizer for DropRows {
    fn info() -> Info {
        Info {
            name: "drop-rows".into(),
            version: "0.0.1".into(),
            description: "hostile test plugin".into(),
            params: vec![],
            accepts: vec!["map:any".into()],
        }
    }
    fn open(_: &SourceInfo, _: &Params) -> Result<Self, NormalizeError> {
        Ok(DropRows { tail: vec![] })
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
ascribe_sdk::export_normalizer!(DropRows);
