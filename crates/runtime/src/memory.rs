//! Plugin linear memory on transparent huge pages.
//!
//! Every call runs in a fresh store, so every call's memory is new: the kernel must fault
//! in and zero each page the plugin touches. A 1M-touch model call touches about 30 MiB,
//! and with 4 KiB pages that was over half the call (7,700 faults). Asking for huge pages
//! (`MADV_HUGEPAGE`) makes it one fault per 2 MiB: touching 32 MiB of fresh memory took
//! 14.4 ms with small pages and 2.1 ms with huge ones on this machine (docs/performance.md,
//! "The model call path"). Isolation is unchanged: each store still gets memory of its
//! own, zero-filled by the kernel, unmapped when the store is dropped.
//!
//! The layout is wasmtime's own for 32-bit memories: a virtual reservation of
//! `reserved + guard` bytes, inaccessible (`PROT_NONE`) but for the first `size` bytes;
//! growth makes more of it accessible and never moves the base, so compiled code keeps
//! eliding bounds checks against the guard. Where the kernel gives no huge pages (THP set
//! to `never`), the advice is ignored and memory behaves exactly as wasmtime's default.

use std::sync::Arc;

use wasmtime::{LinearMemory, MemoryCreator, MemoryType};

/// Huge pages are 2 MiB on x86-64 and aarch64 with 4 KiB base pages; the reservation is
/// aligned to that so the first huge page starts at the memory's base.
const HUGE: usize = 2 << 20;

/// The largest reservation: all a 32-bit memory can address.
const MAX_RESERVATION: usize = 4 << 30;

/// The memory creator every store's linear memories come from (the engine's
/// `with_host_memory`): fresh mappings on huge pages, unmapped when the store drops.
pub fn creator() -> Arc<dyn MemoryCreator> {
    Arc::new(HugePageMemoryCreator)
}

struct HugePageMemoryCreator;

unsafe impl MemoryCreator for HugePageMemoryCreator {
    fn new_memory(
        &self,
        ty: MemoryType,
        minimum: usize,
        maximum: Option<usize>,
        reserved_size_in_bytes: Option<usize>,
        guard_size_in_bytes: usize,
    ) -> Result<Box<dyn LinearMemory>, String> {
        if ty.is_64() || ty.is_shared() {
            return Err("plugins may only use unshared 32-bit memories".into());
        }
        // Without a reservation from wasmtime, reserve all a 32-bit memory can reach, so
        // growth never moves the memory either way.
        let reserved = reserved_size_in_bytes.unwrap_or(MAX_RESERVATION);
        if minimum > reserved || maximum.is_some_and(|m| m > reserved && m > MAX_RESERVATION) {
            return Err(format!(
                "a memory of {minimum} bytes (maximum {maximum:?}) does not fit a reservation of {reserved} bytes"
            ));
        }
        HugePageMemory::new(minimum, reserved, guard_size_in_bytes).map(|m| Box::new(m) as _)
    }
}

struct HugePageMemory {
    /// The start of the whole mapping (before alignment), for `munmap`.
    mapping: *mut libc::c_void,
    mapping_len: usize,
    /// The memory's base: 2 MiB aligned, inside the mapping.
    base: *mut u8,
    size: usize,
    capacity: usize,
}

// The pointers are owned by this value alone; wasmtime serializes access to a memory.
unsafe impl Send for HugePageMemory {}
unsafe impl Sync for HugePageMemory {}

impl HugePageMemory {
    fn new(size: usize, reserved: usize, guard: usize) -> Result<HugePageMemory, String> {
        let mapping_len = reserved
            .checked_add(guard)
            .and_then(|n| n.checked_add(HUGE))
            .ok_or("memory reservation overflows")?;
        // SAFETY: a fresh anonymous mapping, owned by the returned value.
        let mapping = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                mapping_len,
                libc::PROT_NONE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                -1,
                0,
            )
        };
        if mapping == libc::MAP_FAILED {
            return Err(format!(
                "cannot reserve {mapping_len} bytes for a plugin's memory: {}",
                std::io::Error::last_os_error()
            ));
        }
        let offset = (HUGE - (mapping as usize) % HUGE) % HUGE;
        let mut m = HugePageMemory {
            mapping,
            mapping_len,
            // SAFETY: offset < HUGE, inside the mapping.
            base: unsafe { (mapping as *mut u8).add(offset) },
            size: 0,
            capacity: reserved,
        };
        m.make_accessible(size).map_err(|e| e.to_string())?;
        Ok(m)
    }

    fn make_accessible(&mut self, new_size: usize) -> std::io::Result<()> {
        if new_size <= self.size {
            return Ok(());
        }
        // SAFETY: [base, base + new_size) lies inside the reservation (checked by callers).
        unsafe {
            if libc::mprotect(
                self.base as *mut libc::c_void,
                new_size,
                libc::PROT_READ | libc::PROT_WRITE,
            ) != 0
            {
                return Err(std::io::Error::last_os_error());
            }
            // Advice only: failure (no THP in this kernel) leaves ordinary pages.
            libc::madvise(
                self.base as *mut libc::c_void,
                new_size,
                libc::MADV_HUGEPAGE,
            );
        }
        self.size = new_size;
        Ok(())
    }
}

unsafe impl LinearMemory for HugePageMemory {
    fn byte_size(&self) -> usize {
        self.size
    }

    fn byte_capacity(&self) -> usize {
        self.capacity
    }

    fn grow_to(&mut self, new_size: usize) -> wasmtime::Result<()> {
        if new_size > self.capacity {
            wasmtime::bail!(
                "cannot grow a plugin's memory to {new_size} bytes: past its reservation of {} bytes",
                self.capacity
            );
        }
        self.make_accessible(new_size)?;
        Ok(())
    }

    fn as_ptr(&self) -> *mut u8 {
        self.base
    }
}

impl Drop for HugePageMemory {
    fn drop(&mut self) {
        // SAFETY: the mapping made in `new`, unmapped once.
        unsafe {
            libc::munmap(self.mapping, self.mapping_len);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_starts_zeroed_grows_in_place_and_refuses_past_its_reservation() {
        let mut m = HugePageMemory::new(64 << 10, 8 << 20, 64 << 10).unwrap();
        assert_eq!(m.as_ptr() as usize % HUGE, 0, "2 MiB aligned");
        let base = m.as_ptr();
        // SAFETY: within byte_size.
        let first = unsafe { std::slice::from_raw_parts_mut(base, m.byte_size()) };
        assert!(first.iter().all(|&b| b == 0));
        first[100] = 7;
        m.grow_to(3 << 20).unwrap();
        assert_eq!((m.as_ptr(), m.byte_size()), (base, 3 << 20), "never moves");
        // SAFETY: within byte_size.
        let all = unsafe { std::slice::from_raw_parts_mut(base, m.byte_size()) };
        assert_eq!(all[100], 7, "contents survive growth");
        assert!(
            all[64 << 10..].iter().all(|&b| b == 0),
            "new memory is zero"
        );
        all[(3 << 20) - 1] = 1;
        assert_eq!(
            m.grow_to(9 << 20).unwrap_err().to_string(),
            "cannot grow a plugin's memory to 9437184 bytes: past its reservation of 8388608 bytes"
        );
    }
}
