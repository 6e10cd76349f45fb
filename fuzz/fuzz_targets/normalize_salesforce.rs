//! The bundled Salesforce normalizer end to end through the runtime and the host's
//! normalize stage, on any bytes as a report export (property: common/normalize.rs).
//! Options: `o[0] % 3` the `export` (auto, opportunities, campaign-members), `o[1] % 4`
//! the delimiter, `o[2] % 2` the date order (mdy, dmy), `o[3] % 2` decimal_comma.
#![no_main]

#[path = "common/normalize.rs"]
mod normalize;

use normalize::{Input, delimiter, flag};

fn params(i: &Input) -> (&'static str, Vec<(&'static str, String)>) {
    let (kind, export) = [
        ("crm", "auto"),
        ("crm", "opportunities"),
        ("map", "campaign-members"),
    ][i.o[0] as usize % 3];
    (
        kind,
        vec![
            ("export", export.into()),
            ("delimiter", delimiter(i.o[1])),
            ("date_order", ["mdy", "dmy"][i.o[2] as usize % 2].into()),
            ("decimal_comma", flag(i.o[3])),
        ],
    )
}

normalize::target!("salesforce", "export.csv", params);
