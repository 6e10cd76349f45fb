//! Journeys of 1–`max_len` touches over 12, 16 and 24 keys (1M each), and 100k long ones
//! over 40 keys (key sets past 16 keys are sampled), timed through the model:
//! `cargo bench -p model-shapley --bench throughput [-- KEYS]` (KEYS: only that case).

use ascribe_sdk::model::{Journeys, run};
use ascribe_sdk::testing::{Rng, check_weights, key_name};
use model_shapley::Shapley;

fn main() {
    let only: Option<usize> = std::env::args().nth(1).and_then(|a| a.parse().ok());
    let mut rng = Rng::new(2024);
    for (keys, max_len, journeys, samples) in [
        (12usize, 12usize, 1_000_000usize, "20000"),
        (16, 12, 1_000_000, "20000"),
        (24, 12, 1_000_000, "20000"),
        (40, 30, 100_000, "1000"),
    ] {
        if only.is_some_and(|k| k != keys) {
            continue;
        }
        let mut j = Journeys {
            keys: (0..keys).map(key_name).collect(),
            partners: vec!["p".into()],
            journey_offsets: vec![0],
            ..Default::default()
        };
        for _ in 0..journeys {
            let len = 1 + rng.below(max_len);
            for _ in 0..len {
                j.touch_key.push(rng.below(keys) as u32);
            }
            j.journey_offsets.push(j.touch_key.len() as u32);
            let conv = if rng.below(100) < 30 { 1.0 } else { 0.0 };
            j.conversions.push(conv);
            j.nulls.push(rng.below(5) as f64);
            j.value.push(conv * 100.0);
            j.conversion_time_ms.push(0);
        }
        let t = j.touch_key.len();
        j.touch_time_ms = vec![0; t];
        j.touch_flags = vec![0; t];
        j.touch_partner = vec![0; t];
        let started = std::time::Instant::now();
        let out = run::<Shapley>(&j, &[("samples", samples)]).unwrap();
        println!(
            "{journeys} journeys of 1–{max_len} touches over {keys} keys: {:.2?}; {:?}",
            started.elapsed(),
            out.notes
        );
        check_weights(&j, &out);
    }
}
