//! report: the package a run writes into `OUT/<campaign>/<run-id>/`, atomically: every
//! file is written and fsynced into a temporary directory beside the final one, which then
//! takes its place in one step (an exchange when a package is already there), so a crash
//! never leaves a half-written package, nor none where there was one.

pub mod dashboard;
pub mod json_schema;
pub mod markdown;
pub mod parquet;
pub mod schema;

use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::pipeline::attribute::Attribution;
use crate::pipeline::campaign::Campaign;
use crate::pipeline::normalize::Dataset;
use crate::text::CsvCells;
use schema::Report;

/// What to write: `Summary` writes `summary.md` and `report.json`; `Full` everything.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Detail {
    Summary,
    Full,
}

/// The formats of a full package's tables (credits, contribution, rejects; Parquet adds
/// dimension_credit): `--formats csv,parquet`. CSV alone by default: see docs/parquet.md.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Formats {
    pub csv: bool,
    pub parquet: bool,
}

impl Default for Formats {
    fn default() -> Formats {
        Formats {
            csv: true,
            parquet: false,
        }
    }
}

pub fn contribution_csv(r: &crate::text::Sealed<Report>) -> anyhow::Result<Vec<u8>> {
    let mut w = CsvCells::new();
    w.header(&[
        "partner",
        "channel",
        "pipeline",
        "pipeline_lo",
        "pipeline_hi",
        "pipeline_target",
        "pipeline_pct_of_target",
        "revenue",
        "revenue_lo",
        "revenue_hi",
        "revenue_target",
        "revenue_pct_of_target",
    ])?;
    let opt = |d: Option<rust_decimal::Decimal>| d.map(|d| d.to_string()).unwrap_or_default();
    let optf = |x: Option<f64>| x.map(|v| format!("{v:.1}")).unwrap_or_default();
    for c in &r.contribution {
        w.text(&c.partner)
            .text(c.channel.as_deref().unwrap_or_default())
            .num(c.pipeline)
            .num(opt(c.pipeline_lo))
            .num(opt(c.pipeline_hi))
            .num(opt(c.pipeline_target))
            .num(optf(c.pipeline_pct))
            .num(c.revenue)
            .num(opt(c.revenue_lo))
            .num(opt(c.revenue_hi))
            .num(opt(c.revenue_target))
            .num(optf(c.revenue_pct))
            .end_row()?;
    }
    w.into_bytes()
}

/// One line per value of a dimension (partner, then channel) and period: the trends of
/// report.json, long, so a spreadsheet can pivot it. Every period is there, zeros too; each
/// figure with its 90% interval (`_lo`, `_hi`; empty with `--no-intervals`).
pub fn trends_csv(r: &crate::text::Sealed<Report>) -> anyhow::Result<Vec<u8>> {
    let t = &r.trends;
    let mut w = CsvCells::new();
    w.header(&[
        "dimension",
        "value",
        "period",
        "pipeline",
        "pipeline_lo",
        "pipeline_hi",
        "revenue",
        "revenue_lo",
        "revenue_hi",
    ])?;
    let at = |v: &Vec<rust_decimal::Decimal>, i: usize| v.get(i).copied().unwrap_or_default();
    let bound = |v: &Option<Vec<rust_decimal::Decimal>>, i: usize| {
        v.as_ref().map(|v| at(v, i).to_string()).unwrap_or_default()
    };
    for (dim, rows) in [("partner", &t.partner), ("channel", &t.channel)] {
        for row in rows {
            for (i, period) in t.periods.iter().enumerate() {
                w.text(dim)
                    .text(&row.value)
                    .text(period)
                    .num(at(&row.pipeline, i))
                    .num(bound(&row.pipeline_lo, i))
                    .num(bound(&row.pipeline_hi, i))
                    .num(at(&row.revenue, i))
                    .num(bound(&row.revenue_lo, i))
                    .num(bound(&row.revenue_hi, i))
                    .end_row()?;
            }
        }
    }
    w.into_bytes()
}

/// One line per credited touch and conversion: identifiers are hashed people and
/// company domains only. Every text cell is partner text, cleaned and formula-guarded.
/// `weight` is the model's share of the touch in its conversion, as the plugin gave it
/// (shortest round-trip decimal), so a reader can check how `amount` was split.
pub fn credits_csv(c: &Campaign, ds: &Dataset, runs: &[&Attribution]) -> anyhow::Result<Vec<u8>> {
    let cur = c.currency;
    // Rows run to about 200 bytes (the demo's: 205 on average); reserving more than the
    // file needs costs nothing resident, growing past it would copy the whole file.
    let rows: usize = runs.iter().map(|a| a.credits.len()).sum();
    let mut w = CsvCells::with_capacity(rows.saturating_mul(256).saturating_add(4096));
    w.header(&[
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
        "model",
        "key",
        "weight",
    ])?;
    for a in runs {
        for (cr, &weight) in a.credits.iter().zip(&a.weights) {
            let cv = &ds.conversions[cr.conversion as usize];
            let t = &ds.touches[cr.touch as usize];
            let time = chrono::DateTime::from_timestamp_millis(t.time_ms)
                .map(|d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string())
                .unwrap_or_default();
            w.num(a.kind.name())
                .text(&cv.id)
                .text(ds.symbols.name(t.account))
                .num(time)
                .num(crate::data::person_label(t.person))
                .text(&crate::pipeline::attribute::Dimension::Partner.value(t, ds, c))
                .text(ds.symbols.name(t.channel))
                .text(ds.symbols.name(t.asset))
                .text(ds.symbols.name(t.campaign))
                .text(ds.symbols.name(t.region))
                .text(ds.symbols.name(t.segment))
                .num(cur.units(cr.units as i128).decimal())
                .text(cur.code())
                .text(&a.run.model)
                .text(&a.journeys.key)
                .num(weight)
                .end_row()?;
        }
    }
    w.into_bytes()
}

pub fn rejects_csv(ds: &Dataset) -> anyhow::Result<Vec<u8>> {
    let mut w = CsvCells::new();
    w.header(&["source", "file", "row", "column", "reason"])?;
    for l in &ds.ledgers {
        for r in &l.rejects {
            w.text(&l.source)
                .text(&l.file)
                .num(r.row)
                .text(&r.column)
                .text(&r.reason)
                .end_row()?;
        }
    }
    w.into_bytes()
}

/// The files of a package, name → bytes, in a fixed order.
pub fn render(
    r: &crate::text::Sealed<Report>,
    c: &Campaign,
    ds: &Dataset,
    runs: &[&Attribution],
    detail: Detail,
    formats: Formats,
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
        if formats.csv {
            files.push(("contribution.csv", contribution_csv(r)?));
            files.push(("trends.csv", trends_csv(r)?));
            files.push(("credits.csv", credits_csv(c, ds, runs)?));
            files.push(("rejects.csv", rejects_csv(ds)?));
        }
        if formats.parquet {
            let cur = c.currency;
            files.push(("contribution.parquet", parquet::contribution(r, cur)?));
            files.push(("credits.parquet", parquet::credits(c, ds, runs)?));
            files.push((
                "dimension_credit.parquet",
                parquet::dimension_credit(r, cur)?,
            ));
            files.push(("rejects.parquet", parquet::rejects(ds)?));
        }
    }
    Ok(files)
}

/// Writes the files into `dir` atomically: whoever looks, and whenever this process is
/// killed, `dir` holds the previous package whole or the new one whole, never a mix and
/// never neither. Every file and the new directory are fsynced before the swap, the parent
/// directory after it. On a filesystem that refuses `RENAME_EXCHANGE` the replace falls
/// back to two renames, with a window (see [`Swap::TwoRenames`]).
pub fn write_atomically(dir: &Path, files: &[(&str, Vec<u8>)]) -> anyhow::Result<()> {
    write_package(dir, files, &crate::fail_point, Swap::Exchange)
}

/// How a new package takes the place of an old one with the same name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Swap {
    /// One `renameat2(RENAME_EXCHANGE)`: the two directories trade names in one step, the
    /// old package ending up under the temporary name, to be removed. Falls back to
    /// `TwoRenames` where the filesystem or kernel refuses it.
    Exchange,
    /// The old package renamed aside (`.old-<name>-<pid>`), then the new one in. A kill
    /// between the two renames leaves nothing at `dir`, the old package whole beside it;
    /// the next write of the package renames it back before anything else.
    TwoRenames,
}

/// `write_atomically` with its fail points and its swap chosen by the caller (the tests).
fn write_package(
    dir: &Path,
    files: &[(&str, Vec<u8>)],
    fail: &dyn Fn(&str) -> anyhow::Result<()>,
    swap: Swap,
) -> anyhow::Result<()> {
    let parent = dir.parent().context("the output directory has no parent")?;
    std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    let name = dir
        .file_name()
        .context("the output directory has no name")?
        .to_string_lossy()
        .into_owned();
    sweep(parent, dir, &name);
    let pid = std::process::id();
    let tmp = parent.join(format!(".tmp-{name}-{pid}"));
    let written = (|| {
        // A directory by this name can only be a dead process's that had our pid.
        let _ = std::fs::remove_dir_all(&tmp);
        std::fs::create_dir(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
        for (f, bytes) in files {
            let p = tmp.join(f);
            std::fs::File::create(&p)
                .and_then(|mut out| {
                    std::io::Write::write_all(&mut out, bytes)?;
                    out.sync_all()
                })
                .with_context(|| format!("writing {}", p.display()))?;
            fail(&format!("report:after-write:{f}"))?;
        }
        sync_dir(&tmp)?;
        fail("report:after-fsync")?;
        fail("report:before-rename")
    })();
    if let Err(e) = written {
        // Found by the crash-safety tests: a failed write left the half-made package here.
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(e);
    }
    // Where the previous package is once the new one is in place (None: there was none).
    let swapped = if dir.exists() {
        let mut swap = swap;
        // After an exchange, the old package is under the temporary name.
        let mut swapped = Ok(Some(tmp.clone()));
        if swap == Swap::Exchange
            && let Err(e) = exchange(&tmp, dir)
        {
            if exchange_unsupported(&e) {
                swap = Swap::TwoRenames;
            } else {
                swapped = Err(anyhow::Error::new(e).context(format!(
                    "exchanging {} with {}",
                    tmp.display(),
                    dir.display()
                )));
            }
        }
        if swap == Swap::TwoRenames {
            let aside = parent.join(format!(".old-{name}-{pid}"));
            swapped = two_renames(&tmp, dir, &aside, fail).map(|()| Some(aside));
        }
        swapped
    } else {
        std::fs::rename(&tmp, dir)
            .with_context(|| format!("renaming {} to {}", tmp.display(), dir.display()))
            .map(|()| None)
    };
    let old = match swapped {
        Ok(old) => old,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&tmp);
            return Err(e);
        }
    };
    let settled = fail("report:after-exchange")
        .and_then(|()| sync_dir(parent))
        .and_then(|()| fail("report:before-remove-old"));
    if let Err(e) = settled {
        // The run fails, so its package must not stand: the previous one goes back.
        let undone = match &old {
            Some(o) if *o == tmp => exchange(&tmp, dir),
            Some(o) => std::fs::rename(dir, &tmp).and_then(|()| std::fs::rename(o, dir)),
            None => std::fs::rename(dir, &tmp),
        };
        let _ = sync_dir(parent);
        let _ = std::fs::remove_dir_all(&tmp);
        return match undone {
            Ok(()) => Err(e),
            Err(u) => Err(e.context(format!(
                "and putting the previous {} back failed ({u})",
                dir.display()
            ))),
        };
    }
    // Killed before or during this, the old copy is a leftover the next write sweeps.
    if let Some(o) = old {
        let _ = std::fs::remove_dir_all(o);
    }
    Ok(())
}

/// The two-rename replace: the old package aside, the new one in; a failure between puts
/// the old one back.
fn two_renames(
    tmp: &Path,
    dir: &Path,
    aside: &Path,
    fail: &dyn Fn(&str) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let _ = std::fs::remove_dir_all(aside);
    std::fs::rename(dir, aside).with_context(|| format!("moving aside {}", dir.display()))?;
    let moved = fail("report:after-move-aside").and_then(|()| {
        std::fs::rename(tmp, dir)
            .with_context(|| format!("renaming {} to {}", tmp.display(), dir.display()))
    });
    if moved.is_err() {
        let _ = std::fs::rename(aside, dir);
    }
    moved
}

/// Swaps the names of two directories in one step (`renameat2` with `RENAME_EXCHANGE`).
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let a = std::ffi::CString::new(a.as_os_str().as_bytes())?;
    let b = std::ffi::CString::new(b.as_os_str().as_bytes())?;
    // SAFETY: both paths are NUL-terminated and outlive the call; the syscall reads them
    // and nothing else of ours.
    let r = unsafe {
        libc::syscall(
            libc::SYS_renameat2,
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if r == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> std::io::Result<()> {
    Err(std::io::ErrorKind::Unsupported.into())
}

/// The exchange is refused for what the filesystem or kernel can do, not for what it was
/// asked: no `renameat2` (ENOSYS, or EPERM from a seccomp filter that blocks it), or no
/// `RENAME_EXCHANGE` on this filesystem (EINVAL, EOPNOTSUPP). The fallback's own renames
/// report any other cause.
fn exchange_unsupported(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::Unsupported
        || matches!(
            e.raw_os_error(),
            Some(libc::ENOSYS | libc::EPERM | libc::EINVAL | libc::EOPNOTSUPP)
        )
}

fn sync_dir(d: &Path) -> anyhow::Result<()> {
    std::fs::File::open(d)
        .and_then(|f| f.sync_all())
        .with_context(|| format!("syncing {}", d.display()))
}

/// Clears what runs killed while writing the package `dir` left beside it: a name whose
/// process is gone (a live one may be writing). A `.tmp-` directory goes (a new package
/// not yet in place, or after an exchange the old one). An `.old-` directory is the
/// previous package, moved aside by a two-rename replace: it goes back into place if the
/// run died before renaming the new one in, and goes otherwise.
fn sweep(parent: &Path, dir: &Path, name: &str) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for e in entries.flatten() {
        let n = e.file_name().to_string_lossy().into_owned();
        let Some((prefix, pid)) = [".tmp-", ".old-"].into_iter().find_map(|p| {
            let pid = n.strip_prefix(p)?.strip_prefix(name)?.strip_prefix('-')?;
            pid.parse::<u32>().ok().map(|pid| (p, pid))
        }) else {
            continue;
        };
        if Path::new(&format!("/proc/{pid}")).exists() {
            continue;
        }
        if prefix == ".old-" && !dir.exists() && std::fs::rename(e.path(), dir).is_ok() {
            let _ = sync_dir(parent);
        } else {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
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

    use std::collections::BTreeMap;
    use std::path::Path;

    use super::{Swap, write_package};

    /// Everything under `parent`, hidden names included: relative path → bytes.
    fn tree(parent: &Path) -> BTreeMap<String, Vec<u8>> {
        let mut out = BTreeMap::new();
        for e in std::fs::read_dir(parent).unwrap().flatten() {
            for f in std::fs::read_dir(e.path()).unwrap().flatten() {
                let key = format!(
                    "{}/{}",
                    e.file_name().to_string_lossy(),
                    f.file_name().to_string_lossy()
                );
                out.insert(key, std::fs::read(f.path()).unwrap());
            }
        }
        out
    }

    fn package(tag: &str) -> Vec<(&'static str, Vec<u8>)> {
        ["a.txt", "b.txt"]
            .into_iter()
            .map(|f| (f, format!("{tag} {f}").into_bytes()))
            .collect()
    }

    fn failing_at(point: &str) -> impl Fn(&str) -> anyhow::Result<()> + '_ {
        move |p| {
            if p == point {
                anyhow::bail!("injected failure at {p}");
            }
            Ok(())
        }
    }

    fn no_failure(_: &str) -> anyhow::Result<()> {
        Ok(())
    }

    /// Every point a replace passes, in order, for each way of swapping.
    fn points(swap: Swap) -> Vec<&'static str> {
        let mut p = vec![
            "report:after-write:a.txt",
            "report:after-write:b.txt",
            "report:after-fsync",
            "report:before-rename",
        ];
        if swap == Swap::TwoRenames {
            p.push("report:after-move-aside");
        }
        p.extend(["report:after-exchange", "report:before-remove-old"]);
        p
    }

    #[test]
    fn a_failure_at_any_step_of_a_replace_leaves_the_previous_package_byte_identical() {
        for swap in [Swap::Exchange, Swap::TwoRenames] {
            let d = tempfile::tempdir().unwrap();
            let dir = d.path().join("run1");
            write_package(&dir, &package("old"), &no_failure, swap).unwrap();
            let before = tree(d.path());
            for point in points(swap) {
                let e = write_package(&dir, &package("new"), &failing_at(point), swap)
                    .unwrap_err()
                    .to_string();
                assert_eq!(e, format!("injected failure at {point}"), "{swap:?}");
                assert_eq!(tree(d.path()), before, "{swap:?} {point}");
            }
            write_package(&dir, &package("new"), &no_failure, swap).unwrap();
            let after = tree(d.path());
            assert_eq!(
                after.into_iter().collect::<Vec<_>>(),
                [
                    ("run1/a.txt".into(), b"new a.txt".to_vec()),
                    ("run1/b.txt".into(), b"new b.txt".to_vec())
                ],
                "{swap:?}: one package, the new one, and nothing else"
            );
        }
    }

    #[test]
    fn a_failure_at_any_step_of_a_first_write_leaves_nothing() {
        for swap in [Swap::Exchange, Swap::TwoRenames] {
            let d = tempfile::tempdir().unwrap();
            let dir = d.path().join("run1");
            for point in points(Swap::Exchange) {
                assert!(write_package(&dir, &package("new"), &failing_at(point), swap).is_err());
                assert!(tree(d.path()).is_empty(), "{swap:?} {point}");
            }
        }
    }

    #[test]
    fn the_exchange_trades_two_directories_in_one_step() {
        let d = tempfile::tempdir().unwrap();
        let (a, b) = (d.path().join("a"), d.path().join("b"));
        for (p, text) in [(&a, "in a"), (&b, "in b")] {
            std::fs::create_dir(p).unwrap();
            std::fs::write(p.join("f"), text).unwrap();
        }
        // A filesystem without RENAME_EXCHANGE fails here: `write_atomically` falls back to
        // two renames there (see `Swap::TwoRenames`), and docs/security.md says so.
        super::exchange(&a, &b).unwrap();
        assert_eq!(std::fs::read_to_string(a.join("f")).unwrap(), "in b");
        assert_eq!(std::fs::read_to_string(b.join("f")).unwrap(), "in a");
        let missing = super::exchange(&a, &d.path().join("none")).unwrap_err();
        assert!(!super::exchange_unsupported(&missing), "{missing}");
    }

    #[test]
    fn a_two_rename_replace_killed_between_its_renames_is_undone_by_the_next_write() {
        let d = tempfile::tempdir().unwrap();
        let dir = d.path().join("run1");
        write_package(&dir, &package("old"), &no_failure, Swap::TwoRenames).unwrap();
        let before = tree(d.path());
        // What the kill leaves: the old package aside, the new one complete, nothing at
        // `dir` (the pid is above any pid_max: that process is gone).
        std::fs::rename(&dir, d.path().join(".old-run1-4294967295")).unwrap();
        write_package(
            &d.path().join(".tmp-run1-4294967295"),
            &package("new"),
            &no_failure,
            Swap::Exchange,
        )
        .unwrap();
        // The next write fails before its swap, yet the old package is back.
        let point = "report:before-rename";
        assert!(
            write_package(&dir, &package("newer"), &failing_at(point), Swap::Exchange).is_err()
        );
        assert_eq!(tree(d.path()), before);
    }
}
