//! The JSON Schema (draft 2020-12) of `report.json`, generated from the types of
//! [`super::schema`] so it cannot drift from what is written: docs/report.schema.json is
//! this output, and the end-to-end tests check the committed file against it and validate
//! every report they produce. [`compare_schema`] does the same for `compare.json`.
//!
//! The types' fields hold values serialized as strings (decimals, dates); the marker types
//! below say what those strings look like, for `#[schemars(with = …)]` on such fields.

use std::borrow::Cow;

use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde_json::Value;

use super::schema::Report;

/// What `rust_decimal` with `serde-str` writes: plain notation, never an exponent, so
/// money stays exact (`"9869927.13"`, `"-1000.50"`, `"0"`).
pub const DECIMAL_PATTERN: &str = r"^-?[0-9]+(\.[0-9]+)?$";

/// What `chrono::NaiveDate` displays as, for the years a campaign can have.
pub const DATE_PATTERN: &str = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$";

/// A run's id: 12 hex digits of a digest of its inputs.
pub const RUN_ID_PATTERN: &str = r"^[0-9a-f]{12}$";

/// A file's or plugin's digest, named by its algorithm.
pub const DIGEST_PATTERN: &str = r"^sha256:[0-9a-f]{64}$";

/// An ISO 4217 code: campaigns are checked against the table in money.rs.
pub const CURRENCY_PATTERN: &str = r"^[A-Z]{3}$";

/// A `Decimal` serialized as a string (see [`DECIMAL_PATTERN`]).
pub struct DecimalString;

impl JsonSchema for DecimalString {
    fn schema_name() -> Cow<'static, str> {
        "Decimal".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "pattern": DECIMAL_PATTERN,
            "description": "An exact decimal as a string, in plain notation (money in the reporting currency), never a float.",
        })
    }
}

/// A `NaiveDate` serialized as a string: `YYYY-MM-DD`.
pub struct DateString;

impl JsonSchema for DateString {
    fn schema_name() -> Cow<'static, str> {
        "Date".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "format": "date",
            "pattern": DATE_PATTERN,
        })
    }
}

/// The schema of `report.json` for its [`super::schema::SCHEMA_VERSION`].
pub fn report_schema() -> Value {
    document::<Report>(
        "report",
        super::schema::SCHEMA_VERSION,
        "ascribe report.json",
        "The report `ascribe track-source` writes",
    )
}

/// The schema of `compare.json` (the comparison `ascribe compare` writes).
pub fn compare_schema() -> Value {
    use crate::commands::compare::{Comparison, SCHEMA_VERSION};
    document::<Comparison>(
        "compare",
        SCHEMA_VERSION,
        "ascribe compare.json",
        "The comparison of models `ascribe compare` writes",
    )
}

/// `T`'s schema as it is serialized (an `Option` field is written as `null`, so it is
/// required), named for the file it describes and the schema version it is for.
fn document<T: JsonSchema>(file: &str, version: u32, title: &str, what: &str) -> Value {
    let mut schema = SchemaSettings::draft2020_12()
        .for_serialize()
        .into_generator()
        .into_root_schema_for::<T>();
    schema.insert(
        "$id".into(),
        format!("urn:ascribe:{file}.json:schema-version:{version}").into(),
    );
    schema.insert("title".into(), title.into());
    schema.insert(
        "description".into(),
        format!(
            "{what}, schema_version {version}. Generated from the Rust types by \
             ascribe::report::json_schema; do not edit by hand."
        )
        .into(),
    );
    schema.to_value()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_object_is_closed_and_every_property_required() {
        fn walk(v: &Value, at: &str) {
            let Some(o) = v.as_object() else { return };
            if let Some(props) = o.get("properties").and_then(Value::as_object) {
                assert_eq!(o.get("additionalProperties"), Some(&false.into()), "{at}");
                let required: Vec<&str> = o["required"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter_map(Value::as_str)
                    .collect();
                for k in props.keys() {
                    assert!(required.contains(&k.as_str()), "{at}.{k} is not required");
                }
            }
            for (k, child) in o {
                walk(child, &format!("{at}/{k}"));
            }
        }
        walk(&report_schema(), "#");
        walk(&compare_schema(), "#");
    }

    #[test]
    fn money_is_a_decimal_string() {
        let s = report_schema();
        assert_eq!(
            s["properties"]["headline"]["$ref"],
            Value::from("#/$defs/Headline")
        );
        let pipeline = &s["$defs"]["Headline"]["properties"]["pipeline"];
        assert_eq!(pipeline["$ref"], Value::from("#/$defs/Decimal"));
        assert_eq!(
            s["$defs"]["Decimal"]["pattern"],
            Value::from(DECIMAL_PATTERN)
        );
    }
}
