//! compare.html: the comparison as one self-contained page — inline CSS, a hand-written SVG
//! grouped bar chart, the tables, no script, nothing fetched. Every string that came from
//! data, a campaign file or a plugin (values, model names, parameters, errors) goes through
//! `esc`. The page is a pure function of the comparison, so the same run writes the same
//! bytes.

use std::fmt::Write;

use rust_decimal::Decimal;

use super::{CALLED_OUT, Comparison, Row};
use crate::report::dashboard::esc;
use crate::report::model::{money, pct};

/// Chart coordinates; CSS scales the SVG to the column.
const W: f64 = 960.0;
const LABEL_W: f64 = 190.0;
/// Values beyond this are in the table only: a chart is for the head of the list.
const MAX_ROWS: usize = 12;
/// Model colours, in column order (distinct in print and for common colour blindness).
const PALETTE: [&str; 10] = [
    "#2563eb", "#ea580c", "#059669", "#dc2626", "#7c3aed", "#0891b2", "#db2777", "#65a30d",
    "#475569", "#ca8a04",
];

fn colour(i: usize) -> &'static str {
    PALETTE[i % PALETTE.len()]
}

/// SVG numbers: one decimal at most, never NaN or -0.
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

fn share(x: f64) -> String {
    if x.is_finite() { pct(x) } else { "—".into() }
}

/// Percentage points, for differences of shares.
fn pp(x: f64) -> String {
    format!("{:.1} pp", x * 100.0)
}

/// Money with grouping but without the currency code (the table header names it).
fn amount(d: Decimal, cur: &str) -> String {
    let m = money(d, cur);
    m.strip_prefix(&format!("{cur} ")).unwrap_or(&m).to_string()
}

fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(max - 1).collect::<String>())
    }
}

fn text_w(s: &str, px: f64) -> f64 {
    s.chars().count() as f64 * px * 0.56
}

pub fn render(cmp: &crate::text::Sealed<Comparison>) -> String {
    let mut s = String::with_capacity(64 * 1024);
    let _ = write!(
        s,
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"color-scheme\" content=\"light\">\n<title>{} — model comparison</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n<main>\n",
        esc(&cmp.campaign.name)
    );
    s.push_str(&header(cmp));
    s.push_str(&failures(cmp));
    s.push_str(&callout(cmp));
    s.push_str(&chart(cmp));
    s.push_str(&credit_table(cmp));
    s.push_str(&agreement_table(cmp));
    s.push_str(&models_table(cmp));
    s.push_str(&footer(cmp));
    s.push_str("</main>\n</body>\n</html>\n");
    s
}

fn header(cmp: &Comparison) -> String {
    let c = &cmp.campaign;
    let w = &cmp.window;
    let ok = cmp.models.iter().filter(|m| m.ok()).count();
    let mut s = String::new();
    let _ = writeln!(
        s,
        "<header class=\"top\">\n<div class=\"eyebrow\">Attribution models side by side</div>\n<h1>{}</h1>",
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
            "{} to {} <span class=\"muted\">(<code>{}</code>, as of {}, lookback {} days)</span>",
            esc(&w.from),
            esc(&w.to),
            esc(&w.spec),
            esc(&w.as_of),
            w.lookback_days
        ),
    );
    item(
        "Compared",
        format!(
            "{} by {} <span class=\"muted\">(models keyed by {})</span>",
            esc(&cmp.measure),
            esc(&cmp.dimension),
            esc(&cmp.attribution_key)
        ),
    );
    item(
        "Total",
        format!(
            "{} from {} conversions <span class=\"muted\">({} unattributed)</span>",
            esc(&money(cmp.total, &c.currency)),
            cmp.conversions,
            esc(&money(cmp.unattributed, &c.currency))
        ),
    );
    item(
        "Models",
        format!(
            "{ok} of {} completed{}",
            cmp.models.len(),
            if ok < cmp.models.len() {
                " <span class=\"bad\">· see the failures below</span>"
            } else {
                ""
            }
        ),
    );
    item("Run", format!("<code>compare-{}</code>", esc(&cmp.run_id)));
    s.push_str("</dl>\n</header>\n");
    s
}

fn failures(cmp: &Comparison) -> String {
    let failed: Vec<_> = cmp.models.iter().filter(|m| !m.ok()).collect();
    if failed.is_empty() {
        return String::new();
    }
    let mut s = String::from("<aside id=\"failures\" class=\"failures\" role=\"alert\">\n");
    let _ = writeln!(
        s,
        "<div class=\"f-title\">{} of {} models failed; the others completed</div>\n<ul>",
        failed.len(),
        cmp.models.len()
    );
    for m in failed {
        let _ = writeln!(
            s,
            "<li><strong>{}</strong>: <span class=\"err\">{}</span></li>",
            esc(&m.label),
            esc(m.error.as_deref().unwrap_or(""))
        );
    }
    s.push_str("</ul>\n</aside>\n");
    s
}

fn callout(cmp: &Comparison) -> String {
    let mut s =
        String::from("<section id=\"disagreement\">\n<h2>Where the models disagree most</h2>\n");
    if cmp.disagreements.is_empty() {
        let why = if cmp.models.iter().filter(|m| m.ok()).count() < 2 {
            "Fewer than two models completed: there is nothing to compare."
        } else {
            "Every model gives every value the same share."
        };
        let _ = writeln!(s, "<p class=\"muted\">{why}</p>");
    } else {
        s.push_str("<ol class=\"callout\">\n");
        for d in &cmp.disagreements {
            let _ = writeln!(
                s,
                "<li><strong>{}</strong>: from <span class=\"nowrap\">{} ({})</span> to <span class=\"nowrap\">{} ({})</span> <span class=\"pill\">spread {}</span></li>",
                esc(&d.value),
                esc(&share(d.low.share)),
                esc(&d.low.model),
                esc(&share(d.high.share)),
                esc(&d.high.model),
                esc(&pp(d.spread))
            );
        }
        s.push_str("</ol>\n");
        let _ = writeln!(
            s,
            "<p class=\"rule\">Spread: the largest share any model gives the value minus the smallest. The {CALLED_OUT} largest are listed.</p>"
        );
    }
    s.push_str("</section>\n");
    s
}

/// Horizontal grouped bars: one group per value (the head of the table), one bar per
/// completed model, all on one share scale so bars compare across groups and models.
fn chart(cmp: &Comparison) -> String {
    let ok: Vec<usize> = (0..cmp.models.len())
        .filter(|&m| cmp.models[m].ok())
        .collect();
    let rows: Vec<&Row> = cmp.rows.iter().take(MAX_ROWS).collect();
    let title = format!("Share of {} by {}, per model", cmp.measure, cmp.dimension);
    let mut s = String::from("<section id=\"chart\">\n<figure>\n");
    let _ = writeln!(
        s,
        "<figcaption><strong>{}</strong>{}</figcaption>",
        esc(&title),
        if cmp.rows.len() > MAX_ROWS {
            format!(
                " <span class=\"muted\">— the {MAX_ROWS} values with the largest mean share; all {} are in the table</span>",
                cmp.rows.len()
            )
        } else {
            String::new()
        }
    );

    // Legend: one swatch per model, wrapped to the chart's width.
    const LEGEND_ROW: f64 = 20.0;
    let mut legend: Vec<(f64, f64, usize)> = vec![];
    let (mut x, mut y) = (LABEL_W, 14.0);
    for &m in &ok {
        let w = 14.0 + text_w(&cmp.models[m].label, 12.0) + 18.0;
        if x + w > W && x > LABEL_W {
            x = LABEL_W;
            y += LEGEND_ROW;
        }
        legend.push((x, y, m));
        x += w;
    }
    let top = y + 18.0;
    const BAR: f64 = 9.0;
    const STEP: f64 = 11.0;
    const PAD: f64 = 14.0;
    let group_h = ok.len().max(1) as f64 * STEP + PAD;
    let axis_h = 22.0;
    let h = top + rows.len() as f64 * group_h + axis_h;
    let max = rows
        .iter()
        .flat_map(|r| r.cells.iter().flatten().map(|c| c.share))
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max);
    // Gridlines every 5, 10 or 20 points, whichever gives at most 8 lines.
    let step = [0.05, 0.1, 0.2, 0.25, 0.5]
        .into_iter()
        .find(|st| max / st <= 8.0)
        .unwrap_or(0.5);
    let top_tick = ((max / step).ceil() * step).max(step);
    let span = W - LABEL_W - 56.0;
    let xs = |v: f64| LABEL_W + v / top_tick * span;

    let _ = writeln!(
        s,
        r#"<svg id="chart-compare" class="chart" viewBox="0 0 {} {}" role="img" aria-label="{}"><title>{}</title>"#,
        num(W),
        num(h),
        esc(&title),
        esc(&title)
    );
    if rows.is_empty() || ok.is_empty() {
        let _ = writeln!(
            s,
            r#"<text class="nodata" x="{}" y="{}" text-anchor="middle">no data: {}</text>"#,
            num(W / 2.0),
            num(top + 20.0),
            if ok.is_empty() {
                "no model completed"
            } else {
                "nothing was credited"
            }
        );
        s.push_str("</svg>\n</figure>\n</section>\n");
        return s;
    }
    for (lx, ly, m) in &legend {
        let _ = writeln!(
            s,
            r#"<rect x="{}" y="{}" width="12" height="12" rx="2" fill="{}"/><text class="lg" x="{}" y="{}">{}</text>"#,
            num(*lx),
            num(ly - 10.0),
            colour(*m),
            num(lx + 17.0),
            num(*ly),
            esc(&cmp.models[*m].label)
        );
    }
    // Bands and gridlines behind the bars.
    for (i, _) in rows.iter().enumerate().filter(|(i, _)| i % 2 == 1) {
        let _ = writeln!(
            s,
            r#"<rect class="band" x="0" y="{}" width="{}" height="{}"/>"#,
            num(top + i as f64 * group_h),
            num(W),
            num(group_h)
        );
    }
    let mut t = 0.0;
    while t <= top_tick + 1e-9 {
        let gx = xs(t);
        let _ = writeln!(
            s,
            r#"<line class="grid" x1="{gx}" y1="{}" x2="{gx}" y2="{}"/><text class="tick" x="{gx}" y="{}" text-anchor="middle">{}</text>"#,
            num(top - 4.0),
            num(h - axis_h + 2.0),
            num(h - 6.0),
            format_args!("{:.0}%", t * 100.0),
            gx = num(gx)
        );
        t += step;
    }
    for (i, row) in rows.iter().enumerate() {
        let gy = top + i as f64 * group_h + PAD / 2.0;
        let shown = clip(&row.value, 26);
        let tip = if shown != row.value {
            format!("<title>{}</title>", esc(&row.value))
        } else {
            String::new()
        };
        let _ = writeln!(
            s,
            r#"<text class="rl" x="{}" y="{}" text-anchor="end">{tip}{}</text>"#,
            num(LABEL_W - 10.0),
            num(gy + ok.len() as f64 * STEP / 2.0 + 4.0),
            esc(&shown)
        );
        for (k, &m) in ok.iter().enumerate() {
            let Some(cell) = row.cells[m] else { continue };
            let by = gy + k as f64 * STEP;
            let v = if cell.share.is_finite() {
                cell.share.max(0.0)
            } else {
                0.0
            };
            let bw = if v > 0.0 {
                (xs(v) - LABEL_W).max(1.5)
            } else {
                0.0
            };
            let _ = writeln!(
                s,
                r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}: {}</title></rect><text class="vl" x="{}" y="{}">{}</text>"#,
                num(LABEL_W),
                num(by),
                num(bw),
                num(BAR),
                colour(m),
                esc(&cmp.models[m].label),
                esc(&share(cell.share)),
                num(LABEL_W + bw + 4.0),
                num(by + BAR - 0.5),
                esc(&share(cell.share))
            );
        }
    }
    let _ = writeln!(
        s,
        r#"<line class="axis" x1="{x}" y1="{}" x2="{x}" y2="{}"/>"#,
        num(top - 4.0),
        num(h - axis_h + 2.0),
        x = num(LABEL_W)
    );
    s.push_str("</svg>\n</figure>\n</section>\n");
    s
}

fn credit_table(cmp: &Comparison) -> String {
    let cur = &cmp.campaign.currency;
    let mut s = String::from("<section id=\"credit\">\n");
    let _ = writeln!(
        s,
        "<h2>Credited {} by {} <span class=\"muted\">({}, exact; share of what each model credited)</span></h2>\n<div class=\"scroll\">\n<table id=\"table-credit\" class=\"credit\">\n<thead><tr><th>{}</th>",
        esc(&cmp.measure),
        esc(&cmp.dimension),
        esc(cur),
        esc(&cmp.dimension)
    );
    for (i, m) in cmp.models.iter().enumerate() {
        let _ = write!(
            s,
            "<th class=\"n\"><span class=\"sw\" style=\"background:{}\"></span>{}{}</th>",
            colour(i),
            esc(&m.label),
            if m.ok() {
                ""
            } else {
                " <span class=\"pill bad\">failed</span>"
            }
        );
    }
    s.push_str("<th class=\"n\">spread</th></tr></thead>\n<tbody>\n");
    let n_rows = cmp.rows.len().max(1);
    let error_cell = |s: &mut String, i: usize, first: bool| {
        if first {
            let _ = write!(
                s,
                "<td class=\"err\" rowspan=\"{n_rows}\">{}</td>",
                esc(cmp.models[i].error.as_deref().unwrap_or(""))
            );
        }
    };
    for (r, row) in cmp.rows.iter().enumerate() {
        let _ = write!(s, "<tr><th>{}</th>", esc(&row.value));
        for (i, cell) in row.cells.iter().enumerate() {
            match cell {
                Some(c) => {
                    let _ = write!(
                        s,
                        "<td class=\"n\">{}<div class=\"sh\">{}</div></td>",
                        esc(&amount(c.amount, cur)),
                        esc(&share(c.share))
                    );
                }
                None => error_cell(&mut s, i, r == 0),
            }
        }
        let hot = cmp.disagreements.iter().any(|d| d.value == row.value);
        let _ = writeln!(
            s,
            "<td class=\"n{}\">{}</td></tr>",
            if hot { " hot" } else { "" },
            esc(&pp(row.spread))
        );
    }
    if cmp.rows.is_empty() {
        s.push_str("<tr><th class=\"muted\">nothing credited</th>");
        for (i, m) in cmp.models.iter().enumerate() {
            if m.ok() {
                s.push_str("<td class=\"n\">—</td>");
            } else {
                error_cell(&mut s, i, true);
            }
        }
        s.push_str("<td></td></tr>\n");
    }
    s.push_str("</tbody>\n<tfoot><tr><th>credited</th>");
    for m in &cmp.models {
        let _ = write!(
            s,
            "<td class=\"n\">{}</td>",
            m.credited
                .map(|d| esc(&amount(d, cur)))
                .unwrap_or_else(|| "—".into())
        );
    }
    s.push_str("<td></td></tr></tfoot>\n</table>\n</div>\n</section>\n");
    s
}

fn rho_class(r: Option<f64>) -> &'static str {
    match r {
        Some(r) if r >= 0.8 => "good",
        Some(r) if r >= 0.5 => "warn",
        Some(_) => "bad",
        None => "muted",
    }
}

fn agreement_table(cmp: &Comparison) -> String {
    let mut s = String::from("<section id=\"agreement\">\n<h2>Agreement between models</h2>\n");
    if cmp.agreement.is_empty() {
        s.push_str("<p class=\"muted\">Fewer than two models completed.</p>\n");
        s.push_str("<table id=\"table-agreement\"></table>\n</section>\n");
        return s;
    }
    s.push_str("<div class=\"scroll\">\n<table id=\"table-agreement\" class=\"agreement\">\n<thead><tr><th>model</th><th>model</th><th class=\"n\">Spearman ρ</th><th class=\"n\">largest share difference</th><th>at</th></tr></thead>\n<tbody>\n");
    for p in &cmp.agreement {
        let _ = writeln!(
            s,
            "<tr><td>{}</td><td>{}</td><td class=\"n {}\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
            esc(&p.a),
            esc(&p.b),
            rho_class(p.spearman),
            p.spearman
                .map(|r| format!("{r:.3}"))
                .unwrap_or_else(|| "—".into()),
            esc(&pp(p.max_share_difference)),
            esc(p.at.as_deref().unwrap_or("—"))
        );
    }
    s.push_str("</tbody>\n</table>\n</div>\n");
    s.push_str("<p class=\"rule\">Spearman ρ: the correlation of the two models' rankings of the values by credit (tied values share the average of their ranks); 1 means the same order, −1 the reverse, — that one model ranks every value the same. Largest share difference: the biggest gap, in percentage points, between the shares the two models give one value.</p>\n</section>\n");
    s
}

fn models_table(cmp: &Comparison) -> String {
    let cur = &cmp.campaign.currency;
    let mut s = String::from(
        "<section id=\"models\">\n<h2>Models and parameters in force</h2>\n<div class=\"scroll\">\n<table id=\"table-models\">\n<thead><tr><th>model</th><th>plugin</th><th>parameters</th><th class=\"n\">credited</th><th>status</th></tr></thead>\n<tbody>\n",
    );
    for (i, m) in cmp.models.iter().enumerate() {
        let params = if m.params.is_empty() {
            "<span class=\"muted\">none</span>".to_string()
        } else {
            m.params
                .iter()
                .map(|(k, v)| format!("<code>{}={}</code>", esc(k), esc(v)))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let plugin = match &m.sha256 {
            Some(sha) => format!(
                "<code>{}</code> <span class=\"muted\" title=\"{}\">{}</span>",
                esc(&m.name),
                esc(sha),
                esc(&sha
                    .strip_prefix("sha256:")
                    .unwrap_or(sha)
                    .chars()
                    .take(12)
                    .collect::<String>())
            ),
            None => format!("<code>{}</code>", esc(&m.spec)),
        };
        let status = match &m.error {
            None => "<span class=\"good\">ok</span>".to_string(),
            Some(e) => format!(
                "<span class=\"bad\">failed</span> <span class=\"err\">{}</span>",
                esc(e)
            ),
        };
        let _ = writeln!(
            s,
            "<tr><th><span class=\"sw\" style=\"background:{}\"></span>{}</th><td>{plugin}</td><td>{params}</td><td class=\"n\">{}</td><td>{status}</td></tr>",
            colour(i),
            esc(&m.label),
            m.credited
                .map(|d| esc(&money(d, cur)))
                .unwrap_or_else(|| "—".into())
        );
        if !m.notes.is_empty() {
            let _ = writeln!(
                s,
                "<tr class=\"notes\"><td></td><td colspan=\"4\">{}</td></tr>",
                m.notes.iter().map(|n| esc(n)).collect::<Vec<_>>().join(" ")
            );
        }
    }
    s.push_str("</tbody>\n</table>\n</div>\n</section>\n");
    s
}

fn footer(cmp: &Comparison) -> String {
    format!(
        "<footer>\n<p>Every model ran over the same journeys: {} conversions, {} journeys in all (with the non-converting ones), {} touches. Amounts are exact sums of minor units; shares are of what each model credited.</p>\n<p>Files: <code>compare.json</code> (everything on this page, as data) and <code>compare.csv</code> (one line per value and model).</p>\n</footer>\n",
        cmp.conversions, cmp.journeys, cmp.touches
    )
}

const CSS: &str = r#":root {
  --ink: #1f2937; --muted: #6b7280; --line: #e5e7eb; --bg: #f3f4f6; --panel: #ffffff;
  --good: #047857; --warn: #b45309; --bad: #b91c1c;
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; background: var(--bg); color: var(--ink);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", "Liberation Sans", sans-serif; }
main { max-width: 1320px; margin: 0 auto; padding: 20px 24px 32px; }
h1 { font-size: 26px; line-height: 1.2; margin: 2px 0 12px; }
h2 { font-size: 17px; margin: 0 0 10px; }
h2 .muted { font-size: 13px; font-weight: 400; }
code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono", monospace; font-size: 12px;
  background: #f3f4f6; border-radius: 3px; padding: 0 3px; overflow-wrap: anywhere; }
.muted { color: var(--muted); }
.good { color: var(--good); } .warn { color: var(--warn); } .bad { color: var(--bad); }
.nowrap { white-space: nowrap; }
.eyebrow { font-size: 12px; text-transform: uppercase; letter-spacing: .08em; color: var(--muted); }
header.top { margin-bottom: 14px; }
.meta { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap: 6px 20px; margin: 0; }
.meta div { min-width: 0; }
.meta dt { font-size: 11px; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); }
.meta dd { margin: 0; overflow-wrap: anywhere; }
.failures { border: 2px solid var(--bad); border-left-width: 8px; background: #fef2f2; color: #7f1d1d;
  border-radius: 8px; padding: 12px 18px; margin-bottom: 16px; }
.f-title { font-size: 17px; font-weight: 700; }
.failures ul { margin: 6px 0 0; padding-left: 20px; }
.err { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono", monospace; font-size: 12px; overflow-wrap: anywhere; }
section { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 16px 20px; margin-top: 16px; }
.callout { margin: 0; padding-left: 22px; font-size: 15px; }
.callout li { margin: 4px 0; }
.rule { font-size: 12px; color: var(--muted); margin: 8px 0 0; }
.pill { display: inline-block; font-size: 11px; font-weight: 600; border-radius: 10px; padding: 1px 8px; border: 1px solid currentColor; white-space: nowrap; margin-left: 4px; }
figure { margin: 0; }
figcaption { font-size: 13px; color: var(--muted); margin-bottom: 6px; }
figcaption strong { color: var(--ink); }
svg.chart { display: block; width: 100%; height: auto; }
svg.chart text { font-size: 11px; fill: var(--ink); }
svg.chart .rl { font-size: 13px; font-weight: 600; }
svg.chart .lg { font-size: 12px; }
svg.chart .vl { font-size: 9.5px; fill: #374151; font-variant-numeric: tabular-nums; }
svg.chart .tick { font-size: 11px; fill: var(--muted); }
svg.chart .band { fill: #f8fafc; }
svg.chart .grid { stroke: #e5e7eb; stroke-width: 1; }
svg.chart .axis { stroke: #94a3b8; stroke-width: 1; }
svg.chart .nodata { font-size: 16px; font-weight: 600; fill: var(--muted); }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { padding: 6px 8px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
thead th { font-size: 11px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); border-bottom: 2px solid var(--line); white-space: nowrap; }
tbody th, tfoot th { font-weight: 600; }
tfoot td, tfoot th { border-top: 2px solid var(--line); border-bottom: 0; font-weight: 600; }
.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.sh { font-size: 11.5px; color: var(--muted); }
td.hot { color: var(--bad); font-weight: 700; }
td.err { color: var(--bad); background: #fef2f2; min-width: 140px; max-width: 170px; font-size: 11px; overflow-wrap: anywhere; }
.sw { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 5px; vertical-align: -1px; }
table.credit thead th { white-space: normal; vertical-align: bottom; }
table.credit { font-size: 12.5px; }
table.credit th, table.credit td { padding: 6px 6px; }
#table-models tbody th { white-space: nowrap; }
tr.notes td { font-size: 12px; color: var(--muted); padding-top: 0; }
footer { font-size: 12px; color: var(--muted); margin-top: 16px; }
footer p { margin: 4px 0; }
@media print {
  @page { margin: 12mm; }
  body { background: none; font-size: 11px; }
  main { max-width: none; padding: 0; }
  section { padding: 10px 0 0; border: 0; border-top: 1px solid #d1d5db; border-radius: 0; }
  .failures { background: none; }
  code { background: none; padding: 0; }
  figure, tr { break-inside: avoid; page-break-inside: avoid; }
  svg.chart, .sw { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  svg.chart .band { fill: none; }
  .scroll { overflow: visible; }
}
"#;
