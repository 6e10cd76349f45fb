//! The bundled generic-csv normalizer end to end through the runtime and the host's
//! normalize stage, on any bytes as a CSV (property: common/normalize.rs). Options:
//! `o[0] % 2` the record kind with the column mapping of docs/normalizers/generic-csv.md's
//! example for it (touch: an event platform's check-ins; conversion: a deal sheet),
//! `o[1] % 4` the delimiter, `o[2] % 2` the date order (mdy, dmy), `o[3] % 2`
//! decimal_comma.
#![no_main]

#[path = "common/normalize.rs"]
mod normalize;

use normalize::{Input, delimiter, flag};
use normalizer_generic_csv::{CONV_PARAMS, SAMPLE_PARAMS};

fn params(i: &Input) -> (&'static str, Vec<(&'static str, String)>) {
    let touch = i.o[0] % 2 == 0;
    let mut p: Vec<(&'static str, String)> = vec![
        ("record", if touch { "touch" } else { "conversion" }.into()),
        ("delimiter", delimiter(i.o[1])),
        ("date_order", ["mdy", "dmy"][i.o[2] as usize % 2].into()),
        ("decimal_comma", flag(i.o[3])),
    ];
    // The plugin's own mappings, less their `record`.
    let mapping: &[(&'static str, &str)] = if touch {
        &SAMPLE_PARAMS[1..]
    } else {
        &CONV_PARAMS[1..]
    };
    p.extend(mapping.iter().map(|(k, v)| (*k, v.to_string())));
    (if touch { "map" } else { "crm" }, p)
}

normalize::target!("generic-csv", "export.csv", params);
