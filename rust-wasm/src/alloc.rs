//! A counting global allocator, so the host can observe leaks: [`live`] is the number of heap
//! blocks currently allocated by Rust, whoever asked for them.
//!
//! On wasm32 small blocks also go through [`cache`], free lists by size class in front of the
//! target's allocator (dlmalloc), as glibc's tcache sits in front of malloc on native targets.
//!
//! On native Unix targets every block comes from the C allocator ([`malloc`]): a C client may free
//! what this library hands out with C `free()` (the write-up's Go program does that with the
//! `Error` and its message), so that must be the allocator underneath, by this crate's choice and
//! not by an implementation detail of `std`.

use std::alloc::{GlobalAlloc, Layout};
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;

/// The allocator under the counter: the free-list cache on wasm32, C's malloc on native Unix
/// targets, the system allocator elsewhere.
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
use cache::Cached as Inner;
#[cfg(unix)]
use malloc::Malloc as Inner;
#[cfg(not(any(unix, all(target_arch = "wasm32", not(target_feature = "atomics")))))]
use std::alloc::System as Inner;

static LIVE: AtomicUsize = AtomicUsize::new(0);

// Relaxed is enough: the counter is a statistic read after the calls it describes have returned.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = Inner.alloc(layout);
        if !p.is_null() {
            LIVE.fetch_add(1, Ordering::Relaxed);
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = Inner.alloc_zeroed(layout);
        if !p.is_null() {
            LIVE.fetch_add(1, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        Inner.dealloc(ptr, layout);
        LIVE.fetch_sub(1, Ordering::Relaxed);
    }

    // realloc keeps the count: one block in, one block out.
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        Inner.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Heap blocks currently held by Rust code in this module or library.
pub fn live() -> usize {
    LIVE.load(Ordering::Relaxed)
}

/// C's allocator: `malloc`, `calloc`, `realloc` and `free`, with `posix_memalign` for alignments
/// malloc does not promise. Every block it returns, whatever its layout, can be passed to C
/// `free()`.
#[cfg(unix)]
mod malloc {
    use std::alloc::{GlobalAlloc, Layout};
    use std::os::raw::{c_int, c_void};
    use std::ptr;

    extern "C" {
        fn malloc(size: usize) -> *mut c_void;
        fn calloc(count: usize, size: usize) -> *mut c_void;
        fn realloc(ptr: *mut c_void, size: usize) -> *mut c_void;
        fn free(ptr: *mut c_void);
        fn posix_memalign(out: *mut *mut c_void, align: usize, size: usize) -> c_int;
    }

    /// The alignment every malloc block has: glibc and the BSDs give two words (16 bytes on 64-bit
    /// targets, and 16 on 32-bit x86 too), so two words is a safe floor.
    const MIN_ALIGN: usize = 2 * std::mem::size_of::<usize>();

    pub struct Malloc;

    /// Whether plain malloc gives this layout's alignment. A block smaller than its alignment may
    /// come from a smaller size class with less alignment, so that case also takes posix_memalign.
    fn malloc_aligns(layout: Layout) -> bool {
        layout.align() <= MIN_ALIGN && layout.align() <= layout.size()
    }

    unsafe fn aligned(layout: Layout) -> *mut u8 {
        let mut out = ptr::null_mut();
        // posix_memalign wants a multiple of the pointer size.
        let align = layout.align().max(std::mem::size_of::<usize>());
        if posix_memalign(&mut out, align, layout.size()) != 0 {
            return ptr::null_mut();
        }
        out.cast()
    }

    unsafe impl GlobalAlloc for Malloc {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            if malloc_aligns(layout) {
                malloc(layout.size()).cast()
            } else {
                aligned(layout)
            }
        }

        unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
            if malloc_aligns(layout) {
                calloc(1, layout.size()).cast()
            } else {
                let p = aligned(layout);
                if !p.is_null() {
                    p.write_bytes(0, layout.size());
                }
                p
            }
        }

        unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
            free(ptr.cast());
        }

        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            let new_layout = Layout::from_size_align_unchecked(new_size, layout.align());
            if malloc_aligns(new_layout) {
                return realloc(ptr.cast(), new_size).cast();
            }
            let moved = aligned(new_layout);
            if !moved.is_null() {
                ptr::copy_nonoverlapping(ptr, moved, layout.size().min(new_size));
                free(ptr.cast());
            }
            moved
        }
    }
}

/// Free lists by size class for blocks of up to [`cache::LARGEST`] bytes, on wasm32 without
/// threads. A person is one such block, so after warm-up a create/free pair is a few loads and
/// stores instead of a trip through dlmalloc's bins, which in a Wasm runtime costs tens of
/// bounds-checked memory accesses. A freed block goes back to its class's list, not to dlmalloc:
/// the memory held is bounded by the most blocks of each class ever live at once. When dlmalloc
/// runs out, every cached block is handed back to it and the request is tried once more, so memory
/// freed in one class can still serve another.
#[cfg(any(test, all(target_arch = "wasm32", not(target_feature = "atomics"))))]
mod cache {
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::cell::UnsafeCell;
    use std::ptr;

    /// Classes are multiples of this size, which is also their alignment.
    const GRANULE: usize = 16;
    const CLASSES: usize = 16;
    pub const LARGEST: usize = GRANULE * CLASSES;

    /// The head of each class's list; a free block's first word points to the next one.
    struct Lists(UnsafeCell<[*mut u8; CLASSES]>);

    // SAFETY: wasm32 without the atomics feature has exactly one thread. The host's unit tests
    // of this module run on one thread too (`make rust-test`).
    unsafe impl Sync for Lists {}

    static FREE: Lists = Lists(UnsafeCell::new([ptr::null_mut(); CLASSES]));

    pub struct Cached;

    /// The class of a layout, if it is cached: sizes 1..=256 with alignment up to 16.
    fn class(layout: Layout) -> Option<usize> {
        if layout.size() == 0 || layout.size() > LARGEST || layout.align() > GRANULE {
            return None;
        }
        Some((layout.size() - 1) / GRANULE)
    }

    /// Every block of class `c` is allocated from the system with this layout.
    fn class_layout(c: usize) -> Layout {
        // SAFETY: a non-zero multiple of 16, aligned to 16.
        unsafe { Layout::from_size_align_unchecked((c + 1) * GRANULE, GRANULE) }
    }

    /// Hands every cached block back to the system allocator; true if there was any.
    pub unsafe fn release_all() -> bool {
        let lists = &mut *FREE.0.get();
        let mut any = false;
        for (c, head) in lists.iter_mut().enumerate() {
            let mut p = *head;
            while !p.is_null() {
                let next = *p.cast::<*mut u8>();
                System.dealloc(p, class_layout(c));
                p = next;
                any = true;
            }
            *head = ptr::null_mut();
        }
        any
    }

    /// The system allocator, with the cache handed back to it before it gives up.
    unsafe fn system_alloc(layout: Layout) -> *mut u8 {
        let p = System.alloc(layout);
        if p.is_null() && release_all() {
            return System.alloc(layout);
        }
        p
    }

    unsafe impl GlobalAlloc for Cached {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            let c = match class(layout) {
                Some(c) => c,
                None => return system_alloc(layout),
            };
            let lists = &mut *FREE.0.get();
            let head = lists[c];
            if head.is_null() {
                return system_alloc(class_layout(c));
            }
            lists[c] = *head.cast::<*mut u8>();
            head
        }

        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            let c = match class(layout) {
                Some(c) => c,
                None => return System.dealloc(ptr, layout),
            };
            let lists = &mut *FREE.0.get();
            // Every block of a class is at least 16 bytes and 16-aligned: room for the link.
            ptr.cast::<*mut u8>().write(lists[c]);
            lists[c] = ptr;
        }

        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            let new_layout = Layout::from_size_align_unchecked(new_size, layout.align());
            match (class(layout), class(new_layout)) {
                (Some(old), Some(new)) if old == new => ptr,
                (None, None) => {
                    let p = System.realloc(ptr, layout, new_size);
                    if p.is_null() && release_all() {
                        return System.realloc(ptr, layout, new_size);
                    }
                    p
                }
                _ => {
                    let moved = self.alloc(new_layout);
                    if !moved.is_null() {
                        ptr::copy_nonoverlapping(ptr, moved, layout.size().min(new_size));
                        self.dealloc(ptr, layout);
                    }
                    moved
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::cache::{release_all, Cached, LARGEST};
    use std::alloc::{GlobalAlloc, Layout};

    #[test]
    fn released_blocks_leave_the_cache() {
        unsafe {
            release_all();
            let l = Layout::from_size_align(40, 8).unwrap();
            let a = Cached.alloc(l);
            Cached.dealloc(a, l);
            assert!(release_all(), "the freed block was cached, and is handed back");
            assert!(!release_all(), "nothing is left to hand back");
            let b = Cached.alloc(l);
            assert!(!b.is_null());
            Cached.dealloc(b, l);
            release_all();
        }
    }

    #[test]
    fn a_freed_block_is_reused_by_its_class_only() {
        unsafe {
            let l24 = Layout::from_size_align(24, 8).unwrap();
            let a = Cached.alloc(l24);
            a.write_bytes(0xAB, 24);
            Cached.dealloc(a, l24);
            // 17..=32 bytes share a class: the same block comes back.
            let l32 = Layout::from_size_align(32, 1).unwrap();
            let b = Cached.alloc(l32);
            assert_eq!(a, b);
            // Another class does not get it.
            let l8 = Layout::from_size_align(8, 1).unwrap();
            let c = Cached.alloc(l8);
            assert_ne!(c, b);
            assert_eq!(c as usize % 16, 0, "class blocks are 16-aligned");
            Cached.dealloc(b, l32);
            Cached.dealloc(c, l8);
        }
    }

    #[test]
    fn realloc_keeps_the_bytes_across_classes_and_sizes() {
        unsafe {
            let mut layout = Layout::from_size_align(5, 1).unwrap();
            let mut p = Cached.alloc(layout);
            for i in 0..5 {
                *p.add(i) = i as u8;
            }
            for new_size in [12, 16, 17, 100, LARGEST, LARGEST + 1, 4000, 300, 40, 5] {
                p = Cached.realloc(p, layout, new_size);
                assert!(!p.is_null());
                for i in 0..5 {
                    assert_eq!(*p.add(i), i as u8, "byte {i} after realloc to {new_size}");
                }
                layout = Layout::from_size_align(new_size, 1).unwrap();
            }
            Cached.dealloc(p, layout);
        }
    }

    #[test]
    fn large_and_overaligned_blocks_bypass_the_cache() {
        unsafe {
            for layout in [Layout::from_size_align(LARGEST + 1, 1).unwrap(), Layout::from_size_align(64, 64).unwrap()] {
                let p = Cached.alloc(layout);
                assert_eq!(p as usize % layout.align(), 0);
                p.write_bytes(1, layout.size());
                Cached.dealloc(p, layout);
            }
        }
    }
}
