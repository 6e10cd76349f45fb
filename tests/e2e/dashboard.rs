//! dashboard.html in a real browser: headless Chromium renders the page, a screenshot is
//! kept for people to look at, the DOM must hold every chart, and the page must not log a
//! single console message (it has no script, so any message is an error — including one
//! from a report string that escaped into markup).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ascribe::report::dashboard::render;
use ascribe::report::schema::*;

use crate::support::workspace;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHART_IDS: [&str; 9] = [
    "chart-partner",
    "chart-channel",
    "chart-trend-partner",
    "chart-trend-channel",
    "chart-stages-partner",
    "chart-stages-channel",
    "chart-contribution",
    "chart-funnel",
    "chart-assets",
];
/// Generous: a cold Chromium start on a loaded CI machine takes seconds.
const TIMEOUT: Duration = Duration::from_secs(120);

struct Run {
    stdout: String,
    stderr: String,
}

/// Runs Chromium once with a fresh profile and the flags that keep it off the network and
/// quiet, with `extra` and the page URL appended.
fn chromium(extra: &[String], url: &str) -> Result<Run, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let profile = dir.path().join("profile");
    let (out_path, err_path) = (dir.path().join("stdout"), dir.path().join("stderr"));
    // Output goes to files, not pipes: a pipe nobody drains while we wait could fill and
    // block Chromium until the timeout.
    let mut child = Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(["--enable-logging=stderr", "--v=0"])
        .args(extra)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(File::create(&out_path).map_err(|e| e.to_string())?)
        .stderr(File::create(&err_path).map_err(|e| e.to_string())?)
        .spawn()
        .map_err(|e| format!("starting {CHROMIUM}: {e}"))?;
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().map_err(|e| e.to_string())? {
            break s;
        }
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!(
                "chromium did not finish within {}s",
                TIMEOUT.as_secs()
            ));
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let read = |p: &Path| {
        std::fs::read(p)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .map_err(|e| e.to_string())
    };
    let run = Run {
        stdout: read(&out_path)?,
        stderr: read(&err_path)?,
    };
    if !status.success() {
        return Err(format!(
            "chromium exited with {status}; stderr:\n{}",
            run.stderr
        ));
    }
    Ok(run)
}

/// Console messages and uncaught exceptions from the page. Chromium logs each as
/// `[…:INFO:CONSOLE:1] "Uncaught Error: x", source: file:///…/page.html (1)` (older builds:
/// `CONSOLE(1)`); the level is not in the line, so every message from a `file:` page counts.
/// Chromium's own noise (D-Bus, GPU) is ignored.
fn console_errors(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .filter(|l| {
            l.contains("Uncaught")
                || ((l.contains(":CONSOLE:") || l.contains(":CONSOLE("))
                    && l.contains("source: file://"))
        })
        .map(str::to_string)
        .collect()
}

/// Opens `html_path` in headless Chromium: writes a 1366-wide screenshot to `screenshot`,
/// requires every chart id in the rendered DOM, and fails on any console error.
pub fn check_in_browser(html_path: &Path, screenshot: &Path) -> Result<(), String> {
    // Checked before anything is touched, so a missing browser leaves the last screenshot.
    if !Path::new(CHROMIUM).is_file() {
        return Err(format!(
            "{CHROMIUM} is missing: install Debian's `chromium` package (`apt-get install -y chromium`); CI installs it"
        ));
    }
    let html_path = html_path
        .canonicalize()
        .map_err(|e| format!("{}: {e}", html_path.display()))?;
    let url = format!("file://{}", html_path.display());
    let mut problems = vec![];

    if let Some(dir) = screenshot.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    }
    let _ = std::fs::remove_file(screenshot);
    let shot = chromium(
        &[
            format!("--screenshot={}", screenshot.display()),
            "--window-size=1366,2400".into(),
            "--hide-scrollbars".into(),
        ],
        &url,
    )?;
    match std::fs::read(screenshot) {
        Ok(png) if png.starts_with(b"\x89PNG\r\n\x1a\n") && png.len() > 10_000 => {}
        Ok(png) => problems.push(format!(
            "{} is not a plausible screenshot ({} bytes)",
            screenshot.display(),
            png.len()
        )),
        Err(e) => problems.push(format!("no screenshot at {}: {e}", screenshot.display())),
    }

    let dom = chromium(&["--dump-dom".into()], &url)?;
    for id in CHART_IDS {
        if !dom.stdout.contains(&format!("id=\"{id}\"")) {
            problems.push(format!("the rendered DOM has no #{id}"));
        }
    }

    for line in console_errors(&shot.stderr)
        .into_iter()
        .chain(console_errors(&dom.stderr))
    {
        problems.push(format!("console: {line}"));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

/// If escaping ever failed, this would run and the console check would catch it.
const HOSTILE: &str = r#"<script>throw new Error("unescaped")</script>"#;

/// The dashboard's own sample report (every chart filled), with a hostile name that
/// would throw if it were ever not escaped.
fn sample() -> Report {
    ascribe::report::dashboard::sample::report(HOSTILE)
}

#[test]
fn dashboard_renders_in_chromium() {
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("dashboard.html");
    std::fs::write(&html, render(&ascribe::text::seal(sample()))).unwrap();
    let shot: PathBuf = workspace()
        .join("target")
        .join("screenshots")
        .join("dashboard-sample.png");
    check_in_browser(&html, &shot)
        .unwrap_or_else(|e| panic!("dashboard.html failed in the browser:\n{e}"));
}

/// The console check has to be able to fail: a page that throws must not pass.
#[test]
fn browser_check_catches_script_errors() {
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("broken.html");
    let page = render(&ascribe::text::seal(sample())).replace(
        "</body>",
        "<script>throw new Error(\"deliberate\")</script>\n</body>",
    );
    std::fs::write(&html, page).unwrap();
    let err = check_in_browser(&html, &dir.path().join("broken.png"))
        .expect_err("a page that throws must fail the check");
    assert!(err.contains("Uncaught Error: deliberate"), "{err}");
    assert!(!err.contains("DOM"), "only the console should fail: {err}");
}

/// One section of the sample's page alone, for a screenshot of its charts at a size
/// people can read: the page's own head and stylesheet, and the section as rendered. The
/// screenshot goes to `target/screenshots/<shot>`.
fn section_renders_in_chromium(section: &str, ids: &[&str], shot: &str) {
    let page = render(&ascribe::text::seal(sample()));
    let open = format!("<section id=\"{section}\">");
    let start = page
        .find(&open)
        .unwrap_or_else(|| panic!("a {section} section"));
    let end = start + page[start..].find("</section>").unwrap() + "</section>".len();
    let head = &page[..page.find("<main>").unwrap() + "<main>".len()];
    let html = format!("{head}\n{}\n</main>\n</body>\n</html>\n", &page[start..end]);
    for id in ids {
        assert!(html.contains(&format!("id=\"{id}\"")), "{id}");
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("{section}.html"));
    std::fs::write(&path, html).unwrap();
    if !Path::new(CHROMIUM).is_file() {
        panic!("{CHROMIUM} is missing: install Debian's `chromium` package");
    }
    let shot: PathBuf = workspace().join("target").join("screenshots").join(shot);
    std::fs::create_dir_all(shot.parent().unwrap()).unwrap();
    let _ = std::fs::remove_file(&shot);
    let url = format!("file://{}", path.canonicalize().unwrap().display());
    let run = chromium(
        &[
            format!("--screenshot={}", shot.display()),
            "--window-size=1366,1000".into(),
            "--hide-scrollbars".into(),
        ],
        &url,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let png = std::fs::read(&shot).unwrap_or_else(|e| panic!("{}: {e}", shot.display()));
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n") && png.len() > 10_000);
    assert_eq!(console_errors(&run.stderr), Vec::<String>::new());
}

#[test]
fn trend_charts_render_in_chromium() {
    section_renders_in_chromium(
        "trends",
        &["chart-trend-partner", "chart-trend-channel"],
        "dashboard-trends.png",
    );
}

#[test]
fn credit_charts_with_their_whiskers_render_in_chromium() {
    section_renders_in_chromium(
        "credit",
        &["chart-partner", "chart-channel"],
        "dashboard-credit.png",
    );
}

#[test]
fn stage_charts_render_in_chromium() {
    section_renders_in_chromium(
        "stages",
        &["chart-stages-partner", "chart-stages-channel"],
        "dashboard-stages.png",
    );
}

#[test]
fn asset_and_contribution_charts_with_their_whiskers_render_in_chromium() {
    section_renders_in_chromium("assets", &["chart-assets"], "dashboard-assets.png");
    section_renders_in_chromium(
        "contribution",
        &["chart-contribution"],
        "dashboard-contribution.png",
    );
}
