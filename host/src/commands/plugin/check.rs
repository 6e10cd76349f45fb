//! `ascribe plugin check`: runs a plugin on a sample the way production would (the same
//! runtime, limits, chunk size and output validation), with fuel metering on so the
//! instructions it used can be reported, then checks what it returned against the
//! contract. Every problem is a violation with an exact message; any violation makes the
//! command exit non-zero, so a partner can run it in their own CI.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Args;
use serde::Serialize;
use serde_json::{Value, json};

use super::sample;
use crate::cli::{Format, Global};
use crate::pipeline::normalize::reconcile;
use crate::pipeline::normalize::source::CHUNK_BYTES;
use crate::runtime::limits::show_duration;
use crate::runtime::model::{JourneyColumns, MAX_NOTES, MAX_SCORE_COLUMNS, ModelInfo};
use crate::runtime::normalizer::{
    Batch, MAX_FIELD_BYTES, MAX_RECORDS_PER_ROW, MAX_REJECT_TEXT, NO_TIME, NormalizerInfo,
    SourceInfo, Strings, Times,
};
use crate::runtime::{Cause, Limits, Plugin, PluginError, PluginInfo};

#[derive(Args, Debug)]
#[command(after_help = "\
A normalizer's sample is an export file as the partner's tool writes it. A model's sample is
a path table (CSV: path,total_conversions,total_conversion_value,total_null with paths
written `webinar > event`) or journeys (JSON), for models that need timestamps or milestones:
  {\"journeys\": [{\"touches\": [{\"key\": \"webinar\", \"time\": \"2026-09-01T10:00:00Z\",
                              \"flags\": [\"first\", \"lead\"]}, \"event\"],
                 \"conversions\": 1, \"nulls\": 0, \"value\": 48000,
                 \"converted_at\": \"2026-10-20T00:00:00Z\"}]}

Exit status: 0 when the plugin passes, 1 on any violation or error.")]
pub struct CheckArgs {
    /// The plugin component (.wasm) to check.
    pub plugin: PathBuf,
    /// A sample input: an export file for a normalizer; a path table (.csv) or journeys (.json) for a model.
    #[arg(long, value_name = "FILE")]
    pub sample: PathBuf,
    /// A parameter, as the campaign file would set it (repeatable): --param delimiter=";".
    #[arg(long = "param", visible_alias = "params", value_name = "K=V", value_parser = parse_param)]
    pub params: Vec<(String, String)>,
    /// For a normalizer: the source kind the host reports [default: from the plugin's `accepts`, else map].
    #[arg(long, value_parser = ["crm", "map", "analytics"])]
    pub source_kind: Option<String>,
    /// The pin the campaign file has (or will have): a plugin whose sha256 differs fails.
    #[arg(long, value_name = "sha256:HEX")]
    pub pin: Option<String>,
    /// Memory limit in MiB, as a campaign's `limits.memory_mib` would set it [default: production's, 256].
    #[arg(long, value_name = "MIB")]
    pub memory_mib: Option<u64>,
    /// Wall-time limit per call in ms, as `limits.time_ms` would set it [default: production's, 10000].
    #[arg(long, value_name = "MS")]
    pub time_ms: Option<u64>,
    /// Instruction budget per call, as `limits.fuel` would set it [default: none, as in production].
    #[arg(long, value_name = "N", conflicts_with = "no_fuel")]
    pub fuel: Option<u64>,
    /// Run without instruction counting, exactly as production does: throughput as in
    /// production, but no instruction figures.
    #[arg(long)]
    pub no_fuel: bool,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

fn parse_param(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.to_string())),
        _ => Err(format!("`{s}` is not NAME=VALUE")),
    }
}

/// Chunk boundaries are checked by feeding the sample again in chunks of random sizes up
/// to this many calls (at least 1..=64 bytes each), so a large sample stays quick.
const SMALL_CHUNK_CALLS: usize = 2000;
/// Rejects and warnings listed in the report (all are counted).
const LIST: usize = 10;

#[derive(Serialize)]
struct Violation {
    kind: &'static str,
    message: String,
}

#[derive(Serialize)]
struct UsageLine {
    what: &'static str,
    used: String,
    limit: String,
    /// `ok`, `over`, or `info` (nothing to hold it against).
    status: &'static str,
}

/// Work done over the time spent in calls (instantiation included).
#[derive(Serialize)]
struct Throughput {
    /// Rows read (normalizer) or touches attributed (model).
    items: u64,
    unit: &'static str,
    bytes: u64,
    busy_ms: f64,
    per_second: f64,
    text: String,
}

#[derive(Serialize)]
struct CheckLine {
    name: &'static str,
    status: &'static str,
    detail: String,
}

#[derive(Serialize, Default)]
struct Report {
    plugin: Value,
    sample: Value,
    limits: Value,
    usage: Vec<UsageLine>,
    throughput: Option<Throughput>,
    checks: Vec<CheckLine>,
    warnings: Vec<String>,
    warnings_total: usize,
    rejects: Vec<Value>,
    rejects_total: usize,
    violations: Vec<Violation>,
    passed: bool,
}

impl Report {
    fn violation(&mut self, kind: &'static str, message: String) {
        self.violations.push(Violation { kind, message });
    }

    fn plugin_failed(&mut self, e: &PluginError) {
        self.violation(kind_of(e), e.to_string());
    }

    fn check(&mut self, name: &'static str, ok: bool, detail: String) {
        self.checks.push(CheckLine {
            name,
            status: if ok { "ok" } else { "FAIL" },
            detail,
        });
    }

    fn usage(&mut self, what: &'static str, used: String, limit: String, status: &'static str) {
        self.usage.push(UsageLine {
            what,
            used,
            limit,
            status,
        });
    }

    fn warn(&mut self, w: String) {
        self.warnings_total += 1;
        if self.warnings.len() < LIST {
            self.warnings.push(w);
        }
    }
}

/// The violation kind of a runtime error: the limit it hit, or how it broke the contract.
fn kind_of(e: &PluginError) -> &'static str {
    match e.cause() {
        Some(Cause::TimeLimit(_)) => "time-limit",
        Some(Cause::MemoryLimit { .. }) => "memory-limit",
        Some(Cause::Fuel(_)) => "instruction-limit",
        Some(Cause::StackOverflow) => "stack-overflow",
        Some(Cause::Crashed(_)) => "crash",
        Some(Cause::BadOutput(_)) => "contract",
        Some(Cause::Reported { .. }) => "refused",
        Some(Cause::Exited(_)) => "exit",
        Some(Cause::HostMemory { .. }) => "host-memory-limit",
        None => "load",
    }
}

pub fn run(a: CheckArgs, global: &Global) -> anyhow::Result<ExitCode> {
    let limits = Limits::default()
        .with_overrides(a.memory_mib, a.time_ms, a.fuel)
        .map_err(|e| anyhow::anyhow!("limits: {e}"))?;
    let data = crate::fsx::read_regular(&a.sample, "samples", u64::MAX)
        .with_context(|| format!("reading the sample {}", a.sample.display()))?;
    let mut r = Report {
        limits: json!({
            "memory_bytes": limits.memory_bytes,
            "time_per_call_ms": limits.time_per_call.as_millis() as u64,
            "fuel_per_call": limits.fuel,
            "production_defaults": limits == Limits::default(),
        }),
        ..Default::default()
    };
    let want_pin = match &a.pin {
        None => None,
        Some(p) => {
            let hex = p.trim().strip_prefix("sha256:").unwrap_or(p.trim());
            if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                anyhow::bail!("--pin `{p}` is not a pin (sha256: followed by 64 hex digits)");
            }
            Some(hex.to_ascii_lowercase())
        }
    };
    // Fuel is compiled in so the report can count instructions; without a budget the
    // plugin gets unlimited fuel, as production gives it unlimited instructions.
    let rt = global.runtime(!a.no_fuel)?;
    let loaded = rt.load(&a.plugin, None, limits);
    if let Ok(bytes) = crate::fsx::read_regular(&a.plugin, "plugins", crate::fsx::PLUGIN_MAX) {
        let sha = crate::runtime::cache::sha256_hex(&bytes);
        if let Some(want) = &want_pin
            && *want != sha
        {
            r.violation(
                "pin",
                format!(
                    "pin: the plugin's sha256 is sha256:{sha}, but --pin expects sha256:{want}"
                ),
            );
        }
    }
    let p = match loaded {
        Ok(p) => p,
        Err(e) => {
            r.plugin = json!({"path": a.plugin.display().to_string()});
            r.plugin_failed(&e);
            return finish(r, a.format);
        }
    };
    r.plugin = json!({
        "path": a.plugin.display().to_string(),
        "kind": p.contract.kind(),
        "contract": p.contract.package(),
        "name": p.label().name,
        "size_bytes": p.size,
        "sha256": format!("sha256:{}", p.sha256),
    });
    r.sample = json!({
        "path": a.sample.display().to_string(),
        "bytes": data.len(),
    });
    match p.info().clone() {
        PluginInfo::Normalizer(info) => check_normalizer(&mut r, &p, &info, &a, &data),
        PluginInfo::Model(info) => check_model(&mut r, &p, &info, &a, &data)?,
        PluginInfo::Pending => unreachable!("load() fetches info"),
    }
    finish(r, a.format)
}

fn info_check(
    r: &mut Report,
    p: &Plugin,
    params: &[crate::runtime::model::ParamSpec],
    given: &[(String, String)],
    extra: String,
) {
    let mut names: Vec<&str> = params.iter().map(|s| s.name.as_str()).collect();
    names.sort();
    let dup = names
        .windows(2)
        .find(|w| w[0] == w[1])
        .map(|w| w[0].to_string());
    if let Some(d) = &dup {
        r.violation("info", format!("info: parameter `{d}` is declared twice"));
    }
    let version = p.label().name.rsplit('@').next().unwrap_or("");
    let semver = version.split('.').count() == 3
        && version
            .split(['.', '-', '+'])
            .take(3)
            .all(|x| !x.is_empty() && x.bytes().all(|b| b.is_ascii_digit()));
    if !semver {
        r.warn(format!(
            "info: version `{version}` is not a semantic version (MAJOR.MINOR.PATCH): the report and the plan show it to people"
        ));
    }
    for (k, _) in given {
        if !params.iter().any(|s| &s.name == k) {
            r.warn(format!(
                "--param {k}: the plugin declares no such parameter; it should refuse it (invalid-param)"
            ));
        }
    }
    r.check(
        "info",
        dup.is_none(),
        format!(
            "{}, {} parameter{}{extra}",
            p.label().name,
            params.len(),
            if params.len() == 1 { "" } else { "s" }
        ),
    );
}

// ----------------------------------------------------------------------------------------
// Normalizers

struct Call {
    wall: Duration,
    fuel: Option<u64>,
}

struct NormRun {
    all: Batch,
    calls: Vec<Call>,
    peak_memory: u64,
    /// Records per row number, over the whole file.
    per_row: HashMap<u64, u64>,
}

fn append_strings(dst: &mut Strings, src: &Strings) {
    if dst.offsets.is_empty() {
        dst.offsets.push(0);
    }
    let base = dst.data.len() as u32;
    dst.offsets
        .extend(src.offsets.iter().skip(1).map(|o| base + o));
    dst.data.extend_from_slice(&src.data);
}

fn append_times(dst: &mut Times, src: &Times) {
    dst.wall_ms.extend_from_slice(&src.wall_ms);
    dst.offset_min.extend_from_slice(&src.offset_min);
}

/// Appends one call's batch to the whole file's.
fn append(dst: &mut Batch, b: &Batch) {
    dst.rows_read = b.rows_read;
    let (d, s) = (&mut dst.touches, &b.touches);
    d.row.extend_from_slice(&s.row);
    for (x, y) in [
        (&mut d.person, &s.person),
        (&mut d.account, &s.account),
        (&mut d.channel, &s.channel),
        (&mut d.source, &s.source),
        (&mut d.medium, &s.medium),
        (&mut d.campaign, &s.campaign),
        (&mut d.asset, &s.asset),
        (&mut d.region, &s.region),
        (&mut d.segment, &s.segment),
        (&mut d.touch_type, &s.touch_type),
    ] {
        append_strings(x, y);
    }
    append_times(&mut d.time, &s.time);
    let (d, s) = (&mut dst.conversions, &b.conversions);
    d.row.extend_from_slice(&s.row);
    for (x, y) in [
        (&mut d.id, &s.id),
        (&mut d.account, &s.account),
        (&mut d.account_domain, &s.account_domain),
        (&mut d.stage, &s.stage),
        (&mut d.amount, &s.amount),
        (&mut d.currency, &s.currency),
        (&mut d.lead_source, &s.lead_source),
        (&mut d.campaign, &s.campaign),
    ] {
        append_strings(x, y);
    }
    append_times(&mut d.created, &s.created);
    append_times(&mut d.closed, &s.closed);
    let (d, s) = (&mut dst.stage_events, &b.stage_events);
    d.row.extend_from_slice(&s.row);
    d.subject_kind.extend_from_slice(&s.subject_kind);
    append_strings(&mut d.subject, &s.subject);
    append_strings(&mut d.account, &s.account);
    append_strings(&mut d.stage, &s.stage);
    append_times(&mut d.time, &s.time);
    dst.rejects.extend(b.rejects.iter().cloned());
}

/// Feeds `data` through a fresh session in chunks whose sizes `next` picks.
fn feed(
    p: &Plugin,
    source: &SourceInfo,
    params: &[(String, String)],
    data: &[u8],
    mut next: impl FnMut() -> usize,
) -> Result<NormRun, PluginError> {
    let mut run = NormRun {
        all: Batch::default(),
        calls: vec![],
        peak_memory: 0,
        per_row: HashMap::new(),
    };
    let started = Instant::now();
    let mut session = p.open(source, params)?;
    run.calls.push(Call {
        wall: started.elapsed(),
        fuel: session.usage().fuel_used,
    });
    let take = |run: &mut NormRun, b: Batch, wall: Duration, fuel: Option<u64>| {
        for &row in b
            .touches
            .row
            .iter()
            .chain(&b.conversions.row)
            .chain(&b.stage_events.row)
            .chain(b.rejects.iter().map(|r| &r.row))
        {
            *run.per_row.entry(row).or_default() += 1;
        }
        append(&mut run.all, &b);
        run.calls.push(Call { wall, fuel });
    };
    let mut pos = 0;
    while pos < data.len() {
        let n = next().clamp(1, data.len() - pos);
        let t = Instant::now();
        let b = session.push(&data[pos..pos + n])?;
        take(&mut run, b, t.elapsed(), session.usage().fuel_used);
        pos += n;
    }
    let t = Instant::now();
    let b = session.finish()?;
    take(&mut run, b, t.elapsed(), session.usage().fuel_used);
    run.peak_memory = session.usage().peak_memory;
    Ok(run)
}

fn show_time(wall: i64, off: i32) -> String {
    if wall == NO_TIME {
        return "none".into();
    }
    let t = chrono::DateTime::from_timestamp_millis(wall)
        .map(|d| d.naive_utc().format("%Y-%m-%dT%H:%M:%S%.3f").to_string())
        .unwrap_or_else(|| format!("{wall} ms"));
    if off == crate::runtime::normalizer::NO_OFFSET {
        t
    } else {
        format!("{t}{:+03}:{:02}", off / 60, (off % 60).abs())
    }
}

/// Every record of a batch as one line of text, to compare two runs and show the first
/// difference.
fn records(b: &Batch) -> Vec<String> {
    let mut out = vec![];
    let t = &b.touches;
    for i in 0..t.row.len() {
        out.push(format!(
            "touch (row {}): person `{}`, account `{}`, time {}, channel `{}`, source `{}`, medium `{}`, campaign `{}`, asset `{}`, region `{}`, segment `{}`, touch type `{}`",
            t.row[i],
            t.person.get(i),
            t.account.get(i),
            show_time(t.time.wall_ms[i], t.time.offset_min[i]),
            t.channel.get(i),
            t.source.get(i),
            t.medium.get(i),
            t.campaign.get(i),
            t.asset.get(i),
            t.region.get(i),
            t.segment.get(i),
            t.touch_type.get(i)
        ));
    }
    let c = &b.conversions;
    for i in 0..c.row.len() {
        out.push(format!(
            "conversion (row {}): id `{}`, account `{}`, domain `{}`, stage `{}`, amount `{}`, currency `{}`, created {}, closed {}, lead source `{}`, campaign `{}`",
            c.row[i],
            c.id.get(i),
            c.account.get(i),
            c.account_domain.get(i),
            c.stage.get(i),
            c.amount.get(i),
            c.currency.get(i),
            show_time(c.created.wall_ms[i], c.created.offset_min[i]),
            show_time(c.closed.wall_ms[i], c.closed.offset_min[i]),
            c.lead_source.get(i),
            c.campaign.get(i)
        ));
    }
    let e = &b.stage_events;
    for i in 0..e.row.len() {
        out.push(format!(
            "stage event (row {}): {} `{}`, account `{}`, stage `{}`, time {}",
            e.row[i],
            if e.subject_kind[i] == 0 {
                "person"
            } else {
                "deal"
            },
            e.subject.get(i),
            e.account.get(i),
            e.stage.get(i),
            show_time(e.time.wall_ms[i], e.time.offset_min[i])
        ));
    }
    for rj in &b.rejects {
        out.push(format!(
            "reject (row {}): column `{}`: {}",
            rj.row, rj.column, rj.reason
        ));
    }
    out
}

/// How two runs over the same bytes differ, or None.
fn difference(whole: &Batch, small: &Batch) -> Option<String> {
    if whole.rows_read != small.rows_read {
        return Some(format!(
            "it read {} rows instead of {}",
            small.rows_read, whole.rows_read
        ));
    }
    let (a, b) = (records(whole), records(small));
    for (x, y) in a.iter().zip(&b) {
        if x != y {
            return Some(format!("{y} instead of {x}"));
        }
    }
    match a.len().cmp(&b.len()) {
        std::cmp::Ordering::Equal => None,
        std::cmp::Ordering::Greater => Some(format!("{} is missing", a[b.len()])),
        std::cmp::Ordering::Less => Some(format!("{} is extra", b[a.len()])),
    }
}

/// What the host's reconciliation would refuse in these records (it would reject the row,
/// so nothing is lost, but the plugin may be mapping a column wrongly).
fn host_checks(r: &mut Report, b: &Batch) {
    let t = &b.touches;
    for i in 0..t.row.len() {
        if t.time.wall_ms[i] == NO_TIME {
            r.warn(format!(
                "touch (row {}): no time; the host will reject the row",
                t.row[i]
            ));
        }
        if t.person.get(i).trim().is_empty() && t.account.get(i).trim().is_empty() {
            r.warn(format!(
                "touch (row {}): no person and no account; the host will reject the row",
                t.row[i]
            ));
        }
    }
    let c = &b.conversions;
    for i in 0..c.row.len() {
        let row = c.row[i];
        if c.id.get(i).trim().is_empty() {
            r.warn(format!(
                "conversion (row {row}): no id; the host will reject the row"
            ));
        }
        if let Err(e) = reconcile::parse_amount(c.amount.get(i)) {
            r.warn(format!(
                "conversion (row {row}): amount: {e}; the host will reject the row"
            ));
        }
        if let Err(e) = reconcile::currency_code(c.currency.get(i)) {
            r.warn(format!(
                "conversion (row {row}): currency: {e}; the host will reject the row"
            ));
        }
        if c.created.wall_ms[i] == NO_TIME {
            r.warn(format!(
                "conversion (row {row}): no created date; the host will reject the row"
            ));
        }
    }
    let e = &b.stage_events;
    for i in 0..e.row.len() {
        if e.subject.get(i).trim().is_empty() || e.stage.get(i).trim().is_empty() {
            r.warn(format!(
                "stage event (row {}): no subject or no stage; the host will reject the row",
                e.row[i]
            ));
        }
        if e.time.wall_ms[i] == NO_TIME {
            r.warn(format!(
                "stage event (row {}): no time; the host will reject the row",
                e.row[i]
            ));
        }
    }
}

fn limit_lines(r: &mut Report, limits: &Limits, calls: &[Call], peak: u64) {
    let slowest = calls.iter().map(|c| c.wall).max().unwrap_or_default();
    r.usage(
        "wall time",
        format!("{} slowest call", fmt_duration(slowest)),
        format!("{} a call", show_duration(limits.time_per_call)),
        if slowest <= limits.time_per_call {
            "ok"
        } else {
            "over"
        },
    );
    r.usage(
        "peak memory",
        fmt_bytes(peak),
        fmt_bytes(limits.memory_bytes),
        if peak <= limits.memory_bytes {
            "ok"
        } else {
            "over"
        },
    );
    let most = calls.iter().filter_map(|c| c.fuel).max();
    let total: u64 = calls.iter().filter_map(|c| c.fuel).sum();
    let used = match most {
        Some(m) => format!(
            "{} most in a call, {} in all",
            thousands(m),
            thousands(total)
        ),
        None => "not counted (--no-fuel)".into(),
    };
    match limits.fuel {
        Some(budget) => r.usage(
            "instructions",
            used,
            format!("{} a call", thousands(budget)),
            if most.unwrap_or(0) <= budget {
                "ok"
            } else {
                "over"
            },
        ),
        None => r.usage(
            "instructions",
            used,
            "none set, as in production unless the campaign sets `limits.fuel`".into(),
            "info",
        ),
    }
}

/// Runs a normalizer on the sample the way the host runs it in production (same chunks,
/// same limits) and records every conformance check as it happens. Long because the checks
/// interleave with one session's calls: each needs the batch just returned and the counts
/// so far, which a split would pass around as a dozen arguments.
fn check_normalizer(r: &mut Report, p: &Plugin, info: &NormalizerInfo, a: &CheckArgs, data: &[u8]) {
    info_check(
        r,
        p,
        &info.params,
        &a.params,
        format!(", accepts {}", info.accepts.join(", ")),
    );
    let kind = a.source_kind.clone().unwrap_or_else(|| {
        info.accepts
            .iter()
            .filter_map(|x| x.split(':').next())
            .find(|k| ["crm", "map", "analytics"].contains(k))
            .unwrap_or("map")
            .to_string()
    });
    let source = SourceInfo {
        kind: kind.clone(),
        file_name: a
            .sample
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default(),
    };
    let whole = match feed(p, &source, &a.params, data, || CHUNK_BYTES) {
        Ok(w) => w,
        Err(e) => {
            r.plugin_failed(&e);
            return;
        }
    };
    let b = &whole.all;
    let rows = b.rows_read;
    r.sample["rows_read"] = json!(rows);
    r.sample["source_kind"] = json!(kind);
    r.sample["calls"] = json!(whole.calls.len());
    limit_lines(r, &p.limits, &whole.calls, whole.peak_memory);
    let most = whole.per_row.values().copied().max().unwrap_or(0);
    r.usage(
        "output rows",
        format!(
            "{} touches, {} conversions, {} stage events; at most {most} record{} for one row",
            b.touches.row.len(),
            b.conversions.row.len(),
            b.stage_events.row.len(),
            if most == 1 { "" } else { "s" }
        ),
        format!("{MAX_RECORDS_PER_ROW} records a row"),
        if most <= MAX_RECORDS_PER_ROW {
            "ok"
        } else {
            "over"
        },
    );
    if most > MAX_RECORDS_PER_ROW {
        let (row, n) = whole
            .per_row
            .iter()
            .filter(|(_, n)| **n == most)
            .min()
            .map(|(r, n)| (*r, *n))
            .unwrap_or_default();
        r.violation(
            "contract",
            format!(
                "output rows: row {row} has {n} records; a row may have at most {MAX_RECORDS_PER_ROW} (touches, conversions, stage events and rejects together)"
            ),
        );
    }
    r.usage(
        "rejects",
        format!(
            "{} of {rows} rows{}",
            b.rejects.len(),
            if rows > 0 {
                format!(" ({:.1}%)", 100.0 * b.rejects.len() as f64 / rows as f64)
            } else {
                String::new()
            }
        ),
        "none set".into(),
        "info",
    );
    let busy: Duration = whole.calls.iter().map(|c| c.wall).sum();
    let secs = busy.as_secs_f64().max(1e-9);
    r.throughput = Some(Throughput {
        items: rows,
        unit: "rows",
        bytes: data.len() as u64,
        busy_ms: secs * 1e3,
        per_second: rows as f64 / secs,
        text: format!(
            "{rows} rows, {} in {}: {} rows/s, {:.2} MB/s{}",
            fmt_bytes(data.len() as u64),
            fmt_duration(busy),
            thousands((rows as f64 / secs) as u64),
            data.len() as f64 / 1e6 / secs,
            fuel_note(!a.no_fuel)
        ),
    });
    r.rejects_total = b.rejects.len();
    r.rejects = b
        .rejects
        .iter()
        .take(LIST)
        .map(|x| json!({"row": x.row, "column": x.column, "reason": x.reason}))
        .collect();

    r.check(
        "columns",
        true,
        format!(
            "{} calls validated: aligned columns, offsets, UTF-8, fields ≤ {} KiB, rows within rows read, reject text ≤ {MAX_REJECT_TEXT} bytes",
            whole.calls.len(),
            MAX_FIELD_BYTES >> 10
        ),
    );

    let mut seen = vec![false; rows as usize + 1];
    for &row in whole.per_row.keys() {
        if let Some(s) = seen.get_mut(row as usize) {
            *s = true;
        }
    }
    let missing: Vec<u64> = (1..=rows).filter(|&x| !seen[x as usize]).collect();
    if missing.is_empty() {
        r.check(
            "row accounting",
            true,
            format!("all {rows} rows read are normalized or rejected"),
        );
    } else {
        let mut list: Vec<String> = missing.iter().take(LIST).map(u64::to_string).collect();
        if missing.len() > LIST {
            list.push("…".into());
        }
        let msg = format!(
            "row accounting: {} of {rows} rows read are neither normalized nor rejected (row{} {}); every row must come out as a record or a reject",
            missing.len(),
            if missing.len() == 1 { "" } else { "s" },
            list.join(", ")
        );
        r.check("row accounting", false, msg.clone());
        r.violation("row-accounting", msg);
    }
    if rows == 0 && !data.is_empty() {
        r.warn(format!(
            "the plugin read no rows from a sample of {}: is it the export this plugin reads?",
            fmt_bytes(data.len() as u64)
        ));
    }

    // The same bytes again in small chunks of varied sizes: a record split across two
    // pushes must come out exactly as when it arrived whole.
    let max_chunk = (data.len() / (SMALL_CHUNK_CALLS / 2)).max(64);
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let next = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        1 + ((state >> 33) as usize % max_chunk)
    };
    let what = format!("fed in chunks of 1 to {max_chunk} bytes");
    match feed(p, &source, &a.params, data, next) {
        Err(e) => {
            let msg = format!("chunk boundaries: {what}: {e}");
            r.check("chunk boundaries", false, msg.clone());
            r.violation(kind_of(&e), msg);
        }
        Ok(small) => match difference(b, &small.all) {
            None => r.check("chunk boundaries", true, format!("the same output {what}")),
            Some(d) => {
                let msg = format!(
                    "chunk boundaries: {what}, the output differs from one read of the whole sample: {d}"
                );
                r.check("chunk boundaries", false, msg.clone());
                r.violation("chunking", msg);
            }
        },
    }

    host_checks(r, b);
    let w = r.warnings_total;
    r.check(
        "host checks",
        true,
        if w == 0 {
            "every record passes the host's reconciliation checks".into()
        } else {
            format!("{w} warning{} (below)", if w == 1 { "" } else { "s" })
        },
    );
}

// ----------------------------------------------------------------------------------------
// Models

fn check_model(
    r: &mut Report,
    p: &Plugin,
    info: &ModelInfo,
    a: &CheckArgs,
    data: &[u8],
) -> anyhow::Result<()> {
    info_check(
        r,
        p,
        &info.params,
        &a.params,
        format!(
            "; reads {}",
            match info.inputs.names() {
                n if n.is_empty() => "only journey lengths and conversions".to_string(),
                n => n.join(", "),
            }
        ),
    );
    let s = sample::read(&a.sample, data).map_err(anyhow::Error::msg)?;
    if info.needs_timestamps() && !s.has_timestamps {
        anyhow::bail!(
            "{} needs timestamps (inputs: times), but the sample {} has none: give a journeys sample (.json) with touch times (see --help)",
            p.label().name,
            a.sample.display()
        );
    }
    if info.needs_milestones() && !s.has_milestones {
        anyhow::bail!(
            "{} needs milestone flags (inputs: milestones), but the sample {} has none: give a journeys sample (.json) with touch flags (see --help)",
            p.label().name,
            a.sample.display()
        );
    }
    let mut cols: JourneyColumns = s.columns;
    // As in production: what the model does not ask for, it does not get (0.2.0 sends
    // those columns empty; 0.1.0 as zeros).
    if !info.needs_timestamps() {
        cols.touch_time_ms.clear();
        cols.conversion_time_ms.clear();
    }
    if !info.needs_milestones() {
        cols.touch_flags.clear();
    }
    r.sample["form"] = json!(s.form);
    r.sample["journeys"] = json!(cols.journeys());
    r.sample["touches"] = json!(cols.touches());
    r.sample["keys"] = json!(cols.keys.len());
    let (out, usage) = match p.attribute(&mut cols, &a.params) {
        Ok(x) => x,
        Err(e) => {
            r.plugin_failed(&e);
            return Ok(());
        }
    };
    let call = Call {
        wall: usage.wall,
        fuel: usage.fuel_used,
    };
    limit_lines(r, &p.limits, std::slice::from_ref(&call), usage.peak_memory);
    r.usage(
        "output rows",
        format!(
            "{} weights, {} score column{}, {} note{}",
            out.weights.len(),
            out.scores.len(),
            if out.scores.len() == 1 { "" } else { "s" },
            out.notes.len(),
            if out.notes.len() == 1 { "" } else { "s" }
        ),
        format!("one weight a touch, ≤ {MAX_SCORE_COLUMNS} score columns, ≤ {MAX_NOTES} notes"),
        "ok",
    );
    r.usage(
        "rejects",
        "none (a model takes every journey)".into(),
        "—".into(),
        "info",
    );
    let secs = usage.wall.as_secs_f64().max(1e-9);
    r.throughput = Some(Throughput {
        items: cols.touches() as u64,
        unit: "touches",
        bytes: data.len() as u64,
        busy_ms: secs * 1e3,
        per_second: cols.touches() as f64 / secs,
        text: format!(
            "{} touches in {} journeys in {}: {} touches/s{}",
            cols.touches(),
            cols.journeys(),
            fmt_duration(usage.wall),
            thousands((cols.touches() as f64 / secs) as u64),
            fuel_note(!a.no_fuel)
        ),
    });
    let mut worst = 0.0f64;
    let mut converting = 0;
    for j in 0..cols.journeys() {
        let range = cols.range(j);
        if cols.conversions[j] > 0.0 && !range.is_empty() {
            converting += 1;
            let sum: f64 = out.weights[range].iter().sum();
            worst = worst.max((sum - 1.0).abs());
        }
    }
    r.check(
        "weights",
        true,
        format!(
            "{} weights, finite and non-negative; {converting} converting journey{}, each summing to 1 (largest deviation {worst:.1e}, allowed 1e-6)",
            out.weights.len(),
            if converting == 1 { "" } else { "s" }
        ),
    );
    let missing: Vec<&String> = info
        .key_scores
        .iter()
        .filter(|k| !out.scores.iter().any(|(n, _)| n == *k))
        .collect();
    for k in &missing {
        r.warn(format!(
            "score column `{k}` is declared in info.key-scores but was not returned"
        ));
    }
    r.check(
        "scores and notes",
        true,
        format!(
            "{} of {} declared score columns returned, one value a key; {} notes within bounds",
            out.scores.len(),
            info.key_scores.len(),
            out.notes.len()
        ),
    );
    Ok(())
}

// ----------------------------------------------------------------------------------------
// Output

fn fuel_note(counting: bool) -> &'static str {
    if counting {
        " (counting instructions, which production does not: --no-fuel measures as production runs)"
    } else {
        ""
    }
}

use crate::cli::table::{Left, Table};
use crate::format::{bytes as fmt_bytes, duration as fmt_duration, thousands};

fn finish(mut r: Report, format: Format) -> anyhow::Result<ExitCode> {
    r.passed = r.violations.is_empty();
    match format {
        Format::Json => crate::outln!("{}", serde_json::to_string_pretty(&r)?),
        Format::Table => print_table(&r),
    }
    Ok(if r.passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn print_table(r: &Report) {
    let s = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let p = &r.plugin;
    if p.get("name").is_some() {
        crate::outln!(
            "plugin check: {} ({} plugin, contract {})",
            s(p, "name"),
            s(p, "kind"),
            s(p, "contract")
        );
        crate::outln!(
            "  file     {} ({})",
            s(p, "path"),
            fmt_bytes(p["size_bytes"].as_u64().unwrap_or(0))
        );
        crate::outln!(
            "  pin      {}   (the campaign's `sha256`; `ascribe plugin lock` writes it)",
            s(p, "sha256")
        );
    } else {
        crate::outln!("plugin check: {}", s(p, "path"));
    }
    if r.sample.get("path").is_some() {
        let mut extra = vec![fmt_bytes(r.sample["bytes"].as_u64().unwrap_or(0))];
        if let Some(n) = r.sample.get("rows_read") {
            extra.push(format!("{n} rows"));
        }
        if let Some(f) = r.sample.get("form") {
            extra.push(format!(
                "{}: {} journeys, {} touches, {} keys",
                f.as_str().unwrap_or(""),
                r.sample["journeys"],
                r.sample["touches"],
                r.sample["keys"]
            ));
        }
        if let Some(k) = r.sample.get("source_kind") {
            extra.push(format!("source kind {}", k.as_str().unwrap_or("")));
        }
        crate::outln!("  sample   {} ({})", s(&r.sample, "path"), extra.join(", "));
    }
    let l = &r.limits;
    crate::outln!(
        "  limits   {}: {} memory, {} a call, {}",
        if l["production_defaults"].as_bool() == Some(true) {
            "production"
        } else {
            "as given"
        },
        fmt_bytes(l["memory_bytes"].as_u64().unwrap_or(0)),
        show_duration(Duration::from_millis(
            l["time_per_call_ms"].as_u64().unwrap_or(0)
        )),
        match l["fuel_per_call"].as_u64() {
            Some(f) => format!("{} instructions a call", thousands(f)),
            None => "no instruction budget".into(),
        }
    );
    if !r.usage.is_empty() {
        crate::outln!();
        crate::outln!("usage");
        let mut t = Table::new(2, &[Left, Left, Left]);
        for u in &r.usage {
            t.row([
                u.what.to_string(),
                match u.status {
                    "info" => "",
                    x => x,
                }
                .to_string(),
                format!("{} · limit: {}", u.used, u.limit),
            ]);
        }
        if let Some(th) = &r.throughput {
            t.row(["throughput", "", th.text.as_str()]);
        }
        t.print();
    }
    if !r.checks.is_empty() {
        crate::outln!();
        crate::outln!("conformance");
        let mut t = Table::new(2, &[Left, Left, Left]);
        for c in &r.checks {
            t.row([c.status, c.name, c.detail.as_str()]);
        }
        t.print();
    }
    if r.rejects_total > 0 {
        crate::outln!();
        crate::outln!(
            "rejects ({} of {})",
            r.rejects.len().min(r.rejects_total),
            r.rejects_total
        );
        for x in &r.rejects {
            crate::outln!(
                "  row {:<6} {:<16} {}",
                x["row"],
                x["column"].as_str().unwrap_or(""),
                x["reason"].as_str().unwrap_or("")
            );
        }
    }
    if r.warnings_total > 0 {
        crate::outln!();
        crate::outln!("warnings ({} of {})", r.warnings.len(), r.warnings_total);
        for w in &r.warnings {
            crate::outln!("  {w}");
        }
    }
    crate::outln!();
    if r.violations.is_empty() {
        crate::outln!("PASS: no violations");
    } else {
        crate::outln!(
            "FAIL: {} violation{}",
            r.violations.len(),
            if r.violations.len() == 1 { "" } else { "s" }
        );
        for v in &r.violations {
            crate::outln!("  [{}] {}", v.kind, v.message);
        }
    }
}
