//! ~50 MB of each example export through the plugin natively, in 1 MiB chunks as the host
//! streams it: `cargo bench -p normalizer-generic-csv --bench throughput`.

use ascribe_sdk::normalizer::Csv;
use ascribe_sdk::testing::{amount_text, measure, rows_until};
use normalizer_generic_csv::{CONV_HEADER, CONV_PARAMS, GenericCsv, TOUCH_HEADER, TOUCH_PARAMS};

fn main() {
    let (t, _) = rows_until(TOUCH_HEADER, 50_000_000, |i| {
        format!(
            "person{i}@company{}.example,First,Last,\"Company {i}, Inc\",company{}.example,{}/{}/2026 {}:{:02} PM,{},linkedin,AI Launch Tour,Session {},United States\n",
            i % 5000,
            i % 5000,
            1 + i % 12,
            1 + i % 28,
            1 + i % 12,
            i % 60,
            if i.is_multiple_of(2) {
                "Webinar"
            } else {
                "Paid Social"
            },
            i % 30,
        )
    });
    measure::<Csv<GenericCsv>>("generic-csv touches", "map", &TOUCH_PARAMS, &t);

    let (c, _) = rows_until(CONV_HEADER, 50_000_000, |i| {
        format!(
            "D-{i},Deal {i},Company {i},https://www.company{}.example,Closed Won,{},USD,{}/{}/2026,{}/{}/2026,Partner,AI Launch Tour\n",
            i % 5000,
            amount_text(i),
            1 + i % 12,
            1 + i % 28,
            1 + (i + 3) % 12,
            1 + (i + 5) % 28,
        )
    });
    measure::<Csv<GenericCsv>>("generic-csv conversions", "map", &CONV_PARAMS, &c);
}
