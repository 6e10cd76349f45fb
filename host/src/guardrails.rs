//! Guardrails: who a failure or a low-confidence run escalates to.

use crate::pipeline::campaign::Campaign;

/// The name of rung `level` of the campaign's escalation ladder (clamped to the top), with
/// the fallback named when the rung's owner is marked unavailable.
pub fn rung(c: &Campaign, level: usize) -> String {
    let ladder = &c.escalation.ladder;
    let name = &ladder[level.min(ladder.len() - 1)];
    if c.escalation.unavailable.iter().any(|u| u == name)
        && let Some(f) = c.escalation.fallbacks.get(name)
    {
        return format!("{f} (standing in for {name}, who is unavailable)");
    }
    name.clone()
}
