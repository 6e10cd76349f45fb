//! Contract versions: `ascribe:model@0.2.0` sends a model only the columns it asks for;
//! `ascribe:model@0.1.0` plugins keep running, with every column; a version this host
//! does not know is refused by name.

use ascribe::runtime::model::{Inputs, JourneyColumns};
use ascribe::runtime::{Limits, PluginInfo};

use crate::support::*;

/// Two journeys with every column the host can build: a > b (converts, with times, a
/// first-touch flag and two partners), c (does not convert).
fn full() -> JourneyColumns {
    JourneyColumns {
        keys: vec!["a".into(), "b".into(), "c".into()],
        partners: vec!["nimbus".into(), "quantia".into()],
        touch_key: vec![0, 1, 2],
        touch_time_ms: vec![1_000, 2_000, 3_000],
        touch_flags: vec![1, 0, 1],
        touch_partner: vec![0, 1, 1],
        journey_offsets: vec![0, 2, 3],
        conversions: vec![1.0, 0.0],
        nulls: vec![0.0, 4.0],
        value: vec![250.0, 0.0],
        conversion_time_ms: vec![5_000, 0],
    }
}

/// The same journeys as a path table holds them: no times, milestones or partners.
fn paths_only() -> JourneyColumns {
    JourneyColumns {
        partners: vec![],
        touch_time_ms: vec![],
        touch_flags: vec![],
        touch_partner: vec![],
        conversion_time_ms: vec![],
        ..full()
    }
}

#[test]
fn a_model_at_0_2_0_is_sent_only_the_columns_it_asks_for() {
    let (rt, _d) = runtime();
    let p = load(&rt, &hostile("column-probe"));
    assert_eq!(p.contract.package(), "ascribe:model@0.2.0");
    let PluginInfo::Model(info) = p.info() else {
        panic!("a model")
    };
    assert_eq!(info.inputs.names(), vec!["partners", "nulls"]);
    assert!(!info.may_merge_paths(), "it reads partners");
    let mut j = full();
    let (out, _) = p.attribute(&mut j, &[]).unwrap();
    assert_eq!(out.weights, vec![1.0, 0.0, 1.0]);
    // Asked for: partners (names and per touch) and nulls; always sent: keys, offsets,
    // conversions. Everything else arrives empty.
    assert_eq!(
        out.notes,
        vec![
            "keys 3 partners 2 touch-key 0 touch-time-ms 0 touch-flags 0 touch-partner 3 journey-offsets 3 conversions 2 nulls 2 value 0 conversion-time-ms 0"
        ]
    );
    assert_eq!(j, full(), "the host's columns come back as they were");

    // Partners asked for where the host has none: zeros, and one unnamed partner for
    // them to index.
    let mut j = paths_only();
    let (out, _) = p.attribute(&mut j, &[]).unwrap();
    assert_eq!(
        out.notes,
        vec![
            "keys 3 partners 1 touch-key 0 touch-time-ms 0 touch-flags 0 touch-partner 3 journey-offsets 3 conversions 2 nulls 2 value 0 conversion-time-ms 0"
        ]
    );
    assert_eq!(j, paths_only(), "nothing made for the call is left behind");
}

#[test]
fn every_bundled_model_declares_what_it_reads() {
    let (rt, _d) = runtime();
    // What each model's definition (docs/models.md) reads besides journey lengths and
    // conversions; the models' own tests run them with only these columns.
    for (model, inputs, merges) in [
        ("first-touch", vec![], true),
        ("last-touch", vec![], true),
        ("linear", vec![], true),
        ("position-based", vec![], true),
        ("time-decay", vec!["times"], false),
        ("w-shaped", vec!["milestones"], false),
        ("full-path", vec!["milestones"], false),
        ("markov", vec!["touch-keys", "nulls", "values"], true),
        ("shapley", vec!["touch-keys", "nulls"], true),
    ] {
        let p = load(&rt, &bundled(model));
        assert_eq!(p.contract.package(), "ascribe:model@0.4.0", "{model}");
        let PluginInfo::Model(info) = p.info() else {
            panic!("{model} is a model")
        };
        assert_eq!(info.inputs.names(), inputs, "{model}");
        assert_eq!(info.may_merge_paths(), merges, "{model}");
        // The data-driven models offer statistics, merge, solve and weights (0.4.0).
        assert_eq!(
            info.mergeable,
            model == "markov" || model == "shapley",
            "{model}"
        );
    }
}

#[test]
fn a_model_built_against_0_1_0_still_runs_with_every_column() {
    let (rt, _d) = runtime();
    let p = load(&rt, &hostile("legacy-model"));
    assert_eq!(p.contract.package(), "ascribe:model@0.1.0");
    let PluginInfo::Model(info) = p.info() else {
        panic!("a model")
    };
    // 0.1.0 declares times, milestones and nulls; keys and values it always had.
    assert_eq!(
        info.inputs,
        Inputs {
            touch_keys: true,
            times: false,
            milestones: false,
            partners: false,
            nulls: true,
            values: true,
        }
    );
    let report = [("report".to_string(), "1".to_string())];
    let mut j = full();
    let (out, _) = p.attribute(&mut j, &report).unwrap();
    assert_eq!(out.weights, vec![1.0, 0.0, 1.0]);
    // Every column full length (the plugin refuses the call otherwise), with the host's
    // data in it: 3 touch times, 2 flags, 1 conversion time, value 250.
    assert_eq!(
        out.notes,
        vec![
            r#"partners ["nimbus", "quantia"]; nonzero times 3, flags 2, conversion times 1; value sum 250"#
        ]
    );
    assert_eq!(j, full());

    // What the host does not have is sent as zeros, as 0.1.0 promises.
    let mut j = paths_only();
    let (out, _) = p.attribute(&mut j, &report).unwrap();
    assert_eq!(
        out.notes,
        vec![r#"partners [""]; nonzero times 0, flags 0, conversion times 0; value sum 250"#]
    );
    assert_eq!(j, paths_only());
}

#[test]
fn a_contract_version_the_host_does_not_know_is_refused_by_name() {
    let (rt, _d) = runtime();
    let path = hostile("future-model");
    let err = rt.load(&path, None, Limits::default()).err().unwrap();
    let sha = sha256_of(&path);
    assert_eq!(
        err.to_string(),
        format!(
            "plugin {} (sha256:{}): it targets ascribe:model/attribution@9.0.0, which this host does not support; this host supports ascribe:model@0.4.0, ascribe:model@0.3.0, ascribe:model@0.2.0, ascribe:model@0.1.0, ascribe:normalizer@0.1.0 (upgrade ascribe, or rebuild the plugin against a supported contract)",
            path.display(),
            sha
        )
    );
}

#[test]
fn a_model_at_0_3_0_still_runs_and_its_tables_reach_the_host_whole() {
    use ascribe::runtime::model::ColumnValues;
    let (rt, _d) = runtime();
    let p = load(&rt, &hostile("tables-v0-3"));
    assert_eq!(p.contract.package(), "ascribe:model@0.3.0");
    assert!(
        !p.model_info().unwrap().mergeable,
        "0.3.0 has no statistics"
    );
    let (out, _) = p.attribute(&mut full(), &[]).unwrap();
    assert_eq!(out.weights, vec![1.0, 0.0, 1.0]);
    assert_eq!(
        out.scores,
        vec![("touches".to_string(), vec![1.0, 1.0, 1.0])]
    );
    assert_eq!(out.notes, vec!["tables-v0-3: first touch"]);
    assert_eq!(out.tables.len(), 1);
    let t = &out.tables[0];
    assert_eq!(
        (t.name.as_str(), t.description.as_str(), t.rows()),
        ("touches-per-key", "how many touches each key has", 3)
    );
    assert_eq!(
        t.column("key"),
        Some(&ColumnValues::Text(vec![
            "a".into(),
            "b".into(),
            "c".into()
        ]))
    );
    assert_eq!(
        t.column("touches"),
        Some(&ColumnValues::Numbers(vec![1.0, 1.0, 1.0]))
    );
}

#[test]
fn a_model_returns_its_internals_as_tables() {
    use ascribe::runtime::model::ColumnValues;
    let (rt, _d) = runtime();
    let p = load(&rt, &bundled("shapley"));
    assert_eq!(p.contract.package(), "ascribe:model@0.4.0");
    // a > b converts (1), c does not (4 nulls). shapley 2.0.0 computes the game of the
    // converting channel set {a,b} over its subsets, each coalition once, by size:
    //   a: no journey lies in {a}: C 0, N 0, v 0;  b: likewise;  a + b: a > b, C 1, v 1.
    // (c's journey lies in no subset of {a,b}.) φa = ½·v(a) + ½·(v(ab) − v(b)) = ½ = φb.
    let (out, _) = p.attribute(&mut full(), &[]).unwrap();
    assert_eq!(out.tables.len(), 2);
    let t = &out.tables[0];
    assert_eq!((t.name.as_str(), t.rows()), ("coalition-values", 3));
    let text = |v: &[&str]| ColumnValues::Text(v.iter().map(|s| s.to_string()).collect());
    let numbers = |v: &[f64]| ColumnValues::Numbers(v.to_vec());
    assert_eq!(t.column("coalition"), Some(&text(&["a", "b", "a + b"])));
    assert_eq!(t.column("conversions"), Some(&numbers(&[0.0, 0.0, 1.0])));
    assert_eq!(t.column("nulls"), Some(&numbers(&[0.0, 0.0, 0.0])));
    assert_eq!(t.column("value"), Some(&numbers(&[0.0, 0.0, 1.0])));
    let s = &out.tables[1];
    assert_eq!((s.name.as_str(), s.rows()), ("key-set-shares", 2));
    assert_eq!(s.column("key-set"), Some(&text(&["a + b", "a + b"])));
    assert_eq!(s.column("key"), Some(&text(&["a", "b"])));
    assert_eq!(s.column("shapley-value"), Some(&numbers(&[0.5, 0.5])));
    assert_eq!(s.column("share"), Some(&numbers(&[0.5, 0.5])));
    assert_eq!(s.column("credited"), Some(&numbers(&[0.5, 0.5])));
    // A 0.2.0 model's answer converts into 0.3.0's, then 0.4.0's, with no tables.
    let probe = load(&rt, &hostile("column-probe"));
    assert!(
        probe
            .attribute(&mut full(), &[])
            .unwrap()
            .0
            .tables
            .is_empty()
    );
}

#[test]
fn a_model_whose_tables_break_the_contract_is_refused_by_name() {
    let (rt, _d) = runtime();
    let p = load(&rt, &hostile("hostile-model"));
    let contract = |msg: &str| {
        format!("returned output that breaks the contract: {msg}; report it to the plugin's author")
    };
    assert_eq!(
        in_mode(&p, "ragged-table").unwrap_err().to_string(),
        failed(
            &p,
            "attribute",
            &contract(
                "internal table `transition-probabilities`: column `probability` has 1 rows where column `from-state` has 2"
            )
        )
    );
    // A name that would be a path out of `--explain-out`'s directory, with a description
    // full of addresses and escapes: refused before anything reads either.
    assert_eq!(
        in_mode(&p, "escaping-table").unwrap_err().to_string(),
        failed(
            &p,
            "attribute",
            &contract(
                "internal table 1 is named \"../../escape\": a table name is 1 to 64 lower-case letters, digits and '-', starting with a letter"
            )
        )
    );
}
