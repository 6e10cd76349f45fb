//! ~50 MiB of each export through the plugin natively, one way after another (`run_file` in
//! one batch, streamed as the host streams it, and the SDK's CSV reader alone):
//! `cargo bench -p normalizer-hubspot --bench throughput`. `HUBSPOT_BENCH=contacts` (or
//! deals, activities) runs one export only, for profiling.

use ascribe_sdk::normalizer::{Csv, run_file};
use ascribe_sdk::testing::{ReaderOnly, rows_until, streamed, timed};
use normalizer_hubspot::{ACTIVITIES_HEADER, CONTACTS_HEADER, DEALS_HEADER, Plugin};

fn main() {
    let rows = [
        (
            "contacts",
            CONTACTS_HEADER,
            "{i},person{i}@acme{m}.example,Ann,Example,Acme {m},acme{m}.example,2026-03-04 15:30,customer,2026-03-04,\
2026-03-05 09:00,2026-03-06,,2026-03-20,PAID_SOCIAL,linkedin,ai-launch-{m},Germany,Software\n",
        ),
        (
            "deals",
            DEALS_HEADER,
            "{i},\"Acme {m} - platform expansion, phase 2\",closedwon,\"12,500.50\",USD,2026-03-04 15:30,2026-04-01,\
Acme {m},acme{m}.example,PAID_SEARCH,default\n",
        ),
        (
            "activities",
            ACTIVITIES_HEADER,
            "A-{i},person{i}@acme{m}.example,FORM_SUBMISSION,AI Launch Tour – register,2026-03-04T15:30:00Z,\
https://nimbus.example/events/ai-launch?utm_source=linkedin,linkedin,paid_social,ai-launch-{m},hero-form,acme{m}.example\n",
        ),
    ];
    let only = std::env::var("HUBSPOT_BENCH").unwrap_or_default();
    for (export, header, row) in rows {
        if !export.contains(only.as_str()) {
            continue;
        }
        // Rows numbered from 1.
        let (data, n) = rows_until(header, 50 << 20, |i| {
            row.replace("{i}", &(i + 1).to_string())
                .replace("{m}", &((i + 1) % 997).to_string())
        });
        let name = format!("hubspot {export}");
        let (rows, rejects) = timed(&format!("{name} run_file"), data.len(), || {
            let b = run_file::<Plugin>("crm", "big.csv", &[], &data, 1 << 20).unwrap();
            (b.rows_read, b.rejects.len())
        });
        assert_eq!((rows, rejects), (n, 0));
        let (rows, rejects) = timed(&format!("{name} streamed"), data.len(), || {
            streamed::<Plugin>("crm", &[], &data)
        });
        assert_eq!((rows, rejects), (n, 0));
        let (rows, _) = timed(
            &format!("{name}: the SDK's CSV reader alone"),
            data.len(),
            || streamed::<Csv<ReaderOnly>>("crm", &[], &data),
        );
        assert_eq!(rows, n);
    }
}
