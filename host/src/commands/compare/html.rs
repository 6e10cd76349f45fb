//! compare.html: the comparison as one self-contained page — the one stylesheet inline, a
//! hand-drawn SVG grouped bar chart, the tables, no script, nothing fetched. The markup is
//! the template `host/views/compare.html`; this module is its view model: the numbers
//! formatted and the chart's geometry computed here, every string left to the template,
//! which escapes each one (values, model names, parameters and errors come from data,
//! campaign files and plugins). The page is a pure function of the comparison, so the same
//! run writes the same bytes.

use askama::Template;
use rust_decimal::Decimal;

use super::{CALLED_OUT, Comparison, ModelColumn, Row};
use crate::format::{share, svg_number as num};
use crate::report::schema::{CampaignRef, WindowRef, money};

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

/// Percentage points, for differences of shares.
fn pp(x: f64) -> String {
    format!("{:.1} pp", x * 100.0)
}

/// Money with grouping but without the currency code (the table header names it).
fn amount(d: Decimal, cur: &str) -> String {
    let m = money(d, cur);
    m.strip_prefix(&format!("{cur} ")).unwrap_or(&m).to_string()
}

fn validation_rows(cmp: &Comparison) -> Vec<Validated<'_>> {
    let stat = |s: Option<&crate::pipeline::attribute::holdout::Stat>, digits: usize| {
        s.map(|s| format!("{:.*} ± {:.*}", digits, s.mean, digits, s.sd))
            .unwrap_or_else(|| "—".into())
    };
    cmp.models
        .iter()
        .filter(|m| m.ok())
        .map(|m| Validated {
            label: &m.label,
            auc: match &m.held_out {
                Some(e) => stat(e.auc.as_ref(), 3),
                None => "rule-based".into(),
            },
            log_likelihood: stat(
                m.held_out.as_ref().and_then(|e| e.log_likelihood.as_ref()),
                4,
            ),
            widest: m
                .widest_partner_interval
                .map(pp)
                .unwrap_or_else(|| "—".into()),
            partners: m
                .partner_split
                .iter()
                .flatten()
                .map(|p| {
                    (
                        p.partner.as_str(),
                        format!(
                            "{:.1}% [{:.1}–{:.1}]",
                            p.share * 100.0,
                            p.lo * 100.0,
                            p.hi * 100.0
                        ),
                    )
                })
                .collect(),
            order: m
                .order_selection
                .as_ref()
                .map(|c| format!("order {} chosen from 1–4", c.chosen)),
            recommended: cmp.validation.recommended.as_deref() == Some(m.label.as_str()),
        })
        .collect()
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

/// The page: `host/views/compare.html`.
#[derive(Template)]
#[template(path = "compare.html")]
struct Page<'a> {
    cmp: &'a Comparison,
    c: &'a CampaignRef,
    w: &'a WindowRef,
    total: String,
    unattributed: String,
    /// Models that completed.
    ok: usize,
    failed: Vec<&'a ModelColumn>,
    no_disagreement: &'static str,
    disagreements: Vec<Disagreement<'a>>,
    called_out: usize,
    max_rows: usize,
    chart: Chart<'a>,
    models: Vec<Model<'a>>,
    credit_rows: Vec<CreditRow<'a>>,
    /// A failed model's error fills its column, one cell spanning every row.
    error_rowspan: usize,
    agreement: Vec<Agreement<'a>>,
    validation: Vec<Validated<'a>>,
}

/// One completed model's row of the validation table.
struct Validated<'a> {
    label: &'a str,
    auc: String,
    log_likelihood: String,
    widest: String,
    /// Each partner: name, share and its interval, as text.
    partners: Vec<(&'a str, String)>,
    order: Option<String>,
    recommended: bool,
}

struct Disagreement<'a> {
    value: &'a str,
    low_share: String,
    low_model: &'a str,
    high_share: String,
    high_model: &'a str,
    spread: String,
}

/// One model column, as the tables show it.
struct Model<'a> {
    col: &'a ModelColumn,
    label: &'a str,
    colour: &'static str,
    ok: bool,
    /// Without the currency code (the credit table's heading names it), or `—`.
    credited_amount: String,
    /// With the currency code, or `—`.
    credited_money: String,
    /// The first 12 hex digits of the plugin's digest.
    sha_short: String,
}

struct CreditRow<'a> {
    value: &'a str,
    /// The placeholder row of a comparison that credited nothing.
    empty: bool,
    cells: Vec<CreditCell<'a>>,
    hot: bool,
    spread: String,
}

/// A cell holds a value, a failed model's error (in the first row only), or nothing.
struct CreditCell<'a> {
    value: Option<Amount>,
    error: Option<&'a str>,
}

struct Amount {
    amount: String,
    share: Option<String>,
}

struct Agreement<'a> {
    a: &'a str,
    b: &'a str,
    rho_class: &'static str,
    rho: String,
    difference: String,
    at: &'a str,
}

/// The grouped bar chart's geometry; its text goes through the template.
struct Chart<'a> {
    title: String,
    /// How many values there are, when the chart shows only the head of them.
    more: Option<usize>,
    w: String,
    h: String,
    /// Why there is nothing to draw.
    no_data: Option<&'static str>,
    no_data_x: String,
    no_data_y: String,
    legend: Vec<Legend<'a>>,
    bands: Vec<Band>,
    ticks: Vec<Tick>,
    rows: Vec<ChartRow<'a>>,
    axis_x: String,
    axis_y1: String,
    axis_y2: String,
}

struct Legend<'a> {
    x: String,
    y: String,
    colour: &'static str,
    tx: String,
    ty: String,
    label: &'a str,
}

struct Band {
    y: String,
    h: String,
}

struct Tick {
    x: String,
    y1: String,
    y2: String,
    ty: String,
    label: String,
}

struct ChartRow<'a> {
    x: String,
    y: String,
    value: &'a str,
    shown: String,
    /// The label was shortened: the full value goes in a tooltip.
    clipped: bool,
    bars: Vec<ChartBar<'a>>,
}

struct ChartBar<'a> {
    x: String,
    y: String,
    w: String,
    h: String,
    colour: &'static str,
    model: &'a str,
    share: String,
    vx: String,
    vy: String,
}

/// Renders `compare.html`.
pub fn render(cmp: &crate::text::Sealed<Comparison>) -> String {
    let cmp: &Comparison = cmp;
    let cur = &cmp.unit;
    let ok = cmp.models.iter().filter(|m| m.ok()).count();
    let page = Page {
        cmp,
        c: &cmp.campaign,
        w: &cmp.window,
        total: money(cmp.total, cur),
        unattributed: money(cmp.unattributed, cur),
        ok,
        failed: cmp.models.iter().filter(|m| !m.ok()).collect(),
        no_disagreement: if ok < 2 {
            "Fewer than two models completed: there is nothing to compare."
        } else {
            "Every model gives every value the same share."
        },
        disagreements: cmp
            .disagreements
            .iter()
            .map(|d| Disagreement {
                value: &d.value,
                low_share: share(d.low.share),
                low_model: &d.low.model,
                high_share: share(d.high.share),
                high_model: &d.high.model,
                spread: pp(d.spread),
            })
            .collect(),
        called_out: CALLED_OUT,
        max_rows: MAX_ROWS,
        chart: chart(cmp),
        models: cmp
            .models
            .iter()
            .enumerate()
            .map(|(i, m)| Model {
                col: m,
                label: &m.label,
                colour: colour(i),
                ok: m.ok(),
                credited_amount: m
                    .credited
                    .map(|d| amount(d, cur))
                    .unwrap_or_else(|| "—".into()),
                credited_money: m
                    .credited
                    .map(|d| money(d, cur))
                    .unwrap_or_else(|| "—".into()),
                sha_short: m
                    .sha256
                    .as_deref()
                    .map(|sha| {
                        sha.strip_prefix("sha256:")
                            .unwrap_or(sha)
                            .chars()
                            .take(12)
                            .collect()
                    })
                    .unwrap_or_default(),
            })
            .collect(),
        credit_rows: credit_rows(cmp),
        error_rowspan: cmp.rows.len().max(1),
        agreement: cmp
            .agreement
            .iter()
            .map(|p| Agreement {
                a: &p.a,
                b: &p.b,
                rho_class: rho_class(p.spearman),
                rho: p
                    .spearman
                    .map(|r| format!("{r:.3}"))
                    .unwrap_or_else(|| "—".into()),
                difference: pp(p.max_share_difference),
                at: p.at.as_deref().unwrap_or("—"),
            })
            .collect(),
        validation: validation_rows(cmp),
    };
    // Writing into a String cannot fail, and the template has no fallible call.
    let mut s = page.render().expect("compare.html renders");
    // The template loader drops a file's last newline; the page ends with one.
    s.push('\n');
    s
}

fn credit_rows(cmp: &Comparison) -> Vec<CreditRow<'_>> {
    let cur = &cmp.unit;
    let error = |i: usize, first: bool| CreditCell {
        value: None,
        error: first.then(|| cmp.models[i].error.as_deref().unwrap_or("")),
    };
    let mut rows: Vec<CreditRow> = cmp
        .rows
        .iter()
        .enumerate()
        .map(|(r, row)| CreditRow {
            value: &row.value,
            empty: false,
            cells: row
                .cells
                .iter()
                .enumerate()
                .map(|(i, cell)| match cell {
                    Some(c) => CreditCell {
                        value: Some(Amount {
                            amount: amount(c.amount, cur),
                            share: Some(share(c.share)),
                        }),
                        error: None,
                    },
                    None => error(i, r == 0),
                })
                .collect(),
            hot: cmp.disagreements.iter().any(|d| d.value == row.value),
            spread: pp(row.spread),
        })
        .collect();
    if rows.is_empty() {
        rows.push(CreditRow {
            value: "nothing credited",
            empty: true,
            cells: (0..cmp.models.len())
                .map(|i| {
                    if cmp.models[i].ok() {
                        CreditCell {
                            value: Some(Amount {
                                amount: "—".into(),
                                share: None,
                            }),
                            error: None,
                        }
                    } else {
                        error(i, true)
                    }
                })
                .collect(),
            hot: false,
            spread: String::new(),
        });
    }
    rows
}

/// Horizontal grouped bars: one group per value (the head of the table), one bar per
/// completed model, all on one share scale so bars compare across groups and models.
fn chart(cmp: &Comparison) -> Chart<'_> {
    let ok: Vec<usize> = (0..cmp.models.len())
        .filter(|&m| cmp.models[m].ok())
        .collect();
    let rows: Vec<&Row> = cmp.rows.iter().take(MAX_ROWS).collect();
    let title = format!("Share of {} by {}, per model", cmp.measure, cmp.dimension);

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

    let mut chart = Chart {
        title,
        more: (cmp.rows.len() > MAX_ROWS).then_some(cmp.rows.len()),
        w: num(W),
        h: num(h),
        no_data: None,
        no_data_x: num(W / 2.0),
        no_data_y: num(top + 20.0),
        legend: vec![],
        bands: vec![],
        ticks: vec![],
        rows: vec![],
        axis_x: num(LABEL_W),
        axis_y1: num(top - 4.0),
        axis_y2: num(h - axis_h + 2.0),
    };
    if rows.is_empty() || ok.is_empty() {
        chart.no_data = Some(if ok.is_empty() {
            "no model completed"
        } else {
            "nothing was credited"
        });
        return chart;
    }
    chart.legend = legend
        .iter()
        .map(|&(lx, ly, m)| Legend {
            x: num(lx),
            y: num(ly - 10.0),
            colour: colour(m),
            tx: num(lx + 17.0),
            ty: num(ly),
            label: &cmp.models[m].label,
        })
        .collect();
    // Bands and gridlines behind the bars.
    chart.bands = (0..rows.len())
        .filter(|i| i % 2 == 1)
        .map(|i| Band {
            y: num(top + i as f64 * group_h),
            h: num(group_h),
        })
        .collect();
    let mut t = 0.0;
    while t <= top_tick + 1e-9 {
        chart.ticks.push(Tick {
            x: num(xs(t)),
            y1: num(top - 4.0),
            y2: num(h - axis_h + 2.0),
            ty: num(h - 6.0),
            label: format!("{:.0}%", t * 100.0),
        });
        t += step;
    }
    for (i, row) in rows.iter().enumerate() {
        let gy = top + i as f64 * group_h + PAD / 2.0;
        let shown = clip(&row.value, 26);
        let mut bars = vec![];
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
            bars.push(ChartBar {
                x: num(LABEL_W),
                y: num(by),
                w: num(bw),
                h: num(BAR),
                colour: colour(m),
                model: &cmp.models[m].label,
                share: share(cell.share),
                vx: num(LABEL_W + bw + 4.0),
                vy: num(by + BAR - 0.5),
            });
        }
        chart.rows.push(ChartRow {
            x: num(LABEL_W - 10.0),
            y: num(gy + ok.len() as f64 * STEP / 2.0 + 4.0),
            value: &row.value,
            clipped: shown != row.value,
            shown,
            bars,
        });
    }
    chart
}

fn rho_class(r: Option<f64>) -> &'static str {
    match r {
        Some(r) if r >= 0.8 => "good",
        Some(r) if r >= 0.5 => "warn",
        Some(_) => "bad",
        None => "muted",
    }
}
