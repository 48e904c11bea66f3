//! The widget's memory allocator: power-of-two size classes, each with a free list, carved
//! from pages that `memory.grow` appends. It replaces std's dlmalloc, which cost ~7 KB of
//! wasm (raw) on every page view, for a few hundred bytes.
//!
//! Why this is enough here: a page runs one thread; the widget's allocations are small and
//! repetitive (JSON values, strings, the profile and queue texts, each rebuilt the same way on
//! every event), so a freed block is soon reused by a request of the same class. A block is
//! at most twice its request, and wasm memory never shrinks anyway. Memory is only ever
//! added past the current end (never below `__heap_base`, where data and stack live).

use core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;
use core::ptr::null_mut;

/// Smallest block: room for the free list's next pointer and most small values.
const MIN_CLASS: u32 = 4; // 16 bytes
/// One class per power of two up to 2^31.
const CLASSES: usize = 32;
const PAGE: usize = 65_536;
/// Memory is added at least this many pages at a time: every `memory.grow` makes JS drop its
/// views of wasm memory, so few large steps beat many small ones.
const GROW_PAGES: usize = 16;

/// A free block stores the next free block of its class in its first word.
struct Free {
    next: *mut Free,
}

struct State {
    free: [*mut Free; CLASSES],
    /// Next unused byte of the current region, and its end.
    next: usize,
    end: usize,
}

/// The allocator (`#[global_allocator]` in the wasm build).
pub struct Heap(UnsafeCell<State>);

// SAFETY: wasm32 without threads: one thread ever touches the heap.
unsafe impl Sync for Heap {}

impl Heap {
    /// An empty heap; pages are taken on the first allocation.
    pub const fn new() -> Heap {
        Heap(UnsafeCell::new(State { free: [null_mut(); CLASSES], next: 0, end: 0 }))
    }
}

impl Default for Heap {
    fn default() -> Heap {
        Heap::new()
    }
}

/// The class of a request: `log2` of its block size.
fn class_of(layout: Layout) -> Option<usize> {
    let size = layout.size().max(layout.align()).max(1 << MIN_CLASS);
    let class = size.checked_next_power_of_two()?.trailing_zeros() as usize;
    (class < CLASSES).then_some(class)
}

impl State {
    /// `size` bytes aligned to `align` from the current region, growing memory if needed.
    unsafe fn carve(&mut self, size: usize, align: usize) -> *mut u8 {
        let mut at = (self.next + align - 1) & !(align - 1);
        if at.checked_add(size).is_none_or(|e| e > self.end) {
            let pages = (size + align).div_ceil(PAGE).max(GROW_PAGES);
            let before = grow(pages);
            if before == usize::MAX {
                return null_mut();
            }
            let base = before * PAGE;
            if base != self.end {
                // Not contiguous with the old region: start afresh at the new pages.
                self.next = base;
            }
            self.end = base + pages * PAGE;
            at = (self.next + align - 1) & !(align - 1);
        }
        self.next = at + size;
        at as *mut u8
    }
}

#[cfg(target_arch = "wasm32")]
fn grow(pages: usize) -> usize {
    core::arch::wasm32::memory_grow(0, pages)
}

#[cfg(not(target_arch = "wasm32"))]
fn grow(_pages: usize) -> usize {
    usize::MAX
}

unsafe impl GlobalAlloc for Heap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let Some(class) = class_of(layout) else { return null_mut() };
        // SAFETY: single-threaded, and no allocation happens while the state is borrowed.
        let s = unsafe { &mut *self.0.get() };
        let head = s.free[class];
        if !head.is_null() && (head as usize) % layout.align() == 0 {
            // SAFETY: `head` is a block of this class that was freed, so it holds a `Free`.
            s.free[class] = unsafe { (*head).next };
            return head.cast();
        }
        // Blocks are aligned to their size up to 16 bytes (all Rust needs here), more on request.
        let size = 1usize << class;
        unsafe { s.carve(size, layout.align().max(size.min(16))) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let Some(class) = class_of(layout) else { return };
        let s = unsafe { &mut *self.0.get() };
        let block = ptr.cast::<Free>();
        // SAFETY: the block is at least 16 bytes and ours again.
        unsafe { block.write(Free { next: s.free[class] }) };
        s.free[class] = block;
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // Still fits its block: nothing to do (a Vec growing by doubling moves once per class).
        let new = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        if class_of(layout) == class_of(new) {
            return ptr;
        }
        let to = unsafe { self.alloc(new) };
        if !to.is_null() {
            unsafe {
                core::ptr::copy_nonoverlapping(ptr, to, layout.size().min(new_size));
                self.dealloc(ptr, layout);
            }
        }
        to
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_are_powers_of_two_from_16_bytes() {
        let class = |size, align| class_of(Layout::from_size_align(size, align).unwrap());
        assert_eq!(class(0, 1), Some(4));
        assert_eq!(class(1, 1), Some(4));
        assert_eq!(class(16, 8), Some(4));
        assert_eq!(class(17, 1), Some(5));
        assert_eq!(class(4096, 1), Some(12));
        assert_eq!(class(4097, 1), Some(13));
        assert_eq!(class(8, 64), Some(6), "alignment raises the class");
        assert_eq!(class(usize::MAX / 2, 1), None, "too large is refused, never wrapped");
    }
}
