//! The typed Parquet outputs of track-source (owned by the Parquet output work).
