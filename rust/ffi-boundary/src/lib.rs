//! The edge of a Rust crate that other languages call through the C ABI, on wasm32 and natively.
//!
//! A binding crate (for example `rust-wasm/`, the Person API) writes its own `extern "C"`
//! functions and structs, and takes the rest from here:
//!
//! - [`boundary`] and [`call`] wrap an export's body: in the native builds a panic is caught and
//!   becomes [`Status::PANIC`], never an unwind into the caller; on wasm32 a panic aborts, which
//!   is a trap the host turns into an exception, after the panic hook wrote the message where the
//!   host can read it ([`panic`]).
//! - [`Status`] and [`set_status`]: why a call returned null, read by the host through the
//!   `last_status` export; [`fail_with`] adds a message (`last_error_message`).
//! - [`alloc`]: the counting global allocator behind `live_allocations` (on wasm32 with free
//!   lists by size class; natively on C's malloc, so what a C client frees with `free()` is a
//!   malloc block).
//! - [`mem`]: arguments in (C strings, byte arrays, pointers to structs), results out (owned
//!   byte buffers, out-parameters, opaque objects), each refusing null with a status.
//! - [`layout`]: the `abi_layout` query, with which a host checks its struct offsets against the
//!   build it loaded.
//! - [`exports!`]: the boundary's own exports (`alloc`, `dealloc`, `last_status`,
//!   `live_allocations`, `panic_message`, `last_error_message`, `abi_layout`) and the global
//!   allocator, declared once in the binding crate with its ABI version and layout table.
//!
//! An export written with it:
//!
//! ```ignore
//! /// Returns the value stored under `key` (a new buffer of `*out_len` bytes, freed with
//! /// `dealloc(ptr, *out_len)`), or null with `last_status()` saying why.
//! #[no_mangle]
//! pub unsafe extern "C" fn kv_get(store: *const Store, key: *const u8, key_len: usize, out_len: *mut usize) -> *mut u8 {
//!     ffi_boundary::call(ptr::null_mut(), || {
//!         let store = mem::ref_arg(store)?;
//!         let key = mem::bytes_arg(key, key_len)?;
//!         let value = store.get(key).ok_or_else(|| fail_with(NOT_FOUND, format_args!("no key of {} bytes", key.len())))?;
//!         mem::write_out(out_len, value.len())?;
//!         mem::bytes_out(value)
//!     })
//! }
//! ```

use std::panic::{catch_unwind, AssertUnwindSafe};

pub mod alloc;
pub mod exports;
pub mod layout;
pub mod mem;
pub mod panic;
mod status;

pub use status::{fail_with, last_error_message, last_status, set_status, Status};

/// Runs one export's body: installs the panic hook once, and turns a panic into `on_panic` with
/// [`Status::PANIC`]. The body sets the status itself, on success and on failure.
///
/// This is the form for hot exports that set their status by hand; [`call`] sets it from a
/// `Result`.
pub fn boundary<T>(on_panic: T, body: impl FnOnce() -> T) -> T {
    panic::install_hook();
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(value) => value,
        Err(_) => {
            set_status(Status::PANIC);
            on_panic
        }
    }
}

/// Runs one export's body inside [`boundary`] and records its outcome: `Ok(value)` returns
/// `value` with [`Status::OK`]; `Err(status)` and a panic return `on_failure` (null, for a
/// pointer) with that status.
pub fn call<T: Copy>(on_failure: T, body: impl FnOnce() -> Result<T, Status>) -> T {
    boundary(on_failure, || match body() {
        Ok(value) => {
            set_status(Status::OK);
            value
        }
        Err(status) => {
            set_status(status);
            on_failure
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;
    use std::ptr;

    #[test]
    fn call_records_the_outcome() {
        let ok: *mut u8 = call(ptr::null_mut(), || Ok(8 as *mut u8));
        assert_eq!((ok as usize, last_status()), (8, Status::OK));
        let refused: *mut u8 = call(ptr::null_mut(), || Err(Status::INVALID_ARGUMENT));
        assert_eq!((refused, last_status()), (ptr::null_mut(), Status::INVALID_ARGUMENT));
        call((), || Ok(()));
        assert_eq!(last_status(), Status::OK);
    }

    #[test]
    fn a_panic_becomes_a_status_and_a_message() {
        let _serial = panic::tests::SERIAL.lock().unwrap_or_else(|e| e.into_inner());
        let out: *mut u8 = boundary(ptr::null_mut(), || panic!("boom {}", 42));
        assert!(out.is_null());
        assert_eq!(last_status(), Status::PANIC);
        let msg = unsafe { CStr::from_ptr(panic::message()) }.to_str().unwrap();
        assert!(msg.contains("boom 42"), "{msg}");
        assert!(msg.contains("lib.rs"), "{msg}");
        let out: i32 = call(-1, || -> Result<i32, Status> { panic!("in call") });
        assert_eq!((out, last_status()), (-1, Status::PANIC));
    }
}
