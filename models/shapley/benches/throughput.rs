//! 1M journeys of 1–12 touches over 12, 16 and 24 keys, timed through the model:
//! `cargo bench -p model-shapley --bench throughput`.

use ascribe_sdk::model::{Journeys, run};
use ascribe_sdk::testing::{Rng, check_weights, key_name};
use model_shapley::Shapley;

fn main() {
    let mut rng = Rng::new(2024);
    for (keys, samples) in [(12usize, "20000"), (16, "20000"), (24, "1"), (24, "20000")] {
        let mut j = Journeys {
            keys: (0..keys).map(key_name).collect(),
            partners: vec!["p".into()],
            journey_offsets: vec![0],
            ..Default::default()
        };
        for _ in 0..1_000_000 {
            let len = 1 + rng.below(12);
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
        println!("{keys} keys: {:.2?}; {:?}", started.elapsed(), out.notes);
        check_weights(&j, &out);
    }
}
