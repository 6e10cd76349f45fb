//! `ascribe paths --explain`: what is behind the credit of a path table. The top converting
//! and non-converting paths, the distribution of path length, the channels numbered as
//! ChannelAttribution numbers them, the Markov transition matrix of the order each markov
//! model used, each model's per-channel scores (for markov, the removal effects), and the
//! internals each model returned as tables (since `model@0.3.0`: markov's own transition
//! probabilities and chain, shapley's coalition values; any model's).
//!
//! [`tables`] lays all of it out as named tables of text and number columns, the shape
//! `--explain-out` writes as CSV, JSON and Parquet.
//!
//! A path table has no touch times, so there is no distribution of time from first touch
//! to conversion here ([`NO_TIMES`]). Nothing here prints: `cli.rs` does, through the
//! sanitizing exits, since every channel name is partner text.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use super::{
    CreditRule, ModelResult, PathTable, REMOVAL_EFFECT, Sum, Transitions, VALUE_REMOVAL_EFFECT,
    transitions,
};
use crate::runtime::model::{ColumnValues, InternalColumn, InternalTable};

/// Default number of paths in each top list.
pub const DEFAULT_TOP: usize = 10;

/// Why a path table has no time-to-conversion distribution.
pub const NO_TIMES: &str = "a path table has no touch times, so there is no distribution of \
                            time from first touch to conversion";

/// One distinct path and its counts.
#[derive(Clone, Debug, PartialEq)]
pub struct PathRow {
    /// Channel names in touch order, repeats kept.
    pub path: Vec<String>,
    pub conversions: f64,
    pub value: f64,
    pub nulls: f64,
}

/// The paths of one length (touches per path, repeats counted).
#[derive(Clone, Debug, PartialEq)]
pub struct LengthRow {
    pub length: usize,
    /// Distinct paths of this length.
    pub paths: u64,
    pub conversions: f64,
    pub value: f64,
    pub nulls: f64,
}

/// One transition matrix and the models whose chain it is.
#[derive(Clone, Debug, PartialEq)]
pub struct Chain {
    pub order: usize,
    /// Indices into the results of the markov models of this order (empty when no model
    /// is a Markov chain: the matrix of order 1 is shown all the same).
    pub models: Vec<usize>,
    pub transitions: Transitions,
    /// Per row of `transitions`: the channels of the from-state and of the to-state
    /// (`None` for `(start)`, `(conversion)` and `(null)`).
    pub from_channels: Vec<Option<Vec<String>>>,
    pub to_channels: Vec<Option<Vec<String>>>,
}

/// One channel's value in one score column.
#[derive(Clone, Debug, PartialEq)]
pub struct ChannelScore {
    /// 1-based, in order of first appearance (the matrix's state numbers).
    pub number: usize,
    pub channel: String,
    pub value: f64,
}

/// A markov model's removal effects for one channel.
#[derive(Clone, Debug, PartialEq)]
pub struct RemovalEffect {
    pub number: usize,
    pub channel: String,
    pub conversion: f64,
    /// The value removal effect (the conversion one when the model returned none).
    pub value: f64,
}

/// What `--explain` shows of one model.
#[derive(Clone, Debug, PartialEq)]
pub struct ModelExplain {
    /// The Markov order in force (markov: its `order` parameter); `None` for other models.
    pub order: Option<usize>,
    /// For a model credited by removal effects: per channel, by first appearance.
    pub removal_effects: Option<Vec<RemovalEffect>>,
    /// Every score column the model returned, per channel by first appearance.
    pub scores: Vec<(String, Vec<ChannelScore>)>,
    /// The internals the model returned, as it returned them.
    pub tables: Vec<InternalTable>,
}

/// Everything `--explain` shows.
#[derive(Clone, Debug, PartialEq)]
pub struct Explain {
    /// How many paths each top list holds at most.
    pub top: usize,
    /// Paths with conversions, most conversions first (ties: more value, then the path).
    pub converting: Vec<PathRow>,
    /// How many distinct paths have conversions.
    pub converting_paths: usize,
    /// Paths with nulls, most nulls first (ties: the path).
    pub non_converting: Vec<PathRow>,
    pub non_converting_paths: usize,
    /// By length, shortest first.
    pub lengths: Vec<LengthRow>,
    /// Channel names by number: `channels[0]` is state `1`.
    pub channels: Vec<String>,
    /// One matrix per Markov order used, in the order of the models.
    pub chains: Vec<Chain>,
    /// Aligned with the results.
    pub models: Vec<ModelExplain>,
}

/// The explanation of `results` on `t`, with top lists of `top` paths.
pub fn explain(t: &PathTable, results: &[ModelResult], top: usize) -> Explain {
    let cols = &t.cols;
    let channels: Vec<String> = t
        .first_seen
        .iter()
        .map(|&k| cols.keys[k as usize].clone())
        .collect();
    let row = |j: usize| PathRow {
        path: cols.touch_key[cols.range(j)]
            .iter()
            .map(|&k| cols.keys[k as usize].clone())
            .collect(),
        conversions: cols.conversions[j],
        value: cols.value[j],
        nulls: cols.nulls[j],
    };
    let by_path = |a: usize, b: usize| {
        let (pa, pb) = (
            &cols.touch_key[cols.range(a)],
            &cols.touch_key[cols.range(b)],
        );
        // Keys are sorted by name, so comparing ids compares names.
        pa.cmp(pb)
    };
    let converting: Vec<usize> = (0..t.paths())
        .filter(|&j| cols.conversions[j] > 0.0)
        .collect();
    let non_converting: Vec<usize> = (0..t.paths()).filter(|&j| cols.nulls[j] > 0.0).collect();
    let (converting_paths, non_converting_paths) = (converting.len(), non_converting.len());
    let converting = top_of(converting, top, |&a, &b| {
        cols.conversions[b]
            .total_cmp(&cols.conversions[a])
            .then(cols.value[b].total_cmp(&cols.value[a]))
            .then_with(|| by_path(a, b))
    });
    let non_converting = top_of(non_converting, top, |&a, &b| {
        cols.nulls[b]
            .total_cmp(&cols.nulls[a])
            .then_with(|| by_path(a, b))
    });

    let mut lengths: BTreeMap<usize, (u64, Sum, Sum, Sum)> = BTreeMap::new();
    for j in 0..t.paths() {
        let e = lengths.entry(cols.range(j).len()).or_default();
        e.0 += 1;
        e.1.add(cols.conversions[j]);
        e.2.add(cols.value[j]);
        e.3.add(cols.nulls[j]);
    }
    let lengths = lengths
        .into_iter()
        .map(|(length, (paths, c, v, n))| LengthRow {
            length,
            paths,
            conversions: c.get(),
            value: v.get(),
            nulls: n.get(),
        })
        .collect();

    // Keys (sorted by name) → number by first appearance.
    let mut number = vec![0usize; cols.keys.len()];
    for (i, &k) in t.first_seen.iter().enumerate() {
        number[k as usize] = i + 1;
    }
    let per_channel = |values: &[f64]| -> Vec<ChannelScore> {
        t.first_seen
            .iter()
            .enumerate()
            .map(|(i, &k)| ChannelScore {
                number: i + 1,
                channel: channels[i].clone(),
                value: values.get(k as usize).copied().unwrap_or(0.0),
            })
            .collect()
    };
    let models: Vec<ModelExplain> = results
        .iter()
        .map(|r| {
            let markov = r.rule == CreditRule::RemovalEffect;
            let score = |name: &str| r.scores.iter().find(|(n, _)| n == name);
            let removal_effects = markov.then(|| {
                let re = score(REMOVAL_EFFECT).map(|s| per_channel(&s.1));
                let rev = score(VALUE_REMOVAL_EFFECT).map(|s| per_channel(&s.1));
                let re = re.unwrap_or_else(|| per_channel(&[]));
                let rev = rev.unwrap_or_else(|| re.clone());
                re.into_iter()
                    .zip(rev)
                    .map(|(c, v)| RemovalEffect {
                        number: c.number,
                        channel: c.channel,
                        conversion: c.value,
                        value: v.value,
                    })
                    .collect()
            });
            ModelExplain {
                order: if markov { Some(order_of(r)) } else { None },
                removal_effects,
                scores: r
                    .scores
                    .iter()
                    .map(|(n, v)| (n.clone(), per_channel(v)))
                    .collect(),
                tables: r.tables.clone(),
            }
        })
        .collect();

    let mut orders: Vec<(usize, Vec<usize>)> = vec![];
    for (i, m) in models.iter().enumerate() {
        if let Some(k) = m.order {
            match orders.iter_mut().find(|(o, _)| *o == k) {
                Some((_, ms)) => ms.push(i),
                None => orders.push((k, vec![i])),
            }
        }
    }
    if orders.is_empty() {
        orders.push((1, vec![]));
    }
    let state = |label: &str| -> Option<Vec<String>> {
        if label.starts_with('(') {
            return None;
        }
        label
            .split(' ')
            .map(|n| {
                let i: usize = n.parse().ok()?;
                channels.get(i.checked_sub(1)?).cloned()
            })
            .collect()
    };
    let chains = orders
        .into_iter()
        .map(|(order, models)| {
            let transitions = transitions(t, order);
            Chain {
                order,
                models,
                from_channels: transitions.from.iter().map(|s| state(s)).collect(),
                to_channels: transitions.to.iter().map(|s| state(s)).collect(),
                transitions,
            }
        })
        .collect();

    Explain {
        top,
        converting: converting.into_iter().map(row).collect(),
        converting_paths,
        non_converting: non_converting.into_iter().map(row).collect(),
        non_converting_paths,
        lengths,
        channels,
        chains,
        models,
    }
}

/// The Markov order a model ran with: the `order` of the one-row `chain` table it
/// returned (markov from 1.1.0 says the order it used), else its `order` parameter in
/// force, else 1 (a chain of order 1 is what a removal-effect model without either is
/// shown).
fn order_of(r: &ModelResult) -> usize {
    let said = r
        .tables
        .iter()
        .find(|t| t.name == "chain" && t.rows() == 1)
        .and_then(|t| match t.column("order") {
            Some(ColumnValues::Numbers(v)) => Some(v[0]),
            _ => None,
        })
        .filter(|&k| k >= 1.0 && k.fract() == 0.0 && k <= 64.0)
        .map(|k| k as usize);
    said.or_else(|| {
        r.params
            .iter()
            .find(|(k, _)| k == "order")
            .and_then(|(_, v)| v.trim().parse().ok())
    })
    .filter(|&k| k >= 1)
    .unwrap_or(1)
}

/// A table of the explanation, for `--explain-out`: a file stem (lower-case letters,
/// digits, `-` and `.`) and the table.
#[derive(Clone, Debug, PartialEq)]
pub struct NamedTable {
    pub stem: String,
    pub table: InternalTable,
}

/// Every table of `e` in one shape: the host's (top paths, path lengths, channels, each
/// transition matrix), then per model its scores (markov: its removal effects) and the
/// internals it returned. `labels` are the models' labels, aligned with `e.models`; a
/// model's files are named by its label cut to `[a-z0-9-]`, with its position when two
/// labels cut to the same name.
pub fn tables(e: &Explain, labels: &[String]) -> Vec<NamedTable> {
    fn text(name: &str, v: Vec<String>) -> InternalColumn {
        InternalColumn {
            name: name.into(),
            values: ColumnValues::Text(v),
        }
    }
    fn num(name: &str, v: Vec<f64>) -> InternalColumn {
        InternalColumn {
            name: name.into(),
            values: ColumnValues::Numbers(v),
        }
    }
    let named = |stem: String, description: &str, columns: Vec<InternalColumn>| NamedTable {
        stem,
        table: InternalTable {
            name: String::new(),
            description: description.into(),
            columns,
        },
    };
    let paths = |rows: &[PathRow]| {
        vec![
            text("path", rows.iter().map(|r| r.path.join(" > ")).collect()),
            num("length", rows.iter().map(|r| r.path.len() as f64).collect()),
            num("conversions", rows.iter().map(|r| r.conversions).collect()),
            num("value", rows.iter().map(|r| r.value).collect()),
            num("nulls", rows.iter().map(|r| r.nulls).collect()),
        ]
    };
    let mut out = vec![
        named(
            "paths-converting".into(),
            "The most converting paths, by conversions (ties: value, then the path).",
            paths(&e.converting),
        ),
        named(
            "paths-non-converting".into(),
            "The paths with the most nulls (ties: the path).",
            paths(&e.non_converting),
        ),
        named(
            "path-lengths".into(),
            "Paths by length (touches per path, repeats counted).",
            vec![
                num(
                    "length",
                    e.lengths.iter().map(|l| l.length as f64).collect(),
                ),
                num("paths", e.lengths.iter().map(|l| l.paths as f64).collect()),
                num(
                    "conversions",
                    e.lengths.iter().map(|l| l.conversions).collect(),
                ),
                num("value", e.lengths.iter().map(|l| l.value).collect()),
                num("nulls", e.lengths.iter().map(|l| l.nulls).collect()),
            ],
        ),
        named(
            "channels".into(),
            "The channels, numbered by first appearance (the transition matrices' states).",
            vec![
                num("number", (1..=e.channels.len()).map(|i| i as f64).collect()),
                text("channel", e.channels.clone()),
            ],
        ),
    ];
    let joined = |c: &Option<Vec<String>>, label: &str| match c {
        Some(c) => c.join(" > "),
        None => label.to_string(),
    };
    for c in &e.chains {
        let m = &c.transitions;
        out.push(named(
            format!("transitions-order-{}", c.order),
            "The Markov chain's transition matrix of this order, computed by the host from              the table (states numbered by the channels' first appearance, and named).",
            vec![
                text("from", m.from.clone()),
                text("to", m.to.clone()),
                num("probability", m.probability.clone()),
                text(
                    "from-channels",
                    (0..m.from.len())
                        .map(|i| joined(&c.from_channels[i], &m.from[i]))
                        .collect(),
                ),
                text(
                    "to-channels",
                    (0..m.to.len())
                        .map(|i| joined(&c.to_channels[i], &m.to[i]))
                        .collect(),
                ),
            ],
        ));
    }
    let stems: Vec<String> = labels.iter().map(|l| file_stem(l)).collect();
    for (i, (m, stem)) in e.models.iter().zip(&stems).enumerate() {
        let stem = if stems.iter().filter(|s| *s == stem).count() > 1 {
            format!("{stem}-{}", i + 1)
        } else {
            stem.clone()
        };
        if let Some(re) = &m.removal_effects {
            out.push(named(
                format!("{stem}.removal-effects"),
                "Per channel: 1 − P(conversion without the channel) / P(conversion), and the                  same for value.",
                vec![
                    num("number", re.iter().map(|r| r.number as f64).collect()),
                    text("channel", re.iter().map(|r| r.channel.clone()).collect()),
                    num("removal-effect", re.iter().map(|r| r.conversion).collect()),
                    num("value-removal-effect", re.iter().map(|r| r.value).collect()),
                ],
            ));
        } else if !m.scores.is_empty() {
            let mut columns = vec![
                num("number", (1..=e.channels.len()).map(|i| i as f64).collect()),
                text("channel", e.channels.clone()),
            ];
            for (name, values) in &m.scores {
                columns.push(num(name, values.iter().map(|s| s.value).collect()));
            }
            out.push(named(
                format!("{stem}.scores"),
                "The per-channel scores the model returned.",
                columns,
            ));
        }
        for t in &m.tables {
            out.push(NamedTable {
                stem: format!("{stem}.{}", t.name),
                table: t.clone(),
            });
        }
    }
    // A model's own table may be named like one of the host's (`scores`): the later of two
    // equal stems gets `-2`, `-3`…, so no file overwrites another.
    let mut seen: Vec<String> = Vec::with_capacity(out.len());
    for t in &mut out {
        if t.table.name.is_empty() {
            t.table.name = t.stem.clone();
        }
        let base = t.stem.clone();
        let mut n = 1;
        while seen.contains(&t.stem) {
            n += 1;
            t.stem = format!("{base}-{n}");
        }
        seen.push(t.stem.clone());
    }
    out
}

/// A model's label as a file name: lower-case ASCII letters, digits and `-` (anything else
/// becomes `-`), at most 64 bytes, never empty; `./my model.wasm` is `my-model`.
pub fn file_stem(label: &str) -> String {
    let base = label.rsplit(['/', '\\']).next().unwrap_or(label);
    let base = base.strip_suffix(".wasm").unwrap_or(base);
    let mut s = String::new();
    for c in base.chars() {
        let c = c.to_ascii_lowercase();
        let c = if c.is_ascii_lowercase() || c.is_ascii_digit() {
            c
        } else {
            '-'
        };
        if !(c == '-' && (s.is_empty() || s.ends_with('-'))) {
            s.push(c);
        }
        if s.len() >= 64 {
            break;
        }
    }
    let s = s.trim_end_matches('-').to_string();
    if s.is_empty() { "model".into() } else { s }
}

/// The first `top` of `ids` by `cmp`, sorted; a partial selection first, so a table of
/// millions of paths is not sorted whole.
fn top_of(mut ids: Vec<usize>, top: usize, cmp: impl Fn(&usize, &usize) -> Ordering) -> Vec<usize> {
    if top == 0 {
        return vec![];
    }
    if ids.len() > top {
        ids.select_nth_unstable_by(top - 1, &cmp);
        ids.truncate(top);
    }
    ids.sort_by(&cmp);
    ids
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::paths::ReadOptions;
    use crate::commands::paths::testing::parse;
    use crate::runtime::Usage;

    /// Five distinct paths (one given twice), channels first seen c, a, b:
    ///
    /// | path      | conv | value | nulls | length |
    /// | --------- | ---: | ----: | ----: | -----: |
    /// | c > a     | 1    | 10    | 4     | 2      |
    /// | a         | 3    | 60    | 1     | 1      |
    /// | b > a > b | 3    | 90    | 0     | 3      |
    /// | b         | 0    | 0     | 4     | 1      |
    /// | a > b     | 2+1  | 20+10 | 0+2   | 2      |  (two rows summed)
    const TEXT: &str = "path,total_conversions,total_conversion_value,total_null\n\
                        c > a,1,10,4\na,3,60,1\nb > a > b,3,90,0\nb,0,0,4\na > b,2,20,0\n\
                        a>b,1,10,2\n";

    fn table() -> PathTable {
        parse(TEXT, &ReadOptions::default()).unwrap()
    }

    fn names(rows: &[PathRow]) -> Vec<String> {
        rows.iter().map(|r| r.path.join(">")).collect()
    }

    fn result(
        rule: CreditRule,
        params: &[(&str, &str)],
        scores: &[(&str, [f64; 3])],
    ) -> ModelResult {
        ModelResult {
            spec: "m".into(),
            plugin: "m@1".into(),
            name: "m".into(),
            sha256: "sha256:0".into(),
            params: params
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            rule,
            channels: vec![],
            scores: scores
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_vec()))
                .collect(),
            notes: vec![],
            tables: vec![],
            usage: Usage::default(),
            order_choice: None,
        }
    }

    #[test]
    fn top_paths_by_conversions_and_by_nulls() {
        let t = table();
        let e = explain(&t, &[], 10);
        // Conversions: a 3 (60), b>a>b 3 (90), a>b 3 (30), c>a 1. Ties at 3 go by value:
        // b>a>b 90, a 60, a>b 30.
        assert_eq!(names(&e.converting), ["b>a>b", "a", "a>b", "c>a"]);
        assert_eq!(e.converting_paths, 4);
        assert_eq!(
            e.converting[2],
            PathRow {
                path: vec!["a".into(), "b".into()],
                conversions: 3.0,
                value: 30.0,
                nulls: 2.0
            }
        );
        // Nulls: c>a 4, b 4 (tie: b < c by name), a>b 2, a 1; b>a>b has none.
        assert_eq!(names(&e.non_converting), ["b", "c>a", "a>b", "a"]);
        assert_eq!(e.non_converting_paths, 4);
        // Top 2 cuts each list; the counts of paths stay.
        let e = explain(&t, &[], 2);
        assert_eq!(names(&e.converting), ["b>a>b", "a"]);
        assert_eq!(names(&e.non_converting), ["b", "c>a"]);
        assert_eq!((e.converting_paths, e.non_converting_paths), (4, 4));
        assert!(explain(&t, &[], 0).converting.is_empty());
    }

    #[test]
    fn path_length_distribution() {
        let e = explain(&table(), &[], 10);
        // Length 1: a, b → 2 paths, 3 conversions, 60 value, 5 nulls.
        // Length 2: c>a, a>b → 2 paths, 4 conversions, 40 value, 6 nulls.
        // Length 3: b>a>b → 1 path, 3 conversions, 90 value, 0 nulls.
        let want = [
            (1, 2, 3.0, 60.0, 5.0),
            (2, 2, 4.0, 40.0, 6.0),
            (3, 1, 3.0, 90.0, 0.0),
        ];
        assert_eq!(e.lengths.len(), 3);
        for (g, w) in e.lengths.iter().zip(want) {
            assert_eq!((g.length, g.paths, g.conversions, g.value, g.nulls), w);
        }
    }

    #[test]
    fn channels_scores_and_chains_follow_first_appearance() {
        let t = table();
        // Keys are sorted (a, b, c); scores come aligned with them.
        let markov = result(
            CreditRule::RemovalEffect,
            &[("order", "2")],
            &[
                (REMOVAL_EFFECT, [0.5, 0.25, 0.125]),
                (VALUE_REMOVAL_EFFECT, [0.4, 0.3, 0.2]),
            ],
        );
        let linear = result(CreditRule::Weights, &[], &[]);
        let e = explain(&t, &[linear.clone(), markov], 10);
        assert_eq!(e.channels, ["c", "a", "b"]);
        assert_eq!(
            e.models[0],
            ModelExplain {
                order: None,
                removal_effects: None,
                scores: vec![],
                tables: vec![],
            }
        );
        let m = &e.models[1];
        assert_eq!(m.order, Some(2));
        let re: Vec<_> = m
            .removal_effects
            .as_ref()
            .unwrap()
            .iter()
            .map(|r| (r.number, r.channel.as_str(), r.conversion, r.value))
            .collect();
        assert_eq!(
            re,
            [
                (1, "c", 0.125, 0.2),
                (2, "a", 0.5, 0.4),
                (3, "b", 0.25, 0.3)
            ]
        );
        assert_eq!(m.scores[0].0, REMOVAL_EFFECT);
        assert_eq!(m.scores[0].1[0].channel, "c");
        // One chain, of the markov model's order, with names beside the numbers.
        assert_eq!(e.chains.len(), 1);
        let c = &e.chains[0];
        assert_eq!((c.order, c.models.clone()), (2, vec![1]));
        assert_eq!(c.transitions, transitions(&t, 2));
        let i = c.transitions.from.iter().position(|f| f == "3 2").unwrap();
        assert_eq!(
            c.from_channels[i],
            Some(vec!["b".to_string(), "a".to_string()])
        );
        assert_eq!(c.from_channels[0], None, "{:?}", c.transitions.from[0]);
        // Without a markov model, the matrix of order 1.
        let e = explain(&t, &[linear], 10);
        assert_eq!(e.chains.len(), 1);
        assert_eq!((e.chains[0].order, e.chains[0].models.len()), (1, 0));
        let i = e.chains[0]
            .transitions
            .to
            .iter()
            .position(|s| s == "(null)")
            .unwrap();
        assert_eq!(e.chains[0].to_channels[i], None);
    }

    #[test]
    fn file_stems_are_plain_and_distinct() {
        assert_eq!(file_stem("markov"), "markov");
        assert_eq!(file_stem("./plugins/My Model.wasm"), "my-model");
        assert_eq!(file_stem("../../etc/passwd"), "passwd");
        assert_eq!(file_stem("\u{1b}[2J"), "2j");
        assert_eq!(file_stem("日本"), "model");
        assert_eq!(file_stem(&"a".repeat(100)).len(), 64);
    }

    #[test]
    fn every_section_is_a_named_table_and_a_models_tables_follow_its_scores() {
        let t = table();
        let mut markov = result(
            CreditRule::RemovalEffect,
            &[],
            &[(REMOVAL_EFFECT, [0.5, 0.25, 0.125])],
        );
        let one = |name: &str, column: &str| InternalTable {
            name: name.into(),
            description: "one row".into(),
            columns: vec![InternalColumn {
                name: column.into(),
                values: ColumnValues::Numbers(vec![3.0]),
            }],
        };
        // A table named as the host names a section does not overwrite it.
        markov.tables = vec![one("chain", "order"), one("removal-effects", "x")];
        let e = explain(&t, &[markov.clone(), markov], 10);
        // The chain table says order 3, ahead of the (absent) parameter.
        assert_eq!(e.models[0].order, Some(3));
        let labels = ["markov".to_string(), "markov".to_string()];
        let all = tables(&e, &labels);
        let stems: Vec<&str> = all.iter().map(|n| n.stem.as_str()).collect();
        assert_eq!(
            stems,
            [
                "paths-converting",
                "paths-non-converting",
                "path-lengths",
                "channels",
                "transitions-order-3",
                "markov-1.removal-effects",
                "markov-1.chain",
                "markov-1.removal-effects-2",
                "markov-2.removal-effects",
                "markov-2.chain",
                "markov-2.removal-effects-2",
            ]
        );
        // Every table holds to the rules a model's tables are held to.
        let mut named: Vec<InternalTable> = all.iter().map(|n| n.table.clone()).collect();
        for (i, t) in named.iter_mut().enumerate() {
            t.name = format!("t{i}");
        }
        assert_eq!(crate::runtime::model::validate_tables(&named), Ok(()));
        let channels = &all[3].table;
        assert_eq!(
            channels.column("channel"),
            Some(&ColumnValues::Text(vec![
                "c".into(),
                "a".into(),
                "b".into()
            ]))
        );
    }
}
