//! Fault injection for the hosts' tests (feature `fault-injection`, never in the shipped module).
//!
//! Nothing in the store can panic on any input, so the tests need a door: a key that starts with
//! "💥" picks a fault, and the fault is real, done by compiled Rust code.

use std::ptr;

/// Faults by key, raised by `kv_put` after it read its arguments:
/// - "💥panic": a Rust panic; on wasm32 a trap after the panic hook recorded the message.
/// - "💥abort": `std::process::abort()`, a trap with no message.
/// - "💥loop": never returns; only a host that stops the call gets control back.
/// - "💥grow": allocates and keeps memory until the allocator fails, which aborts (on wasm32 a
///   trap once the host's memory cap is reached).
pub fn inject(key: &[u8]) {
    match key {
        b"\xF0\x9F\x92\xA5panic" => panic!("injected panic (fault-injection build)"),
        b"\xF0\x9F\x92\xA5abort" => std::process::abort(),
        b"\xF0\x9F\x92\xA5loop" => spin(),
        b"\xF0\x9F\x92\xA5grow" => grow(),
        _ => {}
    }
}

/// Far from any real address: above the 2 GiB any host lets a module's memory grow to.
pub const OUT_OF_BOUNDS: usize = 0xFFFF_FF00;

/// A result no correct build returns, for `kv_get`: "💥oob" answers a value of 16 bytes at
/// [`OUT_OF_BOUNDS`]. A host that checks what a module returns refuses it before reading.
///
/// # Safety
/// `value_len` must be null or writable.
pub unsafe fn bad_value(key: &[u8], value_len: *mut usize) -> Option<*mut u8> {
    if key == b"\xF0\x9F\x92\xA5oob" && !value_len.is_null() {
        value_len.write(16);
        return Some(OUT_OF_BOUNDS as *mut u8);
    }
    None
}

/// Never true: read through volatile loads, so the optimiser can neither end a loop on it nor
/// drop the code that tests it.
static NEVER: u32 = 0;

fn never() -> bool {
    // SAFETY: a valid, aligned static.
    unsafe { ptr::read_volatile(&NEVER) != 0 }
}

/// A loop the optimiser must keep: every turn reads memory it cannot predict.
fn spin() {
    while !never() {}
}

/// Allocates 64 KiB blocks and never frees them; a volatile write to each keeps the optimiser
/// from removing them. The allocator's failure ends it.
fn grow() {
    while !never() {
        let block = vec![0u8; 64 * 1024].leak();
        // SAFETY: the block is 64 KiB long.
        unsafe { ptr::write_volatile(block.as_mut_ptr(), 1) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ffi::{kv_free, kv_get, kv_new, kv_put, last_status, panic_message};
    use ffi_boundary::Status;
    use std::ffi::CStr;

    #[test]
    fn a_panic_in_kv_put_is_a_status_natively() {
        unsafe {
            let kv = kv_new();
            let key = "💥panic".as_bytes();
            assert_eq!(kv_put(kv, key.as_ptr(), key.len(), ptr::null(), 0), -1);
            assert_eq!(last_status(), Status::PANIC.0);
            let message = CStr::from_ptr(panic_message()).to_str().unwrap();
            assert!(message.contains("injected panic (fault-injection build)"), "{message}");
            assert!(message.contains("rust-kv/src/faults.rs"), "{message}");
            kv_free(kv);
        }
    }

    #[test]
    fn oob_answers_a_value_past_any_memory() {
        unsafe {
            let kv = kv_new();
            let key = "💥oob".as_bytes();
            let mut len = 0;
            assert_eq!(kv_get(kv, key.as_ptr(), key.len(), &mut len) as usize, OUT_OF_BOUNDS);
            assert_eq!(len, 16);
            kv_free(kv);
        }
    }

    #[test]
    fn other_keys_pass() {
        for key in ["💥", "panic", "💥panic!", "💥Loop", "💥grow "] {
            inject(key.as_bytes());
        }
        assert!(!never());
    }
}
