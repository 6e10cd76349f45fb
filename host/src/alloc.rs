//! The host's allocator: the system allocator, with large blocks on transparent huge pages.
//!
//! A large `Vec` is a fresh `mmap` that the kernel faults in and zeroes 4 KiB at a time
//! when it is first written. For the columns this host moves (6.6M weights are 53 MB)
//! that fault path, not the work, was most of the time: collecting 53 MB of weights into
//! a new `Vec` took 25.7 ms, the same copy into memory advised `MADV_HUGEPAGE` 6.3 ms
//! (docs/performance.md, "Huge pages for the host"). Plugin memory already had the advice
//! (`crates/runtime/src/memory.rs`); this gives it to the host's own large buffers, native models
//! linked into the host included, so a comparison of the two stays fair.
//!
//! Only whole 2 MiB pages inside a block of at least [`THRESHOLD`] bytes are advised, so
//! a small allocation never pays a system call and a huge page never spans two blocks.
//! The advice changes how memory is backed, never its contents or addresses; where the
//! kernel gives no huge pages (THP `never`) it is ignored.

use std::alloc::{GlobalAlloc, Layout, System};

/// Blocks smaller than this stay as the system allocator made them. 4 MiB: the smallest
/// block that always holds one whole, aligned 2 MiB page.
pub const THRESHOLD: usize = 4 << 20;

const HUGE: usize = 2 << 20;

pub struct HugePageAlloc;

#[cfg(target_os = "linux")]
fn advise(ptr: *mut u8, size: usize) {
    if size < THRESHOLD || ptr.is_null() {
        return;
    }
    let start = (ptr as usize).next_multiple_of(HUGE);
    let end = (ptr as usize + size) / HUGE * HUGE;
    if end > start {
        // SAFETY: the range lies inside a block the system allocator just gave us; the
        // advice only changes how its pages are backed. A failure is harmless.
        unsafe {
            libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE);
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn advise(_ptr: *mut u8, _size: usize) {}

// SAFETY: every call is forwarded to `System` unchanged; `advise` never touches contents.
unsafe impl GlobalAlloc for HugePageAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        advise(p, layout.size());
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        advise(p, layout.size());
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        advise(p, new_size);
        p
    }
}
