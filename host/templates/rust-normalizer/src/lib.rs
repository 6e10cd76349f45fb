//! {{name}}: an ascribe partner normalizer (contract `ascribe:normalizer@0.1.0`).
//!
//! It reads a CSV export of touches, one row per touch, with the columns of
//! `sample/touches.csv`. Change `info`, `header` and `row` to read your own export; the
//! SDK in `vendor/ascribe-sdk/` streams the file, numbers the rows and packs the columns.

use ascribe_sdk::csv::{Header, Record};
use ascribe_sdk::normalizer::{Batch, Csv, CsvRows, Info, NormalizeError, SourceInfo, Touch};
use ascribe_sdk::time::{DateOrder, parse_datetime};
use ascribe_sdk::{ParamSpec, Params};

pub struct Plugin {
    delimiter: u8,
    date_order: DateOrder,
    default_channel: String,
    cols: Cols,
}

/// Positions of the columns this export has (found in the header row).
#[derive(Default)]
struct Cols {
    email: usize,
    domain: usize,
    time: usize,
    channel: usize,
    campaign: Option<usize>,
    asset: Option<usize>,
    country: Option<usize>,
}

impl CsvRows for Plugin {
    fn info() -> Info {
        Info {
            name: "{{name}}".into(),
            version: "0.1.0".into(),
            description: "Touches from a CSV export: one row per touch (e-mail, company domain, time, channel, campaign, asset, country)".into(),
            params: vec![
                ParamSpec::new("delimiter", ",", "field delimiter: `,`, `;`, `tab` or `|`"),
                ParamSpec::new(
                    "date_order",
                    "mdy",
                    "how to read all-numeric dates such as 03/04/2026: mdy or dmy",
                ),
                ParamSpec::new(
                    "default_channel",
                    "",
                    "channel for rows whose Channel cell is empty",
                ),
            ],
            accepts: vec!["map:touches".into()],
        }
    }

    fn open(_source: &SourceInfo, p: &Params) -> Result<Self, NormalizeError> {
        let delimiter = match p.str("delimiter") {
            "," => b',',
            ";" => b';',
            "|" => b'|',
            "tab" | "\t" => b'\t',
            other => {
                return Err(NormalizeError::InvalidParam(format!(
                    "parameter `delimiter`: `{other}` is not one of `,`, `;`, `tab`, `|`"
                )));
            }
        };
        Ok(Plugin {
            delimiter,
            date_order: DateOrder::parse(p.str("date_order")).map_err(|e| {
                NormalizeError::InvalidParam(format!("parameter `date_order`: {e}"))
            })?,
            default_channel: p.str("default_channel").trim().to_string(),
            cols: Cols::default(),
        })
    }

    fn delimiter(&self) -> u8 {
        self.delimiter
    }

    fn header(&mut self, h: &Header) -> Result<(), NormalizeError> {
        let req = h
            .require(&["Email", "Company Domain", "Touched At", "Channel"])
            .map_err(NormalizeError::BadFile)?;
        self.cols = Cols {
            email: req[0],
            domain: req[1],
            time: req[2],
            channel: req[3],
            campaign: h.index("Campaign"),
            asset: h.index("Asset"),
            country: h.index("Country"),
        };
        Ok(())
    }

    fn row(&mut self, row: u64, r: &Record, out: &mut Batch) {
        let c = &self.cols;
        let get = |i: Option<usize>| i.map_or(Ok(""), |i| r.get(i).map(str::trim));
        let cells = (|| -> Result<_, (&str, String)> {
            let email = get(Some(c.email)).map_err(|e| ("Email", e))?;
            let domain = get(Some(c.domain)).map_err(|e| ("Company Domain", e))?;
            let time = get(Some(c.time)).map_err(|e| ("Touched At", e))?;
            let channel = get(Some(c.channel)).map_err(|e| ("Channel", e))?;
            let campaign = get(c.campaign).map_err(|e| ("Campaign", e))?;
            let asset = get(c.asset).map_err(|e| ("Asset", e))?;
            let country = get(c.country).map_err(|e| ("Country", e))?;
            Ok((email, domain, time, channel, campaign, asset, country))
        })();
        let (email, domain, time, channel, campaign, asset, country) = match cells {
            Ok(v) => v,
            Err((column, why)) => return out.reject(row, column, why),
        };
        if email.is_empty() && domain.is_empty() {
            return out.reject(
                row,
                "Email",
                "no e-mail and no company domain: the touch cannot join any journey",
            );
        }
        let time = match parse_datetime(time, self.date_order) {
            Ok(t) => t,
            Err(e) => return out.reject(row, "Touched At", e),
        };
        // `Paid Social` → `paid_social`: channels are compared across partners.
        let channel = if channel.is_empty() {
            self.default_channel.clone()
        } else {
            channel.to_lowercase().replace(' ', "_")
        };
        out.touch(
            row,
            &Touch {
                person: email,
                account: domain,
                time,
                channel: &channel,
                campaign,
                asset,
                region: country,
                touch_type: "touch",
                ..Default::default()
            },
        );
    }
}

ascribe_sdk::export_normalizer!(Csv<Plugin>);

#[cfg(test)]
mod tests {
    use super::*;
    use ascribe_sdk::normalizer::{
        AMOUNT_CASES, clean_amount, run_file, touch_col, unaccounted_rows,
    };

    const SAMPLE: &[u8] = include_bytes!("../sample/touches.csv");

    #[test]
    fn sample_rows_are_all_accounted_for_in_any_chunking() {
        let whole = run_file::<Csv<Plugin>>("map", "touches.csv", &[], SAMPLE, 1 << 20).unwrap();
        assert_eq!(whole.rows_read, 6);
        assert_eq!(whole.touches(), 4);
        assert_eq!(whole.rejects.len(), 2);
        assert_eq!(unaccounted_rows(&whole), Vec::<u64>::new());
        assert_eq!(whole.touch[touch_col::CHANNEL].get(2), "paid_social");
        assert_eq!(
            whole.touch[touch_col::ASSET].get(3),
            "carousel \"v2\", square"
        );
        assert_eq!(whole.rejects[0].0, 4);
        assert_eq!(whole.rejects[0].1, "Touched At");
        // The host feeds 1 MiB chunks, but a record may span any two of them.
        for chunk in [1, 2, 3, 7, 64] {
            let b = run_file::<Csv<Plugin>>("map", "touches.csv", &[], SAMPLE, chunk).unwrap();
            assert_eq!(b.touch_row, whole.touch_row, "chunk {chunk}");
            assert_eq!(b.rejects, whole.rejects, "chunk {chunk}");
        }
    }

    #[test]
    fn bad_parameters_and_files_are_refused() {
        let e = run_file::<Csv<Plugin>>("map", "x.csv", &[("delimiter", "#")], SAMPLE, 64);
        assert!(matches!(e, Err(NormalizeError::InvalidParam(_))));
        let e = run_file::<Csv<Plugin>>("map", "x.csv", &[], b"Name,Date\nx,y\n", 64);
        assert_eq!(
            e.unwrap_err(),
            NormalizeError::BadFile(
                "missing required column(s): Email, Company Domain, Touched At, Channel".into()
            )
        );
    }

    /// Amounts (say for a conversion's value) read as the SDK's own tests read them:
    /// `12.5k` and `n/a` refused, `USD 99` is 99, `1.234,50` is 1234.50 with
    /// `decimal_comma` and refused without it.
    #[test]
    fn amounts_are_read_as_the_sdk_reads_them() {
        for &(cell, decimal_comma, want) in AMOUNT_CASES {
            let got = clean_amount(cell, decimal_comma);
            assert_eq!(got.as_deref().map_err(String::as_str), want, "{cell}");
        }
        for cell in ["12.5k", "n/a", "USD 99", "1.234,50"] {
            assert!(AMOUNT_CASES.iter().any(|c| c.0 == cell), "{cell}");
        }
        assert_eq!(clean_amount("1.234,50", true).unwrap(), "1234.50");
    }
}
