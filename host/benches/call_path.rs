//! The model call path: 1M touches in 100k journeys into a plugin and 1M weights back.
//! Target (issue 2): at most 5 ns per touch round trip on a 2-core machine.
//!
//! Run: `cargo xtask plugins && cargo bench -p ascribe --bench call_path`.
//! Two first-touch models, whose own work is one store per journey, so the figures are
//! the cost of the boundary (check, instantiate, lower, lift, validate, release):
//! - the bundled first-touch (`ascribe:model@0.2.0`), sent what it reads: the journey
//!   offsets and conversions;
//! - `tests/plugins/legacy-model` (`ascribe:model@0.1.0`), sent every column: keys,
//!   times, flags and partners per touch, five columns per journey.

// Bench output is ours, not partner text: host/clippy.toml's print ban is for the host.
#![allow(clippy::disallowed_macros)]

use std::time::Instant;

use ascribe::runtime::model::JourneyColumns;
use ascribe::runtime::{Limits, Runtime, RuntimeOptions};

mod support;

fn main() {
    let touches = 1_000_000usize;
    let journeys = 100_000usize;
    let per = touches / journeys;
    let mut j = JourneyColumns {
        keys: (0..12).map(|i| format!("channel-{i}")).collect(),
        partners: vec!["a".into(), "b".into()],
        ..Default::default()
    };
    j.journey_offsets.push(0);
    for i in 0..journeys {
        for k in 0..per {
            j.touch_key.push(((i * 7 + k * 3) % 12) as u32);
            j.touch_time_ms.push((i * 1000 + k) as i64);
            j.touch_flags.push(if k == 0 { 1 } else { 0 });
            j.touch_partner.push((k % 2) as u32);
        }
        j.journey_offsets.push(j.touch_key.len() as u32);
        j.conversions.push((i % 3 == 0) as u8 as f64);
        j.nulls.push((i % 3 != 0) as u8 as f64);
        j.value.push(1000.0);
        j.conversion_time_ms.push((i * 1000 + per) as i64);
    }
    let target = support::target();
    let cache = tempfile::tempdir().unwrap();
    let rt = Runtime::new(RuntimeOptions {
        fuel: false,
        cache_dir: Some(cache.path().to_path_buf()),
    })
    .unwrap();
    let mut json = serde_json::Map::new();
    for (key, wasm, what) in [
        (
            "declared",
            target.join("plugins/first-touch.wasm"),
            "first-touch (model@0.2.0: offsets and conversions)",
        ),
        (
            "every_column",
            target.join("test-plugins/legacy-model.wasm"),
            "legacy first-touch (model@0.1.0: every column)",
        ),
    ] {
        assert!(
            wasm.is_file(),
            "{} missing: run `cargo xtask plugins`",
            wasm.display()
        );
        let p = rt.load(&wasm, None, Limits::default()).unwrap();
        let mut runs = vec![];
        for _ in 0..11 {
            let t = Instant::now();
            let (out, usage) = p.attribute(&mut j, &[]).unwrap();
            runs.push((t.elapsed(), usage.phases));
            assert_eq!(out.weights.len(), touches);
        }
        runs.sort_by_key(|r| r.0);
        let (median, phases) = runs[runs.len() / 2];
        let ns = |d: std::time::Duration| d.as_nanos() as f64 / touches as f64;
        println!(
            "call_path, {what}: {touches} touches in {journeys} journeys: median {:.1} ms, {:.2} ns per touch round trip (min {:.2}, max {:.2}); target ≤ 5 ns\n  the median call: {phases}",
            median.as_secs_f64() * 1e3,
            ns(median),
            ns(runs[0].0),
            ns(runs[runs.len() - 1].0),
        );
        json.insert(
            key.into(),
            serde_json::json!({
                "plugin": what,
                "median_ns_per_touch": ns(median),
                "min_ns_per_touch": ns(runs[0].0),
                "phases_ns_per_touch": {
                    "check": ns(phases.check), "instantiate": ns(phases.instantiate),
                    "call": ns(phases.call), "validate": ns(phases.validate),
                    "release": ns(phases.release),
                },
            }),
        );
    }
    json.insert("touches".into(), touches.into());
    json.insert("journeys".into(), journeys.into());
    json.insert("load".into(), support::load().into());
    support::write_json("call_path", &serde_json::Value::Object(json));
}
