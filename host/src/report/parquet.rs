//! The package's tables as typed Parquet (`--formats parquet`, docs/parquet.md): the same
//! rows as the CSV files, with types a warehouse keeps. Money is `Decimal128(38, s)`, `s`
//! the currency's minor-unit scale, built from the integer minor units (never through a
//! float); times are `Timestamp(Millisecond, "UTC")`; the text a reader groups by is
//! `Dictionary(Int32, Utf8)`. Text from partners and plugins goes through
//! [`crate::text::csv_text`], the CSV files' cleaning and formula guard: no address,
//! control sequence or formula reaches a table, whichever program opens it.
//!
//! Same inputs, same bytes: the writer's properties are fixed here (the `created_by`
//! string included), and nothing in a file depends on time, the machine or map order.

use std::sync::Arc;

use arrow_array::builder::{Float64Builder, StringBuilder, StringDictionaryBuilder, UInt64Builder};
use arrow_array::types::Int32Type;
use arrow_array::{ArrayRef, Decimal128Array, RecordBatch, TimestampMillisecondArray};
use arrow_schema::{ArrowError, DataType, Field, Schema, SchemaRef, TimeUnit};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::{EnabledStatistics, WriterProperties, WriterVersion};
use rust_decimal::Decimal;

use crate::money::Currency;
use crate::pipeline::attribute::{Attribution, Dimension};
use crate::pipeline::campaign::Campaign;
use crate::pipeline::normalize::Dataset;
use crate::report::schema::Report;
use crate::text::{Sealed, csv_text};

/// Rows per record batch handed to the writer: the builders hold one batch at a time, so a
/// million credits never sit in memory twice.
const BATCH_ROWS: usize = 64 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("writing {file}: {source}")]
    Parquet {
        file: &'static str,
        #[source]
        source: parquet::errors::ParquetError,
    },
    #[error("building {file}: {source}")]
    Arrow {
        file: &'static str,
        #[source]
        source: ArrowError,
    },
    /// A report amount finer than the currency's minor unit: a host bug (every amount is a
    /// sum of minor units), refused rather than rounded so the file sums to report.json.
    #[error("{file}: {amount} is not a whole number of {currency} minor units")]
    NotMinorUnits {
        file: &'static str,
        amount: Decimal,
        currency: Currency,
    },
}

fn text_key() -> DataType {
    DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8))
}

fn money_type(cur: Currency) -> DataType {
    // The scale is 0 to 3 (money.rs's table); precision 38 holds any i128 of minor units
    // a report can sum to.
    DataType::Decimal128(38, cur.scale() as i8)
}

fn time_type() -> DataType {
    DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into()))
}

/// The fixed writer settings every file shares; anything left to a default could change
/// with the crate and, with it, the bytes of a package of unchanged inputs. (`paths
/// --explain-out` writes its Parquet files with them too.)
pub(crate) fn properties() -> WriterProperties {
    WriterProperties::builder()
        .set_created_by(format!("ascribe {}", env!("CARGO_PKG_VERSION")))
        .set_writer_version(WriterVersion::PARQUET_1_0)
        // zstd is what polars writes, and pyarrow, DuckDB, Spark and BigQuery read it; the
        // level is fixed because it decides the bytes.
        .set_compression(Compression::ZSTD(ZstdLevel::default()))
        .set_dictionary_enabled(true)
        // Column-chunk min/max only (a function of the data, so of the inputs): readers
        // skip row groups with them. No page-header statistics, no bloom filters.
        .set_statistics_enabled(EnabledStatistics::Chunk)
        .set_write_page_header_statistics(false)
        .set_bloom_filter_enabled(false)
        .set_max_row_group_row_count(Some(1024 * 1024))
        .set_data_page_row_count_limit(20_000)
        .build()
}

/// Streams `batches` into one Parquet file in memory.
fn write(
    file: &'static str,
    schema: SchemaRef,
    batches: impl Iterator<Item = Result<RecordBatch, Error>>,
) -> Result<Vec<u8>, Error> {
    let pq = |source| Error::Parquet { file, source };
    let mut w = ArrowWriter::try_new(Vec::new(), schema, Some(properties())).map_err(pq)?;
    for b in batches {
        w.write(&b?).map_err(pq)?;
    }
    w.into_inner().map_err(pq)
}

fn batch(
    file: &'static str,
    schema: &SchemaRef,
    cols: Vec<ArrayRef>,
) -> Result<RecordBatch, Error> {
    RecordBatch::try_new(schema.clone(), cols).map_err(|source| Error::Arrow { file, source })
}

fn decimals(file: &'static str, cur: Currency, units: Vec<i128>) -> Result<ArrayRef, Error> {
    opt_decimals(file, cur, units.into_iter().map(Some).collect())
}

/// As [`decimals`], null where an amount is missing.
fn opt_decimals(
    file: &'static str,
    cur: Currency,
    units: Vec<Option<i128>>,
) -> Result<ArrayRef, Error> {
    Decimal128Array::from(units)
        .with_precision_and_scale(38, cur.scale() as i8)
        .map(|a| Arc::new(a) as ArrayRef)
        .map_err(|source| Error::Arrow { file, source })
}

/// A report amount as minor units, exactly.
fn units(file: &'static str, cur: Currency, amount: Decimal) -> Result<i128, Error> {
    if cur.round(amount) != amount {
        return Err(Error::NotMinorUnits {
            file,
            amount,
            currency: cur,
        });
    }
    Ok(cur.amount(amount).units())
}

type Dict = StringDictionaryBuilder<Int32Type>;

/// A cleaned, formula-guarded text cell (the CSV files' rule).
fn put(b: &mut Dict, s: &str) {
    b.append_value(csv_text(s));
}

fn put_opt(b: &mut Dict, s: Option<&str>) {
    match s {
        Some(s) => put(b, s),
        None => b.append_null(),
    }
}

fn put_str(b: &mut StringBuilder, s: &str) {
    b.append_value(csv_text(s));
}

fn finish(b: &mut Dict) -> ArrayRef {
    Arc::new(b.finish())
}

pub fn credits_schema(cur: Currency) -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("kind", text_key(), false),
        Field::new("conversion_id", DataType::Utf8, false),
        Field::new("account", DataType::Utf8, false),
        Field::new("touch_time", time_type(), false),
        Field::new("person", DataType::Utf8, false),
        Field::new("partner", text_key(), false),
        Field::new("channel", text_key(), false),
        Field::new("asset", text_key(), false),
        Field::new("campaign", text_key(), false),
        Field::new("region", text_key(), false),
        Field::new("segment", text_key(), false),
        Field::new("amount", money_type(cur), false),
        Field::new("currency", text_key(), false),
        Field::new("model", text_key(), false),
        Field::new("key", text_key(), false),
        Field::new("weight", DataType::Float64, false),
    ]))
}

/// `credits.csv`'s rows, typed.
pub fn credits(c: &Campaign, ds: &Dataset, runs: &[&Attribution]) -> Result<Vec<u8>, Error> {
    const FILE: &str = "credits.parquet";
    let cur = c.currency;
    let schema = credits_schema(cur);
    let rows = runs
        .iter()
        .flat_map(|a| a.credits.iter().zip(&a.weights).map(move |cw| (*a, cw)));
    let mut rows = rows.peekable();
    let mut dicts: [Dict; 10] = Default::default();
    let mut strings: [StringBuilder; 3] = Default::default();
    let batches = std::iter::from_fn(|| {
        rows.peek()?;
        let mut time = Vec::with_capacity(BATCH_ROWS);
        let mut amount = Vec::with_capacity(BATCH_ROWS);
        let mut weight = Float64Builder::with_capacity(BATCH_ROWS);
        for (a, (cr, &w)) in rows.by_ref().take(BATCH_ROWS) {
            let cv = &ds.conversions[cr.conversion as usize];
            let t = &ds.touches[cr.touch as usize];
            let [
                kind,
                partner,
                channel,
                asset,
                campaign,
                region,
                segment,
                currency,
                model,
                key,
            ] = &mut dicts;
            let [conversion_id, account, person] = &mut strings;
            put(kind, a.kind.name());
            put_str(conversion_id, &cv.id);
            put_str(account, ds.symbols.name(t.account));
            time.push(t.time_ms);
            put_str(person, &crate::data::person_label(t.person));
            put(partner, &Dimension::Partner.value(t, ds, c));
            put(channel, ds.symbols.name(t.channel));
            put(asset, ds.symbols.name(t.asset));
            put(campaign, ds.symbols.name(t.campaign));
            put(region, ds.symbols.name(t.region));
            put(segment, ds.symbols.name(t.segment));
            amount.push(cr.units as i128);
            put(currency, cur.code());
            put(model, &a.run.model);
            put(key, &a.journeys.key);
            weight.append_value(w);
        }
        let [
            kind,
            partner,
            channel,
            asset,
            campaign,
            region,
            segment,
            currency,
            model,
            key,
        ] = &mut dicts;
        let [conversion_id, account, person] = &mut strings;
        let cols = (|| {
            Ok(vec![
                finish(kind),
                Arc::new(conversion_id.finish()) as ArrayRef,
                Arc::new(account.finish()),
                Arc::new(TimestampMillisecondArray::from(time).with_timezone("UTC")),
                Arc::new(person.finish()),
                finish(partner),
                finish(channel),
                finish(asset),
                finish(campaign),
                finish(region),
                finish(segment),
                decimals(FILE, cur, amount)?,
                finish(currency),
                finish(model),
                finish(key),
                Arc::new(weight.finish()),
            ])
        })();
        Some(cols.and_then(|cols| batch(FILE, &schema, cols)))
    });
    write(FILE, schema.clone(), batches)
}

pub fn contribution_schema(cur: Currency) -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("partner", text_key(), false),
        Field::new("channel", text_key(), true),
        Field::new("pipeline", money_type(cur), false),
        Field::new("pipeline_lo", money_type(cur), true),
        Field::new("pipeline_hi", money_type(cur), true),
        Field::new("pipeline_target", money_type(cur), true),
        Field::new("pipeline_pct_of_target", DataType::Float64, true),
        Field::new("revenue", money_type(cur), false),
        Field::new("revenue_lo", money_type(cur), true),
        Field::new("revenue_hi", money_type(cur), true),
        Field::new("revenue_target", money_type(cur), true),
        Field::new("revenue_pct_of_target", DataType::Float64, true),
        Field::new("currency", text_key(), false),
    ]))
}

/// `contribution.csv`'s rows, typed: a partner's total has a null channel; the bounds are
/// null with `--no-intervals`.
pub fn contribution(r: &Sealed<Report>, cur: Currency) -> Result<Vec<u8>, Error> {
    const FILE: &str = "contribution.parquet";
    let schema = contribution_schema(cur);
    let u = |d| units(FILE, cur, d);
    let (mut partner, mut channel, mut currency) = (Dict::new(), Dict::new(), Dict::new());
    let (mut p, mut pt, mut r_, mut rt) = (vec![], vec![], vec![], vec![]);
    // pipeline_lo, pipeline_hi, revenue_lo, revenue_hi
    let mut bounds: [Vec<Option<i128>>; 4] = Default::default();
    let (mut ppct, mut rpct) = (Float64Builder::new(), Float64Builder::new());
    for row in &r.contribution {
        put(&mut partner, &row.partner);
        put_opt(&mut channel, row.channel.as_deref());
        p.push(u(row.pipeline)?);
        pt.push(row.pipeline_target.map(u).transpose()?);
        ppct.append_option(row.pipeline_pct);
        r_.push(u(row.revenue)?);
        rt.push(row.revenue_target.map(u).transpose()?);
        rpct.append_option(row.revenue_pct);
        for (col, b) in bounds.iter_mut().zip([
            row.pipeline_lo,
            row.pipeline_hi,
            row.revenue_lo,
            row.revenue_hi,
        ]) {
            col.push(b.map(u).transpose()?);
        }
        put(&mut currency, cur.code());
    }
    let [plo, phi, rlo, rhi] = bounds;
    let cols = vec![
        finish(&mut partner),
        finish(&mut channel),
        decimals(FILE, cur, p)?,
        opt_decimals(FILE, cur, plo)?,
        opt_decimals(FILE, cur, phi)?,
        opt_decimals(FILE, cur, pt)?,
        Arc::new(ppct.finish()),
        decimals(FILE, cur, r_)?,
        opt_decimals(FILE, cur, rlo)?,
        opt_decimals(FILE, cur, rhi)?,
        opt_decimals(FILE, cur, rt)?,
        Arc::new(rpct.finish()),
        finish(&mut currency),
    ];
    let b = batch(FILE, &schema, cols)?;
    write(FILE, schema, std::iter::once(Ok(b)))
}

pub fn dimension_credit_schema(cur: Currency) -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("dimension", text_key(), false),
        Field::new("value", text_key(), false),
        Field::new("kind", text_key(), false),
        Field::new("amount", money_type(cur), false),
        Field::new("amount_lo", money_type(cur), true),
        Field::new("amount_hi", money_type(cur), true),
        Field::new("share", DataType::Float64, false),
        Field::new("conversions", DataType::UInt64, false),
        Field::new("currency", text_key(), false),
    ]))
}

/// report.json's `credit[]` as one long table: a row per dimension, value and kind
/// (`pipeline`, `revenue`), so each dimension's amounts of a kind sum to that kind's
/// attributed total. `conversions` is the row's opportunities for pipeline and its won
/// deals for revenue.
pub fn dimension_credit(r: &Sealed<Report>, cur: Currency) -> Result<Vec<u8>, Error> {
    const FILE: &str = "dimension_credit.parquet";
    let schema = dimension_credit_schema(cur);
    let (mut dim, mut value, mut kind, mut currency) =
        (Dict::new(), Dict::new(), Dict::new(), Dict::new());
    let (mut amount, mut lo, mut hi) = (vec![], vec![], vec![]);
    let mut share = Float64Builder::new();
    let mut count = UInt64Builder::new();
    for d in &r.credit {
        for row in &d.rows {
            for (k, a, s, n, bounds) in [
                (
                    "pipeline",
                    row.pipeline,
                    row.pipeline_share,
                    row.opportunities,
                    (row.pipeline_lo, row.pipeline_hi),
                ),
                (
                    "revenue",
                    row.revenue,
                    row.revenue_share,
                    row.won,
                    (row.revenue_lo, row.revenue_hi),
                ),
            ] {
                put(&mut dim, &d.dimension);
                put(&mut value, &row.value);
                put(&mut kind, k);
                amount.push(units(FILE, cur, a)?);
                lo.push(bounds.0.map(|b| units(FILE, cur, b)).transpose()?);
                hi.push(bounds.1.map(|b| units(FILE, cur, b)).transpose()?);
                share.append_value(s);
                count.append_value(n);
                put(&mut currency, cur.code());
            }
        }
    }
    let cols = vec![
        finish(&mut dim),
        finish(&mut value),
        finish(&mut kind),
        decimals(FILE, cur, amount)?,
        opt_decimals(FILE, cur, lo)?,
        opt_decimals(FILE, cur, hi)?,
        Arc::new(share.finish()),
        Arc::new(count.finish()),
        finish(&mut currency),
    ];
    let b = batch(FILE, &schema, cols)?;
    write(FILE, schema, std::iter::once(Ok(b)))
}

pub fn rejects_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("source", text_key(), false),
        Field::new("file", text_key(), false),
        Field::new("row", DataType::UInt64, false),
        Field::new("column", text_key(), false),
        Field::new("reason", DataType::Utf8, false),
    ]))
}

/// `rejects.csv`'s rows, typed.
pub fn rejects(ds: &Dataset) -> Result<Vec<u8>, Error> {
    const FILE: &str = "rejects.parquet";
    let schema = rejects_schema();
    let (mut source, mut file, mut column) = (Dict::new(), Dict::new(), Dict::new());
    let mut row = UInt64Builder::new();
    let mut reason = StringBuilder::new();
    for l in &ds.ledgers {
        for rj in &l.rejects {
            put(&mut source, &l.source);
            put(&mut file, &l.file);
            row.append_value(rj.row);
            put(&mut column, &rj.column);
            put_str(&mut reason, &rj.reason);
        }
    }
    let cols = vec![
        finish(&mut source),
        finish(&mut file),
        Arc::new(row.finish()),
        finish(&mut column),
        Arc::new(reason.finish()),
    ];
    let b = batch(FILE, &schema, cols)?;
    write(FILE, schema, std::iter::once(Ok(b)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_amounts_become_exact_minor_units() {
        let usd = Currency::of("USD").unwrap();
        assert_eq!(units("t", usd, Decimal::new(123456, 2)).unwrap(), 123456);
        assert_eq!(units("t", usd, Decimal::new(5, 0)).unwrap(), 500);
        let jpy = Currency::of("JPY").unwrap();
        assert_eq!(units("t", jpy, Decimal::new(1200, 0)).unwrap(), 1200);
        // A fraction of a cent is refused, never rounded away.
        let e = units("t", usd, Decimal::new(1001, 3)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "t: 1.001 is not a whole number of USD minor units"
        );
    }

    #[test]
    fn money_columns_carry_the_currencys_minor_unit_scale() {
        for (code, scale) in [("USD", 2), ("JPY", 0), ("KWD", 3)] {
            let cur = Currency::of(code).unwrap();
            let amount =
                |s: SchemaRef, name: &str| s.field_with_name(name).unwrap().data_type().clone();
            assert_eq!(
                amount(credits_schema(cur), "amount"),
                DataType::Decimal128(38, scale)
            );
            assert_eq!(
                amount(dimension_credit_schema(cur), "amount"),
                DataType::Decimal128(38, scale)
            );
            assert_eq!(
                amount(contribution_schema(cur), "revenue_target"),
                DataType::Decimal128(38, scale)
            );
        }
    }

    #[test]
    fn hostile_text_is_cleaned_and_guarded_as_in_csv() {
        let mut b = Dict::new();
        put(&mut b, "=cmd|'/C calc'!A0");
        put(&mut b, "ann@acme.io\u{1b}[2J");
        let a = b.finish();
        let values = a
            .values()
            .as_any()
            .downcast_ref::<arrow_array::StringArray>()
            .unwrap();
        let got: Vec<&str> = a
            .keys()
            .iter()
            .map(|k| values.value(k.unwrap() as usize))
            .collect();
        assert_eq!(got, ["'=cmd|'/C calc'!A0", "<e-mail>\\x1b[2J"]);
    }
}
