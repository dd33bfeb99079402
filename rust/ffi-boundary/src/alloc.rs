//! A counting global allocator, so the host can observe leaks: [`live`] is the number of heap
//! blocks currently allocated by Rust, whoever asked for them. A binding installs it with
//! [`crate::exports!`], which also exports the count as `live_allocations`.
//!
//! Underneath the counter:
//! - on wasm32, [`SizeClasses`]: free lists by size class in front of the target's allocator
//!   (dlmalloc), as glibc's tcache sits in front of malloc on native targets;
//! - on native Unix targets, C's allocator ([`Malloc`]): a C client may free what the library
//!   hands out with C `free()` (the write-up's Go program does that with the seed's `Error` and
//!   its message), so every block is a malloc block, by this crate's choice and not by an
//!   implementation detail of `std`;
//! - elsewhere, `std`'s system allocator.

use std::alloc::{GlobalAlloc, Layout};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The counting allocator. `exports!` declares it as the binding's `#[global_allocator]`.
pub struct Counting;

#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
use cache::Cached as Inner;
#[cfg(unix)]
use malloc::Malloc as Inner;
#[cfg(not(any(unix, all(target_arch = "wasm32", not(target_feature = "atomics")))))]
use std::alloc::System as Inner;

#[cfg(unix)]
pub use malloc::Malloc;

static LIVE: AtomicUsize = AtomicUsize::new(0);

#[cfg(any(test, feature = "thread-counts"))]
thread_local! {
    static THREAD_LIVE: std::cell::Cell<isize> = const { std::cell::Cell::new(0) };
}

#[inline]
fn counted() {
    // Relaxed is enough: the counter is a statistic read after the calls it describes returned.
    LIVE.fetch_add(1, Ordering::Relaxed);
    #[cfg(any(test, feature = "thread-counts"))]
    let _ = THREAD_LIVE.try_with(|c| c.set(c.get() + 1));
}

#[inline]
fn uncounted() {
    LIVE.fetch_sub(1, Ordering::Relaxed);
    #[cfg(any(test, feature = "thread-counts"))]
    let _ = THREAD_LIVE.try_with(|c| c.set(c.get() - 1));
}

// #[inline] throughout: the binding crate instantiates the allocator (`exports!`), and without the
// hint LTO left each method as a call of its own under `__rust_alloc` and `__rust_dealloc`.
unsafe impl GlobalAlloc for Counting {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = Inner.alloc(layout);
        if !p.is_null() {
            counted();
        }
        p
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = Inner.alloc_zeroed(layout);
        if !p.is_null() {
            counted();
        }
        p
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        Inner.dealloc(ptr, layout);
        uncounted();
    }

    // realloc keeps the count: one block in, one block out.
    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        Inner.realloc(ptr, layout, new_size)
    }
}

/// Heap blocks currently held by Rust code in this module or library, on every thread. A block a
/// C client freed with C `free()` instead of the library's free function stays counted.
pub fn live() -> usize {
    LIVE.load(Ordering::Relaxed)
}

/// Blocks allocated minus blocks freed by this thread (feature `thread-counts`, for tests: a test
/// that checks its own allocations with it can run beside other tests).
#[cfg(any(test, feature = "thread-counts"))]
pub fn live_on_this_thread() -> isize {
    THREAD_LIVE.with(|c| c.get())
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

    /// C's allocator as a Rust allocator.
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
                // A posix_memalign block may be passed to realloc too (POSIX).
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

    #[cfg(test)]
    mod tests {
        use super::*;

        extern "C" {
            fn malloc_usable_size(ptr: *mut c_void) -> usize;
        }

        #[test]
        fn every_layout_gives_a_block_c_free_accepts() {
            for (size, align) in [(1, 1), (3, 8), (16, 8), (24, 16), (40, 32), (64, 4096), (100_000, 64)] {
                let layout = Layout::from_size_align(size, align).unwrap();
                unsafe {
                    let p = Malloc.alloc(layout);
                    assert!(!p.is_null());
                    assert_eq!(p as usize % align, 0, "{size} bytes aligned to {align}");
                    assert!(malloc_usable_size(p.cast()) >= size, "a malloc block of {size} bytes");
                    p.write_bytes(0xAB, size);
                    free(p.cast());
                    let z = Malloc.alloc_zeroed(layout);
                    assert_eq!(z as usize % align, 0);
                    assert!(std::slice::from_raw_parts(z, size).iter().all(|&b| b == 0));
                    Malloc.dealloc(z, layout);
                }
            }
        }

        #[test]
        fn realloc_keeps_the_bytes_and_the_alignment() {
            unsafe {
                for align in [1, 8, 64] {
                    let mut layout = Layout::from_size_align(5, align).unwrap();
                    let mut p = Malloc.alloc(layout);
                    for i in 0..5 {
                        *p.add(i) = i as u8;
                    }
                    for new_size in [17, 4000, 64, 5] {
                        p = Malloc.realloc(p, layout, new_size);
                        assert!(!p.is_null());
                        assert_eq!(p as usize % align, 0, "aligned to {align} after realloc to {new_size}");
                        for i in 0..5 {
                            assert_eq!(*p.add(i), i as u8, "byte {i} after realloc to {new_size}");
                        }
                        layout = Layout::from_size_align(new_size, align).unwrap();
                    }
                    Malloc.dealloc(p, layout);
                }
            }
        }
    }
}

/// Free lists by size class for blocks of up to [`cache::LARGEST`] bytes, on wasm32 without
/// threads. A small object (a person, say) is one such block, so after warm-up an allocation and
/// its free are a few loads and stores instead of a trip through dlmalloc's bins, which in a Wasm
/// runtime costs tens of bounds-checked memory accesses. A freed block goes back to its class's
/// list, not to dlmalloc: the memory held is bounded by the most blocks of each class ever live
/// at once. When dlmalloc runs out, every cached block is handed back to it and the request is
/// tried once more, so memory freed in one class can still serve another.
#[cfg(any(test, all(target_arch = "wasm32", not(target_feature = "atomics"))))]
mod cache {
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::ptr;

    /// Classes are multiples of this size, which is also their alignment.
    const GRANULE: usize = 16;
    const CLASSES: usize = 16;
    pub const LARGEST: usize = GRANULE * CLASSES;

    /// The lists: the head of each class's list; a free block's first word points to the next
    /// one. The wasm32 allocator is one static instance; the tests make their own.
    pub struct SizeClasses {
        heads: [*mut u8; CLASSES],
    }

    /// The class of a layout, if it is cached: sizes 1..=256 with alignment up to 16.
    #[inline]
    fn class(layout: Layout) -> Option<usize> {
        if layout.size() == 0 || layout.size() > LARGEST || layout.align() > GRANULE {
            return None;
        }
        Some((layout.size() - 1) / GRANULE)
    }

    /// Every block of class `c` is allocated from the system with this layout.
    #[inline]
    fn class_layout(c: usize) -> Layout {
        // SAFETY: a non-zero multiple of 16, aligned to 16.
        unsafe { Layout::from_size_align_unchecked((c + 1) * GRANULE, GRANULE) }
    }

    #[cold]
    #[inline(never)]
    fn no_such_class(_c: usize) -> ! {
        panic!("no such size class")
    }

    impl SizeClasses {
        pub const fn new() -> SizeClasses {
            SizeClasses { heads: [ptr::null_mut(); CLASSES] }
        }

        /// The head of class `c`'s list. [`class`] never answers more than `CLASSES - 1`, but the
        /// check stays, and its panic is a function of this crate: this code is inlined into the
        /// binding's build, where a panic location names this file by its absolute path, and the
        /// module would then differ between two checkouts.
        #[inline]
        fn list(&mut self, c: usize) -> &mut *mut u8 {
            match self.heads.get_mut(c) {
                Some(head) => head,
                None => no_such_class(c),
            }
        }

        /// Hands every cached block back to the system allocator; true if there was any.
        #[inline]
        pub unsafe fn release_all(&mut self) -> bool {
            let mut any = false;
            for (c, head) in self.heads.iter_mut().enumerate() {
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
        #[inline]
        unsafe fn system_alloc(&mut self, layout: Layout) -> *mut u8 {
            let p = System.alloc(layout);
            if p.is_null() && self.release_all() {
                return System.alloc(layout);
            }
            p
        }

        #[inline]
        pub unsafe fn alloc(&mut self, layout: Layout) -> *mut u8 {
            let c = match class(layout) {
                Some(c) => c,
                None => return self.system_alloc(layout),
            };
            let list = self.list(c);
            let head = *list;
            if head.is_null() {
                return self.system_alloc(class_layout(c));
            }
            *list = *head.cast::<*mut u8>();
            head
        }

        #[inline]
        pub unsafe fn dealloc(&mut self, ptr: *mut u8, layout: Layout) {
            let c = match class(layout) {
                Some(c) => c,
                None => return System.dealloc(ptr, layout),
            };
            // Every block of a class is at least 16 bytes and 16-aligned: room for the link.
            let list = self.list(c);
            ptr.cast::<*mut u8>().write(*list);
            *list = ptr;
        }

        #[inline]
        pub unsafe fn realloc(&mut self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            let new_layout = Layout::from_size_align_unchecked(new_size, layout.align());
            match (class(layout), class(new_layout)) {
                (Some(old), Some(new)) if old == new => ptr,
                (None, None) => {
                    let p = System.realloc(ptr, layout, new_size);
                    if p.is_null() && self.release_all() {
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

    #[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
    pub use global::Cached;

    #[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
    mod global {
        use super::SizeClasses;
        use std::alloc::{GlobalAlloc, Layout};
        use std::cell::UnsafeCell;

        struct Shared(UnsafeCell<SizeClasses>);

        // SAFETY: wasm32 without the atomics feature has exactly one thread.
        unsafe impl Sync for Shared {}

        static CACHE: Shared = Shared(UnsafeCell::new(SizeClasses::new()));

        /// The wasm32 allocator: the one instance of the lists, over dlmalloc.
        pub struct Cached;

        unsafe impl GlobalAlloc for Cached {
            #[inline]
            unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
                (*CACHE.0.get()).alloc(layout)
            }

            #[inline]
            unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
                (*CACHE.0.get()).dealloc(ptr, layout)
            }

            #[inline]
            unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
                (*CACHE.0.get()).realloc(ptr, layout, new_size)
            }
        }
    }

    /// Each test has lists of its own, so the tests run in parallel with each other and with
    /// everything else in the process.
    #[cfg(test)]
    mod tests {
        use super::{SizeClasses, LARGEST};
        use std::alloc::Layout;

        #[test]
        fn released_blocks_leave_the_cache() {
            let mut lists = SizeClasses::new();
            unsafe {
                let l = Layout::from_size_align(40, 8).unwrap();
                let a = lists.alloc(l);
                lists.dealloc(a, l);
                assert!(lists.release_all(), "the freed block was cached, and is handed back");
                assert!(!lists.release_all(), "nothing is left to hand back");
                let b = lists.alloc(l);
                assert!(!b.is_null());
                lists.dealloc(b, l);
                lists.release_all();
            }
        }

        #[test]
        fn a_freed_block_is_reused_by_its_class_only() {
            let mut lists = SizeClasses::new();
            unsafe {
                let l24 = Layout::from_size_align(24, 8).unwrap();
                let a = lists.alloc(l24);
                a.write_bytes(0xAB, 24);
                lists.dealloc(a, l24);
                // 17..=32 bytes share a class: the same block comes back.
                let l32 = Layout::from_size_align(32, 1).unwrap();
                let b = lists.alloc(l32);
                assert_eq!(a, b);
                // Another class does not get it.
                let l8 = Layout::from_size_align(8, 1).unwrap();
                let c = lists.alloc(l8);
                assert_ne!(c, b);
                assert_eq!(c as usize % 16, 0, "class blocks are 16-aligned");
                lists.dealloc(b, l32);
                lists.dealloc(c, l8);
                lists.release_all();
            }
        }

        #[test]
        fn freed_blocks_come_back_last_in_first_out() {
            let mut lists = SizeClasses::new();
            unsafe {
                let l = Layout::from_size_align(100, 4).unwrap();
                let blocks: Vec<*mut u8> = (0..4).map(|_| lists.alloc(l)).collect();
                for &b in &blocks {
                    lists.dealloc(b, l);
                }
                for &b in blocks.iter().rev() {
                    assert_eq!(lists.alloc(l), b);
                }
                for &b in &blocks {
                    lists.dealloc(b, l);
                }
                lists.release_all();
            }
        }

        #[test]
        fn realloc_keeps_the_bytes_across_classes_and_sizes() {
            let mut lists = SizeClasses::new();
            unsafe {
                let mut layout = Layout::from_size_align(5, 1).unwrap();
                let mut p = lists.alloc(layout);
                for i in 0..5 {
                    *p.add(i) = i as u8;
                }
                for new_size in [12, 16, 17, 100, LARGEST, LARGEST + 1, 4000, 300, 40, 5] {
                    p = lists.realloc(p, layout, new_size);
                    assert!(!p.is_null());
                    for i in 0..5 {
                        assert_eq!(*p.add(i), i as u8, "byte {i} after realloc to {new_size}");
                    }
                    layout = Layout::from_size_align(new_size, 1).unwrap();
                }
                lists.dealloc(p, layout);
                lists.release_all();
            }
        }

        #[test]
        fn large_and_overaligned_blocks_bypass_the_cache() {
            let mut lists = SizeClasses::new();
            unsafe {
                for layout in [Layout::from_size_align(LARGEST + 1, 1).unwrap(), Layout::from_size_align(64, 64).unwrap()] {
                    let p = lists.alloc(layout);
                    assert_eq!(p as usize % layout.align(), 0);
                    p.write_bytes(1, layout.size());
                    lists.dealloc(p, layout);
                    assert!(!lists.release_all(), "nothing of {layout:?} was cached");
                }
            }
        }
    }
}
