//! report: the package a run writes into `OUT/<campaign>/<run-id>/`, atomically: every
//! file is written into a temporary directory beside the final one, which is then renamed
//! into place, so a crash never leaves a half-written package.

pub mod dashboard;
pub mod markdown;
pub mod model;

use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::attribute::Attribution;
use crate::campaign::Campaign;
use crate::normalize::Dataset;
use crate::privacy::scrub;
use model::Report;

/// What to write: `Summary` writes `summary.md` and `report.json`; `Full` everything.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Detail {
    Summary,
    Full,
}

fn csv_writer() -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(vec![])
}

pub fn contribution_csv(r: &Report) -> anyhow::Result<Vec<u8>> {
    let mut w = csv_writer();
    w.write_record([
        "partner",
        "channel",
        "pipeline",
        "pipeline_target",
        "pipeline_pct_of_target",
        "revenue",
        "revenue_target",
        "revenue_pct_of_target",
    ])?;
    let opt = |d: Option<rust_decimal::Decimal>| d.map(|d| d.to_string()).unwrap_or_default();
    let optf = |x: Option<f64>| x.map(|v| format!("{v:.1}")).unwrap_or_default();
    for c in &r.contribution {
        w.write_record([
            c.partner.clone(),
            c.channel.clone().unwrap_or_default(),
            c.pipeline.to_string(),
            opt(c.pipeline_target),
            optf(c.pipeline_pct),
            c.revenue.to_string(),
            opt(c.revenue_target),
            optf(c.revenue_pct),
        ])?;
    }
    Ok(w.into_inner()?)
}

/// One line per credited touch and conversion: identifiers are hashed people and
/// company domains only.
pub fn credits_csv(c: &Campaign, ds: &Dataset, runs: &[&Attribution]) -> anyhow::Result<Vec<u8>> {
    let scale = crate::campaign::minor_units(&c.currency).unwrap_or(2);
    let mut w = csv_writer();
    w.write_record([
        "kind",
        "conversion_id",
        "account",
        "touch_time",
        "person",
        "partner",
        "channel",
        "asset",
        "campaign",
        "region",
        "segment",
        "amount",
        "currency",
    ])?;
    for a in runs {
        for cr in &a.credits {
            let cv = &ds.conversions[cr.conversion as usize];
            let t = &ds.touches[cr.touch as usize];
            let time = chrono::DateTime::from_timestamp_millis(t.time_ms)
                .map(|d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string())
                .unwrap_or_default();
            w.write_record([
                a.kind.name().to_string(),
                scrub(&cv.id),
                scrub(ds.symbols.name(t.account)),
                time,
                crate::data::person_label(t.person),
                crate::attribute::Dimension::Partner.value(t, ds, c),
                scrub(ds.symbols.name(t.channel)),
                scrub(ds.symbols.name(t.asset)),
                scrub(ds.symbols.name(t.campaign)),
                scrub(ds.symbols.name(t.region)),
                scrub(ds.symbols.name(t.segment)),
                crate::attribute::money::from_units(cr.units as i128, scale).to_string(),
                c.currency.clone(),
            ])?;
        }
    }
    Ok(w.into_inner()?)
}

pub fn rejects_csv(ds: &Dataset) -> anyhow::Result<Vec<u8>> {
    let mut w = csv_writer();
    w.write_record(["source", "file", "row", "column", "reason"])?;
    for l in &ds.ledgers {
        for r in &l.rejects {
            w.write_record([
                l.source.clone(),
                l.file.clone(),
                r.row.to_string(),
                scrub(&r.column),
                scrub(&r.reason),
            ])?;
        }
    }
    Ok(w.into_inner()?)
}

/// The files of a package, name → bytes, in a fixed order.
pub fn render(
    r: &Report,
    c: &Campaign,
    ds: &Dataset,
    runs: &[&Attribution],
    detail: Detail,
) -> anyhow::Result<Vec<(&'static str, Vec<u8>)>> {
    let mut files: Vec<(&'static str, Vec<u8>)> = vec![
        (
            "report.json",
            format!("{}\n", serde_json::to_string_pretty(r)?).into_bytes(),
        ),
        ("summary.md", markdown::summary(r).into_bytes()),
    ];
    if detail == Detail::Full {
        files.push(("dashboard.html", dashboard::render(r).into_bytes()));
        files.push(("actions.md", markdown::actions(r).into_bytes()));
        files.push(("contribution.csv", contribution_csv(r)?));
        files.push(("credits.csv", credits_csv(c, ds, runs)?));
        files.push(("rejects.csv", rejects_csv(ds)?));
    }
    Ok(files)
}

/// Writes the files into `dir` atomically: all of them appear at once, or none.
pub fn write_atomically(dir: &Path, files: &[(&str, Vec<u8>)]) -> anyhow::Result<()> {
    let parent = dir.parent().context("the output directory has no parent")?;
    std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    let name = dir
        .file_name()
        .context("the output directory has no name")?
        .to_string_lossy()
        .into_owned();
    // What a run killed while writing this package left behind goes first (a directory
    // whose process is gone; a live one may be writing it).
    if let Ok(entries) = std::fs::read_dir(parent) {
        for e in entries.flatten() {
            let n = e.file_name().to_string_lossy().into_owned();
            let pid = [".tmp-", ".old-"].iter().find_map(|p| {
                n.strip_prefix(p)?
                    .strip_prefix(name.as_str())?
                    .strip_prefix('-')
            });
            if pid.is_some_and(|pid| !Path::new(&format!("/proc/{pid}")).exists()) {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
    let tmp = parent.join(format!(".tmp-{name}-{}", std::process::id()));
    let written = (|| {
        std::fs::create_dir_all(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
        for (f, bytes) in files {
            let p = tmp.join(f);
            std::fs::write(&p, bytes).with_context(|| format!("writing {}", p.display()))?;
        }
        crate::fail_point("report:before-rename")
    })();
    if let Err(e) = written {
        // Found by the crash-safety tests: a failed write left the half-made package here.
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(e);
    }
    if dir.exists() {
        // Same run id, same inputs: the old package is replaced whole.
        let old = parent.join(format!(".old-{name}-{}", std::process::id()));
        std::fs::rename(dir, &old).with_context(|| format!("moving aside {}", dir.display()))?;
        std::fs::rename(&tmp, dir)
            .with_context(|| format!("renaming {} to {}", tmp.display(), dir.display()))?;
        let _ = std::fs::remove_dir_all(&old);
    } else {
        std::fs::rename(&tmp, dir)
            .with_context(|| format!("renaming {} to {}", tmp.display(), dir.display()))?;
    }
    Ok(())
}

pub fn package_dir(out: &Path, campaign_id: &str, run_id: &str) -> PathBuf {
    out.join(campaign_id).join(run_id)
}

#[cfg(test)]
mod tests {
    #[test]
    fn leftovers_of_a_killed_write_go_and_a_live_writers_stay() {
        let d = tempfile::tempdir().unwrap();
        let parent = d.path().join("campaign");
        // No process has this pid (above any pid_max); this one does.
        let dead = parent.join(".tmp-run1-4294967295");
        let live = parent.join(format!(".old-run1-{}", std::process::id()));
        let other = parent.join(".tmp-run2-4294967295");
        for p in [&dead, &live, &other] {
            std::fs::create_dir_all(p.join("half")).unwrap();
        }
        super::write_atomically(&parent.join("run1"), &[("a.txt", b"a".to_vec())]).unwrap();
        assert!(!dead.exists(), "a dead writer's directory is swept");
        assert!(live.exists() && other.exists(), "others' are left alone");
        assert_eq!(std::fs::read(parent.join("run1/a.txt")).unwrap(), b"a");
    }
}
