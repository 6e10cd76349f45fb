//! Identical paths summed: a counting sort of the path hashes, checked path by path.

use crate::runtime::model::JourneyColumns;

/// Sums identical paths into the first row that has them, keeping first-appearance order.
/// Rows are sorted by path hash (a counting sort on the top bits, then small sorts); rows
/// with equal hashes are compared path by path, so a hash collision never merges two
/// different paths. A table of distinct paths (the usual warehouse GROUP BY) costs the sort
/// and one scan.
///
/// It stands in for a hash map of paths: on the 1M-path table, that map's cache misses were
/// a third of the parse (docs/performance.md, section `paths`, 2026-11-25). Benchmark:
/// `cargo bench -p ascribe --bench paths -- --read`.
pub(super) fn dedup(cols: &mut JourneyColumns, hashes: &[u64]) {
    let n = hashes.len();
    if n < 2 {
        return;
    }
    // About eight rows per bucket: the buckets' counts stay small next to the rows.
    let bits = (usize::BITS - n.leading_zeros())
        .saturating_sub(3)
        .clamp(1, 20);
    let shift = 64 - bits;
    let mut start = vec![0u32; (1usize << bits) + 1];
    for &h in hashes {
        start[(h >> shift) as usize + 1] += 1;
    }
    for i in 1..start.len() {
        start[i] += start[i - 1];
    }
    let mut sorted = vec![(0u64, 0u32); n];
    {
        let mut next = start.clone();
        for (i, &h) in hashes.iter().enumerate() {
            let b = (h >> shift) as usize;
            sorted[next[b] as usize] = (h, i as u32);
            next[b] += 1;
        }
    }
    for w in start.windows(2) {
        let bucket = &mut sorted[w[0] as usize..w[1] as usize];
        if bucket.len() > 1 {
            bucket.sort_unstable();
        }
    }
    // Representatives: rep[j] = the first row with j's path.
    let mut rep: Option<Vec<u32>> = None;
    let mut a = 0;
    while a < n {
        let mut b = a + 1;
        while b < n && sorted[b].0 == sorted[a].0 {
            b += 1;
        }
        if b - a > 1 {
            let rep = rep.get_or_insert_with(|| (0..n as u32).collect());
            for k in a + 1..b {
                let j = sorted[k].1;
                let path = &cols.touch_key[cols.range(j as usize)];
                if let Some(&(_, first)) = sorted[a..k].iter().find(|&&(_, m)| {
                    rep[m as usize] == m && cols.touch_key[cols.range(m as usize)] == *path
                }) {
                    rep[j as usize] = first;
                }
            }
        }
        a = b;
    }
    drop(sorted);
    let Some(rep) = rep else {
        return;
    };
    let mut out = JourneyColumns {
        journey_offsets: vec![0],
        ..Default::default()
    };
    let mut new_index = vec![u32::MAX; n];
    for j in 0..n {
        let r = rep[j] as usize;
        if r == j {
            new_index[j] = out.conversions.len() as u32;
            out.touch_key
                .extend_from_slice(&cols.touch_key[cols.range(j)]);
            out.journey_offsets.push(out.touch_key.len() as u32);
            out.conversions.push(cols.conversions[j]);
            out.nulls.push(cols.nulls[j]);
            out.value.push(cols.value[j]);
        } else {
            let t = new_index[r] as usize;
            out.conversions[t] += cols.conversions[j];
            out.nulls[t] += cols.nulls[j];
            out.value[t] += cols.value[j];
        }
    }
    cols.touch_key = out.touch_key;
    cols.journey_offsets = out.journey_offsets;
    cols.conversions = out.conversions;
    cols.nulls = out.nulls;
    cols.value = out.value;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_collisions_never_merge_different_paths() {
        let mut cols = JourneyColumns {
            journey_offsets: vec![0, 1, 3, 4, 6, 7],
            touch_key: vec![0, 0, 1, 2, 0, 1, 0],
            conversions: vec![1.0, 2.0, 4.0, 8.0, 16.0],
            nulls: vec![0.0; 5],
            value: vec![0.0; 5],
            ..Default::default()
        };
        // Every path has the same hash: a, a>b, c, a>b, a.
        dedup(&mut cols, &[7; 5]);
        assert_eq!(cols.journey_offsets, vec![0, 1, 3, 4]);
        assert_eq!(cols.touch_key, vec![0, 0, 1, 2]);
        assert_eq!(cols.conversions, vec![17.0, 10.0, 4.0]);
    }
}
