use super::*;
use ascribe_sdk::normalizer::{NormalizeError, conv_col, touch_col};
use ascribe_sdk::testing::{
    CHUNKS, assert_info, conv, event, rejects, run_batch_in, run_err_chunks, touch,
};
use ascribe_sdk::time::days_from_civil;

/// Runs `data` through the plugin at every chunk size ([`run_batch_in`]: all agree, every
/// row accounted for) and returns the batch.
fn run(data: &str, params: &[(&str, &str)]) -> Batch {
    run_bytes(data.as_bytes(), params)
}

fn run_bytes(data: &[u8], params: &[(&str, &str)]) -> Batch {
    run_batch_in::<Plugin>("crm", "export.csv", params, data, &CHUNKS)
}

fn run_err(data: &str, params: &[(&str, &str)]) -> NormalizeError {
    run_err_chunks::<Plugin>("crm", "export.csv", params, data.as_bytes())
}

fn wall(y: i64, mo: u32, d: u32, h: i64, mi: i64) -> i64 {
    days_from_civil(y, mo, d) * 86_400_000 + (h * 60 + mi) * 60_000
}

fn local(y: i64, mo: u32, d: u32, h: i64, mi: i64) -> Time {
    Time {
        wall_ms: wall(y, mo, d, h, mi),
        offset_min: None,
    }
}

fn all_strings(b: &Batch) -> Vec<String> {
    let mut v = vec![];
    for c in b.touch.iter().chain(b.conv.iter()).chain(b.event.iter()) {
        v.extend((0..c.len()).map(|i| c.get(i).to_string()));
    }
    v.extend(b.rejects.iter().map(|r| r.2.clone()));
    v
}

#[test]
fn info_declares_params_and_accepts() {
    assert_info(
        &HubSpot::info(),
        "hubspot",
        "1.0.0",
        &[
            ("export", "auto"),
            ("date_format", "ymd"),
            ("decimal_comma", "false"),
        ],
        40,
        &[
            "crm:contacts",
            "crm:deals",
            "map:contacts",
            "map:activities",
        ],
    );
}

#[test]
fn contacts_map_to_a_touch_and_stage_events() {
    let data = format!(
        "{CONTACTS_HEADER}\
101,ada@acme.io,Ada,Lovelace,Acme,acme.io,2026-03-04 15:30,customer,2026-03-04,2026-03-05 09:00,2026-03-06,2026-03-07,2026-03-20,PAID_SOCIAL,linkedin,ai-launch,Germany,Software\n\
102,bo@globex.example,Bo,Brown,Globex,globex.example,2026-03-05,lead,2026-03-05,,,,,OFFLINE,,,France,Retail\n"
    );
    let b = run(&data, &[]);
    assert_eq!(b.rows_read, 2);
    assert!(b.rejects.is_empty());
    assert_eq!(b.touch_row, vec![1, 2]);
    assert_eq!(
        touch(&b, 0),
        vec![
            "ada@acme.io",
            "acme.io",
            "paid_social",
            "linkedin",
            "",
            "ai-launch",
            "",
            "Germany",
            "Software",
            "contact_created"
        ]
    );
    assert_eq!(b.touch_time.get(0), local(2026, 3, 4, 15, 30));
    assert_eq!(
        touch(&b, 1),
        vec![
            "bo@globex.example",
            "globex.example",
            "event",
            "",
            "",
            "",
            "",
            "France",
            "Retail",
            "contact_created"
        ]
    );
    assert_eq!(b.touch_time.get(1), local(2026, 3, 5, 0, 0));
    assert_eq!(b.stage_events(), 6);
    let stages = [
        "lead",
        "marketingqualifiedlead",
        "salesqualifiedlead",
        "opportunity",
        "customer",
    ];
    let times = [
        local(2026, 3, 4, 0, 0),
        local(2026, 3, 5, 9, 0),
        local(2026, 3, 6, 0, 0),
        local(2026, 3, 7, 0, 0),
        local(2026, 3, 20, 0, 0),
    ];
    for (i, (stage, time)) in stages.iter().zip(times).enumerate() {
        assert_eq!(
            event(&b, i),
            (1, 0, vec!["ada@acme.io", "acme.io", *stage], time)
        );
    }
    assert_eq!(
        event(&b, 5),
        (
            2,
            0,
            vec!["bo@globex.example", "globex.example", "lead"],
            local(2026, 3, 5, 0, 0)
        )
    );
    assert_eq!(b.conversions(), 0);
    // Names are never emitted.
    let all = all_strings(&b);
    for name in ["Ada", "Lovelace", "Bo", "Brown"] {
        assert!(!all.iter().any(|s| s == name), "{name} leaked");
    }
}

#[test]
fn original_source_channel_table() {
    let mut s = String::new();
    let cases = [
        ("ORGANIC_SEARCH", "organic_search"),
        ("PAID_SEARCH", "paid_search"),
        ("PAID_SOCIAL", "paid_social"),
        ("SOCIAL_MEDIA", "organic_social"),
        ("EMAIL_MARKETING", "email"),
        ("REFERRALS", "referral"),
        ("DIRECT_TRAFFIC", "direct"),
        ("OFFLINE", "event"),
        ("OTHER_CAMPAIGNS", "other"),
        // HubSpot's labels for the same values.
        ("Organic Search", "organic_search"),
        ("Social Media", "organic_social"),
        ("Offline Sources", "event"),
        ("direct_traffic", "direct"),
        // Anything else is lower-cased.
        ("AI_REFERRALS", "ai_referrals"),
        ("Partner Webinar", "partner webinar"),
        ("ÉVÉNEMENT", "événement"),
        ("podcast", "podcast"),
        ("", ""),
    ];
    for (raw, want) in cases {
        assert_eq!(hubspot_channel(raw, &mut s), want, "{raw}");
    }
}

#[test]
fn contact_without_stage_columns_or_optional_columns() {
    // Only the required columns: no stage events, empty optional fields.
    let b = run(
        "email,create date,original source\r\nx@acme.io,2026-03-04,DIRECT_TRAFFIC\r\n",
        &[("export", "contacts")],
    );
    assert_eq!(
        touch(&b, 0),
        vec![
            "x@acme.io",
            "",
            "direct",
            "",
            "",
            "",
            "",
            "",
            "",
            "contact_created"
        ]
    );
    assert_eq!(b.stage_events(), 0);
}

#[test]
fn deals_map_to_conversions() {
    let data = format!(
        "{DEALS_HEADER}\
D-1,Secret Deal for Ada,closedwon,\"$12,500.50\",USD,2026-03-04 15:30,2026-04-01,Acme,acme.io,PAID_SEARCH,default\n\
D-2,Another Secret,appointmentscheduled,,EUR,2026-03-05T10:00:00+01:00,,Globex,globex.example,OFFLINE,default\n\
D-3,Third Secret,qualifiedtobuy,7000,USD,2026-03-06T08:15:00Z,2026-03-09 17:45,Initech,,,partners\n"
    );
    let b = run(&data, &[]);
    assert_eq!(b.rows_read, 3);
    assert!(b.rejects.is_empty(), "{:?}", b.rejects);
    assert_eq!(b.conv_row, vec![1, 2, 3]);
    assert_eq!(
        conv(&b, 0),
        vec![
            "D-1",
            "acme.io",
            "acme.io",
            "closedwon",
            "12500.50",
            "USD",
            "PAID_SEARCH",
            ""
        ]
    );
    assert_eq!(b.conv_created.get(0), local(2026, 3, 4, 15, 30));
    assert_eq!(b.conv_closed.get(0), local(2026, 4, 1, 0, 0));
    // Empty amount → "" (the host counts it as 0 with a warning); no close date → NONE.
    assert_eq!(
        conv(&b, 1),
        vec![
            "D-2",
            "globex.example",
            "globex.example",
            "appointmentscheduled",
            "",
            "EUR",
            "OFFLINE",
            ""
        ]
    );
    assert_eq!(
        b.conv_created.get(1),
        Time {
            wall_ms: wall(2026, 3, 5, 10, 0),
            offset_min: Some(60)
        }
    );
    assert!(b.conv_closed.get(1).is_none());
    assert_eq!(
        conv(&b, 2),
        vec!["D-3", "", "", "qualifiedtobuy", "7000", "USD", "", ""]
    );
    assert_eq!(
        b.conv_created.get(2),
        Time {
            wall_ms: wall(2026, 3, 6, 8, 15),
            offset_min: Some(0)
        }
    );
    assert_eq!(b.conv_closed.get(2), local(2026, 3, 9, 17, 45));
    assert_eq!(b.touches() + b.stage_events(), 0);
    let all = all_strings(&b);
    assert!(
        !all.iter().any(|s| s.contains("Secret")),
        "a deal name leaked"
    );
}

#[test]
fn activities_map_to_touches() {
    let data = format!(
        "{ACTIVITIES_HEADER}\
A-1,ada@acme.io,FORM_SUBMISSION,Contact us,2026-03-04 15:30,https://nimbus.example/contact?x=1,linkedin,paid_social,ai-launch,hero-form,acme.io\n\
A-2,bo@globex.example,MARKETING_EVENT,AI Launch Tour Berlin,2026-03-05,,,,ai-launch,,globex.example\n\
A-3,cy@initech.example,EMAIL_CLICK,Newsletter March,2026-03-06T07:00:00-05:00,,newsletter,email,march-news,cta-1,\n"
    );
    let b = run(&data, &[]);
    assert_eq!(b.rows_read, 3);
    assert!(b.rejects.is_empty(), "{:?}", b.rejects);
    assert_eq!(b.touch_row, vec![1, 2, 3]);
    assert_eq!(
        touch(&b, 0),
        vec![
            "ada@acme.io",
            "acme.io",
            "form",
            "linkedin",
            "paid_social",
            "ai-launch",
            "hero-form",
            "",
            "",
            "form_submission"
        ]
    );
    assert_eq!(b.touch_time.get(0), local(2026, 3, 4, 15, 30));
    // No UTM Content: the asset is the Activity Name.
    assert_eq!(
        touch(&b, 1),
        vec![
            "bo@globex.example",
            "globex.example",
            "event",
            "",
            "",
            "ai-launch",
            "AI Launch Tour Berlin",
            "",
            "",
            "event_attendance"
        ]
    );
    assert_eq!(
        touch(&b, 2),
        vec![
            "cy@initech.example",
            "",
            "email",
            "newsletter",
            "email",
            "march-news",
            "cta-1",
            "",
            "",
            "email_click"
        ]
    );
    assert_eq!(
        b.touch_time.get(2),
        Time {
            wall_ms: wall(2026, 3, 6, 7, 0),
            offset_min: Some(-300)
        }
    );
    assert_eq!(b.conversions() + b.stage_events(), 0);
}

#[test]
fn activity_type_labels_and_case() {
    assert_eq!(
        activity_kind("Form Submission"),
        Some(("form", "form_submission"))
    );
    assert_eq!(
        activity_kind("marketing_event"),
        Some(("event", "event_attendance"))
    );
    assert_eq!(activity_kind("Email click"), Some(("email", "email_click")));
    assert_eq!(activity_kind("PAGE_VIEW"), None);
}

#[test]
fn export_is_detected_from_the_header_or_set() {
    assert_eq!(detect_header(CONTACTS_HEADER), Some(Export::Contacts));
    assert_eq!(detect_header(DEALS_HEADER), Some(Export::Deals));
    assert_eq!(detect_header(ACTIVITIES_HEADER), Some(Export::Activities));
    assert_eq!(
        detect_header("email,BECAME A LEAD DATE,create date\n"),
        Some(Export::Contacts)
    );
    assert_eq!(detect_header("Email,Create Date\n"), None);
    // An explicit export wins over the header.
    let e = run_err(
        &format!("{DEALS_HEADER}D-1,x,closedwon,1,USD,2026-03-04,,,,,\n"),
        &[("export", "activities")],
    );
    assert_eq!(e, NormalizeError::BadFile("HubSpot activities export: missing required column(s): Email, Activity Type, Timestamp".into()));
}

#[test]
fn missing_columns_are_a_bad_file_naming_them() {
    assert_eq!(
        run_err("Record ID,Email,Lifecycle Stage\n1,a@b.c,lead\n", &[]),
        NormalizeError::BadFile(
            "HubSpot contacts export: missing required column(s): Create Date, Original Source"
                .into()
        )
    );
    assert_eq!(
        run_err("Record ID,Deal Stage,Create Date\n", &[]),
        NormalizeError::BadFile(
            "HubSpot deals export: missing required column(s): Amount, Deal Currency Code".into()
        )
    );
    assert_eq!(
        run_err("Activity ID,Activity Type,Timestamp\n", &[]),
        NormalizeError::BadFile(
            "HubSpot activities export: missing required column(s): Email".into()
        )
    );
    assert_eq!(
        run_err("Email,Create Date,Name\nx@y.z,2026-03-04,Q\n", &[]),
        NormalizeError::BadFile(
            "cannot tell which HubSpot export this is: the header has no Deal Stage (deals), Activity Type \
             (activities) or Lifecycle Stage (contacts) column; set the `export` parameter"
                .into()
        )
    );
    assert_eq!(
        run_err("", &[]),
        NormalizeError::BadFile("the file is empty: no header row".into())
    );
}

#[test]
fn header_only_file_has_no_rows() {
    let b = run(DEALS_HEADER, &[]);
    assert_eq!(b.rows_read, 0);
    assert_eq!(b.conversions(), 0);
}

#[test]
fn bad_params_are_refused() {
    assert_eq!(
        run_err(DEALS_HEADER, &[("export", "companies")]),
        NormalizeError::InvalidParam("parameter `export`: `companies` is not a HubSpot export (use contacts, deals, activities or auto)".into())
    );
    assert_eq!(
        run_err(DEALS_HEADER, &[("date_format", "ydm")]),
        NormalizeError::InvalidParam(
            "parameter `date_format`: `ydm` is not a date format (use ymd, mdy or dmy)".into()
        )
    );
    assert_eq!(
        run_err(DEALS_HEADER, &[("delimiter", ";")]),
        NormalizeError::InvalidParam(
            "unknown parameter `delimiter`: accepted parameters are export, date_format, decimal_comma".into()
        )
    );
    // Values are read case-insensitively; `iso` is ymd.
    run(
        DEALS_HEADER,
        &[("export", " Deals "), ("date_format", "ISO")],
    );
}

#[test]
fn bom_crlf_quotes_and_embedded_newlines_in_every_chunking() {
    let data = format!(
        "\u{feff}{}\
A-1,ada@acme.io,FORM_SUBMISSION,\"Contact us, \"\"now\"\"\r\nsecond line\",2026-03-04 15:30,,,,,,acme.io\r\n\
\r\n\
A-2,\"bo@globex.example\",EMAIL_CLICK,\"Newsletter, March\",2026-03-05,,,,,,\r\n\
A-3,cy@initech.example,MARKETING_EVENT,Summit,2026-03-06,,,,,,initech.example",
        ACTIVITIES_HEADER.replace('\n', "\r\n")
    );
    let b = run(&data, &[]);
    // The blank line is not a row.
    assert_eq!(b.rows_read, 3);
    assert!(b.rejects.is_empty(), "{:?}", b.rejects);
    assert_eq!(
        b.touch[touch_col::ASSET].get(0),
        "Contact us, \"now\"\r\nsecond line"
    );
    assert_eq!(b.touch[touch_col::PERSON].get(1), "bo@globex.example");
    assert_eq!(b.touch[touch_col::ASSET].get(1), "Newsletter, March");
    // The last row has no line end.
    assert_eq!(b.touch[touch_col::ACCOUNT].get(2), "initech.example");
    assert_eq!(b.touch_row, vec![1, 2, 3]);
}

#[test]
fn header_matching_ignores_case_spaces_and_order() {
    let data = " amount ,DEAL STAGE,create date,record id,deal currency code\n\"1,000\",closedwon,2026-03-04,D-9,usd\n";
    let b = run(data, &[]);
    assert_eq!(
        conv(&b, 0),
        vec!["D-9", "", "", "closedwon", "1000", "usd", "", ""]
    );
}

#[test]
fn date_formats() {
    let one = |date: &str, params: &[(&str, &str)]| {
        let b = run(
            &format!("Email,Activity Type,Timestamp\na@b.example,EMAIL_CLICK,{date}\n"),
            params,
        );
        if b.rejects.is_empty() {
            Ok(b.touch_time.get(0))
        } else {
            Err(b.rejects[0].2.clone())
        }
    };
    assert_eq!(one("2026-03-04 15:30", &[]), Ok(local(2026, 3, 4, 15, 30)));
    assert_eq!(one("2026-03-04", &[]), Ok(local(2026, 3, 4, 0, 0)));
    assert_eq!(
        one("2026-03-04 15:30:59", &[]),
        Ok(Time {
            wall_ms: wall(2026, 3, 4, 15, 30) + 59_000,
            offset_min: None
        })
    );
    assert_eq!(
        one("2026-03-04T15:30:00Z", &[]),
        Ok(Time {
            wall_ms: wall(2026, 3, 4, 15, 30),
            offset_min: Some(0)
        })
    );
    assert_eq!(
        one("2026-03-04T15:30:00.000+05:30", &[]),
        Ok(Time {
            wall_ms: wall(2026, 3, 4, 15, 30),
            offset_min: Some(330)
        })
    );
    assert_eq!(
        one("2026-03-04T15:30:00-08:00", &[]),
        Ok(Time {
            wall_ms: wall(2026, 3, 4, 15, 30),
            offset_min: Some(-480)
        })
    );
    assert_eq!(
        one("3/4/2026 3:30 PM", &[]),
        Err("`3/4/2026 3:30 PM` is not a YYYY-MM-DD date (set date_format = mdy or dmy for dates like 3/4/2026)".into())
    );
    assert_eq!(
        one("3/4/2026 3:30 PM", &[("date_format", "mdy")]),
        Ok(local(2026, 3, 4, 15, 30))
    );
    assert_eq!(
        one("04/03/2026 15:30", &[("date_format", "dmy")]),
        Ok(local(2026, 3, 4, 15, 30))
    );
    assert_eq!(
        one("2026-03-04 15:30", &[("date_format", "dmy")]),
        Ok(local(2026, 3, 4, 15, 30))
    );
    assert_eq!(
        one("2026-02-30", &[]),
        Err("day 30 is out of range for 2026-02".into())
    );
    assert_eq!(
        one("yesterday", &[]),
        Err("`yesterday` is not a date".into())
    );
}

#[test]
fn fast_dates_agree_with_the_sdk_parser() {
    let mut checked = 0;
    for y in [
        "1969", "1970", "2024", "2026", "2100", "2200", "2201", "20x6",
    ] {
        for m in ["00", "01", "02", "04", "12", "13", "1a"] {
            for d in ["00", "01", "28", "29", "30", "31", "32"] {
                for clock in [
                    "",
                    " 00:00",
                    "T15:30",
                    " 23:59:59",
                    " 24:00",
                    " 12:60",
                    " 12:30:60",
                    " 7:05",
                    "T15:30:00Z",
                    " 15:30:00.5",
                    " 15:30 ",
                    "T15:30:00.123Z",
                    "T15:30:00.123456789+01:00",
                    "T15:30:00-05:30",
                    "T15:30+14:00",
                    "T15:30:00+15:00",
                    "T15:30:00+01:60",
                    "T15:30:00+01",
                    "T15:30:00+0100",
                    "T15:30:00.Z",
                    "T15:30:00 Z",
                    "T15:30:0",
                    "T15:3",
                    " 15:30:00 +01:00",
                ] {
                    let s = format!("{y}-{m}-{d}{clock}");
                    if let Some(t) = fast_date(s.as_bytes()) {
                        assert_eq!(Ok(t), parse_datetime(&s, DateOrder::Mdy), "{s}");
                        checked += 1;
                    }
                }
            }
        }
    }
    assert!(checked > 100, "{checked}");
    assert_eq!(
        fast_date(b"2026-03-04 15:30"),
        Some(local(2026, 3, 4, 15, 30))
    );
    assert_eq!(fast_date(b"2024-02-29"), Some(local(2024, 2, 29, 0, 0)));
    assert_eq!(fast_date(b"2026-02-29"), None);
    // The forms HubSpot writes all take the fast path.
    let fast = [
        "2026-03-04",
        "2026-03-04 15:30",
        "2026-03-04 15:30:59",
        "2026-03-04T15:30:00Z",
        "2026-03-04T15:30:00.000Z",
        "2026-03-04T15:30:00+01:00",
        "2026-03-04T15:30:00.250-08:00",
    ];
    for s in fast {
        assert_eq!(
            fast_date(s.as_bytes()).as_ref(),
            parse_datetime(s, DateOrder::Mdy).as_ref().ok(),
            "{s}"
        );
    }
    assert_eq!(
        fast_date(b"2026-03-04T15:30:00.250-08:00"),
        Some(Time {
            wall_ms: wall(2026, 3, 4, 15, 30) + 250,
            offset_min: Some(-480)
        })
    );
}

#[test]
fn contact_rejects_name_the_column() {
    let data = format!(
        "{CONTACTS_HEADER}\
1,,Ann,A,Acme,acme.io,2026-03-04,lead,,,,,,ORGANIC_SEARCH,,,,\n\
2,b@acme.io,Ben,B,Acme,acme.io,,lead,,,,,,ORGANIC_SEARCH,,,,\n\
3,c@acme.io,Cat,C,Acme,acme.io,04/03/2026,lead,,,,,,ORGANIC_SEARCH,,,,\n\
4,d@acme.io,Dan,D,Acme,acme.io,2026-03-04,customer,2026-03-04,,,,2026-13-01,ORGANIC_SEARCH,,,,\n\
5,e@acme.io,Eve,E,Acme,acme.io,2026-03-04,lead,2026-03-04,,,,,ORGANIC_SEARCH,,,,\n"
    );
    let b = run(&data, &[]);
    assert_eq!(b.rows_read, 5);
    assert_eq!(
        rejects(&b),
        vec![
            (1, "Email", "no e-mail address"),
            (2, "Create Date", "no date given"),
            (
                3,
                "Create Date",
                "`04/03/2026` is not a YYYY-MM-DD date (set date_format = mdy or dmy for dates like 3/4/2026)"
            ),
            (4, "Became a Customer Date", "month 13 is out of range"),
        ]
    );
    // A rejected row emits nothing: row 4's good lead date is not emitted either.
    assert_eq!(b.touch_row, vec![5]);
    assert_eq!(b.event_row, vec![5]);
}

#[test]
fn a_decimal_comma_amount_is_rejected_naming_the_parameter_never_reinterpreted() {
    let data = format!(
        "{DEALS_HEADER}\
D-1,Deal,closedwon,\"12500,50\",EUR,2026-03-04,,,,,\n\
D-2,Deal,closedwon,\"1.234,56\",EUR,2026-03-04,,,,,\n\
D-3,Deal,closedwon,\"12,500.50\",USD,2026-03-04,,,,,\n\
D-4,Deal,closedwon,12.5,USD,2026-03-04,,,,,\n"
    );
    let b = run(&data, &[]);
    assert_eq!(
        rejects(&b),
        vec![
            (
                1,
                "Amount",
                "amount `12500,50` has a comma that is not a thousands separator; if this source \
                 writes decimal commas, set the normalizer parameter `decimal_comma = true`"
            ),
            (
                2,
                "Amount",
                "amount `1.234,56` has a comma that is not a thousands separator; if this source \
                 writes decimal commas, set the normalizer parameter `decimal_comma = true`"
            ),
        ]
    );
    assert_eq!(b.conv_row, vec![3, 4]);
    assert_eq!(b.conv[conv_col::AMOUNT].get(0), "12500.50");
    assert_eq!(b.conv[conv_col::AMOUNT].get(1), "12.5");

    // The same file from a portal that writes decimal commas.
    let b = run(&data, &[("decimal_comma", "true")]);
    assert_eq!(
        rejects(&b),
        vec![
            (
                3,
                "Amount",
                "amount `12,500.50` has a point that is not a thousands separator; if this source \
                 writes decimal points, set the normalizer parameter `decimal_comma = false`"
            ),
            (
                4,
                "Amount",
                "amount `12.5` has a point that is not a thousands separator; if this source \
                 writes decimal points, set the normalizer parameter `decimal_comma = false`"
            ),
        ]
    );
    assert_eq!(b.conv_row, vec![1, 2]);
    assert_eq!(b.conv[conv_col::AMOUNT].get(0), "12500.50");
    assert_eq!(b.conv[conv_col::AMOUNT].get(1), "1234.56");
    assert_eq!(
        run_err(&data, &[("decimal_comma", "sometimes")]),
        NormalizeError::InvalidParam(
            "parameter `decimal_comma`: `sometimes` is not true or false".into()
        )
    );
}

#[test]
fn deal_rejects_name_the_column() {
    let data = format!(
        "{DEALS_HEADER}\
,Nameless,closedwon,100,USD,2026-03-04,,,,,\n\
D-2,Deal,closedwon,n/a,USD,2026-03-04,,,,,\n\
D-3,Deal,closedwon,1.2.3,USD,2026-03-04,,,,,\n\
D-4,Deal,closedwon,100,USD,,,,,,\n\
D-5,Deal,closedwon,100,USD,2026-03-04,soon,,,,\n\
D-6,Deal,closedwon,100,USD,2026-03-04,2026-03-05,,,,\n"
    );
    let b = run(&data, &[]);
    assert_eq!(
        rejects(&b),
        vec![
            (1, "Record ID", "no deal id"),
            (2, "Amount", "`n/a` is not an amount"),
            (3, "Amount", "`1.2.3` is not an amount"),
            (4, "Create Date", "no date given"),
            (5, "Close Date", "`soon` is not a date"),
        ]
    );
    assert_eq!(b.conv_row, vec![6]);
}

#[test]
fn activity_rejects_name_the_column() {
    let data = format!(
        "{ACTIVITIES_HEADER}\
A-1,,FORM_SUBMISSION,Form,2026-03-04,,,,,,\n\
A-2,b@acme.io,PAGE_VIEW,Home,2026-03-04,,,,,,\n\
A-3,c@acme.io,,Home,2026-03-04,,,,,,\n\
A-4,d@acme.io,EMAIL_CLICK,Mail,,,,,,,\n\
A-5,e@acme.io,EMAIL_CLICK,Mail,2026-03-04T25:00,,,,,,\n"
    );
    let b = run(&data, &[]);
    assert_eq!(
        rejects(&b),
        vec![
            (1, "Email", "no e-mail address"),
            (
                2,
                "Activity Type",
                "unknown activity type `PAGE_VIEW` (expected FORM_SUBMISSION, MARKETING_EVENT or EMAIL_CLICK)"
            ),
            (3, "Activity Type", "no activity type"),
            (4, "Timestamp", "no date given"),
            (5, "Timestamp", "`25:00` is not a time of day"),
        ]
    );
    assert_eq!(b.touches(), 0);
}

#[test]
fn unreadable_rows_are_rejected_not_dropped() {
    // Invalid UTF-8 in a field names the column; a file ending inside quotes rejects the row.
    let mut data = ACTIVITIES_HEADER.as_bytes().to_vec();
    data.extend_from_slice(b"A-1,a@acme.io,EMAIL_CLICK,Mail,2026-03-04,,\xff\xfe,,,,\n");
    data.extend_from_slice(b"A-2,b@acme.io,EMAIL_CLICK,\"Mail,2026-03-04,,,,,,\n");
    let b = run_bytes(&data, &[]);
    assert_eq!(b.rows_read, 2);
    assert_eq!(
        rejects(&b),
        vec![
            (1, "UTM Source", "invalid UTF-8"),
            (
                2,
                "",
                "unterminated quoted field: the file ends inside quotes"
            )
        ]
    );
}

#[test]
fn short_rows_read_missing_cells_as_empty() {
    let b = run(
        &format!("{DEALS_HEADER}D-1,Deal,closedwon,5,USD,2026-03-04\n"),
        &[],
    );
    assert_eq!(
        conv(&b, 0),
        vec!["D-1", "", "", "closedwon", "5", "USD", "", ""]
    );
    assert!(b.conv_closed.get(0).is_none());
    assert_eq!(b.conv[conv_col::AMOUNT].get(0), "5");
}

#[test]
fn sample_files_read_cleanly() {
    let samples = [
        (
            include_str!("../../../fixtures/samples/hubspot/contacts.csv"),
            Export::Contacts,
        ),
        (
            include_str!("../../../fixtures/samples/hubspot/deals.csv"),
            Export::Deals,
        ),
        (
            include_str!("../../../fixtures/samples/hubspot/activities.csv"),
            Export::Activities,
        ),
    ];
    for (data, export) in samples {
        let b = run(data, &[]);
        assert!(b.rows_read >= 3, "{export:?}");
        assert!(b.rejects.is_empty(), "{export:?}: {:?}", b.rejects);
        let out = match export {
            Export::Contacts => b.touches(),
            Export::Deals => b.conversions(),
            Export::Activities => b.touches(),
        };
        assert_eq!(out as u64, b.rows_read, "{export:?}");
    }
}

/// The demo campaign's HubSpot files (`fixtures/campaigns`, written by `ascribe-gen` with
/// injected faults): every row the manifest calls invalid at this stage is rejected with its
/// column, every other row is mapped, and the counts match the manifest.
#[test]
fn demo_campaign_files_match_the_manifest() {
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/campaigns/data/quantia"
    );
    let read = |f: &str| std::fs::read(format!("{dir}/{f}"));
    let (Ok(contacts), Ok(deals), Ok(activities)) = (
        read("contacts.csv"),
        read("deals.csv"),
        read("activities.csv"),
    ) else {
        // Two of the demo's exports are generated, not committed: a silent skip here
        // would pass without checking anything.
        panic!(
            "no demo campaign under {dir}: `cargo xtask test` generates it (fixtures/README.md)"
        );
    };
    let run_big =
        |data: &[u8]| run_batch_in::<Plugin>("crm", "demo.csv", &[], data, &[997, 1 << 20]);

    // The manifest: 2,568 rows, 2,568 touches and 4,253 stage events, rows 1280 (no e-mail)
    // and 1919 (2026-02-30) invalid; the file starts with a BOM; row 646 holds a quoted
    // comma and newline.
    let b = run_big(&contacts);
    assert_eq!(b.rows_read, 2568);
    assert_eq!(
        rejects(&b),
        vec![
            (1280, "Email", "no e-mail address"),
            (1919, "Create Date", "day 30 is out of range for 2026-02")
        ]
    );
    assert_eq!((b.touches(), b.stage_events()), (2566, 4251));

    // 99 rows; 66 (`#VALUE!`) and 83 (month 13) invalid here, 29 (stage `verbalcommit`) is
    // the host's to refuse. The amounts of the mapped rows sum to the manifest's total less
    // rows 66 and 83: EUR 5,332,188.08.
    let b = run_big(&deals);
    assert_eq!(b.rows_read, 99);
    assert_eq!(
        rejects(&b),
        vec![
            (66, "Amount", "`#VALUE!` is not an amount"),
            (83, "Create Date", "month 13 is out of range")
        ]
    );
    assert_eq!(b.conversions(), 97);
    let cents: i64 = (0..b.conversions())
        .map(|i| {
            let (units, frac) = b.conv[conv_col::AMOUNT].get(i).split_once('.').unwrap();
            units.parse::<i64>().unwrap() * 100 + frac.parse::<i64>().unwrap()
        })
        .sum();
    assert_eq!(cents, 533_218_808);
    assert!((0..b.conversions()).all(|i| b.conv[conv_col::CURRENCY].get(i) == "EUR"));

    // 11,048 rows; 2794 (`2026-09-31 25:61`) and 8221 (no e-mail) invalid.
    let b = run_big(&activities);
    assert_eq!(b.rows_read, 11048);
    assert_eq!(
        rejects(&b),
        vec![
            (2794, "Timestamp", "day 31 is out of range for 2026-09"),
            (8221, "Email", "no e-mail address")
        ]
    );
    assert_eq!(b.touches(), 11046);
}

fn detect_header(h: &str) -> Option<Export> {
    let mut r = ascribe_sdk::csv::CsvReader::new(b',');
    r.feed(h.as_bytes());
    r.next(true).unwrap();
    detect(&Header::from_record(r.record()).unwrap())
}
