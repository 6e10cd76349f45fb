//! Path tables as Arrow record batches: Parquet and Arrow IPC files (`ascribe paths`), and
//! tables handed over in memory (the Python package: pandas, polars and pyarrow tables
//! through the Arrow C interface).
//!
//! The rules are the CSV reader's: the same column options and defaults, items trimmed,
//! identical paths summed, keys sorted, and every bad row an error naming the table, the
//! row and what is wrong. A path is a separator-joined string (`a > b > c`) or a list of
//! channels (`["a", "b", "c"]`, a nested list column); both give the same path. Counts and
//! values may be any integer, float or decimal column, or text holding numbers as CSV
//! would; a missing (null) cell is an error, as an empty CSV field is.

use std::fs::File;
use std::io::{Read, Seek};
use std::path::Path;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Float16Type, Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type,
    UInt16Type, UInt32Type, UInt64Type,
};
use arrow_array::{Array, RecordBatch};
use arrow_schema::{ArrowError, DataType, Schema};

use super::intern::{list_path, split_path};
use super::number::{number, signed_number};
use super::read::{Failure, RowError};
use super::rows::Builder;
use super::{Error, PathTable, ReadOptions, TableFormat};

/// How `ascribe paths` reads its input file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum InputFormat {
    Csv,
    Parquet,
    /// Arrow IPC: the file format (`.arrow`, `.feather` v2) or the stream format.
    Arrow,
}

impl InputFormat {
    /// The format a file name implies: `.parquet`/`.pq`, `.arrow`/`.feather`/`.ipc`/
    /// `.arrows`, anything else CSV.
    pub fn of(path: &Path) -> InputFormat {
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        match ext.as_str() {
            "parquet" | "pq" => InputFormat::Parquet,
            "arrow" | "feather" | "ipc" | "arrows" => InputFormat::Arrow,
            _ => InputFormat::Csv,
        }
    }
}

/// Reads a path table in `format`, or in the format its name implies.
pub fn read_any(
    path: &Path,
    format: Option<InputFormat>,
    opts: &ReadOptions,
) -> Result<PathTable, Error> {
    match format.unwrap_or_else(|| InputFormat::of(path)) {
        InputFormat::Csv => super::read(path, opts),
        InputFormat::Parquet => read_parquet(path, opts),
        InputFormat::Arrow => read_ipc(path, opts),
    }
}

/// Rows per record batch when decoding a file: large enough that per-batch work vanishes,
/// small enough that a batch's columns stay in cache.
const BATCH_ROWS: usize = 64 * 1024;

fn open(path: &Path) -> Result<File, Error> {
    File::open(path).map_err(|e| Error(format!("{}: {e}", path.display())))
}

/// Reads a Parquet path table, decoding only the columns the table's options name.
pub fn read_parquet(path: &Path, opts: &ReadOptions) -> Result<PathTable, Error> {
    use parquet::arrow::ProjectionMask;
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    let shown = path.display();
    let not_parquet = |e: parquet::errors::ParquetError| {
        Error(format!(
            "{shown}: not a Parquet file this reader can read ({e}); give the format with --input-format if the extension misleads"
        ))
    };
    let builder = ParquetRecordBatchReaderBuilder::try_new(open(path)?).map_err(not_parquet)?;
    let schema = builder.schema().clone();
    let wanted = Wanted::find(&schema, opts).map_err(|m| Error(format!("{shown}: {m}")))?;
    let mask = ProjectionMask::roots(builder.parquet_schema(), wanted.roots());
    let reader = builder
        .with_projection(mask)
        .with_batch_size(BATCH_ROWS)
        .build()
        .map_err(not_parquet)?;
    read_batches(&schema, reader, path, TableFormat::Parquet, opts)
}

/// Reads an Arrow IPC path table: the file format (magic `ARROW1`) or the stream format.
pub fn read_ipc(path: &Path, opts: &ReadOptions) -> Result<PathTable, Error> {
    use arrow_ipc::reader::{FileReader, StreamReader};
    let shown = path.display();
    let not_ipc = |e: ArrowError| {
        Error(format!(
            "{shown}: not an Arrow IPC file or stream this reader can read ({e}); give the format with --input-format if the extension misleads"
        ))
    };
    let mut file = open(path)?;
    let mut magic = [0u8; 6];
    let is_file = file.read_exact(&mut magic).is_ok() && &magic == b"ARROW1";
    file.rewind().map_err(|e| Error(format!("{shown}: {e}")))?;
    let input = std::io::BufReader::with_capacity(1 << 20, file);
    if is_file {
        let reader = FileReader::try_new(input, None).map_err(not_ipc)?;
        let schema = reader.schema();
        read_batches(&schema, reader, path, TableFormat::ArrowIpc, opts)
    } else {
        let reader = StreamReader::try_new(input, None).map_err(not_ipc)?;
        let schema = reader.schema();
        read_batches(&schema, reader, path, TableFormat::ArrowIpc, opts)
    }
}

/// The columns a table's options name, by position in the schema.
struct Wanted {
    path: usize,
    conv: usize,
    value: Option<usize>,
    nulls: Option<usize>,
}

impl Wanted {
    fn find(schema: &Schema, opts: &ReadOptions) -> Result<Wanted, String> {
        let mut b = Builder::new(opts, 0, 0);
        Self::found(schema, &mut b)
    }

    fn found(schema: &Schema, b: &mut Builder) -> Result<Wanted, String> {
        let header: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
        b.columns(&header, "an Arrow table")?;
        let c = b.found().expect("columns() found them");
        Ok(Wanted {
            path: c.path,
            conv: c.conv,
            value: c.value.as_ref().map(|v| v.0),
            nulls: c.nulls.as_ref().map(|v| v.0),
        })
    }

    fn roots(&self) -> Vec<usize> {
        let mut r = vec![self.path, self.conv];
        r.extend(self.value);
        r.extend(self.nulls);
        r.sort_unstable();
        r
    }
}

/// Reads a path table from record batches with `schema`; `name` names the table in errors.
pub fn read_batches<I>(
    schema: &Schema,
    batches: I,
    name: &Path,
    format: TableFormat,
    opts: &ReadOptions,
) -> Result<PathTable, Error>
where
    I: IntoIterator<Item = Result<RecordBatch, ArrowError>>,
{
    let shown = name.display().to_string();
    read_rows(schema, batches, name, opts)
        .map(|mut t| {
            t.format = format;
            t
        })
        .map_err(|f| match f {
            Failure::File(msg) => Error(format!("{shown}: {msg}")),
            Failure::Row(e) => Error(format!("{shown}: row {}: {}", e.row, e.msg)),
        })
}

fn read_rows<I>(
    schema: &Schema,
    batches: I,
    name: &Path,
    opts: &ReadOptions,
) -> Result<PathTable, Failure>
where
    I: IntoIterator<Item = Result<RecordBatch, ArrowError>>,
{
    if opts.sep.is_whitespace() {
        return Err(Failure::File(format!(
            "the path separator cannot be whitespace ({:?}): items are trimmed of spaces",
            opts.sep
        )));
    }
    let mut b = Builder::new(opts, 0, 0);
    let at = Wanted::found(schema, &mut b).map_err(Failure::File)?;
    let names = {
        let f = schema.fields();
        let n = |i: usize| f[i].name().clone();
        (n(at.path), n(at.conv), at.value.map(n), at.nulls.map(n))
    };
    for batch in batches {
        let batch = batch.map_err(|e| Failure::File(format!("reading the table: {e}")))?;
        // By name: a Parquet reader hands over only the projected columns.
        let column = |n: &str| {
            batch.column_by_name(n).ok_or_else(|| {
                Failure::File(format!(
                    "a record batch has no column `{n}`, which the schema names"
                ))
            })
        };
        let path = PathColumn::new(column(&names.0)?.as_ref(), &names.0)?;
        let conv = numbers(column(&names.1)?.as_ref(), &names.1, Sign::Count)?;
        let value = match &names.2 {
            Some(n) => Some(numbers(column(n)?.as_ref(), n, Sign::Any)?),
            None => None,
        };
        let nulls = match &names.3 {
            Some(n) => Some(numbers(column(n)?.as_ref(), n, Sign::Count)?),
            None => None,
        };
        for i in 0..batch.num_rows() {
            b.rows += 1;
            let row = b.rows;
            let at = |msg: String| RowError { row, line: 0, msg };
            let c = conv.get(i).map_err(at)?;
            let v = value.as_ref().map_or(Ok(0.0), |v| v.get(i)).map_err(at)?;
            let u = nulls.as_ref().map_or(Ok(0.0), |v| v.get(i)).map_err(at)?;
            b.scratch.clear();
            let hash = path
                .split(i, &b.sep, &mut b.keys, &mut b.scratch)
                .map_err(at)?;
            b.push(hash, c, u, v).map_err(at)?;
        }
    }
    if b.rows == 0 {
        return Err(Failure::File("no paths: the table has no rows".into()));
    }
    b.finish(name)
}

/// Text cells of a string-like column: Utf8, LargeUtf8, Utf8View, or a dictionary of them
/// (pandas' categorical, polars' enum and categorical).
struct Texts<'a> {
    get: Box<dyn Fn(usize) -> &'a [u8] + 'a>,
    nulls: Option<arrow_buffer::NullBuffer>,
}

impl<'a> Texts<'a> {
    fn new(a: &'a dyn Array) -> Option<Texts<'a>> {
        let nulls = a.logical_nulls();
        let get: Box<dyn Fn(usize) -> &'a [u8] + 'a> = match a.data_type() {
            DataType::Utf8 => {
                let s = a.as_string::<i32>();
                Box::new(move |i| s.value(i).as_bytes())
            }
            DataType::LargeUtf8 => {
                let s = a.as_string::<i64>();
                Box::new(move |i| s.value(i).as_bytes())
            }
            DataType::Utf8View => {
                let s = a.as_string_view();
                Box::new(move |i| s.value(i).as_bytes())
            }
            DataType::Dictionary(_, _) => {
                let d = a.as_any_dictionary();
                let values = Texts::new(d.values().as_ref())?;
                let keys = d.normalized_keys();
                Box::new(move |i| (values.get)(keys[i]))
            }
            _ => return None,
        };
        Some(Texts { get, nulls })
    }

    #[inline]
    fn cell(&self, i: usize) -> Option<&'a [u8]> {
        match &self.nulls {
            Some(n) if n.is_null(i) => None,
            _ => Some((self.get)(i)),
        }
    }
}

/// The path column of one batch.
enum PathColumn<'a> {
    /// Separator-joined text.
    Joined(Texts<'a>),
    /// A list of channels per row.
    List {
        offsets: Vec<usize>,
        rows: Option<arrow_buffer::NullBuffer>,
        items: Texts<'a>,
    },
}

impl<'a> PathColumn<'a> {
    fn new(a: &'a dyn Array, col: &str) -> Result<PathColumn<'a>, Failure> {
        let wrong = || {
            Failure::File(format!(
                "the path column `{col}` holds {}; it must hold text (channels joined by the separator) or a list of text",
                a.data_type()
            ))
        };
        if let Some(t) = Texts::new(a) {
            return Ok(PathColumn::Joined(t));
        }
        let (offsets, values): (Vec<usize>, &'a dyn Array) = match a.data_type() {
            DataType::List(_) => {
                let l = a.as_list::<i32>();
                let o = l.value_offsets().iter().map(|&o| o as usize).collect();
                (o, l.values().as_ref())
            }
            DataType::LargeList(_) => {
                let l = a.as_list::<i64>();
                let o = l.value_offsets().iter().map(|&o| o as usize).collect();
                (o, l.values().as_ref())
            }
            _ => return Err(wrong()),
        };
        let items = Texts::new(values).ok_or_else(wrong)?;
        Ok(PathColumn::List {
            offsets,
            rows: a.logical_nulls(),
            items,
        })
    }

    #[inline]
    fn split(
        &self,
        i: usize,
        sep: &[u8],
        keys: &mut super::intern::Interner,
        out: &mut Vec<u32>,
    ) -> Result<u64, String> {
        let missing = || "the path is missing (null)".to_string();
        match self {
            PathColumn::Joined(t) => split_path(t.cell(i).ok_or_else(missing)?, sep, keys, out),
            PathColumn::List {
                offsets,
                rows,
                items,
            } => {
                if rows.as_ref().is_some_and(|n| n.is_null(i)) {
                    return Err(missing());
                }
                list_path(
                    (offsets[i]..offsets[i + 1]).map(|k| items.cell(k)),
                    keys,
                    out,
                )
            }
        }
    }
}

#[derive(Clone, Copy)]
enum Sign {
    /// Counts: finite and not negative.
    Count,
    /// Values: any finite number.
    Any,
}

/// One numeric column of a batch, as f64 with its missing cells.
struct Numbers<'a> {
    col: &'a str,
    values: Vec<f64>,
    nulls: Option<arrow_buffer::NullBuffer>,
    /// Cells that did not parse (text columns), by row.
    bad: Vec<(usize, String)>,
    sign: Sign,
}

impl Numbers<'_> {
    #[inline]
    fn get(&self, i: usize) -> Result<f64, String> {
        if self.nulls.as_ref().is_some_and(|n| n.is_null(i)) {
            return Err(format!("{} is missing (null)", self.col));
        }
        if !self.bad.is_empty()
            && let Ok(k) = self.bad.binary_search_by_key(&i, |b| b.0)
        {
            return Err(self.bad[k].1.clone());
        }
        let x = self.values[i];
        if !x.is_finite() {
            return Err(format!("{} is {x}; it must be a finite number", self.col));
        }
        if matches!(self.sign, Sign::Count) && x < 0.0 {
            return Err(format!("{} is {x}; it must be 0 or more", self.col));
        }
        Ok(x + 0.0)
    }
}

fn numbers<'a>(a: &'a dyn Array, col: &'a str, sign: Sign) -> Result<Numbers<'a>, Failure> {
    fn prim<T: arrow_array::ArrowPrimitiveType>(
        a: &dyn Array,
        f: impl Fn(T::Native) -> f64,
    ) -> Vec<f64> {
        a.as_primitive::<T>()
            .values()
            .iter()
            .map(|&v| f(v))
            .collect()
    }
    let mut bad = vec![];
    let values = match a.data_type() {
        DataType::Float64 => prim::<Float64Type>(a, |v| v),
        DataType::Float32 => prim::<Float32Type>(a, |v| v as f64),
        DataType::Float16 => prim::<Float16Type>(a, |v| v.to_f64()),
        DataType::Int8 => prim::<Int8Type>(a, |v| v as f64),
        DataType::Int16 => prim::<Int16Type>(a, |v| v as f64),
        DataType::Int32 => prim::<Int32Type>(a, |v| v as f64),
        DataType::Int64 => prim::<Int64Type>(a, |v| v as f64),
        DataType::UInt8 => prim::<UInt8Type>(a, |v| v as f64),
        DataType::UInt16 => prim::<UInt16Type>(a, |v| v as f64),
        DataType::UInt32 => prim::<UInt32Type>(a, |v| v as f64),
        DataType::UInt64 => prim::<UInt64Type>(a, |v| v as f64),
        DataType::Decimal128(_, scale) => {
            let scale = *scale;
            let d = a.as_primitive::<arrow_array::types::Decimal128Type>();
            // Through the decimal's text, so the f64 is the correctly rounded one (the
            // digits over a power of ten in floating point would round twice).
            d.values()
                .iter()
                .map(|&v| {
                    let text = <arrow_array::types::Decimal128Type as arrow_array::types::DecimalType>::format_decimal(v, 38, scale);
                    signed_number(text.as_bytes(), col).unwrap_or(f64::NAN)
                })
                .collect()
        }
        // Numbers kept as text (an all-string export): read as the CSV reader reads them.
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View | DataType::Dictionary(_, _)
            if Texts::new(a).is_some() =>
        {
            let t = Texts::new(a).expect("checked just above");
            (0..a.len())
                .map(|i| {
                    let Some(cell) = t.cell(i) else {
                        return 0.0;
                    };
                    let parsed = match sign {
                        Sign::Count => number(cell, col),
                        Sign::Any => signed_number(cell, col),
                    };
                    parsed.unwrap_or_else(|e| {
                        bad.push((i, e));
                        0.0
                    })
                })
                .collect()
        }
        other => {
            return Err(Failure::File(format!(
                "the column `{col}` holds {other}; it must hold numbers"
            )));
        }
    };
    Ok(Numbers {
        col,
        values,
        nulls: a.logical_nulls(),
        bad,
        sign,
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::builder::{ListBuilder, StringBuilder, StringDictionaryBuilder};
    use arrow_array::{ArrayRef, Float64Array, Int64Array, StringArray};
    use arrow_schema::Field;

    use super::*;
    use crate::commands::paths::testing::{parse, paths_of};

    fn table(cols: Vec<(&str, ArrayRef)>) -> Result<PathTable, Error> {
        let batch = RecordBatch::try_from_iter(cols).unwrap();
        let schema = batch.schema();
        read_batches(
            &schema,
            [Ok(batch)],
            Path::new("t"),
            TableFormat::Arrow,
            &ReadOptions::default(),
        )
    }

    fn text(v: &[Option<&str>]) -> ArrayRef {
        Arc::new(StringArray::from(v.to_vec()))
    }

    #[test]
    fn joined_text_lists_and_dictionaries_read_as_the_csv_does() {
        let csv = parse(
            "path,total_conversions,total_conversion_value,total_null\n\
             b > a,2,10.5,1\na,1,3,0\n b>a ,1,1.5,2\n",
            &ReadOptions::default(),
        )
        .unwrap();
        let conv: ArrayRef = Arc::new(Int64Array::from(vec![2, 1, 1]));
        let value: ArrayRef = Arc::new(Float64Array::from(vec![10.5, 3.0, 1.5]));
        let nulls: ArrayRef = Arc::new(Float64Array::from(vec![1.0, 0.0, 2.0]));
        let rest = |path: ArrayRef| {
            vec![
                ("path", path),
                ("total_conversions", conv.clone()),
                ("total_conversion_value", value.clone()),
                ("total_null", nulls.clone()),
            ]
        };
        let joined = table(rest(text(&[Some("b > a"), Some("a"), Some(" b>a ")]))).unwrap();
        let mut list = ListBuilder::new(StringBuilder::new());
        for p in [vec!["b", "a"], vec!["a"], vec![" b", "a "]] {
            for item in p {
                list.values().append_value(item);
            }
            list.append(true);
        }
        let listed = table(rest(Arc::new(list.finish()))).unwrap();
        let mut dict = StringDictionaryBuilder::<Int32Type>::new();
        for p in ["b > a", "a", " b>a "] {
            dict.append_value(p);
        }
        let dictionary = table(rest(Arc::new(dict.finish()))).unwrap();
        // b > a twice: 2 + 1 conversions, 10.5 + 1.5 value, 1 + 2 nulls.
        let want = vec![
            ("a".to_string(), 1.0, 0.0, 3.0),
            ("b>a".to_string(), 3.0, 3.0, 12.0),
        ];
        for t in [&csv, &joined, &listed, &dictionary] {
            let mut got = paths_of(t);
            got.sort_by(|a, b| a.0.cmp(&b.0));
            assert_eq!(got, want);
            assert_eq!(t.cols.keys, ["a", "b"]);
            // b appears first.
            assert_eq!(t.first_seen, [1, 0]);
            assert_eq!(
                (t.total_conversions, t.total_value, t.total_nulls),
                (4.0, 15.0, 3.0)
            );
        }
    }

    #[test]
    fn bad_cells_name_the_row_and_the_problem() {
        let err = |cols: Vec<(&str, ArrayRef)>| table(cols).unwrap_err().0;
        let conv: ArrayRef = Arc::new(Int64Array::from(vec![1, 2]));
        assert_eq!(
            err(vec![
                ("path", text(&[Some("a"), None])),
                ("total_conversions", conv.clone())
            ]),
            "t: row 2: the path is missing (null)"
        );
        assert_eq!(
            err(vec![
                ("path", text(&[Some("a"), Some("a>>b")])),
                ("total_conversions", conv.clone())
            ]),
            "t: row 2: the path `a>>b` has an empty channel at position 2"
        );
        assert_eq!(
            err(vec![
                ("path", text(&[Some("a"), Some("b")])),
                ("total_conversions", text(&[Some("1"), Some("two")]))
            ]),
            "t: row 2: total_conversions `two` is not a number"
        );
        assert_eq!(
            err(vec![
                ("path", text(&[Some("a"), Some("b")])),
                (
                    "total_conversions",
                    Arc::new(Int64Array::from(vec![Some(1), None]))
                )
            ]),
            "t: row 2: total_conversions is missing (null)"
        );
        assert_eq!(
            err(vec![
                ("path", text(&[Some("a"), Some("b")])),
                (
                    "total_conversions",
                    Arc::new(Float64Array::from(vec![1.0, -1.0]))
                )
            ]),
            "t: row 2: total_conversions is -1; it must be 0 or more"
        );
        assert_eq!(
            err(vec![
                ("path", text(&[Some("a")])),
                (
                    "total_conversions",
                    Arc::new(arrow_array::BooleanArray::from(vec![true]))
                )
            ]),
            "t: the column `total_conversions` holds Boolean; it must hold numbers"
        );
        assert_eq!(
            err(vec![
                ("path", text(&[Some("a")])),
                ("conversions", conv.slice(0, 1))
            ]),
            "t: no column `total_conversions` in the header (columns: path, conversions; an Arrow table); name it with --conversions-col"
        );
        assert_eq!(
            err(vec![
                ("path", text(&[])),
                ("total_conversions", conv.slice(0, 0))
            ]),
            "t: no paths: the table has no rows"
        );
        let ints: ArrayRef = Arc::new(Int64Array::from(vec![7]));
        assert_eq!(
            err(vec![
                ("path", ints),
                ("total_conversions", conv.slice(0, 1))
            ]),
            "t: the path column `path` holds Int64; it must hold text (channels joined by the separator) or a list of text"
        );
        let _ = Field::new("unused", DataType::Utf8, true);
    }

    #[test]
    fn parquet_and_ipc_files_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let batch = RecordBatch::try_from_iter(vec![
            ("extra", text(&[Some("x"), Some("y")])),
            ("path", text(&[Some("a > b"), Some("b")])),
            (
                "total_conversions",
                Arc::new(Int64Array::from(vec![3, 1])) as ArrayRef,
            ),
        ])
        .unwrap();
        let pq = dir.path().join("t.parquet");
        let mut w =
            parquet::arrow::ArrowWriter::try_new(File::create(&pq).unwrap(), batch.schema(), None)
                .unwrap();
        w.write(&batch).unwrap();
        w.close().unwrap();
        let ipc = dir.path().join("t.arrow");
        let mut w =
            arrow_ipc::writer::FileWriter::try_new(File::create(&ipc).unwrap(), &batch.schema())
                .unwrap();
        w.write(&batch).unwrap();
        w.finish().unwrap();
        let stream = dir.path().join("t.arrows");
        let mut w = arrow_ipc::writer::StreamWriter::try_new(
            File::create(&stream).unwrap(),
            &batch.schema(),
        )
        .unwrap();
        w.write(&batch).unwrap();
        w.finish().unwrap();
        for (p, format) in [
            (&pq, TableFormat::Parquet),
            (&ipc, TableFormat::ArrowIpc),
            (&stream, TableFormat::ArrowIpc),
        ] {
            let t = read_any(p, None, &ReadOptions::default()).unwrap();
            assert_eq!(t.format, format);
            assert_eq!(t.rows, 2);
            let mut got = paths_of(&t);
            got.sort_by(|a, b| a.0.cmp(&b.0));
            assert_eq!(
                got,
                vec![
                    ("a>b".to_string(), 3.0, 0.0, 0.0),
                    ("b".to_string(), 1.0, 0.0, 0.0)
                ]
            );
        }
        // A CSV named .parquet says what it is not, and how to say what it is.
        let fake = dir.path().join("fake.parquet");
        std::fs::write(&fake, "path,total_conversions\na,1\n").unwrap();
        let e = read_any(&fake, None, &ReadOptions::default())
            .unwrap_err()
            .0;
        assert!(
            e.contains("not a Parquet file") && e.contains("--input-format"),
            "{e}"
        );
        let t = read_any(&fake, Some(InputFormat::Csv), &ReadOptions::default()).unwrap();
        assert_eq!(t.rows, 1);
    }
}
