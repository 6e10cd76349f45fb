//! The campaign's `[[channels]]` and `[[assets]]` rules: one taxonomy across partners,
//! with hand-computed credit.

use crate::report_facts::{package_file, three_partner_campaign};
use crate::support::run_in;

/// The three-partner campaign with Gamma's touches respelled and a third one added, and the
/// rules below appended to its file.
pub(crate) fn campaign_with(dir: &std::path::Path, rules: &str) -> std::path::PathBuf {
    let file = three_partner_campaign(dir);
    std::fs::write(
        dir.join("data/gamma-touches.csv"),
        "email,company,time,channel,asset\n\
         ann@a1.example,a1.example,2026-03-03 10:00,Event,roadshow\n\
         bob@a2.example,a2.example,2026-03-04 11:00,Event,/roadshow/\n\
         bob@a2.example,a2.example,2026-03-05 09:00,Webinar,recording\n",
    )
    .unwrap();
    let mut text = std::fs::read_to_string(&file).unwrap();
    text.push_str(rules);
    std::fs::write(&file, text).unwrap();
    file
}

pub(crate) const RULES: &str = r#"
[[channels]]
channel = "field_events"
group = "events"
raw_channel = { regex = "(?i)^event$" }

[[channels]]
channel = "beta_email"
partner = "beta"

[[assets]]
asset = "roadshow"
raw_asset = { regex = "^/?roadshow/?$" }
"#;

fn report(dir: &std::path::Path, file: &std::path::Path) -> serde_json::Value {
    let (code, _, stderr) = run_in(
        dir,
        &[
            "track-source",
            "--campaign-file",
            file.to_str().unwrap(),
            "--attribution-model",
            "linear",
            "--dimensions",
            "channel,asset",
            "--detail",
            "full",
        ],
        &[],
    );
    assert_eq!(code, 0, "{stderr}");
    serde_json::from_str(&package_file(dir, "report.json")).unwrap()
}

fn credit(r: &serde_json::Value, dimension: &str) -> Vec<(String, String)> {
    let d = r["credit"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["dimension"] == dimension)
        .unwrap();
    let mut rows: Vec<(String, String)> = d["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            (
                row["value"].as_str().unwrap().to_string(),
                row["pipeline"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    rows.sort();
    rows
}

#[test]
fn channel_and_asset_rules_give_one_taxonomy_with_the_hand_computed_credit() {
    let d = tempfile::tempdir().unwrap();
    let file = campaign_with(d.path(), RULES);
    let r = report(d.path(), &file);
    // By hand, linear. O1 (1,000.00, a1.example): Beta's 03-02 email (rule 2: beta_email)
    // and Gamma's 03-03 Event (rule 1: field_events), 500.00 each. O2 (600.00, a2.example):
    // Gamma's 03-04 Event (field_events) and 03-05 Webinar (no rule: unassigned), 300.00
    // each. Channels: field_events 800.00, beta_email 500.00, unassigned 300.00.
    let s = |a: &str, b: &str| (a.to_string(), b.to_string());
    assert_eq!(
        credit(&r, "channel"),
        vec![
            s("beta_email", "500.00"),
            s("field_events", "800.00"),
            s("unassigned", "300.00")
        ]
    );
    // Assets: `roadshow` and `/roadshow/` are one asset (500.00 + 300.00); `invite` and
    // `recording` match no asset rule and keep their spelling.
    assert_eq!(
        credit(&r, "asset"),
        vec![
            s("invite", "500.00"),
            s("recording", "300.00"),
            s("roadshow", "800.00")
        ]
    );
    let t = &r["data"]["taxonomy"];
    assert_eq!(t["channel_rules"], "campaign");
    // Rule 1 gave 2 touches their channel, rule 2 one; the webinar matched none.
    let touches = |k: &str| -> Vec<u64> {
        t[k].as_array()
            .unwrap()
            .iter()
            .map(|u| u["touches"].as_u64().unwrap())
            .collect()
    };
    assert_eq!(touches("channels"), vec![2, 1]);
    assert_eq!(t["unassigned_touches"], 1);
    assert_eq!(touches("assets"), vec![2]);
    let text = std::fs::read_to_string(&file).unwrap();
    let line = text.lines().position(|l| l == "[[channels]]").unwrap() as u64 + 1;
    assert_eq!(t["channels"][0]["line"].as_u64(), Some(line));
    assert_eq!(
        t["channels"][0]["rule"],
        "raw_channel regex \"(?i)^event$\" → channel \"field_events\" (group \"events\")"
    );
    let unmatched: Vec<(String, u64)> = t["unmatched_assets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["asset"].as_str().unwrap().to_string(),
                u["touches"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        unmatched,
        vec![("invite".into(), 1), ("recording".into(), 1)]
    );
    assert_eq!(t["channel_groups"][0]["channel"], "field_events");
    assert_eq!(t["channel_groups"][0]["group"], "events");
}

#[test]
fn without_rules_the_defaults_keep_the_normalizers_channels() {
    let d = tempfile::tempdir().unwrap();
    let file = campaign_with(d.path(), "");
    let r = report(d.path(), &file);
    let t = &r["data"]["taxonomy"];
    assert_eq!(t["channel_rules"], "default");
    // These touches carry no web medium: the last default rule keeps their own channel.
    let channels: Vec<String> = credit(&r, "channel").into_iter().map(|c| c.0).collect();
    assert!(
        !channels.contains(&"unassigned".to_string()),
        "{channels:?}"
    );
    assert_eq!(t["unassigned_touches"], 0);
    assert_eq!(t["unmatched_assets"].as_array().unwrap().len(), 0);
}

#[test]
fn a_bad_rule_is_refused_with_its_line() {
    for (rules, want) in [
        (
            "\n[[channels]]\nchannel = \"x\"\nmedium = { regex = \"(cpc\" }\n",
            "`medium`: invalid regex \"(cpc\"",
        ),
        (
            "\n[[channels]]\nchannel = \"x\"\nreferrer = \"a\"\n",
            "unknown field `referrer`",
        ),
        (
            "\n[[channels]]\nchannel = \"all\"\n\n[[channels]]\nchannel = \"x\"\nmedium = \"cpc\"\n",
            "`channels`: this rule can never match: the rule at line",
        ),
    ] {
        let d = tempfile::tempdir().unwrap();
        let file = campaign_with(d.path(), rules);
        let stderr = refused(d.path(), &file, &[]);
        assert!(
            stderr.contains("three.toml:") && stderr.contains(want),
            "{stderr}"
        );
    }
}

#[test]
fn the_plan_shows_the_rules_and_logs_a_change_of_them() {
    let d = tempfile::tempdir().unwrap();
    let file = campaign_with(d.path(), RULES);
    report(d.path(), &file);
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, text.replace("(?i)^event$", "(?i)^events?$")).unwrap();
    report(d.path(), &file);
    let plans: Vec<_> = walk(&d.path().join("state"))
        .into_iter()
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    assert_eq!(plans.len(), 1, "{plans:?}");
    let plan: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&plans[0]).unwrap()).unwrap();
    let runs = plan["runs"].as_array().unwrap();
    let line = text.lines().position(|l| l == "[[channels]]").unwrap() + 1;
    assert_eq!(
        runs[1]["channel_rules"][0],
        format!(
            "line {line}: raw_channel regex \"(?i)^events?$\" → channel \"field_events\" (group \"events\")"
        )
    );
    assert_eq!(
        runs[1]["asset_rules"][0].as_str().unwrap(),
        format!(
            "line {}: raw_asset regex \"^/?roadshow/?$\" → asset \"roadshow\"",
            text.lines().position(|l| l == "[[assets]]").unwrap() + 1
        )
    );
    let log = plan["change_log"].as_array().unwrap();
    let change = log.iter().find(|c| c["what"] == "channel rules").unwrap();
    assert!(
        change["from"].as_str().unwrap().contains("^event$"),
        "{change}"
    );
    assert!(
        change["to"].as_str().unwrap().contains("^events?$"),
        "{change}"
    );
    assert!(!log.iter().any(|c| c["what"] == "asset rules"), "{log:?}");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = vec![];
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out
}

pub(crate) fn report_with(
    dir: &std::path::Path,
    file: &std::path::Path,
    extra: &[&str],
) -> serde_json::Value {
    let mut args = vec![
        "track-source",
        "--campaign-file",
        file.to_str().unwrap(),
        "--attribution-model",
        "linear",
        "--dimensions",
        "channel",
        "--detail",
        "full",
    ];
    args.extend_from_slice(extra);
    let (code, _, stderr) = run_in(dir, &args, &[]);
    assert_eq!(code, 0, "{stderr}");
    let out = dir.join("out");
    let newest = walk(&out)
        .into_iter()
        .filter(|p| p.file_name().is_some_and(|n| n == "report.json"))
        .max_by_key(|p| std::fs::metadata(p).unwrap().modified().unwrap())
        .unwrap();
    serde_json::from_str(&std::fs::read_to_string(newest).unwrap()).unwrap()
}

#[test]
fn filters_leave_touches_out_before_attribution_and_say_how_many() {
    let s = |a: &str, b: &str| (a.to_string(), b.to_string());
    // --exclude channel=unassigned: O2 keeps only Gamma's 03-04 Event, which takes all of
    // its 600.00; O1 is as before (500.00 each). field_events 500 + 600 = 1,100.00.
    let d = tempfile::tempdir().unwrap();
    let file = campaign_with(d.path(), RULES);
    let r = report_with(d.path(), &file, &["--exclude", "channel=unassigned"]);
    assert_eq!(
        credit(&r, "channel"),
        vec![s("beta_email", "500.00"), s("field_events", "1100.00")]
    );
    let f = &r["data"]["filters"];
    assert_eq!(f["touches_removed"], 1);
    // The campaign's filters first (here only last touch's default, a journey filter of
    // another model: nothing passed over), then the flags'.
    assert_eq!(f["filters"][0]["scope"], "journeys");
    assert_eq!(f["filters"][0]["touches"], 0);
    assert_eq!(
        f["filters"][1]["filter"],
        "exclude channel \"unassigned\" (--exclude)"
    );
    assert_eq!(f["filters"][1]["scope"], "dataset");
    assert_eq!(f["filters"][1]["touches"], 1);
    assert_eq!(
        f["filters"][1]["journeys_kept_whole"],
        serde_json::Value::Null
    );

    // The campaign's own filter: Beta's touches out. O1 then has Gamma's Event alone
    // (1,000.00); O2 splits 300.00 / 300.00 as before. field_events 1,300.00.
    let d = tempfile::tempdir().unwrap();
    let file = campaign_with(
        d.path(),
        &format!("{RULES}\n[filters]\nexclude = [{{ partner = \"Beta\" }}]\n"),
    );
    let r = report_with(d.path(), &file, &[]);
    assert_eq!(
        credit(&r, "channel"),
        vec![s("field_events", "1300.00"), s("unassigned", "300.00")]
    );
    assert_eq!(r["data"]["filters"]["touches_removed"], 1);
    // --include partner=Gamma keeps the same touches, counted as not included.
    let d2 = tempfile::tempdir().unwrap();
    let file2 = campaign_with(d2.path(), RULES);
    let r2 = report_with(d2.path(), &file2, &["--include", "partner=gamma"]);
    assert_eq!(credit(&r2, "channel"), credit(&r, "channel"));
    assert_eq!(r2["data"]["filters"]["not_included"], 1);
    // A flag filter is part of the run's identity: a different package.
    assert_ne!(r2["run_id"], report_with(d2.path(), &file2, &[])["run_id"]);

    // Bad flags and filters say what is wrong.
    let stderr = refused(d.path(), &file, &["--exclude", "colour=red"]);
    assert!(
        stderr.contains("`colour` is not a field a filter can match"),
        "{stderr}"
    );
    let bad = campaign_with(d.path(), "\n[filters]\nexclude = [{}]\n");
    let stderr = refused(d.path(), &bad, &[]);
    assert!(
        stderr.contains("`filters.exclude`: the filter names no field"),
        "{stderr}"
    );
}

#[test]
fn credit_by_channel_group_follows_the_rules_groups() {
    let d = tempfile::tempdir().unwrap();
    let file = campaign_with(d.path(), RULES);
    let r = report_with(d.path(), &file, &["--dimensions", "channel,channel_group"]);
    // By hand, from the channel credit above: field_events (group "events") 800.00;
    // beta_email (a rule without a group) 500.00 and unassigned (no rule) 300.00 have none.
    let s = |a: &str, b: &str| (a.to_string(), b.to_string());
    assert_eq!(
        credit(&r, "channel_group"),
        vec![s("(none)", "800.00"), s("events", "800.00")]
    );
}

/// Runs track-source on `file` with `extra`, expects a refusal; gives stderr.
fn refused(dir: &std::path::Path, file: &std::path::Path, extra: &[&str]) -> String {
    let mut args = vec!["track-source", "--campaign-file", file.to_str().unwrap()];
    args.extend_from_slice(extra);
    let (code, _, stderr) = run_in(dir, &args, &[]);
    assert_ne!(code, 0, "{args:?} should be refused");
    stderr
}
