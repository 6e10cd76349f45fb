//! The store each plugin call runs in: a WASI context that grants nothing, fixed clocks,
//! a seeded random source, a memory limiter summed over all memories, and a bounded
//! stderr capture.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use wasmtime::component::{Linker, Resource, ResourceTable};
use wasmtime::{ResourceLimiter, StoreContextMut};
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{DynPollable, OutputStream, Pollable, StreamResult};
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

/// The `wasi:clocks/monotonic-clock` version wasmtime-wasi links (see [`freeze_waits`]).
const MONOTONIC_CLOCK: &str = "wasi:clocks/monotonic-clock@0.2.12";

/// A wait that is already over.
struct Elapsed;

#[wasmtime_wasi::async_trait]
impl Pollable for Elapsed {
    async fn ready(&mut self) {}
}

fn elapsed(table: &mut ResourceTable) -> wasmtime::Result<Resource<DynPollable>> {
    let r = table.push(Elapsed)?;
    wasmtime_wasi::p2::subscribe(table, r)
}

/// Replaces the monotonic clock's waits (`subscribe-duration`, `subscribe-instant`, what
/// `std::thread::sleep` uses) with waits that are over at once. wasmtime-wasi sleeps on
/// the host's real clock inside a host call, where epoch interruption cannot reach: a
/// plugin sleeping for an hour held the host for an hour, whatever its time limit. The
/// clock a plugin reads is frozen anyway (it sees no time pass either way), and a plugin
/// that sleeps in a loop now spins in wasm, where the time limit stops it.
pub fn freeze_waits(linker: &mut Linker<StoreState>) -> wasmtime::Result<()> {
    linker.allow_shadowing(true);
    let mut clock = linker.instance(MONOTONIC_CLOCK)?;
    clock.func_wrap(
        "subscribe-duration",
        |mut cx: StoreContextMut<'_, StoreState>, (_,): (u64,)| {
            Ok((elapsed(&mut cx.data_mut().table)?,))
        },
    )?;
    clock.func_wrap(
        "subscribe-instant",
        |mut cx: StoreContextMut<'_, StoreState>, (_,): (u64,)| {
            Ok((elapsed(&mut cx.data_mut().table)?,))
        },
    )?;
    linker.allow_shadowing(false);
    Ok(())
}

/// A plugin's stderr: keeps the last `cap` bytes (where a panic message lands) and accepts
/// every write, so a chatty plugin neither fills our memory nor fails. (wasmtime-wasi's
/// `MemoryOutputPipe` refuses writes once full: the plugin saw a broken pipe, and a Rust
/// plugin's `eprintln!` panicked.)
#[derive(Clone)]
pub struct StderrTail {
    inner: Arc<Mutex<Tail>>,
}

struct Tail {
    cap: usize,
    bytes: VecDeque<u8>,
    dropped: u64,
}

impl StderrTail {
    /// Keeps at most the last `cap` bytes (the panic message is at the end).
    pub fn new(cap: usize) -> StderrTail {
        StderrTail {
            inner: Arc::new(Mutex::new(Tail {
                cap,
                bytes: VecDeque::new(),
                dropped: 0,
            })),
        }
    }

    fn append(&self, b: &[u8]) {
        let mut t = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let keep = &b[b.len().saturating_sub(t.cap)..];
        t.dropped += (b.len() - keep.len()) as u64;
        let excess = (t.bytes.len() + keep.len()).saturating_sub(t.cap);
        t.bytes.drain(..excess);
        t.dropped += excess as u64;
        t.bytes.extend(keep);
    }

    /// The bytes kept, and how many earlier ones were dropped.
    pub fn contents(&self) -> (Vec<u8>, u64) {
        let t = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        (t.bytes.iter().copied().collect(), t.dropped)
    }
}

impl IsTerminal for StderrTail {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for StderrTail {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }
    fn async_stream(&self) -> Box<dyn tokio::io::AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

impl OutputStream for StderrTail {
    fn write(&mut self, bytes: bytes::Bytes) -> StreamResult<()> {
        self.append(&bytes);
        Ok(())
    }
    fn flush(&mut self) -> StreamResult<()> {
        Ok(())
    }
    fn check_write(&mut self) -> StreamResult<usize> {
        Ok(64 << 10)
    }
}

#[wasmtime_wasi::async_trait]
impl Pollable for StderrTail {
    async fn ready(&mut self) {}
}

impl tokio::io::AsyncWrite for StderrTail {
    fn poll_write(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        self.append(buf);
        std::task::Poll::Ready(Ok(buf.len()))
    }
    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }
    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }
}

/// Seed of the random bytes plugins see. Fixed, so a plugin that samples (e.g. shapley
/// beyond 16 keys) gives the same answer on every run.
pub const RANDOM_SEED: u64 = 0x5eed_a5c1_1be0_0001;

/// The bytes behind a seed (the secure source cycles through `seeded_bytes(RANDOM_SEED)`).
pub fn seeded_bytes(seed: u64) -> Vec<u8> {
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
    /// The most memory the plugin held at once, for [`Usage`](crate::Usage).
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

/// What one store holds for its one call: a WASI context that grants nothing, the memory
/// limiter, and the tail of the plugin's stderr for crash messages.
pub struct StoreState {
    wasi: WasiCtx,
    table: ResourceTable,
    /// Counts and limits memory over all the plugin's memories.
    pub limiter: MemoryLimiter,
    /// The last bytes the plugin wrote to stderr.
    pub stderr: StderrTail,
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
    /// A state for one call under `limits`: memory limit, stderr capture, fixed clocks,
    /// seeded randomness, nothing else granted.
    pub fn new(limits: &Limits) -> StoreState {
        let stderr = StderrTail::new(limits.stderr_bytes);
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

    /// The tail of what the plugin wrote to stderr, lossily decoded.
    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr.contents().0).into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stderr_keeps_the_tail_and_never_refuses_a_write() {
        let t = StderrTail::new(8);
        let mut s = t.clone();
        for chunk in [&b"0123"[..], b"4567", b"89", b"abcdefghijkl"] {
            s.write(bytes::Bytes::copy_from_slice(chunk)).unwrap();
            assert!(s.check_write().unwrap() > 0, "always room for more");
        }
        assert_eq!(t.contents(), (b"efghijkl".to_vec(), 14));
        let small = StderrTail::new(8);
        small.append(b"ab");
        small.append(b"cdefghij");
        assert_eq!(small.contents(), (b"cdefghij".to_vec(), 2));
    }
}
