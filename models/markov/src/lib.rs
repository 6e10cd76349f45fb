//! Markov chain attribution by removal effect, order k, computed exactly (models.md).
//!
//! 1. States are windows of k consecutive keys of a path (a path shorter than k is one
//!    state); consecutive identical states collapse.
//! 2. Each path adds its weight c + nulls to start → s₁ → … → s_m, then c to s_m → conversion
//!    and its nulls to s_m → null; rows are normalized. Paths with c + nulls = 0 and
//!    journeys without touches add nothing.
//! 3. P(conv) is the absorption probability into conversion from the start, solved as a
//!    linear system (see [`solve`]); no simulation, no step cap.
//! 4. RE(x) = 1 − P(conv with every state containing x sent to null) / P(conv).
//! 5. Credited conversions are RE(x) / Σ RE × total conversions (the host does that from the
//!    `removal-effect` score).
//! 6. Value: μ_s = Σv / Σc of the converting paths ending at s; the value removal effect
//!    REV(x) uses P(s → conv) · μ_s in place of P(s → conv).
//! 7. A journey's touches get weights proportional to RE of their keys (each touch counts,
//!    repeats included), normalized within the journey; all zero → an even split.
//!
//! The model is mergeable (`model@0.4.0`): step 2's counts are its sufficient statistics
//! (exact integers, keys in name order: [`chain::statistics`]), merged by summing, and
//! steps 3–6 are `solve`, which reads nothing else; step 7 is `weights`, per partition.
//! `attribute` is those three calls on the one partition, so every answer, on one
//! machine or many, comes from the same code.
//!
//! Besides the weights and the removal effects (scores), the model returns its internals
//! (`model@0.3.0` tables): `transition-probabilities`, step 2's chain of the order it used
//! (from-state, to-state, probability; states named as `ascribe paths --explain` names them
//! by key: `(start)`, `(conversion)`, `(null)`, a window of keys joined by ` > `), and
//! `chain`, one row saying what was solved (order, states, transitions, journeys,
//! P(conversion)). One row rather than a table per fact keeps the order beside the numbers
//! it explains, in every export format. A chain too large for the host's table bounds is
//! left out, with a note.

mod chain;
pub mod solve;

use ascribe_sdk::model::{
    Info, Inputs, Journeys, Mergeable, Model, ModelError, Output, Solution, StatCells, StatTable,
    Stats, TABLE_LIMITS, Table, attribute_merged, merge_sums,
};
use ascribe_sdk::{ParamSpec, Params};

use chain::Chain;
use solve::{DENSE_MAX, RESIDUAL, Solver};

pub struct Markov;

/// Per key (aligned with the keys they were computed for): removal effect and value removal
/// effect, and the solver statistics.
pub struct Effects {
    pub removal: Vec<f64>,
    pub value_removal: Vec<f64>,
    pub p_conv: f64,
    pub value: f64,
    pub states: usize,
    pub transitions: usize,
    pub stats: solve::Stats,
    pub journeys_used: i64,
    pub empty_journeys: i64,
    pub empty_conversions: f64,
    /// The `transition-probabilities` table, or why it is left out.
    pub matrix: Result<Table, String>,
}

/// How the explain output names the chain's three special states.
pub const START: &str = "(start)";
pub const CONVERSION: &str = "(conversion)";
pub const NULL: &str = "(null)";

/// Step 2's transition probabilities as a table: rows grouped by from-state, `(start)`
/// first and then the states in the chain's canonical order; within a group the states
/// reached in that order, then `(conversion)` and `(null)`. Only transitions with a
/// positive probability. `Err` says why the table is left out when it would break the
/// host's bounds (a cell too long or too many cells or bytes).
fn transition_table(keys: &[String], chain: &Chain) -> Result<Table, String> {
    let n = chain.states();
    let rows = chain.start.iter().filter(|&&p| p > 0.0).count()
        + chain.transitions()
        + chain.conv.iter().filter(|&&p| p > 0.0).count()
        + chain.null.iter().filter(|&&p| p > 0.0).count();
    let l = &TABLE_LIMITS;
    // Three columns here and a one-row `chain` table of five.
    if 3 * rows + 5 > l.cells {
        return Err(format!(
            "its {rows} transitions are more than the {} cells a model may return",
            l.cells
        ));
    }
    let names: Vec<String> = (0..n)
        .map(|s| {
            let w: Vec<&str> = chain
                .window(s)
                .iter()
                .map(|&k| keys[k as usize].as_str())
                .collect();
            w.join(" > ")
        })
        .collect();
    if let Some(long) = names.iter().find(|s| s.len() > l.cell_bytes) {
        return Err(format!(
            "a state's name has {} bytes, more than the {} of a table cell",
            long.len(),
            l.cell_bytes
        ));
    }
    let (mut from, mut to, mut p) = (
        Vec::with_capacity(rows),
        Vec::with_capacity(rows),
        Vec::with_capacity(rows),
    );
    let mut push = |f: &str, t: &str, x: f64| {
        from.push(f.to_string());
        to.push(t.to_string());
        p.push(x);
    };
    for (s, &x) in chain.start.iter().enumerate() {
        if x > 0.0 {
            push(START, &names[s], x);
        }
    }
    for s in 0..n {
        for e in chain.row[s]..chain.row[s + 1] {
            push(&names[s], &names[chain.col[e] as usize], chain.prob[e]);
        }
        if chain.conv[s] > 0.0 {
            push(&names[s], CONVERSION, chain.conv[s]);
        }
        if chain.null[s] > 0.0 {
            push(&names[s], NULL, chain.null[s]);
        }
    }
    let bytes: usize = from.iter().chain(&to).map(String::len).sum();
    if bytes > l.text_bytes {
        return Err(format!(
            "its state names take {bytes} bytes, more than the {} a model may return",
            l.text_bytes
        ));
    }
    Ok(Table::new(
        "transition-probabilities",
        "The Markov chain the removal effects were computed on: the probability of each \
         transition between states (windows of `order` consecutive channels), from (start) \
         and into (conversion) and (null). Each from-state's probabilities sum to 1.",
    )
    .text("from-state", from)
    .text("to-state", to)
    .numbers("probability", p))
}

/// Removal effects of every key of `input` (aligned with `input.keys`; a key no journey
/// entering the chain has scores 0), for a chain of `order`, solving components of up to
/// `dense_max` states directly (the model uses [`DENSE_MAX`]; tests vary it): through the
/// statistics, as the model computes them.
pub fn removal_effects(
    input: &Journeys,
    order: usize,
    dense_max: usize,
) -> Result<Effects, ModelError> {
    let stats = chain::statistics(input, order)?;
    let mut fx = effects(&stats, order, dense_max)?;
    let at = |k: &String| stats.names.binary_search(k).ok();
    let align = |v: &[f64]| -> Vec<f64> {
        input
            .keys
            .iter()
            .map(|k| at(k).map_or(0.0, |i| v[i]))
            .collect()
    };
    fx.removal = align(&fx.removal);
    fx.value_removal = align(&fx.value_removal);
    Ok(fx)
}

/// Steps 3–6 from the statistics alone: removal effects of every key, aligned with
/// `stats.names`.
pub fn effects(stats: &Stats, order: usize, dense_max: usize) -> Result<Effects, ModelError> {
    let keys = &stats.names;
    let chain = Chain::from_stats(stats, order)?;
    let matrix = transition_table(keys, &chain);
    let n = chain.states();
    let mut solver = Solver::new(&chain, dense_max);
    let mut kept = vec![true; n];
    let (p, v) = solver.absorb(&kept)?;
    // States containing each key.
    let mut holders: Vec<Vec<u32>> = vec![Vec::new(); keys.len()];
    for (s, keys) in chain.state_keys.iter().enumerate() {
        for &k in keys {
            holders[k as usize].push(s as u32);
        }
    }
    let mut removal = vec![0.0; keys.len()];
    let mut value_removal = vec![0.0; keys.len()];
    for (k, states) in holders.iter().enumerate() {
        if states.is_empty() {
            continue;
        }
        for &s in states {
            kept[s as usize] = false;
        }
        let (pk, vk) = solver.absorb(&kept)?;
        for &s in states {
            kept[s as usize] = true;
        }
        // Sending walkers to null never raises absorption: RE ∈ [0, 1] up to rounding.
        if p > 0.0 {
            removal[k] = (1.0 - pk / p).clamp(0.0, 1.0);
        }
        if v > 0.0 {
            let r = 1.0 - vk / v;
            // Negative values (refunds) can push REV out of [0, 1]; only rounding is cleared.
            value_removal[k] = if r.abs() < 1e-15 { 0.0 } else { r };
        }
    }
    Ok(Effects {
        removal,
        value_removal,
        p_conv: p,
        value: v,
        states: n,
        transitions: chain.transitions(),
        stats: solver.stats.clone(),
        journeys_used: chain.journeys_used,
        empty_journeys: chain.empty_journeys,
        empty_conversions: chain.empty_conversions,
        matrix,
    })
}

/// Step 7: each touch's weight, journey by journey in touch order, so the column is never
/// zero-filled first (in a sandbox that is a pass over fresh memory). Out of line for
/// the same reason as the chain's counting loop: inside `attribute` the sandbox's
/// compiler kept this loop's values on the stack.
#[inline(never)]
fn touch_weights(input: &Journeys, removal: &[f64]) -> Vec<f64> {
    let mut weights = Vec::with_capacity(input.touches());
    for j in input.iter() {
        let sum: f64 = j.keys.iter().map(|&k| removal[k as usize]).sum();
        if sum > 0.0 {
            weights.extend(j.keys.iter().map(|&k| removal[k as usize] / sum));
        } else {
            weights.extend(std::iter::repeat_n(1.0 / j.len() as f64, j.len()));
        }
    }
    weights
}

impl Model for Markov {
    fn info() -> Info {
        Info {
            name: "markov".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            description: "Removal-effect Markov chain of order k, solved exactly (absorption \
                          probabilities by linear solves, no simulation)."
                .into(),
            params: vec![ParamSpec::new(
                "order",
                "1",
                "Order of the chain: a state is a window of this many consecutive keys, 1 to 4.",
            )],
            inputs: Inputs::TOUCH_KEYS | Inputs::NULLS | Inputs::VALUES,
            key_scores: vec!["removal-effect".into(), "value-removal-effect".into()],
        }
    }

    fn attribute(input: &Journeys, params: &Params) -> Result<Output, ModelError> {
        attribute_merged::<Markov>(input, params)
    }
}

/// The `effects` table of a solution: per key (every name), its removal effect and value
/// removal effect.
const EFFECTS: &str = "effects";

impl Mergeable for Markov {
    fn statistics(input: &Journeys, params: &Params) -> Result<Stats, ModelError> {
        chain::statistics(input, params.u32_in("order", 1, 4)? as usize)
    }

    fn merge(a: Stats, b: Stats) -> Result<Stats, ModelError> {
        merge_sums(a, b)
    }

    fn solve(all: Stats, params: &Params) -> Result<Solution, ModelError> {
        let order = params.u32_in("order", 1, 4)? as usize;
        let fx = effects(&all, order, DENSE_MAX)?;

        let st = &fx.stats;
        let mut notes = vec![format!(
            "markov: order {order}, {} states, {} transitions from {} journeys; P(conversion) \
             = {:.6}; {} absorption systems (the chain, then one per removed key) solved as \
             linear systems, no simulation and no step cap",
            fx.states, fx.transitions, fx.journeys_used, fx.p_conv, st.systems
        )];
        if st.iterative_components == 0 {
            notes.push(format!(
                "markov: solved directly (strongly connected components in topological order, \
                 dense LU on components of up to {DENSE_MAX} states)"
            ));
        } else {
            notes.push(format!(
                "markov: {} component solves of more than {DENSE_MAX} states (largest {}) used \
                 Gauss-Seidel iteration to full f64 precision: relative residual below \
                 {RESIDUAL:e} (worst {:.1e}, at most {} sweeps){}; smaller components were \
                 solved directly (dense LU)",
                st.iterative_components,
                st.largest_iterative,
                st.worst_residual,
                st.max_sweeps,
                if st.fallbacks > 0 {
                    format!(
                        "; {} slow to converge were solved by dense LU instead",
                        st.fallbacks
                    )
                } else {
                    String::new()
                }
            ));
        }
        if fx.empty_journeys > 0 {
            notes.push(format!(
                "markov: {} journeys without touches ({} conversions) are not in the chain",
                fx.empty_journeys, fx.empty_conversions
            ));
        }
        if fx.p_conv <= 0.0 {
            notes.push("markov: no conversions in the chain; all removal effects are 0".into());
        }
        let summary = Table::new(
            "chain",
            "What was solved, in one row: the order of the chain (a state is a window of this \
             many consecutive channels), its states and transitions besides (start), \
             (conversion) and (null), the journeys that entered it, and the probability of \
             conversion from (start).",
        )
        .numbers("order", vec![order as f64])
        .numbers("states", vec![fx.states as f64])
        .numbers("transitions", vec![fx.transitions as f64])
        .numbers("journeys", vec![fx.journeys_used as f64])
        .numbers("conversion-probability", vec![fx.p_conv]);
        let mut tables = vec![summary];
        match fx.matrix {
            Ok(t) => tables.insert(0, t),
            Err(why) => notes.push(format!(
                "markov: the transition probabilities are not returned: {why}"
            )),
        }
        let key = StatCells::Name((0..all.names.len() as u32).collect());
        Ok(Solution {
            tables: vec![StatTable {
                name: EFFECTS.into(),
                columns: vec![
                    ("key".into(), key),
                    ("removal".into(), StatCells::Number(fx.removal)),
                    ("value-removal".into(), StatCells::Number(fx.value_removal)),
                ],
            }],
            layout: all.layout,
            names: all.names,
            notes,
            internals: tables,
        })
    }

    fn weights(
        input: &Journeys,
        solution: &Solution,
        _params: &Params,
    ) -> Result<Output, ModelError> {
        let t = solution.need(EFFECTS)?;
        let numbers = |c: &str| -> Result<&[f64], ModelError> {
            t.need(c)?.numbers().ok_or_else(|| {
                ModelError::UnsupportedInput(format!(
                    "markov: solution column `{c}` is not numbers"
                ))
            })
        };
        let (removal, value_removal) = (numbers("removal")?, numbers("value-removal")?);
        if removal.len() != solution.names.len() || value_removal.len() != removal.len() {
            return Err(ModelError::UnsupportedInput(
                "markov: the solution's effects are not one per key".into(),
            ));
        }
        // This partition's keys by name; a key the solution never saw scores 0.
        let by_key = |v: &[f64]| -> Vec<f64> {
            input
                .keys
                .iter()
                .map(|k| solution.names.binary_search(k).map_or(0.0, |i| v[i]))
                .collect()
        };
        let (removal, value_removal) = (by_key(removal), by_key(value_removal));
        Ok(Output {
            weights: touch_weights(input, &removal),
            scores: vec![
                ("removal-effect".into(), removal),
                ("value-removal-effect".into(), value_removal),
            ],
            notes: solution.notes.clone(),
            tables: solution.internals.clone(),
        })
    }
}

ascribe_sdk::export_model!(Markov, mergeable);

#[cfg(test)]
mod tests;
