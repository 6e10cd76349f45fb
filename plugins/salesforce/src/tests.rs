//! Native tests: every file runs through `run_file` the way the host streams it, in
//! several chunk sizes (1 and 7 bytes cut every record, field and CRLF in every possible
//! place); all sizes must give the same output.

use super::*;
use ascribe_sdk::normalizer::{Csv, Normalizer, conv_col, run_file};
use ascribe_sdk::testing::{
    CHUNKS, assert_info, emitted_text, run_batch_in, run_chunks, run_err_chunks,
};

type Plugin = Csv<Salesforce>;

fn run(params: &[(&str, &str)], data: &[u8]) -> (u64, Vec<String>) {
    run_chunks::<Plugin>("crm", "report.csv", params, data)
}

fn run_err(params: &[(&str, &str)], data: &[u8]) -> NormalizeError {
    run_err_chunks::<Plugin>("crm", "report.csv", params, data)
}

fn opps(rows: &str) -> Vec<u8> {
    format!("{OPP_HEADER}{rows}").into_bytes()
}

fn members(rows: &str) -> Vec<u8> {
    format!("{MEMBER_HEADER}{rows}").into_bytes()
}

// ---------------------------------------------------------------- info and params

#[test]
fn info_declares_every_parameter_and_the_exports() {
    assert_info(
        &Salesforce::info(),
        "salesforce",
        "1.0.0",
        &[
            ("export", "auto"),
            ("date_order", "mdy"),
            ("delimiter", ","),
            ("decimal_comma", "false"),
        ],
        20,
        &["crm:opportunities", "map:campaign-members"],
    );
}

#[test]
fn bad_parameters_are_invalid_param_errors() {
    let data = opps("");
    let cases: [(&str, &str, &str); 4] = [
        (
            "export",
            "leads",
            "parameter `export`: `leads` is not a Salesforce report kind (use `opportunities`, `campaign-members` or `auto`)",
        ),
        (
            "date_order",
            "ymd",
            "parameter `date_order`: `ymd` is not a date order (use mdy or dmy)",
        ),
        (
            "delimiter",
            "::",
            "parameter `delimiter`: `::` is not a delimiter (use `,`, `;`, `tab` or `|`)",
        ),
        (
            "decimal_comma",
            "maybe",
            "parameter `decimal_comma`: `maybe` is not true or false",
        ),
    ];
    for (k, v, msg) in cases {
        assert_eq!(
            run_err(&[(k, v)], &data),
            NormalizeError::InvalidParam(msg.into()),
            "{k}={v}"
        );
    }
    let e = run_err(&[("currency", "USD")], &data);
    assert_eq!(
        e,
        NormalizeError::InvalidParam(
            "unknown parameter `currency`: accepted parameters are export, date_order, delimiter, decimal_comma".into()
        )
    );
}

// ---------------------------------------------------------------- opportunities

#[test]
fn opportunities_map_every_column() {
    let data = opps(concat!(
        "0068d00000AbCdEAA3,Northwind - Platform Renewal,Northwind Analytics,https://www.northwind.example/,Closed Won,\"$48,500.00\",USD,3/4/2026,5/29/2026,Partner Referral,AI Launch Tour 2026\n",
        "0068d00000AbCdFAA3,Lumen Labs Expansion,Lumen Labs,lumen-labs.example,Prospecting,12000,EUR,3/6/2026 3:05 PM,,Webinar,\n",
        "0068d00000AbCdGAA3,Dana Whitfield - New Deal,Harbor & Finch LLC,,Qualification,,USD,3/9/2026 9:41 AM,6/30/2026,,AI Launch Tour 2026\n",
        "0068d00000AbCdHAA3,Quarry Systems Pilot,Quarry Systems,http://quarry.example:8443/home,Closed Lost,USD 7.5,USD,3/10/2026,4/2/2026 12:00 AM,Web,\n",
    ));
    let (rows, got) = run(&[], &data);
    assert_eq!(rows, 4);
    assert_eq!(
        got,
        [
            "conv 1 id=0068d00000AbCdEAA3 account=northwind.example domain=northwind.example stage=Closed Won amount=48500.00 currency=USD created=2026-03-04 00:00 closed=2026-05-29 00:00 lead_source=Partner Referral campaign=AI Launch Tour 2026",
            "conv 2 id=0068d00000AbCdFAA3 account=lumen-labs.example domain=lumen-labs.example stage=Prospecting amount=12000 currency=EUR created=2026-03-06 15:05 closed=- lead_source=Webinar campaign=",
            "conv 3 id=0068d00000AbCdGAA3 account=Harbor & Finch LLC domain= stage=Qualification amount= currency=USD created=2026-03-09 09:41 closed=2026-06-30 00:00 lead_source= campaign=AI Launch Tour 2026",
            "conv 4 id=0068d00000AbCdHAA3 account=quarry.example domain=quarry.example stage=Closed Lost amount=7.5 currency=USD created=2026-03-10 00:00 closed=2026-04-02 00:00 lead_source=Web campaign=",
        ]
    );
}

#[test]
fn opportunity_name_is_never_emitted() {
    let data = opps(concat!(
        "006A,Dana Whitfield - Renewal,Northwind Analytics,northwind.example,Closed Won,100,USD,3/4/2026,3/5/2026,,\n",
        "006B,\"Whitfield, Dana (expansion)\",,,Closed Won,n/a,USD,3/4/2026,,,\n",
    ));
    for chunk in CHUNKS {
        let b = run_file::<Plugin>("crm", "o.csv", &[], &data, chunk).unwrap();
        let text = emitted_text(&b);
        assert!(
            !text.contains("Whitfield") && !text.contains("Dana"),
            "{text}"
        );
    }
}

#[test]
fn header_matching_ignores_case_order_spaces_and_extra_columns() {
    let data = b"  close date ,STAGE,amount,Owner Role,opportunity currency,Created Date,Opportunity ID,account name\n\
                 5/29/2026,Closed Won,250,Partner AE,USD,3/4/2026,006X,Vela Robotics\n";
    let (_, got) = run(&[], data);
    assert_eq!(
        got,
        [
            "conv 1 id=006X account=Vela Robotics domain= stage=Closed Won amount=250 currency=USD created=2026-03-04 00:00 closed=2026-05-29 00:00 lead_source= campaign="
        ]
    );
}

#[test]
fn bom_crlf_quotes_commas_and_newlines_in_every_chunking() {
    let data = "\u{feff}Opportunity ID,Opportunity Name,Account Name,Website,Stage,Amount,Opportunity Currency,Created Date,Close Date,Lead Source,Primary Campaign Source\r\n\
        006A,\"Renewal, \"\"Phase 2\"\"\nsecond line\",\"Harbor & Finch, LLC\",,\"Closed Won\",\"1,250.00\",USD,3/4/2026,\"3/5/2026\",\"Partner, Co-sell\",\"Tour, EMEA\"\r\n\
        \r\n\
        006B,Plain,Vela Robotics,vela.example,Prospecting,99,USD,3/4/2026,,,\r\n";
    let (rows, got) = run(&[], data.as_bytes());
    assert_eq!(rows, 2, "the blank line is not a row");
    assert_eq!(
        got,
        [
            "conv 1 id=006A account=Harbor & Finch, LLC domain= stage=Closed Won amount=1250.00 currency=USD created=2026-03-04 00:00 closed=2026-03-05 00:00 lead_source=Partner, Co-sell campaign=Tour, EMEA",
            "conv 2 id=006B account=vela.example domain=vela.example stage=Prospecting amount=99 currency=USD created=2026-03-04 00:00 closed=- lead_source= campaign=",
        ]
    );
}

#[test]
fn short_rows_read_missing_cells_as_empty() {
    let data = opps("006A,Deal,Vela Robotics,vela.example,Prospecting,10,USD,3/4/2026\n");
    let (_, got) = run(&[], &data);
    assert_eq!(
        got,
        [
            "conv 1 id=006A account=vela.example domain=vela.example stage=Prospecting amount=10 currency=USD created=2026-03-04 00:00 closed=- lead_source= campaign="
        ]
    );
}

#[test]
fn dmy_dates_decimal_comma_and_semicolons() {
    let data = "Opportunity ID;Opportunity Name;Account Name;Website;Stage;Amount;Opportunity Currency;Created Date;Close Date;Lead Source;Primary Campaign Source\n\
        006A;Deal;Kestrel GmbH;kestrel.example;Closed Won;1.234,50 €;EUR;04/03/2026 15:30;29/05/2026;;\n\
        006B;Deal;Kestrel GmbH;kestrel.example;Closed Won;EUR 12.000;EUR;4.3.2026;;;\n\
        006C;Deal;Kestrel GmbH;kestrel.example;Closed Won;99,9;EUR;13/03/2026;;;\n";
    let params = [
        ("date_order", "dmy"),
        ("decimal_comma", "true"),
        ("delimiter", ";"),
    ];
    let (_, got) = run(&params, data.as_bytes());
    assert_eq!(
        got,
        [
            "conv 1 id=006A account=kestrel.example domain=kestrel.example stage=Closed Won amount=1234.50 currency=EUR created=2026-03-04 15:30 closed=2026-05-29 00:00 lead_source= campaign=",
            "conv 2 id=006B account=kestrel.example domain=kestrel.example stage=Closed Won amount=12000 currency=EUR created=2026-03-04 00:00 closed=- lead_source= campaign=",
            "conv 3 id=006C account=kestrel.example domain=kestrel.example stage=Closed Won amount=99.9 currency=EUR created=2026-03-13 00:00 closed=- lead_source= campaign=",
        ]
    );
    // The same 13/03/2026 read month first is a bad date.
    let (_, got) = run(
        &[("delimiter", ";"), ("decimal_comma", "true")],
        data.as_bytes(),
    );
    assert!(
        got.contains(&"reject 3 [Created Date] month 13 is out of range".to_string()),
        "{got:#?}"
    );
}

#[test]
fn a_decimal_comma_amount_is_rejected_naming_the_parameter_never_reinterpreted() {
    let data = opps(
        "006A,Deal,Vela Robotics,vela.example,Closed Won,\"12500,50\",EUR,3/4/2026,,,\n\
         006B,Deal,Vela Robotics,vela.example,Closed Won,\"EUR 1.234,56\",EUR,3/4/2026,,,\n\
         006C,Deal,Vela Robotics,vela.example,Closed Won,\"$12,500.50\",USD,3/4/2026,,,\n\
         006D,Deal,Vela Robotics,vela.example,Closed Won,12.5,USD,3/4/2026,,,\n",
    );
    let amounts = |got: &[String]| -> Vec<String> {
        got.iter()
            .map(|l| match l.find(" amount=") {
                Some(i) => l[i + 1..].split(" currency").next().unwrap().to_string(),
                None => l.clone(),
            })
            .collect()
    };
    let (_, got) = run(&[], &data);
    assert_eq!(
        amounts(&got),
        [
            "amount=12500.50",
            "amount=12.5",
            "reject 1 [Amount] amount `12500,50` has a comma that is not a thousands separator; \
             if this source writes decimal commas, set the normalizer parameter `decimal_comma = true`",
            "reject 2 [Amount] amount `EUR 1.234,56` has a comma that is not a thousands separator; \
             if this source writes decimal commas, set the normalizer parameter `decimal_comma = true`",
        ]
    );
    let (_, got) = run(&[("decimal_comma", "true")], &data);
    assert_eq!(
        amounts(&got),
        [
            "amount=12500.50",
            "amount=1234.56",
            "reject 3 [Amount] amount `$12,500.50` has a point that is not a thousands separator; \
             if this source writes decimal points, set the normalizer parameter `decimal_comma = false`",
            "reject 4 [Amount] amount `12.5` has a point that is not a thousands separator; \
             if this source writes decimal points, set the normalizer parameter `decimal_comma = false`",
        ]
    );
}

#[test]
fn tab_delimited() {
    let data = OPP_HEADER.replace(',', "\t")
        + "006A\tDeal\tVela Robotics\tvela.example\tProspecting\t5,000\tUSD\t3/4/2026\t\t\t\n";
    let (_, got) = run(&[("delimiter", "tab")], data.as_bytes());
    assert_eq!(
        got,
        [
            "conv 1 id=006A account=vela.example domain=vela.example stage=Prospecting amount=5000 currency=USD created=2026-03-04 00:00 closed=- lead_source= campaign="
        ]
    );
}

/// A row with several problems gets one reject: the first, in column order (rows 7, 8).
#[test]
fn opportunity_rejects_name_the_column_and_the_reason() {
    let data = opps(concat!(
        ",Deal,Vela Robotics,vela.example,Prospecting,10,USD,3/4/2026,,,\n",
        "006B,Deal,Vela Robotics,vela.example,Prospecting,n/a,USD,3/4/2026,,,\n",
        "006C,Deal,Vela Robotics,vela.example,Prospecting,1.2.3,USD,3/4/2026,,,\n",
        "006D,Deal,Vela Robotics,vela.example,Prospecting,10,USD,2/30/2026,,,\n",
        "006E,Deal,Vela Robotics,vela.example,Prospecting,10,USD,,,,\n",
        "006F,Deal,Vela Robotics,vela.example,Prospecting,10,USD,3/4/2026,soon,,\n",
        "006G,Deal,Vela Robotics,vela.example,Prospecting,10,USD,3/4/2026 25:00,1/1/1900,,\n",
        ",Deal,Vela Robotics,vela.example,Prospecting,ten,USD,yesterday,,,\n",
        "006I,Deal,Vela Robotics,vela.example,Prospecting,10,USD,3/4/2026,3/5/2026,,\n",
        "006J,Deal,Vela Robotics,vela.example,Prospecting,$50k,USD,3/4/2026,,,\n",
        "006K,Deal,Vela Robotics,vela.example,Prospecting,5 Mio EUR,EUR,3/4/2026,,,\n",
    ));
    let (rows, got) = run(&[], &data);
    assert_eq!(rows, 11);
    assert_eq!(
        got,
        [
            "conv 9 id=006I account=vela.example domain=vela.example stage=Prospecting amount=10 currency=USD created=2026-03-04 00:00 closed=2026-03-05 00:00 lead_source= campaign=",
            "reject 1 [Opportunity ID] empty: an opportunity needs an id",
            "reject 2 [Amount] `n/a` is not an amount",
            "reject 3 [Amount] `1.2.3` is not an amount",
            "reject 4 [Created Date] day 30 is out of range for 2026-02",
            "reject 5 [Created Date] empty date",
            "reject 6 [Close Date] `soon` is not a date",
            "reject 7 [Created Date] `25:00` is not a time of day",
            "reject 8 [Opportunity ID] empty: an opportunity needs an id",
            "reject 10 [Amount] `$50k` is not an amount",
            "reject 11 [Amount] `5 Mio EUR` is not an amount",
        ]
    );
}

/// The faults the fixture generator injects, in its quote-every-field CRLF style.
#[test]
fn fixture_generator_faults() {
    let q = |fields: &[&str]| {
        fields
            .iter()
            .map(|f| format!("\"{f}\""))
            .collect::<Vec<_>>()
            .join(",")
            + "\r\n"
    };
    // Every row is one Vela Robotics opportunity but for the fields a fault lands in.
    let opp = |id: &str, account: &str, stage: &str, amount: &str, close: &str| {
        q(&[
            id,
            "Vela - Platform",
            account,
            "vela.example",
            stage,
            amount,
            "USD",
            "9/3/2026",
            close,
            "Partner",
            "AI Tour",
        ])
    };
    let emea = "Vela Robotics,\nEMEA Division";
    let mut o = q(&OPP_HEADER.trim_end().split(',').collect::<Vec<_>>());
    o += &opp(
        "006HsA",
        "Vela Robotics",
        "Closed Won",
        "1O5,000.00",
        "10/1/2026",
    );
    o += &opp("006HsB", emea, "Verbal Commit", "105000.00", "13/45/2026");
    for (id, amount) in [("006HsD", "12.500.00"), ("006HsE", "#VALUE!")] {
        o += &opp(id, "Vela Robotics", "Closed Won", amount, "10/1/2026");
    }
    o += &opp("006HsC", emea, "Verbal Commit", "105000.00", "10/1/2026");
    let (_, got) = run(
        &[("export", "opportunities"), ("date_order", "mdy")],
        o.as_bytes(),
    );
    assert_eq!(
        got,
        [
            "conv 5 id=006HsC account=vela.example domain=vela.example stage=Verbal Commit amount=105000.00 currency=USD created=2026-09-03 00:00 closed=2026-10-01 00:00 lead_source=Partner campaign=AI Tour",
            "reject 1 [Amount] `1O5,000.00` is not an amount",
            "reject 2 [Close Date] month 13 is out of range",
            "reject 3 [Amount] `12.500.00` is not an amount",
            "reject 4 [Amount] `#VALUE!` is not an amount",
        ]
    );
    let m = members(concat!(
        "701HsA,AI Tour,Webinar,Responded,ann.lee@vela.example,Ann,Lee,Vela Robotics,vela.example,9/31/2026 10:00 AM,9/31/2026 10:00 AM,,,,,,\n",
        "701HsA,AI Tour,Webinar,Responded,,Ann,Lee,Vela Robotics,vela.example,9/3/2026 10:00 AM,,,,,,,\n",
    ));
    let (_, got) = run(&[("export", "campaign-members")], &m);
    assert_eq!(
        got,
        [
            "reject 1 [Created Date] day 31 is out of range for 2026-09",
            "reject 2 [Email] empty: a campaign member needs an e-mail address",
        ]
    );
}

#[test]
fn invalid_utf8_is_a_reject_naming_the_column_only_where_read() {
    let mut data = OPP_HEADER.as_bytes().to_vec();
    // Latin-1 in the Opportunity Name (never read) and in the Account Name (read).
    data.extend_from_slice(
        b"006A,Caf\xe9 deal,Vela Robotics,vela.example,Prospecting,10,USD,3/4/2026,,,\n",
    );
    data.extend_from_slice(b"006B,Deal,M\xfcller GmbH,,Prospecting,10,USD,3/4/2026,,,\n");
    let (_, got) = run(&[], &data);
    assert_eq!(
        got,
        [
            "conv 1 id=006A account=vela.example domain=vela.example stage=Prospecting amount=10 currency=USD created=2026-03-04 00:00 closed=- lead_source= campaign=",
            "reject 2 [Account Name] invalid UTF-8",
        ]
    );
}

#[test]
fn report_footer_lines_are_rejected_without_their_text() {
    let data = opps(concat!(
        "006A,Deal,Vela Robotics,vela.example,Prospecting,10,USD,3/4/2026,,,\n",
        "\n",
        "\"\"\n",
        "\"\"\n",
        "\"Partner Opportunities Q1\"\n",
        "\"Copyright (c) 2000-2026 salesforce.com, inc. All rights reserved.\"\n",
        "\"Confidential Information - Do Not Distribute\"\n",
        "\"Generated By:  Dana Whitfield  3/4/2026 3:05 PM\"\n",
        "\"Northwind Analytics\"\n",
    ));
    for chunk in CHUNKS {
        let b = run_file::<Plugin>("crm", "o.csv", &[], &data, chunk).unwrap();
        assert!(!emitted_text(&b).contains("Whitfield"));
    }
    let (rows, got) = run(&[], &data);
    assert_eq!(rows, 6, "quoted empty lines are blank, not rows");
    let mut want = vec!["conv 1 id=006A account=vela.example domain=vela.example stage=Prospecting amount=10 currency=USD created=2026-03-04 00:00 closed=- lead_source= campaign=".to_string()];
    for r in 2..=6 {
        want.push(format!("reject {r} [] {}", reason::FOOTER));
    }
    assert_eq!(got, want);
}

#[test]
fn unterminated_quote_is_one_reject_and_earlier_rows_survive() {
    let data = opps(
        "006A,Deal,Vela Robotics,vela.example,Prospecting,10,USD,3/4/2026,,,\n006B,\"Deal,Vela Robotics\n",
    );
    let (rows, got) = run(&[], &data);
    assert_eq!(rows, 2);
    assert_eq!(
        got[1],
        "reject 2 [] unterminated quoted field: the file ends inside quotes"
    );
}

// ---------------------------------------------------------------- campaign members

#[test]
fn campaign_members_map_every_column_and_add_a_lead_event() {
    let data = members(concat!(
        "7018d000000XyZ1AAK,AI Launch Tour - Webinar 1,Webinar,Attended,dana.whitfield@northwind.example,Dana,Whitfield,Northwind Analytics,https://www.northwind.example,3/2/2026 10:15 AM,3/4/2026 5:00 PM,linkedin,paid_social,ai-launch-tour,webinar-1-invite,United States,Enterprise\n",
        "7018d000000XyZ2AAK,AI Launch Tour - Paid Social,Paid Social,Responded,ravi.okafor@lumen-labs.example,Ravi,Okafor,Lumen Labs,lumen-labs.example,3/3/2026,,,,,,Germany,Mid-Market\n",
        "7018d000000XyZ3AAK,Partner Summit,Trade  Show,No Show,mei.lindqvist@harborfinch.example,Mei,Lindqvist,Harbor & Finch,,3/5/2026 8:00 AM,,event,,summit-2026,,,\n",
    ));
    let (rows, got) = run(&[], &data);
    assert_eq!(rows, 3);
    assert_eq!(
        got,
        [
            "touch 1 person=dana.whitfield@northwind.example account=northwind.example time=2026-03-04 17:00 channel=webinar source=linkedin medium=paid_social campaign=ai-launch-tour asset=webinar-1-invite region=United States segment=Enterprise type=attended",
            "touch 2 person=ravi.okafor@lumen-labs.example account=lumen-labs.example time=2026-03-03 00:00 channel=paid_social source= medium= campaign=AI Launch Tour - Paid Social asset= region=Germany segment=Mid-Market type=responded",
            "touch 3 person=mei.lindqvist@harborfinch.example account= time=2026-03-05 08:00 channel=trade_show source=event medium= campaign=summit-2026 asset= region= segment= type=no show",
            "event 1 kind=0 subject=dana.whitfield@northwind.example account=northwind.example stage=lead time=2026-03-02 10:15",
            "event 2 kind=0 subject=ravi.okafor@lumen-labs.example account=lumen-labs.example stage=lead time=2026-03-03 00:00",
            "event 3 kind=0 subject=mei.lindqvist@harborfinch.example account= stage=lead time=2026-03-05 08:00",
        ]
    );
}

#[test]
fn first_and_last_names_are_never_emitted() {
    let data = members(concat!(
        "701A,Webinar 1,Webinar,Attended,dana.whitfield@northwind.example,Dana,Whitfield,Northwind,,3/2/2026,,,,,,,\n",
        "701A,Webinar 1,Webinar,Attended,,Quentin,Abernathy,Northwind,,3/2/2026,,,,,,,\n",
    ));
    for chunk in CHUNKS {
        let b = run_file::<Plugin>("map", "m.csv", &[], &data, chunk).unwrap();
        let text = emitted_text(&b);
        assert!(
            !text.contains("Dana,") && !text.contains("Quentin") && !text.contains("Abernathy"),
            "{text}"
        );
        assert_eq!(b.touches(), 1);
    }
}

#[test]
fn campaign_member_rejects_name_the_column_and_the_reason() {
    let data = members(concat!(
        "701A,Webinar 1,Webinar,Attended,,Ann,Lee,Northwind,,3/2/2026,,,,,,,\n",
        "701A,Webinar 1,,Attended,ann.lee@northwind.example,Ann,Lee,Northwind,,3/2/2026,,,,,,,\n",
        "701A,Webinar 1,Webinar,Attended,ann.lee@northwind.example,Ann,Lee,Northwind,,,3/4/2026,,,,,,\n",
        "701A,Webinar 1,Webinar,Attended,ann.lee@northwind.example,Ann,Lee,Northwind,,3/2/2026,3/32/2026,,,,,,\n",
        "701A,Webinar 1,  ,Attended,   ,Ann,Lee,Northwind,,3/2/2026,,,,,,,\n",
    ));
    let (rows, got) = run(&[], &data);
    assert_eq!(rows, 5);
    assert_eq!(
        got,
        [
            "reject 1 [Email] empty: a campaign member needs an e-mail address",
            "reject 2 [Campaign Type] empty: a touch needs a channel (the campaign's type)",
            "reject 3 [Created Date] empty date",
            "reject 4 [First Responded Date] day 32 is out of range for 2026-03",
            "reject 5 [Email] empty: a campaign member needs an e-mail address",
        ]
    );
}

#[test]
fn campaign_members_in_dmy_with_crlf_and_bom() {
    let data = format!(
        "\u{feff}{}701A,\"Webinar, EMEA\",Webinar,Registered,ann.lee@northwind.example,Ann,Lee,\"Northwind, Ltd\",northwind.example,04/03/2026 09:30,,,,,,United Kingdom,\r\n",
        MEMBER_HEADER.replace('\n', "\r\n")
    );
    let (_, got) = run(&[("date_order", "dmy")], data.as_bytes());
    assert_eq!(
        got,
        [
            "touch 1 person=ann.lee@northwind.example account=northwind.example time=2026-03-04 09:30 channel=webinar source= medium= campaign=Webinar, EMEA asset= region=United Kingdom segment= type=registered",
            "event 1 kind=0 subject=ann.lee@northwind.example account=northwind.example stage=lead time=2026-03-04 09:30",
        ]
    );
}

// ---------------------------------------------------------------- the header

#[test]
fn export_is_detected_from_the_header_or_forced() {
    let o = opps("006A,Deal,Vela Robotics,vela.example,Prospecting,10,USD,3/4/2026,,,\n");
    let m = members(
        "701A,Webinar 1,Webinar,Attended,ann.lee@northwind.example,Ann,Lee,Northwind,,3/2/2026,,,,,,,\n",
    );
    assert!(run(&[], &o).1[0].starts_with("conv 1"));
    assert!(run(&[], &m).1[0].starts_with("touch 1"));
    assert!(run(&[("export", "opportunities")], &o).1[0].starts_with("conv 1"));
    assert!(run(&[("export", "Campaign-Members")], &m).1[0].starts_with("touch 1"));
    // Campaign ID + Email without Member Status is still a member report (then Member
    // Status is reported missing).
    let e = run_err(
        &[],
        b"Campaign ID,Campaign Name,Campaign Type,Email,Created Date\n",
    );
    assert_eq!(
        e,
        NormalizeError::BadFile(
            "missing required column(s) for a Salesforce campaign-members report: Member Status"
                .into()
        )
    );
}

#[test]
fn bad_file_messages() {
    type Case<'a> = (&'a [(&'a str, &'a str)], &'a [u8], &'a str);
    let cases: [Case; 7] = [
        (
            &[],
            b"Opportunity ID,Opportunity Name,Account Name,Created Date\n006A,x,y,3/4/2026\n",
            "missing required column(s) for a Salesforce opportunities report: Stage, Amount, Opportunity Currency, Close Date",
        ),
        (
            &[],
            b"Opportunity ID,Stage,Amount,Opportunity Currency,Created Date,Close Date\n",
            "missing required column(s) for a Salesforce opportunities report: Website or Account Name",
        ),
        (
            &[("export", "campaign-members")],
            OPP_HEADER.as_bytes(),
            "missing required column(s) for a Salesforce campaign-members report: Campaign Name, Campaign Type, Member Status, Email",
        ),
        (
            &[],
            b"Lead ID,Email\n",
            "cannot tell which Salesforce report this is: the header has no `Opportunity ID` (opportunities) and no `Member Status` (campaign-members) column; set the `export` parameter",
        ),
        (
            &[],
            b"Opportunity ID,Member Status,Email\n",
            "the header has both `Opportunity ID` and `Member Status`: set the `export` parameter to `opportunities` or `campaign-members`",
        ),
        (
            &[],
            b"Opportunity ID;Stage;Amount\n",
            "cannot tell which Salesforce report this is: the header has no `Opportunity ID` (opportunities) and no `Member Status` (campaign-members) column; set the `export` parameter (the header is a single column containing `;`: set the `delimiter` parameter to `;`)",
        ),
        (&[], b"", "the file is empty: no header row"),
    ];
    for (params, data, msg) in cases {
        assert_eq!(
            run_err(params, data),
            NormalizeError::BadFile(msg.into()),
            "{}",
            String::from_utf8_lossy(data)
        );
    }
    // A header with only a BOM and blank lines is empty too.
    assert_eq!(
        run_err(&[], b"\xef\xbb\xbf"),
        NormalizeError::BadFile("the file is empty: no header row".into())
    );
    assert_eq!(
        run_err(&[], format!("\n{OPP_HEADER}").as_bytes()),
        NormalizeError::BadFile(
            "the first line is empty: the header row must be the first line of the file".into()
        )
    );
}

#[test]
fn header_only_file_has_no_rows() {
    assert_eq!(run(&[], OPP_HEADER.as_bytes()), (0, vec![]));
}

// ---------------------------------------------------------------- streaming

#[test]
fn rows_come_out_as_their_chunk_arrives() {
    let p = Params::resolve(&Salesforce::info().params, &[]).unwrap();
    let src = SourceInfo {
        kind: "crm".into(),
        file_name: "o.csv".into(),
    };
    let mut n = Plugin::open(&src, &p).unwrap();
    let mut out = Batch::default();
    let row = "006A,Deal,Vela Robotics,vela.example,Prospecting,10,USD,3/4/2026,,,\n";
    n.push(OPP_HEADER.as_bytes(), &mut out).unwrap();
    for i in 1..=3u64 {
        n.push(row.as_bytes(), &mut out).unwrap();
        assert_eq!(
            (out.rows_read, out.conversions() as u64),
            (i, i),
            "row {i} is out before the file ends"
        );
    }
    // A partial row waits for the rest.
    n.push(b"006B,Deal,Vela", &mut out).unwrap();
    assert_eq!(out.rows_read, 3);
    n.push(b" Robotics,,Prospecting,10,USD,3/4/2026,,,", &mut out)
        .unwrap();
    n.finish(&mut out).unwrap();
    assert_eq!(out.rows_read, 4);
    assert_eq!(out.conv[conv_col::ACCOUNT].get(3), "Vela Robotics");
}

// ---------------------------------------------------------------- the demo campaign

/// The demo campaign's Salesforce files (`fixtures/campaigns`, written by `ascribe-gen` with
/// injected faults): every row the manifest calls invalid at this stage is rejected with its
/// column, every other row is mapped, and the counts and amounts match the manifest.
#[test]
fn demo_campaign_files_match_the_manifest() {
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/campaigns/data/nimbus"
    );
    let read = |f: &str| std::fs::read(format!("{dir}/{f}"));
    let (Ok(opps), Ok(members)) = (read("opportunities.csv"), read("campaign-members.csv")) else {
        // Two of the demo's exports are generated, not committed: a silent skip here
        // would pass without checking anything.
        panic!(
            "no demo campaign under {dir}: `cargo xtask test` generates it (fixtures/README.md)"
        );
    };
    let run_big = |params: &[(&str, &str)], data: &[u8]| {
        run_batch_in::<Plugin>("crm", "demo.csv", params, data, &[997, 1 << 20])
    };
    let rejects = |b: &Batch| -> Vec<(u64, String, String)> { b.rejects.clone() };
    let r = |row: u64, col: &str, why: &str| (row, col.to_string(), why.to_string());

    // 94 rows, quoted, CRLF; 37 (Close Date 13/45/2026) and 58 (`12.500.00`) invalid here,
    // 78 (stage `Verbal Commit`) is the host's to refuse; row 19's Account Name holds a
    // quoted comma and newline. Mapped amounts sum to the manifest's USD 5,899,738.93 less
    // row 37's 24,827.00 (row 58's is not counted there).
    let b = run_big(&[("export", "opportunities")], &opps);
    assert_eq!(b.rows_read, 94);
    assert_eq!(
        rejects(&b),
        [
            r(37, "Close Date", "month 13 is out of range"),
            r(58, "Amount", "`12.500.00` is not an amount")
        ]
    );
    assert_eq!(b.conversions(), 92);
    let cents: i64 = (0..b.conversions())
        .map(|i| {
            let (units, frac) = b.conv[conv_col::AMOUNT].get(i).split_once('.').unwrap();
            units.parse::<i64>().unwrap() * 100 + frac.parse::<i64>().unwrap()
        })
        .sum();
    assert_eq!(cents, 587_491_193);
    assert!((0..b.conversions()).all(|i| b.conv[conv_col::CURRENCY].get(i) == "USD"));
    let row19 = b.conv_row.iter().position(|&r| r == 19).unwrap();
    assert_eq!(
        b.conv[conv_col::ACCOUNT].get(row19),
        "ember-systems.example"
    );
    let row78 = b.conv_row.iter().position(|&r| r == 78).unwrap();
    assert_eq!(b.conv[conv_col::STAGE].get(row78), "Verbal Commit");

    // 12,838 rows, one touch and one lead event each; 6414 (9/31/2026) and 9708 (no e-mail)
    // invalid; row 3157's Company / Account (never read) holds a quoted comma and newline.
    let b = run_big(&[("export", "campaign-members")], &members);
    assert_eq!(b.rows_read, 12_838);
    assert_eq!(
        rejects(&b),
        [
            r(6414, "Created Date", "day 31 is out of range for 2026-09"),
            r(9708, "Email", reason::NO_EMAIL)
        ]
    );
    assert_eq!((b.touches(), b.stage_events()), (12_836, 12_836));
    assert!(!emitted_text(&b).contains("EMEA Division"));
}

// ---------------------------------------------------------------- the sample files

#[test]
fn sample_files_read_cleanly() {
    let o = include_bytes!("../../../fixtures/samples/salesforce/opportunities.csv");
    let (rows, got) = run(&[("export", "opportunities")], o);
    assert_eq!(rows, 7);
    assert_eq!(
        got,
        [
            "conv 1 id=0068d00000HsA1bAAF account=acme-robotics.example domain=acme-robotics.example stage=Closed Won amount=48000.00 currency=USD created=2026-09-02 00:00 closed=2026-10-20 00:00 lead_source=Partner Referral campaign=AI Launch Tour 2026",
            "conv 2 id=0068d00000HsA1cAAF account=globex-analytics.example domain=globex-analytics.example stage=Proposal/Price Quote amount=22500.00 currency=USD created=2026-09-10 00:00 closed=2026-11-30 00:00 lead_source=Webinar campaign=AI Launch Tour - Berlin",
            "conv 3 id=0068d00000HsA1dAAF account=initech-labs.example domain=initech-labs.example stage=Closed Lost amount=15250.50 currency=USD created=2026-09-08 00:00 closed=2026-10-02 00:00 lead_source=Web campaign=",
            "conv 4 id=0068d00000HsA1eAAF account=umbrella-health.example domain=umbrella-health.example stage=Negotiation/Review amount= currency=USD created=2026-09-15 00:00 closed=2026-12-15 00:00 lead_source=Partner Referral campaign=AI Launch Tour 2026",
            "conv 5 id=0068d00000HsA1fAAF account=Hooli Logistics, GmbH domain= stage=Qualification amount=31000.00 currency=EUR created=2026-09-18 14:40 closed=2027-01-29 00:00 lead_source=Trade Show campaign=AI Launch Tour - Berlin",
            "conv 6 id=0068d00000HsA1gAAF account=stark-materials.example domain=stark-materials.example stage=Prospecting amount=9900 currency=USD created=2026-09-21 00:00 closed=2026-12-31 00:00 lead_source=Advertisement campaign=AI Launch Tour 2026",
            "conv 7 id=0068d00000HsA1hAAF account=wayne-biotech.example domain=wayne-biotech.example stage=Needs Analysis amount=64250.00 currency=USD created=2026-09-24 00:00 closed=2027-01-15 00:00 lead_source=Paid Social campaign=AI Launch Tour 2026",
        ]
    );
    let m = include_bytes!("../../../fixtures/samples/salesforce/campaign-members.csv");
    let (rows, got) = run(&[("export", "campaign-members")], m);
    assert_eq!(rows, 6);
    assert_eq!(
        got,
        [
            "touch 1 person=avery.quill@acme-robotics.example account=acme-robotics.example time=2026-09-09 09:00 channel=webinar source=nimbus-newsletter medium=email campaign=ai-launch-tour asset=webinar-agents region=Germany segment=Enterprise type=attended",
            "touch 2 person=morgan.tse@initech-labs.example account=initech-labs.example time=2026-09-03 11:47 channel=webinar source= medium= campaign=AI Launch Tour - Webinar: Agents in Production asset= region=Netherlands segment=Mid-Market type=registered",
            "touch 3 person=blake.ferro@globex-analytics.example account=globex-analytics.example time=2026-09-03 09:30 channel=event source= medium= campaign=AI Launch Tour - Berlin asset=booth-demo region=France segment=Enterprise type=attended",
            "touch 4 person=sam.whitlow@hooli-logistics.example account=hooli-logistics.example time=2026-09-12 20:20 channel=paid_social source=linkedin medium=paid_social campaign=ai-launch-tour asset=carousel-v2 region=United Kingdom segment=Mid-Market type=responded",
            "touch 5 person=rene.sato@stark-materials.example account=stark-materials.example time=2026-09-15 10:02 channel=content_syndication source=syndication-network medium=content_syndication campaign=ai-launch-tour asset=ai-readiness-report.pdf region=Japan segment=Commercial type=responded",
            "touch 6 person=jo.lindqvist@wayne-biotech.example account=wayne-biotech.example time=2026-08-30 09:15 channel=event source= medium= campaign=AI Launch Tour - Berlin asset= region=Sweden segment=Enterprise type=no show",
            "event 1 kind=0 subject=avery.quill@acme-robotics.example account=acme-robotics.example stage=lead time=2026-09-01 16:12",
            "event 2 kind=0 subject=morgan.tse@initech-labs.example account=initech-labs.example stage=lead time=2026-09-03 11:47",
            "event 3 kind=0 subject=blake.ferro@globex-analytics.example account=globex-analytics.example stage=lead time=2026-08-28 14:05",
            "event 4 kind=0 subject=sam.whitlow@hooli-logistics.example account=hooli-logistics.example stage=lead time=2026-09-12 20:20",
            "event 5 kind=0 subject=rene.sato@stark-materials.example account=stark-materials.example stage=lead time=2026-09-15 10:02",
            "event 6 kind=0 subject=jo.lindqvist@wayne-biotech.example account=wayne-biotech.example stage=lead time=2026-08-30 09:15",
        ]
    );
}
