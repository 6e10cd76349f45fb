//! ~50 MB of each report through the plugin natively, in 1 MiB chunks as the host streams
//! it: `cargo bench -p normalizer-salesforce --bench throughput`.

use ascribe_sdk::normalizer::Csv;
use ascribe_sdk::testing::{amount_text, measure, rows_until};
use normalizer_salesforce::{MEMBER_HEADER, OPP_HEADER, Salesforce};

fn main() {
    let (o, _) = rows_until(OPP_HEADER, 50_000_000, |i| {
        format!(
            "0068d0000{i:09},\"Company {i} - Renewal, phase {}\",Company {i} Inc,https://www.company{}.example,Closed Won,{},USD,{}/{}/2026 {}:{:02} PM,{}/{}/2026,Partner Referral,AI Launch Tour 2026\n",
            i % 4,
            i % 5000,
            amount_text(i),
            1 + i % 12,
            1 + i % 28,
            1 + i % 12,
            i % 60,
            1 + (i + 3) % 12,
            1 + (i + 5) % 28,
        )
    });
    measure::<Csv<Salesforce>>("salesforce opportunities", "crm", &[], &o);

    let (m, _) = rows_until(MEMBER_HEADER, 50_000_000, |i| {
        format!(
            "7018d0000{:09},AI Launch Tour - Webinar {},{},Attended,person{i}@company{}.example,First,Last,Company {i},company{}.example,{}/{}/2026 10:15 AM,{},linkedin,paid_social,ai-launch-tour,webinar-invite,United States,Enterprise\n",
            i % 40,
            i % 40,
            if i.is_multiple_of(2) {
                "Webinar"
            } else {
                "Paid Social"
            },
            i % 5000,
            i % 5000,
            1 + i % 12,
            1 + i % 28,
            if i.is_multiple_of(3) {
                ""
            } else {
                "3/4/2026 5:00 PM"
            },
        )
    });
    measure::<Csv<Salesforce>>("salesforce campaign-members", "crm", &[], &m);
}
