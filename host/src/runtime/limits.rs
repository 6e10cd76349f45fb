//! What a plugin may use. One struct, every field documented, so the whole sandbox policy
//! reads in one place. Campaign files may override these per plugin, up to [`Limits::CAPS`].

use std::time::Duration;

/// Per-call resource limits for one plugin.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Linear memory, summed over every memory the plugin has. The guest's allocator sees a
    /// failed grow; the host records the refusal so the error can say "memory limit",
    /// not "crashed". Default 256 MiB: the largest bundled plugin on a 10M-touch campaign
    /// peaks near 180 MiB.
    pub memory_bytes: u64,
    /// Wall-clock time per call, enforced by epoch interruption (a 10 ms ticker), so the
    /// limit is honoured to within one tick. Default 10 s: a normalizer call sees one
    /// 1 MiB chunk, a model call a whole data set (which takes well under 1 s at 1M touches).
    pub time_per_call: Duration,
    /// An instruction budget per call (wasmtime fuel). Off by default: fuel makes results
    /// deterministic across machines but costs throughput; turn it on when a plugin's
    /// running time must not depend on the machine (e.g. in `plugin check`).
    pub fuel: Option<u64>,
    /// Bytes of the plugin's stderr kept for error messages (a Rust panic message lands
    /// there). Beyond this, output is dropped, so a chatty plugin cannot fill our memory.
    pub stderr_bytes: usize,
    /// True until a campaign sets `memory_mib`: then a model call's memory limit grows with
    /// its input ([`Limits::for_input`]), because a model must hold its journeys (about
    /// 25 bytes a touch, twice while the weights are built). An explicit limit is kept
    /// exactly as written.
    pub memory_scales: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            memory_bytes: 256 << 20,
            time_per_call: Duration::from_secs(10),
            fuel: None,
            stderr_bytes: 64 << 10,
            memory_scales: true,
        }
    }
}

impl Limits {
    /// No campaign file can raise a limit past these: a typo must not hand a plugin the
    /// whole machine.
    pub const CAPS: Limits = Limits {
        memory_bytes: 4 << 30,
        time_per_call: Duration::from_secs(600),
        fuel: Some(1 << 40),
        stderr_bytes: 1 << 20,
        memory_scales: false,
    };

    /// Applies overrides, refusing values beyond the caps.
    pub fn with_overrides(
        mut self,
        memory_mib: Option<u64>,
        time_ms: Option<u64>,
        fuel: Option<u64>,
    ) -> Result<Limits, String> {
        if let Some(m) = memory_mib {
            let bytes = m.saturating_mul(1 << 20);
            if m == 0 || bytes > Self::CAPS.memory_bytes {
                return Err(format!(
                    "memory_mib = {m} is outside 1..={}",
                    Self::CAPS.memory_bytes >> 20
                ));
            }
            self.memory_bytes = bytes;
            self.memory_scales = false;
        }
        if let Some(t) = time_ms {
            if t == 0 || t > Self::CAPS.time_per_call.as_millis() as u64 {
                return Err(format!(
                    "time_ms = {t} is outside 1..={}",
                    Self::CAPS.time_per_call.as_millis()
                ));
            }
            self.time_per_call = Duration::from_millis(t);
        }
        if let Some(f) = fuel {
            if f == 0 || f > Self::CAPS.fuel.unwrap() {
                return Err(format!(
                    "fuel = {f} is outside 1..={}",
                    Self::CAPS.fuel.unwrap()
                ));
            }
            self.fuel = Some(f);
        }
        Ok(self)
    }

    /// The limits for a call whose input columns take `input_bytes`: the default memory
    /// limit, or 4× the input when that is larger (wasm32 stops at 4 GiB anyway).
    pub fn for_input(mut self, input_bytes: u64) -> Limits {
        if self.memory_scales {
            self.memory_bytes = self
                .memory_bytes
                .max(input_bytes.saturating_mul(4))
                .min(Self::CAPS.memory_bytes);
        }
        self
    }

    pub fn memory_mib(&self) -> u64 {
        self.memory_bytes >> 20
    }
}

/// Human form of a duration for messages: `10 s`, `250 ms`.
pub fn show_duration(d: Duration) -> String {
    if d.as_millis().is_multiple_of(1000) {
        format!("{} s", d.as_secs())
    } else {
        format!("{} ms", d.as_millis())
    }
}
