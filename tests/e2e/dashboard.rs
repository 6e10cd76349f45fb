//! dashboard.html in a real browser: headless Chromium renders the page, a screenshot is
//! kept for people to look at, the DOM must hold every chart, and the page must not log a
//! single console message (it has no script, so any message is an error — including one
//! from a report string that escaped into markup).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ascribe::report::dashboard::render;
use ascribe::report::dashboard::sample::{sample_stages, sample_trends};
use ascribe::report::schema::*;
use rust_decimal::Decimal;

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

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

/// If escaping ever failed, this would run and the console check would catch it.
const HOSTILE: &str = r#"<script>throw new Error("unescaped")</script>"#;

fn credit(value: &str, pipeline: &str, ps: f64, revenue: &str, rs: f64) -> CreditRow {
    CreditRow {
        value: value.into(),
        pipeline: d(pipeline),
        pipeline_share: ps,
        revenue: d(revenue),
        revenue_share: rs,
        opportunities: 10,
        won: 2,
    }
}

fn asset(
    value: &str,
    pipeline: &str,
    revenue: &str,
    opportunities: u64,
    spend: Option<&str>,
) -> TopRow {
    let pps = spend.map(|s| (d(pipeline) / d(s)).try_into().unwrap());
    TopRow {
        value: value.into(),
        pipeline: d(pipeline),
        revenue: d(revenue),
        opportunities,
        spend: spend.map(d),
        pipeline_per_spend: pps,
    }
}

fn funnel(group_by: &str, group: &str, counts: [u64; 5]) -> Funnel {
    let rates: [Option<f64>; 4] =
        std::array::from_fn(|i| (counts[i] > 0).then(|| counts[i + 1] as f64 / counts[i] as f64));
    let worst = (0..4)
        .filter_map(|i| rates[i].map(|r| (i, r)))
        .min_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
    Funnel {
        group_by: group_by.into(),
        group: group.into(),
        counts,
        rates,
        biggest_drop: worst
            .map(|(i, _)| format!("{} → {}", FUNNEL_STAGES[i], FUNNEL_STAGES[i + 1])),
    }
}

fn target(
    partner: &str,
    pipeline: &str,
    revenue: &str,
    pt: &str,
    rt: Option<&str>,
) -> ContributionRow {
    let pct = |v: &str, t: &str| Some((d(v) / d(t) * Decimal::from(100)).try_into().unwrap());
    ContributionRow {
        partner: partner.into(),
        channel: None,
        pipeline: d(pipeline),
        revenue: d(revenue),
        pipeline_target: Some(d(pt)),
        revenue_target: rt.map(d),
        pipeline_pct: pct(pipeline, pt),
        revenue_pct: rt.and_then(|t| pct(revenue, t)),
    }
}

fn source(
    source: &str,
    partner: &str,
    file: &str,
    read: u64,
    rejected: u64,
    fresh: f64,
    sla: u64,
) -> SourceRow {
    SourceRow {
        source: source.into(),
        partner: partner.into(),
        file: file.into(),
        sha256: "sha256:00".into(),
        rows_read: read,
        normalized: read - rejected,
        merged: 0,
        rejected,
        empty_amounts: 0,
        first_rejects: if rejected > 0 {
            vec!["row 17 (amount): not a number".into()]
        } else {
            vec![]
        },
        freshness_hours: Some(fresh),
        freshness_sla_hours: Some(sla),
        within_sla: Some(fresh <= sla as f64),
        out_of_window: 0,
        future_dated: 0,
    }
}

/// A campaign with two partners, every chart filled, and an escalation.
fn sample() -> Report {
    Report {
        schema_version: SCHEMA_VERSION,
        run_id: "r-7c1e0b95a2d4".into(),
        campaign: CampaignRef {
            id: "fy26-q3-cloud".into(),
            name: "FY26 Q3 Cloud Migration co-marketing".into(),
            start: "2026-07-01".into(),
            end: "2026-09-30".into(),
            currency: "USD".into(),
            partners: vec!["Nimbus Cloud".into(), "Stratus & Co".into()],
        },
        window: WindowRef { spec: "campaign".into(), from: "2026-07-01".into(), to: "2026-09-30".into(), as_of: "2026-10-01".into(), lookback_days: 90 },
        model: ModelRef {
            name: "time-decay@1.0.0".into(),
            sha256: "sha256:5e2a".into(),
            attribution_key: "account".into(),
            params: vec![("half_life_days".into(), "7".into())],
            notes: vec!["Credit halves every 7 days before the conversion.".into()],
            internals: vec![],
        },
        headline: Headline {
            pipeline: d("3650000"),
            revenue: d("912500"),
            opportunities: 248,
            won: 47,
            unattributed_pipeline: d("290000"),
            unattributed_revenue: d("41000"),
            touches: 15210,
            accounts_touched: 1288,
            non_converting_journeys: 1040,
        },
        credit: vec![
            DimensionCredit { dimension: "partner".into(), rows: vec![credit("Nimbus Cloud", "2016000", 0.6, "570000", 0.65), credit("Stratus & Co", "1344000", 0.4, "301500", 0.35)] },
            DimensionCredit {
                dimension: "channel".into(),
                rows: vec![
                    credit("webinar", "1310000", 0.39, "361000", 0.415),
                    credit("paid-social", "890000", 0.265, "222000", 0.255),
                    credit("email", "705000", 0.21, "170000", 0.195),
                    credit("events", "455000", 0.135, "118500", 0.135),
                ],
            },
        ],
        top_assets: vec![
            asset("migration-webinar-series", "820000", "230000", 52, Some("15000")),
            asset("tco-calculator", "610000", "140000", 41, None),
            asset("partner-roadshow-emea", "350000", "90000", 19, Some("40000")),
            asset(HOSTILE, "180000", "25000", 8, None),
        ],
        top_segments: vec![],
        funnel: vec![
            funnel("all", "all partners", [1288, 590, 362, 248, 47]),
            funnel("partner", "Nimbus Cloud", [760, 380, 240, 160, 33]),
            funnel("partner", "Stratus & Co", [600, 230, 90, 80, 40]),
        ],
        sourcing: Sourcing {
            rule: "Partner-sourced: the first touch was the partner's, at most 30 days before the opportunity.".into(),
            sourced: d("1500000"),
            influenced: d("1700000"),
            neither: d("450000"),
            by_partner: vec![
                PartnerSourcing { partner: "Nimbus Cloud".into(), sourced: d("900000"), sourced_opportunities: 55, influenced: d("1000000"), influenced_opportunities: 70 },
                PartnerSourcing { partner: "Stratus & Co".into(), sourced: d("600000"), sourced_opportunities: 35, influenced: d("700000"), influenced_opportunities: 52 },
            ],
            days_to_close_with_partner: Some(38.0),
            days_to_close_without_partner: Some(61.5),
        },
        contribution: vec![target("Nimbus Cloud", "2016000", "570000", "2500000", Some("800000")), target("Stratus & Co", "1344000", "301500", "1200000", None)],
        trends: sample_trends(
            &[("Nimbus Cloud", 2016000, 570000), ("Stratus & Co", 1344000, 301500)],
            &[("webinar", 1310000, 361000), ("paid-social", 890000, 222000), ("email", 705000, 170000), ("events", 455000, 118500)],
        ),
        paths: None,
        stages: sample_stages(&["Nimbus Cloud", "Stratus & Co"], &["webinar", "email", HOSTILE]),
        insights: vec![
            "Nimbus Cloud earns 60.0% of pipeline credit but is at 80.6% of its pipeline target.".into(),
            "The biggest funnel drop is opportunity → closed_won: 47 of 248 accounts (19.0%).".into(),
            "Webinars return the most pipeline per unit of spend (54.7×).".into(),
        ],
        actions: vec![
            Action {
                priority: 1,
                subject_kind: "partner".into(),
                subject: "Stratus & Co".into(),
                action: "Fix the mql → sql step: it loses the most accounts in this partner's funnel.".into(),
                evidence: "90 of 230 accounts move on (39.1%).".into(),
                owner: "Lee Park".into(),
            },
            Action {
                priority: 2,
                subject_kind: "asset".into(),
                subject: HOSTILE.into(),
                action: "Rework or cut.".into(),
                evidence: "USD 180,000.00 pipeline, no spend recorded.".into(),
                owner: "Dana Ruiz".into(),
            },
        ],
        data: DataQuality {
            sources: vec![source("salesforce", "Nimbus Cloud", "nimbus-opportunities.csv", 12000, 14, 20.5, 24), source("hubspot", "Stratus & Co", "stratus-contacts.csv", 8000, 0, 73.0, 48)],
            identity_match_rate: 0.93,
            touches_unresolved: 388,
            merged_touches: 26,
            merged_conversions: 1,
            taxonomy: Default::default(),
            filters: Default::default(),
        },
        guardrails: Guardrails {
            confidence: 0.57,
            confidence_parts: vec![("identity".into(), 0.93), ("freshness".into(), 0.5)],
            min_confidence: 0.6,
            open_disputes: 0,
            escalation: Some(Escalation { rung: "RevOps/Finance partners".into(), level: 1, reasons: vec!["confidence 57.0% is below the minimum 60.0%".into(), "hubspot data is 73.0 h old (SLA 48 h)".into()] }),
        },
        plugins: vec![PluginRef { role: "model".into(), name: "time-decay@1.0.0".into(), sha256: "sha256:5e2a".into() }],
    }
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
fn stage_charts_render_in_chromium() {
    section_renders_in_chromium(
        "stages",
        &["chart-stages-partner", "chart-stages-channel"],
        "dashboard-stages.png",
    );
}
