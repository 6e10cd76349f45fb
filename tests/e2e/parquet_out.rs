//! The typed Parquet outputs of track-source (`--formats csv,parquet`, docs/parquet.md):
//! read back with the parquet crate's Arrow reader, as a warehouse or pyarrow would. Money
//! is decimal at the currency's minor-unit scale and sums exactly to report.json; times are
//! UTC; keys are dictionary-encoded; the rows are the CSV's; the bytes are the same for the
//! same inputs; and partner text arrives cleaned and formula-guarded, as in the CSV.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use arrow_array::cast::AsArray;
use arrow_array::types::{Decimal128Type, Float64Type};
use arrow_array::{Array, RecordBatch};
use arrow_schema::{DataType, TimeUnit};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use rust_decimal::Decimal;

use crate::support::*;
use crate::untrusted_text::leaky_campaign;

const TABLES: [&str; 4] = [
    "contribution.parquet",
    "credits.parquet",
    "dimension_credit.parquet",
    "rejects.parquet",
];

/// The one package under `dir/out`.
fn package(dir: &Path) -> PathBuf {
    let mut stack = vec![dir.join("out")];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.join("report.json").exists() {
                return p;
            } else if p.is_dir() {
                stack.push(p);
            }
        }
    }
    panic!("no package under {}", dir.display())
}

/// A Parquet file's rows, as one batch (the reader's batch is the whole file).
fn read(path: &Path) -> RecordBatch {
    let f = std::fs::File::open(path).unwrap();
    let builder = ParquetRecordBatchReaderBuilder::try_new(f).unwrap();
    let rows = builder.metadata().file_metadata().num_rows() as usize;
    let schema = builder.schema().clone();
    let mut batches: Vec<RecordBatch> = builder
        .with_batch_size(rows.max(1))
        .build()
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(batches.len() <= 1, "{}", path.display());
    batches
        .pop()
        .unwrap_or_else(|| RecordBatch::new_empty(schema))
}

/// Each value of a text column, plain or dictionary-encoded (None: null).
fn texts(b: &RecordBatch, name: &str) -> Vec<Option<String>> {
    let col = b.column_by_name(name).unwrap();
    match col.data_type() {
        DataType::Utf8 => col
            .as_string::<i32>()
            .iter()
            .map(|s| s.map(str::to_string))
            .collect(),
        DataType::Dictionary(..) => {
            let d = col.as_any_dictionary();
            let values = d.values().as_string::<i32>();
            let keys = d.normalized_keys();
            (0..col.len())
                .map(|i| col.is_valid(i).then(|| values.value(keys[i]).to_string()))
                .collect()
        }
        t => panic!("{name} is {t:?}, not text"),
    }
}

fn text(b: &RecordBatch, name: &str) -> Vec<String> {
    texts(b, name).into_iter().map(Option::unwrap).collect()
}

/// A decimal column as minor units (None: null).
fn units(b: &RecordBatch, name: &str) -> Vec<Option<i128>> {
    b.column_by_name(name)
        .unwrap()
        .as_primitive::<Decimal128Type>()
        .iter()
        .collect()
}

/// A report.json amount (a decimal string) in minor units of a currency of `scale`.
fn json_units(v: &serde_json::Value, scale: u32) -> i128 {
    let mut d: Decimal = v.as_str().unwrap().parse().unwrap();
    assert!(d.scale() <= scale, "{d} is finer than the minor unit");
    d.rescale(scale);
    d.mantissa()
}

fn data_rows(csv: &Path) -> usize {
    std::fs::read_to_string(csv).unwrap().lines().count() - 1
}

fn dictionary() -> DataType {
    DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8))
}

/// The demo campaign, run in full with CSV and Parquet tables.
fn demo_run(dir: &Path, file: &Path) {
    let (code, _, stderr) = track_in(
        dir,
        file,
        &[
            "--formats",
            "csv,parquet",
            "--dimensions",
            "partner,channel,asset,region,segment",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn typed_tables_read_back_and_sum_exactly_to_report_json() {
    let (dir, file) = campaign_copy(|t| t);
    demo_run(dir.path(), &file);
    let pkg = package(dir.path());
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(pkg.join("report.json")).unwrap()).unwrap();
    let code = report["campaign"]["currency"].as_str().unwrap();
    let scale = ascribe::money::minor_units(code).unwrap();
    let money = DataType::Decimal128(38, scale as i8);
    let h = &report["headline"];
    // What the models credited: each kind's total less what no touch explains.
    let attributed = |kind: &str| {
        json_units(&h[kind], scale) - json_units(&h[format!("unattributed_{kind}")], scale)
    };
    let (pipeline, revenue) = (attributed("pipeline"), attributed("revenue"));
    assert!(pipeline > 0 && revenue > 0, "{h}");

    let credits = read(&pkg.join("credits.parquet"));
    assert_eq!(credits.num_rows(), data_rows(&pkg.join("credits.csv")));
    let schema = credits.schema();
    let ty = |n: &str| schema.field_with_name(n).unwrap().data_type().clone();
    assert_eq!(ty("amount"), money);
    assert_eq!(
        ty("touch_time"),
        DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into()))
    );
    for k in [
        "kind", "partner", "channel", "asset", "campaign", "region", "segment", "currency",
        "model", "key",
    ] {
        assert_eq!(ty(k), dictionary(), "{k}");
    }
    assert_eq!(ty("weight"), DataType::Float64);
    let kinds = text(&credits, "kind");
    let amounts = units(&credits, "amount");
    let sum_of = |kind: &str| -> i128 {
        kinds
            .iter()
            .zip(&amounts)
            .filter(|(k, _)| *k == kind)
            .map(|(_, a)| a.unwrap())
            .sum()
    };
    assert_eq!(sum_of("pipeline"), pipeline);
    assert_eq!(sum_of("revenue"), revenue);
    assert!(text(&credits, "currency").iter().all(|c| c == code));
    let model = report["model"]["name"].as_str().unwrap();
    assert!(text(&credits, "model").iter().all(|m| m == model));
    // The weights of one conversion's touches sum to 1, up to float noise.
    let mut per_conversion: BTreeMap<(String, String), f64> = BTreeMap::new();
    let ids = text(&credits, "conversion_id");
    let weights = credits
        .column_by_name("weight")
        .unwrap()
        .as_primitive::<Float64Type>();
    for ((k, id), w) in kinds.iter().zip(&ids).zip(weights.iter()) {
        *per_conversion.entry((k.clone(), id.clone())).or_default() += w.unwrap();
    }
    for (conv, w) in &per_conversion {
        assert!((w - 1.0).abs() < 1e-9, "{conv:?} weighs {w}");
    }
    // The times are the CSV's, as UTC instants.
    let csv = std::fs::read_to_string(pkg.join("credits.csv")).unwrap();
    let first_time = csv.lines().nth(1).unwrap().split(',').nth(3).unwrap();
    let ms = credits
        .column_by_name("touch_time")
        .unwrap()
        .as_primitive::<arrow_array::types::TimestampMillisecondType>()
        .value(0);
    assert_eq!(
        chrono::DateTime::from_timestamp_millis(ms)
            .unwrap()
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string(),
        first_time
    );

    // Every dimension's credit of a kind sums to that kind's attributed total, row by row
    // as report.json states it.
    let dc = read(&pkg.join("dimension_credit.parquet"));
    let schema = dc.schema();
    assert_eq!(
        schema.field_with_name("amount").unwrap().data_type(),
        &money
    );
    for k in ["dimension", "value", "kind", "currency"] {
        assert_eq!(
            schema.field_with_name(k).unwrap().data_type(),
            &dictionary()
        );
    }
    let (dims, dkinds, values) = (
        text(&dc, "dimension"),
        text(&dc, "kind"),
        text(&dc, "value"),
    );
    let damounts = units(&dc, "amount");
    let (dlo, dhi) = (units(&dc, "amount_lo"), units(&dc, "amount_hi"));
    let mut expected_rows = vec![];
    let mut expected_bounds = vec![];
    for d in report["credit"].as_array().unwrap() {
        for r in d["rows"].as_array().unwrap() {
            for kind in ["pipeline", "revenue"] {
                expected_rows.push((
                    d["dimension"].as_str().unwrap().to_string(),
                    r["value"].as_str().unwrap().to_string(),
                    kind.to_string(),
                    json_units(&r[kind], scale),
                ));
                // The interval of each amount, as report.json gives it.
                expected_bounds.push((
                    json_units(&r[format!("{kind}_lo")], scale),
                    json_units(&r[format!("{kind}_hi")], scale),
                ));
            }
        }
    }
    let got_rows: Vec<(String, String, String, i128)> = (0..dc.num_rows())
        .map(|i| {
            (
                dims[i].clone(),
                values[i].clone(),
                dkinds[i].clone(),
                damounts[i].unwrap(),
            )
        })
        .collect();
    assert_eq!(got_rows, expected_rows);
    let got_bounds: Vec<(i128, i128)> = (0..dc.num_rows())
        .map(|i| (dlo[i].unwrap(), dhi[i].unwrap()))
        .collect();
    assert_eq!(got_bounds, expected_bounds);
    let mut totals: BTreeMap<(String, String), i128> = BTreeMap::new();
    for (d, _, k, a) in &got_rows {
        *totals.entry((d.clone(), k.clone())).or_default() += a;
    }
    assert_eq!(totals.len(), 10, "five dimensions, two kinds: {totals:?}");
    for ((d, k), sum) in totals {
        let want = if k == "pipeline" { pipeline } else { revenue };
        assert_eq!(sum, want, "{d} {k}");
    }

    // Contribution: the CSV's rows, each amount the report's.
    let co = read(&pkg.join("contribution.parquet"));
    assert_eq!(co.num_rows(), data_rows(&pkg.join("contribution.csv")));
    let schema = co.schema();
    for m in [
        "pipeline",
        "pipeline_lo",
        "pipeline_hi",
        "pipeline_target",
        "revenue",
        "revenue_lo",
        "revenue_hi",
        "revenue_target",
    ] {
        assert_eq!(
            schema.field_with_name(m).unwrap().data_type(),
            &money,
            "{m}"
        );
    }
    let rows = report["contribution"].as_array().unwrap();
    for (col, key) in [
        ("pipeline", "pipeline"),
        ("revenue", "revenue"),
        ("pipeline_target", "pipeline_target"),
        ("revenue_target", "revenue_target"),
        ("pipeline_lo", "pipeline_lo"),
        ("pipeline_hi", "pipeline_hi"),
        ("revenue_lo", "revenue_lo"),
        ("revenue_hi", "revenue_hi"),
    ] {
        let want: Vec<Option<i128>> = rows
            .iter()
            .map(|r| (!r[key].is_null()).then(|| json_units(&r[key], scale)))
            .collect();
        assert_eq!(units(&co, col), want, "{col}");
    }
    let channels = texts(&co, "channel");
    let want: Vec<Option<String>> = rows
        .iter()
        .map(|r| r["channel"].as_str().map(str::to_string))
        .collect();
    assert_eq!(channels, want);

    let rj = read(&pkg.join("rejects.parquet"));
    assert_eq!(rj.num_rows(), data_rows(&pkg.join("rejects.csv")));
    assert_eq!(
        rj.schema().field_with_name("row").unwrap().data_type(),
        &DataType::UInt64
    );
}

#[test]
fn the_same_inputs_write_the_same_bytes() {
    let (dir, file) = campaign_copy(|t| t);
    demo_run(dir.path(), &file);
    let pkg = package(dir.path());
    let first: Vec<Vec<u8>> = TABLES
        .iter()
        .map(|t| std::fs::read(pkg.join(t)).unwrap())
        .collect();
    std::fs::remove_dir_all(dir.path().join("out")).unwrap();
    demo_run(dir.path(), &file);
    assert_eq!(package(dir.path()), pkg, "the same run id");
    for (t, bytes) in TABLES.iter().zip(first) {
        assert!(
            std::fs::read(pkg.join(t)).unwrap() == bytes,
            "{t} changed between two runs of the same inputs"
        );
    }
}

#[test]
fn parquet_alone_skips_the_csv_and_summary_refuses_formats() {
    let (dir, file) = campaign_copy(|t| t);
    let (code, _, stderr) = track_in(dir.path(), &file, &["--formats", "parquet"]);
    assert_eq!(code, 0, "{stderr}");
    let pkg = package(dir.path());
    for t in TABLES {
        assert!(pkg.join(t).exists(), "{t}");
    }
    for csv in ["credits.csv", "contribution.csv", "rejects.csv"] {
        assert!(!pkg.join(csv).exists(), "{csv}");
    }
    let (code, _, stderr) =
        run_campaign(dir.path(), "track-source", &file, &["--formats", "parquet"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("add --detail full"), "{stderr}");
}

#[test]
fn partner_text_reaches_the_parquet_tables_cleaned_and_guarded() {
    // The hostile values of untrusted_text.rs, put into the demo's exports the same way.
    let (dir, file) = leaky_campaign(None);
    demo_run(dir.path(), &file);
    let pkg = package(dir.path());
    let mut assets = vec![];
    for t in TABLES {
        let b = read(&pkg.join(t));
        for f in b.schema().fields() {
            if !matches!(f.data_type(), DataType::Utf8 | DataType::Dictionary(..)) {
                continue;
            }
            for v in texts(&b, f.name()).into_iter().flatten() {
                for needle in ["zq.leak", "ｌｅａｋ", "acme-corp", "ａｃｍｅ", "%40"] {
                    assert!(!v.contains(needle), "{t} {}: {v:?}", f.name());
                }
                assert!(
                    !v.chars().any(|c| c.is_control()),
                    "{t} {}: {v:?}",
                    f.name()
                );
                assert!(
                    !v.starts_with(['=', '+', '-', '@', '＝', '＋', '－', '＠']),
                    "{t} {}: a cell a spreadsheet would run: {v:?}",
                    f.name()
                );
                if f.name() == "asset" || f.name() == "value" {
                    assets.push(v);
                }
            }
        }
    }
    // The hostile values flowed through, scrubbed, escaped and guarded, not dropped.
    assert!(assets.iter().any(|a| a == "<e-mail>"), "{assets:?}");
    assert!(
        assets.iter().any(|a| a == "'=cmd|'/C calc'!A0"),
        "{assets:?}"
    );
    assert!(
        assets
            .iter()
            .any(|a| a.starts_with("tour") && a.contains("]0;pwned") && a.ends_with("-berlin")),
        "{assets:?}"
    );
}
