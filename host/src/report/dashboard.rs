//! dashboard.html: the report as one page for people.
//!
//! The page is self-contained on purpose: inline CSS, hand-written SVG charts, no script and
//! nothing fetched, so it opens the same from a mail attachment, a shared drive or an
//! air-gapped laptop, and prints the way it looks. Every string taken from the report comes
//! from partner exports and campaign files, so all of it is untrusted and goes through
//! [`esc`]. The output is a pure function of the report (fixed float formatting, no clock),
//! so the same run writes a byte-identical page.

use std::fmt::Write;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::model::*;

/// Escapes text for HTML text and quoted attribute values alike (and SVG `<text>`/`<title>`,
/// which the HTML parser treats the same), so one function serves every context the page
/// uses and no call site has to choose.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            // Control characters (NUL above all) are parse errors in HTML and mean nothing to a reader.
            c if c.is_control() && c != '\n' && c != '\t' => o.push(' '),
            c => o.push(c),
        }
    }
    o
}

/// Renders `dashboard.html`.
pub fn render(r: &crate::text::Sealed<Report>) -> String {
    let mut s = String::with_capacity(64 * 1024);
    s.push_str(&head(r));
    s.push_str("<body>\n<main>\n");
    s.push_str(&banner(r));
    s.push_str(&header(r));
    s.push_str(&cards(r));
    s.push_str(&insights(r));
    s.push_str(&contribution(r));
    s.push_str(&credit(r));
    s.push_str(&funnel(r));
    s.push_str(&assets(r));
    s.push_str(&actions(r));
    s.push_str(&sourcing(r));
    s.push_str(&data_quality(r));
    s.push_str(&footer(r));
    s.push_str("</main>\n</body>\n</html>\n");
    s
}

// ---------------------------------------------------------------------------------------
// Formatting

fn float(d: Decimal) -> f64 {
    d.to_f64().unwrap_or(0.0)
}

/// SVG coordinates: one decimal at most, never `NaN` or `-0`, so output is stable.
fn num(x: f64) -> String {
    if !x.is_finite() {
        return "0".into();
    }
    let r = (x * 10.0).round() / 10.0;
    if r == 0.0 {
        "0".into()
    } else if r.fract() == 0.0 {
        format!("{r:.0}")
    } else {
        format!("{r:.1}")
    }
}

/// A 0–1 share as a percentage; shares computed from a zero total can be NaN.
fn share(x: f64) -> String {
    if x.is_finite() { pct(x) } else { "—".into() }
}

/// A percentage that is already ×100 (percent of target).
fn pct100(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.1}%")
    } else {
        "—".into()
    }
}

use crate::format::thousands as int;

/// Shortens a label for a chart's label column; the caller keeps the full text in a tooltip.
fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(max - 1).collect::<String>())
    }
}

fn stage_label(stage: &str) -> &str {
    match stage {
        "lead" => "Lead",
        "mql" => "MQL",
        "sql" => "SQL",
        "opportunity" => "Opportunity",
        "closed_won" => "Closed won",
        other => other,
    }
}

/// Column headings, where the full names would crowd the numbers out.
fn stage_short(stage: &str) -> &str {
    match stage {
        "opportunity" => "Opp",
        "closed_won" => "Won",
        other => stage_label(other),
    }
}

/// The transition a funnel calls its biggest drop, as an index into `rates`.
fn drop_index(fl: &Funnel) -> Option<usize> {
    let d = fl.biggest_drop.as_deref()?;
    (0..4)
        .find(|&i| d == format!("{} → {}", FUNNEL_STAGES[i], FUNNEL_STAGES[i + 1]))
        .or_else(|| {
            FUNNEL_STAGES
                .iter()
                .position(|s| d.starts_with(s))
                .filter(|&i| i < 4)
        })
}

// ---------------------------------------------------------------------------------------
// SVG charts

/// Charts share one coordinate width; CSS scales them to the column, so font sizes in the
/// stylesheet are in these units and stay proportional on screen and paper.
const W: f64 = 960.0;
/// Width of the row-label column of bar charts.
const LABEL_W: f64 = 200.0;
/// Rows beyond this go to report.json / the CSVs: a chart is for the head of the list.
const MAX_ROWS: usize = 12;

#[derive(Clone, Copy)]
enum Tone {
    Muted,
    Good,
    Warn,
    Bad,
}

impl Tone {
    fn class(self) -> &'static str {
        match self {
            Tone::Muted => "muted",
            Tone::Good => "good",
            Tone::Warn => "warn",
            Tone::Bad => "bad",
        }
    }
}

/// One bar of a [`Panel`].
struct Bar {
    value: f64,
    /// Printed past the bar's end, e.g. `USD 1.2M`.
    label: String,
    /// Printed after the label in a tone, e.g. ` · 45.0%`.
    note: Option<(String, Tone)>,
    /// A marker line at this value, with a caption above it.
    target: Option<(f64, String)>,
}

impl Bar {
    fn new(value: f64, label: String) -> Bar {
        Bar {
            value,
            label,
            note: None,
            target: None,
        }
    }
    fn note(mut self, text: String, tone: Tone) -> Bar {
        self.note = Some((text, tone));
        self
    }
}

/// One measure across all rows, drawn on its own scale: pipeline and revenue differ by an
/// order of magnitude, so sharing a scale would flatten revenue to slivers.
struct Panel {
    title: &'static str,
    /// CSS class giving the bar fill.
    class: &'static str,
    bars: Vec<Bar>,
}

/// Rough text width in chart units for the 12px label font: enough to reserve room for bar
/// labels without measuring, which would need a script.
fn text_w(s: &str) -> f64 {
    s.chars().count() as f64 * 6.6
}

fn svg_open(s: &mut String, id: &str, label: &str, h: f64) {
    let _ = write!(
        s,
        r#"<svg id="{id}" class="chart" viewBox="0 0 {} {}" role="img" aria-label="{}"><title>{}</title>"#,
        num(W),
        num(h),
        esc(label),
        esc(label)
    );
    s.push('\n');
}

/// The chart's place when there is nothing to draw: the id is still there for readers and
/// tests, and the reason says whether the data is empty or was never requested.
fn no_data(id: &str, label: &str, why: &str) -> String {
    let mut s = String::new();
    svg_open(&mut s, id, label, 80.0);
    let _ = writeln!(
        s,
        r#"<rect class="nodata-box" x="1" y="1" width="{}" height="78" rx="6"/>"#,
        num(W - 2.0)
    );
    let _ = writeln!(
        s,
        r#"<text class="nodata" x="{}" y="36" text-anchor="middle">no data</text>"#,
        num(W / 2.0)
    );
    let _ = writeln!(
        s,
        r#"<text class="nodata-why" x="{}" y="58" text-anchor="middle">{}</text>"#,
        num(W / 2.0),
        esc(why)
    );
    s.push_str("</svg>\n");
    s
}

/// Horizontal bars: a label column, then one panel per measure side by side. Every chart on
/// the page but the funnel is one of these.
fn bar_chart(id: &str, label: &str, rows: &[String], panels: &[Panel]) -> String {
    const GAP: f64 = 28.0;
    const TOP: f64 = 30.0;
    const BAR_H: f64 = 16.0;
    let has_target = panels
        .iter()
        .any(|p| p.bars.iter().any(|b| b.target.is_some()));
    // Targets get a caption line above the bar.
    let row_h = if has_target { 42.0 } else { 30.0 };
    let h = TOP + rows.len() as f64 * row_h + 8.0;
    let n = panels.len().max(1) as f64;
    let panel_w = (W - LABEL_W - GAP * (n - 1.0)) / n;

    let mut s = String::new();
    svg_open(&mut s, id, label, h);
    for (i, _) in rows.iter().enumerate().filter(|(i, _)| i % 2 == 1) {
        let _ = writeln!(
            s,
            r#"<rect class="band" x="0" y="{}" width="{}" height="{}"/>"#,
            num(TOP + i as f64 * row_h),
            num(W),
            num(row_h)
        );
    }
    for (i, row) in rows.iter().enumerate() {
        let cy = TOP + i as f64 * row_h + row_h - BAR_H / 2.0 - 7.0;
        let shown = clip(row, 26);
        let tip = if shown != *row {
            format!("<title>{}</title>", esc(row))
        } else {
            String::new()
        };
        let _ = writeln!(
            s,
            r#"<text class="rl" x="{}" y="{}" text-anchor="end">{tip}{}</text>"#,
            num(LABEL_W - 12.0),
            num(cy + 4.0),
            esc(&shown)
        );
    }
    for (k, p) in panels.iter().enumerate() {
        let x0 = LABEL_W + k as f64 * (panel_w + GAP);
        let longest = p
            .bars
            .iter()
            .map(|b| text_w(&b.label) + b.note.as_ref().map(|(t, _)| text_w(t)).unwrap_or(0.0))
            .fold(0.0, f64::max);
        let reserve = (longest + 10.0).clamp(70.0, panel_w * 0.6);
        let span = panel_w - reserve;
        let max = p
            .bars
            .iter()
            .flat_map(|b| [b.value, b.target.as_ref().map(|t| t.0).unwrap_or(0.0)])
            .filter(|v| v.is_finite())
            .fold(0.0, f64::max);
        let scale = if max > 0.0 { span / max } else { 0.0 };
        let _ = writeln!(
            s,
            r#"<rect class="{}" x="{}" y="9" width="10" height="10" rx="2"/>"#,
            p.class,
            num(x0)
        );
        let _ = writeln!(
            s,
            r#"<text class="ptitle" x="{}" y="18">{}</text>"#,
            num(x0 + 16.0),
            esc(p.title)
        );
        let _ = writeln!(
            s,
            r#"<line class="axis" x1="{x}" y1="{}" x2="{x}" y2="{}"/>"#,
            num(TOP - 2.0),
            num(h - 6.0),
            x = num(x0)
        );
        for (i, b) in p.bars.iter().enumerate() {
            let by = TOP + i as f64 * row_h + row_h - BAR_H - 7.0;
            let v = if b.value.is_finite() {
                b.value.max(0.0)
            } else {
                0.0
            };
            // A non-zero value always shows a sliver, so "small" never reads as "none".
            let bw = if v > 0.0 { (v * scale).max(1.5) } else { 0.0 };
            let _ = writeln!(
                s,
                r#"<rect class="{}" x="{}" y="{}" width="{}" height="{}" rx="2"/>"#,
                p.class,
                num(x0),
                num(by),
                num(bw),
                num(BAR_H)
            );
            let mut end = x0 + bw;
            if let Some((t, cap)) = &b.target {
                let tx = x0 + t.max(0.0) * scale;
                end = end.max(tx);
                let _ = writeln!(
                    s,
                    r#"<line class="tgt" x1="{tx}" y1="{}" x2="{tx}" y2="{}"/>"#,
                    num(by - 5.0),
                    num(by + BAR_H + 4.0),
                    tx = num(tx)
                );
                let _ = writeln!(
                    s,
                    r#"<text class="tcap" x="{}" y="{}">{}</text>"#,
                    num(tx - 2.0),
                    num(by - 8.0),
                    esc(cap)
                );
            }
            let note = b
                .note
                .as_ref()
                .map(|(t, tone)| format!(r#"<tspan class="{}">{}</tspan>"#, tone.class(), esc(t)))
                .unwrap_or_default();
            let _ = writeln!(
                s,
                r#"<text class="vl" x="{}" y="{}">{}{note}</text>"#,
                num(end + 6.0),
                num(by + BAR_H / 2.0 + 4.0),
                esc(&b.label)
            );
        }
    }
    s.push_str("</svg>\n");
    s
}

/// The "all partners" funnel: centred bars narrowing stage by stage, the conversion rate
/// between each pair, and the weakest step in red.
fn funnel_svg(id: &str, fl: &Funnel) -> String {
    const TOP: f64 = 8.0;
    const ROW: f64 = 46.0;
    const BAR_H: f64 = 30.0;
    const CX: f64 = 410.0;
    const MAX_W: f64 = 480.0;
    let h = TOP + 5.0 * ROW;
    let top = fl.counts[0].max(1) as f64;
    let width = |c: u64| {
        if c > 0 {
            (c as f64 / top * MAX_W).max(3.0)
        } else {
            0.0
        }
    };
    let worst = drop_index(fl);

    let mut s = String::new();
    svg_open(&mut s, id, &format!("Funnel: {}", fl.group), h);
    for i in 0..5 {
        let y = TOP + i as f64 * ROW;
        let w = width(fl.counts[i]);
        if i < 4 {
            // The neck between two bars, so the stages read as one funnel.
            let w2 = width(fl.counts[i + 1]);
            let _ = writeln!(
                s,
                r#"<polygon class="neck" points="{},{} {},{} {},{} {},{}"/>"#,
                num(CX - w / 2.0),
                num(y + BAR_H),
                num(CX + w / 2.0),
                num(y + BAR_H),
                num(CX + w2 / 2.0),
                num(y + ROW),
                num(CX - w2 / 2.0),
                num(y + ROW)
            );
        }
        let _ = writeln!(
            s,
            r#"<rect class="fbar" x="{}" y="{}" width="{}" height="{}" rx="3"/>"#,
            num(CX - w / 2.0),
            num(y),
            num(w),
            num(BAR_H)
        );
        let _ = writeln!(
            s,
            r#"<text class="rl" x="{}" y="{}" text-anchor="end">{}</text>"#,
            num(CX - MAX_W / 2.0 - 14.0),
            num(y + BAR_H / 2.0 + 4.5),
            esc(stage_label(FUNNEL_STAGES[i]))
        );
        let share_of_leads = if fl.counts[0] > 0 {
            format!(" · {}", share(fl.counts[i] as f64 / fl.counts[0] as f64))
        } else {
            String::new()
        };
        let count = format!("{}{share_of_leads}", int(fl.counts[i]));
        // Inside the bar when it fits, beside it otherwise.
        if w > text_w(&count) + 16.0 {
            let _ = writeln!(
                s,
                r#"<text class="fin" x="{}" y="{}" text-anchor="middle">{}</text>"#,
                num(CX),
                num(y + BAR_H / 2.0 + 4.5),
                esc(&count)
            );
        } else {
            let _ = writeln!(
                s,
                r#"<text class="vl" x="{}" y="{}">{}</text>"#,
                num(CX + w / 2.0 + 8.0),
                num(y + BAR_H / 2.0 + 4.5),
                esc(&count)
            );
        }
        if i < 4 {
            let rate = fl.rates[i].map(share).unwrap_or_else(|| "—".into());
            let is_worst = worst == Some(i);
            let cls = if is_worst { "rate worst" } else { "rate" };
            let tag = if is_worst {
                r#"<tspan class="worst-tag"> biggest drop</tspan>"#
            } else {
                ""
            };
            let _ = writeln!(
                s,
                r#"<text class="{cls}" x="{}" y="{}">↓ {} <tspan class="muted">to {}</tspan>{tag}</text>"#,
                num(CX + MAX_W / 2.0 + 30.0),
                num(y + BAR_H + (ROW - BAR_H) / 2.0 + 4.5),
                esc(&rate),
                esc(stage_label(FUNNEL_STAGES[i + 1]))
            );
        }
    }
    s.push_str("</svg>\n");
    s
}

/// Sourced / influenced / neither as one stacked bar: the three add up to all pipeline.
fn sourcing_svg(id: &str, so: &Sourcing, cur: &str) -> String {
    let parts = [
        ("Partner-sourced", so.sourced, "s-src"),
        ("Partner-influenced", so.influenced, "s-inf"),
        ("No partner touch", so.neither, "s-none"),
    ];
    let total: f64 = parts.iter().map(|p| float(p.1).max(0.0)).sum();
    if total <= 0.0 {
        return no_data(
            id,
            "Sourced vs influenced pipeline",
            "No pipeline in this window.",
        );
    }
    let mut s = String::new();
    svg_open(&mut s, id, "Sourced vs influenced pipeline", 74.0);
    let mut x = 0.0;
    for (_, v, cls) in parts {
        let w = float(v).max(0.0) / total * W;
        if w > 0.0 {
            let _ = writeln!(
                s,
                r#"<rect class="{cls}" x="{}" y="4" width="{}" height="26"/>"#,
                num(x),
                num(w)
            );
        }
        x += w;
    }
    let mut lx = 0.0;
    for (name, v, cls) in parts {
        let text = format!(
            "{name}: {} ({})",
            money_short(v, cur),
            share(float(v).max(0.0) / total)
        );
        let _ = writeln!(
            s,
            r#"<rect class="{cls}" x="{}" y="46" width="12" height="12" rx="2"/>"#,
            num(lx)
        );
        let _ = writeln!(
            s,
            r#"<text class="vl" x="{}" y="56.5">{}</text>"#,
            num(lx + 18.0),
            esc(&text)
        );
        lx += 18.0 + text_w(&text) + 28.0;
    }
    s.push_str("</svg>\n");
    s
}

// ---------------------------------------------------------------------------------------
// Page sections

fn head(r: &Report) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"color-scheme\" content=\"light\">\n<title>{} — attribution dashboard</title>\n<style>\n{CSS}</style>\n</head>\n",
        esc(&r.campaign.name)
    )
}

/// The escalation comes first and loud: a run that escalates needs a person before anyone
/// acts on its numbers.
fn banner(r: &Report) -> String {
    let Some(e) = &r.guardrails.escalation else {
        return String::new();
    };
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<aside id="escalation" class="escalation" role="alert">"#
    );
    let _ = writeln!(
        s,
        "<div class=\"esc-title\">Escalated to {} <span class=\"esc-rung\">rung {}</span></div>",
        esc(&e.rung),
        e.level + 1
    );
    if e.reasons.is_empty() {
        let _ = writeln!(s, "<p>No reason was recorded.</p>");
    } else {
        s.push_str("<ul>\n");
        for reason in &e.reasons {
            let _ = writeln!(s, "<li>{}</li>", esc(reason));
        }
        s.push_str("</ul>\n");
    }
    let _ = writeln!(
        s,
        "<p class=\"esc-note\">Review these numbers with them before acting on the recommendations below.</p>\n</aside>"
    );
    s
}

fn header(r: &Report) -> String {
    let c = &r.campaign;
    let w = &r.window;
    let m = &r.model;
    let params = if m.params.is_empty() {
        "defaults".to_string()
    } else {
        m.params
            .iter()
            .map(|(k, v)| format!("<code>{}={}</code>", esc(k), esc(v)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut s = String::new();
    let _ = writeln!(
        s,
        "<header class=\"top\">\n<div class=\"eyebrow\">Partner co-marketing attribution</div>\n<h1>{}</h1>",
        esc(&c.name)
    );
    s.push_str("<dl class=\"meta\">\n");
    let mut item = |k: &str, v: String| {
        let _ = writeln!(s, "<div><dt>{k}</dt><dd>{v}</dd></div>");
    };
    item(
        "Campaign",
        format!(
            "<code>{}</code> · {} to {} · {}",
            esc(&c.id),
            esc(&c.start),
            esc(&c.end),
            esc(&c.currency)
        ),
    );
    item(
        "Window",
        format!(
            "{} to {} <span class=\"muted\">(<code>{}</code>, lookback {} days)</span>",
            esc(&w.from),
            esc(&w.to),
            esc(&w.spec),
            w.lookback_days
        ),
    );
    item("As of", esc(&w.as_of));
    item(
        "Model",
        format!(
            "<code>{}</code> keyed by {}",
            esc(&m.name),
            esc(&m.attribution_key)
        ),
    );
    item("Parameters", params);
    item(
        "Partners",
        c.partners
            .iter()
            .map(|p| esc(p))
            .collect::<Vec<_>>()
            .join(", "),
    );
    item(
        "Run",
        format!("<code class=\"run\">{}</code>", esc(&r.run_id)),
    );
    s.push_str("</dl>\n</header>\n");
    s
}

fn card(s: &mut String, key: &str, value: &str, sub: &str, tone: Option<Tone>) {
    let cls = tone.map(|t| format!(" {}", t.class())).unwrap_or_default();
    let _ = writeln!(
        s,
        "<div class=\"card{cls}\"><div class=\"k\">{key}</div><div class=\"v\">{value}</div><div class=\"sub\">{sub}</div></div>"
    );
}

fn cards(r: &Report) -> String {
    let h = &r.headline;
    let g = &r.guardrails;
    let cur = &r.campaign.currency;
    let mut s = String::from("<section class=\"cards\" aria-label=\"Headline\">\n");
    card(
        &mut s,
        "Pipeline",
        &esc(&money_short(h.pipeline, cur)),
        &esc(&money(h.pipeline, cur)),
        None,
    );
    card(
        &mut s,
        "Revenue won",
        &esc(&money_short(h.revenue, cur)),
        &esc(&money(h.revenue, cur)),
        None,
    );
    card(
        &mut s,
        "Opportunities",
        &int(h.opportunities),
        &format!(
            "{} touches · {} accounts",
            int(h.touches),
            int(h.accounts_touched)
        ),
        None,
    );
    let win = if h.opportunities > 0 {
        format!("win rate {}", share(h.won as f64 / h.opportunities as f64))
    } else {
        "no opportunities".into()
    };
    card(&mut s, "Won", &int(h.won), &win, None);
    let pipe = float(h.pipeline);
    let un_share = if pipe > 0.0 {
        format!(
            "{} of pipeline · ",
            share(float(h.unattributed_pipeline) / pipe)
        )
    } else {
        String::new()
    };
    card(
        &mut s,
        "Unattributed",
        &esc(&money_short(h.unattributed_pipeline, cur)),
        &format!(
            "{un_share}revenue {}",
            esc(&money_short(h.unattributed_revenue, cur))
        ),
        None,
    );
    let low = g.confidence < g.min_confidence;
    let mut sub = format!("minimum {}", share(g.min_confidence));
    if low {
        sub.push_str(" · <strong>below minimum</strong>");
    }
    if g.open_disputes > 0 {
        let _ = write!(
            sub,
            " · {} open dispute{}",
            int(g.open_disputes),
            if g.open_disputes == 1 { "" } else { "s" }
        );
    }
    card(
        &mut s,
        "Confidence",
        &share(g.confidence),
        &sub,
        Some(if low { Tone::Bad } else { Tone::Good }),
    );
    s.push_str("</section>\n");
    s
}

fn insights(r: &Report) -> String {
    let mut s = String::from("<section id=\"insights\">\n<h2>What matters most</h2>\n");
    if r.insights.is_empty() {
        s.push_str("<p class=\"muted\">No findings for this run.</p>\n");
    } else {
        s.push_str("<ol class=\"insights\">\n");
        for i in &r.insights {
            let _ = writeln!(s, "<li>{}</li>", esc(i));
        }
        s.push_str("</ol>\n");
    }
    s.push_str("</section>\n");
    s
}

fn contribution(r: &Report) -> String {
    let cur = &r.campaign.currency;
    let rows: Vec<&ContributionRow> = r
        .contribution
        .iter()
        .filter(|c| c.channel.is_none())
        .collect();
    let label = "Contribution vs target by partner";
    let svg = if rows.is_empty() {
        no_data(
            "chart-contribution",
            label,
            "No partner contribution in this run.",
        )
    } else {
        let bar = |v: Decimal, t: Option<Decimal>, p: Option<f64>| {
            let b = Bar {
                value: float(v),
                label: money_short(v, cur),
                note: None,
                target: t.map(|t| (float(t), format!("target {}", money_short(t, cur)))),
            };
            match p {
                Some(p) => {
                    let tone = if p >= 100.0 {
                        Tone::Good
                    } else if p >= 70.0 {
                        Tone::Warn
                    } else {
                        Tone::Bad
                    };
                    b.note(format!(" · {} of target", pct100(p)), tone)
                }
                None => b.note(" · no target".into(), Tone::Muted),
            }
        };
        let panels = [
            Panel {
                title: "Pipeline vs target",
                class: "b-pipe",
                bars: rows
                    .iter()
                    .map(|c| bar(c.pipeline, c.pipeline_target, c.pipeline_pct))
                    .collect(),
            },
            Panel {
                title: "Revenue vs target",
                class: "b-rev",
                bars: rows
                    .iter()
                    .map(|c| bar(c.revenue, c.revenue_target, c.revenue_pct))
                    .collect(),
            },
        ];
        bar_chart(
            "chart-contribution",
            label,
            &rows.iter().map(|c| c.partner.clone()).collect::<Vec<_>>(),
            &panels,
        )
    };
    format!(
        "<section id=\"contribution\">\n<h2>Partners against target</h2>\n<figure class=\"chart-box\">\n<figcaption>Credited pipeline and revenue per partner; the dark tick is the target. Targets per channel are in <code>contribution.csv</code>.</figcaption>\n{svg}</figure>\n</section>\n"
    )
}

/// Credit by one dimension, or the reason it is missing.
fn credit_chart(r: &Report, dimension: &str) -> String {
    let cur = &r.campaign.currency;
    let id = format!("chart-{dimension}");
    let label = format!("Credit by {dimension}");
    let Some(d) = r.credit.iter().find(|d| d.dimension == dimension) else {
        return no_data(
            &id,
            &label,
            &format!("Credit by {dimension} was not requested for this run."),
        );
    };
    if d.rows.is_empty() {
        return no_data(
            &id,
            &label,
            &format!("No {dimension} received credit in this window."),
        );
    }
    let rows = &d.rows[..d.rows.len().min(MAX_ROWS)];
    let panels = [
        Panel {
            title: "Pipeline credit",
            class: "b-pipe",
            bars: rows
                .iter()
                .map(|c| {
                    Bar::new(float(c.pipeline), money_short(c.pipeline, cur))
                        .note(format!(" · {}", share(c.pipeline_share)), Tone::Muted)
                })
                .collect(),
        },
        Panel {
            title: "Revenue credit",
            class: "b-rev",
            bars: rows
                .iter()
                .map(|c| {
                    Bar::new(float(c.revenue), money_short(c.revenue, cur))
                        .note(format!(" · {}", share(c.revenue_share)), Tone::Muted)
                })
                .collect(),
        },
    ];
    let mut s = bar_chart(
        &id,
        &label,
        &rows.iter().map(|c| c.value.clone()).collect::<Vec<_>>(),
        &panels,
    );
    if d.rows.len() > MAX_ROWS {
        let _ = writeln!(
            s,
            "<p class=\"more\">and {} more in <code>report.json</code></p>",
            d.rows.len() - MAX_ROWS
        );
    }
    s
}

fn credit(r: &Report) -> String {
    let mut s = String::from("<section id=\"credit\">\n<h2>Where the credit went</h2>\n");
    for (dim, title) in [("partner", "By partner"), ("channel", "By channel")] {
        let _ = write!(
            s,
            "<figure class=\"chart-box\">\n<figcaption><strong>{title}</strong> — attributed pipeline and revenue, with each one's share of the total.</figcaption>\n{}</figure>\n",
            credit_chart(r, dim)
        );
    }
    s.push_str("</section>\n");
    s
}

/// One row per partner (or channel) with its weakest step in red, so where each one loses
/// accounts can be compared down a column.
fn funnel_table(s: &mut String, groups: &[&Funnel], heading: &str, column: &str) {
    let _ = write!(
        s,
        "<h3>{heading}</h3>\n<div class=\"scroll\"><table class=\"funnel\">\n<thead><tr><th>{column}</th>"
    );
    for st in FUNNEL_STAGES {
        let _ = write!(
            s,
            "<th class=\"n\" title=\"{}\">{}</th>",
            stage_label(st),
            stage_short(st)
        );
    }
    for i in 0..4 {
        let _ = write!(
            s,
            "<th class=\"n\" title=\"{} to {}\">{}→{}</th>",
            stage_label(FUNNEL_STAGES[i]),
            stage_label(FUNNEL_STAGES[i + 1]),
            stage_short(FUNNEL_STAGES[i]),
            stage_short(FUNNEL_STAGES[i + 1])
        );
    }
    s.push_str("<th>Biggest drop</th></tr></thead>\n<tbody>\n");
    for fl in groups {
        let worst = drop_index(fl);
        let _ = write!(s, "<tr><th scope=\"row\">{}</th>", esc(&fl.group));
        for c in fl.counts {
            let _ = write!(s, "<td class=\"n\">{}</td>", int(c));
        }
        for (i, rate) in fl.rates.iter().enumerate() {
            let cls = if worst == Some(i) { "n drop" } else { "n" };
            let _ = write!(
                s,
                "<td class=\"{cls}\">{}</td>",
                rate.map(share).unwrap_or_else(|| "—".into())
            );
        }
        let drop = match (worst, &fl.biggest_drop) {
            (Some(i), _) => format!(
                "<span class=\"drop\">{} → {}</span> ({})",
                stage_label(FUNNEL_STAGES[i]),
                stage_label(FUNNEL_STAGES[i + 1]),
                fl.rates[i].map(share).unwrap_or_else(|| "—".into())
            ),
            (None, Some(d)) => esc(d),
            (None, None) => "—".into(),
        };
        let _ = writeln!(s, "<td class=\"nowrap\">{drop}</td></tr>");
    }
    s.push_str("</tbody>\n</table></div>\n");
}

fn funnel(r: &Report) -> String {
    let mut s =
        String::from("<section id=\"funnel\">\n<h2>Funnel</h2>\n<figure class=\"chart-box\">\n");
    match r.funnel.iter().find(|fl| fl.group_by == "all") {
        Some(all) if all.counts.iter().any(|&c| c > 0) => {
            let _ = write!(
                s,
                "<figcaption><strong>{}</strong> — accounts reaching each stage, and the rate from one stage to the next.</figcaption>\n{}",
                esc(&all.group),
                funnel_svg("chart-funnel", all)
            );
        }
        _ => {
            let _ = write!(
                s,
                "<figcaption><strong>All partners</strong></figcaption>\n{}",
                no_data(
                    "chart-funnel",
                    "Funnel",
                    "No accounts reached the funnel in this window."
                )
            );
        }
    }
    s.push_str("</figure>\n");
    for (by, heading, column) in [
        ("partner", "By partner", "Partner"),
        ("channel", "By first-touch channel", "Channel"),
    ] {
        let groups: Vec<&Funnel> = r.funnel.iter().filter(|fl| fl.group_by == by).collect();
        if !groups.is_empty() {
            funnel_table(&mut s, &groups, heading, column);
        }
    }
    s.push_str("</section>\n");
    s
}

fn assets(r: &Report) -> String {
    let cur = &r.campaign.currency;
    let label = "Top assets";
    let svg = if r.top_assets.is_empty() {
        no_data(
            "chart-assets",
            label,
            "No asset received credit in this window.",
        )
    } else {
        let rows = &r.top_assets[..r.top_assets.len().min(MAX_ROWS)];
        let pipe = |a: &TopRow| {
            let mut note = format!(
                " · {} opp{}",
                int(a.opportunities),
                if a.opportunities == 1 { "" } else { "s" }
            );
            if let Some(x) = a.pipeline_per_spend.filter(|x| x.is_finite()) {
                let _ = write!(note, " · {x:.1}× spend");
            }
            Bar::new(float(a.pipeline), money_short(a.pipeline, cur)).note(note, Tone::Muted)
        };
        let panels = [
            Panel {
                title: "Pipeline credit",
                class: "b-pipe",
                bars: rows.iter().map(pipe).collect(),
            },
            Panel {
                title: "Revenue credit",
                class: "b-rev",
                bars: rows
                    .iter()
                    .map(|a| Bar::new(float(a.revenue), money_short(a.revenue, cur)))
                    .collect(),
            },
        ];
        bar_chart(
            "chart-assets",
            label,
            &rows.iter().map(|a| a.value.clone()).collect::<Vec<_>>(),
            &panels,
        )
    };
    format!(
        "<section id=\"assets\">\n<h2>Top assets</h2>\n<figure class=\"chart-box\">\n<figcaption>Assets by pipeline credit; “× spend” is pipeline per unit of the spend the campaign file gives.</figcaption>\n{svg}</figure>\n</section>\n"
    )
}

fn actions(r: &Report) -> String {
    let mut s = String::from("<section id=\"actions\">\n<h2>Recommended actions</h2>\n");
    if r.actions.is_empty() {
        s.push_str(
            "<p class=\"muted\">No actions: the run found nothing to change.</p>\n</section>\n",
        );
        return s;
    }
    s.push_str("<div class=\"scroll\"><table class=\"actions\">\n<thead><tr><th class=\"n\">#</th><th>Subject</th><th>Action</th><th>Evidence</th><th>Owner</th></tr></thead>\n<tbody>\n");
    for a in &r.actions {
        let _ = writeln!(
            s,
            "<tr><td class=\"n\">{}</td><td><span class=\"kind\">{}</span> {}</td><td>{}</td><td class=\"muted\">{}</td><td>{}</td></tr>",
            a.priority,
            esc(&a.subject_kind),
            esc(&a.subject),
            esc(&a.action),
            esc(&a.evidence),
            esc(&a.owner)
        );
    }
    s.push_str("</tbody>\n</table></div>\n</section>\n");
    s
}

fn sourcing(r: &Report) -> String {
    let so = &r.sourcing;
    let cur = &r.campaign.currency;
    let mut s = String::from(
        "<section id=\"sourcing\">\n<h2>Sourced vs influenced</h2>\n<figure class=\"chart-box\">\n",
    );
    s.push_str(&sourcing_svg("chart-sourcing", so, cur));
    let _ = writeln!(
        s,
        "<figcaption class=\"rule\">{}</figcaption>\n</figure>",
        esc(&so.rule)
    );
    if let (Some(w), Some(wo)) = (
        so.days_to_close_with_partner,
        so.days_to_close_without_partner,
    ) {
        let _ = writeln!(
            s,
            "<p>Won deals with a partner touch closed in <strong>{w:.0} days</strong> on average, against <strong>{wo:.0} days</strong> without.</p>"
        );
    }
    if !so.by_partner.is_empty() {
        s.push_str("<div class=\"scroll\"><table>\n<thead><tr><th>Partner</th><th class=\"n\">Sourced</th><th class=\"n\">Opps</th><th class=\"n\">Influenced</th><th class=\"n\">Opps</th></tr></thead>\n<tbody>\n");
        for p in &so.by_partner {
            let _ = writeln!(
                s,
                "<tr><th scope=\"row\">{}</th><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                esc(&p.partner),
                esc(&money(p.sourced, cur)),
                int(p.sourced_opportunities),
                esc(&money(p.influenced, cur)),
                int(p.influenced_opportunities)
            );
        }
        s.push_str("</tbody>\n</table></div>\n");
    }
    s.push_str("</section>\n");
    s
}

fn data_quality(r: &Report) -> String {
    let d = &r.data;
    let g = &r.guardrails;
    let mut s = String::from("<section id=\"data-quality\">\n<h2>Data quality</h2>\n");
    let _ = writeln!(
        s,
        "<p class=\"facts\"><span>Identity match rate <strong>{}</strong></span><span>Unresolved touches <strong>{}</strong></span><span>Merged duplicates <strong>{}</strong> touches, <strong>{}</strong> conversions</span></p>",
        share(d.identity_match_rate),
        int(d.touches_unresolved),
        int(d.merged_touches),
        int(d.merged_conversions)
    );
    if !g.confidence_parts.is_empty() {
        s.push_str("<p class=\"facts\"><span>Confidence parts:</span>");
        for (k, v) in &g.confidence_parts {
            let _ = write!(s, "<span><code>{}</code> {}</span>", esc(k), share(*v));
        }
        s.push_str("</p>\n");
    }
    if d.sources.is_empty() {
        s.push_str("<p class=\"muted\">No sources were read.</p>\n</section>\n");
        return s;
    }
    s.push_str("<div class=\"scroll\"><table class=\"sources\">\n<thead><tr><th>Source</th><th>Partner</th><th>File</th><th class=\"n\">Read</th><th class=\"n\">Normalized</th><th class=\"n\">Merged</th><th class=\"n\">Rejected</th><th class=\"n\">Freshness</th><th class=\"n\">SLA</th><th>Status</th></tr></thead>\n<tbody>\n");
    for src in &d.sources {
        let fresh = src
            .freshness_hours
            .filter(|h| h.is_finite())
            .map(|h| format!("{h:.1} h"))
            .unwrap_or_else(|| "—".into());
        let sla = src
            .freshness_sla_hours
            .map(|h| format!("{} h", int(h)))
            .unwrap_or_else(|| "—".into());
        let status = match src.within_sla {
            Some(true) => "<span class=\"pill good\">within SLA</span>",
            Some(false) => "<span class=\"pill bad\">stale</span>",
            None => "<span class=\"pill muted\">no SLA</span>",
        };
        let rej_cls = if src.rejected > 0 { "n warn" } else { "n" };
        let _ = writeln!(
            s,
            "<tr><th scope=\"row\">{}</th><td>{}</td><td class=\"file\"><code>{}</code></td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"{rej_cls}\">{}</td><td class=\"n\">{fresh}</td><td class=\"n\">{sla}</td><td>{status}</td></tr>",
            esc(&src.source),
            esc(&src.partner),
            esc(&src.file),
            int(src.rows_read),
            int(src.normalized),
            int(src.merged),
            int(src.rejected)
        );
        if src.empty_amounts > 0 {
            let _ = writeln!(
                s,
                "<tr class=\"rejects\"><td></td><td colspan=\"9\">Warning: {} conversion(s) with an empty amount, counted as 0.</td></tr>",
                int(src.empty_amounts)
            );
        }
        if !src.first_rejects.is_empty() {
            let list = src
                .first_rejects
                .iter()
                .map(|x| esc(x))
                .collect::<Vec<_>>()
                .join("; ");
            let _ = writeln!(
                s,
                "<tr class=\"rejects\"><td></td><td colspan=\"9\">First rejects: {list}{}</td></tr>",
                if src.rejected > src.first_rejects.len() as u64 {
                    " … (all in <code>rejects.csv</code>)"
                } else {
                    ""
                }
            );
        }
    }
    s.push_str("</tbody>\n</table></div>\n</section>\n");
    s
}

fn footer(r: &Report) -> String {
    let mut s = String::from("<footer>\n");
    if !r.model.notes.is_empty() {
        s.push_str("<p><strong>Model notes.</strong> ");
        s.push_str(
            &r.model
                .notes
                .iter()
                .map(|n| esc(n))
                .collect::<Vec<_>>()
                .join(" "),
        );
        s.push_str("</p>\n");
    }
    if !r.plugins.is_empty() {
        s.push_str("<p><strong>Plugins.</strong> ");
        let list: Vec<String> = r
            .plugins
            .iter()
            .map(|p| {
                let sha = p.sha256.strip_prefix("sha256:").unwrap_or(&p.sha256);
                format!(
                    "{} <code>{}</code> <span class=\"muted\" title=\"{}\">{}</span>",
                    esc(&p.role),
                    esc(&p.name),
                    esc(&p.sha256),
                    esc(&sha.chars().take(12).collect::<String>())
                )
            })
            .collect();
        s.push_str(&list.join(" · "));
        s.push_str("</p>\n");
    }
    let _ = writeln!(
        s,
        "<p>Rendered by ascribe from <code>report.json</code> (schema {}) of run <code>{}</code>.</p>\n</footer>",
        r.schema_version,
        esc(&r.run_id)
    );
    s
}

/// The one stylesheet of both pages (host/views/style.css).
const CSS: &str = include_str!("../../views/style.css");

#[cfg(test)]
mod tests {
    use super::*;

    /// The page of a report, sealed as the pipeline seals it.
    fn render(r: &Report) -> String {
        super::render(&crate::text::seal(r.clone()))
    }

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn credit_row(
        value: &str,
        pipeline: &str,
        ps: f64,
        revenue: &str,
        rs: f64,
        opps: u64,
        won: u64,
    ) -> CreditRow {
        CreditRow {
            value: value.into(),
            pipeline: d(pipeline),
            pipeline_share: ps,
            revenue: d(revenue),
            revenue_share: rs,
            opportunities: opps,
            won,
        }
    }

    fn asset(value: &str, pipeline: &str, revenue: &str, opps: u64, spend: Option<&str>) -> TopRow {
        let spend = spend.map(d);
        TopRow {
            value: value.into(),
            pipeline: d(pipeline),
            revenue: d(revenue),
            opportunities: opps,
            spend,
            pipeline_per_spend: spend.map(|s| float(d(pipeline)) / float(s)),
        }
    }

    fn funnel_row(group_by: &str, group: &str, counts: [u64; 5]) -> Funnel {
        let rates: [Option<f64>; 4] = std::array::from_fn(|i| {
            (counts[i] > 0).then(|| counts[i + 1] as f64 / counts[i] as f64)
        });
        let biggest_drop = (0..4)
            .filter_map(|i| rates[i].map(|r| (i, r)))
            .min_by(|a, b| a.1.partial_cmp(&b.1).unwrap().then(a.0.cmp(&b.0)))
            .map(|(i, _)| format!("{} → {}", FUNNEL_STAGES[i], FUNNEL_STAGES[i + 1]));
        Funnel {
            group_by: group_by.into(),
            group: group.into(),
            counts,
            rates,
            biggest_drop,
        }
    }

    fn contribution(
        partner: &str,
        channel: Option<&str>,
        pipeline: &str,
        revenue: &str,
        pt: Option<&str>,
        rt: Option<&str>,
    ) -> ContributionRow {
        let pct = |v: &str, t: Option<&str>| t.map(|t| float(d(v)) / float(d(t)) * 100.0);
        ContributionRow {
            partner: partner.into(),
            channel: channel.map(String::from),
            pipeline: d(pipeline),
            revenue: d(revenue),
            pipeline_target: pt.map(d),
            revenue_target: rt.map(d),
            pipeline_pct: pct(pipeline, pt),
            revenue_pct: pct(revenue, rt),
        }
    }

    const HOSTILE: &str = "<script>alert(1)</script>";

    /// Two partners, four channels, a hostile asset name, targets and an escalation.
    fn sample() -> Report {
        Report {
            schema_version: SCHEMA_VERSION,
            run_id: "r-3f9a1c2b7d4e".into(),
            campaign: CampaignRef {
                id: "q3-cloud-summit".into(),
                name: "Q3 Cloud Summit co-marketing".into(),
                start: "2026-07-01".into(),
                end: "2026-09-30".into(),
                currency: "USD".into(),
                partners: vec!["Nimbus Cloud".into(), "Stratus & Co".into()],
            },
            window: WindowRef { spec: "campaign".into(), from: "2026-07-01".into(), to: "2026-09-30".into(), as_of: "2026-10-01".into(), lookback_days: 90 },
            model: ModelRef {
                name: "w-shaped@1.0.0".into(),
                sha256: "sha256:0123456789abcdef".into(),
                attribution_key: "account".into(),
                params: vec![("first".into(), "0.3".into()), ("lead".into(), "0.3".into()), ("opportunity".into(), "0.3".into())],
                notes: vec!["Touches after the opportunity share the remaining 10%.".into()],
            },
            headline: Headline {
                pipeline: d("4123456.78"),
                revenue: d("987654.32"),
                opportunities: 312,
                won: 58,
                unattributed_pipeline: d("412000"),
                unattributed_revenue: d("52000"),
                touches: 18234,
                accounts_touched: 1411,
                non_converting_journeys: 1099,
            },
            credit: vec![
                DimensionCredit {
                    dimension: "partner".into(),
                    rows: vec![credit_row("Nimbus Cloud", "2210000", 0.597, "610000", 0.65, 180, 35), credit_row("Stratus & Co", "1501456.78", 0.403, "325654.32", 0.35, 120, 21)],
                },
                DimensionCredit {
                    dimension: "channel".into(),
                    rows: vec![
                        credit_row("webinar", "1620000", 0.438, "402000", 0.428, 140, 26),
                        credit_row("paid-social", "980000", 0.265, "251000", 0.267, 88, 15),
                        credit_row("email", "702000", 0.19, "190000", 0.202, 61, 11),
                        credit_row("events", "409456.78", 0.107, "92654.32", 0.099, 30, 4),
                    ],
                },
            ],
            top_assets: vec![
                asset("ai-webinar-1", "910000", "240000", 61, Some("12000")),
                asset("cloud-cost-ebook", "640000", "150000", 44, None),
                asset(HOSTILE, "320000", "61000", 20, Some("8000")),
                asset("partner-roadshow-emea", "205000", "0", 9, None),
            ],
            top_segments: vec![],
            funnel: vec![
                funnel_row("all", "all partners", [1411, 620, 401, 312, 58]),
                funnel_row("partner", "Nimbus Cloud", [820, 390, 260, 200, 37]),
                funnel_row("partner", "Stratus & Co", [640, 250, 96, 80, 40]),
                funnel_row("channel", "webinar", [700, 350, 220, 170, 31]),
            ],
            sourcing: Sourcing {
                rule: "Partner-sourced: first touch within 30 days.".into(),
                sourced: d("1800000"),
                influenced: d("1900000"),
                neither: d("423456.78"),
                by_partner: vec![
                    PartnerSourcing { partner: "Nimbus Cloud".into(), sourced: d("1100000"), sourced_opportunities: 60, influenced: d("1000000"), influenced_opportunities: 90 },
                    PartnerSourcing { partner: "Stratus & Co".into(), sourced: d("700000"), sourced_opportunities: 40, influenced: d("900000"), influenced_opportunities: 70 },
                ],
                days_to_close_with_partner: Some(41.2),
                days_to_close_without_partner: Some(63.9),
            },
            contribution: vec![
                contribution("Nimbus Cloud", None, "2210000", "610000", Some("2500000"), Some("800000")),
                contribution("Nimbus Cloud", Some("webinar"), "900000", "240000", Some("600000"), Some("150000")),
                contribution("Stratus & Co", None, "1501456.78", "325654.32", Some("1200000"), None),
            ],
            insights: vec![
                "Nimbus Cloud carries 59.7% of pipeline credit but is at 88.4% of its pipeline target.".into(),
                "The biggest funnel drop is sql → opportunity for Stratus & Co.".into(),
                format!("Asset {HOSTILE} returns the least pipeline per unit of spend."),
            ],
            actions: vec![
                Action {
                    priority: 1,
                    subject_kind: "asset".into(),
                    subject: HOSTILE.into(),
                    action: "Rework or cut.".into(),
                    evidence: "USD 320,000.00 pipeline on USD 8,000.00 spend (40.0×).".into(),
                    owner: "Dana <dana@nimbus.example>".into(),
                },
                Action {
                    priority: 2,
                    subject_kind: "partner".into(),
                    subject: "Stratus & Co".into(),
                    action: "Fix the mql → sql step.".into(),
                    evidence: "96 of 250 accounts move on (38.4%).".into(),
                    owner: "Lee".into(),
                },
            ],
            data: DataQuality {
                sources: vec![
                    SourceRow {
                        source: "salesforce".into(),
                        partner: "Nimbus Cloud".into(),
                        file: "nimbus-opps.csv".into(),
                        sha256: "sha256:aa".into(),
                        rows_read: 12000,
                        normalized: 11950,
                        merged: 30,
                        rejected: 20,
                        empty_amounts: 0,
                        first_rejects: vec!["row 17 (amount): not a number".into()],
                        freshness_hours: Some(20.5),
                        freshness_sla_hours: Some(24),
                        within_sla: Some(true),
                        out_of_window: 0,
                        future_dated: 0,
                    },
                    SourceRow {
                        source: "hubspot".into(),
                        partner: "Stratus & Co".into(),
                        file: "stratus-touches.csv".into(),
                        sha256: "sha256:bb".into(),
                        rows_read: 8000,
                        normalized: 8000,
                        merged: 0,
                        rejected: 0,
                        empty_amounts: 0,
                        first_rejects: vec![],
                        freshness_hours: Some(73.0),
                        freshness_sla_hours: Some(48),
                        within_sla: Some(false),
                        out_of_window: 0,
                        future_dated: 0,
                    },
                ],
                identity_match_rate: 0.912,
                touches_unresolved: 412,
                merged_touches: 30,
                merged_conversions: 2,
            },
            guardrails: Guardrails {
                confidence: 0.58,
                confidence_parts: vec![("identity".into(), 0.91), ("freshness".into(), 0.5)],
                min_confidence: 0.6,
                open_disputes: 1,
                escalation: Some(Escalation { rung: "RevOps/Finance partners".into(), level: 1, reasons: vec!["confidence 58.0% is below the minimum 60.0%".into(), "hubspot data is 73.0 h old (SLA 48 h)".into()] }),
            },
            plugins: vec![PluginRef { role: "model".into(), name: "w-shaped@1.0.0".into(), sha256: "sha256:0123456789abcdef".into() }],
        }
    }

    const CHART_IDS: [&str; 5] = [
        "chart-partner",
        "chart-channel",
        "chart-contribution",
        "chart-funnel",
        "chart-assets",
    ];

    #[test]
    fn every_chart_is_present() {
        let html = render(&sample());
        for id in CHART_IDS {
            assert_eq!(
                html.matches(&format!("id=\"{id}\"")).count(),
                1,
                "{id} appears exactly once"
            );
        }
        assert!(
            !html.contains("no data"),
            "the sample has data for every chart"
        );
        assert!(html.starts_with("<!doctype html>") && html.trim_end().ends_with("</html>"));
    }

    #[test]
    fn data_is_escaped() {
        let html = render(&sample());
        assert!(
            !html.contains(HOSTILE),
            "the hostile asset name must not reach the page as markup"
        );
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(html.contains("Stratus &amp; Co"));
        // An address is scrubbed even from the campaign file's own owner field (no address
        // in any output), and what is left is escaped.
        assert!(html.contains("Dana &lt;&lt;e-mail&gt;&gt;"));
        assert!(
            !html.to_lowercase().contains("<script"),
            "the page has no script at all"
        );
        assert_eq!(esc(r#"a"b'c<d>&"#), "a&quot;b&#39;c&lt;d&gt;&amp;");
    }

    #[test]
    fn hostile_names_cannot_break_attributes() {
        let mut r = sample();
        let evil = "x\" onmouseover=\"alert(1)";
        r.credit[0].rows[0].value =
            format!("{evil} with a name long enough to be clipped in the chart");
        r.plugins[0].sha256 = evil.into();
        let html = render(&r);
        assert!(!html.contains(evil));
        assert!(html.contains("x&quot; onmouseover=&quot;alert(1)"));
    }

    #[test]
    fn nothing_is_fetched() {
        let html = render(&sample()).to_lowercase();
        for bad in [
            "http://",
            "https://",
            "<script src",
            "<link",
            "@import",
            "url(",
            "<img",
            "<iframe",
        ] {
            assert!(
                !html.contains(bad),
                "the page must be self-contained: found {bad}"
            );
        }
    }

    #[test]
    fn escalation_banner_iff_escalated() {
        let r = sample();
        let html = render(&r);
        assert!(html.contains("id=\"escalation\""));
        assert!(html.contains("Escalated to RevOps/Finance partners"));
        assert!(html.contains("rung 2"));
        assert!(html.contains("hubspot data is 73.0 h old (SLA 48 h)"));
        let mut calm = r;
        calm.guardrails.escalation = None;
        let html = render(&calm);
        assert!(!html.contains("id=\"escalation\""));
        assert!(!html.contains("Escalated to"));
    }

    #[test]
    fn empty_report_still_has_every_chart() {
        let mut r = sample();
        r.credit.clear();
        r.funnel.clear();
        r.contribution.clear();
        r.top_assets.clear();
        let html = render(&r);
        for id in CHART_IDS {
            let at = html
                .find(&format!("id=\"{id}\""))
                .unwrap_or_else(|| panic!("{id} is missing"));
            let end = at + html[at..].find("</svg>").unwrap();
            assert!(html[at..end].contains("no data"), "{id} says no data");
        }
        assert!(html.contains("Credit by channel was not requested"));
    }

    #[test]
    fn missing_dimension_only_blanks_its_chart() {
        let mut r = sample();
        r.credit.retain(|c| c.dimension == "partner");
        let html = render(&r);
        let at = html.find("id=\"chart-partner\"").unwrap();
        assert!(!html[at..at + html[at..].find("</svg>").unwrap()].contains("no data"));
        assert!(html.contains("Credit by channel was not requested for this run."));
    }

    #[test]
    fn funnel_calls_out_the_biggest_drop() {
        let html = render(&sample());
        // Stratus & Co: 250 → 96 is its weakest step (38.4%).
        assert!(html.contains("<span class=\"drop\">MQL → SQL</span> (38.4%)"));
        assert!(html.contains("biggest drop"));
    }

    #[test]
    fn numbers_are_formatted_stably() {
        assert_eq!(num(f64::NAN), "0");
        assert_eq!(num(-0.01), "0");
        assert_eq!(num(12.0), "12");
        assert_eq!(num(12.345), "12.3");
        assert_eq!(int(1234567), "1,234,567");
        assert_eq!(clip("abcdef", 4), "abc…");
        assert_eq!(share(f64::NAN), "—");
    }
}
