//! dashboard.html: the report as one page for people.
//!
//! The page is self-contained on purpose: the one stylesheet inline, hand-drawn SVG charts,
//! no script and nothing fetched, so it opens the same from a mail attachment, a shared
//! drive or an air-gapped laptop, and prints the way it looks. The markup is the template
//! `host/views/dashboard.html`; this module is its view model. Every string taken from the
//! report comes from partner exports and campaign files, so all of it is untrusted: the
//! template escapes every value it writes, and the charts are built here as geometry
//! (numbers) and text that the template writes and so escapes too. The output is a pure
//! function of the report (fixed float formatting, no clock), so the same run writes a
//! byte-identical page.

use std::fmt::Write as _;

use askama::Template;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::schema::*;

/// The HTML escape of both pages (dashboard.html, compare.html): `askama.toml` sets it for
/// every view, so the templates apply it to every value they write and no call site
/// chooses. One escape serves HTML text, quoted attributes and SVG `<text>`/`<title>`
/// alike. It writes named entities (askama's own writes numeric ones), so the pages stay
/// byte for byte what they were; control characters, which sealed text no longer holds,
/// become spaces (NUL above all is a parse error in HTML).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Escape;

impl askama::filters::Escaper for Escape {
    fn write_escaped_str<W: std::fmt::Write>(&self, mut dest: W, s: &str) -> std::fmt::Result {
        let mut done = 0;
        for (i, ch) in s.char_indices() {
            let entity = match ch {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' => "&quot;",
                '\'' => "&#39;",
                c if c.is_control() && c != '\n' && c != '\t' => " ",
                _ => continue,
            };
            dest.write_str(&s[done..i])?;
            dest.write_str(entity)?;
            done = i + ch.len_utf8();
        }
        dest.write_str(&s[done..])
    }
}

/// A value as the pages write it, for a test or an embedder that looks for it in a page.
/// The views never call this: their templates apply [`Escape`] to every value themselves.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    let _ = askama::filters::Escaper::write_escaped_str(&Escape, &mut o, s);
    o
}

/// Renders `dashboard.html`.
pub fn render(r: &crate::text::Sealed<Report>) -> String {
    let r: &Report = r;
    let page = page(r);
    // Writing into a String cannot fail, and the template has no fallible call.
    let mut s = page.render().expect("dashboard.html renders");
    // The template loader drops a file's last newline; the page ends with one.
    s.push('\n');
    s
}

// ---------------------------------------------------------------------------------------
// Formatting

fn float(d: Decimal) -> f64 {
    d.to_f64().unwrap_or(0.0)
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
use crate::format::{share, svg_number as num};

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
    /// The value's 90% interval, drawn as a whisker across the bar, with its tooltip.
    whisker: Option<(f64, f64, String)>,
}

impl Bar {
    fn new(value: f64, label: String) -> Bar {
        Bar {
            value,
            label,
            note: None,
            target: None,
            whisker: None,
        }
    }
    /// A whisker from `lo` to `hi` (none when either is missing).
    fn whisker(mut self, lo: Option<Decimal>, hi: Option<Decimal>, cur: &str) -> Bar {
        self.whisker = lo.zip(hi).map(|(lo, hi)| {
            (
                float(lo),
                float(hi),
                format!("90% interval: {} to {}", money(lo, cur), money(hi, cur)),
            )
        });
        self
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

/// A chart as the template draws it: an `<svg>` of shapes.
struct Svg {
    id: String,
    label: String,
    w: String,
    h: String,
    shapes: Vec<Shape>,
}

/// One SVG element; the template writes each on its own line.
enum Shape {
    Rect(Rect),
    Line(Line),
    Polygon(Polygon),
    Text(Text),
}

struct Rect {
    class: &'static str,
    x: String,
    y: String,
    w: String,
    h: String,
    rx: Option<&'static str>,
    /// A tooltip: the figure a segment stands for.
    title: Option<String>,
}

/// A vertical line (the only kind the charts draw).
struct Line {
    class: &'static str,
    x: String,
    y1: String,
    y2: String,
}

struct Polygon {
    class: &'static str,
    points: String,
}

struct Text {
    class: &'static str,
    x: String,
    y: String,
    anchor: Option<&'static str>,
    /// A tooltip, e.g. the full label of a shortened one.
    title: Option<String>,
    text: String,
    /// Styled runs after the text.
    spans: Vec<Span>,
}

struct Span {
    class: &'static str,
    text: String,
}

impl Svg {
    fn new(id: &str, label: &str, h: f64) -> Svg {
        Svg {
            id: id.into(),
            label: label.into(),
            w: num(W),
            h: num(h),
            shapes: vec![],
        }
    }
    fn rect(
        &mut self,
        class: &'static str,
        x: f64,
        y: f64,
        w: f64,
        h: f64,
        rx: Option<&'static str>,
    ) {
        self.shapes.push(Shape::Rect(Rect {
            class,
            x: num(x),
            y: num(y),
            w: num(w),
            h: num(h),
            rx,
            title: None,
        }));
    }
    /// A rectangle with a tooltip.
    fn rect_titled(&mut self, class: &'static str, x: f64, y: f64, w: f64, h: f64, title: String) {
        self.rect(class, x, y, w, h, None);
        if let Some(Shape::Rect(r)) = self.shapes.last_mut() {
            r.title = Some(title);
        }
    }
    fn vline(&mut self, class: &'static str, x: f64, y1: f64, y2: f64) {
        self.shapes.push(Shape::Line(Line {
            class,
            x: num(x),
            y1: num(y1),
            y2: num(y2),
        }));
    }
    fn text(
        &mut self,
        class: &'static str,
        x: f64,
        y: f64,
        anchor: Option<&'static str>,
        text: String,
    ) -> &mut Text {
        self.shapes.push(Shape::Text(Text {
            class,
            x: num(x),
            y: num(y),
            anchor,
            title: None,
            text,
            spans: vec![],
        }));
        match self.shapes.last_mut() {
            Some(Shape::Text(t)) => t,
            _ => unreachable!("just pushed"),
        }
    }
}

/// The chart's place when there is nothing to draw: the id is still there for readers and
/// tests, and the reason says whether the data is empty or was never requested.
fn no_data(id: &str, label: &str, why: &str) -> Svg {
    let mut s = Svg::new(id, label, 80.0);
    s.rect("nodata-box", 1.0, 1.0, W - 2.0, 78.0, Some("6"));
    s.text("nodata", W / 2.0, 36.0, Some("middle"), "no data".into());
    s.text("nodata-why", W / 2.0, 58.0, Some("middle"), why.into());
    s
}

/// Horizontal bars: a label column, then one panel per measure side by side. Every chart on
/// the page but the funnel is one of these.
fn bar_chart(id: &str, label: &str, rows: &[String], panels: &[Panel]) -> Svg {
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

    let mut s = Svg::new(id, label, h);
    for (i, _) in rows.iter().enumerate().filter(|(i, _)| i % 2 == 1) {
        s.rect("band", 0.0, TOP + i as f64 * row_h, W, row_h, None);
    }
    for (i, row) in rows.iter().enumerate() {
        let cy = TOP + i as f64 * row_h + row_h - BAR_H / 2.0 - 7.0;
        let shown = clip(row, 26);
        let tip = (shown != *row).then(|| row.clone());
        s.text("rl", LABEL_W - 12.0, cy + 4.0, Some("end"), shown)
            .title = tip;
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
            .flat_map(|b| {
                [
                    b.value,
                    b.target.as_ref().map(|t| t.0).unwrap_or(0.0),
                    b.whisker.as_ref().map(|w| w.1).unwrap_or(0.0),
                ]
            })
            .filter(|v| v.is_finite())
            .fold(0.0, f64::max);
        let scale = if max > 0.0 { span / max } else { 0.0 };
        s.rect(p.class, x0, 9.0, 10.0, 10.0, Some("2"));
        s.text("ptitle", x0 + 16.0, 18.0, None, p.title.into());
        s.vline("axis", x0, TOP - 2.0, h - 6.0);
        for (i, b) in p.bars.iter().enumerate() {
            let by = TOP + i as f64 * row_h + row_h - BAR_H - 7.0;
            let v = if b.value.is_finite() {
                b.value.max(0.0)
            } else {
                0.0
            };
            // A non-zero value always shows a sliver, so "small" never reads as "none".
            let bw = if v > 0.0 { (v * scale).max(1.5) } else { 0.0 };
            s.rect(p.class, x0, by, bw, BAR_H, Some("2"));
            let mut end = x0 + bw;
            if let Some((lo, hi, tip)) = &b.whisker
                && hi.is_finite()
                && lo.is_finite()
            {
                let (xl, xh) = (x0 + lo.max(0.0) * scale, x0 + hi.max(0.0) * scale);
                let cy = by + BAR_H / 2.0;
                s.rect_titled(
                    "whisker",
                    xl,
                    cy - 0.75,
                    (xh - xl).max(0.0),
                    1.5,
                    tip.clone(),
                );
                s.vline("wcap", xl, cy - 4.0, cy + 4.0);
                s.vline("wcap", xh, cy - 4.0, cy + 4.0);
                end = end.max(xh);
            }
            if let Some((t, cap)) = &b.target {
                let tx = x0 + t.max(0.0) * scale;
                end = end.max(tx);
                s.vline("tgt", tx, by - 5.0, by + BAR_H + 4.0);
                s.text("tcap", tx - 2.0, by - 8.0, None, cap.clone());
            }
            let t = s.text(
                "vl",
                end + 6.0,
                by + BAR_H / 2.0 + 4.0,
                None,
                b.label.clone(),
            );
            if let Some((text, tone)) = &b.note {
                t.spans.push(Span {
                    class: tone.class(),
                    text: text.clone(),
                });
            }
        }
    }
    s
}

/// The "all partners" funnel: centred bars narrowing stage by stage, the conversion rate
/// between each pair, and the weakest step in red.
fn funnel_svg(id: &str, fl: &Funnel) -> Svg {
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

    let mut s = Svg::new(id, &format!("Funnel: {}", fl.group), h);
    for i in 0..5 {
        let y = TOP + i as f64 * ROW;
        let w = width(fl.counts[i]);
        if i < 4 {
            // The neck between two bars, so the stages read as one funnel.
            let w2 = width(fl.counts[i + 1]);
            s.shapes.push(Shape::Polygon(Polygon {
                class: "neck",
                points: format!(
                    "{},{} {},{} {},{} {},{}",
                    num(CX - w / 2.0),
                    num(y + BAR_H),
                    num(CX + w / 2.0),
                    num(y + BAR_H),
                    num(CX + w2 / 2.0),
                    num(y + ROW),
                    num(CX - w2 / 2.0),
                    num(y + ROW)
                ),
            }));
        }
        s.rect("fbar", CX - w / 2.0, y, w, BAR_H, Some("3"));
        s.text(
            "rl",
            CX - MAX_W / 2.0 - 14.0,
            y + BAR_H / 2.0 + 4.5,
            Some("end"),
            stage_label(FUNNEL_STAGES[i]).into(),
        );
        let share_of_leads = if fl.counts[0] > 0 {
            format!(" · {}", share(fl.counts[i] as f64 / fl.counts[0] as f64))
        } else {
            String::new()
        };
        let count = format!("{}{share_of_leads}", int(fl.counts[i]));
        // Inside the bar when it fits, beside it otherwise.
        if w > text_w(&count) + 16.0 {
            s.text("fin", CX, y + BAR_H / 2.0 + 4.5, Some("middle"), count);
        } else {
            s.text("vl", CX + w / 2.0 + 8.0, y + BAR_H / 2.0 + 4.5, None, count);
        }
        if i < 4 {
            let rate = fl.rates[i].map(share).unwrap_or_else(|| "—".into());
            let is_worst = worst == Some(i);
            let cls = if is_worst { "rate worst" } else { "rate" };
            let t = s.text(
                cls,
                CX + MAX_W / 2.0 + 30.0,
                y + BAR_H + (ROW - BAR_H) / 2.0 + 4.5,
                None,
                format!("↓ {rate} "),
            );
            t.spans.push(Span {
                class: "muted",
                text: format!("to {}", stage_label(FUNNEL_STAGES[i + 1])),
            });
            if is_worst {
                t.spans.push(Span {
                    class: "worst-tag",
                    text: " biggest drop".into(),
                });
            }
        }
    }
    s
}

/// Sourced / influenced / neither as one stacked bar: the three add up to all pipeline.
fn sourcing_svg(id: &str, so: &Sourcing, cur: &str) -> Svg {
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
    let mut s = Svg::new(id, "Sourced vs influenced pipeline", 74.0);
    let mut x = 0.0;
    for (_, v, cls) in parts {
        let w = float(v).max(0.0) / total * W;
        if w > 0.0 {
            s.rect(cls, x, 4.0, w, 26.0, None);
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
        s.rect(cls, lx, 46.0, 12.0, 12.0, Some("2"));
        let next = lx + 18.0 + text_w(&text) + 28.0;
        s.text("vl", lx + 18.0, 56.5, None, text);
        lx = next;
    }
    s
}
/// Series of a trend chart beyond these are summed into one `Other` series: more colours
/// than this cannot be told apart.
const MAX_SERIES: usize = 7;
/// The series colours (CSS classes `t0`…`t6`, then `t-other`), in the order of `credit`.
const SERIES: [&str; MAX_SERIES] = ["t0", "t1", "t2", "t3", "t4", "t5", "t6"];

/// A "nice" axis step (1, 2 or 5 × 10ⁿ) giving about `ticks` steps up to `max`.
fn nice_step(max: f64, ticks: f64) -> f64 {
    if !(max.is_finite() && max > 0.0) {
        return 1.0;
    }
    let raw = max / ticks;
    let mag = 10f64.powf(raw.log10().floor());
    let f = raw / mag;
    let m = if f <= 1.0 {
        1.0
    } else if f <= 2.0 {
        2.0
    } else if f <= 5.0 {
        5.0
    } else {
        10.0
    };
    m * mag
}

/// One measure's stacked bars, period by period, in a panel of a trend chart.
struct TrendPanel<'a> {
    title: &'static str,
    /// Per series, its value per period.
    series: Vec<Vec<Decimal>>,
    totals: &'a [Decimal],
    /// The 90% interval of each period's total, drawn as a whisker on its bar.
    bounds: Option<(&'a [Decimal], &'a [Decimal])>,
}

/// Credit per period, stacked by value (partner or channel): one bar per period whose parts
/// are the values' credit, so the bar's height is the period's attributed total and the
/// mix is read off its parts. Pipeline and revenue side by side, each on its own scale.
fn trend_svg(r: &Report, dimension: &str) -> Svg {
    let t = &r.trends;
    let cur = &r.campaign.currency;
    let id = format!("chart-trend-{dimension}");
    let label = format!("Credit by {dimension} per {}", t.granularity);
    let rows = match dimension {
        "partner" => &t.partner,
        _ => &t.channel,
    };
    let n = t.periods.len();
    let any = |v: &[Decimal]| v.iter().any(|d| *d > Decimal::ZERO);
    if n == 0 || rows.is_empty() || !(any(&t.pipeline) || any(&t.revenue)) {
        return no_data(&id, &label, "No credit in this window.");
    }
    // The series: the head of the rows, then the rest summed as `Other`.
    let mut names: Vec<String> = rows
        .iter()
        .take(MAX_SERIES)
        .map(|r| r.value.clone())
        .collect();
    let mut classes: Vec<&'static str> = SERIES[..names.len()].to_vec();
    let sum_rest = |pick: fn(&TrendRow) -> &Vec<Decimal>| -> Vec<Decimal> {
        (0..n)
            .map(|i| {
                rows[MAX_SERIES..]
                    .iter()
                    .map(|r| pick(r).get(i).copied().unwrap_or_default())
                    .sum()
            })
            .collect()
    };
    let take = |pick: fn(&TrendRow) -> &Vec<Decimal>| -> Vec<Vec<Decimal>> {
        let mut v: Vec<Vec<Decimal>> = rows
            .iter()
            .take(MAX_SERIES)
            .map(|r| pick(r).clone())
            .collect();
        if rows.len() > MAX_SERIES {
            v.push(sum_rest(pick));
        }
        v
    };
    if rows.len() > MAX_SERIES {
        names.push(format!("Other ({})", rows.len() - MAX_SERIES));
        classes.push("t-other");
    }
    let panels = [
        TrendPanel {
            title: "Pipeline credit",
            series: take(|r| &r.pipeline),
            totals: &t.pipeline,
            bounds: t.pipeline_lo.as_deref().zip(t.pipeline_hi.as_deref()),
        },
        TrendPanel {
            title: "Revenue credit",
            series: take(|r| &r.revenue),
            totals: &t.revenue,
            bounds: t.revenue_lo.as_deref().zip(t.revenue_hi.as_deref()),
        },
    ];

    let legend = Legend::new(&names, &classes);
    const GAP: f64 = 36.0;
    const AX: f64 = 74.0;
    const PH: f64 = 190.0;
    let top = legend.bottom + 40.0;
    let h = top + PH + 44.0;
    let panel_w = (W - GAP) / 2.0;
    let mut s = Svg::new(&id, &label, h);
    legend.draw(&mut s);
    let unit = match t.granularity.as_str() {
        "month" => "Month",
        _ => "ISO week (Monday to Sunday)",
    };
    // Period labels: as many as fit, evenly spaced.
    let label_w = t.periods.iter().map(|p| text_w(p)).fold(0.0, f64::max) + 10.0;
    for (k, p) in panels.iter().enumerate() {
        let x0 = k as f64 * (panel_w + GAP);
        let px = x0 + AX;
        // The last period's label is centred under its bar: keep room for its half that
        // would stick out past the panel (and past the page, in the right one).
        let pad = (label_w / 2.0 - (panel_w - AX) / n as f64 / 2.0).max(0.0);
        let pw = panel_w - AX - pad;
        // The scale holds the whiskers' tops too.
        let max = p
            .totals
            .iter()
            .chain(p.bounds.map(|b| b.1).unwrap_or_default())
            .map(|d| float(*d))
            .filter(|v| v.is_finite())
            .fold(0.0, f64::max);
        let step = nice_step(max, 4.0);
        let top_v = (max / step).ceil().max(1.0) * step;
        let scale = PH / top_v;
        s.text("ptitle", x0, top - 18.0, None, p.title.into());
        let ticks = (top_v / step).round() as usize;
        for i in 0..=ticks {
            let v = step * i as f64;
            let y = top + PH - v * scale;
            s.rect(if i == 0 { "axis-h" } else { "grid" }, px, y, pw, 1.0, None);
            let d = Decimal::try_from(v).unwrap_or_default();
            s.text("tick", px - 6.0, y + 4.0, Some("end"), money_short(d, cur));
        }
        let slot = pw / n as f64;
        let bw = (slot * 0.72).min(44.0);
        let every = (label_w / slot).ceil().max(1.0) as usize;
        for i in 0..n {
            let cx = px + slot * (i as f64 + 0.5);
            let mut y = top + PH;
            for (si, series) in p.series.iter().enumerate() {
                let v = series.get(i).copied().unwrap_or_default();
                let bh = float(v).max(0.0) * scale;
                if bh > 0.0 {
                    y -= bh;
                    s.rect_titled(
                        classes[si],
                        cx - bw / 2.0,
                        y,
                        bw,
                        bh,
                        format!("{} · {} · {}", names[si], t.periods[i], money(v, cur)),
                    );
                }
            }
            // The period total's interval: a vertical whisker through the bar's top, capped.
            if let Some((lo, hi)) = p.bounds
                && let (Some(&lo), Some(&hi)) = (lo.get(i), hi.get(i))
                && hi > Decimal::ZERO
            {
                let (yl, yh) = (
                    top + PH - float(lo).max(0.0) * scale,
                    top + PH - float(hi).max(0.0) * scale,
                );
                s.rect_titled(
                    "whisker",
                    cx - 0.75,
                    yh,
                    1.5,
                    (yl - yh).max(0.0),
                    format!(
                        "{} · 90% interval: {} to {}",
                        t.periods[i],
                        money(lo, cur),
                        money(hi, cur)
                    ),
                );
                let cap = (bw / 4.0).clamp(3.0, 8.0);
                for y in [yl, yh] {
                    s.rect("whisker", cx - cap / 2.0, y - 0.75, cap, 1.5, None);
                }
            }
            if i % every == 0 {
                s.text(
                    "tick",
                    cx,
                    top + PH + 16.0,
                    Some("middle"),
                    t.periods[i].clone(),
                );
            }
        }
        s.text(
            "axis-title",
            px + pw / 2.0,
            top + PH + 36.0,
            Some("middle"),
            unit.into(),
        );
    }
    s
}

/// A chart's series legend, wrapped to the width: a swatch and a name (clipped, the whole
/// name in its tooltip) per series.
struct Legend {
    items: Vec<(f64, f64, String, String, &'static str)>,
    /// The baseline of its last row.
    bottom: f64,
}

impl Legend {
    fn new(names: &[String], classes: &[&'static str]) -> Legend {
        const LEG_ROW: f64 = 20.0;
        let mut items = vec![];
        let (mut lx, mut ly) = (0.0, 12.0);
        for (name, cls) in names.iter().zip(classes) {
            let shown = clip(name, 28);
            let w = 18.0 + text_w(&shown) + 22.0;
            if lx > 0.0 && lx + w > W {
                lx = 0.0;
                ly += LEG_ROW;
            }
            items.push((lx, ly, shown, name.clone(), *cls));
            lx += w;
        }
        Legend { items, bottom: ly }
    }

    fn draw(self, s: &mut Svg) {
        for (x, y, shown, full, cls) in self.items {
            s.rect(cls, x, y - 10.0, 12.0, 12.0, Some("2"));
            s.text("lg", x + 18.0, y, None, shown.clone()).title = (shown != full).then_some(full);
        }
    }
}

/// The stage chart: for each funnel milestone, one bar of the credit's split between the
/// values of `dimension` (partners or channels), as shares, so that counted milestones
/// (leads) and money (opportunities) read on one scale. The figures are in the table below
/// it and in report.json's `stages`.
fn stage_svg(r: &Report, dimension: &str) -> Svg {
    let id = format!("chart-stages-{dimension}");
    let label = format!("Credit by {dimension} at each funnel stage");
    let rows_of = |t: &'_ StageTable| -> Vec<(String, f64)> {
        let rows = match dimension {
            "partner" => &t.by_partner,
            _ => &t.by_channel,
        };
        rows.iter().map(|x| (x.value.clone(), x.share)).collect()
    };
    let stages: Vec<&StageTable> = r
        .stages
        .iter()
        .filter(|t| t.credited > Decimal::ZERO)
        .collect();
    if stages.is_empty() {
        return no_data(&id, &label, "No stage credit in this window.");
    }
    // The series: values by their summed share over the stages, the tail as `Other`.
    let mut weight: std::collections::BTreeMap<String, f64> = Default::default();
    for t in &stages {
        for (v, sh) in rows_of(t) {
            *weight.entry(v).or_default() += sh;
        }
    }
    let mut ranked: Vec<(String, f64)> = weight.into_iter().collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let more = ranked.len() > MAX_SERIES;
    let mut names: Vec<String> = ranked
        .iter()
        .take(MAX_SERIES)
        .map(|x| x.0.clone())
        .collect();
    let mut classes: Vec<&'static str> = SERIES[..names.len()].to_vec();
    if more {
        names.push(format!("Other ({})", ranked.len() - MAX_SERIES));
        classes.push("t-other");
    }
    let series_of = |v: &str| names.iter().position(|n| n == v).unwrap_or(names.len() - 1);

    let legend = Legend::new(&names, &classes);
    const LABEL: f64 = 170.0;
    const ROW: f64 = 34.0;
    const BAR: f64 = 24.0;
    let top = legend.bottom + 22.0;
    let h = top + ROW * stages.len() as f64 + 4.0;
    let mut s = Svg::new(&id, &label, h);
    legend.draw(&mut s);
    let bw = W - LABEL;
    for (i, t) in stages.iter().enumerate() {
        let y = top + ROW * i as f64;
        let reached = if t.measure == "money" {
            format!(
                "{} · {}",
                stage_label(&t.stage),
                money_short(t.credited, &r.campaign.currency)
            )
        } else {
            format!(
                "{} · {}",
                stage_label(&t.stage),
                int(t.milestones - t.unattributed)
            )
        };
        s.text("vl", 0.0, y + BAR / 2.0 + 4.0, None, reached);
        let mut shares = vec![0.0; names.len()];
        for (v, sh) in rows_of(t) {
            shares[series_of(&v)] += sh;
        }
        let mut x = LABEL;
        for (si, sh) in shares.iter().enumerate() {
            let w = sh.max(0.0) * bw;
            if w <= 0.0 {
                continue;
            }
            s.rect_titled(
                classes[si],
                x,
                y,
                w,
                BAR,
                format!("{} · {} · {}", stage_label(&t.stage), names[si], share(*sh)),
            );
            if w >= 40.0 {
                s.text(
                    "fin",
                    x + w / 2.0,
                    y + BAR / 2.0 + 4.0,
                    Some("middle"),
                    share(*sh),
                );
            }
            x += w;
        }
    }
    s
}

/// One row of the stage table under the stage charts.
struct StageLine<'a> {
    stage: &'a str,
    reached: String,
    unattributed: String,
    credited: String,
    /// The partners' shares, `Quantia AI 62.0% · Nimbus Cloud 38.0%`.
    partners: String,
}

fn stage_lines(r: &Report) -> Vec<StageLine<'_>> {
    r.stages
        .iter()
        .map(|t| StageLine {
            stage: stage_label(&t.stage),
            reached: int(t.milestones),
            unattributed: int(t.unattributed),
            credited: if t.measure == "money" {
                money(t.credited, &r.campaign.currency)
            } else {
                // Counted in thousandths: whole milestones unless some are split.
                money(t.credited, crate::money::Currency::MILESTONES.code())
                    .trim_end_matches('0')
                    .trim_end_matches('.')
                    .to_string()
            },
            partners: t
                .by_partner
                .iter()
                .map(|p| format!("{} {}", p.value, share(p.share)))
                .collect::<Vec<_>>()
                .join(" · "),
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// The page

/// The page: `host/views/dashboard.html`.
#[derive(Template)]
#[template(path = "dashboard.html")]
struct Page<'a> {
    r: &'a Report,
    c: &'a CampaignRef,
    w: &'a WindowRef,
    cards: Vec<Card>,
    contribution: Svg,
    credit: Vec<CreditChart>,
    trends: Vec<TrendChart>,
    /// The stage charts (by partner, by channel) and table; empty without stages.
    stages: Vec<TrendChart>,
    stage_lines: Vec<StageLine<'a>>,
    /// `week` or `month`, for the caption.
    granularity: &'static str,
    funnel_group: &'a str,
    funnel_caption: &'static str,
    funnel_chart: Svg,
    /// The funnel tables' numeric headings: the five stages, then the four steps.
    stage_heads: Vec<Heading>,
    funnel_tables: Vec<FunnelTable<'a>>,
    assets: Svg,
    sourcing: Svg,
    days_to_close: Option<DaysToClose>,
    by_partner: Vec<PartnerRow<'a>>,
    quality: Quality,
    confidence_parts: Vec<Part<'a>>,
    /// A part left out of the confidence or fixed by the data, and why.
    confidence_notes: &'a [(String, String)],
    sources: Vec<Source<'a>>,
    plugins: Vec<Plugin<'a>>,
}

struct Card {
    key: &'static str,
    value: String,
    sub: String,
    below_minimum: bool,
    sub_after: String,
    /// ` good`, ` bad` or nothing: the card's top border.
    tone: &'static str,
}

struct CreditChart {
    title: &'static str,
    chart: Svg,
    /// Rows past the chart's head, listed in report.json.
    more: Option<usize>,
}

struct TrendChart {
    title: &'static str,
    chart: Svg,
}

struct Heading {
    title: String,
    text: String,
}

struct FunnelTable<'a> {
    heading: &'static str,
    column: &'static str,
    rows: Vec<FunnelRow<'a>>,
}

struct FunnelRow<'a> {
    group: &'a str,
    counts: Vec<String>,
    rates: Vec<Rate>,
    /// The biggest drop as `Stage → Stage`, shown in red with its rate in `drop`.
    drop_step: Option<String>,
    drop: String,
}

struct Rate {
    class: &'static str,
    text: String,
}

struct DaysToClose {
    with_partner: String,
    without: String,
}

struct PartnerRow<'a> {
    partner: &'a str,
    sourced: String,
    sourced_opps: String,
    influenced: String,
    influenced_opps: String,
}

struct Quality {
    match_rate: String,
    unresolved: String,
    merged_touches: String,
    merged_conversions: String,
}

struct Part<'a> {
    name: &'a str,
    share: String,
}

struct Source<'a> {
    row: &'a SourceRow,
    read: String,
    normalized: String,
    merged: String,
    rejected: String,
    rejected_class: &'static str,
    freshness: String,
    sla: String,
    status_class: &'static str,
    status: &'static str,
    empty_amounts: Option<String>,
    /// More rows were rejected than the report lists.
    more_rejects: bool,
}

struct Plugin<'a> {
    plugin: &'a PluginRef,
    /// The first 12 hex digits of the digest.
    short: String,
}

fn page(r: &Report) -> Page<'_> {
    let cur = &r.campaign.currency;
    let so = &r.sourcing;
    let (funnel_group, funnel_caption, funnel_chart) =
        match r.funnel.iter().find(|fl| fl.group_by == "all") {
            Some(all) if all.counts.iter().any(|&c| c > 0) => (
                all.group.as_str(),
                " — accounts reaching each stage, and the rate from one stage to the next.",
                funnel_svg("chart-funnel", all),
            ),
            _ => (
                "All partners",
                "",
                no_data(
                    "chart-funnel",
                    "Funnel",
                    "No accounts reached the funnel in this window.",
                ),
            ),
        };
    let mut stage_heads: Vec<Heading> = FUNNEL_STAGES
        .iter()
        .map(|st| Heading {
            title: stage_label(st).into(),
            text: stage_short(st).into(),
        })
        .collect();
    stage_heads.extend((0..4).map(|i| Heading {
        title: format!(
            "{} to {}",
            stage_label(FUNNEL_STAGES[i]),
            stage_label(FUNNEL_STAGES[i + 1])
        ),
        text: format!(
            "{}→{}",
            stage_short(FUNNEL_STAGES[i]),
            stage_short(FUNNEL_STAGES[i + 1])
        ),
    }));
    let funnel_tables = [
        ("partner", "By partner", "Partner"),
        ("channel", "By first-touch channel", "Channel"),
    ]
    .into_iter()
    .map(|(by, heading, column)| FunnelTable {
        heading,
        column,
        rows: r
            .funnel
            .iter()
            .filter(|fl| fl.group_by == by)
            .map(funnel_row)
            .collect(),
    })
    .filter(|t| !t.rows.is_empty())
    .collect();
    Page {
        r,
        c: &r.campaign,
        w: &r.window,
        cards: cards(r),
        contribution: contribution(r),
        credit: [("partner", "By partner"), ("channel", "By channel")]
            .into_iter()
            .map(|(dim, title)| credit_chart(r, dim, title))
            .collect(),
        trends: [("partner", "By partner"), ("channel", "By channel")]
            .into_iter()
            .map(|(dim, title)| TrendChart {
                title,
                chart: trend_svg(r, dim),
            })
            .collect(),
        stages: if r.stages.is_empty() {
            vec![]
        } else {
            [("partner", "By partner"), ("channel", "By channel")]
                .into_iter()
                .map(|(dim, title)| TrendChart {
                    title,
                    chart: stage_svg(r, dim),
                })
                .collect()
        },
        stage_lines: stage_lines(r),
        granularity: match r.trends.granularity.as_str() {
            "month" => "month",
            _ => "ISO week",
        },
        funnel_group,
        funnel_caption,
        funnel_chart,
        stage_heads,
        funnel_tables,
        assets: assets(r),
        sourcing: sourcing_svg("chart-sourcing", so, cur),
        days_to_close: match (
            so.days_to_close_with_partner,
            so.days_to_close_without_partner,
        ) {
            (Some(w), Some(wo)) => Some(DaysToClose {
                with_partner: format!("{w:.0}"),
                without: format!("{wo:.0}"),
            }),
            _ => None,
        },
        by_partner: so
            .by_partner
            .iter()
            .map(|p| PartnerRow {
                partner: &p.partner,
                sourced: money(p.sourced, cur),
                sourced_opps: int(p.sourced_opportunities),
                influenced: money(p.influenced, cur),
                influenced_opps: int(p.influenced_opportunities),
            })
            .collect(),
        quality: Quality {
            match_rate: share(r.data.identity_match_rate),
            unresolved: int(r.data.touches_unresolved),
            merged_touches: int(r.data.merged_touches),
            merged_conversions: int(r.data.merged_conversions),
        },
        confidence_parts: r
            .guardrails
            .confidence_parts
            .iter()
            .map(|(k, v)| Part {
                name: k,
                share: share(*v),
            })
            .collect(),
        confidence_notes: &r.guardrails.confidence_notes,
        sources: r.data.sources.iter().map(source).collect(),
        plugins: r
            .plugins
            .iter()
            .map(|p| Plugin {
                plugin: p,
                short: p
                    .sha256
                    .strip_prefix("sha256:")
                    .unwrap_or(&p.sha256)
                    .chars()
                    .take(12)
                    .collect(),
            })
            .collect(),
    }
}

fn cards(r: &Report) -> Vec<Card> {
    let h = &r.headline;
    let g = &r.guardrails;
    let cur = &r.campaign.currency;
    let card = |key, value, sub| Card {
        key,
        value,
        sub,
        below_minimum: false,
        sub_after: String::new(),
        tone: "",
    };
    let win = if h.opportunities > 0 {
        format!("win rate {}", share(h.won as f64 / h.opportunities as f64))
    } else {
        "no opportunities".into()
    };
    let pipe = float(h.pipeline);
    let un_share = if pipe > 0.0 {
        format!(
            "{} of pipeline · ",
            share(float(h.unattributed_pipeline) / pipe)
        )
    } else {
        String::new()
    };
    let low = g.confidence < g.min_confidence;
    let disputes = if g.open_disputes > 0 {
        format!(
            " · {} open dispute{}",
            int(g.open_disputes),
            if g.open_disputes == 1 { "" } else { "s" }
        )
    } else {
        String::new()
    };
    vec![
        card(
            "Pipeline",
            money_short(h.pipeline, cur),
            money(h.pipeline, cur),
        ),
        card(
            "Revenue won",
            money_short(h.revenue, cur),
            money(h.revenue, cur),
        ),
        card(
            "Opportunities",
            int(h.opportunities),
            format!(
                "{} touches · {} accounts",
                int(h.touches),
                int(h.accounts_touched)
            ),
        ),
        card("Won", int(h.won), win),
        card(
            "Unattributed",
            money_short(h.unattributed_pipeline, cur),
            format!(
                "{un_share}revenue {}",
                money_short(h.unattributed_revenue, cur)
            ),
        ),
        Card {
            below_minimum: low,
            sub_after: disputes,
            tone: if low { " bad" } else { " good" },
            ..card(
                "Confidence",
                share(g.confidence),
                format!("minimum {}", share(g.min_confidence)),
            )
        },
    ]
}

fn contribution(r: &Report) -> Svg {
    let cur = &r.campaign.currency;
    let rows: Vec<&ContributionRow> = r
        .contribution
        .iter()
        .filter(|c| c.channel.is_none())
        .collect();
    let label = "Contribution vs target by partner";
    if rows.is_empty() {
        return no_data(
            "chart-contribution",
            label,
            "No partner contribution in this run.",
        );
    }
    let bar = |v: Decimal, t: Option<Decimal>, p: Option<f64>, (lo, hi)| {
        let b = Bar {
            value: float(v),
            label: money_short(v, cur),
            note: None,
            target: t.map(|t| (float(t), format!("target {}", money_short(t, cur)))),
            whisker: None,
        }
        .whisker(lo, hi, cur);
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
                .map(|c| {
                    bar(
                        c.pipeline,
                        c.pipeline_target,
                        c.pipeline_pct,
                        (c.pipeline_lo, c.pipeline_hi),
                    )
                })
                .collect(),
        },
        Panel {
            title: "Revenue vs target",
            class: "b-rev",
            bars: rows
                .iter()
                .map(|c| {
                    bar(
                        c.revenue,
                        c.revenue_target,
                        c.revenue_pct,
                        (c.revenue_lo, c.revenue_hi),
                    )
                })
                .collect(),
        },
    ];
    bar_chart(
        "chart-contribution",
        label,
        &rows.iter().map(|c| c.partner.clone()).collect::<Vec<_>>(),
        &panels,
    )
}

/// Credit by one dimension, or the reason it is missing.
fn credit_chart(r: &Report, dimension: &str, title: &'static str) -> CreditChart {
    let cur = &r.campaign.currency;
    let id = format!("chart-{dimension}");
    let label = format!("Credit by {dimension}");
    let blank = |why: String| CreditChart {
        title,
        chart: no_data(&id, &label, &why),
        more: None,
    };
    let Some(d) = r.credit.iter().find(|d| d.dimension == dimension) else {
        return blank(format!(
            "Credit by {dimension} was not requested for this run."
        ));
    };
    if d.rows.is_empty() {
        return blank(format!("No {dimension} received credit in this window."));
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
                        .whisker(c.pipeline_lo, c.pipeline_hi, cur)
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
                        .whisker(c.revenue_lo, c.revenue_hi, cur)
                })
                .collect(),
        },
    ];
    CreditChart {
        title,
        chart: bar_chart(
            &id,
            &label,
            &rows.iter().map(|c| c.value.clone()).collect::<Vec<_>>(),
            &panels,
        ),
        more: (d.rows.len() > MAX_ROWS).then(|| d.rows.len() - MAX_ROWS),
    }
}

/// One row per partner (or channel) with its weakest step in red, so where each one loses
/// accounts can be compared down a column.
fn funnel_row(fl: &Funnel) -> FunnelRow<'_> {
    let worst = drop_index(fl);
    let rate = |i: usize| fl.rates[i].map(share).unwrap_or_else(|| "—".into());
    let (drop_step, drop) = match (worst, &fl.biggest_drop) {
        (Some(i), _) => (
            Some(format!(
                "{} → {}",
                stage_label(FUNNEL_STAGES[i]),
                stage_label(FUNNEL_STAGES[i + 1])
            )),
            rate(i),
        ),
        (None, Some(d)) => (None, d.clone()),
        (None, None) => (None, "—".into()),
    };
    FunnelRow {
        group: &fl.group,
        counts: fl.counts.iter().map(|&c| int(c)).collect(),
        rates: (0..4)
            .map(|i| Rate {
                class: if worst == Some(i) { "n drop" } else { "n" },
                text: rate(i),
            })
            .collect(),
        drop_step,
        drop,
    }
}

fn assets(r: &Report) -> Svg {
    let cur = &r.campaign.currency;
    let label = "Top assets";
    if r.top_assets.is_empty() {
        return no_data(
            "chart-assets",
            label,
            "No asset received credit in this window.",
        );
    }
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
        Bar::new(float(a.pipeline), money_short(a.pipeline, cur))
            .note(note, Tone::Muted)
            .whisker(a.pipeline_lo, a.pipeline_hi, cur)
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
                .map(|a| {
                    Bar::new(float(a.revenue), money_short(a.revenue, cur)).whisker(
                        a.revenue_lo,
                        a.revenue_hi,
                        cur,
                    )
                })
                .collect(),
        },
    ];
    bar_chart(
        "chart-assets",
        label,
        &rows.iter().map(|a| a.value.clone()).collect::<Vec<_>>(),
        &panels,
    )
}

fn source(src: &SourceRow) -> Source<'_> {
    let (status_class, status) = match src.within_sla {
        Some(true) => ("good", "within SLA"),
        Some(false) => ("bad", "stale"),
        None => ("muted", "no SLA"),
    };
    Source {
        row: src,
        read: int(src.rows_read),
        normalized: int(src.normalized),
        merged: int(src.merged),
        rejected: int(src.rejected),
        rejected_class: if src.rejected > 0 { "n warn" } else { "n" },
        freshness: src
            .freshness_hours
            .filter(|h| h.is_finite())
            .map(|h| format!("{h:.1} h"))
            .unwrap_or_else(|| "—".into()),
        sla: src
            .freshness_sla_hours
            .map(|h| format!("{} h", int(h)))
            .unwrap_or_else(|| "—".into()),
        status_class,
        status,
        empty_amounts: (src.empty_amounts > 0).then(|| int(src.empty_amounts)),
        more_rejects: src.rejected > src.first_rejects.len() as u64,
    }
}

/// Weekly trends for a sample report: what the dashboard's unit tests and its browser test
/// (tests/e2e/dashboard.rs) draw, from one source. Test data, not used by any command.
#[doc(hidden)]
pub mod sample {
    use rust_decimal::Decimal;

    use super::float;
    use crate::report::schema::*;

    /// `total` spread over the periods in proportion to `shape`, exactly (the last period
    /// takes the remainder).
    fn spread(total: i64, shape: &[i64]) -> Vec<Decimal> {
        let sum: i64 = shape.iter().sum();
        let mut left = total;
        shape
            .iter()
            .enumerate()
            .map(|(i, w)| {
                let v = if i + 1 == shape.len() {
                    left
                } else {
                    total * w / sum
                };
                left -= v;
                Decimal::from(v)
            })
            .collect()
    }

    fn trend_row(value: &str, pipeline: Vec<Decimal>, revenue: Vec<Decimal>) -> TrendRow {
        TrendRow {
            value: value.into(),
            pipeline_lo: Some(around(&pipeline, 9)),
            pipeline_hi: Some(around(&pipeline, 11)),
            revenue_lo: Some(around(&revenue, 9)),
            revenue_hi: Some(around(&revenue, 11)),
            pipeline,
            revenue,
        }
    }

    /// Each figure times `tenths` / 10: an interval of ±10% is `around(v, 9)` to
    /// `around(v, 11)`.
    fn around(v: &[Decimal], tenths: i64) -> Vec<Decimal> {
        v.iter().map(|x| x * Decimal::new(tenths, 1)).collect()
    }

    /// Per period, the sum of the rows: the period's attributed total.
    fn period_totals(rows: &[TrendRow], pick: fn(&TrendRow) -> &Vec<Decimal>) -> Vec<Decimal> {
        (0..pick(&rows[0]).len())
            .map(|i| rows.iter().map(|r| pick(r)[i]).sum())
            .collect()
    }

    pub fn d(s: &str) -> Decimal {
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
            // An interval of ±10% around each figure.
            pipeline_lo: Some(d(pipeline) * Decimal::new(9, 1)),
            pipeline_hi: Some(d(pipeline) * Decimal::new(11, 1)),
            revenue_lo: Some(d(revenue) * Decimal::new(9, 1)),
            revenue_hi: Some(d(revenue) * Decimal::new(11, 1)),
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
            pipeline_lo: Some(d(pipeline) * Decimal::new(9, 1)),
            pipeline_hi: Some(d(pipeline) * Decimal::new(11, 1)),
            revenue_lo: Some(d(revenue) * Decimal::new(9, 1)),
            revenue_hi: Some(d(revenue) * Decimal::new(11, 1)),
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
            pipeline_lo: Some(d(pipeline) * Decimal::new(9, 1)),
            pipeline_hi: Some(d(pipeline) * Decimal::new(11, 1)),
            revenue_lo: Some(d(revenue) * Decimal::new(9, 1)),
            revenue_hi: Some(d(revenue) * Decimal::new(11, 1)),
        }
    }

    /// Two partners, four channels, a hostile name (`hostile`) where partner text goes,
    /// targets and an escalation: every chart of the page filled. The dashboard's unit tests
    /// and its browser test (tests/e2e/dashboard.rs) draw this one report.
    pub fn report(hostile: &str) -> Report {
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
                internals: vec![],
                order_selection: None,
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
                asset(hostile, "320000", "61000", 20, Some("8000")),
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
            // Nine channels: the last three are summed as `Other (2)`; one name is hostile.
            trends: sample_trends(
                &[("Nimbus Cloud", 2210000, 610000), ("Stratus & Co", 1501456, 325654)],
                &[
                    ("webinar", 1620000, 402000),
                    ("paid-social", 980000, 251000),
                    ("email", 702000, 190000),
                    ("events", 209456, 42654),
                    (hostile, 100000, 30000),
                    ("direct", 50000, 10000),
                    ("organic-search", 30000, 6000),
                    ("referral", 15000, 3000),
                    ("display", 5000, 0),
                ],
            ),
            intervals: Some(IntervalsRef {
                replicates: 200,
                seed: 1,
                low: 0.05,
                high: 0.95,
                resolved: false,
            }),
            paths: None,
            stages: sample_stages(&["Nimbus Cloud", hostile], &["webinar", "email", hostile]),
            insights: vec![
                "Nimbus Cloud carries 59.7% of pipeline credit but is at 88.4% of its pipeline target.".into(),
                "The biggest funnel drop is sql → opportunity for Stratus & Co.".into(),
                format!("Asset {hostile} returns the least pipeline per unit of spend."),
            ],
            actions: vec![
                Action {
                    priority: 1,
                    subject_kind: "asset".into(),
                    subject: hostile.into(),
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
                taxonomy: Default::default(),
                filters: Default::default(),
            },
            guardrails: Guardrails {
                confidence: 0.58,
                confidence_definition: 2,
                confidence_parts: vec![("identity".into(), 0.91), ("freshness".into(), 0.5)],
                confidence_notes: vec![],
                min_confidence: 0.6,
                open_disputes: 1,
                escalation: Some(Escalation { rung: "RevOps/Finance partners".into(), level: 1, reasons: vec!["confidence 58.0% is below the minimum 60.0%".into(), "hubspot data is 73.0 h old (SLA 48 h)".into()] }),
            },
            plugins: vec![PluginRef { role: "model".into(), name: "w-shaped@1.0.0".into(), sha256: "sha256:0123456789abcdef".into() }],
        }
    }

    /// The five milestones' tables, credit split 60/40 between the first two partners and
    /// 50/30/20 over the first three channels: leads, MQLs and SQLs counted, opportunities
    /// and won deals in money.
    pub fn sample_stages(partners: &[&str], channels: &[&str]) -> Vec<StageTable> {
        let stage = |stage: &str, reached: u64, credited: &str| -> StageTable {
            let money = matches!(stage, "opportunity" | "closed_won");
            let total: Decimal = credited.parse().unwrap();
            let rows = |names: &[&str], parts: &[i64]| -> Vec<StageRow> {
                names
                    .iter()
                    .zip(parts)
                    .map(|(n, p)| StageRow {
                        value: n.to_string(),
                        credit: total * Decimal::new(*p, 2),
                        share: *p as f64 / 100.0,
                        milestones: reached,
                        lo: Some(total * Decimal::new(*p, 2) * Decimal::new(9, 1)),
                        hi: Some(total * Decimal::new(*p, 2) * Decimal::new(11, 1)),
                    })
                    .collect()
            };
            StageTable {
                stage: stage.into(),
                measure: if money { "money" } else { "count" }.into(),
                milestones: reached,
                unattributed: 0,
                total,
                credited: total,
                by_partner: rows(partners, &[60, 40]),
                by_channel: rows(channels, &[50, 30, 20]),
            }
        };
        vec![
            stage("lead", 1200, "1200.000"),
            stage("mql", 640, "640.000"),
            stage("sql", 250, "250.000"),
            stage("opportunity", 248, "3650000.00"),
            stage("closed_won", 47, "912500.00"),
        ]
    }

    /// Weekly credit over the campaign's 14 ISO weeks (2026-W27 to 2026-W40): pipeline ramps up
    /// and tails off, revenue lags it by a few weeks.
    pub fn sample_trends(partners: &[(&str, i64, i64)], channels: &[(&str, i64, i64)]) -> Trends {
        const SHAPES: [[i64; 14]; 4] = [
            [2, 3, 5, 8, 10, 12, 11, 9, 8, 7, 6, 5, 4, 3],
            [1, 2, 2, 4, 6, 9, 12, 12, 10, 8, 6, 4, 3, 2],
            [0, 0, 1, 2, 3, 5, 7, 9, 10, 11, 10, 9, 8, 7],
            [4, 4, 5, 5, 6, 6, 6, 7, 6, 5, 5, 4, 4, 3],
        ];
        let rows = |v: &[(&str, i64, i64)]| -> Vec<TrendRow> {
            v.iter()
                .enumerate()
                .map(|(i, (name, p, r))| {
                    trend_row(
                        name,
                        spread(*p, &SHAPES[i % 2 * 3 % 4]),
                        spread(*r, &SHAPES[(i + 2) % 4]),
                    )
                })
                .collect()
        };
        let partner = rows(partners);
        let channel = rows(channels);
        let pipeline = period_totals(&partner, |r| &r.pipeline);
        let revenue = period_totals(&partner, |r| &r.revenue);
        Trends {
            granularity: "week".into(),
            periods: (27..=40).map(|w| format!("2026-W{w:02}")).collect(),
            pipeline_lo: Some(around(&pipeline, 9)),
            pipeline_hi: Some(around(&pipeline, 11)),
            revenue_lo: Some(around(&revenue, 9)),
            revenue_hi: Some(around(&revenue, 11)),
            pipeline,
            revenue,
            partner,
            channel,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The page of a report, sealed as the pipeline seals it.
    fn render(r: &Report) -> String {
        super::render(&crate::text::seal(r.clone()))
    }

    const HOSTILE: &str = "<script>alert(1)</script>";

    fn sample() -> Report {
        super::sample::report(HOSTILE)
    }

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
    }

    #[test]
    fn the_escape_covers_text_and_attributes() {
        use askama::filters::Escaper;
        let mut o = String::new();
        Escape
            .write_escaped_str(&mut o, "a\"b'c<d>&\u{0}e\tf\nü")
            .unwrap();
        assert_eq!(o, "a&quot;b&#39;c&lt;d&gt;&amp; e\tf\nü");
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
        r.trends = Trends::default();
        // Stages asked for, none credited (a stage list left empty drops the section:
        // `no_stages_no_section`).
        for t in &mut r.stages {
            t.credited = Decimal::ZERO;
        }
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
    fn every_credit_bar_has_its_interval_whisker() {
        let r = sample();
        let html = render(&r);
        let at = html.find("id=\"chart-channel\"").unwrap();
        let svg = &html[at..at + html[at..].find("</svg>").unwrap()];
        let rows = r
            .credit
            .iter()
            .find(|d| d.dimension == "channel")
            .unwrap()
            .rows
            .len();
        // One whisker per bar, pipeline and revenue, each with two caps.
        assert_eq!(
            svg.matches("class=\"whisker\"").count(),
            2 * rows.min(MAX_ROWS)
        );
        assert_eq!(
            svg.matches("class=\"wcap\"").count(),
            4 * rows.min(MAX_ROWS)
        );
        assert!(svg.contains("90% interval: USD "), "{svg}");
        // Without intervals, no whiskers.
        let mut bare = sample();
        for d in &mut bare.credit {
            for row in &mut d.rows {
                row.pipeline_lo = None;
                row.revenue_lo = None;
            }
        }
        let html = render(&bare);
        let at = html.find("id=\"chart-channel\"").unwrap();
        assert!(!html[at..at + html[at..].find("</svg>").unwrap()].contains("class=\"whisker\""));
    }

    #[test]
    fn asset_contribution_and_trend_bars_carry_their_whiskers() {
        let r = sample();
        let html = render(&r);
        let chart = |html: &str, id: &str| {
            let at = html.find(&format!("id=\"{id}\"")).unwrap();
            html[at..at + html[at..].find("</svg>").unwrap()].to_string()
        };
        // Assets and contribution: a whisker per bar, pipeline and revenue.
        let assets = chart(&html, "chart-assets");
        let n = r.top_assets.len().min(MAX_ROWS);
        assert_eq!(
            assets.matches("class=\"whisker\"").count(),
            2 * n,
            "{assets}"
        );
        assert_eq!(assets.matches("class=\"wcap\"").count(), 4 * n);
        let contribution = chart(&html, "chart-contribution");
        let partners = r
            .contribution
            .iter()
            .filter(|c| c.channel.is_none())
            .count();
        assert_eq!(
            contribution.matches("class=\"whisker\"").count(),
            2 * partners
        );
        // Trends: per period with credit and per panel, a vertical whisker on the stacked
        // bar's top and its two caps, the total's bounds in its tooltip.
        let t = chart(&html, "chart-trend-partner");
        let with_credit = |v: &[Decimal]| v.iter().filter(|d| **d > Decimal::ZERO).count();
        let bars = with_credit(&r.trends.pipeline) + with_credit(&r.trends.revenue);
        assert_eq!(t.matches("class=\"whisker\"").count(), 3 * bars, "{t}");
        let (lo, hi) = (
            r.trends.pipeline_lo.as_ref().unwrap()[6],
            r.trends.pipeline_hi.as_ref().unwrap()[6],
        );
        assert!(
            t.contains(&format!(
                "<title>2026-W33 · 90% interval: {} to {}</title>",
                money(lo, "USD"),
                money(hi, "USD")
            )),
            "{t}"
        );
        // Without intervals, none anywhere.
        let mut bare = sample();
        for d in &mut bare.credit {
            for row in &mut d.rows {
                row.pipeline_lo = None;
                row.revenue_lo = None;
            }
        }
        for a in &mut bare.top_assets {
            a.pipeline_lo = None;
            a.revenue_lo = None;
        }
        for c in &mut bare.contribution {
            c.pipeline_lo = None;
            c.revenue_lo = None;
        }
        bare.trends.pipeline_lo = None;
        bare.trends.revenue_lo = None;
        assert!(!render(&bare).contains("class=\"whisker\""));
    }

    #[test]
    fn no_stages_no_section() {
        let mut r = sample();
        r.stages.clear();
        let html = render(&r);
        assert!(!html.contains("id=\"stages\""));
        assert!(!html.contains("chart-stages-"));
    }

    #[test]
    fn stage_bars_split_each_stage_by_share() {
        let html = render(&sample());
        let at = html.find("id=\"chart-stages-partner\"").unwrap();
        let svg = &html[at..at + html[at..].find("</svg>").unwrap()];
        // Five stages, each split 60/40 between the two partners (sample_stages).
        assert_eq!(svg.matches("60.0%</text>").count(), 5, "{svg}");
        assert_eq!(svg.matches("40.0%</text>").count(), 5);
        assert!(svg.contains("Lead · 1,200") && svg.contains("Opportunity · USD 3.6M"));
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
    fn trend_chart_stacks_every_period_with_a_legend() {
        let r = sample();
        let html = render(&r);
        let chart = |id: &str| {
            let at = html.find(&format!("id=\"{id}\"")).unwrap();
            html[at..at + html[at..].find("</svg>").unwrap()].to_string()
        };
        let p = chart("chart-trend-partner");
        // A segment per partner and period with credit, each with its figure as a tooltip.
        assert!(p.contains("<title>Nimbus Cloud · 2026-W33 · USD "), "{p}");
        assert_eq!(p.matches("class=\"t0\"").count(), 1 + 2 * 14 - 2, "{p}");
        // Axis labels: the first period, the axis title and a money tick.
        assert!(p.contains(">2026-W27</text>"));
        assert!(p.contains("ISO week (Monday to Sunday)"));
        assert!(p.contains(">USD 0</text>"));
        // Nine channels: seven series, then the rest as one, in grey.
        let c = chart("chart-trend-channel");
        assert!(c.contains(">Other (2)</text>"));
        assert!(c.contains("class=\"t-other\""));
        assert!(c.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        let mut m = r.clone();
        m.trends.granularity = "month".into();
        assert!(render(&m).contains("per month, stacked"));
    }

    #[test]
    fn trend_steps_are_nice() {
        assert_eq!(nice_step(1000.0, 4.0), 500.0);
        assert_eq!(nice_step(3_650_000.0, 4.0), 1_000_000.0);
        assert_eq!(nice_step(0.0, 4.0), 1.0);
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
