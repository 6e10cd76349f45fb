//! Test support for plugins (the `testing` feature, for dev-dependencies). For models: a
//! seeded generator of pseudo-random journeys and the checks every model must pass (weights
//! finite, non-negative, summing to 1 per converting journey; the same results in any
//! journey order). For normalizers: their native throughput, measured as the host streams.

use crate::csv::{Header, Record};
use crate::model::{
    CLOSED_WON, FIRST_TOUCH, Journeys, JourneysBuilder, LEAD_CREATION, Mergeable, Model,
    OPPORTUNITY_CREATION, Output, Stats, run,
};
use crate::normalizer::{
    Batch, Csv, CsvRows, Info, NormalizeError, Normalizer, SourceInfo, conv_col, run_file,
    touch_col,
};
use crate::params::Params;
use crate::time::Time;

/// splitmix64: tiny, seeded, good enough to generate test data.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// One journey in readable form.
#[derive(Clone, Debug)]
pub struct Row {
    pub touches: Vec<(String, i64, u8)>,
    pub conversions: f64,
    pub nulls: f64,
    pub value: f64,
    pub conversion_time_ms: i64,
}

pub fn key_name(i: usize) -> String {
    format!("k{i}")
}

/// `n` random journeys over `keys` keys, 0..=`max_len` touches each, with increasing
/// timestamps, plausible milestone flags (sometimes none at all), a mix of converting and
/// non-converting journeys, and fractional counts now and then.
pub fn random_rows(rng: &mut Rng, n: usize, keys: usize, max_len: usize) -> Vec<Row> {
    let day = 86_400_000i64;
    (0..n)
        .map(|_| {
            let len = rng.below(max_len + 1);
            let mut t = 1_700_000_000_000i64 + rng.below(100) as i64 * day;
            let flagged = rng.below(4) != 0;
            let mut touches: Vec<(String, i64, u8)> = (0..len)
                .map(|_| {
                    t += rng.below(20 * 24) as i64 * 3_600_000;
                    (key_name(rng.below(keys)), t, 0u8)
                })
                .collect();
            if flagged && len > 0 {
                touches[0].2 |= FIRST_TOUCH;
                for bit in [LEAD_CREATION, OPPORTUNITY_CREATION, CLOSED_WON] {
                    if rng.below(5) != 0 {
                        let i = rng.below(len);
                        touches[i].2 |= bit;
                    }
                }
            }
            let conversions = match rng.below(10) {
                0..=2 => 0.0,
                3 => 0.5 + rng.below(4) as f64 * 0.25,
                _ => 1.0 + rng.below(3) as f64,
            };
            let nulls = match rng.below(3) {
                0 => 0.0,
                1 => rng.below(6) as f64,
                _ => rng.below(40) as f64 * 0.1,
            };
            let value = if conversions > 0.0 {
                (rng.unit() * 10_000.0).round() / 100.0
            } else {
                0.0
            };
            // Now and then the conversion is stamped before the last touch.
            let conversion_time_ms = t + rng.below(10 * 24) as i64 * 3_600_000 - 24 * 3_600_000;
            Row {
                touches,
                conversions,
                nulls,
                value,
                conversion_time_ms,
            }
        })
        .collect()
}

/// Builds the columns; keys are declared up front so their ids do not depend on row order.
pub fn build(rows: &[Row], keys: usize) -> Journeys {
    let mut b = JourneysBuilder::new();
    for i in 0..keys {
        b = b.with_key(&key_name(i));
    }
    for r in rows {
        let t: Vec<(&str, i64, u8)> = r
            .touches
            .iter()
            .map(|(k, t, f)| (k.as_str(), *t, *f))
            .collect();
        b = b.journey(&t, r.conversions, r.nulls, r.value, r.conversion_time_ms);
    }
    let j = b.build();
    j.check().unwrap();
    j
}

/// Weights finite and non-negative; for converting journeys with touches they sum to 1.
pub fn check_weights(j: &Journeys, out: &Output) {
    assert_eq!(out.weights.len(), j.touches());
    for (i, w) in out.weights.iter().enumerate() {
        assert!(w.is_finite() && *w >= 0.0, "touch {i}: weight {w}");
    }
    for jr in j.iter() {
        if jr.conversions > 0.0 && !jr.is_empty() {
            let s: f64 = out.weights[jr.start..jr.start + jr.len()].iter().sum();
            assert!(
                (s - 1.0).abs() < 1e-9,
                "journey {}: weights sum to {s}",
                jr.index
            );
        }
    }
    for (name, values) in &out.scores {
        assert_eq!(values.len(), j.keys.len(), "score {name}");
        assert!(
            values.iter().all(|v| v.is_finite()),
            "score {name}: {values:?}"
        );
    }
}

/// Runs the model on the rows, then on the rows in a shuffled order, and compares the
/// weights (journey by journey) and the scores to 1e-12. Returns the unshuffled output.
pub fn check_order_independent<M: Model>(
    rng: &mut Rng,
    rows: &[Row],
    keys: usize,
    params: &[(&str, &str)],
) -> Output {
    let j = build(rows, keys);
    let a = run::<M>(&j, params).unwrap();
    check_weights(&j, &a);
    let mut perm: Vec<usize> = (0..rows.len()).collect();
    for i in (1..perm.len()).rev() {
        perm.swap(i, rng.below(i + 1));
    }
    let shuffled: Vec<Row> = perm.iter().map(|&i| rows[i].clone()).collect();
    let js = build(&shuffled, keys);
    let b = run::<M>(&js, params).unwrap();
    check_weights(&js, &b);
    for (pos, &orig) in perm.iter().enumerate() {
        let ja = j.journey(orig);
        let jb = js.journey(pos);
        for t in 0..ja.len() {
            let (wa, wb) = (a.weights[ja.start + t], b.weights[jb.start + t]);
            assert!(
                (wa - wb).abs() <= 1e-12,
                "journey {orig} touch {t}: {wa} vs {wb} after shuffling"
            );
        }
    }
    assert_eq!(a.scores.len(), b.scores.len());
    for ((na, va), (nb, vb)) in a.scores.iter().zip(&b.scores) {
        assert_eq!(na, nb);
        for (x, y) in va.iter().zip(vb) {
            assert!(
                (x - y).abs() <= 1e-12 * x.abs().max(1.0),
                "score {na}: {x} vs {y} after shuffling"
            );
        }
    }
    a
}

/// Splits `j` into `parts` partitions (journeys dealt at random, each partition's journeys
/// in a shuffled order, each with its own key dictionary), runs `statistics` on each,
/// merges them in a random tree, solves once and runs `weights` on each partition, and
/// checks what the contract promises: the merged statistics are the whole's to the byte
/// (and pass the host's checks), and every touch's weight is bit for bit the one
/// `attribute` gives over the whole. Returns the merged statistics.
pub fn check_partitions<M: Mergeable>(
    rng: &mut Rng,
    j: &Journeys,
    parts: usize,
    params: &[(&str, &str)],
) -> Stats {
    let given: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let info = M::info();
    let p = Params::resolve(&info.params, &given).unwrap();
    let whole = j.only(info.inputs);
    let want = M::attribute(&whole, &p).unwrap();
    let whole_stats = M::statistics(&whole, &p).unwrap();
    assert_eq!(whole_stats.check(), Ok(()));
    let mut order: Vec<usize> = (0..j.len()).collect();
    for i in (1..order.len()).rev() {
        order.swap(i, rng.below(i + 1));
    }
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); parts];
    for &i in &order {
        members[rng.below(parts)].push(i);
    }
    let partitions: Vec<Journeys> = members.iter().map(|m| whole.select(m)).collect();
    let mut pool: Vec<Stats> = partitions
        .iter()
        .map(|part| M::statistics(part, &p).unwrap())
        .collect();
    while pool.len() > 1 {
        let a = pool.swap_remove(rng.below(pool.len()));
        let b = pool.swap_remove(rng.below(pool.len()));
        let m = M::merge(a, b).unwrap();
        assert_eq!(m.check(), Ok(()));
        pool.push(m);
    }
    let merged = pool.pop().unwrap();
    assert_eq!(
        merged, whole_stats,
        "merged statistics of {parts} partitions"
    );
    let solution = M::solve(merged.clone(), &p).unwrap();
    assert_eq!(solution.check(), Ok(()));
    for (m, part) in members.iter().zip(&partitions) {
        let got = M::weights(part, &solution, &p).unwrap();
        check_weights(part, &got);
        assert_eq!(got.notes, want.notes);
        for (pos, &i) in m.iter().enumerate() {
            let (a, b) = (j.journey(i), part.journey(pos));
            for t in 0..a.len() {
                assert_eq!(
                    got.weights[b.start + t].to_bits(),
                    want.weights[a.start + t].to_bits(),
                    "journey {i} touch {t} with {parts} partitions"
                );
            }
        }
    }
    merged
}

/// 20 rounds of 200 random journeys over 1 to 8 keys, round `r`'s journeys at most
/// `1 + r % max_len` touches long: each round runs [`check_order_independent`] once per
/// parameter set, in order.
pub fn check_random_rounds<M: Model>(seed: u64, max_len: usize, param_sets: &[&[(&str, &str)]]) {
    check_random_rounds_then::<M>(seed, max_len, param_sets, |_, _| {});
}

/// [`check_random_rounds`], then `extra` with each round's journeys and the output of its
/// last parameter set (for the model's own invariants).
pub fn check_random_rounds_then<M: Model>(
    seed: u64,
    max_len: usize,
    param_sets: &[&[(&str, &str)]],
    mut extra: impl FnMut(&Journeys, &Output),
) {
    let mut rng = Rng::new(seed);
    for round in 0..20 {
        let keys = 1 + rng.below(8);
        let rows = random_rows(&mut rng, 200, keys, 1 + round % max_len);
        let mut out = None;
        for params in param_sets {
            out = Some(check_order_independent::<M>(&mut rng, &rows, keys, params));
        }
        extra(
            &build(&rows, keys),
            &out.expect("at least one parameter set"),
        );
    }
}

/// One converting journey whose touches carry `flags` (keys a, b, c, … one an hour).
pub fn flagged_journey(flags: &[u8]) -> Journeys {
    let keys: Vec<String> = (0..flags.len())
        .map(|i| char::from(b'a' + i as u8).to_string())
        .collect();
    let t: Vec<(&str, i64, u8)> = flags
        .iter()
        .enumerate()
        .map(|(i, &f)| (keys[i].as_str(), i as i64, f))
        .collect();
    let j = JourneysBuilder::new()
        .journey(&t, 1.0, 0.0, 1.0, 10)
        .build();
    j.check().unwrap();
    j
}

/// Score `name` of every key.
pub fn score<'a>(out: &'a Output, name: &str) -> &'a [f64] {
    &out.scores.iter().find(|(n, _)| n == name).unwrap().1
}

/// Score `name` of the key named `key`.
pub fn by_key(j: &Journeys, out: &Output, name: &str, key: &str) -> f64 {
    let i = j.keys.iter().position(|k| k == key).unwrap();
    score(out, name)[i]
}

/// Asserts two floats agree to `tol` (absolute).
#[track_caller]
pub fn close(a: f64, b: f64, tol: f64) {
    assert!((a - b).abs() <= tol, "{a} != {b} (tolerance {tol})");
}

/// Asserts `got` and `want` have the same length and agree to `tol`, element by element.
#[track_caller]
pub fn close_all(got: &[f64], want: &[f64], tol: f64) {
    assert_eq!(got.len(), want.len(), "{got:?} vs {want:?}");
    for (g, w) in got.iter().zip(want) {
        close(*g, *w, tol);
    }
}

// ------------------------------------------------------------------------------------------
// Normalizers' unit tests: every chunking agrees, every row accounted for, outputs as text.

/// The chunk sizes the helpers feed: one byte, a few, a page, and the host's 1 MiB.
pub const CHUNKS: [usize; 4] = [1, 7, 4096, 1 << 20];

/// Runs `data` through `N` in every chunk size of [`CHUNKS`], checks they agree and that
/// every row is accounted for, and returns (rows read, the output as [`dump`] lines).
pub fn run_chunks<N: Normalizer>(
    kind: &str,
    file_name: &str,
    params: &[(&str, &str)],
    data: &[u8],
) -> (u64, Vec<String>) {
    let mut first: Option<(u64, Vec<String>)> = None;
    for chunk in CHUNKS {
        let b = run_file::<N>(kind, file_name, params, data, chunk)
            .unwrap_or_else(|e| panic!("chunk {chunk}: {e:?}"));
        assert_every_row_accounted(&b);
        let got = (b.rows_read, dump(&b));
        match &first {
            None => first = Some(got),
            Some(f) => assert_eq!(&got, f, "chunk size {chunk} differs from {}", CHUNKS[0]),
        }
    }
    first.unwrap()
}

/// Runs `data` through `N` in every chunk size of `chunks`, checks every row is accounted
/// for and that every size gives the same batch, and returns it: for tests that read the
/// batch's columns rather than its [`dump`].
pub fn run_batch_in<N: Normalizer>(
    kind: &str,
    file_name: &str,
    params: &[(&str, &str)],
    data: &[u8],
    chunks: &[usize],
) -> Batch {
    let mut first: Option<Batch> = None;
    for &chunk in chunks {
        let b = run_file::<N>(kind, file_name, params, data, chunk)
            .unwrap_or_else(|e| panic!("chunk {chunk}: {e:?}"));
        assert_every_row_accounted(&b);
        match &first {
            None => first = Some(b),
            Some(f) => assert_eq!(
                format!("{b:?}"),
                format!("{f:?}"),
                "chunk size {chunk} differs"
            ),
        }
    }
    first.unwrap()
}

/// The error `N` refuses `data` with, the same in every chunk size of [`CHUNKS`].
pub fn run_err_chunks<N: Normalizer>(
    kind: &str,
    file_name: &str,
    params: &[(&str, &str)],
    data: &[u8],
) -> NormalizeError {
    let mut first = None;
    for chunk in CHUNKS {
        let e = run_file::<N>(kind, file_name, params, data, chunk)
            .err()
            .unwrap_or_else(|| panic!("chunk {chunk}: no error"));
        if let Some(f) = &first {
            assert_eq!(&e, f, "chunk size {chunk}");
        }
        first = Some(e);
    }
    first.unwrap()
}

/// A normalizer's `info` is what its docs say: its name and version, its parameters (name,
/// default) in order, each described in more than `min_description` bytes, and the exports
/// it accepts.
pub fn assert_info(
    i: &Info,
    name: &str,
    version: &str,
    params: &[(&str, &str)],
    min_description: usize,
    accepts: &[&str],
) {
    assert_eq!((i.name.as_str(), i.version.as_str()), (name, version));
    let declared: Vec<(&str, &str)> = i
        .params
        .iter()
        .map(|p| (p.name.as_str(), p.default_value.as_str()))
        .collect();
    assert_eq!(declared, params);
    assert!(
        i.params
            .iter()
            .all(|p| p.description.len() > min_description),
        "every parameter is described"
    );
    assert_eq!(i.accepts, accepts);
}

/// Every row read is in some output or in the rejects: the host's rule.
pub fn assert_every_row_accounted(b: &Batch) {
    for r in 1..=b.rows_read {
        let seen = b.conv_row.contains(&r)
            || b.touch_row.contains(&r)
            || b.event_row.contains(&r)
            || b.rejects.iter().any(|(row, _, _)| *row == r);
        assert!(seen, "row {r} was dropped");
    }
}

/// `2026-03-04 15:05` (+offset when given), `-` for no time.
pub fn fmt_time(t: Time) -> String {
    if t.is_none() {
        return "-".into();
    }
    let days = t.wall_ms.div_euclid(86_400_000);
    let ms = t.wall_ms.rem_euclid(86_400_000);
    // civil_from_days (H. Hinnant)
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    let mut s = format!(
        "{y}-{m:02}-{d:02} {:02}:{:02}",
        ms / 3_600_000,
        ms / 60_000 % 60
    );
    if let Some(o) = t.offset_min {
        s.push_str(&format!("{o:+}"));
    }
    s
}

/// A batch as readable lines, one a record or reject, for comparing outputs.
pub fn dump(b: &Batch) -> Vec<String> {
    let mut v = vec![];
    for i in 0..b.conversions() {
        let c = |k: usize| b.conv[k].get(i);
        v.push(format!(
            "conv {} id={} account={} domain={} stage={} amount={} currency={} created={} closed={} lead_source={} campaign={}",
            b.conv_row[i],
            c(conv_col::ID),
            c(conv_col::ACCOUNT),
            c(conv_col::ACCOUNT_DOMAIN),
            c(conv_col::STAGE),
            c(conv_col::AMOUNT),
            c(conv_col::CURRENCY),
            fmt_time(b.conv_created.get(i)),
            fmt_time(b.conv_closed.get(i)),
            c(conv_col::LEAD_SOURCE),
            c(conv_col::CAMPAIGN),
        ));
    }
    for i in 0..b.touches() {
        let t = |k: usize| b.touch[k].get(i);
        v.push(format!(
            "touch {} person={} account={} time={} channel={} source={} medium={} campaign={} asset={} region={} segment={} type={}",
            b.touch_row[i],
            t(touch_col::PERSON),
            t(touch_col::ACCOUNT),
            fmt_time(b.touch_time.get(i)),
            t(touch_col::CHANNEL),
            t(touch_col::SOURCE),
            t(touch_col::MEDIUM),
            t(touch_col::CAMPAIGN),
            t(touch_col::ASSET),
            t(touch_col::REGION),
            t(touch_col::SEGMENT),
            t(touch_col::TOUCH_TYPE),
        ));
    }
    for i in 0..b.stage_events() {
        v.push(format!(
            "event {} kind={} subject={} account={} stage={} time={}",
            b.event_row[i],
            b.event_kind[i],
            b.event[0].get(i),
            b.event[1].get(i),
            b.event[2].get(i),
            fmt_time(b.event_time.get(i)),
        ));
    }
    for (row, col, why) in &b.rejects {
        v.push(format!("reject {row} [{col}] {why}"));
    }
    v
}

/// Touch `i` as [person, account, channel, source, medium, campaign, asset, region,
/// segment, touch type].
pub fn touch(b: &Batch, i: usize) -> Vec<&str> {
    (0..10).map(|c| b.touch[c].get(i)).collect()
}

/// Conversion `i` as [id, account, account domain, stage, amount, currency, lead source,
/// campaign].
pub fn conv(b: &Batch, i: usize) -> Vec<&str> {
    (0..8).map(|c| b.conv[c].get(i)).collect()
}

/// Stage event `i` as (row, kind, [subject, account, stage], time).
pub fn event(b: &Batch, i: usize) -> (u64, u8, Vec<&str>, Time) {
    (
        b.event_row[i],
        b.event_kind[i],
        (0..3).map(|c| b.event[c].get(i)).collect(),
        b.event_time.get(i),
    )
}

/// The rejects as (row, column, reason).
pub fn rejects(b: &Batch) -> Vec<(u64, &str, &str)> {
    b.rejects
        .iter()
        .map(|(r, c, w)| (*r, c.as_str(), w.as_str()))
        .collect()
}

/// Every byte the plugin emitted, to prove a value never leaks.
pub fn emitted_text(b: &Batch) -> String {
    let mut s = String::new();
    for c in b.touch.iter().chain(b.conv.iter()).chain(b.event.iter()) {
        s.push_str(std::str::from_utf8(&c.data).unwrap());
        s.push('\n');
    }
    for (_, col, why) in &b.rejects {
        s.push_str(col);
        s.push_str(why);
    }
    s
}

// ------------------------------------------------------------------------------------------
// Throughput of a normalizer, natively: the bundled normalizers' `throughput` benches
// (`cargo bench -p normalizer-… --bench throughput`).

/// A file of at least `bytes` bytes: `header`, then `row(0)`, `row(1)`, … Returns the
/// file and how many rows it holds.
pub fn rows_until(
    header: &str,
    bytes: usize,
    mut row: impl FnMut(u64) -> String,
) -> (Vec<u8>, u64) {
    let mut data = Vec::with_capacity(bytes + (1 << 20));
    data.extend_from_slice(header.as_bytes());
    let mut i = 0u64;
    while data.len() < bytes {
        data.extend_from_slice(row(i).as_bytes());
        i += 1;
    }
    (data, i)
}

/// Amount `i` as reports write it: every third `"$12,345.00"` (quoted, with a currency sign
/// and a thousands separator), the others `12345.50`.
pub fn amount_text(i: u64) -> String {
    if i.is_multiple_of(3) {
        format!("\"${},{:03}.00\"", 10 + i % 90, i % 1000)
    } else {
        format!("{}.50", 1000 + i % 90_000)
    }
}

/// The SDK's CSV reader with no mapping at all: the floor under any CSV normalizer.
pub struct ReaderOnly;

impl CsvRows for ReaderOnly {
    fn info() -> Info {
        Info {
            name: "reader-only".into(),
            version: "0".into(),
            description: String::new(),
            params: vec![],
            accepts: vec![],
        }
    }
    fn open(_: &SourceInfo, _: &Params) -> Result<Self, NormalizeError> {
        Ok(ReaderOnly)
    }
    fn header(&mut self, _: &Header) -> Result<(), NormalizeError> {
        Ok(())
    }
    fn row(&mut self, _: u64, r: &Record, _: &mut Batch) {
        std::hint::black_box(r.len());
    }
}

/// The host's loop: 1 MiB chunks, each push's batch moved out as the session hands it over,
/// so memory stays at one chunk's output. Returns (rows read, rejects).
pub fn streamed<N: Normalizer>(kind: &str, params: &[(&str, &str)], data: &[u8]) -> (u64, usize) {
    let given: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let p = Params::resolve(&N::info().params, &given).unwrap();
    let source = SourceInfo {
        kind: kind.into(),
        file_name: "big.csv".into(),
    };
    let mut n = N::open(&source, &p).unwrap_or_else(|e| panic!("{e:?}"));
    let mut out = Batch::default();
    let mut rejects = 0;
    for c in data.chunks(1 << 20) {
        n.push(c, &mut out).unwrap_or_else(|e| panic!("{e:?}"));
        rejects += std::hint::black_box(out.take_wit()).rejects.len();
    }
    n.finish(&mut out).unwrap_or_else(|e| panic!("{e:?}"));
    rejects += out.take_wit().rejects.len();
    (out.rows_read, rejects)
}

/// Runs `f` `runs` times: the fastest wall time in seconds, and the last answer.
pub fn best_of<T>(runs: usize, mut f: impl FnMut() -> T) -> (f64, T) {
    let mut best = f64::MAX;
    let mut last = None;
    for _ in 0..runs.max(1) {
        let t = std::time::Instant::now();
        last = Some(f());
        best = best.min(t.elapsed().as_secs_f64());
    }
    (best, last.unwrap())
}

/// `data` through `N` three ways, best of four each, printed in MB/s: `run_file` (one
/// batch), streamed as the host streams it, and the SDK's CSV reader alone. Every row must
/// come out without a reject.
pub fn measure<N: Normalizer>(label: &str, kind: &str, params: &[(&str, &str)], data: &[u8]) {
    let mb = data.len() as f64 / 1e6;
    let (s, b) = best_of(4, || {
        run_file::<N>(kind, "big.csv", params, data, 1 << 20).unwrap_or_else(|e| panic!("{e:?}"))
    });
    assert!(b.rejects.is_empty(), "{:?}", &b.rejects[..1]);
    let (streaming, (_, rejects)) = best_of(4, || streamed::<N>(kind, params, data));
    assert_eq!(rejects, 0);
    let (floor, _) = best_of(4, || streamed::<Csv<ReaderOnly>>(kind, &[], data));
    println!(
        "{label}: {mb:.1} MB, {} rows: run_file {:.0} MB/s, streamed like the host {:.0} MB/s (the SDK reader alone: {:.0} MB/s)",
        b.rows_read,
        mb / s,
        mb / streaming,
        mb / floor
    );
}

/// Runs `f` once and prints its throughput over `bytes`, by this thread's CPU time when
/// Linux reports it (the machine may be shared) and by wall time.
pub fn timed<T>(label: &str, bytes: usize, f: impl FnOnce() -> T) -> T {
    let (start, cpu0) = (std::time::Instant::now(), cpu_secs());
    let r = f();
    let wall = start.elapsed().as_secs_f64();
    let cpu = cpu_secs().zip(cpu0).map_or(wall, |(a, b)| a - b);
    let mb = bytes as f64 / 1e6;
    println!(
        "{label}: {mb:.1} MB, {:.0} MB/s by CPU time ({cpu:.3} s), {:.0} MB/s by wall time ({wall:.3} s)",
        mb / cpu,
        mb / wall
    );
    r
}

/// CPU time this thread has run, in seconds (Linux; the machine may be shared, so wall
/// time alone understates the plugin's speed).
pub fn cpu_secs() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    Some(s.split_whitespace().next()?.parse::<f64>().ok()? / 1e9)
}
