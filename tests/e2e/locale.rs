//! Foreign input through the built plugins (issue #16): amounts in a locale the source was
//! not configured for are rejected naming `decimal_comma`, never reinterpreted; a UTF-16
//! export is read; a workbook is refused naming what it is; and the `ascribe plugin new`
//! kit cleans amounts with the SDK's very function.

use ascribe::runtime::normalizer::SourceInfo;

use crate::support::*;

/// What a normalizer made of a file, in the host.
#[derive(Debug, Default, PartialEq)]
struct Out {
    rows_read: u64,
    /// (row, amount) of each conversion.
    amounts: Vec<(u64, String)>,
    /// (row, person) of each touch.
    people: Vec<(u64, String)>,
    rejects: Vec<(u64, String, String)>,
}

/// Runs `data` through a bundled normalizer in the host, in chunks of `chunk` bytes.
/// A refused call comes back as its cause (`refused the call (bad file): …`).
fn normalize(
    plugin: &str,
    params: &[(&str, &str)],
    data: &[u8],
    chunk: usize,
) -> Result<Out, String> {
    let (rt, _cache) = runtime();
    let p = load(&rt, &bundled(plugin));
    let params: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let why = |e: ascribe::runtime::PluginError| {
        e.cause().map(|c| c.to_string()).unwrap_or(e.to_string())
    };
    let mut s = p
        .open(
            &SourceInfo {
                kind: "crm".into(),
                file_name: "export.csv".into(),
            },
            &params,
        )
        .map_err(why)?;
    let mut out = Out::default();
    let mut calls = data.chunks(chunk).map(Some).collect::<Vec<_>>();
    calls.push(None);
    for c in calls {
        let b = match c {
            Some(c) => s.push(c),
            None => s.finish(),
        }
        .map_err(why)?;
        out.rows_read = b.rows_read;
        let c = &b.conversions;
        out.amounts
            .extend((0..c.row.len()).map(|i| (c.row[i], c.amount.get(i).to_string())));
        let t = &b.touches;
        out.people
            .extend((0..t.row.len()).map(|i| (t.row[i], t.person.get(i).to_string())));
        out.rejects
            .extend(b.rejects.into_iter().map(|r| (r.row, r.column, r.reason)));
    }
    Ok(out)
}

const COMMA: &str = "has a comma that is not a thousands separator; if this source writes \
                     decimal commas, set the normalizer parameter `decimal_comma = true`";
const POINT: &str = "has a point that is not a thousands separator; if this source writes \
                     decimal points, set the normalizer parameter `decimal_comma = false`";

#[test]
fn a_decimal_comma_is_rejected_naming_the_parameter_in_every_bundled_csv_normalizer() {
    let hubspot = "Record ID,Deal Stage,Amount,Deal Currency Code,Create Date\n\
                   D-1,closedwon,\"12500,50\",EUR,2026-03-04\n\
                   D-2,closedwon,\"1.234,56\",EUR,2026-03-04\n\
                   D-3,closedwon,\"1,234,567.89\",USD,2026-03-04\n\
                   D-4,closedwon,12.5,USD,2026-03-04\n";
    let salesforce = "Opportunity ID,Website,Stage,Amount,Opportunity Currency,Created Date,Close Date\n\
                      006A,vela.example,Closed Won,\"12500,50\",EUR,3/4/2026,\n\
                      006B,vela.example,Closed Won,\"1.234,56\",EUR,3/4/2026,\n\
                      006C,vela.example,Closed Won,\"1,234,567.89\",USD,3/4/2026,\n\
                      006D,vela.example,Closed Won,12.5,USD,3/4/2026,\n";
    let generic = salesforce;
    let generic_params = [
        ("record", "conversion"),
        ("col_id", "Opportunity ID"),
        ("col_account_domain", "Website"),
        ("col_amount", "Amount"),
        ("col_currency", "Opportunity Currency"),
        ("col_created", "Created Date"),
    ];
    for (plugin, params, data, column) in [
        ("hubspot", &[][..], hubspot, "Amount"),
        ("salesforce", &[][..], salesforce, "Amount"),
        ("generic-csv", &generic_params[..], generic, "Amount"),
    ] {
        let got = normalize(plugin, params, data.as_bytes(), 5).unwrap();
        assert_eq!(
            got.rejects,
            vec![
                (1, column.to_string(), format!("amount `12500,50` {COMMA}")),
                (2, column.to_string(), format!("amount `1.234,56` {COMMA}")),
            ],
            "{plugin}"
        );
        assert_eq!(
            got.amounts,
            vec![(3, "1234567.89".to_string()), (4, "12.5".to_string())],
            "{plugin}"
        );

        // Set for this source, the same file reads the other way round.
        let mut params = params.to_vec();
        params.push(("decimal_comma", "true"));
        let got = normalize(plugin, &params, data.as_bytes(), 5).unwrap();
        assert_eq!(
            got.amounts,
            vec![(1, "12500.50".to_string()), (2, "1234.56".to_string())],
            "{plugin}"
        );
        assert_eq!(
            got.rejects,
            vec![
                // Two decimal commas: not an amount, whichever way it is read.
                (
                    3,
                    column.to_string(),
                    "`1,234,567.89` is not an amount".to_string()
                ),
                (4, column.to_string(), format!("amount `12.5` {POINT}")),
            ],
            "{plugin}"
        );
    }
}

#[test]
fn excel_unicode_text_is_read_and_a_workbook_is_refused_naming_it() {
    let params = [
        ("record", "touch"),
        ("delimiter", "tab"),
        ("col_person", "Attendee Email"),
        ("col_account", "Company Website"),
        ("col_time", "Checked In"),
        ("fixed_channel", "event"),
    ];
    let utf16 = std::fs::read(workspace().join("fixtures/samples/generic-csv/touches-unicode.txt"))
        .unwrap();
    assert!(utf16.starts_with(&[0xFF, 0xFE]));
    let got = normalize("generic-csv", &params, &utf16, 7).unwrap();
    assert_eq!(got.rows_read, 5);
    assert!(got.rejects.is_empty(), "{:?}", got.rejects);
    assert_eq!(
        got.people[0],
        (1, "avery.quill@acme-robotics.example".to_string())
    );
    assert_eq!(
        got.people[4],
        (5, "sam.whitlow@hooli-logistics.example".to_string())
    );

    let xlsx = b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00[Content_Types].xml";
    assert_eq!(
        normalize("generic-csv", &params, xlsx, 1 << 20).unwrap_err(),
        "refused the call (bad file): this looks like an Excel workbook (.xlsx) or another zip \
         archive, not CSV: save it as CSV UTF-8 (in Excel: Save As, CSV UTF-8 (Comma delimited)) \
         and point the campaign at that file"
    );
    let xls = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\x00\x00\x00\x00";
    assert_eq!(
        normalize("hubspot", &[], xls, 1 << 20).unwrap_err(),
        "refused the call (bad file): this looks like a legacy Excel workbook (.xls), not CSV: \
         save it as CSV UTF-8 (in Excel: Save As, CSV UTF-8 (Comma delimited)) and point the \
         campaign at that file"
    );
}

#[test]
fn a_duplicate_column_that_is_read_is_refused_naming_both_positions() {
    let data = "Record ID,Deal Stage,Amount,Deal Currency Code,Create Date,amount\n\
                D-1,closedwon,100,EUR,2026-03-04,200\n";
    assert_eq!(
        normalize("hubspot", &[], data.as_bytes(), 1 << 20).unwrap_err(),
        "refused the call (bad file): HubSpot deals export: column `Amount` appears twice in the \
         header (columns 3 and 6); rename one"
    );
    // A repeated column nobody reads is fine.
    let data = "Record ID,Deal Name,Deal Stage,Amount,Deal Currency Code,Create Date,Deal Name\n\
                D-1,x,closedwon,100,EUR,2026-03-04,y\n";
    let got = normalize("hubspot", &[], data.as_bytes(), 1 << 20).unwrap();
    assert_eq!(got.amounts, vec![(1, "100".to_string())]);
}
