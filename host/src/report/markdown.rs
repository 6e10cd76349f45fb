//! The executive summary (`summary.md`) and the action list (`actions.md`).

use std::fmt::Write;

use super::schema::*;

/// Markdown-escapes text from the data (asset names, partner names), which is untrusted.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for ch in s.chars() {
        if matches!(
            ch,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#'
        ) {
            o.push('\\');
        }
        if ch == '\n' || ch == '\r' {
            o.push(' ');
        } else {
            o.push(ch);
        }
    }
    o
}

fn pct_opt(x: Option<f64>) -> String {
    x.map(|v| format!("{v:.1}%")).unwrap_or_else(|| "—".into())
}

pub fn summary(r: &crate::text::Sealed<Report>) -> String {
    let cur = &r.campaign.currency;
    let h = &r.headline;
    let mut s = String::new();
    let _ = writeln!(s, "# {} — executive summary\n", esc(&r.campaign.name));
    let _ = writeln!(
        s,
        "Window {} to {} (`{}`, as of {}), model `{}` keyed by {}. Run `{}`.\n",
        r.window.from,
        r.window.to,
        r.window.spec,
        r.window.as_of,
        r.model.name,
        r.model.attribution_key,
        r.run_id
    );
    if let Some(e) = &r.guardrails.escalation {
        let _ = writeln!(
            s,
            "> **Escalated to {}** (rung {}): {}\n",
            esc(&e.rung),
            e.level + 1,
            esc(&e.reasons.join("; "))
        );
    }
    let _ = writeln!(s, "## Headline\n");
    let _ = writeln!(s, "| | |\n|---|---:|");
    let _ = writeln!(
        s,
        "| Pipeline created | {} ({} opportunities) |",
        money(h.pipeline, cur),
        h.opportunities
    );
    let _ = writeln!(
        s,
        "| Revenue closed won | {} ({} deals) |",
        money(h.revenue, cur),
        h.won
    );
    let _ = writeln!(
        s,
        "| Unattributed pipeline (no touch in the lookback) | {} |",
        money(h.unattributed_pipeline, cur)
    );
    let _ = writeln!(
        s,
        "| Attribution confidence | {} (minimum {}) |",
        pct(r.guardrails.confidence),
        pct(r.guardrails.min_confidence)
    );
    let _ = writeln!(s);
    let parts: Vec<String> = r
        .guardrails
        .confidence_parts
        .iter()
        .map(|(k, v)| format!("{} {}", esc(k), pct(*v)))
        .collect();
    let _ = writeln!(
        s,
        "Confidence = {} (docs/guardrails.md, definition {}).",
        parts.join(" × "),
        r.guardrails.confidence_definition
    );
    for (part, why) in &r.guardrails.confidence_notes {
        let _ = writeln!(s, "- {}: {}", esc(part), esc(why));
    }
    let _ = writeln!(s);
    let _ = writeln!(s, "## Partners against target\n");
    let _ = writeln!(
        s,
        "| Partner | Pipeline | Target | % | Revenue | Target | % |\n|---|---:|---:|---:|---:|---:|---:|"
    );
    for c in r.contribution.iter().filter(|c| c.channel.is_none()) {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {} |",
            esc(&c.partner),
            money(c.pipeline, cur),
            c.pipeline_target
                .map(|t| money(t, cur))
                .unwrap_or_else(|| "—".into()),
            pct_opt(c.pipeline_pct),
            money(c.revenue, cur),
            c.revenue_target
                .map(|t| money(t, cur))
                .unwrap_or_else(|| "—".into()),
            pct_opt(c.revenue_pct)
        );
    }
    let _ = writeln!(s, "\n## What matters most\n");
    for (i, ins) in r.insights.iter().enumerate() {
        let _ = writeln!(s, "{}. {}", i + 1, esc(ins));
    }
    let _ = writeln!(s, "\n## Recommended actions\n");
    for a in r.actions.iter().take(5) {
        let _ = writeln!(
            s,
            "{}. **{}** ({} `{}`) — {} *Owner: {}.*",
            a.priority,
            esc(&a.action),
            a.subject_kind,
            esc(&a.subject),
            esc(&a.evidence),
            esc(&a.owner)
        );
    }
    if r.actions.len() > 5 {
        let _ = writeln!(s, "\nAll {} actions are in `actions.md`.", r.actions.len());
    }
    let empty: Vec<_> = r
        .data
        .sources
        .iter()
        .filter(|src| src.empty_amounts + src.future_dated + src.out_of_window > 0)
        .collect();
    if !empty.is_empty() {
        let _ = writeln!(s, "\n## Data warnings\n");
        for src in empty {
            if src.empty_amounts > 0 {
                let _ = writeln!(
                    s,
                    "- `{}`: {} conversion(s) with an empty amount, counted as 0.",
                    esc(&src.source),
                    src.empty_amounts
                );
            }
            if src.future_dated > 0 {
                let _ = writeln!(
                    s,
                    "- `{}`: {} row(s) dated after {}, left out of freshness.",
                    esc(&src.source),
                    src.future_dated,
                    r.window.as_of
                );
            }
            if src.out_of_window > 0 {
                let _ = writeln!(
                    s,
                    "- `{}`: {} row(s) outside the window without an FX rate, not priced.",
                    esc(&src.source),
                    src.out_of_window
                );
            }
        }
    }
    s
}

pub fn actions(r: &crate::text::Sealed<Report>) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# {} — optimization actions\n", esc(&r.campaign.name));
    let _ = writeln!(
        s,
        "Run `{}`, window {} to {}. Each action names its subject, the evidence, and who acts.\n",
        r.run_id, r.window.from, r.window.to
    );
    for a in &r.actions {
        let _ = writeln!(
            s,
            "## {}. {} `{}`\n",
            a.priority,
            a.subject_kind,
            esc(&a.subject)
        );
        let _ = writeln!(s, "- **Action:** {}", esc(&a.action));
        let _ = writeln!(s, "- **Evidence:** {}", esc(&a.evidence));
        let _ = writeln!(s, "- **Owner:** {}\n", esc(&a.owner));
    }
    if r.actions.is_empty() {
        let _ = writeln!(s, "No actions: the run found nothing to change.");
    }
    s
}
