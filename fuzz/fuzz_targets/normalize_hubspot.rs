//! The bundled HubSpot normalizer end to end through the runtime and the host's normalize
//! stage, on any bytes as an export (property: common/normalize.rs). Options: `o[0] % 4`
//! the `export` (auto, contacts, deals, activities), `o[2] % 3` the date format (ymd, mdy,
//! dmy), `o[3] % 2` decimal_comma; HubSpot exports are always comma-separated.
#![no_main]

#[path = "common/normalize.rs"]
mod normalize;

use normalize::{Input, flag};

fn params(i: &Input) -> (&'static str, Vec<(&'static str, String)>) {
    let (kind, export) = [
        ("crm", "auto"),
        ("map", "contacts"),
        ("crm", "deals"),
        ("map", "activities"),
    ][i.o[0] as usize % 4];
    (
        kind,
        vec![
            ("export", export.into()),
            (
                "date_format",
                ["ymd", "mdy", "dmy"][i.o[2] as usize % 3].into(),
            ),
            ("decimal_comma", flag(i.o[3])),
        ],
    )
}

normalize::target!("hubspot", "export.csv", params);
