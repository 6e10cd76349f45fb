//! `ascribe paths`: flags and printing around `crate::commands::paths`.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use serde_json::json;

use crate::cli::Global;
use crate::cli::table::{Left, Right, Table};
use crate::commands::paths::explain::{self, Explain, PathRow};
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
    /// Order of the Markov chain: K passes order=K to markov; `auto` chooses 1–4 by 5-fold cross-validation over the paths (held-out log-likelihood; docs/attribution.md, "Choosing the Markov order").
    #[arg(long, value_name = "K|auto", value_parser = crate::commands::track::cli::parse_order)]
    pub order: Option<String>,
    /// A model parameter, e.g. --param order=2, given to every model that declares it,
    /// or --param markov.order=2 for one (repeatable).
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
    /// Also show what is behind the credit: the top converting and non-converting paths, the distribution of path length, the channels' numbers, the Markov transition matrix, each model's scores (markov: its order and removal effects) and the internals each model returns (markov: its transition probabilities; shapley: its coalition values). With --format table or json (json adds an `explain` object); not with csv.
    #[arg(long)]
    pub explain: bool,
    /// Write every table of the explanation into DIR (created if missing), each as CSV, JSON and Parquet: paths-converting, paths-non-converting, path-lengths, channels, transitions-order-K, and per model MODEL.removal-effects or MODEL.scores and MODEL.TABLE for each table of internals it returns. Files of the same names are replaced; nothing else in DIR is touched.
    #[arg(long, value_name = "DIR")]
    pub explain_out: Option<PathBuf>,
    /// How many paths each top list of --explain and --explain-out holds [default: 10].
    #[arg(long, value_name = "N", value_parser = parse_top)]
    pub top: Option<usize>,
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

fn parse_top(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!("`{s}` is not a number of paths (1 or more)")),
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
    if a.top.is_some() && !a.explain && a.explain_out.is_none() {
        anyhow::bail!(
            "--top sets the length of --explain's top lists: give --explain or --explain-out too"
        );
    }
    if a.explain && a.format == PathsFormat::Csv {
        anyhow::bail!(
            "--explain writes several tables with different columns, which one CSV cannot hold: use --format json for machines (its `explain` object), or --format table"
        );
    }
    let mut given = a.params.clone();
    if let Some(k) = &a.order {
        given.push(("order".into(), k.clone()));
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
    let explained = (a.explain || a.explain_out.is_some())
        .then(|| table::explain(&t, &results, a.top.unwrap_or(explain::DEFAULT_TOP)));
    if let (Some(dir), Some(e)) = (&a.explain_out, &explained) {
        write_explain_out(dir, &explain::tables(e, &labels))?;
    }
    let explained = explained.filter(|_| a.explain);
    // Channel names, notes and labels are the partner's and the plugins' text: CSV cells
    // go through the formula guard, JSON strings and the table through `text::clean`.
    let bytes = match a.format {
        PathsFormat::Csv => csv_bytes(&results, &labels)?,
        PathsFormat::Json => {
            let mut v = to_json(&t, &results, &labels);
            if let Some(e) = &explained {
                v["explain"] = explain_json(e, &labels);
            }
            crate::text::Sanitize::sanitize(&mut v);
            let mut b = serde_json::to_vec_pretty(&v)?;
            b.push(b'\n');
            b
        }
        PathsFormat::Table => {
            let mut b = vec![];
            write_table(&mut b, &t, &results, &labels)?;
            if let Some(e) = &explained {
                write_explain(&mut b, e, &labels, a.sep)?;
            }
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
        "models": results.iter().zip(labels).map(|(r, label)| {
            let mut v = json!({
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
            });
            if let Some(c) = &r.order_choice {
                v["order_selection"] = json!(c);
            }
            v
        }).collect::<Vec<_>>(),
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
        if let Some(c) = &r.order_choice {
            for l in crate::cli::table::order_choice(label, c) {
                writeln!(out, "{l}")?;
            }
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

/// A path as the table prints it: the channels joined by the table's separator.
fn path_text(p: &[String], sep: char) -> String {
    p.join(&format!(" {sep} "))
}

/// A state's channels (`None` for `(start)`, `(conversion)`, `(null)`: shown as the label).
fn state_text(label: &str, channels: &Option<Vec<String>>, sep: char) -> String {
    match channels {
        Some(c) => path_text(c, sep),
        None => label.to_string(),
    }
}

/// The `--explain` sections after the credit table. Every name goes through the table's
/// cells (`text::clean`), and the whole output through `clean_lines` in `run`.
fn write_explain(
    out: &mut impl Write,
    e: &Explain,
    labels: &[String],
    sep: char,
) -> anyhow::Result<()> {
    let print = |out: &mut dyn Write, tb: Table| -> std::io::Result<()> {
        for l in tb.lines() {
            writeln!(out, "{l}")?;
        }
        Ok(())
    };
    writeln!(out)?;
    writeln!(out, "explain: {}.", explain::NO_TIMES)?;
    let paths =
        |out: &mut dyn Write, title: &str, rows: &[PathRow], of: &str| -> anyhow::Result<()> {
            writeln!(out)?;
            writeln!(out, "{title} ({} of {of}):", rows.len())?;
            if rows.is_empty() {
                return Ok(());
            }
            let mut tb = Table::new(2, &[Left, Right, Right, Right, Right]);
            tb.header(["path", "length", "conversions", "value", "nulls"]);
            for r in rows {
                tb.row([
                    path_text(&r.path, sep),
                    r.path.len().to_string(),
                    trim_num(r.conversions),
                    money(r.value),
                    trim_num(r.nulls),
                ]);
            }
            print(out, tb)?;
            Ok(())
        };
    paths(
        out,
        &format!("top {} converting paths, by conversions", e.top),
        &e.converting,
        &format!("{} paths with conversions", e.converting_paths),
    )?;
    paths(
        out,
        &format!("top {} non-converting paths, by nulls", e.top),
        &e.non_converting,
        &format!("{} paths with nulls", e.non_converting_paths),
    )?;

    writeln!(out)?;
    writeln!(out, "path length (touches per path, repeats counted):")?;
    let mut tb = Table::new(2, &[Right, Right, Right, Right, Right]);
    tb.header(["length", "paths", "conversions", "value", "nulls"]);
    for l in &e.lengths {
        tb.row([
            l.length.to_string(),
            l.paths.to_string(),
            trim_num(l.conversions),
            money(l.value),
            trim_num(l.nulls),
        ]);
    }
    print(out, tb)?;

    writeln!(out)?;
    writeln!(
        out,
        "channels, numbered by first appearance (the transition matrix's states):"
    )?;
    let mut tb = Table::new(2, &[Right, Left]);
    for (i, c) in e.channels.iter().enumerate() {
        tb.row([(i + 1).to_string(), c.clone()]);
    }
    print(out, tb)?;

    for c in &e.chains {
        writeln!(out)?;
        let whose = if c.models.is_empty() {
            String::new()
        } else {
            let m: Vec<&str> = c.models.iter().map(|&i| labels[i].as_str()).collect();
            format!(" ({})", m.join(", "))
        };
        writeln!(
            out,
            "transition matrix, order {}{whose}; each row's probabilities add up to 1:",
            c.order
        )?;
        let mut tb = Table::new(2, &[Left, Left, Right, Left, Left]);
        tb.header([
            "from",
            "to",
            "probability",
            "from (channels)",
            "to (channels)",
        ]);
        let m = &c.transitions;
        for i in 0..m.from.len() {
            tb.row([
                m.from[i].clone(),
                m.to[i].clone(),
                conv(m.probability[i]),
                state_text(&m.from[i], &c.from_channels[i], sep),
                state_text(&m.to[i], &c.to_channels[i], sep),
            ]);
        }
        print(out, tb)?;
    }

    for (m, label) in e.models.iter().zip(labels) {
        write_model_scores(out, e, m, label)?;
        for t in &m.tables {
            write_internal(out, label, t)?;
        }
    }
    Ok(())
}

/// Rows of a model's table printed on the terminal; the rest is in `--format json` and
/// `--explain-out` (shapley's 16 channels make 65,535 coalitions).
const PRINTED_ROWS: usize = 50;

/// One table of a model's internals: its name, size and description (the plugin's text,
/// escaped by `text::clean` so a line break in it cannot pass for one of ours), then its
/// cells through the table's cleaning.
fn write_internal(
    out: &mut dyn Write,
    label: &str,
    t: &crate::runtime::model::InternalTable,
) -> anyhow::Result<()> {
    use crate::runtime::model::ColumnValues;
    writeln!(out)?;
    let rows = t.rows();
    writeln!(
        out,
        "{label}: {} ({rows} {}{}): {}",
        t.name,
        if rows == 1 { "row" } else { "rows" },
        if rows > PRINTED_ROWS {
            format!(", the first {PRINTED_ROWS} shown; all in --format json and --explain-out")
        } else {
            String::new()
        },
        crate::text::clean(&t.description)
    )?;
    let aligns: Vec<_> = t
        .columns
        .iter()
        .map(|c| match c.values {
            ColumnValues::Text(_) => Left,
            ColumnValues::Numbers(_) => Right,
        })
        .collect();
    let mut tb = Table::new(2, &aligns);
    tb.header(t.columns.iter().map(|c| c.name.clone()).collect::<Vec<_>>());
    for i in 0..rows.min(PRINTED_ROWS) {
        tb.row(
            t.columns
                .iter()
                .map(|c| match &c.values {
                    ColumnValues::Text(v) => v[i].clone(),
                    ColumnValues::Numbers(v) => trim_num(v[i]),
                })
                .collect::<Vec<_>>(),
        );
    }
    for l in tb.lines() {
        writeln!(out, "{l}")?;
    }
    Ok(())
}

/// A model's removal effects, or its per-channel scores, or that it has none.
fn write_model_scores(
    out: &mut dyn Write,
    e: &Explain,
    m: &explain::ModelExplain,
    label: &str,
) -> anyhow::Result<()> {
    let print = |out: &mut dyn Write, tb: Table| -> std::io::Result<()> {
        for l in tb.lines() {
            writeln!(out, "{l}")?;
        }
        Ok(())
    };
    writeln!(out)?;
    if let Some(re) = &m.removal_effects {
        writeln!(
            out,
            "{label}: removal effects, order {} (1 − P(conversion without the channel) / P(conversion)):",
            m.order.unwrap_or(1)
        )?;
        let mut tb = Table::new(2, &[Right, Left, Right, Right]);
        tb.header(["#", "channel", "removal_effect", "value_removal_effect"]);
        for r in re {
            tb.row([
                r.number.to_string(),
                r.channel.clone(),
                conv(r.conversion),
                conv(r.value),
            ]);
        }
        print(out, tb)?;
        return Ok(());
    }
    if m.scores.is_empty() {
        writeln!(
            out,
            "{label}: returns no per-channel scores; its credit comes from each path's touch weights"
        )?;
        return Ok(());
    }
    writeln!(out, "{label}: the scores it returned, per channel:")?;
    let mut aligns = vec![Right, Left];
    aligns.extend(std::iter::repeat_n(Right, m.scores.len()));
    let mut tb = Table::new(2, &aligns);
    let mut header = vec!["#".to_string(), "channel".to_string()];
    header.extend(m.scores.iter().map(|(n, _)| n.clone()));
    tb.header(header);
    for (i, c) in e.channels.iter().enumerate() {
        let mut line = vec![(i + 1).to_string(), c.clone()];
        line.extend(m.scores.iter().map(|(_, v)| conv(v[i].value)));
        tb.row(line);
    }
    print(out, tb)?;
    Ok(())
}

/// The `explain` object of `--format json`. Numbers are exact (shortest round trip); the
/// caller sanitizes every string.
fn explain_json(e: &Explain, labels: &[String]) -> serde_json::Value {
    let path = |r: &PathRow| {
        json!({
            "path": r.path,
            "length": r.path.len(),
            "conversions": exact_json(r.conversions),
            "value": exact_json(r.value),
            "nulls": exact_json(r.nulls),
        })
    };
    json!({
        "top": e.top,
        "top_converting": e.converting.iter().map(path).collect::<Vec<_>>(),
        "converting_paths": e.converting_paths,
        "top_non_converting": e.non_converting.iter().map(path).collect::<Vec<_>>(),
        "non_converting_paths": e.non_converting_paths,
        "path_length": e.lengths.iter().map(|l| json!({
            "length": l.length,
            "paths": l.paths,
            "conversions": exact_json(l.conversions),
            "value": exact_json(l.value),
            "nulls": exact_json(l.nulls),
        })).collect::<Vec<_>>(),
        "time_to_conversion": serde_json::Value::Null,
        "notes": [explain::NO_TIMES],
        "channels": e.channels.iter().enumerate().map(|(i, c)| json!({
            "number": i + 1,
            "channel": c,
        })).collect::<Vec<_>>(),
        "transition_matrices": e.chains.iter().map(|c| json!({
            "order": c.order,
            "models": c.models.iter().map(|&i| &labels[i]).collect::<Vec<_>>(),
            "transitions": (0..c.transitions.from.len()).map(|i| json!({
                "from": c.transitions.from[i],
                "to": c.transitions.to[i],
                "probability": exact_json(c.transitions.probability[i]),
                "from_channels": c.from_channels[i],
                "to_channels": c.to_channels[i],
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "models": e.models.iter().zip(labels).map(|(m, label)| {
            let mut v = json!({
                "model": label,
                "scores": m.scores.iter().map(|(name, values)| json!({
                    "name": name,
                    "values": values.iter().map(|s| json!({
                        "number": s.number,
                        "channel": s.channel,
                        "value": exact_json(s.value),
                    })).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
            });
            if let Some(k) = m.order {
                v["order"] = json!(k);
            }
            v["tables"] = m.tables.iter().map(table_json).collect();
            if let Some(re) = &m.removal_effects {
                v["removal_effects"] = re.iter().map(|r| json!({
                    "number": r.number,
                    "channel": r.channel,
                    "removal_effect": exact_json(r.conversion),
                    "value_removal_effect": exact_json(r.value),
                })).collect();
            }
            v
        }).collect::<Vec<_>>(),
    })
}

/// A table of a model's internals as the `explain` object holds it: columns as the model
/// returned them (text, or exact numbers). The caller sanitizes every string.
fn table_json(t: &crate::runtime::model::InternalTable) -> serde_json::Value {
    use crate::runtime::model::ColumnValues;
    json!({
        "name": t.name,
        "description": t.description,
        "rows": t.rows(),
        "columns": t.columns.iter().map(|c| match &c.values {
            ColumnValues::Text(v) => json!({"name": c.name, "type": "text", "values": v}),
            ColumnValues::Numbers(v) => json!({
                "name": c.name,
                "type": "numbers",
                "values": v.iter().map(|&x| exact_json(x)).collect::<Vec<_>>(),
            }),
        }).collect::<Vec<_>>(),
    })
}

/// `--explain-out`: each table as `STEM.csv`, `STEM.json` and `STEM.parquet` in `dir`.
/// Text leaves through `text.rs`'s exits: `CsvCells` for CSV, `Sanitize` over the JSON,
/// `csv_text` (the CSV rule, as the package's Parquet files) for Parquet. Each file is
/// written beside its final name and renamed into place, so a reader never sees half of
/// one; the bytes depend only on the table and the models' answers.
fn write_explain_out(dir: &std::path::Path, tables: &[explain::NamedTable]) -> anyhow::Result<()> {
    use anyhow::Context;
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    for t in tables {
        for (ext, bytes) in [
            ("csv", internal_csv(&t.table)?),
            ("json", internal_json(&t.table)?),
            ("parquet", internal_parquet(&t.table)?),
        ] {
            let path = dir.join(format!("{}.{ext}", t.stem));
            let tmp = dir.join(format!(".{}.{ext}.{}.tmp", t.stem, std::process::id()));
            std::fs::write(&tmp, &bytes)
                .and_then(|()| std::fs::rename(&tmp, &path))
                .with_context(|| format!("writing {}", path.display()))?;
        }
    }
    Ok(())
}

fn internal_csv(t: &crate::runtime::model::InternalTable) -> anyhow::Result<Vec<u8>> {
    use crate::runtime::model::ColumnValues;
    let mut w = crate::text::CsvCells::new();
    // Column names follow `is_table_name` (the runtime refuses any other from a model).
    let names: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
    w.header(&names)?;
    for i in 0..t.rows() {
        for c in &t.columns {
            match &c.values {
                ColumnValues::Text(v) => w.text(&v[i]),
                ColumnValues::Numbers(v) => w.num(exact(v[i])),
            };
        }
        w.end_row()?;
    }
    w.into_bytes()
}

/// `{"table", "description", "columns": [{"name", "type"}], "rows": [{column: cell}]}`:
/// one object per row, as a data frame reads records.
fn internal_json(t: &crate::runtime::model::InternalTable) -> anyhow::Result<Vec<u8>> {
    use crate::runtime::model::ColumnValues;
    let rows: Vec<serde_json::Value> = (0..t.rows())
        .map(|i| {
            let mut row = serde_json::Map::new();
            for c in &t.columns {
                let cell = match &c.values {
                    ColumnValues::Text(v) => json!(v[i]),
                    ColumnValues::Numbers(v) => exact_json(v[i]),
                };
                row.insert(c.name.clone(), cell);
            }
            serde_json::Value::Object(row)
        })
        .collect();
    let mut v = json!({
        "table": t.name,
        "description": t.description,
        "columns": t.columns.iter().map(|c| json!({
            "name": c.name,
            "type": match c.values { ColumnValues::Text(_) => "text", ColumnValues::Numbers(_) => "numbers" },
        })).collect::<Vec<_>>(),
        "rows": rows,
    });
    crate::text::Sanitize::sanitize(&mut v);
    let mut b = serde_json::to_vec_pretty(&v)?;
    b.push(b'\n');
    Ok(b)
}

/// Text columns as `Utf8`, numbers as `Float64`, none nullable; the package's fixed writer
/// settings (`report::parquet::properties`), so the bytes are the same run after run.
fn internal_parquet(t: &crate::runtime::model::InternalTable) -> anyhow::Result<Vec<u8>> {
    use std::sync::Arc;

    use arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray};
    use arrow_schema::{DataType, Field, Schema};

    use crate::runtime::model::ColumnValues;
    let fields: Vec<Field> = t
        .columns
        .iter()
        .map(|c| {
            let ty = match c.values {
                ColumnValues::Text(_) => DataType::Utf8,
                ColumnValues::Numbers(_) => DataType::Float64,
            };
            Field::new(c.name.as_str(), ty, false)
        })
        .collect();
    let schema = Arc::new(Schema::new(fields));
    let arrays: Vec<ArrayRef> = t
        .columns
        .iter()
        .map(|c| -> ArrayRef {
            match &c.values {
                ColumnValues::Text(v) => Arc::new(StringArray::from_iter_values(
                    v.iter().map(|s| crate::text::csv_text(s)),
                )),
                ColumnValues::Numbers(v) => Arc::new(Float64Array::from(v.clone())),
            }
        })
        .collect();
    let batch = RecordBatch::try_new(schema.clone(), arrays)?;
    let mut w = parquet::arrow::ArrowWriter::try_new(
        Vec::new(),
        schema,
        Some(crate::report::parquet::properties()),
    )?;
    w.write(&batch)?;
    Ok(w.into_inner()?)
}
