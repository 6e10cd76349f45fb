//! Native tests: every file runs through `run_file` the way the host streams it, in
//! several chunk sizes (1 and 7 bytes cut every record, field and CRLF in every possible
//! place); all sizes must give the same output.

use super::*;
use ascribe_sdk::normalizer::{Csv, Normalizer, run_file, touch_col};
use ascribe_sdk::testing::{CHUNKS, emitted_text, run_chunks, run_err_chunks};

type Plugin = Csv<GenericCsv>;

fn run(params: &[(&str, &str)], data: &[u8]) -> (u64, Vec<String>) {
    run_chunks::<Plugin>("crm", "touches.csv", params, data)
}

fn run_err(params: &[(&str, &str)], data: &[u8]) -> NormalizeError {
    run_err_chunks::<Plugin>("crm", "touches.csv", params, data)
}

fn touches(rows: &str) -> Vec<u8> {
    format!("{TOUCH_HEADER}{rows}").into_bytes()
}

fn conversions(rows: &str) -> Vec<u8> {
    format!("{CONV_HEADER}{rows}").into_bytes()
}

fn with<'a>(base: &[(&'a str, &'a str)], extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    base.iter().chain(extra).copied().collect()
}

// ---------------------------------------------------------------- info and params

#[test]
fn info_declares_every_parameter() {
    let i = GenericCsv::info();
    assert_eq!(i.name, "generic-csv");
    assert_eq!(i.version, "1.0.0");
    assert_eq!(i.accepts, ["crm:*", "map:*", "analytics:*"]);
    let names: Vec<&str> = i.params.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        &names[..6],
        [
            "record",
            "delimiter",
            "date_order",
            "decimal_comma",
            "col_person",
            "fixed_person"
        ]
    );
    assert_eq!(names.len(), 4 + 2 * 19);
    for f in [
        "person",
        "account",
        "time",
        "channel",
        "source",
        "medium",
        "campaign",
        "asset",
        "region",
        "segment",
        "touch_type",
        "id",
        "account_domain",
        "stage",
        "amount",
        "currency",
        "created",
        "closed",
        "lead_source",
    ] {
        for p in [format!("col_{f}"), format!("fixed_{f}")] {
            let spec = i
                .params
                .iter()
                .find(|s| s.name == p)
                .unwrap_or_else(|| panic!("{p} is declared"));
            assert_eq!(spec.default_value, "", "{p} is unset by default");
        }
    }
    let defaults: Vec<(&str, &str)> = i.params[..4]
        .iter()
        .map(|p| (p.name.as_str(), p.default_value.as_str()))
        .collect();
    assert_eq!(
        defaults,
        [
            ("record", "touch"),
            ("delimiter", ","),
            ("date_order", "mdy"),
            ("decimal_comma", "false")
        ]
    );
    assert!(
        i.params.iter().all(|p| p.description.len() > 20),
        "every parameter is described"
    );
    let amount = i.params.iter().find(|s| s.name == "col_amount").unwrap();
    assert_eq!(
        amount.description,
        "the column holding the amount (currency symbols and thousands separators are removed) (conversion records)"
    );
}

#[test]
fn bad_parameters_are_invalid_param_errors() {
    let data = touches("");
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (
            with(&TOUCH_PARAMS, &[("record", "lead")]),
            "parameter `record`: `lead` is not a record kind (use `touch` or `conversion`)",
        ),
        (
            with(&TOUCH_PARAMS, &[("col_amount", "Value")]),
            "parameter `col_amount`: touch records have no `amount` field (set `record` = `conversion`, or remove it)",
        ),
        (
            with(&CONV_PARAMS, &[("fixed_channel", "webinar")]),
            "parameter `fixed_channel`: conversion records have no `channel` field (set `record` = `touch`, or remove it)",
        ),
        (
            with(&TOUCH_PARAMS, &[("fixed_channel", "webinar")]),
            "set `col_channel` or `fixed_channel`, not both",
        ),
        (
            vec![("col_person", "E-Mail")],
            "touch records need person, time, channel: set `col_<field>` (a column) or `fixed_<field>` (a constant) for time, channel",
        ),
        (
            vec![("record", "conversion"), ("col_id", "Deal")],
            "conversion records need id, amount, currency, created: set `col_<field>` (a column) or `fixed_<field>` (a constant) for amount, currency, created",
        ),
        (
            vec![
                ("col_person", "E-Mail"),
                ("fixed_time", "3/32/2026"),
                ("fixed_channel", "webinar"),
            ],
            "parameter `fixed_time`: day 32 is out of range for 2026-03",
        ),
        (
            with(
                &CONV_PARAMS[..7],
                &[("col_created", "Opened"), ("fixed_amount", "50k")],
            )
            .into_iter()
            .filter(|p| p.0 != "col_amount")
            .collect(),
            "parameter `fixed_amount`: `50k` is not an amount",
        ),
        (
            with(&TOUCH_PARAMS, &[("delimiter", ":")]),
            "parameter `delimiter`: `:` is not a delimiter (use `,`, `;`, `tab` or `|`)",
        ),
        (
            with(&TOUCH_PARAMS, &[("date_order", "ymd")]),
            "parameter `date_order`: `ymd` is not a date order (use mdy or dmy)",
        ),
        (
            with(&TOUCH_PARAMS, &[("decimal_comma", "si")]),
            "parameter `decimal_comma`: `si` is not true or false",
        ),
    ];
    for (params, msg) in cases {
        assert_eq!(
            run_err(&params, &data),
            NormalizeError::InvalidParam(msg.into()),
            "{params:?}"
        );
    }
    match run_err(&with(&TOUCH_PARAMS, &[("col_email", "E-Mail")]), &data) {
        NormalizeError::InvalidParam(m) => {
            assert!(
                m.starts_with(
                    "unknown parameter `col_email`: accepted parameters are record, delimiter"
                ),
                "{m}"
            )
        }
        e => panic!("{e:?}"),
    }
}

// ---------------------------------------------------------------- touches

#[test]
fn touches_map_columns_and_constants() {
    let data = touches(concat!(
        "dana.whitfield@northwind.example,Dana,Whitfield,Northwind Analytics,northwind.example,3/4/2026 5:00 PM,Webinar,linkedin,AI Launch Tour,Keynote: Agents in Production,United States\n",
        "ravi.okafor@lumen-labs.example,Ravi,Okafor,Lumen Labs,https://www.lumen-labs.example/de,2026-03-05T09:30:00+01:00,Paid  Social,,AI Launch Tour,,Germany\n",
        "mei.lindqvist@harborfinch.example,Mei,Lindqvist,Harbor & Finch,,03/06/2026,TRADE SHOW,partner-newsletter,,Booth demo,\n",
    ));
    let (rows, got) = run(&TOUCH_PARAMS, &data);
    assert_eq!(rows, 3);
    assert_eq!(
        got,
        [
            "touch 1 person=dana.whitfield@northwind.example account=northwind.example time=2026-03-04 17:00 channel=webinar source=linkedin medium= campaign=AI Launch Tour asset=Keynote: Agents in Production region=United States segment= type=attended",
            "touch 2 person=ravi.okafor@lumen-labs.example account=lumen-labs.example time=2026-03-05 09:30+60 channel=paid_social source= medium= campaign=AI Launch Tour asset= region=Germany segment= type=attended",
            "touch 3 person=mei.lindqvist@harborfinch.example account= time=2026-03-06 00:00 channel=trade_show source=partner-newsletter medium= campaign= asset=Booth demo region= segment= type=attended",
        ]
    );
}

#[test]
fn fixed_channel_time_and_other_constants() {
    let data =
        b"Attendee Email,Company\nann.lee@northwind.example,Northwind\nbo.chen@vela.example,\n";
    let params = [
        ("col_person", "attendee email"),
        ("col_account", "COMPANY"),
        ("fixed_time", "2026-03-04 16:00"),
        ("fixed_channel", "Partner Event"),
        ("fixed_campaign", "AI Launch Tour"),
        ("fixed_region", "EMEA"),
        ("fixed_segment", "Enterprise"),
        ("fixed_medium", "event"),
        ("fixed_source", "partner"),
        ("fixed_asset", "roundtable-berlin"),
        ("fixed_touch_type", "attended"),
    ];
    let (_, got) = run(&params, data);
    assert_eq!(
        got,
        [
            "touch 1 person=ann.lee@northwind.example account=Northwind time=2026-03-04 16:00 channel=partner_event source=partner medium=event campaign=AI Launch Tour asset=roundtable-berlin region=EMEA segment=Enterprise type=attended",
            "touch 2 person=bo.chen@vela.example account= time=2026-03-04 16:00 channel=partner_event source=partner medium=event campaign=AI Launch Tour asset=roundtable-berlin region=EMEA segment=Enterprise type=attended",
        ]
    );
}

#[test]
fn unmapped_columns_are_never_emitted() {
    let data = touches(concat!(
        "dana.whitfield@northwind.example,Dana,Whitfield,Northwind Analytics,northwind.example,3/4/2026,Webinar,,,,\n",
        ",Quentin,Abernathy,Quarry Systems,quarry.example,3/4/2026,Webinar,,,,\n",
    ));
    for chunk in CHUNKS {
        let b = run_file::<Plugin>("map", "t.csv", &TOUCH_PARAMS, &data, chunk).unwrap();
        let text = emitted_text(&b);
        assert!(
            !text.contains("Dana,") && !text.contains("Quentin") && !text.contains("Abernathy"),
            "{text}"
        );
        assert!(
            !text.contains("Northwind Analytics") && !text.contains("Quarry Systems"),
            "{text}"
        );
    }
}

#[test]
fn bom_crlf_quotes_commas_and_newlines_in_every_chunking() {
    let data = format!(
        "\u{feff}{}\"ann.lee@northwind.example\",\"Ann\",\"Lee, Jr.\",\"Northwind, Ltd\",northwind.example,3/4/2026,Webinar,\"news, letter\",\"Tour \"\"2026\"\"\",\"Agents\nin production\",\r\n\r\nbo.chen@vela.example,,,,,3/5/2026,Webinar,,,,\r\n",
        TOUCH_HEADER.replace('\n', "\r\n")
    );
    let (rows, got) = run(&TOUCH_PARAMS, data.as_bytes());
    assert_eq!(rows, 2, "the blank line is not a row");
    assert_eq!(
        got,
        [
            "touch 1 person=ann.lee@northwind.example account=northwind.example time=2026-03-04 00:00 channel=webinar source=news, letter medium= campaign=Tour \"2026\" asset=Agents\nin production region= segment= type=attended",
            "touch 2 person=bo.chen@vela.example account= time=2026-03-05 00:00 channel=webinar source= medium= campaign= asset= region= segment= type=attended",
        ]
    );
}

#[test]
fn touch_rejects_name_the_column_and_the_reason() {
    let mut data = touches(concat!(
        ",Ann,Lee,Northwind,northwind.example,3/4/2026,Webinar,,,,\n",
        "ann.lee@northwind.example,Ann,Lee,Northwind,northwind.example,,Webinar,,,,\n",
        "ann.lee@northwind.example,Ann,Lee,Northwind,northwind.example,2026-02-29,Webinar,,,,\n",
        "ann.lee@northwind.example,Ann,Lee,Northwind,northwind.example,3/4/2026, ,,,,\n",
        "  ,Ann,Lee,Northwind,northwind.example,next week,,,,,\n",
    ))
    .to_vec();
    // Latin-1 in a mapped column (Country) and in an unmapped one (Last Name).
    data.extend_from_slice(b"ann.lee@northwind.example,Ann,M\xfcller,Northwind,northwind.example,3/4/2026,Webinar,,,,\xd6sterreich\n");
    data.extend_from_slice(
        b"bo.chen@vela.example,Bo,M\xfcller,Vela,vela.example,3/4/2026,Webinar,,,,\n",
    );
    let (rows, got) = run(&TOUCH_PARAMS, &data);
    assert_eq!(rows, 7);
    assert_eq!(
        got,
        [
            "touch 7 person=bo.chen@vela.example account=vela.example time=2026-03-04 00:00 channel=webinar source= medium= campaign= asset= region= segment= type=attended",
            "reject 1 [E-Mail] empty: a touch needs a person",
            "reject 2 [Date] empty date",
            "reject 3 [Date] day 29 is out of range for 2026-02",
            "reject 4 [Channel] empty: a touch needs a channel",
            "reject 5 [E-Mail] empty: a touch needs a person",
            "reject 6 [Country] invalid UTF-8",
        ]
    );
}

// ---------------------------------------------------------------- conversions

#[test]
fn conversions_map_every_field() {
    let data = conversions(concat!(
        "D-1001,Renewal (Dana Whitfield),Northwind Analytics,https://www.northwind.example/,Closed Won,\"$48,500.00\",USD,3/4/2026,5/29/2026 4:30 PM,Partner,AI Launch Tour\n",
        "D-1002,Expansion,Lumen Labs,lumen-labs.example,Negotiation,,EUR,3/6/2026,,Webinar,\n",
        "D-1003,Pilot,Quarry Systems,,Closed Lost,(1200),USD,2026-03-09,2026-04-01,,\n",
    ));
    let (rows, got) = run(&CONV_PARAMS, &data);
    assert_eq!(rows, 3);
    assert_eq!(
        got,
        [
            "conv 1 id=D-1001 account=Northwind Analytics domain=northwind.example stage=Closed Won amount=48500.00 currency=USD created=2026-03-04 00:00 closed=2026-05-29 16:30 lead_source=Partner campaign=AI Launch Tour",
            "conv 2 id=D-1002 account=Lumen Labs domain=lumen-labs.example stage=Negotiation amount= currency=EUR created=2026-03-06 00:00 closed=- lead_source=Webinar campaign=",
            "conv 3 id=D-1003 account=Quarry Systems domain= stage=Closed Lost amount=-1200 currency=USD created=2026-03-09 00:00 closed=2026-04-01 00:00 lead_source= campaign=",
        ]
    );
    // The deal name (it holds a person's name) is not mapped, so it never leaves the file.
    let b = run_file::<Plugin>("crm", "d.csv", &CONV_PARAMS, &data, 7).unwrap();
    assert!(!emitted_text(&b).contains("Whitfield"));
}

#[test]
fn conversions_with_constants_semicolons_dmy_and_decimal_comma() {
    let data = "Vorgang;Firma;Betrag;Angelegt\nV-1;kestrel.example;1.234,50 €;04.03.2026 15:30\nV-2;kestrel.example;99,9;13/03/2026\nV-3;kestrel.example;12.000;1/2/2026\n";
    let params = [
        ("record", "conversion"),
        ("delimiter", ";"),
        ("date_order", "dmy"),
        ("decimal_comma", "true"),
        ("col_id", "Vorgang"),
        ("col_account_domain", "Firma"),
        ("col_account", "Firma"),
        ("col_amount", "Betrag"),
        ("fixed_currency", "EUR"),
        ("fixed_stage", "Closed Won"),
        ("col_created", "Angelegt"),
        ("fixed_campaign", "AI Launch Tour"),
    ];
    let (_, got) = run(&params, data.as_bytes());
    assert_eq!(
        got,
        [
            "conv 1 id=V-1 account=kestrel.example domain=kestrel.example stage=Closed Won amount=1234.50 currency=EUR created=2026-03-04 15:30 closed=- lead_source= campaign=AI Launch Tour",
            "conv 2 id=V-2 account=kestrel.example domain=kestrel.example stage=Closed Won amount=99.9 currency=EUR created=2026-03-13 00:00 closed=- lead_source= campaign=AI Launch Tour",
            "conv 3 id=V-3 account=kestrel.example domain=kestrel.example stage=Closed Won amount=12000 currency=EUR created=2026-02-01 00:00 closed=- lead_source= campaign=AI Launch Tour",
        ]
    );
}

#[test]
fn a_decimal_comma_amount_is_rejected_naming_the_parameter_never_reinterpreted() {
    let data = "Vorgang;Firma;Betrag;Angelegt\nV-1;kestrel.example;1.234,50 €;04.03.2026\nV-2;kestrel.example;12500,50;04.03.2026\nV-3;kestrel.example;12.5;04.03.2026\n";
    let mut params = vec![
        ("record", "conversion"),
        ("delimiter", ";"),
        ("date_order", "dmy"),
        ("col_id", "Vorgang"),
        ("col_account_domain", "Firma"),
        ("col_amount", "Betrag"),
        ("fixed_currency", "EUR"),
        ("col_created", "Angelegt"),
    ];
    let (_, got) = run(&params, data.as_bytes());
    assert_eq!(
        got,
        [
            "conv 3 id=V-3 account= domain=kestrel.example stage= amount=12.5 currency=EUR created=2026-03-04 00:00 closed=- lead_source= campaign=",
            "reject 1 [Betrag] amount `1.234,50 €` has a comma that is not a thousands separator; \
             if this source writes decimal commas, set the normalizer parameter `decimal_comma = true`",
            "reject 2 [Betrag] amount `12500,50` has a comma that is not a thousands separator; \
             if this source writes decimal commas, set the normalizer parameter `decimal_comma = true`",
        ]
    );
    params.push(("decimal_comma", "true"));
    let (_, got) = run(&params, data.as_bytes());
    assert_eq!(
        got,
        [
            "conv 1 id=V-1 account= domain=kestrel.example stage= amount=1234.50 currency=EUR created=2026-03-04 00:00 closed=- lead_source= campaign=",
            "conv 2 id=V-2 account= domain=kestrel.example stage= amount=12500.50 currency=EUR created=2026-03-04 00:00 closed=- lead_source= campaign=",
            "reject 3 [Betrag] amount `12.5` has a point that is not a thousands separator; \
             if this source writes decimal points, set the normalizer parameter `decimal_comma = false`",
        ]
    );
}

#[test]
fn fixed_amount_and_fixed_created() {
    let data = b"Ref\nR-1\nR-2\n";
    let params = [
        ("record", "conversion"),
        ("col_id", "Ref"),
        ("fixed_amount", "$1,000"),
        ("fixed_currency", "USD"),
        ("fixed_created", "3/4/2026"),
        ("fixed_account_domain", "https://www.vela.example/"),
        ("fixed_account", "WWW.Vela.example"),
    ];
    let (_, got) = run(&params, data);
    assert_eq!(
        got,
        [
            "conv 1 id=R-1 account=Vela.example domain=vela.example stage= amount=1000 currency=USD created=2026-03-04 00:00 closed=- lead_source= campaign=",
            "conv 2 id=R-2 account=Vela.example domain=vela.example stage= amount=1000 currency=USD created=2026-03-04 00:00 closed=- lead_source= campaign=",
        ]
    );
}

#[test]
fn pipe_and_tab_delimiters() {
    for (d, sep) in [("|", "|"), ("tab", "\t")] {
        let data =
            format!("Deal{sep}Value{sep}Cur{sep}Opened\nD-1{sep}5,000{sep}USD{sep}3/4/2026\n");
        let params = [
            ("record", "conversion"),
            ("delimiter", d),
            ("col_id", "Deal"),
            ("col_amount", "Value"),
            ("col_currency", "Cur"),
            ("col_created", "Opened"),
        ];
        let (_, got) = run(&params, data.as_bytes());
        assert_eq!(
            got,
            [
                "conv 1 id=D-1 account= domain= stage= amount=5000 currency=USD created=2026-03-04 00:00 closed=- lead_source= campaign="
            ],
            "delimiter {d}"
        );
    }
}

#[test]
fn conversion_rejects_name_the_column_and_the_reason() {
    let data = conversions(concat!(
        ",Deal,Vela,vela.example,Closed Won,100,USD,3/4/2026,,,\n",
        "D-2,Deal,Vela,vela.example,Closed Won,about 5k,USD,3/4/2026,,,\n",
        "D-3,Deal,Vela,vela.example,Closed Won,1.2.3,USD,3/4/2026,,,\n",
        "D-4,Deal,Vela,vela.example,Closed Won,100,USD,,,,\n",
        "D-5,Deal,Vela,vela.example,Closed Won,100,USD,3/4/2026,4/31/2026,,\n",
        "D-6,Deal,Vela,vela.example,Closed Won,100,USD,3/4/2026 3:05 XM,,,\n",
        "D-7,Deal,Vela,vela.example,Closed Won,100,USD,3/4/2026,3/5/2026,,\n",
    ));
    let (rows, got) = run(&CONV_PARAMS, &data);
    assert_eq!(rows, 7);
    assert_eq!(
        got,
        [
            "conv 7 id=D-7 account=Vela domain=vela.example stage=Closed Won amount=100 currency=USD created=2026-03-04 00:00 closed=2026-03-05 00:00 lead_source= campaign=",
            "reject 1 [Deal] empty: a conversion needs an id",
            "reject 2 [Deal Value] `about 5k` is not an amount",
            "reject 3 [Deal Value] `1.2.3` is not an amount",
            "reject 4 [Opened] empty date",
            "reject 5 [Won On] day 31 is out of range for 2026-04",
            "reject 6 [Opened] `3:05 XM` is not a time of day",
        ]
    );
}

// ---------------------------------------------------------------- the header

#[test]
fn bad_file_messages() {
    let e = run_err(
        &TOUCH_PARAMS,
        b"Email,Date,Channel,Source,Campaign,Session,Country,Company Domain\n",
    );
    assert_eq!(
        e,
        NormalizeError::BadFile("missing required column(s): E-Mail (col_person)".into())
    );
    let e = run_err(&CONV_PARAMS, b"Deal,Customer,Phase,Cur,Origin\n");
    assert_eq!(
        e,
        NormalizeError::BadFile(
            "missing required column(s): Program (col_campaign), Customer Website (col_account_domain), Deal Value (col_amount), Opened (col_created), Won On (col_closed)".into()
        )
    );
    let e = run_err(&TOUCH_PARAMS, TOUCH_HEADER.replace(',', ";").as_bytes());
    assert_eq!(
        e,
        NormalizeError::BadFile(
            "missing required column(s): E-Mail (col_person), Company Domain (col_account), Date (col_time), Channel (col_channel), Source (col_source), Campaign (col_campaign), Session (col_asset), Country (col_region) (the header is a single column containing `;`: set the `delimiter` parameter to `;`)".into()
        )
    );
    assert_eq!(
        run_err(&TOUCH_PARAMS, b""),
        NormalizeError::BadFile("the file is empty: no header row".into())
    );
    assert_eq!(
        run_err(&TOUCH_PARAMS, b"\xef\xbb\xbf"),
        NormalizeError::BadFile("the file is empty: no header row".into())
    );
    assert_eq!(
        run_err(
            &TOUCH_PARAMS,
            format!("\u{feff}\r\n{TOUCH_HEADER}").as_bytes()
        ),
        NormalizeError::BadFile(
            "the first line is empty: the header row must be the first line of the file".into()
        )
    );
}

#[test]
fn header_only_file_has_no_rows() {
    assert_eq!(run(&TOUCH_PARAMS, TOUCH_HEADER.as_bytes()), (0, vec![]));
}

// ---------------------------------------------------------------- streaming

#[test]
fn rows_come_out_as_their_chunk_arrives() {
    let given: Vec<(String, String)> = TOUCH_PARAMS
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let p = Params::resolve(&GenericCsv::info().params, &given).unwrap();
    let src = SourceInfo {
        kind: "map".into(),
        file_name: "t.csv".into(),
    };
    let mut n = Plugin::open(&src, &p).unwrap();
    let mut out = Batch::default();
    n.push(TOUCH_HEADER.as_bytes(), &mut out).unwrap();
    for i in 1..=3u64 {
        n.push(
            b"ann.lee@northwind.example,,,,,3/4/2026,Webinar,,,,\n",
            &mut out,
        )
        .unwrap();
        assert_eq!(
            (out.rows_read, out.touches() as u64),
            (i, i),
            "row {i} is out before the file ends"
        );
    }
    n.push(b"bo.chen@vela.example,,,,,3/4/2026,Web", &mut out)
        .unwrap();
    assert_eq!(out.rows_read, 3, "a partial row waits for the rest");
    n.push(b"inar,,,,", &mut out).unwrap();
    n.finish(&mut out).unwrap();
    assert_eq!(out.rows_read, 4);
    assert_eq!(out.touch[touch_col::CHANNEL].get(3), "webinar");
}

// ---------------------------------------------------------------- the sample file

#[test]
fn excel_unicode_text_reads_like_the_csv() {
    // The sample saved by Excel as "Unicode Text": UTF-16LE with a BOM, tab-delimited, CRLF.
    let t = include_bytes!("../../../fixtures/samples/generic-csv/touches-unicode.txt");
    assert!(t.starts_with(&[0xFF, 0xFE, b'A', 0]));
    let mut params = SAMPLE_PARAMS.to_vec();
    params.push(("delimiter", "tab"));
    let csv = include_bytes!("../../../fixtures/samples/generic-csv/touches.csv");
    assert_eq!(run(&params, t), run(&SAMPLE_PARAMS, csv));
    assert_eq!(run(&params, t).0, 5);
}

#[test]
fn sample_file_reads_cleanly() {
    let t = include_bytes!("../../../fixtures/samples/generic-csv/touches.csv");
    let (rows, got) = run(&SAMPLE_PARAMS, t);
    assert_eq!(rows, 5);
    assert_eq!(
        got,
        [
            "touch 1 person=avery.quill@acme-robotics.example account=acme-robotics.example time=2026-09-03 09:12 channel=event source= medium= campaign=ai-launch-tour-berlin asset=Keynote: Agents in Production region=Germany segment=Partner Pass type=attended",
            "touch 2 person=blake.ferro@globex-analytics.example account=globex-analytics.example time=2026-09-03 09:40 channel=event source= medium= campaign=ai-launch-tour-berlin asset=Hands-on lab: \"RAG at scale\" region=France segment=Full Conference type=attended",
            "touch 3 person=kim.adeyemi@umbrella-health.example account=umbrella-health.example time=2026-09-03 11:05 channel=event source= medium= campaign=ai-launch-tour-berlin asset=Roundtable: AI in regulated industries region=United States segment=VIP type=attended",
            "touch 4 person=morgan.tse@initech-labs.example account=initech-labs.example time=2026-09-04 10:30 channel=event source= medium= campaign=ai-launch-tour-berlin asset=Keynote: Agents in Production region=Netherlands segment=Full Conference type=attended",
            "touch 5 person=sam.whitlow@hooli-logistics.example account=hooli-logistics.example time=2026-09-04 14:15 channel=event source= medium= campaign=ai-launch-tour-berlin asset=Workshop: MLOps, end to end region=United Kingdom segment=Partner Pass type=attended",
        ]
    );
}
