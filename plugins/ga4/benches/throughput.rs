//! ~50 MiB of GA4 export lines through the plugin natively, twice each way (`run_file` in one
//! batch, and streamed as the host streams it): `cargo bench -p normalizer-ga4 --bench
//! throughput`.

use ascribe_sdk::normalizer::run_file;
use ascribe_sdk::testing::{rows_until, streamed, timed};
use normalizer_ga4::Ga4;

/// The first event's time, 2026-03-04T15:30:00.123456Z, in µs.
const START_US: i64 = 1_772_638_200_123_456;

/// A GA4 BigQuery export row as it really looks: most of its bytes are fields this
/// plugin skips (device, privacy_info, items, user_properties…).
fn realistic_line(i: u64) -> String {
    let (name, medium) = match i % 5 {
        0 => ("session_start", "cpc"),
        1 | 2 => ("page_view", "organic"),
        3 => ("file_download", "email"),
        _ => ("generate_lead", "referral"),
    };
    let ts = START_US + i as i64 * 1_000_003;
    format!(
        concat!(
            r#"{{"event_date":"20260304","event_timestamp":"{ts}","event_name":"{name}","event_params":["#,
            r#"{{"key":"ga_session_id","value":{{"string_value":null,"int_value":"1772638{m}","float_value":null,"double_value":null}}}},"#,
            r#"{{"key":"page_location","value":{{"string_value":"https://nimbus-cloud.example/events/ai-launch-tour/{m}?utm_source=google&utm_medium={medium}&utm_campaign=ai-launch","int_value":null,"float_value":null,"double_value":null}}}},"#,
            r#"{{"key":"page_title","value":{{"string_value":"AI Launch Tour \u2013 Register now | Nimbus Cloud","int_value":null,"float_value":null,"double_value":null}}}},"#,
            r#"{{"key":"ga_session_number","value":{{"string_value":null,"int_value":"3","float_value":null,"double_value":null}}}},"#,
            r#"{{"key":"engagement_time_msec","value":{{"string_value":null,"int_value":"5123","float_value":null,"double_value":null}}}},"#,
            r#"{{"key":"page_referrer","value":{{"string_value":"https://www.google.com/","int_value":null,"float_value":null,"double_value":null}}}},"#,
            r#"{{"key":"company_domain","value":{{"string_value":"acme{m}.example","int_value":null,"float_value":null,"double_value":null}}}},"#,
            r#"{{"key":"session_engaged","value":{{"string_value":"1","int_value":null,"float_value":null,"double_value":null}}}}],"#,
            r#""event_previous_timestamp":null,"event_value_in_usd":null,"event_bundle_sequence_id":"{m}","event_server_timestamp_offset":"512","#,
            r#""user_id":null,"user_pseudo_id":"{m}.1772638200","privacy_info":{{"analytics_storage":"Yes","ads_storage":"Yes","uses_transient_token":"No"}},"#,
            r#""user_properties":[],"user_first_touch_timestamp":"1772000000000000","user_ltv":null,"#,
            r#""device":{{"category":"desktop","mobile_brand_name":"Apple","mobile_model_name":"Safari","mobile_marketing_name":null,"mobile_os_hardware_model":null,"operating_system":"Macintosh","operating_system_version":"Macintosh Intel 10.15","vendor_id":null,"advertising_id":null,"language":"en-us","is_limited_ad_tracking":"No","time_zone_offset_seconds":null,"browser":null,"browser_version":null,"web_info":{{"browser":"Safari","browser_version":"17.4","hostname":"nimbus-cloud.example"}}}},"#,
            r#""geo":{{"city":"Berlin","country":"Germany","continent":"Europe","region":"Berlin","sub_continent":"Western Europe","metro":"(not set)"}},"#,
            r#""app_info":null,"traffic_source":{{"name":"(organic)","medium":"organic","source":"google"}},"stream_id":"4180000000","platform":"WEB","#,
            r#""event_dimensions":null,"ecommerce":null,"items":[],"#,
            r#""collected_traffic_source":{{"manual_campaign_id":null,"manual_campaign_name":"ai-launch","manual_source":"google","manual_medium":"{medium}","manual_term":null,"manual_content":null,"gclid":null,"dclid":null,"srsltid":null}},"#,
            r#""is_active_user":true,"batch_event_index":"1","batch_page_id":"1772638200000","batch_ordering_id":"2","#,
            r#""session_traffic_source_last_click":{{"manual_campaign":{{"campaign_id":null,"campaign_name":"ai-launch","source":"google","medium":"{medium}","term":null,"content":null,"source_platform":"Manual","creative_format":null,"marketing_tactic":null}}}},"publisher":null}}"#,
            "\n"
        ),
        ts = ts,
        name = name,
        medium = medium,
        m = i % 997
    )
}

fn main() {
    let (data, n) = rows_until("", 50 << 20, realistic_line);
    let mb = |label: &str| format!("ga4 {label} (~{} bytes a line)", data.len() as u64 / n);
    for _ in 0..2 {
        let (rows, rejects) = timed(&mb("run_file"), data.len(), || {
            let b = run_file::<Ga4>("analytics", "big.ndjson", &[], &data, 1 << 20).unwrap();
            (b.rows_read, b.rejects.len())
        });
        assert_eq!((rows, rejects), (n, 0));
        let (rows, rejects) = timed(&mb("streamed"), data.len(), || {
            streamed::<Ga4>("analytics", &[], &data)
        });
        assert_eq!((rows, rejects), (n, 0));
    }
}
