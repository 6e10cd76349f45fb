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
    /// What the host may keep of one source's records (normalizers only), as the host
    /// counts it: each record's text plus [`HOST_BYTES_PER_RECORD`] and
    /// [`HOST_BYTES_PER_TEXT`] (see [`crate::normalizer::Batch::host_bytes`]). The
    /// plugin's own memory limit does not bound this: a plugin that answers every 1 MiB
    /// chunk with 120 MiB of distinct, valid records stays small itself while the host
    /// keeps them all. The budget grows with the bytes the plugin has been given:
    /// `host_bytes_per_input` × input + `host_bytes_floor`, at most `host_bytes_max`.
    /// Default 16× + 40 MiB, at most 16 GiB. Measured with the bundled normalizers, the
    /// densest source counts 4.4× its input (HubSpot contacts, up to six records a row) on
    /// the demo and on a generated 1M-touch campaign alike; Salesforce members 3.4×, which
    /// on the 10M-touch campaign's 1.1 GB members file is 3.7 GB (the records as counted;
    /// the host interns repeated text, so it really keeps far less).
    pub host_bytes_per_input: u64,
    /// Added to the rule above, so a small file's first batches are never refused.
    pub host_bytes_floor: u64,
    /// The most any source may cost, whatever the rule gives.
    pub host_bytes_max: u64,
    /// Set by a campaign's `limits.host_memory_mib`: a fixed budget for the source instead
    /// of the rule above, up to `CAPS.host_bytes_max`.
    pub host_bytes_fixed: Option<u64>,
}

/// What a record costs the host besides its text: its own struct (a touch is 72 bytes, a
/// conversion about 200), its row's verdict and a share of the column vectors.
pub const HOST_BYTES_PER_RECORD: u64 = 128;
/// What a non-empty text field costs besides its bytes: a distinct value is an entry in
/// the source's symbol and memo tables.
pub const HOST_BYTES_PER_TEXT: u64 = 32;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            memory_bytes: 256 << 20,
            time_per_call: Duration::from_secs(10),
            fuel: None,
            stderr_bytes: 64 << 10,
            memory_scales: true,
            host_bytes_per_input: 16,
            host_bytes_floor: 40 << 20,
            host_bytes_max: 16 << 30,
            host_bytes_fixed: None,
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
        host_bytes_per_input: 16,
        host_bytes_floor: 40 << 20,
        host_bytes_max: 64 << 30,
        host_bytes_fixed: None,
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

    /// Applies a campaign's `limits.host_memory_mib`: a fixed budget for what the host
    /// keeps of the source's records, up to the cap.
    pub fn with_host_memory(mut self, mib: Option<u64>) -> Result<Limits, String> {
        if let Some(m) = mib {
            let bytes = m.saturating_mul(1 << 20);
            if m == 0 || bytes > Self::CAPS.host_bytes_max {
                return Err(format!(
                    "host_memory_mib = {m} is outside 1..={}",
                    Self::CAPS.host_bytes_max >> 20
                ));
            }
            self.host_bytes_fixed = Some(bytes);
        }
        Ok(self)
    }

    /// What the host may keep of a source's records once the plugin has been given
    /// `input_bytes`, and the rule that set it, for the error message.
    pub fn host_budget(&self, input_bytes: u64) -> (u64, String) {
        if let Some(b) = self.host_bytes_fixed {
            return (b, format!("set by `limits.host_memory_mib = {}`", b >> 20));
        }
        let scaled = self
            .host_bytes_per_input
            .saturating_mul(input_bytes)
            .saturating_add(self.host_bytes_floor);
        if scaled > self.host_bytes_max {
            return (
                self.host_bytes_max,
                format!("the ceiling of {}", show_bytes(self.host_bytes_max)),
            );
        }
        (
            scaled,
            format!(
                "{}× the {} read so far + {}",
                self.host_bytes_per_input,
                show_bytes(input_bytes),
                show_bytes(self.host_bytes_floor)
            ),
        )
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

    /// The memory limit in MiB, as campaigns and messages write it.
    pub fn memory_mib(&self) -> u64 {
        self.memory_bytes >> 20
    }
}

/// Human form of a size for messages: `6 bytes`, `12.5 KiB`, `16 MiB`, `1.5 MiB`, `4 GiB`.
pub fn show_bytes(b: u64) -> String {
    const KIB: u64 = 1 << 10;
    const MIB: u64 = 1 << 20;
    const GIB: u64 = 1 << 30;
    let frac = |unit: u64, name: &str| {
        if b.is_multiple_of(unit) || b >= 100 * unit {
            format!("{} {name}", b / unit)
        } else {
            format!("{:.1} {name}", b as f64 / unit as f64)
        }
    };
    if b < KIB {
        format!("{b} bytes")
    } else if b < MIB {
        frac(KIB, "KiB")
    } else if b < GIB {
        frac(MIB, "MiB")
    } else {
        frac(GIB, "GiB")
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_host_budget_grows_with_the_input_up_to_its_ceiling() {
        let l = Limits::default();
        assert_eq!(
            l.host_budget(1 << 20),
            (56 << 20, "16× the 1 MiB read so far + 40 MiB".to_string())
        );
        assert_eq!(
            l.host_budget(6),
            (
                (40 << 20) + 96,
                "16× the 6 bytes read so far + 40 MiB".to_string()
            )
        );
        assert_eq!(
            l.host_budget(1 << 30),
            (16 << 30, "the ceiling of 16 GiB".to_string())
        );
        let fixed = l.with_host_memory(Some(512)).unwrap();
        assert_eq!(
            fixed.host_budget(1 << 30),
            (
                512 << 20,
                "set by `limits.host_memory_mib = 512`".to_string()
            )
        );
        assert_eq!(
            l.with_host_memory(Some(0)).unwrap_err(),
            "host_memory_mib = 0 is outside 1..=65536"
        );
        assert_eq!(
            l.with_host_memory(Some(65537)).unwrap_err(),
            "host_memory_mib = 65537 is outside 1..=65536"
        );
        assert_eq!(show_bytes(1536 << 10), "1.5 MiB");
        assert_eq!(show_bytes(12_800), "12.5 KiB");
    }
}
