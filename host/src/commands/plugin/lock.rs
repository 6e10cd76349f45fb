//! `ascribe plugin lock`: writes `sha256 = "sha256:…"` for every plugin a campaign names
//! (each source's normalizer and each model) into the campaign file. From then on the
//! runtime refuses a plugin whose bytes changed, before compiling it, until it is locked
//! again.
//!
//! The file is edited in place with `toml_edit`, which keeps everything a person wrote
//! (comments, blank lines, key order, quoting): only the pin lines change. Each plugin is
//! loaded before it is pinned, so a pin never vouches for a file that is not a working
//! plugin of the right kind. Nothing is written unless every plugin resolves and loads.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use toml_edit::{Decor, DocumentMut, InlineTable, Item, Key, Table, Value};

use crate::cli::Global;
use crate::commands::track::cli::CampaignArgs;
use crate::runtime::Limits;

#[derive(Args, Debug)]
pub struct LockArgs {
    #[command(flatten)]
    pub campaign: CampaignArgs,
    /// Only verify: write nothing, and exit 1 when a pin is missing or differs from the file.
    #[arg(long)]
    pub check: bool,
}

/// A table of the campaign file that names a plugin.
enum Tbl<'a> {
    Table(&'a mut Table),
    Inline(&'a mut InlineTable),
}

/// The tables of an array of tables, in either TOML spelling.
fn tables(item: Option<&mut Item>) -> Vec<Tbl<'_>> {
    match item {
        Some(Item::ArrayOfTables(a)) => a.iter_mut().map(Tbl::Table).collect(),
        Some(Item::Value(Value::Array(a))) => a
            .iter_mut()
            .filter_map(|v| v.as_inline_table_mut().map(Tbl::Inline))
            .collect(),
        _ => vec![],
    }
}

/// The tables under `key` of a table.
fn sub_tables<'a>(t: Tbl<'a>, key: &str) -> Vec<Tbl<'a>> {
    match t {
        Tbl::Table(t) => tables(t.get_mut(key)),
        Tbl::Inline(t) => match t.get_mut(key) {
            Some(Value::Array(a)) => a
                .iter_mut()
                .filter_map(|v| v.as_inline_table_mut().map(Tbl::Inline))
                .collect(),
            _ => vec![],
        },
    }
}

/// Sets `sha256` in a table: replaced in place when present (keeping its comment),
/// otherwise inserted right after `plugin` (or `name`) with that line's indentation.
/// Returns the previous pin.
fn set_pin(t: Tbl<'_>, pin: &str) -> Option<String> {
    match t {
        Tbl::Table(table) => {
            if let Some(item) = table.get_mut("sha256") {
                let old = item.as_str().map(str::to_string);
                match item.as_value_mut() {
                    Some(v) => {
                        let decor = v.decor().clone();
                        *v = Value::from(pin);
                        *v.decor_mut() = decor;
                    }
                    None => *item = toml_edit::value(pin),
                }
                return old;
            }
            let anchor = if table.contains_key("plugin") {
                "plugin"
            } else {
                "name"
            };
            let keys: Vec<String> = table.iter().map(|(k, _)| k.to_string()).collect();
            let pos = keys
                .iter()
                .position(|k| k == anchor)
                .map_or(keys.len(), |p| p + 1);
            let moved: Vec<(Key, Item)> = keys[pos..]
                .iter()
                .filter_map(|k| table.remove_entry(k))
                .collect();
            let indent = table
                .key(anchor)
                .and_then(|k| k.leaf_decor().prefix())
                .and_then(|p| p.as_str())
                .unwrap_or("")
                .to_string();
            let key = Key::new("sha256").with_leaf_decor(Decor::new(indent, " "));
            let mut v = Value::from(pin);
            *v.decor_mut() = Decor::new(" ", "");
            table.insert_formatted(&key, Item::Value(v));
            for (k, item) in moved {
                table.insert_formatted(&k, item);
            }
            None
        }
        Tbl::Inline(it) => {
            let old = it
                .get("sha256")
                .and_then(|v| v.as_str())
                .map(str::to_string);
            match it.get_mut("sha256") {
                Some(v) => {
                    let decor = v.decor().clone();
                    *v = Value::from(pin);
                    *v.decor_mut() = decor;
                }
                None => {
                    let mut v = Value::from(pin);
                    *v.decor_mut() = Decor::new(" ", " ");
                    it.insert("sha256", v);
                }
            }
            old
        }
    }
}

struct Entry {
    what: String,
    spec: String,
    path: PathBuf,
    old: Option<String>,
    new: String,
}

impl Entry {
    fn status(&self) -> &'static str {
        match &self.old {
            None => "added",
            Some(o) if o.trim().eq_ignore_ascii_case(&self.new) => "unchanged",
            Some(_) => "updated",
        }
    }
}

/// Resolves, reads and loads one plugin; its pin.
fn pin_of(
    rt: &crate::runtime::Runtime,
    spec: &str,
    dir: &Path,
    plugin_dirs: &[PathBuf],
    want_kind: &str,
    what: &str,
) -> anyhow::Result<(PathBuf, String)> {
    let path = crate::plugin_path::resolve(spec, Some(dir), plugin_dirs)
        .map_err(|e| anyhow::anyhow!("{what}: {e}"))?;
    let p = rt
        .load(&path, None, Limits::default())
        .map_err(|e| anyhow::anyhow!("{what}: {e}"))?;
    if p.contract.kind() != want_kind {
        anyhow::bail!(
            "{what}: {} ({}) is a {} plugin, not a {want_kind}",
            p.label(),
            path.display(),
            p.contract.kind()
        );
    }
    Ok((path, format!("sha256:{}", p.sha256)))
}

pub fn run(a: LockArgs, global: &Global) -> anyhow::Result<ExitCode> {
    let c = a.campaign.load()?;
    let text = crate::fsx::read_text(&c.file, "campaign files", crate::fsx::CAMPAIGN_MAX)
        .with_context(|| format!("reading {}", c.file.display()))?;
    let mut doc: DocumentMut = text
        .parse()
        .with_context(|| format!("parsing {}", c.file.display()))?;
    let rt = global.runtime(false)?;
    let mut entries = vec![];

    // Sources, in the order the campaign lists them (the validated campaign numbers them
    // the same way, partner by partner).
    let mut source_tables = vec![];
    for partner in tables(doc.get_mut("partners")) {
        source_tables.extend(sub_tables(partner, "sources"));
    }
    if source_tables.len() != c.sources.len() {
        anyhow::bail!(
            "{}: found {} source tables but the campaign has {} sources; write sources as [[partners.sources]] tables",
            c.file.display(),
            source_tables.len(),
            c.sources.len()
        );
    }
    for (t, s) in source_tables.into_iter().zip(&c.sources) {
        let what = format!("source `{}`", s.id);
        let (path, pin) = pin_of(
            &rt,
            &s.plugin,
            &c.dir,
            &global.plugin_dir,
            "normalizer",
            &what,
        )?;
        let old = set_pin(t, &pin);
        entries.push(Entry {
            what,
            spec: s.plugin.clone(),
            path,
            old,
            new: pin,
        });
    }
    let model_tables = tables(doc.get_mut("models"));
    if model_tables.len() != c.models.len() {
        anyhow::bail!(
            "{}: found {} model tables but the campaign has {} models; write models as [[models]] tables",
            c.file.display(),
            model_tables.len(),
            c.models.len()
        );
    }
    for (t, m) in model_tables.into_iter().zip(&c.models) {
        let what = format!("model `{}`", m.name);
        let (path, pin) = pin_of(&rt, &m.plugin, &c.dir, &global.plugin_dir, "model", &what)?;
        let old = set_pin(t, &pin);
        entries.push(Entry {
            what,
            spec: m.plugin.clone(),
            path,
            old,
            new: pin,
        });
    }

    crate::outln!("campaign {} ({})", c.name, c.file.display());
    for e in &entries {
        crate::outln!(
            "  {:<9} {:<34} {}  {}  ({})",
            e.status(),
            e.what,
            e.new,
            e.spec,
            e.path.display()
        );
    }
    let count = |s: &str| entries.iter().filter(|e| e.status() == s).count();
    let (added, updated, unchanged) = (count("added"), count("updated"), count("unchanged"));
    if a.check {
        if added + updated == 0 {
            crate::outln!("all {} pins match", entries.len());
            return Ok(ExitCode::SUCCESS);
        }
        crate::outln!(
            "{added} pin{} missing and {updated} stale: run `ascribe plugin lock` to write them",
            if added == 1 { "" } else { "s" }
        );
        return Ok(ExitCode::FAILURE);
    }
    if added + updated == 0 {
        crate::outln!("all {} pins already match; nothing written", entries.len());
        return Ok(ExitCode::SUCCESS);
    }
    let new_text = doc.to_string();
    // The edited file must still be a valid campaign carrying exactly these pins.
    let check = crate::pipeline::campaign::parse(&c.file, &new_text)
        .with_context(|| "the pinned campaign file does not validate (not written)")?;
    let pins: Vec<Option<&str>> = check
        .sources
        .iter()
        .map(|s| s.sha256.as_deref())
        .chain(check.models.iter().map(|m| m.sha256.as_deref()))
        .collect();
    let want: Vec<Option<&str>> = entries.iter().map(|e| Some(e.new.as_str())).collect();
    if pins != want {
        anyhow::bail!(
            "the pins did not land where expected in {} (not written)",
            c.file.display()
        );
    }
    write_atomically(&c.file, &new_text)?;
    crate::outln!(
        "wrote {} pin{} to {} ({added} added, {updated} updated, {unchanged} unchanged)",
        added + updated,
        if added + updated == 1 { "" } else { "s" },
        c.file.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn write_atomically(file: &Path, text: &str) -> anyhow::Result<()> {
    let dir = file.parent().unwrap_or(Path::new("."));
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.lock-tmp"));
    std::fs::write(&tmp, text).with_context(|| format!("writing {}", tmp.display()))?;
    if let Ok(meta) = std::fs::metadata(file) {
        let _ = std::fs::set_permissions(&tmp, meta.permissions());
    }
    std::fs::rename(&tmp, file).with_context(|| format!("replacing {}", file.display()))?;
    Ok(())
}
