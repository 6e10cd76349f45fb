//! `ascribe paths`: flags and printing around `crate::commands::paths`.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use serde_json::json;

use crate::cli::Global;
use crate::cli::table::{Left, Right, Table};
use crate::commands::paths::{self as table, ChannelCredit, ModelResult, PathTable, ReadOptions};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Default)]
pub enum PathsFormat {
    #[default]
    Table,
    Csv,
    Json,
}

/// Attribution from a ChannelAttribution-style path table.
#[derive(Args, Debug)]
pub struct PathsArgs {
    /// The path table: a CSV with a header line, a Parquet file or an Arrow IPC file (columns path, total_conversions, and optionally total_conversion_value and total_null). In Parquet and Arrow the path may also be a list of channels.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// The table's format [default: from the extension: .parquet/.pq Parquet, .arrow/.feather/.ipc/.arrows Arrow IPC, anything else CSV].
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub input_format: Option<table::InputFormat>,
    /// The model: a name on the plugin search path (first-touch, last-touch, linear, position-based, markov, shapley…) or a .wasm file.
    #[arg(
        long,
        value_name = "NAME|PATH",
        required_unless_present = "models",
        conflicts_with = "models"
    )]
    pub model: Option<String>,
    /// Several models side by side, comma-separated (e.g. first-touch,linear,markov).
    #[arg(long, value_name = "A,B,…", value_delimiter = ',')]
    pub models: Vec<String>,
    /// Order of the Markov chain (passes order=K to markov).
    #[arg(long, value_name = "K")]
    pub order: Option<u32>,
    /// A model parameter, e.g. --param skip=direct, given to every model that declares it,
    /// or --param last-touch.skip=direct for one (repeatable).
    #[arg(long = "param", value_name = "K=V", value_parser = crate::commands::track::cli::parse_param)]
    pub params: Vec<(String, String)>,
    /// Separator of the channels within a path (one character; spaces around items are trimmed).
    #[arg(long, value_name = "CHAR", default_value = ">", value_parser = parse_sep)]
    pub sep: char,
    /// Field delimiter: `,` `;` `tab` or any one character [default: detected from the header line among `,` `;` and tab].
    #[arg(long, value_name = "CHAR", value_parser = parse_delimiter)]
    pub delimiter: Option<u8>,
    /// Name of the path column.
    #[arg(long, value_name = "NAME", default_value = table::PATH_COL)]
    pub path_col: String,
    /// Name of the conversions column.
    #[arg(long, value_name = "NAME", default_value = table::CONVERSIONS_COL)]
    pub conversions_col: String,
    /// Name of the conversion value column [default: total_conversion_value if present, else values are 0].
    #[arg(long, value_name = "NAME")]
    pub value_col: Option<String>,
    /// Name of the column of non-converting journeys [default: total_null if present, else 0].
    #[arg(long, value_name = "NAME")]
    pub nulls_col: Option<String>,
    #[arg(long, value_enum, default_value_t)]
    pub format: PathsFormat,
}

fn parse_sep(s: &str) -> Result<char, String> {
    let mut it = s.chars();
    match (it.next(), it.next()) {
        (Some(c), None) if !c.is_whitespace() => Ok(c),
        (Some(c), None) => Err(format!(
            "{c:?} is whitespace; items are trimmed of spaces, so the separator must be visible"
        )),
        _ => Err(format!("`{s}` is not one character")),
    }
}

fn parse_delimiter(s: &str) -> Result<u8, String> {
    match s {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        _ if s.len() == 1 && s.is_ascii() && s != "\"" && s != "\n" && s != "\r" => {
            Ok(s.as_bytes()[0])
        }
        _ => Err(format!(
            "`{s}` is not a delimiter: give one ASCII character such as `,` or `;`, or `tab`"
        )),
    }
}

pub fn run(a: PathsArgs, global: &Global) -> anyhow::Result<ExitCode> {
    let specs: Vec<String> = match &a.model {
        Some(m) => vec![m.clone()],
        None => a.models.iter().map(|m| m.trim().to_string()).collect(),
    };
    if specs.iter().any(|s| s.is_empty()) {
        anyhow::bail!("--models has an empty name");
    }
    if let Some(d) = specs
        .iter()
        .enumerate()
        .find(|(i, s)| specs[..*i].contains(s))
    {
        anyhow::bail!("the model `{}` is given twice", d.1);
    }
    let mut given = a.params.clone();
    if let Some(k) = a.order {
        given.push(("order".into(), k.to_string()));
    }
    let opts = ReadOptions {
        sep: a.sep,
        delimiter: a.delimiter,
        path_col: a.path_col.clone(),
        conversions_col: a.conversions_col.clone(),
        value_col: a.value_col.clone(),
        nulls_col: a.nulls_col.clone(),
    };
    // Load the plugins (a compile on first use) while the table is read.
    let rt = global.runtime(false)?;
    let (loaded, read) = std::thread::scope(|s| {
        let loader = s.spawn(|| table::load_models(&rt, &specs, &global.plugin_dir));
        let read = table::read_any(&a.file, a.input_format, &opts);
        (loader.join().expect("plugin loader panicked"), read)
    });
    let mut t = read?;
    let mut plugins = loaded?;
    let results = table::run_models(&mut t, &specs, &mut plugins, &given, |k| {
        if k == "order" && a.order.is_some() {
            "--order".to_string()
        } else {
            format!("--param {k}=…")
        }
    })?;
    let labels = labels(&results);
    // Channel names, notes and labels are the partner's and the plugins' text: CSV cells
    // go through the formula guard, JSON strings and the table through `text::clean`.
    let bytes = match a.format {
        PathsFormat::Csv => csv_bytes(&results, &labels)?,
        PathsFormat::Json => {
            let mut v = to_json(&t, &results, &labels);
            crate::text::Sanitize::sanitize(&mut v);
            let mut b = serde_json::to_vec_pretty(&v)?;
            b.push(b'\n');
            b
        }
        PathsFormat::Table => {
            let mut b = vec![];
            write_table(&mut b, &t, &results, &labels)?;
            crate::text::clean_lines(&String::from_utf8_lossy(&b))
                .into_owned()
                .into_bytes()
        }
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    out.write_all(&bytes)?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Each model's label: its name, or the spec when two models share a name.
fn labels(results: &[ModelResult]) -> Vec<String> {
    results
        .iter()
        .map(|r| {
            if results.iter().filter(|o| o.name == r.name).count() > 1 {
                r.spec.clone()
            } else {
                r.name.clone()
            }
        })
        .collect()
}

fn conv(x: f64) -> String {
    format!("{:.6}", x + 0.0)
}

fn money(x: f64) -> String {
    format!("{:.2}", x + 0.0)
}

/// A number for machines (CSV and JSON): the shortest text that reads back as the same
/// f64, so nothing ChannelAttribution would give is lost; only the table rounds.
fn exact(x: f64) -> String {
    (x + 0.0).to_string()
}

fn exact_json(x: f64) -> serde_json::Value {
    json!(x + 0.0)
}

fn has_effects(results: &[ModelResult]) -> bool {
    results
        .iter()
        .any(|r| r.rule == table::CreditRule::RemovalEffect)
}

fn csv_bytes(results: &[ModelResult], labels: &[String]) -> anyhow::Result<Vec<u8>> {
    let many = results.len() > 1;
    let effects = has_effects(results);
    let mut w = crate::text::CsvCells::new();
    let mut header = vec![];
    if many {
        header.push("model");
    }
    header.extend(["channel", "conversions", "value"]);
    if effects {
        header.extend(["removal_effect", "value_removal_effect"]);
    }
    w.header(&header)?;
    for (r, label) in results.iter().zip(labels) {
        for c in &r.channels {
            if many {
                w.text(label);
            }
            w.text(&c.channel)
                .num(exact(c.conversions))
                .num(exact(c.value));
            if effects {
                w.num(c.removal_effect.map(exact).unwrap_or_default())
                    .num(c.value_removal_effect.map(exact).unwrap_or_default());
            }
            w.end_row()?;
        }
    }
    w.into_bytes()
}

fn to_json(t: &PathTable, results: &[ModelResult], labels: &[String]) -> serde_json::Value {
    let channel = |c: &ChannelCredit| {
        let mut v = json!({
            "channel": c.channel,
            "conversions": exact_json(c.conversions),
            "value": exact_json(c.value),
        });
        if let Some(re) = c.removal_effect {
            v["removal_effect"] = exact_json(re);
        }
        if let Some(rev) = c.value_removal_effect {
            v["value_removal_effect"] = exact_json(rev);
        }
        v
    };
    json!({
        "file": t.file.display().to_string(),
        "rows": t.rows,
        "paths": t.paths(),
        "format": t.format.name(),
        "delimiter": match t.format {
            table::TableFormat::Csv { delimiter } => json!((delimiter as char).to_string()),
            _ => serde_json::Value::Null,
        },
        "value_column": t.value_col,
        "nulls_column": t.nulls_col,
        "totals": {
            "conversions": exact_json(t.total_conversions),
            "value": exact_json(t.total_value),
            "nulls": exact_json(t.total_nulls),
        },
        "channels": t.cols.keys,
        "models": results.iter().zip(labels).map(|(r, label)| json!({
            "model": label,
            "plugin": r.plugin,
            "sha256": r.sha256,
            "params": r.params.iter().map(|(k, v)| json!({"name": k, "value": v})).collect::<Vec<_>>(),
            "credit_rule": r.rule,
            "channels": r.channels.iter().map(channel).collect::<Vec<_>>(),
            "scores": r.scores.iter().map(|(name, values)| json!({
                "name": name,
                "values": t.cols.keys.iter().zip(values).map(|(k, v)| json!({"channel": k, "value": v})).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "notes": r.notes,
        })).collect::<Vec<_>>(),
    })
}

fn write_table(
    out: &mut impl Write,
    t: &PathTable,
    results: &[ModelResult],
    labels: &[String],
) -> anyhow::Result<()> {
    writeln!(
        out,
        "{}: {} distinct paths from {} rows, {} channels; {} conversions, value {}, {} nulls",
        t.file.display(),
        t.paths(),
        t.rows,
        t.cols.keys.len(),
        trim_num(t.total_conversions),
        money(t.total_value),
        trim_num(t.total_nulls),
    )?;
    writeln!(out)?;
    // Columns per model: conversions, value, and for markov the two removal effects.
    let groups: Vec<Vec<&str>> = results
        .iter()
        .map(|r| {
            let mut c = vec!["conversions", "value"];
            if r.rule == table::CreditRule::RemovalEffect {
                c.extend(["removal_effect", "value_removal_effect"]);
            }
            c
        })
        .collect();
    let ncols: usize = groups.iter().map(Vec::len).sum();
    let mut aligns = vec![Left];
    aligns.extend(std::iter::repeat_n(Right, ncols));
    let mut tb = Table::new(0, &aligns);
    // Each model's label over the first of its columns, then the column names.
    let mut labels_row = vec![String::new()];
    let mut names = vec!["channel".to_string()];
    for (g, label) in groups.iter().zip(labels) {
        labels_row.push(label.clone());
        labels_row.extend(std::iter::repeat_n(String::new(), g.len() - 1));
        names.extend(g.iter().map(|c| c.to_string()));
    }
    tb.left_row(labels_row);
    tb.row(names);
    let cell = |c: &ChannelCredit, col: &str| match col {
        "conversions" => conv(c.conversions),
        "value" => money(c.value),
        "removal_effect" => c.removal_effect.map(conv).unwrap_or_default(),
        _ => c.value_removal_effect.map(conv).unwrap_or_default(),
    };
    for (i, key) in t.cols.keys.iter().enumerate() {
        let mut line = vec![key.to_string()];
        for (g, r) in groups.iter().zip(results) {
            line.extend(g.iter().map(|col| cell(&r.channels[i], col)));
        }
        tb.row(line);
    }
    let mut line = vec!["total".to_string()];
    for (g, r) in groups.iter().zip(results) {
        line.extend(g.iter().map(|col| match *col {
            "conversions" => conv(r.channels.iter().map(|c| c.conversions).sum()),
            "value" => money(r.channels.iter().map(|c| c.value).sum()),
            _ => String::new(),
        }));
    }
    tb.row(line);
    for l in tb.lines() {
        writeln!(out, "{l}")?;
    }
    for (r, label) in results.iter().zip(labels) {
        writeln!(out)?;
        let params = if r.params.is_empty() {
            String::new()
        } else {
            let p: Vec<String> = r.params.iter().map(|(k, v)| format!("{k}={v}")).collect();
            format!(", {}", p.join(" "))
        };
        writeln!(
            out,
            "{label}: {} ({}{params}); {}",
            r.plugin,
            &r.sha256[..r.sha256.len().min(19)],
            r.rule.describe()
        )?;
        for n in &r.notes {
            writeln!(out, "  note: {n}")?;
        }
    }
    Ok(())
}

/// A count without trailing zeros (counts are usually whole).
fn trim_num(x: f64) -> String {
    let s = format!("{:.6}", x + 0.0);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}
