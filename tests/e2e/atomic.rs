//! Replacing a package: a re-run of the same run id that fails, or is killed, at any step
//! of writing its package leaves the previous package whole, byte for byte, or (once the
//! new one has taken its place) the new one whole; never a mix, never neither. The next
//! run leaves exactly one package and nothing temporary, in the output or the state.
//!
//! The steps are the fail points of `report::write_atomically` and `plan::Store::write`,
//! driven by `ASCRIBE_FAIL_AT` (`<point>`: an error; `<point>:abort`: a kill).

use std::collections::BTreeMap;
use std::path::Path;

use crate::support::*;

/// Every file under `dir`, hidden ones included, relative path → bytes.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(base: &Path, d: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in std::fs::read_dir(d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                let key = p.strip_prefix(base).unwrap().display().to_string();
                out.insert(key, std::fs::read(&p).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// Marks every file of the package so the old one cannot pass for the new; returns it.
fn mark_old(out: &Path) -> BTreeMap<String, Vec<u8>> {
    for (f, mut bytes) in tree(out) {
        bytes.extend_from_slice(b"\n(the previous package)\n");
        std::fs::write(out.join(f), bytes).unwrap();
    }
    tree(out)
}

/// The demo campaign run once: its directory, its campaign file, the package's directory
/// (`out/<campaign>`, holding one package) and that package's files.
fn first_run() -> (
    tempfile::TempDir,
    std::path::PathBuf,
    std::path::PathBuf,
    BTreeMap<String, Vec<u8>>,
) {
    let (dir, file) = campaign_copy(|t| t);
    let (code, _, err) = track_in(dir.path(), &file, &[]);
    assert_eq!(code, 0, "{err}");
    let out = dir.path().join("out/ai-launch-tour");
    let fresh = tree(&out);
    let packages: Vec<_> = std::fs::read_dir(&out).unwrap().flatten().collect();
    assert_eq!(packages.len(), 1);
    assert_eq!(fresh.len(), 8, "{:?}", fresh.keys());
    (dir, file, out, fresh)
}

/// Every step of writing the package, in order: each file written and fsynced, the
/// directory fsynced, the exchange, the old package about to be removed.
fn report_steps(fresh: &BTreeMap<String, Vec<u8>>) -> Vec<String> {
    let mut steps: Vec<String> = fresh
        .keys()
        .map(|k| format!("report:after-write:{}", k.rsplit('/').next().unwrap()))
        .collect();
    for s in [
        "report:after-fsync",
        "report:before-rename",
        "report:after-exchange",
        "report:before-remove-old",
    ] {
        steps.push(s.into());
    }
    steps
}

/// `out` holds exactly the package `fresh` and nothing else.
fn assert_one_package(out: &Path, fresh: &BTreeMap<String, Vec<u8>>, context: &str) {
    let now = tree(out);
    let differ: Vec<_> = now
        .keys()
        .chain(fresh.keys())
        .filter(|k| now.get(*k) != fresh.get(*k))
        .collect();
    assert!(
        differ.is_empty(),
        "{context}: not one package and nothing else; differing: {differ:?}"
    );
}

/// The state directory holds the plan and nothing else: no lock, no temporary copy.
fn assert_state_clean(dir: &Path, context: &str) {
    let state: Vec<_> = tree(&dir.join("state")).into_keys().collect();
    assert_eq!(state, ["plans/plan-ai-launch-tour.json"], "{context}");
}

#[test]
fn a_failure_at_any_step_of_a_package_replace_leaves_the_previous_package_byte_identical() {
    let (dir, file, out, fresh) = first_run();
    let run = track(&file, &[]);
    let old = mark_old(&out);
    for point in report_steps(&fresh) {
        let (code, _, err) = run_in(dir.path(), &args(&run), &[("ASCRIBE_FAIL_AT", &point)]);
        assert_eq!(code, 1, "{point}: {err}");
        let injected = format!("injected failure at {point} (ASCRIBE_FAIL_AT)");
        assert!(err.contains(&injected), "{point}: {err}");
        // Equal trees: the same package, byte for byte, and nothing temporary beside it.
        assert!(
            tree(&out) == old,
            "{point}: the previous package is not intact"
        );
        assert_state_clean(dir.path(), &point);
    }
    let (code, _, err) = run_in(dir.path(), &args(&run), &[]);
    assert_eq!(code, 0, "{err}");
    assert_one_package(&out, &fresh, "after the run that went through");
    assert_state_clean(dir.path(), "after the run that went through");
}

#[test]
fn a_run_killed_at_any_step_of_a_package_replace_leaves_the_old_package_or_the_new_never_neither() {
    let (dir, file, out, fresh) = first_run();
    let run = track(&file, &[]);
    let plan = dir.path().join("state/plans/plan-ai-launch-tour.json");
    let mut steps: Vec<(String, bool)> = report_steps(&fresh)
        .into_iter()
        .map(|s| {
            let swapped = s == "report:after-exchange" || s == "report:before-remove-old";
            (s, swapped)
        })
        .collect();
    steps.push(("plan:before-rename".into(), true));
    steps.push(("plan:after-rename".into(), true));
    for (point, swapped) in steps {
        let old = mark_old(&out);
        let plan_before = std::fs::read(&plan).unwrap();
        let kill = format!("{point}:abort");
        let (code, _, err) = run_in(dir.path(), &args(&run), &[("ASCRIBE_FAIL_AT", &kill)]);
        assert_eq!(code, -1, "{point}: killed by a signal, not an exit: {err}");
        // The package's own directory holds one whole package: the old one until the
        // exchange, the new one from then on. Leftovers of the kill may lie beside it.
        let id = old.keys().next().unwrap().split('/').next().unwrap();
        let package: BTreeMap<_, _> = tree(&out)
            .into_iter()
            .filter(|(k, _)| k.starts_with(&format!("{id}/")))
            .collect();
        let (expected, which) = if swapped {
            (&fresh, "new")
        } else {
            (&old, "old")
        };
        assert!(
            &package == expected,
            "{point}: the {which} package is not there whole: {:?}",
            package.keys().collect::<Vec<_>>()
        );
        if point.starts_with("report:") {
            assert_eq!(std::fs::read(&plan).unwrap(), plan_before, "{point}: plan");
        }
        // The next run takes over the lock, sweeps the leftovers, and goes through.
        let (code, _, err) = run_in(dir.path(), &args(&run), &[]);
        assert_eq!(code, 0, "{point}: {err}");
        assert_one_package(&out, &fresh, &point);
        assert_state_clean(dir.path(), &point);
    }
}
