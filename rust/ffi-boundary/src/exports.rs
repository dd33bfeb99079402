//! The boundary's own exports. A binding declares them with [`exports!`](crate::exports), once,
//! in the module that holds its other `extern "C"` functions:
//!
//! ```ignore
//! /// Version of this ABI; `abi_layout(0)` answers it.
//! pub const ABI_VERSION: i32 = 2;
//!
//! ffi_boundary::exports! { abi_version: ABI_VERSION, layout: layout }
//!
//! /// The binding's layout table: queries 2 and up.
//! fn layout(query: i32) -> Option<i32> { ... }
//! ```
//!
//! The macro defines, in the binding crate:
//!
//! | export | C prototype |
//! |---|---|
//! | `alloc` | `uint8_t *alloc(size_t len)`: freed by `dealloc` with the same `len` |
//! | `dealloc` | `void dealloc(uint8_t *ptr, size_t len)` |
//! | `last_status` | `int32_t last_status(void)`: a [`Status`] code |
//! | `last_error_message` | `const char *last_error_message(void)`: see [`crate::fail_with`] |
//! | `live_allocations` | `uint64_t live_allocations(void)`: see [`crate::alloc::live`] |
//! | `abi_layout` | `int32_t abi_layout(int32_t query)`: see [`crate::layout`] |
//! | `panic_message` | `const char *panic_message(void)`: see [`crate::panic::message`] |
//!
//! and the `#[global_allocator]`, [`crate::alloc::Counting`]. The functions are defined in the
//! binding crate, not here, so they are the binding's exports in every crate type (`cdylib`,
//! `staticlib`, the wasm module), and its layout table is called directly.
//!
//! The functions below are their bodies.

use std::alloc::Layout;
use std::ptr;

use crate::{boundary, set_status, Status};

/// The body of `alloc`: `len` bytes with alignment 1, or null with [`Status::OUT_OF_MEMORY`] when
/// `len` is 0 or the memory is not available.
#[inline]
pub fn alloc(len: usize) -> *mut u8 {
    boundary(ptr::null_mut(), || {
        let layout = match Layout::from_size_align(len, 1) {
            Ok(layout) if len > 0 => layout,
            _ => {
                set_status(Status::OUT_OF_MEMORY);
                return ptr::null_mut();
            }
        };
        // SAFETY: the layout has a non-zero size.
        let p = unsafe { std::alloc::alloc(layout) };
        set_status(if p.is_null() { Status::OUT_OF_MEMORY } else { Status::OK });
        p
    })
}

/// The body of `dealloc`. Null is ignored.
///
/// # Safety
/// `ptr` must be null or a block from `alloc(len)` (or [`crate::mem::bytes_out`] of `len` bytes)
/// with this same `len`, not freed yet.
#[inline]
pub unsafe fn dealloc(ptr: *mut u8, len: usize) {
    boundary((), || {
        if !ptr.is_null() && len > 0 {
            std::alloc::dealloc(ptr, Layout::from_size_align_unchecked(len, 1));
        }
    })
}

/// Declares the boundary's exports and the global allocator in a binding crate: see the
/// [module documentation](crate::exports).
///
/// `abi_version` is an `i32` expression; `layout` is a function or closure from a query (2 and
/// up) to `Some(answer)`, or `None` for a query the binding does not know.
#[macro_export]
macro_rules! exports {
    (abi_version: $abi_version:expr, layout: $layout:expr $(,)?) => {
        #[global_allocator]
        static FFI_BOUNDARY_ALLOCATOR: $crate::alloc::Counting = $crate::alloc::Counting;

        /// Allocates `len` bytes (alignment 1) for the host to write into, e.g. a string argument.
        /// Returns null when `len` is 0 or the memory is not available (then [`last_status`] is
        /// `OutOfMemory`).
        ///
        /// The caller owns the block and frees it with [`dealloc`] and the same `len`.
        #[no_mangle]
        pub extern "C" fn alloc(len: usize) -> *mut u8 {
            $crate::exports::alloc(len)
        }

        /// Frees a block from [`alloc`], or bytes this library returned, with their length. Null
        /// is ignored.
        ///
        /// # Safety
        /// `ptr` must be null or a block from `alloc(len)` with this same `len`, not freed yet.
        #[no_mangle]
        pub unsafe extern "C" fn dealloc(ptr: *mut u8, len: usize) {
            $crate::exports::dealloc(ptr, len)
        }

        /// Why the last call on this thread returned null (a status code; 0 after a success).
        #[no_mangle]
        pub extern "C" fn last_status() -> i32 {
            $crate::last_status().code()
        }

        /// The message recorded with the current status of this thread, or an empty string:
        /// NUL-terminated UTF-8 owned by the library, valid until the next call on this thread.
        #[no_mangle]
        pub extern "C" fn last_error_message() -> *const ::std::os::raw::c_char {
            $crate::last_error_message()
        }

        /// Heap blocks Rust currently holds, for leak checks. Always 64-bit so the signature is
        /// the same on every target.
        #[no_mangle]
        pub extern "C" fn live_allocations() -> u64 {
            $crate::alloc::live() as u64
        }

        /// Describes this build's ABI, one number per query, so a host can check its own
        /// constants: 0 is the ABI version, 1 the pointer size, 2 and up this library's struct
        /// layouts. Unknown queries answer -1.
        #[no_mangle]
        pub extern "C" fn abi_layout(query: i32) -> i32 {
            $crate::layout::abi_layout($abi_version, query, $layout)
        }

        /// Address of the buffer where the panic hook writes the last panic's message and
        /// location, as a NUL-terminated UTF-8 string (empty if nothing panicked). The address
        /// never changes, so a wasm host can read it once at load and read the message after a
        /// trap without calling into the trapped instance again.
        #[no_mangle]
        pub extern "C" fn panic_message() -> *const ::std::os::raw::c_char {
            $crate::panic::message()
        }
    };
}

/// The macro in a crate of its own kind: these tests are a binding with an empty layout table.
#[cfg(test)]
mod tests {
    mod binding {
        crate::exports! { abi_version: 7, layout: |query| if query == 2 { Some(99) } else { None } }
    }
    use super::super::alloc::live_on_this_thread;
    use binding::*;
    use std::ffi::CStr;
    use std::ptr;

    #[test]
    fn alloc_refuses_zero_and_huge() {
        assert!(alloc(0).is_null());
        assert_eq!(last_status(), 6);
        // Printed, so that the pointer escapes: LLVM may fold a malloc whose result is only
        // compared with null into "not null".
        let huge = alloc(usize::MAX);
        assert!(huge.is_null(), "{:?}", huge);
        assert_eq!(last_status(), 6);
        let before = live_on_this_thread();
        let p = alloc(16);
        assert!(!p.is_null());
        assert_eq!(last_status(), 0);
        assert_eq!(live_on_this_thread(), before + 1);
        unsafe { dealloc(p, 16) };
        assert_eq!(live_on_this_thread(), before);
        unsafe { dealloc(ptr::null_mut(), 16) };
    }

    #[test]
    fn the_layout_query_reaches_the_binding() {
        assert_eq!(abi_layout(0), 7);
        assert_eq!(abi_layout(1), std::mem::size_of::<usize>() as i32);
        assert_eq!(abi_layout(2), 99);
        assert_eq!(abi_layout(3), -1);
    }

    #[test]
    fn the_messages_are_strings() {
        let _serial = crate::panic::tests::SERIAL.lock().unwrap_or_else(|e| e.into_inner());
        assert!(!panic_message().is_null());
        assert_eq!(panic_message(), panic_message());
        crate::fail_with(crate::Status(64), format_args!("{} of {}", 1, 2));
        assert_eq!(unsafe { CStr::from_ptr(last_error_message()) }.to_str(), Ok("1 of 2"));
        assert!(live_allocations() > 0);
    }
}
