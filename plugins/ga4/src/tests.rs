use super::*;
use ascribe_sdk::normalizer::{run_file, touch_col};
use ascribe_sdk::testing::{CHUNKS, assert_info, event, rejects, run_batch_in, touch};
use ascribe_sdk::time::Time;
use std::borrow::Cow;

/// Runs `data` through the plugin at every chunk size in `chunks` ([`run_batch_in`]: all
/// agree, every row accounted for) and returns the batch, which holds no conversions.
fn run_in(data: &[u8], params: &[(&str, &str)], chunks: &[usize]) -> Batch {
    let b = run_batch_in::<Ga4>("analytics", "events.ndjson", params, data, chunks);
    assert_eq!(b.conversions(), 0);
    b
}

fn run(data: &str, params: &[(&str, &str)]) -> Batch {
    run_in(data.as_bytes(), params, &CHUNKS)
}

/// 2026-03-04T15:30:00.123456Z in µs, and as the plugin reports it.
const TS: i64 = 1_772_638_200_123_456;
fn ts_time() -> Time {
    Time::utc_ms(1_772_638_200_123)
}

#[test]
fn timestamp_constant_is_2026_03_04_15_30_utc() {
    let day = ascribe_sdk::time::days_from_civil(2026, 3, 4) * 86_400_000;
    assert_eq!(ts_time().wall_ms, day + (15 * 60 + 30) * 60_000 + 123);
}

#[test]
fn info_declares_params_and_accepts() {
    assert_info(
        &Ga4::info(),
        "ga4",
        "1.1.0",
        &[
            (
                "touch_events",
                "session_start,page_view,file_download,video_start,form_start",
            ),
            ("key_events", "generate_lead,sign_up,form_submit"),
            ("key_event_stage", "lead"),
            ("account_param", "company_domain"),
        ],
        40,
        &["analytics:ga4-events"],
    );
}

#[test]
fn touch_events_map_to_touches() {
    let data = format!(
        concat!(
            // collected_traffic_source wins; user_id wins over user_pseudo_id; the page path drops the query.
            r#"{{"event_date":"20260304","event_timestamp":{ts},"event_name":"session_start","user_id":"crm-42","user_pseudo_id":"111.222","#,
            r#""event_params":[{{"key":"page_location","value":{{"string_value":"https://nimbus.example/events/ai-launch?utm_source=linkedin&email=a@b.c"}}}},"#,
            r#"{{"key":"company_domain","value":{{"string_value":"acme.io"}}}},{{"key":"source","value":{{"string_value":"ignored"}}}}],"#,
            r#""collected_traffic_source":{{"manual_source":"linkedin","manual_medium":"paid_social","manual_campaign_name":"ai-launch","manual_content":"hero"}},"#,
            r#""traffic_source":{{"source":"google","medium":"organic","name":"(organic)"}},"geo":{{"country":"Germany","region":"Berlin","city":"Berlin"}}}}"#,
            "\n",
            // No collected_traffic_source: the event's own source/medium/campaign/content parameters; timestamp as a string.
            r#"{{"event_timestamp":"{ts}","event_name":"page_view","user_pseudo_id":"111.222","collected_traffic_source":null,"#,
            r#""event_params":[{{"key":"source","value":{{"string_value":"newsletter","int_value":null}}}},{{"key":"medium","value":{{"string_value":"email"}}}},"#,
            r#"{{"key":"campaign","value":{{"string_value":"march"}}}},{{"key":"content","value":{{"string_value":"cta-1"}}}},"#,
            r#"{{"key":"page_location","value":{{"string_value":"https://nimbus.example/blog/ai-ops#top"}}}}],"#,
            r#""traffic_source":{{"source":"google","medium":"cpc","name":"brand"}},"geo":{{"country":"France"}}}}"#,
            "\n",
            // Neither: the user's first acquisition (traffic_source); file_name is the asset.
            r#"{{"event_timestamp":{ts},"event_name":"file_download","user_pseudo_id":"333.444","#,
            r#""event_params":[{{"key":"page_location","value":{{"string_value":"https://nimbus.example/resources"}}}},"#,
            r#"{{"key":"file_name","value":{{"string_value":"/files/ai-whitepaper.pdf"}}}}],"#,
            r#""traffic_source":{{"source":"(direct)","medium":"(none)","name":"(direct)"}},"geo":{{"country":"United States"}}}}"#,
            "\n",
            // Nothing at all: every nested object missing.
            r#"{{"event_timestamp":{ts},"event_name":"video_start","user_pseudo_id":"555.666"}}"#,
            "\n",
        ),
        ts = TS
    );
    let b = run(&data, &[]);
    assert_eq!(b.rows_read, 4);
    assert!(b.rejects.is_empty(), "{:?}", b.rejects);
    assert_eq!(b.touch_row, vec![1, 2, 3, 4]);
    assert_eq!(
        touch(&b, 0),
        vec![
            "crm-42",
            "acme.io",
            "paid_social",
            "linkedin",
            "paid_social",
            "ai-launch",
            "/events/ai-launch",
            "Germany",
            "",
            "session_start"
        ]
    );
    assert_eq!(
        touch(&b, 1),
        vec![
            "ga4:111.222",
            "",
            "email",
            "newsletter",
            "email",
            "march",
            "/blog/ai-ops",
            "France",
            "",
            "page_view"
        ]
    );
    assert_eq!(
        touch(&b, 2),
        vec![
            "ga4:333.444",
            "",
            "direct",
            "(direct)",
            "(none)",
            "(direct)",
            "/files/ai-whitepaper.pdf",
            "United States",
            "",
            "file_download"
        ]
    );
    assert_eq!(
        touch(&b, 3),
        vec![
            "ga4:555.666",
            "",
            "other",
            "",
            "",
            "",
            "",
            "",
            "",
            "video_start"
        ]
    );
    for i in 0..4 {
        assert_eq!(b.touch_time.get(i), ts_time());
    }
    assert_eq!(b.stage_events(), 0);
}

#[test]
fn key_events_map_to_stage_events() {
    let data = format!(
        concat!(
            r#"{{"event_timestamp":{ts},"event_name":"generate_lead","user_pseudo_id":"1.2","event_params":[{{"key":"company_domain","value":{{"string_value":"acme.io"}}}}]}}"#,
            "\n",
            r#"{{"event_timestamp":"{ts}","event_name":"sign_up","user_id":"u-9","user_pseudo_id":"3.4"}}"#,
            "\n"
        ),
        ts = TS
    );
    let b = run(&data, &[]);
    assert_eq!(b.touches(), 0);
    assert_eq!(
        event(&b, 0),
        (1, 0, vec!["ga4:1.2", "acme.io", "lead"], ts_time())
    );
    assert_eq!(event(&b, 1), (2, 0, vec!["u-9", "", "lead"], ts_time()));
    // An empty key_event_stage records the event's own name.
    let b = run(&data, &[("key_event_stage", "")]);
    assert_eq!(event(&b, 0).2, vec!["ga4:1.2", "acme.io", "generate_lead"]);
    assert_eq!(event(&b, 1).2, vec!["u-9", "", "sign_up"]);
    let b = run(&data, &[("key_event_stage", "mql")]);
    assert_eq!(event(&b, 1).2, vec!["u-9", "", "mql"]);
}

#[test]
fn event_lists_and_account_param_are_parameters() {
    let line = format!(
        r#"{{"event_timestamp":{TS},"event_name":"webinar_join","user_pseudo_id":"7.8","event_params":[{{"key":"org","value":{{"string_value":"globex.example"}}}},{{"key":"company_domain","value":{{"string_value":"wrong.example"}}}}]}}"#
    ) + "\n";
    let b = run(&line, &[]);
    assert_eq!(
        rejects(&b),
        vec![(
            1,
            "event_name",
            "event `webinar_join` is not a touch or key event"
        )]
    );
    // One event in both lists: a touch and a stage event from the same row.
    let p = [
        ("touch_events", "webinar_join"),
        ("key_events", " webinar_join , sign_up "),
        ("account_param", "org"),
    ];
    let b = run(&line, &p);
    assert_eq!(
        touch(&b, 0),
        vec![
            "ga4:7.8",
            "globex.example",
            "other",
            "",
            "",
            "",
            "",
            "",
            "",
            "webinar_join"
        ]
    );
    assert_eq!(
        event(&b, 0),
        (1, 0, vec!["ga4:7.8", "globex.example", "lead"], ts_time())
    );
    // No account parameter.
    let b = run(
        &line,
        &[("touch_events", "webinar_join"), ("account_param", "")],
    );
    assert_eq!(b.touch[touch_col::ACCOUNT].get(0), "");
}

#[test]
fn param_values_of_every_type() {
    let line = format!(
        r#"{{"event_timestamp":{TS},"event_name":"page_view","user_pseudo_id":"x","event_params":[{{"key":"company_domain","value":{{"string_value":null,"int_value":"4711","float_value":null,"double_value":null}}}},{{"key":"campaign","value":{{"int_value":20260304}}}},{{"key":"content","value":{{"double_value":1.5}}}},{{"key":"ga_session_id","value":{{"int_value":1772638200}}}},{{"key":"engaged","value":{{"string_value":true}}}},{{"key":null,"value":null}},{{"key":"source"}}]}}"#
    );
    let b = run(&line, &[]);
    assert!(b.rejects.is_empty(), "{:?}", b.rejects);
    assert_eq!(
        touch(&b, 0),
        vec![
            "ga4:x",
            "4711",
            "other",
            "",
            "",
            "20260304",
            "",
            "",
            "",
            "page_view"
        ]
    );
}

#[test]
fn escaped_strings_are_decoded() {
    let line = format!(
        r#"{{"event_timestamp":{TS},"event_name":"page_view","user_pseudo_id":"Zo\u00eb.1","event_params":[{{"key":"page_location","value":{{"string_value":"https:\/\/nimbus.example\/caf\u00e9\/menu?q=1"}}}}],"geo":{{"country":"C\u00f4te d'Ivoire"}}}}"#
    );
    let b = run(&line, &[]);
    assert_eq!(
        touch(&b, 0),
        vec![
            "ga4:Zoë.1",
            "",
            "other",
            "",
            "",
            "",
            "/café/menu",
            "Côte d'Ivoire",
            "",
            "page_view"
        ]
    );
}

#[test]
fn channel_grouping_table() {
    let cases = [
        ("google", "cpc", "paid_search"),
        ("bing", "PPC", "paid_search"),
        ("google", "paidsearch", "paid_search"),
        ("linkedin", "paid_social", "paid_social"),
        ("facebook", "paidsocial", "paid_social"),
        ("newsletter", "email", "email"),
        ("google", "organic", "organic_search"),
        ("linkedin", "social", "organic_social"),
        ("partner.example", "referral", "referral"),
        ("(direct)", "(none)", "direct"),
        ("(direct)", "", "direct"),
        ("", "(none)", "direct"),
        ("(DIRECT)", "(not set)", "direct"),
        ("google", "display", "other"),
        ("", "", "other"),
        // The medium decides before a (direct) source.
        ("(direct)", "email", "email"),
    ];
    for (source, medium, want) in cases {
        assert_eq!(default_channel(source, medium), want, "{source} / {medium}");
    }
}

#[test]
fn page_paths() {
    assert_eq!(
        url_path("https://nimbus.example/a/b?utm_source=x#f"),
        "/a/b"
    );
    assert_eq!(url_path("https://nimbus.example"), "/");
    assert_eq!(url_path("https://nimbus.example?x=1"), "/");
    assert_eq!(url_path("http://nimbus.example:8080/x/"), "/x/");
    assert_eq!(url_path("/already/a/path?x"), "/already/a/path");
    assert_eq!(url_path(""), "");
}

#[test]
fn row_rejects_name_the_field() {
    let lines = [
        r#"{"event_timestamp":1772638200123456,"event_name":"scroll","user_pseudo_id":"1"}"#.to_string(),
        r#"{"event_timestamp":1772638200123456,"user_pseudo_id":"1"}"#.into(),
        r#"{"event_timestamp":1772638200123456,"event_name":null,"user_pseudo_id":"1"}"#.into(),
        r#"{"event_timestamp":1772638200123456,"event_name":"page_view","user_id":null,"user_pseudo_id":""}"#.into(),
        r#"{"event_name":"page_view","user_pseudo_id":"1"}"#.into(),
        r#"{"event_timestamp":null,"event_name":"page_view","user_pseudo_id":"1"}"#.into(),
        r#"{"event_timestamp":"soon","event_name":"page_view","user_pseudo_id":"1"}"#.into(),
        r#"{"event_timestamp":-5,"event_name":"page_view","user_pseudo_id":"1"}"#.into(),
        r#"{"event_timestamp":1.5,"event_name":"page_view","user_pseudo_id":"1"}"#.into(),
        r#"{"event_timestamp":18446744073709551615,"event_name":"page_view","user_pseudo_id":"1"}"#.into(),
        r#"{"event_timestamp":1772638200123456,"event_name":"page_view","user_pseudo_id":"1"}"#.into(),
    ];
    let b = run(&(lines.join("\n") + "\n"), &[]);
    assert_eq!(b.rows_read, 11);
    assert_eq!(
        rejects(&b),
        vec![
            (
                1,
                "event_name",
                "event `scroll` is not a touch or key event"
            ),
            (2, "event_name", "no event_name"),
            (3, "event_name", "no event_name"),
            (4, "user_pseudo_id", "no user_id or user_pseudo_id"),
            (5, "event_timestamp", "no event_timestamp"),
            (6, "event_timestamp", "no event_timestamp"),
            (
                7,
                "event_timestamp",
                "`soon` is not a whole number of microseconds"
            ),
            (8, "event_timestamp", "timestamp -5 µs is out of range"),
            (
                9,
                "event_timestamp",
                "`1.5` is not a whole number of microseconds"
            ),
            (
                10,
                "event_timestamp",
                "timestamp 18446744073709551615 µs is out of range"
            ),
        ]
    );
    assert_eq!(b.touch_row, vec![11]);
}

#[test]
fn invalid_json_and_wrong_shapes_are_rejected() {
    let lines = [
        r#"{"event_name":"page_view","#,
        r#"{"event_name":"page_view",}"#,
        "not json",
        r#"{"event_name":"page_view"} trailing"#,
        r#"[1,2,3]"#,
        r#""just a string""#,
        r#"{"event_timestamp":1772638200123456,"event_name":"page_view","user_pseudo_id":"1","geo":"DE"}"#,
        r#"{"event_timestamp":1772638200123456,"event_name":"page_view","user_pseudo_id":"1","event_params":{"key":"x"}}"#,
        r#"{"event_timestamp":1772638200123456,"event_name":"page_view","user_pseudo_id":"1","event_params":[{"key":"x","value":"y"}]}"#,
        r#"{"event_timestamp":1772638200123456,"event_name":"page_view","user_pseudo_id":"1","collected_traffic_source":[]}"#,
        r#"{"event_timestamp":1772638200123456,"event_name":"page_view","user_pseudo_id":"1","traffic_source":5}"#,
        r#"{"event_timestamp":1772638200123456,"event_name":"page_view","event_name":"scroll","user_pseudo_id":"1"}"#,
        r#"{"event_timestamp":{},"event_name":"page_view","user_pseudo_id":"1"}"#,
        r#"{"event_timestamp":1772638200123456,"event_name":7,"user_pseudo_id":"1"}"#,
    ];
    let b = run(&(lines.join("\r\n") + "\r\n"), &[]);
    assert_eq!(b.rows_read, lines.len() as u64);
    assert_eq!(b.touches() + b.stage_events(), 0);
    assert_eq!(
        rejects(&b),
        vec![
            (
                1,
                "",
                "invalid JSON: EOF while parsing a value at column 26"
            ),
            (2, "", "invalid JSON: trailing comma at column 27"),
            (3, "", "invalid JSON: expected ident at column 2"),
            (4, "", "invalid JSON: trailing characters at column 28"),
            (
                5,
                "",
                "not a GA4 event row: invalid type: sequence, expected a JSON object (one GA4 event) at column 1"
            ),
            (
                6,
                "",
                "not a GA4 event row: invalid type: string \"just a string\", expected a JSON object (one GA4 event) at column 15"
            ),
            (
                7,
                "geo",
                "bad `geo`: invalid type: string \"DE\", expected an object at column 92"
            ),
            (
                8,
                "event_params",
                "bad `event_params`: invalid type: map, expected a sequence at column 97"
            ),
            (
                9,
                "event_params",
                "bad `event_params`: invalid type: string \"y\", expected an object at column 120"
            ),
            (
                10,
                "collected_traffic_source",
                "bad `collected_traffic_source`: invalid type: sequence, expected an object at column 109"
            ),
            (
                11,
                "traffic_source",
                "bad `traffic_source`: invalid type: integer `5`, expected an object at column 100"
            ),
            (
                12,
                "event_name",
                "bad `event_name`: duplicate field `event_name` at column 73"
            ),
            (
                13,
                "event_timestamp",
                "bad `event_timestamp`: invalid type: map, expected a string or a number at column 21"
            ),
            (
                14,
                "event_name",
                "bad `event_name`: invalid type: integer `7`, expected a string at column 50"
            ),
        ]
    );
}

#[test]
fn blank_lines_bom_crlf_and_no_final_newline() {
    let data = format!(
        "\u{feff}{{\"event_timestamp\":{TS},\"event_name\":\"page_view\",\"user_pseudo_id\":\"a\"}}\r\n\r\n   \n\t\r\n\
         {{\"event_timestamp\":{TS},\"event_name\":\"sign_up\",\"user_pseudo_id\":\"b\"}}\n\n\
         {{\"event_timestamp\":{TS},\"event_name\":\"page_view\",\"user_pseudo_id\":\"c\"}}"
    );
    let b = run(&data, &[]);
    assert_eq!(b.rows_read, 3);
    assert!(b.rejects.is_empty(), "{:?}", b.rejects);
    assert_eq!(b.touch_row, vec![1, 3]);
    assert_eq!(b.touch[touch_col::PERSON].get(0), "ga4:a");
    assert_eq!(b.touch[touch_col::PERSON].get(1), "ga4:c");
    assert_eq!(b.event_row, vec![2]);
    // A BOM alone, or nothing: no rows, no error.
    assert_eq!(run("\u{feff}\n\n", &[]).rows_read, 0);
    assert_eq!(run("", &[]).rows_read, 0);
}

#[test]
fn utf16_is_read_and_workbooks_or_gzip_are_refused_naming_them() {
    let text = format!(
        "{{\"event_timestamp\":{TS},\"event_name\":\"page_view\",\"user_pseudo_id\":\"zoë\"}}\r\n"
    );
    let mut data = vec![0xFE, 0xFF];
    for u in text.encode_utf16() {
        data.extend(u.to_be_bytes());
    }
    let b = run_in(&data, &[], &CHUNKS);
    assert_eq!(b.touch_row, vec![1]);
    assert_eq!(b.touch[touch_col::PERSON].get(0), "ga4:zoë");
    for (data, want) in [
        (
            &b"\x1F\x8B\x08\x00\x00\x00\x00\x00\x00\x03"[..],
            "this looks like a gzip-compressed file, not newline-delimited JSON: decompress it \
             (gunzip) and point the campaign at the file inside",
        ),
        (
            &b"PK\x03\x04\x14\x00\x06\x00"[..],
            "this looks like an Excel workbook (.xlsx) or another zip archive, not newline-delimited \
             JSON: export the events table from BigQuery as JSON (newline delimited), uncompressed, \
             and point the campaign at that file",
        ),
    ] {
        for chunk in CHUNKS {
            assert_eq!(
                run_file::<Ga4>("analytics", "events.ndjson", &[], data, chunk).unwrap_err(),
                NormalizeError::BadFile(want.into()),
                "chunk {chunk}"
            );
        }
    }
}

#[test]
fn over_long_lines_are_rejected_and_skipped() {
    let ok = format!(r#"{{"event_timestamp":{TS},"event_name":"page_view","user_pseudo_id":"a"}}"#);
    let mut data = format!("{ok}\n").into_bytes();
    let long = format!(
        r#"{{"event_name":"page_view","pad":"{}"}}"#,
        "x".repeat(DEFAULT_MAX_LINE_BYTES)
    );
    data.extend_from_slice(long.as_bytes());
    data.extend_from_slice(format!("\n{ok}\n").as_bytes());
    // The long line again, last and unterminated.
    data.extend_from_slice(long.as_bytes());
    let b = run_in(&data, &[], &[4096, 100_000, 1 << 20, 3 << 20]);
    assert_eq!(b.rows_read, 4);
    let why = format!(
        "line is {} bytes, longer than the 1048576-byte limit: skipped unread",
        long.len()
    );
    assert_eq!(
        rejects(&b),
        vec![(2, "", why.as_str()), (4, "", why.as_str())]
    );
    assert_eq!(b.touch_row, vec![1, 3]);
}

#[test]
fn bad_params_are_refused() {
    let e = run_file::<Ga4>(
        "analytics",
        "e.ndjson",
        &[("touch_events", " , "), ("key_events", "")],
        b"",
        1,
    )
    .unwrap_err();
    assert_eq!(
        e,
        NormalizeError::InvalidParam("parameters `touch_events` and `key_events` are both empty: every event would be rejected".into())
    );
    let e = run_file::<Ga4>("analytics", "e.ndjson", &[("events", "x")], b"", 1).unwrap_err();
    assert_eq!(
        e,
        NormalizeError::InvalidParam(
            "unknown parameter `events`: accepted parameters are touch_events, key_events, key_event_stage, account_param".into()
        )
    );
}

#[test]
fn sample_file_reads_cleanly() {
    let data = include_str!("../../../fixtures/samples/ga4/events.ndjson");
    let b = run(data, &[]);
    assert_eq!(b.rows_read, 11);
    assert!(b.rejects.is_empty(), "{:?}", b.rejects);
    assert_eq!((b.touches() + b.stage_events()) as u64, b.rows_read);
    // Each touch's row, channel, source, medium, campaign and the field that won.
    let lines: Vec<&str> = data.lines().collect();
    let want = [
        // The LinkedIn ad's session: its event-level tags.
        (
            1,
            "paid_social",
            "linkedin",
            "paid_social",
            "ai-launch-tour",
            Origin::Collected,
        ),
        // The same session, no tags on the event, no session record: the user's first channel.
        (
            2,
            "paid_social",
            "linkedin",
            "paid_social",
            "ai-launch-tour",
            Origin::FirstUser,
        ),
        (
            4,
            "email",
            "nimbus-newsletter",
            "email",
            "september-digest",
            Origin::EventParams,
        ),
        (
            5,
            "direct",
            "(direct)",
            "(none)",
            "(direct)",
            Origin::FirstUser,
        ),
        (
            6,
            "organic_search",
            "google",
            "organic",
            "(organic)",
            Origin::FirstUser,
        ),
        // Acme's visitor back untagged: the session is direct, not the user's LinkedIn channel.
        (
            8,
            "direct",
            "(direct)",
            "(none)",
            "(direct)",
            Origin::SessionCrossChannel,
        ),
        (
            9,
            "direct",
            "(direct)",
            "(none)",
            "(direct)",
            Origin::SessionCrossChannel,
        ),
        // Back through a Google Ads click: the session's paid search, not the first organic visit.
        (
            10,
            "paid_search",
            "google",
            "cpc",
            "ai-launch-tour-search",
            Origin::SessionCrossChannel,
        ),
        // No session record (an older export): the event's tags, not the first direct visit.
        (
            11,
            "email",
            "quantia-newsletter",
            "email",
            "ai-launch-tour",
            Origin::Collected,
        ),
    ];
    assert_eq!(b.touch_row, want.iter().map(|w| w.0).collect::<Vec<u64>>());
    for (i, &(row, channel, source, medium, campaign, origin)) in want.iter().enumerate() {
        let t = touch(&b, i);
        assert_eq!(&t[2..6], [channel, source, medium, campaign], "row {row}");
        assert_eq!(traffic_of(lines[row as usize - 1]).3, origin, "row {row}");
    }
    assert_eq!(b.event_row, vec![3, 7]);
}

/// The source, medium, campaign and origin [`traffic`] finds for one line.
fn traffic_of(line: &str) -> (String, String, String, Origin) {
    let field = Cell::new("");
    let mut de = serde_json::Deserializer::from_str(line);
    let ev = EventSeed { field: &field }.deserialize(&mut de).unwrap();
    let p = event_params(&ev, "");
    let param = |i: usize| p[i].map_or(Cow::Borrowed(""), |v| v.text());
    let t = traffic(&ev, &param);
    (
        t.source.into_owned(),
        t.medium.into_owned(),
        t.campaign.into_owned(),
        t.origin,
    )
}

/// One page_view line of user `u` with the given traffic fields (JSON members, or "").
fn line_with(u: &str, fields: &str) -> String {
    let sep = if fields.is_empty() { "" } else { "," };
    format!(
        r#"{{"event_timestamp":{TS},"event_name":"page_view","user_pseudo_id":"{u}"{sep}{fields}}}"#
    )
}

const FIRST_LINKEDIN: &str =
    r#""traffic_source":{"source":"linkedin","medium":"paid_social","name":"ai-launch"}"#;
const TAGGED_EVENT: &str = r#""collected_traffic_source":{"manual_source":"newsletter","manual_medium":"email","manual_campaign_name":"march","manual_content":"cta-1","gclid":null}"#;
const TAGGED_PARAMS: &str = r#""event_params":[{"key":"source","value":{"string_value":"partner.example"}},{"key":"medium","value":{"string_value":"referral"}}]"#;

/// Session fields first (cross-channel, then manual), then the event's own tags
/// (collected_traffic_source, its gclid, the event parameters), then the user's first
/// acquisition; `(not set)` and empty are absent, `(direct)` / `(none)` are direct.
#[test]
fn traffic_precedence_session_then_event_then_user() {
    let session = |cross: &str, manual: &str| {
        format!(
            r#""session_traffic_source_last_click":{{"manual_campaign":{manual},"google_ads_campaign":null,"cross_channel_campaign":{cross}}}"#
        )
    };
    let camp = |source: &str, medium: &str, name: &str| {
        format!(r#"{{"source":{source},"medium":{medium},"campaign_name":{name}}}"#)
    };
    let q = |v: &str| format!("\"{v}\"");
    let direct = camp(&q("(direct)"), &q("(none)"), &q("(direct)"));
    let not_set = camp(&q("(not set)"), &q("(not set)"), &q("(not set)"));
    let cpc = camp(&q("google"), &q("cpc"), &q("brand"));
    let utm = camp(&q("linkedin"), &q("paid_social"), &q("spring"));
    let all = |s: &str| [s, TAGGED_EVENT, TAGGED_PARAMS, FIRST_LINKEDIN].join(",");
    let cases: Vec<(String, [&str; 5], Origin)> = vec![
        // The session's cross-channel source wins over the event's tags and the user's first.
        (
            all(&session(&cpc, &utm)),
            ["paid_search", "google", "cpc", "brand", ""],
            Origin::SessionCrossChannel,
        ),
        // No cross-channel record (an export from before it was added): the session's UTM source.
        (
            all(&session("null", &utm)),
            ["paid_social", "linkedin", "paid_social", "spring", ""],
            Origin::SessionManual,
        ),
        // A cross-channel record that says nothing ((not set), null) does not count.
        (
            all(&session(&not_set, &utm)),
            ["paid_social", "linkedin", "paid_social", "spring", ""],
            Origin::SessionManual,
        ),
        (
            all(&session(&camp("null", "null", "null"), &utm)),
            ["paid_social", "linkedin", "paid_social", "spring", ""],
            Origin::SessionManual,
        ),
        // An untagged, direct session is direct: it does not inherit the user's first channel.
        (
            [session(&direct, &direct).as_str(), FIRST_LINKEDIN].join(","),
            ["direct", "(direct)", "(none)", "(direct)", ""],
            Origin::SessionCrossChannel,
        ),
        // Session fields all absent: the event's own tags (collected_traffic_source).
        (
            all(&session(&not_set, &not_set)),
            ["email", "newsletter", "email", "march", ""],
            Origin::Collected,
        ),
        (
            all(r#""session_traffic_source_last_click":null"#),
            ["email", "newsletter", "email", "march", ""],
            Origin::Collected,
        ),
        // A Google Ads click (gclid): google / cpc, over the event's UTM tags too.
        (
            [
                r#""collected_traffic_source":{"manual_source":null,"manual_medium":"(not set)","gclid":"Cj0KCQjw"}"#,
                TAGGED_PARAMS,
                FIRST_LINKEDIN,
            ]
            .join(","),
            ["paid_search", "google", "cpc", "", ""],
            Origin::CollectedGclid,
        ),
        (
            [
                r#""collected_traffic_source":{"manual_source":"linkedin","manual_medium":"paid_social","manual_campaign_name":"spring","gclid":"Cj0KCQjw"}"#,
                TAGGED_PARAMS,
                FIRST_LINKEDIN,
            ]
            .join(","),
            ["paid_search", "google", "cpc", "", ""],
            Origin::CollectedGclid,
        ),
        // No collected tags: the event's source/medium parameters.
        (
            [
                r#""collected_traffic_source":{"manual_source":"","gclid":null}"#,
                TAGGED_PARAMS,
                FIRST_LINKEDIN,
            ]
            .join(","),
            ["referral", "partner.example", "referral", "", ""],
            Origin::EventParams,
        ),
        // Nothing about the session or the event: the user's first acquisition, last resort.
        (
            FIRST_LINKEDIN.to_string(),
            ["paid_social", "linkedin", "paid_social", "ai-launch", ""],
            Origin::FirstUser,
        ),
        // (not set) inside the place that wins is written as empty.
        (
            session(
                &camp(&q("partner.example"), &q("referral"), &q("(not set)")),
                "null",
            ),
            ["referral", "partner.example", "referral", "", ""],
            Origin::SessionCrossChannel,
        ),
        // traffic_source of only (not set): nothing known at all.
        (
            r#""traffic_source":{"source":"(not set)","medium":"(not set)","name":"(not set)"}"#
                .to_string(),
            ["other", "", "", "", ""],
            Origin::Nothing,
        ),
        (String::new(), ["other", "", "", "", ""], Origin::Nothing),
    ];
    let lines: Vec<String> = cases
        .iter()
        .enumerate()
        .map(|(i, c)| line_with(&i.to_string(), &c.0))
        .collect();
    let b = run(&(lines.join("\n") + "\n"), &[]);
    assert!(b.rejects.is_empty(), "{:?}", b.rejects);
    assert_eq!(b.touches(), cases.len());
    for (i, (fields, want, origin)) in cases.iter().enumerate() {
        let t = touch(&b, i);
        assert_eq!(&t[2..6], &want[..4], "case {i}: {fields}");
        assert_eq!(traffic_of(&lines[i]).3, *origin, "case {i}: {fields}");
    }
}

/// Before the fix, an untagged visit of a returning user took the user's first channel
/// from traffic_source; now the session record decides, and the first channel is used only
/// when the row has no session or event traffic fields at all.
#[test]
fn returning_untagged_visit_does_not_take_the_first_channel() {
    let direct = r#""session_traffic_source_last_click":{"manual_campaign":{"source":"(direct)","medium":"(none)","campaign_name":"(direct)"},"cross_channel_campaign":{"source":"(direct)","medium":"(none)","campaign_name":"(direct)","default_channel_group":"Direct"}}"#;
    let organic = r#""session_traffic_source_last_click":{"cross_channel_campaign":{"source":"google","medium":"organic","campaign_name":"(organic)","default_channel_group":"Organic Search"}}"#;
    let data = [
        line_with("1.1", &[TAGGED_EVENT, FIRST_LINKEDIN].join(",")),
        line_with(
            "1.1",
            &[direct, r#""collected_traffic_source":null"#, FIRST_LINKEDIN].join(","),
        ),
        line_with("1.1", &[organic, FIRST_LINKEDIN].join(",")),
    ]
    .join("\n");
    let b = run(&data, &[]);
    let channels: Vec<&str> = (0..3).map(|i| b.touch[touch_col::CHANNEL].get(i)).collect();
    assert_eq!(channels, ["email", "direct", "organic_search"]);
}

/// The demo campaign's GA4 file (`fixtures/campaigns`, written by `ascribe-gen` with
/// injected faults): the manifest's 3,603 lines, 3,546 touches and 57 stage events, with
/// lines 911 (cut short), 1859 (`scroll`) and 2704 (an ISO timestamp) invalid.
#[test]
fn demo_campaign_file_matches_the_manifest() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/campaigns/data/quantia/ga4-events.ndjson"
    );
    let Ok(data) = std::fs::read(path) else {
        eprintln!("no demo campaign at {path}: skipped");
        return;
    };
    let b = run_in(&data, &[], &[997, 1 << 20]);
    assert_eq!(b.rows_read, 3603);
    let r = rejects(&b);
    assert_eq!(r.len(), 3, "{r:?}");
    assert_eq!((r[0].0, r[0].1), (911, ""));
    assert!(r[0].2.starts_with("invalid JSON: "), "{}", r[0].2);
    assert_eq!(
        r[1],
        (
            1859,
            "event_name",
            "event `scroll` is not a touch or key event"
        )
    );
    assert_eq!(
        r[2],
        (
            2704,
            "event_timestamp",
            "`2026-09-15T10:00:00Z` is not a whole number of microseconds"
        )
    );
    assert_eq!((b.touches(), b.stage_events()), (3543, 57));
}
