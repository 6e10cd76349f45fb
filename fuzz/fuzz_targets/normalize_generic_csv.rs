//! The bundled generic-csv normalizer end to end through the runtime and the host's
//! normalize stage, on any bytes as a CSV (property: common/normalize.rs). Options:
//! `o[0] % 2` the record kind with the column mapping of docs/normalizers/generic-csv.md's
//! example for it (touch: an event platform's check-ins; conversion: a deal sheet),
//! `o[1] % 4` the delimiter, `o[2] % 2` the date order (mdy, dmy), `o[3] % 2`
//! decimal_comma.
#![no_main]

#[path = "common/normalize.rs"]
mod normalize;

use libfuzzer_sys::fuzz_target;
use normalize::{Input, Spec, delimiter, flag};

fn params(i: &Input) -> (&'static str, Vec<(&'static str, String)>) {
    let touch = i.o[0] % 2 == 0;
    let mut p: Vec<(&'static str, String)> = vec![
        ("record", if touch { "touch" } else { "conversion" }.into()),
        ("delimiter", delimiter(i.o[1])),
        ("date_order", ["mdy", "dmy"][i.o[2] as usize % 2].into()),
        ("decimal_comma", flag(i.o[3])),
    ];
    let mapping: &[(&'static str, &str)] = if touch {
        &[
            ("col_person", "Attendee Email"),
            ("col_account", "Company Website"),
            ("col_time", "Checked In"),
            ("col_asset", "Session"),
            ("col_segment", "Ticket Type"),
            ("col_region", "Country"),
            ("fixed_channel", "event"),
            ("fixed_campaign", "ai-launch-tour-berlin"),
            ("fixed_touch_type", "attended"),
        ]
    } else {
        &[
            ("col_id", "Deal"),
            ("col_account", "Customer"),
            ("col_account_domain", "Customer Website"),
            ("col_stage", "Phase"),
            ("col_amount", "Deal Value"),
            ("col_currency", "Cur"),
            ("col_created", "Opened"),
            ("col_closed", "Won On"),
            ("col_lead_source", "Origin"),
            ("col_campaign", "Program"),
        ]
    };
    p.extend(mapping.iter().map(|(k, v)| (*k, v.to_string())));
    (if touch { "map" } else { "crm" }, p)
}

const SPEC: Spec = Spec {
    name: "generic-csv",
    wasm: "generic-csv.wasm",
    file_name: "export.csv",
    params,
};

fuzz_target!(|raw: &[u8]| normalize::run(&SPEC, raw));
