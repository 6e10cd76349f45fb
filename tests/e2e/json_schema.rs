//! report.json against docs/report.schema.json (owned by the JSON Schema work).
