//! The model call path: 1M touches in 100k journeys into a plugin and 1M weights back.
//! Target (issue 2): at most 5 ns per touch round trip on a 2-core machine.
//!
//! Run: `cargo xtask plugins && cargo bench -p ascribe --bench call_path`.
//! The plugin is first-touch, whose own work is one store per journey, so the figure is
//! the cost of the boundary: lowering six columns, instantiating, lifting the weights.

use std::path::PathBuf;
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
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let wasm = target.join("plugins/first-touch.wasm");
    assert!(
        wasm.is_file(),
        "{} missing: run `cargo xtask plugins`",
        wasm.display()
    );
    let cache = tempfile::tempdir().unwrap();
    let rt = Runtime::new(RuntimeOptions {
        fuel: false,
        cache_dir: Some(cache.path().to_path_buf()),
    })
    .unwrap();
    let p = rt.load(&wasm, None, Limits::default()).unwrap();
    let mut times = vec![];
    for _ in 0..11 {
        let t = Instant::now();
        let (out, _) = p.attribute(&mut j, &[]).unwrap();
        times.push(t.elapsed());
        assert_eq!(out.weights.len(), touches);
    }
    times.sort();
    let median = times[times.len() / 2];
    support::write_json(
        "call_path",
        &serde_json::json!({
            "touches": touches, "journeys": journeys, "load": support::load(),
            "median_ns_per_touch": median.as_nanos() as f64 / touches as f64,
            "min_ns_per_touch": times[0].as_nanos() as f64 / touches as f64,
        }),
    );
    println!(
        "call_path: {touches} touches in {journeys} journeys: median {:.1} ms, {:.2} ns per touch round trip (min {:.2}, max {:.2}); target ≤ 5 ns",
        median.as_secs_f64() * 1e3,
        median.as_nanos() as f64 / touches as f64,
        times[0].as_nanos() as f64 / touches as f64,
        times[times.len() - 1].as_nanos() as f64 / touches as f64
    );
}
