//! The store each plugin call runs in: a WASI context that grants nothing, fixed clocks,
//! a seeded random source, a memory limiter summed over all memories, and a bounded
//! stderr capture.

use wasmtime::ResourceLimiter;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{
    Deterministic, HostMonotonicClock, HostWallClock, WasiCtx, WasiCtxBuilder, WasiCtxView,
    WasiView,
};

use super::Limits;

/// The wall clock every plugin sees: 2000-01-01T00:00:00Z, always. A plugin that reads
/// the clock gets the same answer on every run, so results stay reproducible.
pub const FIXED_WALL_CLOCK_SECS: u64 = 946_684_800;

struct FixedWallClock;
impl HostWallClock for FixedWallClock {
    fn resolution(&self) -> std::time::Duration {
        std::time::Duration::from_secs(1)
    }
    fn now(&self) -> std::time::Duration {
        std::time::Duration::from_secs(FIXED_WALL_CLOCK_SECS)
    }
}

struct FixedMonotonicClock;
impl HostMonotonicClock for FixedMonotonicClock {
    fn resolution(&self) -> u64 {
        1_000_000_000
    }
    fn now(&self) -> u64 {
        0
    }
}

/// Seed of the random bytes plugins see. Fixed, so a plugin that samples (e.g. shapley
/// beyond 16 keys) gives the same answer on every run.
const RANDOM_SEED: u64 = 0x5eed_a5c1_1be0_0001;

fn seeded_bytes(seed: u64) -> Vec<u8> {
    // splitmix64: a fixed, documented stream; not for secrets (plugins need none).
    let mut x = seed;
    let mut out = Vec::with_capacity(256);
    for _ in 0..32 {
        x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = x;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        out.extend_from_slice(&(z ^ (z >> 31)).to_le_bytes());
    }
    out
}

/// Counts linear memory over all of a plugin's memories and refuses growth past the limit.
pub struct MemoryLimiter {
    limit: u64,
    total: u64,
    /// Set when growth was refused: the guest then traps in its allocator and the host can
    /// only see `unreachable`, so this is how the error learns the real cause.
    pub refused: bool,
    pub peak: u64,
}

impl ResourceLimiter for MemoryLimiter {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let next = self.total - current as u64 + desired as u64;
        if next > self.limit {
            self.refused = true;
            return Ok(false);
        }
        self.total = next;
        self.peak = self.peak.max(next);
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        // Tables hold function references; a million entries is far beyond any real plugin.
        Ok(desired <= 1_000_000)
    }
}

pub struct StoreState {
    wasi: WasiCtx,
    table: ResourceTable,
    pub limiter: MemoryLimiter,
    pub stderr: MemoryOutputPipe,
}

impl WasiView for StoreState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl StoreState {
    pub fn new(limits: &Limits) -> StoreState {
        let stderr = MemoryOutputPipe::new(limits.stderr_bytes);
        let mut b = WasiCtxBuilder::new();
        // WasiCtxBuilder's defaults already grant no files, env, args or stdin; the
        // network and clocks are the defaults we must override.
        b.stderr(stderr.clone())
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false)
            .wall_clock(FixedWallClock)
            .monotonic_clock(FixedMonotonicClock)
            .secure_random(Deterministic::new(seeded_bytes(RANDOM_SEED)))
            .insecure_random(Deterministic::new(seeded_bytes(RANDOM_SEED ^ 1)))
            .insecure_random_seed(RANDOM_SEED as u128);
        StoreState {
            wasi: b.build(),
            table: ResourceTable::new(),
            limiter: MemoryLimiter {
                limit: limits.memory_bytes,
                total: 0,
                refused: false,
                peak: 0,
            },
            stderr,
        }
    }

    /// What the plugin wrote to stderr, lossily decoded.
    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr.contents()).into_owned()
    }
}
